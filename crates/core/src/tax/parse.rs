//! The three input files of `airdrop tax`, parsed strictly: an exact header, every field
//! checked, every error naming `file:line` with the bad value and a hint.

use super::{
    Disposal, Prices, Receipt, ReceiptKind, FIAT_DECIMALS, MAX_TOKEN_DECIMALS, PRICE_DECIMALS,
};
use crate::error::{CoreError, Result};
use crate::units::{parse_decimal, parse_integer, parse_timestamp};
use airdrop_merkle::address::shown;

/// Header of the events file.
pub(super) const EVENTS_HEADER: [&str; 7] = [
    "time", "token", "amount", "decimals", "kind", "campaign", "bounty",
];
/// Header of the prices file.
pub(super) const PRICES_HEADER: [&str; 3] = ["date", "token", "price"];
/// Header of the disposals file.
pub(super) const DISPOSALS_HEADER: [&str; 4] = ["time", "token", "amount", "proceeds"];

fn records(data: &[u8], file: &str, header: &[&str]) -> Result<Vec<(String, csv::StringRecord)>> {
    let bad = |line: u64, detail: String| CoreError::Source {
        location: format!("{file}:{line}"),
        detail,
    };
    // The key guard over the whole file first: token and campaign cells are free text that
    // reaches the outputs, and the header is quoted when it is wrong.
    if let Err((line, e)) = airdrop_merkle::guard::guard_lines(&String::from_utf8_lossy(data)) {
        return Err(bad(line as u64, e.to_string()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(data);
    let got = reader
        .headers()
        .map_err(|e| bad(1, format!("unreadable header: {e}")))?
        .clone();
    if got.iter().collect::<Vec<_>>() != header {
        return Err(bad(
            1,
            format!(
                "header is {:?}; write exactly {:?}",
                got.iter().collect::<Vec<_>>().join(","),
                header.join(",")
            ),
        ));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            bad(
                line,
                format!("{e}; every row needs {} fields", header.len()),
            )
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        out.push((format!("{file}:{line}"), record));
    }
    Ok(out)
}

fn field(record: &csv::StringRecord, i: usize) -> &str {
    record.get(i).unwrap_or("")
}

fn bad(location: &str, detail: String) -> CoreError {
    CoreError::Source {
        location: location.to_owned(),
        detail,
    }
}

fn token(location: &str, text: &str) -> Result<String> {
    if text.is_empty() || text.len() > 64 || text.chars().any(|c| c.is_control() || c == ',') {
        return Err(bad(
            location,
            format!(
                "token {} is not a token name; write its symbol or address as the prices file does",
                shown(text)
            ),
        ));
    }
    Ok(text.to_owned())
}

fn time(location: &str, text: &str) -> Result<i64> {
    parse_timestamp(text).map_err(|e| bad(location, format!("time: {e}")))
}

/// Parses the events file: `time,token,amount,decimals,kind,campaign,bounty` with time in
/// RFC 3339 UTC, amount in base units, kind one of `claim|push|vested|transfer-in|buy`, bounty
/// `true|false`.
pub fn parse_events(data: &[u8], file: &str) -> Result<Vec<Receipt>> {
    let mut out = Vec::new();
    for (location, r) in records(data, file, &EVENTS_HEADER)? {
        let decimals: u8 = field(&r, 3)
            .parse()
            .ok()
            .filter(|d| *d <= MAX_TOKEN_DECIMALS)
            .ok_or_else(|| {
                bad(
                    &location,
                    format!(
                        "decimals {} is not a whole number from 0 to {MAX_TOKEN_DECIMALS}",
                        shown(field(&r, 3))
                    ),
                )
            })?;
        let kind = match field(&r, 4) {
            "claim" => ReceiptKind::Claim,
            "push" => ReceiptKind::Push,
            "vested" => ReceiptKind::Vested,
            "transfer-in" => ReceiptKind::TransferIn,
            "buy" => ReceiptKind::Buy,
            other => {
                return Err(bad(
                    &location,
                    format!(
                        "kind {} is unknown; use claim, push, vested, transfer-in or buy",
                        shown(other)
                    ),
                ))
            }
        };
        let bounty = match field(&r, 6) {
            "true" => true,
            "false" | "" => false,
            other => {
                return Err(bad(
                    &location,
                    format!("bounty {} is not true or false", shown(other)),
                ))
            }
        };
        let amount =
            parse_integer(field(&r, 2)).map_err(|e| bad(&location, format!("amount: {e}")))?;
        if amount.is_zero() {
            return Err(bad(&location, "amount is 0; leave the row out".into()));
        }
        out.push(Receipt {
            time: time(&location, field(&r, 0))?,
            token: token(&location, field(&r, 1))?,
            amount,
            decimals,
            kind,
            campaign: field(&r, 5).to_owned(),
            bounty,
            location,
        });
    }
    Ok(out)
}

/// Parses the prices file: `date,token,price` with date `YYYY-MM-DD` (UTC) and the fiat price
/// of one whole token as a decimal of at most 18 decimals. A repeated (date, token) is an error.
pub fn parse_prices(data: &[u8], file: &str) -> Result<Prices> {
    let mut out = Prices::new();
    for (location, r) in records(data, file, &PRICES_HEADER)? {
        let date = field(&r, 0);
        let ok = date.len() == 10 && parse_timestamp(&format!("{date}T00:00:00Z")).is_ok();
        if !ok {
            return Err(bad(
                &location,
                format!("date {} is not a date; write YYYY-MM-DD (UTC)", shown(date)),
            ));
        }
        let price = parse_decimal(field(&r, 2), PRICE_DECIMALS)
            .map_err(|e| bad(&location, format!("price: {e}")))?;
        let key = (date.to_owned(), token(&location, field(&r, 1))?);
        if out.insert(key.clone(), price).is_some() {
            return Err(bad(
                &location,
                format!("a second price for {} on {}; keep one", key.1, key.0),
            ));
        }
    }
    Ok(out)
}

/// Parses the disposals file: `time,token,amount,proceeds` with amount in base units and
/// proceeds the fiat received as a decimal, or empty for market value from the prices file.
pub fn parse_disposals(data: &[u8], file: &str) -> Result<Vec<Disposal>> {
    let mut out = Vec::new();
    for (location, r) in records(data, file, &DISPOSALS_HEADER)? {
        let amount =
            parse_integer(field(&r, 2)).map_err(|e| bad(&location, format!("amount: {e}")))?;
        if amount.is_zero() {
            return Err(bad(&location, "amount is 0; leave the row out".into()));
        }
        let proceeds = match field(&r, 3) {
            "" => None,
            text => Some(
                parse_decimal(text, FIAT_DECIMALS)
                    .map_err(|e| bad(&location, format!("proceeds: {e}")))?,
            ),
        };
        out.push(Disposal {
            time: time(&location, field(&r, 0))?,
            token: token(&location, field(&r, 1))?,
            amount,
            proceeds,
            location,
        });
    }
    Ok(out)
}
