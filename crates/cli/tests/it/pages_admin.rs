//! The creator dashboard (`/admin`) in headless Chromium (web/tests/admin-dashboard.mjs) against
//! a real `airdrop serve` on SQLite and a real anvil with a deployed distributor: a pasted
//! recovery phrase or private key is refused in the page with nothing sent, a wrong key gets a
//! clear message, a reviewer signs in by keyboard, approves one submission and rejects another
//! with a reason (recorded, checked over the API), downloads an export; an admin runs a build
//! and a publish job and watches them reach done, and sees the report's charts; a claim made
//! with `airdrop claim`, and a gasless one relayed by the server, then show as claimed, the
//! relayed one in the relay queue. axe-core finds nothing on any state, and no
//! state scrolls sideways at 360 px.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::distribution_chain::{build_bundle, tokens, Spec};
use crate::pages_support::{serve_store, store_db};
use crate::snapshot_support;
use alloy::signers::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use sha2::Digest;
use snapshot_support::chain::{deploy_args, TokenChain};
use snapshot_support::cli::{admin_key, api_key, dev, http, http_raw, key_hex};
use snapshot_support::repo_root;
use snapshot_support::state::ok;
use std::process::Command;

const SPEC: &str = "name = \"Bounty Drop\"\nchain_id = 1\ntoken = { address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }\nbudget = \"5000\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"list\"\nkind = \"list\"\nfile = \"list.csv\"\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n";

/// A wallet-signed submission of `evidence` for `task` (EIP-4361, bound to task and evidence).
fn submit(port: u16, wallet: &PrivateKeySigner, task: &str, evidence: &str) -> i64 {
    let (s, v) = http(port, "GET", "/v1/auth/nonce", None, None);
    assert_eq!(s, 200, "{v}");
    let issued = crate::snapshot_support::chain::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 2,
    );
    let sha = hex::encode(sha2::Sha256::digest(evidence.as_bytes()));
    let message = format!(
        "drop.test wants you to sign in with your Ethereum account:\n{}\n\nURI: http://drop.test/\nVersion: 1\nChain ID: 1\nNonce: {}\nIssued At: {issued}\nResources:\n- urn:airdrop:task:bounty:{task}\n- urn:airdrop:evidence:sha256:{sha}",
        wallet.address().to_checksum(None),
        v["nonce"].as_str().unwrap(),
    );
    let sig = wallet.sign_message_sync(message.as_bytes()).unwrap();
    let body = json!({"evidence": evidence, "message": message, "signature": format!("0x{}", hex::encode(sig.as_bytes()))});
    let (s, v) = http(
        port,
        "POST",
        &format!("/v1/campaigns/bounty/tasks/{task}/submissions"),
        None,
        Some(&body),
    );
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

/// Runs web/tests/admin-dashboard.mjs in `mode` with `env`; its JSON report.
fn dashboard(mode: &str, env: &[(&str, String)]) -> Value {
    crate::pages_support::require_browser();
    let mut cmd = Command::new("node");
    cmd.arg(repo_root().join("web/tests/admin-dashboard.mjs"))
        .arg(mode)
        .current_dir(repo_root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "admin-dashboard.mjs {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["errors"], json!([]), "console errors: {seen}");
    for (state, violations) in seen["axe"].as_object().unwrap() {
        assert_eq!(violations, &json!([]), "axe on {state}: {violations}");
    }
    for (state, overflow) in seen["overflow"].as_object().unwrap() {
        assert_eq!(
            overflow,
            &json!(false),
            "{state} scrolls sideways at 360 px: {}",
            seen["wide"]
        );
    }
    seen
}

#[test]
fn dashboard_reviews_builds_publishes_and_shows_claims() {
    // A deployed, funded distributor on anvil for the campaign "drop".
    let c = TokenChain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let recipients: Vec<PrivateKeySigner> = (2..5).map(dev).collect();
    let addrs: Vec<_> = recipients.iter().map(|s| s.address()).collect();
    let start = c.now() - 600;
    let bundle = build_bundle(
        tmp.path(),
        "drop",
        &Spec {
            chain_id: 31337,
            token: c.token,
            recipients: &addrs,
            budget: 300,
            start,
            deadline: start + 30 * 86_400,
            vesting: false,
            clawback_to: alloy_primitives::Address::repeat_byte(0x7e),
        },
    );
    let b = bundle.to_str().unwrap();
    let url = c.url.as_str();
    ok(
        &deploy_args(b, url, &[]),
        &[("DEPLOYER_KEY", key_hex(&dev(0)))],
    );

    let db = store_db(tmp.path());
    let admin = admin_key(&db);
    let reviewer = api_key(&db, "rev", "reviewer");
    let server = serve_store(
        tmp.path(),
        &db,
        &[
            "--public-url",
            "http://drop.test",
            "--rpc-url",
            url,
            "--campaign",
            &format!("drop={b}"),
            "--relayer-key-env",
            "RELAYER_KEY",
        ],
        &[("RELAYER_KEY", key_hex(&dev(1)))],
    );
    let port = server.port;

    // The store campaign "bounty": spec, list, a task and two submissions to review.
    let (s, v) = http(
        port,
        "POST",
        "/v1/campaigns",
        Some(&admin),
        Some(&json!({"id": "bounty", "spec": SPEC})),
    );
    assert_eq!(s, 201, "{v}");
    let list = "address\n0x0000000000000000000000000000000000000001\n0x0000000000000000000000000000000000000002\n";
    let (s, t) = http_raw(
        port,
        "PUT",
        "/v1/campaigns/bounty/files/list.csv",
        Some(&admin),
        "text/csv",
        list.as_bytes(),
    );
    assert_eq!(s, 201, "{t}");
    let task = json!({"id": "tweet", "title": "Post about us", "description": "A public post", "points": 10});
    let (s, v) = http(
        port,
        "POST",
        "/v1/campaigns/bounty/tasks",
        Some(&admin),
        Some(&task),
    );
    assert!(s == 200 || s == 201, "{v}");
    let good = submit(
        port,
        &PrivateKeySigner::random(),
        "tweet",
        "https://example.org/post/1",
    );
    let bad = submit(
        port,
        &PrivateKeySigner::random(),
        "tweet",
        "https://example.org/post/2",
    );

    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("ADMIN_BASE", base.clone()),
        ("ADMIN_KEY", admin.clone()),
        ("REVIEWER_KEY", reviewer.clone()),
        ("ADMIN_BOUNTY", "bounty".to_owned()),
        ("ADMIN_DROP", "drop".to_owned()),
        ("ADMIN_APPROVE", good.to_string()),
        ("ADMIN_REJECT", bad.to_string()),
    ];
    let seen = dashboard("full", &env);
    eprintln!("{seen}");

    // Secrets refused in the page, nothing sent; a wrong key named as not accepted.
    let refused = seen["refused"].as_array().unwrap();
    assert!(
        refused[0].as_str().unwrap().contains("recovery phrase"),
        "{seen}"
    );
    assert!(
        refused[1].as_str().unwrap().contains("private key"),
        "{seen}"
    );
    assert_eq!(
        seen["callsAfterSecrets"],
        json!(0),
        "a secret reached the API"
    );
    assert_eq!(seen["fieldAfterSecret"], json!(""));
    assert!(
        seen["wrong"].as_str().unwrap().contains("not accepted"),
        "{seen}"
    );
    // The reviewer: the key in this tab's session only.
    assert_eq!(seen["reviewer"]["ok"], json!(true), "{seen}");
    assert_eq!(seen["storage"]["session"], json!(["airdrop.admin.key"]));
    assert_eq!(seen["storage"]["local"], json!(0));
    assert_eq!(seen["storage"]["cookie"], json!(""));
    assert_eq!(seen["storage"]["url"], json!(format!("{base}/admin")));
    assert_eq!(seen["campaigns"], json!(["bounty", "drop"]));
    assert_eq!(seen["reviewerJobsDisabled"], json!(true));
    assert!(
        seen["rejectWithoutReason"]
            .as_str()
            .unwrap()
            .contains("needs a reason"),
        "{seen}"
    );
    assert!(
        seen["rejectSecret"].as_str().unwrap().contains("not sent"),
        "{seen}"
    );
    assert!(
        seen["approved"].as_str().unwrap().contains("approved"),
        "{seen}"
    );
    assert!(
        seen["rejected"].as_str().unwrap().contains("rejected"),
        "{seen}"
    );
    assert_eq!(seen["afterSignOut"], json!({"session": 0, "dash": true}));

    // The reviews are recorded as the page said.
    let (s, subs) = http(
        port,
        "GET",
        "/v1/campaigns/bounty/submissions",
        Some(&admin),
        None,
    );
    assert_eq!(s, 200, "{subs}");
    let state_of = |id: i64| {
        subs.as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == json!(id))
            .unwrap()
            .clone()
    };
    assert_eq!(state_of(good)["status"], json!("approved"));
    assert_eq!(state_of(bad)["status"], json!("rejected"));
    assert_eq!(
        state_of(bad)["reason"],
        json!("the link shows another project")
    );
    // The download is the API's export, byte for byte.
    let (_, points) = http_raw(
        port,
        "GET",
        "/v1/campaigns/bounty/exports/points.csv",
        Some(&admin),
        "text/plain",
        b"",
    );
    assert_eq!(seen["download"]["name"], json!("bounty-points.csv"));
    assert_eq!(seen["download"]["body"].as_str().unwrap(), points);
    assert!(points.lines().count() == 2, "{points}");

    // Build and publish from the page, with progress seen along the way.
    for kind in ["build", "publish"] {
        let job = &seen[kind];
        assert_eq!(job["state"], json!("done"), "{kind}: {job}");
        assert!(
            job["seen"].as_array().unwrap().len() >= 2,
            "{kind}: no progress shown: {job}"
        );
        assert_eq!(
            job["progress"]["value"], job["progress"]["max"],
            "{kind}: {job}"
        );
    }
    let (_, v) = http(port, "GET", "/v1/campaigns/bounty", None, None);
    assert_eq!(v["claims"], json!(2), "published by the page's job: {v}");
    assert!(seen["report"]["histogram"].as_u64().unwrap() >= 1, "{seen}");
    assert_eq!(seen["report"]["lorenz"], json!(1));
    assert!(
        seen["report"]["fairness"]
            .as_str()
            .unwrap()
            .contains("Nakamoto"),
        "{seen}"
    );

    // Claims: none yet; then one on chain with `airdrop claim`, and the dashboard shows it.
    assert_eq!(seen["claimed"], json!(0), "{seen}");
    let r0 = &recipients[0];
    let a0 = r0.address().to_string();
    ok(
        &[
            "claim",
            "--bundle",
            b,
            "--address",
            &a0,
            "--rpc",
            url,
            "--key-env",
            "R0_KEY",
        ],
        &[("R0_KEY", key_hex(r0))],
    );
    // And one gasless: recipient 1 signs, the server's relayer submits.
    let sig = tmp.path().join("sig.json");
    let a1 = recipients[1].address().to_string();
    ok(
        &[
            "claim",
            "--bundle",
            b,
            "--address",
            &a1,
            "--rpc",
            url,
            "--key-env",
            "R1_KEY",
            "--gasless-signature-out",
            sig.to_str().unwrap(),
        ],
        &[("R1_KEY", key_hex(&recipients[1]))],
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sig).unwrap()).unwrap();
    let (s, v) = http(port, "POST", "/v1/campaigns/drop/relay", None, Some(&doc));
    assert_eq!(s, 202, "{v}");
    let request = v["id"].as_i64().unwrap();
    let started = std::time::Instant::now();
    while http(
        port,
        "GET",
        &format!("/v1/campaigns/drop/relay/{request}"),
        None,
        None,
    )
    .1["state"]
        != json!("submitted")
    {
        assert!(
            started.elapsed().as_secs() < 60,
            "the relayer never submitted"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let after = dashboard("claims", &env);
    assert_eq!(after["claimed"], json!(2), "{after}");
    let text = after["claimsText"].as_str().unwrap();
    assert!(
        text.contains("2 of 3") && text.contains("Unclaimed100 TT"),
        "{after}"
    );
    // anvil puts the block's time in its logs: the last claim is dated.
    assert!(
        text.contains("Last claim20") && text.contains(" UTC (block "),
        "{after}"
    );
    assert_eq!(after["claimsChart"], json!(1));
    // The relay queue shows the request, submitted, with its transaction.
    let rows = after["relayRows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{after}");
    let row = rows[0].as_str().unwrap();
    assert!(row.contains("submitted") && row.contains("0x"), "{row}");
    assert!(row.starts_with(&request.to_string()), "{row}");
}
