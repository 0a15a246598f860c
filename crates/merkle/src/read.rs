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
    let mut kept = Kept {
        inner: reader,
        bytes: Vec::new(),
    };
    let bounded = crate::limits::Bounded::total(std::io::BufReader::new(&mut kept), cap);
    let parsed = crate::json::from_reader(bounded);
    // A keystore is valid JSON: refused whatever the file was meant to be (its hashes are not
    // looked at, so published proofs and roots pass).
    crate::guard::guard_keystore(&String::from_utf8_lossy(&kept.bytes))
        .map_err(|refused| MerkleError::format(file, 1, refused.to_string()))?;
    parsed.map_err(|e| {
        // Not JSON at all may be a key or a phrase pasted as the file: the key guard's
        // refusal, not a parse error, over the start of what was read.
        if let Err(refused) = crate::guard::guard(&String::from_utf8_lossy(&kept.bytes)) {
            return MerkleError::format(file, 1, refused.to_string());
        }
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

/// Bytes kept from the start of a file: what the key guard looks at when it is not JSON.
const KEPT_BYTES: usize = 64 * 1024;

/// A reader that keeps a copy of the first [`KEPT_BYTES`] it reads.
struct Kept<R> {
    inner: R,
    bytes: Vec<u8>,
}

impl<R: Read> Read for Kept<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let room = KEPT_BYTES.saturating_sub(self.bytes.len()).min(n);
        self.bytes.extend_from_slice(&buf[..room]);
        Ok(n)
    }
}
