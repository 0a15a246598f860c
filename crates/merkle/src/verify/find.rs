//! Looking up single claims and multiproofs in built outputs.

use super::jito::{bytes32, jito_nodes};
use super::{detect, fail, hashes_of, read_json, Fetch, FileKind};
use crate::address::parse_address;
use crate::error::{MerkleError, Result};
use crate::oz::OzTree;
use alloy_primitives::{Address, B256};
use serde_json::Value;

/// Parses an address given on the command line (or in a query), naming it as such on error.
pub(super) fn argument_address(who: &str) -> Result<Address> {
    parse_address(who).map_err(|error| MerkleError::Address {
        location: crate::error::Location {
            file: "<address argument>".into(),
            line: 0,
        },
        error,
    })
}

/// Finds one claim in a single-file output. `who` is an address (or a base58 pubkey for Jito).
pub fn find_claim(file: &str, doc: &Value, who: &str) -> Result<Value> {
    match detect(file, doc)? {
        FileKind::Claims => {
            let address = argument_address(who)?;
            let key = address.to_checksum(None);
            let claim = doc
                .get("claims")
                .and_then(|c| c.get(&key))
                .ok_or_else(|| MerkleError::NotFound(key.clone()))?;
            let mut out =
                serde_json::json!({ "address": key, "merkleRoot": doc.get("merkleRoot") });
            if let (Some(o), Some(c)) = (out.as_object_mut(), claim.as_object()) {
                for (k, v) in c {
                    o.insert(k.clone(), v.clone());
                }
            }
            Ok(out)
        }
        FileKind::OzStandard => {
            let address = argument_address(who)?;
            let (tree, found) = oz_lookup(file, doc, &[address])?;
            let (ti, cells) = &found[0];
            Ok(serde_json::json!({
                "address": address.to_checksum(None),
                "value": cells,
                "treeIndex": ti,
                "leaf": tree.nodes()[*ti],
                "proof": tree.proof(*ti).map_err(|e| fail(file, e))?,
                "merkleRoot": tree.root(),
            }))
        }
        FileKind::Jito => {
            let root = B256::from(bytes32(file, doc.get("merkle_root"), "merkle_root")?);
            let nodes = jito_nodes(file, doc)?;
            let (who_b58, u, l, leaf, proof) = nodes
                .into_iter()
                .find(|n| n.0 == who.trim())
                .ok_or_else(|| MerkleError::NotFound(who.to_owned()))?;
            Ok(serde_json::json!({
                "claimant": who_b58, "amount_unlocked": u, "amount_locked": l,
                "leaf": leaf, "proof": proof, "merkleRoot": root,
            }))
        }
        FileKind::OzSimple | FileKind::ShardRoot => Err(fail(
            file,
            "claims cannot be looked up by address in this file",
        )),
    }
}

/// Loads an OpenZeppelin dump's tree and finds the tree index and value of each address (the
/// first value with an address cell equal to it).
fn oz_lookup(
    file: &str,
    doc: &Value,
    addresses: &[Address],
) -> Result<(OzTree, Vec<(usize, Value)>)> {
    let nodes = hashes_of(file, doc.get("tree"), "tree node")?;
    let tree = OzTree::from_array(nodes).map_err(|e| fail(file, e))?;
    let items = doc
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(|| fail(file, "values must be an array"))?;
    let mut found = Vec::with_capacity(addresses.len());
    for address in addresses {
        let hit = items.iter().find_map(|item| {
            let Some(Value::Array(cells)) = item.get("value") else {
                return None;
            };
            let matches = cells
                .iter()
                .any(|c| c.as_str().and_then(|s| parse_address(s).ok()) == Some(*address));
            let ti = item.get("treeIndex").and_then(Value::as_u64)? as usize;
            matches.then(|| (ti, Value::Array(cells.clone())))
        });
        found.push(hit.ok_or_else(|| MerkleError::NotFound(address.to_checksum(None)))?);
    }
    Ok((tree, found))
}

/// An OpenZeppelin multiproof for several addresses of a `standard-v1` dump, shaped like
/// `getMultiProof`: `leaves` (values, in the order the verifier consumes them), `proof`,
/// `proofFlags`.
pub fn find_multiproof(file: &str, doc: &Value, whos: &[String]) -> Result<Value> {
    if detect(file, doc)? != FileKind::OzStandard {
        return Err(fail(
            file,
            "multiproofs need an OpenZeppelin standard-v1 dump (--preset oz-standard)",
        ));
    }
    let addresses = whos
        .iter()
        .map(|w| argument_address(w))
        .collect::<Result<Vec<_>>>()?;
    let (tree, found) = oz_lookup(file, doc, &addresses)?;
    let indices: Vec<usize> = found.iter().map(|(ti, _)| *ti).collect();
    let mp = tree.multiproof(&indices).map_err(|e| fail(file, e))?;
    let by_index: std::collections::HashMap<usize, &Value> =
        found.iter().map(|(ti, v)| (*ti, v)).collect();
    let mut sorted = indices.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let leaves: Vec<&Value> = sorted
        .iter()
        .filter_map(|ti| by_index.get(ti).copied())
        .collect();
    Ok(serde_json::json!({
        "leaves": leaves,
        "leafHashes": mp.leaves,
        "proof": mp.proof,
        "proofFlags": mp.proof_flags,
        "merkleRoot": tree.root(),
    }))
}

/// Finds a claim in a sharded output by reading only `root.json` and the one shard it needs.
pub fn find_sharded_claim(fetch: &mut dyn Fetch, who: &str) -> Result<Value> {
    let address: Address = argument_address(who)?;
    let root_doc = read_json(
        fetch.open("root.json").map_err(|e| MerkleError::Read {
            file: "root.json".into(),
            detail: e.to_string(),
        })?,
        "root.json",
    )?;
    let digits = root_doc
        .get("shardDigits")
        .and_then(Value::as_u64)
        .unwrap_or(2) as usize;
    let prefix: String = format!("{:x}", address).chars().take(digits).collect();
    let path = format!("shards/{prefix}.json");
    let doc = match fetch.open(&path) {
        Ok(r) => read_json(r, &path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MerkleError::NotFound(address.to_checksum(None)))
        }
        Err(e) => {
            return Err(MerkleError::Read {
                file: path,
                detail: e.to_string(),
            })
        }
    };
    find_claim(&path, &doc, who)
}
