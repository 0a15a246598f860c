//! `/signup/{campaign}` and `/tasks/{campaign}`, read from the store the API writes: the
//! campaign (chain, sign-up deadline), a wallet's sign-up, the tasks and a wallet's submissions.

use crate::error::ServerError;
use crate::AppState;
use airdrop_store::CampaignRow;
use airdrop_web::community::{
    self, CommunityCampaign, SignupInfo, SignupView, SubmissionInfo, TaskInfo, TasksView,
};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// `?address=` and `?ref=`.
#[derive(Debug, Deserialize)]
pub(super) struct CommunityQuery {
    address: Option<String>,
    #[serde(rename = "ref")]
    referral: Option<String>,
}

fn asked(q: &CommunityQuery) -> Option<Result<String, String>> {
    let t = q
        .address
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    Some(
        airdrop_merkle::address::parse_address(t)
            .map(|a| a.to_checksum(None))
            .map_err(|e| e.to_string()),
    )
}

/// The store campaign `id`, or the response to send instead (404 page, or the store's error).
async fn campaign(state: &AppState, id: &str) -> Result<CommunityCampaign, Response> {
    let found: Result<Option<CampaignRow>, ServerError> = match state.store() {
        Ok(db) => db.campaign(id).await.map_err(ServerError::from),
        Err(e) => Err(e),
    };
    match found {
        Ok(Some(c)) => {
            let now = crate::shared::now();
            Ok(CommunityCampaign {
                id: c.id,
                name: c.name,
                chain_id: u64::try_from(c.chain_id).unwrap_or_default(),
                deadline: c.signup_deadline.map(airdrop_core::tax::rfc3339),
                closed: c.signup_deadline.is_some_and(|d| now >= d),
            })
        }
        Ok(None) => Err((
            StatusCode::NOT_FOUND,
            super::html(airdrop_web::claim::unknown(id)),
        )
            .into_response()),
        Err(e) => Err(e.into_response()),
    }
}

pub(super) async fn signup_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<CommunityQuery>,
) -> Response {
    let c = match campaign(&state, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let address = asked(&q);
    let mut signup = None;
    if let (Some(Ok(a)), Ok(db)) = (&address, state.store()) {
        match db.signup(&id, a).await {
            Ok(row) => {
                signup = row.map(|s| SignupInfo {
                    address: s.address,
                    referral_code: s.referral_code,
                    referred_by: s.referred_by,
                })
            }
            Err(e) => return ServerError::from(e).into_response(),
        }
    }
    let referral = q
        .referral
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    let view = SignupView {
        campaign: c,
        referral,
        address,
        signup,
    };
    super::html(community::signup(&view))
}

pub(super) async fn tasks_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<CommunityQuery>,
) -> Response {
    let c = match campaign(&state, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let db = match state.store() {
        Ok(db) => db,
        Err(e) => return e.into_response(),
    };
    let tasks = match db.tasks(&id).await {
        Ok(t) => t,
        Err(e) => return ServerError::from(e).into_response(),
    };
    let address = asked(&q);
    let mut submissions = Vec::new();
    if let Some(Ok(a)) = &address {
        match db.submissions_of(&id, a).await {
            Ok(rows) => {
                submissions = rows
                    .into_iter()
                    .map(|s| SubmissionInfo {
                        task: s.task,
                        evidence: s.evidence,
                        status: s.status.as_str().to_owned(),
                        reason: s.reason,
                    })
                    .collect()
            }
            Err(e) => return ServerError::from(e).into_response(),
        }
    }
    let view = TasksView {
        campaign: c,
        tasks: tasks
            .into_iter()
            .map(|t| TaskInfo {
                id: t.id,
                title: t.title,
                description: t.description,
                points: t.points,
            })
            .collect(),
        address,
        submissions,
    };
    super::html(community::tasks(&view))
}
