//! The transfer graph of a set of candidates, from a node: every transaction that a candidate
//! sends or receives in a block range (full blocks, batched), the `Transfer` logs of listed
//! tokens that touch a candidate, and, for candidates first funded before the range, that
//! first funding (found by bisecting on balance and nonce, then reading that block). Sybil
//! detection reads these rows as its edges.

use crate::error::{ChainError, Result};
use crate::progress::Progress;
use crate::rpc::{quantity, Rpc};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256, U64};
use serde::Deserialize;

/// One transfer or call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    /// Sender.
    pub from: Address,
    /// Receiver, or the called contract.
    pub to: Address,
    /// Token, or `None` for the native coin.
    pub asset: Option<Address>,
    /// Base units.
    pub amount: U256,
    /// Block.
    pub block: u64,
    /// Block time, unix seconds.
    pub timestamp: u64,
    /// Transaction.
    pub tx: B256,
    /// Function selector, for a call with input.
    pub selector: Option<[u8; 4]>,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct TransferQuery<'a> {
    /// Candidates, ascending.
    pub candidates: &'a [Address],
    /// Tokens whose `Transfer` logs count.
    pub tokens: &'a [Address],
    /// First block.
    pub from: u64,
    /// Last block.
    pub to: u64,
    /// Look up the first funding of candidates that receive nothing in the range.
    pub first_funding: bool,
}

/// The most blocks one query scans: a bound on the work a spec can ask for.
pub const MAX_BLOCKS: u64 = 2_000_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FullTx {
    hash: B256,
    from: Address,
    #[serde(default)]
    to: Option<Address>,
    #[serde(default)]
    value: U256,
    #[serde(default)]
    input: Bytes,
}

#[derive(Debug, Deserialize)]
struct FullBlock {
    number: U64,
    timestamp: U64,
    #[serde(default)]
    transactions: Vec<FullTx>,
}

const BLOCKS_PER_CALL: u64 = 100;

fn row_of(tx: &FullTx, block: u64, timestamp: u64) -> Option<TransferRow> {
    let to = tx.to?;
    let selector =
        (tx.input.len() >= 4).then(|| [tx.input[0], tx.input[1], tx.input[2], tx.input[3]]);
    Some(TransferRow {
        from: tx.from,
        to,
        asset: None,
        amount: tx.value,
        block,
        timestamp,
        tx: tx.hash,
        selector,
    })
}

async fn blocks(rpc: &Rpc, numbers: &[u64]) -> Result<Vec<FullBlock>> {
    let params: Vec<(String, bool)> = numbers.iter().map(|n| (quantity(*n), true)).collect();
    let got: Vec<Option<FullBlock>> = rpc.batch("eth_getBlockByNumber", params).await?;
    got.into_iter()
        .zip(numbers)
        .map(|(b, n)| {
            b.ok_or_else(|| ChainError::BadResponse {
                method: "eth_getBlockByNumber".into(),
                detail: format!("block {n} is missing; is to_block past the head?"),
            })
        })
        .collect()
}

/// Reads the rows of `q` from `rpc`.
pub async fn transfers(
    rpc: &Rpc,
    q: &TransferQuery<'_>,
    progress: &dyn Progress,
) -> Result<Vec<TransferRow>> {
    if q.to < q.from || q.to - q.from >= MAX_BLOCKS {
        return Err(ChainError::BadResponse {
            method: "sybil".into(),
            detail: format!(
                "block range {}..={} is empty or over {MAX_BLOCKS} blocks; narrow from_block/to_block",
                q.from, q.to
            ),
        });
    }
    let is_candidate = |a: &Address| q.candidates.binary_search(a).is_ok();
    let mut rows = Vec::new();
    let mut times = std::collections::BTreeMap::new();
    let total = q.to - q.from + 1;
    progress.phase("blocks", total);
    let mut start = q.from;
    while start <= q.to {
        let end = (start + BLOCKS_PER_CALL - 1).min(q.to);
        let numbers: Vec<u64> = (start..=end).collect();
        for b in blocks(rpc, &numbers).await? {
            let (n, ts) = (b.number.to::<u64>(), b.timestamp.to::<u64>());
            times.insert(n, ts);
            for tx in &b.transactions {
                if is_candidate(&tx.from) || tx.to.as_ref().is_some_and(is_candidate) {
                    rows.extend(row_of(tx, n, ts));
                }
            }
        }
        progress.set(end - q.from + 1);
        start = end + 1;
    }
    if !q.tokens.is_empty() {
        let topic = keccak256("Transfer(address,address,uint256)");
        let mut start = q.from;
        while start <= q.to {
            let end = (start + 9_999).min(q.to);
            for log in rpc.logs(q.tokens, &[topic], start, end).await? {
                if log.topics.len() != 3 || log.data.len() != 32 {
                    continue; // ERC-721 transfers index the id; only amounts count here
                }
                let from = Address::from_word(log.topics[1]);
                let to = Address::from_word(log.topics[2]);
                if !(is_candidate(&from) || is_candidate(&to)) {
                    continue;
                }
                let block = log.block_number.to::<u64>();
                rows.push(TransferRow {
                    from,
                    to,
                    asset: Some(log.address),
                    amount: U256::from_be_slice(&log.data),
                    block,
                    timestamp: times.get(&block).copied().unwrap_or_default(),
                    tx: log.transaction_hash.unwrap_or_default(),
                    selector: None,
                });
            }
            start = end + 1;
        }
    }
    if q.first_funding && q.from > 0 {
        // A payment inside the range is not a first funding when the candidate was in use
        // before it: ask every candidate (balances and nonces batched), bisect the used ones.
        let before = quantity(q.from - 1);
        let params: Vec<(Address, String)> =
            q.candidates.iter().map(|a| (*a, before.clone())).collect();
        let balances: Vec<U256> = rpc.batch("eth_getBalance", params.clone()).await?;
        let nonces: Vec<U64> = rpc.batch("eth_getTransactionCount", params).await?;
        let used: Vec<Address> = q
            .candidates
            .iter()
            .zip(balances.iter().zip(&nonces))
            .filter(|(_, (b, n))| !b.is_zero() || n.to::<u64>() > 0)
            .map(|(a, _)| *a)
            .collect();
        progress.phase("first funding", used.len() as u64);
        for (i, a) in used.iter().enumerate() {
            if let Some(row) = first_funding(rpc, *a, q.from - 1).await? {
                rows.push(row);
            }
            progress.set(i as u64 + 1);
        }
    }
    Ok(rows)
}

async fn used(rpc: &Rpc, a: Address, block: u64) -> Result<bool> {
    let tag = quantity(block);
    let balance: U256 = rpc.call("eth_getBalance", (a, tag.clone())).await?;
    if !balance.is_zero() {
        return Ok(true);
    }
    let nonce: U64 = rpc.call("eth_getTransactionCount", (a, tag)).await?;
    Ok(nonce.to::<u64>() > 0)
}

/// The transaction that first paid `a` native coin at or before `last`: the first block where
/// it holds a balance or has sent a transaction (monotone for an account without code), found
/// by bisection, then that block's transfer to it. `None` if never funded by a transaction (a
/// genesis allocation, or a payment from inside a contract call).
pub async fn first_funding(rpc: &Rpc, a: Address, last: u64) -> Result<Option<TransferRow>> {
    if !used(rpc, a, last).await? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (0u64, last);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if used(rpc, a, mid).await? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let block = blocks(rpc, &[lo]).await?;
    Ok(block.first().and_then(|b| {
        let (n, ts) = (b.number.to::<u64>(), b.timestamp.to::<u64>());
        b.transactions
            .iter()
            .find(|t| t.to == Some(a) && !t.value.is_zero())
            .and_then(|t| row_of(t, n, ts))
    }))
}
