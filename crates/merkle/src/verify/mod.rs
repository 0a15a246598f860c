//! Reading built outputs back: rebuild the root from the data in a claims file, dump or shard
//! folder, check every proof, and look up single claims.

use crate::error::{MerkleError, Result};
use alloy_primitives::B256;
use serde_json::{Map, Value};

mod claims;
mod dump;
mod find;
mod jito;
pub(crate) mod jupiter_folder;
mod lookup;
mod sharded;

pub use crate::read::{read_json, read_json_capped, Fetch};
pub use crate::report::VerifyReport;
pub use find::{find_claim, find_multiproof, find_sharded_claim};
pub use lookup::ClaimLookup;
pub use sharded::verify_sharded;

use claims::verify_claims;
use dump::verify_oz;
use jito::verify_jito;

fn fail(file: &str, detail: impl std::fmt::Display) -> MerkleError {
    MerkleError::Verify(format!("{file}: {detail}"))
}

fn hash_of(file: &str, v: &Value, what: &str) -> Result<B256> {
    v.as_str()
        .and_then(|s| s.parse::<B256>().ok())
        .ok_or_else(|| {
            fail(
                file,
                format!(
                    "{what} is not a 32-byte hex hash: {}",
                    crate::address::shown(&v.to_string())
                ),
            )
        })
}

fn hashes_of(file: &str, v: Option<&Value>, what: &str) -> Result<Vec<B256>> {
    match v {
        Some(Value::Array(items)) => items.iter().map(|h| hash_of(file, h, what)).collect(),
        Some(Value::Null) | None => Ok(Vec::new()),
        Some(other) => Err(fail(
            file,
            format!(
                "{what} must be an array of hashes, got {}",
                crate::amount::json_kind(other)
            ),
        )),
    }
}

fn obj<'a>(file: &str, v: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| fail(file, format!("{what} must be a JSON object")))
}

/// The kinds of single-file output we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Uniswap-style claims (`merkleRoot` + `claims`).
    Claims,
    /// OpenZeppelin `standard-v1` dump.
    OzStandard,
    /// OpenZeppelin `simple-v1` dump.
    OzSimple,
    /// Jito / Jupiter tree JSON.
    Jito,
    /// A sharded output's `root.json`.
    ShardRoot,
}

/// Recognises a parsed output file.
pub fn detect(file: &str, doc: &Value) -> Result<FileKind> {
    match doc.get("format").and_then(Value::as_str) {
        Some("standard-v1") => return Ok(FileKind::OzStandard),
        Some("simple-v1") => return Ok(FileKind::OzSimple),
        Some(other) => {
            return Err(fail(
                file,
                format!("unknown dump format {other:?}; expected standard-v1 or simple-v1"),
            ))
        }
        None => {}
    }
    if doc.get("shards").is_some() && doc.get("shardDigits").is_some() {
        return Ok(FileKind::ShardRoot);
    }
    if doc.get("merkleRoot").is_some() && doc.get("claims").is_some() {
        return Ok(FileKind::Claims);
    }
    if doc.get("merkle_root").is_some() && doc.get("tree_nodes").is_some() {
        return Ok(FileKind::Jito);
    }
    Err(fail(
        file,
        "not a claims file, OpenZeppelin dump, Jito tree or shard root.json this tool knows",
    ))
}

/// Verifies a single-file output: rebuilds its root from its data and checks every proof.
pub fn verify_document(file: &str, doc: &Value) -> Result<VerifyReport> {
    if crate::published::is_proof_file(doc) {
        return crate::published::verify_proof_file(file, doc);
    }
    if doc.get("format").and_then(Value::as_str) == Some("merkl-cumulative") {
        return crate::cumulative::verify_epoch_file(doc, file);
    }
    if doc.get("merklRoot").is_some() && doc.get("rewards").is_some() {
        return crate::cumulative::verify_reward_report(doc, file);
    }
    match detect(file, doc)? {
        FileKind::Claims => verify_claims(file, doc, None).map(|(r, _)| r),
        FileKind::OzStandard => {
            verify_oz(file, doc, false).map(|r| crate::published::with_oz_total(r, doc))
        }
        FileKind::OzSimple => verify_oz(file, doc, true),
        FileKind::Jito => {
            let report = verify_jito(file, doc)?;
            // Jupiter's files (the ones with `airdrop_version`) also state totals, which the
            // distributor is funded with; Jito's per-category files are summed differently.
            if doc.get("airdrop_version").is_some() {
                crate::jupiter::verify_tree_file(doc, file)?;
            }
            Ok(report)
        }
        FileKind::ShardRoot => Err(fail(
            file,
            "this is a shard root.json: verify the folder that holds it",
        )),
    }
}
