//! Gasless claims: a recipient's EIP-712 `Claim` signature (the file `airdrop claim
//! --gasless-signature-out` writes, or what a claim page makes) is checked by simulating
//! `claimWithSignature` at the node, queued in the store once per claim, and submitted by a
//! relayer worker that pays the gas. Several server instances may run workers against one
//! PostgreSQL: each request is taken by exactly one worker (row lock), and the contract's
//! claimed bitmap and signature nonce make even a repeated submission pay nothing twice.

use crate::error::{ErrorBody, ServerError};
use crate::extract::{parse_address, JsonBody, PathParams};
use crate::shared::now;
use crate::AppState;
use airdrop_chain::distribution::AirdropDistributor;
use airdrop_chain::distribution::Sender;
use airdrop_merkle::{Address, U256};
use airdrop_store::{NewRelay, RelayRow, RelayState};
use alloy_primitives::Bytes;
use alloy_sol_types::SolCall;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// A recipient's signed gasless claim.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayRequest {
    /// Optional: `airdrop-claim-signature/1` (the CLI's file format).
    pub format: Option<String>,
    /// The recipient (the signer).
    pub account: String,
    /// The `nonce` the recipient signed (their current nonce on the distributor), decimal.
    pub nonce: String,
    /// Unix seconds after which the signature is void, decimal.
    pub deadline: String,
    /// The EIP-712 signature (65 bytes for an EOA; whatever an EIP-1271 wallet accepts), 0x-hex.
    pub signature: String,
    /// Optional: must match the claim (as written by `airdrop claim --gasless-signature-out`).
    pub index: Option<String>,
    /// Optional: must match the claim.
    pub amount: Option<String>,
    /// Optional: must be this campaign's distributor.
    pub distributor: Option<String>,
    /// Optional: must be this campaign's chain.
    pub chain_id: Option<u64>,
}

/// A queued or submitted gasless claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelayStatus {
    /// Request id.
    pub id: i64,
    /// Campaign id.
    pub campaign: String,
    /// Claim index.
    pub index: i64,
    /// Recipient.
    pub account: String,
    /// Amount, base units, decimal.
    pub amount: String,
    /// `queued`, `submitting`, `submitted` or `failed`.
    pub state: String,
    /// The claim transaction once submitted.
    #[serde(rename = "txHash")]
    pub tx_hash: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<RelayRow> for RelayStatus {
    fn from(r: RelayRow) -> Self {
        RelayStatus {
            id: r.id,
            campaign: r.campaign,
            index: r.claim_index,
            account: r.account,
            amount: r.amount,
            state: r.state.as_str().into(),
            tx_hash: r.tx_hash,
            error: r.error,
        }
    }
}

/// What the worker stores per request: everything `claimWithSignature` needs.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    distributor: String,
    proof: Vec<String>,
    deadline: String,
    signature: String,
}

/// The relayer of this instance.
#[derive(Debug, Clone)]
pub struct Relayer {
    /// Signs and sends the claim transactions (the relayer pays gas).
    pub sender: Sender,
    /// Name of this worker in the queue.
    pub worker: String,
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

fn unavailable(code: &'static str, detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code,
        detail: detail.into(),
    }
}

/// Queues a gasless claim. The signed claim is simulated at the node first, so a bad signature,
/// a stale nonce, an expired deadline or an already claimed index is a 400 with the contract's
/// reason, and nothing is queued. A second request for the same claim returns the first one.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/relay", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    request_body = RelayRequest,
    responses(
        (status = 202, description = "Queued", body = RelayStatus),
        (status = 200, description = "This claim was queued before: its status", body = RelayStatus),
        (status = 400, description = "Malformed, or the distributor would refuse it (reason given)", body = ErrorBody),
        (status = 404, description = "Unknown campaign, or the account has no claim", body = ErrorBody),
        (status = 409, description = "The campaign has no deployed distributor", body = ErrorBody),
        (status = 503, description = "No relayer or node configured, or the node is down", body = ErrorBody),
    ),
)]
pub async fn create_relay(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<RelayRequest>,
) -> Result<(StatusCode, Json<RelayStatus>), ServerError> {
    let campaign = crate::api::campaigns::published(&state, &id)?;
    let account = parse_address(&req.account)?;
    let (Some(relayer), Some(rpc)) = (&state.relayer, &state.rpc) else {
        return Err(unavailable(
            "relay_disabled",
            "this server has no relayer; start it with --rpc-url and --relayer-key-env",
        ));
    };
    let Some(deployment) = campaign.deployment.load_full() else {
        return Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "not_deployed",
            detail: format!("campaign {id:?} has no registered distributor; after `airdrop deploy`, register it with PUT /v1/campaigns/{id}/deployment {{\"distributor\": \"0x…\"}}"),
        });
    };
    let mut proof = Vec::new();
    let (index, amount) = campaign
        .tree
        .lookup_into(&account, &mut proof)
        .ok_or_else(|| {
            ServerError::not_found(
                "not_eligible",
                format!(
                    "{} has no claim in campaign {id:?}",
                    account.to_checksum(None)
                ),
            )
        })?;
    if let Some(i) = &req.index {
        if number("index", i)? != U256::from(index) {
            return Err(ServerError::bad_request(
                "claim_mismatch",
                format!(
                    "index {i} is not {}'s claim index {index}",
                    account.to_checksum(None)
                ),
            ));
        }
    }
    if let Some(a) = &req.amount {
        if number("amount", a)? != amount {
            return Err(ServerError::bad_request(
                "claim_mismatch",
                format!(
                    "amount {a} is not {}'s allocation {amount}",
                    account.to_checksum(None)
                ),
            ));
        }
    }
    if let Some(d) = &req.distributor {
        if parse_address(d)? != deployment.distributor {
            return Err(ServerError::bad_request(
                "claim_mismatch",
                format!(
                    "the signature is for distributor {d}, but campaign {id:?} is deployed at {}",
                    deployment.distributor
                ),
            ));
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
    if req
        .format
        .as_deref()
        .is_some_and(|f| f != "airdrop-claim-signature/1")
    {
        return Err(ServerError::bad_request(
            "invalid_format",
            "format must be \"airdrop-claim-signature/1\" when given",
        ));
    }
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
    let claim_index =
        i64::try_from(index).map_err(|_| ServerError::Internal("index over i64".into()))?;
    // Asked before: the same request, whatever happened since (a paid claim no longer simulates).
    if let Some(prior) = state
        .store()?
        .relay_for_claim(&id, claim_index, &nonce.to_string())
        .await?
    {
        if prior.state != RelayState::Failed {
            return Ok((StatusCode::OK, Json(prior.into())));
        }
    }
    let call = AirdropDistributor::claimWithSignatureCall {
        index: U256::from(index),
        account,
        amount,
        proof: proof.clone(),
        sigDeadline: deadline,
        signature: signature.clone(),
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
                    "to": deployment.distributor,
                    "data": Bytes::from(call.abi_encode()),
                }),
                "latest",
            ),
        )
        .await;
    if let Err(e) = sim {
        return Err(match e {
            airdrop_chain::ChainError::Node { message, .. } => ServerError::bad_request(
                "claim_rejected",
                format!(
                    "the distributor would refuse this claim: {}",
                    revert_reason(&message)
                ),
            ),
            other => {
                tracing::warn!(error = %other, "relay simulation failed at the node");
                unavailable(
                    "node_unavailable",
                    "the chain node did not answer; retry shortly",
                )
            }
        });
    }
    let payload = Payload {
        distributor: deployment.distributor.to_checksum(None),
        proof: proof.iter().map(|p| p.to_string()).collect(),
        deadline: deadline.to_string(),
        signature: signature.to_string(),
    };
    let (row, queued) = state
        .store()?
        .enqueue_relay(&NewRelay {
            campaign: id.clone(),
            claim_index,
            account: account.to_checksum(None),
            amount: amount.to_string(),
            nonce: nonce.to_string(),
            payload: serde_json::to_string(&payload)
                .map_err(|e| ServerError::Internal(e.to_string()))?,
            created: now(),
        })
        .await?;
    if queued {
        state.metrics.relay_queued.inc();
    }
    Ok((
        if queued {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        },
        Json(row.into()),
    ))
}

/// The status of a gasless claim.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/relay/{request}", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("request" = i64, Path, description = "Request id")),
    responses((status = 200, body = RelayStatus), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn get_relay(
    State(state): State<Arc<AppState>>,
    PathParams((id, request)): PathParams<(String, i64)>,
) -> Result<Json<RelayStatus>, ServerError> {
    match state.store()?.relay(request).await? {
        Some(r) if r.campaign == id => Ok(Json(r.into())),
        _ => Err(ServerError::not_found(
            "unknown_relay_request",
            format!("campaign {id:?} has no relay request {request}"),
        )),
    }
}

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

/// The distributor's custom errors by selector, from the committed ABI.
fn contract_errors() -> &'static [([u8; 4], String)] {
    static TABLE: std::sync::OnceLock<Vec<([u8; 4], String)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let abi: serde_json::Value =
            serde_json::from_str(airdrop_chain::distribution::DISTRIBUTOR_ARTIFACT)
                .unwrap_or_default();
        let mut out = Vec::new();
        for e in abi["abi"].as_array().into_iter().flatten() {
            if e["type"] != "error" {
                continue;
            }
            let Some(name) = e["name"].as_str() else {
                continue;
            };
            let types: Vec<&str> = e["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["type"].as_str())
                .collect();
            let hash = alloy_primitives::keccak256(format!("{name}({})", types.join(",")));
            let mut selector = [0u8; 4];
            selector.copy_from_slice(&hash[..4]);
            out.push((selector, name.to_owned()));
        }
        // The token's own refusal when the distributor runs dry.
        let hash = alloy_primitives::keccak256("ERC20InsufficientBalance(address,uint256,uint256)");
        out.push((
            [hash[0], hash[1], hash[2], hash[3]],
            "ERC20InsufficientBalance".into(),
        ));
        out
    })
}

/// What a recipient can do about each refusal.
fn hint(name: &str) -> &'static str {
    match name {
        "AlreadyClaimed" => "this claim was paid already",
        "InvalidSignature" => "the signature is not the account's over this claim, nonce and deadline; sign again with the nonce from GET /v1/campaigns/{id}/deployment?account=…",
        "InvalidAccountNonce" => "the signed nonce is not the account's current nonce; read it from GET /v1/campaigns/{id}/deployment?account=… and sign again",
        "SignatureExpired" => "the signature's deadline has passed; sign again with a later deadline",
        "ClaimNotStarted" => "the claim window has not opened yet",
        "ClaimWindowClosed" => "the claim window has closed",
        "NothingToClaim" => "nothing is claimable now (vesting)",
        "InvalidProof" => "the proof does not match the distributor's root",
        "ERC20InsufficientBalance" => "the distributor holds too few tokens; tell the campaign's creator",
        _ => "see the distributor contract",
    }
}

/// A node's revert message as the contract's error name and a hint: no raw selectors, and
/// nothing of the node's text but printable characters.
pub fn revert_reason(message: &str) -> String {
    let mut rest = message;
    while let Some(pos) = rest.find("0x") {
        let hex: String = rest[pos + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        if hex.len() >= 8 {
            if let Ok(bytes) = alloy_primitives::hex::decode(&hex[..8]) {
                if let Some((_, name)) = contract_errors().iter().find(|(s, _)| s[..] == bytes[..])
                {
                    return format!("{name} ({})", hint(name));
                }
            }
        }
        rest = &rest[pos + 2 + hex.len()..];
    }
    let clean: String = message
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if clean.contains("custom error") {
        "an error this server does not know (not the distributor's)".into()
    } else {
        clean
    }
}

/// Gasless claims: queue one, then follow it.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(create_relay))
        .routes(utoipa_axum::routes!(get_relay))
}
