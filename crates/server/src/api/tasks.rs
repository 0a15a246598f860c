//! Bounty tasks: listed to recipients, created and updated by creators (API key).

use crate::auth::Caller;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{JsonBody, PathParams};
use crate::shared::{now, refuse_secrets, slug, stored_campaign};
use crate::AppState;
use airdrop_store::TaskRow;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A bounty task.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Task {
    /// Task id.
    pub(crate) id: String,
    /// Title.
    pub(crate) title: String,
    /// What to do and what evidence to give.
    pub(crate) description: String,
    /// Points for an approved submission.
    pub(crate) points: i64,
    /// Points for the referrer of an approved submission.
    #[serde(rename = "referralPoints")]
    pub(crate) referral_points: i64,
}

impl From<TaskRow> for Task {
    fn from(t: TaskRow) -> Self {
        Task {
            id: t.id,
            title: t.title,
            description: t.description,
            points: t.points,
            referral_points: t.referral_points,
        }
    }
}

/// The bounty tasks of a campaign.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/tasks", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Vec<Task>), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub(crate) async fn list_tasks(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
) -> Result<Json<Vec<Task>>, ServerError> {
    stored_campaign(&state, &id).await?;
    Ok(Json(
        state
            .store()?
            .tasks(&id)
            .await?
            .into_iter()
            .map(Task::from)
            .collect(),
    ))
}

/// A bounty task as a creator defines it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaskRequest {
    /// Task id: 1–64 letters, digits, '-' or '_'. An existing id is updated.
    pub(crate) id: String,
    /// Title (1–200 characters).
    pub(crate) title: String,
    /// What to do and what evidence to give (up to 5,000 characters).
    #[serde(default)]
    pub(crate) description: String,
    /// Points for an approved submission (0–1,000,000,000).
    pub(crate) points: i64,
    /// Points for the referrer of an approved submission.
    #[serde(rename = "referralPoints", default)]
    pub(crate) referral_points: i64,
}

/// Creates or updates a bounty task.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/tasks", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = TaskRequest,
    responses((status = 201, body = Task), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub(crate) async fn create_task(
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

/// Bounty tasks.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(list_tasks, create_task))
}
