//! Reading a built output back from storage: the files of a multi-file output by relative path,
//! and JSON parsed strictly (duplicate keys refused) under a byte cap. Kept apart from the
//! checkers so the format modules that read files need not depend on `verify`.

use crate::error::{MerkleError, Result};
use serde_json::Value;
use std::io::Read;

/// Opens files of a multi-file output (a shard folder) by relative path.
pub trait Fetch {
    /// Opens `relative_path` for reading.
    fn open(&mut self, relative_path: &str) -> std::io::Result<Box<dyn Read + '_>>;
}

/// Parses JSON, naming the file and line on failure.
pub fn read_json(reader: impl Read, file: &str) -> Result<Value> {
    read_json_capped(reader, file, crate::limits::MAX_INPUT_BYTES)
}

/// Like [`read_json`], failing once more than `cap` bytes were read, and refusing an object that
/// holds a key twice (see [`crate::json`]).
pub fn read_json_capped(reader: impl Read, file: &str, cap: u64) -> Result<Value> {
    let bounded = crate::limits::Bounded::total(std::io::BufReader::new(reader), cap);
    crate::json::from_reader(bounded).map_err(|e| {
        if e.is_io() {
            MerkleError::Read {
                file: file.to_owned(),
                detail: e.to_string(),
            }
        } else {
            MerkleError::format(file, e.line() as u64, format!("malformed JSON: {e}"))
        }
    })
}
