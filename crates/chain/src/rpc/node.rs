//! The handful of Ethereum JSON-RPC calls a snapshot needs, with minimal answer types that any
//! EVM chain's node can produce (unknown fields and transaction types are ignored).

use crate::error::{ChainError, Result};
use crate::rpc::Rpc;
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use serde::Deserialize;

/// A log as `eth_getLogs` returns it (only the fields a snapshot reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawLog {
    /// The emitting contract.
    pub address: Address,
    /// Indexed topics; topic 0 is the event signature.
    pub topics: Vec<B256>,
    /// Non-indexed data.
    #[serde(default)]
    pub data: Bytes,
    /// Block number.
    pub block_number: U64,
    /// Position in the block.
    #[serde(default)]
    pub log_index: U64,
    /// Transaction hash.
    #[serde(default)]
    pub transaction_hash: Option<B256>,
    /// Whether the log was removed by a reorg (only ever true on subscriptions).
    #[serde(default)]
    pub removed: bool,
}

/// A transaction inside a block fetched with full transactions.
#[derive(Debug, Clone, Deserialize)]
pub struct RawTx {
    /// Sender.
    pub from: Address,
    /// Recipient; `None` for contract creation.
    #[serde(default)]
    pub to: Option<Address>,
}

/// A block header.
#[derive(Debug, Clone, Deserialize)]
pub struct RawHeader {
    /// Block number.
    pub number: U64,
    /// Block hash.
    pub hash: B256,
}

/// A block with its full transactions.
#[derive(Debug, Clone, Deserialize)]
pub struct RawBlock {
    /// Block number.
    pub number: U64,
    /// Block hash.
    pub hash: B256,
    /// Transactions.
    #[serde(default)]
    pub transactions: Vec<RawTx>,
    /// Fee recipient (priority fees and, before the merge, block rewards).
    #[serde(default)]
    pub miner: Option<Address>,
    /// Beacon-chain withdrawals (EIP-4895); absent before Shanghai.
    #[serde(default)]
    pub withdrawals: Option<Vec<RawWithdrawal>>,
}

/// A beacon-chain withdrawal: ETH credited to `address` without a transaction.
#[derive(Debug, Clone, Deserialize)]
pub struct RawWithdrawal {
    /// The credited account.
    pub address: Address,
}

/// How a node traces a block's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceMethod {
    /// `debug_traceBlockByNumber` with the call tracer (geth, reth, erigon, anvil).
    DebugCallTracer,
    /// `trace_block` (OpenEthereum-style: erigon, nethermind, reth, anvil).
    TraceBlock,
}

impl TraceMethod {
    /// How the method is named in the sidecar.
    pub fn name(self) -> &'static str {
        match self {
            TraceMethod::DebugCallTracer => "debug_traceBlockByNumber callTracer",
            TraceMethod::TraceBlock => "trace_block",
        }
    }
}

/// Hex quantity for a block number.
pub fn quantity(n: u64) -> String {
    format!("0x{n:x}")
}

impl Rpc {
    /// `eth_chainId`. Used as the first contact, with a small retry budget so that a wrong URL
    /// fails within a second or two.
    pub async fn chain_id(&self) -> Result<u64> {
        let id: U64 = self
            .call_with_retries("eth_chainId", (), self.config().retries.min(2), true)
            .await?;
        Ok(id.to::<u64>())
    }

    /// `eth_blockNumber`.
    pub async fn head(&self) -> Result<u64> {
        let n: U64 = self.call("eth_blockNumber", ()).await?;
        Ok(n.to::<u64>())
    }

    /// `eth_getBlockByNumber(n, false)`: the header, or `None` past the head.
    pub async fn block(&self, number: u64) -> Result<Option<RawHeader>> {
        self.call("eth_getBlockByNumber", (quantity(number), false))
            .await
    }

    /// The hash of block `number`; an error if the block does not exist.
    pub async fn block_hash(&self, number: u64) -> Result<B256> {
        match self.block(number).await? {
            Some(b) => Ok(b.hash),
            None => {
                let head = self.head().await?;
                Err(ChainError::FutureBlock {
                    block: number,
                    head,
                })
            }
        }
    }

    /// Full blocks `numbers`, batched; every block must exist.
    pub async fn full_blocks(&self, numbers: &[u64]) -> Result<Vec<RawBlock>> {
        let params: Vec<(String, bool)> = numbers.iter().map(|n| (quantity(*n), true)).collect();
        let blocks: Vec<Option<RawBlock>> = self.batch("eth_getBlockByNumber", params).await?;
        blocks
            .into_iter()
            .zip(numbers)
            .map(|(b, n)| {
                b.ok_or_else(|| ChainError::BadResponse {
                    method: "eth_getBlockByNumber".into(),
                    detail: format!("block {n} is missing"),
                })
            })
            .collect()
    }

    /// Which trace method the node answers for `block`: `Ok(Err(why))` when neither works (the
    /// node's own words), so the caller decides whether that is fatal.
    pub async fn trace_method(
        &self,
        block: u64,
    ) -> Result<std::result::Result<TraceMethod, String>> {
        let mut why = Vec::new();
        for method in [TraceMethod::DebugCallTracer, TraceMethod::TraceBlock] {
            match self.value_recipients(method, &[block]).await {
                Ok(_) => return Ok(Ok(method)),
                Err(ChainError::Node {
                    method: m, message, ..
                }) => why.push(format!("{m}: {message}")),
                Err(ChainError::BadResponse { method: m, detail }) => {
                    why.push(format!("{m}: {detail}"))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Err(why.join("; ")))
    }

    /// For each of `numbers` (batched), the addresses its traces show receiving value: callees
    /// of calls with value, created contracts funded at creation, self-destruct beneficiaries and
    /// reward authors. Top-level calls are included; the caller also has them from the block.
    pub async fn value_recipients(
        &self,
        method: TraceMethod,
        numbers: &[u64],
    ) -> Result<Vec<Vec<Address>>> {
        let traces: Vec<serde_json::Value> = match method {
            TraceMethod::DebugCallTracer => {
                let tracer = serde_json::json!({ "tracer": "callTracer" });
                let params: Vec<(String, serde_json::Value)> = numbers
                    .iter()
                    .map(|n| (quantity(*n), tracer.clone()))
                    .collect();
                self.batch("debug_traceBlockByNumber", params).await?
            }
            TraceMethod::TraceBlock => {
                let params: Vec<(String,)> = numbers.iter().map(|n| (quantity(*n),)).collect();
                self.batch("trace_block", params).await?
            }
        };
        traces
            .iter()
            .zip(numbers)
            .map(|(t, n)| {
                let mut out = Vec::new();
                let read = match method {
                    TraceMethod::DebugCallTracer => debug_recipients(t, &mut out),
                    TraceMethod::TraceBlock => parity_recipients(t, &mut out),
                };
                read.map(|()| out).ok_or_else(|| ChainError::BadResponse {
                    method: method.name().into(),
                    detail: format!("the traces of block {n} are not a list of call frames"),
                })
            })
            .collect()
    }

    /// `eth_getCode(address, block)`.
    pub async fn code(&self, address: Address, block: u64) -> Result<Bytes> {
        self.call("eth_getCode", (address, quantity(block))).await
    }

    /// `eth_getCode` for many addresses at one block, batched.
    pub async fn codes(&self, addresses: &[Address], block: u64) -> Result<Vec<Bytes>> {
        let tag = quantity(block);
        let params: Vec<(Address, String)> = addresses.iter().map(|a| (*a, tag.clone())).collect();
        self.batch("eth_getCode", params).await
    }

    /// `eth_getBalance` for many addresses at one block, batched.
    pub async fn balances(&self, addresses: &[Address], block: u64) -> Result<Vec<U256>> {
        let tag = quantity(block);
        let params: Vec<(Address, String)> = addresses.iter().map(|a| (*a, tag.clone())).collect();
        self.batch("eth_getBalance", params).await
    }

    /// `eth_call` of `data` on `to` for many inputs at one block, batched.
    pub async fn calls(&self, to: Address, inputs: Vec<Bytes>, block: u64) -> Result<Vec<Bytes>> {
        let tag = quantity(block);
        let params: Vec<(serde_json::Value, String)> = inputs
            .into_iter()
            .map(|data| (serde_json::json!({ "to": to, "data": data }), tag.clone()))
            .collect();
        self.batch("eth_call", params).await
    }

    /// `eth_getLogs` over `[from, to]` for `addresses` and any of `topic0`. Node errors come back
    /// at once as [`ChainError::Node`] so the caller can split the range.
    pub(crate) async fn logs(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>> {
        let mut filter = logs_filter(addresses, from, to);
        if !topic0.is_empty() {
            filter["topics"] = serde_json::json!([topic0]);
        }
        self.get_logs(filter).await
    }

    /// As [`Rpc::logs`], with topics 1, 2, … required to equal the `Some` values of `topics`
    /// (the node filters; logs it should not have sent are dropped all the same).
    pub(crate) async fn logs_filtered(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        topics: &[Option<B256>],
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>> {
        let mut filter = logs_filter(addresses, from, to);
        let first = if topic0.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::json!(topic0)
        };
        let mut all = vec![first];
        all.extend(topics.iter().map(|t| serde_json::json!(t)));
        filter["topics"] = serde_json::Value::Array(all);
        let mut logs = self.get_logs(filter).await?;
        logs.retain(|l| super::client::topics_match(l, topics));
        Ok(logs)
    }

    /// `eth_getLogs` with `filter`, retried on transport errors only: a node's refusal comes
    /// back at once so the caller can split the range.
    async fn get_logs(&self, filter: serde_json::Value) -> Result<Vec<RawLog>> {
        self.call_with_retries("eth_getLogs", (filter,), self.config().retries, false)
            .await
    }
}

/// An `eth_getLogs` filter over blocks `[from, to]` for `addresses` (empty: any).
fn logs_filter(addresses: &[Address], from: u64, to: u64) -> serde_json::Value {
    let mut filter = serde_json::json!({ "fromBlock": quantity(from), "toBlock": quantity(to) });
    if !addresses.is_empty() {
        filter["address"] = serde_json::json!(addresses);
    }
    filter
}

fn address_at(v: &serde_json::Value) -> Option<Address> {
    v.as_str()?.parse().ok()
}

/// Whether a hex quantity is present and not zero.
fn has_value(v: &serde_json::Value) -> bool {
    v.as_str()
        .and_then(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .is_some_and(|x| !x.is_zero())
}

/// `[{txHash, result: frame}]`, frames nested under `calls`.
fn debug_recipients(block: &serde_json::Value, out: &mut Vec<Address>) -> Option<()> {
    fn walk(frame: &serde_json::Value, out: &mut Vec<Address>) {
        if has_value(&frame["value"]) {
            out.extend(address_at(&frame["to"]));
        }
        for call in frame["calls"].as_array().into_iter().flatten() {
            walk(call, out);
        }
    }
    for tx in block.as_array()? {
        walk(&tx["result"], out);
    }
    Some(())
}

/// `[{type, action, result}]`, one entry per call frame, flattened.
fn parity_recipients(block: &serde_json::Value, out: &mut Vec<Address>) -> Option<()> {
    for t in block.as_array()? {
        let action = &t["action"];
        let found = match t["type"].as_str() {
            Some("call") if has_value(&action["value"]) => address_at(&action["to"]),
            Some("create") if has_value(&action["value"]) => address_at(&t["result"]["address"]),
            Some("suicide") if has_value(&action["balance"]) => {
                address_at(&action["refundAddress"])
            }
            Some("reward") => address_at(&action["author"]),
            _ => None,
        };
        out.extend(found);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_traces_give_nested_value_recipients() {
        let a = |n: u8| Address::with_last_byte(n);
        let block = json!([{ "txHash": "0x00", "result": {
            "from": a(1), "to": a(2), "value": "0x5", "type": "CALL",
            "calls": [
                { "from": a(2), "to": a(3), "value": "0x0", "type": "CALL" },
                { "from": a(2), "to": a(4), "value": "0x10", "type": "CALL",
                  "calls": [{ "from": a(4), "to": a(5), "value": "0x1", "type": "CALL" }] }
            ]
        }}]);
        let mut out = Vec::new();
        assert_eq!(debug_recipients(&block, &mut out), Some(()));
        assert_eq!(out, vec![a(2), a(4), a(5)]);
        assert_eq!(debug_recipients(&json!({"error": 1}), &mut out), None);
    }

    #[test]
    fn parity_traces_give_value_recipients() {
        let a = |n: u8| Address::with_last_byte(n);
        let block = json!([
            { "type": "call", "action": { "to": a(2), "value": "0x1" } },
            { "type": "call", "action": { "to": a(3), "value": "0x0" } },
            { "type": "create", "action": { "value": "0x2" }, "result": { "address": a(4) } },
            { "type": "suicide", "action": { "refundAddress": a(5), "balance": "0x3" } },
            { "type": "reward", "action": { "author": a(6), "value": "0x4" } }
        ]);
        let mut out = Vec::new();
        assert_eq!(parity_recipients(&block, &mut out), Some(()));
        assert_eq!(out, vec![a(2), a(4), a(5), a(6)]);
    }
}
