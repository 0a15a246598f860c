//! Taxes of the tokens an address received: each receipt is a lot, disposals consume lots,
//! and the result is income rows and gain rows for one tax year (US or UK rules).
//!
//! Pure computation: the caller reads the events, prices and disposals files and hands the
//! bytes in ([`parse_events`], [`parse_prices`], [`parse_disposals`]); [`compute`] matches and
//! [`report`] renders. Token amounts are base units ([`U256`]); fiat amounts are integers at
//! [`FIAT_DECIMALS`] decimals, exact for any price of up to 18 decimals times any token amount
//! of up to 18 decimals, and rounded to cents only when written.
//! Sources: Rev. Rul. 2019-24 (US), HMRC CRYPTO21250 and CG51560 (UK). Not tax advice.

mod matching;
mod parse;
pub mod report;
mod uk;

pub use matching::compute;
pub use parse::{parse_disposals, parse_events, parse_prices};

use alloy_primitives::U256;
use std::collections::BTreeMap;

/// Decimals of every fiat amount kept internally (prices are read at [`PRICE_DECIMALS`]).
pub const FIAT_DECIMALS: u8 = 36;
/// Decimals a price may have.
pub const PRICE_DECIMALS: u8 = 18;
/// Decimals a token may have (so that amount × price is exact at [`FIAT_DECIMALS`]).
pub const MAX_TOKEN_DECIMALS: u8 = 18;

/// Whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jurisdiction {
    /// United States: calendar tax year, income at receipt, lots matched by a chosen method.
    Us,
    /// United Kingdom: 6 April – 5 April, same-day, 30-day and section 104 matching.
    Uk,
}

impl Jurisdiction {
    /// `us` or `uk`.
    pub fn name(self) -> &'static str {
        match self {
            Jurisdiction::Us => "us",
            Jurisdiction::Uk => "uk",
        }
    }
}

/// Which lot a US disposal consumes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The earliest received lot.
    Fifo,
    /// The latest received lot (received no later than the sale).
    Lifo,
    /// The lot with the highest cost per unit (earliest among equals).
    Hifo,
}

impl Method {
    /// `fifo`, `lifo` or `hifo`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Fifo => "fifo",
            Method::Lifo => "lifo",
            Method::Hifo => "hifo",
        }
    }

    /// Parses `fifo`, `lifo` or `hifo`.
    pub fn parse(text: &str) -> Result<Method, String> {
        match text {
            "fifo" => Ok(Method::Fifo),
            "lifo" => Ok(Method::Lifo),
            "hifo" => Ok(Method::Hifo),
            other => Err(format!("unknown method {other:?}; use fifo, lifo or hifo")),
        }
    }
}

/// How a token arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptKind {
    /// Claimed from a distributor.
    Claim,
    /// Pushed by a sender.
    Push,
    /// One vested part of a claim.
    Vested,
    /// Any other transfer in from a distributor or sender.
    TransferIn,
    /// Bought: a lot at market value, not income.
    Buy,
}

impl ReceiptKind {
    /// The name the events file uses.
    pub fn name(self) -> &'static str {
        match self {
            ReceiptKind::Claim => "claim",
            ReceiptKind::Push => "push",
            ReceiptKind::Vested => "vested",
            ReceiptKind::TransferIn => "transfer-in",
            ReceiptKind::Buy => "buy",
        }
    }
}

/// One receipt of tokens (a row of the events file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Unix seconds, UTC.
    pub time: i64,
    /// Token name as the prices file names it (a symbol or an address).
    pub token: String,
    /// Base units received.
    pub amount: U256,
    /// The token's decimals.
    pub decimals: u8,
    /// How it arrived.
    pub kind: ReceiptKind,
    /// The campaign it came from (free text).
    pub campaign: String,
    /// Received for doing something (a bounty): income in the UK too.
    pub bounty: bool,
    /// `file:line`, for messages.
    pub location: String,
}

/// One disposal (a row of the disposals file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposal {
    /// Unix seconds, UTC.
    pub time: i64,
    /// Token name.
    pub token: String,
    /// Base units disposed of.
    pub amount: U256,
    /// What it fetched, at [`FIAT_DECIMALS`]; `None` means market value from the prices.
    pub proceeds: Option<U256>,
    /// `file:line`, for messages.
    pub location: String,
}

/// Fiat prices per whole token, by UTC day (`YYYY-MM-DD`) and token, at [`PRICE_DECIMALS`].
pub type Prices = BTreeMap<(String, String), U256>;

/// Everything [`compute`] needs.
#[derive(Debug, Clone)]
pub struct TaxInput {
    /// Receipts, any order.
    pub receipts: Vec<Receipt>,
    /// Disposals, any order.
    pub disposals: Vec<Disposal>,
    /// Prices.
    pub prices: Prices,
    /// Whose rules.
    pub jurisdiction: Jurisdiction,
    /// US lot method (`None` for the UK, whose order is fixed by law).
    pub method: Option<Method>,
    /// The tax year: calendar year (US) or the year it starts on 6 April (UK, 2025 = 2025/26).
    pub year: i32,
}

/// Income of one receipt in the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeRow {
    /// UTC date received.
    pub date: String,
    /// Token.
    pub token: String,
    /// Base units.
    pub amount: U256,
    /// Decimals of the token.
    pub decimals: u8,
    /// Kind of receipt.
    pub kind: ReceiptKind,
    /// Campaign.
    pub campaign: String,
    /// Price per token that day, at [`PRICE_DECIMALS`].
    pub price: U256,
    /// Income, at [`FIAT_DECIMALS`].
    pub value: U256,
}

/// One matched part of a disposal (a Form 8949 line; a UK matching-rule line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GainRow {
    /// Token.
    pub token: String,
    /// Base units matched.
    pub amount: U256,
    /// Decimals of the token.
    pub decimals: u8,
    /// UTC date acquired (`VARIOUS` for the UK section 104 pool).
    pub acquired: String,
    /// UTC date sold.
    pub sold: String,
    /// Proceeds of this part, at [`FIAT_DECIMALS`].
    pub proceeds: U256,
    /// Cost basis (allowable cost), at [`FIAT_DECIMALS`].
    pub cost: U256,
    /// `short` / `long` (US) or `same-day` / `30-day` / `s104` (UK).
    pub term: &'static str,
}

/// The computed year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxReport {
    /// Whose rules.
    pub jurisdiction: Jurisdiction,
    /// US method.
    pub method: Option<Method>,
    /// Tax year as given.
    pub year: i32,
    /// First day of the tax year.
    pub start: String,
    /// Last day of the tax year.
    pub end: String,
    /// Income rows in the year, by date.
    pub income: Vec<IncomeRow>,
    /// Gain rows in the year, by date sold.
    pub gains: Vec<GainRow>,
}

/// The UTC calendar date of Unix seconds.
pub(crate) fn day_of(time: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(time)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

/// `YYYY-MM-DD`.
pub(crate) fn ymd(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Unix seconds as RFC 3339 UTC (`2025-05-01T08:00:00Z`), the events file's time format.
pub fn rfc3339(time: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(time).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        ymd(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// First and last day of tax year `year`.
pub(crate) fn year_bounds(
    jurisdiction: Jurisdiction,
    year: i32,
) -> Option<(time::Date, time::Date)> {
    use time::{Date, Month};
    match jurisdiction {
        Jurisdiction::Us => Some((
            Date::from_calendar_date(year, Month::January, 1).ok()?,
            Date::from_calendar_date(year, Month::December, 31).ok()?,
        )),
        Jurisdiction::Uk => Some((
            Date::from_calendar_date(year, Month::April, 6).ok()?,
            Date::from_calendar_date(year.checked_add(1)?, Month::April, 5).ok()?,
        )),
    }
}

/// Fiat value at [`FIAT_DECIMALS`] of `amount` base units at `price` per whole token: exact,
/// since `decimals ≤ 18` and the price has 18 decimals. `None` on overflow.
pub(crate) fn value_of(amount: U256, decimals: u8, price: U256) -> Option<U256> {
    let scale = crate::units::pow10(u32::from(
        MAX_TOKEN_DECIMALS - decimals.min(MAX_TOKEN_DECIMALS),
    ))?;
    amount.checked_mul(price)?.checked_mul(scale)
}

/// `a · b / c`, rounded down, through 512 bits (`None` when `c` is zero or it does not fit).
pub(crate) fn mul_div(a: U256, b: U256, c: U256) -> Option<U256> {
    if c.is_zero() {
        return None;
    }
    let q = crate::math::wide(a) * crate::math::wide(b) / crate::math::wide(c);
    (q.bit_len() <= 256).then(|| crate::math::narrow(q))
}

/// Splits `total` over `parts` in proportion to their sizes: each share rounded down, the last
/// one taking the remainder, so the shares add up to `total` exactly.
pub(crate) fn split(total: U256, parts: &[U256]) -> Vec<U256> {
    let whole = parts.iter().fold(U256::ZERO, |a, p| a.saturating_add(*p));
    let mut out = Vec::with_capacity(parts.len());
    let mut left = total;
    for (i, p) in parts.iter().enumerate() {
        let share = if i + 1 == parts.len() {
            left
        } else {
            mul_div(total, *p, whole).unwrap_or(U256::ZERO).min(left)
        };
        left -= share;
        out.push(share);
    }
    out
}

/// A fiat amount at [`FIAT_DECIMALS`] rounded to cents (half up: amounts here are never
/// negative), as an integer number of cents.
pub fn cents(value: U256) -> U256 {
    let unit = crate::units::pow10(u32::from(FIAT_DECIMALS) - 2).unwrap_or(U256::MAX);
    let (q, r) = value.div_rem(unit);
    if r >= unit / U256::from(2u8) + (unit % U256::from(2u8)) {
        q + U256::from(1u8)
    } else {
        q
    }
}

#[cfg(test)]
mod tests;
