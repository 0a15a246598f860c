//! Building an OpenZeppelin tree (`oz-standard`): leaves, their placing and the array.

use crate::build::{Kind, OzRows};
use crate::error::{MerkleError, Result};
use crate::oz::OzTree;
use crate::{hash, values, Records};
use alloy_dyn_abi::DynSolType;
use alloy_primitives::B256;
use rayon::prelude::*;

/// The built tree of `records` under the leaf `types`.
pub(crate) fn kind(types: Vec<DynSolType>, records: Records, sort: bool) -> Result<Kind> {
    // Each leaf is hashed straight into its (hash, input position) pair for placing: no
    // separate array of leaves to allocate, fill and copy again.
    let order = match &records {
        Records::Accounts(entries, _) => entries
            .par_iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    hash::oz_address_amount_leaf(&e.address, &e.amount),
                    i as u32,
                )
            })
            .collect(),
        Records::Values { rows, .. } => rows
            .par_iter()
            .enumerate()
            .map(|(i, r)| (hash::oz_leaf_from_encoded(&values::abi_encode(r)), i as u32))
            .collect(),
        Records::Solana(_) => return Err(solana()),
    };
    let (tree, tree_index) = layout(order, sort)?;
    let rows = match records {
        Records::Accounts(entries, spellings) => OzRows::Accounts(entries, spellings),
        Records::Values { rows, .. } => OzRows::Values(rows),
        Records::Solana(_) => return Err(solana()),
    };
    Ok(Kind::Oz {
        types,
        rows,
        tree,
        tree_index,
        by_address: std::sync::OnceLock::new(),
    })
}

fn solana() -> MerkleError {
    MerkleError::Options("Solana claimants need the jito preset".into())
}

/// Places `(leaf hash, input position)` pairs in the tree: sorted when asked, then laid out.
fn layout(mut order: Vec<(B256, u32)>, sort: bool) -> Result<(OzTree, Vec<usize>)> {
    // Sorting the pairs unstably is still stable for equal hashes, because the position
    // breaks the tie — as OpenZeppelin's stable sort orders duplicates.
    if sort {
        order.par_sort_unstable();
    }
    // Placing values is a scatter, one core's work: it runs beside the hashing, whose top
    // levels leave a core idle anyway. A leaf's tree index follows from its position alone.
    let n = order.len();
    let (tree, tree_index) = rayon::join(
        || OzTree::build_with(n, |pos| order[pos].0),
        || {
            let mut tree_index = vec![0usize; n];
            for (pos, (_, value_index)) in order.iter().enumerate() {
                tree_index[*value_index as usize] = crate::oz::leaf_slot(n, pos);
            }
            tree_index
        },
    );
    Ok((tree?, tree_index))
}
