//! Uniswap balance maps (`{"0xaddress": amount, …}`) and OpenZeppelin address/amount pairs
//! (`[["0xaddress", amount], …]`) parsed on all cores.
//!
//! A JSON text can only be split where it is known not to be inside a string. In a text with no
//! backslash and no brace inside the outer one, every `"` opens or closes a string, so the
//! quotes counted before any byte tell whether that byte is inside one: the text is cut at a
//! comma between entries after each chunk's start, and every chunk's entries are read and
//! validated in parallel. This reader accepts only a strict subset of JSON (scalar values,
//! plain integers within `u64`, no escapes) with every address distinct and every amount
//! non-zero; anything else returns `None` and the caller parses the same bytes with
//! `serde_json`, which words every error, merges and warns exactly as before.

use super::csv_file::checked_amount;
use super::fast_csv::parse_decimal;
use crate::address::{parse_address, parse_address_bytes, spelling};
use crate::json::items::{after_item, is_ws, skip_ws, split};
use crate::Entry;
use alloy_primitives::map::AddressSet;
use alloy_primitives::U256;
use rayon::prelude::*;

/// Bytes per chunk.
pub(super) const CHUNK: usize = 1 << 20;

/// The entries of a balance map or of an array of `[address, amount]` pairs, in file order,
/// or `None` when `serde_json` must read it.
#[cfg(test)]
pub(super) fn accounts(data: &[u8], chunk: usize) -> Option<Vec<Entry>> {
    accounts_spelled(data, chunk).map(|(entries, _)| entries)
}

/// [`accounts`] and how each address was written ([`crate::address::spelling`]).
pub(super) fn accounts_spelled(data: &[u8], chunk: usize) -> Option<(Vec<Entry>, Vec<u64>)> {
    let start = data.iter().position(|b| !is_ws(*b))?;
    let end = data.iter().rposition(|b| !is_ws(*b))?;
    let pairs = match (data[start], data[end]) {
        (b'{', b'}') => false,
        (b'[', b']') => true,
        _ => return None,
    };
    if end <= start + 1 {
        return None;
    }
    let inner = &data[start + 1..end];
    if memchr::memchr3(b'\\', b'{', b'}', inner).is_some()
        || (!pairs && memchr::memchr2(b'[', b']', inner).is_some())
        || std::str::from_utf8(inner).is_err()
    {
        return None;
    }
    let pieces = split(inner, chunk.max(1), pairs.then_some(b']'));
    let last = pieces.len() - 1;
    let parsed: Vec<Vec<(Entry, u64)>> = pieces
        .par_iter()
        .enumerate()
        .map(|(i, piece)| entries(piece, i == last, pairs))
        .collect::<Option<_>>()?;
    let (entries, spellings): (Vec<Entry>, Vec<u64>) = parsed.into_iter().flatten().unzip();
    distinct_and_paid(&entries).then_some((entries, spellings))
}

/// A piece's entries — `"key": value`, or `["address", value]` for pairs — separated by
/// commas, the piece ending after a comma unless it is the last.
fn entries(piece: &[u8], last: bool, pairs: bool) -> Option<Vec<(Entry, u64)>> {
    let mut out = Vec::with_capacity(piece.len() / 72 + 1);
    let mut at = 0usize;
    let expect = |at: usize, b: u8| (piece.get(at) == Some(&b)).then_some(skip_ws(piece, at + 1));
    loop {
        at = skip_ws(piece, at);
        if pairs {
            at = expect(at, b'[')?;
        }
        let key = string(piece, &mut at)?;
        at = skip_ws(piece, at);
        if piece.get(at) != Some(if pairs { &b',' } else { &b':' }) {
            return None;
        }
        at = skip_ws(piece, at + 1);
        let amount = match piece.get(at)? {
            b'"' => {
                let text = string(piece, &mut at)?;
                match parse_decimal(text.as_bytes()) {
                    Some(v) => v,
                    None => checked_amount(text).ok()?,
                }
            }
            _ => {
                let len = piece[at..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .unwrap_or(piece.len() - at);
                let digits = &piece[at..at + len];
                at += len;
                // JSON forbids leading zeros; longer numbers are serde_json's to refuse.
                if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
                    return None;
                }
                U256::from(std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?)
            }
        };
        let address = match parse_address_bytes(key.as_bytes()) {
            Some(parsed) => parsed,
            None => parse_address(key),
        };
        let entry = Entry {
            address: address.ok()?,
            amount,
        };
        out.push((entry, spelling(key.as_bytes())));
        at = skip_ws(piece, at);
        if pairs {
            at = expect(at, b']')?;
        }
        match after_item(piece, at, last)? {
            Some(next) => at = next,
            None => return Some(out),
        }
    }
}

/// A string without escapes or control characters, `at` on its opening quote.
fn string<'a>(piece: &'a [u8], at: &mut usize) -> Option<&'a str> {
    if piece.get(*at) != Some(&b'"') {
        return None;
    }
    let len = memchr::memchr(b'"', &piece[*at + 1..])?;
    let text = &piece[*at + 1..*at + 1 + len];
    if text.iter().any(|&b| b < 0x20) {
        return None;
    }
    *at += len + 2;
    std::str::from_utf8(text).ok()
}

/// Whether no entry repeats an address, names the zero address or pays zero; shards of the
/// addresses (by their last byte) are checked on all cores.
fn distinct_and_paid(entries: &[Entry]) -> bool {
    if !entries
        .par_iter()
        .all(|e| !e.address.is_zero() && !e.amount.is_zero())
    {
        return false;
    }
    let shards = rayon::current_num_threads() * 4;
    (0..shards).into_par_iter().all(|s| {
        let mut set = AddressSet::default();
        entries
            .iter()
            .filter(|e| usize::from(e.address[19]) % shards == s)
            .all(|e| set.insert(e.address))
    })
}

#[cfg(test)]
#[path = "fast_json_tests.rs"]
mod tests;
