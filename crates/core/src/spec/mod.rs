//! The campaign spec: TOML in, a validated [`Campaign`] out. Every amount is converted to base
//! units here, exactly, and every reference (pool → source, rule → column) is resolved, so the
//! allocation code never sees a string it has to interpret.
//!
//! One file per part of the spec: `raw` (the TOML shapes), `text` (checks on the text
//! before parsing), `source` and `chain` (sources), `pool`, `exclude`, `claim`, `sybil`; this file holds
//! the checked [`Campaign`] and the order in which its parts are checked.

mod chain;
mod claim;
mod exclude;
mod pool;
mod raw;
mod source;
mod sybil;
mod text;

pub use chain::{ChainKind, ChainSourceSpec, RpcRef};
pub use claim::{ClaimWindow, Vesting};
pub use exclude::{ContractExclusion, ExcludeSpec};
pub use pool::{Multiplier, PoolSpec, Rule, Share, Tier, Weighting, FACTOR_DECIMALS};
pub use source::{source_scale, ColumnKind, ColumnSpec, FileFormat, SourceKind, SourceSpec};
pub use sybil::{SybilChain, SybilPolicy, SybilSpec};
pub use text::{MAX_SPEC_LINE, MAX_SPEC_VALUE};

use crate::error::{CoreError, Result};
use crate::units::parse_decimal;
use airdrop_merkle::address::{parse_address, ZERO_RECIPIENT};
use airdrop_merkle::{Address, Preset, TreeOptions, U256};
use raw::{RawCampaign, RawPool, RawSource};
use text::{check_text, check_values, toml_error};

/// The token being distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Contract address.
    pub address: Address,
    /// Ticker, for display only.
    pub symbol: String,
    /// Decimals: base units per whole token = 10^decimals.
    pub decimals: u8,
}

/// A validated campaign: all amounts in base units, all references resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Campaign file label (for messages).
    pub file: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// EVM chain id.
    pub chain_id: u64,
    /// The token.
    pub token: Token,
    /// Total to distribute, base units.
    pub budget: U256,
    /// Budget as written.
    pub budget_text: String,
    /// Merkle tree options.
    pub tree: TreeOptions,
    /// Receives dust left by design.
    pub dust_to: Option<Address>,
    /// Global per-address cap, base units.
    pub max_per_address: Option<U256>,
    /// Sources, in spec order.
    pub sources: Vec<SourceSpec>,
    /// Pools, in spec order.
    pub pools: Vec<PoolSpec>,
    /// Exclusion lists.
    pub excludes: Vec<ExcludeSpec>,
    /// `[exclude] contracts = true`, if set.
    pub exclude_contracts: Option<ContractExclusion>,
    /// Vesting, if any.
    pub vesting: Option<Vesting>,
    /// Claim window, if any.
    pub claim: Option<ClaimWindow>,
    /// `[sybil]`, if any: clusters found before allocation.
    pub sybil: Option<SybilSpec>,
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, key: impl Into<String>, detail: impl Into<String>) -> CoreError {
        CoreError::Spec {
            file: self.file.to_owned(),
            key: key.into(),
            detail: detail.into(),
        }
    }
    fn address(&self, key: &str, text: &str) -> Result<Address> {
        parse_address(text).map_err(|reason| CoreError::Address {
            location: format!("{}: {key}", self.file),
            reason,
        })
    }
    /// An address that receives tokens: the zero address would burn them.
    fn recipient(&self, key: &str, text: &str) -> Result<Address> {
        let address = self.address(key, text)?;
        if address.is_zero() {
            return Err(self.err(key, ZERO_RECIPIENT));
        }
        Ok(address)
    }
    fn tokens(&self, key: &str, text: &str, decimals: u8, symbol: &str) -> Result<U256> {
        parse_decimal(text, decimals)
            .map_err(|e| self.err(key, format!("{e} (token {symbol} has {decimals} decimals)")))
    }
}

impl Campaign {
    /// Parses and validates a campaign from TOML text. `file` is how the user named it.
    pub fn parse(text: &str, file: &str) -> Result<Campaign> {
        check_text(text, file)?;
        let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        check_values(&toml::Value::Table(table), "", file)?;
        let raw: RawCampaign = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        let cx = Ctx { file };
        validate(raw, &cx)
    }
}

/// The parts in the order their errors are reported: token and budget, tree, recipients of
/// leftovers, sources, pools, exclusions, vesting and claim, and last the split of the budget.
fn validate(raw: RawCampaign, cx: &Ctx<'_>) -> Result<Campaign> {
    let (token, budget) = token_and_budget(&raw, cx)?;
    let tree = tree_options(raw.format.as_deref(), raw.shards, cx)?;
    let dust_to = raw
        .dust_to
        .as_deref()
        .map(|t| cx.recipient("dust_to", t))
        .transpose()?;
    let max_per_address = raw
        .max_per_address
        .as_deref()
        .map(|t| cx.tokens("max_per_address", t, token.decimals, &token.symbol))
        .transpose()?;
    let sources = sources(raw.sources, &token, cx)?;
    let pools = pools(raw.pools, &sources, &token, cx)?;
    let (excludes, exclude_contracts) = exclude::exclusions(raw.excludes, &sources, cx)?;
    let (vesting, claim) = claim::vesting_and_claim(raw.vesting, raw.claim, cx)?;
    let sybil = sybil::sybil(raw.sybil, cx)?;

    let campaign = Campaign {
        file: cx.file.to_owned(),
        name: raw.name,
        description: raw.description,
        chain_id: raw.chain_id,
        token,
        budget,
        budget_text: raw.budget.trim().to_owned(),
        tree,
        dust_to,
        max_per_address,
        sources,
        pools,
        excludes,
        exclude_contracts,
        vesting,
        claim,
        sybil,
    };
    campaign.pool_amounts()?;
    Ok(campaign)
}

fn token_and_budget(raw: &RawCampaign, cx: &Ctx<'_>) -> Result<(Token, U256)> {
    let symbol = raw.token.symbol.clone();
    let decimals = raw.token.decimals;
    if decimals > 77 {
        return Err(cx.err(
            "token.decimals",
            format!("{decimals} decimals do not fit uint256; use at most 77 (18 is usual)"),
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(cx.err("name", "empty name; give the campaign a name"));
    }
    let token = Token {
        address: cx.address("token.address", &raw.token.address)?,
        symbol: symbol.clone(),
        decimals,
    };
    let budget = parse_decimal(&raw.budget, decimals).map_err(|e| {
        cx.err(
            "budget",
            format!("budget {:?}: {e} for token {symbol}", raw.budget.trim()),
        )
    })?;
    if budget.is_zero() {
        return Err(cx.err(
            "budget",
            "budget is 0; give the number of whole tokens to distribute, e.g. \"1000000\"",
        ));
    }
    Ok((token, budget))
}

fn tree_options(format: Option<&str>, shards: Option<u16>, cx: &Ctx<'_>) -> Result<TreeOptions> {
    let preset: Preset = format
        .unwrap_or("uniswap")
        .parse()
        .map_err(|e: airdrop_merkle::MerkleError| cx.err("format", e.to_string()))?;
    let mut tree = TreeOptions::new(preset);
    if shards.is_some() {
        tree.shards = shards;
    }
    if matches!(preset, Preset::Jito) {
        return Err(cx.err("format", "\"jito\" is a Solana format; campaigns pay EVM addresses, use uniswap, oz-standard, ens, balancer or morpho"));
    }
    tree.validate()
        .map_err(|e| cx.err("shards", e.to_string()))?;
    Ok(tree)
}

fn sources(raw: Vec<RawSource>, token: &Token, cx: &Ctx<'_>) -> Result<Vec<SourceSpec>> {
    let mut sources = Vec::with_capacity(raw.len());
    for s in raw {
        let spec = source::source_spec(s, token, cx)?;
        if sources.iter().any(|o: &SourceSpec| o.name == spec.name) {
            return Err(cx.err(
                format!("source {:?}.name", spec.name),
                "duplicate source name; give each source a unique name",
            ));
        }
        sources.push(spec);
    }
    Ok(sources)
}

fn pools(
    raw: Vec<RawPool>,
    sources: &[SourceSpec],
    token: &Token,
    cx: &Ctx<'_>,
) -> Result<Vec<PoolSpec>> {
    if raw.is_empty() {
        return Err(cx.err(
            "pool",
            "no pools; add at least one [[pool]] with a source, share and rule",
        ));
    }
    let mut pools: Vec<PoolSpec> = Vec::with_capacity(raw.len());
    for p in raw {
        let pool = pool::pool_spec(p, sources, token, cx)?;
        if pools.iter().any(|o| o.name == pool.name) {
            return Err(cx.err(
                format!("pool {:?}.name", pool.name),
                "duplicate pool name; pools default to their source's name, so give a second pool on the same source its own name",
            ));
        }
        pools.push(pool);
    }
    Ok(pools)
}

#[cfg(test)]
mod tests;
