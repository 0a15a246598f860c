//! OpenZeppelin leaf values: typed ABI values converted from and to the JSON and CSV forms that
//! `@openzeppelin/merkle-tree` users write.

use crate::address::{parse_address, refuse_secret, shown};
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

/// Converts one CSV cell to a value of `ty`. Text that ends up in a leaf (strings, bytes, any
/// string inside an array or tuple) passes the key guard; typed `bytes32` values are data (a
/// hash, a salt) and do not.
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
            let v = crate::amount::parse_decimal_amount(text)?;
            check_uint(v, *bits, text)?;
            Ok(DynSolValue::Uint(v, *bits))
        }
        DynSolType::FixedBytes(32) => coerce(ty, text),
        _ => {
            // Refused before parsing, so the parser's own message cannot quote a secret.
            if !holds_bytes32(ty) {
                refuse_secret(text).map_err(|e| e.to_string())?;
            }
            let value = coerce(ty, text)?;
            refuse_secret_in(&value)?;
            Ok(value)
        }
    }
}

fn coerce(ty: &DynSolType, text: &str) -> Result<DynSolValue, String> {
    ty.coerce_str(text).map_err(|_| {
        format!(
            "value {} is not a valid {}",
            shown(text),
            ty.sol_type_name()
        )
    })
}

/// Whether a composite type holds `bytes32` somewhere (whose values are data, not keys).
fn holds_bytes32(ty: &DynSolType) -> bool {
    match ty {
        DynSolType::FixedBytes(32) => true,
        DynSolType::Array(inner) | DynSolType::FixedArray(inner, _) => holds_bytes32(inner),
        DynSolType::Tuple(types) => types.iter().any(holds_bytes32),
        _ => false,
    }
}

/// Refuses strings that hold a secret, and dynamic `bytes` of exactly 32 (a key as bytes),
/// anywhere inside a parsed value.
fn refuse_secret_in(value: &DynSolValue) -> Result<(), String> {
    match value {
        DynSolValue::String(s) => refuse_secret(s).map_err(|e| e.to_string()),
        DynSolValue::Bytes(b) if b.len() == 32 => {
            refuse_secret(&alloy_primitives::hex::encode(b)).map_err(|e| e.to_string())
        }
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            items.iter().try_for_each(refuse_secret_in)
        }
        _ => Ok(()),
    }
}

fn check_uint(v: U256, bits: usize, text: &str) -> Result<(), String> {
    if bits < 256 && v.bit_len() > bits {
        return Err(format!("value {} does not fit in uint{bits}", shown(text)));
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
            "{} is not a valid {}",
            crate::amount::json_kind(other),
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

    #[test]
    fn secrets_inside_text_and_composites_are_refused_and_not_echoed() {
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let phrase = "test test test test test test test test test test test junk";
        let t = parse(&[
            "string",
            "string[]",
            "bytes",
            "(string,uint256)",
            "uint256",
            "bytes32[]",
        ]);
        for (ty, text) in [
            (&t[0], format!("note: {key}")),
            (&t[0], format!("words {phrase}")),
            (&t[1], format!("[ok, my key {key}]")),
            (&t[2], format!("0x{key}")),
            (&t[3], format!("({phrase}, 5)")),
            (&t[4], format!("{key} 5")),
        ] {
            let e = from_text(ty, &text).unwrap_err();
            assert!(
                e.starts_with("refused: this holds what looks like a"),
                "{e}"
            );
            assert!(!e.contains(&key[10..40]) && !e.contains("junk"), "{e}");
        }
        // bytes32 arrays are typed data.
        let ok = format!("[0x{key},0x{key}]");
        assert!(from_text(&t[5], &ok).is_ok());
        // A parse failure quotes the value short and redacted.
        let e = from_text(&t[4], &"7".repeat(100_000)).unwrap_err();
        assert!(e.len() < 300, "{e}");
        let e = from_text(&t[4], "0x10").unwrap_err();
        assert!(e.starts_with("hex amount"), "{e}");
    }
}
