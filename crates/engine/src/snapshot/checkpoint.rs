//! A chain snapshot's checkpoint as one JSON file beside what it is for (`airdrop snapshot`
//! keeps it next to the output, `airdrop build` next to the bundle).

use super::write_atomic;
use crate::{EngineError, Result};
use airdrop_chain::snapshot::{Checkpoint, CheckpointStore};
use airdrop_chain::ChainError;
use std::path::PathBuf;

/// The checkpoint as one JSON file, replaced atomically.
#[derive(Debug)]
pub struct FileCheckpoint {
    /// The file.
    pub path: PathBuf,
}

impl FileCheckpoint {
    /// Deletes the file, if any.
    pub fn remove(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(EngineError::file(
                format!("cannot delete {}", self.path.display()),
                e,
            )),
        }
    }

    fn err(&self, key: &str, detail: String) -> ChainError {
        ChainError::Checkpoint {
            key: key.to_owned(),
            detail: format!("{}: {detail}", self.path.display()),
        }
    }
}

impl CheckpointStore for FileCheckpoint {
    fn load(&self, key: &str) -> airdrop_chain::Result<Option<Checkpoint>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.err(key, format!("cannot read it: {e}"))),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            self.err(
                key,
                format!("unreadable ({e}); delete it or run with --fresh"),
            )
        })
    }

    fn save(&self, key: &str, checkpoint: &Checkpoint) -> airdrop_chain::Result<()> {
        let bytes = serde_json::to_vec(checkpoint)
            .map_err(|e| self.err(key, format!("cannot encode it: {e}")))?;
        write_atomic(&self.path, &bytes).map_err(|e| self.err(key, format!("cannot write it: {e}")))
    }

    fn clear(&self, key: &str) -> airdrop_chain::Result<()> {
        self.remove().map_err(|e| self.err(key, e.chain()))
    }
}
