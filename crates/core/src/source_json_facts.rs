//! A JSON source's facts straight from its typed items, without the table of text cells: what
//! the CSV fast path does for plain CSV files. Items are read on all cores (see
//! [`super::table`]'s reader), every key and text cell is checked for secrets, and each row's
//! address and columns go through [`row_facts`], the function the table path calls.
//!
//! Any error at all — a secret, a bad address or value, a column no item has, a duplicate —
//! returns `None`, and the caller reads the file through the table path, which words every
//! error as it always did: errors cost a second read, successes never do.

use super::{Cell, Item};
use crate::source::{row_facts, Facts};
use crate::spec::SourceSpec;
use airdrop_merkle::address::refuse_secret;
use airdrop_merkle::json::items::{array_items, numbered};
use airdrop_merkle::{Address, U256};
use rayon::prelude::*;
use std::fmt::Write as _;

/// A row as the facts take it: address, values, entry number.
type Row = (Address, Vec<U256>, u64);

/// The facts of a JSON source, or `None` when the table path must read it.
pub(in crate::source) fn facts(spec: &SourceSpec, data: &[u8], chunk: usize) -> Option<Facts> {
    let pieces: Vec<Vec<Item<'_>>> = array_items(data, chunk, b'}')?;
    // The address column, then the value columns: the cells each row needs.
    let names: Vec<&str> = std::iter::once(spec.address_column.as_str())
        .chain(spec.columns.iter().map(|c| c.name.as_str()))
        .collect();
    let jobs = numbered(&pieces, 1);
    let parsed: Vec<(Vec<Row>, Vec<bool>)> = jobs
        .par_iter()
        .map(|&(first, items)| piece_rows(spec, &names, items, first as u64))
        .collect::<Option<_>>()?;
    // A column no item has is the table path's "no column" error.
    let found = (0..names.len()).all(|j| parsed.iter().any(|(_, seen)| seen[j]));
    if !found {
        return None;
    }
    let rows: Vec<Row> = parsed.into_iter().flat_map(|(rows, _)| rows).collect();
    Facts::from_numbered_rows(&spec.name, spec.columns.len(), rows, &|_| String::new()).ok()
}

/// One piece's rows, and which of `names` its items hold; `None` at the first error.
fn piece_rows(
    spec: &SourceSpec,
    names: &[&str],
    items: &[Item<'_>],
    first: u64,
) -> Option<(Vec<Row>, Vec<bool>)> {
    let mut rows = Vec::with_capacity(items.len());
    let mut seen = vec![false; names.len()];
    // Needed cell → the item's field holding it, kept while items repeat their keys.
    let mut slots: Vec<Option<usize>> = vec![None; names.len()];
    let mut texts: Vec<String> = vec![String::new(); names.len()];
    let cols: Vec<usize> = (1..names.len()).collect();
    let mut previous: Option<&Item<'_>> = None;
    for (i, item) in items.iter().enumerate() {
        if !previous.is_some_and(|p| p.same_keys(item)) {
            if item.0.iter().any(|(k, _)| refuse_secret(k).is_err()) {
                return None;
            }
            for (j, name) in names.iter().enumerate() {
                slots[j] = item.0.iter().position(|(k, _)| k == name);
                seen[j] |= slots[j].is_some();
            }
            previous = Some(item);
        }
        // Numbers (at most 20 digits) and booleans are too short to hold a secret.
        if item
            .0
            .iter()
            .any(|(_, c)| matches!(c, Cell::Text(s) if refuse_secret(s).is_err()))
        {
            return None;
        }
        for (text, slot) in texts.iter_mut().zip(&slots) {
            text.clear();
            match slot.map(|f| &item.0[f].1) {
                None | Some(Cell::Null) => {}
                Some(Cell::Bool(b)) => text.push_str(if *b { "true" } else { "false" }),
                Some(Cell::Text(s)) => text.push_str(s),
                // Writing into a String cannot fail.
                Some(Cell::Integer(n)) => {
                    let _ = write!(text, "{n}");
                }
            }
        }
        let (address, values) =
            row_facts(spec, |k| texts[k].as_str(), 0, &cols, String::new).ok()?;
        rows.push((address, values, first + i as u64));
    }
    Some((rows, seen))
}
