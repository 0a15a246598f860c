//! The end-to-end story on one campaign, through the pages in headless Chromium
//! (web/tests/story.mjs) against a real `airdrop serve` (SQLite store, `--rpc-url`, a relayer)
//! and a real anvil with a test token. The creator creates a campaign paying a `points` source
//! and a bounty task; two recipients sign up (one with the other's referral code) and submit
//! evidence with the injected wallet; a reviewer approves both in the dashboard; the creator
//! exports points.csv from the dashboard, uploads it, builds and publishes in the dashboard,
//! deploys the distributor for the published root (a local `airdrop build` of the same spec and
//! files gives the same root) and registers it; one recipient claims directly, the other
//! gasless, each balance rising by exactly its amount; the dashboard shows both claimed and
//! nothing unclaimed. Every state visited is axe-clean, fits 360 px, and is screenshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::distribution_chain::{tokens, Chain};
use crate::pages_support::{assert_pages_clean, scenario, serve_store, store_db, wait_balance};
use crate::snapshot_support::chain::{deploy_args, rfc3339};
use crate::snapshot_support::cli::{admin_key, api_key, dev, http, http_raw, key_hex};
use crate::snapshot_support::state::ok;
use serde_json::{json, Value};

/// The campaign: 10 TT per bounty point from points.csv, on anvil's chain, open for claims now.
fn spec(c: &Chain, budget: u64, clawback_to: alloy_primitives::Address) -> String {
    let now = c.now();
    format!(
        "name = \"Story Drop\"\nchain_id = 31337\ntoken = {{ address = \"{}\", symbol = \"TT\", decimals = 18 }}\nbudget = \"{budget}\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"bounty\"\nkind = \"points\"\nfile = \"points.csv\"\n\n[[pool]]\nsource = \"bounty\"\nshare = \"rest\"\nrule = \"points\"\ncolumn = \"points\"\nper_point = \"10\"\n\n[claim]\nstart = \"{}\"\ndeadline = \"{}\"\nclawback_to = \"{clawback_to}\"\n",
        c.token,
        rfc3339(now - 600),
        rfc3339(now + 30 * 86_400),
    )
}

/// Runs one phase of web/tests/story.mjs; its report, checked for a failure, console errors,
/// axe violations and sideways scroll.
fn phase(cfg: &mut Value, name: &str) -> Value {
    cfg["phase"] = json!(name);
    let seen = scenario("story.mjs", cfg);
    assert_eq!(seen["failure"], Value::Null, "{name}: {seen:#}");
    assert_eq!(
        seen["errors"],
        json!([]),
        "{name}: console errors: {seen:#}"
    );
    assert_pages_clean(&seen);
    seen
}

#[test]
fn story_sign_up_review_publish_deploy_claim_and_watch() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let (alice, bob) = (dev(2).address(), dev(3).address());

    let db = store_db(tmp.path());
    let admin = admin_key(&db);
    let reviewer = api_key(&db, "reviewer", "reviewer");
    let server = serve_store(
        tmp.path(),
        &db,
        &["--rpc-url", &c.url, "--relayer-key-env", "RELAYER_KEY"],
        &[("RELAYER_KEY", key_hex(&dev(1)))],
    );
    let port = server.port;

    // 1. The creator: the campaign (10 points each for Alice and Bob, and 2 referral points for
    //    Alice, who referred Bob, at 10 TT a point: 220 TT) and its bounty task.
    let spec = spec(&c, 220, deployer.address());
    let (s, v) = http(
        port,
        "POST",
        "/v1/campaigns",
        Some(&admin),
        Some(&json!({"id": "story", "spec": spec, "signupDeadline": "2099-01-01T00:00:00Z"})),
    );
    assert_eq!(s, 201, "{v}");
    let task = json!({"id": "thread", "title": "Write a thread", "description": "Explain the drop in your own words.", "points": 10, "referralPoints": 2});
    let (s, v) = http(
        port,
        "POST",
        "/v1/campaigns/story/tasks",
        Some(&admin),
        Some(&task),
    );
    assert!(s == 200 || s == 201, "{v}");

    let mut cfg = json!({
        "base": format!("http://127.0.0.1:{port}"),
        "rpc": c.url,
        "campaign": "story",
        "alice": alice.to_checksum(None),
        "bob": bob.to_checksum(None),
        "reviewerKey": reviewer,
        "adminKey": admin,
    });

    // 2–3. Sign-ups, evidence, the reviewer's approvals, the export — all in the pages.
    let join = phase(&mut cfg, "join");
    assert!(
        join["alice"]["message"]
            .as_str()
            .unwrap()
            .contains("Signed up"),
        "{join:#}"
    );
    assert_eq!(join["bob"]["prefilled"], join["code"], "{join:#}");
    assert!(
        join["bob"]["message"]
            .as_str()
            .unwrap()
            .contains("Signed up"),
        "{join:#}"
    );
    let (_, v) = http(
        port,
        "GET",
        &format!("/v1/campaigns/story/signups/{bob}"),
        None,
        None,
    );
    assert_eq!(v["referredBy"], json!(alice.to_checksum(None)), "{v}");
    for who in ["aliceTask", "bobTask"] {
        assert!(join[who].to_string().contains("pending"), "{who}: {join:#}");
    }
    assert_eq!(join["pending"].as_array().unwrap().len(), 2, "{join:#}");
    for m in join["approved"].as_array().unwrap() {
        assert!(m.as_str().unwrap().contains("approved"), "{join:#}");
    }
    // The approvals are recorded: every submission approved, as the page said.
    let (s, subs) = http(
        port,
        "GET",
        "/v1/campaigns/story/submissions",
        Some(&admin),
        None,
    );
    assert_eq!(s, 200, "{subs}");
    let states: Vec<_> = subs
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].clone())
        .collect();
    assert_eq!(states, vec![json!("approved"); 2], "{subs}");

    // 4. The export the page downloaded is the API's: each approved submission's points, and
    //    the referral points of Bob's, whose sign-up named Alice's code (the task board sends no
    //    code: a submission inherits its wallet's referrer).
    let points = join["points"]["body"].as_str().unwrap().to_owned();
    let (_, api_points) = http_raw(
        port,
        "GET",
        "/v1/campaigns/story/exports/points.csv",
        Some(&admin),
        "text/plain",
        b"",
    );
    assert_eq!(points, api_points);
    let row = |who: alloy_primitives::Address| {
        points
            .lines()
            .find(|l| l.to_lowercase().starts_with(&format!("{who:#x}")))
            .unwrap_or_else(|| panic!("{who} not in {points}"))
            .split(',')
            .nth(1)
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(
        (row(alice), row(bob)),
        ("12".into(), "10".into()),
        "{points}"
    );
    let (s, t) = http_raw(
        port,
        "PUT",
        "/v1/campaigns/story/files/points.csv",
        Some(&admin),
        "text/csv",
        points.as_bytes(),
    );
    assert_eq!(s, 201, "{t}");

    // Build and publish in the dashboard.
    let published = phase(&mut cfg, "publish");
    for kind in ["build", "publish"] {
        assert_eq!(published[kind]["state"], json!("done"), "{published:#}");
    }
    let (_, v) = http(port, "GET", "/v1/campaigns/story", None, None);
    assert_eq!(v["claims"], json!(2), "{v}");
    let root = v["merkleRoot"].as_str().unwrap().to_owned();

    // The creator's own build of the same spec and file: the same root; deployed and funded.
    let local = tmp.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("campaign.toml"), &spec).unwrap();
    std::fs::write(local.join("points.csv"), &points).unwrap();
    let bundle = local.join("bundle");
    let b = bundle.to_str().unwrap();
    ok(
        &[
            "build",
            local.join("campaign.toml").to_str().unwrap(),
            "--out",
            b,
        ],
        &[],
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["root"], json!(root), "{manifest}");
    let out = ok(
        &deploy_args(b, &c.url, &[]),
        &[("DEPLOYER_KEY", key_hex(&deployer))],
    );
    let distributor = out
        .lines()
        .find_map(|l| l.strip_prefix("distributor "))
        .unwrap_or_else(|| panic!("no distributor in {out}"))
        .trim()
        .to_owned();
    let (s, v) = http(
        port,
        "PUT",
        "/v1/campaigns/story/deployment",
        Some(&admin),
        Some(&json!({"distributor": distributor})),
    );
    assert_eq!(s, 200, "{v}");
    let started = std::time::Instant::now();
    while http(port, "GET", "/v1/campaigns/story/deployment", None, None).0 != 200 {
        assert!(
            started.elapsed().as_secs() < 30,
            "the deployment never showed"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // 5. Alice claims directly, Bob gasless; 6. the dashboard shows both claimed.
    let (a0, b0) = (c.balance(c.token, alice), c.balance(c.token, bob));
    let claimed = phase(&mut cfg, "claim");
    assert_eq!(claimed["aliceAmount"], json!("120 TT"), "{claimed:#}");
    assert_eq!(claimed["bobAmount"], json!("100 TT"), "{claimed:#}");
    assert!(
        claimed["direct"]["message"]
            .as_str()
            .unwrap()
            .contains("Confirmed"),
        "{claimed:#}"
    );
    let sent = claimed["direct"]["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 1, "{claimed:#}");
    assert_eq!(
        sent[0]["to"].as_str().unwrap().to_lowercase(),
        distributor.to_lowercase()
    );
    assert!(
        claimed["gasless"]["message"]
            .as_str()
            .unwrap()
            .contains("Submitted by the relayer"),
        "{claimed:#}"
    );
    assert_eq!(claimed["gasless"]["sent"], json!(0), "Bob sends nothing");
    assert_eq!(claimed["gasless"]["signed"], json!(1), "{claimed:#}");
    wait_balance(&c, alice, a0 + tokens(120));
    wait_balance(&c, bob, b0 + tokens(100));
    assert_eq!(claimed["claimed"], json!(2), "{claimed:#}");
    assert_eq!(
        claimed["figures"]["Claimed"],
        json!("2 of 2"),
        "{claimed:#}"
    );
    assert_eq!(
        claimed["figures"]["Unclaimed"],
        json!("0 TT"),
        "{claimed:#}"
    );
    assert_eq!(claimed["figures"]["Paid"], json!("220 TT"), "{claimed:#}");
    // Every step's states were visited, checked and screenshotted (9 + 3 + 5).
    let states = |r: &Value| r["axe"].as_object().unwrap().len();
    assert_eq!(
        (states(&join), states(&published), states(&claimed)),
        (9, 3, 5)
    );
}
