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

#[tokio::test]
async fn a_secret_sent_from_a_page_without_javascript_gets_a_page_not_json() {
    // A recovery phrase typed into the claim page's address field, the form sent as a browser
    // without JavaScript sends it: refused before any handler, answered with a page.
    // Entropy made at run time (random key bytes), so no phrase is written in the source.
    let entropy = alloy_signer_local::PrivateKeySigner::random().to_bytes();
    let phrase = bip39::Mnemonic::from_entropy(&entropy[..16])
        .unwrap()
        .to_string();
    let target = format!("/claim/demo?address={}", phrase.replace(' ', "+"));
    let page = app()
        .oneshot(
            Request::get(target.as_str())
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        page.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    assert!(page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        body.contains("looks like a private key or a recovery phrase"),
        "{body}"
    );
    let words: Vec<&str> = phrase.split(' ').collect();
    for pair in words.windows(2) {
        assert!(
            !body.contains(&pair.join(" ")),
            "the page quotes the phrase"
        );
    }

    // The same request from an API client (no HTML accepted) keeps the API's JSON refusal.
    let api = get(&target, false).await;
    assert_eq!(api.status(), StatusCode::BAD_REQUEST);
    let body = axum::body::to_bytes(api.into_body(), 1 << 16)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], "secret_refused");
}
