//! Reading allowlist CSV rows, with thirdweb's `parseUnits` for decimal amounts.

use super::{AllowEntry, ThirdwebLeaf};
use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::error::{MerkleError, Result};
use alloy_primitives::{Address, U256};
use std::collections::HashSet;

/// Allowlist rows and the lines kept with a zero amount (only with `allow_zero`).
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    /// The rows, in file order.
    pub entries: Vec<AllowEntry>,
    /// 1-based lines whose paid amount is zero, kept because `allow_zero` was set.
    pub zero_lines: Vec<u64>,
}

/// Reads allowlist CSV rows for `variant`: integers in base units, `unlimited` = 2^256-1 for
/// maxClaimable. A repeated address (or address and token id, for NFTs) is refused: the
/// contracts key claims by it. A zero amount to pay is refused unless `allow_zero`.
pub fn read_allowlist_csv(
    text: &str,
    file: &str,
    variant: ThirdwebLeaf,
    allow_zero: bool,
) -> Result<Allowlist> {
    read_allowlist_csv_with(text, file, variant, allow_zero, None)
}

/// As [`read_allowlist_csv`]; with `decimals`, maxClaimable (v1, v2) and the erc20 amount are
/// token amounts scaled as the SDK's `parseUnits(value, tokenDecimals)`: exactly, and refused
/// when they have more fractional digits than `decimals` (parseUnits throws there too).
pub fn read_allowlist_csv_with(
    text: &str,
    file: &str,
    variant: ThirdwebLeaf,
    allow_zero: bool,
    decimals: Option<u8>,
) -> Result<Allowlist> {
    let mut lines = text.lines().enumerate();
    let want = variant.header();
    let header: Vec<String> = lines
        .next()
        .map(|(_, h)| h.split(',').map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default();
    if !header.iter().map(String::as_str).eq(want.iter().copied()) {
        return Err(MerkleError::format(
            file,
            1,
            format!(
                "expected the header {} for this leaf variant",
                want.join(",")
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Allowlist::default();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let n = i as u64 + 1;
        let e = read_row(line, file, n, variant, decimals)?;
        let key = (e.address, variant.keyed_by_token().then(|| e.values[0]));
        if !seen.insert(key) {
            let what = if key.1.is_some() {
                "address and token id"
            } else {
                "address"
            };
            return Err(MerkleError::format(
                file,
                n,
                format!(
                    "duplicate {what} {}; an allowlist has one row per {what}",
                    e.address.to_checksum(None)
                ),
            ));
        }
        if variant.paid_column().is_some_and(|c| e.values[c].is_zero()) {
            if !allow_zero {
                return Err(MerkleError::amount(
                    file,
                    n,
                    format!(
                        "zero amount for {}; a zero claim cannot be paid (pass --allow-zero to keep the rows of a published list)",
                        e.address.to_checksum(None)
                    ),
                ));
            }
            out.zero_lines.push(n);
        }
        out.entries.push(e);
    }
    if out.entries.is_empty() {
        return Err(MerkleError::Empty { file: file.into() });
    }
    Ok(out)
}

fn read_row(
    line: &str,
    file: &str,
    n: u64,
    variant: ThirdwebLeaf,
    decimals: Option<u8>,
) -> Result<AllowEntry> {
    let want = variant.header();
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() != want.len() {
        return Err(MerkleError::format(
            file,
            n,
            format!(
                "row has {} fields but the header has {}",
                cells.len(),
                want.len()
            ),
        ));
    }
    let addr = |t: &str| {
        parse_address(t).map_err(|e| MerkleError::Address {
            location: crate::error::Location {
                file: file.to_owned(),
                line: n,
            },
            error: e,
        })
    };
    let limits = matches!(variant, ThirdwebLeaf::V1 | ThirdwebLeaf::V2);
    let int_cells = if variant == ThirdwebLeaf::V2 {
        &cells[1..3]
    } else {
        &cells[1..]
    };
    let scaled = matches!(
        variant,
        ThirdwebLeaf::V1 | ThirdwebLeaf::V2 | ThirdwebLeaf::Erc20
    );
    let values = int_cells
        .iter()
        .enumerate()
        .map(|(k, c)| {
            if limits && c.eq_ignore_ascii_case("unlimited") {
                return Ok(U256::MAX);
            }
            match decimals.filter(|_| scaled && k == 0) {
                Some(d) => parse_units(c, d),
                None => parse_amount(c),
            }
            .map_err(|d| MerkleError::amount(file, n, d))
        })
        .collect::<Result<Vec<_>>>()?;
    let currency = match variant {
        ThirdwebLeaf::V2 if cells[3].is_empty() => Some(Address::ZERO),
        ThirdwebLeaf::V2 => Some(addr(cells[3])?),
        _ => None,
    };
    Ok(AllowEntry {
        address: addr(cells[0])?,
        values,
        currency,
    })
}

/// `parseUnits`: a non-negative decimal scaled by 10^decimals, exactly.
pub fn parse_units(text: &str, decimals: u8) -> std::result::Result<U256, String> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return Err(format!(
            "invalid amount {t:?}; expected a decimal such as 1.5"
        ));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        return Err(format!(
            "amount {t:?} has more than {decimals} decimals; it cannot be scaled exactly"
        ));
    }
    let scaled = format!("{int}{frac}{}", "0".repeat(decimals as usize - frac.len()));
    let scaled = scaled.trim_start_matches('0');
    if scaled.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(scaled, 10)
        .map_err(|_| format!("amount {t:?} × 10^{decimals} overflows uint256"))
}
