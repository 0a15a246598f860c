//! JSON inputs: Uniswap balance maps, address/amount arrays and OpenZeppelin values arrays.

use super::accounts::Accounts;
use super::csv_file::checked_amount;
use super::fast_json;
use super::typed_json;
use super::typed_values;
use crate::amount::{parse_amount, parse_json_amount};
use crate::error::{MerkleError, Result};
use crate::limits::MAX_JSON_BYTES;
use crate::values;
use alloy_dyn_abi::{DynSolType, DynSolValue};
use std::io::Read;

/// Reads address/amount entries: balance maps and `[address, amount]` pairs on all cores where
/// [`fast_json`] can, Uniswap's `[{address, earnings}]` through typed structs where
/// [`typed_json`] can, else the document parsed whole into a `serde_json::Value`.
/// The whole input, read to one byte past the JSON bound, so that the exact path reports an
/// input too large.
fn read_bounded(reader: &mut impl Read, file: &str) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    reader
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| MerkleError::Read {
            file: file.to_owned(),
            detail: e.to_string(),
        })?;
    Ok(data)
}

pub(super) fn read_accounts_json(
    mut reader: impl Read,
    file: &str,
    acc: &mut Accounts<'_>,
) -> Result<()> {
    let data = read_bounded(&mut reader, file)?;
    if data.len() as u64 <= MAX_JSON_BYTES {
        if let Some((entries, spellings)) = fast_json::accounts_spelled(&data, fast_json::CHUNK) {
            acc.entries = entries;
            acc.spellings = spellings;
            return Ok(());
        }
        if typed_json::read_uniswap_items(&data, acc)? {
            return Ok(());
        }
    }
    read_accounts_value(&data, file, acc)
}

/// The reference path: the whole document parsed by `serde_json`, entries taken in order.
pub(super) fn read_accounts_value(data: &[u8], file: &str, acc: &mut Accounts<'_>) -> Result<()> {
    match crate::read::read_json_capped(data, file, MAX_JSON_BYTES)? {
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

/// Reads OpenZeppelin values arrays: typed and on all cores where [`typed_values`] can, else
/// through a whole `serde_json::Value` tree.
pub(super) fn read_values_json(
    mut reader: impl Read,
    file: &str,
    types: &[DynSolType],
) -> Result<Vec<Vec<DynSolValue>>> {
    let data = read_bounded(&mut reader, file)?;
    if data.len() as u64 <= MAX_JSON_BYTES {
        if let Some(rows) = typed_values::read_values(&data, types, crate::json::items::CHUNK) {
            return Ok(rows);
        }
    }
    read_values_value(&data, file, types)
}

/// The reference path for values arrays: the whole document parsed by `serde_json`.
pub(super) fn read_values_value(
    data: &[u8],
    file: &str,
    types: &[DynSolType],
) -> Result<Vec<Vec<DynSolValue>>> {
    let serde_json::Value::Array(items) =
        crate::read::read_json_capped(data, file, MAX_JSON_BYTES)?
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
