//! The calls a snapshot makes of a node, as a trait: [`Rpc`] implements it over JSON-RPC; unit
//! tests implement it over a scripted chain, so the snapshot logic is tested without a node.

use super::node::{RawBlock, RawLog, TraceMethod};
use super::{Rpc, RpcConfig};
use crate::error::Result;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::future::Future;
use std::sync::atomic::Ordering;

/// A node as a snapshot sees it. Every call is at a pinned block number, so answers do not
/// depend on when they are asked (except [`ChainClient::head`] and a reorg).
pub trait ChainClient: Send + Sync {
    /// Batching knobs: the snapshot walks addresses and blocks in steps of
    /// `batch_size × concurrency`.
    fn config(&self) -> &RpcConfig;
    /// The node's URL as messages may show it (no key).
    fn shown_url(&self) -> String;
    /// Counts a log range split after a refusal (for statistics; nothing by default).
    fn count_split(&self) {}
    /// `eth_chainId`.
    fn chain_id(&self) -> impl Future<Output = Result<u64>> + Send;
    /// `eth_blockNumber`.
    fn head(&self) -> impl Future<Output = Result<u64>> + Send;
    /// The hash of block `number`; [`crate::ChainError::FutureBlock`] if it does not exist.
    fn block_hash(&self, number: u64) -> impl Future<Output = Result<B256>> + Send;
    /// Full blocks `numbers`, in order; every block must exist.
    fn full_blocks(&self, numbers: &[u64]) -> impl Future<Output = Result<Vec<RawBlock>>> + Send;
    /// Which trace method the node answers for `block`; `Ok(Err(why))` when none does.
    fn trace_method(
        &self,
        block: u64,
    ) -> impl Future<Output = Result<std::result::Result<TraceMethod, String>>> + Send;
    /// For each of `numbers`, the addresses its call traces show receiving value.
    fn value_recipients(
        &self,
        method: TraceMethod,
        numbers: &[u64],
    ) -> impl Future<Output = Result<Vec<Vec<Address>>>> + Send;
    /// `eth_getCode(address, block)`.
    fn code(&self, address: Address, block: u64) -> impl Future<Output = Result<Bytes>> + Send;
    /// `eth_getCode` of many addresses at one block, in order.
    fn codes(
        &self,
        addresses: &[Address],
        block: u64,
    ) -> impl Future<Output = Result<Vec<Bytes>>> + Send;
    /// `eth_getBalance` of many addresses at one block, in order.
    fn balances(
        &self,
        addresses: &[Address],
        block: u64,
    ) -> impl Future<Output = Result<Vec<U256>>> + Send;
    /// `eth_call` of each input on `to` at one block, answers in order. A revert is
    /// [`crate::ChainError::Node`].
    fn calls(
        &self,
        to: Address,
        inputs: Vec<Bytes>,
        block: u64,
    ) -> impl Future<Output = Result<Vec<Bytes>>> + Send;
    /// `eth_getLogs` over `[from, to]` for `addresses` (empty: any) and any of `topic0` (empty:
    /// any). A refusal comes back at once as [`crate::ChainError::Node`], not retried, so the
    /// caller can split the range.
    fn logs(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<RawLog>>> + Send;
    /// As [`ChainClient::logs`], keeping only logs whose topics 1, 2, … equal the `Some`
    /// values of `topics`. By default the node is asked for every log and the rest dropped
    /// here; [`Rpc`] asks the node to filter.
    fn logs_with_topics(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        topics: &[Option<B256>],
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<RawLog>>> + Send {
        async move {
            let mut logs = self.logs(addresses, topic0, from, to).await?;
            logs.retain(|l| topics_match(l, topics));
            Ok(logs)
        }
    }
}

/// Whether `log`'s topics 1, 2, … equal the `Some` values of `topics`.
pub(crate) fn topics_match(log: &RawLog, topics: &[Option<B256>]) -> bool {
    topics.iter().enumerate().all(|(i, want)| match want {
        None => true,
        Some(t) => log.topics.get(i + 1) == Some(t),
    })
}

impl ChainClient for Rpc {
    fn config(&self) -> &RpcConfig {
        Rpc::config(self)
    }
    fn shown_url(&self) -> String {
        Rpc::shown_url(self)
    }
    fn count_split(&self) {
        self.stats().splits.fetch_add(1, Ordering::Relaxed);
    }
    async fn chain_id(&self) -> Result<u64> {
        Rpc::chain_id(self).await
    }
    async fn head(&self) -> Result<u64> {
        Rpc::head(self).await
    }
    async fn block_hash(&self, number: u64) -> Result<B256> {
        Rpc::block_hash(self, number).await
    }
    async fn full_blocks(&self, numbers: &[u64]) -> Result<Vec<RawBlock>> {
        Rpc::full_blocks(self, numbers).await
    }
    async fn trace_method(&self, block: u64) -> Result<std::result::Result<TraceMethod, String>> {
        Rpc::trace_method(self, block).await
    }
    async fn value_recipients(
        &self,
        method: TraceMethod,
        numbers: &[u64],
    ) -> Result<Vec<Vec<Address>>> {
        Rpc::value_recipients(self, method, numbers).await
    }
    async fn code(&self, address: Address, block: u64) -> Result<Bytes> {
        Rpc::code(self, address, block).await
    }
    async fn codes(&self, addresses: &[Address], block: u64) -> Result<Vec<Bytes>> {
        Rpc::codes(self, addresses, block).await
    }
    async fn balances(&self, addresses: &[Address], block: u64) -> Result<Vec<U256>> {
        Rpc::balances(self, addresses, block).await
    }
    async fn calls(&self, to: Address, inputs: Vec<Bytes>, block: u64) -> Result<Vec<Bytes>> {
        Rpc::calls(self, to, inputs, block).await
    }
    async fn logs(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>> {
        Rpc::logs(self, addresses, topic0, from, to).await
    }
    async fn logs_with_topics(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        topics: &[Option<B256>],
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>> {
        Rpc::logs_filtered(self, addresses, topic0, topics, from, to).await
    }
}
