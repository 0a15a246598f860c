//! The checks of a gasless claim before it is queued: the request against the campaign's claim
//! and deployment, then the signed claim simulated at the node (the contract is the judge of
//! signature, nonce, deadline, window and already-claimed). Nothing here knows about HTTP but
//! the errors it answers with.

use super::revert::revert_reason;
use super::{RelayRequest, Relayer};
use crate::campaign::Deployment;
use crate::error::ServerError;
use crate::extract::parse_address;
use crate::shared::now;
use airdrop_chain::distribution::AirdropDistributor;
use airdrop_chain::rpc::Rpc;
use airdrop_merkle::{Address, Built, B256, U256};
use airdrop_store::NewRelay;
use alloy_primitives::Bytes;
use alloy_sol_types::SolCall;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

/// What the worker stores per request: everything `claimWithSignature` needs.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Payload {
    pub(super) distributor: String,
    pub(super) proof: Vec<String>,
    pub(super) deadline: String,
    pub(super) signature: String,
}

/// An account's claim in the campaign's tree.
pub(super) struct Claim {
    pub(super) account: Address,
    pub(super) index: u64,
    pub(super) amount: U256,
    pub(super) proof: Vec<B256>,
}

/// The signed part of a request, parsed.
pub(super) struct Signed {
    pub(super) nonce: U256,
    pub(super) deadline: U256,
    pub(super) signature: Bytes,
}

/// The format the CLI writes (`airdrop claim --gasless-signature-out`).
const FORMAT: &str = "airdrop-claim-signature/1";

pub(super) fn unavailable(code: &'static str, detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code,
        detail: detail.into(),
    }
}

fn number(field: &str, v: &str) -> Result<U256, ServerError> {
    v.trim().parse::<U256>().map_err(|_| {
        ServerError::bad_request(
            "invalid_number",
            format!(
                "{field} {:?} is not a non-negative integer",
                v.chars().take(80).collect::<String>()
            ),
        )
    })
}

fn mismatch(detail: String) -> ServerError {
    ServerError::bad_request("claim_mismatch", detail)
}

/// The claim of `account` in campaign `id`, with its proof.
pub(super) fn claim_of(tree: &Built, account: Address, id: &str) -> Result<Claim, ServerError> {
    let mut proof = Vec::new();
    let (index, amount) = tree.lookup_into(&account, &mut proof).ok_or_else(|| {
        ServerError::not_found(
            "not_eligible",
            format!(
                "{} has no claim in campaign {id:?}",
                account.to_checksum(None)
            ),
        )
    })?;
    Ok(Claim {
        account,
        index,
        amount,
        proof,
    })
}

/// Refuses a request whose optional fields name another claim, distributor, chain or format
/// than this campaign's: the contract would refuse it, but with a less helpful reason.
pub(super) fn matches(
    req: &RelayRequest,
    claim: &Claim,
    deployment: &Deployment,
    id: &str,
) -> Result<(), ServerError> {
    let (index, amount) = (claim.index, claim.amount);
    let who = claim.account.to_checksum(None);
    if let Some(i) = &req.index {
        if number("index", i)? != U256::from(index) {
            return Err(mismatch(format!(
                "index {i} is not {who}'s claim index {index}"
            )));
        }
    }
    if let Some(a) = &req.amount {
        if number("amount", a)? != amount {
            return Err(mismatch(format!(
                "amount {a} is not {who}'s allocation {amount}"
            )));
        }
    }
    if let Some(d) = &req.distributor {
        if parse_address(d)? != deployment.distributor {
            return Err(mismatch(format!(
                "the signature is for distributor {d}, but campaign {id:?} is deployed at {}",
                deployment.distributor
            )));
        }
    }
    if req.chain_id.is_some_and(|c| c != deployment.chain_id) {
        return Err(ServerError::bad_request(
            "wrong_chain",
            format!(
                "the signature is for another chain than {}",
                deployment.chain_id
            ),
        ));
    }
    if req.format.as_deref().is_some_and(|f| f != FORMAT) {
        return Err(ServerError::bad_request(
            "invalid_format",
            "format must be \"airdrop-claim-signature/1\" when given",
        ));
    }
    Ok(())
}

/// The request's nonce, deadline and signature, parsed; the signature's size bounded.
pub(super) fn signed(req: &RelayRequest) -> Result<Signed, ServerError> {
    let nonce = number("nonce", &req.nonce)?;
    let deadline = number("deadline", &req.deadline)?;
    let signature: Bytes =
        req.signature.trim().parse().map_err(|_| {
            ServerError::bad_request("invalid_signature", "signature is not 0x-hex")
        })?;
    if signature.is_empty() || signature.len() > 4096 {
        return Err(ServerError::bad_request(
            "invalid_signature",
            "signature must be 1–4096 bytes",
        ));
    }
    Ok(Signed {
        nonce,
        deadline,
        signature,
    })
}

/// The claim's index as the store keeps it.
pub(super) fn claim_index(claim: &Claim) -> Result<i64, ServerError> {
    i64::try_from(claim.index).map_err(|_| ServerError::Internal("index over i64".into()))
}

/// Simulates `claimWithSignature` from the relayer: a refusal is a 400 with the contract's
/// reason, a node that does not answer a 503.
pub(super) async fn simulate(
    rpc: &Rpc,
    relayer: &Relayer,
    distributor: Address,
    claim: &Claim,
    signed: &Signed,
) -> Result<(), ServerError> {
    let call = AirdropDistributor::claimWithSignatureCall {
        index: U256::from(claim.index),
        account: claim.account,
        amount: claim.amount,
        proof: claim.proof.clone(),
        sigDeadline: signed.deadline,
        signature: signed.signature.clone(),
    };
    // The contract checks the signature against its own nonce for the account: a signature over
    // another nonce fails the simulation (InvalidSignature). The nonce names the request: one
    // signed claim is one request, and a vesting recipient's later claims are new requests.
    let sim: Result<Bytes, _> = rpc
        .call(
            "eth_call",
            (
                serde_json::json!({
                    "from": relayer.sender.address(),
                    "to": distributor,
                    "data": Bytes::from(call.abi_encode()),
                }),
                "latest",
            ),
        )
        .await;
    match sim {
        Ok(_) => Ok(()),
        Err(airdrop_chain::ChainError::Node { message, .. }) => Err(ServerError::bad_request(
            "claim_rejected",
            format!(
                "the distributor would refuse this claim: {}",
                revert_reason(&message)
            ),
        )),
        Err(other) => {
            tracing::warn!(error = %other, "relay simulation failed at the node");
            Err(unavailable(
                "node_unavailable",
                "the chain node did not answer; retry shortly",
            ))
        }
    }
}

/// The store's row for a checked request: the worker's payload and the request's key.
pub(super) fn new_relay(
    id: &str,
    claim: &Claim,
    claim_index: i64,
    signed: &Signed,
    distributor: Address,
) -> Result<NewRelay, ServerError> {
    let payload = Payload {
        distributor: distributor.to_checksum(None),
        proof: claim.proof.iter().map(|p| p.to_string()).collect(),
        deadline: signed.deadline.to_string(),
        signature: signed.signature.to_string(),
    };
    Ok(NewRelay {
        campaign: id.to_owned(),
        claim_index,
        account: claim.account.to_checksum(None),
        amount: claim.amount.to_string(),
        nonce: signed.nonce.to_string(),
        payload: serde_json::to_string(&payload)
            .map_err(|e| ServerError::Internal(e.to_string()))?,
        created: now(),
    })
}
