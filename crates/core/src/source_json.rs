//! JSON campaign sources (an array of flat objects) read into a header and rows of text cells
//! without a `serde_json::Value` tree: every object is deserialised into its keys and scalar
//! cells, borrowed from the file's bytes where no escape forces a copy, and the array is read on
//! all cores where the text allows a split (see [`airdrop_merkle::json::items`]).
//!
//! Only what the reference path accepts is taken here: every item an object, no key twice,
//! every value a string, a boolean, `null` or an unsigned integer within `u64`. Anything else —
//! a nested value, a float, a negative number, a syntax error — returns `None`, and the caller
//! reads the same bytes with the reference path, which words every error as it always did.

use airdrop_merkle::json::items::{array_items, numbered, Text};
use rayon::prelude::*;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};

pub(super) use airdrop_merkle::json::items::CHUNK;

/// A row as the table holds it: its 1-based entry number and its cells in header order.
type Row = (u64, csv::StringRecord);

/// The header (keys in first-seen order) and rows of `data`, or `None` when the reference path
/// must read it.
pub(super) fn table(data: &[u8], chunk: usize) -> Option<(Vec<String>, Vec<Row>)> {
    let pieces: Vec<Vec<Item<'_>>> = array_items(data, chunk, b'}')?;
    let locals: Vec<Vec<&str>> = pieces.par_iter().map(|p| keys_of(p)).collect();
    let mut header: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for key in locals.iter().flatten() {
        index.entry(key).or_insert_with(|| {
            header.push(key);
            header.len() - 1
        });
    }
    let jobs = numbered(&pieces, 1);
    let rows: Vec<Vec<Row>> = jobs
        .par_iter()
        .map(|&(first, items)| records(items, first as u64, &index, header.len()))
        .collect();
    let header = header.iter().map(|h| (*h).to_owned()).collect();
    Some((header, rows.into_iter().flatten().collect()))
}

/// The keys of a piece's items in first-seen order. Items mostly repeat the keys of the one
/// before, which is checked first and costs no look-up.
fn keys_of<'a>(items: &'a [Item<'_>]) -> Vec<&'a str> {
    let mut keys: Vec<&str> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut previous: Option<&Item<'_>> = None;
    for item in items {
        if previous.is_some_and(|p| p.same_keys(item)) {
            continue;
        }
        for (k, _) in &item.0 {
            if seen.insert(k.as_ref()) {
                keys.push(k.as_ref());
            }
        }
        previous = Some(item);
    }
    keys
}

/// A piece's rows: each item's cells in header order, empty where the item lacks the key.
fn records(items: &[Item<'_>], first: u64, index: &HashMap<&str, usize>, width: usize) -> Vec<Row> {
    let mut out = Vec::with_capacity(items.len());
    // Header position → the item's field holding it, kept while items repeat their keys.
    let mut slots: Vec<Option<usize>> = vec![None; width];
    let mut previous: Option<&Item<'_>> = None;
    let mut number = String::new();
    for (i, item) in items.iter().enumerate() {
        if !previous.is_some_and(|p| p.same_keys(item)) {
            slots.iter_mut().for_each(|s| *s = None);
            for (f, (k, _)) in item.0.iter().enumerate() {
                if let Some(&at) = index.get(k.as_ref()) {
                    slots[at] = Some(f);
                }
            }
            previous = Some(item);
        }
        let bytes: usize = item.0.iter().map(|(_, c)| c.len_hint()).sum();
        let mut record = csv::StringRecord::with_capacity(bytes, width);
        for slot in &slots {
            match slot.map(|f| &item.0[f].1) {
                None | Some(Cell::Null) => record.push_field(""),
                Some(Cell::Bool(b)) => record.push_field(if *b { "true" } else { "false" }),
                Some(Cell::Text(s)) => record.push_field(s),
                Some(Cell::Integer(n)) => {
                    number.clear();
                    // Writing into a String cannot fail.
                    let _ = write!(number, "{n}");
                    record.push_field(&number);
                }
            }
        }
        out.push((first + i as u64, record));
    }
    out
}

/// One object of the array: its keys in order, each with its cell.
struct Item<'a>(Vec<(Cow<'a, str>, Cell<'a>)>);

impl Item<'_> {
    fn same_keys(&self, other: &Item<'_>) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.0 == b.0)
    }
}

/// A value the reference path turns into a cell; anything else is refused.
enum Cell<'a> {
    Null,
    Bool(bool),
    Integer(u64),
    Text(Cow<'a, str>),
}

impl Cell<'_> {
    fn len_hint(&self) -> usize {
        match self {
            Cell::Text(s) => s.len(),
            _ => 20,
        }
    }
}

impl<'de> de::Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of scalars")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
        let mut fields: Vec<(Cow<'de, str>, Cell<'de>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            // Items have a handful of keys: a list is cheaper than a set.
            if fields.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom("duplicate key"));
            }
            let cell = map.next_value::<Cell<'de>>()?;
            fields.push((key, cell));
        }
        Ok(Item(fields))
    }
}

impl<'de> de::Deserialize<'de> for Cell<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, an unsigned integer, a boolean or null")
    }
    fn visit_unit<E>(self) -> Result<Cell<'de>, E> {
        Ok(Cell::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Cell<'de>, E> {
        Ok(Cell::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Cell<'de>, E> {
        Ok(Cell::Integer(v))
    }
    // The reference path keeps a non-negative i64 as an unsigned number; a negative one (and
    // any float) is its error to word.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell<'de>, E> {
        u64::try_from(v)
            .map(Cell::Integer)
            .map_err(|_| E::custom("negative"))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v)))
    }
}

#[path = "source_json_facts.rs"]
mod facts;
pub(super) use facts::facts;

#[cfg(test)]
#[path = "source_json_tests.rs"]
mod tests;
