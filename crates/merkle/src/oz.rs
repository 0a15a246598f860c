//! OpenZeppelin's array layout (`@openzeppelin/merkle-tree`): a complete binary tree in one array,
//! root at 0, children of `i` at `2i+1` and `2i+2`, leaves at the tail in reverse order.

use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use alloy_primitives::B256;
use rayon::prelude::*;

const H: NodeHash = NodeHash::KeccakSorted;

/// A tree in OpenZeppelin's array layout.
#[derive(Debug, Clone)]
pub struct OzTree {
    tree: Vec<B256>,
}

/// An OpenZeppelin multiproof: the leaves (in the order the verifier consumes them), the sibling
/// hashes it needs, and one flag per hashing step (true: take the next leaf or computed node;
/// false: take the next proof hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiProof {
    /// Leaf hashes, in descending tree-index order, as OpenZeppelin emits them.
    pub leaves: Vec<B256>,
    /// Sibling hashes.
    pub proof: Vec<B256>,
    /// One flag per internal hashing step.
    pub proof_flags: Vec<bool>,
}

/// The array slot of the leaf placed at `position` in a tree of `leaves` leaves: known before
/// the tree is hashed.
pub(crate) fn leaf_slot(leaves: usize, position: usize) -> usize {
    2 * leaves - 2 - position
}

impl OzTree {
    /// Builds the array from leaves in placement order (sort them first for `sortLeaves`).
    pub fn build(leaves: &[B256]) -> Result<Self> {
        Self::build_with(leaves.len(), |i| leaves[i])
    }

    /// Builds the array from `n` leaves, the one placed at `position` given by `leaf(position)`.
    pub(crate) fn build_with(n: usize, leaf: impl Fn(usize) -> B256 + Sync) -> Result<Self> {
        if n == 0 {
            return Err(MerkleError::Options(
                "cannot build a tree with no leaves".into(),
            ));
        }
        let size = 2 * n - 1;
        // Every slot is first written on the pool, so the page faults of a large array are
        // spread over the cores (`vec![B256::ZERO; size]` would fill it on one). Leaves sit at
        // the tail in reverse order: slot `n - 1 + j` holds position `n - 1 - j`.
        let mut tree = Vec::with_capacity(size);
        (0..size)
            .into_par_iter()
            .map(|i| {
                if i < n - 1 {
                    B256::ZERO
                } else {
                    leaf(size - 1 - i)
                }
            })
            .collect_into_vec(&mut tree);
        // Level by level from the bottom: the parents of one level never overlap their children,
        // so each level can be hashed in parallel.
        let internal = n - 1;
        let mut level_start = if internal == 0 {
            0
        } else {
            level_of(internal - 1)
        };
        let mut hi = internal;
        loop {
            let lo = (1usize << level_start) - 1;
            let (parents, children) = tree.split_at_mut(hi);
            let base = hi;
            let fill = |(off, slot): (usize, &mut B256)| {
                let i = lo + off;
                *slot = H.pair(&children[2 * i + 1 - base], &children[2 * i + 2 - base]);
            };
            if hi - lo >= 4096 {
                parents[lo..hi].par_iter_mut().enumerate().for_each(fill);
            } else {
                parents[lo..hi].iter_mut().enumerate().for_each(fill);
            }
            if lo == 0 {
                break;
            }
            hi = lo;
            level_start -= 1;
        }
        Ok(OzTree { tree })
    }

    /// Wraps an existing array (from a dump) after checking its shape and every internal node.
    pub fn from_array(tree: Vec<B256>) -> Result<Self> {
        if tree.is_empty() || tree.len().is_multiple_of(2) {
            return Err(MerkleError::Verify(format!(
                "tree array has {} nodes; a valid OpenZeppelin tree has an odd, non-zero count",
                tree.len()
            )));
        }
        // Bottom-up, so that a changed internal node is named itself, not as its parent's fault.
        for i in (0..tree.len() / 2).rev() {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let expected = H.pair(&tree[l], &tree[r]);
            if tree[i] != expected {
                return Err(MerkleError::Verify(format!(
                    "tree node {i} (level {} below the root) is {} but its children {l} and {r} hash to {expected}: one of the three was changed, and every proof through it fails",
                    level_of(i),
                    tree[i]
                )));
            }
        }
        Ok(OzTree { tree })
    }

    /// The whole array, root first.
    pub fn nodes(&self) -> &[B256] {
        &self.tree
    }

    /// The root.
    pub fn root(&self) -> B256 {
        self.tree[0]
    }

    /// Number of leaves.
    pub fn leaf_count(&self) -> usize {
        self.tree.len().div_ceil(2)
    }

    /// The tree index of the leaf placed at `position`.
    pub fn tree_index(&self, position: usize) -> usize {
        leaf_slot(self.leaf_count(), position)
    }

    fn check_leaf(&self, index: usize) -> Result<()> {
        if index >= self.tree.len() || index < self.tree.len() / 2 {
            return Err(MerkleError::Options(format!(
                "tree index {index} is not a leaf (leaves are {}..{})",
                self.tree.len() / 2,
                self.tree.len()
            )));
        }
        Ok(())
    }

    /// Appends the proof of the leaf at `tree_index` to `out` (cleared first).
    pub fn proof_into(&self, mut index: usize, out: &mut Vec<B256>) {
        out.clear();
        while index > 0 {
            out.push(self.tree[sibling(index)]);
            index = (index - 1) / 2;
        }
    }

    /// The proof of the leaf at `tree_index`.
    pub fn proof(&self, tree_index: usize) -> Result<Vec<B256>> {
        self.check_leaf(tree_index)?;
        let mut out = Vec::new();
        self.proof_into(tree_index, &mut out);
        Ok(out)
    }

    /// A multiproof for several leaves at once (OpenZeppelin `getMultiProof`).
    pub fn multiproof(&self, tree_indices: &[usize]) -> Result<MultiProof> {
        for &i in tree_indices {
            self.check_leaf(i)?;
        }
        let mut indices = tree_indices.to_vec();
        indices.sort_unstable_by(|a, b| b.cmp(a));
        if indices.windows(2).any(|w| w[0] == w[1]) {
            return Err(MerkleError::Options(
                "cannot prove the same leaf twice in one multiproof".into(),
            ));
        }
        let mut queue: std::collections::VecDeque<usize> = indices.iter().copied().collect();
        let mut proof = Vec::new();
        let mut proof_flags = Vec::new();
        while let Some(&j) = queue.front() {
            if j == 0 {
                break;
            }
            queue.pop_front();
            let s = sibling(j);
            if queue.front() == Some(&s) {
                proof_flags.push(true);
                queue.pop_front();
            } else {
                proof_flags.push(false);
                proof.push(self.tree[s]);
            }
            queue.push_back((j - 1) / 2);
        }
        if indices.is_empty() {
            proof.push(self.tree[0]);
        }
        Ok(MultiProof {
            leaves: indices.iter().map(|&i| self.tree[i]).collect(),
            proof,
            proof_flags,
        })
    }
}

/// Recomputes the root a multiproof implies (OpenZeppelin `processMultiProof`).
pub fn process_multiproof(mp: &MultiProof) -> Result<B256> {
    let bad = |why: &str| MerkleError::Verify(format!("invalid multiproof: {why}"));
    if mp.proof.len() < mp.proof_flags.iter().filter(|f| !**f).count() {
        return Err(bad("fewer proof hashes than flags asking for them"));
    }
    if mp.leaves.len() + mp.proof.len() != mp.proof_flags.len() + 1 {
        return Err(bad("leaves + proof must equal flags + 1"));
    }
    let mut stack: std::collections::VecDeque<B256> = mp.leaves.iter().copied().collect();
    let mut proof = mp.proof.iter().copied();
    for &flag in &mp.proof_flags {
        let a = stack.pop_front().ok_or_else(|| bad("ran out of nodes"))?;
        let b = if flag {
            stack.pop_front()
        } else {
            proof.next()
        }
        .ok_or_else(|| bad("ran out of nodes"))?;
        stack.push_back(H.pair(&a, &b));
    }
    stack
        .pop_back()
        .or_else(|| proof.next())
        .ok_or_else(|| bad("nothing to hash"))
}

fn sibling(i: usize) -> usize {
    if i % 2 == 1 {
        i + 1
    } else {
        i - 1
    }
}

/// The level (0 = root) of array index `i`.
fn level_of(i: usize) -> usize {
    (usize::BITS - 1 - (i + 1).leading_zeros()) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_and_multiproofs_verify_for_all_small_sizes() {
        for n in 1..33usize {
            let leaves: Vec<B256> = (0..n)
                .map(|i| alloy_primitives::keccak256([i as u8]))
                .collect();
            let t = OzTree::build(&leaves).unwrap();
            let rebuilt = OzTree::from_array(t.nodes().to_vec()).unwrap();
            assert_eq!(rebuilt.root(), t.root());
            for (pos, leaf) in leaves.iter().enumerate() {
                let ti = t.tree_index(pos);
                assert_eq!(H.fold(*leaf, &t.proof(ti).unwrap()), t.root());
            }
            let all: Vec<usize> = (0..n).map(|p| t.tree_index(p)).collect();
            for k in 0..=n.min(5) {
                let mp = t.multiproof(&all[..k]).unwrap();
                assert_eq!(process_multiproof(&mp).unwrap(), t.root(), "n={n} k={k}");
            }
        }
    }

    #[test]
    fn a_tampered_array_is_refused() {
        let leaves: Vec<B256> = (0..5u8).map(|i| alloy_primitives::keccak256([i])).collect();
        let mut nodes = OzTree::build(&leaves).unwrap().nodes().to_vec();
        nodes[6] = B256::repeat_byte(7);
        assert!(OzTree::from_array(nodes).is_err());
    }
}
