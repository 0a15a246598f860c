//! Keeps each deployed campaign's claimed amounts current in memory from its distributor's
//! `Claimed` events, so the claim look-up can say what is claimed and claimable without asking
//! the node per request (the hot path stays in memory).

use crate::campaign::Campaign;
use crate::AppState;
use airdrop_chain::rpc::Rpc;
use airdrop_merkle::U256;
use alloy_primitives::U64;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Blocks per `eth_getLogs` request.
const WINDOW: u64 = 5_000;

/// Follows every deployed campaign until `stop` is set; polls every `every`.
pub async fn run(
    state: Arc<AppState>,
    rpc: Rpc,
    every: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut next: HashMap<String, u64> = HashMap::new();
    let mut sums: HashMap<String, HashMap<u64, U256>> = HashMap::new();
    while !*stop.borrow() {
        for c in state.campaigns.all() {
            let Some(d) = c.deployment.load_full() else {
                continue;
            };
            // Per distributor, not per campaign id: a distributor registered later, or a
            // campaign published again with another one, starts from its own block and sums.
            let key = format!("{}:{}", c.id, d.distributor);
            let from = *next.entry(key.clone()).or_insert(d.block);
            let sum = sums.entry(key.clone()).or_default();
            match catch_up(&rpc, &c, from, sum).await {
                Ok(head) => {
                    next.insert(key, head + 1);
                    c.claimed.store(Some(Arc::new(sum.clone())));
                }
                Err(e) => {
                    tracing::warn!(campaign = %c.id, error = %e, "claim indexer: the node did not answer")
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Adds the `Claimed` events from block `from` to the head into `sum`; returns the head.
async fn catch_up(
    rpc: &Rpc,
    c: &Campaign,
    mut from: u64,
    sum: &mut HashMap<u64, U256>,
) -> Result<u64, airdrop_chain::ChainError> {
    let Some(d) = c.deployment.load_full() else {
        return Ok(from);
    };
    let head: U64 = rpc.call("eth_blockNumber", ()).await?;
    let head = head.to::<u64>();
    while from <= head {
        let to = head.min(from + WINDOW - 1);
        let logs: Vec<airdrop_chain::rpc::RawLog> = rpc
            .call(
                "eth_getLogs",
                (json!({
                    "address": d.distributor,
                    "fromBlock": U64::from(from),
                    "toBlock": U64::from(to),
                    "topics": [airdrop_chain::distribution::claimed_topic()],
                }),),
            )
            .await?;
        for log in &logs {
            let claim = match airdrop_chain::ClaimedEvent::decode(log, d.distributor) {
                Ok(claim) => claim,
                Err(e) => {
                    tracing::warn!(campaign = %c.id, error = %e, "a Claimed event that does not decode; skipped");
                    continue;
                }
            };
            if let Ok(i) = u64::try_from(claim.index) {
                let e = sum.entry(i).or_default();
                *e = e.saturating_add(claim.amount);
            }
        }
        from = to + 1;
    }
    Ok(head)
}
