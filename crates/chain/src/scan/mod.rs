//! `airdrop scan`'s chain side: what a wallet received, read over plain JSON-RPC. Transfer
//! logs to and from the wallet and the Approval logs it granted (fetched in bounded, adaptive
//! block windows by the snapshot's log machinery, split when the node refuses a range), who
//! sent the transactions of its outgoing transfers, each token's metadata, balance and a
//! simulated transfer. The judging is `airdrop_core::scan::classify`; nothing here decides.
//!
//! Never a transaction: every contract call is an `eth_call`.

mod meta;

pub use meta::IERC20Metadata;

use crate::error::{ChainError, Result};
use crate::progress::Progress;
use crate::rpc::{RawLog, RawTx, Rpc};
use crate::snapshot::logs::{scan as scan_logs, LogQuery};
use crate::snapshot::{transfer_topic, RangeConfig};
use airdrop_core::scan::{ApprovalFact, Probe, ScanFacts, TokenFacts, TransferFact};
use alloy::sol_types::{SolCall, SolEvent};
use alloy_primitives::{Address, B256, U256};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// What to scan.
#[derive(Debug, Clone)]
pub struct ScanParams {
    /// The wallet.
    pub wallet: Address,
    /// First block (default 0).
    pub from_block: Option<u64>,
    /// Last block (default: the head).
    pub to_block: Option<u64>,
    /// Log windows.
    pub range: RangeConfig,
    /// At most this many tokens get a simulated transfer.
    pub max_simulations: usize,
    /// At most this many transactions are looked up for their sender.
    pub max_tx_lookups: usize,
    /// Tokens simulated last (the user's listed tokens), so the budget goes to unknown ones.
    pub trusted: BTreeSet<Address>,
}

impl ScanParams {
    /// Defaults for `wallet`: the whole chain, 50 simulations, 2,000 transaction look-ups.
    pub fn new(wallet: Address) -> ScanParams {
        ScanParams {
            wallet,
            from_block: None,
            to_block: None,
            range: RangeConfig::default(),
            max_simulations: 50,
            max_tx_lookups: 2_000,
            trusted: BTreeSet::new(),
        }
    }
}

fn topic_of(a: Address) -> B256 {
    a.into_word()
}

fn address_of(t: &B256) -> Address {
    Address::from_word(*t)
}

/// ERC-20 shape only: ERC-721 shares the Transfer topic but indexes a token id.
fn erc20_shaped(l: &RawLog) -> bool {
    l.topics.len() == 3 && l.data.len() == 32
}

async fn logs(
    rpc: &Rpc,
    topic0: B256,
    topics: Vec<Option<B256>>,
    from: u64,
    to: u64,
    range: &RangeConfig,
) -> Result<Vec<RawLog>> {
    let query = LogQuery {
        addresses: Vec::new(),
        topic0: vec![topic0],
        topics,
    };
    let mut out = Vec::new();
    scan_logs(rpc, &query, from, to, range, |_, batch| {
        out.extend(batch.into_iter().filter(erc20_shaped));
        Ok(())
    })
    .await?;
    Ok(out)
}

fn transfer_of(l: &RawLog) -> TransferFact {
    TransferFact {
        token: l.address,
        from: address_of(&l.topics[1]),
        to: address_of(&l.topics[2]),
        value: U256::from_be_slice(&l.data),
        block: l.block_number.to::<u64>(),
        tx: l.transaction_hash,
        tx_sender: None,
    }
}

/// Gathers the facts about `p.wallet` that `airdrop_core::scan::classify` judges.
pub async fn gather(rpc: &Rpc, p: &ScanParams, progress: &dyn Progress) -> Result<ScanFacts> {
    let chain_id = rpc.chain_id().await?;
    let head = rpc.head().await?;
    let to = p.to_block.unwrap_or(head);
    if to > head {
        return Err(ChainError::FutureBlock { block: to, head });
    }
    let from = p.from_block.unwrap_or(0);
    if from > to {
        return Err(ChainError::BadRange {
            detail: format!("--from-block {from} is after --to-block {to}; swap them"),
        });
    }
    let me = Some(topic_of(p.wallet));
    progress.phase("transfer logs", 3);
    let incoming = logs(rpc, transfer_topic(), vec![None, me], from, to, &p.range).await?;
    progress.set(1);
    let outgoing = logs(rpc, transfer_topic(), vec![me], from, to, &p.range).await?;
    progress.set(2);
    let approval = crate::IERC20::Approval::SIGNATURE_HASH;
    let approvals = logs(rpc, approval, vec![me], from, to, &p.range).await?;
    progress.set(3);

    let mut incoming: Vec<TransferFact> = incoming.iter().map(transfer_of).collect();
    let mut outgoing: Vec<TransferFact> = outgoing.iter().map(transfer_of).collect();
    senders(
        rpc,
        &mut outgoing,
        &mut incoming,
        p.max_tx_lookups,
        progress,
    )
    .await?;
    let approvals = allowances(rpc, p.wallet, &approvals, to).await?;

    let mut addresses: BTreeSet<Address> = incoming.iter().map(|t| t.token).collect();
    addresses.extend(outgoing.iter().map(|t| t.token));
    addresses.extend(approvals.iter().map(|a| a.token));
    let received: BTreeSet<Address> = incoming.iter().map(|t| t.token).collect();
    let tokens = tokens(rpc, p, &addresses, &received, to, progress).await?;
    Ok(ScanFacts {
        wallet: p.wallet,
        chain_id,
        from_block: from,
        to_block: to,
        incoming,
        outgoing,
        approvals,
        tokens,
    })
}

/// Who sent the transactions of the transfers: a log "from" the wallet in a transaction the
/// wallet did not send is someone else's doing (the poisoning pattern), and a token that came in
/// through a transaction the wallet sent (a swap, a claim) was not unsolicited. Outgoing
/// transfers are looked up first; at most `max` transactions in all.
async fn senders(
    rpc: &Rpc,
    outgoing: &mut [TransferFact],
    incoming: &mut [TransferFact],
    max: usize,
    progress: &dyn Progress,
) -> Result<()> {
    let mut seen = BTreeSet::new();
    let all: Vec<B256> = outgoing
        .iter()
        .chain(incoming.iter())
        .filter_map(|t| t.tx)
        .filter(|h| seen.insert(*h))
        .collect();
    if all.len() > max {
        progress.note(&format!(
            "only {max} of {} transactions were looked up for their sender (--max-tx-lookups)",
            all.len()
        ));
    }
    let hashes: Vec<B256> = all.into_iter().take(max).collect();
    let params: Vec<(B256,)> = hashes.iter().map(|h| (*h,)).collect();
    let txs: Vec<Option<RawTx>> = rpc.batch("eth_getTransactionByHash", params).await?;
    let by_hash: BTreeMap<B256, Address> = hashes
        .into_iter()
        .zip(txs)
        .filter_map(|(h, tx)| tx.map(|tx| (h, tx.from)))
        .collect();
    for t in outgoing.iter_mut().chain(incoming.iter_mut()) {
        t.tx_sender = t.tx.and_then(|h| by_hash.get(&h).copied());
    }
    Ok(())
}

/// The latest Approval of each (token, spender), with the allowance read at `block` (transfers
/// spend allowances without an Approval log); zero allowances are dropped.
async fn allowances(
    rpc: &Rpc,
    wallet: Address,
    logs: &[RawLog],
    block: u64,
) -> Result<Vec<ApprovalFact>> {
    let mut latest: BTreeMap<(Address, Address), (u64, U256)> = BTreeMap::new();
    for l in logs {
        let key = (l.address, address_of(&l.topics[2]));
        // Logs come in block order, so the last one wins.
        latest.insert(
            key,
            (l.block_number.to::<u64>(), U256::from_be_slice(&l.data)),
        );
    }
    let mut out = Vec::new();
    for ((token, spender), (at, logged)) in latest {
        let data = crate::IERC20::allowanceCall {
            owner: wallet,
            spender,
        }
        .abi_encode();
        let now = meta::eth_call(rpc, None, token, data, block).await?;
        let value = meta::word(&now).unwrap_or(logged);
        if !value.is_zero() {
            out.push(ApprovalFact {
                token,
                spender,
                value,
                block: at,
            });
        }
    }
    Ok(out)
}

/// Metadata, balance and (within the budget, unknown tokens first) a simulated transfer of
/// every token.
async fn tokens(
    rpc: &Rpc,
    p: &ScanParams,
    addresses: &BTreeSet<Address>,
    received: &BTreeSet<Address>,
    block: u64,
    progress: &dyn Progress,
) -> Result<BTreeMap<Address, TokenFacts>> {
    progress.phase("tokens", addresses.len() as u64);
    let concurrency = rpc.config().concurrency;
    let mut described: Vec<TokenFacts> = stream::iter(addresses.iter().copied())
        .map(|token| async move {
            let (name, symbol, decimals) = meta::describe(rpc, token, block).await?;
            let data = crate::IERC20::balanceOfCall { account: p.wallet }.abi_encode();
            let balance = meta::word(&meta::eth_call(rpc, None, token, data, block).await?);
            Ok::<_, ChainError>(TokenFacts {
                address: token,
                name,
                symbol,
                decimals,
                balance,
                probe: Probe::NotTried("the wallet holds none".into()),
            })
        })
        .buffered(concurrency)
        .try_collect()
        .await?;
    // Unknown tokens first, so a small budget still covers the ones that matter.
    let mut order: Vec<usize> = (0..described.len())
        .filter(|i| {
            received.contains(&described[*i].address)
                && described[*i].balance.is_some_and(|b| !b.is_zero())
        })
        .collect();
    order.sort_by_key(|i| p.trusted.contains(&described[*i].address));
    for (n, i) in order.into_iter().enumerate() {
        let t = &mut described[i];
        t.probe = if n < p.max_simulations {
            meta::probe(rpc, t.address, p.wallet, block).await?
        } else {
            Probe::NotTried(format!(
                "the simulation budget of {} tokens was spent (--max-simulations)",
                p.max_simulations
            ))
        };
        progress.set(n as u64 + 1);
    }
    Ok(described.into_iter().map(|t| (t.address, t)).collect())
}

#[cfg(test)]
mod tests;
