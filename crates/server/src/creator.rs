//! Creator endpoints (API key): campaigns from a spec, bounty tasks, reviews, exports as
//! campaign sources, statistics.

use crate::auth::Caller;
use crate::community::{now, refuse_secrets, slug, stored_campaign, Submission, Task};
use crate::error::{ErrorBody, ServerError};
use crate::routes::{JsonBody, PathParams};
use crate::AppState;
use airdrop_store::{CampaignRow, SubmissionStatus, TaskRow};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// A campaign as a creator defines it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRequest {
    /// URL id: 1–64 letters, digits, '-' or '_' (only on create).
    pub id: Option<String>,
    /// The campaign spec (campaign.toml text); name and chain id come from it.
    pub spec: String,
    /// Sign-ups close at this RFC 3339 time (e.g. `2026-12-31T00:00:00Z`); none: open.
    #[serde(rename = "signupDeadline")]
    pub signup_deadline: Option<String>,
}

/// A stored campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignInfo {
    /// Id.
    pub id: String,
    /// Name from the spec.
    pub name: String,
    /// Chain id from the spec.
    #[serde(rename = "chainId")]
    pub chain_id: i64,
    /// Unix seconds, or null when sign-ups stay open.
    #[serde(rename = "signupDeadline")]
    pub signup_deadline: Option<i64>,
    /// Unix seconds.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Unix seconds.
    #[serde(rename = "updatedAt")]
    pub updated_at: i64,
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
pub async fn create_campaign(
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
pub async fn update_campaign(
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

/// A bounty task as a creator defines it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    /// Task id: 1–64 letters, digits, '-' or '_'. An existing id is updated.
    pub id: String,
    /// Title (1–200 characters).
    pub title: String,
    /// What to do and what evidence to give (up to 5,000 characters).
    #[serde(default)]
    pub description: String,
    /// Points for an approved submission (0–1,000,000,000).
    pub points: i64,
    /// Points for the referrer of an approved submission.
    #[serde(rename = "referralPoints", default)]
    pub referral_points: i64,
}

/// Creates or updates a bounty task.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/tasks", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = TaskRequest,
    responses((status = 201, body = Task), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn create_task(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
    JsonBody(req): JsonBody<TaskRequest>,
) -> Result<(StatusCode, Json<Task>), ServerError> {
    caller.require("admin")?;
    stored_campaign(&state, &id).await?;
    slug("task", &req.id)?;
    let title = req.title.trim();
    if title.is_empty() || title.chars().count() > 200 || req.description.chars().count() > 5000 {
        return Err(ServerError::bad_request(
            "invalid_task",
            "a task needs a title of 1–200 characters and a description of up to 5,000",
        ));
    }
    refuse_secrets("title", title)?;
    refuse_secrets("description", &req.description)?;
    for (name, v) in [
        ("points", req.points),
        ("referralPoints", req.referral_points),
    ] {
        if !(0..=1_000_000_000).contains(&v) {
            return Err(ServerError::bad_request(
                "invalid_points",
                format!("{name} {v} must be between 0 and 1,000,000,000"),
            ));
        }
    }
    let row = TaskRow {
        campaign: id,
        id: req.id,
        title: title.to_owned(),
        description: req.description,
        points: req.points,
        referral_points: req.referral_points,
        created: now(),
    };
    state.store()?.put_task(&row).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Filter of the submission list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionFilter {
    /// `pending`, `approved` or `rejected`; all when absent.
    pub status: Option<String>,
}

fn parse_status(s: &str) -> Result<SubmissionStatus, ServerError> {
    match s {
        "pending" => Ok(SubmissionStatus::Pending),
        "approved" => Ok(SubmissionStatus::Approved),
        "rejected" => Ok(SubmissionStatus::Rejected),
        other => Err(ServerError::bad_request(
            "invalid_status",
            format!(
                "status {:?} is not pending, approved or rejected",
                other.chars().take(20).collect::<String>()
            ),
        )),
    }
}

/// Submissions to review (reviewer scope).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/submissions", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id"), SubmissionFilter),
    responses((status = 200, body = Vec<Submission>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn list_submissions(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
    Query(filter): Query<SubmissionFilter>,
) -> Result<Json<Vec<Submission>>, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    let status = filter.status.as_deref().map(parse_status).transpose()?;
    Ok(Json(
        state
            .store()?
            .submissions(&id, status)
            .await?
            .into_iter()
            .map(Submission::from)
            .collect(),
    ))
}

/// A review decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `approve` or `reject`.
    pub decision: String,
    /// Why (required to reject; shown to the submitter).
    pub reason: Option<String>,
}

/// Approves or rejects a pending submission (reviewer scope).
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/submissions/{submission}/review", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id"), ("submission" = i64, Path, description = "Submission id")),
    request_body = ReviewRequest,
    responses(
        (status = 200, body = Submission),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Reviewed already", body = ErrorBody),
    ),
)]
pub async fn review_submission(
    State(state): State<Arc<AppState>>,
    PathParams((id, submission)): PathParams<(String, i64)>,
    caller: Caller,
    JsonBody(req): JsonBody<ReviewRequest>,
) -> Result<Json<Submission>, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    let status = match req.decision.as_str() {
        "approve" => SubmissionStatus::Approved,
        "reject" => SubmissionStatus::Rejected,
        _ => {
            return Err(ServerError::bad_request(
                "invalid_decision",
                "decision must be \"approve\" or \"reject\"",
            ))
        }
    };
    let reason = req
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if status == SubmissionStatus::Rejected && reason.is_none() {
        return Err(ServerError::bad_request(
            "reason_required",
            "a rejection needs a reason; the submitter sees it",
        ));
    }
    if let Some(r) = reason {
        refuse_secrets("reason", r)?;
        if r.chars().count() > 1000 {
            return Err(ServerError::bad_request(
                "invalid_reason",
                "a reason is up to 1,000 characters",
            ));
        }
    }
    let db = state.store()?;
    match db
        .review_submission(&id, submission, status, reason, &caller.key_id, now())
        .await?
    {
        Some(row) => Ok(Json(row.into())),
        None => match db.submission(submission).await? {
            Some(s) if s.campaign == id => Err(ServerError::Api {
                status: StatusCode::CONFLICT,
                code: "already_reviewed",
                detail: format!("submission {submission} is {} already", s.status.as_str()),
            }),
            _ => Err(ServerError::not_found(
                "unknown_submission",
                format!("campaign {id:?} has no submission {submission}"),
            )),
        },
    }
}

fn csv(name: &str, body: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
}

/// Sign-ups as a `list` source for the campaign spec (`address` column).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/exports/signups.csv", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn export_signups(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
) -> Result<impl IntoResponse, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    let mut out = String::from("address\n");
    for s in state.store()?.signups(&id).await? {
        out.push_str(&s.address);
        out.push('\n');
    }
    Ok(csv(&format!("{id}-signups.csv"), out))
}

/// Bounty points of approved submissions (plus referral points) as a `points` source
/// (`address,points`).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/exports/points.csv", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn export_points(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
) -> Result<impl IntoResponse, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    let mut out = String::from("address,points\n");
    for p in state.store()?.points(&id).await? {
        out.push_str(&format!("{},{}\n", p.address, p.points));
    }
    Ok(csv(&format!("{id}-points.csv"), out))
}

/// Campaign statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignStats {
    /// Campaign id.
    pub campaign: String,
    /// Wallets signed up.
    pub signups: i64,
    /// Bounty tasks.
    pub tasks: usize,
    /// Submissions waiting for review.
    #[serde(rename = "submissionsPending")]
    pub submissions_pending: i64,
    /// Approved submissions.
    #[serde(rename = "submissionsApproved")]
    pub submissions_approved: i64,
    /// Rejected submissions.
    #[serde(rename = "submissionsRejected")]
    pub submissions_rejected: i64,
    /// Wallets with points.
    #[serde(rename = "walletsWithPoints")]
    pub wallets_with_points: usize,
    /// Claims, when the campaign is published on this server.
    pub claims: Option<usize>,
}

/// Sign-up, bounty and claim counts (reviewer scope).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/stats", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = CampaignStats), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn campaign_stats(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
) -> Result<Json<CampaignStats>, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    let db = state.store()?;
    let (signups, pending, approved, rejected) = db.counts(&id).await?;
    Ok(Json(CampaignStats {
        campaign: id.clone(),
        signups,
        tasks: db.tasks(&id).await?.len(),
        submissions_pending: pending,
        submissions_approved: approved,
        submissions_rejected: rejected,
        wallets_with_points: db.points(&id).await?.len(),
        claims: state.campaigns.get(&id).map(|c| c.tree.len()),
    }))
}
