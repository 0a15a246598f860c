//! What the creator dashboard reads: the key's identity, the last build's report with the
//! charts report.html draws, the relay queue's list, and the claims summary; and `/admin`
//! itself, served without data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_server::auth::generate;
use airdrop_server::{router, AppState, Config};
use airdrop_store::testing::test_db;
use airdrop_store::Backend;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if !key.is_empty() {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

const SPEC: &str = "name = \"Dash\"\nchain_id = 1\ntoken = { address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }\nbudget = \"1000000\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"list\"\nkind = \"list\"\nfile = \"list.csv\"\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_reads_key_report_relay_queue_and_claims_sqlite() {
    dashboard_reads(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_reads_key_report_relay_queue_and_claims_postgres() {
    dashboard_reads(Backend::Postgres).await;
}

async fn dashboard_reads(backend: Backend) {
    let db = test_db(backend).await.unwrap();
    let admin = generate("admin", &["admin".into()], 1).unwrap();
    let reviewer = generate("rev", &["reviewer".into()], 1).unwrap();
    db.insert_api_key(&admin.row).await.unwrap();
    db.insert_api_key(&reviewer.row).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut state = AppState::new(Vec::new());
    state.store = Some(db.db.clone());
    state.jobs = Some(airdrop_server::jobs::JobConfig::new(
        data.path().to_path_buf(),
    ));
    let state = Arc::new(state);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 40001));
    let app = router(state.clone(), &Config::default())
        .layer(axum::Extension(axum::extract::ConnectInfo(addr)));
    let (key, rev) = (admin.key.as_str(), reviewer.key.as_str());

    // The page carries no data and needs no key.
    let (s, page) = call(&app, "GET", "/admin", "", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"signin-form\"") && page.contains("/assets/admin."),
        "{page}"
    );

    // Who a key is; a wrong one is a 401 naming only the key id.
    let (s, t) = call(&app, "GET", "/v1/auth/key", rev, None).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let me: Value = serde_json::from_str(&t).unwrap();
    assert_eq!(me["scopes"], json!(["reviewer"]));
    assert_eq!(me["id"], json!(reviewer.row.id));
    let wrong = format!("{}_{}", &reviewer.row.id, "0".repeat(32));
    let (s, t) = call(&app, "GET", "/v1/auth/key", &wrong, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{t}");
    assert!(!t.contains(&"0".repeat(32)), "{t}");

    let (s, t) = call(
        &app,
        "POST",
        "/v1/campaigns",
        key,
        Some(json!({"id": "dash", "spec": SPEC})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    // Before a build: a 409 that says what to do.
    let (s, t) = call(&app, "GET", "/v1/campaigns/dash/report", rev, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{t}");
    assert!(
        t.contains("no_report") && t.contains("run a build job"),
        "{t}"
    );

    let mut csv = String::from("address\n");
    for i in 1..=40u64 {
        csv.push_str(&format!("0x{i:040x}\n"));
    }
    let req = Request::put("/v1/campaigns/dash/files/list.csv")
        .header("authorization", format!("Bearer {key}"))
        .body(Body::from(csv))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::CREATED
    );
    for kind in ["build", "publish"] {
        let (s, t) = call(
            &app,
            "POST",
            "/v1/campaigns/dash/jobs",
            key,
            Some(json!({"kind": kind})),
        )
        .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{t}");
        let id = serde_json::from_str::<Value>(&t).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut done = false;
        for _ in 0..300 {
            let (_, t) = call(&app, "GET", &format!("/v1/jobs/{id}"), rev, None).await;
            let j: Value = serde_json::from_str(&t).unwrap();
            assert_ne!(j["state"], json!("failed"), "{j}");
            if j["state"] == json!("done") {
                done = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(done, "{kind} job never finished");
    }

    // The report is the bundle's, and its charts are report.html's, minus the inline style.
    let (s, t) = call(&app, "GET", "/v1/campaigns/dash/report", rev, None).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let r: Value = serde_json::from_str(&t).unwrap();
    assert_eq!(r["report"]["recipients"], json!(40));
    assert_eq!(r["report"]["distribution"]["fairness"]["gini"], json!(0.0));
    assert_eq!(
        r["report"]["distribution"]["fairness"]["nakamoto"],
        json!(21)
    );
    let report: airdrop_core::bundle::Report = serde_json::from_value(r["report"].clone()).unwrap();
    let html = airdrop_core::html::report_html(&report);
    let hist = r["histogramSvg"].as_str().unwrap();
    let lorenz = r["lorenzSvg"].as_str().unwrap();
    assert!(html.contains(hist), "the histogram is report.html's");
    assert!(
        lorenz.starts_with("<svg") && !lorenz.contains("style="),
        "{lorenz}"
    );
    assert!(html.contains(&lorenz.replace(
        "width=\"100%\" role",
        "width=\"100%\" style=\"max-width:320px\" role"
    )));

    // The relay queue: empty, filtered by state, a bad state refused; reviewer scope.
    let (s, t) = call(
        &app,
        "GET",
        "/v1/campaigns/dash/relay?state=queued",
        rev,
        None,
    )
    .await;
    assert_eq!((s, t.as_str()), (StatusCode::OK, "[]"));
    let (s, t) = call(
        &app,
        "GET",
        "/v1/campaigns/dash/relay?state=sent",
        rev,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{t}");
    assert!(t.contains("invalid_state"), "{t}");
    let (s, _) = call(&app, "GET", "/v1/campaigns/dash/relay", "", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Claims: published, no distributor yet — totals known, claimed fields null with a note.
    let (s, t) = call(&app, "GET", "/v1/campaigns/dash/claims-summary", rev, None).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let c: Value = serde_json::from_str(&t).unwrap();
    assert_eq!(c["claims"], json!(40));
    assert_eq!(c["total"], json!("1000000000000000000000000"));
    assert_eq!(c["claimedCount"], Value::Null);
    assert!(
        c["note"]
            .as_str()
            .unwrap()
            .contains("no registered distributor"),
        "{c}"
    );
    let (s, _) = call(&app, "GET", "/v1/campaigns/nope/claims-summary", rev, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
