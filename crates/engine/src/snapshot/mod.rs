//! Snapshots: who held what at a block, computed over plain JSON-RPC or imported from an export
//! made elsewhere, written as a sorted CSV plus a `.meta.json` sidecar pinning the block hash.
//!
//! Both files are written whole or not at all (a temporary file, then a rename). A chain
//! snapshot keeps its checkpoint next to the output (`FILE.csv.checkpoint.json`, replaced
//! atomically, see [`FileCheckpoint`]), so an interrupted run resumes where it stopped.

mod checkpoint;

pub use checkpoint::FileCheckpoint;

use crate::bridge::{block_on_cancellable, ChainProgress};
use crate::{Cancel, EngineError, Progress, Result};
use airdrop_chain::{ChainError, ImportFormat, ImportParams, Params, Rpc, RpcConfig, Snapshot};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// A snapshot taken over JSON-RPC.
#[derive(Debug)]
pub struct ChainSnapshot {
    /// The node's url.
    pub rpc_url: String,
    /// Transport settings (concurrency, batch size, retries, timeout).
    pub rpc_config: RpcConfig,
    /// What to take, and at which block.
    pub params: Params,
    /// The CSV to write; the sidecars go next to it.
    pub out: PathBuf,
    /// Delete an existing checkpoint first and start from the beginning.
    pub fresh: bool,
}

/// An export made elsewhere (transfers or balances), already read.
#[derive(Debug)]
pub struct ImportSnapshot {
    /// The export's bytes.
    pub data: Vec<u8>,
    /// Its name as the user gave it (messages, and the format from its extension).
    pub name: String,
    /// What the export holds.
    pub params: ImportParams,
    /// The CSV to write; the sidecar goes next to it.
    pub out: PathBuf,
}

/// What to snapshot.
#[derive(Debug)]
pub enum SnapshotInput {
    /// Over JSON-RPC (boxed: its parameters are many).
    Chain(Box<ChainSnapshot>),
    /// From an export.
    Import(ImportSnapshot),
}

/// A snapshot written.
#[derive(Debug)]
pub struct Snapped {
    /// The snapshot (rows and metadata: block, hash, total).
    pub snapshot: Snapshot,
    /// The files written: the CSV, then its `.meta.json`.
    pub written: Vec<PathBuf>,
}

/// Takes (or imports) the snapshot and writes it. Stages: the chain's own (`logs`,
/// `balances`, …) or `import`, then `write`. A cancelled chain snapshot keeps its checkpoint
/// and writes nothing.
pub fn run(input: SnapshotInput, progress: &dyn Progress, cancel: &Cancel) -> Result<Snapped> {
    let (snapshot, out) = match input {
        SnapshotInput::Chain(c) => {
            let s = take(&c, progress, cancel)?;
            (s, c.out)
        }
        SnapshotInput::Import(i) => {
            progress.stage("import", 1);
            let s = airdrop_chain::import(
                &i.data,
                &i.name,
                ImportFormat::from_path(&i.name),
                &i.params,
            )?;
            progress.done("import", 1, 1);
            (s, i.out)
        }
    };
    cancel.check()?;
    progress.stage("write", 2);
    let written = write_outputs(&out, &snapshot, progress)?;
    Ok(Snapped { snapshot, written })
}

fn take(c: &ChainSnapshot, progress: &dyn Progress, cancel: &Cancel) -> Result<Snapshot> {
    let store = FileCheckpoint {
        path: sidecar(&c.out, "checkpoint.json"),
    };
    let rpc = Rpc::new(&c.rpc_url, c.rpc_config.clone())?;
    if c.fresh {
        store.remove()?;
    }
    let bridge = ChainProgress::new(progress);
    let snapshot = block_on_cancellable(cancel, async {
        let snapshot = airdrop_chain::snapshot::run(&rpc, &c.params, &store, &bridge).await;
        let stats = rpc.stats();
        tracing::info!(
            requests = stats.requests.load(Ordering::Relaxed),
            retries = stats.retries.load(Ordering::Relaxed),
            splits = stats.splits.load(Ordering::Relaxed),
            "rpc"
        );
        Ok(snapshot)
    })?;
    let snapshot = snapshot.map_err(|e| match e {
        // A missing checkpoint's parent folder and the like are our problem, not the node's.
        e @ ChainError::Checkpoint { .. } => {
            EngineError::input(format!("{e} ({})", store.path.display()))
        }
        e => EngineError::Chain(e),
    })?;
    store.remove()?;
    Ok(snapshot)
}

/// `out` with `.suffix` appended (`holders.csv.meta.json`).
pub(crate) fn sidecar(out: &Path, suffix: &str) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes `path` whole or not at all (temporary file, then rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = sidecar(path, "partial");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

fn write_outputs(out: &Path, snapshot: &Snapshot, progress: &dyn Progress) -> Result<Vec<PathBuf>> {
    write_atomic(out, snapshot.rows.to_csv().as_bytes())
        .map_err(|e| EngineError::file(format!("cannot write {}", out.display()), e))?;
    progress.done("write", 1, 2);
    let meta = sidecar(out, "meta.json");
    write_atomic(&meta, snapshot.meta_json().as_bytes())
        .map_err(|e| EngineError::file(format!("cannot write {}", meta.display()), e))?;
    progress.done("write", 2, 2);
    Ok(vec![out.to_path_buf(), meta])
}

#[cfg(test)]
mod tests;
