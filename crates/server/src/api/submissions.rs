//! Bounty submissions: wallet-signed by recipients, listed and reviewed by creators (API key).

use crate::api::auth::signed_in;
use crate::api::signups::referrer;
use crate::auth::Caller;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{parse_address, JsonBody, PathParams};
use crate::shared::{now, refuse_secrets, slug, stored_campaign};
use crate::siwe::{submission_resources, SiweMessage};
use crate::AppState;
use airdrop_store::{NewSubmission, SubmissionRow, SubmissionStatus};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A bounty submission, signed by the wallet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmissionRequest {
    /// What was done: an http(s) URL or up to 2,000 characters of text.
    pub(crate) evidence: String,
    /// An EIP-4361 message whose `Resources:` list `urn:airdrop:task:<campaign>:<task>` and
    /// `urn:airdrop:evidence:sha256:<hex of the evidence's SHA-256>`, binding the signature to
    /// this task and this evidence.
    pub(crate) message: String,
    /// The wallet's signature of `message`, 0x-hex.
    pub(crate) signature: String,
    /// A referral code (another participant's).
    #[serde(rename = "referralCode")]
    pub(crate) referral_code: Option<String>,
}

/// A submission and its review state.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Submission {
    /// Id.
    pub(crate) id: i64,
    /// Task id.
    pub(crate) task: String,
    /// The wallet.
    pub(crate) address: String,
    /// The evidence.
    pub(crate) evidence: String,
    /// Who referred it.
    #[serde(rename = "referredBy")]
    pub(crate) referred_by: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub(crate) status: String,
    /// The reviewer's reason (always given for a rejection).
    pub(crate) reason: Option<String>,
    /// Unix seconds.
    #[serde(rename = "createdAt")]
    pub(crate) created_at: i64,
    /// Unix seconds.
    #[serde(rename = "reviewedAt")]
    pub(crate) reviewed_at: Option<i64>,
}

impl From<SubmissionRow> for Submission {
    fn from(s: SubmissionRow) -> Self {
        Submission {
            id: s.id,
            task: s.task,
            address: s.address,
            evidence: s.evidence,
            referred_by: s.referred_by,
            status: s.status.as_str().to_owned(),
            reason: s.reason,
            created_at: s.created,
            reviewed_at: s.reviewed,
        }
    }
}

/// Submits evidence for a bounty task. One submission per task per wallet.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/tasks/{task}/submissions", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("task" = String, Path, description = "Task id")),
    request_body = SubmissionRequest,
    responses(
        (status = 201, body = Submission),
        (status = 400, description = "Bad evidence (or a secret in it), malformed message, message not bound to this task and evidence", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "This wallet submitted for this task already", body = ErrorBody),
    ),
)]
pub(crate) async fn create_submission(
    State(state): State<Arc<AppState>>,
    PathParams((id, task)): PathParams<(String, String)>,
    JsonBody(req): JsonBody<SubmissionRequest>,
) -> Result<(StatusCode, Json<Submission>), ServerError> {
    let campaign = stored_campaign(&state, &id).await?;
    slug("task", &task)?;
    let db = state.store()?;
    db.task(&id, &task).await?.ok_or_else(|| {
        ServerError::not_found(
            "unknown_task",
            format!(
                "campaign {id:?} has no task {task:?}; GET /v1/campaigns/{id}/tasks lists them"
            ),
        )
    })?;
    let evidence = req.evidence.trim();
    refuse_secrets("evidence", evidence)?;
    if evidence.is_empty() || evidence.chars().count() > 2000 {
        return Err(ServerError::bad_request(
            "invalid_evidence",
            "evidence must be an http(s) URL or 1–2,000 characters of text",
        ));
    }
    let msg = SiweMessage::parse(&req.message)?;
    let need = submission_resources(&id, &task, evidence);
    if let Some(missing) = need.iter().find(|r| !msg.resources.contains(r)) {
        return Err(ServerError::bad_request(
            "unbound_signature",
            format!("the signed message must list resource {missing:?} so the signature covers this task and this evidence"),
        ));
    }
    let msg = signed_in(&state, &campaign, &req.message, &req.signature).await?;
    let address = msg.address.to_checksum(None);
    let referred_by = match referrer(&state, &id, req.referral_code.as_deref(), &address).await? {
        Some(named) => Some(named),
        // A wallet that signed up through a referral link keeps that referrer for its tasks:
        // a task page need not carry the code again for the referrer's points to count.
        None => db.signup(&id, &address).await?.and_then(|s| s.referred_by),
    };
    let row = db
        .insert_submission(&NewSubmission {
            campaign: id.clone(),
            task: task.clone(),
            address: address.clone(),
            evidence: evidence.to_owned(),
            referred_by,
            created: now(),
        })
        .await
        .map_err(|e| match e {
            airdrop_store::StoreError::Conflict { .. } => ServerError::Api {
                status: StatusCode::CONFLICT,
                code: "already_submitted",
                detail: format!("{address} submitted for task {task:?} already; see GET /v1/campaigns/{id}/wallets/{address}/submissions"),
            },
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// A wallet's submissions in a campaign, with their review state.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/wallets/{address}/submissions", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("address" = String, Path, description = "Wallet")),
    responses((status = 200, body = Vec<Submission>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub(crate) async fn wallet_submissions(
    State(state): State<Arc<AppState>>,
    PathParams((id, address)): PathParams<(String, String)>,
) -> Result<Json<Vec<Submission>>, ServerError> {
    let address = parse_address(&address)?.to_checksum(None);
    stored_campaign(&state, &id).await?;
    Ok(Json(
        state
            .store()?
            .submissions_of(&id, &address)
            .await?
            .into_iter()
            .map(Submission::from)
            .collect(),
    ))
}

/// Filter of the submission list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SubmissionFilter {
    /// `pending`, `approved` or `rejected`; all when absent.
    pub(crate) status: Option<String>,
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
pub(crate) async fn list_submissions(
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
pub(crate) struct ReviewRequest {
    /// `approve` or `reject`.
    pub(crate) decision: String,
    /// Why (required to reject; shown to the submitter).
    pub(crate) reason: Option<String>,
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
pub(crate) async fn review_submission(
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

/// Submissions and reviews.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(create_submission))
        .routes(routes!(wallet_submissions))
        .routes(routes!(list_submissions))
        .routes(routes!(review_submission))
}
