//! `airdrop keys` and `airdrop serve` on a shared PostgreSQL, as an operator runs them: a key
//! made by the CLI works on two server processes; the two processes stay consistent under
//! concurrent sign-ups (one sign-in message is accepted once in all, every wallet signs up
//! once); a key revoked by the CLI is refused by both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support;

use airdrop_store::testing::test_db;
use airdrop_store::Backend;
use alloy::signers::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use snapshot_support::cli::{admin_key, airdrop, api_key, http, http_raw, serve, wait_job, Server};
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
        "drop.test wants you to sign in with your Ethereum account:\n{}\n\nURI: http://drop.test/\nVersion: 1\nChain ID: 1\nNonce: {}\nIssued At: {}\nResources:\n- urn:airdrop:campaign:genesis",
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
    // A build of three recipients may finish before the stream connects; the stream then
    // starts at its end and has no progress event to show, so only the end is asserted.
    assert!(events.contains("event: done"), "{events}");
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

fn job(port: u16, key: &str, campaign: &str, kind: &str) -> Value {
    let (s, v) = http(
        port,
        "POST",
        &format!("/v1/campaigns/{campaign}/jobs"),
        Some(key),
        Some(&json!({ "kind": kind })),
    );
    assert_eq!(s, 202, "{v}");
    wait_job(port, key, v["id"].as_str().unwrap())
}

fn put_file(port: u16, key: &str, campaign: &str, name: &str, body: &str) {
    let (s, text) = http_raw(
        port,
        "PUT",
        &format!("/v1/campaigns/{campaign}/files/{name}"),
        Some(key),
        "text/csv",
        body.as_bytes(),
    );
    assert_eq!(s, 201, "{text}");
}

fn list_spec(name: &str, extra_source: &str, top: &str) -> String {
    format!(
        "name = \"{name}\"\nchain_id = 1\ntoken = {{ address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }}\nbudget = \"3000\"\n{top}\n\n[[source]]\nname = \"list\"\nkind = \"list\"\n{extra_source}\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n"
    )
}

const THREE: &str = "address\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n0x17ec8597ff92c3f44523bdc65bf0f1be632917ff\n0x000000000000000000000000000000000000bEEF\n";

/// Items 5 and 15: a build job's failure names the missing upload, or the file and line that
/// was refused, and never quotes a file or names a folder of the server; a reviewer key reads
/// no file content; another campaign's upload is out of reach; finished job folders are gone.
#[test]
fn build_failures_never_quote_files_or_paths_sqlite() {
    build_failures_never_quote_files_or_paths(Backend::Sqlite);
}

#[test]
fn build_failures_never_quote_files_or_paths_postgres() {
    build_failures_never_quote_files_or_paths(Backend::Postgres);
}

fn build_failures_never_quote_files_or_paths(backend: Backend) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(test_db(backend)).unwrap();
    let key = admin_key(&db.url);
    let reviewer = api_key(&db.url, "r", "reviewer");
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().display().to_string();
    let a = serve_on(&db.url, data.path());
    let create = |id: &str, spec: &str| {
        let (s, v) = http(
            a.port,
            "POST",
            "/v1/campaigns",
            Some(&key),
            Some(&json!({"id": id, "spec": spec})),
        );
        assert_eq!(s, 201, "{v}");
    };
    let clean = |v: &Value| {
        let text = v.to_string();
        eprintln!("job message: {}", v["message"]);
        assert!(!text.contains(&data_dir), "a server path in {text}");
        assert!(!text.contains("hunter"), "file content in {text}");
    };
    // Another campaign's upload is not this one's.
    create("other", &list_spec("Other", "file = \"secret.csv\"", ""));
    put_file(
        a.port,
        &key,
        "other",
        "secret.csv",
        "address\nhunter1-not-an-address\n",
    );
    create("leak", &list_spec("Leak", "file = \"secret.csv\"", ""));
    let failed = job(a.port, &key, "leak", "build");
    assert_eq!(failed["state"], json!("failed"), "{failed}");
    let msg = failed["message"].as_str().unwrap();
    assert!(
        msg.contains("\"secret.csv\"") && msg.contains("not uploaded"),
        "{msg}"
    );
    clean(&failed);

    // A build of `list.csv` under this source that fails naming the file, and nothing else.
    let refused = |source: &str, body: &str| {
        let (s, v) = http(
            a.port,
            "PUT",
            "/v1/campaigns/leak",
            Some(&key),
            Some(&json!({"spec": list_spec("Leak", source, "")})),
        );
        assert_eq!(s, 200, "{v}");
        put_file(a.port, &key, "leak", "list.csv", body);
        let failed = job(a.port, &key, "leak", "build");
        assert_eq!(failed["state"], json!("failed"), "{failed}");
        assert!(
            failed["message"].as_str().unwrap().contains("list.csv"),
            "{failed}"
        );
        clean(&failed);
        failed
    };

    // The header guessed through address_column: the file's first line is never shown.
    let failed = refused(
        "file = \"list.csv\"\naddress_column = \"guess\"",
        "hunter2-database-password\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n",
    );
    let (s, v) = http(
        a.port,
        "GET",
        &format!("/v1/jobs/{}", failed["id"].as_str().unwrap()),
        Some(&reviewer),
        None,
    );
    assert_eq!(s, 200, "{v}");
    clean(&v);

    // A cell the build refuses: the file and line, not the cell.
    let failed = refused(
        "file = \"list.csv\"",
        "address\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\nhunter3-in-a-cell\n",
    );
    let (s, events) = http_raw(
        a.port,
        "GET",
        &format!("/v1/jobs/{}/events", failed["id"].as_str().unwrap()),
        Some(&reviewer),
        "text/plain",
        b"",
    );
    assert_eq!(s, 200, "{events}");
    assert!(
        !events.contains(&data_dir) && !events.contains("hunter"),
        "{events}"
    );

    // A good build: its message names no folder, and no job folder is left behind.
    put_file(a.port, &key, "leak", "list.csv", THREE);
    let done = job(a.port, &key, "leak", "build");
    assert_eq!(done["state"], json!("done"), "{done}");
    clean(&done);
    let left: Vec<_> = std::fs::read_dir(data.path().join("leak"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "job folders left: {left:?}");
    drop(a);
    drop(db);
}

/// Item 10: every preset a build can produce publishes, and its proofs are served.
#[test]
fn every_preset_publishes_and_serves_proofs_sqlite() {
    every_preset_publishes(Backend::Sqlite);
}

#[test]
fn every_preset_publishes_and_serves_proofs_postgres() {
    every_preset_publishes(Backend::Postgres);
}

fn every_preset_publishes(backend: Backend) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(test_db(backend)).unwrap();
    let key = admin_key(&db.url);
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = serve_on(&db.url, data_a.path());
    let b = serve_on(&db.url, data_b.path());
    for (id, top) in [
        ("oz", "format = \"oz-standard\""),
        ("balancer", "format = \"balancer\""),
        ("morpho", "format = \"morpho\""),
        ("ens", "format = \"ens\""),
        ("sharded", "format = \"uniswap\"\nshards = 16"),
    ] {
        let spec = list_spec(id, "file = \"list.csv\"", top);
        let (s, v) = http(
            a.port,
            "POST",
            "/v1/campaigns",
            Some(&key),
            Some(&json!({"id": id, "spec": spec})),
        );
        assert_eq!(s, 201, "{id}: {v}");
        put_file(a.port, &key, id, "list.csv", THREE);
        let built = job(a.port, &key, id, "build");
        assert_eq!(built["state"], json!("done"), "{id}: {built}");
        // Published through the other instance: from the store's copy.
        let published = job(b.port, &key, id, "publish");
        assert_eq!(published["state"], json!("done"), "{id}: {published}");
        let root = built["message"]
            .as_str()
            .unwrap()
            .split("root ")
            .nth(1)
            .unwrap()[..66]
            .to_owned();
        for port in [a.port, b.port] {
            let started = std::time::Instant::now();
            loop {
                let (s, v) = http(
                    port,
                    "GET",
                    &format!(
                        "/v1/campaigns/{id}/claims/0x000000000000000000000000000000000000bEEF"
                    ),
                    None,
                    None,
                );
                if s == 200 {
                    assert_eq!(v["amount"], json!("1000000000000000000000"), "{id}: {v}");
                    assert_eq!(v["merkleRoot"], json!(root), "{id}: {v}");
                    assert!(!v["proof"].as_array().unwrap().is_empty(), "{id}: {v}");
                    break;
                }
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "{id}: {s} {v}"
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    }
    drop((a, b));
    drop(db);
}

fn until(what: &str, mut f: impl FnMut() -> Option<Value>) -> Value {
    let started = std::time::Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Item 9 and the issue's "must show": two instances on one PostgreSQL, each with its own data
/// folder. A campaign built on A, deployed on anvil (from the creator's own build of the same
/// spec), published on B, its distributor registered on A: both serve the same `claimed` and
/// `claimableNow`, and both relay gasless claims.
#[test]
fn two_instances_build_deploy_publish_claim_and_relay_postgres() {
    use alloy_primitives::{Address, U256};
    use snapshot_support::chain::{deploy_args, deploy_token, rfc3339, token_balance};
    use snapshot_support::cli::{dev, key_hex};
    use snapshot_support::state::ok;
    use snapshot_support::{Anvil, Driver};

    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let deployer = dev(0);
    let e18 = U256::from(1_000_000_000_000_000_000u64);
    let token = deploy_token(&d, deployer.address(), U256::from(1_000_000u64) * e18);
    let balance = |who: Address| -> U256 { token_balance(&d, token, who) };

    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(test_db(Backend::Postgres)).unwrap();
    let key = admin_key(&db.url);
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = |data: &std::path::Path, relayer: u32| {
        serve(
            &[
                "--public-url",
                "http://drop.test",
                "--rate-limit-per-ip",
                "0",
                "--database-url",
                &db.url,
                "--data-dir",
                data.to_str().unwrap(),
                "--rpc-url",
                &anvil.url,
                "--relayer-key-env",
                "RELAYER_KEY",
            ],
            &[("RELAYER_KEY", key_hex(&dev(relayer)))],
        )
    };
    let a = server(data_a.path(), 1);
    let b = server(data_b.path(), 7);

    let recipients: Vec<_> = (2..6).map(dev).collect();
    let mut csv = String::from("address\n");
    for r in &recipients {
        csv.push_str(&format!("{}\n", r.address()));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let spec = format!(
        "name = \"Shared\"\nchain_id = 31337\ntoken = {{ address = \"{token}\", symbol = \"TT\", decimals = 18 }}\nbudget = \"400\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"list\"\nkind = \"list\"\nfile = \"list.csv\"\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n\n[claim]\nstart = \"{}\"\ndeadline = \"{}\"\nclawback_to = \"{}\"\n",
        rfc3339(now - 3600),
        rfc3339(now + 30 * 86_400),
        deployer.address()
    );
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns",
        Some(&key),
        Some(&json!({"id": "shared", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    put_file(a.port, &key, "shared", "list.csv", &csv);
    let built = job(a.port, &key, "shared", "build");
    assert_eq!(built["state"], json!("done"), "{built}");
    let root = built["message"]
        .as_str()
        .unwrap()
        .split("root ")
        .nth(1)
        .unwrap()[..66]
        .to_owned();

    // The creator builds the same spec and files and deploys that bundle: the same root.
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("campaign.toml"), &spec).unwrap();
    std::fs::write(local.path().join("list.csv"), &csv).unwrap();
    let bundle = local.path().join("bundle");
    let b_str = bundle.to_str().unwrap();
    ok(
        &[
            "build",
            local.path().join("campaign.toml").to_str().unwrap(),
            "--out",
            b_str,
        ],
        &[],
    );
    let out = ok(
        &deploy_args(b_str, &anvil.url, &[]),
        &[("DEPLOYER_KEY", key_hex(&deployer))],
    );
    let distributor = out
        .lines()
        .find_map(|l| l.strip_prefix("distributor "))
        .unwrap_or_else(|| panic!("no distributor in {out}"))
        .trim()
        .to_owned();

    // Published on B; registered on A (checked on chain there); both pick both up.
    let published = job(b.port, &key, "shared", "publish");
    assert_eq!(published["state"], json!("done"), "{published}");
    let (s, v) = until("the publication on A", || {
        let r = http(
            a.port,
            "PUT",
            "/v1/campaigns/shared/deployment",
            Some(&key),
            Some(&json!({"distributor": distributor})),
        );
        (r.0 != 404).then_some(json!([r.0, r.1]))
    })
    .as_array()
    .map(|x| (x[0].as_u64().unwrap(), x[1].clone()))
    .unwrap();
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["merkleRoot"], json!(root), "{v}");
    let wrong = http(
        a.port,
        "PUT",
        "/v1/campaigns/shared/deployment",
        Some(&key),
        Some(&json!({"distributor": format!("{token}")})),
    );
    // The token is not a distributor: refused, with the contract named.
    assert_eq!(
        (wrong.0, wrong.1["code"].clone()),
        (400, json!("not_a_distributor")),
        "{}",
        wrong.1
    );
    for port in [a.port, b.port] {
        until("the deployment on every instance", || {
            let (s, v) = http(
                port,
                "GET",
                &format!(
                    "/v1/campaigns/shared/deployment?account={}",
                    recipients[1].address()
                ),
                None,
                None,
            );
            (s == 200).then_some(v)
        });
    }
    let (_, info) = http(
        b.port,
        "GET",
        &format!(
            "/v1/campaigns/shared/deployment?account={}",
            recipients[1].address()
        ),
        None,
        None,
    );
    assert_eq!(
        (info["chainId"].clone(), info["nonce"].clone()),
        (json!(31337), json!("0")),
        "{info}"
    );
    assert_eq!(
        info["eip712Domain"]["verifyingContract"],
        json!(distributor),
        "{info}"
    );

    // Recipient 0 claims directly.
    let r0 = &recipients[0];
    ok(
        &[
            "claim",
            "--bundle",
            b_str,
            "--address",
            &r0.address().to_string(),
            "--rpc",
            &anvil.url,
            "--key-env",
            "K",
        ],
        &[("K", key_hex(r0))],
    );
    // Recipients 1 and 2 sign; A relays one, B the other.
    let mut requests = Vec::new();
    for (r, port) in [(&recipients[1], a.port), (&recipients[2], b.port)] {
        let sig = local.path().join(format!("{}.json", r.address()));
        ok(
            &[
                "claim",
                "--bundle",
                b_str,
                "--address",
                &r.address().to_string(),
                "--rpc",
                &anvil.url,
                "--key-env",
                "K",
                "--gasless-signature-out",
                sig.to_str().unwrap(),
            ],
            &[("K", key_hex(r))],
        );
        let body: Value = serde_json::from_str(&std::fs::read_to_string(&sig).unwrap()).unwrap();
        let (s, v) = http(
            port,
            "POST",
            "/v1/campaigns/shared/relay",
            None,
            Some(&body),
        );
        assert_eq!(s, 202, "{v}");
        requests.push((port, v["id"].as_i64().unwrap()));
    }
    for (port, id) in requests {
        let v = until("the relayed claim", || {
            let (_, v) = http(
                port,
                "GET",
                &format!("/v1/campaigns/shared/relay/{id}"),
                None,
                None,
            );
            (v["state"] == "submitted" || v["state"] == "failed").then_some(v)
        });
        assert_eq!(v["state"], json!("submitted"), "{v}");
    }
    let each = U256::from(100u64) * e18;
    for r in &recipients[..3] {
        assert_eq!(balance(r.address()), each);
    }
    // Both instances agree on claimed and claimable for every recipient.
    for (i, r) in recipients.iter().enumerate() {
        let (claimed, claimable) = if i < 3 {
            ("100000000000000000000", "0")
        } else {
            ("0", "100000000000000000000")
        };
        for port in [a.port, b.port] {
            until("the claimed amounts", || {
                let (s, v) = http(
                    port,
                    "GET",
                    &format!("/v1/campaigns/shared/claims/{}", r.address()),
                    None,
                    None,
                );
                (s == 200
                    && v["claimed"] == json!(claimed)
                    && v["claimableNow"] == json!(claimable))
                .then_some(v)
            });
        }
    }
    // A refusal is named, not a raw selector: recipient 1's signature again.
    let sig = local
        .path()
        .join(format!("{}.json", recipients[3].address()));
    ok(
        &[
            "claim",
            "--bundle",
            b_str,
            "--address",
            &recipients[3].address().to_string(),
            "--rpc",
            &anvil.url,
            "--key-env",
            "K",
            "--gasless-signature-out",
            sig.to_str().unwrap(),
        ],
        &[("K", key_hex(&recipients[3]))],
    );
    let mut body: Value = serde_json::from_str(&std::fs::read_to_string(&sig).unwrap()).unwrap();
    // A deadline other than the signed one: the signature no longer matches.
    let deadline: u64 = body["deadline"].as_str().unwrap().parse().unwrap();
    body["deadline"] = json!((deadline - 1).to_string());
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns/shared/relay",
        None,
        Some(&body),
    );
    assert_eq!(
        (s, v["code"].clone()),
        (400, json!("claim_rejected")),
        "{v}"
    );
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("InvalidSignature") && !detail.contains("0x") && !detail.contains('\u{0}'),
        "{detail}"
    );
    drop((a, b));
    drop(db);
}

/// Item 15, and issue 10: a build runs inside the server (no child process that could outlive
/// it); stopping the server (SIGTERM) cancels it, and the job ends `failed` saying so, its
/// folder removed.
#[test]
fn a_stopped_server_cancels_its_build_in_process() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(test_db(Backend::Sqlite)).unwrap();
    let key = admin_key(&db.url);
    // A node that accepts connections and never answers: the build waits on it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let node = format!("http://{}", silent.local_addr().unwrap());
    let hold = std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in silent.incoming().take(64) {
            held.push(c);
        }
    });
    let data = tempfile::tempdir().unwrap();
    // An API spec may use only the server's own node.
    let mut a = serve(
        &[
            "--public-url",
            "http://drop.test",
            "--rate-limit-per-ip",
            "0",
            "--database-url",
            &db.url,
            "--data-dir",
            data.path().to_str().unwrap(),
            "--rpc-url",
            &node,
        ],
        &[],
    );
    let spec = format!(
        "name = \"Slow\"\nchain_id = 1\ntoken = {{ address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }}\nbudget = \"3000\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"holders\"\nkind = \"erc20-balances\"\nrpc = \"{node}\"\ntoken = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\"\nblock = 100\n\n[[pool]]\nsource = \"holders\"\nshare = \"rest\"\nrule = \"flat\"\n"
    );
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns",
        Some(&key),
        Some(&json!({"id": "slow", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    let (s, v) = http(
        a.port,
        "POST",
        "/v1/campaigns/slow/jobs",
        Some(&key),
        Some(&json!({"kind": "build"})),
    );
    assert_eq!(s, 202, "{v}");
    let job = v["id"].as_str().unwrap().to_owned();
    let server_pid = a.child.id();
    // The build waits on the silent node inside the engine's chain stage.
    let started = std::time::Instant::now();
    loop {
        let (s, v) = http(a.port, "GET", &format!("/v1/jobs/{job}"), Some(&key), None);
        assert_eq!(s, 200, "{v}");
        if v["state"] == "running" && v["message"].as_str().unwrap().starts_with("building: ") {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the build did not start: {v}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let children: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok())
                == Some(server_pid)
        })
        .collect();
    assert!(
        children.is_empty(),
        "the server started processes: {children:?}"
    );
    let term = std::process::Command::new("kill")
        .args(["-TERM", &server_pid.to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let started = std::time::Instant::now();
    while a.child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the server did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Another instance on the same store reads the job's end.
    let b = serve_on(&db.url, data.path());
    let (s, v) = http(b.port, "GET", &format!("/v1/jobs/{job}"), Some(&key), None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], json!("failed"), "{v}");
    assert!(
        v["message"].as_str().unwrap().starts_with("cancelled: "),
        "{v}"
    );
    let left: Vec<_> = std::fs::read_dir(data.path().join("slow"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "job folders left: {left:?}");
    drop((a, b));
    drop(hold);
    drop(db);
}
