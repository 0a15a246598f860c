//! The web pages (rendered by `airdrop-web`) and their assets, beside the API.
//!
//! Pages are compressed and carry a strict Content-Security-Policy: scripts only from
//! `/assets/` (no inline script runs, so data a page passes to its script sits in a
//! `<script type="application/json">` block), requests only to this origin, no framing. The
//! API's own routes are not compressed: its hot path answers small bodies where compression
//! costs more than it saves.

mod admin;
mod community;
mod recipient;
mod scan;

use crate::error::ServerError;
use crate::AppState;
use airdrop_web::assets::Asset;
use axum::extract::Path;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Every page route and `/assets/{file}`, with compression and the pages' security headers.
pub(crate) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .merge(recipient::router())
        .merge(admin::router())
        .route("/assets/{file}", get(asset))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
}

/// An embedded asset by its hashed name; cached for a year, since a new body gets a new name.
async fn asset(Path(file): Path<String>) -> Result<Response, ServerError> {
    let found = Asset::find(&file).ok_or_else(|| {
        ServerError::not_found("not_found", "no such asset; pages link the current ones")
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, found.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        found.body,
    )
        .into_response())
}

/// Whether a refused request came from a browser opening a page (a form sent without
/// JavaScript) rather than from an API client: a navigation that accepts HTML, outside `/v1/`.
pub(crate) fn wants_page(req: &axum::extract::Request) -> bool {
    req.method() == axum::http::Method::GET
        && !req.uri().path().starts_with("/v1/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// The 400 page for a secret in a page's address (the key guard refused it before the
/// router), with the pages' own security headers: it is answered outside their router.
pub(crate) fn secret_refused() -> Response {
    let mut res = html(airdrop_web::home::secret_refused());
    *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// An HTML page, never cached: it shows live state (claimed, reviews, queues).
pub(crate) fn html(markup: maud::Markup) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        markup.into_string(),
    )
        .into_response()
}
