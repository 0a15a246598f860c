//! `[sybil]`: sybil detection before allocation — the edges files, hub list and appeals file,
//! the detectors and their thresholds, and what happens to a cluster (`policy`). The detectors
//! themselves are in the `airdrop-sybil` crate; this file only checks the settings.

use super::raw::RawSybil;
use super::{Ctx, RpcRef};
use crate::error::Result;
use crate::units::parse_duration;
use airdrop_merkle::Address;

/// What a flagged cluster gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SybilPolicy {
    /// Every member that a source lists gets nothing.
    Exclude,
    /// One member per cluster stays (the lowest address among those a source lists); the
    /// others get nothing.
    Collapse,
}

impl SybilPolicy {
    /// The name used in the spec and reports.
    pub fn name(self) -> &'static str {
        match self {
            SybilPolicy::Exclude => "exclude",
            SybilPolicy::Collapse => "collapse",
        }
    }
}

/// The checked `[sybil]` section. Thresholds default to the values in docs/sybil.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SybilSpec {
    /// Edges files (CSV or Parquet), relative to the spec.
    pub edges: Vec<String>,
    /// Hub list (exchanges, bridges): CSV with an `address` column, relative to the spec.
    pub hubs: Option<String>,
    /// Appeals: CSV `address,reason` of addresses cleared on review, relative to the spec.
    pub overrides: Option<String>,
    /// Exclude or collapse.
    pub policy: SybilPolicy,
    /// Funding clusters on.
    pub funding: bool,
    /// Behaviour fingerprints on.
    pub behaviour: bool,
    /// Same-block bursts on.
    pub burst: bool,
    /// Smallest cluster flagged.
    pub min_cluster_size: u32,
    /// Detectors that must flag an address.
    pub min_signals: u32,
    /// Hub degree threshold.
    pub max_degree: u32,
    /// Fan-out from which a first-funding link counts.
    pub min_fanout: u32,
    /// Louvain splits components above this size.
    pub split_above: u32,
    /// k of the k-core trim (1: none).
    pub k_core: u32,
    /// Funding window, seconds.
    pub funding_window: u64,
    /// Timeline bucket, seconds.
    pub timeline_bucket: u64,
    /// Coinciding timeline buckets needed.
    pub timeline_min: u32,
    /// Coinciding blocks needed.
    pub burst_blocks: u32,
    /// Edges read from a node as well, if set.
    pub chain: Option<SybilChain>,
}

/// `[sybil] rpc = …`: the transfers among the candidates read from a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SybilChain {
    /// The node.
    pub rpc: RpcRef,
    /// First block scanned.
    pub from_block: u64,
    /// Last block scanned.
    pub to_block: u64,
    /// Tokens whose `Transfer` logs count.
    pub tokens: Vec<Address>,
    /// Look up the first funding of candidates funded before `from_block`.
    pub first_funding: bool,
}

const DETECTORS: [&str; 3] = ["funding", "behaviour", "burst"];

pub(super) fn sybil(raw: Option<RawSybil>, cx: &Ctx<'_>) -> Result<Option<SybilSpec>> {
    let Some(r) = raw else { return Ok(None) };
    let chain = chain(&r, cx)?;
    if r.edges.is_empty() && chain.is_none() {
        return Err(cx.err(
            "sybil.edges",
            "no edges files and no node; list files, e.g. edges = [\"transfers.csv\"] (columns in docs/sybil.md), or read them from a node with rpc, from_block and to_block",
        ));
    }
    let policy = match r.policy.as_deref().unwrap_or("exclude") {
        "exclude" => SybilPolicy::Exclude,
        "collapse" => SybilPolicy::Collapse,
        other => {
            return Err(cx.err(
                "sybil.policy",
                format!("{other:?} is not a policy; use \"exclude\" or \"collapse\""),
            ))
        }
    };
    let detectors = r
        .detectors
        .unwrap_or_else(|| DETECTORS.iter().map(|d| (*d).to_owned()).collect());
    for d in &detectors {
        if !DETECTORS.contains(&d.as_str()) {
            return Err(cx.err(
                "sybil.detectors",
                format!(
                    "{d:?} is not a detector; use any of \"funding\", \"behaviour\", \"burst\""
                ),
            ));
        }
    }
    let on = |d: &str| detectors.iter().any(|x| x == d);
    let secs = |key: &str, v: Option<String>, default: u64| -> Result<u64> {
        match v {
            None => Ok(default),
            Some(t) => parse_duration(&t).map_err(|e| cx.err(format!("sybil.{key}"), e)),
        }
    };
    Ok(Some(SybilSpec {
        edges: r.edges,
        hubs: r.hubs,
        overrides: r.overrides,
        policy,
        funding: on("funding"),
        behaviour: on("behaviour"),
        burst: on("burst"),
        min_cluster_size: r.min_cluster_size.unwrap_or(20),
        min_signals: r.min_signals.unwrap_or(1),
        max_degree: r.max_degree.unwrap_or(1000),
        min_fanout: r.min_fanout.unwrap_or(5),
        split_above: r.split_above.unwrap_or(500),
        k_core: r.k_core.unwrap_or(1),
        funding_window: secs("funding_window", r.funding_window, 120)?,
        timeline_bucket: secs("timeline_bucket", r.timeline_bucket, 60)?,
        timeline_min: r.timeline_min.unwrap_or(4),
        burst_blocks: r.burst_blocks.unwrap_or(3),
        chain,
    }))
}

fn chain(r: &RawSybil, cx: &Ctx<'_>) -> Result<Option<SybilChain>> {
    let rpc = match (&r.rpc, &r.rpc_env) {
        (None, None) => {
            if r.from_block.is_some() || r.to_block.is_some() || r.tokens.is_some() {
                return Err(cx.err("sybil.rpc", "from_block, to_block and tokens read a node; add rpc = \"http://…\" or rpc_env = \"VAR\""));
            }
            return Ok(None);
        }
        (Some(_), Some(_)) => return Err(cx.err("sybil.rpc", "give rpc or rpc_env, not both")),
        (Some(url), None) => {
            let url = url.trim().to_owned();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(cx.err("sybil.rpc", format!("{url:?} is not an http(s) url")));
            }
            RpcRef::Url(url)
        }
        (None, Some(env)) => {
            if env.is_empty() || !env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(cx.err("sybil.rpc_env", format!("{env:?} is not an environment variable name; e.g. rpc_env = \"MAINNET_RPC\"")));
            }
            RpcRef::Env(env.clone())
        }
    };
    let (Some(from_block), Some(to_block)) = (r.from_block, r.to_block) else {
        return Err(cx.err(
            "sybil.from_block",
            "a node is read over a bounded range; give from_block and to_block",
        ));
    };
    if to_block < from_block {
        return Err(cx.err(
            "sybil.to_block",
            format!("{to_block} is before from_block {from_block}"),
        ));
    }
    let mut tokens = Vec::new();
    for (i, t) in r.tokens.iter().flatten().enumerate() {
        tokens.push(cx.address(&format!("sybil.tokens[{i}]"), t)?);
    }
    tokens.sort_unstable();
    tokens.dedup();
    Ok(Some(SybilChain {
        rpc,
        from_block,
        to_block,
        tokens,
        first_funding: r.first_funding.unwrap_or(true),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::spec::{Campaign, SybilPolicy};

    fn spec(sybil: &str) -> String {
        format!(
            "name = \"S\"\nchain_id = 1\ntoken = {{ address = \"0x1111111111111111111111111111111111111111\", symbol = \"T\", decimals = 0 }}\nbudget = \"100\"\n\n[[source]]\nname = \"u\"\nkind = \"list\"\nfile = \"u.csv\"\n\n[[pool]]\nsource = \"u\"\nshare = \"100%\"\nrule = \"flat\"\n\n[sybil]\n{sybil}\n"
        )
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Campaign::parse(&spec("edges = [\"e.csv\"]"), "c.toml").unwrap();
        let s = c.sybil.unwrap();
        assert_eq!(s.policy, SybilPolicy::Exclude);
        assert_eq!(
            (s.min_cluster_size, s.min_signals, s.max_degree),
            (20, 1, 1000)
        );
        assert_eq!(
            (
                s.funding_window,
                s.timeline_bucket,
                s.timeline_min,
                s.min_fanout
            ),
            (120, 60, 4, 5)
        );
        assert!(s.funding && s.behaviour && s.burst);
        let c = Campaign::parse(
            &spec("edges = [\"e.csv\"]\npolicy = \"collapse\"\ndetectors = [\"burst\"]\nfunding_window = \"5m\""),
            "c.toml",
        )
        .unwrap();
        let s = c.sybil.unwrap();
        assert_eq!(s.policy, SybilPolicy::Collapse);
        assert!(!s.funding && !s.behaviour && s.burst);
        assert_eq!(s.funding_window, 300);
    }

    #[test]
    fn bad_settings_name_their_key() {
        for (text, key) in [
            ("edges = []", "sybil.edges"),
            ("edges = [\"e.csv\"]\npolicy = \"ban\"", "sybil.policy"),
            (
                "edges = [\"e.csv\"]\ndetectors = [\"vibes\"]",
                "sybil.detectors",
            ),
            (
                "edges = [\"e.csv\"]\nfunding_window = \"soon\"",
                "sybil.funding_window",
            ),
            ("edges = [\"e.csv\"]\nmin_cluster = 3", "min_cluster"),
        ] {
            let e = Campaign::parse(&spec(text), "c.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }
}
