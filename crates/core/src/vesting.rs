//! Vesting as the distributor contract computes it: pure integer math over basis points and
//! seconds, so the CLI, the server and the pages show what the contract will pay.

use crate::error::{CoreError, Result};
use airdrop_merkle::U256;

/// Vesting terms in the contract's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VestingTerms {
    /// Share unlocked at start, basis points (10000 = everything).
    pub unlocked_bps: u16,
    /// Cliff, seconds from start.
    pub cliff: u64,
    /// Total duration, seconds from start; 0 = no vesting.
    pub duration: u64,
}

impl VestingTerms {
    /// No vesting: everything claimable at once.
    pub const NONE: VestingTerms = VestingTerms {
        unlocked_bps: 10_000,
        cliff: 0,
        duration: 0,
    };
}

/// Converts a manifest percentage (`"25%"`, `"12.5%"`, `"0.01%"`) to basis points exactly;
/// refuses anything that is not a whole number of basis points or is above 100%.
pub fn percent_to_bps(text: &str) -> Result<u16> {
    let bad = |why: &str| {
        CoreError::Vesting(format!(
            "vesting unlocked {text:?} {why}; the contract takes whole basis points (0.01%), e.g. \"25%\" or \"12.5%\""
        ))
    };
    let t = text
        .trim()
        .strip_suffix('%')
        .ok_or_else(|| bad("is not a percentage"))?;
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("is not a number"));
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("is not a number"));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 {
        return Err(bad("is not a whole number of basis points"));
    }
    let int: u64 = int.parse().map_err(|_| bad("is too large"))?;
    let frac: u64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| bad("is not a number"))?;
    let bps = int
        .checked_mul(100)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(|| bad("is too large"))?;
    if bps > 10_000 {
        return Err(bad("is above 100%"));
    }
    u16::try_from(bps).map_err(|_| bad("is too large"))
}

/// Vested amount of `amount` at `t` (the contract's curve, integer arithmetic).
pub fn vested(amount: U256, t: u64, start: u64, v: VestingTerms) -> U256 {
    if v.duration == 0 {
        return if t >= start { amount } else { U256::ZERO };
    }
    if t < start {
        return U256::ZERO;
    }
    let unlocked = amount * U256::from(v.unlocked_bps) / U256::from(10_000u64);
    let since = t - start;
    if since >= v.duration {
        amount
    } else if since < v.cliff {
        unlocked
    } else {
        unlocked + (amount - unlocked) * U256::from(since) / U256::from(v.duration)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percent_to_bps_is_exact() {
        assert_eq!(percent_to_bps("25%").unwrap(), 2500);
        assert_eq!(percent_to_bps("12.5%").unwrap(), 1250);
        assert_eq!(percent_to_bps("0.01%").unwrap(), 1);
        assert_eq!(percent_to_bps("100%").unwrap(), 10_000);
        assert_eq!(percent_to_bps("0%").unwrap(), 0);
        assert_eq!(percent_to_bps("7.250%").unwrap(), 725);
        assert_eq!(percent_to_bps(" 50% ").unwrap(), 5000);
    }

    #[test]
    fn percent_to_bps_names_what_is_wrong() {
        for (text, why) in [
            ("12.345%", "whole number of basis points"),
            ("101%", "above 100%"),
            ("25", "not a percentage"),
            ("-1%", "not a number"),
            ("1.x%", "not a number"),
            ("%", "not a number"),
            ("99999999999999999999%", "too large"),
        ] {
            let e = percent_to_bps(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.contains(&format!("{text:?}")), "{text}: {e}");
            assert!(e.contains("e.g. \"25%\""), "{e}");
        }
    }

    #[test]
    fn vesting_curve() {
        let v = VestingTerms {
            unlocked_bps: 2500,
            cliff: 100,
            duration: 1000,
        };
        let a = U256::from(1000u64);
        assert_eq!(vested(a, 9, 10, v), U256::ZERO);
        assert_eq!(vested(a, 10, 10, v), U256::from(250u64));
        assert_eq!(vested(a, 109, 10, v), U256::from(250u64));
        assert_eq!(vested(a, 110, 10, v), U256::from(325u64));
        assert_eq!(vested(a, 1010, 10, v), a);
        assert_eq!(vested(a, u64::MAX, 10, v), a);
    }

    #[test]
    fn no_vesting_pays_everything_from_start() {
        let a = U256::from(7u64);
        assert_eq!(vested(a, 9, 10, VestingTerms::NONE), U256::ZERO);
        assert_eq!(vested(a, 10, 10, VestingTerms::NONE), a);
    }
}
