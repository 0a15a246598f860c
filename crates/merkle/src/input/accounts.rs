//! Collecting address/amount rows from any reader: duplicates refused or merged, zero amounts
//! refused or kept.

use super::ZeroRow;
use crate::address::{parse_address, AddressError, ZERO_RECIPIENT};
use crate::error::{Location, MerkleError, Result};
use crate::Entry;
use alloy_primitives::map::AddressMap;
use alloy_primitives::{Address, U256};

pub(super) fn zero_refusal(who: &str) -> String {
    format!("amount is zero for {who}; leave the row out, a zero claim cannot be paid (--allow-zero keeps it, to reproduce a published tree that has one)")
}

/// Collects address/amount rows, refusing or merging duplicates and zero amounts.
pub(super) struct Accounts<'a> {
    pub(super) file: &'a str,
    pub(super) merge: bool,
    pub(super) entries: Vec<Entry>,
    /// How each entry's address was written ([`crate::address::spelling`]), beside `entries`.
    pub(super) spellings: Vec<u64>,
    // foldhash over the address bytes, randomly seeded: several times faster than SipHash on a
    // million rows, and a crafted input still cannot predict collisions.
    pub(super) seen: AddressMap<(usize, u64)>,
    pub(super) merged: usize,
    pub(super) allow_zero: bool,
    pub(super) zero_rows: Vec<ZeroRow>,
}

impl<'a> Accounts<'a> {
    pub(super) fn new(file: &'a str, merge: bool) -> Self {
        Accounts {
            file,
            merge,
            entries: Vec::new(),
            spellings: Vec::new(),
            seen: AddressMap::default(),
            merged: 0,
            allow_zero: false,
            zero_rows: Vec::new(),
        }
    }

    /// The entries collected, with their spellings when every entry has one (a reader that
    /// fills `entries` without them leaves the dump to write EIP-55 rather than guess).
    pub(super) fn take_records(&mut self) -> super::Records {
        let entries = std::mem::take(&mut self.entries);
        let spellings = std::mem::take(&mut self.spellings);
        let spellings = (spellings.len() == entries.len()).then_some(spellings);
        super::Records::Accounts(entries, spellings)
    }

    fn loc(&self, line: u64) -> Location {
        Location {
            file: self.file.to_owned(),
            line,
        }
    }

    pub(super) fn push(
        &mut self,
        line: u64,
        address_text: &str,
        amount: std::result::Result<U256, String>,
    ) -> Result<()> {
        let spelling = crate::address::spelling(address_text.as_bytes());
        self.add(line, parse_address(address_text), amount, spelling)
    }

    /// Takes one row whose fields were parsed already (in parallel, by the CSV reader).
    pub(super) fn add(
        &mut self,
        line: u64,
        address: std::result::Result<Address, AddressError>,
        amount: std::result::Result<U256, String>,
        spelling: u64,
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
                self.spellings.push(spelling);
            }
        }
        Ok(())
    }
}
