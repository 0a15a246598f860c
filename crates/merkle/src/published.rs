//! Checking artifacts that someone else published, with no input file: naming the claim and the
//! proof level that fail, and reading the proof files of packed-leaf distributors (Balancer,
//! Morpho) that carry no claim index.

use crate::address::parse_address;
use crate::amount::parse_json_amount;
use crate::error::{MerkleError, Result};
use crate::hash::{self, NodeHash};
use crate::layers::{Layers, OddNode};
use crate::report::VerifyReport;
use crate::Entry;
use alloy_primitives::{B256, U256};
use rayon::prelude::*;
use serde_json::{Map, Value};

/// Who a failing proof belongs to, as the message names it.
pub(crate) struct Claimant<'a> {
    /// Address (checksummed) or base58 claimant.
    pub who: &'a str,
    /// Claim index, or the position in the file where the format has none.
    pub index: u64,
    /// The amount as the file states it.
    pub amount: String,
}

/// Explains why `proof` does not fold from `leaf` to `root`. `expected` is the proof the
/// file's own data gives when that data rebuilds to `root` (so only the proof can be wrong);
/// `None` when the data does not rebuild to it, i.e. this claim's leaf is not the published one.
pub(crate) fn bad_proof(
    file: &str,
    c: &Claimant<'_>,
    root: B256,
    proof: &[B256],
    expected: Option<&[B256]>,
) -> MerkleError {
    let who = format!("{} (index {}, amount {})", c.who, c.index, c.amount);
    let detail = match expected {
        None => format!(
            "the proof of {who} does not verify against {root}: it fails at level 0, the leaf itself — the claims do not rebuild to this root with this address and amount (was the amount or the address changed?)"
        ),
        Some(want) => match proof.iter().zip(want).position(|(a, b)| a != b) {
            Some(level) => format!(
                "the proof of {who} does not verify against {root}: it fails at level {level}, where it has {} but the tree has {}",
                proof[level], want[level]
            ),
            None => format!(
                "the proof of {who} does not verify against {root}: it has {} hashes but the tree needs {}",
                proof.len(),
                want.len()
            ),
        },
    };
    MerkleError::Verify(format!("{file}: {detail}"))
}

fn fail(file: &str, detail: impl std::fmt::Display) -> MerkleError {
    MerkleError::Verify(format!("{file}: {detail}"))
}

/// The claims map of a packed-leaf proof file: `proofs` (Morpho's rewards files) or a `claims`
/// map whose entries have no `index` (Balancer-style reports with proofs).
fn proof_map(doc: &Value) -> Option<&Map<String, Value>> {
    if let Some(p) = doc.get("proofs").and_then(Value::as_object) {
        return Some(p);
    }
    let claims = doc.get("claims").and_then(Value::as_object)?;
    let indexed = claims.values().any(|c| c.get("index").is_some());
    (!indexed && !claims.is_empty()).then_some(claims)
}

/// True when `doc` looks like a packed-leaf proof file this module reads.
pub fn is_proof_file(doc: &Value) -> bool {
    let has_root = doc.get("root").is_some() || doc.get("merkleRoot").is_some();
    has_root && proof_map(doc).is_some() && doc.get("format").is_none()
}

struct Row {
    who: String,
    entry: Entry,
    leaf: B256,
    proof: Vec<B256>,
}

fn hash_at(file: &str, v: Option<&Value>, what: &str) -> Result<B256> {
    v.and_then(Value::as_str)
        .and_then(|s| s.parse::<B256>().ok())
        .ok_or_else(|| fail(file, format!("{what} must be a 32-byte hex hash")))
}

fn rows_of(file: &str, map: &Map<String, Value>) -> Result<Vec<Row>> {
    map.iter()
        .map(|(key, c)| {
            let address = parse_address(key).map_err(|e| fail(file, format!("claim key: {e}")))?;
            let amount = c
                .get("amount")
                .ok_or_else(|| fail(file, format!("{key}: amount missing")))
                .and_then(|a| {
                    parse_json_amount(a).map_err(|e| fail(file, format!("{key}: {e}")))
                })?;
            let proof = match c.get("proof") {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|h| hash_at(file, Some(h), &format!("{key}: proof item")))
                    .collect::<Result<Vec<_>>>()?,
                _ => {
                    return Err(fail(
                        file,
                        format!("{key}: proof must be an array of hashes"),
                    ))
                }
            };
            let entry = Entry { address, amount };
            Ok(Row {
                who: address.to_checksum(None),
                leaf: hash::packed_leaf(&entry.address, &entry.amount),
                entry,
                proof,
            })
        })
        .collect()
}

/// Rebuilds a packed-leaf proof file's tree in the orders such files use — the `leaves` list
/// Morpho's files carry, the claims' file order (merkletreejs with only `sortPairs`), sorted
/// leaves (Balancer, Uniswap-style builders) — and returns the one that gives `root`, with each
/// row's leaf position.
fn rebuild(
    rows: &[Row],
    listed: Option<Vec<B256>>,
    root: B256,
) -> Option<(Layers, Vec<usize>, &'static str)> {
    let in_order: Vec<B256> = rows.iter().map(|r| r.leaf).collect();
    if let Some(listed) = listed {
        let at: std::collections::HashMap<B256, usize> =
            listed.iter().enumerate().map(|(i, l)| (*l, i)).collect();
        let positions: Option<Vec<usize>> = in_order.iter().map(|l| at.get(l).copied()).collect();
        let layers = Layers::build(listed, NodeHash::KeccakSorted, OddNode::Promote);
        if let (Some(positions), true) = (positions, layers.root() == root) {
            return Some((layers, positions, "listed-order"));
        }
    }
    let layers = Layers::build(in_order.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    if layers.root() == root {
        return Some((layers, (0..rows.len()).collect(), "input-order"));
    }
    let mut sorted = in_order.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let layers = Layers::build(sorted.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    if layers.root() != root {
        return None;
    }
    let positions = in_order
        .iter()
        .map(|l| sorted.binary_search(l).unwrap_or(0))
        .collect();
    Some((layers, positions, "sorted"))
}

/// Verifies a packed-leaf proof file: every proof folds to the stated root, the leaves rebuild
/// to it (sorted or in file order), and a stated total equals the sum.
pub fn verify_proof_file(file: &str, doc: &Value) -> Result<VerifyReport> {
    let root = hash_at(
        file,
        doc.get("root").or_else(|| doc.get("merkleRoot")),
        "root",
    )?;
    let map = proof_map(doc).ok_or_else(|| fail(file, "has no claims"))?;
    let rows = rows_of(file, map)?;
    let listed = match doc.get("leaves") {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|h| hash_at(file, Some(h), "leaves item"))
                .collect::<Result<Vec<_>>>()?,
        ),
        _ => None,
    };
    if let Some(l) = &listed {
        if l.len() != rows.len() {
            return Err(fail(
                file,
                format!("lists {} leaves for {} claims", l.len(), rows.len()),
            ));
        }
    }
    let rebuilt = rebuild(&rows, listed, root);
    let bad = rows
        .par_iter()
        .position_first(|r| NodeHash::KeccakSorted.fold(r.leaf, &r.proof) != root);
    if let Some(pos) = bad {
        let r = &rows[pos];
        let expected = rebuilt.as_ref().map(|(l, p, _)| l.proof(p[pos]));
        let c = Claimant {
            who: &r.who,
            index: pos as u64,
            amount: r.entry.amount.to_string(),
        };
        return Err(bad_proof(file, &c, root, &r.proof, expected.as_deref()));
    }
    let Some((_, _, order)) = rebuilt else {
        return Err(fail(
            file,
            format!("every proof reaches {root}, but the listed claims do not rebuild to it, in file order or sorted: the file does not hold the whole tree"),
        ));
    };
    let total = rows
        .iter()
        .try_fold(U256::ZERO, |a, r| a.checked_add(r.entry.amount))
        .ok_or_else(|| fail(file, "amounts overflow uint256"))?;
    if let Some(stated) = doc.get("total").or_else(|| doc.get("tokenTotal")) {
        let stated = parse_json_amount(stated).map_err(|e| fail(file, format!("total: {e}")))?;
        if stated != total {
            return Err(fail(
                file,
                format!("total is {stated} but the claims sum to {total}"),
            ));
        }
    }
    Ok(VerifyReport {
        format: format!("packed proof file ({order} leaves)"),
        root,
        claims: rows.len(),
        total: Some(total.to_string()),
        ..Default::default()
    })
}

/// Compares a verified root with the one the user expects, naming both on a mismatch.
pub fn check_expected_root(report: &VerifyReport, expected: &str) -> Result<()> {
    let want: B256 = expected.trim().parse().map_err(|_| {
        MerkleError::Options(format!(
            "--expect-root {:?} is not a 32-byte hex hash (0x followed by 64 hex digits)",
            expected.chars().take(80).collect::<String>()
        ))
    })?;
    if want != report.root {
        return Err(MerkleError::Verify(format!(
            "root mismatch: the file rebuilds to {} but --expect-root is {want}",
            report.root
        )));
    }
    Ok(())
}

/// True when a shard folder's `root.json` is in the layout ENS's `ShardedMerkleTree` wrote (and
/// Hop reused): `{root, shardNybbles, total}`, with shard files `XX.json` beside it.
pub fn is_ens_root(root_doc: &Value) -> bool {
    root_doc.get("shardNybbles").is_some() && root_doc.get("root").is_some()
}

/// One ENS shard file: `{proof, entries: {address: {balance, …}}}`.
struct EnsShard {
    id: String,
    root: B256,
    proof: Vec<B256>,
    claims: usize,
    total: U256,
}

fn ens_shard(path: &str, id: &str, doc: &Value) -> Result<EnsShard> {
    let entries = doc
        .get("entries")
        .and_then(Value::as_object)
        .ok_or_else(|| fail(path, "entries must be an object of address → {balance}"))?;
    let mut leaves = Vec::with_capacity(entries.len());
    let mut total = U256::ZERO;
    for (key, e) in entries {
        let address = parse_address(key).map_err(|e| fail(path, format!("entry key: {e}")))?;
        if !format!("{address:x}").starts_with(id) {
            return Err(fail(
                path,
                format!("{key} does not belong in shard {id}: a claim page would never look for it here"),
            ));
        }
        let balance = e
            .get("balance")
            .or_else(|| e.get("amount"))
            .ok_or_else(|| fail(path, format!("{key}: balance missing")))
            .and_then(|b| ens_amount(b).map_err(|m| fail(path, format!("{key}: {m}"))))?;
        total = total
            .checked_add(balance)
            .ok_or_else(|| fail(path, "balances overflow uint256"))?;
        leaves.push(hash::packed_leaf(&address, &balance));
    }
    if leaves.is_empty() {
        return Err(fail(path, "has no entries"));
    }
    let proof = match doc.get("proof") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|h| hash_at(path, Some(h), "proof item"))
            .collect::<Result<Vec<_>>>()?,
        _ => return Err(fail(path, "proof must be an array of hashes")),
    };
    leaves.sort_unstable();
    leaves.dedup();
    Ok(EnsShard {
        id: id.to_owned(),
        root: Layers::build(leaves, NodeHash::KeccakSorted, OddNode::Promote).root(),
        proof,
        claims: entries.len(),
        total,
    })
}

/// A balance as ENS's build script serialised it: ethers v5 writes a `BigNumber` as
/// `{"type": "BigNumber", "hex": "0x…"}`; plain strings and integers are read too.
fn ens_amount(v: &Value) -> std::result::Result<U256, String> {
    match v.get("hex") {
        // The format writes this field in hex: the one place here where hex is the rule.
        Some(Value::String(hex)) if hex.starts_with("0x") => crate::amount::parse_amount(hex),
        Some(other) => Err(format!(
            "a BigNumber's hex must be a 0x string, got {}",
            crate::amount::json_kind(other)
        )),
        None => parse_json_amount(v),
    }
}

/// Verifies an ENS/Hop shard folder: every shard file present is rebuilt from its entries, its
/// shard proof must lead to the root, and the present shard roots must rebuild the root — else
/// a shard is missing, and the proofs of the others tell how many.
pub fn verify_ens_folder(
    fetch: &mut dyn crate::read::Fetch,
    root_doc: &Value,
) -> Result<VerifyReport> {
    let root = hash_at("root.json", root_doc.get("root"), "root")?;
    let digits = match root_doc.get("shardNybbles").and_then(Value::as_u64) {
        Some(d @ (1 | 2)) => d as usize,
        _ => return Err(fail("root.json", "shardNybbles must be 1 or 2")),
    };
    let mut shards = Vec::new();
    let mut absent = Vec::new();
    for k in 0..16usize.pow(digits as u32) {
        let id = format!("{k:0digits$x}");
        let path = format!("{id}.json");
        let reader = match fetch.open(&path) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                absent.push(id);
                continue;
            }
            Err(e) => {
                return Err(MerkleError::Read {
                    file: path,
                    detail: e.to_string(),
                })
            }
        };
        let doc = crate::read::read_json(reader, &path)?;
        shards.push(ens_shard(&path, &id, &doc)?);
    }
    if shards.is_empty() {
        return Err(fail(
            "root.json",
            "no shard files (00.json, 01.json, …) beside it",
        ));
    }
    let mut roots: Vec<B256> = shards.iter().map(|s| s.root).collect();
    roots.sort_unstable();
    let top = Layers::build(roots.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    let intact = top.root() == root;
    for s in &shards {
        if NodeHash::KeccakSorted.fold(s.root, &s.proof) != root {
            let pos = roots.binary_search(&s.root).unwrap_or(0);
            let expected = intact.then(|| top.proof(pos));
            let c = Claimant {
                who: &format!("shard {}", s.id),
                index: pos as u64,
                amount: s.total.to_string(),
            };
            return Err(bad_proof(
                &format!("{}.json", s.id),
                &c,
                root,
                &s.proof,
                expected.as_deref(),
            ));
        }
    }
    if !intact {
        // Every present shard proves into the root, so the tree holds shard roots we lack.
        let listed: Vec<&str> = absent.iter().take(16).map(String::as_str).collect();
        let more = if absent.len() > listed.len() {
            ", …"
        } else {
            ""
        };
        return Err(fail(
            "root.json",
            format!(
                "the {} shard files present rebuild to {}, not {root}: a shard file is missing ({} absent: {}{more})",
                shards.len(),
                top.root(),
                absent.len(),
                listed.join(", "),
            ),
        ));
    }
    let total = shards
        .iter()
        .try_fold(U256::ZERO, |a, s| a.checked_add(s.total))
        .ok_or_else(|| fail("root.json", "total overflows"))?;
    if let Some(stated) = root_doc.get("total") {
        let stated =
            parse_json_amount(stated).map_err(|e| fail("root.json", format!("total: {e}")))?;
        if stated != total {
            return Err(fail(
                "root.json",
                format!("total is {stated} but the shards sum to {total}"),
            ));
        }
    }
    Ok(VerifyReport {
        format: format!("ens shard folder ({} shards)", shards.len()),
        root,
        claims: shards.iter().map(|s| s.claims).sum(),
        total: Some(total.to_string()),
        ..Default::default()
    })
}

/// Adds the total to an OpenZeppelin dump's report when its leaves are `(address, uint256)`,
/// the one encoding whose amount column is unambiguous (values were checked already).
pub(crate) fn with_oz_total(mut report: VerifyReport, doc: &Value) -> VerifyReport {
    let plain = doc.get("leafEncoding") == Some(&serde_json::json!(["address", "uint256"]));
    let values = doc.get("values").and_then(Value::as_array);
    if let (true, Some(values)) = (plain, values) {
        report.total = values
            .iter()
            .try_fold(U256::ZERO, |acc, v| {
                let amount = parse_json_amount(v.get("value")?.get(1)?).ok()?;
                acc.checked_add(amount)
            })
            .map(|t| t.to_string());
    }
    report
}
