//! Build jobs run in the server's process, through the engine: a campaign built over the API
//! (upload, POST the job, follow its Server-Sent Events) streams the engine's stages, each at
//! least once, with a `done` that never falls within a stage and reaches its `total`.
//!
//! `AIRDROP_JOB_RECIPIENTS` sets the campaign's size for the `#[ignore]`d large run, e.g.
//! `AIRDROP_JOB_RECIPIENTS=1000000 cargo test --release -p airdrop-server --test it jobs:: -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use airdrop_server::auth::generate;
use airdrop_server::{router, AppState, Config};
use airdrop_store::testing::test_db;
use airdrop_store::Backend;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

/// The engine's build stages, in order (no chain source in this campaign).
const STAGES: &[&str] = &["read", "exclusions", "allocate", "tree", "write", "commit"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_job_streams_every_engine_stage_sqlite() {
    build_streams_stages(Backend::Sqlite, 20_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_job_streams_every_engine_stage_postgres() {
    build_streams_stages(Backend::Postgres, 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "large: set AIRDROP_JOB_RECIPIENTS (e.g. 1000000) and run in release"]
async fn build_job_streams_every_engine_stage_large() {
    let n = std::env::var("AIRDROP_JOB_RECIPIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    build_streams_stages(Backend::Sqlite, n).await;
}

async fn request(
    app: &axum::Router,
    method: &str,
    uri: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 26)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// `n` distinct addresses, one per line under an `address` header.
fn addresses(n: u64) -> Vec<u8> {
    let mut csv = String::with_capacity(43 * n as usize + 8);
    csv.push_str("address\n");
    for i in 1..=n {
        csv.push_str(&format!("0x{i:040x}\n"));
    }
    csv.into_bytes()
}

/// The SSE body's events: (event name, data as JSON).
fn events(body: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut name = String::new();
    for line in body.lines() {
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_owned();
        } else if let Some(d) = line.strip_prefix("data: ") {
            out.push((name.clone(), serde_json::from_str(d).unwrap()));
        }
    }
    out
}

async fn build_streams_stages(backend: Backend, n: u64) {
    let db = test_db(backend).await.unwrap();
    let admin = generate("admin", &["admin".into()], 1).unwrap();
    db.insert_api_key(&admin.row).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut state = AppState::new(Vec::new());
    state.store = Some(db.db.clone());
    state.jobs = Some(airdrop_server::jobs::JobConfig::new(
        data.path().to_path_buf(),
    ));
    let state = Arc::new(state);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 40000));
    let app = router(state.clone(), &Config::default())
        .layer(axum::Extension(axum::extract::ConnectInfo(addr)));
    let key = admin.key.as_str();
    let spec = "name = \"Big\"\nchain_id = 1\ntoken = { address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }\nbudget = \"1000000000\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"list\"\nkind = \"list\"\nfile = \"list.csv\"\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n";
    let body = json!({"id": "big", "spec": spec}).to_string().into_bytes();
    let (s, t) = request(&app, "POST", "/v1/campaigns", key, "application/json", body).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let csv = addresses(n);
    let (s, t) = request(
        &app,
        "PUT",
        "/v1/campaigns/big/files/list.csv",
        key,
        "text/csv",
        csv,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");

    let started = Instant::now();
    let body = json!({"kind": "build"}).to_string().into_bytes();
    let (s, t) = request(
        &app,
        "POST",
        "/v1/campaigns/big/jobs",
        key,
        "application/json",
        body,
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{t}");
    let job: Value = serde_json::from_str(&t).unwrap();
    let id = job["id"].as_str().unwrap();
    let (s, sse) = request(
        &app,
        "GET",
        &format!("/v1/jobs/{id}/events"),
        key,
        "text/plain",
        Vec::new(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sse}");
    let elapsed = started.elapsed();
    let events = events(&sse);

    // The end: done, with the build's own result.
    let (last, end) = events.last().unwrap();
    assert_eq!(last, "done", "{sse}");
    assert_eq!(end["state"], json!("done"), "{end}");
    // A finished job counts its own steps, as before the engine ran in process.
    assert_eq!(
        (&end["done"], &end["total"]),
        (&json!(3), &json!(3)),
        "{end}"
    );
    assert!(
        end["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!(", {n} recipients")),
        "{end}"
    );

    // The engine's stages, in order, each with a done that never falls and reaches its total.
    let mut seen: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
    for (name, e) in &events {
        let Some(stage) = e["message"].as_str().unwrap().strip_prefix("building: ") else {
            continue;
        };
        assert_eq!(name, "progress", "{e}");
        let point = (e["done"].as_i64().unwrap(), e["total"].as_i64().unwrap());
        match seen.last_mut() {
            Some((s, points)) if s == stage => points.push(point),
            _ => seen.push((stage.to_owned(), vec![point])),
        }
    }
    let order: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(order, STAGES, "each stage once, in order: {sse}");
    for (stage, points) in &seen {
        assert!(
            points.windows(2).all(|w| w[0].0 <= w[1].0),
            "{stage}: done fell: {points:?}"
        );
        let (done, total) = *points.last().unwrap();
        assert_eq!(done, total, "{stage}: done never reached total: {points:?}");
    }
    let tree = &seen.iter().find(|(s, _)| s == "tree").unwrap().1;
    assert_eq!(tree.last().unwrap().1, n as i64, "{tree:?}");
    println!(
        "{n} recipients: build job done in {:.1}s, {} events: {}",
        elapsed.as_secs_f64(),
        events.len(),
        seen.iter()
            .map(|(s, p)| format!("{s} {:?}", p))
            .collect::<Vec<_>>()
            .join("; ")
    );
    // The job's scratch folder is gone (the store keeps the bundle's copy).
    let left: Vec<_> = std::fs::read_dir(data.path().join("big"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "job folders left: {left:?}");
}
