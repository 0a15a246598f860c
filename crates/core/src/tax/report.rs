//! The files of a computed tax year: a Form-8949-style gains CSV, an income CSV, a text
//! summary and a JSON of everything. Each line's fiat amounts are rounded to cents half up;
//! a line's gain is its rounded proceeds minus its rounded cost, and totals add rounded lines,
//! so every figure shown can be re-added by hand. The JSON also keeps the exact values.

use super::{cents, GainRow, Jurisdiction, TaxReport, FIAT_DECIMALS, PRICE_DECIMALS};
use crate::units::format_units;
use alloy_primitives::U256;
use std::collections::BTreeMap;

/// Format tag of `tax.json`, which also marks an output folder as written by `airdrop tax`.
pub const FORMAT: &str = "airdrop-tax/1";

/// Cents as `123.45`.
fn money(cents: U256) -> String {
    let s = format_units(cents, 2);
    match s.split_once('.') {
        Some((i, f)) => format!("{i}.{f:0<2}"),
        None => format!("{s}.00"),
    }
}

/// `a − b` of two cent amounts, with a sign when negative.
fn signed(a: U256, b: U256) -> String {
    if a >= b {
        money(a - b)
    } else {
        format!("-{}", money(b - a))
    }
}

fn description(g: &GainRow) -> String {
    format!("{} {}", format_units(g.amount, g.decimals), g.token)
}

/// Totals of rounded lines: proceeds, cost, gains and losses.
#[derive(Default, Clone, Copy)]
struct Totals {
    proceeds: U256,
    cost: U256,
    gains: U256,
    losses: U256,
}

impl Totals {
    fn add(&mut self, g: &GainRow) {
        let (p, c) = (cents(g.proceeds), cents(g.cost));
        self.proceeds += p;
        self.cost += c;
        if p >= c {
            self.gains += p - c;
        } else {
            self.losses += c - p;
        }
    }
}

fn totals(report: &TaxReport) -> (Totals, BTreeMap<&'static str, Totals>) {
    let mut all = Totals::default();
    let mut by = BTreeMap::new();
    for g in &report.gains {
        all.add(g);
        by.entry(g.term).or_insert_with(Totals::default).add(g);
    }
    (all, by)
}

fn income_total(report: &TaxReport) -> U256 {
    report
        .income
        .iter()
        .map(|i| cents(i.value))
        .fold(U256::ZERO, |a, b| a + b)
}

/// `gains.csv`: `description,date_acquired,date_sold,proceeds,cost_basis,gain,term`.
pub fn gains_csv(report: &TaxReport) -> String {
    let mut out =
        String::from("description,date_acquired,date_sold,proceeds,cost_basis,gain,term\n");
    for g in &report.gains {
        let (p, c) = (cents(g.proceeds), cents(g.cost));
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            description(g),
            g.acquired,
            g.sold,
            money(p),
            money(c),
            signed(p, c),
            g.term
        ));
    }
    out
}

/// `income.csv`: `date,token,amount,kind,campaign,price,income`.
pub fn income_csv(report: &TaxReport) -> String {
    let mut out = String::from("date,token,amount,kind,campaign,price,income\n");
    for i in &report.income {
        let campaign = if i.campaign.contains([',', '"', '\n']) {
            format!("\"{}\"", i.campaign.replace('"', "\"\""))
        } else {
            i.campaign.clone()
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            i.date,
            i.token,
            format_units(i.amount, i.decimals),
            i.kind.name(),
            campaign,
            format_units(i.price, PRICE_DECIMALS),
            money(cents(i.value))
        ));
    }
    out
}

/// `summary.txt`: the year's totals in a few lines.
pub fn summary(report: &TaxReport, address: &str) -> String {
    let (all, by) = totals(report);
    let rules = match (report.jurisdiction, report.method) {
        (Jurisdiction::Us, Some(m)) => format!("US rules, {} lots", m.name()),
        _ => "UK rules (same day, 30 days, section 104 pool)".to_owned(),
    };
    let mut out = format!(
        "Tax year {} ({} to {}), {rules}, address {address}\n",
        report.year, report.start, report.end
    );
    out.push_str(&format!(
        "Income: {} receipt(s), {}\n",
        report.income.len(),
        money(income_total(report))
    ));
    out.push_str(&format!(
        "Disposals: {} line(s), proceeds {}, cost basis {}, gains {}, losses {}, net {}\n",
        report.gains.len(),
        money(all.proceeds),
        money(all.cost),
        money(all.gains),
        money(all.losses),
        signed(all.gains, all.losses)
    ));
    for (term, t) in &by {
        out.push_str(&format!(
            "  {term}: proceeds {}, cost basis {}, net {}\n",
            money(t.proceeds),
            money(t.cost),
            signed(t.gains, t.losses)
        ));
    }
    out.push_str(
        "Fiat amounts are in the currency of the prices file, each line rounded to cents half up.\n\
         This is arithmetic on the files given, not tax advice.\n",
    );
    out
}

#[derive(serde::Serialize)]
struct IncomeJson<'a> {
    date: &'a str,
    token: &'a str,
    amount: String,
    decimals: u8,
    kind: &'static str,
    campaign: &'a str,
    price: String,
    income: String,
    income_exact: String,
}

#[derive(serde::Serialize)]
struct GainJson<'a> {
    description: String,
    token: &'a str,
    amount: String,
    date_acquired: &'a str,
    date_sold: &'a str,
    proceeds: String,
    cost_basis: String,
    gain: String,
    proceeds_exact: String,
    cost_basis_exact: String,
    term: &'static str,
}

#[derive(serde::Serialize)]
struct TotalsJson {
    proceeds: String,
    cost_basis: String,
    gains: String,
    losses: String,
    net: String,
}

impl From<&Totals> for TotalsJson {
    fn from(t: &Totals) -> Self {
        TotalsJson {
            proceeds: money(t.proceeds),
            cost_basis: money(t.cost),
            gains: money(t.gains),
            losses: money(t.losses),
            net: signed(t.gains, t.losses),
        }
    }
}

#[derive(serde::Serialize)]
struct ReportJson<'a> {
    format: &'static str,
    address: &'a str,
    jurisdiction: &'static str,
    method: Option<&'static str>,
    year: i32,
    start: &'a str,
    end: &'a str,
    income: Vec<IncomeJson<'a>>,
    income_total: String,
    gains: Vec<GainJson<'a>>,
    totals: TotalsJson,
    totals_by_term: BTreeMap<&'static str, TotalsJson>,
}

/// `tax.json`: everything, with exact values beside the rounded ones.
pub fn json(report: &TaxReport, address: &str) -> String {
    let (all, by) = totals(report);
    let exact = |v: U256| format_units(v, FIAT_DECIMALS);
    let income = report
        .income
        .iter()
        .map(|i| IncomeJson {
            date: &i.date,
            token: &i.token,
            amount: i.amount.to_string(),
            decimals: i.decimals,
            kind: i.kind.name(),
            campaign: &i.campaign,
            price: format_units(i.price, PRICE_DECIMALS),
            income: money(cents(i.value)),
            income_exact: exact(i.value),
        })
        .collect();
    let gains = report
        .gains
        .iter()
        .map(|g| {
            let (p, c) = (cents(g.proceeds), cents(g.cost));
            GainJson {
                description: description(g),
                token: &g.token,
                amount: g.amount.to_string(),
                date_acquired: &g.acquired,
                date_sold: &g.sold,
                proceeds: money(p),
                cost_basis: money(c),
                gain: signed(p, c),
                proceeds_exact: exact(g.proceeds),
                cost_basis_exact: exact(g.cost),
                term: g.term,
            }
        })
        .collect();
    let value = ReportJson {
        format: FORMAT,
        address,
        jurisdiction: report.jurisdiction.name(),
        method: report.method.map(|m| m.name()),
        year: report.year,
        start: &report.start,
        end: &report.end,
        income,
        income_total: money(income_total(report)),
        gains,
        totals: TotalsJson::from(&all),
        totals_by_term: by.iter().map(|(k, t)| (*k, TotalsJson::from(t))).collect(),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
