//! Solana distributor CSVs and base58 public keys.

use super::accounts::zero_refusal;
use super::csv_file::{checked_amount, column_name, csv_error, csv_reader};
use super::{ReadOptions, SolanaEntry, ZeroRow};
use crate::address::{refuse_secret, shown};
use crate::error::{Location, MerkleError, Result};
use std::collections::HashMap;
use std::io::Read;

/// Parses a Solana public key (base58, 32 bytes).
pub fn parse_pubkey(text: &str) -> std::result::Result<[u8; 32], String> {
    refuse_secret(text).map_err(|e| e.to_string())?;
    let mut out = [0u8; 32];
    match bs58::decode(text.trim()).onto(&mut out) {
        Ok(32) => Ok(out),
        Ok(64) => Err(format!(
            "refused: this decodes to 64 bytes, like a Solana secret key, not a public key. {}",
            crate::guard::WARNING
        )),
        _ => Err(format!(
            "invalid Solana public key {}: expected 32 bytes in base58",
            shown(text)
        )),
    }
}

pub(super) fn read_solana_csv(
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
