//! Amounts in base units: exact integers, parsed without ever passing through floating point.

use alloy_primitives::U256;

/// Parses a base-unit amount written as a decimal integer (or `0x` hex, as Uniswap's
/// `earnings` are). Returns a message with the value and a hint on failure.
pub fn parse_amount(text: &str) -> Result<U256, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "empty amount; write the amount in base units, e.g. 1000000000000000000".into(),
        );
    }
    if t.starts_with('-') {
        return Err(format!("negative amount {t:?}; amounts are never negative"));
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("invalid hex amount {t:?}"));
        }
        return U256::from_str_radix(hex, 16)
            .map_err(|_| format!("amount {t:?} overflows uint256 (max 2^256-1)"));
    }
    if digits.contains(['.', 'e', 'E']) {
        return Err(format!(
            "fractional or scientific amount {t:?}; amounts are integers in base units (multiply by 10^decimals yourself, or use a campaign spec for whole tokens)"
        ));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid amount {t:?}; expected a decimal integer in base units"
        ));
    }
    U256::from_str_radix(digits, 10)
        .map_err(|_| format!("amount {t:?} overflows uint256 (max 2^256-1)"))
}

/// Parses an amount given as a JSON value: a string as [`parse_amount`], or an integer number
/// that JSON could represent exactly. Large JSON numbers are refused rather than rounded.
pub fn parse_json_amount(value: &serde_json::Value) -> Result<U256, String> {
    match value {
        serde_json::Value::String(s) => parse_amount(s),
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Ok(U256::from(u))
            } else if n.is_i64() {
                Err(format!("negative amount {n}; amounts are never negative"))
            } else {
                Err(format!(
                    "amount {n} is a JSON number that is fractional or too large to be exact; write amounts as strings of base units, e.g. \"1000000000000000000\""
                ))
            }
        }
        other => Err(format!("amount must be a string or integer, got {other}")),
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
