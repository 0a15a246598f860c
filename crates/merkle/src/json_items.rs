//! The items of a JSON array read on all cores, each through `serde_json` into a typed value.
//!
//! A JSON text can only be split where it is known not to be inside a string. In a text with no
//! backslash, every `"` opens or closes a string, so the quotes counted before any byte tell
//! whether that byte is inside one: the array is cut just after a comma outside strings that
//! follows a closing bracket outside strings, near every multiple of the chunk size, and every
//! piece's items are deserialised in parallel. A text with a backslash is read as one piece (an
//! escaped quote would mislead the count), still without a `serde_json::Value` tree.
//!
//! A cut in a wrong place (the text is not what the count assumed) only makes a piece fail to
//! read; the pieces, read as `item , item , …`, cover the array exactly, so whenever every piece
//! reads, the whole text is a JSON array of those items. Any failure returns `None` and the
//! caller reads the text with its reference path, which words every error.

use rayon::prelude::*;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Bytes per chunk: large enough that a chunk's overhead is nothing, small enough to spread a
/// few megabytes over every core.
pub const CHUNK: usize = 1 << 20;

/// The items of `data` (a JSON array, surrounding whitespace allowed), in file order and
/// grouped by piece, or `None` when an item does not deserialise as `T` or the text is not a
/// plain JSON array of such items (the caller's reference path then words the error). Items
/// are objects (`closer` `}`) or arrays (`]`) holding no object or array.
pub fn array_items<'de, T>(data: &'de [u8], chunk: usize, closer: u8) -> Option<Vec<Vec<T>>>
where
    T: Deserialize<'de> + Send,
{
    let start = data.iter().position(|b| !is_ws(*b))?;
    let end = data.iter().rposition(|b| !is_ws(*b))?;
    if data[start] != b'[' || data[end] != b']' || end <= start {
        return None;
    }
    let inner = &data[start + 1..end];
    if inner.iter().all(|b| is_ws(*b)) {
        return Some(Vec::new());
    }
    let pieces = if memchr::memchr(b'\\', inner).is_some() {
        vec![inner]
    } else {
        split(inner, chunk.max(1), Some(closer))
    };
    let last = pieces.len() - 1;
    pieces
        .par_iter()
        .enumerate()
        .map(|(i, piece)| items(piece, i == last))
        .collect()
}

/// JSON whitespace.
/// Each piece with the number of its first item, counting from `first` over the pieces before:
/// what a piece read on its own needs to name an item by its place in the whole array.
pub fn numbered<T>(pieces: &[Vec<T>], first: usize) -> Vec<(usize, &[T])> {
    let mut next = first;
    pieces
        .iter()
        .map(|p| {
            let job = (next, p.as_slice());
            next += p.len();
            job
        })
        .collect()
}

pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `inner` cut just after a comma outside strings near every multiple of `chunk`; with a
/// `closer`, only after a comma that follows that closing bracket outside strings (items do not
/// nest, so the first comma after any closing bracket separates two items). Sound only where
/// `inner` has no backslash.
pub(crate) fn split(inner: &[u8], chunk: usize, closer: Option<u8>) -> Vec<&[u8]> {
    let starts: Vec<usize> = (0..inner.len().div_ceil(chunk))
        .map(|i| i * chunk)
        .collect();
    // Quotes before each chunk's start, counted in parallel: an odd count means inside a string.
    let quotes: Vec<usize> = starts
        .par_iter()
        .map(|&s| memchr::memchr_iter(b'"', &inner[s..(s + chunk).min(inner.len())]).count())
        .collect();
    let mut before = 0usize;
    let mut cuts = vec![0usize];
    for (&s, q) in starts.iter().zip(quotes) {
        if s > 0 {
            let mut inside = before % 2 == 1;
            let mut closed = closer.is_none();
            let found = inner[s..].iter().position(|&b| {
                inside ^= b == b'"';
                closed |= Some(b) == closer && !inside;
                b == b',' && !inside && closed
            });
            if let Some(p) = found {
                let cut = s + p + 1;
                if cut > *cuts.last().unwrap_or(&0) && cut < inner.len() {
                    cuts.push(cut);
                }
            }
        }
        before += q;
    }
    cuts.push(inner.len());
    cuts.windows(2).map(|w| &inner[w[0]..w[1]]).collect()
}

/// A piece's items separated by commas, the piece ending just after a comma unless it is the
/// last.
fn items<'de, T: Deserialize<'de>>(piece: &'de [u8], last: bool) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(piece.len() / 96 + 1);
    let mut at = 0usize;
    loop {
        // A stream reads one value and says where it ended; a fresh one per item allocates
        // nothing.
        let mut stream = serde_json::Deserializer::from_slice(&piece[at..]).into_iter::<T>();
        out.push(stream.next()?.ok()?);
        match after_item(piece, skip_ws(piece, at + stream.byte_offset()), last)? {
            Some(next) => at = next,
            None => return Some(out),
        }
    }
}

/// What follows an item of a piece, `at` past it and its whitespace: `Some(None)` at the
/// piece's end (after the separating comma unless the piece is the last), `Some(Some(next))`
/// for the next item's start, `None` for anything a piece of an array cannot hold there.
pub(crate) fn after_item(piece: &[u8], at: usize, last: bool) -> Option<Option<usize>> {
    match piece.get(at) {
        None if last => Some(None),
        Some(b',') if at + 1 == piece.len() && !last => Some(None),
        Some(b',') if at + 1 < piece.len() => Some(Some(at + 1)),
        _ => None,
    }
}

/// The first position from `at` that is not JSON whitespace (the piece's length if none).
pub(crate) fn skip_ws(piece: &[u8], at: usize) -> usize {
    piece[at.min(piece.len())..]
        .iter()
        .position(|b| !is_ws(*b))
        .map_or(piece.len(), |p| at + p)
}

/// A JSON string borrowed from the input unless an escape made the parser copy it (serde's own
/// `Cow<str>` always copies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, chunk: usize) -> Option<Vec<u64>> {
        array_items::<serde_json::Map<String, serde_json::Value>>(text.as_bytes(), chunk, b'}').map(
            |pieces| {
                pieces
                    .into_iter()
                    .flatten()
                    .map(|m| m["a"].as_u64().unwrap_or(0))
                    .collect()
            },
        )
    }

    #[test]
    fn every_chunk_size_reads_the_same_items() {
        let text = " [ {\"a\":1,\"s\":\"x,},\"} , {\"a\":2},{\"a\":3,\"s\":\"}\"}\n,{\"a\":4} ] \n";
        for chunk in 1..text.len() + 2 {
            assert_eq!(read(text, chunk), Some(vec![1, 2, 3, 4]), "chunk {chunk}");
        }
        assert_eq!(read("[]", 1), Some(vec![]));
        assert_eq!(read(" [ \n ] ", 1), Some(vec![]));
    }

    #[test]
    fn anything_but_a_plain_array_is_refused() {
        for bad in [
            "[{\"a\":1},]",
            "[{\"a\":1},,{\"a\":2}]",
            "[{\"a\":1} {\"a\":2}]",
            "[{\"a\":1}",
            "{\"a\":1}",
            "[{\"a\":1}] x",
            "[1]",
            "[{\"a\":1},\n]",
            "[,{\"a\":1}]",
        ] {
            for chunk in 1..bad.len() + 2 {
                assert_eq!(read(bad, chunk), None, "{bad} chunk {chunk}");
            }
        }
    }

    #[test]
    fn text_borrows_unless_escaped() {
        let t: Vec<Text<'_>> = serde_json::from_str(r#"["plain","esc\u0061ped"]"#).unwrap();
        assert!(matches!(t[0].0, Cow::Borrowed("plain")));
        assert!(matches!(&t[1].0, Cow::Owned(s) if s == "escaped"));
    }

    #[test]
    fn escapes_are_read_as_one_piece() {
        let text = "[{\"a\":1,\"s\":\"\\\"},{\"},{\"a\":2}]";
        for chunk in 1..text.len() + 2 {
            assert_eq!(read(text, chunk), Some(vec![1, 2]), "chunk {chunk}");
        }
    }
}
