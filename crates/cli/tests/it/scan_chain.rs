//! `airdrop scan` against a real anvil: a wallet that received genuine listed tokens, and every
//! scam the scan knows planted around it — a token whose name is a lure with a URL, one whose
//! symbol impersonates a listed token with a look-alike letter, a honeypot its holders cannot
//! sell, a zero-value `transferFrom` out of the wallet sent by someone else, a tiny transfer
//! from an address that imitates the wallet's real counterparty, an unlimited approval to an
//! unknown spender. Each must be flagged with its reason, and no genuine token flagged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support::{bytecode, Anvil, Driver, FaultProxy, Faults};
use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, U256};
use serde_json::{json, Value};
use std::process::Command;

alloy::sol! {
    interface IScanToken {
        function mint(address to, uint256 amount) external;
        function transfer(address to, uint256 amount) external returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
    }
}

/// The wallet's real counterparty, and its twin: same first four and last four hex digits.
const FRIEND: &str = "0xabcd1111111111111111111111111111111199f0";
const TWIN: &str = "0xabcd2222222222222222222222222222222299f0";
const UNKNOWN_SPENDER: &str = "0x5bad000000000000000000000000000000000bad";
const KNOWN_SPENDER: &str = "0x600d00000000000000000000000000000000600d";

struct Chain {
    anvil: Anvil,
    wallet: Address,
    usdc: Address,
    weth: Address,
    lure: Address,
    fake: Address,
    honey: Address,
    odd: Address,
    bought: Address,
    dir: tempfile::TempDir,
}

fn a(s: &str) -> Address {
    s.parse().unwrap()
}

fn ok_tx(d: &Driver, from: Address, to: Address, data: Vec<u8>) {
    let h = d.send(from, Some(to), data, U256::ZERO);
    d.expect_success(&[h]);
}

fn plant() -> Chain {
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let accounts = d.accounts();
    let (deployer, attacker, wallet) = (accounts[0], accounts[1], accounts[5]);
    let token = |name: &str, symbol: &str| {
        let args = (name.to_string(), symbol.to_string()).abi_encode_params();
        d.deploy(deployer, bytecode("TestToken"), args).0
    };
    let usdc = token("USD Coin", "USDC");
    let weth = token("Wrapped Ether", "WETH");
    let lure = token("Visit usdc-rewards.io to claim your bonus", "RWD");
    // A Cyrillic "Ѕ" in place of the Latin "S".
    let fake = token("Circle Dollar", "UЅDC");
    let args = ("Honey".to_string(), "HNY".to_string()).abi_encode_params();
    let honey = d.deploy(deployer, bytecode("HoneypotToken"), args).0;
    // name() reverts, symbol() is a bytes32: described as well as it can be, and movable.
    let odd = d.deploy(deployer, bytecode("OddToken"), Vec::new()).0;
    // Not on the list, but the wallet got it in a transaction of its own (as from a swap).
    let bought = token("Plain Token", "PLN");

    let mint = |t: Address, to: Address, amount: u64| {
        let data = IScanToken::mintCall {
            to,
            amount: U256::from(amount),
        }
        .abi_encode();
        ok_tx(&d, deployer, t, data);
    };
    mint(usdc, wallet, 1_000_000_000);
    mint(weth, wallet, 5_000_000);
    mint(lure, wallet, 1_000);
    mint(fake, wallet, 1_000_000);
    mint(honey, wallet, 777);
    mint(odd, wallet, 3);
    let own = IScanToken::mintCall {
        to: wallet,
        amount: U256::from(50u64),
    };
    ok_tx(&d, wallet, bought, own.abi_encode());

    // The wallet pays its friend: the friend becomes a real counterparty.
    let pay = IScanToken::transferCall {
        to: a(FRIEND),
        amount: U256::from(100_000_000u64),
    };
    ok_tx(&d, wallet, usdc, pay.abi_encode());
    // Poisoning 1: someone else moves zero USDC "from" the wallet to the twin.
    let zero = IScanToken::transferFromCall {
        from: wallet,
        to: a(TWIN),
        amount: U256::ZERO,
    };
    ok_tx(&d, attacker, usdc, zero.abi_encode());
    // Poisoning 2: the twin sends the wallet a tiny amount, from its own address.
    mint(usdc, a(TWIN), 10);
    let _: Value = d.call("anvil_impersonateAccount", json!([TWIN]));
    let _: Value = d.call("anvil_setBalance", json!([TWIN, "0xde0b6b3a7640000"]));
    let tiny = IScanToken::transferCall {
        to: wallet,
        amount: U256::from(1),
    };
    ok_tx(&d, a(TWIN), usdc, tiny.abi_encode());
    // Approvals: unlimited to a stranger, limited to a known spender, one granted and revoked.
    let approve = |t: Address, spender: &str, amount: U256| {
        let data = IScanToken::approveCall {
            spender: a(spender),
            amount,
        }
        .abi_encode();
        ok_tx(&d, wallet, t, data);
    };
    approve(usdc, UNKNOWN_SPENDER, U256::MAX);
    approve(weth, KNOWN_SPENDER, U256::from(500));
    approve(weth, UNKNOWN_SPENDER, U256::from(9));
    approve(weth, UNKNOWN_SPENDER, U256::ZERO);
    d.mine_empty(30);

    let dir = tempfile::tempdir().unwrap();
    let list = json!({
        "name": "test list",
        "tokens": [
            { "chainId": 31337, "address": usdc, "symbol": "USDC", "name": "USD Coin", "decimals": 6 },
            { "chainId": 31337, "address": weth, "symbol": "WETH", "name": "Wrapped Ether", "decimals": 18 },
            // The counterfeit is listed, but on another chain: that must not count here.
            { "chainId": 1, "address": fake, "symbol": "UЅDC", "name": "Circle Dollar", "decimals": 18 }
        ]
    });
    std::fs::write(dir.path().join("list.json"), list.to_string()).unwrap();
    std::fs::write(
        dir.path().join("known.txt"),
        format!("# my vault\n{KNOWN_SPENDER}\n"),
    )
    .unwrap();
    Chain {
        anvil,
        wallet,
        usdc,
        weth,
        lure,
        fake,
        honey,
        odd,
        bought,
        dir,
    }
}

/// Runs `airdrop scan`; (exit code, stdout, stderr).
fn scan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}

fn scan_json(c: &Chain, rpc: &str, wallet: Address) -> (i32, Value) {
    let list = c.dir.path().join("list.json");
    let known = c.dir.path().join("known.txt");
    let wallet = wallet.to_string();
    let (code, out, err) = scan(&[
        &wallet,
        "--rpc",
        rpc,
        "--token-list",
        list.to_str().unwrap(),
        "--known",
        known.to_str().unwrap(),
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, v)
}

fn codes(f: &Value) -> Vec<String> {
    f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

fn token_finding(v: &Value, t: Address) -> &Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["subject"]["kind"] == "token" && a(f["subject"]["address"].as_str().unwrap()) == t
        })
        .unwrap_or_else(|| panic!("no finding for token {t}: {v:#}"))
}

fn findings_of<'a>(v: &'a Value, kind: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["kind"] == kind)
        .collect()
}

#[test]
fn scan_flags_every_planted_scam_and_no_genuine_token() {
    let c = plant();
    let d = Driver::new(&c.anvil.url);
    let (head, nonce): (u64, U256) = (
        d.block_number(),
        d.call("eth_getTransactionCount", json!([c.wallet, "latest"])),
    );
    let (code, v) = scan_json(&c, &c.anvil.url, c.wallet);
    // Read-only: no block mined, the wallet's nonce untouched.
    assert_eq!(d.block_number(), head);
    let after: U256 = d.call("eth_getTransactionCount", json!([c.wallet, "latest"]));
    assert_eq!(after, nonce);
    assert_eq!(code, 3, "a scam was found: exit code 3");

    for genuine in [c.usdc, c.weth, c.bought] {
        let f = token_finding(&v, genuine);
        assert_eq!(f["verdict"], "ok", "{f:#}");
        assert!(codes(f).is_empty(), "{f:#}");
    }
    let lure = token_finding(&v, c.lure);
    assert_eq!(lure["verdict"], "scam");
    assert!(codes(lure).contains(&"lure".to_owned()), "{lure:#}");
    assert!(
        lure.to_string().contains("usdc-rewards.io"),
        "the reason names the domain"
    );
    let fake = token_finding(&v, c.fake);
    assert_eq!(fake["verdict"], "scam");
    assert!(
        codes(fake).contains(&"impersonation".to_owned()),
        "{fake:#}"
    );
    assert!(
        codes(fake).contains(&"not-on-list".to_owned()),
        "a list entry of chain 1 does not count"
    );
    let honey = token_finding(&v, c.honey);
    assert_eq!(honey["verdict"], "scam");
    assert_eq!(codes(honey), vec!["not-on-list", "honeypot"], "{honey:#}");
    assert!(
        honey.to_string().contains("trading is not enabled"),
        "the revert reason is kept"
    );

    let odd = token_finding(&v, c.odd);
    assert_eq!(odd["verdict"], "suspicious", "{odd:#}");
    assert_eq!(
        odd["subject"]["symbol"], "ODD",
        "the bytes32 symbol is read"
    );
    assert_eq!(
        codes(odd),
        vec!["not-on-list", "unreadable-metadata"],
        "{odd:#}"
    );
    assert!(
        odd.to_string().contains("no name"),
        "the revert reason is said"
    );

    let transfers = findings_of(&v, "transfer");
    let zero = transfers
        .iter()
        .find(|f| codes(f).contains(&"zero-value-poisoning".to_owned()))
        .expect("the zero-value transferFrom is flagged");
    assert_eq!(a(zero["subject"]["to"].as_str().unwrap()), a(TWIN));
    assert_eq!(zero["verdict"], "scam");
    assert!(
        codes(zero).contains(&"lookalike-address".to_owned()),
        "its recipient is the twin"
    );
    let tiny = transfers
        .iter()
        .find(|f| f["subject"]["from"].as_str().map(a) == Some(a(TWIN)))
        .expect("the tiny transfer from the twin is flagged");
    assert_eq!(codes(tiny), vec!["lookalike-address"]);
    assert!(
        tiny.to_string().contains(&a(FRIEND).to_string()),
        "the reason names the real counterparty"
    );
    assert_eq!(
        transfers.len(),
        2,
        "the wallet's own payment is not flagged: {transfers:#?}"
    );

    let approvals = findings_of(&v, "approval");
    assert_eq!(
        approvals.len(),
        1,
        "known and revoked spenders are not flagged: {approvals:#?}"
    );
    assert_eq!(
        a(approvals[0]["subject"]["spender"].as_str().unwrap()),
        a(UNKNOWN_SPENDER)
    );
    assert_eq!(
        a(approvals[0]["subject"]["token"].as_str().unwrap()),
        c.usdc
    );
    assert!(approvals[0].to_string().contains("UNLIMITED"));

    // The same report when the node refuses ranges over 4 blocks: the log windows are split.
    let proxy = FaultProxy::start(
        &c.anvil.url,
        Faults {
            max_log_range: 4,
            ..Faults::none()
        },
        1,
    );
    let (code2, v2) = scan_json(&c, &proxy.url, c.wallet);
    assert_eq!(code2, 3);
    assert_eq!(v2["findings"], v["findings"]);
    assert!(
        proxy
            .stats
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0,
        "the proxy refused ranges"
    );

    // With no simulation budget the honeypot cannot be told; the report says it was not tried.
    let (_, out, _) = scan(&[
        &c.wallet.to_string(),
        "--rpc",
        &c.anvil.url,
        "--max-simulations",
        "0",
        "--json",
    ]);
    let v3: Value = serde_json::from_str(&out).unwrap();
    assert!(!codes(token_finding(&v3, c.honey)).contains(&"honeypot".to_owned()));
    let probe = &v3["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["address"].as_str().map(a) == Some(c.honey))
        .unwrap()["probe"];
    assert_eq!(probe["kind"], "not-tried", "{probe}");
    assert!(
        probe["detail"]
            .as_str()
            .unwrap()
            .contains("--max-simulations"),
        "{probe}"
    );

    // The text report: grouped by verdict, each reason on its own line.
    let wallet = c.wallet.to_string();
    let list = c.dir.path().join("list.json");
    let (code, text, _) = scan(&[
        &wallet,
        "--rpc",
        &c.anvil.url,
        "--token-list",
        list.to_str().unwrap(),
    ]);
    assert_eq!(code, 3);
    let (scam, suspicious, ok) = (
        text.find("\nSCAM (").unwrap(),
        text.find("\nSUSPICIOUS (").unwrap(),
        text.find("\nOK (").unwrap(),
    );
    assert!(scam < suspicious && suspicious < ok, "{text}");
    assert!(
        text[..suspicious].contains("    - honeypot: a simulated transfer"),
        "{text}"
    );
    assert!(text[ok..].contains("USDC (USD Coin)"), "{text}");
    assert!(
        text.contains("may spend an unlimited amount of USDC"),
        "{text}"
    );

    // User errors: a clear message and exit code 1, never a panic.
    let bad_list = c.dir.path().join("bad.json");
    std::fs::write(&bad_list, "{\"tokens\": 5}").unwrap();
    for (args, needle) in [
        (vec!["--from-block", "10", "--to-block", "5"], "swap them"),
        (vec!["--to-block", "999999"], "is in the future"),
        (
            vec!["--token-list", bad_list.to_str().unwrap()],
            "bad.json: not a token list",
        ),
        (
            vec!["--lookalike-chars", "0"],
            "--lookalike-chars 0 is out of range",
        ),
    ] {
        let mut all = vec![wallet.as_str(), "--rpc", c.anvil.url.as_str()];
        all.extend(args);
        let (code, _, err) = scan(&all);
        assert_eq!(code, 1, "{all:?}: {err}");
        assert!(err.contains(needle), "{all:?}: {err}");
    }

    // The friend received only a listed token from a real payment: nothing flagged, exit 0.
    let (code, text, err) = scan(&[
        FRIEND,
        "--rpc",
        &c.anvil.url,
        "--token-list",
        list.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text} {err}");
    assert!(text.contains("nothing flagged"), "{text}");
}

#[test]
fn scan_refuses_secrets_without_echoing_them() {
    let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let (code, out, err) = scan(&[key, "--rpc", "http://127.0.0.1:9"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("private key") && err.contains("No genuine airdrop ever needs"),
        "{err}"
    );
    assert!(!err.contains(key) && !out.contains(key) && !err.contains(&key[..16]));

    let phrase = "test test test test test test test test test test test junk";
    let mut args: Vec<&str> = phrase.split(' ').collect();
    args.extend(["--rpc", "http://127.0.0.1:9"]);
    let (code, out, err) = scan(&args);
    assert_ne!(code, 0);
    assert!(err.contains("recovery phrase"), "{err}");
    assert!(!err.contains("junk") && !out.contains("junk"), "{err}");

    let (code, _, err) = scan(&["0x12", "--rpc", "http://127.0.0.1:9"]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid address"), "{err}");
}

/// Timing of a scan of a wallet spammed with `SPAM` unsolicited tokens, straight to anvil and
/// through a proxy that refuses log ranges over 16 blocks, in the same run (figures in
/// docs/performance.md). `cargo test -p airdrop-cli --test it scan_timing -- --ignored --nocapture`
#[test]
#[ignore = "timing, run by hand"]
fn scan_timing() {
    const SPAM: usize = 200;
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let accounts = d.accounts();
    let (deployer, wallet) = (accounts[0], accounts[5]);
    let started = std::time::Instant::now();
    for i in 0..SPAM {
        let args = (format!("Spam {i}"), format!("SP{i}")).abi_encode_params();
        let t = d.deploy(deployer, bytecode("TestToken"), args).0;
        let data = IScanToken::mintCall {
            to: wallet,
            amount: U256::from(1000),
        }
        .abi_encode();
        ok_tx(&d, deployer, t, data);
    }
    eprintln!(
        "planted {SPAM} tokens in {:?}, head {}",
        started.elapsed(),
        d.block_number()
    );
    let proxy = FaultProxy::start(
        &anvil.url,
        Faults {
            max_log_range: 16,
            ..Faults::none()
        },
        1,
    );
    let w = wallet.to_string();
    for (label, url, sims) in [
        ("direct, 50 simulations", anvil.url.as_str(), "50"),
        ("direct, 0 simulations", anvil.url.as_str(), "0"),
        ("direct, 200 simulations", anvil.url.as_str(), "200"),
        (
            "proxy <=16 blocks, 50 simulations",
            proxy.url.as_str(),
            "50",
        ),
    ] {
        let t = std::time::Instant::now();
        let (code, out, err) = scan(&[&w, "--rpc", url, "--max-simulations", sims, "--json"]);
        let took = t.elapsed();
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        assert_eq!(code, 0, "no list and plain names: nothing to flag");
        eprintln!(
            "{label}: {:?} for {} findings",
            took,
            v["findings"].as_array().unwrap().len()
        );
    }
    eprintln!(
        "proxy refused {} log ranges",
        proxy
            .stats
            .refused
            .load(std::sync::atomic::Ordering::Relaxed)
    );
}
