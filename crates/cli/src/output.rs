//! Files written by commands appear whole or not at all: each is written under a `.partial`
//! name and renamed into place only after every file of the output is complete.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A sink that writes either one file (`single`) or a folder of files.
#[derive(Debug)]
pub struct FileSink {
    base: PathBuf,
    single: bool,
    pending: Vec<(PathBuf, PathBuf)>,
}

impl FileSink {
    /// All files go under the folder `dir`.
    pub fn dir(dir: &Path) -> Self {
        FileSink {
            base: dir.to_owned(),
            single: false,
            pending: Vec::new(),
        }
    }

    /// The one output file goes to `path`, whatever its name inside the engine.
    pub fn file(path: &Path) -> Self {
        FileSink {
            base: path.to_owned(),
            single: true,
            pending: Vec::new(),
        }
    }

    /// Moves every finished file into place.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (tmp, dest) in self.pending {
            std::fs::rename(&tmp, &dest)
                .with_context(|| format!("cannot move {} into place", dest.display()))?;
            done.push(dest);
        }
        Ok(done)
    }
}

impl airdrop_merkle::Sink for FileSink {
    fn create(&mut self, relative: &str) -> std::io::Result<Box<dyn Write + '_>> {
        let dest = if self.single {
            self.base.clone()
        } else {
            self.base.join(relative)
        };
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut tmp = dest.clone().into_os_string();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp)?;
        self.pending.push((tmp, dest));
        Ok(Box::new(BufWriter::with_capacity(1 << 20, file)))
    }
}

/// Reads files of a multi-file output from a folder.
#[derive(Debug)]
pub struct DirFetch(pub PathBuf);

impl airdrop_merkle::verify::Fetch for DirFetch {
    fn open(&mut self, relative: &str) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(File::open(self.0.join(relative))?))
    }
}

/// Opens an input file (or standard input for `-`), naming it in the error.
pub fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        // `Stdin` (not its lock) is `Send`, so the CSV reader can hand it to another thread.
        return Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            std::io::stdin(),
        )));
    }
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, f)))
}
