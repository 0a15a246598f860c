//! Gasless claims: a recipient's EIP-712 `Claim` signature (the file `airdrop claim
//! --gasless-signature-out` writes, or what a claim page makes) is checked by simulating
//! `claimWithSignature` at the node, queued in the store once per claim, and submitted by a
//! relayer worker that pays the gas. Several server instances may run workers against one
//! PostgreSQL: each request is taken by exactly one worker (row lock), and the contract's
//! claimed bitmap and signature nonce make even a repeated submission pay nothing twice.

mod check;
mod revert;
mod worker;

pub use revert::revert_reason;
pub use worker::run_worker;

use crate::campaign::Deployment;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{parse_address, JsonBody, PathParams};
use crate::AppState;
use airdrop_chain::distribution::Sender;
use airdrop_chain::rpc::Rpc;
use airdrop_store::{RelayRow, RelayState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use check::{Claim, Signed};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
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

/// The relayer of this instance.
#[derive(Debug, Clone)]
pub struct Relayer {
    /// Signs and sends the claim transactions (the relayer pays gas).
    pub sender: Sender,
    /// Name of this worker in the queue.
    pub worker: String,
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
    let (relayer, rpc) = enabled(&state)?;
    let deployment = deployed(&campaign, &id)?;
    let claim = check::claim_of(&campaign.tree, account, &id)?;
    check::matches(&req, &claim, &deployment, &id)?;
    let signed = check::signed(&req)?;
    let claim_index = check::claim_index(&claim)?;
    if let Some(prior) = asked_before(&state, &id, claim_index, &signed).await? {
        return Ok((StatusCode::OK, Json(prior.into())));
    }
    check::simulate(rpc, relayer, deployment.distributor, &claim, &signed).await?;
    enqueue(&state, &id, &claim, claim_index, &signed, &deployment).await
}

/// This server's relayer and node, or a 503 saying how to start it with them.
fn enabled(state: &AppState) -> Result<(&Relayer, &Rpc), ServerError> {
    match (&state.relayer, &state.rpc) {
        (Some(relayer), Some(rpc)) => Ok((relayer, rpc)),
        _ => Err(check::unavailable(
            "relay_disabled",
            "this server has no relayer; start it with --rpc-url and --relayer-key-env",
        )),
    }
}

/// The campaign's registered distributor, or a 409 saying how to register it.
fn deployed(campaign: &crate::Campaign, id: &str) -> Result<Arc<Deployment>, ServerError> {
    campaign.deployment.load_full().ok_or_else(|| ServerError::Api {
        status: StatusCode::CONFLICT,
        code: "not_deployed",
        detail: format!("campaign {id:?} has no registered distributor; after `airdrop deploy`, register it with PUT /v1/campaigns/{id}/deployment {{\"distributor\": \"0x…\"}}"),
    })
}

/// The same request asked before, whatever happened since (a paid claim no longer simulates);
/// a failed one may be asked again.
async fn asked_before(
    state: &AppState,
    id: &str,
    claim_index: i64,
    signed: &Signed,
) -> Result<Option<RelayRow>, ServerError> {
    let prior = state
        .store()?
        .relay_for_claim(id, claim_index, &signed.nonce.to_string())
        .await?;
    Ok(prior.filter(|p| p.state != RelayState::Failed))
}

/// Queues the checked request once: 202 when new, 200 with the first one's status when another
/// request for the same claim won the race.
async fn enqueue(
    state: &AppState,
    id: &str,
    claim: &Claim,
    claim_index: i64,
    signed: &Signed,
    deployment: &Deployment,
) -> Result<(StatusCode, Json<RelayStatus>), ServerError> {
    let row = check::new_relay(id, claim, claim_index, signed, deployment.distributor)?;
    let (row, queued) = state.store()?.enqueue_relay(&row).await?;
    if queued {
        state.metrics.relay_queued.inc();
    }
    let status = if queued {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row.into())))
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

/// Filter of the relay queue list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelayFilter {
    /// `queued`, `submitting`, `submitted` or `failed`; all when absent.
    pub state: Option<String>,
}

/// The campaign's relay queue, newest first, up to 500 requests (reviewer scope).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/relay", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id"), RelayFilter),
    responses((status = 200, body = Vec<RelayStatus>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn list_relay(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: crate::auth::Caller,
    axum::extract::Query(filter): axum::extract::Query<RelayFilter>,
) -> Result<Json<Vec<RelayStatus>>, ServerError> {
    caller.require("reviewer")?;
    if state.campaigns.get(&id).is_none() {
        crate::shared::stored_campaign(&state, &id).await?;
    }
    let wanted = filter
        .state
        .as_deref()
        .map(|s| {
            s.parse::<RelayState>().map_err(|_| {
                ServerError::bad_request(
                    "invalid_state",
                    format!(
                        "state {:?} is not queued, submitting, submitted or failed",
                        s.chars().take(20).collect::<String>()
                    ),
                )
            })
        })
        .transpose()?;
    let rows = state.store()?.relays(&id, wanted, 500).await?;
    Ok(Json(rows.into_iter().map(RelayStatus::from).collect()))
}

/// Gasless claims: queue one, then follow it; the creators' list of the queue.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(create_relay, list_relay))
        .routes(utoipa_axum::routes!(get_relay))
}
