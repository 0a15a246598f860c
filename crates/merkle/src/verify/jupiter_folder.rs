//! Folders of Jupiter tree files: each file checked as a single document, the numbering checked
//! across them. Here rather than in `jupiter` because it dispatches through
//! [`verify_document`], which itself calls into `jupiter` for each file.

use super::{read_json, verify_document, Fetch, VerifyReport};
use crate::error::{MerkleError, Result};
use crate::jupiter::tree_files;
use serde_json::Value;

/// Checks a folder of Jupiter tree files (`tree_0.json` … as `airdrop tree build --preset
/// jupiter` and jup-ag/distributor write them), given the folder's file names: each file as
/// `tree verify` checks one, its `airdrop_version` equal to its number, and no number missing
/// between 0 and the highest. A missing last file leaves no trace in the others: pass one
/// expected root per tree to catch it.
pub fn verify_tree_folder(
    fetch: &mut dyn Fetch,
    names: &[String],
) -> Result<Vec<(String, VerifyReport)>> {
    let files = tree_files(names);
    let mut out = Vec::with_capacity(files.len());
    for (want, (version, name)) in files.iter().enumerate() {
        if *version != want as u64 {
            return Err(MerkleError::Verify(format!(
                "tree_{want}.json is missing: the folder has {name} but no tree_{want}.json; its claimants cannot be checked or claimed"
            )));
        }
        let reader = fetch.open(name).map_err(|e| MerkleError::Read {
            file: (*name).to_owned(),
            detail: e.to_string(),
        })?;
        let doc = read_json(reader, name)?;
        let stated = doc.get("airdrop_version").and_then(Value::as_u64);
        if stated.is_some_and(|v| v != *version) {
            return Err(MerkleError::Verify(format!(
                "{name}: airdrop_version is {} but the file name says {version}; the tree files were renamed or mixed up",
                stated.unwrap_or_default()
            )));
        }
        let mut report = verify_document(name, &doc)?;
        report.format = format!("jupiter {name}");
        out.push(((*name).to_owned(), report));
    }
    if out.is_empty() {
        return Err(MerkleError::Verify(
            "no tree_<n>.json files in the folder".into(),
        ));
    }
    Ok(out)
}
