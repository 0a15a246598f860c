//! The recipient pages: `/claim/{campaign}`, `/signup/{campaign}`, `/tasks/{campaign}`,
//! `/wallet/{address}`, and the home page listing the campaigns.

use crate::AppState;
use airdrop_web::home::{self, CampaignLink};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The recipient pages' routes.
pub(super) fn router() -> Router<Arc<AppState>> {
    Router::new().route("/", get(index))
}

async fn index(State(state): State<Arc<AppState>>) -> Response {
    let mut links: Vec<CampaignLink> = state
        .campaigns
        .all()
        .iter()
        .map(|c| CampaignLink {
            id: c.id.clone(),
            claims: c.tree.len(),
        })
        .collect();
    links.sort_by(|a, b| a.id.cmp(&b.id));
    super::html(home::render(&links))
}
