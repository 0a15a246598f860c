//! Reading built outputs back: rebuild the root from the data in a claims file, dump or shard
//! folder, check every proof, and look up single claims.

use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::build::{account_leaf, account_tree};
use crate::error::{MerkleError, Result};
use crate::hash::{self, NodeHash};
use crate::layers::{Layers, OddNode};
use crate::oz::OzTree;
use crate::{values, Entry, LeafEncoding};
use alloy_primitives::{Address, B256, U256};
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::io::Read;

/// Opens files of a multi-file output (a shard folder) by relative path.
pub trait Fetch {
    /// Opens `relative_path` for reading.
    fn open(&mut self, relative_path: &str) -> std::io::Result<Box<dyn Read + '_>>;
}

/// What a successful verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// The format recognised.
    pub format: String,
    /// The root, rebuilt from the data and equal to the one the file states.
    pub root: B256,
    /// Number of claims whose proofs were checked.
    pub claims: usize,
    /// Sum of amounts, where the format has them.
    pub total: Option<String>,
    /// Sums per token (checksummed token, decimal base units) of a multi-token tree.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_token: Vec<(String, String)>,
}

fn fail(file: &str, detail: impl std::fmt::Display) -> MerkleError {
    MerkleError::Verify(format!("{file}: {detail}"))
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

/// A parsed claim of a claims file.
struct ParsedClaim {
    entry: Entry,
    index: u64,
    proof: Vec<B256>,
}

/// Verifies a claims file (or one shard of a sharded output). With `shard_root_expected`, the
/// file is a shard whose root must be that one; returns the shard's own root as well.
fn verify_claims(
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

fn verify_oz(file: &str, doc: &Value, simple: bool) -> Result<VerifyReport> {
    let nodes = hashes_of(file, doc.get("tree"), "tree node")?;
    let tree = OzTree::from_array(nodes).map_err(|e| fail(file, e))?;
    let items = doc
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(|| fail(file, "values must be an array"))?;
    let types = if simple {
        Vec::new()
    } else {
        let enc: Vec<String> = doc
            .get("leafEncoding")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .ok_or_else(|| fail(file, "leafEncoding must be an array of type names"))?;
        values::parse_encoding(&enc).map_err(|e| fail(file, e))?.1
    };
    let leaf_count = tree.leaf_count();
    if items.len() != leaf_count {
        return Err(fail(
            file,
            format!("{} values for a tree with {leaf_count} leaves", items.len()),
        ));
    }
    let mut seen = vec![false; tree.nodes().len()];
    for (i, item) in items.iter().enumerate() {
        let ti = item
            .get("treeIndex")
            .and_then(Value::as_u64)
            .ok_or_else(|| fail(file, format!("value {i}: treeIndex missing")))?
            as usize;
        let value = item
            .get("value")
            .ok_or_else(|| fail(file, format!("value {i}: value missing")))?;
        let leaf = if simple {
            hash_of(file, value, "simple value")?
        } else {
            let Value::Array(cells) = value else {
                return Err(fail(
                    file,
                    format!("value {i}: expected an array of {} values", types.len()),
                ));
            };
            if cells.len() != types.len() {
                return Err(fail(
                    file,
                    format!(
                        "value {i}: {} values for {} types",
                        cells.len(),
                        types.len()
                    ),
                ));
            }
            let vals = types
                .iter()
                .zip(cells)
                .map(|(t, v)| values::from_json(t, v))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| fail(file, format!("value {i}: {e}")))?;
            hash::oz_leaf_from_encoded(&values::abi_encode(&vals))
        };
        let proof = tree
            .proof(ti)
            .map_err(|e| fail(file, format!("value {i}: {e}")))?;
        if seen[ti] {
            return Err(fail(file, format!("value {i}: tree index {ti} used twice")));
        }
        seen[ti] = true;
        if tree.nodes()[ti] != leaf || NodeHash::KeccakSorted.fold(leaf, &proof) != tree.root() {
            return Err(fail(
                file,
                format!("value {i} hashes to {leaf}, which is not the leaf at tree index {ti}"),
            ));
        }
    }
    let format = if simple {
        "openzeppelin simple-v1"
    } else {
        "openzeppelin standard-v1"
    };
    Ok(VerifyReport {
        format: format.into(),
        root: tree.root(),
        claims: items.len(),
        total: None,
        ..Default::default()
    })
}

fn bytes32(file: &str, v: Option<&Value>, what: &str) -> Result<[u8; 32]> {
    let arr = v
        .and_then(Value::as_array)
        .ok_or_else(|| fail(file, format!("{what} must be an array of 32 bytes")))?;
    let bytes: Vec<u8> = arr
        .iter()
        .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| fail(file, format!("{what} has a non-byte item")))?;
    bytes
        .try_into()
        .map_err(|_| fail(file, format!("{what} must have exactly 32 bytes")))
}

/// A Jito/Jupiter tree node's amounts: the plain fields, or the sums of Jito's per-category ones.
fn jito_amounts(node: &Map<String, Value>) -> (u64, u64) {
    let get = |k: &str| node.get(k).and_then(Value::as_u64);
    if let (Some(u), Some(l)) = (get("amount_unlocked"), get("amount_locked")) {
        return (u, l);
    }
    if let (Some(u), Some(l)) = (get("amount"), get("locked_amount")) {
        return (u, l);
    }
    let sum = |prefix: &str| {
        node.iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .filter_map(|(_, v)| v.as_u64())
            .fold(0u64, u64::wrapping_add)
    };
    (sum("total_unlocked_"), sum("total_locked_"))
}

/// One node of a Jito tree JSON: claimant (base58), unlocked, locked, leaf hash, proof.
type JitoNode = (String, u64, u64, B256, Vec<B256>);

/// Leaf hashes and proofs of a Jito tree JSON's nodes, in file order.
fn jito_nodes(file: &str, doc: &Value) -> Result<Vec<JitoNode>> {
    let nodes = doc
        .get("tree_nodes")
        .and_then(Value::as_array)
        .ok_or_else(|| fail(file, "tree_nodes must be an array"))?;
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let n = obj(file, n, "tree node")?;
            let claimant = bytes32(
                file,
                n.get("claimant"),
                &format!("tree_nodes[{i}].claimant"),
            )?;
            let (u, l) = jito_amounts(n);
            let proof = match n.get("proof") {
                Some(Value::Array(p)) => p
                    .iter()
                    .map(|h| bytes32(file, Some(h), "proof item").map(B256::from))
                    .collect::<Result<Vec<_>>>()?,
                _ => Vec::new(),
            };
            Ok((
                bs58::encode(claimant).into_string(),
                u,
                l,
                hash::jito_leaf(&claimant, u, l),
                proof,
            ))
        })
        .collect()
}

fn verify_jito(file: &str, doc: &Value) -> Result<VerifyReport> {
    let root = B256::from(bytes32(file, doc.get("merkle_root"), "merkle_root")?);
    let nodes = jito_nodes(file, doc)?;
    if nodes.is_empty() {
        return Err(fail(file, "has no tree nodes"));
    }
    let leaves: Vec<B256> = nodes.iter().map(|n| n.3).collect();
    let layers = Layers::build(leaves, NodeHash::Sha256Prefixed, OddNode::PairWithSelf);
    let mut rebuilt = layers.root();
    let mut positions: Vec<usize> = (0..nodes.len()).collect();
    let in_order_root = layers.root();
    let mut tree = layers;
    if rebuilt != root {
        // Trees built with sorted leaves list nodes in claimant order instead.
        let mut sorted: Vec<B256> = nodes.iter().map(|n| n.3).collect();
        sorted.sort_unstable();
        positions = nodes
            .iter()
            .map(|n| sorted.binary_search(&n.3).unwrap_or(0))
            .collect();
        tree = Layers::build(sorted, NodeHash::Sha256Prefixed, OddNode::PairWithSelf);
        rebuilt = tree.root();
    }
    for (pos, (who, u, l, leaf, proof)) in nodes.iter().enumerate() {
        if NodeHash::Sha256Prefixed.fold(*leaf, proof) != root {
            let expected = (rebuilt == root).then(|| tree.proof(positions[pos]));
            let c = crate::published::Claimant {
                who,
                index: pos as u64,
                amount: format!("{u} unlocked + {l} locked"),
            };
            return Err(crate::published::bad_proof(
                file,
                &c,
                root,
                proof,
                expected.as_deref(),
            ));
        }
    }
    if rebuilt != root {
        return Err(fail(
            file,
            format!(
                "merkle_root is {root} but the tree nodes rebuild to {}",
                in_order_root
            ),
        ));
    }
    let total: u128 = nodes.iter().map(|n| n.1 as u128 + n.2 as u128).sum();
    Ok(VerifyReport {
        format: "jito".into(),
        root,
        claims: nodes.len(),
        total: Some(total.to_string()),
        ..Default::default()
    })
}

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

/// Parses an address given on the command line (or in a query), naming it as such on error.
fn argument_address(who: &str) -> Result<Address> {
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
