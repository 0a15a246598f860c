//! Pools: a share of the budget, a source, a rule and its modifiers, and the checks that tie
//! each to its source's columns. How the budget is split across pools is allocation's
//! business (`crate::budget`).

use super::raw::RawPool;
use super::source::{ColumnKind, SourceSpec};
use super::{Ctx, Token};
use crate::error::Result;
use crate::units::{parse_decimal, parse_percent};
use airdrop_merkle::U256;

/// Decimals of a flag multiplier's `factor` (`"1.5"` is fine, `"1.0000001"` is not).
pub const FACTOR_DECIMALS: u8 = 6;

/// How a pool's amount is taken from the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Share {
    /// A percentage of the budget, scaled by 10^18 (100% = 100·10^18).
    Percent(U256),
    /// A fixed amount in base units.
    Fixed(U256),
    /// Whatever the other pools leave.
    Rest,
}

/// How a pro-rata pool turns a value into a weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// The value itself.
    Linear,
    /// Integer square root of the value in base units.
    Sqrt,
    /// `log2(1 + value)` in whole units, 32-bit fixed point (see `math::log2_fixed`).
    Log,
}

impl Weighting {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            Weighting::Linear => "linear",
            Weighting::Sqrt => "sqrt",
            Weighting::Log => "log",
        }
    }
}

/// One step of a tier table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// Lowest score (scaled like the column) that reaches this tier.
    pub min: U256,
    /// Amount paid in base units.
    pub amount: U256,
}

/// How a pool splits its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Equal parts (weighted by multipliers, if any).
    Flat,
    /// In proportion to a column, optionally damped.
    ProRata(Weighting),
    /// A step table from a score to a fixed amount; leftovers are dust.
    Tiers(Vec<Tier>),
    /// A fixed number of base units per whole point; leftovers are dust.
    Points(U256),
}

impl Rule {
    /// The spec name.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Flat => "flat",
            Rule::ProRata(_) => "pro-rata",
            Rule::Tiers(_) => "tiers",
            Rule::Points(_) => "points",
        }
    }

    /// Whether the rule pays fixed amounts (so it may leave dust by design).
    pub fn is_fixed(&self) -> bool {
        matches!(self, Rule::Tiers(_) | Rule::Points(_))
    }
}

/// A factor applied to an address's weight (or fixed amount) in one pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Multiplier {
    /// `factor` (scaled by 10^6) where the flag column is true, ×1 elsewhere.
    Flag {
        /// Column index in the source.
        column: usize,
        /// Factor scaled by 10^[`FACTOR_DECIMALS`].
        factor: U256,
    },
    /// The value of a number column (scaled by the source's decimals).
    Column {
        /// Column index in the source.
        column: usize,
    },
}

/// One pool: a share of the budget, a source, a rule and its modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSpec {
    /// Unique name (defaults to the source's).
    pub name: String,
    /// Index into [`Campaign::sources`].
    pub source: usize,
    /// Share of the budget.
    pub share: Share,
    /// The share as written, for reports.
    pub share_text: String,
    /// Split rule.
    pub rule: Rule,
    /// Column the rule and `min` read (index into the source's columns).
    pub column: Option<usize>,
    /// Entry threshold on `column`, scaled like the column.
    pub min: Option<U256>,
    /// Per-address maximum in this pool, base units.
    pub cap: Option<U256>,
    /// Per-address minimum in this pool, base units; below it an address is dropped.
    pub floor: Option<U256>,
    /// Multipliers, applied in order.
    pub multipliers: Vec<Multiplier>,
}

pub(super) fn pool_spec(
    p: RawPool,
    sources: &[SourceSpec],
    token: &Token,
    cx: &Ctx<'_>,
) -> Result<PoolSpec> {
    let name = p.name.clone().unwrap_or_else(|| p.source.clone());
    let key = |k: &str| format!("pool {name:?}.{k}");
    let source = sources
        .iter()
        .position(|s| s.name == p.source)
        .ok_or_else(|| {
            let names: Vec<_> = sources.iter().map(|s| s.name.as_str()).collect();
            cx.err(
                key("source"),
                format!(
                    "no source named {:?}; defined sources: {}",
                    p.source,
                    names.join(", ")
                ),
            )
        })?;
    let src = &sources[source];
    let (dec, sym) = (token.decimals, token.symbol.as_str());
    let share_text = p.share.trim().to_owned();
    let share = if share_text == "rest" {
        Share::Rest
    } else if share_text.ends_with('%') {
        Share::Percent(parse_percent(&share_text).map_err(|e| cx.err(key("share"), e))?)
    } else {
        Share::Fixed(cx.tokens(&key("share"), &share_text, dec, sym).map_err(|_| {
            cx.err(key("share"), format!("{share_text:?} is not a share; write a percentage (\"30%\"), an amount of whole {sym} at most {dec} decimals (\"250000\"), or \"rest\""))
        })?)
    };
    let column_index = |k: &str, col: &str, want: ColumnKind| -> Result<usize> {
        let i = src.column(col).ok_or_else(|| {
            let names: Vec<_> = src.columns.iter().map(|c| c.name.as_str()).collect();
            cx.err(key(k), format!("source {:?} has no column {col:?}; its columns are: {} (declare more with columns = {{ ... }})", src.name, if names.is_empty() { "none".to_owned() } else { names.join(", ") }))
        })?;
        if src.columns[i].kind != want {
            let want = if want == ColumnKind::Number {
                "number"
            } else {
                "flag"
            };
            return Err(cx.err(
                key(k),
                format!(
                    "column {col:?} of source {:?} is not a {want} column",
                    src.name
                ),
            ));
        }
        Ok(i)
    };
    let column = match &p.column {
        Some(c) => Some(column_index("column", c, ColumnKind::Number)?),
        None => {
            let numbers: Vec<usize> = (0..src.columns.len())
                .filter(|i| src.columns[*i].kind == ColumnKind::Number)
                .collect();
            if numbers.len() == 1 {
                Some(numbers[0])
            } else {
                None
            }
        }
    };
    let scaled = |k: &str, text: &str| -> Result<U256> {
        parse_decimal(text, src.decimals).map_err(|e| {
            cx.err(
                key(k),
                format!(
                    "{e} (source {:?} has decimals = {})",
                    src.name, src.decimals
                ),
            )
        })
    };
    let needs_column = |what: &str| {
        cx.err(key("column"), format!("{what} needs a number column; set column = \"...\" to one of source {:?}'s number columns", src.name))
    };
    let rule_name = p.rule.trim();
    if p.weight.is_some() && rule_name != "pro-rata" {
        return Err(cx.err(
            key("weight"),
            format!("weight applies to pro-rata pools only; this pool's rule is {rule_name:?}"),
        ));
    }
    if p.tiers.is_some() && rule_name != "tiers" {
        return Err(cx.err(
            key("tiers"),
            format!("tiers apply to rule = \"tiers\" only; this pool's rule is {rule_name:?}"),
        ));
    }
    if p.per_point.is_some() && rule_name != "points" {
        return Err(cx.err(
            key("per_point"),
            format!(
                "per_point applies to rule = \"points\" only; this pool's rule is {rule_name:?}"
            ),
        ));
    }
    let rule = match rule_name {
        "flat" => Rule::Flat,
        "pro-rata" => {
            if column.is_none() {
                return Err(needs_column("rule \"pro-rata\""));
            }
            Rule::ProRata(match p.weight.as_deref().unwrap_or("linear") {
                "linear" => Weighting::Linear,
                "sqrt" => Weighting::Sqrt,
                "log" => Weighting::Log,
                other => {
                    return Err(cx.err(
                        key("weight"),
                        format!("unknown weight {other:?}; use linear, sqrt or log"),
                    ))
                }
            })
        }
        "tiers" => {
            if column.is_none() {
                return Err(needs_column("rule \"tiers\""));
            }
            let raw = p.tiers.as_deref().unwrap_or_default();
            if raw.is_empty() {
                return Err(cx.err(
                    key("tiers"),
                    "rule \"tiers\" needs tiers = [{ min = \"...\", amount = \"...\" }, ...]",
                ));
            }
            let mut tiers: Vec<Tier> = Vec::with_capacity(raw.len());
            for (i, t) in raw.iter().enumerate() {
                let min = scaled(&format!("tiers[{i}].min"), &t.min)?;
                let amount = cx.tokens(&key(&format!("tiers[{i}].amount")), &t.amount, dec, sym)?;
                if let Some(prev) = tiers.last() {
                    if min <= prev.min {
                        return Err(cx.err(key(&format!("tiers[{i}].min")), format!("tier minimums must increase; {:?} is not above the previous tier's", t.min)));
                    }
                }
                tiers.push(Tier { min, amount });
            }
            Rule::Tiers(tiers)
        }
        "points" => {
            if column.is_none() {
                return Err(needs_column("rule \"points\""));
            }
            let pp = p.per_point.as_deref().ok_or_else(|| {
                cx.err(
                    key("per_point"),
                    "rule \"points\" needs per_point = \"...\" (whole tokens per point)",
                )
            })?;
            Rule::Points(cx.tokens(&key("per_point"), pp, dec, sym)?)
        }
        other => {
            return Err(cx.err(
                key("rule"),
                format!("unknown rule {other:?}; use flat, pro-rata, tiers or points"),
            ))
        }
    };
    let min = match &p.min {
        Some(t) => {
            if column.is_none() {
                return Err(needs_column("min"));
            }
            Some(scaled("min", t)?)
        }
        None => None,
    };
    let cap = p
        .cap
        .as_deref()
        .map(|t| cx.tokens(&key("cap"), t, dec, sym))
        .transpose()?;
    let floor = p
        .floor
        .as_deref()
        .map(|t| cx.tokens(&key("floor"), t, dec, sym))
        .transpose()?;
    if let (Some(c), Some(f)) = (cap, floor) {
        if c < f {
            return Err(cx.err(key("cap"), format!("cap {:?} is below floor {:?}; nobody could be paid; raise the cap or lower the floor", p.cap.as_deref().unwrap_or_default(), p.floor.as_deref().unwrap_or_default())));
        }
    }
    if cap.is_some_and(|c| c.is_zero()) {
        return Err(cx.err(
            key("cap"),
            "cap is 0; nobody could be paid; remove it or raise it",
        ));
    }
    let mut multipliers = Vec::new();
    for (i, m) in p.multiplier.iter().enumerate() {
        let mk = format!("multiplier[{i}]");
        match (&m.flag, &m.column, &m.factor) {
            (Some(flag), None, Some(factor)) => {
                let column = column_index(&format!("{mk}.flag"), flag, ColumnKind::Flag)?;
                let factor = parse_decimal(factor, FACTOR_DECIMALS)
                    .map_err(|e| cx.err(key(&format!("{mk}.factor")), e))?;
                multipliers.push(Multiplier::Flag { column, factor });
            }
            (None, Some(col), None) => {
                multipliers.push(Multiplier::Column {
                    column: column_index(&format!("{mk}.column"), col, ColumnKind::Number)?,
                });
            }
            _ => return Err(cx.err(
                key(&mk),
                "a multiplier is either { flag = \"...\", factor = \"2\" } or { column = \"...\" }",
            )),
        }
    }
    Ok(PoolSpec {
        name,
        source,
        share,
        share_text,
        rule,
        column,
        min,
        cap,
        floor,
        multipliers,
    })
}
