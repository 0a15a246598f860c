//! `airdrop explain`: why an address got what it got, from the bundle's `report.json` (the
//! rules) and its line of `decisions.jsonl` (the facts and outcome).

use crate::bundle::{DecisionRecord, Report};
use crate::error::{CoreError, Result};
use crate::units::format_units;
use airdrop_merkle::{Address, U256};
use serde::Serialize;

/// An explanation, ready to print or serialise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Lowercase address.
    pub address: String,
    /// Whether any source or exclusion list mentions the address.
    pub found: bool,
    /// Total, base units.
    pub amount: String,
    /// Total in whole tokens.
    pub amount_tokens: String,
    /// Token symbol.
    pub symbol: String,
    /// One line per pool whose source lists the address.
    pub pools: Vec<PoolExplanation>,
    /// Exclusion, in words.
    pub excluded: Option<String>,
    /// Global cap cut, in words.
    pub global_cap: Option<String>,
    /// Dust received, in words.
    pub dust: Option<String>,
    /// Sybil clusters: excluded as a member, kept by `collapse`, or cleared on appeal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sybil: Option<String>,
}

/// One pool's part of an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolExplanation {
    /// Pool name.
    pub pool: String,
    /// The rule in words.
    pub rule: String,
    /// Decision status.
    pub status: String,
    /// Paid by this pool, base units.
    pub amount: String,
    /// Paid in whole tokens.
    pub amount_tokens: String,
    /// Why, in words.
    pub reason: String,
}

/// Finds the record of `address` in `decisions.jsonl` text (one JSON object per line).
pub fn find_record(jsonl: &str, address: &Address) -> Result<Option<DecisionRecord>> {
    let prefix = format!("{{\"address\":\"{address:#x}\"");
    for (n, line) in jsonl.lines().enumerate() {
        if line.starts_with(&prefix) {
            return serde_json::from_str(line)
                .map(Some)
                .map_err(|e| CoreError::Bundle {
                    file: format!("decisions.jsonl:{}", n + 1),
                    detail: format!("unreadable record: {e}; rebuild the bundle"),
                });
        }
    }
    Ok(None)
}

fn base(s: &str) -> U256 {
    U256::from_str_radix(s, 10).unwrap_or_default()
}

/// Explains `address` given the bundle's report and its decision record (if any).
pub fn explain(report: &Report, record: Option<&DecisionRecord>, address: &Address) -> Explanation {
    let d = report.token.decimals;
    let sym = report.token.symbol.clone();
    let tok = |s: &str| format_units(base(s), d);
    let Some(rec) = record else {
        return Explanation {
            address: format!("{address:#x}"),
            found: false,
            amount: "0".into(),
            amount_tokens: "0".into(),
            symbol: sym,
            pools: vec![],
            excluded: None,
            global_cap: None,
            dust: None,
            sybil: report
                .sybil
                .as_ref()
                .and_then(|s| crate::sybil::explain_line(s, &format!("{address:#x}"))),
        };
    };
    let mut pools = Vec::new();
    for p in &rec.pools {
        let Some(spec) = report.pools.iter().find(|x| x.name == p.pool) else {
            continue;
        };
        let col = spec.column.as_deref().unwrap_or("value");
        let value = p.value.as_deref().unwrap_or("-");
        let mult = match p.multiplier.as_deref() {
            Some(m) if m != "1" => format!(", multiplier ×{m}"),
            _ => String::new(),
        };
        let reason = match p.status.as_str() {
            "paid" => match spec.rule.as_str() {
                "flat" => format!("an equal part of the pool{mult}"),
                "pro-rata" => format!("{col} {value} gives weight {}{mult}; paid its share of the pool", p.weight.as_deref().unwrap_or("-")),
                "tiers" => format!("{col} {value} reaches a tier paying {} {sym}{mult}", tok(p.weight.as_deref().unwrap_or("0"))),
                _ => format!("{col} {value} at the pool's rate{mult}"),
            },
            "capped" => format!(
                "{col} {value}{mult} would have earned more than the pool's cap of {} {sym}; capped, and the excess went to the others",
                tok(spec.cap.as_deref().unwrap_or("0"))
            ),
            "excluded" => "on an exclusion list, so not counted in this pool".to_owned(),
            "below-min" => format!("{col} {value} is below the pool's minimum of {}", spec.min.as_deref().unwrap_or("-")),
            "below-tier" => format!("{col} {value} is below the lowest tier ({})", spec.lowest_tier.as_deref().unwrap_or("-")),
            "zero-weight" => format!("{col} {value}{mult} gives weight 0"),
            "below-floor" => format!(
                "{col} {value}{mult} would have earned less than the pool's floor of {} {sym}; dropped, and its share went to the others",
                tok(spec.floor.as_deref().unwrap_or("0"))
            ),
            other => format!("status {other}"),
        };
        pools.push(PoolExplanation {
            pool: p.pool.clone(),
            rule: spec.description.clone(),
            status: p.status.clone(),
            amount: p.amount.clone(),
            amount_tokens: tok(&p.amount),
            reason,
        });
    }
    Explanation {
        address: rec.address.clone(),
        found: true,
        amount: rec.amount.clone(),
        amount_tokens: tok(&rec.amount),
        symbol: sym.clone(),
        pools,
        excluded: rec
            .excluded
            .as_ref()
            .map(|e| format!("excluded by list {:?}: {}", e.list, e.reason)),
        global_cap: rec.global_cap_cut.as_ref().map(|c| {
            format!(
                "cut by {} {sym} to the campaign's max_per_address of {} {sym}",
                tok(c),
                tok(report.max_per_address.as_deref().unwrap_or("0"))
            )
        }),
        dust: rec.dust.as_ref().map(|x| {
            format!(
                "receives {} {sym} of dust as the campaign's dust_to",
                tok(x)
            )
        }),
        sybil: report
            .sybil
            .as_ref()
            .and_then(|s| crate::sybil::explain_line(s, &rec.address)),
    }
}

/// Renders an explanation for people.
pub fn render(e: &Explanation) -> String {
    let mut out = String::new();
    if !e.found {
        out.push_str(&format!(
            "{} gets nothing: it is in none of this campaign's sources or exclusion lists\n",
            e.address
        ));
        if let Some(x) = &e.sybil {
            out.push_str(&format!("  {x}\n"));
        }
        return out;
    }
    out.push_str(&format!(
        "{} gets {} {} ({} base units)\n",
        e.address, e.amount_tokens, e.symbol, e.amount
    ));
    // A sybil member's line says more than the exclusion list it became.
    match (&e.sybil, &e.excluded) {
        (Some(x), _) => out.push_str(&format!("  {x}\n")),
        (None, Some(x)) => out.push_str(&format!("  {x}\n")),
        (None, None) => {}
    }
    for p in &e.pools {
        out.push_str(&format!(
            "  pool {} [{}]: {} {} — {}\n",
            p.pool, p.status, p.amount_tokens, e.symbol, p.reason
        ));
        out.push_str(&format!("      rule: {}\n", p.rule));
    }
    if e.pools.is_empty() && e.excluded.is_none() && e.dust.is_none() {
        out.push_str("  in no pool's source\n");
    }
    if let Some(x) = &e.global_cap {
        out.push_str(&format!("  {x}\n"));
    }
    if let Some(x) = &e.dust {
        out.push_str(&format!("  {x}\n"));
    }
    out
}
