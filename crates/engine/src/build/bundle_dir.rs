//! Writing a bundle: every file goes through a SHA-256 as it is written (the manifest lists
//! them), into a staging folder beside `--out` that replaces it only when complete.
//!
//! The build deletes nothing it did not write: `--out` must be new, empty, or a bundle of ours
//! (recognised by `manifest.json` with `format` = [`BUNDLE_FORMAT`]), and of that bundle only the
//! files its manifest lists are deleted.

use crate::{EngineError, Result};
use airdrop_core::bundle::BUNDLE_FORMAT;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

type Hashes = Arc<Mutex<BTreeMap<String, String>>>;

/// A bundle being written.
#[derive(Debug)]
pub(crate) struct BundleDir {
    staging: PathBuf,
    out: PathBuf,
    hashes: Hashes,
}

/// Another handle on the same bundle, so two threads can write different files at once.
#[derive(Debug)]
pub(crate) struct DirSink {
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
            map.insert(self.path.clone(), alloy_primitives::hex::encode(digest));
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

/// What `--out` is before the build replaces it.
#[derive(Debug, PartialEq, Eq)]
enum Previous {
    /// Nothing there, or an empty folder.
    Nothing,
    /// A bundle an earlier build wrote: the files its manifest lists as written (plus the
    /// manifest itself), which are all a rebuild may delete.
    Bundle(BTreeSet<String>),
}

/// `path` made absolute with every symbolic link and `.`/`..` resolved, also when it does not
/// exist yet (then its nearest existing ancestor is resolved).
fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path)
        .map_err(|e| EngineError::file(format!("cannot resolve {}", path.display()), e))?;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(n)) => {
                rest.push(n.to_owned());
                existing = p;
            }
            _ => {
                return Err(EngineError::input(format!(
                    "cannot resolve {}",
                    path.display()
                )))
            }
        }
    }
    let mut out = existing
        .canonicalize()
        .map_err(|e| EngineError::file(format!("cannot resolve {}", path.display()), e))?;
    for n in rest.into_iter().rev() {
        if n == ".." || n == "." {
            return Err(EngineError::input(format!(
                "--out {}: write the folder without `.`/`..` after a part that does not exist yet",
                path.display()
            )));
        }
        out.push(n);
    }
    Ok(out)
}

/// The files the bundle in `dir` lists as its own, when `dir` holds one (a `manifest.json` the
/// bundle reader accepts, whose `outputs` name the files written with it). A manifest it refuses
/// makes the folder not ours: the build then deletes nothing there.
fn bundle_files(dir: &Path) -> Option<BTreeSet<String>> {
    let text = crate::input::read_record(&dir.join("manifest.json")).ok()?;
    let m = airdrop_core::Manifest::read(&text).ok()?;
    let mut files: BTreeSet<String> = m.outputs.into_keys().collect();
    files.insert("manifest.json".into());
    // A name that climbs out of the bundle is not one a build wrote.
    files.retain(|f| {
        !Path::new(f)
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    });
    Some(files)
}

/// Refuses an `--out` the build must not replace: the campaign folder or a folder holding it
/// or any input, a file, or a non-empty folder that is not a bundle of ours.
fn check_out(out: &Path, protected: &[PathBuf]) -> Result<Previous> {
    for p in protected {
        let Ok(p) = p.canonicalize() else { continue };
        if p.starts_with(out) {
            return Err(EngineError::input(format!(
                "--out {} would replace {}, which the build reads; the bundle needs a folder of its own, e.g. {}",
                out.display(),
                p.display(),
                out.join("bundle").display()
            )));
        }
    }
    if !out.exists() {
        return Ok(Previous::Nothing);
    }
    if !out.is_dir() {
        return Err(EngineError::input(format!("--out {} exists and is not a folder; the build never replaces what it did not write: pick another --out", out.display())));
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| EngineError::file(format!("cannot read {}", out.display()), e))?
        .next()
        .is_none();
    if empty {
        return Ok(Previous::Nothing);
    }
    match bundle_files(out) {
        Some(files) => Ok(Previous::Bundle(files)),
        None => Err(EngineError::input(format!(
            "--out {} is not empty and is not a bundle written by `airdrop build` (no manifest.json with format {BUNDLE_FORMAT:?}); the build never deletes what it did not write: pick a new or empty folder",
            out.display()
        ))),
    }
}

/// A fresh sibling folder `.<name>.<what>` of `out`, or `.<name>.<what>-<pid>-<n>` when that
/// exists (a build killed midway leaves it): never one that exists, since the build only ever
/// removes folders it created itself.
pub(crate) fn fresh_sibling(out: &Path, what: &str) -> Result<PathBuf> {
    let parent = out.parent().unwrap_or(Path::new("/"));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    for n in 0..1000u32 {
        let p = match n {
            0 => parent.join(format!(".{name}.{what}")),
            n => parent.join(format!(".{name}.{what}-{}-{n}", std::process::id())),
        };
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e)
                    .map_err(|e| EngineError::file(format!("cannot create {}", p.display()), e))
            }
        }
    }
    Err(EngineError::input(format!(
        "cannot create a staging folder beside {}",
        out.display()
    )))
}

/// Checks before any work that the build may later replace `out` (see [`BundleDir::create`]).
pub(crate) fn check_target(out: &Path, protected: &[PathBuf]) -> Result<()> {
    check_out(&resolve(out)?, protected).map(drop)
}

impl BundleDir {
    /// Starts a bundle that will replace `out`, after refusing an `out` that is not ours to
    /// replace. `protected` are the campaign file, its folder and its inputs.
    pub(crate) fn create(out: &Path, protected: &[PathBuf]) -> Result<Self> {
        let out = resolve(out)?;
        check_out(&out, protected)?;
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| EngineError::file(format!("cannot create {}", parent.display()), e))?;
        }
        let staging = fresh_sibling(&out, "partial")?;
        Ok(BundleDir {
            staging,
            out,
            hashes: Hashes::default(),
        })
    }

    /// A sink writing into the same bundle from another thread.
    pub(crate) fn sink(&self) -> DirSink {
        DirSink {
            staging: self.staging.clone(),
            hashes: Arc::clone(&self.hashes),
        }
    }

    /// Writes a file by handing a writer to `f`.
    pub(crate) fn write_with(
        &mut self,
        relative: &str,
        f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut w = open(&self.staging, &self.hashes, relative)
            .map_err(|e| EngineError::file(format!("cannot create {relative}"), e))?;
        f(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| EngineError::file(format!("cannot write {relative}"), e))
    }

    /// Writes a file from bytes.
    pub(crate) fn write_bytes(&mut self, relative: &str, data: &[u8]) -> Result<()> {
        self.write_with(relative, |w| w.write_all(data))
    }

    /// SHA-256 of every file written so far, by relative path.
    pub(crate) fn hashes(&self) -> BTreeMap<String, String> {
        self.hashes.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Puts the complete staging folder in place of `out`. A previous bundle is renamed away
    /// first (checked again: it may have changed during the build), then only the files it
    /// lists as written are deleted; anything else in it (a push ledger, deployment.json of an
    /// old bundle, a user's notes) moves into the new bundle, or stays in the renamed folder
    /// when the new bundle has a file of that name. Returns what was kept aside, if anything.
    pub(crate) fn commit(&mut self) -> Result<Option<PathBuf>> {
        let previous = check_out(&self.out, &[])?;
        let Previous::Bundle(written) = previous else {
            // Nothing or an empty folder: rename(2) replaces an empty folder atomically.
            std::fs::rename(&self.staging, &self.out).map_err(|e| {
                EngineError::file(
                    format!("cannot move the bundle into {}", self.out.display()),
                    e,
                )
            })?;
            return Ok(None);
        };
        let old = fresh_sibling(&self.out, "old")?;
        std::fs::rename(&self.out, &old).map_err(|e| {
            let what = format!(
                "cannot move the previous bundle {} aside",
                self.out.display()
            );
            EngineError::file(what, e)
        })?;
        if let Err(e) = std::fs::rename(&self.staging, &self.out) {
            let _ = std::fs::rename(&old, &self.out);
            return Err(e).map_err(|e| {
                EngineError::file(
                    format!("cannot move the bundle into {}", self.out.display()),
                    e,
                )
            });
        }
        let kept = carry_over(&old, &self.out, Path::new(""), &written)?;
        if kept {
            return Ok(Some(old));
        }
        std::fs::remove_dir(&old)
            .map_err(|e| EngineError::file(format!("cannot remove {}", old.display()), e))?;
        Ok(None)
    }
}

/// Empties `old/rel` (a previous bundle renamed aside): its build's files are deleted, every
/// other file moves to the same place under `new`. True when something had to stay in `old`.
fn carry_over(old: &Path, new: &Path, rel: &Path, written: &BTreeSet<String>) -> Result<bool> {
    let mut kept = false;
    let dir = old.join(rel);
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| EngineError::file(format!("cannot read {}", dir.display()), e))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| EngineError::file(format!("cannot read {}", dir.display()), e))?;
        let rel = rel.join(entry.file_name());
        let from = old.join(&rel);
        let key = rel.to_string_lossy().replace('\\', "/");
        let kind = entry
            .file_type()
            .map_err(|e| EngineError::file(format!("cannot read {}", from.display()), e))?;
        if kind.is_dir() {
            let target = new.join(&rel);
            let created = !target.exists();
            if created {
                std::fs::create_dir(&target).map_err(|e| {
                    EngineError::file(format!("cannot create {}", target.display()), e)
                })?;
            }
            if carry_over(old, new, &rel, written)? {
                kept = true;
            } else {
                std::fs::remove_dir(&from).map_err(|e| {
                    EngineError::file(format!("cannot remove {}", from.display()), e)
                })?;
            }
            // A folder only the old build's files were in is not carried over empty.
            if created {
                let _ = std::fs::remove_dir(&target);
            }
        } else if kind.is_file() && written.contains(&key) {
            std::fs::remove_file(&from)
                .map_err(|e| EngineError::file(format!("cannot remove {}", from.display()), e))?;
        } else if new.join(&rel).symlink_metadata().is_ok() {
            kept = true;
        } else {
            std::fs::rename(&from, new.join(&rel))
                .map_err(|e| EngineError::file(format!("cannot move {}", from.display()), e))?;
        }
    }
    Ok(kept)
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
