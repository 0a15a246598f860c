//! Campaign CSV sources read on all cores: the file (already in memory) is split into chunks at
//! line ends and every chunk's rows are split at commas and validated on the rayon pool.
//!
//! Only plain files take this path: printable ASCII with tabs, `\n` line ends, no quotes, no
//! blank lines, no byte order mark, every line within the line bound and every row as wide as
//! the header. There a split at commas reads exactly what the `csv` crate reads, and each row
//! is the physical line the `csv` crate numbers it by. Anything else — and any error at all
//! (a secret, a bad address or value, a duplicate, a stray comma) — returns `None`, and the
//! caller reads the file again with the `csv` crate, which words every error as it always did:
//! errors cost a second read, successes never do.

use super::{row_facts, Facts};
use crate::spec::SourceSpec;
use airdrop_merkle::address::refuse_secret;
use airdrop_merkle::limits::{MAX_HEADER_BYTES, MAX_INPUT_BYTES, MAX_LINE_BYTES};
use airdrop_merkle::{Address, U256};
use rayon::prelude::*;

/// Bytes per chunk: large enough that a chunk's overhead is nothing, small enough to spread a
/// few megabytes over every core.
pub(super) const CHUNK: usize = 1 << 20;

/// A row as the facts take it: address, values, line.
type Row = (Address, Vec<U256>, u64);

/// The facts of a plain CSV file, or `None` when the `csv` crate's reader must read it.
pub(super) fn facts(spec: &SourceSpec, data: &[u8], chunk: usize) -> Option<Facts> {
    if data.len() as u64 >= MAX_INPUT_BYTES
        || data.first() == Some(&b'\n')
        || memchr::memchr2(b'"', b'\r', data).is_some()
        || memchr::memmem::find(data, b"\n\n").is_some()
        || !data.is_ascii()
    {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    let header_end = memchr::memchr(b'\n', data)?;
    let header_line = &text[..header_end];
    if header_end + 1 >= MAX_HEADER_BYTES || !plain(header_line) {
        return None;
    }
    let header: Vec<&str> = header_line.split(',').map(trim).collect();
    if header.iter().any(|h| refuse_secret(h).is_err()) {
        return None;
    }
    let position = |name: &str| header.iter().position(|h| *h == name);
    let addr_col = position(&spec.address_column)?;
    let cols: Vec<usize> = spec
        .columns
        .iter()
        .map(|c| position(&c.name))
        .collect::<Option<_>>()?;
    let chunks = split(&text[header_end + 1..], chunk.max(1));
    // Each chunk's first line number: the header is line 1 and every chunk ends at a line end.
    let newlines: Vec<u64> = chunks
        .par_iter()
        .map(|c| memchr::memchr_iter(b'\n', c.as_bytes()).count() as u64)
        .collect();
    let firsts = newlines.iter().scan(2u64, |next, n| {
        let first = *next;
        *next += n;
        Some(first)
    });
    let jobs: Vec<(&str, u64)> = chunks.iter().copied().zip(firsts).collect();
    let parsed: Vec<Vec<Row>> = jobs
        .par_iter()
        .map(|&(c, first)| parse_chunk(spec, c, first, header.len(), addr_col, &cols))
        .collect::<Option<_>>()?;
    let rows: Vec<Row> = parsed.into_iter().flatten().collect();
    Facts::from_numbered_rows(&spec.name, cols.len(), rows, &|_| String::new()).ok()
}

/// `body` in pieces of about `chunk` bytes, each ending at a line end (but maybe the last).
fn split(body: &str, chunk: usize) -> Vec<&str> {
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(body.len() / chunk + 1);
    let mut start = 0;
    while start < bytes.len() {
        let at = (start + chunk).min(bytes.len());
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p + 1);
        out.push(&body[start..end]);
        start = end;
    }
    out
}

/// Printable ASCII and tabs only: the bytes on which a comma split and trimming of spaces and
/// tabs read a line exactly as the `csv` crate does.
fn plain(line: &str) -> bool {
    line.bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

fn trim(cell: &str) -> &str {
    cell.trim_matches([' ', '\t'])
}

/// One chunk's rows, or `None` at the first line this reader leaves to the `csv` crate.
fn parse_chunk(
    spec: &SourceSpec,
    chunk: &str,
    first: u64,
    width: usize,
    addr_col: usize,
    cols: &[usize],
) -> Option<Vec<Row>> {
    let mut rows = Vec::with_capacity(chunk.len() / 48 + 1);
    let mut cells: Vec<&str> = Vec::with_capacity(width);
    for (i, line) in chunk.split_terminator('\n').enumerate() {
        if line.len() + 1 >= MAX_LINE_BYTES || !plain(line) {
            return None;
        }
        cells.clear();
        cells.extend(line.split(',').map(trim));
        if cells.len() != width {
            return None;
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if cells.iter().any(|c| refuse_secret(c).is_err()) {
            return None;
        }
        let cell = |c: usize| cells.get(c).copied().unwrap_or_default();
        let (address, values) = row_facts(spec, cell, addr_col, cols, String::new).ok()?;
        rows.push((address, values, first + i as u64));
    }
    Some(rows)
}

#[cfg(test)]
#[path = "source_fast_tests.rs"]
mod tests;
