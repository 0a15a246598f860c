//! The claim window and the vesting that starts with it.

use super::raw::{RawClaim, RawVesting};
use super::Ctx;
use crate::error::Result;
use crate::units::{self, parse_percent};
use airdrop_merkle::{Address, U256};

/// Lockup: a part unlocked at the claim start, the rest linear after a cliff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vesting {
    /// Unlocked at start, percent scaled by 10^18.
    pub unlocked: U256,
    /// As written.
    pub unlocked_text: String,
    /// Cliff in seconds.
    pub cliff_seconds: u64,
    /// Total vesting duration in seconds.
    pub duration_seconds: u64,
}

/// Claim window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimWindow {
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds.
    pub deadline: i64,
    /// As written (RFC 3339).
    pub start_text: String,
    /// As written (RFC 3339).
    pub deadline_text: String,
    /// Where unclaimed tokens go after the deadline.
    pub clawback_to: Option<Address>,
}

/// `[vesting]` and `[claim]`: durations and times parsed, the cliff inside the vesting, the
/// deadline after the start; vesting needs a claim window, since it starts at the claim start.
pub(super) fn vesting_and_claim(
    vesting: Option<RawVesting>,
    claim: Option<RawClaim>,
    cx: &Ctx<'_>,
) -> Result<(Option<Vesting>, Option<ClaimWindow>)> {
    let vesting = vesting
        .map(|v| -> Result<Vesting> {
            let unlocked = parse_percent(&v.unlocked).map_err(|e| cx.err("vesting.unlocked", e))?;
            let cliff_seconds = units::parse_duration(&v.cliff).map_err(|e| cx.err("vesting.cliff", e))?;
            let duration_seconds = units::parse_duration(&v.duration).map_err(|e| cx.err("vesting.duration", e))?;
            if cliff_seconds > duration_seconds {
                return Err(cx.err("vesting.cliff", format!("cliff {:?} is longer than duration {:?}; the cliff falls inside the vesting period", v.cliff, v.duration)));
            }
            Ok(Vesting { unlocked, unlocked_text: v.unlocked.trim().to_owned(), cliff_seconds, duration_seconds })
        })
        .transpose()?;
    let claim = claim
        .map(|c| -> Result<ClaimWindow> {
            let start = units::parse_timestamp(&c.start).map_err(|e| cx.err("claim.start", e))?;
            let deadline =
                units::parse_timestamp(&c.deadline).map_err(|e| cx.err("claim.deadline", e))?;
            if deadline <= start {
                return Err(cx.err(
                    "claim.deadline",
                    format!("deadline {:?} is not after start {:?}", c.deadline, c.start),
                ));
            }
            let clawback_to = c
                .clawback_to
                .as_deref()
                .map(|t| cx.recipient("claim.clawback_to", t))
                .transpose()?;
            Ok(ClaimWindow {
                start,
                deadline,
                start_text: c.start.trim().to_owned(),
                deadline_text: c.deadline.trim().to_owned(),
                clawback_to,
            })
        })
        .transpose()?;
    if vesting.is_some() && claim.is_none() {
        return Err(cx.err(
            "vesting",
            "vesting starts at the claim start; add a [claim] table with start and deadline",
        ));
    }
    Ok((vesting, claim))
}
