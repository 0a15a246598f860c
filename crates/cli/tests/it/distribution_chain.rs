//! `airdrop deploy / claim / clawback / status / cost` against a real anvil: a bundle built by
//! `airdrop build` for a TestToken deployed on anvil, deployed and funded, claimed directly and
//! gaslessly (recipient signs, relayer pays) in vesting parts, clawed back after the deadline;
//! every balance checked. Bad inputs are refused before any transaction (sender nonces checked).
//! Also: Uniswap's own `MerkleDistributor` bytecode claims a `tree build --preset uniswap` file.
//!
//! Keys are anvil's dev keys, derived at run time from its well-known mnemonic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support;

use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use sha2::Digest;
pub(crate) use snapshot_support::chain::tokens;
use snapshot_support::chain::{build_flat, deploy_args, rfc3339, TokenChain, E18};
use snapshot_support::cli::{dev, key_hex};
use snapshot_support::repo_root;
use snapshot_support::state::{fails, ok, state_file};
use std::path::{Path, PathBuf};

alloy::sol! {
    interface IToken {
        function transfer(address to, uint256 amount) external returns (bool);
    }
    interface IDist {
        function isClaimed(uint256 index) external view returns (bool);
        function claim(uint256 index, address account, uint256 amount, bytes32[] proof) external;
    }
}

fn record_of(bundle: &Path) -> PathBuf {
    state_file(bundle, "deployment.json")
}

/// The chain these tests run on.
pub(crate) type Chain = TokenChain;

impl Chain {
    fn eth(&self, who: Address) -> U256 {
        self.d.call("eth_getBalance", json!([who, "latest"]))
    }

    fn is_claimed(&self, dist: Address, index: u64) -> bool {
        let out: Bytes = self.d.call(
            "eth_call",
            json!([{ "to": dist, "data": Bytes::from(IDist::isClaimedCall { index: U256::from(index) }.abi_encode()) }, "latest"]),
        );
        bool::abi_decode(&out).unwrap()
    }
}

pub(crate) struct Spec<'a> {
    pub(crate) chain_id: u64,
    pub(crate) token: Address,
    pub(crate) recipients: &'a [Address],
    pub(crate) budget: u64,
    pub(crate) start: u64,
    pub(crate) deadline: u64,
    pub(crate) vesting: bool,
    pub(crate) clawback_to: Address,
}

/// Writes a campaign in a folder of `root` and builds it; returns the bundle folder.
pub(crate) fn build_bundle(root: &Path, name: &str, s: &Spec) -> PathBuf {
    let vesting = if s.vesting {
        "[vesting]\nunlocked = \"25%\"\ncliff = \"1d\"\nduration = \"10d\"\n"
    } else {
        ""
    };
    let claim = format!(
        "\n{vesting}\n[claim]\nstart = \"{}\"\ndeadline = \"{}\"\nclawback_to = \"{}\"\n",
        rfc3339(s.start),
        rfc3339(s.deadline),
        s.clawback_to
    );
    build_flat(
        &root.join(name),
        "Test Drop",
        (s.chain_id, s.token),
        s.recipients,
        &s.budget.to_string(),
        &claim,
    )
}

fn sha(path: &Path) -> Vec<u8> {
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

pub(crate) fn distributor_of(bundle: &Path) -> Address {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("deployment.json")).unwrap())
            .unwrap();
    v["distributor"].as_str().unwrap().parse().unwrap()
}

fn paid(stdout: &str) -> U256 {
    // "claimed 62.5 TT (62500000000000000000) for ..."
    let open = stdout.find('(').unwrap();
    let close = stdout[open..].find(')').unwrap() + open;
    stdout[open + 1..close].parse().unwrap()
}

#[test]
fn deploy_claim_vesting_gasless_clawback() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let relayer = dev(1);
    let recipients: Vec<PrivateKeySigner> = (2..6).map(dev).collect();
    let addrs: Vec<Address> = recipients.iter().map(|s| s.address()).collect();
    let treasury = Address::repeat_byte(0x7e);
    let start = c.now() - 600;
    let deadline = start + 30 * 86_400;
    let bundle = build_bundle(
        tmp.path(),
        "vesting",
        &Spec {
            chain_id: 31337,
            token: c.token,
            recipients: &addrs,
            budget: 1000,
            start,
            deadline,
            vesting: true,
            clawback_to: treasury,
        },
    );
    let b = bundle.to_str().unwrap();
    let url = c.url.as_str();
    let dkey = [("DEPLOYER_KEY", key_hex(&deployer))];
    let manifest_hash = sha(&bundle.join("manifest.json"));

    // Dry run: figures, nothing sent.
    let n0 = c.nonce(deployer.address());
    let out = ok(&deploy_args(b, url, &["--dry-run"]), &dkey);
    eprintln!("{out}");
    assert!(
        out.contains("deploy") && out.contains("gas") && out.contains("ETH"),
        "{out}"
    );
    // The distributor's address is stated before it exists; the factory is not on this fresh
    // chain yet, so its one-time deployment is priced too.
    let predicted: Address = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("distributor"))
        .and_then(|l| l.split_whitespace().next())
        .expect("dry run names the distributor")
        .parse()
        .unwrap();
    assert!(out.contains("clone through the factory"), "{out}");
    assert!(out.contains("(once per chain)"), "{out}");
    assert_eq!(c.nonce(deployer.address()), n0);

    // Deploy + fund.
    let before = c.balance(c.token, deployer.address());
    let out = ok(&deploy_args(b, url, &[]), &dkey);
    assert!(out.contains("distributor"), "{out}");
    let dist = distributor_of(&bundle);
    eprintln!(
        "{}",
        std::fs::read_to_string(bundle.join("deployment.json")).unwrap()
    );
    assert_eq!(c.balance(c.token, dist), tokens(1000));
    assert_eq!(
        c.balance(c.token, deployer.address()),
        before - tokens(1000)
    );
    // A clone at the predicted address: the factory (first use on this chain), the clone, the
    // funding — three transactions where the full contract takes two.
    assert_eq!(dist, predicted);
    assert_eq!(c.nonce(deployer.address()), n0 + 3);
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(record_of(&bundle)).unwrap()).unwrap();
    let factory = airdrop_chain::distribution::factory_address().unwrap();
    assert_eq!(record["clone"]["factory"], factory.to_checksum(None));
    assert_eq!(record["clone"]["salt"], format!("{:#x}", B256::ZERO));
    let code: String = c.d.call("eth_getCode", json!([dist, "latest"]));
    let front =
        airdrop_chain::distribution::runtime_bytecode(airdrop_chain::distribution::FRONT_ARTIFACT)
            .unwrap();
    let implementation = airdrop_chain::distribution::implementation_address(factory);
    assert!(
        code.starts_with(&format!("0x{}", hex::encode(&front)))
            && code.len() == 2 + 2 * (front.len() + 20 + 126)
            && code[2 + 2 * front.len()..].starts_with(&hex::encode(implementation)),
        "the front's code, the implementation and 126 bytes of args: {code}"
    );
    assert_eq!(
        sha(&bundle.join("manifest.json")),
        manifest_hash,
        "manifest.json changed"
    );
    // A second deploy is refused.
    fails(&deploy_args(b, url, &[]), &dkey, "already deployed");
    // Records lost (state folder and the bundle's copy): the clone is found at its address,
    // recorded again and not deployed a second time; it holds the total, so nothing is sent.
    let kept = std::fs::read_to_string(record_of(&bundle)).unwrap();
    std::fs::remove_file(record_of(&bundle)).unwrap();
    std::fs::remove_file(bundle.join("deployment.json")).unwrap();
    let n = c.nonce(deployer.address());
    let out = ok(&deploy_args(b, url, &[]), &dkey);
    assert!(out.contains(&dist.to_string()), "{out}");
    assert_eq!(c.nonce(deployer.address()), n, "nothing sent");
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(record_of(&bundle)).unwrap()).unwrap();
    let kept: Value = serde_json::from_str(&kept).unwrap();
    for k in [
        "distributor",
        "deploy_tx",
        "block",
        "clone",
        "owner",
        "root",
        "gas_used",
    ] {
        let want = &kept[k];
        // The funding was not sent by this run: no gas of its own.
        let want = match k {
            "gas_used" => json!({ "deploy": want["deploy"], "fund": null }),
            _ => want.clone(),
        };
        assert_eq!(again[k], want, "{k}");
    }
    assert_eq!(again["fund_tx"], "already funded");

    let each = tokens(250);
    let unlocked = each / U256::from(4u64);

    // Direct claim by recipient 0, before the cliff: the unlocked 25%.
    let r0 = &recipients[0];
    let k0 = [("R0_KEY", key_hex(r0))];
    let a0 = r0.address().to_string();
    let claim0 = [
        "claim",
        "--bundle",
        b,
        "--address",
        &a0,
        "--rpc",
        url,
        "--key-env",
        "R0_KEY",
    ];
    let out = ok(&claim0, &k0);
    eprintln!("{out}");
    assert_eq!(paid(&out), unlocked);
    assert_eq!(c.balance(c.token, r0.address()), unlocked);
    // Nothing more before the cliff.
    let n = c.nonce(r0.address());
    fails(&claim0, &k0, "nothing to claim");
    assert_eq!(c.nonce(r0.address()), n);

    // Gasless claim of recipient 1: they sign, the relayer submits and pays.
    let r1 = &recipients[1];
    let a1 = r1.address().to_string();
    let sig = tmp.path().join("sig.json");
    let r1_eth = c.eth(r1.address());
    let r1_nonce = c.nonce(r1.address());
    // Only the recipient can sign.
    fails(
        &[
            "claim",
            "--bundle",
            b,
            "--address",
            &a1,
            "--rpc",
            url,
            "--key-env",
            "K",
            "--gasless-signature-out",
            sig.to_str().unwrap(),
        ],
        &[("K", key_hex(&relayer))],
        "must be signed by the recipient",
    );
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
            "K",
            "--gasless-signature-out",
            sig.to_str().unwrap(),
        ],
        &[("K", key_hex(r1))],
    );
    let sig_doc: Value = serde_json::from_str(&std::fs::read_to_string(&sig).unwrap()).unwrap();
    assert_eq!(sig_doc["signature"].as_str().unwrap().len(), 2 + 130);
    let relay = [
        "claim",
        "--bundle",
        b,
        "--rpc",
        url,
        "--key-env",
        "RELAYER_KEY",
        "--relay-signature",
        sig.to_str().unwrap(),
    ];
    let rkey = [("RELAYER_KEY", key_hex(&relayer))];
    let out = ok(&relay, &rkey);
    eprintln!("{out}");
    assert!(out.contains("relayed"), "{out}");
    assert_eq!(c.balance(c.token, r1.address()), unlocked);
    assert_eq!(c.eth(r1.address()), r1_eth, "the recipient paid gas");
    assert_eq!(c.nonce(r1.address()), r1_nonce);
    // The signature is single-use.
    c.warp(2 * 86_400);
    let rn = c.nonce(relayer.address());
    fails(&relay, &rkey, "stale");
    assert_eq!(c.nonce(relayer.address()), rn);

    // Vesting in parts: after the cliff, mid-way, and the rest at the end.
    let out = ok(&claim0, &k0);
    eprintln!("{out}");
    let second = paid(&out);
    assert!(second > U256::ZERO && unlocked + second < each, "{out}");
    assert_eq!(c.balance(c.token, r0.address()), unlocked + second);
    c.warp(3 * 86_400);
    let third = paid(&ok(&claim0, &k0));
    assert!(third > U256::ZERO);
    c.warp(6 * 86_400);
    let fourth = paid(&ok(&claim0, &k0));
    assert_eq!(unlocked + second + third + fourth, each);
    assert_eq!(c.balance(c.token, r0.address()), each);
    let claims: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("claims.json")).unwrap())
            .unwrap();
    let index_of = |a: Address| {
        claims["claims"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.parse::<Address>().unwrap() == a)
            .unwrap()
            .1["index"]
            .as_u64()
            .unwrap()
    };
    assert!(c.is_claimed(dist, index_of(r0.address())));
    assert!(!c.is_claimed(dist, index_of(r1.address())));
    let n = c.nonce(r0.address());
    fails(&claim0, &k0, "already claimed");
    assert_eq!(c.nonce(r0.address()), n);

    // Not eligible.
    let stranger = dev(7);
    let sa = stranger.address().to_string();
    fails(
        &[
            "claim",
            "--bundle",
            b,
            "--address",
            &sa,
            "--rpc",
            url,
            "--key-env",
            "K",
        ],
        &[("K", key_hex(&stranger))],
        "not eligible",
    );

    // Status.
    let claimed = each + unlocked;
    let st: Value =
        serde_json::from_str(&ok(&["status", "--bundle", b, "--rpc", url, "--json"], &[])).unwrap();
    assert_eq!(st["claimed"], claimed.to_string());
    assert_eq!(st["claimed_recipients"], 2);
    assert_eq!(st["fully_claimed_recipients"], 1);
    assert_eq!(st["unclaimed"], (tokens(1000) - claimed).to_string());
    assert_eq!(st["balance"], (tokens(1000) - claimed).to_string());
    assert!(st["seconds_to_deadline"].as_u64().unwrap() > 0);
    let text = ok(&["status", "--bundle", b, "--rpc", url], &[]);
    assert!(text.contains("unclaimed"), "{text}");

    // Clawback: not before the deadline, not by others.
    let n = c.nonce(deployer.address());
    fails(
        &[
            "clawback",
            "--bundle",
            b,
            "--rpc",
            url,
            "--key-env",
            "DEPLOYER_KEY",
        ],
        &dkey,
        "left",
    );
    assert_eq!(c.nonce(deployer.address()), n);
    let left = deadline - c.now();
    c.warp(left + 1);
    // Claims are closed now.
    let n1 = c.nonce(recipients[2].address());
    let a2 = recipients[2].address().to_string();
    fails(
        &[
            "claim",
            "--bundle",
            b,
            "--address",
            &a2,
            "--rpc",
            url,
            "--key-env",
            "K",
        ],
        &[("K", key_hex(&recipients[2]))],
        "closed",
    );
    assert_eq!(c.nonce(recipients[2].address()), n1);
    fails(
        &[
            "clawback",
            "--bundle",
            b,
            "--rpc",
            url,
            "--key-env",
            "RELAYER_KEY",
        ],
        &rkey,
        "only the distributor's owner",
    );
    let out = ok(
        &[
            "clawback",
            "--bundle",
            b,
            "--rpc",
            url,
            "--key-env",
            "DEPLOYER_KEY",
        ],
        &dkey,
    );
    assert!(out.contains("clawed back"), "{out}");
    assert_eq!(c.balance(c.token, treasury), tokens(1000) - claimed);
    assert_eq!(c.balance(c.token, dist), U256::ZERO);

    // Cost figures of the same bundle (offline).
    let cost = ok(
        &[
            "cost",
            "--bundle",
            b,
            "--gas-price",
            "12.5",
            "--eth-price-usd",
            "3000",
        ],
        &[],
    );
    assert!(
        cost.contains("push") && cost.contains("claim") && cost.contains("gwei"),
        "{cost}"
    );
    eprintln!("{cost}");
    let cj: Value = serde_json::from_str(&ok(
        &["cost", "--bundle", b, "--gas-price", "1", "--json"],
        &[],
    ))
    .unwrap();
    let g = cj["claim"]["gas_total"].as_u64().unwrap();
    assert_eq!(
        cj["claim"]["wei_total"],
        (U256::from(g) * U256::from(1_000_000_000u64)).to_string()
    );
}

#[test]
fn bad_inputs_are_refused_before_any_transaction() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let addrs: Vec<Address> = (2..5).map(|i| dev(i).address()).collect();
    let url = c.url.as_str();
    let now = c.now();
    let spec = |chain_id, start, deadline| Spec {
        chain_id,
        token: c.token,
        recipients: &addrs,
        budget: 300,
        start,
        deadline,
        vesting: false,
        clawback_to: deployer.address(),
    };
    let dkey = [("DEPLOYER_KEY", key_hex(&deployer))];
    let deploy = |b: &Path, key: &str| {
        vec![
            "deploy".to_string(),
            "--bundle".into(),
            b.to_str().unwrap().into(),
            "--rpc".into(),
            url.into(),
            "--key-env".into(),
            key.into(),
        ]
    };
    let run_fail = |v: Vec<String>, env: &[(&str, String)], needle: &str, who: Address| {
        let n = c.nonce(who);
        let args: Vec<&str> = v.iter().map(String::as_str).collect();
        let err = fails(&args, env, needle);
        assert_eq!(c.nonce(who), n, "a transaction was sent: {err}");
        err
    };
    let good = build_bundle(tmp.path(), "good", &spec(31337, now - 60, now + 86_400));

    // Claims that do not match the root.
    let tampered = tmp.path().join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    for f in ["manifest.json", "claims.json"] {
        std::fs::copy(good.join(f), tampered.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(tampered.join("claims.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let first = doc["claims"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    doc["claims"][&first]["amount"] = json!("0x01");
    std::fs::write(tampered.join("claims.json"), doc.to_string()).unwrap();
    run_fail(
        deploy(&tampered, "DEPLOYER_KEY"),
        &dkey,
        "claims do not verify",
        deployer.address(),
    );

    // Underfunded sender (holds no tokens).
    let poor = dev(8);
    let err = run_fail(
        deploy(&good, "POOR_KEY"),
        &[("POOR_KEY", key_hex(&poor))],
        "underfunded",
        poor.address(),
    );
    assert!(
        err.contains("300000000000000000000") && err.contains("holds 0 TT (0)"),
        "{err}"
    );

    // Wrong chain id.
    let mainnet = build_bundle(tmp.path(), "mainnet", &spec(1, now - 60, now + 86_400));
    run_fail(
        deploy(&mainnet, "DEPLOYER_KEY"),
        &dkey,
        "chain id mismatch",
        deployer.address(),
    );

    // Token without code (--token override to an EOA).
    let mut v = deploy(&good, "DEPLOYER_KEY");
    v.extend(["--token".to_string(), addrs[0].to_string()]);
    run_fail(v, &dkey, "has no code", deployer.address());

    // Key missing / not a key: refused, and never echoed.
    run_fail(
        deploy(&good, "NO_SUCH_VAR"),
        &[],
        "is not set",
        deployer.address(),
    );
    run_fail(
        deploy(&good, "BAD_KEY"),
        &[("BAD_KEY", "0x1234".to_string())],
        "not hold a valid private key",
        deployer.address(),
    );

    // A distributor address with other code (the token): claim refuses.
    std::fs::write(
        good.join("deployment.json"),
        json!({ "distributor": c.token, "token": c.token, "block": 0 }).to_string(),
    )
    .unwrap();
    let r = dev(2);
    let ra = r.address().to_string();
    let claim = vec![
        "claim".to_string(),
        "--bundle".into(),
        good.to_str().unwrap().into(),
        "--address".into(),
        ra,
        "--rpc".into(),
        url.into(),
        "--key-env".into(),
        "K".into(),
    ];
    run_fail(
        claim.clone(),
        &[("K", key_hex(&r))],
        "is not this bundle's distributor",
        r.address(),
    );
    std::fs::remove_file(good.join("deployment.json")).unwrap();

    // An expired window (last: it moves the chain's clock).
    c.warp(2 * 86_400);
    run_fail(
        deploy(&good, "DEPLOYER_KEY"),
        &dkey,
        "claim window is over",
        deployer.address(),
    );
}

#[test]
fn uniswap_merkle_distributor_claims_our_file() {
    let path = repo_root().join(
        "contracts/distribution/node_modules/@uniswap/merkle-distributor/build/MerkleDistributor.json",
    );
    assert!(
        path.exists(),
        "{} is missing: run `npm ci --prefix contracts/distribution` (scripts/test runs contracts/distribution/test.sh, which does)",
        path.display()
    );
    let art: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let code = hex::decode(art["bytecode"].as_str().unwrap().trim_start_matches("0x")).unwrap();

    let c = Chain::start(&[], tokens(1_000_000));
    let deployer = dev(0).address();
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = fastrand::Rng::with_seed(5);
    let mut csv = "address,amount\n".to_string();
    let mut want = Vec::new();
    for _ in 0..13 {
        let mut b = [0u8; 20];
        rng.fill(&mut b);
        let a = Address::from(b);
        let amount = U256::from(rng.u64(1..u64::MAX / 16));
        csv.push_str(&format!("{a},{amount}\n"));
        want.push((a, amount));
    }
    let input = tmp.path().join("balances.csv");
    std::fs::write(&input, csv).unwrap();
    let claims_path = tmp.path().join("claims.json");
    ok(
        &[
            "tree",
            "build",
            "--preset",
            "uniswap",
            "--input",
            input.to_str().unwrap(),
            "--out",
            claims_path.to_str().unwrap(),
        ],
        &[],
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&claims_path).unwrap()).unwrap();
    let root: B256 = doc["merkleRoot"].as_str().unwrap().parse().unwrap();
    let total = want.iter().fold(U256::ZERO, |t, w| t + w.1);

    let (dist, _) =
        c.d.deploy(deployer, code, (c.token, root).abi_encode_params());
    let h = c.d.send(
        deployer,
        Some(c.token),
        IToken::transferCall {
            to: dist,
            amount: total,
        }
        .abi_encode(),
        U256::ZERO,
    );
    c.d.expect_success(&[h]);

    for (key, claim) in doc["claims"].as_object().unwrap() {
        let account: Address = key.parse().unwrap();
        let index = claim["index"].as_u64().unwrap();
        let amount: U256 = claim["amount"].as_str().unwrap().parse().unwrap();
        let proof: Vec<B256> = claim["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().parse().unwrap())
            .collect();
        assert!(!c.is_claimed(dist, index));
        let h = c.d.send(
            deployer,
            Some(dist),
            IDist::claimCall {
                index: U256::from(index),
                account,
                amount,
                proof,
            }
            .abi_encode(),
            U256::ZERO,
        );
        c.d.expect_success(&[h]);
        assert!(c.is_claimed(dist, index));
        let expected = want.iter().find(|w| w.0 == account).unwrap().1;
        assert_eq!(amount, expected);
        assert_eq!(c.balance(c.token, account), expected);
    }
    assert_eq!(c.balance(c.token, dist), U256::ZERO);
}

#[test]
fn deploy_with_an_encrypted_keystore() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let (owner, _) = PrivateKeySigner::new_keystore(
        tmp.path(),
        &mut rand::thread_rng(),
        "correct horse",
        Some("owner.json"),
    )
    .unwrap();
    let who = owner.address();
    let funder = dev(0).address();
    let h1 = c.d.send(funder, Some(who), Vec::new(), U256::from(E18));
    let h2 = c.d.send(
        funder,
        Some(c.token),
        IToken::transferCall {
            to: who,
            amount: tokens(100),
        }
        .abi_encode(),
        U256::ZERO,
    );
    c.d.expect_success(&[h1, h2]);
    let addrs = [dev(3).address(), dev(4).address()];
    let now = c.now();
    let bundle = build_bundle(
        tmp.path(),
        "ks",
        &Spec {
            chain_id: 31337,
            token: c.token,
            recipients: &addrs,
            budget: 100,
            start: now - 60,
            deadline: now + 86_400,
            vesting: false,
            clawback_to: who,
        },
    );
    let ks = tmp.path().join("owner.json");
    let args = [
        "deploy",
        "--bundle",
        bundle.to_str().unwrap(),
        "--rpc",
        &c.url,
        "--keystore",
        ks.to_str().unwrap(),
        "--password-env",
        "KS_PASSWORD",
        // The whole contract here: its path (CREATE at the sender's nonce) stays covered.
        "--full",
    ];
    fails(
        &args,
        &[("KS_PASSWORD", "wrong".into())],
        "cannot open keystore",
    );
    assert_eq!(c.nonce(who), 0);
    ok(&args, &[("KS_PASSWORD", "correct horse".into())]);
    let dist = distributor_of(&bundle);
    assert_eq!(c.balance(c.token, dist), tokens(100));
    assert_eq!(c.balance(c.token, who), U256::ZERO);
    assert_eq!(c.nonce(who), 2);

    // An interrupted run (deployed, funding not recorded) resumes with the funding only; here
    // the distributor already holds the total, so nothing is sent.
    let path = record_of(&bundle);
    let mut record: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(record["fund_tx"].as_str().unwrap().starts_with("0x"));
    record["fund_tx"] = Value::Null;
    std::fs::write(&path, record.to_string()).unwrap();
    ok(&args, &[("KS_PASSWORD", "correct horse".into())]);
    assert_eq!(c.nonce(who), 2);
    assert_eq!(distributor_of(&bundle), dist);
    let record: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(record["fund_tx"], "already funded");
    fails(
        &args,
        &[("KS_PASSWORD", "correct horse".into())],
        "already deployed",
    );
}

/// Clones without the CREATE2 deployer and on purpose twice: a chain without the deployer is
/// refused (dry run included) with the `--full` hint and nothing sent, and `--full` deploys
/// there; `--pay-again-i-know` puts a second clone at the next salt, the first record kept
/// aside.
#[test]
fn clone_deployments_refused_without_the_deployer_and_salted_on_purpose() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let who: Vec<Address> = (2..5).map(|i| dev(i).address()).collect();
    let start = c.now() - 600;
    // Another budget per bundle: another root (a distributor of the same root would be refused).
    let spec = |name, budget| {
        build_bundle(
            tmp.path(),
            name,
            &Spec {
                chain_id: 31337,
                token: c.token,
                recipients: &who,
                budget,
                start,
                deadline: start + 30 * 86_400,
                vesting: false,
                clawback_to: deployer.address(),
            },
        )
    };
    let dkey = [("DEPLOYER_KEY", key_hex(&deployer))];
    let url = c.url.as_str();
    let deploy = |b: &Path, more: &[&str]| {
        let mut a = vec!["deploy", "--bundle", b.to_str().unwrap(), "--rpc", url];
        a.extend(["--key-env", "DEPLOYER_KEY"]);
        a.extend(more);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run_ok = |a: Vec<String>| ok(&a.iter().map(|s| s.as_str()).collect::<Vec<_>>(), &dkey);
    let run_fails = |a: Vec<String>, want: &str| {
        fails(
            &a.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            &dkey,
            want,
        )
    };

    // No CREATE2 deployer on this chain.
    let create2 = airdrop_chain::distribution::CREATE2_DEPLOYER;
    let kept: String = c.d.call("eth_getCode", json!([create2, "latest"]));
    let _: Value = c.d.call("anvil_setCode", json!([create2, "0x"]));
    let plain = spec("plain", 30);
    let n = c.nonce(deployer.address());
    let e = run_fails(deploy(&plain, &[]), "has no code on this chain");
    assert!(e.contains("--full"), "{e}");
    run_fails(deploy(&plain, &["--dry-run"]), "--full");
    assert_eq!(c.nonce(deployer.address()), n, "nothing sent");
    run_ok(deploy(&plain, &["--full"]));
    assert_eq!(c.nonce(deployer.address()), n + 2);
    let full = distributor_of(&plain);
    let code: String = c.d.call("eth_getCode", json!([full, "latest"]));
    assert!(code.len() > 2 * 1000, "the whole contract");

    // The deployer back: a clone, then another one on purpose at salt 1.
    let _: Value = c.d.call("anvil_setCode", json!([create2, kept]));
    let twice = spec("twice", 33);
    run_ok(deploy(&twice, &[]));
    let first = distributor_of(&twice);
    run_fails(deploy(&twice, &[]), "already deployed");
    run_ok(deploy(&twice, &["--pay-again-i-know"]));
    let second = distributor_of(&twice);
    assert_ne!(first, second);
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(record_of(&twice)).unwrap()).unwrap();
    assert_eq!(
        record["clone"]["salt"],
        format!("{:#x}", B256::from(U256::from(1u64)))
    );
    assert!(twice.join(format!("deployment-{first:#x}.json")).is_file());
    assert_eq!(c.balance(c.token, first), tokens(33));
    assert_eq!(c.balance(c.token, second), tokens(33));
}

/// Sends a transaction from `from` and returns its receipt's gas and created contract.
fn tx_gas(c: &Chain, from: Address, to: Option<Address>, data: Vec<u8>) -> (u64, Option<Address>) {
    let h = c.d.send(from, to, data, U256::ZERO);
    let created = c.d.expect_success(&[h])[0].1;
    let r: Value = c.d.call("eth_getTransactionReceipt", json!([h]));
    let gas = u64::from_str_radix(r["gasUsed"].as_str().unwrap().trim_start_matches("0x"), 16);
    (gas.unwrap(), created)
}

/// Gas of one claim, from its receipt.
fn claim_gas(c: &Chain, dist: Address, p: &airdrop_merkle::ClaimProof) -> u64 {
    let call = IDist::claimCall {
        index: U256::from(p.index),
        account: p.address.parse().unwrap(),
        amount: p.amount.parse().unwrap(),
        proof: p.proof.clone(),
    };
    tx_gas(c, dev(1).address(), Some(dist), call.abi_encode()).0
}

fn mean(v: &[u64]) -> u64 {
    v.iter().sum::<u64>() / v.len().max(1) as u64
}

/// Benchmark (run by `scripts/bench-distribution`, figures in docs/performance.md), all from
/// receipts in one anvil: deployment gas of a clone through the factory (and, separately, the
/// factory's one-time deployment through the CREATE2 deployer), of the full `AirdropDistributor`
/// and of Uniswap's own `MerkleDistributor` bytecode; then gas per claim at 1k, 100k and 1M
/// leaves for the three over the same Uniswap-format tree (no vesting). Claims are measured as
/// the first in their 256-bit bitmap word (a zero storage slot: most claims of a large drop) and
/// as the second in that word. The three contracts claim different leaves of the same words
/// (slots 2k and 2k+1 for contract k), so every recipient is fresh to the token in every column.
#[test]
#[ignore = "benchmark: scripts/bench-distribution"]
fn bench_claim_gas_by_tree_size() {
    use airdrop_chain::distribution as dist;
    use airdrop_merkle::{build_claims, Entry, Preset, TreeOptions};
    let art: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join(
            "contracts/distribution/node_modules/@uniswap/merkle-distributor/build/MerkleDistributor.json",
        ))
        .expect("run `npm ci --prefix contracts/distribution` first"),
    )
    .unwrap();
    let uni_code = hex::decode(art["bytecode"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let ours_code = dist::creation_bytecode(dist::DISTRIBUTOR_ARTIFACT)
        .unwrap()
        .to_vec();
    let c = Chain::start(&[], tokens(1_000_000));
    let deployer = dev(0).address();
    let factory = dist::factory_address().unwrap();
    let (factory_gas, _) = tx_gas(
        &c,
        deployer,
        Some(dist::CREATE2_DEPLOYER),
        dist::factory_deploy_data().unwrap().to_vec(),
    );
    eprintln!("BENCH deploy gas, factory + implementation (once per chain, through the CREATE2 deployer): {factory_gas}");
    for n in [1_000u64, 100_000, 1_000_000] {
        let entries: Vec<Entry> = (0..n)
            .map(|i| Entry {
                address: Address::from_slice(&alloy_primitives::keccak256(i.to_be_bytes())[12..]),
                amount: U256::from(i % 997 + 1),
            })
            .collect();
        // The Uniswap preset numbers claims in checksummed-address order.
        let mut by_index: Vec<Address> = entries.iter().map(|e| e.address).collect();
        by_index.sort_by_cached_key(|a| a.to_checksum(None));
        let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries).unwrap();
        let root = built.root();
        let total = built.total();
        let now = c.now();
        let params = dist::CloneParams {
            token: c.token,
            root,
            start: now - 10,
            deadline: now + 10_000_000,
            clawback_to: deployer,
            owner: deployer,
            unlocked_bps: 10_000,
            cliff: 0,
            duration: 0,
        };
        let mut ctor = ours_code.clone();
        ctor.extend(
            (
                c.token,
                root,
                params.start,
                params.deadline,
                deployer,
                deployer,
                10_000u16,
                0u64,
                0u64,
            )
                .abi_encode_params(),
        );
        let (full_gas, full) = tx_gas(&c, deployer, None, ctor);
        let call = dist::AirdropDistributorFactory::deployCall {
            p: params.to_sol(),
            salt: dist::clone_salt(0),
        };
        let (clone_gas, _) = tx_gas(&c, deployer, Some(factory), call.abi_encode());
        let clone = dist::predict_clone(factory, &params, dist::clone_salt(0)).unwrap();
        let mut uni_ctor = uni_code.clone();
        uni_ctor.extend((c.token, root).abi_encode_params());
        let (uni_gas, uni) = tx_gas(&c, deployer, None, uni_ctor);
        eprintln!(
            "BENCH deploy gas ({n}-leaf root): clone {clone_gas}, AirdropDistributor {full_gas}, Uniswap MerkleDistributor {uni_gas}; clone = {:.1} % of Uniswap's",
            clone_gas as f64 * 100.0 / uni_gas as f64
        );
        let contracts = [
            ("AirdropDistributor clone", clone),
            ("AirdropDistributor (full)", full.unwrap()),
            ("Uniswap MerkleDistributor", uni.unwrap()),
        ];
        for (_, d) in contracts {
            let fund = IToken::transferCall {
                to: d,
                amount: total,
            };
            tx_gas(&c, deployer, Some(c.token), fund.abi_encode());
        }
        let words = n.div_ceil(256);
        let samples = (words / 2).min(16);
        let mut figures = Vec::new();
        for (side, (name, d)) in contracts.into_iter().enumerate() {
            let (mut first, mut second, mut depth) = (Vec::new(), Vec::new(), 0);
            for k in 0..samples {
                let word = k * (words / samples);
                for (slot, out) in [(0, &mut first), (1, &mut second)] {
                    let i = word * 256 + 2 * side as u64 + slot;
                    let p = built.proof(&by_index[i as usize]).unwrap();
                    assert_eq!(p.index, i);
                    depth = depth.max(p.proof.len());
                    out.push(claim_gas(&c, d, &p));
                }
            }
            eprintln!(
                "BENCH claim gas, {n} leaves (proofs of up to {depth} hashes), {name}: first in its bitmap word mean {} (min {}, max {}), second in the word mean {}, over {samples} words",
                mean(&first),
                first.iter().min().unwrap(),
                first.iter().max().unwrap(),
                mean(&second)
            );
            figures.push((mean(&first), mean(&second)));
        }
        eprintln!(
            "BENCH claim gas, {n} leaves: clone minus Uniswap = {:+} (first in word), {:+} (second); full minus Uniswap = {:+}, {:+}",
            figures[0].0 as i64 - figures[2].0 as i64,
            figures[0].1 as i64 - figures[2].1 as i64,
            figures[1].0 as i64 - figures[2].0 as i64,
            figures[1].1 as i64 - figures[2].1 as i64,
        );
    }
}

/// Gasless claims through `airdrop serve`: two server processes on one store, each with its
/// own relayer key, take signed claims (the files `airdrop claim --gasless-signature-out`
/// writes) posted to either of them; every claim is submitted exactly once and pays exactly its
/// amount; repeated posts return the first request; bad signatures, strangers and claims already
/// paid are refused before anything is queued; a server without a relayer says so.
#[test]
fn relay_through_two_servers_on_postgres() {
    relay_through_two_servers(airdrop_store::Backend::Postgres);
}

#[test]
fn relay_through_two_servers_on_sqlite() {
    relay_through_two_servers(airdrop_store::Backend::Sqlite);
}

fn relay_through_two_servers(backend: airdrop_store::Backend) {
    use alloy::signers::SignerSync;
    use snapshot_support::cli::{http, serve};
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let recipients: Vec<PrivateKeySigner> = (0..6).map(|_| PrivateKeySigner::random()).collect();
    let addrs: Vec<Address> = recipients.iter().map(|r| r.address()).collect();
    let now = c.now();
    let bundle = build_bundle(
        tmp.path(),
        "relay",
        &Spec {
            chain_id: 31337,
            token: c.token,
            recipients: &addrs,
            budget: 600,
            start: now - 60,
            deadline: now + 30 * 86_400,
            vesting: false,
            clawback_to: deployer.address(),
        },
    );
    let b = bundle.to_str().unwrap();
    let url = c.url.as_str();
    ok(
        &deploy_args(b, url, &[]),
        &[("DEPLOYER_KEY", key_hex(&deployer))],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt
        .block_on(airdrop_store::testing::test_db(backend))
        .unwrap();
    let campaign = format!("drop={b}");
    let server = |relayer: Option<u32>| {
        let mut args = vec![
            "--campaign",
            campaign.as_str(),
            "--rpc-url",
            url,
            "--rate-limit-per-ip",
            "0",
            "--database-url",
            db.url.as_str(),
        ];
        let mut env = Vec::new();
        if let Some(i) = relayer {
            args.extend(["--relayer-key-env", "RELAYER_KEY"]);
            env.push(("RELAYER_KEY", key_hex(&dev(i))));
        }
        serve(&args, &env)
    };
    let (a, s2, plain) = (server(Some(2)), server(Some(3)), server(None));
    let relayer_nonces = || c.nonce(dev(2).address()) + c.nonce(dev(3).address());
    let n0 = relayer_nonces();
    // The claim look-up follows the distributor's events: nothing claimed yet, all claimable.
    let claim_of = |i: usize, want: &str| {
        let started = std::time::Instant::now();
        loop {
            let (s, v) = http(
                a.port,
                "GET",
                &format!("/v1/campaigns/drop/claims/{}", addrs[i]),
                None,
                None,
            );
            assert_eq!(s, 200, "{v}");
            if v["claimed"] == json!(want) {
                return v;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "claimed never became {want}: {v}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let each = tokens(100).to_string();
    let v = claim_of(0, "0");
    assert_eq!(
        (
            v["claimableNow"].clone(),
            v["vested"].clone(),
            v["locked"].clone()
        ),
        (json!(each), json!(each), json!("0"))
    );

    let signed = |i: usize| -> Value {
        let sig = tmp.path().join(format!("sig{i}.json"));
        ok(
            &[
                "claim",
                "--bundle",
                b,
                "--address",
                &addrs[i].to_string(),
                "--rpc",
                url,
                "--key-env",
                "K",
                "--gasless-signature-out",
                sig.to_str().unwrap(),
            ],
            &[("K", key_hex(&recipients[i]))],
        );
        serde_json::from_str(&std::fs::read_to_string(sig).unwrap()).unwrap()
    };
    let path = "/v1/campaigns/drop/relay";
    // Refused before anything is queued.
    let (s, v) = http(plain.port, "POST", path, None, Some(&signed(0)));
    assert_eq!(
        (s, v["code"].clone()),
        (503, json!("relay_disabled")),
        "{v}"
    );
    let mut forged = signed(0);
    let other = PrivateKeySigner::random();
    let sig = other
        .sign_hash_sync(&B256::repeat_byte(7))
        .unwrap()
        .as_bytes();
    forged["signature"] = json!(format!("0x{}", hex::encode(sig)));
    let (s, v) = http(a.port, "POST", path, None, Some(&forged));
    assert_eq!(
        (s, v["code"].clone()),
        (400, json!("claim_rejected")),
        "{v}"
    );
    let mut stranger = signed(0);
    stranger["account"] = json!(other.address().to_string());
    let (s, v) = http(a.port, "POST", path, None, Some(&stranger));
    assert_eq!((s, v["code"].clone()), (404, json!("not_eligible")), "{v}");
    let (s, v) = http(
        a.port,
        "POST",
        path,
        None,
        Some(&json!({"account": "0x12"})),
    );
    assert_eq!(s, 400, "{v}");
    assert_eq!(relayer_nonces(), n0, "nothing was sent");

    // Every signed claim, posted to both servers: queued once, submitted once.
    let docs: Vec<Value> = (0..addrs.len()).map(signed).collect();
    let mut ids = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let (first, second) = if i % 2 == 0 { (&a, &s2) } else { (&s2, &a) };
        let (s, v) = http(first.port, "POST", path, None, Some(d));
        assert_eq!(s, 202, "{v}");
        let (s2_, v2) = http(second.port, "POST", path, None, Some(d));
        assert_eq!(s2_, 200, "{v2}");
        assert_eq!(v["id"], v2["id"]);
        ids.push(v["id"].as_i64().unwrap());
    }
    let started = std::time::Instant::now();
    for id in &ids {
        loop {
            let (s, v) = http(a.port, "GET", &format!("{path}/{id}"), None, None);
            assert_eq!(s, 200, "{v}");
            if v["state"] == json!("submitted") {
                assert!(v["txHash"].as_str().is_some_and(|h| h.len() == 66), "{v}");
                break;
            }
            assert_ne!(v["state"], json!("failed"), "{v}");
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "not submitted: {v}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    for r in &addrs {
        assert_eq!(c.balance(c.token, *r), tokens(100), "paid exactly once");
        assert_eq!(c.eth(*r), U256::ZERO, "the recipient paid no gas");
    }
    assert_eq!(
        relayer_nonces(),
        n0 + addrs.len() as u64,
        "one transaction per claim"
    );
    let v = claim_of(addrs.len() - 1, &each);
    assert_eq!(v["claimableNow"], json!("0"), "{v}");
    // Posting again after payment: the same request. The same claim under another nonce (the
    // CLI refuses to sign a paid claim, so this one is forged): refused at simulation.
    let (s, v) = http(s2.port, "POST", path, None, Some(&docs[0]));
    assert_eq!((s, v["state"].clone()), (200, json!("submitted")), "{v}");
    let mut again = docs[0].clone();
    again["nonce"] = json!("1");
    let (s, v) = http(a.port, "POST", path, None, Some(&again));
    assert_eq!(
        (s, v["code"].clone()),
        (400, json!("claim_rejected")),
        "{v}"
    );
    assert_eq!(relayer_nonces(), n0 + addrs.len() as u64);
    drop((a, s2, plain));
}

/// A contract wallet (EIP-1271) signs up: the server, given a node, asks the wallet whether the
/// signature is its own; a signature the wallet does not accept is refused, and without a node
/// the refusal says that contract wallets need one.
#[test]
fn contract_wallet_signs_up_with_eip1271() {
    use alloy::signers::SignerSync;
    use snapshot_support::cli::{admin_key, http, serve};
    let art = repo_root().join("contracts/distribution/out/Mocks.sol/MockWallet1271.json");
    let art: Value = serde_json::from_str(&std::fs::read_to_string(&art).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run contracts/distribution/test.sh (scripts/test does) to build the test contracts",
            art.display()
        )
    }))
    .unwrap();
    let code = hex::decode(
        art["bytecode"]["object"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let c = Chain::start(&[], tokens(1_000_000));
    let owner = PrivateKeySigner::random();
    let (wallet, _) = c.d.deploy(
        dev(0).address(),
        code,
        (owner.address(),).abi_encode_params(),
    );

    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("store.db").display());
    let key = admin_key(&db);
    let base = [
        "--public-url",
        "http://drop.test",
        "--database-url",
        db.as_str(),
    ];
    let with_node = serve(&[&base[..], &["--rpc-url", c.url.as_str()]].concat(), &[]);
    let without = serve(&base, &[]);
    let spec = format!(
        "name = \"Wallets\"\nchain_id = 31337\ntoken = {{ address = \"{}\", symbol = \"TT\", decimals = 18 }}\nbudget = \"10\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"list\"\nkind = \"list\"\nfile = \"list.csv\"\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n",
        c.token
    );
    let (s, v) = http(
        with_node.port,
        "POST",
        "/v1/campaigns",
        Some(&key),
        Some(&json!({"id": "w", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    let signup = |port: u16, signer: &PrivateKeySigner| {
        let (_, n) = http(port, "GET", "/v1/auth/nonce", None, None);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let message = format!(
            "drop.test wants you to sign in with your Ethereum account:\n{}\n\nURI: http://drop.test/\nVersion: 1\nChain ID: 31337\nNonce: {}\nIssued At: {}\nResources:\n- urn:airdrop:campaign:w",
            wallet.to_checksum(None),
            n["nonce"].as_str().unwrap(),
            rfc3339(now - 2)
        );
        let sig = signer.sign_message_sync(message.as_bytes()).unwrap();
        http(
            port,
            "POST",
            "/v1/campaigns/w/signups",
            None,
            Some(
                &json!({"message": message, "signature": format!("0x{}", hex::encode(sig.as_bytes()))}),
            ),
        )
    };
    let (s, v) = signup(without.port, &owner);
    assert_eq!((s, v["code"].clone()), (401, json!("bad_signature")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("--rpc-url"), "{v}");
    let (s, v) = signup(with_node.port, &PrivateKeySigner::random());
    assert_eq!((s, v["code"].clone()), (401, json!("bad_signature")), "{v}");
    let (s, v) = signup(with_node.port, &owner);
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["address"], json!(wallet.to_checksum(None)));
}

/// A snapshot job: the server takes an ERC-20 snapshot over its node, in process through the
/// engine (its stages on the job's events), and stores it as the campaign's source file;
/// without a node it says it needs one.
#[test]
fn snapshot_job_over_the_servers_node() {
    use snapshot_support::cli::{admin_key, http, http_raw, serve, wait_job};
    let c = Chain::start(&[], tokens(1_000_000));
    let deployer = dev(0).address();
    let holders = [Address::repeat_byte(0x11), Address::repeat_byte(0x22)];
    for (i, h) in holders.iter().enumerate() {
        let tx = c.d.send(
            deployer,
            Some(c.token),
            IToken::transferCall {
                to: *h,
                amount: tokens(10 * (i as u64 + 1)),
            }
            .abi_encode(),
            U256::ZERO,
        );
        c.d.expect_success(&[tx]);
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("store.db").display());
    let key = admin_key(&db);
    let data = tmp.path().join("data");
    let base = [
        "--database-url",
        db.as_str(),
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let with_node = serve(&[&base[..], &["--rpc-url", c.url.as_str()]].concat(), &[]);
    let without = serve(&base, &[]);
    let spec = format!(
        "name = \"Snap\"\nchain_id = 31337\ntoken = {{ address = \"{}\", symbol = \"TT\", decimals = 18 }}\nbudget = \"10\"\nformat = \"uniswap\"\n\n[[source]]\nname = \"holders\"\nkind = \"balances\"\nfile = \"holders.csv\"\n\n[[pool]]\nsource = \"holders\"\nshare = \"rest\"\nrule = \"pro-rata\"\n",
        c.token
    );
    let (s, v) = http(
        with_node.port,
        "POST",
        "/v1/campaigns",
        Some(&key),
        Some(&json!({"id": "snap", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    let job = json!({"kind": "snapshot", "snapshot": {"kind": "erc20-balances", "token": c.token.to_string(), "file": "holders.csv"}});
    let (s, v) = http(
        without.port,
        "POST",
        "/v1/campaigns/snap/jobs",
        Some(&key),
        Some(&job),
    );
    assert_eq!((s, v["code"].clone()), (503, json!("no_node")), "{v}");
    let (s, v) = http(
        with_node.port,
        "POST",
        "/v1/campaigns/snap/jobs",
        Some(&key),
        Some(&json!({"kind": "snapshot"})),
    );
    assert_eq!((s, v["code"].clone()), (400, json!("invalid_job")), "{v}");
    let (s, v) = http(
        with_node.port,
        "POST",
        "/v1/campaigns/snap/jobs",
        Some(&key),
        Some(&job),
    );
    assert_eq!(s, 202, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let done = wait_job(with_node.port, &key, &id);
    assert_eq!(done["state"], json!("done"), "{done}");
    // The deployer and the two holders.
    assert!(
        done["message"].as_str().unwrap().contains("(3 addresses"),
        "{done}"
    );
    // The instance that ran it streams the engine's stages, from the first.
    let (s, events) = http_raw(
        with_node.port,
        "GET",
        &format!("/v1/jobs/{id}/events"),
        Some(&key),
        "text/plain",
        b"",
    );
    assert_eq!(s, 200, "{events}");
    assert!(events.contains("\"snapshot: write\""), "{events}");
    assert!(events.contains("event: done"), "{events}");
    let (_, files) = http(
        with_node.port,
        "GET",
        "/v1/campaigns/snap/files",
        Some(&key),
        None,
    );
    assert_eq!(files[0]["name"], json!("holders.csv"), "{files}");
    // The snapshot feeds a build.
    let (s, v) = http(
        with_node.port,
        "POST",
        "/v1/campaigns/snap/jobs",
        Some(&key),
        Some(&json!({"kind": "build"})),
    );
    assert_eq!(s, 202, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let built = wait_job(with_node.port, &key, &id);
    assert_eq!(built["state"], json!("done"), "{built}");
    assert!(
        built["message"].as_str().unwrap().contains("3 recipients"),
        "{built}"
    );
}
