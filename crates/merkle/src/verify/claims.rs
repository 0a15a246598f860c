//! Claims files (Uniswap style, and each shard of a sharded output): rebuild the root from the
//! claims and check every proof.

use super::{fail, hash_of, hashes_of, obj, VerifyReport};
use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::build::{account_leaf, account_tree};
use crate::error::Result;
use crate::hash::NodeHash;
use crate::{Entry, LeafEncoding};
use alloy_primitives::{B256, U256};
use rayon::prelude::*;
use serde_json::Value;

/// A parsed claim of a claims file.
struct ParsedClaim {
    entry: Entry,
    index: u64,
    proof: Vec<B256>,
}

/// Verifies a claims file (or one shard of a sharded output). With `shard_root_expected`, the
/// file is a shard whose root must be that one; returns the shard's own root as well.
pub(super) fn verify_claims(
    file: &str,
    doc: &Value,
    expected_top: Option<B256>,
) -> Result<(VerifyReport, B256)> {
    let root = hash_of(
        file,
        doc.get("merkleRoot").unwrap_or(&Value::Null),
        "merkleRoot",
    )?;
    if let Some(top) = expected_top {
        if top != root {
            return Err(fail(
                file,
                format!("states root {root} but the folder's root.json says {top}"),
            ));
        }
    }
    let encoding = match doc.get("leafEncoding").and_then(Value::as_str) {
        None | Some("uniswap") => LeafEncoding::Uniswap,
        Some("packed") => LeafEncoding::Packed,
        Some(other) => {
            return Err(fail(
                file,
                format!("unknown leafEncoding {}", crate::address::shown(other)),
            ))
        }
    };
    let sorted = doc.get("tree").and_then(Value::as_str) != Some("input-order");
    let claims = obj(file, doc.get("claims").unwrap_or(&Value::Null), "claims")?;
    if claims.is_empty() {
        return Err(fail(file, "has no claims"));
    }
    let mut parsed = Vec::with_capacity(claims.len());
    for (key, c) in claims {
        let address = parse_address(key).map_err(|e| fail(file, format!("claim key: {e}")))?;
        let c = obj(file, c, key)?;
        let amount = match c.get("amount") {
            Some(Value::String(s)) => {
                parse_amount(s).map_err(|e| fail(file, format!("{key}: {e}")))?
            }
            _ => return Err(fail(file, format!("{key}: amount must be a string"))),
        };
        let index = c
            .get("index")
            .and_then(Value::as_u64)
            .ok_or_else(|| fail(file, format!("{key}: index must be a non-negative integer")))?;
        let proof = hashes_of(file, c.get("proof"), "proof")?;
        parsed.push(ParsedClaim {
            entry: Entry { address, amount },
            index,
            proof,
        });
    }
    parsed.sort_by_key(|p| p.index);
    let shard = doc.get("shard").is_some();
    if !shard {
        // Uniswap's index is the position in the checksummed sort; anything else is tampering.
        for (pos, p) in parsed.iter().enumerate() {
            if p.index != pos as u64 {
                return Err(fail(
                    file,
                    format!(
                        "claim indices are not 0..{} (found {} at position {pos})",
                        parsed.len(),
                        p.index
                    ),
                ));
            }
        }
        if encoding == LeafEncoding::Uniswap && sorted {
            let mut keys: Vec<String> = parsed
                .iter()
                .map(|p| p.entry.address.to_checksum(None))
                .collect();
            let original = keys.clone();
            keys.sort();
            if keys != original {
                return Err(fail(
                    file,
                    "claim indices do not follow the checksummed-address order Uniswap uses",
                ));
            }
        }
    }
    let entries: Vec<Entry> = parsed.iter().map(|p| p.entry).collect();
    let indices: Vec<u64> = parsed.iter().map(|p| p.index).collect();
    let tree = account_tree(encoding.clone(), entries, indices, sorted);
    let own_root = tree.layers.root();
    let shard_proof = hashes_of(file, doc.get("shardProof"), "shardProof")?;
    // Proofs first, so that a changed amount is named by its claim, not only by a total.
    let bad = parsed.par_iter().position_first(|p| {
        NodeHash::KeccakSorted.fold(account_leaf(&encoding, p.index, &p.entry), &p.proof) != root
    });
    if let Some(k) = bad {
        let intact = if shard {
            NodeHash::KeccakSorted.fold(own_root, &shard_proof) == root
        } else {
            own_root == root
        };
        let expected = intact.then(|| {
            let mut want = Vec::new();
            tree.proof_into(k, &mut want);
            want.extend_from_slice(&shard_proof);
            want
        });
        let p = &parsed[k];
        let who = p.entry.address.to_checksum(None);
        let c = crate::published::Claimant {
            who: &who,
            index: p.index,
            amount: p.entry.amount.to_string(),
        };
        return Err(crate::published::bad_proof(
            file,
            &c,
            root,
            &p.proof,
            expected.as_deref(),
        ));
    }
    let total = parsed
        .iter()
        .try_fold(U256::ZERO, |a, p| a.checked_add(p.entry.amount))
        .ok_or_else(|| fail(file, "amounts overflow uint256"))?;
    if let Some(stated) = doc.get("tokenTotal").and_then(Value::as_str) {
        let stated = parse_amount(stated).map_err(|e| fail(file, format!("tokenTotal: {e}")))?;
        if stated != total {
            return Err(fail(
                file,
                format!("tokenTotal is {stated} but the claims sum to {total}"),
            ));
        }
    }
    if shard {
        let stated = hash_of(
            file,
            doc.get("shardRoot").unwrap_or(&Value::Null),
            "shardRoot",
        )?;
        if stated != own_root {
            return Err(fail(
                file,
                format!("shardRoot is {stated} but its claims rebuild to {own_root}"),
            ));
        }
        if NodeHash::KeccakSorted.fold(own_root, &shard_proof) != root {
            return Err(fail(
                file,
                "shardProof does not lead from the shard root to merkleRoot",
            ));
        }
    } else if own_root != root {
        return Err(fail(
            file,
            format!("merkleRoot is {root} but the claims rebuild to {own_root}"),
        ));
    }
    let format = match encoding {
        LeafEncoding::Uniswap => "uniswap claims",
        _ => "packed claims",
    };
    Ok((
        VerifyReport {
            format: format.into(),
            root,
            claims: parsed.len(),
            total: Some(total.to_string()),
            ..Default::default()
        },
        own_root,
    ))
}
