//! What creators take out of a campaign (reviewer scope): sign-ups and points as CSV sources
//! for the campaign spec, and statistics.

use crate::auth::Caller;
use crate::error::{ErrorBody, ServerError};
use crate::extract::PathParams;
use crate::shared::stored_campaign;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A CSV download named `name`.
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
pub(crate) async fn export_signups(
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
pub(crate) async fn export_points(
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
pub(crate) struct CampaignStats {
    /// Campaign id.
    pub(crate) campaign: String,
    /// Wallets signed up.
    pub(crate) signups: i64,
    /// Bounty tasks.
    pub(crate) tasks: usize,
    /// Submissions waiting for review.
    #[serde(rename = "submissionsPending")]
    pub(crate) submissions_pending: i64,
    /// Approved submissions.
    #[serde(rename = "submissionsApproved")]
    pub(crate) submissions_approved: i64,
    /// Rejected submissions.
    #[serde(rename = "submissionsRejected")]
    pub(crate) submissions_rejected: i64,
    /// Wallets with points.
    #[serde(rename = "walletsWithPoints")]
    pub(crate) wallets_with_points: usize,
    /// Claims, when the campaign is published on this server.
    pub(crate) claims: Option<usize>,
}

/// Sign-up, bounty and claim counts (reviewer scope).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/stats", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = CampaignStats), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub(crate) async fn campaign_stats(
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

/// Exports and statistics.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(export_signups))
        .routes(routes!(export_points))
        .routes(routes!(campaign_stats))
}
