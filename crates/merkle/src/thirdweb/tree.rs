//! thirdweb's `MerkleTree` class reproduced byte for byte: pair ordering, pair hashing, and the
//! root as a contract would accept it.

use super::{LeafOrder, PairOrder};
use crate::error::{MerkleError, Result};
use alloy_primitives::{keccak256, B256};
use std::cmp::Ordering;

/// Compares byte arrays as JavaScript's default sort does: as strings of comma-joined decimals.
pub fn js_string_cmp(a: &[u8], b: &[u8]) -> Ordering {
    js_key(a).cmp(&js_key(b))
}

/// The string JavaScript compares for a byte array: its decimal bytes joined by commas.
pub(super) fn js_key(x: &[u8]) -> String {
    x.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

/// Bytewise compare with a shorter array first on a common prefix (thirdweb's
/// `compareUint8Arrays`, and Rust's slice order).
fn pair_cmp(order: PairOrder, a: &[u8], b: &[u8]) -> Ordering {
    match order {
        PairOrder::Bytes => a.cmp(b),
        PairOrder::JsString => js_string_cmp(a, b),
        PairOrder::Positional => Ordering::Less,
    }
}

fn pair_hash(hash: TreeHash, pairs: PairOrder, a: &[u8], b: &[u8]) -> Vec<u8> {
    let (lo, hi) = if pair_cmp(pairs, a, b) == Ordering::Greater {
        (b, a)
    } else {
        (a, b)
    };
    let joined = [lo, hi].concat();
    match hash {
        TreeHash::Keccak => keccak256(&joined).to_vec(),
        TreeHash::Sha256 => {
            use sha2::Digest;
            sha2::Sha256::digest(&joined).to_vec()
        }
    }
}

/// The hash function of a [`ByteTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeHash {
    /// keccak256, the only one on chain.
    Keccak,
    /// sha256, only in thirdweb's own tree tests.
    Sha256,
}

/// thirdweb's `MerkleTree` class as written: nodes are byte strings of any length (leaves are
/// not hashed by the tree), a pair is ordered then hashed, an odd last node is carried up.
/// Used to reproduce their roots exactly, including the ones that would not verify on chain.
#[derive(Debug, Clone)]
pub struct ByteTree {
    layers: Vec<Vec<Vec<u8>>>,
    duplicate_odd: bool,
}

impl ByteTree {
    /// Builds the tree over `leaves`, optionally sorted first.
    pub fn build(
        leaves: Vec<Vec<u8>>,
        hash: TreeHash,
        leaf_order: Option<LeafOrder>,
        pairs: PairOrder,
    ) -> Self {
        Self::build_with_odd(leaves, hash, leaf_order, pairs, false)
    }

    /// As [`ByteTree::build`]; with `duplicate_odd` an odd last node is paired with itself
    /// (merkletreejs `duplicateOdd`) instead of being carried up.
    pub fn build_with_odd(
        mut leaves: Vec<Vec<u8>>,
        hash: TreeHash,
        leaf_order: Option<LeafOrder>,
        pairs: PairOrder,
        duplicate_odd: bool,
    ) -> Self {
        match leaf_order {
            Some(LeafOrder::Bytes) => leaves.sort(),
            Some(LeafOrder::JsString) => leaves.sort_by_cached_key(|l| js_key(l)),
            None => {}
        }
        let mut layers = vec![leaves];
        while let Some(prev) = layers.last().filter(|l| l.len() > 1) {
            let next = prev
                .chunks(2)
                .map(|c| match c {
                    [a] if duplicate_odd => pair_hash(hash, pairs, a, a),
                    [a, b] => pair_hash(hash, pairs, a, b),
                    [a] => a.clone(),
                    _ => Vec::new(),
                })
                .collect();
            layers.push(next);
        }
        ByteTree {
            layers,
            duplicate_odd,
        }
    }

    /// The root (empty for an empty tree).
    pub fn root(&self) -> &[u8] {
        self.layers
            .last()
            .and_then(|l| l.first())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The proof of the leaf at `position` (after sorting).
    pub fn proof(&self, mut position: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for layer in &self.layers[..self.layers.len().saturating_sub(1)] {
            match layer.get(position ^ 1) {
                Some(s) => out.push(s.clone()),
                None if self.duplicate_odd => out.push(layer[position].clone()),
                None => {}
            }
            position /= 2;
        }
        out
    }

    /// The leaves in tree order.
    pub fn leaves(&self) -> &[Vec<u8>] {
        &self.layers[0]
    }

    /// Checks every leaf's proof the way thirdweb's contracts do (keccak, sorted pairs) and
    /// names the first leaf that fails: the guard against emitting an unclaimable tree.
    pub fn check_on_chain(&self) -> Result<()> {
        let root = self.root();
        for (i, leaf) in self.leaves().iter().enumerate() {
            let mut acc = leaf.clone();
            for s in self.proof(i) {
                let (lo, hi) = if acc <= s { (&acc, &s) } else { (&s, &acc) };
                acc = keccak256([lo.as_slice(), hi.as_slice()].concat()).to_vec();
            }
            if acc != root {
                return Err(MerkleError::Verify(format!(
                    "refusing this tree: the proof of leaf {i} (0x{}) does not verify on chain, because its pairs were ordered as JavaScript strings rather than bytes; rebuild with bytewise pair order",
                    hex(leaf)
                )));
            }
        }
        Ok(())
    }
}

/// The root as a contract would accept it, computed level by level without
/// [`Layers`](crate::layers::Layers).
pub(super) fn onchain_root(mut level: Vec<B256>) -> B256 {
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|c| match c {
                [a, b] if a <= b => keccak256([a.as_slice(), b.as_slice()].concat()),
                [a, b] => keccak256([b.as_slice(), a.as_slice()].concat()),
                [a] => *a,
                _ => B256::ZERO,
            })
            .collect();
    }
    level.first().copied().unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
