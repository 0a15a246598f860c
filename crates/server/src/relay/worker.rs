//! The relayer worker: takes queued requests from the store and submits them with
//! `claimWithSignature`, paying the gas.

use super::check::Payload;
use super::Relayer;
use crate::shared::now;
use crate::AppState;
use airdrop_chain::distribution::AirdropDistributor;
use airdrop_merkle::{Address, U256};
use airdrop_store::{RelayRow, RelayState};
use alloy_primitives::Bytes;
use alloy_sol_types::SolCall;
use std::sync::Arc;
use std::time::Duration;

/// Takes queued claims and submits them until `stop` is set. Requests left `submitting` by a
/// crashed worker for over five minutes are requeued first (the contract refuses a claim twice,
/// so a resubmission cannot pay twice; the simulation before it marks it as claimed instead).
pub async fn run_worker(
    state: Arc<AppState>,
    relayer: Relayer,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let Ok(db) = state.store().cloned() else {
        return;
    };
    tracing::info!(worker = %relayer.worker, relayer = %relayer.sender.address(), "relayer started");
    while !*stop.borrow() {
        if let Err(e) = db.requeue_stale_relays(now() - 300, now()).await {
            tracing::warn!(error = %e, "requeue of stale relay requests failed");
        }
        let job = match db.take_relay(&relayer.worker, now()).await {
            Ok(Some(job)) => job,
            Ok(None) => {
                if let Ok(depth) = db.relay_depth().await {
                    state.metrics.relay_depth.set(depth);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "relay queue unavailable");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let (state_name, hash, error) = match submit(&relayer, &job).await {
            Ok(hash) => (RelayState::Submitted, Some(hash), None),
            Err(e) => (RelayState::Failed, None, Some(e)),
        };
        tracing::info!(request = job.id, state = state_name.as_str(), tx = ?hash, error = ?error, "relay request done");
        if let Err(e) = db
            .finish_relay(job.id, state_name, hash.as_deref(), error.as_deref(), now())
            .await
        {
            tracing::error!(error = %e, request = job.id, "cannot record a relay outcome");
        }
    }
}

async fn submit(relayer: &Relayer, job: &RelayRow) -> Result<String, String> {
    let p: Payload =
        serde_json::from_str(&job.payload).map_err(|e| format!("stored payload: {e}"))?;
    let parse = |what: &str, r: Result<Address, _>| {
        r.map_err(|e: airdrop_merkle::address::AddressError| format!("{what}: {e}"))
    };
    let distributor = parse(
        "distributor",
        airdrop_merkle::address::parse_address(&p.distributor),
    )?;
    let account = parse(
        "account",
        airdrop_merkle::address::parse_address(&job.account),
    )?;
    let proof = p
        .proof
        .iter()
        .map(|h| h.parse().map_err(|e| format!("proof: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let amount: U256 = job.amount.parse().map_err(|e| format!("amount: {e}"))?;
    let deadline: U256 = p.deadline.parse().map_err(|e| format!("deadline: {e}"))?;
    let signature: Bytes = p.signature.parse().map_err(|e| format!("signature: {e}"))?;
    let index =
        U256::from(u64::try_from(job.claim_index).map_err(|_| "negative index".to_owned())?);
    let claimed = relayer
        .sender
        .chain()
        .view(distributor, &AirdropDistributor::isClaimedCall { index })
        .await
        .map_err(|e| format!("isClaimed: {e}"))?;
    if claimed {
        return Err(
            "already claimed on chain (by this relayer before a restart, or directly)".into(),
        );
    }
    let call = AirdropDistributor::claimWithSignatureCall {
        index,
        account,
        amount,
        proof,
        sigDeadline: deadline,
        signature,
    };
    relayer
        .sender
        .send(
            Some(distributor),
            Bytes::from(call.abi_encode()),
            U256::ZERO,
        )
        .await
        .map(|r| r.hash.to_string())
        .map_err(|e| e.to_string())
}
