//! Writing a bundle: every file goes through a SHA-256 as it is written (the manifest lists
//! them), into a staging folder beside `--out` that replaces it only when complete.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

type Hashes = Arc<Mutex<BTreeMap<String, String>>>;

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A bundle being written.
#[derive(Debug)]
pub struct BundleDir {
    staging: PathBuf,
    out: PathBuf,
    hashes: Hashes,
}

/// Another handle on the same bundle, so two threads can write different files at once.
#[derive(Debug)]
pub struct DirSink {
    staging: PathBuf,
    hashes: Hashes,
}

struct HashingFile {
    inner: BufWriter<File>,
    hasher: Sha256,
    path: String,
    hashes: Hashes,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Drop for HashingFile {
    fn drop(&mut self) {
        let digest = std::mem::take(&mut self.hasher).finalize();
        if let Ok(mut map) = self.hashes.lock() {
            map.insert(self.path.clone(), hex::encode(digest));
        }
    }
}

fn open(staging: &Path, hashes: &Hashes, relative: &str) -> std::io::Result<HashingFile> {
    let path = staging.join(relative);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = File::create(&path)?;
    Ok(HashingFile {
        inner: BufWriter::with_capacity(1 << 20, file),
        hasher: Sha256::new(),
        path: relative.to_owned(),
        hashes: Arc::clone(hashes),
    })
}

impl BundleDir {
    /// Starts a bundle that will replace `out`.
    pub fn create(out: &Path) -> Result<Self> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".into());
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let staging = parent.join(format!(".{name}.partial"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("cannot remove {}", staging.display()))?;
        }
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(BundleDir {
            staging,
            out: out.to_path_buf(),
            hashes: Hashes::default(),
        })
    }

    /// A sink writing into the same bundle from another thread.
    pub fn sink(&self) -> DirSink {
        DirSink {
            staging: self.staging.clone(),
            hashes: Arc::clone(&self.hashes),
        }
    }

    /// Writes a file by handing a writer to `f`.
    pub fn write_with(
        &mut self,
        relative: &str,
        f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut w = open(&self.staging, &self.hashes, relative)
            .with_context(|| format!("cannot create {relative}"))?;
        f(&mut w)
            .and_then(|_| w.flush())
            .with_context(|| format!("cannot write {relative}"))
    }

    /// Writes a file from bytes.
    pub fn write_bytes(&mut self, relative: &str, data: &[u8]) -> Result<()> {
        self.write_with(relative, |w| w.write_all(data))
    }

    /// SHA-256 of every file written so far, by relative path.
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.hashes.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Replaces `out` with the staging folder.
    pub fn commit(&mut self) -> Result<()> {
        if self.out.exists() {
            std::fs::remove_dir_all(&self.out)
                .with_context(|| format!("cannot replace {}", self.out.display()))?;
        }
        std::fs::rename(&self.staging, &self.out)
            .with_context(|| format!("cannot move the bundle into {}", self.out.display()))
    }
}

impl airdrop_merkle::Sink for DirSink {
    fn create(&mut self, relative_path: &str) -> std::io::Result<Box<dyn Write + '_>> {
        Ok(Box::new(open(&self.staging, &self.hashes, relative_path)?))
    }
}

impl Drop for BundleDir {
    fn drop(&mut self) {
        // After a failed build, leave no half-written staging folder behind (after a commit
        // the folder has been renamed away and this is a no-op).
        if self.staging.exists() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}
