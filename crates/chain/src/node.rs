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
        let mut filter =
            serde_json::json!({ "fromBlock": quantity(from), "toBlock": quantity(to) });
        if !addresses.is_empty() {
            filter["address"] = serde_json::json!(addresses);
        }
        if !topic0.is_empty() {
            filter["topics"] = serde_json::json!([topic0]);
        }
        self.call_with_retries("eth_getLogs", (filter,), self.config().retries, false)
            .await
    }
}
