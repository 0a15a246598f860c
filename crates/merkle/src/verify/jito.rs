//! Jito / Jupiter tree JSON: rebuild the root from the tree nodes and check every proof.

use super::{fail, obj, VerifyReport};
use crate::error::Result;
use crate::hash::{self, NodeHash};
use crate::layers::{Layers, OddNode};
use alloy_primitives::B256;
use serde_json::{Map, Value};

pub(super) fn bytes32(file: &str, v: Option<&Value>, what: &str) -> Result<[u8; 32]> {
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
pub(super) type JitoNode = (String, u64, u64, B256, Vec<B256>);

/// Leaf hashes and proofs of a Jito tree JSON's nodes, in file order.
pub(super) fn jito_nodes(file: &str, doc: &Value) -> Result<Vec<JitoNode>> {
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

pub(super) fn verify_jito(file: &str, doc: &Value) -> Result<VerifyReport> {
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
