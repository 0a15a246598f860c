//! The store-backed API through the real router, on SQLite and on PostgreSQL: creator keys and
//! scopes, campaigns from a spec, Sign-In with Ethereum sign-ups (domain, URI, chain, expiry,
//! single-use nonce, signature), referral codes, bounty tasks and wallet-signed submissions,
//! reviews, exports, statistics, per-key rate limits; every bad input a 4xx `{code, detail}`.
//! Plus the same over a real socket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_server::auth::{generate, KeyLimiter};
use airdrop_server::siwe::submission_resources;
use airdrop_server::{router, AppState, Config, SignIn};
use airdrop_store::testing::{test_db, TestDb};
use airdrop_store::Backend;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::with_peer;

const SITE: &str = "http://drop.test:3000";
const SPEC: &str = include_str!("../../../../examples/genesis/campaign.toml");

airdrop_store::on_both_backends!(
    creator_keys_scopes_and_campaigns,
    signups_with_sign_in_with_ethereum,
    bounty_tasks_submissions_reviews_exports,
    per_key_rate_limit,
    over_a_real_socket,
    jobs_of_a_stopped_instance_fail,
    spec_paths_are_confined_to_uploads,
    uploads_may_not_take_reserved_names,
    ready_only_once_published_campaigns_are_loaded,
    sign_in_uri_and_campaign_are_checked_exactly,
    flag_campaigns_keep_their_ids,
    registering_a_distributor_needs_a_published_campaign_and_a_node,
    slow_header_clients_are_dropped,
    only_finished_job_folders_are_cleaned,
    uploads_have_their_own_body_limit,
);

struct Env {
    app: axum::Router,
    admin: String,
    reviewer: String,
    _db: TestDb,
    state: Arc<AppState>,
}

async fn env(backend: Backend, limiter: Option<Arc<KeyLimiter>>) -> Env {
    let db = test_db(backend).await.unwrap();
    let admin = generate("admin", &["admin".into()], 1).unwrap();
    let reviewer = generate("reviewer", &["reviewer".into()], 1).unwrap();
    db.insert_api_key(&admin.row).await.unwrap();
    db.insert_api_key(&reviewer.row).await.unwrap();
    let mut state = AppState::new(Vec::new());
    state.store = Some(db.db.clone());
    state.sign_in = SignIn::for_urls(&[SITE.to_owned()]);
    state.key_limiter = limiter;
    let state = Arc::new(state);
    let app = with_peer(router(state.clone(), &Config::default()));
    Env {
        app,
        admin: admin.key,
        reviewer: reviewer.key,
        _db: db,
        state,
    }
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, text, _) = call_raw(app, method, uri, key, body.map(|b| b.to_string())).await;
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

async fn call_raw(
    app: &axum::Router,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<String>,
) -> (StatusCode, String, axum::http::HeaderMap) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        String::from_utf8_lossy(&bytes).into_owned(),
        headers,
    )
}

fn assert_error(r: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(r.0, status, "{}", r.1);
    assert_eq!(r.1["code"], json!(code), "{}", r.1);
    assert!(
        r.1["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        r.1
    );
}

fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since 1970-01-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Msg<'a> {
    domain: &'a str,
    uri: &'a str,
    chain: u64,
    nonce: String,
    issued: i64,
    expires: Option<i64>,
    resources: Vec<String>,
}

impl Msg<'_> {
    fn new(nonce: String) -> Msg<'static> {
        Msg {
            domain: "drop.test:3000",
            uri: "http://drop.test:3000/signup",
            chain: 1,
            nonce,
            issued: now() - 5,
            expires: Some(now() + 300),
            resources: vec![airdrop_server::siwe::campaign_resource("genesis")],
        }
    }

    fn text(&self, address: &str) -> String {
        let mut m = format!(
            "{} wants you to sign in with your Ethereum account:\n{address}\n\nSign up for the Genesis Drop.\n\nURI: {}\nVersion: 1\nChain ID: {}\nNonce: {}\nIssued At: {}",
            self.domain,
            self.uri,
            self.chain,
            self.nonce,
            rfc3339(self.issued)
        );
        if let Some(e) = self.expires {
            m.push_str(&format!("\nExpiration Time: {}", rfc3339(e)));
        }
        if !self.resources.is_empty() {
            m.push_str("\nResources:");
            for r in &self.resources {
                m.push_str(&format!("\n- {r}"));
            }
        }
        m
    }
}

fn sign(wallet: &PrivateKeySigner, message: &str) -> String {
    let sig = wallet.sign_message_sync(message.as_bytes()).unwrap();
    format!("0x{}", alloy_primitives::hex::encode(sig.as_bytes()))
}

async fn nonce(app: &axum::Router) -> String {
    let (s, v) = call(app, "GET", "/v1/auth/nonce", None, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["domains"], json!(["drop.test:3000"]));
    v["nonce"].as_str().unwrap().to_owned()
}

async fn create_campaign(e: &Env, id: &str, deadline: Option<String>) {
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns",
        Some(&e.admin),
        Some(json!({"id": id, "spec": SPEC, "signupDeadline": deadline})),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
}

async fn signup_req(
    e: &Env,
    campaign: &str,
    wallet: &PrivateKeySigner,
    msg: &Msg<'_>,
    referral: Option<&str>,
) -> (StatusCode, Value) {
    let text = msg.text(&wallet.address().to_checksum(None));
    let sig = sign(wallet, &text);
    call(
        &e.app,
        "POST",
        &format!("/v1/campaigns/{campaign}/signups"),
        None,
        Some(json!({"message": text, "signature": sig, "referralCode": referral})),
    )
    .await
}

async fn creator_keys_scopes_and_campaigns(backend: Backend) {
    let e = env(backend, None).await;
    let body = json!({"id": "genesis", "spec": SPEC});
    assert_error(
        &call(&e.app, "POST", "/v1/campaigns", None, Some(body.clone())).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some("ak_0000000000000000_00000000000000000000000000000000"),
            Some(body.clone()),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some("Basic abc"),
            Some(body.clone()),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    // A right id with a wrong secret.
    let forged = format!("{}_{}", &e.admin[..19], "f".repeat(32));
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&forged),
            Some(body.clone()),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.reviewer),
            Some(body.clone()),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns",
        Some(&e.admin),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    assert_eq!(r.1["name"], json!("Genesis Drop"));
    assert_eq!(r.1["chainId"], json!(1));
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(body.clone()),
        )
        .await,
        StatusCode::CONFLICT,
        "campaign_exists",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(json!({"id": "bad", "spec": "name = 1"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_spec",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(json!({"id": "has space", "spec": SPEC})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_id",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(json!({"id": "x", "spec": SPEC, "signupDeadline": "tomorrow"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_time",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(json!({"id": "x", "spec": SPEC, "extra": 1})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );
    let (s, text, _) = call_raw(
        &e.app,
        "POST",
        "/v1/campaigns",
        Some(&e.admin),
        Some("{\"id\": ".into()),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("\"code\":\"malformed_json\""), "{text}");
    // A private key pasted into the spec is refused, not stored.
    let leaked = format!("{SPEC}\n# 0x{}\n", "ab".repeat(32));
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(json!({"id": "leak", "spec": leaked})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "secret_refused",
    );
    assert!(e
        .state
        .store
        .as_ref()
        .unwrap()
        .campaign("leak")
        .await
        .unwrap()
        .is_none());

    // Update keeps the id; listing and reading show the creator fields.
    let r = call(
        &e.app,
        "PUT",
        "/v1/campaigns/genesis",
        Some(&e.admin),
        Some(json!({"spec": SPEC, "signupDeadline": "2099-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(r.1["signupDeadline"], json!(4_070_908_800i64));
    assert_error(
        &call(
            &e.app,
            "PUT",
            "/v1/campaigns/nope",
            Some(&e.admin),
            Some(json!({"spec": SPEC})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "unknown_campaign",
    );
    let (s, v) = call(&e.app, "GET", "/v1/campaigns/genesis", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v["name"].clone(), v["merkleRoot"].clone()),
        (json!("Genesis Drop"), Value::Null)
    );
    let (_, v) = call(&e.app, "GET", "/v1/campaigns", None, None).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    // Readiness checks the store.
    assert_eq!(
        call(&e.app, "GET", "/readyz", None, None).await.0,
        StatusCode::OK
    );
}

async fn signups_with_sign_in_with_ethereum(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let alice = PrivateKeySigner::random();
    let bob = PrivateKeySigner::random();

    let r = signup_req(&e, "genesis", &alice, &Msg::new(nonce(&e.app).await), None).await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    assert_eq!(r.1["address"], json!(alice.address().to_checksum(None)));
    let code = r.1["referralCode"].as_str().unwrap().to_owned();

    // Bob, referred by Alice; then the same message again: its nonce is spent.
    let first = Msg {
        nonce: nonce(&e.app).await,
        ..Msg::new(String::new())
    };
    let r = signup_req(&e, "genesis", &bob, &first, Some(&code)).await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    assert_eq!(r.1["referredBy"], json!(alice.address().to_checksum(None)));
    assert_error(
        &signup_req(&e, "genesis", &bob, &first, None).await,
        StatusCode::UNAUTHORIZED,
        "replayed",
    );
    // A second sign-up of a wallet.
    assert_error(
        &signup_req(&e, "genesis", &alice, &Msg::new(nonce(&e.app).await), None).await,
        StatusCode::CONFLICT,
        "already_signed_up",
    );

    let carol = PrivateKeySigner::random();
    let bad = |f: &dyn Fn(&mut Msg)| {
        let mut m = Msg::new(String::new());
        f(&mut m);
        m
    };
    for (mutate, status, code_) in [
        (
            bad(&|m| m.domain = "evil.test"),
            StatusCode::BAD_REQUEST,
            "invalid_siwe_message",
        ),
        (
            bad(&|m| m.uri = "http://evil.test/"),
            StatusCode::BAD_REQUEST,
            "invalid_siwe_message",
        ),
        (
            bad(&|m| m.chain = 5),
            StatusCode::BAD_REQUEST,
            "wrong_chain",
        ),
        (
            bad(&|m| m.expires = Some(now() - 1)),
            StatusCode::UNAUTHORIZED,
            "expired",
        ),
        (
            bad(&|m| m.issued = now() - 3600),
            StatusCode::UNAUTHORIZED,
            "expired",
        ),
    ] {
        let m = Msg {
            nonce: nonce(&e.app).await,
            ..mutate
        };
        assert_error(
            &signup_req(&e, "genesis", &carol, &m, None).await,
            status,
            code_,
        );
    }
    // A nonce this server never issued.
    assert_error(
        &signup_req(
            &e,
            "genesis",
            &carol,
            &Msg::new("abcdef0123456789".into()),
            None,
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unknown_nonce",
    );
    // Signed by another key.
    let m = Msg::new(nonce(&e.app).await);
    let text = m.text(&carol.address().to_checksum(None));
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/signups",
        None,
        Some(json!({"message": text, "signature": sign(&bob, &text)})),
    )
    .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "bad_signature");
    // The refused attempt did not burn the nonce; signed properly, it works.
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/signups",
        None,
        Some(json!({"message": text, "signature": sign(&carol, &text)})),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    // Garbage signature, wrong checksum, a private key where the address goes.
    let dave = PrivateKeySigner::random();
    let m = Msg::new(nonce(&e.app).await);
    let text = m.text(&dave.address().to_checksum(None));
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns/genesis/signups",
            None,
            Some(json!({"message": text, "signature": "zz"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_signature",
    );
    // One letter's case flipped: a wrong EIP-55 checksum.
    let wrong_case = {
        let a = dave.address().to_checksum(None);
        let i = a
            .rfind(|c: char| c.is_ascii_alphabetic() && c != 'x')
            .unwrap();
        let c = a.as_bytes()[i] as char;
        let flipped = if c.is_ascii_uppercase() {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        };
        format!("{}{flipped}{}", &a[..i], &a[i + 1..])
    };
    let text = m.text(&wrong_case);
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/signups",
        None,
        Some(json!({"message": text, "signature": sign(&dave, &text)})),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invalid_siwe_message");
    let text = m.text(&format!("0x{}", "cd".repeat(32)));
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/signups",
        None,
        Some(json!({"message": text, "signature": "0x00"})),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "secret_refused");
    assert_error(
        &signup_req(
            &e,
            "genesis",
            &dave,
            &Msg::new(nonce(&e.app).await),
            Some("nocode"),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "unknown_referral_code",
    );
    assert_error(
        &signup_req(&e, "nope", &dave, &Msg::new(nonce(&e.app).await), None).await,
        StatusCode::NOT_FOUND,
        "unknown_campaign",
    );
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns/genesis/signups",
            None,
            Some(json!({"message": "hello", "signature": "0x00"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_siwe_message",
    );

    // Closed sign-ups.
    create_campaign(&e, "closed", Some("2020-01-01T00:00:00Z".into())).await;
    assert_error(
        &signup_req(&e, "closed", &dave, &Msg::new(nonce(&e.app).await), None).await,
        StatusCode::FORBIDDEN,
        "signups_closed",
    );

    // Reading a sign-up back.
    let (s, v) = call(
        &e.app,
        "GET",
        &format!("/v1/campaigns/genesis/signups/{}", bob.address()),
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["referredBy"], json!(alice.address().to_checksum(None)));
    assert_error(
        &call(
            &e.app,
            "GET",
            &format!("/v1/campaigns/genesis/signups/{}", dave.address()),
            None,
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_signed_up",
    );
    assert_error(
        &call(
            &e.app,
            "GET",
            "/v1/campaigns/genesis/signups/0x123",
            None,
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_address",
    );

    // Oversized body.
    let big = "x".repeat(100 * 1024);
    let (s, text, _) = call_raw(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/signups",
        None,
        Some(format!("{{\"message\":\"{big}\",\"signature\":\"0x\"}}")),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert!(text.contains("\"code\":\"body_too_large\""), "{text}");
}

async fn submit(
    e: &Env,
    wallet: &PrivateKeySigner,
    task: &str,
    evidence: &str,
    bind: bool,
    referral: Option<&str>,
) -> (StatusCode, Value) {
    let mut m = Msg::new(nonce(&e.app).await);
    if bind {
        m.resources = submission_resources("genesis", task, evidence).to_vec();
    }
    let text = m.text(&wallet.address().to_checksum(None));
    call(
        &e.app,
        "POST",
        &format!("/v1/campaigns/genesis/tasks/{task}/submissions"),
        None,
        Some(json!({"evidence": evidence, "message": text, "signature": sign(wallet, &text), "referralCode": referral})),
    )
    .await
}

async fn bounty_tasks_submissions_reviews_exports(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let alice = PrivateKeySigner::random();
    let bob = PrivateKeySigner::random();
    let r = signup_req(&e, "genesis", &alice, &Msg::new(nonce(&e.app).await), None).await;
    let code = r.1["referralCode"].as_str().unwrap().to_owned();

    let task = json!({"id": "follow", "title": "Follow us", "description": "Link your post", "points": 10, "referralPoints": 3});
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns/genesis/tasks",
            Some(&e.reviewer),
            Some(task.clone()),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_eq!(
        call(
            &e.app,
            "POST",
            "/v1/campaigns/genesis/tasks",
            Some(&e.admin),
            Some(task)
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/tasks",
        Some(&e.admin),
        Some(json!({"id": "post", "title": "Write a post", "points": 25})),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    assert_error(
        &call(
            &e.app,
            "POST",
            "/v1/campaigns/genesis/tasks",
            Some(&e.admin),
            Some(json!({"id": "neg", "title": "x", "points": -1})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_points",
    );
    let (s, v) = call(&e.app, "GET", "/v1/campaigns/genesis/tasks", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 2);

    let r = submit(&e, &alice, "follow", "https://x.test/alice/1", true, None).await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    assert_eq!(r.1["status"], json!("pending"));
    let a_follow = r.1["id"].as_i64().unwrap();
    assert_error(
        &submit(&e, &alice, "follow", "https://x.test/alice/2", true, None).await,
        StatusCode::CONFLICT,
        "already_submitted",
    );
    let r = submit(&e, &alice, "post", "https://x.test/alice/post", true, None).await;
    let a_post = r.1["id"].as_i64().unwrap();
    let r = submit(
        &e,
        &bob,
        "follow",
        "I followed @drop as @bob",
        true,
        Some(&code),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    let b_follow = r.1["id"].as_i64().unwrap();
    // Not bound to this evidence, a secret as evidence, an unknown task.
    assert_error(
        &submit(&e, &bob, "post", "https://x.test/bob", false, None).await,
        StatusCode::BAD_REQUEST,
        "unbound_signature",
    );
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    assert_error(
        &submit(&e, &bob, "post", &format!("my words: {phrase}"), true, None).await,
        StatusCode::BAD_REQUEST,
        "secret_refused",
    );
    assert_error(
        &submit(&e, &bob, "post", phrase, true, None).await,
        StatusCode::BAD_REQUEST,
        "secret_refused",
    );
    assert_error(
        &submit(&e, &bob, "nope", "x", true, None).await,
        StatusCode::NOT_FOUND,
        "unknown_task",
    );
    let (_, mine) = call(
        &e.app,
        "GET",
        &format!(
            "/v1/campaigns/genesis/wallets/{}/submissions",
            bob.address()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "refused submissions are not stored: {mine}"
    );

    // Review.
    assert_error(
        &call(
            &e.app,
            "GET",
            "/v1/campaigns/genesis/submissions",
            None,
            None,
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let (s, v) = call(
        &e.app,
        "GET",
        "/v1/campaigns/genesis/submissions?status=pending",
        Some(&e.reviewer),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_error(
        &call(
            &e.app,
            "GET",
            "/v1/campaigns/genesis/submissions?status=maybe",
            Some(&e.reviewer),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_status",
    );
    let review = |id: i64, body: Value| {
        let app = e.app.clone();
        let key = e.reviewer.clone();
        async move {
            call(
                &app,
                "POST",
                &format!("/v1/campaigns/genesis/submissions/{id}/review"),
                Some(&key),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        review(a_follow, json!({"decision": "approve"})).await.0,
        StatusCode::OK
    );
    assert_eq!(
        review(b_follow, json!({"decision": "approve"})).await.0,
        StatusCode::OK
    );
    assert_error(
        &review(a_post, json!({"decision": "reject"})).await,
        StatusCode::BAD_REQUEST,
        "reason_required",
    );
    assert_error(
        &review(a_post, json!({"decision": "maybe"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_decision",
    );
    let r = review(
        a_post,
        json!({"decision": "reject", "reason": "the post is deleted"}),
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_error(
        &review(a_post, json!({"decision": "approve"})).await,
        StatusCode::CONFLICT,
        "already_reviewed",
    );
    assert_error(
        &review(99_999, json!({"decision": "approve"})).await,
        StatusCode::NOT_FOUND,
        "unknown_submission",
    );
    // The submitter sees the outcome and the reason.
    let (_, mine) = call(
        &e.app,
        "GET",
        &format!(
            "/v1/campaigns/genesis/wallets/{}/submissions",
            alice.address()
        ),
        None,
        None,
    )
    .await;
    let post = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["task"] == json!("post"))
        .unwrap();
    assert_eq!(
        (post["status"].clone(), post["reason"].clone()),
        (json!("rejected"), json!("the post is deleted"))
    );

    // Exports as campaign sources, and statistics.
    let (s, text, h) = call_raw(
        &e.app,
        "GET",
        "/v1/campaigns/genesis/exports/signups.csv",
        Some(&e.reviewer),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(
        text,
        format!("address\n{}\n", alice.address().to_checksum(None))
    );
    let (_, text, _) = call_raw(
        &e.app,
        "GET",
        "/v1/campaigns/genesis/exports/points.csv",
        Some(&e.admin),
        None,
    )
    .await;
    // Alice: follow 10 + referral 3 for Bob's approved follow; Bob: 10.
    let (a, b) = (
        alice.address().to_checksum(None),
        bob.address().to_checksum(None),
    );
    let mut rows = [format!("{a},13"), format!("{b},10")];
    rows.sort_by(|x, y| y.split(',').nth(1).cmp(&x.split(',').nth(1)));
    assert_eq!(text, format!("address,points\n{}\n", rows.join("\n")));
    let (s, v) = call(
        &e.app,
        "GET",
        "/v1/campaigns/genesis/stats",
        Some(&e.reviewer),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            v["signups"].clone(),
            v["tasks"].clone(),
            v["submissionsApproved"].clone(),
            v["submissionsRejected"].clone(),
            v["walletsWithPoints"].clone()
        ),
        (json!(1), json!(2), json!(2), json!(1), json!(2))
    );
}

async fn per_key_rate_limit(backend: Backend) {
    let e = env(backend, KeyLimiter::new(1, 2)).await;
    create_campaign(&e, "genesis", None).await; // 1 of the burst of 2
    let uri = "/v1/campaigns/genesis/stats";
    assert_eq!(
        call(&e.app, "GET", uri, Some(&e.admin), None).await.0,
        StatusCode::OK
    );
    let (s, text, h) = call_raw(&e.app, "GET", uri, Some(&e.admin), None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(text.contains("\"code\":\"rate_limited\""), "{text}");
    assert!(h.contains_key("retry-after"));
    // Another key has its own budget.
    assert_eq!(
        call(&e.app, "GET", uri, Some(&e.reviewer), None).await.0,
        StatusCode::OK
    );
}

/// A job whose instance died (no heartbeat past the lease) reads as failed, over GET and SSE;
/// one heard from recently stays running.
async fn jobs_of_a_stopped_instance_fail(backend: Backend) {
    let e = env(backend, None).await;
    let db = e.state.store.clone().unwrap();
    let t = now();
    let row = |id: &str, updated: i64| airdrop_store::JobRow {
        id: id.into(),
        kind: "build".into(),
        campaign: "genesis".into(),
        state: airdrop_store::JobState::Running,
        done: 1,
        total: 3,
        message: "building".into(),
        output: None,
        created: updated,
        updated,
    };
    let lease = airdrop_server::jobs::JOB_LEASE_SECS;
    db.put_job(&row("job_dead", t - lease - 5)).await.unwrap();
    db.put_job(&row("job_live", t - 1)).await.unwrap();

    let (s, live) = call(&e.app, "GET", "/v1/jobs/job_live", Some(&e.reviewer), None).await;
    assert_eq!(s, StatusCode::OK, "{live}");
    assert_eq!(live["state"], "running", "{live}");

    let (s, text, _) = call_raw(
        &e.app,
        "GET",
        "/v1/jobs/job_dead/events",
        Some(&e.reviewer),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(text.starts_with("event: failed"), "{text}");
    assert!(text.contains("abandoned"), "{text}");
    let (_, dead) = call(&e.app, "GET", "/v1/jobs/job_dead", Some(&e.reviewer), None).await;
    assert_eq!(dead["state"], "failed", "{dead}");
    assert_eq!(dead["done"], 1, "progress so far is kept: {dead}");
    assert!(
        dead["message"]
            .as_str()
            .unwrap()
            .contains("start the job again"),
        "{dead}"
    );
    // The live one was not swept up with it.
    let (_, live) = call(&e.app, "GET", "/v1/jobs/job_live", Some(&e.reviewer), None).await;
    assert_eq!(live["state"], "running", "{live}");
}

async fn over_a_real_socket(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(airdrop_server::serve_on(
        listener,
        e.state.clone(),
        Config::default(),
        async {
            let _ = stopped.await;
        },
    ));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let http = |req: String| async move {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).await.unwrap();
        buf
    };
    let res =
        http("GET /v1/auth/nonce HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".into())
            .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let nonce = res
        .split("\"nonce\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let alice = PrivateKeySigner::random();
    let text = Msg::new(nonce).text(&alice.address().to_checksum(None));
    let body = json!({"message": text, "signature": sign(&alice, &text)}).to_string();
    let res = http(format!(
        "POST /v1/campaigns/genesis/signups HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await;
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
    let res = http(format!(
        "GET /v1/campaigns/genesis/stats HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        e.reviewer
    ))
    .await;
    assert!(
        res.starts_with("HTTP/1.1 200") && res.contains("\"signups\":1"),
        "{res}"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

// ---- hardening (issue 9) ----

fn spec_with(source: &str, extra: &str) -> String {
    format!(
        "name = \"Confined\"\nchain_id = 1\ntoken = {{ address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }}\nbudget = \"3000\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"list\"\n{source}\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n{extra}"
    )
}

/// Item 5: every file a spec sent to the API names is a plain upload name of its campaign.
async fn spec_paths_are_confined_to_uploads(backend: Backend) {
    let e = env(backend, None).await;
    let ok = spec_with("kind = \"list\"\nfile = \"list.csv\"", "");
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns",
        Some(&e.admin),
        Some(json!({"id": "c", "spec": ok})),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    let cases = [
        (spec_with("kind = \"list\"\nfile = \"/proc/self/environ\"", ""), "file_not_allowed", "source \"list\".file"),
        (spec_with("kind = \"list\"\nfile = \"../../../../etc/passwd\"", ""), "file_not_allowed", "source \"list\".file"),
        // Another campaign's files live in a sibling folder.
        (spec_with("kind = \"list\"\nfile = \"../other/list.csv\"", ""), "file_not_allowed", "source \"list\".file"),
        (spec_with("kind = \"list\"\nfile = \"sub/list.csv\"", ""), "file_not_allowed", "source \"list\".file"),
        (spec_with("kind = \"list\"\nfile = \"campaign.toml\"", ""), "file_not_allowed", "source \"list\".file"),
        (spec_with("kind = \"list\"\nfile = \"list.csv\"\naddress_column = \"anything\"", "\n[[exclude]]\nname = \"cex\"\nreason = \"exchanges\"\nfile = \"/etc/passwd\"\n"), "file_not_allowed", "exclude"),
        (spec_with("kind = \"native-balances\"\nrpc = \"http://127.0.0.1:9\"\nblock = 5\ncandidates = \"/etc/hosts\"", ""), "file_not_allowed", "candidates"),
        // [sybil]'s files are uploads like any other (issue 14).
        (spec_with("kind = \"list\"\nfile = \"list.csv\"", "\n[sybil]\nedges = [\"../other/edges.csv\"]\n"), "file_not_allowed", "sybil.edges[0]"),
        (spec_with("kind = \"list\"\nfile = \"list.csv\"", "\n[sybil]\nedges = [\"edges.csv\"]\nhubs = \"/etc/passwd\"\n"), "file_not_allowed", "sybil.hubs"),
        (spec_with("kind = \"list\"\nfile = \"list.csv\"", "\n[sybil]\nedges = [\"edges.csv\"]\noverrides = \"sub/appeals.csv\"\n"), "file_not_allowed", "sybil.overrides"),
        (spec_with("kind = \"list\"\nfile = \"list.csv\"", "\n[sybil]\nrpc = \"http://169.254.169.254/\"\nfrom_block = 1\nto_block = 2\n"), "rpc_not_allowed", "sybil.rpc"),
        (spec_with("kind = \"list\"\nfile = \"list.csv\"", "\n[sybil]\nrpc_env = \"AIRDROP_DATABASE_URL\"\nfrom_block = 1\nto_block = 2\n"), "rpc_env_not_allowed", "sybil.rpc_env"),
        (spec_with("kind = \"native-balances\"\nrpc_env = \"AIRDROP_DATABASE_URL\"\nblock = 5\ncandidates = \"c.csv\"", ""), "rpc_env_not_allowed", "rpc_env"),
        // A node of the caller's choosing would have the build connect into the server's network.
        (spec_with("kind = \"native-balances\"\nrpc = \"http://169.254.169.254/latest\"\nblock = 5\ncandidates = \"c.csv\"", ""), "rpc_not_allowed", "source \"list\".rpc"),
    ];
    for (spec, code, key) in cases {
        let r = call(
            &e.app,
            "PUT",
            "/v1/campaigns/c",
            Some(&e.admin),
            Some(json!({"spec": spec})),
        )
        .await;
        assert_error(&r, StatusCode::BAD_REQUEST, code);
        assert!(r.1["detail"].as_str().unwrap().contains(key), "{}", r.1);
        // Refused at create too.
        let r = call(
            &e.app,
            "POST",
            "/v1/campaigns",
            Some(&e.admin),
            Some(json!({"id": "d", "spec": spec})),
        )
        .await;
        assert_error(&r, StatusCode::BAD_REQUEST, code);
    }
    // The stored spec is still the good one.
    let db = e.state.store.clone().unwrap();
    assert_eq!(db.campaign("c").await.unwrap().unwrap().spec, ok);
}

async fn upload(e: &Env, campaign: &str, name: &str, body: &str) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("PUT")
        .uri(format!("/v1/campaigns/{campaign}/files/{name}"))
        .header("authorization", format!("Bearer {}", e.admin))
        .header("content-type", "text/csv")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let res = e.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Item 6: an upload cannot replace the spec or the bundle a build job writes.
async fn uploads_may_not_take_reserved_names(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let csv = "address\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n";
    for name in [
        "campaign.toml",
        "Campaign.TOML",
        "bundle",
        "BUNDLE",
        "bundle.tmp",
        "addresses-x.csv",
    ] {
        let r = upload(&e, "genesis", name, csv).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "reserved_file_name");
    }
    let r = upload(&e, "genesis", "list.csv", csv).await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
}

/// Source files are larger than JSON bodies: an upload past the JSON limit is taken.
async fn uploads_have_their_own_body_limit(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let mut csv = String::from("address\n");
    while csv.len() <= 2 * Config::default().body_limit {
        csv.push_str("0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n");
    }
    let r = upload(&e, "genesis", "list.csv", &csv).await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
}

/// Item 11: `/readyz` waits for the store's published campaigns, and the metrics count them.
async fn ready_only_once_published_campaigns_are_loaded(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let db = e.state.store.clone().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut state = AppState::new(Vec::new());
    state.store = Some(db.clone());
    state.wait_for_sync = true;
    state.jobs = Some(airdrop_server::jobs::JobConfig::new(
        data.path().to_path_buf(),
    ));
    let state = Arc::new(state);
    let app = with_peer(router(state.clone(), &Config::default()));
    // Published by "another instance": the claims in the store, the campaign marked published.
    let mut claims = String::from("address,amount\n");
    for i in 1..=5u8 {
        claims.push_str(&format!(
            "0x{},{}\n",
            format!("{i:02x}").repeat(20),
            u32::from(i) * 100
        ));
    }
    let entries: Vec<_> = (1..=5u8)
        .map(|i| airdrop_merkle::Entry {
            address: airdrop_merkle::Address::repeat_byte(i),
            amount: airdrop_merkle::U256::from(u32::from(i) * 100),
        })
        .collect();
    let root = airdrop_merkle::build_claims(
        &airdrop_merkle::TreeOptions::new(airdrop_merkle::Preset::Uniswap),
        entries,
    )
    .unwrap()
    .root();
    db.put_bundle_files(
        "/elsewhere/bundle",
        &[("claims.csv".into(), claims.into_bytes())],
    )
    .await
    .unwrap();
    db.set_published("genesis", "/elsewhere/bundle", &root.to_string(), now())
        .await
        .unwrap();
    let r = call(&app, "GET", "/readyz", None, None).await;
    assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "loading");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sync = tokio::spawn(airdrop_server::jobs::sync_published(
        state.clone(),
        std::time::Duration::from_millis(50),
        stop_rx,
    ));
    let started = std::time::Instant::now();
    let ready = loop {
        let r = call(&app, "GET", "/readyz", None, None).await;
        if r.0 == StatusCode::OK || started.elapsed() > std::time::Duration::from_secs(20) {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(ready.0, StatusCode::OK, "{}", ready.1);
    // Ready means serving: the claim is there the moment readiness says so.
    assert_eq!(ready.1["campaigns"], json!(1));
    let who = airdrop_merkle::Address::repeat_byte(3);
    let (s, v) = call(
        &app,
        "GET",
        &format!("/v1/campaigns/genesis/claims/{who}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (s, v["amount"].clone()),
        (StatusCode::OK, json!("300")),
        "{v}"
    );
    let (_, text, _) = call_raw(&app, "GET", "/metrics", None, None).await;
    assert!(text.contains("airdrop_campaigns_loaded 1"), "{text}");
    assert!(text.contains("airdrop_claims_loaded 5"), "{text}");
    stop_tx.send(true).unwrap();
    sync.abort();
}

/// Item 15: the URI is compared as a URL, and a sign-up is bound to its campaign.
async fn sign_in_uri_and_campaign_are_checked_exactly(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    create_campaign(&e, "other", None).await;
    let alice = PrivateKeySigner::random();
    let mut m = Msg::new(nonce(&e.app).await);
    m.uri = "http://drop.test:3000.evil.example/signup";
    let r = signup_req(&e, "genesis", &alice, &m, None).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invalid_siwe_message");
    assert!(
        r.1["detail"].as_str().unwrap().contains("is not under"),
        "{}",
        r.1
    );
    // Signed for "genesis", posted to "other".
    let m = Msg::new(nonce(&e.app).await);
    let r = signup_req(&e, "other", &alice, &m, None).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "unbound_signature");
    assert!(
        r.1["detail"]
            .as_str()
            .unwrap()
            .contains("urn:airdrop:campaign:other"),
        "{}",
        r.1
    );
    // No resource at all.
    let mut m = Msg::new(nonce(&e.app).await);
    m.resources.clear();
    assert_error(
        &signup_req(&e, "genesis", &alice, &m, None).await,
        StatusCode::BAD_REQUEST,
        "unbound_signature",
    );
    // A key inside the signed message is refused, not stored.
    let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let m = Msg::new(nonce(&e.app).await);
    let text = m
        .text(&alice.address().to_checksum(None))
        .replace("Sign up for the Genesis Drop.", &format!("my key is {key}"));
    let r = call(
        &e.app,
        "POST",
        "/v1/campaigns/genesis/signups",
        None,
        Some(json!({"message": text, "signature": sign(&alice, &text)})),
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "secret_refused");
    assert!(!r.1.to_string().contains(&key[8..]), "{}", r.1);
    // The right message still works.
    let r = signup_req(&e, "genesis", &alice, &Msg::new(nonce(&e.app).await), None).await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
}

/// Item 15: a campaign served from a `--campaign` flag keeps its id.
async fn flag_campaigns_keep_their_ids(backend: Backend) {
    let db = test_db(backend).await.unwrap();
    let admin = generate("admin", &["admin".into()], 1).unwrap();
    db.insert_api_key(&admin.row).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claims.csv");
    std::fs::write(
        &path,
        "address,amount\n0x0101010101010101010101010101010101010101,5\n",
    )
    .unwrap();
    let pinned = airdrop_server::Campaign::load("genesis", &path).unwrap();
    let mut state = AppState::new(vec![pinned]);
    state.store = Some(db.db.clone());
    let app = with_peer(router(Arc::new(state), &Config::default()));
    let r = call(
        &app,
        "POST",
        "/v1/campaigns",
        Some(&admin.key),
        Some(json!({"id": "genesis", "spec": SPEC})),
    )
    .await;
    assert_error(&r, StatusCode::CONFLICT, "campaign_pinned");
    let r = call(
        &app,
        "POST",
        "/v1/campaigns",
        Some(&admin.key),
        Some(json!({"id": "fresh", "spec": SPEC})),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
}

/// Item 9: a distributor is registered only for a published campaign, checked over a node.
async fn registering_a_distributor_needs_a_published_campaign_and_a_node(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let body = json!({"distributor": "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"});
    let r = call(
        &e.app,
        "PUT",
        "/v1/campaigns/genesis/deployment",
        Some(&e.reviewer),
        Some(body.clone()),
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
    let r = call(
        &e.app,
        "PUT",
        "/v1/campaigns/genesis/deployment",
        Some(&e.admin),
        Some(body),
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_campaign");
    let r = call(
        &e.app,
        "GET",
        "/v1/campaigns/genesis/deployment",
        None,
        None,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_campaign");
}

/// Item 13: a client that sends half a request head and waits is disconnected.
async fn slow_header_clients_are_dropped(backend: Backend) {
    let e = env(backend, None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = Config {
        header_timeout: std::time::Duration::from_secs(1),
        ..Config::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(airdrop_server::serve_on(
        listener,
        e.state.clone(),
        config,
        async {
            let _ = stopped.await;
        },
    ));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(
        read.is_ok(),
        "the server still holds a half-sent request after 10 s"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A complete request on a fresh connection is served as before.
    let mut ok = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    ok.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Item 15: folders a killed instance left are removed only when they are this server's job
/// folders and the store says the job ended.
async fn only_finished_job_folders_are_cleaned(backend: Backend) {
    let e = env(backend, None).await;
    create_campaign(&e, "genesis", None).await;
    let db = e.state.store.clone().unwrap();
    let data = tempfile::tempdir().unwrap();
    let t = now();
    let row = |id: &str, state: airdrop_store::JobState| airdrop_store::JobRow {
        id: id.into(),
        kind: "build".into(),
        campaign: "genesis".into(),
        state,
        done: 0,
        total: 3,
        message: "x".into(),
        output: None,
        created: t,
        updated: t,
    };
    let (done, running) = ("job_00000000000000aa", "job_00000000000000bb");
    db.put_job(&row(done, airdrop_store::JobState::Failed))
        .await
        .unwrap();
    db.put_job(&row(running, airdrop_store::JobState::Running))
        .await
        .unwrap();
    for name in [done, running, "job_00000000000000cc", "keep-me"] {
        std::fs::create_dir_all(data.path().join("genesis").join(name).join("input")).unwrap();
    }
    std::fs::write(data.path().join("genesis").join("notes.txt"), "mine").unwrap();
    let mut state = AppState::new(Vec::new());
    state.store = Some(db.clone());
    state.jobs = Some(airdrop_server::jobs::JobConfig::new(
        data.path().to_path_buf(),
    ));
    assert_eq!(airdrop_server::jobs::clean_job_folders(&state).await, 1);
    let left: std::collections::BTreeSet<String> = std::fs::read_dir(data.path().join("genesis"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The running job's folder, one the store does not know, and everything not named like a
    // job folder stay.
    assert_eq!(
        left.into_iter().collect::<Vec<_>>(),
        vec![
            "job_00000000000000bb",
            "job_00000000000000cc",
            "keep-me",
            "notes.txt"
        ]
    );
}
