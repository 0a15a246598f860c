//! The creator dashboard: `/admin`. Served without data: the page's script reads the API with
//! the key the creator types, kept in the tab's `sessionStorage` only.

use crate::AppState;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The dashboard's routes.
pub(super) fn router() -> Router<Arc<AppState>> {
    Router::new().route("/admin", get(dashboard))
}

async fn dashboard() -> Response {
    super::html(airdrop_web::admin::render())
}
