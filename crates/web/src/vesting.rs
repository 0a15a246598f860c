//! The claim page's vesting chart: an SVG drawn on the server from the claim's own numbers (the
//! contract's vesting rule from `airdrop_core::vesting`), so it needs no script and no library.
//! Coordinates are integers computed from per-mille shares: no floats touch an amount.

use crate::claim::{amount_text, ClaimFacts, ClaimView, ScheduleView, TokenView};
use airdrop_core::tax::rfc3339;
use airdrop_core::VestingTerms;
use airdrop_merkle::U256;
use maud::{html, Markup};

const W: u64 = 600;
const PLOT_TOP: u64 = 20;
const PLOT_H: u64 = 120;
const LEFT: u64 = 10;
const PLOT_W: u64 = W - 2 * LEFT;
const SAMPLES: u64 = 48;

/// What the chart draws.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    start: u64,
    end: u64,
    /// Everything vested (`start` without vesting).
    vesting_end: u64,
    deadline: u64,
    /// (time, vested per mille) along the curve.
    curve: Vec<(u64, u64)>,
    /// (time, label, css class) vertical markers.
    marks: Vec<(u64, &'static str, &'static str)>,
    amount: U256,
    claimed: U256,
    claimable: U256,
    locked: U256,
}

/// Parts per thousand of `part` in `whole`, by integer division.
fn per_mille(part: U256, whole: U256) -> u64 {
    if whole.is_zero() {
        return 0;
    }
    let thousand = U256::from(1000u64);
    // Past U256::MAX / 1000 the product would overflow; `whole` is then so large that dividing
    // it first loses nothing visible.
    let v = part.checked_mul(thousand).map_or_else(
        || part / (whole / thousand).max(U256::from(1u64)),
        |p| p / whole,
    );
    u64::try_from(v).unwrap_or(1000).min(1000)
}

/// The chart's data for claim `f` under schedule `s` at the view's `now`.
pub(crate) fn timeline(v: &ClaimView, s: ScheduleView, f: &ClaimFacts) -> Timeline {
    let terms = VestingTerms {
        unlocked_bps: s.unlocked_bps,
        cliff: s.cliff_end.saturating_sub(s.start),
        duration: s.vesting_end.saturating_sub(s.start),
    };
    let start = s.start;
    let end = s.deadline.max(s.vesting_end).max(start + 1);
    let at = |t: u64| per_mille(airdrop_core::vested(f.amount, t, start, terms), f.amount);
    let mut times: Vec<u64> = (0..=SAMPLES)
        .map(|i| start + (end - start) * i / SAMPLES)
        .collect();
    // The curve bends exactly at the cliff: draw both sides of it.
    if s.cliff_end > start && s.cliff_end < end {
        times.extend([s.cliff_end.saturating_sub(1), s.cliff_end]);
    }
    times.sort_unstable();
    times.dedup();
    let curve = times.into_iter().map(|t| (t, at(t))).collect();
    let mut marks = Vec::new();
    if s.cliff_end > start && s.cliff_end < end {
        marks.push((s.cliff_end, "cliff", "mark-cliff"));
    }
    if s.vesting_end > start && s.vesting_end != s.deadline {
        marks.push((s.vesting_end, "fully vested", "mark-vested"));
    }
    marks.push((s.deadline, "deadline", "mark-deadline"));
    if v.now >= start && v.now <= end {
        marks.push((v.now, "now", "mark-now"));
    }
    let vested = f
        .vested
        .unwrap_or_else(|| airdrop_core::vested(f.amount, v.now, start, terms));
    let claimed = f.claimed.unwrap_or_default();
    let claimable = f
        .claimable_now
        .unwrap_or_else(|| vested.saturating_sub(claimed));
    Timeline {
        start,
        end,
        vesting_end: s.vesting_end.max(start),
        deadline: s.deadline,
        curve,
        marks,
        amount: f.amount,
        claimed,
        claimable,
        locked: f.amount.saturating_sub(vested),
    }
}

fn x(t: &Timeline, time: u64) -> u64 {
    let span = t.end - t.start;
    LEFT + (time.clamp(t.start, t.end) - t.start) * PLOT_W / span
}

fn y(pm: u64) -> u64 {
    PLOT_TOP + PLOT_H - pm * PLOT_H / 1000
}

/// The chart: the vested share over time with the cliff, vesting end, deadline and now
/// marked, and a bar splitting the allocation into claimed, claimable now and locked.
pub(crate) fn svg(t: &Timeline, token: Option<&TokenView>) -> Markup {
    let points: Vec<String> = t
        .curve
        .iter()
        .map(|&(time, pm)| format!("{},{}", x(t, time), y(pm)))
        .collect();
    let bar_y = PLOT_TOP + PLOT_H + 40;
    let w_claimed = per_mille(t.claimed, t.amount) * PLOT_W / 1000;
    let w_claimable = per_mille(t.claimable, t.amount) * PLOT_W / 1000;
    let w_locked = PLOT_W.saturating_sub(w_claimed + w_claimable);
    let time = |t: u64| rfc3339(i64::try_from(t).unwrap_or(i64::MAX));
    let vesting = if t.vesting_end > t.start {
        format!("Vesting from {} to {}", time(t.start), time(t.vesting_end))
    } else {
        format!("No vesting: everything is claimable from {}", time(t.start))
    };
    let summary = format!(
        "{vesting}; claims close {}. Claimed {}, claimable now {}, locked {}.",
        time(t.deadline),
        amount_text(t.claimed, token),
        amount_text(t.claimable, token),
        amount_text(t.locked, token),
    );
    html! {
        figure.vesting {
            svg #vesting-chart viewBox={ "0 0 " (W) " " (bar_y + 30) } role="img" aria-labelledby="vesting-title vesting-desc" {
                title #vesting-title { "Vesting timeline" }
                desc #vesting-desc { (summary) }
                line x1=(LEFT) y1=(y(0)) x2=(LEFT + PLOT_W) y2=(y(0)) class="axis" {}
                polyline points=(points.join(" ")) class="curve" fill="none" {}
                @for (i, (time, label, class)) in t.marks.iter().enumerate() {
                    line x1=(x(t, *time)) y1=(PLOT_TOP) x2=(x(t, *time)) y2=(y(0)) class=(class) {}
                    text x=(x(t, *time).clamp(LEFT + 30, W - LEFT - 30)) y=(PLOT_TOP - 6 + (i as u64 % 2) * 140) text-anchor="middle" class="label" { (label) }
                }
                rect x=(LEFT) y=(bar_y) width=(w_claimed) height="16" class="bar-claimed" {}
                rect x=(LEFT + w_claimed) y=(bar_y) width=(w_claimable) height="16" class="bar-claimable" {}
                rect x=(LEFT + w_claimed + w_claimable) y=(bar_y) width=(w_locked) height="16" class="bar-locked" {}
            }
            figcaption {
                ul.legend {
                    li { span.key.bar-claimed {} "Claimed: " (amount_text(t.claimed, token)) }
                    li { span.key.bar-claimable {} "Claimable now: " (amount_text(t.claimable, token)) }
                    li { span.key.bar-locked {} "Locked: " (amount_text(t.locked, token)) }
                }
                p { (summary) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_integer_per_mille_and_never_exceed_the_whole() {
        let whole = U256::from(3u64) * U256::from(10u64).pow(U256::from(24u64));
        assert_eq!(per_mille(whole / U256::from(3u64), whole), 333);
        assert_eq!(per_mille(whole, whole), 1000);
        assert_eq!(per_mille(whole * U256::from(2u64), whole), 1000);
        assert_eq!(per_mille(U256::from(1u64), U256::ZERO), 0);
        // Amounts where part × 1000 overflows U256 do not saturate: a quarter is still a
        // quarter, to within the one per mille a chart can show.
        let quarter = per_mille(U256::MAX / U256::from(4u64), U256::MAX);
        assert!((249..=250).contains(&quarter), "{quarter}");
    }
}
