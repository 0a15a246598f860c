//! Handlers. Every path documented here is also in the OpenAPI document.

use crate::error::{ErrorBody, ServerError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves requests.
    pub status: &'static str,
}

/// Readiness: campaigns loaded and (once a database is configured) the store reachable.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: &'static str,
    /// Campaigns served.
    pub campaigns: usize,
}

/// A campaign's public facts. Claim fields are null until the campaign is published; creator
/// fields (name, chain, sign-up deadline) are null for a campaign served from files only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSummary {
    /// URL id.
    pub id: String,
    /// Merkle root the distributor holds.
    #[serde(rename = "merkleRoot")]
    pub merkle_root: Option<String>,
    /// Number of claims.
    pub claims: Option<usize>,
    /// Sum of all claims, base units, decimal.
    pub total: Option<String>,
    /// Name from the campaign spec.
    pub name: Option<String>,
    /// Chain id from the campaign spec.
    #[serde(rename = "chainId")]
    pub chain_id: Option<i64>,
    /// Unix seconds after which sign-ups are refused.
    #[serde(rename = "signupDeadline")]
    pub signup_deadline: Option<i64>,
    /// The bundle's manifest (chain, token, claim window, vesting), when published with one.
    #[schema(value_type = Option<Object>)]
    pub manifest: Option<serde_json::Value>,
}

/// One recipient's claim with the proof a distributor accepts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimResponse {
    /// Campaign id.
    pub campaign: String,
    /// The recipient, EIP-55 checksummed.
    pub address: String,
    /// Claim index (Uniswap order).
    pub index: u64,
    /// Amount in base units, decimal.
    pub amount: String,
    /// Sibling hashes from the leaf to the root.
    pub proof: Vec<String>,
    /// The root the proof leads to.
    #[serde(rename = "merkleRoot")]
    pub merkle_root: String,
    /// Claimed so far (base units, decimal), from the distributor's events; absent when this
    /// server does not follow the chain (no `--rpc-url` or no deployment) or has not caught up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<String>,
    /// Vested by now (claimed or not); absent when the campaign's schedule is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vested: Option<String>,
    /// Not vested yet; absent when the schedule is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<String>,
    /// What a claim now would pay: vested minus claimed (or amount minus claimed without a
    /// schedule); absent when the claimed amount is unknown.
    #[serde(rename = "claimableNow")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimable_now: Option<String>,
    /// When claims open and close, and how they vest; absent without a manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleInfo>,
}

/// A campaign's claim window and vesting terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleInfo {
    /// Claims open, unix seconds.
    pub start: u64,
    /// Claims close, unix seconds.
    pub deadline: u64,
    /// Share unlocked at start, basis points (10000: no vesting).
    #[serde(rename = "unlockedBps")]
    pub unlocked_bps: u16,
    /// End of the cliff, unix seconds.
    #[serde(rename = "cliffEnd")]
    pub cliff_end: u64,
    /// Everything vested, unix seconds.
    #[serde(rename = "vestingEnd")]
    pub vesting_end: u64,
}

/// One airdrop a wallet is eligible for.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletAirdrop {
    /// Campaign id.
    pub campaign: String,
    /// Amount in base units, decimal.
    pub amount: String,
    /// Claim index.
    pub index: u64,
}

pub(crate) fn parse_address(text: &str) -> Result<airdrop_merkle::Address, ServerError> {
    airdrop_merkle::address::parse_address(text).map_err(|e| {
        let code = match e {
            airdrop_merkle::address::AddressError::Secret { .. } => "secret_refused",
            airdrop_merkle::address::AddressError::Checksum { .. } => "bad_checksum",
            airdrop_merkle::address::AddressError::Malformed { .. } => "invalid_address",
        };
        ServerError::bad_request(code, e.to_string())
    })
}

/// A campaign known to the store but not published on this server yet.
fn unpublished(id: &str) -> CampaignSummary {
    CampaignSummary {
        id: id.to_owned(),
        merkle_root: None,
        claims: None,
        total: None,
        manifest: None,
        name: None,
        chain_id: None,
        signup_deadline: None,
    }
}

fn summary(c: &crate::campaign::Campaign) -> CampaignSummary {
    CampaignSummary {
        id: c.id.clone(),
        merkle_root: Some(c.tree.root().to_string()),
        claims: Some(c.tree.len()),
        total: Some(c.tree.total().to_string()),
        manifest: c.manifest.clone(),
        name: None,
        chain_id: None,
        signup_deadline: None,
    }
}

/// Liveness probe.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness probe: campaigns loaded, and the store reachable with every migration applied.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = Ready), (status = 503, description = "The store is unreachable or not migrated, or published campaigns are still loading", body = ErrorBody)))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> Result<Json<Ready>, ServerError> {
    // Ready means serving: not before the campaigns published in the store are loaded.
    if state.wait_for_sync && !state.synced.load(std::sync::atomic::Ordering::Acquire) {
        return Err(ServerError::Api {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "loading",
            detail: "loading the published campaigns from the store; retry shortly".into(),
        });
    }
    if let Some(db) = &state.store {
        db.ready().await.map_err(|e| {
            tracing::warn!(error = %e, "not ready");
            ServerError::Api {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "not_ready",
                detail: "the database is unreachable or not migrated yet".into(),
            }
        })?;
    }
    Ok(Json(Ready {
        status: "ready",
        campaigns: state.campaigns.len(),
    }))
}

/// A JSON request body whose every rejection is a `{code, detail}` error: malformed JSON and
/// wrong fields 400, a missing or wrong content type 415, an oversized body 413.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ServerError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "malformed_json",
                };
                let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                };
                // The rejection text names the field and the problem, never echoes the body.
                Err(ServerError::Api {
                    status,
                    code,
                    detail: rejection.body_text(),
                })
            }
        }
    }
}

/// Path parameters whose every rejection a caller can cause is a `{code, detail}` 400
/// (`invalid_path`): a segment that is not UTF-8 after percent-decoding, or a number that does
/// not parse or is out of range (axum's own `Path` answers those in plain text).
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for PathParams<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ServerError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PathParams(v)),
            // A route wired without its parameters, or to a type serde cannot take from a path:
            // the server's fault, logged as one.
            Err(rejection) if rejection.status().is_server_error() => {
                Err(ServerError::Internal(rejection.body_text()))
            }
            Err(rejection) => Err(ServerError::bad_request(
                "invalid_path",
                rejection.body_text(),
            )),
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    // The queue is shared by every instance: read its depth from the store at each scrape.
    if let Some(db) = &state.store {
        if let Ok(depth) = db.relay_depth().await {
            state.metrics.relay_depth.set(depth);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// All campaigns served.
#[utoipa::path(get, path = "/v1/campaigns", tag = "recipients", responses((status = 200, body = Vec<CampaignSummary>), (status = 503, body = ErrorBody)))]
pub async fn list_campaigns(
    State(state): State<Arc<AppState>>,
) -> Result<Json<Vec<CampaignSummary>>, ServerError> {
    let mut out: Vec<CampaignSummary> = state.campaigns.all().iter().map(|c| summary(c)).collect();
    if let Some(db) = &state.store {
        for s in db.campaigns().await? {
            let entry = match out.iter_mut().find(|c| c.id == s.id) {
                Some(e) => e,
                None => {
                    out.push(unpublished(&s.id));
                    let last = out.len() - 1;
                    &mut out[last]
                }
            };
            entry.name = Some(s.name);
            entry.chain_id = Some(s.chain_id);
            entry.signup_deadline = s.signup_deadline;
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(out))
}

/// A campaign published on this server (claims in memory), or 404.
pub(crate) fn published(
    state: &AppState,
    id: &str,
) -> Result<Arc<crate::campaign::Campaign>, ServerError> {
    campaign(state, id)
}

fn campaign(state: &AppState, id: &str) -> Result<Arc<crate::campaign::Campaign>, ServerError> {
    state.campaigns.get(id).ok_or_else(|| unknown_campaign(id))
}

fn unknown_campaign(id: &str) -> ServerError {
    let shown: String = id.chars().take(64).collect();
    ServerError::not_found(
        "unknown_campaign",
        format!("no campaign {shown:?}; GET /v1/campaigns lists them"),
    )
}

/// One campaign.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = CampaignSummary), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn get_campaign(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
) -> Result<Json<CampaignSummary>, ServerError> {
    let stored = match &state.store {
        Some(db) if id.len() <= 64 => db.campaign(&id).await?,
        _ => None,
    };
    let mut out = match (state.campaigns.get(&id), &stored) {
        (Some(c), _) => summary(&c),
        (None, Some(s)) => unpublished(&s.id),
        (None, None) => return Err(unknown_campaign(&id)),
    };
    if let Some(s) = stored {
        out.name = Some(s.name);
        out.chain_id = Some(s.chain_id);
        out.signup_deadline = s.signup_deadline;
    }
    Ok(Json(out))
}

/// The hot path: one recipient's amount, index and proof.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/claims/{address}", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("address" = String, Path, description = "Recipient address (checksummed or lowercase)")),
    responses(
        (status = 200, body = ClaimResponse),
        (status = 400, description = "Invalid address, wrong checksum, or a secret pasted where an address belongs", body = ErrorBody),
        (status = 404, description = "Unknown campaign, or the address has no claim", body = ErrorBody),
    ),
)]
pub async fn get_claim(
    State(state): State<Arc<AppState>>,
    PathParams((id, address)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ServerError> {
    let address = parse_address(&address)?;
    let published = state.campaigns.load();
    let c = published.get(&id).ok_or_else(|| unknown_campaign(&id))?;
    let mut proof = Vec::with_capacity(32);
    let found = c.tree.lookup_into(&address, &mut proof).or_else(|| {
        // OpenZeppelin trees are not address/amount trees inside: the general look-up.
        let p = c.tree.proof(&address)?;
        proof = p.proof;
        Some((p.index, p.amount.parse().ok()?))
    });
    let (index, amount) = found.ok_or_else(|| {
        ServerError::not_found(
            "not_eligible",
            format!(
                "{} has no claim in campaign {:?}",
                address.to_checksum(None),
                c.id
            ),
        )
    })?;
    // Written by hand: this is the one response served millions of times, and every field is
    // hex, digits or an id already restricted to [A-Za-z0-9_-].
    let mut body = Vec::with_capacity(160 + proof.len() * 70);
    body.extend_from_slice(b"{\"campaign\":\"");
    body.extend_from_slice(c.id.as_bytes());
    body.extend_from_slice(b"\",\"address\":\"");
    let mut checksummed = [0u8; 42];
    body.extend_from_slice(address.to_checksum_raw(&mut checksummed, None).as_bytes());
    body.extend_from_slice(b"\",\"index\":");
    body.extend_from_slice(index.to_string().as_bytes());
    body.extend_from_slice(b",\"amount\":\"");
    body.extend_from_slice(amount.to_string().as_bytes());
    body.extend_from_slice(b"\",\"proof\":[");
    for (i, h) in proof.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        push_hash(&mut body, h);
    }
    body.extend_from_slice(b"],\"merkleRoot\":");
    push_hash(&mut body, &c.root);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let claimed = c
        .claimed
        .load()
        .as_ref()
        .map(|m| m.get(&index).copied().unwrap_or_default());
    let vested = c.schedule.map(|s| s.vested(amount, now));
    let claimable = claimed.map(|cl| vested.unwrap_or(amount).saturating_sub(cl));
    push_amount(&mut body, b",\"claimed\":", claimed);
    push_amount(&mut body, b",\"vested\":", vested);
    push_amount(
        &mut body,
        b",\"locked\":",
        vested.map(|v| amount.saturating_sub(v)),
    );
    push_amount(&mut body, b",\"claimableNow\":", claimable);
    if let Some(s) = c.schedule {
        body.extend_from_slice(
            format!(
                ",\"schedule\":{{\"start\":{},\"deadline\":{},\"unlockedBps\":{},\"cliffEnd\":{},\"vestingEnd\":{}}}",
                s.start,
                s.deadline,
                s.vesting.unlocked_bps,
                s.start + s.vesting.cliff,
                s.start + s.vesting.duration
            )
            .as_bytes(),
        );
    }
    body.push(b'}');
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

fn push_amount(buf: &mut Vec<u8>, key: &[u8], v: Option<airdrop_merkle::U256>) {
    // Unknown values are left out, which keeps the common response (no chain, no schedule) as
    // small as before these fields existed.
    if let Some(v) = v {
        buf.extend_from_slice(key);
        buf.push(b'"');
        buf.extend_from_slice(v.to_string().as_bytes());
        buf.push(b'"');
    }
}

fn push_hash(buf: &mut Vec<u8>, h: &airdrop_merkle::B256) {
    let mut hex = [0u8; 64];
    buf.extend_from_slice(b"\"0x");
    if alloy_primitives::hex::encode_to_slice(h.as_slice(), &mut hex).is_ok() {
        buf.extend_from_slice(&hex);
    }
    buf.push(b'"');
}

/// Every campaign in which the address is eligible.
#[utoipa::path(
    get, path = "/v1/wallets/{address}/airdrops", tag = "recipients",
    params(("address" = String, Path, description = "Wallet address")),
    responses((status = 200, body = Vec<WalletAirdrop>), (status = 400, body = ErrorBody)),
)]
pub async fn wallet_airdrops(
    State(state): State<Arc<AppState>>,
    PathParams(address): PathParams<String>,
) -> Result<Json<Vec<WalletAirdrop>>, ServerError> {
    let address = parse_address(&address)?;
    let mut out: Vec<WalletAirdrop> = state
        .campaigns
        .all()
        .iter()
        .filter_map(|c| {
            c.tree.proof(&address).map(|p| WalletAirdrop {
                campaign: c.id.clone(),
                amount: p.amount,
                index: p.index,
            })
        })
        .collect();
    out.sort_by(|a, b| a.campaign.cmp(&b.campaign));
    Ok(Json(out))
}

/// Unknown paths.
pub async fn not_found() -> ServerError {
    ServerError::not_found("not_found", "no such endpoint; see /docs or /openapi.json")
}

/// Known path, wrong method.
pub async fn method_not_allowed() -> ServerError {
    ServerError::Api {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        detail: "method not allowed on this endpoint; see /openapi.json".into(),
    }
}
