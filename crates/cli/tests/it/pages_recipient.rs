//! The recipient pages in headless Chromium (web/tests/recipient-claim.mjs, playwright-core)
//! against a real `airdrop serve` (SQLite store, `--rpc-url`, a relayer) and a real anvil with
//! a deployed, funded distributor. The page's test wallet signs with anvil's development keys.
//! A recipient claims directly (their token balance rises by their amount) and another gaslessly
//! through the relayer; every way a claim must stop — a pasted recovery phrase or key, a
//! malformed or mistyped address, an ineligible address, a closed prompt, the wrong chain or
//! account, a window not open yet, a tampered signature, an already paid claim — shows a clear
//! message with nothing sent. Every page state has zero axe violations, no sideways scroll at
//! 360 px, and screenshots at both widths; the claim page's first load stays under 100 KB.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::distribution_chain::{build_bundle, distributor_of, tokens, Chain, Spec};
use crate::pages_support::{assert_pages_clean, scenario, wait_balance};
use crate::snapshot_support::chain::deploy_args;
use crate::snapshot_support::cli::{dev, key_hex, serve};
use crate::snapshot_support::repo_root;
use crate::snapshot_support::state::ok;
use alloy_primitives::Address;
use serde_json::{json, Value};
use std::process::Command;

/// `address` checksummed with the case of one letter flipped: a typo EIP-55 catches.
fn typo(address: &Address) -> String {
    let s = address.to_checksum(None);
    let at = s[2..].find(|c: char| c.is_ascii_alphabetic()).unwrap() + 2;
    s.char_indices()
        .map(|(i, c)| match (i == at, c.is_ascii_uppercase()) {
            (true, true) => c.to_ascii_lowercase(),
            (true, false) => c.to_ascii_uppercase(),
            _ => c,
        })
        .collect()
}

#[test]
fn claim_page_claims_directly_and_gasless_and_refuses_every_mistake() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let (direct, gasless) = (dev(4).address(), dev(5).address());
    let now = c.now();
    let spec = |recipients: &[Address], budget: u64, start: u64| {
        let s = Spec {
            chain_id: 31337,
            token: c.token,
            recipients,
            budget,
            start,
            deadline: now + 30 * 86_400,
            vesting: false,
            clawback_to: deployer.address(),
        };
        build_bundle(tmp.path(), &format!("b{start}"), &s)
    };
    let open = spec(&[direct, gasless, dev(6).address()], 300, now - 60);
    let later = spec(&[direct], 10, now + 86_400);
    // A campaign whose window has closed (built, not deployed: the page still says so).
    let ended = build_bundle(
        tmp.path(),
        "ended",
        &Spec {
            chain_id: 31337,
            token: c.token,
            recipients: &[direct],
            budget: 10,
            start: now - 10 * 86_400,
            deadline: now - 86_400,
            vesting: false,
            clawback_to: deployer.address(),
        },
    );
    let dkey = [("DEPLOYER_KEY", key_hex(&deployer))];
    for b in [&open, &later] {
        ok(&deploy_args(b.to_str().unwrap(), &c.url, &[]), &dkey);
    }
    let distributor = distributor_of(&open);
    // The open campaign is signed: its page must say so and name the signer.
    ok(
        &[
            "sign",
            "--bundle",
            open.to_str().unwrap(),
            "--key-env",
            "DEPLOYER_KEY",
            "--uri",
            "https://drop.test",
        ],
        &dkey,
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt
        .block_on(airdrop_store::testing::test_db(
            airdrop_store::Backend::Sqlite,
        ))
        .unwrap();
    let (drop_arg, later_arg, ended_arg) = (
        format!("drop={}", open.display()),
        format!("later={}", later.display()),
        format!("ended={}", ended.display()),
    );
    let server = serve(
        &[
            "--campaign",
            &drop_arg,
            "--campaign",
            &later_arg,
            "--campaign",
            &ended_arg,
            "--rpc-url",
            &c.url,
            "--relayer-key-env",
            "RELAYER_KEY",
            "--rate-limit-per-ip",
            "0",
            "--database-url",
            &db.url,
        ],
        &[("RELAYER_KEY", key_hex(&dev(2)))],
    );
    let (b_direct, b_gasless) = (c.balance(c.token, direct), c.balance(c.token, gasless));
    let each = tokens(100);
    let stranger = Address::repeat_byte(0x42);
    let seen = scenario(
        "recipient-claim.mjs",
        &json!({
            "base": format!("http://127.0.0.1:{}", server.port),
            "rpc": c.url,
            "campaign": "drop",
            "later": "later",
            "direct": direct.to_checksum(None),
            "gasless": gasless.to_checksum(None),
            "stranger": stranger.to_checksum(None),
            "typo": typo(&direct),
        }),
    );
    assert_eq!(seen["failure"], Value::Null, "{seen:#}");
    assert_eq!(seen["errors"], json!([]), "console errors: {seen:#}");
    let case = |name: &str| seen["cases"][name].clone();
    let says = |name: &str, key: &str, needle: &str| {
        let text = case(name)[key].as_str().unwrap_or_default().to_owned();
        assert!(text.contains(needle), "{name}: {text:?} lacks {needle:?}");
    };

    // Without JavaScript the page already shows the claim and its chart.
    assert!(seen["noJs"].as_str().unwrap().contains("100 TT"), "{seen}");
    assert_eq!(seen["chart"], json!(1));
    let verdict = seen["announcement"].as_str().unwrap();
    assert!(
        verdict.contains("verified: signed by")
            && verdict.contains(&deployer.address().to_checksum(None)),
        "{verdict}"
    );
    assert_eq!(seen["notFound"]["status"], json!(404));

    // Refused in the page: no request to the server, nothing to the wallet, the field cleared.
    for (name, needle) in [
        ("phrase", "recovery phrase"),
        ("key", "private key"),
        ("malformed", "is not an address"),
        ("checksum", "wrong checksum"),
    ] {
        says(name, "message", needle);
        says(name, "message", "Nothing was");
        assert_eq!(case(name)["requests"], json!([]), "{name}: {seen:#}");
        assert_eq!(case(name)["walletCalls"], json!([]), "{name}");
        assert!(!case(name)["url"].as_str().unwrap().contains('?'), "{name}");
    }
    assert_eq!(case("phrase")["field"], json!(""), "a secret is cleared");
    says("ineligible", "message", "has no claim");
    assert_eq!(case("ineligible")["walletCalls"], json!([]));

    // Connecting looks up the wallet's own address.
    says(
        "connect",
        "url",
        &format!("address={}", direct.to_checksum(None)),
    );
    says("closedPrompt", "message", "closed the wallet prompt");
    says("wrongChain", "message", "chain 1,");
    says("wrongAccount", "message", "this claim is for");
    says("closedWindow", "message", "Claims open on");
    says("closedWindow", "window", "Claims open on");
    assert_eq!(case("closedWindow")["walletCalls"], json!(0));
    says("ended", "window", "Claims closed on");
    for name in ["closedPrompt", "wrongChain", "wrongAccount"] {
        assert_eq!(case(name)["sent"], json!(0), "{name}: nothing sent");
    }
    assert_eq!(case("wrongAccount")["signed"], json!(0));

    // The direct claim: one transaction to the distributor, the balance up by the amount.
    says("direct", "message", "Confirmed");
    let sent = case("direct")["sent"].as_array().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0]["to"].as_str().unwrap().to_lowercase(),
        format!("{distributor:#x}")
    );
    wait_balance(&c, direct, b_direct + each);
    // The page's figures follow the claim without a reload.
    assert_eq!(case("direct")["claimedShown"], json!("100 TT"));
    assert_eq!(case("direct")["claimableShown"], json!("0 TT"));
    says("alreadyClaimed", "page", "Already claimed");
    says("alreadyClaimed", "message", "Already claimed");
    assert_eq!(case("alreadyClaimed")["walletCalls"], json!(0));

    // Gasless: the tampered signature is refused; the real one is paid, once, by the relayer.
    says("badSignature", "message", "refused the signed claim");
    says("gasless", "message", "Submitted by the relayer");
    assert_eq!(
        case("gasless")["sent"],
        json!(0),
        "the recipient sends nothing"
    );
    assert_eq!(case("gasless")["signed"], json!(2));
    wait_balance(&c, gasless, b_gasless + each);

    // The wallet page lists the three campaigns with a claim for it and scans it over the node:
    // the token it claimed came in through its own transaction.
    assert_eq!(seen["wallet"]["links"], json!(3), "{seen:#}");
    let scan = seen["wallet"]["scan"].as_str().unwrap();
    assert!(scan.contains("TT") && scan.contains("OK:"), "{scan}");
    assert_eq!(seen["walletBad"]["status"], json!(400));
    assert!(seen["walletBad"]["text"]
        .as_str()
        .unwrap()
        .contains("0x1234"));

    assert_pages_clean(&seen);
    assert!(seen["axe"].as_object().unwrap().len() >= 13, "{seen}");

    // The first load, compressed, as the browser fetched it.
    let total = seen["firstLoad"]["total"].as_u64().unwrap();
    eprintln!("claim page first load: {}", seen["firstLoad"]);
    assert!(total > 0 && total < 100_000, "first load {total} bytes");
}

/// The README's first command: `airdrop demo` builds the example campaign, serves it and prints
/// the claim page's URL, which answers with the page (and a recipient's claim on it), no chain.
#[test]
fn demo_builds_serves_and_prints_a_working_claim_url() {
    use crate::snapshot_support::cli::http_raw;
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = repo_root().join("examples/genesis/campaign.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["demo", "--spec", spec.to_str().unwrap(), "--out"])
        .arg(tmp.path().join("out/genesis"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let _guard = Kill(child);
    let lines: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take_while(|l| !l.starts_with("Ctrl-C"))
        .collect();
    let url_of = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {lines:#?}"))
            .to_owned()
    };
    let page = url_of("claim page: ");
    assert_eq!(page, format!("http://127.0.0.1:{port}/claim/genesis"));
    let claim = url_of("a recipient's claim: ");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the demo never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let path = |url: &str| {
        url.trim_start_matches(&format!("http://127.0.0.1:{port}"))
            .to_owned()
    };
    let (status, body) = http_raw(port, "GET", &path(&page), None, "text/plain", b"");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Claim: Genesis Drop"), "{body}");
    let (status, body) = http_raw(port, "GET", &path(&claim), None, "text/plain", b"");
    assert_eq!(status, 200);
    assert!(
        body.contains("GEN</dd>") && body.contains("vesting-chart"),
        "{body}"
    );
    // Without a node the wallet page lists the claim and says it cannot scan.
    let who = claim.rsplit('=').next().unwrap();
    let (status, body) = http_raw(
        port,
        "GET",
        &format!("/wallet/{who}"),
        None,
        "text/plain",
        b"",
    );
    assert_eq!(status, 200);
    assert!(
        body.contains("/claim/genesis?address=") && body.contains("no node"),
        "{body}"
    );
    assert!(
        tmp.path().join("out/demo.db").exists(),
        "the store sits beside the bundle"
    );
}

/// The reviewer's decisions on submissions of `campaign` (`(id, "approve" | "reject", reason)`),
/// made in the dashboard (web/tests/review.mjs), each confirmed by the page.
fn reviewer_decides(port: u16, key: &str, campaign: &str, decisions: &[(i64, &str, &str)]) {
    let decisions: Vec<Value> = decisions
        .iter()
        .map(|(id, decision, reason)| json!({"id": id, "decision": decision, "reason": reason}))
        .collect();
    let seen = scenario(
        "review.mjs",
        &json!({"base": format!("http://127.0.0.1:{port}"), "key": key, "campaign": campaign, "decisions": decisions}),
    );
    assert_eq!(seen["failure"], Value::Null, "{seen:#}");
    assert_eq!(seen["errors"], json!([]), "console errors: {seen:#}");
    assert_pages_clean(&seen);
    for (message, d) in seen["messages"].as_array().unwrap().iter().zip(&decisions) {
        let past = if d["decision"] == "approve" {
            "approved"
        } else {
            "rejected"
        };
        assert!(message.as_str().unwrap().contains(past), "{seen:#}");
    }
}

/// Sign-ups and the task board: Alice signs up (Sign-In with Ethereum, signed by anvil's dev
/// key) and gets a referral code; Bob signs up through her link; a second sign-up, a closed
/// prompt, the wrong chain and closed sign-ups are each told plainly with nothing sent; a
/// recovery phrase as a referral code or as evidence is refused in the page. Alice submits
/// evidence for two tasks; a reviewer approves one and rejects the other with a reason in the
/// dashboard, and the board shows both decisions.
#[test]
fn signup_and_tasks_pages_sign_in_with_the_wallet_and_show_the_review() {
    use crate::snapshot_support::cli::{admin_key, http};
    let anvil = crate::snapshot_support::Anvil::start(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt
        .block_on(airdrop_store::testing::test_db(
            airdrop_store::Backend::Sqlite,
        ))
        .unwrap();
    let key = admin_key(&db.url);
    let server = serve(
        &["--rate-limit-per-ip", "0", "--database-url", &db.url],
        &[],
    );
    let spec = std::fs::read_to_string(repo_root().join("examples/genesis/campaign.toml")).unwrap();
    for (id, deadline) in [
        ("community", "2099-01-01T00:00:00Z"),
        ("closed", "2021-01-01T00:00:00Z"),
    ] {
        let (s, v) = http(
            server.port,
            "POST",
            "/v1/campaigns",
            Some(&key),
            Some(&json!({"id": id, "spec": spec, "signupDeadline": deadline})),
        );
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = http(
        server.port,
        "POST",
        "/v1/campaigns/community/tasks",
        Some(&key),
        Some(
            &json!({"id": "thread", "title": "Write a thread", "description": "Explain the drop in your own words.", "points": 10, "referralPoints": 2}),
        ),
    );
    assert!(s == 200 || s == 201, "{v}");
    let (s, v) = http(
        server.port,
        "POST",
        "/v1/campaigns/community/tasks",
        Some(&key),
        Some(
            &json!({"id": "video", "title": "Record a video", "description": "Show a claim, start to end.", "points": 20, "referralPoints": 0}),
        ),
    );
    assert!(s == 200 || s == 201, "{v}");
    let (alice, bob, carol) = (dev(7).address(), dev(8).address(), dev(9).address());
    let mut cfg = json!({
        "base": format!("http://127.0.0.1:{}", server.port),
        "rpc": anvil.url,
        "campaign": "community",
        "closed": "closed",
        "alice": alice.to_checksum(None),
        "bob": bob.to_checksum(None),
        "carol": carol.to_checksum(None),
        "phase": "before",
    });
    let seen = scenario("recipient-community.mjs", &cfg);
    assert_eq!(seen["failure"], Value::Null, "{seen:#}");
    assert_eq!(seen["errors"], json!([]), "console errors: {seen:#}");
    let case = |name: &str, key: &str| {
        seen["cases"][name][key]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        seen["noJs"].as_str().unwrap().contains("Sign-ups are open"),
        "{seen}"
    );

    assert!(
        case("phrase", "message").contains("recovery phrase"),
        "{seen:#}"
    );
    assert_eq!(seen["cases"]["phrase"]["requests"], json!([]));
    assert_eq!(seen["cases"]["phrase"]["walletCalls"], json!(0));
    assert_eq!(case("phrase", "field"), "");

    // Alice's sign-up is in the store, with the code the page showed.
    assert!(case("alice", "message").contains("Signed up"), "{seen:#}");
    let code = seen["code"].as_str().unwrap().to_owned();
    let (s, v) = http(
        server.port,
        "GET",
        &format!("/v1/campaigns/community/signups/{alice}"),
        None,
        None,
    );
    assert_eq!(
        (s, v["referralCode"].as_str().unwrap()),
        (200, code.as_str()),
        "{v}"
    );
    assert!(case("again", "message").contains("already"), "{seen:#}");
    assert_eq!(case("bob", "prefilled"), code);
    assert!(case("bob", "message").contains("Signed up"), "{seen:#}");
    let (_, v) = http(
        server.port,
        "GET",
        &format!("/v1/campaigns/community/signups/{bob}"),
        None,
        None,
    );
    assert_eq!(v["referredBy"], json!(alice.to_checksum(None)), "{v}");

    assert!(case("closedPrompt", "message").contains("closed the wallet prompt"));
    assert_eq!(seen["cases"]["closedPrompt"]["posts"], json!([]));
    assert!(
        case("wrongChain", "message").contains("chain 31337"),
        "{seen:#}"
    );
    assert_eq!(seen["cases"]["wrongChain"]["posts"], json!([]));
    assert_eq!(seen["cases"]["wrongChain"]["signed"], json!(0));
    let (s, _) = http(
        server.port,
        "GET",
        &format!("/v1/campaigns/community/signups/{carol}"),
        None,
        None,
    );
    assert_eq!(s, 404, "carol never signed up");
    assert!(case("closed", "state").contains("closed"), "{seen:#}");
    assert_eq!(seen["cases"]["closed"]["button"], json!(0));
    assert!(case("aliceState", "text").contains(&code));

    assert!(case("evidencePhrase", "message").contains("recovery phrase"));
    assert_eq!(seen["cases"]["evidencePhrase"]["requests"], json!([]));
    assert_eq!(seen["cases"]["evidencePhrase"]["walletCalls"], json!(0));
    assert!(case("submitted", "text").contains("pending"), "{seen:#}");

    // The review, then the board again.
    let (s, v) = http(
        server.port,
        "GET",
        &format!("/v1/campaigns/community/wallets/{alice}/submissions"),
        None,
        None,
    );
    assert_eq!(s, 200, "{v}");
    let subs = v.as_array().unwrap();
    assert_eq!(subs.len(), 2, "{v}");
    let id_of = |task: &str| {
        subs.iter()
            .find(|s| s["task"] == json!(task))
            .and_then(|s| s["id"].as_i64())
            .unwrap()
    };
    reviewer_decides(
        server.port,
        &key,
        "community",
        &[
            (id_of("thread"), "approve", ""),
            (id_of("video"), "reject", "no video at that link"),
        ],
    );
    cfg["phase"] = json!("after");
    let after = scenario("recipient-community.mjs", &cfg);
    assert_eq!(after["failure"], Value::Null, "{after:#}");
    let texts = after["cases"]["reviewed"]["texts"].to_string();
    assert!(
        texts.contains("approved: https://example.org/posts/42")
            && texts
                .contains("rejected: https://example.org/videos/7. Reason: no video at that link"),
        "{after:#}"
    );
    assert_eq!(after["cases"]["reviewed"]["forms"], json!(0));

    assert_pages_clean(&seen);
    assert_pages_clean(&after);
}
