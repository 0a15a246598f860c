//! Operations: liveness, readiness and Prometheus metrics.

use crate::error::{ErrorBody, ServerError};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok` while the process serves requests.
    pub(crate) status: &'static str,
}

/// Readiness: campaigns loaded and (once a database is configured) the store reachable.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Ready {
    /// `ready`.
    pub(crate) status: &'static str,
    /// Campaigns served.
    pub(crate) campaigns: usize,
}

/// Liveness probe.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness probe: campaigns loaded, and the store reachable with every migration applied.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, body = Ready), (status = 503, description = "The store is unreachable or not migrated, or published campaigns are still loading", body = ErrorBody)))]
pub(crate) async fn readyz(State(state): State<Arc<AppState>>) -> Result<Json<Ready>, ServerError> {
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

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
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

/// Health, readiness and metrics.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}
