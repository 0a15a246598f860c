//! The router and the OpenAPI document cannot drift: every documented operation is served,
//! every other method on a documented path is a 405, and the set of operations is the one the
//! API promises (axum cannot list a router's routes, so the promise is written out here).

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_server::{router, AppState, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::with_peer;

/// Every operation of the API, as (method, path template).
const OPERATIONS: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/readyz"),
    ("GET", "/v1/auth/key"),
    ("GET", "/v1/auth/nonce"),
    ("GET", "/v1/campaigns"),
    ("POST", "/v1/campaigns"),
    ("GET", "/v1/campaigns/{id}"),
    ("PUT", "/v1/campaigns/{id}"),
    ("GET", "/v1/campaigns/{id}/claims/{address}"),
    ("GET", "/v1/campaigns/{id}/announcement"),
    ("GET", "/v1/campaigns/{id}/deployment"),
    ("PUT", "/v1/campaigns/{id}/deployment"),
    ("GET", "/v1/campaigns/{id}/exports/points.csv"),
    ("GET", "/v1/campaigns/{id}/exports/signups.csv"),
    ("GET", "/v1/campaigns/{id}/files"),
    ("PUT", "/v1/campaigns/{id}/files/{name}"),
    ("POST", "/v1/campaigns/{id}/jobs"),
    ("GET", "/v1/campaigns/{id}/claims-summary"),
    ("GET", "/v1/campaigns/{id}/relay"),
    ("POST", "/v1/campaigns/{id}/relay"),
    ("GET", "/v1/campaigns/{id}/report"),
    ("GET", "/v1/campaigns/{id}/relay/{request}"),
    ("POST", "/v1/campaigns/{id}/signups"),
    ("GET", "/v1/campaigns/{id}/signups/{address}"),
    ("GET", "/v1/campaigns/{id}/stats"),
    ("GET", "/v1/campaigns/{id}/submissions"),
    ("POST", "/v1/campaigns/{id}/submissions/{submission}/review"),
    ("GET", "/v1/campaigns/{id}/tasks"),
    ("POST", "/v1/campaigns/{id}/tasks"),
    ("POST", "/v1/campaigns/{id}/tasks/{task}/submissions"),
    ("GET", "/v1/campaigns/{id}/wallets/{address}/submissions"),
    ("GET", "/v1/jobs/{job}"),
    ("GET", "/v1/jobs/{job}/events"),
    ("GET", "/v1/wallets/{address}/airdrops"),
];

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

fn app() -> axum::Router {
    let config = Config {
        rate_limit_per_ip: 0,
        ..Config::default()
    };
    with_peer(router(Arc::new(AppState::new(Vec::new())), &config))
}

/// A concrete path for a template: any value reaches the route, which is all this test asks.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|seg| match seg {
            "{address}" => "0x0101010101010101010101010101010101010101",
            "{submission}" | "{request}" => "1",
            "{name}" => "list.csv",
            s if s.starts_with('{') => "genesis",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Status and `code` of the answer to a body-less request.
async fn answer(app: &axum::Router, method: &str, uri: &str) -> (StatusCode, Option<String>) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let code = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned));
    (status, code)
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method.to_lowercase()).is_some() {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_document_lists_every_operation_of_the_api() {
    let doc = serde_json::to_value(airdrop_server::openapi()).expect("json");
    let expected: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented(&doc), expected);
}

#[tokio::test]
async fn the_router_serves_what_the_served_document_lists_and_nothing_else_there() {
    let app = app();
    let req = Request::get("/openapi.json")
        .body(Body::empty())
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .expect("body");
    let doc: Value = serde_json::from_slice(&bytes).expect("json");
    let ops = documented(&doc);
    assert_eq!(ops.len(), OPERATIONS.len());
    let paths: BTreeSet<&String> = ops.iter().map(|(_, p)| p).collect();
    for path in paths {
        let uri = concrete(path);
        for method in METHODS {
            let (status, code) = answer(&app, method, &uri).await;
            if ops.contains(&(method.to_owned(), path.clone())) {
                assert!(
                    status != StatusCode::METHOD_NOT_ALLOWED
                        && code.as_deref() != Some("not_found"),
                    "{method} {path} is documented but not served: {status} {code:?}"
                );
            } else {
                assert_eq!(
                    (status, code.as_deref()),
                    (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")),
                    "{method} {path} is served but not documented"
                );
            }
        }
    }
}
