//! Amounts in base units: exact integers, parsed without ever passing through floating point.

use crate::address::{looks_like_secret, shown};
use alloy_primitives::U256;

/// Parses a base-unit amount written as a decimal integer or as `0x` hex: for the fields of
/// formats that write hex (Uniswap's `earnings`, the `amount` and `tokenTotal` of claims files).
/// Returns a message with the value (quoted by [`shown`]) and a hint on failure.
pub fn parse_amount(text: &str) -> Result<U256, String> {
    parse(text, true)
}

/// Parses a base-unit amount written as a decimal integer, digits only: what every input
/// whose docs say "decimal" reads. Hex and signs are refused, not guessed at.
pub fn parse_decimal_amount(text: &str) -> Result<U256, String> {
    parse(text, false)
}

fn parse(text: &str, hex_ok: bool) -> Result<U256, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "empty amount; write the amount in base units, e.g. 1000000000000000000".into(),
        );
    }
    if let Some(kind) = looks_like_secret(t) {
        return Err(format!(
            "refused: this holds what looks like a {kind}, not an amount. {}",
            crate::guard::WARNING
        ));
    }
    let v = shown(t);
    if t.starts_with('-') {
        return Err(format!("negative amount {v}; amounts are never negative"));
    }
    if t.starts_with('+') {
        return Err(format!(
            "signed amount {v}; write the digits only, without a + sign"
        ));
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if !hex_ok {
            return Err(format!("hex amount {v}; amounts here are decimal integers in base units (hex is read only where a format writes it, e.g. Uniswap's earnings)"));
        }
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("invalid hex amount {v}"));
        }
        return U256::from_str_radix(hex, 16)
            .map_err(|_| format!("amount {v} overflows uint256 (max 2^256-1)"));
    }
    if t.contains(['.', 'e', 'E']) {
        return Err(format!(
            "fractional or scientific amount {v}; amounts are integers in base units (multiply by 10^decimals yourself, or use a campaign spec for whole tokens)"
        ));
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid amount {v}; expected a decimal integer in base units"
        ));
    }
    U256::from_str_radix(t, 10).map_err(|_| format!("amount {v} overflows uint256 (max 2^256-1)"))
}

/// Parses an amount given as a JSON value: a string as [`parse_decimal_amount`], or an integer
/// number that JSON could represent exactly. Large JSON numbers are refused rather than rounded.
pub fn parse_json_amount(value: &serde_json::Value) -> Result<U256, String> {
    match value {
        serde_json::Value::String(s) => parse_decimal_amount(s),
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Ok(U256::from(u))
            } else if n.is_i64() {
                Err(format!("negative amount {n}; amounts are never negative"))
            } else {
                Err(format!(
                    "amount {} is a JSON number that is fractional or too large to be exact; write amounts as strings of base units, e.g. \"1000000000000000000\"",
                    shown(&n.to_string())
                ))
            }
        }
        other => Err(format!(
            "amount must be a string or integer, got {}",
            json_kind(other)
        )),
    }
}

/// What kind of JSON value this is, for messages that must not quote a whole value.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Formats like ethers' `BigNumber.toHexString()`: `0x`, lowercase, an even number of digits.
pub fn to_even_hex(v: &U256) -> String {
    let s = format!("{v:x}");
    if s.len() % 2 == 1 {
        format!("0x0{s}")
    } else {
        format!("0x{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!(parse_amount("100").unwrap(), U256::from(100));
        assert_eq!(parse_amount("0x64").unwrap(), U256::from(100));
        assert_eq!(parse_decimal_amount("100").unwrap(), U256::from(100));
        assert!(parse_amount("-1").unwrap_err().contains("negative"));
        assert!(parse_amount("1.5").unwrap_err().contains("fractional"));
        assert!(parse_amount("1e18").unwrap_err().contains("scientific"));
        assert!(parse_amount("12a").is_err());
        let max = U256::MAX.to_string();
        assert_eq!(parse_amount(&max).unwrap(), U256::MAX);
        assert!(parse_amount(&format!("{max}0"))
            .unwrap_err()
            .contains("overflows"));
    }

    #[test]
    fn decimal_inputs_refuse_hex_and_signs() {
        let e = parse_decimal_amount("0x64").unwrap_err();
        assert!(e.starts_with("hex amount \"0x64\""), "{e}");
        for t in ["+5", " +5"] {
            let e = parse_decimal_amount(t).unwrap_err();
            assert!(e.starts_with("signed amount \"+5\""), "{e}");
            assert!(parse_amount(t).unwrap_err().starts_with("signed amount"));
        }
        let v = serde_json::Value::String("0x64".into());
        assert!(parse_json_amount(&v).unwrap_err().starts_with("hex amount"));
    }

    #[test]
    fn amounts_never_echo_secrets_or_huge_values() {
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        for t in [format!("my key is {key}"), format!("{key}.5")] {
            let e = parse_decimal_amount(&t).unwrap_err();
            assert!(!e.contains(&key[8..40]), "{e}");
        }
        let e = parse_decimal_amount(&format!("{key} 5")).unwrap_err();
        assert!(
            e.starts_with("refused: this holds what looks like a private key"),
            "{e}"
        );
        let e = parse_decimal_amount(&"9x".repeat(1_000_000)).unwrap_err();
        assert!(e.len() < 300 && e.contains("2000000 bytes"), "{e}");
    }

    #[test]
    fn hex_like_ethers() {
        assert_eq!(to_even_hex(&U256::from(750)), "0x02ee");
        assert_eq!(to_even_hex(&U256::from(200)), "0xc8");
        assert_eq!(to_even_hex(&U256::ZERO), "0x00");
    }

    #[test]
    fn big_json_numbers_are_refused_not_rounded() {
        let v: serde_json::Value = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert!(parse_json_amount(&v).is_err());
        let v: serde_json::Value = serde_json::from_str("250").unwrap();
        assert_eq!(parse_json_amount(&v).unwrap(), U256::from(250));
    }
}
