//! OpenZeppelin values arrays of any encoding (`[["0x…", "5", "0x…"], …]`) read without a
//! `serde_json::Value` tree, on all cores where the text allows a split (see
//! [`crate::json::items`]).
//!
//! Each row is deserialised into its cells — strings borrowed from the file's text, other
//! scalars kept as the small `Value` the reference path would have built — and every cell goes
//! through the very functions the reference path calls ([`values::from_text`] for a string,
//! [`values::from_json`] otherwise), so both read the same values. Only the plain case is taken:
//! every row an array of scalars as wide as the encoding, every cell valid. Anything else — a
//! nested array, a bad cell, a syntax error, a keystore — returns `None`, and the reference path
//! reads the same bytes and words the error as it always did.

use crate::json::items::array_items;
use crate::values;
use alloy_dyn_abi::{DynSolType, DynSolValue};
use rayon::prelude::*;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::fmt;

/// The rows of `data` as values of `types`, or `None` when the reference path must read it.
pub(super) fn read_values(
    data: &[u8],
    types: &[DynSolType],
    chunk: usize,
) -> Option<Vec<Vec<DynSolValue>>> {
    // The reference path refuses a keystore over the first 64 KiB it reads: let it.
    let head = &data[..data.len().min(64 * 1024)];
    if crate::guard::guard_keystore(&String::from_utf8_lossy(head)).is_err() {
        return None;
    }
    let pieces: Vec<Vec<Row<'_>>> = array_items(data, chunk, b']')?;
    let parsed: Vec<Vec<Vec<DynSolValue>>> = pieces
        .par_iter()
        .map(|rows| rows.iter().map(|r| row_values(r, types)).collect())
        .collect::<Option<_>>()?;
    Some(parsed.into_iter().flatten().collect())
}

fn row_values(row: &Row<'_>, types: &[DynSolType]) -> Option<Vec<DynSolValue>> {
    if row.0.len() != types.len() {
        return None;
    }
    types
        .iter()
        .zip(&row.0)
        .map(|(t, cell)| match cell {
            Cell::Text(s) => values::from_text(t, s).ok(),
            Cell::Scalar(v) => values::from_json(t, v).ok(),
        })
        .collect()
}

/// One values array.
struct Row<'a>(Vec<Cell<'a>>);

/// A string, or another scalar as the reference parser's `Value` (no allocation for those).
enum Cell<'a> {
    Text(Cow<'a, str>),
    Scalar(Value),
}

impl<'de> de::Deserialize<'de> for Row<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(RowVisitor)
    }
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Row<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of scalars")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row<'de>, A::Error> {
        let mut cells = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(cell) = seq.next_element::<Cell<'de>>()? {
            cells.push(cell);
        }
        Ok(Row(cells))
    }
}

impl<'de> de::Deserialize<'de> for Cell<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

// Numbers become what `crate::json`'s strict parser makes of them, so `from_json` sees the
// same `Value`.
impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number, a boolean or null")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Cell<'de>, E> {
        Ok(Cell::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Cell<'de>, E> {
        Ok(Cell::Scalar(Value::Number(v.into())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Cell<'de>, E> {
        Ok(Cell::Scalar(Value::Number(v.into())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Cell<'de>, E> {
        Ok(Cell::Scalar(
            Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_unit<E>(self) -> Result<Cell<'de>, E> {
        Ok(Cell::Scalar(Value::Null))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v)))
    }
}

#[cfg(test)]
#[path = "typed_values_tests.rs"]
mod tests;
