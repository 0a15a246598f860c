//! Campaigns: the public list and facts (recipients), and creation and update from a spec
//! (creators, API key).

use crate::auth::Caller;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{JsonBody, PathParams};
use crate::shared::{now, refuse_secrets, slug, stored_campaign};
use crate::AppState;
use airdrop_store::CampaignRow;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A campaign's public facts. Claim fields are null until the campaign is published; creator
/// fields (name, chain, sign-up deadline) are null for a campaign served from files only.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CampaignSummary {
    /// URL id.
    pub(crate) id: String,
    /// Merkle root the distributor holds.
    #[serde(rename = "merkleRoot")]
    pub(crate) merkle_root: Option<String>,
    /// Number of claims.
    pub(crate) claims: Option<usize>,
    /// Sum of all claims, base units, decimal.
    pub(crate) total: Option<String>,
    /// Name from the campaign spec.
    pub(crate) name: Option<String>,
    /// Chain id from the campaign spec.
    #[serde(rename = "chainId")]
    pub(crate) chain_id: Option<i64>,
    /// Unix seconds after which sign-ups are refused.
    #[serde(rename = "signupDeadline")]
    pub(crate) signup_deadline: Option<i64>,
    /// The bundle's manifest (chain, token, claim window, vesting), when published with one.
    #[schema(value_type = Option<Object>)]
    pub(crate) manifest: Option<serde_json::Value>,
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

/// The facts of a published campaign.
fn summary(c: &crate::campaign::Campaign) -> CampaignSummary {
    CampaignSummary {
        id: c.id.clone(),
        merkle_root: Some(c.tree.root().to_string()),
        claims: Some(c.tree.len()),
        total: Some(c.tree.total().to_string()),
        manifest: c
            .manifest
            .as_ref()
            .and_then(|m| serde_json::to_value(m).ok()),
        name: None,
        chain_id: None,
        signup_deadline: None,
    }
}

/// All campaigns served.
#[utoipa::path(get, path = "/v1/campaigns", tag = "recipients", responses((status = 200, body = Vec<CampaignSummary>), (status = 503, body = ErrorBody)))]
pub(crate) async fn list_campaigns(
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

pub(crate) fn unknown_campaign(id: &str) -> ServerError {
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
pub(crate) async fn get_campaign(
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

/// A campaign as a creator defines it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CampaignRequest {
    /// URL id: 1–64 letters, digits, '-' or '_' (only on create).
    pub(crate) id: Option<String>,
    /// The campaign spec (campaign.toml text); name and chain id come from it.
    pub(crate) spec: String,
    /// Sign-ups close at this RFC 3339 time (e.g. `2026-12-31T00:00:00Z`); none: open.
    #[serde(rename = "signupDeadline")]
    pub(crate) signup_deadline: Option<String>,
}

/// A stored campaign.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CampaignInfo {
    /// Id.
    pub(crate) id: String,
    /// Name from the spec.
    pub(crate) name: String,
    /// Chain id from the spec.
    #[serde(rename = "chainId")]
    pub(crate) chain_id: i64,
    /// Unix seconds, or null when sign-ups stay open.
    #[serde(rename = "signupDeadline")]
    pub(crate) signup_deadline: Option<i64>,
    /// Unix seconds.
    #[serde(rename = "createdAt")]
    pub(crate) created_at: i64,
    /// Unix seconds.
    #[serde(rename = "updatedAt")]
    pub(crate) updated_at: i64,
}

impl From<CampaignRow> for CampaignInfo {
    fn from(c: CampaignRow) -> Self {
        CampaignInfo {
            id: c.id,
            name: c.name,
            chain_id: c.chain_id,
            signup_deadline: c.signup_deadline,
            created_at: c.created,
            updated_at: c.updated,
        }
    }
}

fn campaign_row(
    id: &str,
    req: &CampaignRequest,
    created: i64,
    node: Option<&str>,
) -> Result<CampaignRow, ServerError> {
    if req.spec.len() > 256 * 1024 {
        return Err(ServerError::bad_request(
            "invalid_spec",
            "the spec is over 256 KiB",
        ));
    }
    refuse_secrets("spec", &req.spec)?;
    let spec = airdrop_core::spec::Campaign::parse(&req.spec, "campaign.toml")
        .map_err(|e| ServerError::bad_request("invalid_spec", e.to_string()))?;
    // A build job runs this spec on the server's host: it may read its campaign's uploads only.
    crate::confine::check_spec(&spec, node)?;
    let signup_deadline = req
        .signup_deadline
        .as_deref()
        .map(|t| {
            crate::siwe::parse_rfc3339(t).ok_or_else(|| {
                ServerError::bad_request(
                    "invalid_time",
                    format!(
                        "signupDeadline {t:?} is not RFC 3339; write it like 2026-12-31T00:00:00Z"
                    ),
                )
            })
        })
        .transpose()?;
    Ok(CampaignRow {
        id: id.to_owned(),
        name: spec.name.clone(),
        spec: req.spec.clone(),
        chain_id: i64::try_from(spec.chain_id).map_err(|_| {
            ServerError::bad_request(
                "invalid_spec",
                format!("chain_id {} is too large", spec.chain_id),
            )
        })?,
        signup_deadline,
        created,
        updated: now(),
    })
}

/// Creates a campaign from its spec (the spec is validated as `airdrop build` would).
#[utoipa::path(
    post, path = "/v1/campaigns", tag = "creators", security(("api_key" = [])),
    request_body = CampaignRequest,
    responses(
        (status = 201, body = CampaignInfo),
        (status = 400, description = "Invalid id, spec or time", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The id is taken", body = ErrorBody),
    ),
)]
pub(crate) async fn create_campaign(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(req): JsonBody<CampaignRequest>,
) -> Result<(StatusCode, Json<CampaignInfo>), ServerError> {
    caller.require("admin")?;
    let id = req
        .id
        .clone()
        .ok_or_else(|| ServerError::bad_request("invalid_id", "give the campaign an \"id\""))?;
    slug("campaign", &id)?;
    state.refuse_pinned(&id)?;
    let db = state.store()?;
    if db.campaign(&id).await?.is_some() {
        return Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "campaign_exists",
            detail: format!("campaign {id:?} exists; update it with PUT /v1/campaigns/{id}"),
        });
    }
    let row = campaign_row(&id, &req, now(), state.rpc.as_ref().map(|r| r.url()))?;
    db.put_campaign(&row).await?;
    tracing::info!(campaign = %id, key = %caller.key_id, "campaign created");
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Replaces a campaign's spec and sign-up deadline.
#[utoipa::path(
    put, path = "/v1/campaigns/{id}", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = CampaignRequest,
    responses((status = 200, body = CampaignInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub(crate) async fn update_campaign(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
    JsonBody(req): JsonBody<CampaignRequest>,
) -> Result<Json<CampaignInfo>, ServerError> {
    caller.require("admin")?;
    let old = stored_campaign(&state, &id).await?;
    if req.id.as_deref().is_some_and(|i| i != id) {
        return Err(ServerError::bad_request(
            "invalid_id",
            "a campaign's id cannot change",
        ));
    }
    let row = campaign_row(&id, &req, old.created, state.rpc.as_ref().map(|r| r.url()))?;
    state.store()?.put_campaign(&row).await?;
    Ok(Json(row.into()))
}

/// Campaign list, facts, creation and update.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign))
}
