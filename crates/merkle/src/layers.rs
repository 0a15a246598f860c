//! Layered trees: every level stored, so that any proof is a walk of sibling look-ups.

use crate::hash::NodeHash;
use alloy_primitives::B256;
use rayon::prelude::*;

/// What happens to the last node of a level with an odd count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OddNode {
    /// Carried up unchanged (Uniswap, ENS, merkletreejs).
    Promote,
    /// Hashed with itself (Jito / Solana distributors).
    PairWithSelf,
}

/// Below this many pairs a level is hashed on one thread: the fork-join overhead dominates.
const PAR_THRESHOLD: usize = 4096;

/// A tree kept as its levels, leaves first.
#[derive(Debug, Clone)]
pub struct Layers {
    layers: Vec<Vec<B256>>,
    hash: NodeHash,
    odd: OddNode,
}

impl Layers {
    /// Builds all levels over `leaves` in the given order. An empty input gives an empty tree
    /// whose root is zero; callers reject empty input before they get here.
    pub fn build(leaves: Vec<B256>, hash: NodeHash, odd: OddNode) -> Self {
        let mut layers = vec![leaves];
        while layers.last().is_some_and(|l| l.len() > 1) {
            let Some(prev) = layers.last() else { break };
            let next = next_level(prev, hash, odd);
            layers.push(next);
        }
        Layers { layers, hash, odd }
    }

    /// The root; zero for an empty tree.
    pub fn root(&self) -> B256 {
        self.layers
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or_default()
    }

    /// The leaves, in tree order.
    pub fn leaves(&self) -> &[B256] {
        &self.layers[0]
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.layers[0].len()
    }

    /// True when there are no leaves.
    pub fn is_empty(&self) -> bool {
        self.layers[0].is_empty()
    }

    /// Depth of the tree (length of the longest proof).
    pub fn depth(&self) -> usize {
        self.layers.len().saturating_sub(1)
    }

    /// The node hash in use.
    pub fn node_hash(&self) -> NodeHash {
        self.hash
    }

    /// Appends the proof of the leaf at `position` to `out` (cleared first), so that a caller
    /// producing millions of proofs reuses one buffer.
    pub fn proof_into(&self, mut position: usize, out: &mut Vec<B256>) {
        out.clear();
        for layer in &self.layers[..self.layers.len().saturating_sub(1)] {
            let sibling = position ^ 1;
            if sibling < layer.len() {
                out.push(layer[sibling]);
            } else if self.odd == OddNode::PairWithSelf {
                out.push(layer[position]);
            }
            position /= 2;
        }
    }

    /// The proof of the leaf at `position`.
    pub fn proof(&self, position: usize) -> Vec<B256> {
        let mut out = Vec::with_capacity(self.depth());
        self.proof_into(position, &mut out);
        out
    }
}

fn next_level(prev: &[B256], hash: NodeHash, odd: OddNode) -> Vec<B256> {
    let combine = |chunk: &[B256]| match chunk {
        [a, b] => hash.pair(a, b),
        [a] => match odd {
            OddNode::Promote => *a,
            OddNode::PairWithSelf => hash.pair(a, a),
        },
        _ => B256::ZERO,
    };
    if prev.len() / 2 >= PAR_THRESHOLD {
        prev.par_chunks(2).map(combine).collect()
    } else {
        prev.chunks(2).map(combine).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(i: u8) -> B256 {
        B256::repeat_byte(i)
    }

    #[test]
    fn every_proof_folds_to_the_root() {
        for n in 1..40u8 {
            for (hash, odd) in [
                (NodeHash::KeccakSorted, OddNode::Promote),
                (NodeHash::Sha256Prefixed, OddNode::PairWithSelf),
            ] {
                let leaves: Vec<B256> = (0..n).map(h).collect();
                let t = Layers::build(leaves.clone(), hash, odd);
                for (i, leaf) in leaves.iter().enumerate() {
                    assert_eq!(hash.fold(*leaf, &t.proof(i)), t.root(), "n={n} i={i}");
                }
            }
        }
    }
}
