//! Pools: a share of the budget, a source, a rule and its modifiers, and the checks that tie
//! each to its source's columns. How the budget is split across pools is allocation's
//! business (`crate::budget`).

use super::raw::{RawMultiplier, RawPool, RawTier};
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
    /// Index into [`Campaign::sources`](super::Campaign::sources).
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
    let pc = PoolCx {
        cx,
        name: &name,
        src: &sources[source],
        token,
    };
    let share_text = p.share.trim().to_owned();
    let share = pc.share(&share_text)?;
    let column = pc.column(p.column.as_deref())?;
    let rule = pc.rule(&p, column)?;
    let min = match &p.min {
        Some(t) => {
            if column.is_none() {
                return Err(pc.needs_column("min"));
            }
            Some(pc.scaled("min", t)?)
        }
        None => None,
    };
    let (cap, floor) = pc.cap_and_floor(p.cap.as_deref(), p.floor.as_deref())?;
    let multipliers = pc.multipliers(&p.multiplier)?;
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

/// What every check of one pool needs: its name for keys, its source for columns and scale,
/// the token for amounts.
struct PoolCx<'a> {
    cx: &'a Ctx<'a>,
    name: &'a str,
    src: &'a SourceSpec,
    token: &'a Token,
}

impl PoolCx<'_> {
    fn key(&self, k: &str) -> String {
        format!("pool {:?}.{k}", self.name)
    }

    fn tokens(&self, k: &str, text: &str) -> Result<U256> {
        let t = self.token;
        self.cx.tokens(&self.key(k), text, t.decimals, &t.symbol)
    }

    /// A value of the source's column, scaled by the source's decimals.
    fn scaled(&self, k: &str, text: &str) -> Result<U256> {
        let src = self.src;
        parse_decimal(text, src.decimals).map_err(|e| {
            self.cx.err(
                self.key(k),
                format!(
                    "{e} (source {:?} has decimals = {})",
                    src.name, src.decimals
                ),
            )
        })
    }

    fn needs_column(&self, what: &str) -> crate::error::CoreError {
        self.cx.err(self.key("column"), format!("{what} needs a number column; set column = \"...\" to one of source {:?}'s number columns", self.src.name))
    }

    fn share(&self, share_text: &str) -> Result<Share> {
        let (dec, sym) = (self.token.decimals, self.token.symbol.as_str());
        Ok(if share_text == "rest" {
            Share::Rest
        } else if share_text.ends_with('%') {
            Share::Percent(
                parse_percent(share_text).map_err(|e| self.cx.err(self.key("share"), e))?,
            )
        } else {
            Share::Fixed(self.tokens("share", share_text).map_err(|_| {
                self.cx.err(self.key("share"), format!("{share_text:?} is not a share; write a percentage (\"30%\"), an amount of whole {sym} at most {dec} decimals (\"250000\"), or \"rest\""))
            })?)
        })
    }

    fn column_index(&self, k: &str, col: &str, want: ColumnKind) -> Result<usize> {
        let src = self.src;
        let i = src.column(col).ok_or_else(|| {
            let names: Vec<_> = src.columns.iter().map(|c| c.name.as_str()).collect();
            self.cx.err(self.key(k), format!("source {:?} has no column {col:?}; its columns are: {} (declare more with columns = {{ ... }})", src.name, if names.is_empty() { "none".to_owned() } else { names.join(", ") }))
        })?;
        if src.columns[i].kind != want {
            let want = if want == ColumnKind::Number {
                "number"
            } else {
                "flag"
            };
            return Err(self.cx.err(
                self.key(k),
                format!(
                    "column {col:?} of source {:?} is not a {want} column",
                    src.name
                ),
            ));
        }
        Ok(i)
    }

    /// The column named, or the source's only number column.
    fn column(&self, named: Option<&str>) -> Result<Option<usize>> {
        if let Some(c) = named {
            return Ok(Some(self.column_index("column", c, ColumnKind::Number)?));
        }
        let columns = &self.src.columns;
        let numbers: Vec<usize> = (0..columns.len())
            .filter(|i| columns[*i].kind == ColumnKind::Number)
            .collect();
        Ok(if numbers.len() == 1 {
            Some(numbers[0])
        } else {
            None
        })
    }

    /// The rule, after refusing the keys of other rules.
    fn rule(&self, p: &RawPool, column: Option<usize>) -> Result<Rule> {
        let rule_name = p.rule.trim();
        if p.weight.is_some() && rule_name != "pro-rata" {
            return Err(self.cx.err(
                self.key("weight"),
                format!("weight applies to pro-rata pools only; this pool's rule is {rule_name:?}"),
            ));
        }
        if p.tiers.is_some() && rule_name != "tiers" {
            return Err(self.cx.err(
                self.key("tiers"),
                format!("tiers apply to rule = \"tiers\" only; this pool's rule is {rule_name:?}"),
            ));
        }
        if p.per_point.is_some() && rule_name != "points" {
            return Err(self.cx.err(
                self.key("per_point"),
                format!(
                    "per_point applies to rule = \"points\" only; this pool's rule is {rule_name:?}"
                ),
            ));
        }
        let needs_column = |what: &str| match column {
            None => Err(self.needs_column(what)),
            Some(_) => Ok(()),
        };
        Ok(match rule_name {
            "flat" => Rule::Flat,
            "pro-rata" => {
                needs_column("rule \"pro-rata\"")?;
                Rule::ProRata(self.weighting(p.weight.as_deref())?)
            }
            "tiers" => {
                needs_column("rule \"tiers\"")?;
                Rule::Tiers(self.tiers(p.tiers.as_deref().unwrap_or_default())?)
            }
            "points" => {
                needs_column("rule \"points\"")?;
                let pp = p.per_point.as_deref().ok_or_else(|| {
                    self.cx.err(
                        self.key("per_point"),
                        "rule \"points\" needs per_point = \"...\" (whole tokens per point)",
                    )
                })?;
                Rule::Points(self.tokens("per_point", pp)?)
            }
            other => {
                return Err(self.cx.err(
                    self.key("rule"),
                    format!("unknown rule {other:?}; use flat, pro-rata, tiers or points"),
                ))
            }
        })
    }

    fn weighting(&self, weight: Option<&str>) -> Result<Weighting> {
        Ok(match weight.unwrap_or("linear") {
            "linear" => Weighting::Linear,
            "sqrt" => Weighting::Sqrt,
            "log" => Weighting::Log,
            other => {
                return Err(self.cx.err(
                    self.key("weight"),
                    format!("unknown weight {other:?}; use linear, sqrt or log"),
                ))
            }
        })
    }

    fn tiers(&self, raw: &[RawTier]) -> Result<Vec<Tier>> {
        if raw.is_empty() {
            return Err(self.cx.err(
                self.key("tiers"),
                "rule \"tiers\" needs tiers = [{ min = \"...\", amount = \"...\" }, ...]",
            ));
        }
        let mut tiers: Vec<Tier> = Vec::with_capacity(raw.len());
        for (i, t) in raw.iter().enumerate() {
            let min = self.scaled(&format!("tiers[{i}].min"), &t.min)?;
            let amount = self.tokens(&format!("tiers[{i}].amount"), &t.amount)?;
            if let Some(prev) = tiers.last() {
                if min <= prev.min {
                    return Err(self.cx.err(
                        self.key(&format!("tiers[{i}].min")),
                        format!(
                            "tier minimums must increase; {:?} is not above the previous tier's",
                            t.min
                        ),
                    ));
                }
            }
            tiers.push(Tier { min, amount });
        }
        Ok(tiers)
    }

    fn cap_and_floor(
        &self,
        cap_text: Option<&str>,
        floor_text: Option<&str>,
    ) -> Result<(Option<U256>, Option<U256>)> {
        let cap = cap_text.map(|t| self.tokens("cap", t)).transpose()?;
        let floor = floor_text.map(|t| self.tokens("floor", t)).transpose()?;
        if let (Some(c), Some(f)) = (cap, floor) {
            if c < f {
                return Err(self.cx.err(self.key("cap"), format!("cap {:?} is below floor {:?}; nobody could be paid; raise the cap or lower the floor", cap_text.unwrap_or_default(), floor_text.unwrap_or_default())));
            }
        }
        if cap.is_some_and(|c| c.is_zero()) {
            return Err(self.cx.err(
                self.key("cap"),
                "cap is 0; nobody could be paid; remove it or raise it",
            ));
        }
        Ok((cap, floor))
    }

    fn multipliers(&self, raw: &[RawMultiplier]) -> Result<Vec<Multiplier>> {
        let mut multipliers = Vec::new();
        for (i, m) in raw.iter().enumerate() {
            let mk = format!("multiplier[{i}]");
            match (&m.flag, &m.column, &m.factor) {
                (Some(flag), None, Some(factor)) => {
                    let column = self.column_index(&format!("{mk}.flag"), flag, ColumnKind::Flag)?;
                    let factor = parse_decimal(factor, FACTOR_DECIMALS)
                        .map_err(|e| self.cx.err(self.key(&format!("{mk}.factor")), e))?;
                    multipliers.push(Multiplier::Flag { column, factor });
                }
                (None, Some(col), None) => {
                    multipliers.push(Multiplier::Column {
                        column: self.column_index(&format!("{mk}.column"), col, ColumnKind::Number)?,
                    });
                }
                _ => return Err(self.cx.err(
                    self.key(&mk),
                    "a multiplier is either { flag = \"...\", factor = \"2\" } or { column = \"...\" }",
                )),
            }
        }
        Ok(multipliers)
    }
}
