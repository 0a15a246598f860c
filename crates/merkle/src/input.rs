//! Reading tree inputs: CSV with a header, Uniswap balance maps, OpenZeppelin values arrays and
//! Solana distributor CSVs. Every rejection names the file, the line and the value.

use crate::address::{parse_address, refuse_secret, shown, AddressError, ZERO_RECIPIENT};
use crate::amount::{parse_amount, parse_decimal_amount, parse_json_amount};
use crate::error::{Location, MerkleError, Result};
use crate::limits::{Bounded, MAX_JSON_BYTES};
use crate::values;
use crate::{Entry, LeafEncoding};
use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::map::AddressMap;
use alloy_primitives::{Address, U256};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;

/// One Solana distributor claimant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolanaEntry {
    /// The claimant's 32-byte public key.
    pub claimant: [u8; 32],
    /// Amount unlocked at start, base units.
    pub unlocked: u64,
    /// Amount locked (vesting), base units.
    pub locked: u64,
}

/// Parsed, validated input rows.
#[derive(Debug, Clone)]
pub enum Records {
    /// Address and amount per recipient (Uniswap, packed, OpenZeppelin `address,uint256`).
    Accounts(Vec<Entry>),
    /// OpenZeppelin rows of any leaf encoding.
    Values {
        /// Column names (the type where unnamed).
        names: Vec<String>,
        /// Column types.
        types: Vec<DynSolType>,
        /// Rows, in input order.
        rows: Vec<Vec<DynSolValue>>,
    },
    /// Solana distributor claimants.
    Solana(Vec<SolanaEntry>),
}

impl Records {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Records::Accounts(v) => v.len(),
            Records::Values { rows, .. } => rows.len(),
            Records::Solana(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The input's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// CSV with a header row.
    Csv,
    /// JSON: a balance map, an array of `{address, earnings}` or a values array.
    Json,
}

impl InputFormat {
    /// Guesses from a file name: `.json` is JSON, anything else CSV.
    pub fn from_name(name: &str) -> Self {
        if name.to_ascii_lowercase().ends_with(".json") {
            InputFormat::Json
        } else {
            InputFormat::Csv
        }
    }
}

/// What reading did besides returning rows, for the user to see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Rows read.
    pub rows: usize,
    /// Duplicate rows summed into an earlier row (with `merge_duplicates`).
    pub merged: usize,
    /// Zero-amount rows kept (with `allow_zero`): one warning each for the user.
    pub zero_rows: Vec<ZeroRow>,
}

/// A zero-amount row kept because the caller allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroRow {
    /// Line in the file (0 where the format has no lines, e.g. a JSON map).
    pub line: u64,
    /// The recipient, checksummed (base58 for Solana).
    pub who: String,
}

/// How strictly rows are taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Sum rows that repeat an address instead of refusing them.
    pub merge_duplicates: bool,
    /// Keep zero-amount rows (reproducing a published tree that has them) instead of refusing.
    pub allow_zero: bool,
}

/// Reads and validates an input for `encoding`, refusing zero amounts.
pub fn read_records(
    reader: impl Read + Send,
    file: &str,
    format: InputFormat,
    encoding: &LeafEncoding,
    merge_duplicates: bool,
) -> Result<(Records, ReadReport)> {
    let options = ReadOptions {
        merge_duplicates,
        allow_zero: false,
    };
    read_records_with(reader, file, format, encoding, options)
}

/// Reads and validates an input for `encoding`.
pub fn read_records_with(
    reader: impl Read + Send,
    file: &str,
    format: InputFormat,
    encoding: &LeafEncoding,
    options: ReadOptions,
) -> Result<(Records, ReadReport)> {
    let merge_duplicates = options.merge_duplicates;
    let mut acc = Accounts::new(file, merge_duplicates);
    acc.allow_zero = options.allow_zero;
    let records = match (encoding, format) {
        (LeafEncoding::Jito, InputFormat::Csv) => {
            Records::Solana(read_solana_csv(reader, file, options, &mut acc.zero_rows)?)
        }
        (LeafEncoding::Jito, InputFormat::Json) => {
            return Err(MerkleError::format(
                file,
                0,
                "the jito preset reads CSV (pubkey,amount_unlocked,amount_locked)",
            ))
        }
        (LeafEncoding::Standard(items), _) => {
            let (names, types) = values::parse_encoding(items).map_err(MerkleError::Options)?;
            if types == [DynSolType::Address, DynSolType::Uint(256)] {
                // Unnamed `address,uint256` columns read the usual `address,amount` header.
                let names = if items.iter().any(|i| i.contains(':')) {
                    names
                } else {
                    vec!["address".into(), "amount".into()]
                };
                match format {
                    InputFormat::Csv => read_accounts_csv(reader, file, &names, &mut acc)?,
                    InputFormat::Json => read_accounts_json(reader, file, &mut acc)?,
                }
                Records::Accounts(acc.entries)
            } else {
                let rows = match format {
                    InputFormat::Csv => read_values_csv(reader, file, &names, &types)?,
                    InputFormat::Json => read_values_json(reader, file, &types)?,
                };
                Records::Values { names, types, rows }
            }
        }
        (_, InputFormat::Csv) => {
            read_accounts_csv(reader, file, &["address".into(), "amount".into()], &mut acc)?;
            Records::Accounts(acc.entries)
        }
        (_, InputFormat::Json) => {
            read_accounts_json(reader, file, &mut acc)?;
            Records::Accounts(acc.entries)
        }
    };
    if records.is_empty() {
        return Err(MerkleError::Empty {
            file: file.to_owned(),
        });
    }
    let report = ReadReport {
        rows: records.len() + acc.merged,
        merged: acc.merged,
        zero_rows: acc.zero_rows,
    };
    Ok((records, report))
}

fn zero_refusal(who: &str) -> String {
    format!("amount is zero for {who}; leave the row out, a zero claim cannot be paid (--allow-zero keeps it, to reproduce a published tree that has one)")
}

/// Collects address/amount rows, refusing or merging duplicates and zero amounts.
struct Accounts<'a> {
    file: &'a str,
    merge: bool,
    entries: Vec<Entry>,
    // foldhash over the address bytes, randomly seeded: several times faster than SipHash on a
    // million rows, and a crafted input still cannot predict collisions.
    seen: AddressMap<(usize, u64)>,
    merged: usize,
    allow_zero: bool,
    zero_rows: Vec<ZeroRow>,
}

impl<'a> Accounts<'a> {
    fn new(file: &'a str, merge: bool) -> Self {
        Accounts {
            file,
            merge,
            entries: Vec::new(),
            seen: AddressMap::default(),
            merged: 0,
            allow_zero: false,
            zero_rows: Vec::new(),
        }
    }

    fn loc(&self, line: u64) -> Location {
        Location {
            file: self.file.to_owned(),
            line,
        }
    }

    fn push(
        &mut self,
        line: u64,
        address_text: &str,
        amount: std::result::Result<U256, String>,
    ) -> Result<()> {
        self.add(line, parse_address(address_text), amount)
    }

    /// Takes one row whose fields were parsed already (in parallel, by the CSV reader).
    fn add(
        &mut self,
        line: u64,
        address: std::result::Result<Address, AddressError>,
        amount: std::result::Result<U256, String>,
    ) -> Result<()> {
        let address = address.map_err(|error| MerkleError::Address {
            location: self.loc(line),
            error,
        })?;
        // Refused here, where recipients enter: nobody can claim for the zero address.
        if address.is_zero() {
            return Err(MerkleError::format(self.file, line, ZERO_RECIPIENT));
        }
        let amount = amount
            .map_err(|d| MerkleError::amount(self.file, line, format!("{d} (for {address})")))?;
        if amount.is_zero() && self.allow_zero {
            self.zero_rows.push(ZeroRow {
                line,
                who: address.to_checksum(None),
            });
        } else if amount.is_zero() {
            return Err(MerkleError::amount(
                self.file,
                line,
                zero_refusal(&address.to_string()),
            ));
        }
        match self.seen.get(&address) {
            Some(&(idx, first_line)) => {
                if !self.merge {
                    return Err(MerkleError::Duplicate {
                        location: self.loc(line),
                        address: address.to_checksum(None),
                        first_line,
                    });
                }
                let sum = self.entries[idx].amount.checked_add(amount);
                self.entries[idx].amount = sum.ok_or(MerkleError::TotalOverflow {
                    location: self.loc(line),
                })?;
                self.merged += 1;
            }
            None => {
                self.seen.insert(address, (self.entries.len(), line));
                self.entries.push(Entry { address, amount });
            }
        }
        Ok(())
    }
}

fn csv_reader(reader: impl Read) -> csv::Reader<impl Read> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(Bounded::lines(reader))
}

fn csv_error(file: &str, e: csv::Error) -> MerkleError {
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
fn check_header(file: &str, header: &csv::StringRecord, expected: &[String]) -> Result<Vec<usize>> {
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
fn checked_amount(text: &str) -> std::result::Result<U256, String> {
    parse_decimal_amount(text)
}

fn read_accounts_csv(
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
    let mut filled = fill_rows(&mut rdr, &mut current).map_err(|e| csv_error(file, e))?;
    while filled > 0 {
        let rows = &current[..filled];
        let (parsed, read) = rayon::join(
            || {
                rows.par_iter()
                    .map(|r| {
                        let line = r.position().map(|p| p.line()).unwrap_or(0);
                        let address = parse_address(r.get(a).unwrap_or_default());
                        (line, address, checked_amount(r.get(b).unwrap_or_default()))
                    })
                    .collect::<Vec<_>>()
            },
            || {
                if filled == ROWS_PER_CHUNK {
                    fill_rows(&mut rdr, &mut next)
                } else {
                    Ok(0)
                }
            },
        );
        for (line, address, amount) in parsed {
            acc.add(line, address, amount)?;
        }
        filled = read.map_err(|e| csv_error(file, e))?;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(())
}

/// Rows per parallel chunk: big enough to amortise the hand-off, small enough to stay in cache.
const ROWS_PER_CHUNK: usize = 1 << 14;

/// Reads up to `ROWS_PER_CHUNK` records into `buf` (reusing its allocations); returns how many.
fn fill_rows<R: Read>(
    rdr: &mut csv::Reader<R>,
    buf: &mut Vec<csv::StringRecord>,
) -> std::result::Result<usize, csv::Error> {
    for i in 0..ROWS_PER_CHUNK {
        if buf.len() == i {
            buf.push(csv::StringRecord::new());
        }
        if !rdr.read_record(&mut buf[i])? {
            return Ok(i);
        }
    }
    Ok(ROWS_PER_CHUNK)
}

fn read_accounts_json(reader: impl Read, file: &str, acc: &mut Accounts<'_>) -> Result<()> {
    match crate::read::read_json_capped(reader, file, MAX_JSON_BYTES)? {
        // Uniswap's balance map: {"0xAddress": amount}
        serde_json::Value::Object(map) => {
            for (key, value) in &map {
                let amount = match value {
                    serde_json::Value::String(s) => checked_amount(s),
                    v => parse_json_amount(v),
                };
                acc.push(0, key, amount)?;
            }
        }
        // Uniswap's newer format [{address, earnings, reasons}], or OpenZeppelin [[address, amount]].
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = |d: String| MerkleError::format(file, 0, format!("item {i}: {d}"));
                let (address, amount) =
                    match item {
                        serde_json::Value::Object(o) => {
                            let address = o.get("address").or_else(|| o.get("account"));
                            let amount = o.get("earnings").or_else(|| o.get("amount"));
                            match (address, amount) {
                            // Uniswap writes `earnings` as hex: the one input field that reads it.
                            (Some(serde_json::Value::String(a)), Some(serde_json::Value::String(m)))
                                if o.contains_key("earnings") => {
                                let amount = parse_amount(m).map_err(|d| format!("item {i}: {d}"));
                                acc.push(0, a, amount)?;
                                continue;
                            }
                            (Some(serde_json::Value::String(a)), Some(m)) => (a.clone(), m.clone()),
                            _ => return Err(at(
                                "expected {\"address\": \"0x…\", \"earnings\" or \"amount\": …}"
                                    .into(),
                            )),
                        }
                        }
                        serde_json::Value::Array(pair) if pair.len() == 2 => match &pair[0] {
                            serde_json::Value::String(a) => (a.clone(), pair[1].clone()),
                            _ => return Err(at("expected [\"0xaddress\", amount]".into())),
                        },
                        _ => return Err(at(
                            "expected an object {address, earnings} or a pair [address, amount]"
                                .into(),
                        )),
                    };
                let amount = match &amount {
                    serde_json::Value::String(s) => checked_amount(s),
                    v => parse_json_amount(v),
                };
                acc.push(0, &address, amount.map_err(|d| format!("item {i}: {d}")))?;
            }
        }
        _ => {
            return Err(MerkleError::format(
                file,
                0,
                "expected a balance map {\"0xaddress\": amount} or an array of entries",
            ))
        }
    }
    Ok(())
}

fn read_values_csv(
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

fn read_values_json(
    reader: impl Read,
    file: &str,
    types: &[DynSolType],
) -> Result<Vec<Vec<DynSolValue>>> {
    let serde_json::Value::Array(items) =
        crate::read::read_json_capped(reader, file, MAX_JSON_BYTES)?
    else {
        return Err(MerkleError::format(
            file,
            0,
            "expected an array of values arrays, e.g. [[\"0x…\", \"100\"]]",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = |d: String| MerkleError::format(file, 0, format!("item {i}: {d}"));
            let serde_json::Value::Array(cells) = item else {
                return Err(at("expected an array of values".into()));
            };
            if cells.len() != types.len() {
                return Err(at(format!(
                    "has {} values but the encoding has {}",
                    cells.len(),
                    types.len()
                )));
            }
            types
                .iter()
                .zip(cells)
                .map(|(t, v)| values::from_json(t, v).map_err(at))
                .collect()
        })
        .collect()
}

/// Parses a Solana public key (base58, 32 bytes).
pub fn parse_pubkey(text: &str) -> std::result::Result<[u8; 32], String> {
    refuse_secret(text).map_err(|e| e.to_string())?;
    let mut out = [0u8; 32];
    match bs58::decode(text.trim()).onto(&mut out) {
        Ok(32) => Ok(out),
        Ok(64) => Err("refused: this decodes to 64 bytes, like a Solana secret key, not a public key. No airdrop ever needs one".into()),
        _ => Err(format!(
            "invalid Solana public key {}: expected 32 bytes in base58",
            shown(text)
        )),
    }
}

fn read_solana_csv(
    reader: impl Read,
    file: &str,
    options: ReadOptions,
    zero_rows: &mut Vec<ZeroRow>,
) -> Result<Vec<SolanaEntry>> {
    let merge = options.merge_duplicates;
    let mut rdr = csv_reader(reader);
    let header = rdr.headers().map_err(|e| csv_error(file, e))?.clone();
    let cols: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    for c in &cols {
        refuse_secret(c).map_err(|error| MerkleError::Address {
            location: Location {
                file: file.to_owned(),
                line: 1,
            },
            error,
        })?;
    }
    let find = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
    let (Some(pk), Some(unlocked), Some(locked)) = (
        find(&["pubkey", "claimant"]),
        find(&["amount_unlocked", "amount"]),
        find(&["amount_locked", "locked_amount"]),
    ) else {
        return Err(MerkleError::format(
            file,
            1,
            format!("the header has {} column(s) without the ones needed; the jito preset expects pubkey,amount_unlocked,amount_locked (or Jupiter's pubkey,amount,locked_amount)", cols.len()),
        ));
    };
    if let Some(extra) = cols
        .iter()
        .enumerate()
        .find(|(i, c)| ![pk, unlocked, locked].contains(i) && c.as_str() != "category")
    {
        return Err(MerkleError::format(
            file,
            1,
            format!("unknown {}", column_name(extra.0, extra.1)),
        ));
    }
    let mut out: Vec<SolanaEntry> = Vec::new();
    let mut seen: HashMap<[u8; 32], (usize, u64)> = HashMap::new();
    for record in rdr.records() {
        let record = record.map_err(|e| csv_error(file, e))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let claimant = parse_pubkey(record.get(pk).unwrap_or_default())
            .map_err(|d| MerkleError::format(file, line, d))?;
        let u64_of = |col: usize| -> Result<u64> {
            let text = record.get(col).unwrap_or_default();
            let v = checked_amount(text).map_err(|d| MerkleError::amount(file, line, d))?;
            u64::try_from(v).map_err(|_| {
                MerkleError::amount(
                    file,
                    line,
                    format!(
                        "amount {} does not fit in u64, the Solana distributor's amount type",
                        shown(text)
                    ),
                )
            })
        };
        let entry = SolanaEntry {
            claimant,
            unlocked: u64_of(unlocked)?,
            locked: u64_of(locked)?,
        };
        if entry.unlocked == 0 && entry.locked == 0 {
            let who = bs58::encode(claimant).into_string();
            if !options.allow_zero {
                return Err(MerkleError::amount(file, line, zero_refusal(&who)));
            }
            zero_rows.push(ZeroRow { line, who });
        }
        match seen.get(&claimant) {
            Some(&(idx, _)) if merge => {
                let e = &mut out[idx];
                e.unlocked = e.unlocked.checked_add(entry.unlocked).ok_or_else(|| {
                    MerkleError::amount(file, line, "merged amount overflows u64")
                })?;
                e.locked = e.locked.checked_add(entry.locked).ok_or_else(|| {
                    MerkleError::amount(file, line, "merged amount overflows u64")
                })?;
            }
            Some(&(_, first_line)) => {
                return Err(MerkleError::Duplicate {
                    location: Location {
                        file: file.to_owned(),
                        line,
                    },
                    address: bs58::encode(claimant).into_string(),
                    first_line,
                })
            }
            None => {
                seen.insert(claimant, (out.len(), line));
                out.push(entry);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    fn addr(i: usize) -> String {
        format!("0x{:040x}", i + 1)
    }

    /// A CSV of `n` distinct rows, spanning several parallel chunks.
    fn csv(n: usize, edit: impl Fn(usize, String) -> String) -> String {
        let mut s = String::from("address,amount\n");
        for i in 0..n {
            s.push_str(&edit(i, format!("{},{}", addr(i), i + 1)));
            s.push('\n');
        }
        s
    }

    fn read(text: &str, merge: bool) -> Result<(Records, ReadReport)> {
        read_records(
            text.as_bytes(),
            "in.csv",
            InputFormat::Csv,
            &Preset::Uniswap.leaf_encoding(),
            merge,
        )
    }

    #[test]
    fn rows_across_chunks_keep_their_order_and_lines() {
        for n in [ROWS_PER_CHUNK - 1, ROWS_PER_CHUNK, 2 * ROWS_PER_CHUNK + 7] {
            let (records, report) = read(&csv(n, |_, row| row), false).unwrap();
            let Records::Accounts(entries) = records else {
                panic!("accounts expected")
            };
            assert_eq!((entries.len(), report.rows), (n, n));
            for (i, e) in entries.iter().enumerate() {
                assert_eq!(e.address, parse_address(&addr(i)).unwrap());
                assert_eq!(e.amount, U256::from(i + 1));
            }
        }
    }

    #[test]
    fn the_first_bad_row_in_the_file_is_the_one_reported() {
        let late = ROWS_PER_CHUNK + 10; // in the second chunk; its line is late + 2
        let later = 2 * ROWS_PER_CHUNK + 3; // in the third
        let text = csv(3 * ROWS_PER_CHUNK, |i, row| match i {
            _ if i == late => format!("{},12x", addr(i)),
            _ if i == later => format!("{},1,extra", addr(i)), // a CSV-level error
            _ => row,
        });
        let e = read(&text, false).unwrap_err().to_string();
        assert!(e.contains(&format!("in.csv:{}", late + 2)), "{e}");
        // With only the CSV-level error left, that one is reported, at its own line.
        let text = csv(3 * ROWS_PER_CHUNK, |i, row| match i {
            _ if i == later => format!("{},1,extra", addr(i)),
            _ => row,
        });
        let e = read(&text, false).unwrap_err().to_string();
        assert!(e.contains(&format!("in.csv:{}", later + 2)), "{e}");
    }

    #[test]
    fn duplicates_across_chunks_are_found_or_merged() {
        let n = 2 * ROWS_PER_CHUNK;
        let dup = ROWS_PER_CHUNK + 100;
        let text = csv(n, |i, row| {
            if i == dup {
                format!("{},5", addr(3).to_uppercase().replace("0X", "0x"))
            } else {
                row
            }
        });
        let e = read(&text, false).unwrap_err().to_string();
        assert!(
            e.contains(&format!("in.csv:{}", dup + 2)) && e.contains("first seen on line 5"),
            "{e}"
        );
        let (records, report) = read(&text, true).unwrap();
        let Records::Accounts(entries) = records else {
            panic!("accounts expected")
        };
        assert_eq!((report.rows, report.merged, entries.len()), (n, 1, n - 1));
        assert_eq!(entries[3].amount, U256::from(4 + 5));
    }
}
