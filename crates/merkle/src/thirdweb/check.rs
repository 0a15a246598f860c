//! Reading a folder of shard files back and checking every shard against the master root.

use super::allowlist::parse_units;
use super::tree::{js_key, onchain_root};
use super::{AllowEntry, LeafOrder};
use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use crate::layers::{Layers, OddNode};
use alloy_primitives::{Address, B256, U256};
use serde_json::Value;

/// Checks a folder of thirdweb shard files with no input list: `merkle-info.json`, then every
/// shard it names — each shard's entries rebuilt into its tree (bytewise leaf order, else v5's
/// string order), and that root folded with the shard's `proofs` must reach `merkleRoot`.
/// A missing shard, a changed entry or a changed proof is named.
pub fn verify_folder(fetch: &mut dyn crate::read::Fetch) -> Result<crate::report::VerifyReport> {
    let info = read_doc(fetch, "merkle-info.json")?;
    let bad = |f: &str, d: String| MerkleError::Verify(format!("{f}: {d}"));
    let root: B256 = info
        .get("merkleRoot")
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| bad("merkle-info.json", "no merkleRoot (32-byte hex)".into()))?;
    let decimals = info
        .get("tokenDecimals")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let decimals = u8::try_from(decimals).map_err(|_| {
        bad(
            "merkle-info.json",
            format!("tokenDecimals {decimals} is too large"),
        )
    })?;
    let ids: Vec<String> = info
        .get("shards")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| bad("merkle-info.json", "no \"shards\" list".into()))?;
    let mut shards = Vec::with_capacity(ids.len());
    for id in &ids {
        shards.push(read_shard(fetch, id, root, decimals)?);
    }
    check_shard_proofs(&shards, root)?;
    let claims = shards.iter().map(|s| s.entries).sum();
    Ok(crate::report::VerifyReport {
        format: "thirdweb sharded allowlist".into(),
        root,
        claims,
        total: None,
        ..Default::default()
    })
}

/// One shard file, rebuilt: its root in the leaf order whose root its proof carries to the
/// master root (bytewise unless only v5's string order does), and that proof.
struct ReadShard {
    id: String,
    entries: usize,
    root: B256,
    proof: Vec<B256>,
}

fn read_shard(
    fetch: &mut dyn crate::read::Fetch,
    id: &str,
    root: B256,
    decimals: u8,
) -> Result<ReadShard> {
    let bad = |f: &str, d: String| MerkleError::Verify(format!("{f}: {d}"));
    if !id.bytes().all(|b| b.is_ascii_hexdigit()) || id.is_empty() || id.len() > 2 {
        return Err(bad(
            "merkle-info.json",
            format!("shard id {id:?} is not 1-2 hex digits"),
        ));
    }
    let path = format!("{id}.json");
    let shard = match fetch.open(&path) {
        Ok(r) => crate::read::read_json(r, &path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(
                "merkle-info.json",
                format!("shard {id} is listed but {path} is missing; its claims cannot be checked or claimed"),
            ))
        }
        Err(e) => return Err(bad(&path, format!("unreadable ({})", e.kind()))),
    };
    let entries = shard_entries(&shard, &path, decimals)?;
    let proof: Vec<B256> = serde_json::from_value(shard.get("proofs").cloned().unwrap_or_default())
        .map_err(|_| {
            bad(
                &path,
                "\"proofs\" is not a list of 32-byte hex values".into(),
            )
        })?;
    let root_in = |order| {
        let mut leaves: Vec<B256> = entries.iter().map(AllowEntry::leaf).collect();
        match order {
            LeafOrder::Bytes => leaves.sort_unstable(),
            LeafOrder::JsString => leaves.sort_by_cached_key(|l| js_key(l.as_slice())),
        }
        onchain_root(leaves)
    };
    let bytes = root_in(LeafOrder::Bytes);
    let js = root_in(LeafOrder::JsString);
    let own = if NodeHash::KeccakSorted.fold(bytes, &proof) != root
        && NodeHash::KeccakSorted.fold(js, &proof) == root
    {
        js
    } else {
        bytes
    };
    Ok(ReadShard {
        id: id.to_owned(),
        entries: entries.len(),
        root: own,
        proof,
    })
}

/// Names the first shard whose proof does not carry its root to `root`, and the level where it
/// departs from the master tree when the shard roots rebuild that tree (else its entries
/// changed: level 0).
fn check_shard_proofs(shards: &[ReadShard], root: B256) -> Result<()> {
    let mut roots: Vec<B256> = shards.iter().map(|s| s.root).collect();
    roots.sort_unstable();
    let master = Layers::build(roots.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    let Some(bad) = shards
        .iter()
        .find(|s| NodeHash::KeccakSorted.fold(s.root, &s.proof) != root)
    else {
        if master.root() != root {
            // Every listed shard proves into the root, so the master tree holds shards we lack.
            return Err(MerkleError::Verify(format!(
                "merkle-info.json: the {} shards listed rebuild to {}, not {root}: a shard is missing from its \"shards\" list and from the folder",
                shards.len(),
                master.root()
            )));
        }
        return Ok(());
    };
    let pos = roots.binary_search(&bad.root).unwrap_or(0);
    let expected = (master.root() == root).then(|| master.proof(pos));
    let c = crate::published::Claimant {
        who: &format!("shard {}", bad.id),
        index: pos as u64,
        amount: format!("{} entries", bad.entries),
    };
    Err(crate::published::bad_proof(
        &format!("{}.json", bad.id),
        &c,
        root,
        &bad.proof,
        expected.as_deref(),
    ))
}

fn read_doc(fetch: &mut dyn crate::read::Fetch, path: &str) -> Result<Value> {
    let reader = fetch.open(path).map_err(|e| {
        MerkleError::Verify(format!("{path}: missing or unreadable ({})", e.kind()))
    })?;
    crate::read::read_json(reader, path)
}

/// Entries of a shard file, whichever leaf variant their keys name (legacy SDK keys included:
/// `currencyAddress`, UI amounts scaled by `tokenDecimals`).
fn shard_entries(shard: &Value, path: &str, decimals: u8) -> Result<Vec<AllowEntry>> {
    let bad = |d: String| MerkleError::Verify(format!("{path}: {d}"));
    let list = shard
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"entries\" list".into()))?;
    list.iter()
        .enumerate()
        .map(|(k, e)| {
            let at = |d: String| bad(format!("entry {k}: {d}"));
            let s = |key: &str| e.get(key).and_then(Value::as_str);
            let address = parse_address(s("address").unwrap_or_default())
                .map_err(|err| at(err.to_string()))?;
            let limit = |key: &str| match s(key) {
                Some(v) if v.eq_ignore_ascii_case("unlimited") => Ok(U256::MAX),
                Some(v) => parse_units(v, decimals).map_err(at),
                None => Ok(U256::ZERO),
            };
            let int = |key: &str| parse_amount(s(key).unwrap_or_default()).map_err(at);
            let (values, currency) = if e.get("price").is_some() {
                let c = s("currency")
                    .or_else(|| s("currencyAddress"))
                    .unwrap_or_default();
                let c = if c.is_empty() {
                    Address::ZERO
                } else {
                    parse_address(c).map_err(|err| at(err.to_string()))?
                };
                (vec![limit("maxClaimable")?, int("price")?], Some(c))
            } else if e.get("quantity").is_some() {
                (vec![int("tokenId")?, int("quantity")?], None)
            } else if e.get("tokenId").is_some() {
                (vec![int("tokenId")?], None)
            } else if e.get("amount").is_some() {
                (vec![limit("amount")?], None)
            } else {
                (vec![limit("maxClaimable")?], None)
            };
            Ok(AllowEntry {
                address,
                values,
                currency,
            })
        })
        .collect()
}
