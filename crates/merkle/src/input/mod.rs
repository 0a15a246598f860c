//! Reading tree inputs: CSV with a header, Uniswap balance maps, OpenZeppelin values arrays and
//! Solana distributor CSVs. Every rejection names the file, the line and the value.

use crate::error::{MerkleError, Result};
use crate::values;
use crate::{Entry, LeafEncoding};
use accounts::Accounts;
use alloy_dyn_abi::{DynSolType, DynSolValue};
use csv_file::{read_accounts_csv, read_values_csv};
use json_file::{read_accounts_json, read_values_json};
use solana::read_solana_csv;
use std::io::Read;

mod accounts;
mod csv_file;
mod fast_csv;
mod fast_json;
mod json_file;
mod solana;
mod typed_json;
mod typed_values;

pub use csv_file::column_name;
pub use solana::parse_pubkey;

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
    /// Address and amount per recipient (Uniswap, packed, OpenZeppelin `address,uint256`), and,
    /// when read from a file, how each address was written there (bit `i` set where hex digit
    /// `i` is an upper-case letter): an OpenZeppelin dump writes them back as given, as
    /// `StandardMerkleTree.dump()` does. `None` writes EIP-55.
    Accounts(Vec<Entry>, Option<Vec<u64>>),
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
            Records::Accounts(v, _) => v.len(),
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
                acc.take_records()
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
            acc.take_records()
        }
        (_, InputFormat::Json) => {
            read_accounts_json(reader, file, &mut acc)?;
            acc.take_records()
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

#[cfg(test)]
mod tests {
    use super::csv_file::ROWS_PER_CHUNK;
    use super::*;
    use crate::address::parse_address;
    use crate::Preset;
    use alloy_primitives::U256;

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
            let Records::Accounts(entries, _) = records else {
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
        let Records::Accounts(entries, _) = records else {
            panic!("accounts expected")
        };
        assert_eq!((report.rows, report.merged, entries.len()), (n, 1, n - 1));
        assert_eq!(entries[3].amount, U256::from(4 + 5));
    }
}
