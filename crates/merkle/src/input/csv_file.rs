//! CSV inputs with a header: address/amount rows (read in parallel chunks) and OpenZeppelin
//! value rows.

use super::accounts::Accounts;
use crate::address::{parse_address, refuse_secret};
use crate::amount::parse_decimal_amount;
use crate::error::{Location, MerkleError, Result};
use crate::limits::Bounded;
use crate::values;
use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::U256;
use rayon::prelude::*;
use std::io::Read;

pub(super) fn csv_reader(reader: impl Read) -> csv::Reader<impl Read> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(Bounded::lines(reader))
}

pub(super) fn csv_error(file: &str, e: csv::Error) -> MerkleError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => MerkleError::format(
            file,
            line,
            format!("row has {len} fields but the header has {expected_len}"),
        ),
        csv::ErrorKind::Utf8 { .. } => MerkleError::format(file, line, "not valid UTF-8 text"),
        _ => MerkleError::Read {
            file: file.to_owned(),
            detail: e.to_string(),
        },
    }
}

/// Checks a header against expected column names (case-insensitive), naming what is missing
/// or unknown — by position, or by name when the name is a short identifier, so a header that
/// is really a line of data (or a secret) is never quoted back.
pub(super) fn check_header(
    file: &str,
    header: &csv::StringRecord,
    expected: &[String],
) -> Result<Vec<usize>> {
    let got: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    for h in &got {
        refuse_secret(h).map_err(|error| MerkleError::Address {
            location: Location {
                file: file.to_owned(),
                line: 1,
            },
            error,
        })?;
    }
    let mut order = Vec::new();
    for want in expected {
        match got.iter().position(|g| g == &want.to_ascii_lowercase()) {
            Some(i) => order.push(i),
            None => {
                return Err(MerkleError::format(
                    file,
                    1,
                    format!(
                        "missing column {want:?}; the header has {} column(s), expected columns {}",
                        got.len(),
                        expected.join(",")
                    ),
                ))
            }
        }
    }
    if let Some((i, extra)) = got
        .iter()
        .enumerate()
        .find(|(_, g)| !expected.iter().any(|e| e.eq_ignore_ascii_case(g)))
    {
        return Err(MerkleError::format(
            file,
            1,
            format!(
                "unknown {}; expected exactly {}",
                column_name(i, extra),
                expected.join(",")
            ),
        ));
    }
    Ok(order)
}

/// A header cell as messages name it: `column "name"` when it is a short identifier (too short
/// to hold a key or a phrase), else `column N` by position.
pub fn column_name(index: usize, name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-. :".contains(&b));
    if plain {
        format!("column {name:?}")
    } else {
        format!("column {}", index + 1)
    }
}

/// A user's amount: decimal digits only (hex only where a format writes it, see callers).
pub(super) fn checked_amount(text: &str) -> std::result::Result<U256, String> {
    parse_decimal_amount(text)
}

pub(super) fn read_accounts_csv(
    reader: impl Read + Send,
    file: &str,
    columns: &[String],
    acc: &mut Accounts<'_>,
) -> Result<()> {
    let read_error = |e: std::io::Error| MerkleError::Read {
        file: file.to_owned(),
        detail: e.to_string(),
    };
    let block = super::fast_csv::READ_BLOCK;
    let Some(buf) = super::fast_csv::read_accounts(reader, file, columns, acc, block)? else {
        return Ok(());
    };
    let bytes = buf.bytes();
    if let (true, Some(e)) = (bytes.is_empty(), &buf.tail_error) {
        return Err(MerkleError::Read {
            file: file.to_owned(),
            detail: e.to_string(),
        });
    }
    read_accounts_stream(&bytes[..], file, columns, acc)?;
    match buf.tail_error {
        Some(e) => Err(read_error(e)),
        None => Ok(()),
    }
}

/// The streaming reader over the `csv` crate: the reference the in-memory parser must match,
/// and the path for inputs that parser leaves to it (quotes, bare carriage returns).
pub(super) fn read_accounts_stream(
    reader: impl Read + Send,
    file: &str,
    columns: &[String],
    acc: &mut Accounts<'_>,
) -> Result<()> {
    let mut rdr = csv_reader(reader);
    let header = rdr.headers().map_err(|e| csv_error(file, e))?.clone();
    if header.is_empty() {
        return Err(MerkleError::Empty {
            file: file.to_owned(),
        });
    }
    let order = check_header(file, &header, columns)?;
    // Two buffers of rows: while the pool parses one (addresses with their EIP-55 checks,
    // amounts), this thread splits the next out of the file. Rows are then taken in file order,
    // so the first bad row reported is the first in the file, as with a plain loop.
    let (a, b) = (order[0], order[1]);
    let mut current = Vec::new();
    let mut next = Vec::new();
    let (mut filled, mut pending) = fill_rows(&mut rdr, &mut current);
    while filled > 0 || pending.is_some() {
        let rows = &current[..filled];
        let (parsed, read) = rayon::join(
            || {
                rows.par_iter()
                    .map(|r| {
                        let line = r.position().map(|p| p.line()).unwrap_or(0);
                        let text = r.get(a).unwrap_or_default();
                        let spelling = crate::address::spelling(text.as_bytes());
                        let address = parse_address(text);
                        let amount = checked_amount(r.get(b).unwrap_or_default());
                        (line, address, amount, spelling)
                    })
                    .collect::<Vec<_>>()
            },
            || {
                if filled == ROWS_PER_CHUNK && pending.is_none() {
                    fill_rows(&mut rdr, &mut next)
                } else {
                    (0, None)
                }
            },
        );
        for (line, address, amount, spelling) in parsed {
            acc.add(line, address, amount, spelling)?;
        }
        // A malformed record is reported after the rows before it, never before.
        if let Some(e) = pending {
            return Err(csv_error(file, e));
        }
        (filled, pending) = read;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(())
}

/// Rows per parallel chunk: big enough to amortise the hand-off, small enough to stay in cache.
pub(super) const ROWS_PER_CHUNK: usize = 1 << 14;

/// Reads up to `ROWS_PER_CHUNK` records into `buf` (reusing its allocations); returns how many,
/// and the error that stopped it early, if one did.
fn fill_rows<R: Read>(
    rdr: &mut csv::Reader<R>,
    buf: &mut Vec<csv::StringRecord>,
) -> (usize, Option<csv::Error>) {
    for i in 0..ROWS_PER_CHUNK {
        if buf.len() == i {
            buf.push(csv::StringRecord::new());
        }
        match rdr.read_record(&mut buf[i]) {
            Ok(true) => {}
            Ok(false) => return (i, None),
            Err(e) => return (i, Some(e)),
        }
    }
    (ROWS_PER_CHUNK, None)
}

pub(super) fn read_values_csv(
    reader: impl Read,
    file: &str,
    names: &[String],
    types: &[DynSolType],
) -> Result<Vec<Vec<DynSolValue>>> {
    let mut rdr = csv_reader(reader);
    let header = rdr.headers().map_err(|e| csv_error(file, e))?.clone();
    if header.is_empty() {
        return Err(MerkleError::Empty {
            file: file.to_owned(),
        });
    }
    let order = check_header(file, &header, names)?;
    let mut rows = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| csv_error(file, e))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut row = Vec::with_capacity(types.len());
        for (col, ty) in order.iter().zip(types) {
            let text = record.get(*col).unwrap_or_default();
            row.push(values::from_text(ty, text).map_err(|d| MerkleError::format(file, line, d))?);
        }
        rows.push(row);
    }
    Ok(rows)
}
