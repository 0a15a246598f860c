//! Address/amount CSV rows parsed in parallel over the whole file held in memory.
//!
//! The file is read in blocks (see docs/performance.md for why `read` and not a memory map);
//! the complete lines of each block are parsed on the rayon pool, without allocating per row,
//! while the next block is read. Rows are then taken in file order by [`Accounts`],
//! so duplicates, zero amounts and the first bad row are reported exactly as the streaming
//! reader reports them. Anything this parser does not read byte for byte like the `csv` crate
//! (a quote, a carriage return that does not end a line, non-ASCII text in a row it cannot
//! parse, a blank first line) sends the whole buffer to that reader instead: the fast path only
//! ever accepts rows whose meaning is unambiguous.

use super::accounts::Accounts;
use super::csv_file::{check_header, checked_amount, csv_error, csv_reader};
use crate::address::{
    parse_address, parse_address_bytes, parse_address_spelled, spelling, AddressError,
};
use crate::error::{MerkleError, Result};
use crate::limits::{too_large, MAX_INPUT_BYTES, MAX_LINE_BYTES};
use crate::Entry;
use alloy_primitives::map::AddressSet;
use alloy_primitives::{Address, U256};
use rayon::prelude::*;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Bytes read per call: each block's complete lines are parsed while the next is read.
pub(super) const READ_BLOCK: usize = 4 << 20;

/// The input as read, for the `csv` crate's reader when this parser leaves the input to it.
pub(super) struct Buffer {
    /// Pieces of the input in order, each ending at a line end (but maybe the last).
    pieces: Vec<Arc<Vec<u8>>>,
    /// The bound crossed while reading (a line far too long, or the file too large), to report
    /// once the complete lines before it are found clean; the pieces stop before it.
    pub(super) tail_error: Option<io::Error>,
}

impl Buffer {
    /// The bytes read, in one piece.
    pub(super) fn bytes(&self) -> Vec<u8> {
        self.pieces.iter().flat_map(|p| p.iter().copied()).collect()
    }

    fn newlines(&self) -> u64 {
        let count = |p: &Arc<Vec<u8>>| memchr::memchr_iter(b'\n', p).count() as u64;
        self.pieces.iter().map(count).sum()
    }
}

/// The error of a line too long, or of a header too long when no line ended yet.
fn too_long_at(line: u64) -> io::Error {
    if line == 1 {
        crate::limits::too_long("the header (line 1)", crate::limits::MAX_HEADER_BYTES)
    } else {
        crate::limits::too_long(&format!("line {line}"), MAX_LINE_BYTES)
    }
}

/// Why a chunk stopped before its end.
enum Stop {
    /// A row whose address or amount does not parse: [`Accounts::add`] words the error.
    Bad(
        u64,
        std::result::Result<Address, AddressError>,
        std::result::Result<U256, String>,
    ),
    /// A row with the wrong number of fields.
    Fields(u64, usize),
    /// A line over the line bound.
    TooLong(u64),
    /// Something only the `csv` crate reads right: the whole input goes through it.
    Unsupported,
}

/// One parsed chunk. Row lines are the lines the `csv` crate gives, counted from the chunk's
/// first line (0), or [`OUTSIDE`] for the chunk's first record (see [`csv_line`]).
struct Chunk {
    /// Line, address, amount and the address's [`crate::address::spelling`].
    rows: Vec<(u64, Address, U256, u64)>,
    newlines: u64,
    stop: Option<Stop>,
    /// The chunk's last record: its line (from 0) and whether it ended with a bare `\n`.
    last: Option<(u64, bool)>,
}

/// Marks a line number that depends on the records before the chunk.
const OUTSIDE: u64 = u64::MAX;

/// The line number the `csv` crate gives a record: the reader's line count when the record
/// before it ended. That record's `\n` is counted then, but the `\n` of a `\r\n` only once
/// the next record is read, and blank lines in between are not counted yet either — so a row
/// is numbered from the record before it, not from its own place. Kept, so that every message
/// names the line it named before.
fn csv_line(prev: Option<(u64, bool)>) -> u64 {
    prev.map_or(OUTSIDE, |(line, lf)| line + u64::from(lf))
}

/// The header's facts the rows are parsed with.
#[derive(Clone, Copy)]
struct Header {
    /// Bytes of the header line, its end included.
    len: usize,
    width: usize,
    columns: (usize, usize),
    /// Whether the header ended with a bare `\n` (see [`csv_line`]).
    lf: bool,
}

/// Checks the header line at the start of `first`; `None` when it is the csv reader's case.
fn header(first: &[u8], file: &str, columns: &[String]) -> Result<Option<Header>> {
    let len = memchr::memchr(b'\n', first).map_or(first.len(), |p| p + 1);
    let line = &first[..len];
    // A blank first line or a quoted header (which may span lines) is the csv reader's case.
    if line.iter().all(|b| b.is_ascii_whitespace()) || line.contains(&b'"') {
        return Ok(None);
    }
    let mut rdr = csv_reader(line);
    let header = rdr.headers().map_err(|e| csv_error(file, e))?.clone();
    if header.is_empty() {
        return Ok(None);
    }
    let order = check_header(file, &header, columns)?;
    Ok(Some(Header {
        len,
        width: header.len(),
        columns: (order[0], order[1]),
        lf: !line.ends_with(b"\r\n"),
    }))
}

/// Reads address/amount rows: blocks of `block` bytes are read one after another while the
/// complete lines of each are parsed on the rayon pool. Returns the input, having added
/// nothing, when it needs the `csv` crate's reader.
pub(super) fn read_accounts(
    reader: impl Read + Send,
    file: &str,
    columns: &[String],
    acc: &mut Accounts<'_>,
    block: usize,
) -> Result<Option<Buffer>> {
    let read_err = |e: io::Error| MerkleError::Read {
        file: file.to_owned(),
        detail: e.to_string(),
    };
    let parsed = Mutex::new(Vec::new());
    let mut buf = Buffer {
        pieces: Vec::new(),
        tail_error: None,
    };
    let mut head: Option<Header> = None;
    let mut reader = reader;
    // Reading runs inside the scope (on a pool thread), so every piece's parse can start as
    // soon as the piece is read; the scope ends when the last parse has.
    rayon::scope(|scope| -> Result<()> {
        let mut carry = Vec::new();
        let mut total = 0u64;
        loop {
            let mut piece = std::mem::take(&mut carry);
            let n = (&mut reader)
                .take(block as u64)
                .read_to_end(&mut piece)
                .map_err(read_err)?;
            total += n as u64;
            let eof = n == 0;
            let over = total > MAX_INPUT_BYTES;
            let complete = if eof {
                piece.len()
            } else {
                memchr::memrchr(b'\n', &piece).map_or(0, |p| p + 1)
            };
            if !eof && !over && complete == 0 {
                if piece.len() > MAX_LINE_BYTES {
                    // No line end in over a line's bound: stop holding it.
                    buf.tail_error = Some(too_long_at(1 + buf.newlines()));
                    return Ok(());
                }
                carry = piece;
                continue;
            }
            carry = piece.split_off(complete);
            if !piece.is_empty() {
                let idx = buf.pieces.len();
                let piece = Arc::new(piece);
                buf.pieces.push(piece.clone());
                if idx == 0 {
                    head = header(&piece, file, columns)?;
                }
                if let Some(h) = head {
                    let parsed = &parsed;
                    scope.spawn(move |_| {
                        let start = if idx == 0 { h.len } else { 0 };
                        let chunk = parse_chunk(&piece[start..], h.width, h.columns);
                        if let Ok(mut p) = parsed.lock() {
                            p.push((idx, chunk));
                        }
                    });
                }
            }
            if over {
                buf.tail_error = Some(too_large(MAX_INPUT_BYTES));
                return Ok(());
            }
            if eof {
                return Ok(());
            }
        }
    })?;
    let Some(head) = head else {
        return Ok(Some(buf));
    };
    let mut parsed = parsed.into_inner().unwrap_or_else(|e| e.into_inner());
    parsed.sort_unstable_by_key(|(idx, _)| *idx);
    let parsed: Vec<Chunk> = parsed.into_iter().map(|(_, c)| c).collect();
    if parsed.len() != buf.pieces.len()
        || parsed
            .iter()
            .any(|c| matches!(c.stop, Some(Stop::Unsupported)))
    {
        return Ok(Some(buf));
    }
    let width = head.width;
    let header_lf = head.lf;
    let rows: usize = parsed.iter().map(|c| c.rows.len()).sum();
    if parsed.iter().all(|c| c.stop.is_none()) && all_distinct_and_paid(&parsed, rows) {
        (acc.entries, acc.spellings) = concat_entries(&parsed, rows);
        let result = match &buf.tail_error {
            Some(e) => Err(MerkleError::Read {
                file: file.to_owned(),
                detail: e.to_string(),
            }),
            None => Ok(None),
        };
        // Handing ~130 MB of parsed rows and read blocks back to the system takes tens of
        // milliseconds on one core: done on the pool, it overlaps the build instead of
        // delaying it.
        rayon::spawn(move || drop((parsed, buf)));
        return result;
    }
    // Something to report, merge or warn about: rows go through `Accounts` one by one, in
    // file order, which words every error exactly as the csv reader's path does.
    acc.entries.reserve(rows);
    let mut first_line = 2u64;
    // The record before the current chunk: the header at first.
    let mut before = (1u64, header_lf);
    for chunk in parsed {
        let at = |line: u64| match line {
            OUTSIDE => before.0 + u64::from(before.1),
            local => first_line + local,
        };
        for (line, address, amount, spelling) in chunk.rows {
            acc.add(at(line), Ok(address), Ok(amount), spelling)?;
        }
        match chunk.stop {
            Some(Stop::Bad(line, address, amount)) => {
                acc.add(at(line), address, amount, 0)?;
                // A row that failed to parse always fails `add`; never accept it silently.
                return Err(MerkleError::format(file, at(line), "invalid row"));
            }
            Some(Stop::Fields(line, len)) => {
                return Err(MerkleError::format(
                    file,
                    at(line),
                    format!("row has {len} fields but the header has {width}"),
                ))
            }
            Some(Stop::TooLong(line)) => {
                let line = first_line + line;
                return Err(MerkleError::Read {
                    file: file.to_owned(),
                    detail: crate::limits::too_long(&format!("line {line}"), MAX_LINE_BYTES)
                        .to_string(),
                });
            }
            Some(Stop::Unsupported) | None => {}
        }
        if let Some((line, lf)) = chunk.last {
            before = (first_line + line, lf);
        }
        first_line += chunk.newlines;
    }
    if let Some(e) = &buf.tail_error {
        return Err(MerkleError::Read {
            file: file.to_owned(),
            detail: e.to_string(),
        });
    }
    Ok(None)
}

/// Every chunk's rows as entries and their addresses' spellings, in file order, written on all
/// cores straight into the results (a collected `flat_map` would append the chunks' pieces on
/// one core).
fn concat_entries(parsed: &[Chunk], rows: usize) -> (Vec<Entry>, Vec<u64>) {
    // Where each chunk's rows start in the result; a row finds its chunk by binary search.
    let starts: Vec<usize> = parsed
        .iter()
        .scan(0, |at, c| {
            let start = *at;
            *at += c.rows.len();
            Some(start)
        })
        .collect();
    let row = |i: usize| {
        let k = starts.partition_point(|&s| s <= i) - 1;
        &parsed[k].rows[i - starts[k]]
    };
    let mut entries = Vec::with_capacity(rows);
    let mut spellings = Vec::with_capacity(rows);
    rayon::join(
        || {
            (0..rows)
                .into_par_iter()
                .map(|i| {
                    let &(_, address, amount, _) = row(i);
                    Entry { address, amount }
                })
                .collect_into_vec(&mut entries)
        },
        || {
            (0..rows)
                .into_par_iter()
                .map(|i| row(i).3)
                .collect_into_vec(&mut spellings)
        },
    );
    (entries, spellings)
}

/// Whether no row repeats an address, names the zero address or pays zero — the common case,
/// checked on all cores: addresses are split into shards by their last byte and each shard's
/// set is built in parallel.
fn all_distinct_and_paid(parsed: &[Chunk], rows: usize) -> bool {
    let all_rows = || parsed.iter().flat_map(|c| &c.rows);
    let paid = parsed.par_iter().all(|c| {
        c.rows
            .iter()
            .all(|(_, a, m, _)| !a.is_zero() && !m.is_zero())
    });
    if !paid {
        return false;
    }
    let shards = rayon::current_num_threads() * 4;
    (0..shards).into_par_iter().all(|s| {
        let mut set = AddressSet::with_capacity_and_hasher(rows / shards + 16, Default::default());
        all_rows()
            .filter(|r| usize::from(r.1[19]) % shards == s)
            .all(|r| set.insert(r.1))
    })
}

/// What `str::trim` removes, restricted to ASCII (non-ASCII rows never reach acceptance).
fn is_trimmed(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `field` without surrounding whitespace, or `None` when that whitespace holds a carriage
/// return (which the `csv` crate reads as the end of a record).
fn trim(field: &[u8]) -> Option<&[u8]> {
    let start = field
        .iter()
        .position(|&b| !is_trimmed(b))
        .unwrap_or(field.len());
    let end = field
        .iter()
        .rposition(|&b| !is_trimmed(b))
        .map_or(start, |p| p + 1);
    let cut = field[..start].iter().chain(&field[end..]);
    (!cut.into_iter().any(|&b| b == b'\r')).then_some(&field[start..end])
}

/// Whether the `csv` crate might read this line differently from a plain split at commas.
fn unusual(line: &[u8]) -> bool {
    line.iter()
        .fold(false, |u, &b| u | (b == b'"') | (b == b'\r') | (b >= 0x80))
}

fn parse_chunk(chunk: &[u8], width: usize, (a, m): (usize, usize)) -> Chunk {
    let mut rows = Vec::with_capacity(chunk.len() / 64 + 1);
    let mut start = 0usize;
    let mut line = 0u64;
    let mut stop = None;
    let mut last = None;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |p| start + p);
        let mut row = &chunk[start..end];
        let next = end + 1;
        if row.len() > MAX_LINE_BYTES {
            // The line reader counts every newline, so this one is named by its own line.
            stop = Some(Stop::TooLong(line));
            start = next;
            break;
        }
        let lf = match row {
            [rest @ .., b'\r'] => {
                row = rest;
                false
            }
            _ => true,
        };
        if row.is_empty() {
            start = next;
            line += 1;
            continue;
        }
        let at = csv_line(last);
        match parse_row(row, width, a, m) {
            Ok(Some((address, amount, spelling))) => rows.push((at, address, amount, spelling)),
            Ok(None) => {
                stop = Some(Stop::Unsupported);
                break;
            }
            Err(s) => {
                stop = Some(match s {
                    RowError::Fields(n) => Stop::Fields(at, n),
                    RowError::Bad(ad, am) => Stop::Bad(at, ad, am),
                });
                start = next;
                break;
            }
        }
        last = Some((line, lf));
        start = next;
        line += 1;
    }
    let newlines = match stop {
        None => line,
        Some(_) if start >= chunk.len() => line + 1,
        Some(_) => line + 1 + memchr::memchr_iter(b'\n', &chunk[start..]).count() as u64,
    };
    Chunk {
        rows,
        newlines,
        stop,
        last,
    }
}

enum RowError {
    Fields(usize),
    Bad(
        std::result::Result<Address, AddressError>,
        std::result::Result<U256, String>,
    ),
}

/// One row: `Ok(None)` when only the `csv` crate can tell what it holds.
fn parse_row(
    row: &[u8],
    width: usize,
    a: usize,
    m: usize,
) -> std::result::Result<Option<(Address, U256, u64)>, RowError> {
    let mut fields = [&row[..0]; 2];
    let mut n = 0;
    for f in row.split(|&b| b == b',') {
        if n < 2 {
            fields[n] = f;
        }
        n += 1;
    }
    if n != width || width != 2 {
        return if unusual(row) {
            Ok(None)
        } else {
            Err(RowError::Fields(n))
        };
    }
    let (Some(at), Some(mt)) = (trim(fields[a]), trim(fields[m])) else {
        return Ok(None);
    };
    if let (Some(Ok((address, spelling))), Some(amount)) =
        (parse_address_spelled(at), parse_decimal(mt))
    {
        return Ok(Some((address, amount, spelling)));
    }
    // The exact parsers take what the fast ones leave (long amounts) and word the errors
    // (finding secrets) as the csv reader's path did.
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let address = match parse_address_bytes(at) {
        Some(r) => r,
        None => parse_address(&text(at)),
    };
    let amount = match parse_decimal(mt) {
        Some(v) => Ok(v),
        None => checked_amount(&text(mt)),
    };
    match (address, amount) {
        (Ok(address), Ok(amount)) => Ok(Some((address, amount, spelling(at)))),
        _ if unusual(row) => Ok(None),
        (address, amount) => Err(RowError::Bad(address, amount)),
    }
}

/// A decimal amount of 1 to 38 digits (every amount a `u128` holds), without allocating;
/// `None` for anything else, which [`checked_amount`] then reads (and words the error for).
pub(super) fn parse_decimal(text: &[u8]) -> Option<U256> {
    if text.is_empty() || text.len() > 38 {
        return None;
    }
    let mut v: u128 = 0;
    for &b in text {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u128::from(d);
    }
    Some(U256::from(v))
}

#[cfg(test)]
#[path = "fast_csv_tests.rs"]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_match_the_exact_parser() {
        for t in ["0", "1", "007", "99999999999999999999999999999999999999"] {
            assert_eq!(parse_decimal(t.as_bytes()), checked_amount(t).ok(), "{t}");
        }
        for t in ["", "1.5", "-1", "+1", "0x10", "1e3", &"9".repeat(39)] {
            assert_eq!(parse_decimal(t.as_bytes()), None, "{t}");
        }
    }
}
