//! OpenZeppelin dumps (`standard-v1`, `simple-v1`): check the stored tree and every value's leaf.

use super::{fail, hash_of, hashes_of, VerifyReport};
use crate::error::Result;
use crate::hash::{self, NodeHash};
use crate::oz::OzTree;
use crate::values;
use serde_json::Value;

pub(super) fn verify_oz(file: &str, doc: &Value, simple: bool) -> Result<VerifyReport> {
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
