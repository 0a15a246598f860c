//! The creator dashboard: `/admin`.

use crate::AppState;
use axum::Router;
use std::sync::Arc;

/// The dashboard's routes.
pub(super) fn router() -> Router<Arc<AppState>> {
    Router::new()
}
