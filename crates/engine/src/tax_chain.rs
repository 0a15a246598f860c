//! Receipts read from a node for `airdrop tax --rpc`: every ERC-20 `Transfer` to the address
//! from one of the named distributors or senders, with its block's time, and the token's
//! symbol and decimals. The result is written as an events file (the same format `--events`
//! reads, parsed by the same code), so what the node said can be reviewed and edited.

use crate::bridge::block_on_cancellable;
use crate::{Cancel, EngineError, Result};
use airdrop_chain::distribution::claimed_topic;
use airdrop_chain::rpc::quantity;
use airdrop_chain::{Rpc, RpcConfig, IERC20};
use alloy::sol_types::{SolCall, SolEvent, SolValue};
use alloy_primitives::{Address, Bytes, B256, U256};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Where `airdrop tax` reads receipts from a node.
#[derive(Debug, Clone)]
pub struct ChainReceipts {
    /// The node's JSON-RPC URL.
    pub rpc: String,
    /// Distributors and senders whose transfers to the address are receipts.
    pub from: Vec<Address>,
    /// Those of them whose receipts were for doing something (UK income).
    pub bounty_from: Vec<Address>,
    /// First block to search.
    pub from_block: u64,
}

alloy::sol! {
    interface IMetadata {
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
    }
}

/// What the node returned, before it is checked.
struct Raw {
    transfers: Vec<Value>,
    claims: BTreeSet<B256>,
    times: BTreeMap<u64, i64>,
    tokens: BTreeMap<Address, (Option<Bytes>, Option<Bytes>)>,
}

fn topic(a: Address) -> B256 {
    a.into_word()
}

fn hex_u64(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
}

async fn fetch(rpc: &Rpc, to: Address, c: &ChainReceipts) -> airdrop_chain::Result<Raw> {
    let head = rpc.head().await?;
    let senders: Vec<B256> = c
        .from
        .iter()
        .chain(&c.bounty_from)
        .map(|a| topic(*a))
        .collect();
    let filter = json!({
        "fromBlock": quantity(c.from_block), "toBlock": quantity(head),
        "topics": [IERC20::Transfer::SIGNATURE_HASH, senders, topic(to)],
    });
    let transfers: Vec<Value> = rpc.call("eth_getLogs", (filter,)).await?;
    let distributors: Vec<Address> = c.from.iter().chain(&c.bounty_from).copied().collect();
    let filter = json!({
        "fromBlock": quantity(c.from_block), "toBlock": quantity(head),
        "address": distributors, "topics": [[claimed_topic()]],
    });
    let claimed: Vec<Value> = rpc.call("eth_getLogs", (filter,)).await?;
    let claims = claimed
        .iter()
        .filter_map(|l| l["transactionHash"].as_str()?.parse().ok())
        .collect();
    let mut times = BTreeMap::new();
    for n in transfers.iter().filter_map(|l| hex_u64(&l["blockNumber"])) {
        if times.contains_key(&n) {
            continue;
        }
        let block: Value = rpc
            .call("eth_getBlockByNumber", (quantity(n), false))
            .await?;
        if let Some(t) = hex_u64(&block["timestamp"]).and_then(|t| i64::try_from(t).ok()) {
            times.insert(n, t);
        }
    }
    let mut tokens = BTreeMap::new();
    for token in transfers
        .iter()
        .filter_map(|l| l["address"].as_str()?.parse::<Address>().ok())
    {
        if tokens.contains_key(&token) {
            continue;
        }
        let call = |data: Vec<u8>| {
            rpc.call::<_, Bytes>(
                "eth_call",
                (
                    json!({ "to": token, "data": Bytes::from(data) }),
                    quantity(head),
                ),
            )
        };
        // A token without `symbol()` is named by its address; one without `decimals()` is
        // refused later, since amounts cannot be read without it.
        let symbol = call(IMetadata::symbolCall {}.abi_encode()).await.ok();
        let decimals = call(IMetadata::decimalsCall {}.abi_encode()).await.ok();
        tokens.insert(token, (symbol, decimals));
    }
    Ok(Raw {
        transfers,
        claims,
        times,
        tokens,
    })
}

/// The token's name in the events file: its symbol when it is one the file can hold, else its
/// address.
fn name(token: Address, symbol: Option<&Bytes>) -> String {
    let text = symbol.and_then(|b| {
        String::abi_decode(b).ok().or_else(|| {
            // Some old tokens (MKR) return `bytes32`.
            (b.len() == 32).then(|| String::from_utf8_lossy(b).trim_end_matches('\0').to_owned())
        })
    });
    match text {
        Some(s)
            if !s.is_empty()
                && s.len() <= 32
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            s
        }
        _ => token.to_checksum(None),
    }
}

/// Reads the receipts of `to` from the node as the text of an events file.
pub(crate) fn events_csv(to: Address, c: &ChainReceipts) -> Result<String> {
    if c.from.is_empty() && c.bounty_from.is_empty() {
        // An empty sender list would match every transfer in, from anyone (spam included).
        return Err(EngineError::input(
            "name the distributors or senders whose transfers are receipts: --from or --bounty-from",
        ));
    }
    let rpc = Rpc::new(&c.rpc, RpcConfig::default())?;
    let raw = block_on_cancellable(&Cancel::new(), fetch(&rpc, to, c))?;
    let mut names: BTreeMap<Address, (String, u8)> = BTreeMap::new();
    let mut taken: BTreeMap<String, Address> = BTreeMap::new();
    for (token, (symbol, decimals)) in &raw.tokens {
        let decimals = decimals
            .as_ref()
            .and_then(|b| U256::abi_decode(b).ok())
            .and_then(|d| u8::try_from(d).ok())
            .ok_or_else(|| {
                EngineError::input(format!(
                    "token {token} sent to {to} has no readable decimals(); its amounts cannot be valued"
                ))
            })?;
        let mut n = name(*token, symbol.as_ref());
        if taken.contains_key(&n) {
            // Two tokens with one symbol (a copycat): both are named by address.
            n = token.to_checksum(None);
        }
        taken.insert(n.clone(), *token);
        names.insert(*token, (n, decimals));
    }
    let mut rows = Vec::new();
    for log in &raw.transfers {
        let block = hex_u64(&log["blockNumber"]);
        let index = hex_u64(&log["logIndex"]).unwrap_or(0);
        let token: Option<Address> = log["address"].as_str().and_then(|s| s.parse().ok());
        let from: Option<Address> = log["topics"][1]
            .as_str()
            .and_then(|s| s.parse::<B256>().ok())
            .map(Address::from_word);
        let amount = log["data"]
            .as_str()
            .and_then(|s| s.parse::<Bytes>().ok())
            .and_then(|b| U256::abi_decode(&b).ok());
        let tx: Option<B256> = log["transactionHash"].as_str().and_then(|s| s.parse().ok());
        let (Some(block), Some(token), Some(from), Some(amount)) = (block, token, from, amount)
        else {
            return Err(EngineError::input(format!(
                "the node returned a Transfer log that is not one: {log}"
            )));
        };
        if amount.is_zero() {
            // Zero-value transfers carry nothing to tax (and are a poisoning pattern).
            continue;
        }
        let time = raw.times.get(&block).copied().ok_or_else(|| {
            EngineError::input(format!("the node has no timestamp for block {block}"))
        })?;
        let (name, decimals) = names.get(&token).cloned().unwrap_or_default();
        let kind = if tx.is_some_and(|t| raw.claims.contains(&t)) {
            "claim"
        } else {
            "transfer-in"
        };
        let bounty = c.bounty_from.contains(&from);
        rows.push((
            (block, index),
            format!(
                "{},{name},{amount},{decimals},{kind},{},{bounty}\n",
                airdrop_core::tax::rfc3339(time),
                from.to_checksum(None)
            ),
        ));
    }
    rows.sort();
    let mut out = String::from("time,token,amount,decimals,kind,campaign,bounty\n");
    for (_, row) in rows {
        out.push_str(&row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_named_by_a_plain_symbol_or_else_their_address() {
        let token = Address::repeat_byte(0xab);
        let string = |s: &str| Bytes::from(s.to_owned().abi_encode());
        assert_eq!(name(token, Some(&string("UNI"))), "UNI");
        let mut word = [0u8; 32];
        word[..3].copy_from_slice(b"MKR");
        assert_eq!(name(token, Some(&Bytes::from(word.to_vec()))), "MKR");
        // A lure, a comma (would break the CSV), nothing at all: the address.
        for bad in [Some(string("visit x.io, claim")), Some(string("")), None] {
            assert_eq!(name(token, bad.as_ref()), token.to_checksum(None));
        }
    }

    #[test]
    fn a_node_search_needs_named_senders() {
        let c = ChainReceipts {
            rpc: "http://127.0.0.1:1".into(),
            from: vec![],
            bounty_from: vec![],
            from_block: 0,
        };
        let err = events_csv(Address::ZERO, &c).unwrap_err().to_string();
        assert!(err.contains("--from or --bounty-from"), "{err}");
    }
}
