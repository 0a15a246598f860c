//! Every endpoint through the real router, and over a real socket; every bad input a 4xx with
//! `{code, detail}`.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_merkle::{build_claims, Address, Entry, Preset, TreeOptions, B256, U256};
use airdrop_server::{router, AppState, Campaign, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::{peer, with_peer};

struct FileSink(std::path::PathBuf);
impl airdrop_merkle::Sink for FileSink {
    fn create(&mut self, _: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        Ok(Box::new(std::fs::File::create(&self.0)?))
    }
}

fn entries() -> Vec<Entry> {
    (1..=50u8)
        .map(|i| Entry {
            address: Address::repeat_byte(i),
            amount: U256::from(i as u64 * 1000),
        })
        .collect()
}

fn campaign(dir: &std::path::Path, id: &str) -> Campaign {
    let path = dir.join(format!("{id}.json"));
    let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries()).unwrap();
    built.write(&mut FileSink(path.clone())).unwrap();
    Campaign::load(id, &path).unwrap()
}

fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(AppState::new(vec![
        campaign(dir.path(), "genesis"),
        campaign(dir.path(), "second"),
    ]));
    (with_peer(router(state, &Config::default())), dir)
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
) -> (StatusCode, String, axum::http::HeaderMap) {
    let res = app
        .clone()
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned(), headers)
}

async fn json(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (s, b, _) = call(app, "GET", uri).await;
    (
        s,
        serde_json::from_str(&b).unwrap_or_else(|e| panic!("{uri}: {e}: {b}")),
    )
}

#[tokio::test]
async fn claim_lookup_returns_a_proof_that_verifies() {
    let (app, _dir) = app();
    let address = Address::repeat_byte(7);
    let (status, body) = json(
        &app,
        &format!("/v1/campaigns/genesis/claims/{}", address.to_checksum(None)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["amount"], "7000");
    // Not signed with `airdrop sign`: the verdict is there, as null.
    assert_eq!(body["announcement"], Value::Null, "{body}");
    let root: B256 = body["merkleRoot"].as_str().unwrap().parse().unwrap();
    let proof: Vec<B256> = body["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect();
    let leaf = airdrop_merkle::hash::uniswap_leaf(
        body["index"].as_u64().unwrap(),
        &address,
        &U256::from(7000),
    );
    assert_eq!(
        airdrop_merkle::hash::NodeHash::KeccakSorted.fold(leaf, &proof),
        root
    );
    // Lowercase works too.
    let (status, _) = json(
        &app,
        &format!(
            "/v1/campaigns/genesis/claims/{}",
            address.to_string().to_lowercase()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wallets_and_campaigns() {
    let (app, _dir) = app();
    let (status, body) = json(
        &app,
        &format!("/v1/wallets/{}/airdrops", Address::repeat_byte(3)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["campaign"], "genesis");
    let (_, none) = json(
        &app,
        &format!("/v1/wallets/{}/airdrops", Address::repeat_byte(0xee)),
    )
    .await;
    assert_eq!(none, serde_json::json!([]));
    let (status, list) = json(&app, "/v1/campaigns").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["claims"], 50);
    let (status, one) = json(&app, "/v1/campaigns/second").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["total"], "1275000");
}

#[tokio::test]
async fn bad_requests_are_4xx_with_code_and_detail() {
    let (app, _dir) = app();
    let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let cases = [
        (
            "/v1/campaigns/genesis/claims/0x1234",
            StatusCode::BAD_REQUEST,
            "invalid_address",
        ),
        (
            "/v1/campaigns/genesis/claims/0x7777777777777777777777777777777777777777",
            StatusCode::NOT_FOUND,
            "not_eligible",
        ),
        (
            "/v1/campaigns/nope/claims/0x0707070707070707070707070707070707070707",
            StatusCode::NOT_FOUND,
            "unknown_campaign",
        ),
        (
            "/v1/campaigns/genesis/claims/0x5c69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
            StatusCode::BAD_REQUEST,
            "bad_checksum",
        ),
        (
            "/v1/wallets/not-an-address/airdrops",
            StatusCode::BAD_REQUEST,
            "invalid_address",
        ),
        ("/v1/nothing", StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/campaigns/nope",
            StatusCode::NOT_FOUND,
            "unknown_campaign",
        ),
        // Path segments axum cannot decode or parse: JSON 400s, not axum's plain-text ones.
        ("/v1/campaigns/%FF", StatusCode::BAD_REQUEST, "invalid_path"),
        (
            "/v1/campaigns/genesis/relay/abc",
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            "/v1/campaigns/genesis/relay/99999999999999999999",
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
    ];
    for (uri, want, code) in cases {
        let (status, body) = json(&app, uri).await;
        assert_eq!(status, want, "{uri}: {body}");
        assert_eq!(body["code"], code, "{uri}: {body}");
        assert!(!body["detail"].as_str().unwrap().is_empty());
    }
    let (status, body) = json(&app, &format!("/v1/campaigns/genesis/claims/0x{key}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "secret_refused");
    assert!(
        !body.to_string().contains(&key[8..]),
        "secret echoed: {body}"
    );
    let (status, body, _) = call(&app, "DELETE", "/v1/campaigns").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body.contains("method_not_allowed"), "{body}");
}

#[tokio::test]
async fn operations_endpoints() {
    let (app, _dir) = app();
    assert_eq!(json(&app, "/healthz").await.1["status"], "ok");
    let (status, ready) = json(&app, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["campaigns"], 2);
    let _ = call(&app, "GET", "/v1/campaigns/genesis").await;
    let (status, text, headers) = call(&app, "GET", "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(text.contains("airdrop_http_requests_total{route=\"/v1/campaigns/{id}\",method=\"GET\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("airdrop_claims_loaded 100"), "{text}");
    let (_, _, headers) = call(&app, "GET", "/healthz").await;
    assert!(headers.contains_key("x-request-id"));
    let (status, html, _) = call(&app, "GET", "/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "docs page must embed its assets"
    );
}

#[tokio::test]
async fn clients_over_their_rate_get_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(AppState::new(vec![campaign(dir.path(), "genesis")]));
    let config = Config {
        rate_limit_per_ip: 1,
        rate_limit_burst: 3,
        ..Config::default()
    };
    let base = router(state, &config);
    let app = peer(base.clone(), [127, 0, 0, 1]);
    for _ in 0..3 {
        assert_eq!(call(&app, "GET", "/v1/campaigns").await.0, StatusCode::OK);
    }
    let (status, body, headers) = call(&app, "GET", "/v1/campaigns").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(headers["retry-after"]
        .to_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    // Another client of the same server keeps its own budget.
    let other = peer(base, [127, 0, 0, 2]);
    assert_eq!(call(&other, "GET", "/v1/campaigns").await.0, StatusCode::OK);
}

/// The committed OpenAPI document must match the code; regenerate with
/// `AIRDROP_WRITE_OPENAPI=1 cargo test -p airdrop-server --test it openapi`.
#[tokio::test]
async fn openapi_document_is_served_and_committed() {
    let (app, _dir) = app();
    let (status, served) = json(&app, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let committed_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("AIRDROP_WRITE_OPENAPI").is_some() {
        std::fs::write(&committed_path, &pretty).unwrap();
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == pretty,
        "docs/openapi.json drifted from the code; regenerate it (see this test's doc comment)"
    );
    for path in [
        "/v1/campaigns/{id}/claims/{address}",
        "/v1/wallets/{address}/airdrops",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(served["paths"].get(path).is_some(), "{path} undocumented");
    }
}

#[tokio::test]
async fn serves_over_a_real_socket_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(AppState::new(vec![campaign(dir.path(), "genesis")]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(airdrop_server::serve_on(
        listener,
        state,
        Config::default(),
        async {
            let _ = stopped.await;
        },
    ));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!("GET /v1/campaigns/genesis/claims/{} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", Address::repeat_byte(9));
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    assert!(buf.contains("\"amount\":\"9000\""), "{buf}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn a_claims_file_whose_root_does_not_follow_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.json");
    let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries()).unwrap();
    built.write(&mut FileSink(path.clone())).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let tampered = text.replacen("\"amount\":\"0x03e8\"", "\"amount\":\"0x03e9\"", 1);
    assert_ne!(text, tampered);
    std::fs::write(&path, tampered).unwrap();
    let err = Campaign::load("x", &path).unwrap_err().to_string();
    assert!(
        err.contains("rebuild to root") && err.contains("refusing"),
        "{err}"
    );
    let err = Campaign::load("bad id!", &path).unwrap_err().to_string();
    assert!(err.contains("campaign ids"), "{err}");
}

/// The claim look-up reports the vesting state from the bundle's manifest (claim window and
/// vesting terms) and, without a chain to follow, an unknown (null) claimed amount.
#[tokio::test]
async fn claims_show_vesting_from_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut campaigns = Vec::new();
    // Before the cliff: exactly the unlocked 25 %. Not started: nothing. Long over: everything.
    for (id, start) in [
        ("cliff", now - 10),
        ("later", now + 86_400),
        ("done", 1_000),
    ] {
        let bundle = dir.path().join(id);
        std::fs::create_dir_all(&bundle).unwrap();
        let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries()).unwrap();
        built
            .write(&mut FileSink(bundle.join("claims.json")))
            .unwrap();
        // A whole manifest: the server reads it with the one strict reader of the bundle.
        let mut allocations = String::from("address,amount\n");
        for e in entries() {
            allocations.push_str(&format!("{:#x},{}\n", e.address, e.amount));
        }
        std::fs::write(bundle.join("allocations.csv"), allocations).unwrap();
        std::fs::write(
            bundle.join("manifest.json"),
            serde_json::json!({
                "format": "airdrop-bundle/1",
                "name": id,
                "description": null,
                "chain_id": 1,
                "token": {"address": "0x1111111111111111111111111111111111111111", "symbol": "TKN", "decimals": 0},
                "merkle": {"preset": "uniswap", "shards": null},
                "root": built.root(),
                "budget": built.total().to_string(),
                "total": built.total().to_string(),
                "total_tokens": built.total().to_string(),
                "count": built.len(),
                "dust": {"total": "0", "to": null},
                "claim": {"start": "s", "start_unix": start, "deadline": "d", "deadline_unix": start + 100_000, "clawback_to": null},
                "vesting": {"unlocked": "25%", "cliff_seconds": 1_000, "duration_seconds": 10_000, "starts": "claim.start"},
                "inputs": {},
                "outputs": {},
            })
            .to_string(),
        )
        .unwrap();
        campaigns.push(Campaign::load(id, &bundle).unwrap());
    }
    let app = with_peer(router(
        Arc::new(AppState::new(campaigns)),
        &Config::default(),
    ));
    let who = Address::repeat_byte(8); // 8000 base units
    let get = |id: &'static str| {
        let app = app.clone();
        async move {
            let (s, body, _) = call(&app, "GET", &format!("/v1/campaigns/{id}/claims/{who}")).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            serde_json::from_str::<Value>(&body).unwrap()
        }
    };
    let v = get("cliff").await;
    assert_eq!(
        (
            v["vested"].clone(),
            v["locked"].clone(),
            v["claimed"].clone(),
            v["claimableNow"].clone()
        ),
        (
            Value::from("2000"),
            Value::from("6000"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(v["schedule"]["unlockedBps"], Value::from(2500));
    assert_eq!(v["schedule"]["cliffEnd"], Value::from(now - 10 + 1_000));
    let v = get("later").await;
    assert_eq!(
        (v["vested"].clone(), v["locked"].clone()),
        (Value::from("0"), Value::from("8000"))
    );
    let v = get("done").await;
    assert_eq!(
        (v["vested"].clone(), v["locked"].clone()),
        (Value::from("8000"), Value::from("0"))
    );
    assert_eq!(v["schedule"]["vestingEnd"], Value::from(11_000));
}

/// Item 12: a configured origin's preflight names the methods and headers a dApp sends.
#[tokio::test]
async fn cors_preflight_allows_json_bodies_and_api_keys() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(AppState::new(vec![campaign(dir.path(), "genesis")]));
    let config = Config {
        cors_origins: vec!["https://app.example".into()],
        ..Config::default()
    };
    let app = with_peer(router(state, &config));
    let res = app
        .oneshot(
            Request::builder()
                .method("OPTIONS")
                .uri("/v1/campaigns/genesis/relay")
                .header("origin", "https://app.example")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,authorization",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    let methods = h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        methods.contains("post") && methods.contains("put"),
        "{methods}"
    );
    let headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("content-type") && headers.contains("authorization"),
        "{headers}"
    );
}

/// Item 15: oversized targets and header blocks are answered with `{code, detail}`.
#[tokio::test]
async fn oversized_requests_get_json_414_and_431() {
    let (app, _dir) = app();
    let long = format!("/v1/campaigns/{}", "a".repeat(9 * 1024));
    let (status, body, _) = call(&app, "GET", &long).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "uri_too_long");
    let res = app
        .clone()
        .oneshot(
            Request::builder()
                .uri("/healthz")
                .header("x-big", "b".repeat(40 * 1024))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["code"], "headers_too_large");
}

/// Item 15: `Retry-After` is at least one second, even when the wait rounds down to zero.
#[tokio::test]
async fn retry_after_is_never_zero() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(AppState::new(vec![campaign(dir.path(), "genesis")]));
    let config = Config {
        rate_limit_per_ip: 1000,
        rate_limit_burst: 1,
        ..Config::default()
    };
    let app = peer(router(state, &config), [127, 0, 0, 9]);
    let mut seen = false;
    for _ in 0..20 {
        let (status, _, headers) = call(&app, "GET", "/v1/campaigns").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            let secs: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(secs >= 1, "Retry-After: {secs}");
            seen = true;
        }
    }
    assert!(seen, "no request was limited");
}

/// Item 14: a relay refusal names the contract's error, never a raw selector or NUL bytes.
#[test]
fn relay_refusals_name_the_contract_error() {
    let selector = &alloy_primitives::keccak256("InvalidSignature()")[..4];
    let message = format!(
        "execution reverted: custom error 0x{}\u{0}\u{0}",
        alloy_primitives::hex::encode(selector)
    );
    let r = airdrop_server::relay::revert_reason(&message);
    assert!(r.starts_with("InvalidSignature ("), "{r}");
    assert!(!r.contains("0x") && !r.contains('\u{0}'), "{r:?}");
    let selector = &alloy_primitives::keccak256("AlreadyClaimed(uint256)")[..4];
    let message = format!(
        "execution reverted: 0x{}{}",
        alloy_primitives::hex::encode(selector),
        "00".repeat(32)
    );
    assert!(airdrop_server::relay::revert_reason(&message).starts_with("AlreadyClaimed"));
    let r =
        airdrop_server::relay::revert_reason("execution reverted: custom error 0xdeadbeef\u{0}");
    assert!(!r.contains("0xdeadbeef") && !r.contains('\u{0}'), "{r:?}");
}

/// A bundle folder whose `manifest.json` is there but unreadable (here a folder) is refused:
/// served as if it had no manifest, its root and claim window would go unchecked.
#[test]
fn an_unreadable_manifest_is_not_taken_for_none() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b");
    std::fs::create_dir_all(bundle.join("manifest.json")).unwrap();
    build_claims(&TreeOptions::new(Preset::Uniswap), entries())
        .unwrap()
        .write(&mut FileSink(bundle.join("claims.json")))
        .unwrap();
    let e = Campaign::load("b", &bundle).unwrap_err().to_string();
    assert!(e.contains("manifest.json: it is a folder"), "{e}");
    // Without it, the same folder is served from its claims file.
    std::fs::remove_dir(bundle.join("manifest.json")).unwrap();
    assert!(Campaign::load("b", &bundle).is_ok());
}

/// One response of a keep-alive connection: the head, then `content-length` bytes of body.
async fn read_response(s: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = s.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "closed mid-response: {}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

/// A connection silent for longer than the idle timeout is closed; one that keeps making
/// requests stays open well past it (the idle timer counts from the last byte, not from when
/// the connection opened).
#[tokio::test]
async fn idle_connections_close_and_busy_ones_stay_open() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = Config {
        idle_timeout: std::time::Duration::from_millis(600),
        ..Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(airdrop_server::serve_on(
        listener,
        Arc::new(AppState::new(Vec::new())),
        config,
        async {
            let _ = stopped.await;
        },
    ));
    let request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut busy = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    for _ in 0..8 {
        busy.write_all(request).await.unwrap();
        assert!(read_response(&mut busy).await.starts_with("HTTP/1.1 200"));
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // 2 s of requests on one connection with a 0.6 s idle timeout; now it falls silent.
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        busy.read_to_end(&mut rest),
    )
    .await;
    assert!(
        closed.is_ok(),
        "an idle connection is still open after 10 s"
    );
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(300) && took < std::time::Duration::from_secs(3),
        "{took:?}"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
