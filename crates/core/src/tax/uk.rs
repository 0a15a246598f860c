//! UK matching (TCGA 1992 s105 and s106A, HMRC CG51560): all disposals of a token on one day
//! are one disposal; it is matched first with acquisitions the same day, then with
//! acquisitions in the next 30 days (earliest first, earlier disposals first), then with the
//! section 104 pool at its average cost. Airdrops not received for doing something cost nil
//! (CRYPTO21250); bounties and buys cost their market value.

use super::matching::{overflow, oversold};
use super::{day_of, mul_div, split, value_of, ymd, Disposal, GainRow, ReceiptKind, TaxInput};
use crate::error::Result;
use alloy_primitives::U256;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// Quantity and cost still unmatched.
#[derive(Clone, Copy, Default)]
struct Holding {
    qty: U256,
    cost: U256,
}

impl Holding {
    /// Takes `q` (at most `qty`) out with its share of the cost; taking all takes all the cost,
    /// so rounding never strands a remainder.
    fn take(&mut self, q: U256) -> U256 {
        let cost = if q == self.qty {
            self.cost
        } else {
            mul_div(self.cost, q, self.qty).unwrap_or(U256::ZERO)
        };
        self.qty -= q;
        self.cost -= cost;
        cost
    }
}

/// One disposal day of a token: total quantity and proceeds, the first row for messages,
/// what is still unmatched, and the matches made.
struct Day<'a> {
    first: &'a Disposal,
    qty: U256,
    proceeds: U256,
    left: U256,
    matches: Vec<(U256, U256, String, &'static str)>,
}

/// Gain rows of every UK disposal up to `end` (the last day of the year), matched against
/// acquisitions up to `horizon` (30 days later).
pub(super) fn gains(
    input: &TaxInput,
    decimals: &BTreeMap<String, u8>,
    end: Date,
    horizon: Date,
    price: &dyn Fn(i64, &str) -> U256,
) -> Result<Vec<GainRow>> {
    let tokens: BTreeSet<&str> = input
        .receipts
        .iter()
        .map(|r| r.token.as_str())
        .chain(input.disposals.iter().map(|d| d.token.as_str()))
        .collect();
    let mut rows = Vec::new();
    for token in tokens {
        let dec = decimals.get(token).copied();
        let mut acq: BTreeMap<Date, Holding> = BTreeMap::new();
        for r in input.receipts.iter().filter(|r| r.token == token) {
            let day = day_of(r.time);
            if day > horizon {
                continue;
            }
            let cost = if r.bounty || r.kind == ReceiptKind::Buy {
                value_of(r.amount, r.decimals, price(r.time, token))
                    .ok_or_else(|| overflow(&r.location))?
            } else {
                U256::ZERO
            };
            let h = acq.entry(day).or_default();
            h.qty += r.amount;
            h.cost += cost;
        }
        let mut days: BTreeMap<Date, Day<'_>> = BTreeMap::new();
        for d in input.disposals.iter().filter(|d| d.token == token) {
            let day = day_of(d.time);
            if day > horizon {
                continue;
            }
            let Some(dec) = dec else {
                return Err(oversold(d, d.amount, None));
            };
            let proceeds = match d.proceeds {
                Some(p) => p,
                None => value_of(d.amount, dec, price(d.time, token))
                    .ok_or_else(|| overflow(&d.location))?,
            };
            let e = days.entry(day).or_insert(Day {
                first: d,
                qty: U256::ZERO,
                proceeds: U256::ZERO,
                left: U256::ZERO,
                matches: Vec::new(),
            });
            e.qty += d.amount;
            e.left += d.amount;
            e.proceeds += proceeds;
        }
        // Same day.
        for (day, d) in days.iter_mut() {
            if let Some(h) = acq.get_mut(day) {
                let q = d.left.min(h.qty);
                if !q.is_zero() {
                    let cost = h.take(q);
                    d.left -= q;
                    d.matches.push((q, cost, ymd(*day), "same-day"));
                }
            }
        }
        // The next 30 days ("bed and breakfasting").
        for (day, d) in days.iter_mut() {
            let last = day.saturating_add(time::Duration::days(30));
            for (aday, h) in acq.range_mut(day.next_day().unwrap_or(Date::MAX)..=last) {
                let q = d.left.min(h.qty);
                if !q.is_zero() {
                    let cost = h.take(q);
                    d.left -= q;
                    d.matches.push((q, cost, ymd(*aday), "30-day"));
                }
            }
        }
        // The section 104 pool, in time order.
        let mut pool = Holding::default();
        let all: BTreeSet<Date> = acq.keys().chain(days.keys()).copied().collect();
        for day in all {
            // Disposals after the year are read only for the same-day rule, which can take
            // acquisitions an earlier disposal's 30 days would reach; their own matching is
            // next year's (and may need acquisitions past the horizon).
            if day > end {
                break;
            }
            if let Some(h) = acq.get(&day) {
                pool.qty += h.qty;
                pool.cost += h.cost;
            }
            if let Some(d) = days.get_mut(&day) {
                if d.left > pool.qty {
                    let whole = Disposal {
                        amount: d.qty,
                        ..d.first.clone()
                    };
                    return Err(oversold(&whole, d.left - pool.qty, dec));
                }
                if !d.left.is_zero() {
                    let cost = pool.take(d.left);
                    d.matches.push((d.left, cost, "VARIOUS".into(), "s104"));
                    d.left = U256::ZERO;
                }
            }
        }
        for (day, d) in days {
            let qs: Vec<U256> = d.matches.iter().map(|m| m.0).collect();
            for ((q, cost, acquired, term), share) in
                d.matches.into_iter().zip(split(d.proceeds, &qs))
            {
                rows.push(GainRow {
                    token: token.to_owned(),
                    amount: q,
                    decimals: dec.unwrap_or(0),
                    acquired,
                    sold: ymd(day),
                    proceeds: share,
                    cost,
                    term,
                });
            }
        }
    }
    rows.sort_by(|a, b| (&a.sold, &a.token).cmp(&(&b.sold, &b.token)));
    Ok(rows)
}
