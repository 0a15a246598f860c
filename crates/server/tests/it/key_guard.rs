//! The key guard over every API input path: a private key, a recovery phrase (12 and 24
//! words) and a keystore, each sent in every JSON field kind, path segment, query string and
//! upload, through the real router on a SQLite file, with the server's log captured at debug.
//! Each must be a 400 `secret_refused`, and no trace of the secret may be in the response, the
//! log or the database file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_server::auth::generate;
use airdrop_server::{router, AppState, Config, SignIn};
use airdrop_store::testing::test_db;
use airdrop_store::Backend;
use alloy_signer_local::PrivateKeySigner;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

use crate::support::with_peer;

const SITE: &str = "http://drop.test:3000";
const SPEC: &str = include_str!("../../../../examples/genesis/campaign.toml");

/// A secret made at run time, and the fragments of it none of the outputs may hold.
struct Secret {
    kind: &'static str,
    text: String,
    fragments: Vec<String>,
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    for chunk in b.chunks_mut(32) {
        let key = PrivateKeySigner::random().to_bytes();
        chunk.copy_from_slice(&key[..chunk.len()]);
    }
    b
}

fn phrase(entropy: &[u8]) -> Secret {
    let m = bip39::Mnemonic::from_entropy(entropy).unwrap();
    let words: Vec<&str> = m.words().collect();
    // Any four consecutive words would give a phrase away.
    let fragments = words.windows(4).map(|w| w.join(" ")).collect();
    Secret {
        kind: "recovery phrase",
        text: words.join(" "),
        fragments,
    }
}

fn secrets() -> Vec<Secret> {
    let key = alloy_primitives::hex::encode(PrivateKeySigner::random().to_bytes());
    let cipher = alloy_primitives::hex::encode(random_bytes::<32>());
    let mac = alloy_primitives::hex::encode(random_bytes::<32>());
    // A v3 keystore as geth writes it, pretty-printed (its keys on separate lines).
    let keystore = serde_json::to_string_pretty(&json!({
        "address": "5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f",
        "Crypto": {
            "cipher": "aes-128-ctr",
            "ciphertext": cipher,
            "cipherparams": {"iv": alloy_primitives::hex::encode(&random_bytes::<32>()[..16])},
            "kdf": "scrypt",
            "kdfparams": {"dklen": 32, "n": 262144, "p": 1, "r": 8, "salt": "00"},
            "mac": mac,
        },
        "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
        "version": 3,
    }))
    .unwrap();
    vec![
        Secret {
            kind: "private key",
            text: format!("0x{key}"),
            fragments: vec![key[..24].to_owned(), key[40..].to_owned()],
        },
        phrase(&random_bytes::<16>()),
        phrase(&random_bytes::<32>()),
        Secret {
            kind: "keystore",
            text: keystore,
            fragments: vec![cipher[..24].to_owned(), mac[..24].to_owned()],
        },
    ]
}

/// Every byte but unreserved ones percent-encoded, as a client puts text in a URL.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One input path: the method, the target and the body, with the secret put in.
type Path = (&'static str, fn(&str, &str) -> (String, Option<String>));

fn paths() -> Vec<Path> {
    vec![
        ("GET", |_, e| {
            (format!("/v1/campaigns/genesis/claims/{e}"), None)
        }),
        ("GET", |_, e| (format!("/v1/wallets/{e}/airdrops"), None)),
        ("GET", |_, e| (format!("/v1/campaigns/{e}"), None)),
        ("GET", |_, e| {
            (format!("/v1/campaigns/genesis/signups/{e}"), None)
        }),
        ("GET", |_, e| {
            (
                format!("/v1/campaigns/genesis/deployment?account={e}"),
                None,
            )
        }),
        ("GET", |_, e| {
            (
                format!("/v1/campaigns/genesis/submissions?status={e}"),
                None,
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns",
                json!({"id": "c1", "spec": format!("{SPEC}\n# {s}\n")}),
            )
        }),
        ("PUT", |s, _| {
            body("/v1/campaigns/genesis", json!({"spec": s}))
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/signups",
                json!({"message": siwe_text(s), "signature": "0x00"}),
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/signups",
                json!({"message": "m", "signature": "0x00", "referralCode": s}),
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/tasks/t/submissions",
                json!({"evidence": s, "message": "m", "signature": "0x00"}),
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/submissions/1/review",
                json!({"decision": "rejected", "reason": s}),
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/tasks",
                json!({"id": "t", "title": "t", "description": s, "points": 1, "referralPoints": 0}),
            )
        }),
        ("PUT", |s, _| {
            body(
                "/v1/campaigns/genesis/deployment",
                json!({"distributor": s}),
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/relay",
                json!({"account": s, "nonce": "0", "deadline": "1", "signature": "0x00"}),
            )
        }),
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/jobs",
                json!({"kind": "snapshot", "snapshot": {"kind": "erc20", "token": s}}),
            )
        }),
        // A wrong type: the parser's own message would quote the value.
        ("POST", |s, _| {
            body(
                "/v1/campaigns/genesis/tasks",
                json!({"id": "t", "title": "t", "description": "d", "points": s}),
            )
        }),
        // A secret as a JSON key.
        ("POST", |s, _| {
            body("/v1/campaigns/genesis/tasks", json!({s: 1}))
        }),
        ("PUT", |s, _| {
            (
                String::from("/v1/campaigns/genesis/files/list.csv"),
                Some(format!(
                    "address,amount\n0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f,1\n{s}\n"
                )),
            )
        }),
    ]
}

fn body(uri: &str, v: Value) -> (String, Option<String>) {
    (uri.to_owned(), Some(v.to_string()))
}

fn siwe_text(s: &str) -> String {
    format!("{SITE} wants you to sign in with your Ethereum account:\n0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f\n\n{s}\n\nURI: {SITE}/\nVersion: 1\nChain ID: 1\nNonce: 0123456789abcdef\nIssued At: 2026-01-01T00:00:00Z")
}

/// The log of this thread, captured.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = Log;
    fn make_writer(&'a self) -> Log {
        self.clone()
    }
}

/// Bytes of the SQLite database: the file and its write-ahead log.
fn database_bytes(url: &str) -> Vec<u8> {
    let file = std::path::PathBuf::from(url.trim_start_matches("sqlite:"));
    let dir = file.parent().unwrap();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("store.db")
        {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn every_api_path_refuses_secrets_without_logging_or_storing_them() {
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(log.clone())
        .finish();
    let _log = tracing::subscriber::set_default(subscriber);
    // While exactly one dispatcher exists, tracing decides a call site's interest from the
    // subscriber of whichever thread hits it first: another test's thread (no subscriber)
    // logging a refusal first would switch the line off here too. A second, unused dispatcher
    // makes it ask every registered one instead.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());

    let db = test_db(Backend::Sqlite).await.unwrap();
    let admin = generate("admin", &["admin".into()], 1).unwrap();
    db.insert_api_key(&admin.row).await.unwrap();
    let mut state = AppState::new(Vec::new());
    state.store = Some(db.db.clone());
    state.sign_in = SignIn::for_urls(&[SITE.to_owned()]);
    let app = with_peer(router(Arc::new(state), &Config::default()));
    let send = |method: &'static str, uri: String, body: Option<String>| {
        let app = app.clone();
        let key = admin.key.clone();
        async move {
            let req = Request::builder()
                .method(method)
                .uri(uri)
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json")
                .body(body.map_or_else(Body::empty, Body::from))
                .unwrap();
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };

    // The stores and the log capture work: a campaign and a plain upload land in them.
    let (status, text) = send(
        "POST",
        "/v1/campaigns".into(),
        Some(json!({"id": "genesis", "spec": SPEC}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let marker = "0x00000000000000000000000000000000000000a7,12345678987654321";
    let (status, text) = send(
        "PUT",
        "/v1/campaigns/genesis/files/plain.csv".into(),
        Some(format!("address,amount\n{marker}\n")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");

    let mut refusals = 0;
    let secrets = secrets();
    for secret in &secrets {
        for (method, make) in paths() {
            let (uri, body) = make(&secret.text, &encode(&secret.text));
            let (status, text) = send(method, uri.clone(), body).await;
            let route = uri
                .split('?')
                .next()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect::<String>();
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{} {method} {route}: {text}",
                secret.kind
            );
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                v["code"], "secret_refused",
                "{} {method} {route}: {text}",
                secret.kind
            );
            let detail = v["detail"].as_str().unwrap();
            assert!(
                detail
                    .contains("No genuine airdrop ever needs your recovery phrase or private key"),
                "{detail}"
            );
            for f in &secret.fragments {
                assert!(
                    !text.contains(f.as_str()),
                    "{} echoed by {method} {route}: {text}",
                    secret.kind
                );
            }
            refusals += 1;
        }
    }

    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged
            .matches("refused a field that holds a secret")
            .count()
            >= refusals,
        "the log capture missed refusals:\n{logged}"
    );
    let stored = database_bytes(&db.url);
    assert!(
        contains(&stored, "genesis") && contains(&stored, marker),
        "the database grep sees nothing"
    );
    for secret in &secrets {
        for f in &secret.fragments {
            assert!(!logged.contains(f.as_str()), "{} in the log", secret.kind);
            assert!(!contains(&stored, f), "{} in the database", secret.kind);
        }
    }
}
