//! Exact conversions between the decimal strings people write and the integers money is kept
//! in. Nothing here goes through floating point.

use airdrop_merkle::address::shown;
use alloy_primitives::U256;

/// Ten to the power `exp`, or `None` when it does not fit in 256 bits.
pub fn pow10(exp: u32) -> Option<U256> {
    U256::from(10u8).checked_pow(U256::from(exp))
}

/// Parses a non-negative decimal string (`"1000000"`, `"12.5"`, `"1_000"`) into an integer
/// scaled by `10^decimals`. More significant fractional digits than `decimals` is an error,
/// never a rounding; trailing zeros beyond `decimals` are fine (`"1.50"` at 1 decimal).
pub fn parse_decimal(text: &str, decimals: u8) -> Result<U256, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty amount; write a decimal number such as \"1000\" or \"12.5\"".into());
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    let (int, frac) = match cleaned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (cleaned.as_str(), ""),
    };
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return Err(format!(
            "{} is not a non-negative decimal number; write digits with an optional '.' (no sign, exponent or unit)",
            shown(t)
        ));
    }
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > usize::from(decimals) {
        return Err(format!(
            "{} has {} decimals; use at most {decimals}",
            shown(t),
            frac_trimmed.len()
        ));
    }
    let overflow = || format!("{} is too large for a uint256 amount", shown(t));
    let mut value = U256::ZERO;
    let ten = U256::from(10u8);
    let padded = frac_trimmed
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(usize::from(decimals));
    for b in int.bytes().chain(padded) {
        value = value
            .checked_mul(ten)
            .and_then(|v| v.checked_add(U256::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    Ok(value)
}

/// Parses a non-negative integer in base units (`"1000000000000000000"`).
pub fn parse_integer(text: &str) -> Result<U256, String> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{} is not a non-negative integer in base units; write digits only (or drop base_units = true to use decimals)",
            shown(t)
        ));
    }
    U256::from_str_radix(t, 10)
        .map_err(|_| format!("{} is too large for a uint256 amount", shown(t)))
}

/// Decimal digits of `value`. Amounts almost always fit 128 bits, and the native `u128`
/// formatter is several times faster than the generic one — this runs millions of times per build.
pub fn decimal(value: &U256) -> String {
    if value.bit_len() <= 128 {
        value.to::<u128>().to_string()
    } else {
        value.to_string()
    }
}

/// Appends the decimal digits of `value` to `out` (see [`decimal`]).
pub fn push_decimal(out: &mut String, value: &U256) {
    use std::fmt::Write;
    let _ = if value.bit_len() <= 128 {
        write!(out, "{}", value.to::<u128>())
    } else {
        write!(out, "{value}")
    };
}

/// Formats an integer scaled by `10^decimals` as a plain decimal, without trailing zeros.
pub fn format_units(value: U256, decimals: u8) -> String {
    let digits = decimal(&value);
    let d = usize::from(decimals);
    if d == 0 {
        return digits;
    }
    let (int, frac) = if digits.len() > d {
        let (i, f) = digits.split_at(digits.len() - d);
        (i.to_owned(), f.to_owned())
    } else {
        (
            "0".to_owned(),
            format!("{}{digits}", "0".repeat(d - digits.len())),
        )
    };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    }
}

/// Decimals kept in a percentage: `"33.333333333333333333%"` is exact.
pub const PERCENT_DECIMALS: u8 = 18;

/// 100% in the fixed point [`parse_percent`] returns.
pub fn hundred_percent() -> U256 {
    U256::from(100u8) * pow10(u32::from(PERCENT_DECIMALS)).unwrap_or(U256::MAX)
}

/// Parses `"70%"` into percent scaled by `10^18` (so 100% is `100·10^18`).
pub fn parse_percent(text: &str) -> Result<U256, String> {
    let t = text.trim();
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!(
            "{} is not a percentage; write it with a % sign, e.g. \"25%\"",
            shown(t)
        ));
    };
    let v = parse_decimal(number, PERCENT_DECIMALS)?;
    if v > hundred_percent() {
        return Err(format!("{} is over 100%", shown(t)));
    }
    Ok(v)
}

/// Parses a duration such as `"90d"`, `"12h"`, `"30m"`, `"45s"` or `"2w"` into seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let hint = || {
        format!("{} is not a duration; write a whole number with a unit: s, m, h, d or w (e.g. \"90d\")", shown(t))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(hint)?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| hint())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(hint()),
    };
    n.checked_mul(mult).ok_or_else(hint)
}

/// Parses an RFC 3339 UTC timestamp (`"2026-12-01T00:00:00Z"`) into Unix seconds.
/// Only UTC (`Z` or `+00:00`) is accepted, so a timestamp means the same instant everywhere.
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let hint = || {
        format!(
            "{} is not a UTC timestamp; write it as RFC 3339 with Z, e.g. \"2026-12-01T00:00:00Z\"",
            shown(t)
        )
    };
    let body = t
        .strip_suffix('Z')
        .or_else(|| t.strip_suffix("+00:00"))
        .ok_or_else(hint)?;
    // A spec's times are whole seconds written one way: no fraction, an upper-case `T`, and no
    // leap second (which `time` would read as the second before it).
    if body.len() != 19 || body.as_bytes()[10] != b'T' || body.ends_with(":60") {
        return Err(hint());
    }
    rfc3339_seconds(&format!("{body}Z")).ok_or_else(hint)
}

/// Unix seconds of an RFC 3339 date-time with any offset and optional fractional seconds
/// (dropped); `None` when it is not one. The date and time arithmetic is the `time` crate's;
/// the separator must be `T` or `t` (RFC 3339 also lets a space through, which `time` takes
/// and sign-in messages must not).
pub fn rfc3339_seconds(text: &str) -> Option<i64> {
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// Converts to f64 for statistics only (never for money): exact up to 2^53, then the 64
/// leading bits scaled, which is deterministic on every IEEE-754 machine.
pub fn to_f64(v: U256) -> f64 {
    let bits = v.bit_len();
    if bits <= 64 {
        v.to::<u64>() as f64
    } else {
        let shift = bits - 64;
        let top: u64 = (v >> shift).to::<u64>();
        (top as f64) * 2f64.powi(shift as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_decimal("1", 18).unwrap(), U256::from(10u64.pow(18)));
        assert_eq!(parse_decimal("12.5", 1).unwrap(), U256::from(125u8));
        assert_eq!(parse_decimal("1.50", 1).unwrap(), U256::from(15u8));
        assert_eq!(parse_decimal("1_000", 0).unwrap(), U256::from(1000u16));
        assert_eq!(parse_decimal(".5", 1).unwrap(), U256::from(5u8));
        let err = parse_decimal("1.0000000000000000001", 18).unwrap_err();
        assert!(
            err.contains("19 decimals") && err.contains("at most 18"),
            "{err}"
        );
        for bad in ["", "-1", "1e5", "abc", ".", "1.2.3", "+1"] {
            assert!(parse_decimal(bad, 18).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimal_fast_path_agrees() {
        for v in [
            U256::ZERO,
            U256::from(u128::MAX),
            U256::from(u128::MAX) + U256::from(1u8),
            U256::MAX,
        ] {
            assert_eq!(decimal(&v), v.to_string());
            let mut s = String::from("x");
            push_decimal(&mut s, &v);
            assert_eq!(s, format!("x{v}"));
        }
    }

    #[test]
    fn formats_round_trip() {
        for (s, d) in [
            ("0", 18),
            ("1", 18),
            ("12.5", 3),
            ("0.000001", 6),
            ("123456789", 0),
        ] {
            assert_eq!(format_units(parse_decimal(s, d).unwrap(), d), s);
        }
    }

    #[test]
    fn percent_and_duration_and_time() {
        assert_eq!(parse_percent("100%").unwrap(), hundred_percent());
        assert!(parse_percent("100.0001%").is_err());
        assert!(parse_percent("70").unwrap_err().contains("% sign"));
        assert_eq!(parse_duration("90d").unwrap(), 90 * 86_400);
        assert!(parse_duration("90 days").is_err());
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(
            parse_timestamp("2026-12-01T00:00:00Z").unwrap(),
            1_796_083_200
        );
        assert_eq!(
            parse_timestamp("2000-03-01T00:00:01+00:00").unwrap(),
            951_868_801
        );
        assert!(parse_timestamp("2026-02-30T00:00:00Z").is_err());
        assert!(parse_timestamp("2026-12-01T00:00:00+02:00").is_err());
        assert!(parse_timestamp("2026-12-01T00:00:00.5Z").is_err());
        assert!(parse_timestamp("2026-12-01t00:00:00Z").is_err());
        assert!(parse_timestamp("2024-02-29T23:59:60Z").is_err());
        assert!(parse_timestamp("2026-12-01T00:00:60Z").is_err());
        assert_eq!(
            parse_timestamp(" 2024-02-29T00:00:00Z ").unwrap(),
            1_709_164_800
        );
        let e = parse_timestamp("2026-13-01T00:00:00Z").unwrap_err();
        assert!(e.contains("is not a UTC timestamp"), "{e}");
        assert_eq!(
            rfc3339_seconds("2026-11-28T13:00:00+01:00"),
            Some(1_795_867_200)
        );
        assert_eq!(rfc3339_seconds("1969-12-31T23:59:59.9z"), Some(-1));
        assert_eq!(rfc3339_seconds("2026-11-28 12:00:00Z"), None);
    }

    #[test]
    fn f64_conversion_is_close() {
        let v = parse_decimal("123456789.123456789", 18).unwrap();
        let f = to_f64(v);
        assert!((f / 1e18 - 123_456_789.123_456_79).abs() < 1e-6);
    }
}
