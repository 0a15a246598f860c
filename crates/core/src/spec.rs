//! The campaign spec: TOML in, a validated [`Campaign`] out. Every amount is converted to base
//! units here, exactly, and every reference (pool → source, rule → column) is resolved, so the
//! allocation code never sees a string it has to interpret.

use crate::error::{CoreError, Result};
use crate::units::{self, hundred_percent, parse_decimal, parse_percent, pow10};
use airdrop_merkle::address::{
    find_secrets, parse_address, redact_secrets, refuse_secret, shown, AddressError, ZERO_RECIPIENT,
};
use airdrop_merkle::limits::{size, MAX_SPEC_BYTES};
use airdrop_merkle::{Address, Preset, TreeOptions, U256};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Decimals of a flag multiplier's `factor` (`"1.5"` is fine, `"1.0000001"` is not).
pub const FACTOR_DECIMALS: u8 = 6;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    name: String,
    description: Option<String>,
    chain_id: u64,
    token: RawToken,
    budget: String,
    format: Option<String>,
    shards: Option<u16>,
    dust_to: Option<String>,
    max_per_address: Option<String>,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
    #[serde(default, rename = "pool")]
    pools: Vec<RawPool>,
    #[serde(default, rename = "exclude", deserialize_with = "one_or_many")]
    excludes: Vec<RawExclude>,
    vesting: Option<RawVesting>,
    claim: Option<RawClaim>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    address: String,
    symbol: String,
    decimals: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    kind: String,
    file: Option<String>,
    format: Option<String>,
    address_column: Option<String>,
    columns: Option<BTreeMap<String, String>>,
    decimals: Option<u8>,
    base_units: Option<bool>,
    // Chain kinds (erc20-balances, erc721-holders, native-balances, contract-users).
    rpc: Option<String>,
    rpc_env: Option<String>,
    token: Option<String>,
    block: Option<toml::Value>,
    min: Option<String>,
    from_block: Option<u64>,
    to_block: Option<u64>,
    deploy_block: Option<u64>,
    contracts: Option<Vec<String>>,
    events: Option<Vec<String>>,
    txs: Option<bool>,
    candidates: Option<String>,
    exclude_contracts: Option<bool>,
    allow: Option<String>,
    verify_sample: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPool {
    name: Option<String>,
    source: String,
    share: String,
    rule: String,
    column: Option<String>,
    weight: Option<String>,
    tiers: Option<Vec<RawTier>>,
    per_point: Option<String>,
    min: Option<String>,
    cap: Option<String>,
    floor: Option<String>,
    #[serde(default)]
    multiplier: Vec<RawMultiplier>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    min: String,
    amount: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMultiplier {
    flag: Option<String>,
    column: Option<String>,
    factor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclude {
    name: Option<String>,
    reason: Option<String>,
    file: Option<String>,
    address_column: Option<String>,
    addresses: Option<Vec<String>>,
    contracts: Option<bool>,
    allow: Option<String>,
}

/// `[exclude]` (one table) or `[[exclude]]` (an array of tables), with the inner errors (unknown
/// keys, their lines) intact.
fn one_or_many<'de, D>(d: D) -> std::result::Result<Vec<RawExclude>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Vec<RawExclude>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an [exclude] table or [[exclude]] tables")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            RawExclude::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                .map(|e| vec![e])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            Vec::<RawExclude>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
        }
    }
    d.deserialize_any(Visit)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVesting {
    unlocked: String,
    cliff: String,
    duration: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    start: String,
    deadline: String,
    clawback_to: Option<String>,
}

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

/// What a source's rows mean, for the report and for defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Balances at a snapshot (standard and holder airdrops).
    Balances,
    /// An allowlist: membership is the fact (exclusive airdrops).
    List,
    /// Points earned (bounties, quests).
    Points,
}

impl SourceKind {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Balances => "balances",
            SourceKind::List => "list",
            SourceKind::Points => "points",
        }
    }
}

/// File format of a source or exclusion file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// A value column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A non-negative decimal, kept as an integer scaled by the source's `decimals`.
    Number,
    /// true/false (also 1/0, yes/no; empty is false), kept as 1/0.
    Flag,
}

/// One named value column of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Header name in the file.
    pub name: String,
    /// Type.
    pub kind: ColumnKind,
}

/// Where facts come from and how to read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// Name pools refer to.
    pub name: String,
    /// What the rows mean.
    pub kind: SourceKind,
    /// Path relative to the campaign file, as written in the spec.
    pub file: String,
    /// CSV or JSON.
    pub format: FileFormat,
    /// Header of the address column.
    pub address_column: String,
    /// Value columns, in spec order (sorted by name).
    pub columns: Vec<ColumnSpec>,
    /// Scale of number columns: values are kept as `value · 10^decimals`.
    pub decimals: u8,
    /// Number columns hold integers already scaled by `10^decimals` (base units from a snapshot).
    pub base_units: bool,
    /// A chain snapshot instead of a file (`file` is then empty): what the CLI hands to
    /// `airdrop_chain::SnapshotSource`.
    pub chain: Option<ChainSourceSpec>,
}

/// The chain snapshot kinds a source may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainKind {
    /// ERC-20 balances at the block, from Transfer logs (column `balance`).
    Erc20Balances,
    /// ERC-721 tokens held per address (column `count`).
    Erc721Holders,
    /// Native coin balances of candidate addresses (column `balance`).
    NativeBalances,
    /// Addresses that used given contracts (columns `first_block`, `tx_count`, `event_count`).
    ContractUsers,
}

impl ChainKind {
    /// The spec name (the same as `airdrop snapshot --kind`).
    pub fn name(self) -> &'static str {
        match self {
            ChainKind::Erc20Balances => "erc20-balances",
            ChainKind::Erc721Holders => "erc721-holders",
            ChainKind::NativeBalances => "native-balances",
            ChainKind::ContractUsers => "contract-users",
        }
    }

    fn parse(name: &str) -> Option<ChainKind> {
        Some(match name {
            "erc20-balances" => ChainKind::Erc20Balances,
            "erc721-holders" => ChainKind::Erc721Holders,
            "native-balances" => ChainKind::NativeBalances,
            "contract-users" => ChainKind::ContractUsers,
            _ => return None,
        })
    }

    /// Value columns of the facts, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ChainKind::Erc20Balances | ChainKind::NativeBalances => &["balance"],
            ChainKind::Erc721Holders => &["count"],
            ChainKind::ContractUsers => &["first_block", "tx_count", "event_count"],
        }
    }
}

/// Where a chain source's node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcRef {
    /// The URL, written in the spec.
    Url(String),
    /// The name of an environment variable holding the URL (URLs often carry API keys).
    Env(String),
}

/// A chain snapshot source, validated but not resolved: the CLI reads the files it names
/// (`candidates`, `allow`, relative to the spec), resolves `rpc_env` and takes the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSourceSpec {
    /// What to snapshot.
    pub kind: ChainKind,
    /// The node.
    pub rpc: RpcRef,
    /// The snapshot block (a number: `latest` would not rebuild the same).
    pub block: u64,
    /// Token (ERC-20/721).
    pub token: Option<Address>,
    /// Rows below this are dropped: base units for balances, tokens held for ERC-721,
    /// transactions + events for contract users.
    pub min: U256,
    /// First block to scan (`from_block`, or `deploy_block` for token kinds).
    pub from_block: Option<u64>,
    /// Last block to scan for candidates or users.
    pub to_block: Option<u64>,
    /// Contract users: the contracts.
    pub contracts: Vec<Address>,
    /// Contract users: event signatures whose address arguments count as users.
    pub events: Vec<String>,
    /// Contract users: whether transaction senders count.
    pub include_txs: bool,
    /// Native balances: file of candidate addresses (relative to the spec).
    pub candidates: Option<String>,
    /// Drop addresses with code at the block.
    pub exclude_contracts: bool,
    /// File of addresses kept despite having code (relative to the spec).
    pub allow: Option<String>,
    /// Computed token balances checked with `balanceOf` (default 32; 0: none).
    pub verify_sample: Option<u32>,
}

/// `[exclude] contracts = true`: drop every address (of any source) that has code at the chain
/// sources' snapshot block, except the allowlisted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractExclusion {
    /// Name for reports.
    pub name: String,
    /// Why, for reports.
    pub reason: String,
    /// File of addresses kept although they have code (smart wallets), relative to the spec.
    pub allow: Option<String>,
}

impl SourceSpec {
    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

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

/// An exclusion list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludeSpec {
    /// Name for reports.
    pub name: String,
    /// Why these addresses get nothing.
    pub reason: String,
    /// File (relative to the campaign file), if any.
    pub file: Option<String>,
    /// Header of the address column in `file`.
    pub address_column: String,
    /// Addresses given inline.
    pub addresses: Vec<Address>,
}

/// Lockup: a part unlocked at the claim start, the rest linear after a cliff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vesting {
    /// Unlocked at start, percent scaled by 10^18.
    pub unlocked: U256,
    /// As written.
    pub unlocked_text: String,
    /// Cliff in seconds.
    pub cliff_seconds: u64,
    /// Total vesting duration in seconds.
    pub duration_seconds: u64,
}

/// Claim window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimWindow {
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds.
    pub deadline: i64,
    /// As written (RFC 3339).
    pub start_text: String,
    /// As written (RFC 3339).
    pub deadline_text: String,
    /// Where unclaimed tokens go after the deadline.
    pub clawback_to: Option<Address>,
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

    /// Amount of each pool in base units: fixed amounts as given, percentages of the budget
    /// split by largest remainder so they add up exactly, `rest` takes what is left.
    pub fn pool_amounts(&self) -> Result<Vec<U256>> {
        pool_amounts(self)
    }
}

/// Longest line of a spec, in bytes.
pub const MAX_SPEC_LINE: usize = 4096;
/// Longest string value of a spec, in characters, other than `description`.
pub const MAX_SPEC_VALUE: usize = 512;

/// The whole text first: its size, its lines, and the key guard over all of it — values,
/// keys and comments alike — so a secret anywhere in a spec is refused with its line before
/// any parser can quote it, and never reaches a manifest, a report or a tree.
fn check_text(text: &str, file: &str) -> Result<()> {
    let at = |line: usize, detail: String| CoreError::Toml {
        file: file.to_owned(),
        line,
        detail,
    };
    if text.len() as u64 > MAX_SPEC_BYTES {
        return Err(at(
            1,
            format!(
                "the spec is larger than {}; a campaign spec is a short TOML file (data belongs in source files)",
                size(MAX_SPEC_BYTES)
            ),
        ));
    }
    if let Some(m) = find_secrets(text).first() {
        let line = text[..m.start].matches('\n').count() + 1;
        let line_text = text.lines().nth(line - 1).unwrap_or_default();
        let reason = refuse_secret(line_text)
            .err()
            .or_else(|| refuse_secret(text).err())
            .unwrap_or(AddressError::Secret {
                kind: m.kind,
                redacted: String::new(),
            });
        return Err(CoreError::Address {
            location: format!("{file}:{line}"),
            reason,
        });
    }
    if let Some((i, _)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_SPEC_LINE)
    {
        return Err(at(
            i + 1,
            format!("line is longer than {MAX_SPEC_LINE} bytes; keep spec lines short (data belongs in source files)"),
        ));
    }
    Ok(())
}

/// Every string value short (but `description`), so no message quoting one can be long.
fn check_values(value: &toml::Value, path: &str, file: &str) -> Result<()> {
    let join = |k: &str| {
        let k = if !k.is_empty()
            && k.len() <= 64
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            k.to_owned()
        } else {
            shown(k)
        };
        if path.is_empty() {
            k
        } else {
            format!("{path}.{k}")
        }
    };
    match value {
        toml::Value::String(s) if s.chars().count() > MAX_SPEC_VALUE && !path.ends_with("description") => {
            Err(CoreError::Spec {
                file: file.to_owned(),
                key: path.to_owned(),
                detail: format!(
                    "value is {} characters; spec values are at most {MAX_SPEC_VALUE} (only description may be longer)",
                    s.chars().count()
                ),
            })
        }
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_values(v, &format!("{path}[{i}]"), file)),
        toml::Value::Table(t) => t.iter().try_for_each(|(k, v)| check_values(v, &join(k), file)),
        _ => Ok(()),
    }
}

fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> CoreError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
        .unwrap_or(1);
    // A span that starts at a line break belongs to the next line.
    let line = match e.span() {
        Some(s) if text[..s.start.min(text.len())].ends_with('\n') => line + 1,
        _ => line,
    };
    // The parser's message may quote a value: redacted and cut like every quoted input.
    let message = redact_secrets(e.message().replace('\n', " ").trim());
    let detail: String = message.chars().take(300).collect();
    CoreError::Toml {
        file: file.to_owned(),
        line,
        detail,
    }
}

fn validate(raw: RawCampaign, cx: &Ctx<'_>) -> Result<Campaign> {
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

    let preset_name = raw.format.as_deref().unwrap_or("uniswap");
    let preset: Preset = preset_name
        .parse()
        .map_err(|e: airdrop_merkle::MerkleError| cx.err("format", e.to_string()))?;
    let mut tree = TreeOptions::new(preset);
    if raw.shards.is_some() {
        tree.shards = raw.shards;
    }
    if matches!(preset, Preset::Jito) {
        return Err(cx.err("format", "\"jito\" is a Solana format; campaigns pay EVM addresses, use uniswap, oz-standard, ens, balancer or morpho"));
    }
    tree.validate()
        .map_err(|e| cx.err("shards", e.to_string()))?;

    let dust_to = raw
        .dust_to
        .as_deref()
        .map(|t| cx.recipient("dust_to", t))
        .transpose()?;
    let max_per_address = raw
        .max_per_address
        .as_deref()
        .map(|t| cx.tokens("max_per_address", t, decimals, &symbol))
        .transpose()?;

    let mut sources = Vec::with_capacity(raw.sources.len());
    for s in raw.sources {
        let spec = source_spec(s, &token, cx)?;
        if sources.iter().any(|o: &SourceSpec| o.name == spec.name) {
            return Err(cx.err(
                format!("source {:?}.name", spec.name),
                "duplicate source name; give each source a unique name",
            ));
        }
        sources.push(spec);
    }
    if raw.pools.is_empty() {
        return Err(cx.err(
            "pool",
            "no pools; add at least one [[pool]] with a source, share and rule",
        ));
    }
    let mut pools: Vec<PoolSpec> = Vec::with_capacity(raw.pools.len());
    for p in raw.pools {
        let pool = pool_spec(p, &sources, &token, cx)?;
        if pools.iter().any(|o| o.name == pool.name) {
            return Err(cx.err(
                format!("pool {:?}.name", pool.name),
                "duplicate pool name; pools default to their source's name, so give a second pool on the same source its own name",
            ));
        }
        pools.push(pool);
    }

    let mut excludes = Vec::new();
    let mut exclude_contracts: Option<ContractExclusion> = None;
    for (i, e) in raw.excludes.into_iter().enumerate() {
        let key = match &e.name {
            Some(n) => format!("exclude {n:?}"),
            None => format!("exclude[{i}]"),
        };
        let contracts = e.contracts.unwrap_or(false);
        let listed = e.file.is_some() || e.addresses.is_some();
        if !listed && !contracts {
            return Err(cx.err(
                key,
                "an exclusion needs file = \"...\", addresses = [...] or contracts = true",
            ));
        }
        if e.allow.is_some() && !contracts {
            return Err(cx.err(
                format!("{key}.allow"),
                "allow keeps smart wallets from the contract check; it needs contracts = true",
            ));
        }
        if contracts {
            if exclude_contracts.is_some() {
                return Err(cx.err(
                    format!("{key}.contracts"),
                    "contracts = true is set twice; set it once",
                ));
            }
            exclude_contracts = Some(ContractExclusion {
                name: e.name.clone().unwrap_or_else(|| "contracts".into()),
                reason: e.reason.clone().unwrap_or_else(|| {
                    "has code at the snapshot block (a contract, not a wallet)".into()
                }),
                allow: e.allow.clone(),
            });
        }
        if !listed {
            continue;
        }
        let (Some(name), Some(reason)) = (e.name, e.reason) else {
            return Err(cx.err(
                key,
                "an exclusion list needs name = \"...\" and reason = \"...\" (shown in reports)",
            ));
        };
        let mut addresses = Vec::new();
        for (j, a) in e.addresses.unwrap_or_default().iter().enumerate() {
            addresses.push(cx.address(&format!("{key}.addresses[{j}]"), a)?);
        }
        excludes.push(ExcludeSpec {
            name,
            reason,
            file: e.file,
            address_column: e.address_column.unwrap_or_else(|| "address".into()),
            addresses,
        });
    }
    if exclude_contracts.is_some() && !sources.iter().any(|s| s.chain.is_some()) {
        return Err(cx.err(
            "exclude.contracts",
            "contracts = true checks code at the snapshot block of a chain source, and this campaign has none; add a [[source]] with kind = \"erc20-balances\" (or another chain kind), or list the contracts in a file",
        ));
    }

    let vesting = raw
        .vesting
        .map(|v| -> Result<Vesting> {
            let unlocked = parse_percent(&v.unlocked).map_err(|e| cx.err("vesting.unlocked", e))?;
            let cliff_seconds = units::parse_duration(&v.cliff).map_err(|e| cx.err("vesting.cliff", e))?;
            let duration_seconds = units::parse_duration(&v.duration).map_err(|e| cx.err("vesting.duration", e))?;
            if cliff_seconds > duration_seconds {
                return Err(cx.err("vesting.cliff", format!("cliff {:?} is longer than duration {:?}; the cliff falls inside the vesting period", v.cliff, v.duration)));
            }
            Ok(Vesting { unlocked, unlocked_text: v.unlocked.trim().to_owned(), cliff_seconds, duration_seconds })
        })
        .transpose()?;
    let claim = raw
        .claim
        .map(|c| -> Result<ClaimWindow> {
            let start = units::parse_timestamp(&c.start).map_err(|e| cx.err("claim.start", e))?;
            let deadline =
                units::parse_timestamp(&c.deadline).map_err(|e| cx.err("claim.deadline", e))?;
            if deadline <= start {
                return Err(cx.err(
                    "claim.deadline",
                    format!("deadline {:?} is not after start {:?}", c.deadline, c.start),
                ));
            }
            let clawback_to = c
                .clawback_to
                .as_deref()
                .map(|t| cx.recipient("claim.clawback_to", t))
                .transpose()?;
            Ok(ClaimWindow {
                start,
                deadline,
                start_text: c.start.trim().to_owned(),
                deadline_text: c.deadline.trim().to_owned(),
                clawback_to,
            })
        })
        .transpose()?;
    if vesting.is_some() && claim.is_none() {
        return Err(cx.err(
            "vesting",
            "vesting starts at the claim start; add a [claim] table with start and deadline",
        ));
    }

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
    };
    campaign.pool_amounts()?;
    Ok(campaign)
}

fn source_spec(s: RawSource, token: &Token, cx: &Ctx<'_>) -> Result<SourceSpec> {
    let key = format!("source {:?}", s.name);
    if let Some(kind) = ChainKind::parse(s.kind.trim()) {
        return chain_source_spec(s, kind, token, cx);
    }
    let chain_keys: [(&str, bool); 15] = [
        ("rpc", s.rpc.is_some()),
        ("rpc_env", s.rpc_env.is_some()),
        ("token", s.token.is_some()),
        ("block", s.block.is_some()),
        ("min", s.min.is_some()),
        ("from_block", s.from_block.is_some()),
        ("to_block", s.to_block.is_some()),
        ("deploy_block", s.deploy_block.is_some()),
        ("contracts", s.contracts.is_some()),
        ("events", s.events.is_some()),
        ("txs", s.txs.is_some()),
        ("candidates", s.candidates.is_some()),
        ("exclude_contracts", s.exclude_contracts.is_some()),
        ("allow", s.allow.is_some()),
        ("verify_sample", s.verify_sample.is_some()),
    ];
    if let Some((k, _)) = chain_keys.iter().find(|(_, set)| *set) {
        return Err(cx.err(
            format!("{key}.{k}"),
            format!("{k} applies to chain sources only (kind = \"erc20-balances\", \"erc721-holders\", \"native-balances\" or \"contract-users\"); this source's kind is {:?}", s.kind),
        ));
    }
    let Some(file) = s.file else {
        return Err(cx.err(
            format!("{key}.file"),
            format!("a source of kind {:?} needs file = \"...\" (a CSV or JSON file, relative to the spec)", s.kind),
        ));
    };
    let kind = match s.kind.as_str() {
        "balances" => SourceKind::Balances,
        "list" => SourceKind::List,
        "points" => SourceKind::Points,
        other => {
            return Err(cx.err(
                format!("{key}.kind"),
                format!("unknown source kind {other:?}; use balances, list or points (files), or erc20-balances, erc721-holders, native-balances or contract-users (chain snapshots)"),
            ))
        }
    };
    let format = match s.format.as_deref() {
        Some("csv") => FileFormat::Csv,
        Some("json") => FileFormat::Json,
        Some(other) => {
            return Err(cx.err(
                format!("{key}.format"),
                format!("unknown file format {other:?}; use csv or json"),
            ))
        }
        None if file.to_ascii_lowercase().ends_with(".json") => FileFormat::Json,
        None => FileFormat::Csv,
    };
    let columns: Vec<ColumnSpec> = match s.columns {
        Some(map) => map
            .into_iter()
            .map(|(name, ty)| match ty.as_str() {
                "number" => Ok(ColumnSpec {
                    name,
                    kind: ColumnKind::Number,
                }),
                "flag" => Ok(ColumnSpec {
                    name,
                    kind: ColumnKind::Flag,
                }),
                other => Err(cx.err(
                    format!("{key}.columns.{name}"),
                    format!("unknown column type {other:?}; use number or flag"),
                )),
            })
            .collect::<Result<_>>()?,
        None => match kind {
            SourceKind::Balances => vec![ColumnSpec {
                name: "balance".into(),
                kind: ColumnKind::Number,
            }],
            SourceKind::Points => vec![ColumnSpec {
                name: "points".into(),
                kind: ColumnKind::Number,
            }],
            SourceKind::List => vec![],
        },
    };
    let decimals = s.decimals.unwrap_or(0);
    if decimals > 77 {
        return Err(cx.err(
            format!("{key}.decimals"),
            format!("{decimals} decimals do not fit uint256; use at most 77"),
        ));
    }
    Ok(SourceSpec {
        name: s.name,
        kind,
        file,
        format,
        address_column: s.address_column.unwrap_or_else(|| "address".into()),
        columns,
        decimals,
        base_units: s.base_units.unwrap_or(false),
        chain: None,
    })
}

/// A `[[source]]` of a chain kind: which keys it needs and takes, `min` in whole units.
fn chain_source_spec(
    s: RawSource,
    kind: ChainKind,
    token: &Token,
    cx: &Ctx<'_>,
) -> Result<SourceSpec> {
    let key = |k: &str| format!("source {:?}.{k}", s.name);
    let kname = kind.name();
    let file_keys: [(&str, bool); 5] = [
        ("file", s.file.is_some()),
        ("format", s.format.is_some()),
        ("address_column", s.address_column.is_some()),
        ("columns", s.columns.is_some()),
        ("base_units", s.base_units.is_some()),
    ];
    if let Some((k, _)) = file_keys.iter().find(|(_, set)| *set) {
        return Err(cx.err(
            key(k),
            format!("{k} applies to file sources only; a {kname} source is a snapshot taken over rpc (to allocate from a snapshot file, use kind = \"balances\" with file = \"...\" and base_units = true)"),
        ));
    }
    let token_kind = matches!(kind, ChainKind::Erc20Balances | ChainKind::Erc721Holders);
    let not_for = |k: &str, set: bool, ok: bool| -> Result<()> {
        if set && !ok {
            return Err(cx.err(key(k), format!("{k} does not apply to kind {kname:?}")));
        }
        Ok(())
    };
    not_for("token", s.token.is_some(), token_kind)?;
    not_for(
        "decimals",
        s.decimals.is_some(),
        matches!(kind, ChainKind::Erc20Balances | ChainKind::NativeBalances),
    )?;
    not_for("deploy_block", s.deploy_block.is_some(), token_kind)?;
    not_for(
        "to_block",
        s.to_block.is_some(),
        matches!(kind, ChainKind::NativeBalances | ChainKind::ContractUsers),
    )?;
    not_for(
        "candidates",
        s.candidates.is_some(),
        kind == ChainKind::NativeBalances,
    )?;
    let users = kind == ChainKind::ContractUsers;
    not_for("contracts", s.contracts.is_some(), users)?;
    not_for("events", s.events.is_some(), users)?;
    not_for("txs", s.txs.is_some(), users)?;
    not_for("verify_sample", s.verify_sample.is_some(), token_kind)?;
    if s.allow.is_some() && !s.exclude_contracts.unwrap_or(false) {
        return Err(cx.err(
            key("allow"),
            "allow keeps smart wallets from the contract check; it needs exclude_contracts = true",
        ));
    }

    let rpc = match (s.rpc, s.rpc_env) {
        (Some(url), None) => {
            let url = url.trim().to_owned();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(cx.err(key("rpc"), format!("{url:?} is not an http(s) url; write rpc = \"https://…\" or name an environment variable holding it with rpc_env = \"…\"")));
            }
            RpcRef::Url(url)
        }
        (None, Some(env)) => {
            let env = env.trim().to_owned();
            if env.is_empty() || !env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(cx.err(key("rpc_env"), format!("{env:?} is not an environment variable name; e.g. rpc_env = \"MAINNET_RPC\"")));
            }
            RpcRef::Env(env)
        }
        (Some(_), Some(_)) => {
            return Err(cx.err(
                key("rpc"),
                "give rpc or rpc_env, not both",
            ))
        }
        (None, None) => {
            return Err(cx.err(
                key("rpc"),
                format!("a {kname} source needs rpc = \"https://…\" (a JSON-RPC node of chain {}), or rpc_env = \"VAR\" naming an environment variable that holds the url", "the campaign's chain_id"),
            ))
        }
    };
    let block = match &s.block {
        Some(toml::Value::Integer(n)) if *n >= 0 => *n as u64,
        Some(other) => {
            return Err(cx.err(
                key("block"),
                format!("{} is not a block number; write the snapshot block as an integer, e.g. block = 19000000 (not \"latest\": a campaign must rebuild the same)", shown(&other.to_string())),
            ))
        }
        None => {
            return Err(cx.err(
                key("block"),
                format!("a {kname} source needs block = N, the snapshot block (pick a final block)"),
            ))
        }
    };
    let token_address = match (&s.token, token_kind) {
        (Some(t), _) => Some(cx.address(&key("token"), t)?),
        (None, true) => {
            return Err(cx.err(
                key("token"),
                format!("a {kname} source needs token = \"0x…\", the token contract to snapshot"),
            ))
        }
        (None, false) => None,
    };
    if s.from_block.is_some() && s.deploy_block.is_some() {
        return Err(cx.err(
            key("deploy_block"),
            "give from_block or deploy_block, not both (both set where the scan starts)",
        ));
    }
    let from_block = s.from_block.or(s.deploy_block);
    if let Some(f) = from_block {
        if f > block {
            let k = if s.from_block.is_some() {
                "from_block"
            } else {
                "deploy_block"
            };
            return Err(cx.err(key(k), format!("{f} is after the snapshot block {block}")));
        }
    }
    if let (Some(f), Some(t)) = (from_block, s.to_block) {
        if t < f {
            return Err(cx.err(key("to_block"), format!("{t} is before from_block {f}")));
        }
    }
    if kind == ChainKind::NativeBalances && s.candidates.is_none() && from_block.is_none() {
        return Err(cx.err(
            key("candidates"),
            "a native-balances source needs candidates = \"file.csv\" (the addresses to look up), or from_block = N to take every sender and recipient of a transaction from there to the block",
        ));
    }
    let mut contracts = Vec::new();
    for (j, c) in s
        .contracts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        contracts.push(cx.address(&key(&format!("contracts[{j}]")), c)?);
    }
    if users && contracts.is_empty() {
        return Err(cx.err(
            key("contracts"),
            "a contract-users source needs contracts = [\"0x…\", …], the contracts whose users count",
        ));
    }
    let include_txs = s.txs.unwrap_or(true);
    let events = s.events.unwrap_or_default();
    if users && !include_txs && events.is_empty() {
        return Err(cx.err(
            key("txs"),
            "txs = false with no events counts nobody; list events = [\"Swap(address indexed sender, …)\"] or drop txs = false",
        ));
    }
    // `min` is in whole units: tokens for balances (at the source's decimals, by default the
    // campaign token's; 18 for the native coin), a count for holders and users.
    let decimals = match kind {
        ChainKind::Erc20Balances => s.decimals.unwrap_or(token.decimals),
        ChainKind::NativeBalances => s.decimals.unwrap_or(18),
        ChainKind::Erc721Holders | ChainKind::ContractUsers => 0,
    };
    if decimals > 77 {
        return Err(cx.err(
            key("decimals"),
            format!("{decimals} decimals do not fit uint256; use at most 77"),
        ));
    }
    let min = match &s.min {
        None => U256::ZERO,
        Some(t) => parse_decimal(t, decimals).map_err(|e| {
            let unit = match kind {
                ChainKind::Erc20Balances => format!("whole tokens at {decimals} decimals (set decimals = … if the snapshot token has other decimals than {})", token.symbol),
                ChainKind::NativeBalances => format!("whole coins at {decimals} decimals"),
                ChainKind::Erc721Holders => "a number of tokens held (an integer)".into(),
                ChainKind::ContractUsers => "a number of transactions + events (an integer)".into(),
            };
            cx.err(key("min"), format!("min {:?}: {e}; min is in {unit}", t.trim()))
        })?,
    };
    let columns = kind
        .columns()
        .iter()
        .map(|c| ColumnSpec {
            name: (*c).to_owned(),
            kind: ColumnKind::Number,
        })
        .collect();
    Ok(SourceSpec {
        name: s.name,
        kind: if users {
            SourceKind::List
        } else {
            SourceKind::Balances
        },
        file: String::new(),
        format: FileFormat::Csv,
        address_column: "address".into(),
        columns,
        decimals,
        base_units: true,
        chain: Some(ChainSourceSpec {
            kind,
            rpc,
            block,
            token: token_address,
            min,
            from_block,
            to_block: s.to_block,
            contracts,
            events,
            include_txs,
            candidates: s.candidates,
            exclude_contracts: s.exclude_contracts.unwrap_or(false),
            allow: s.allow,
            verify_sample: s.verify_sample,
        }),
    })
}

fn pool_spec(p: RawPool, sources: &[SourceSpec], token: &Token, cx: &Ctx<'_>) -> Result<PoolSpec> {
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

fn pool_amounts(c: &Campaign) -> Result<Vec<U256>> {
    let err = |key: String, detail: String| CoreError::Spec {
        file: c.file.clone(),
        key,
        detail,
    };
    let hundred = hundred_percent();
    let mut percent_sum = U256::ZERO;
    let mut fixed_sum = U256::ZERO;
    let mut rest: Option<usize> = None;
    for (i, p) in c.pools.iter().enumerate() {
        match &p.share {
            Share::Percent(v) => percent_sum += *v,
            Share::Fixed(v) => {
                fixed_sum = fixed_sum.checked_add(*v).ok_or_else(|| {
                    err(
                        format!("pool {:?}.share", p.name),
                        "fixed shares overflow uint256".into(),
                    )
                })?
            }
            Share::Rest => {
                if let Some(first) = rest {
                    return Err(err(
                        format!("pool {:?}.share", p.name),
                        format!(
                            "only one pool can take the \"rest\"; pool {:?} already does",
                            c.pools[first].name
                        ),
                    ));
                }
                rest = Some(i);
            }
        }
    }
    let fmt_pct = |v: U256| format!("{}%", units::format_units(v, units::PERCENT_DECIMALS));
    let fmt_tok = |v: U256| {
        format!(
            "{} {}",
            units::format_units(v, c.token.decimals),
            c.token.symbol
        )
    };
    if percent_sum > hundred {
        return Err(err(
            "pool.share".into(),
            format!(
                "pool shares add up to {}, over 100%; lower some shares",
                fmt_pct(percent_sum)
            ),
        ));
    }
    // Percentages apportioned by largest remainder: the exact total floor(budget · Σp) is paid.
    let wide = |v: U256| crate::math::wide(v);
    let budget = wide(c.budget);
    let target = crate::math::narrow(budget * wide(percent_sum) / wide(hundred));
    let mut amounts = vec![U256::ZERO; c.pools.len()];
    let mut rems: Vec<(alloy_primitives::U512, usize)> = Vec::new();
    let mut given = U256::ZERO;
    for (i, p) in c.pools.iter().enumerate() {
        match &p.share {
            Share::Percent(v) => {
                let prod = budget * wide(*v);
                let q = prod / wide(hundred);
                amounts[i] = crate::math::narrow(q);
                given += amounts[i];
                rems.push((prod - q * wide(hundred), i));
            }
            Share::Fixed(v) => amounts[i] = *v,
            Share::Rest => {}
        }
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = (target - given).to::<u64>() as usize;
    for (_, i) in rems.iter().take(left) {
        amounts[*i] += U256::from(1u8);
    }
    let taken = fixed_sum.checked_add(target).unwrap_or(U256::MAX);
    if taken > c.budget {
        return Err(err(
            "pool.share".into(),
            format!(
                "pools take {} of a budget of {}; lower the fixed amounts or percentages",
                fmt_tok(taken),
                fmt_tok(c.budget)
            ),
        ));
    }
    let left_over = c.budget - taken;
    match rest {
        Some(i) => amounts[i] = left_over,
        None if !left_over.is_zero() => {
            return Err(err(
                "pool.share".into(),
                format!("pools take {} of a budget of {}, leaving {} for nobody; add a pool with share = \"rest\" or raise the shares", fmt_tok(taken), fmt_tok(c.budget), fmt_tok(left_over)),
            ))
        }
        None => {}
    }
    for (i, p) in c.pools.iter().enumerate() {
        if amounts[i].is_zero() {
            return Err(err(
                format!("pool {:?}.share", p.name),
                format!(
                    "pool gets 0 {} ({:?} of {}); raise its share or remove the pool",
                    c.token.symbol,
                    p.share_text,
                    fmt_tok(c.budget)
                ),
            ));
        }
    }
    Ok(amounts)
}

/// 10^decimals of a source (its number columns' scale).
pub fn source_scale(s: &SourceSpec) -> U256 {
    pow10(u32::from(s.decimals)).unwrap_or(U256::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const TOKEN: &str = "0x1111111111111111111111111111111111111111";

    fn campaign(source: &str, extra: &str) -> Result<Campaign> {
        let text = format!(
            r#"name = "t"
chain_id = 1
token = {{ address = "0x00000000000000000000000000000000000000aa", symbol = "GEN", decimals = 6 }}
budget = "1000"

[[source]]
name = "holders"
{source}

[[pool]]
source = "holders"
share = "100%"
rule = "flat"
{extra}"#
        );
        Campaign::parse(&text, "campaign.toml")
    }

    fn err(source: &str) -> String {
        campaign(source, "").unwrap_err().to_string()
    }

    const ERC20: &str = r#"kind = "erc20-balances"
rpc = "http://127.0.0.1:8545"
token = "0x1111111111111111111111111111111111111111"
block = 100"#;

    #[test]
    fn erc20_source_parses_with_min_in_whole_tokens() {
        let c = campaign(&format!("{ERC20}\nmin = \"2.5\"\nfrom_block = 7\nexclude_contracts = true\nallow = \"wallets.csv\""), "").unwrap();
        let s = &c.sources[0];
        let chain = s.chain.as_ref().unwrap();
        assert_eq!(chain.kind, ChainKind::Erc20Balances);
        assert_eq!(chain.rpc, RpcRef::Url("http://127.0.0.1:8545".into()));
        assert_eq!(chain.block, 100);
        assert_eq!(chain.token, Some(parse_address(TOKEN).unwrap()));
        // The campaign token's 6 decimals.
        assert_eq!(chain.min, U256::from(2_500_000u64));
        assert_eq!(chain.from_block, Some(7));
        assert!(chain.exclude_contracts);
        assert_eq!(chain.allow.as_deref(), Some("wallets.csv"));
        assert_eq!(s.kind, SourceKind::Balances);
        assert_eq!(s.columns[0].name, "balance");
        assert!(s.base_units);
        assert_eq!(s.decimals, 6);

        // The source's own decimals win.
        let c = campaign(
            &format!("{ERC20}\ndecimals = 18\nmin = \"0.000000000000000001\""),
            "",
        )
        .unwrap();
        assert_eq!(c.sources[0].chain.as_ref().unwrap().min, U256::from(1u8));
        assert_eq!(c.sources[0].decimals, 18);
    }

    #[test]
    fn min_not_representable_at_decimals_is_an_error() {
        let e = err(&format!("{ERC20}\nmin = \"0.0000001\""));
        assert!(
            e.contains("source \"holders\".min") && e.contains("0.0000001"),
            "{e}"
        );
        assert!(e.contains("decimals"), "{e}");
        let e = err(
            "kind = \"erc721-holders\"\nrpc = \"http://x:1\"\ntoken = \"0x1111111111111111111111111111111111111111\"\nblock = 5\nmin = \"1.5\"",
        );
        assert!(
            e.contains("source \"holders\".min") && e.contains("integer"),
            "{e}"
        );
    }

    #[test]
    fn missing_keys_point_at_the_key() {
        let e = err("kind = \"erc20-balances\"\nrpc = \"http://x:1\"\ntoken = \"0x1111111111111111111111111111111111111111\"");
        assert!(
            e.contains("source \"holders\".block") && e.contains("block = N"),
            "{e}"
        );
        let e = err("kind = \"erc20-balances\"\nrpc = \"http://x:1\"\nblock = 5");
        assert!(
            e.contains("source \"holders\".token") && e.contains("token = "),
            "{e}"
        );
        let e = err("kind = \"erc20-balances\"\ntoken = \"0x1111111111111111111111111111111111111111\"\nblock = 5");
        assert!(
            e.contains("source \"holders\".rpc") && e.contains("rpc_env"),
            "{e}"
        );
        let e = err("kind = \"contract-users\"\nrpc = \"http://x:1\"\nblock = 5");
        assert!(e.contains("source \"holders\".contracts"), "{e}");
        let e = err("kind = \"native-balances\"\nrpc = \"http://x:1\"\nblock = 5");
        assert!(e.contains("source \"holders\".candidates"), "{e}");
        let e = err(&format!("{ERC20}\nblock = \"latest\"").replace("block = 100\n", ""));
        assert!(
            e.contains("source \"holders\".block") && e.contains("latest"),
            "{e}"
        );
    }

    #[test]
    fn unknown_and_misplaced_keys_are_rejected() {
        let e = err(&format!("{ERC20}\ncolour = \"red\""));
        assert!(
            e.contains("campaign.toml:") && e.contains("unknown field `colour`"),
            "{e}"
        );
        let e = err(&format!("{ERC20}\nfile = \"h.csv\""));
        assert!(e.contains("source \"holders\".file"), "{e}");
        let e = err(&format!("{ERC20}\ncandidates = \"c.csv\""));
        assert!(
            e.contains("source \"holders\".candidates") && e.contains("erc20-balances"),
            "{e}"
        );
        let e = err(&format!("{ERC20}\nallow = \"w.csv\""));
        assert!(
            e.contains("source \"holders\".allow") && e.contains("exclude_contracts"),
            "{e}"
        );
        let e = err(&format!("{ERC20}\nrpc_env = \"RPC\""));
        assert!(
            e.contains("source \"holders\".rpc") && e.contains("not both"),
            "{e}"
        );
        let e = err("kind = \"balances\"\nfile = \"h.csv\"\nblock = 5");
        assert!(
            e.contains("source \"holders\".block") && e.contains("chain sources only"),
            "{e}"
        );
        let e = err("kind = \"erc20-balance\"\nfile = \"h.csv\"");
        assert!(e.contains("erc20-balances"), "{e}");
    }

    #[test]
    fn other_kinds_and_rpc_env() {
        let c = campaign(
            "kind = \"contract-users\"\nrpc_env = \"MAINNET_RPC\"\nblock = 50\ncontracts = [\"0x1111111111111111111111111111111111111111\"]\nevents = [\"Swap(address indexed a)\"]\ntxs = false\nmin = \"2\"",
            "",
        )
        .unwrap();
        let s = &c.sources[0];
        let chain = s.chain.as_ref().unwrap();
        assert_eq!(chain.rpc, RpcRef::Env("MAINNET_RPC".into()));
        assert_eq!(chain.min, U256::from(2u8));
        assert!(!chain.include_txs);
        assert_eq!(s.kind, SourceKind::List);
        assert_eq!(s.columns.len(), 3);
        let c = campaign(
            "kind = \"native-balances\"\nrpc = \"https://node\"\nblock = 50\ncandidates = \"c.csv\"\nmin = \"0.5\"",
            "",
        )
        .unwrap();
        assert_eq!(
            c.sources[0].chain.as_ref().unwrap().min,
            U256::from(5u64) * U256::from(10u64).pow(U256::from(17u64))
        );
    }

    #[test]
    fn exclude_contracts_table_and_array() {
        let c = campaign(
            ERC20,
            "\n[exclude]\ncontracts = true\nallow = \"wallets.csv\"\n",
        )
        .unwrap();
        let ex = c.exclude_contracts.unwrap();
        assert_eq!(ex.name, "contracts");
        assert_eq!(ex.allow.as_deref(), Some("wallets.csv"));
        assert!(c.excludes.is_empty());

        // A table that is also a list; and the array form.
        let c = campaign(
            ERC20,
            "\n[exclude]\nname = \"team\"\nreason = \"team\"\naddresses = [\"0x2222222222222222222222222222222222222222\"]\ncontracts = true\n",
        )
        .unwrap();
        assert_eq!(c.excludes.len(), 1);
        assert!(c.exclude_contracts.is_some());
        let c = campaign(
            ERC20,
            "\n[[exclude]]\nname = \"team\"\nreason = \"team\"\naddresses = [\"0x2222222222222222222222222222222222222222\"]\n\n[[exclude]]\ncontracts = true\n",
        )
        .unwrap();
        assert_eq!(c.excludes.len(), 1);
        assert!(c.exclude_contracts.is_some());

        let e = campaign(ERC20, "\n[exclude]\ncontracts = true\nbogus = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `bogus`") && e.contains("campaign.toml:"),
            "{e}"
        );
        let e = campaign(
            ERC20,
            "\n[exclude]\nallow = \"w.csv\"\naddresses = []\nname = \"x\"\nreason = \"y\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("allow") && e.contains("contracts = true"), "{e}");
        // Needs a chain source.
        let e = campaign(
            "kind = \"list\"\nfile = \"l.csv\"",
            "\n[exclude]\ncontracts = true\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("exclude.contracts") && e.contains("chain source"),
            "{e}"
        );
    }

    const KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn a_secret_anywhere_in_the_spec_is_refused_by_line_and_not_echoed() {
        let file = "kind = \"balances\"\nfile = \"h.csv\"";
        let phrase = "test test test test test test test test test test test junk";
        for (extra, line) in [
            (format!("# key {KEY}"), 15),
            (format!("[claim]\nstart = \"{KEY}\"\ndeadline = \"x\""), 16),
            (
                format!("[vesting]\ncliff = \"{}\"", phrase.replace(' ', "\n")),
                16,
            ),
        ] {
            let e = campaign(file, &extra).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("campaign.toml:{line}: refused")),
                "{e}"
            );
            assert!(!e.contains(&KEY[8..40]) && !e.contains("junk"), "{e}");
        }
        // A transaction hash in a URL is data.
        let url = format!("# see https://etherscan.io/tx/0x{KEY}");
        assert!(campaign(file, &url).is_ok());
    }

    #[test]
    fn the_zero_address_cannot_take_dust_or_clawback() {
        let zero = "0x0000000000000000000000000000000000000000";
        let file = "kind = \"balances\"\nfile = \"h.csv\"";
        let e = campaign(file, &format!("[claim]\nstart = \"2026-12-01T00:00:00Z\"\ndeadline = \"2027-12-01T00:00:00Z\"\nclawback_to = \"{zero}\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("claim.clawback_to") && e.contains("zero address"),
            "{e}"
        );
    }
}
