//! `airdrop keys` and `airdrop serve` on a shared PostgreSQL, as an operator runs them: a key
//! made by the CLI works on two server processes; the two processes stay consistent under
//! concurrent sign-ups (one sign-in message is accepted once in all, every wallet signs up
//! once); a key revoked by the CLI is refused by both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod snapshot_support;

use airdrop_store::testing::test_db;
use airdrop_store::Backend;
use alloy::signers::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use snapshot_support::cli::{admin_key, airdrop, http, http_raw, serve, wait_job, Server};
use std::time::{SystemTime, UNIX_EPOCH};

fn serve_on(url: &str, data: &std::path::Path) -> Server {
    serve(
        &[
            "--public-url",
            "http://drop.test",
            "--rate-limit-per-ip",
            "0",
            "--database-url",
            url,
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    )
}

fn rfc3339_now_minus(secs: u64) -> String {
    // Only the time of day changes within a test; the date is today's (UTC).
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - secs;
    let days = (t / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let s = t % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn signed_signup(port: u16, wallet: &PrivateKeySigner) -> Value {
    let (s, v) = http(port, "GET", "/v1/auth/nonce", None, None);
    assert_eq!(s, 200, "{v}");
    let message = format!(
        "drop.test wants you to sign in with your Ethereum account:\n{}\n\nURI: http://drop.test/\nVersion: 1\nChain ID: 1\nNonce: {}\nIssued At: {}",
        wallet.address().to_checksum(None),
        v["nonce"].as_str().unwrap(),
        rfc3339_now_minus(2)
    );
    let sig = wallet.sign_message_sync(message.as_bytes()).unwrap();
    json!({"message": message, "signature": format!("0x{}", hex::encode(sig.as_bytes()))})
}

#[test]
fn two_servers_on_one_postgres_stay_consistent() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(test_db(Backend::Postgres)).unwrap();
    let url = db.url.clone();

    let (ok, key, err) = airdrop(
        &[
            "keys",
            "create",
            "--name",
            "ops",
            "--scope",
            "admin",
            "--database-url",
            &url,
        ],
        &[],
    );
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    assert!(
        key.starts_with("ak_") && err.contains("shown once"),
        "{err}"
    );
    assert!(!err.contains(&key), "the key goes to stdout only");
    let (ok, _, err) = airdrop(
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--scope",
            "root",
            "--database-url",
            &url,
        ],
        &[],
    );
    assert!(!ok && err.contains("root"), "{err}");

    let data = tempfile::tempdir().unwrap();
    let a = serve_on(&url, data.path());
    let b = serve_on(&url, data.path());
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/genesis/campaign.toml"
    ))
    .unwrap();
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns",
        Some(&key),
        Some(&json!({"id": "genesis", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    // The campaign made on A is on B.
    let (s, v) = http(b.port, "GET", "/v1/campaigns/genesis", None, None);
    assert_eq!((s, v["name"].clone()), (200, json!("Genesis Drop")));

    // One signed message posted to both servers at once, many times over: accepted once in all.
    let mut accepted = 0;
    for _ in 0..5 {
        let wallet = PrivateKeySigner::random();
        let body = signed_signup(a.port, &wallet);
        let (pa, pb) = (a.port, b.port);
        let (ba, bb) = (body.clone(), body);
        let ta = std::thread::spawn(move || {
            http(pa, "POST", "/v1/campaigns/genesis/signups", None, Some(&ba))
        });
        let tb = std::thread::spawn(move || {
            http(pb, "POST", "/v1/campaigns/genesis/signups", None, Some(&bb))
        });
        let (ra, rb) = (ta.join().unwrap(), tb.join().unwrap());
        let codes = [ra.0, rb.0];
        assert_eq!(
            codes.iter().filter(|c| **c == 201).count(),
            1,
            "{ra:?} {rb:?}"
        );
        assert!(
            codes.iter().all(|c| *c == 201 || *c == 401 || *c == 409),
            "{ra:?} {rb:?}"
        );
        accepted += 1;
    }
    // Twenty wallets signing up through alternating servers concurrently.
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let port = if i % 2 == 0 { a.port } else { b.port };
            std::thread::spawn(move || {
                let wallet = PrivateKeySigner::random();
                let body = signed_signup(port, &wallet);
                http(
                    port,
                    "POST",
                    "/v1/campaigns/genesis/signups",
                    None,
                    Some(&body),
                )
                .0
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 201);
    }
    for port in [a.port, b.port] {
        let (s, v) = http(port, "GET", "/v1/campaigns/genesis/stats", Some(&key), None);
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["signups"], json!(accepted + 20));
    }

    // Revoked by the CLI: refused by both servers.
    let id = &key[..19];
    let (ok, _, err) = airdrop(&["keys", "revoke", id, "--database-url", &url], &[]);
    assert!(ok, "{err}");
    let (ok, listed, _) = airdrop(&["keys", "list", "--database-url", &url], &[]);
    assert!(
        ok && listed.contains("revoked") && !listed.contains(&key[20..]),
        "{listed}"
    );
    for port in [a.port, b.port] {
        assert_eq!(
            http(port, "GET", "/v1/campaigns/genesis/stats", Some(&key), None).0,
            401
        );
    }
    let (ok, _, err) = airdrop(&["keys", "revoke", id, "--database-url", &url], &[]);
    assert!(!ok && err.contains("no active key"), "{err}");
    drop((a, b));
    drop(db);
}

/// A creator's whole flow through the API, on one store (PostgreSQL, or a SQLite file) behind
/// two servers: create a
/// campaign from a spec, upload its source file, build it as a job followed over Server-Sent
/// Events, publish it, and every instance serves its claims.
#[test]
fn upload_build_publish_as_jobs_on_two_servers_postgres() {
    upload_build_publish(Backend::Postgres);
}

#[test]
fn upload_build_publish_as_jobs_on_two_servers_sqlite() {
    upload_build_publish(Backend::Sqlite);
}

fn upload_build_publish(backend: Backend) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(test_db(backend)).unwrap();
    let url = db.url.clone();
    let key = admin_key(&url);
    // Each instance has its own data dir: the bundle A builds reaches B through the store.
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = serve_on(&url, data_a.path());
    let b = serve_on(&url, data_b.path());

    let spec = r#"name = "Jobs Drop"
chain_id = 1
token = { address = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984", symbol = "GEN", decimals = 18 }
budget = "3000"
format = "uniswap"

[[source]]
name = "list"
kind = "list"
file = "list.csv"

[[pool]]
source = "list"
share = "rest"
rule = "flat"
"#;
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns",
        Some(&key),
        Some(&json!({"id": "jobs", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    // Nothing built yet; a build without its file fails with the build's own message.
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns/jobs/jobs",
        Some(&key),
        Some(&json!({"kind": "publish"})),
    );
    assert_eq!((s, v["code"].clone()), (409, json!("nothing_built")), "{v}");
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns/jobs/jobs",
        Some(&key),
        Some(&json!({"kind": "build"})),
    );
    assert_eq!(s, 202, "{v}");
    let failed = wait_job(a.port, &key, v["id"].as_str().unwrap());
    assert_eq!(failed["state"], json!("failed"), "{failed}");
    assert!(
        failed["message"].as_str().unwrap().contains("list.csv"),
        "{failed}"
    );

    // Uploads: bad names and secrets refused; the file stored with its hash.
    let csv = "address\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n0x17ec8597ff92c3f44523bdc65bf0f1be632917ff\n0x000000000000000000000000000000000000bEEF\n";
    let put = |name: &str, body: &[u8]| {
        http_raw(
            a.port,
            "PUT",
            &format!("/v1/campaigns/jobs/files/{name}"),
            Some(&key),
            "text/csv",
            body,
        )
    };
    assert_eq!(put("..hidden", csv.as_bytes()).0, 400);
    let leaked = format!("{csv}0x{}\n", "ab".repeat(32));
    let (s, text) = put("list.csv", leaked.as_bytes());
    assert!(s == 400 && text.contains("secret_refused"), "{s} {text}");
    let (s, text) = put("list.csv", csv.as_bytes());
    assert_eq!(s, 201, "{text}");
    let (s, v) = http(b.port, "GET", "/v1/campaigns/jobs/files", Some(&key), None);
    assert_eq!(
        (s, v[0]["name"].clone(), v[0]["size"].clone()),
        (200, json!("list.csv"), json!(csv.len())),
        "{v}"
    );

    // Build, followed over Server-Sent Events on the other instance.
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns/jobs/jobs",
        Some(&key),
        Some(&json!({"kind": "build"})),
    );
    assert_eq!(s, 202, "{v}");
    let job = v["id"].as_str().unwrap().to_owned();
    let (s, events) = http_raw(
        b.port,
        "GET",
        &format!("/v1/jobs/{job}/events"),
        Some(&key),
        "text/plain",
        b"",
    );
    assert_eq!(s, 200, "{events}");
    assert!(
        events.contains("event: progress") && events.contains("event: done"),
        "{events}"
    );
    assert!(events.contains("3 recipients"), "{events}");
    // Published through B, which cannot see A's disk (both run on one machine here, so A's
    // bundle folder is moved away): B loads the store's copy of the bundle.
    std::fs::rename(data_a.path().join("jobs"), data_a.path().join("moved")).unwrap();
    let (s, v) = http(
        b.port,
        "POST",
        "/v1/campaigns/jobs/jobs",
        Some(&key),
        Some(&json!({"kind": "publish"})),
    );
    assert_eq!(s, 202, "{v}");
    let done = wait_job(a.port, &key, v["id"].as_str().unwrap());
    assert_eq!(done["state"], json!("done"), "{done}");
    assert!(
        std::fs::read_dir(data_b.path().join("jobs"))
            .unwrap()
            .any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("from-store-")),
        "B should have rebuilt the bundle from the store"
    );

    // The tree rebuilt from the store's copy has the root the build reported.
    let built_root = events
        .split("root ")
        .nth(1)
        .map(|r| r.chars().take(66).collect::<String>())
        .unwrap();
    assert!(built_root.starts_with("0x"), "{events}");
    let (s, v) = http(b.port, "GET", "/v1/campaigns/jobs", None, None);
    assert_eq!(
        (s, v["merkleRoot"].clone()),
        (200, json!(built_root)),
        "{v}"
    );

    // Both instances serve the claims (A picks the publication up from the store too).
    for port in [a.port, b.port] {
        let started = std::time::Instant::now();
        loop {
            let (s, v) = http(
                port,
                "GET",
                "/v1/campaigns/jobs/claims/0x000000000000000000000000000000000000bEEF",
                None,
                None,
            );
            if s == 200 {
                assert_eq!(v["amount"], json!("1000000000000000000000"), "{v}");
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "{s} {v}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let (_, metrics) = http_raw(a.port, "GET", "/metrics", None, "text/plain", b"");
    assert!(
        metrics.contains("airdrop_jobs_finished_total{kind=\"build\",state=\"done\"} 1"),
        "{metrics}"
    );
    let (s, v) = http(b.port, "GET", "/v1/jobs/job_nope", Some(&key), None);
    assert_eq!((s, v["code"].clone()), (404, json!("unknown_job")), "{v}");
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns/jobs/jobs",
        Some(&key),
        Some(&json!({"kind": "explode"})),
    );
    assert_eq!((s, v["code"].clone()), (400, json!("invalid_job")), "{v}");
    drop((a, b));
    drop((data_a, data_b));
    drop(db);
}
