//! Checks the inputs (one decimals per token, every needed price present) and matches
//! disposals to lots: US by the chosen method here, UK in [`super::uk`].

use super::{
    day_of, split, value_of, year_bounds, ymd, Disposal, GainRow, IncomeRow, Jurisdiction, Method,
    ReceiptKind, TaxInput, TaxReport,
};
use crate::error::{CoreError, Result};
use crate::units::format_units;
use alloy_primitives::U256;
use std::collections::{BTreeMap, BTreeSet};

/// Computes the tax year of `input`: income rows and gain rows, or the first reason it cannot
/// (a missing price lists every missing one; a sale of more than was held names the sale).
pub fn compute(input: &TaxInput) -> Result<TaxReport> {
    let (start, end) = year_bounds(input.jurisdiction, input.year).ok_or_else(|| {
        CoreError::Tax(format!(
            "tax year {} is out of range; write a year such as 2025",
            input.year
        ))
    })?;
    let decimals = token_decimals(input)?;
    // UK disposals look 30 days ahead for acquisitions, so events that far past the year count.
    let horizon = match input.jurisdiction {
        Jurisdiction::Us => end,
        Jurisdiction::Uk => end.saturating_add(time::Duration::days(30)),
    };
    check_prices(input, horizon)?;
    let price = |time: i64, token: &str| {
        input
            .prices
            .get(&(ymd(day_of(time)), token.to_owned()))
            .copied()
            .unwrap_or(U256::ZERO)
    };
    let in_year = |time: i64| (start..=end).contains(&day_of(time));
    let mut income = Vec::new();
    for r in &input.receipts {
        let taxed = match input.jurisdiction {
            Jurisdiction::Us => r.kind != ReceiptKind::Buy,
            Jurisdiction::Uk => r.kind != ReceiptKind::Buy && r.bounty,
        };
        if taxed && in_year(r.time) {
            let p = price(r.time, &r.token);
            income.push(IncomeRow {
                date: ymd(day_of(r.time)),
                token: r.token.clone(),
                amount: r.amount,
                decimals: r.decimals,
                kind: r.kind,
                campaign: r.campaign.clone(),
                price: p,
                value: value_of(r.amount, r.decimals, p).ok_or_else(|| overflow(&r.location))?,
            });
        }
    }
    income.sort_by(|a, b| (&a.date, &a.token).cmp(&(&b.date, &b.token)));
    let mut gains = match input.jurisdiction {
        Jurisdiction::Us => {
            let method = input.method.ok_or_else(|| {
                CoreError::Tax("US taxes need --method fifo, lifo or hifo".into())
            })?;
            us_gains(input, method, &decimals, end, &price)?
        }
        Jurisdiction::Uk => super::uk::gains(input, &decimals, end, horizon, &price)?,
    };
    gains
        .retain(|g| g.sold.as_str() >= ymd(start).as_str() && g.sold.as_str() <= ymd(end).as_str());
    Ok(TaxReport {
        jurisdiction: input.jurisdiction,
        method: input.method,
        year: input.year,
        start: ymd(start),
        end: ymd(end),
        income,
        gains,
    })
}

pub(super) fn overflow(location: &str) -> CoreError {
    CoreError::Tax(format!(
        "{location}: the fiat value does not fit 256 bits; check the amount and price"
    ))
}

/// Each token's decimals, which every receipt of it must agree on.
fn token_decimals(input: &TaxInput) -> Result<BTreeMap<String, u8>> {
    let mut out: BTreeMap<String, (u8, &str)> = BTreeMap::new();
    for r in &input.receipts {
        match out.get(&r.token) {
            Some((d, first)) if *d != r.decimals => {
                return Err(CoreError::Tax(format!(
                    "{}: {} has {} decimals here but {d} at {first}; one token has one decimals",
                    r.location, r.token, r.decimals
                )))
            }
            Some(_) => {}
            None => {
                out.insert(r.token.clone(), (r.decimals, &r.location));
            }
        }
    }
    Ok(out.into_iter().map(|(t, (d, _))| (t, d)).collect())
}

/// Every (date, token) a value is needed for up to `horizon` must have a price; the error
/// lists all that are missing, never guessing one.
fn check_prices(input: &TaxInput, horizon: time::Date) -> Result<()> {
    let mut missing = BTreeSet::new();
    let mut need = |time: i64, token: &str| {
        let day = day_of(time);
        let key = (ymd(day), token.to_owned());
        if day <= horizon && !input.prices.contains_key(&key) {
            missing.insert(key);
        }
    };
    for r in &input.receipts {
        let valued = match input.jurisdiction {
            Jurisdiction::Us => true,
            Jurisdiction::Uk => r.bounty || r.kind == ReceiptKind::Buy,
        };
        if valued {
            need(r.time, &r.token);
        }
    }
    for d in input.disposals.iter().filter(|d| d.proceeds.is_none()) {
        need(d.time, &d.token);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = missing.iter().map(|(d, t)| format!("{d} {t}")).collect();
    Err(CoreError::Tax(format!(
        "no price for {} (date, token) pair(s): {}; add a row `date,token,price` for each to the prices file",
        list.len(),
        list.join(", ")
    )))
}

/// The error for a disposal of `short` base units more than was held.
pub(super) fn oversold(d: &Disposal, short: U256, decimals: Option<u8>) -> CoreError {
    let show = |v: U256| match decimals {
        Some(dec) => format_units(v, dec),
        None => format!("{v} base units"),
    };
    CoreError::Tax(format!(
        "{}: sale on {} of {} {} is more than was held then: short by {} {}; add the missing receipt to the events file or correct the sale",
        d.location,
        ymd(day_of(d.time)),
        show(d.amount),
        d.token,
        show(short),
        d.token
    ))
}

struct Lot {
    time: i64,
    left: U256,
    price: U256,
}

/// A token's lots in the order they were received, with what each method needs to find its
/// next lot without scanning spent ones: a front index (FIFO), the end of the list (LIFO, spent
/// lots popped), a max-heap by price, then earliest (HIFO, spent lots dropped when on top).
#[derive(Default)]
struct Open {
    lots: Vec<Lot>,
    front: usize,
    heap: std::collections::BinaryHeap<(U256, std::cmp::Reverse<(i64, usize)>)>,
}

impl Open {
    fn push(&mut self, lot: Lot) {
        self.heap
            .push((lot.price, std::cmp::Reverse((lot.time, self.lots.len()))));
        self.lots.push(lot);
    }

    /// The lot `method` consumes next (all were received no later than the sale, since lots
    /// are added in time order).
    fn pick(&mut self, method: Method) -> Option<&mut Lot> {
        match method {
            Method::Fifo => {
                while self.lots.get(self.front).is_some_and(|l| l.left.is_zero()) {
                    self.front += 1;
                }
                self.lots.get_mut(self.front)
            }
            Method::Lifo => {
                while self.lots.last().is_some_and(|l| l.left.is_zero()) {
                    self.lots.pop();
                }
                self.lots.last_mut()
            }
            Method::Hifo => {
                while let Some((_, std::cmp::Reverse((_, i)))) = self.heap.peek() {
                    if self.lots.get(*i).is_some_and(|l| !l.left.is_zero()) {
                        let i = *i;
                        return self.lots.get_mut(i);
                    }
                    self.heap.pop();
                }
                None
            }
        }
    }
}

/// US: lots are receipts at their market value; each disposal consumes lots received no later
/// than it by `method`.
fn us_gains(
    input: &TaxInput,
    method: Method,
    decimals: &BTreeMap<String, u8>,
    end: time::Date,
    price: &dyn Fn(i64, &str) -> U256,
) -> Result<Vec<GainRow>> {
    // Receipts before disposals at the same second: a token can be sold the moment it arrives.
    let mut order: Vec<(i64, u8, usize)> = Vec::new();
    order.extend(
        input
            .receipts
            .iter()
            .enumerate()
            .map(|(i, r)| (r.time, 0, i)),
    );
    order.extend(
        input
            .disposals
            .iter()
            .enumerate()
            .map(|(i, d)| (d.time, 1, i)),
    );
    order.sort();
    let mut lots: BTreeMap<&str, Open> = BTreeMap::new();
    let mut rows = Vec::new();
    for (time, kind, i) in order {
        if day_of(time) > end {
            break;
        }
        if kind == 0 {
            let r = &input.receipts[i];
            lots.entry(&r.token).or_default().push(Lot {
                time,
                left: r.amount,
                price: price(time, &r.token),
            });
            continue;
        }
        let d = &input.disposals[i];
        let dec = decimals.get(&d.token).copied();
        let held = lots.get_mut(d.token.as_str());
        let Some((held, dec)) = held.zip(dec) else {
            return Err(oversold(d, d.amount, dec));
        };
        let mut need = d.amount;
        let mut parts = Vec::new();
        while !need.is_zero() {
            let Some(lot) = held.pick(method) else {
                return Err(oversold(d, need, Some(dec)));
            };
            let q = need.min(lot.left);
            lot.left -= q;
            need -= q;
            let cost = value_of(q, dec, lot.price).ok_or_else(|| overflow(&d.location))?;
            parts.push((q, cost, day_of(lot.time)));
        }
        let proceeds = match d.proceeds {
            Some(p) => p,
            None => value_of(d.amount, dec, price(d.time, &d.token))
                .ok_or_else(|| overflow(&d.location))?,
        };
        let qs: Vec<U256> = parts.iter().map(|p| p.0).collect();
        let sold = day_of(d.time);
        for ((q, cost, acquired), share) in parts.into_iter().zip(split(proceeds, &qs)) {
            rows.push(GainRow {
                token: d.token.clone(),
                amount: q,
                decimals: dec,
                acquired: ymd(acquired),
                sold: ymd(sold),
                proceeds: share,
                cost,
                term: if sold > anniversary(acquired) {
                    "long"
                } else {
                    "short"
                },
            });
        }
    }
    Ok(rows)
}

/// One year after `date`: a lot is long-term when sold after this day (held more than one
/// year). A lot received on 29 February turns a year old on 28 February.
pub(super) fn anniversary(date: time::Date) -> time::Date {
    let next = date.year().saturating_add(1);
    date.replace_year(next)
        .or_else(|_| date.replace_day(28).and_then(|d| d.replace_year(next)))
        .unwrap_or(time::Date::MAX)
}
