//! Chain snapshot sources (`erc20-balances`, `erc721-holders`, `native-balances`,
//! `contract-users`): which keys each kind needs and takes; `min` in whole units.

use super::raw::RawSource;
use super::source::{ColumnKind, ColumnSpec, FileFormat, SourceKind, SourceSpec};
use super::{Ctx, Token};
use crate::error::Result;
use crate::units::parse_decimal;
use airdrop_merkle::address::shown;
use airdrop_merkle::{Address, U256};

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

    pub(super) fn parse(name: &str) -> Option<ChainKind> {
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

/// A `[[source]]` of a chain kind: which keys it needs and takes, `min` in whole units.
pub(super) fn chain_source_spec(
    s: RawSource,
    kind: ChainKind,
    token: &Token,
    cx: &Ctx<'_>,
) -> Result<SourceSpec> {
    let sc = SourceCx {
        cx,
        name: &s.name,
        kind,
    };
    sc.check_keys(&s)?;
    let rpc = sc.rpc(s.rpc.as_deref(), s.rpc_env.as_deref())?;
    let block = sc.block(s.block.as_ref())?;
    let token_address = match (&s.token, kind.takes_token()) {
        (Some(t), _) => Some(cx.address(&sc.key("token"), t)?),
        (None, true) => {
            return Err(cx.err(
                sc.key("token"),
                format!(
                    "a {} source needs token = \"0x…\", the token contract to snapshot",
                    kind.name()
                ),
            ))
        }
        (None, false) => None,
    };
    let from_block = sc.scan_range(&s, block)?;
    if kind == ChainKind::NativeBalances && s.candidates.is_none() && from_block.is_none() {
        return Err(cx.err(
            sc.key("candidates"),
            "a native-balances source needs candidates = \"file.csv\" (the addresses to look up), or from_block = N to take every sender and recipient of a transaction from there to the block",
        ));
    }
    let contracts = sc.contracts(s.contracts.as_deref().unwrap_or_default())?;
    let include_txs = s.txs.unwrap_or(true);
    let events = s.events.clone().unwrap_or_default();
    if kind == ChainKind::ContractUsers && !include_txs && events.is_empty() {
        return Err(cx.err(
            sc.key("txs"),
            "txs = false with no events counts nobody; list events = [\"Swap(address indexed sender, …)\"] or drop txs = false",
        ));
    }
    let (decimals, min) = sc.min(&s, token)?;
    let chain = ChainSourceSpec {
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
    };
    Ok(SourceSpec {
        name: s.name,
        kind: if kind == ChainKind::ContractUsers {
            SourceKind::List
        } else {
            SourceKind::Balances
        },
        file: String::new(),
        format: FileFormat::Csv,
        address_column: "address".into(),
        columns: kind
            .columns()
            .iter()
            .map(|c| ColumnSpec {
                name: (*c).to_owned(),
                kind: ColumnKind::Number,
            })
            .collect(),
        decimals,
        base_units: true,
        chain: Some(chain),
    })
}

impl ChainKind {
    /// ERC-20 and ERC-721 snapshots read a token contract.
    fn takes_token(self) -> bool {
        matches!(self, ChainKind::Erc20Balances | ChainKind::Erc721Holders)
    }
}

/// What every check of one chain source needs: its name for keys and its kind.
struct SourceCx<'a> {
    cx: &'a Ctx<'a>,
    name: &'a str,
    kind: ChainKind,
}

impl SourceCx<'_> {
    fn key(&self, k: &str) -> String {
        format!("source {:?}.{k}", self.name)
    }

    /// Keys of file sources, and keys of other chain kinds, are refused by name.
    fn check_keys(&self, s: &RawSource) -> Result<()> {
        let (cx, kind, kname) = (self.cx, self.kind, self.kind.name());
        let file_keys: [(&str, bool); 5] = [
            ("file", s.file.is_some()),
            ("format", s.format.is_some()),
            ("address_column", s.address_column.is_some()),
            ("columns", s.columns.is_some()),
            ("base_units", s.base_units.is_some()),
        ];
        if let Some((k, _)) = file_keys.iter().find(|(_, set)| *set) {
            return Err(cx.err(
                self.key(k),
                format!("{k} applies to file sources only; a {kname} source is a snapshot taken over rpc (to allocate from a snapshot file, use kind = \"balances\" with file = \"...\" and base_units = true)"),
            ));
        }
        let token_kind = kind.takes_token();
        let users = kind == ChainKind::ContractUsers;
        let other_kinds: [(&str, bool, bool); 9] = [
            ("token", s.token.is_some(), token_kind),
            (
                "decimals",
                s.decimals.is_some(),
                matches!(kind, ChainKind::Erc20Balances | ChainKind::NativeBalances),
            ),
            ("deploy_block", s.deploy_block.is_some(), token_kind),
            (
                "to_block",
                s.to_block.is_some(),
                matches!(kind, ChainKind::NativeBalances | ChainKind::ContractUsers),
            ),
            (
                "candidates",
                s.candidates.is_some(),
                kind == ChainKind::NativeBalances,
            ),
            ("contracts", s.contracts.is_some(), users),
            ("events", s.events.is_some(), users),
            ("txs", s.txs.is_some(), users),
            ("verify_sample", s.verify_sample.is_some(), token_kind),
        ];
        if let Some((k, _, _)) = other_kinds.iter().find(|(_, set, ok)| *set && !*ok) {
            return Err(cx.err(self.key(k), format!("{k} does not apply to kind {kname:?}")));
        }
        if s.allow.is_some() && !s.exclude_contracts.unwrap_or(false) {
            return Err(cx.err(
                self.key("allow"),
                "allow keeps smart wallets from the contract check; it needs exclude_contracts = true",
            ));
        }
        Ok(())
    }

    fn rpc(&self, rpc: Option<&str>, rpc_env: Option<&str>) -> Result<RpcRef> {
        let cx = self.cx;
        Ok(match (rpc, rpc_env) {
            (Some(url), None) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(cx.err(self.key("rpc"), format!("{url:?} is not an http(s) url; write rpc = \"https://…\" or name an environment variable holding it with rpc_env = \"…\"")));
                }
                RpcRef::Url(url)
            }
            (None, Some(env)) => {
                let env = env.trim().to_owned();
                if env.is_empty() || !env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(cx.err(self.key("rpc_env"), format!("{env:?} is not an environment variable name; e.g. rpc_env = \"MAINNET_RPC\"")));
                }
                RpcRef::Env(env)
            }
            (Some(_), Some(_)) => {
                return Err(cx.err(self.key("rpc"), "give rpc or rpc_env, not both"))
            }
            (None, None) => {
                return Err(cx.err(
                    self.key("rpc"),
                    format!("a {} source needs rpc = \"https://…\" (a JSON-RPC node of chain {}), or rpc_env = \"VAR\" naming an environment variable that holds the url", self.kind.name(), "the campaign's chain_id"),
                ))
            }
        })
    }

    fn block(&self, block: Option<&toml::Value>) -> Result<u64> {
        match block {
            Some(toml::Value::Integer(n)) if *n >= 0 => Ok(*n as u64),
            Some(other) => Err(self.cx.err(
                self.key("block"),
                format!("{} is not a block number; write the snapshot block as an integer, e.g. block = 19000000 (not \"latest\": a campaign must rebuild the same)", shown(&other.to_string())),
            )),
            None => Err(self.cx.err(
                self.key("block"),
                format!("a {} source needs block = N, the snapshot block (pick a final block)", self.kind.name()),
            )),
        }
    }

    /// Where the scan starts (`from_block`, or `deploy_block` for token kinds), checked
    /// against the snapshot block and `to_block`.
    fn scan_range(&self, s: &RawSource, block: u64) -> Result<Option<u64>> {
        let cx = self.cx;
        if s.from_block.is_some() && s.deploy_block.is_some() {
            return Err(cx.err(
                self.key("deploy_block"),
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
                return Err(cx.err(
                    self.key(k),
                    format!("{f} is after the snapshot block {block}"),
                ));
            }
        }
        if let (Some(f), Some(t)) = (from_block, s.to_block) {
            if t < f {
                return Err(cx.err(
                    self.key("to_block"),
                    format!("{t} is before from_block {f}"),
                ));
            }
        }
        Ok(from_block)
    }

    fn contracts(&self, raw: &[String]) -> Result<Vec<Address>> {
        let mut contracts = Vec::new();
        for (j, c) in raw.iter().enumerate() {
            contracts.push(self.cx.address(&self.key(&format!("contracts[{j}]")), c)?);
        }
        if self.kind == ChainKind::ContractUsers && contracts.is_empty() {
            return Err(self.cx.err(
                self.key("contracts"),
                "a contract-users source needs contracts = [\"0x…\", …], the contracts whose users count",
            ));
        }
        Ok(contracts)
    }

    /// The source's decimals and `min` at them. `min` is in whole units: tokens for balances
    /// (at the source's decimals, by default the campaign token's; 18 for the native coin), a
    /// count for holders and users.
    fn min(&self, s: &RawSource, token: &Token) -> Result<(u8, U256)> {
        let kind = self.kind;
        let decimals = match kind {
            ChainKind::Erc20Balances => s.decimals.unwrap_or(token.decimals),
            ChainKind::NativeBalances => s.decimals.unwrap_or(18),
            ChainKind::Erc721Holders | ChainKind::ContractUsers => 0,
        };
        if decimals > 77 {
            return Err(self.cx.err(
                self.key("decimals"),
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
                self.cx.err(self.key("min"), format!("min {:?}: {e}; min is in {unit}", t.trim()))
            })?,
        };
        Ok((decimals, min))
    }
}
