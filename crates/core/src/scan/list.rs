//! The wallet's trusted tokens, from a token list in the Uniswap token-list format
//! (`{"tokens": [{"chainId", "address", "symbol", "name", "decimals"}]}`), and the allow list of
//! spenders the user knows (one address a line).

use super::text::skeleton;
use crate::error::{CoreError, Result};
use airdrop_merkle::address::parse_address;
use alloy_primitives::Address;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One listed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedToken {
    /// The contract.
    pub address: Address,
    /// Its symbol.
    pub symbol: String,
    /// Its name.
    pub name: String,
    /// Its decimals.
    pub decimals: u8,
}

/// The tokens of one chain from a token list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenList {
    chain_id: u64,
    tokens: BTreeMap<Address, ListedToken>,
}

#[derive(Deserialize)]
struct RawList {
    tokens: Vec<RawToken>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawToken {
    chain_id: u64,
    address: String,
    symbol: String,
    name: String,
    decimals: u8,
}

impl TokenList {
    /// Reads a token list's `json`; only entries of `chain_id` are kept (a list spans chains).
    /// `file` names it in errors.
    pub fn parse(file: &str, json: &str, chain_id: u64) -> Result<TokenList> {
        let raw: RawList = serde_json::from_str(json).map_err(|e| CoreError::Source {
            location: file.to_owned(),
            detail: format!("not a token list ({e}); expected the Uniswap token-list JSON {{\"tokens\": [{{\"chainId\", \"address\", \"symbol\", \"name\", \"decimals\"}}]}}"),
        })?;
        let mut tokens = BTreeMap::new();
        for (i, t) in raw.tokens.into_iter().enumerate() {
            if t.chain_id != chain_id {
                continue;
            }
            let address = parse_address(&t.address).map_err(|reason| CoreError::Address {
                location: format!("{file}: token {}", i + 1),
                reason,
            })?;
            tokens.insert(
                address,
                ListedToken {
                    address,
                    symbol: t.symbol,
                    name: t.name,
                    decimals: t.decimals,
                },
            );
        }
        Ok(TokenList { chain_id, tokens })
    }

    /// The chain the kept entries are of.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// How many tokens of that chain the list has.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the list has no token of that chain.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The listed tokens' addresses.
    pub fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        self.tokens.keys().copied()
    }

    /// The listed token at `address`.
    pub fn get(&self, address: &Address) -> Option<&ListedToken> {
        self.tokens.get(address)
    }

    /// The listed token whose symbol or name reads the same as `symbol` or `name` (case and
    /// confusable characters folded), if any.
    pub fn impersonated(&self, symbol: Option<&str>, name: Option<&str>) -> Option<&ListedToken> {
        let keys: Vec<String> = [symbol, name]
            .into_iter()
            .flatten()
            .map(skeleton)
            .filter(|k| !k.is_empty())
            .collect();
        self.tokens.values().find(|t| {
            let theirs = [skeleton(&t.symbol), skeleton(&t.name)];
            keys.iter().any(|k| theirs.contains(k))
        })
    }
}

/// Spenders the user trusts: one address a line; blank lines and `#` comments are skipped.
pub fn known_spenders(file: &str, text: &str) -> Result<BTreeSet<Address>> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let a = parse_address(line).map_err(|reason| CoreError::Address {
            location: format!("{file}:{}", i + 1),
            reason,
        })?;
        out.insert(a);
    }
    Ok(out)
}
