//! Files written by commands appear whole or not at all: each is written under a `.partial`
//! name and renamed into place only after every file of the output is complete.

use airdrop_merkle::limits::{too_large, Bounded, MAX_INPUT_BYTES};
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

/// Opens an input file (or standard input for `-`), naming it in the error. Only a regular
/// file of at most [`MAX_INPUT_BYTES`] is opened (a folder, `/dev/zero` or a FIFO is refused
/// before any byte is read); standard input is cut off at the same size.
pub fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        // `Stdin` (not its lock) is `Send`, so the CSV reader can hand it to another thread.
        return Ok(Box::new(Bounded::total(
            std::io::BufReader::with_capacity(1 << 20, std::io::stdin()),
            MAX_INPUT_BYTES,
        )));
    }
    let f = open_regular(path, MAX_INPUT_BYTES)
        .with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(Bounded::total(
        std::io::BufReader::with_capacity(1 << 20, f),
        MAX_INPUT_BYTES,
    )))
}

/// Reads a whole input file of at most `cap` bytes, refusing anything but a regular file.
pub fn read_input_file(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let context = || format!("cannot read {}", path.display());
    let file = open_regular(path, cap).with_context(context)?;
    let mut data = Vec::new();
    // The size was checked, but a file can grow between the check and the read.
    file.take(cap + 1)
        .read_to_end(&mut data)
        .with_context(context)?;
    if data.len() as u64 > cap {
        return Err(anyhow::Error::new(too_large(cap)).context(context()));
    }
    Ok(data)
}

/// Reads a whole line-based input (CSV) of at most [`MAX_INPUT_BYTES`], failing as soon as the
/// header or a line is over its bound, so memory never holds more than that.
pub fn read_lines_file(path: &Path) -> Result<Vec<u8>> {
    let context = || format!("cannot read {}", path.display());
    let file = open_regular(path, MAX_INPUT_BYTES).with_context(context)?;
    let mut data = Vec::new();
    Bounded::lines(file)
        .read_to_end(&mut data)
        .with_context(context)?;
    Ok(data)
}

fn open_regular(path: &Path, cap: u64) -> std::io::Result<File> {
    // Checked on the path first: opening a FIFO would block until a writer comes.
    check_regular(&std::fs::metadata(path)?, cap)?;
    let file = File::open(path)?;
    check_regular(&file.metadata()?, cap)?;
    Ok(file)
}

fn check_regular(meta: &std::fs::Metadata, cap: u64) -> std::io::Result<()> {
    let refuse = |msg: &str| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
    if meta.is_dir() {
        return refuse("it is a folder; give the file inside it");
    }
    if !meta.is_file() {
        return refuse("it is not a regular file (a device, a pipe or a socket); give a file");
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    Ok(())
}
