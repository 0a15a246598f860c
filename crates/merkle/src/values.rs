//! OpenZeppelin leaf values: typed ABI values converted from and to the JSON and CSV forms that
//! `@openzeppelin/merkle-tree` users write.

use crate::address::{parse_address, refuse_secret};
use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{I256, U256};
use serde_json::Value;

/// Parses a leaf encoding such as `["address", "uint256"]`; names may be given as `name:type`.
/// Returns the column names (the type when unnamed) and the types.
pub fn parse_encoding(items: &[String]) -> Result<(Vec<String>, Vec<DynSolType>), String> {
    if items.is_empty() {
        return Err("empty leaf encoding; name at least one type, e.g. address,uint256".into());
    }
    let mut names = Vec::new();
    let mut types = Vec::new();
    for item in items {
        let (name, ty) = match item.split_once(':') {
            Some((n, t)) => (n.trim().to_owned(), t.trim()),
            None => (item.trim().to_owned(), item.trim()),
        };
        let parsed = DynSolType::parse(ty).map_err(|e| {
            format!("unknown type {ty:?} in leaf encoding ({e}); use Solidity types such as address, uint256, bytes32, bool, string, bytes, uint256[]")
        })?;
        if matches!(parsed, DynSolType::Function) {
            return Err(format!("type {ty:?} cannot be a leaf value"));
        }
        names.push(name);
        types.push(parsed);
    }
    Ok((names, types))
}

/// The canonical type names (as `DynSolType` prints them) for a dump's `leafEncoding`.
pub fn type_names(types: &[DynSolType]) -> Vec<String> {
    types
        .iter()
        .map(|t| t.sol_type_name().into_owned())
        .collect()
}

/// Converts one CSV cell to a value of `ty`.
pub fn from_text(ty: &DynSolType, text: &str) -> Result<DynSolValue, String> {
    match ty {
        DynSolType::Address => Ok(DynSolValue::Address(
            parse_address(text).map_err(|e| e.to_string())?,
        )),
        DynSolType::String => {
            refuse_secret(text).map_err(|e| e.to_string())?;
            Ok(DynSolValue::String(text.to_owned()))
        }
        DynSolType::Uint(bits) => {
            refuse_secret(text).map_err(|e| e.to_string())?;
            let v = crate::amount::parse_amount(text)?;
            check_uint(v, *bits, text)?;
            Ok(DynSolValue::Uint(v, *bits))
        }
        _ => {
            if !matches!(ty, DynSolType::FixedBytes(32)) {
                refuse_secret(text).map_err(|e| e.to_string())?;
            }
            ty.coerce_str(text)
                .map_err(|e| format!("value {text:?} is not a valid {} ({e})", ty.sol_type_name()))
        }
    }
}

fn check_uint(v: U256, bits: usize, text: &str) -> Result<(), String> {
    if bits < 256 && v.bit_len() > bits {
        return Err(format!("value {text} does not fit in uint{bits}"));
    }
    Ok(())
}

/// Converts a JSON value (as in an OpenZeppelin dump or values array) to a value of `ty`.
pub fn from_json(ty: &DynSolType, value: &Value) -> Result<DynSolValue, String> {
    match (ty, value) {
        (DynSolType::Array(inner), Value::Array(items)) => Ok(DynSolValue::Array(
            items
                .iter()
                .map(|v| from_json(inner, v))
                .collect::<Result<_, _>>()?,
        )),
        (DynSolType::FixedArray(inner, n), Value::Array(items)) => {
            if items.len() != *n {
                return Err(format!(
                    "expected {n} items for {}, got {}",
                    ty.sol_type_name(),
                    items.len()
                ));
            }
            Ok(DynSolValue::FixedArray(
                items
                    .iter()
                    .map(|v| from_json(inner, v))
                    .collect::<Result<_, _>>()?,
            ))
        }
        (DynSolType::Tuple(types), Value::Array(items)) => {
            if items.len() != types.len() {
                return Err(format!(
                    "expected {} items for {}, got {}",
                    types.len(),
                    ty.sol_type_name(),
                    items.len()
                ));
            }
            Ok(DynSolValue::Tuple(
                types
                    .iter()
                    .zip(items)
                    .map(|(t, v)| from_json(t, v))
                    .collect::<Result<_, _>>()?,
            ))
        }
        (DynSolType::Bool, Value::Bool(b)) => Ok(DynSolValue::Bool(*b)),
        (DynSolType::Uint(bits), Value::Number(_)) => {
            let v = crate::amount::parse_json_amount(value)?;
            check_uint(v, *bits, &value.to_string())?;
            Ok(DynSolValue::Uint(v, *bits))
        }
        (DynSolType::Int(bits), Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(DynSolValue::Int(
                I256::try_from(i).map_err(|e| e.to_string())?,
                *bits,
            )),
            None => Err(format!(
                "number {n} is not an exact integer; write it as a string"
            )),
        },
        (_, Value::String(s)) => from_text(ty, s),
        (_, other) => Err(format!(
            "value {other} is not a valid {}",
            ty.sol_type_name()
        )),
    }
}

/// Converts a value back to the JSON form written in dumps: numbers as decimal strings (exact),
/// addresses checksummed, bytes as 0x-hex, arrays and tuples as arrays.
pub fn to_json(value: &DynSolValue) -> Value {
    match value {
        DynSolValue::Address(a) => Value::String(a.to_checksum(None)),
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Uint(v, _) => Value::String(v.to_string()),
        DynSolValue::Int(v, _) => Value::String(v.to_string()),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", alloy_primitives::hex::encode(b))),
        DynSolValue::FixedBytes(w, size) => {
            Value::String(format!("0x{}", alloy_primitives::hex::encode(&w[..*size])))
        }
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        DynSolValue::Function(f) => {
            Value::String(format!("0x{}", alloy_primitives::hex::encode(f.as_slice())))
        }
        // Variants that exist only when another crate in the build enables alloy's EIP-712
        // support (custom structs) never come out of a leaf encoding; their ABI tuple form is
        // the closest JSON shape.
        #[allow(unreachable_patterns)]
        other => match other.as_fixed_seq().or_else(|| other.as_array()) {
            Some(items) => Value::Array(items.iter().map(to_json).collect()),
            None => Value::Null,
        },
    }
}

/// `abi.encode(values...)`: the parameters encoding OpenZeppelin hashes.
pub fn abi_encode(values: &[DynSolValue]) -> Vec<u8> {
    DynSolValue::Tuple(values.to_vec()).abi_encode_params()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(items: &[&str]) -> Vec<DynSolType> {
        parse_encoding(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap()
            .1
    }

    #[test]
    fn every_solidity_value_kind_converts_and_encodes() {
        let types = parse(&[
            "bool",
            "int8",
            "bytes32",
            "bytes",
            "string",
            "uint256[]",
            "address",
        ]);
        let cells = [
            "true",
            "-1",
            "0x0101010101010101010101010101010101010101010101010101010101010101",
            "0xdeadbeef",
            "hello",
            "[1,2]",
            "0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f",
        ];
        let values: Vec<DynSolValue> = types
            .iter()
            .zip(cells)
            .map(|(t, c)| from_text(t, c).unwrap())
            .collect();
        let enc = abi_encode(&values);
        // Head: 7 words (bool, int8, bytes32, offset, offset, offset, address), then the tails.
        assert_eq!(enc[31], 1);
        assert!(
            enc[32..64].iter().all(|b| *b == 0xff),
            "int8 -1 sign-extends"
        );
        assert_eq!(&enc[64..96], &[1u8; 32]);
        assert_eq!(U256::from_be_slice(&enc[96..128]), U256::from(7 * 32));
        // JSON round trip keeps every value exactly.
        let json: Vec<Value> = values.iter().map(to_json).collect();
        let back: Vec<DynSolValue> = types
            .iter()
            .zip(&json)
            .map(|(t, j)| from_json(t, j).unwrap())
            .collect();
        assert_eq!(abi_encode(&back), enc);
    }

    #[test]
    fn narrow_integers_are_range_checked() {
        let t = parse(&["uint8"]);
        assert!(from_text(&t[0], "255").is_ok());
        assert!(from_text(&t[0], "256").unwrap_err().contains("uint8"));
    }

    #[test]
    fn secrets_are_refused_in_text_columns_but_bytes32_stays_data() {
        let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let t = parse(&["string", "bytes32"]);
        assert!(from_text(&t[0], key).unwrap_err().contains("private key"));
        assert!(from_text(&t[1], key).is_ok());
    }
}
