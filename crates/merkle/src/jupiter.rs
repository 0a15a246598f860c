//! Jupiter-style split trees for Solana: the input rows, in file order, cut into consecutive
//! chunks of `max_nodes_per_tree`; each chunk is its own tree and distributor
//! (`airdrop_version` = chunk index), written as `tree_<i>.json`.

use crate::error::{MerkleError, Result};
use crate::hash::{jito_leaf, NodeHash};
use crate::input::{parse_pubkey, SolanaEntry};
use crate::layers::{Layers, OddNode};
use crate::Sink;
use alloy_primitives::B256;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;

// The folder checker dispatches each file through `verify`, which calls back into this module;
// it lives there so the dependency runs one way, and keeps its path here.
pub use crate::verify::jupiter_folder::verify_tree_folder;

/// Jupiter's CLI default for `max_nodes_per_tree`.
pub const DEFAULT_MAX_NODES: usize = 12_000;

/// Which names the tree files use for their totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TreeFields {
    /// Since jup-ag/distributor `9e33f912` (Jul 2024): `total_unlocked_amount`,
    /// `total_locked_amount`.
    #[default]
    New,
    /// Before: `max_total_claim`.
    Old,
}

impl std::str::FromStr for TreeFields {
    type Err = MerkleError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "new" => Ok(TreeFields::New),
            "old" => Ok(TreeFields::Old),
            _ => Err(MerkleError::Options(format!(
                "unknown tree field names {s:?}; choose new (total_unlocked_amount, total_locked_amount) or old (max_total_claim)"
            ))),
        }
    }
}

/// Converts a UI amount (`"1000.12345678"`) to base units with `decimals`, rounding down as
/// Jupiter's `ui_amount_to_token_amount` does. Returns the amount and whether digits were
/// dropped, so the caller can tell the user.
pub fn ui_to_base(text: &str, decimals: u32) -> std::result::Result<(u64, bool), String> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits_ok(int) || !digits_ok(frac) {
        return Err(format!(
            "invalid amount {t:?}; expected a non-negative decimal such as 1000.5"
        ));
    }
    let d = decimals as usize;
    let kept = &frac[..frac.len().min(d)];
    let dropped = frac[kept.len()..].bytes().any(|b| b != b'0');
    let scaled = format!("{int}{kept}{}", "0".repeat(d - kept.len()));
    let value = scaled
        .trim_start_matches('0')
        .parse::<u64>()
        .or_else(|e| {
            if scaled.bytes().all(|b| b == b'0') {
                Ok(0)
            } else {
                Err(e)
            }
        })
        .map_err(|_| format!("amount {t:?} × 10^{decimals} does not fit in u64 base units"))?;
    Ok((value, dropped))
}

/// Rows read from a Jupiter CSV, in file order, not merged.
#[derive(Debug, Clone, Default)]
pub struct JupiterRows {
    /// The rows.
    pub rows: Vec<SolanaEntry>,
    /// 1-based lines of rows whose amounts lost digits beyond `decimals`.
    pub truncated: Vec<u64>,
    /// 1-based lines of rows with nothing to claim, kept because `allow_zero` was set.
    pub zero_lines: Vec<u64>,
}

/// Reads `pubkey,amount,locked_amount` (Jupiter's header). With `decimals`, amounts are UI
/// amounts converted as Jupiter does; without, they must be integers in base units. A row with
/// nothing to claim (both amounts zero, perhaps after rounding down) is refused unless
/// `allow_zero`.
pub fn read_csv(
    text: &str,
    file: &str,
    decimals: Option<u32>,
    allow_zero: bool,
) -> Result<JupiterRows> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, h)| h.replace(' ', ""));
    if header.as_deref() != Some("pubkey,amount,locked_amount") {
        return Err(MerkleError::format(
            file,
            1,
            "expected Jupiter's header pubkey,amount,locked_amount",
        ));
    }
    let mut out = JupiterRows::default();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let n = i as u64 + 1;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [key, amount, locked] = cells[..] else {
            return Err(MerkleError::format(
                file,
                n,
                format!("row has {} fields but the header has 3", cells.len()),
            ));
        };
        let claimant = parse_pubkey(key).map_err(|d| MerkleError::format(file, n, d))?;
        let conv = |a: &str| -> Result<(u64, bool)> {
            match decimals {
                Some(d) => ui_to_base(a, d),
                None => a.parse::<u64>().map(|v| (v, false)).map_err(|_| {
                    format!("amount {a:?} is not an integer in base units; pass --decimals N to read UI amounts as Jupiter does")
                }),
            }
            .map_err(|d| MerkleError::amount(file, n, d))
        };
        let ((unlocked, t1), (locked, t2)) = (conv(amount)?, conv(locked)?);
        if t1 || t2 {
            out.truncated.push(n);
        }
        if unlocked == 0 && locked == 0 {
            if !allow_zero {
                return Err(MerkleError::amount(
                    file,
                    n,
                    format!("zero amount for {key}: nothing to claim (pass --allow-zero to keep the rows of a published list)"),
                ));
            }
            out.zero_lines.push(n);
        }
        out.rows.push(SolanaEntry {
            claimant,
            unlocked,
            locked,
        });
    }
    if out.rows.is_empty() {
        return Err(MerkleError::Empty { file: file.into() });
    }
    Ok(out)
}

/// One distributor's tree.
#[derive(Debug)]
pub struct JupiterTree {
    /// `airdrop_version`: the chunk index.
    pub version: u64,
    /// Claimants after merging duplicates inside the chunk, in first-occurrence order.
    pub nodes: Vec<SolanaEntry>,
    layers: Layers,
}

impl JupiterTree {
    /// Builds one tree in input order, merging repeated claimants into their first occurrence
    /// as `AirdropMerkleTree::new` does.
    pub fn build(version: u64, rows: &[SolanaEntry]) -> Result<Self> {
        let mut nodes: Vec<SolanaEntry> = Vec::with_capacity(rows.len());
        let mut at: HashMap<[u8; 32], usize> = HashMap::with_capacity(rows.len());
        for r in rows {
            match at.get(&r.claimant) {
                Some(&k) => {
                    let n = &mut nodes[k];
                    let add = |a: u64, b: u64| {
                        a.checked_add(b).ok_or_else(|| {
                            MerkleError::Options(format!(
                                "tree {version}: merged amounts of {} overflow u64",
                                bs58::encode(r.claimant).into_string()
                            ))
                        })
                    };
                    n.unlocked = add(n.unlocked, r.unlocked)?;
                    n.locked = add(n.locked, r.locked)?;
                }
                None => {
                    at.insert(r.claimant, nodes.len());
                    nodes.push(*r);
                }
            }
        }
        let leaves = nodes
            .iter()
            .map(|n| jito_leaf(&n.claimant, n.unlocked, n.locked))
            .collect();
        Ok(JupiterTree {
            version,
            nodes,
            layers: Layers::build(leaves, NodeHash::Sha256Prefixed, OddNode::PairWithSelf),
        })
    }

    /// The root.
    pub fn root(&self) -> B256 {
        self.layers.root()
    }

    /// The proof of node `k`.
    pub fn proof(&self, k: usize) -> Vec<B256> {
        self.layers.proof(k)
    }

    /// Sums of unlocked and locked amounts (u128: a chunk of u64s cannot overflow it).
    pub fn totals(&self) -> (u128, u128) {
        self.nodes.iter().fold((0, 0), |(u, l), n| {
            (u + n.unlocked as u128, l + n.locked as u128)
        })
    }

    /// The tree file as jup-ag/distributor serialises it (byte arrays), with `fields` naming
    /// the totals.
    pub fn to_json(&self, fields: TreeFields) -> Value {
        let bytes = |b: &[u8]| b.iter().map(|x| json!(x)).collect::<Vec<_>>();
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(k, n)| {
                json!({
                    "claimant": bytes(&n.claimant),
                    "amount": n.unlocked,
                    "locked_amount": n.locked,
                    "proof": self.proof(k).iter().map(|p| bytes(p.as_slice())).collect::<Vec<_>>(),
                })
            })
            .collect();
        let (unlocked, locked) = self.totals();
        let mut m = serde_json::Map::new();
        m.insert("merkle_root".into(), json!(bytes(self.root().as_slice())));
        m.insert("airdrop_version".into(), json!(self.version));
        m.insert("max_num_nodes".into(), json!(self.nodes.len()));
        match fields {
            TreeFields::Old => {
                m.insert("max_total_claim".into(), json!(unlocked + locked));
            }
            TreeFields::New => {
                m.insert("total_unlocked_amount".into(), json!(unlocked));
                m.insert("total_locked_amount".into(), json!(locked));
            }
        }
        m.insert("tree_nodes".into(), Value::Array(nodes));
        Value::Object(m)
    }
}

/// Cuts `rows` into consecutive chunks of `max_nodes` and builds one tree per chunk.
pub fn split(rows: &[SolanaEntry], max_nodes: usize) -> Result<Vec<JupiterTree>> {
    if max_nodes == 0 {
        return Err(MerkleError::Options(
            "--max-nodes-per-tree must be at least 1 (Jupiter's default is 12000)".into(),
        ));
    }
    rows.par_chunks(max_nodes)
        .enumerate()
        .map(|(i, c)| JupiterTree::build(i as u64, c))
        .collect()
}

/// Writes `tree_<i>.json` for every tree.
pub fn write(trees: &[JupiterTree], fields: TreeFields, sink: &mut dyn Sink) -> Result<()> {
    for t in trees {
        let path = format!("tree_{}.json", t.version);
        let io = |error| MerkleError::Write {
            path: path.clone(),
            error,
        };
        let mut w = sink.create(&path).map_err(io)?;
        serde_json::to_writer(&mut w, &t.to_json(fields))
            .map_err(|e| io(std::io::Error::other(e)))?;
        w.flush().map_err(io)?;
    }
    Ok(())
}

/// Reads a Jupiter tree file of either generation and checks it: every node's proof must
/// reach `merkle_root`, and the totals (old or new names) must equal the nodes' sums. Returns
/// the root, the node count and the total of both amounts.
pub fn verify_tree_file(doc: &Value, file: &str) -> Result<(B256, usize, u128)> {
    let bad = |d: String| MerkleError::Verify(format!("{file}: {d}"));
    let b32 = |v: Option<&Value>, what: &str| -> Result<[u8; 32]> {
        let bytes: Vec<u8> = v
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_u64().map(|x| x as u8))
                    .collect()
            })
            .unwrap_or_default();
        bytes
            .try_into()
            .map_err(|_| bad(format!("{what} is not an array of 32 bytes")))
    };
    let root = B256::from(b32(doc.get("merkle_root"), "merkle_root")?);
    let nodes = doc
        .get("tree_nodes")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no tree_nodes array".into()))?;
    let (mut unlocked, mut locked) = (0u128, 0u128);
    for (k, n) in nodes.iter().enumerate() {
        let claimant = b32(n.get("claimant"), &format!("tree_nodes[{k}].claimant"))?;
        let amt = |key: &str| n.get(key).and_then(Value::as_u64).unwrap_or(0);
        let (u, l) = (amt("amount"), amt("locked_amount"));
        let proof = n
            .get("proof")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(j, p)| b32(Some(p), &format!("tree_nodes[{k}].proof[{j}]")).map(B256::from))
            .collect::<Result<Vec<_>>>()?;
        if NodeHash::Sha256Prefixed.fold(jito_leaf(&claimant, u, l), &proof) != root {
            return Err(bad(format!(
                "the proof of {} (node {k}) does not reach merkle_root {root}",
                bs58::encode(claimant).into_string()
            )));
        }
        unlocked += u as u128;
        locked += l as u128;
    }
    let num = |key: &str| doc.get(key).and_then(Value::as_u64).map(u128::from);
    if let Some(t) = num("max_total_claim").filter(|t| *t != unlocked + locked) {
        return Err(bad(format!(
            "max_total_claim says {t} but the nodes sum to {}",
            unlocked + locked
        )));
    }
    if let (Some(u), Some(l)) = (num("total_unlocked_amount"), num("total_locked_amount")) {
        if (u, l) != (unlocked, locked) {
            return Err(bad(format!(
                "total_unlocked_amount/total_locked_amount say {u}/{l} but the nodes sum to {unlocked}/{locked}"
            )));
        }
    }
    Ok((root, nodes.len(), unlocked + locked))
}

/// The `tree_<i>.json` names among `names`, by version.
pub(crate) fn tree_files(names: &[String]) -> Vec<(u64, &str)> {
    let mut found: Vec<(u64, &str)> = names
        .iter()
        .filter_map(|n| {
            let v = n.strip_prefix("tree_")?.strip_suffix(".json")?;
            let digits = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
            Some((v.parse().ok().filter(|_| digits)?, n.as_str()))
        })
        .collect();
    found.sort_unstable();
    found
}

/// True when `names` (a folder's file names) hold Jupiter tree files.
pub fn is_tree_folder(names: &[String]) -> bool {
    !tree_files(names).is_empty()
}
