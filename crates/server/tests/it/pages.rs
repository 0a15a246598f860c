//! The web pages' frame: served beside the API, compressed, with the pages' security headers,
//! and assets only under their current hashed names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_server::{router, AppState, Config};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::with_peer;

fn app() -> axum::Router {
    with_peer(router(Arc::new(AppState::default()), &Config::default()))
}

async fn get(path: &str, gzip: bool) -> axum::response::Response {
    let mut req = Request::get(path);
    if gzip {
        req = req.header(header::ACCEPT_ENCODING, "gzip");
    }
    app()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn home_page_is_html_with_a_strict_policy_and_compressed_on_request() {
    let res = get("/", true).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    let plain = get("/", false).await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let body = axum::body::to_bytes(plain.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(
        body.contains("never asks for your recovery phrase"),
        "the safety panel is on every page"
    );
}

#[tokio::test]
async fn assets_are_served_by_hashed_name_only() {
    let path = airdrop_web::assets::STYLE.path();
    let res = get(path, false).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
    assert!(res.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    for stale in [
        "/assets/style.000000000000.css",
        "/assets/..%2FCargo.toml",
        "/assets/style.css",
    ] {
        let res = get(stale, false).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{stale}");
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "not_found");
    }
}
