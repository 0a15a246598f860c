//! What has been claimed from a bundle's distributor (its `Claimed` logs over the distributor's
//! life), what is left, its token balance and the time to the deadline.

use super::claim::check_distributor;
use super::{connect, Bundle, Located};
use crate::{Progress, Result};
use airdrop_chain::distribution::{AirdropDistributor, Chain, IERC20};
use alloy_primitives::{Address, U256, U64};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A distributor's state at the chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributorStatus {
    /// The distributor.
    pub distributor: Address,
    /// Its token.
    pub token: Address,
    /// The head block read.
    pub block: u64,
    /// The head block's time.
    pub chain_time: u64,
    /// `Claimed` events.
    pub claim_events: u64,
    /// Accounts that claimed something.
    pub claimed_recipients: u64,
    /// Indices claimed in full.
    pub fully_claimed_recipients: u64,
    /// Paid out in all, base units.
    pub claimed: U256,
    /// The bundle's total less what was claimed.
    pub unclaimed: U256,
    /// What the distributor holds.
    pub balance: U256,
    /// Its deadline (`u64::MAX`: claims never close).
    pub deadline: u64,
    /// Seconds to the deadline (0 once passed).
    pub seconds_to_deadline: u64,
}

/// Reads the distributor's `Claimed` logs in windows of `log_window` blocks (stage `logs`,
/// done/total in blocks) and its state.
pub async fn status(
    bundle: &Bundle,
    d: &Located,
    rpc: &str,
    log_window: u64,
    progress: &dyn Progress,
) -> Result<DistributorStatus> {
    status_on(&connect(rpc)?, bundle, d, log_window, progress).await
}

/// [`status`] over a connected chain (a scripted node in tests).
pub(crate) async fn status_on(
    chain: &Chain,
    bundle: &Bundle,
    d: &Located,
    log_window: u64,
    progress: &dyn Progress,
) -> Result<DistributorStatus> {
    chain.expect_chain_id(bundle.chain_id).await?;
    check_distributor(chain, bundle, d).await?;
    let a = d.distributor;
    let (head, now) = chain.head().await?;
    let window = log_window.max(1);
    let (mut indices, mut accounts) = (BTreeSet::new(), BTreeSet::new());
    let (mut claimed, mut events) = (U256::ZERO, 0u64);
    let blocks = (head + 1).saturating_sub(d.block);
    progress.stage("logs", blocks);
    let mut from = d.block;
    while from <= head {
        let to = head.min(from.saturating_add(window - 1));
        let filter = json!({
            "address": a,
            "fromBlock": U64::from(from),
            "toBlock": U64::from(to),
            "topics": [airdrop_chain::distribution::claimed_topic()],
        });
        let logs: Vec<Value> = chain.rpc.call("eth_getLogs", (filter,)).await?;
        for c in super::events::claimed(&logs, a, true)? {
            indices.insert(c.index);
            accounts.insert(c.account);
            claimed += c.amount;
            events += 1;
        }
        progress.done("logs", to + 1 - d.block, blocks);
        from = to + 1;
    }
    let mut fully = 0u64;
    for i in &indices {
        if chain
            .view(a, &AirdropDistributor::isClaimedCall { index: *i })
            .await?
        {
            fully += 1;
        }
    }
    let balance = chain
        .view(d.token, &IERC20::balanceOfCall { account: a })
        .await?;
    let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
    Ok(DistributorStatus {
        distributor: a,
        token: d.token,
        block: head,
        chain_time: now,
        claim_events: events,
        claimed_recipients: accounts.len() as u64,
        fully_claimed_recipients: fully,
        claimed,
        unclaimed: bundle.total.saturating_sub(claimed),
        balance,
        deadline,
        seconds_to_deadline: deadline.saturating_sub(now),
    })
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
