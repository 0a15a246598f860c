//! Sharded outputs: `root.json`, then every shard file it lists.

use super::verify_claims;
use super::{fail, hash_of, obj, read_json, Fetch, VerifyReport};
use crate::amount::parse_amount;
use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use crate::layers::{Layers, OddNode};
use alloy_primitives::U256;
use serde_json::Value;

/// Verifies a sharded output: `root.json`, then every shard file it lists.
pub fn verify_sharded(fetch: &mut dyn Fetch) -> Result<VerifyReport> {
    let root_doc = read_json(
        fetch.open("root.json").map_err(|e| MerkleError::Read {
            file: "root.json".into(),
            detail: e.to_string(),
        })?,
        "root.json",
    )?;
    if crate::published::is_ens_root(&root_doc) {
        return crate::published::verify_ens_folder(fetch, &root_doc);
    }
    let root = hash_of(
        "root.json",
        root_doc.get("merkleRoot").unwrap_or(&Value::Null),
        "merkleRoot",
    )?;
    let shards = obj(
        "root.json",
        root_doc.get("shards").unwrap_or(&Value::Null),
        "shards",
    )?;
    let mut shard_roots = Vec::new();
    let mut claims = 0usize;
    let mut total = U256::ZERO;
    for (prefix, info) in shards {
        let path = format!("shards/{prefix}.json");
        let reader = match fetch.open(&path) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(fail(
                    "root.json",
                    format!("shard {prefix} is listed but {path} is missing; its claims cannot be checked or claimed"),
                ))
            }
            Err(e) => {
                return Err(MerkleError::Read {
                    file: path.clone(),
                    detail: e.to_string(),
                })
            }
        };
        let doc = read_json(reader, &path)?;
        let (report, own) = verify_claims(&path, &doc, Some(root))?;
        let stated = hash_of(
            "root.json",
            info.get("root").unwrap_or(&Value::Null),
            "shard root",
        )?;
        if stated != own {
            return Err(fail(
                "root.json",
                format!("shard {prefix} root is {stated} but its file rebuilds to {own}"),
            ));
        }
        claims += report.claims;
        total = total
            .checked_add(
                report
                    .total
                    .as_deref()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or_default(),
            )
            .ok_or_else(|| fail("root.json", "total overflows"))?;
        shard_roots.push(own);
    }
    shard_roots.sort_unstable();
    let top = Layers::build(shard_roots, NodeHash::KeccakSorted, OddNode::Promote);
    if top.root() != root {
        return Err(fail(
            "root.json",
            format!(
                "merkleRoot is {root} but the shard roots rebuild to {}",
                top.root()
            ),
        ));
    }
    if let Some(stated) = root_doc.get("tokenTotal").and_then(Value::as_str) {
        if parse_amount(stated).ok() != Some(total) {
            return Err(fail(
                "root.json",
                format!("tokenTotal is {stated} but the shards sum to {total}"),
            ));
        }
    }
    Ok(VerifyReport {
        format: "sharded claims".into(),
        root,
        claims,
        total: Some(total.to_string()),
        ..Default::default()
    })
}
