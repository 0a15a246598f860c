//! `airdrop push` against a real anvil: hundreds of recipients paid by BatchSender with every
//! balance checked, `push status`, a second run that sends nothing, bad inputs refused before any
//! transaction, and the crash test: 2 000 recipients while the pushing process is SIGKILLed at
//! random moments (one of them between signing and sending) and restarted until it finishes;
//! then every balance equals its allocation exactly and the ledger agrees with the chain.
//!
//! Keys are anvil's dev keys, derived at run time from its well-known mnemonic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support;

use airdrop_store::{BatchState, PushLedger};
use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{keccak256, Address, B256, U256};
use serde_json::{json, Value};
use snapshot_support::chain::{build_flat, hexu, mint, push_args, receipt, tokens, TokenChain};
use snapshot_support::cli::{dev, key_hex};
use snapshot_support::state::{fails, ok, state_file, state_of};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const KEY: &str = "PUSH_TEST_KEY";

fn ledger_of(bundle: &Path) -> PathBuf {
    state_file(bundle, "push-ledger.sqlite")
}

type Chain = TokenChain;

impl Chain {
    /// `who`'s balance of the chain's token.
    fn paid(&self, who: Address) -> U256 {
        self.balance(self.token, who)
    }
}

fn recipients(n: u64, salt: u64) -> Vec<Address> {
    (0..n)
        .map(|i| Address::from_word(keccak256((salt, i).abi_encode())))
        .collect()
}

/// A flat campaign over `who` for the chain's token, built with `airdrop build`.
fn build_bundle(
    root: &Path,
    name: &str,
    chain_id: u64,
    token: Address,
    who: &[Address],
    budget: u64,
) -> PathBuf {
    build_with(root, name, (chain_id, token), who, budget, "")
}

/// Builds (again) the campaign folder of a bundle made by [`build_bundle`] into the same place.
fn rebuild(bundle: &Path) {
    let spec = bundle.parent().unwrap().join("campaign.toml");
    ok(
        &[
            "build",
            spec.to_str().unwrap(),
            "--out",
            bundle.to_str().unwrap(),
        ],
        &[],
    );
}

/// [`build_bundle`] with `extra` appended to the spec (a `[claim]` window, `[vesting]`).
fn build_with(
    root: &Path,
    name: &str,
    (chain_id, token): (u64, Address),
    who: &[Address],
    budget: u64,
    extra: &str,
) -> PathBuf {
    build_flat(
        &root.join(name),
        "Push Drop",
        (chain_id, token),
        who,
        &budget.to_string(),
        extra,
    )
}

/// (address, amount) of every claim of a bundle.
fn allocations(bundle: &Path) -> Vec<(Address, U256)> {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("claims.json")).unwrap())
            .unwrap();
    v["claims"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, c)| {
            (
                k.parse().unwrap(),
                U256::from_str_radix(c["amount"].as_str().unwrap().trim_start_matches("0x"), 16)
                    .unwrap(),
            )
        })
        .collect()
}

fn bundle_total(bundle: &Path) -> U256 {
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
            .unwrap();
    m["total"].as_str().unwrap().parse().unwrap()
}

/// Every batch confirmed; each one's receipt succeeded and its Transfer logs pay exactly its
/// recipients; the confirmed totals add up to the bundle's total. Returns gas used per batch.
fn ledger_agrees_with_chain(c: &Chain, bundle: &Path) -> Vec<(u64, u64)> {
    let l = PushLedger::open(&ledger_of(bundle)).unwrap();
    let run = l.run().unwrap().unwrap();
    let bs: Address = run.batch_sender.unwrap().parse().unwrap();
    let transfer = keccak256("Transfer(address,address,uint256)");
    let batch_sent = keccak256("BatchSent(address,address,uint256,uint256)");
    let mut sum = U256::ZERO;
    let mut nonces = std::collections::HashSet::new();
    let mut gas = Vec::new();
    for b in l.batches().unwrap() {
        assert_eq!(b.state, BatchState::Confirmed, "batch {b:?}");
        assert!(
            nonces.insert(b.nonce.unwrap()),
            "nonce reused by two confirmed batches"
        );
        let r = receipt(&c.d, b.tx_hash.as_deref().unwrap());
        assert_eq!(r["status"], json!("0x1"), "{r}");
        assert_eq!(hexu(&r["blockNumber"]), b.block.unwrap());
        let logs = r["logs"].as_array().unwrap();
        let paid: Vec<(Address, U256)> = logs
            .iter()
            .filter(|g| g["topics"][0].as_str().unwrap().parse::<B256>().unwrap() == transfer)
            .filter(|g| Address::from_word(g["topics"][1].as_str().unwrap().parse().unwrap()) == bs)
            .map(|g| {
                (
                    Address::from_word(g["topics"][2].as_str().unwrap().parse().unwrap()),
                    U256::from_str_radix(g["data"].as_str().unwrap().trim_start_matches("0x"), 16)
                        .unwrap(),
                )
            })
            .collect();
        let want: Vec<(Address, U256)> = l
            .recipients(b.id)
            .unwrap()
            .iter()
            .map(|p| (p.address.parse().unwrap(), p.amount.parse().unwrap()))
            .collect();
        assert_eq!(paid, want, "batch {} logs", b.id);
        assert_eq!(
            logs.iter()
                .filter(|g| g["topics"][0].as_str().unwrap().parse::<B256>().unwrap() == batch_sent)
                .count(),
            1
        );
        sum += b.total.parse::<U256>().unwrap();
        gas.push((b.count, b.gas_used.unwrap()));
    }
    assert_eq!(sum, bundle_total(bundle));
    gas
}

fn balances_exact(c: &Chain, bundle: &Path) {
    for (who, amount) in allocations(bundle) {
        assert_eq!(c.paid(who), amount, "balance of {who}");
    }
}

#[test]
fn push_hundreds_status_and_rerun() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let env = [(KEY, key_hex(&sender))];
    let who = recipients(300, 1);
    let bundle = build_bundle(tmp.path(), "drop", 31337, c.token, &who, 3000);
    let b = bundle.to_str().unwrap();
    let url = c.url.as_str();

    // Dry run: figures, nothing sent, no ledger.
    let n0 = c.nonce(sender.address());
    let out = ok(&push_args(b, url, KEY, &["--dry-run"]), &env);
    assert!(
        out.contains("gas") && out.contains("ETH") && out.contains("300"),
        "{out}"
    );
    assert_eq!(c.nonce(sender.address()), n0);
    assert!(!bundle.join("push-ledger.sqlite").exists());
    assert!(!ledger_of(&bundle).exists());

    let started = Instant::now();
    let out = ok(&push_args(b, url, KEY, &["--batch-size", "128"]), &env);
    let secs = started.elapsed().as_secs_f64();
    eprintln!("{out}");
    balances_exact(&c, &bundle);
    let gas = ledger_agrees_with_chain(&c, &bundle);
    assert_eq!(gas.len(), 3);
    let (n, g) = gas[0];
    eprintln!("BENCH fresh: batch of {n}: {g} gas, {:.0} gas per recipient; 300 recipients pushed in {secs:.2}s ({:.0}/s, incl. deploy + approve + process start)", g as f64 / n as f64, 300.0 / secs);

    // Status, text and JSON.
    let out = ok(&["push", "status", "--bundle", b], &[]);
    assert!(
        out.contains("confirmed") && out.contains("300 recipients"),
        "{out}"
    );
    let v: Value =
        serde_json::from_str(&ok(&["push", "status", "--bundle", b, "--json"], &[])).unwrap();
    assert_eq!(v["recipients_paid"], json!(300));
    assert_eq!(v["recipients_remaining"], json!(0));
    assert_eq!(v["states"]["confirmed"], json!(3));
    assert_eq!(
        v["amount_paid"].as_str().unwrap(),
        bundle_total(&bundle).to_string()
    );

    // A second run is a no-op.
    let n1 = c.nonce(sender.address());
    let out = ok(
        &["push", "--bundle", b, "--rpc", url, "--key-env", KEY],
        &env,
    );
    assert!(out.contains("nothing to do"), "{out}");
    assert_eq!(c.nonce(sender.address()), n1);
    balances_exact(&c, &bundle);

    // Existing holders: another bundle (other amounts, so another root) to the same people.
    // The chain shows this sender already sent them this token: a second campaign to the same
    // people is an explicit choice.
    let again = build_bundle(tmp.path(), "again", 31337, c.token, &who, 1500);
    let before: Vec<U256> = who.iter().map(|w| c.paid(*w)).collect();
    let mut push_again = vec![
        "push",
        "--bundle",
        again.to_str().unwrap(),
        "--rpc",
        url,
        "--key-env",
        KEY,
        "--batch-size",
        "128",
    ];
    let n2 = c.nonce(sender.address());
    fails(
        &push_again,
        &env,
        "already sent 300 of this bundle's 300 recipients other amounts of this token",
    );
    assert_eq!(c.nonce(sender.address()), n2);
    push_again.push("--pay-again-i-know");
    ok(&push_again, &env);
    for ((w, amount), _) in allocations(&again).into_iter().zip(0..) {
        let i = who.iter().position(|x| *x == w).unwrap();
        assert_eq!(c.paid(w), before[i] + amount);
    }
    let gas = ledger_agrees_with_chain(&c, &again);
    let (n, g) = gas[0];
    eprintln!(
        "BENCH existing: batch of {n}: {g} gas, {:.0} gas per recipient",
        g as f64 / n as f64
    );

    // The ledger of one bundle is refused for another.
    fails(
        &push_args(
            b,
            url,
            KEY,
            &["--ledger", ledger_of(&again).to_str().unwrap()],
        ),
        &env,
        "belongs to another push",
    );
}

/// Amounts past 96 bits cannot be packed: the batch goes through `sendERC20` (two words per
/// recipient) and pays exactly, while a normal bundle's batches go packed.
#[test]
fn push_wide_amounts_take_the_wide_path() {
    use airdrop_chain::distribution::BatchSender;
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let env = [(KEY, key_hex(&sender))];
    mint(
        &c.d,
        c.token,
        sender.address(),
        sender.address(),
        U256::from(1u8) << 110,
    );
    let input_selector = |bundle: &Path| {
        let l = PushLedger::open(&ledger_of(bundle)).unwrap();
        l.batches()
            .unwrap()
            .iter()
            .map(|b| {
                let tx: Value = c.d.call(
                    "eth_getTransactionByHash",
                    json!([b.tx_hash.as_deref().unwrap()]),
                );
                tx["input"].as_str().unwrap()[..10].to_string()
            })
            .collect::<Vec<_>>()
    };
    let hex = |s: [u8; 4]| format!("0x{}", alloy_primitives::hex::encode(s));
    // 1e11 tokens of 18 decimals each: 1e29 base units, past 2^96 (about 7.9e28).
    let wide = build_bundle(
        tmp.path(),
        "wide",
        31337,
        c.token,
        &recipients(5, 40),
        500_000_000_000,
    );
    assert!(allocations(&wide)
        .iter()
        .all(|a| a.1 > U256::from(1u8) << 96));
    let w = wide.to_str().unwrap();
    ok(&push_args(w, &c.url, KEY, &["--batch-size", "2"]), &env);
    balances_exact(&c, &wide);
    assert_eq!(ledger_agrees_with_chain(&c, &wide).len(), 3);
    assert!(input_selector(&wide)
        .iter()
        .all(|s| *s == hex(BatchSender::sendERC20Call::SELECTOR)));
    // The same recipients' size of amounts that fit: packed.
    let narrow = build_bundle(
        tmp.path(),
        "narrow",
        31337,
        c.token,
        &recipients(5, 41),
        500,
    );
    let n = narrow.to_str().unwrap();
    ok(&push_args(n, &c.url, KEY, &["--batch-size", "2"]), &env);
    balances_exact(&c, &narrow);
    assert_eq!(ledger_agrees_with_chain(&c, &narrow).len(), 3);
    assert!(input_selector(&narrow)
        .iter()
        .all(|s| *s == hex(BatchSender::sendERC20PackedCall::SELECTOR)));
}

#[test]
fn push_bad_inputs_send_nothing() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let url = c.url.as_str();
    let who = recipients(20, 2);
    // Underfunded: dev(3) has ETH but no tokens.
    let poor = dev(3);
    let env = [(KEY, key_hex(&poor))];
    let bundle = build_bundle(tmp.path(), "poor", 31337, c.token, &who, 100);
    let n0 = c.nonce(poor.address());
    let err = fails(
        &push_args(bundle.to_str().unwrap(), url, KEY, &[]),
        &env,
        "underfunded",
    );
    assert!(err.contains("100") && err.contains(" 0 TT"), "{err}");
    assert_eq!(c.nonce(poor.address()), n0);
    // Wrong chain id.
    let rich = dev(0);
    let env = [(KEY, key_hex(&rich))];
    let bundle = build_bundle(tmp.path(), "mainnet", 1, c.token, &who, 100);
    let n0 = c.nonce(rich.address());
    fails(
        &push_args(bundle.to_str().unwrap(), url, KEY, &[]),
        &env,
        "chain id mismatch",
    );
    assert_eq!(c.nonce(rich.address()), n0);
    // Missing key.
    fails(
        &push_args(bundle.to_str().unwrap(), url, "PUSH_TEST_NO_SUCH_VAR", &[]),
        &[],
        "is not set",
    );
}

/// Issue 9, items 2: a rebuild of a pushed campaign pays nobody again — with the state folder
/// (its ledger says all is paid), with an older version's ledger inside the bundle, and with
/// no ledger at all (the chain's own logs show the payments).
#[test]
fn push_after_rebuild_pays_nothing() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let env = [(KEY, key_hex(&sender))];
    let who = recipients(40, 11);
    let bundle = build_bundle(tmp.path(), "rebuilt", 31337, c.token, &who, 400);
    let b = bundle.to_str().unwrap();
    let push = [
        "push",
        "--bundle",
        b,
        "--rpc",
        &c.url,
        "--key-env",
        KEY,
        "--batch-size",
        "16",
    ];
    ok(&push, &env);
    balances_exact(&c, &bundle);
    let root_before = bundle_total(&bundle);

    // The same campaign rebuilt: the ledger lives in the state folder, not in the bundle.
    rebuild(&bundle);
    assert_eq!(bundle_total(&bundle), root_before);
    let n = c.nonce(sender.address());
    let out = ok(&push, &env);
    assert!(
        out.contains("nothing to do: all 3 batches are confirmed"),
        "{out}"
    );
    assert_eq!(c.nonce(sender.address()), n);
    balances_exact(&c, &bundle);

    // A bundle pushed by an older version carries its ledger inside: it is read there, and a
    // rebuild keeps it (the build deletes only files it wrote).
    std::fs::rename(ledger_of(&bundle), bundle.join("push-ledger.sqlite")).unwrap();
    rebuild(&bundle);
    let v: Value =
        serde_json::from_str(&ok(&["push", "status", "--bundle", b, "--json"], &[])).unwrap();
    assert_eq!(v["recipients_paid"], json!(40));
    assert!(v["ledger"].as_str().unwrap().starts_with(b), "{v}");
    let out = ok(&push, &env);
    assert!(out.contains("nothing to do"), "{out}");
    assert_eq!(c.nonce(sender.address()), n);

    // No ledger anywhere (state folder deleted, old ledger gone): the chain alone stops it.
    std::fs::remove_file(bundle.join("push-ledger.sqlite")).unwrap();
    std::fs::remove_dir_all(state_of(&bundle)).unwrap();
    let err = fails(
        &push,
        &env,
        "already paid 40 of this bundle's 40 recipients their exact amounts",
    );
    assert!(err.contains("--pay-again-i-know"), "{err}");
    let mut dry = push.to_vec();
    dry.push("--dry-run");
    fails(&dry, &env, "already paid 40 of this bundle's 40 recipients");
    assert_eq!(c.nonce(sender.address()), n);
    balances_exact(&c, &bundle);
    assert!(!ledger_of(&bundle).exists());
}

/// Issue 9, items 2–4: a deployed bundle is not deployed again after a rebuild (record, then
/// the chain alone), nor pushed; a pushed bundle is not deployed; a bundle without a claim
/// window is deployed only with `--no-deadline`, and its dry run says clawback is impossible.
#[test]
fn deploy_and_push_refuse_each_other() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let env = [(KEY, key_hex(&sender))];
    let url = c.url.as_str();
    let window = "\n[vesting]\nunlocked = \"25%\"\ncliff = \"1d\"\nduration = \"10d\"\n\n[claim]\nstart = \"2020-01-01T00:00:00Z\"\ndeadline = \"2099-01-01T00:00:00Z\"\n";
    let who = recipients(8, 12);
    let deployed = build_with(tmp.path(), "deployed", (31337, c.token), &who, 80, window);
    let d = deployed.to_str().unwrap();
    fn cmd<'a>(what: &'a str, b: &'a str, url: &'a str) -> Vec<&'a str> {
        vec![what, "--bundle", b, "--rpc", url, "--key-env", KEY]
    }
    let deploy = |b| cmd("deploy", b, url);
    let push = |b| cmd("push", b, url);
    ok(&deploy(d), &env);
    let n = c.nonce(sender.address());

    rebuild(&deployed);
    fails(
        &deploy(d),
        &env,
        "this bundle is already deployed on chain 31337",
    );
    // Pushing it would pay recipients who can claim (vesting ignored): refused by the record…
    fails(&push(d), &env, "this bundle is deployed: distributor");
    // …and by the chain alone once every record is gone. The distributor is a clone at an
    // address that follows from the bundle: `deploy` finds it there and records it again
    // (nothing sent); another kind of distributor for the root (here the full contract) is
    // refused because of it.
    let forget = || {
        std::fs::remove_dir_all(state_of(&deployed)).unwrap();
        std::fs::remove_file(deployed.join("deployment.json")).unwrap();
    };
    forget();
    let dist = {
        let out = ok(&deploy(d), &env);
        let rec: Value = serde_json::from_str(
            &std::fs::read_to_string(deployed.join("deployment.json")).unwrap(),
        )
        .unwrap();
        let dist = rec["distributor"].as_str().unwrap().to_string();
        assert!(out.contains(&dist), "{out}");
        dist
    };
    forget();
    let mut full = deploy(d);
    full.push("--full");
    let err = fails(&full, &env, "already deployed distributor");
    assert!(
        err.contains("--pay-again-i-know") && err.contains(&dist),
        "{err}"
    );
    fails(&push(d), &env, "this bundle is deployed: 0x");
    assert_eq!(c.nonce(sender.address()), n);
    assert!(who.iter().all(|w| c.paid(*w) == U256::ZERO));

    // Pushed, then deploy: refused by the ledger, then by the chain alone.
    let pushed = build_bundle(tmp.path(), "pushed", 31337, c.token, &recipients(8, 13), 80);
    let p = pushed.to_str().unwrap();
    ok(&push(p), &env);
    let n = c.nonce(sender.address());
    let mut no_deadline = deploy(p);
    no_deadline.push("--no-deadline");
    fails(
        &no_deadline,
        &env,
        "this bundle was pushed: the push ledger",
    );
    std::fs::remove_dir_all(state_of(&pushed)).unwrap();
    fails(
        &no_deadline,
        &env,
        "this bundle was pushed: the chain shows",
    );
    assert_eq!(c.nonce(sender.address()), n);
    balances_exact(&c, &pushed);

    // No [claim]: an explicit choice, and the dry run says what it means.
    let open = build_bundle(tmp.path(), "open", 31337, c.token, &recipients(4, 14), 40);
    let o = open.to_str().unwrap();
    fails(&deploy(o), &env, "the bundle has no [claim] window");
    let mut dry = deploy(o);
    dry.push("--dry-run");
    let out = ok(&dry, &env);
    assert!(
        out.contains("clawback will be impossible") && out.contains("--no-deadline"),
        "{out}"
    );
    assert_eq!(c.nonce(sender.address()), n);
    let mut go = deploy(o);
    go.push("--no-deadline");
    let out = ok(&go, &env);
    assert!(out.contains("distributor"), "{out}");
    assert_eq!(c.nonce(sender.address()), n + 2);

    // A corrected campaign (another root) rebuilt into the same folder: the old bundle's copy
    // of its record is kept by the build, is not taken for the new bundle's, and is moved
    // aside (not overwritten) when the new one is deployed.
    let old_record = std::fs::read(open.join("deployment.json")).unwrap();
    let spec = open.parent().unwrap().join("campaign.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("budget = \"40\"", "budget = \"44\"")).unwrap();
    rebuild(&open);
    assert_eq!(
        std::fs::read(open.join("deployment.json")).unwrap(),
        old_record
    );
    fails(
        &["status", "--bundle", o, "--rpc", url],
        &[],
        "no deployment record for root",
    );
    ok(&go, &env);
    assert_eq!(c.nonce(sender.address()), n + 4);
    let old: Value = serde_json::from_slice(&old_record).unwrap();
    let old_dist = old["distributor"].as_str().unwrap();
    let aside = open.join(format!("deployment-{}.json", old_dist.to_lowercase()));
    assert_eq!(std::fs::read(aside).unwrap(), old_record);
    let new: Value =
        serde_json::from_str(&std::fs::read_to_string(open.join("deployment.json")).unwrap())
            .unwrap();
    assert_ne!(new["distributor"], old["distributor"]);
}

/// Starts a push; returns the child and a channel of its stderr lines.
fn spawn_push(
    b: &str,
    url: &str,
    key: &str,
    pause_ms: u64,
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "push",
            "--bundle",
            b,
            "--rpc",
            url,
            "--key-env",
            KEY,
            "--batch-size",
            "50",
        ])
        .env(KEY, key)
        .env("AIRDROP_STATE_DIR", state_of(Path::new(b)))
        .env("AIRDROP_PUSH_PAUSE_AFTER_SIGN_MS", pause_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// A signed batch the node refuses (here: the sender's ETH is taken away between signing and
/// sending) is marked failed and re-planned, the push stops with the node's reason, and a rerun
/// after the cause is fixed pays everyone exactly once.
#[test]
fn push_refused_batch_is_replanned() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let key = key_hex(&sender);
    let who = recipients(120, 4);
    let bundle = build_bundle(tmp.path(), "refused", 31337, c.token, &who, 1200);
    let b = bundle.to_str().unwrap();
    let (mut child, lines) = spawn_push(b, &c.url, &key, 3000);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "no batch was signed");
        if let Ok(l) = lines.recv_timeout(Duration::from_millis(100)) {
            if l.starts_with("signed batch") {
                break;
            }
        }
    }
    let funds: U256 =
        c.d.call("eth_getBalance", json!([sender.address(), "latest"]));
    let _: Value =
        c.d.call("anvil_setBalance", json!([sender.address(), "0x0"]));
    let status = child.wait().unwrap();
    let err: Vec<String> = lines.iter().collect();
    let err = err.join("\n");
    assert!(!status.success(), "{err}");
    assert!(
        err.contains("the node refused it") && err.contains("re-planned"),
        "{err}"
    );
    let ledger = PushLedger::open(&ledger_of(&bundle)).unwrap();
    let batches = ledger.batches().unwrap();
    assert!(
        batches.iter().all(|b| b.state == BatchState::Planned),
        "{batches:?}"
    );
    assert!(who.iter().all(|w| c.paid(*w) == U256::ZERO));
    drop(ledger);

    let _: Value =
        c.d.call("anvil_setBalance", json!([sender.address(), funds]));
    ok(
        &["push", "--bundle", b, "--rpc", &c.url, "--key-env", KEY],
        &[(KEY, key)],
    );
    balances_exact(&c, &bundle);
    ledger_agrees_with_chain(&c, &bundle);
}

/// The crash test's seed: `AIRDROP_TEST_SEED` when set, so a failure replays, else a fresh
/// one; printed either way (the test harness shows it when the test fails).
fn test_seed() -> u64 {
    let seed = match std::env::var("AIRDROP_TEST_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("AIRDROP_TEST_SEED={text:?} is not an unsigned integer")),
        Err(_) => fastrand::u64(..),
    };
    eprintln!("seed = {seed}; replay with AIRDROP_TEST_SEED={seed}");
    seed
}

/// Kills `airdrop push` with SIGKILL again and again — once anywhere (around the BatchSender
/// deployment and the approval), at least once between a batch's signing and its sending, and
/// otherwise at random moments after a signed batch — until it finishes; then every recipient
/// must hold exactly their amount and the ledger must agree with the chain.
#[test]
fn push_survives_sigkill() {
    // First, so a bad AIRDROP_TEST_SEED fails before anvil starts.
    let seed = test_seed();
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let key = key_hex(&sender);
    let who = recipients(2000, 3);
    let bundle = build_bundle(tmp.path(), "big", 31337, c.token, &who, 1_000_000);
    let b = bundle.to_str().unwrap();
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut kills, mut kills_after_sign, mut runs) = (0, 0, 0);
    loop {
        runs += 1;
        assert!(
            runs < 40,
            "push did not finish after {runs} runs (seed {seed})"
        );
        let in_window = kills >= 2 && kills_after_sign == 0;
        let want_kill = kills < 6 || kills_after_sign == 0;
        let pause = if in_window { 5000 } else { 80 };
        let (mut child, lines) = spawn_push(b, &c.url, &key, pause);
        if want_kill {
            if runs == 1 {
                // Anywhere, including around the BatchSender deployment and the approval.
                std::thread::sleep(Duration::from_millis(rng.u64(50..600)));
            } else {
                // After the N-th signed batch, plus a random delay: sending, waiting, committing.
                let n = if in_window { 1 } else { rng.usize(1..3) };
                let mut seen = 0;
                let deadline = Instant::now() + Duration::from_secs(20);
                while seen < n && Instant::now() < deadline {
                    match lines.recv_timeout(Duration::from_millis(100)) {
                        Ok(l) if l.starts_with("signed batch") => seen += 1,
                        Ok(_) => {}
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            if child.try_wait().unwrap().is_some() {
                                break;
                            }
                        }
                        Err(_) => break,
                    }
                }
                if !in_window {
                    std::thread::sleep(Duration::from_millis(rng.u64(0..150)));
                }
            }
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                if in_window {
                    kills_after_sign += 1;
                }
                continue;
            }
        }
        // It finished on its own (the kill came too late, or no kill was wanted).
        let status = child.wait().unwrap();
        let rest: Vec<String> = lines.try_iter().collect();
        assert!(status.success(), "push failed: {}", rest.join("\n"));
        break;
    }
    eprintln!("crash test: {kills} SIGKILLs ({kills_after_sign} between signing and sending), {runs} runs, {:.1}s", started.elapsed().as_secs_f64());
    assert!(
        kills >= 5 && kills_after_sign >= 1,
        "{kills} kills, {kills_after_sign} after signing (seed {seed})"
    );
    balances_exact(&c, &bundle);
    ledger_agrees_with_chain(&c, &bundle);
    let v: Value =
        serde_json::from_str(&ok(&["push", "status", "--bundle", b, "--json"], &[])).unwrap();
    assert_eq!(v["recipients_paid"], json!(2000));
    assert_eq!(v["amount_remaining"], json!("0"));
}

/// Benchmark (run by `scripts/bench-distribution`, figures in docs/performance.md): pushes to
/// 5,000 fresh recipients in batches sized to anvil's block gas limit, then to the same 5,000
/// again (existing holders); prints gas per recipient and recipients per second (wall clock of
/// the whole `airdrop push` process, deploy and approval included).
#[test]
#[ignore = "benchmark: scripts/bench-distribution"]
fn bench_push_rate() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let env = [(KEY, key_hex(&dev(0)))];
    let who = recipients(5000, 7);
    for (name, total) in [("fresh", 500_000u64), ("existing", 250_000)] {
        let bundle = build_bundle(tmp.path(), name, 31337, c.token, &who, total);
        let started = Instant::now();
        ok(
            &[
                "push",
                "--bundle",
                bundle.to_str().unwrap(),
                "--rpc",
                &c.url,
                "--key-env",
                KEY,
                // The second round pays the same people on purpose.
                "--pay-again-i-know",
            ],
            &env,
        );
        let secs = started.elapsed().as_secs_f64();
        let gas = ledger_agrees_with_chain(&c, &bundle);
        let (n, g): (u64, u64) = gas
            .iter()
            .fold((0, 0), |(n, g), (bn, bg)| (n + *bn, g + *bg));
        eprintln!(
            "BENCH push {name}: {n} recipients in {} batches, {:.0} gas per recipient (batch transactions included), {secs:.2}s, {:.0} recipients/s",
            gas.len(),
            g as f64 / n as f64,
            n as f64 / secs
        );
    }
}

/// The engine's push called in process: a stage per phase, a done count that rises over the
/// batches, and a cancel raised after the first batch stops it before the next one is signed;
/// a second call resumes from the ledger and pays the rest, nobody twice.
#[test]
fn engine_push_reports_progress_and_stops_when_cancelled() {
    use airdrop_engine::distribution::{push, Bundle, PushInput, PushOutcome, StateDir};
    use airdrop_engine::{Cancel, Collect, EngineError, Event, Progress};
    use std::sync::Mutex;

    /// Raises the cancel flag once the first batch is confirmed.
    #[derive(Default)]
    struct CancelAfterFirst {
        cancel: Cancel,
        events: Mutex<Vec<Event>>,
    }
    impl Progress for CancelAfterFirst {
        fn event(&self, e: Event) {
            if matches!(&e, Event::Done { stage, done, .. } if stage == "batches" && *done > 0) {
                self.cancel.cancel();
            }
            self.events.lock().unwrap().push(e);
        }
    }

    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let sender = dev(0);
    let who = recipients(6, 7);
    let dir = build_bundle(tmp.path(), "cancel", 31337, c.token, &who, 60);
    let bundle = Bundle::load(&dir).unwrap();
    let state = StateDir::at(state_of(&dir));
    let input = || PushInput {
        bundle: &bundle,
        rpc: &c.url,
        signer: sender.clone(),
        ledger: None,
        state: &state,
        pay_again: false,
        since_block: None,
        batch_size: Some(2),
        batch_sender: None,
        receipt_timeout: Duration::from_secs(60),
        dry_run: false,
        pause_after_sign: None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let first = CancelAfterFirst::default();
    let err = rt
        .block_on(push(input(), &first, &first.cancel))
        .unwrap_err();
    assert!(matches!(err, EngineError::Cancelled), "{err}");
    let owed: Vec<(Address, U256)> = bundle
        .claims_in_order()
        .unwrap()
        .into_iter()
        .map(|(_, a, v)| (a, v))
        .collect();
    let paid = owed.iter().filter(|(a, _)| c.paid(*a) > U256::ZERO).count();
    assert_eq!(paid, 2, "one batch of two, then the cancel");
    let events = first.events.lock().unwrap().clone();
    let stages: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Stage { stage, .. } => Some(stage.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(stages, ["check", "plan", "reconcile", "approve", "batches"]);

    let rest = Collect::default();
    match rt.block_on(push(input(), &rest, &Cancel::new())).unwrap() {
        PushOutcome::Pushed {
            pushed, recipients, ..
        } => assert_eq!((pushed, recipients), (4, 6)),
        other => panic!("{other:?}"),
    }
    let done: Vec<u64> = rest
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Done { stage, done, .. } if stage == "batches" => Some(*done),
            _ => None,
        })
        .collect();
    assert_eq!(done, [2, 4, 6], "done rises from what the first run paid");
    for (a, v) in &owed {
        assert_eq!(c.paid(*a), *v, "{a} paid exactly once");
    }
}
