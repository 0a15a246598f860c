//! The build bundle's own files: `allocations.csv`, `decisions.jsonl`, `report.json` and
//! `manifest.json`. Bytes only depend on the campaign and its inputs — no paths, no clock.

use crate::allocate::{Allocation, Status};
use crate::error::{CoreError, Result};
use crate::metrics::{distribution, Distribution};
use crate::source::Facts;
use crate::spec::{Campaign, Multiplier, Rule, Share, FACTOR_DECIMALS};
use crate::units::{format_units, push_decimal};
use airdrop_merkle::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

pub use crate::manifest::BUNDLE_FORMAT;
use crate::manifest::{
    ClaimInfo, DustInfo, Manifest, ManifestToken, MerkleInfo, SnapshotPin, VestingInfo,
};

fn hex(a: &Address) -> String {
    format!("{a:#x}")
}

/// Writes `allocations.csv`: `address,amount,<pool>...,dust`, recipients only, ascending.
pub fn write_allocations_csv(
    c: &Campaign,
    a: &Allocation,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut header = String::from("address,amount");
    for p in &c.pools {
        header.push(',');
        header.push_str(&csv_field(&p.name));
    }
    header.push_str(",dust\n");
    w.write_all(header.as_bytes())?;
    let mut line = String::with_capacity(256);
    for (i, amount) in a.recipients() {
        line.clear();
        let _ = write!(line, "{:#x},", a.addresses[i]);
        push_decimal(&mut line, &amount);
        for part in &a.parts {
            line.push(',');
            push_decimal(&mut line, &part[i]);
        }
        line.push(',');
        push_decimal(&mut line, &a.dust_part[i]);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One line of `decisions.jsonl`: everything `airdrop explain` needs about one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Lowercase 0x address.
    pub address: String,
    /// Total, base units.
    pub amount: String,
    /// One entry per pool whose source lists this address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<PoolDecision>,
    /// The exclusion list that named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<ExclusionHit>,
    /// Cut by `max_per_address`, base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_cap_cut: Option<String>,
    /// Dust received as `dust_to`, base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dust: Option<String>,
}

/// An address's decision in one pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolDecision {
    /// Pool name.
    pub pool: String,
    /// `paid`, `capped`, `excluded`, `below-min`, `below-tier`, `zero-weight`, `below-floor`.
    pub status: String,
    /// The rule's column value, in the source's units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Weight (weighted rules) or fixed amount before cap in base units (tiers, points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// Combined multiplier, decimal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<String>,
    /// Paid by this pool after the global cap, base units.
    pub amount: String,
}

/// Which exclusion list named an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionHit {
    /// List name.
    pub list: String,
    /// The list's reason.
    pub reason: String,
}

fn multiplier_decimals(c: &Campaign, pool: &crate::spec::PoolSpec) -> u8 {
    let src = &c.sources[pool.source];
    pool.multipliers
        .iter()
        .map(|m| match m {
            Multiplier::Flag { .. } => FACTOR_DECIMALS,
            Multiplier::Column { .. } => src.decimals,
        })
        .fold(0u8, |a, b| a.saturating_add(b))
}

/// The decision record of address index `i`.
pub fn decision_record(c: &Campaign, a: &Allocation, facts: &[Facts], i: usize) -> DecisionRecord {
    let mut pools = Vec::new();
    for (pi, pool) in c.pools.iter().enumerate() {
        let row = a.rows[pool.source][i];
        if row == u32::MAX {
            continue;
        }
        let row = row as usize;
        let src = &c.sources[pool.source];
        let d = &a.pools[pi].decisions[row];
        let value = pool
            .column
            .map(|col| format_units(facts[pool.source].value(row, col), src.decimals));
        let show_weight = shows_weight(pool, d.status);
        pools.push(PoolDecision {
            pool: pool.name.clone(),
            status: d.status.name().to_owned(),
            value,
            weight: show_weight.then(|| d.weight.to_string()),
            multiplier: (!pool.multipliers.is_empty())
                .then(|| format_units(d.multiplier, multiplier_decimals(c, pool))),
            amount: a.parts[pi][i].to_string(),
        });
    }
    let excluded = a.excluded[i].map(|li| ExclusionHit {
        list: c.excludes[li].name.clone(),
        reason: c.excludes[li].reason.clone(),
    });
    let nz = |v: U256| (!v.is_zero()).then(|| v.to_string());
    DecisionRecord {
        address: hex(&a.addresses[i]),
        amount: a.totals[i].to_string(),
        pools,
        excluded,
        global_cap_cut: nz(a.global_cut[i]),
        dust: nz(a.dust_part[i]),
    }
}

/// Writes `decisions.jsonl`: one record per address seen anywhere, ascending. The bytes are
/// exactly `serde_json` of [`decision_record`] per line, written by hand because this file has a
/// line per address and must not cost a dozen allocations each.
pub fn write_decisions(
    c: &Campaign,
    a: &Allocation,
    facts: &[Facts],
    w: &mut dyn Write,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let names: Vec<String> = c.pools.iter().map(|p| quote(&p.name)).collect();
    let lists: Vec<String> = c
        .excludes
        .iter()
        .map(|e| {
            format!(
                "{{\"list\":{},\"reason\":{}}}",
                quote(&e.name),
                quote(&e.reason)
            )
        })
        .collect();
    let mult_decimals: Vec<u8> = c.pools.iter().map(|p| multiplier_decimals(c, p)).collect();
    let mut buf = String::with_capacity(1024);
    for i in 0..a.addresses.len() {
        buf.clear();
        let _ = write!(
            buf,
            "{{\"address\":\"{:#x}\",\"amount\":\"{}\"",
            a.addresses[i], a.totals[i]
        );
        let mut first = true;
        for (pi, pool) in c.pools.iter().enumerate() {
            let row = a.rows[pool.source][i];
            if row == u32::MAX {
                continue;
            }
            let row = row as usize;
            buf.push_str(if first { ",\"pools\":[" } else { "," });
            first = false;
            let d = &a.pools[pi].decisions[row];
            let _ = write!(
                buf,
                "{{\"pool\":{},\"status\":\"{}\"",
                names[pi],
                d.status.name()
            );
            if let Some(col) = pool.column {
                let v = format_units(
                    facts[pool.source].value(row, col),
                    c.sources[pool.source].decimals,
                );
                let _ = write!(buf, ",\"value\":\"{v}\"");
            }
            if shows_weight(pool, d.status) {
                buf.push_str(",\"weight\":\"");
                push_decimal(&mut buf, &d.weight);
                buf.push('"');
            }
            if !pool.multipliers.is_empty() {
                let _ = write!(
                    buf,
                    ",\"multiplier\":\"{}\"",
                    format_units(d.multiplier, mult_decimals[pi])
                );
            }
            buf.push_str(",\"amount\":\"");
            push_decimal(&mut buf, &a.parts[pi][i]);
            buf.push_str("\"}");
        }
        if !first {
            buf.push(']');
        }
        if let Some(li) = a.excluded[i] {
            let _ = write!(buf, ",\"excluded\":{}", lists[li]);
        }
        if !a.global_cut[i].is_zero() {
            let _ = write!(buf, ",\"global_cap_cut\":\"{}\"", a.global_cut[i]);
        }
        if !a.dust_part[i].is_zero() {
            let _ = write!(buf, ",\"dust\":\"{}\"", a.dust_part[i]);
        }
        buf.push_str("}\n");
        w.write_all(buf.as_bytes())?;
    }
    Ok(())
}

fn shows_weight(pool: &crate::spec::PoolSpec, status: Status) -> bool {
    !matches!(
        status,
        Status::Excluded | Status::BelowMin | Status::BelowTier
    ) && !matches!(pool.rule, Rule::Flat if pool.multipliers.is_empty())
}

/// Token facts as the report and manifest print them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Checksummed address.
    pub address: String,
    /// Ticker.
    pub symbol: String,
    /// Decimals.
    pub decimals: u8,
}

/// A pool's line in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolReport {
    /// Name.
    pub name: String,
    /// Source name.
    pub source: String,
    /// Source kind.
    pub source_kind: String,
    /// Rule name.
    pub rule: String,
    /// The rule in words.
    pub description: String,
    /// Share as written.
    pub share: String,
    /// Pool amount, base units.
    pub amount: String,
    /// Paid, base units.
    pub paid: String,
    /// Dust, base units.
    pub dust: String,
    /// Rows in the source.
    pub rows: u64,
    /// Addresses with a non-zero amount from this pool.
    pub recipients: u64,
    /// Count per status name.
    pub statuses: BTreeMap<String, u64>,
    /// Column the rule reads.
    pub column: Option<String>,
    /// Entry threshold, in the column's units.
    pub min: Option<String>,
    /// Lowest tier's minimum (tiers rule), in the column's units.
    pub lowest_tier: Option<String>,
    /// Per-address cap, base units.
    pub cap: Option<String>,
    /// Per-address floor, base units.
    pub floor: Option<String>,
}

/// An exclusion list's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionReport {
    /// List name.
    pub name: String,
    /// Reason.
    pub reason: String,
    /// Addresses on the list.
    pub count: u64,
    /// Of those, addresses that appear in at least one source (they would have been paid).
    pub in_sources: u64,
    /// Up to 100 of those addresses, with the sources they appear in.
    pub hits: Vec<ExcludedAddress>,
}

/// An excluded address that a source listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedAddress {
    /// Lowercase address.
    pub address: String,
    /// Sources listing it.
    pub sources: Vec<String>,
}

/// A dust item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DustItem {
    /// Pool, or none for the global cap.
    pub pool: Option<String>,
    /// Why.
    pub reason: String,
    /// Base units.
    pub amount: String,
}

/// `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Campaign name.
    pub campaign: String,
    /// Chain id.
    pub chain_id: u64,
    /// Token.
    pub token: TokenInfo,
    /// Merkle root, 0x lowercase.
    pub root: String,
    /// Budget, base units.
    pub budget: String,
    /// Sum of allocations, base units (always equals the budget).
    pub total: String,
    /// Addresses with a non-zero amount (including `dust_to`).
    pub recipients: u64,
    /// Total dust, base units.
    pub dust_total: String,
    /// Where the dust went.
    pub dust_to: Option<String>,
    /// Dust items.
    pub dust: Vec<DustItem>,
    /// `max_per_address`, base units.
    pub max_per_address: Option<String>,
    /// Pools.
    pub pools: Vec<PoolReport>,
    /// Exclusion lists.
    pub exclusions: Vec<ExclusionReport>,
    /// Fairness over recipients (dust excluded).
    pub distribution: Distribution,
    /// Sybil clusters, when the campaign has `[sybil]` (absent otherwise, so bundles of
    /// campaigns without it are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sybil: Option<crate::sybil::SybilReport>,
}

fn describe_rule(c: &Campaign, pool: &crate::spec::PoolSpec) -> String {
    let src = &c.sources[pool.source];
    let col = pool
        .column
        .map(|i| src.columns[i].name.as_str())
        .unwrap_or("-");
    let tok = |v: U256| format!("{} {}", format_units(v, c.token.decimals), c.token.symbol);
    let mut s = match &pool.rule {
        Rule::Flat => "equal parts".to_owned(),
        Rule::ProRata(w) => match w {
            crate::spec::Weighting::Linear => format!("pro-rata by {col}"),
            crate::spec::Weighting::Sqrt => format!("pro-rata by sqrt({col})"),
            crate::spec::Weighting::Log => format!("pro-rata by log2(1 + {col})"),
        },
        Rule::Tiers(t) => {
            let steps: Vec<String> = t
                .iter()
                .map(|t| {
                    format!(
                        "{col} ≥ {} → {}",
                        format_units(t.min, src.decimals),
                        tok(t.amount)
                    )
                })
                .collect();
            format!("tiers: {}", steps.join(", "))
        }
        Rule::Points(pp) => format!("{} per {col}", tok(*pp)),
    };
    if let Some(m) = pool.min {
        s.push_str(&format!("; min {col} {}", format_units(m, src.decimals)));
    }
    if let Some(cap) = pool.cap {
        s.push_str(&format!("; cap {}", tok(cap)));
    }
    if let Some(f) = pool.floor {
        s.push_str(&format!("; floor {}", tok(f)));
    }
    for m in &pool.multipliers {
        match m {
            Multiplier::Flag { column, factor } => s.push_str(&format!(
                "; ×{} if {}",
                format_units(*factor, FACTOR_DECIMALS),
                src.columns[*column].name
            )),
            Multiplier::Column { column } => {
                s.push_str(&format!("; × {}", src.columns[*column].name))
            }
        }
    }
    s
}

/// Builds `report.json`'s content.
pub fn report(c: &Campaign, a: &Allocation, root: B256) -> Report {
    let pools = c
        .pools
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let o = &a.pools[pi];
            let mut statuses = BTreeMap::new();
            for d in &o.decisions {
                *statuses.entry(d.status.name().to_owned()).or_insert(0u64) += 1;
            }
            PoolReport {
                name: p.name.clone(),
                source: c.sources[p.source].name.clone(),
                source_kind: c.sources[p.source].kind.name().to_owned(),
                rule: p.rule.name().to_owned(),
                description: describe_rule(c, p),
                share: match p.share {
                    Share::Rest => "rest".to_owned(),
                    _ => p.share_text.clone(),
                },
                amount: o.amount.to_string(),
                paid: o.paid.to_string(),
                dust: o.dust.to_string(),
                rows: o.decisions.len() as u64,
                recipients: a.parts[pi].iter().filter(|v| !v.is_zero()).count() as u64,
                statuses,
                column: p
                    .column
                    .map(|i| c.sources[p.source].columns[i].name.clone()),
                min: p.min.map(|m| format_units(m, c.sources[p.source].decimals)),
                lowest_tier: match &p.rule {
                    Rule::Tiers(t) => t
                        .first()
                        .map(|t| format_units(t.min, c.sources[p.source].decimals)),
                    _ => None,
                },
                cap: p.cap.map(|v| v.to_string()),
                floor: p.floor.map(|v| v.to_string()),
            }
        })
        .collect();
    let exclusions = c
        .excludes
        .iter()
        .enumerate()
        .map(|(li, e)| {
            let mut count = 0u64;
            let mut in_sources = 0u64;
            let mut hits = Vec::new();
            for i in 0..a.addresses.len() {
                if a.excluded[i] != Some(li) {
                    continue;
                }
                count += 1;
                let sources: Vec<String> = c
                    .sources
                    .iter()
                    .enumerate()
                    .filter(|(si, _)| a.rows[*si][i] != u32::MAX)
                    .map(|(_, s)| s.name.clone())
                    .collect();
                if !sources.is_empty() {
                    in_sources += 1;
                    if hits.len() < 100 {
                        hits.push(ExcludedAddress {
                            address: hex(&a.addresses[i]),
                            sources,
                        });
                    }
                }
            }
            ExclusionReport {
                name: e.name.clone(),
                reason: e.reason.clone(),
                count,
                in_sources,
                hits,
            }
        })
        .collect();
    let amounts: Vec<U256> = a
        .totals
        .iter()
        .zip(&a.dust_part)
        .map(|(t, d)| *t - *d)
        .collect();
    Report {
        campaign: c.name.clone(),
        chain_id: c.chain_id,
        token: token_info(c),
        root: format!("{root:#x}"),
        budget: c.budget.to_string(),
        total: a.total().to_string(),
        recipients: a.recipients().count() as u64,
        dust_total: a.dust_total.to_string(),
        dust_to: c.dust_to.map(|d| hex(&d)),
        dust: a
            .dust
            .iter()
            .map(|d| DustItem {
                pool: d.pool.clone(),
                reason: d.reason.clone(),
                amount: d.amount.to_string(),
            })
            .collect(),
        max_per_address: c.max_per_address.map(|m| m.to_string()),
        pools,
        exclusions,
        distribution: distribution(&amounts, c.token.decimals),
        sybil: None,
    }
}

fn token_info(c: &Campaign) -> TokenInfo {
    TokenInfo {
        address: c.token.address.to_checksum(None),
        symbol: c.token.symbol.clone(),
        decimals: c.token.decimals,
    }
}

/// Hashes of the files that went in and came out, keyed by bundle-relative or spec-relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHashes {
    /// Inputs: the campaign file (by file name) and every source/exclusion file as the spec names it.
    pub inputs: BTreeMap<String, String>,
    /// Outputs, by path inside the bundle.
    pub outputs: BTreeMap<String, String>,
}

/// Builds `manifest.json`'s content. `snapshots` are the pins of the chain sources (spec
/// order); without any, the manifest has no `snapshots` key (file-only campaigns are unchanged).
pub fn manifest(
    c: &Campaign,
    a: &Allocation,
    root: B256,
    hashes: &FileHashes,
    snapshots: &[SnapshotPin],
) -> Manifest {
    Manifest {
        format: BUNDLE_FORMAT.to_owned(),
        name: c.name.clone(),
        description: c.description.clone(),
        chain_id: c.chain_id,
        snapshots: snapshots.to_vec(),
        token: ManifestToken {
            address: c.token.address,
            symbol: c.token.symbol.clone(),
            decimals: c.token.decimals,
        },
        merkle: MerkleInfo {
            preset: c.tree.preset.name().to_owned(),
            shards: c.tree.shards,
        },
        root,
        budget: c.budget,
        total: a.total(),
        total_tokens: format_units(a.total(), c.token.decimals),
        count: a.recipients().count() as u64,
        dust: DustInfo {
            total: a.dust_total,
            to: c.dust_to,
        },
        claim: c.claim.as_ref().map(|w| ClaimInfo {
            start: w.start_text.clone(),
            start_unix: w.start,
            deadline: w.deadline_text.clone(),
            deadline_unix: w.deadline,
            clawback_to: w.clawback_to,
        }),
        vesting: c.vesting.as_ref().map(|v| VestingInfo {
            unlocked: v.unlocked_text.clone(),
            cliff_seconds: v.cliff_seconds,
            duration_seconds: v.duration_seconds,
            starts: "claim.start".to_owned(),
        }),
        inputs: hashes.inputs.clone(),
        outputs: hashes.outputs.clone(),
    }
}

/// Serialises a JSON value the way every bundle file is written: pretty, trailing newline.
pub fn to_pretty_bytes(v: &impl Serialize) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)
        .map_err(|e| CoreError::Campaign(format!("cannot serialise bundle JSON: {e}")))?;
    out.push(b'\n');
    Ok(out)
}
