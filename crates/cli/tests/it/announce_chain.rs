//! `airdrop sign / verify / check` through the binary against a real anvil: a clean bundle
//! verified, then each way a campaign can be fake or broken caught with its reason — a tampered
//! file, a changed field, a wrong signer, a contract-wallet (EIP-1271) signer, a distributor
//! holding another root, an underfunded distributor, a closed window — and `check` for an
//! eligible, an ineligible and a vesting address, from a bundle and from a server (an honest one,
//! and one that lies about the amount).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::distribution_chain::{build_bundle, distributor_of, tokens, Chain, Spec};
use crate::snapshot_support::bytecode;
use crate::snapshot_support::chain::deploy_args;
use crate::snapshot_support::cli::{airdrop, dev, http, http_raw, key_hex, serve};
use crate::snapshot_support::state::{ok, with_state};
use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, U256};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

alloy::sol! {
    interface IBurn {
        function burn(address from, uint256 amount) external;
    }
}

/// Runs `airdrop` with the bundle's state folder; (success, stdout).
fn run(args: &[&str], env: &[(&str, String)]) -> (bool, String) {
    let (success, out, err) = airdrop(args, &with_state(args, env));
    for i in 0..10 {
        assert!(!out.contains(&key_hex(&dev(i))) && !err.contains(&key_hex(&dev(i))));
    }
    (success, format!("{out}{err}"))
}

/// `verify` must say NOT VERIFIED, exit non-zero, and give `reason`.
fn refused(args: &[&str], reason: &str) -> String {
    let (success, out) = run(args, &[]);
    assert!(!success, "{args:?} should fail: {out}");
    assert!(out.starts_with("NOT VERIFIED\n"), "{out}");
    assert!(
        out.contains(reason),
        "{args:?}: expected {reason:?} in:\n{out}"
    );
    eprintln!("{out}");
    out
}

fn verified(args: &[&str]) -> String {
    let (success, out) = run(args, &[]);
    assert!(success, "{args:?} failed: {out}");
    assert!(out.starts_with("verified\n"), "{out}");
    eprintln!("{out}");
    out
}

/// A copy of a bundle folder (its files and deployment record) at `to`.
fn copy_bundle(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    to.to_path_buf()
}

/// A loopback HTTP server answering GET `path` with `routes[path]` (404 otherwise).
fn fake_server(routes: HashMap<String, Vec<u8>>) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let (status, body) = match routes.get(&path) {
                Some(b) => ("200 OK", b.clone()),
                None => (
                    "404 Not Found",
                    b"{\"code\":\"not_found\",\"detail\":\"no claim\"}".to_vec(),
                ),
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    url
}

/// Every file under `dir`, as (path relative to `dir` with `/`, bytes).
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        if p.is_dir() {
            for (n, b) in files_under(&p) {
                out.push((format!("{name}/{n}"), b));
            }
        } else {
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// A copy of kit folder `from` at `to`, with `edit` applied to each file (name, bytes).
fn copy_kit(from: &Path, to: &Path, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> String {
    for (name, bytes) in files_under(from) {
        let Some(bytes) = edit(&name, bytes) else {
            continue;
        };
        let p = to.join(&name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    to.to_str().unwrap().to_owned()
}

/// `check --kit`: the claim kit of signed bundle `bundle`, from a folder and over http; an
/// eligible and an ineligible address; a shard whose amount was raised (refused: its proof does
/// not fold to the signed root), a changed manifest (not verified) and an unsigned kit (refused).
fn check_kits(tmp: &Path, bundle: &Path, signer: &str, eligible: Address) {
    let kit = tmp.join("kit");
    ok(
        &[
            "kit",
            "--bundle",
            bundle.to_str().unwrap(),
            "--out",
            kit.to_str().unwrap(),
        ],
        &[],
    );
    let k = kit.to_str().unwrap();
    let who = eligible.to_string();
    let nobody = dev(8).address().to_string();
    let routes: HashMap<String, Vec<u8>> = files_under(&kit)
        .into_iter()
        .map(|(n, b)| (format!("/kit/{n}"), b))
        .collect();
    let site = fake_server(routes);
    for from in [
        k.to_owned(),
        format!("{site}/kit"),
        format!("{site}/kit/index.html"),
    ] {
        let out = ok(
            &["check", &who, "--kit", &from, "--expect-signer", signer],
            &[],
        );
        eprintln!("{out}");
        assert!(out.starts_with("verified\n"), "{out}");
        assert!(
            out.contains("gets 250 TT (250000000000000000000)")
                && out.contains("proof checked against the signed root")
                && out.contains("manifest.json matches the signed hash")
                && out.contains("files are not in a kit"),
            "{from}: {out}"
        );
        let out = ok(&["check", &nobody, "--kit", &from], &[]);
        assert!(out.contains("not eligible:"), "{from}: {out}");
    }
    let (success, out) = run(
        &["check", &who, "--kit", k, "--expect-signer", &nobody],
        &[],
    );
    assert!(
        !success && out.contains("wrong signer") && !out.contains("eligible"),
        "{out}"
    );

    // A shard raising the eligible address's amount (its proof left as it was).
    let raised = copy_kit(&kit, &tmp.join("raised"), |name, bytes| {
        if !name.ends_with(".json") || !name.starts_with("shards/") {
            return Some(bytes);
        }
        let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
        let claims = doc["claims"].as_object_mut().unwrap();
        if let Some((_, v)) = claims
            .iter_mut()
            .find(|(key, _)| key.parse::<Address>().unwrap() == eligible)
        {
            v["amount"] = json!("0x3635c9adc5dea00000");
        }
        Some(serde_json::to_vec(&doc).unwrap())
    });
    let (success, out) = run(&["check", &who, "--kit", &raised], &[]);
    eprintln!("{out}");
    assert!(
        !success && out.contains("not the signed root") && !out.contains("eligible:"),
        "{out}"
    );
    // The manifest changed (its symbol): not the signed manifest.
    let renamed = copy_kit(&kit, &tmp.join("renamed"), |name, bytes| {
        Some(if name == "manifest.json" {
            String::from_utf8(bytes)
                .unwrap()
                .replace("\"TT\"", "\"TTT\"")
                .into_bytes()
        } else {
            bytes
        })
    });
    let (success, out) = run(&["check", &who, "--kit", &renamed], &[]);
    assert!(
        !success
            && out.starts_with("NOT VERIFIED")
            && out.contains("is not the manifest that was signed")
            && !out.contains("eligible"),
        "{out}"
    );
    // An unsigned kit.
    let unsigned = copy_kit(&kit, &tmp.join("unsigned"), |name, bytes| {
        (name != "announcement.json").then_some(bytes)
    });
    let (success, out) = run(&["check", &who, "--kit", &unsigned], &[]);
    eprintln!("{out}");
    assert!(
        !success && out.contains("the kit is unsigned") && !out.contains("eligible"),
        "{out}"
    );
}

fn claims_of(bundle: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(bundle.join("claims.json")).unwrap()).unwrap()
}

/// The claim entry of `who` in a bundle, keyed as the file has it.
fn entry(bundle: &Path, who: Address) -> Value {
    let c = claims_of(bundle);
    c["claims"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.parse::<Address>().unwrap() == who)
        .map(|(_, v)| v.clone())
        .unwrap()
}

#[test]
fn sign_verify_and_check_catch_every_fake() {
    let c = Chain::start(&[], tokens(1_000_000));
    let tmp = tempfile::tempdir().unwrap();
    let deployer = dev(0);
    let addrs: Vec<Address> = (2..6).map(|i| dev(i).address()).collect();
    let start = c.now() - 600;
    let deadline = start + 30 * 86_400;
    let spec = |recipients, vesting| Spec {
        chain_id: 31337,
        token: c.token,
        recipients,
        budget: 1000,
        start,
        deadline,
        vesting,
        clawback_to: Address::repeat_byte(0x7e),
    };
    let a = build_bundle(tmp.path(), "a", &spec(&addrs, true));
    let b = build_bundle(tmp.path(), "b", &spec(&addrs[..2], false));
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let url = c.url.as_str();
    let dkey = [("DEPLOYER_KEY", key_hex(&deployer))];
    let me = deployer.address().to_string();

    // Signing needs a deployment: refused with the hint first.
    let (success, out) = run(
        &["sign", "--bundle", sa, "--key-env", "DEPLOYER_KEY"],
        &dkey,
    );
    assert!(
        !success && out.contains("is not deployed") && out.contains("airdrop deploy"),
        "{out}"
    );
    for bundle in [sa, sb] {
        ok(&deploy_args(bundle, url, &[]), &dkey);
    }
    let (dist_a, dist_b) = (distributor_of(&a), distributor_of(&b));
    let manifest_before = std::fs::read(a.join("manifest.json")).unwrap();
    for bundle in [sa, sb] {
        let out = ok(
            &[
                "sign",
                "--bundle",
                bundle,
                "--key-env",
                "DEPLOYER_KEY",
                "--uri",
                "https://drop.test",
            ],
            &dkey,
        );
        assert!(out.contains(&me), "{out}");
    }
    assert_eq!(
        std::fs::read(a.join("manifest.json")).unwrap(),
        manifest_before
    );
    let ann: Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("announcement.json")).unwrap())
            .unwrap();
    assert_eq!(ann["message"]["distributor"], dist_a.to_string());
    assert_eq!(ann["signer_kind"], "eoa");

    // Clean: verified offline and on chain, with the expected signer.
    let out = verified(&[
        "verify",
        "--bundle",
        sa,
        "--expect-signer",
        &me,
        "--rpc",
        url,
    ]);
    assert!(out.contains("holds the signed root"), "{out}");
    verified(&[
        "verify",
        "--manifest",
        a.join("announcement.json").to_str().unwrap(),
    ]);
    // Over http: the announcement's URL, the bundle's files beside it; one file changed.
    let mut routes: HashMap<String, Vec<u8>> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (format!("/drop/{name}"), std::fs::read(&p).unwrap())
        })
        .collect();
    let site = fake_server(routes.clone());
    let out = verified(&[
        "verify",
        "--manifest",
        &format!("{site}/drop/announcement.json"),
        "--expect-signer",
        &me,
        "--rpc",
        url,
    ]);
    assert!(out.contains("5 files match"), "{out}");
    let vest = dev(2).address().to_string();
    let ann_url = format!("{site}/drop/announcement.json");
    let out = ok(
        &[
            "check",
            &vest,
            "--manifest",
            &ann_url,
            "--expect-signer",
            &me,
        ],
        &[],
    );
    assert!(out.contains("gets 250 TT (250000000000000000000)"), "{out}");
    check_kits(&tmp.path().join("kits"), &a, &me, dev(2).address());
    routes.get_mut("/drop/report.html").unwrap().push(b' ');
    let site = fake_server(routes);
    let ann_url = format!("{site}/drop/announcement.json");
    let (success, out) = run(&["check", &vest, "--manifest", &ann_url], &[]);
    assert!(
        !success && out.starts_with("NOT VERIFIED") && !out.contains("eligible"),
        "{out}"
    );
    let out = refused(
        &[
            "verify",
            "--manifest",
            &format!("{site}/drop/announcement.json"),
        ],
        "tampered file",
    );
    assert!(out.contains("/drop/report.html"), "{out}");
    let (success, out) = run(
        &["verify", "--manifest", "ftp://drop.test/announcement.json"],
        &[],
    );
    assert!(
        !success && out.contains("only http:// and https://"),
        "{out}"
    );

    // Wrong signer.
    let other = dev(9).address().to_string();
    refused(
        &["verify", "--bundle", sa, "--expect-signer", &other],
        "wrong signer",
    );

    // A tampered claims file; a tampered manifest; a field changed after signing.
    let t = copy_bundle(&a, &tmp.path().join("t1/bundle"));
    let mut claims = std::fs::read_to_string(t.join("claims.json")).unwrap();
    claims = claims.replacen("\"proof\"", "\"proof\" ", 1);
    std::fs::write(t.join("claims.json"), claims).unwrap();
    let out = refused(
        &["verify", "--bundle", t.to_str().unwrap()],
        "tampered file",
    );
    assert!(out.contains("claims.json"), "{out}");
    let t = copy_bundle(&a, &tmp.path().join("t2/bundle"));
    let m = std::fs::read_to_string(t.join("manifest.json")).unwrap();
    std::fs::write(
        t.join("manifest.json"),
        m.replace("Test Drop", "Test Drop!"),
    )
    .unwrap();
    refused(
        &["verify", "--bundle", t.to_str().unwrap()],
        "is not the manifest that was signed",
    );
    let t = copy_bundle(&a, &tmp.path().join("t3/bundle"));
    let text = std::fs::read_to_string(t.join("announcement.json")).unwrap();
    std::fs::write(
        t.join("announcement.json"),
        text.replace("https://drop.test", "https://drop.evil"),
    )
    .unwrap();
    refused(
        &["verify", "--bundle", t.to_str().unwrap()],
        "bad signature",
    );

    // A contract wallet (EIP-1271) signs through an owner's key.
    let owner = dev(7);
    let (wallet, _) = c.d.deploy(
        deployer.address(),
        bytecode("TestWallet"),
        (vec![owner.address()],).abi_encode_params(),
    );
    let w = copy_bundle(&a, &tmp.path().join("w/bundle"));
    let sw = w.to_str().unwrap();
    let okey = [
        ("OWNER_KEY", key_hex(&owner)),
        ("STRANGER_KEY", key_hex(&dev(8))),
    ];
    let ws = wallet.to_string();
    ok(
        &[
            "sign",
            "--bundle",
            sw,
            "--key-env",
            "OWNER_KEY",
            "--contract-signer",
            &ws,
        ],
        &okey,
    );
    let out = verified(&[
        "verify",
        "--bundle",
        sw,
        "--expect-signer",
        &ws,
        "--rpc",
        url,
    ]);
    assert!(out.contains("EIP-1271"), "{out}");
    refused(&["verify", "--bundle", sw], "can only be checked on chain");
    ok(
        &[
            "sign",
            "--bundle",
            sw,
            "--key-env",
            "STRANGER_KEY",
            "--contract-signer",
            &ws,
        ],
        &okey,
    );
    refused(
        &["verify", "--bundle", sw, "--rpc", url],
        "bad signature: contract wallet",
    );

    // An announcement naming a distributor that holds another root.
    let o = copy_bundle(&a, &tmp.path().join("o/bundle"));
    let so = o.to_str().unwrap();
    ok(
        &[
            "sign",
            "--bundle",
            so,
            "--key-env",
            "DEPLOYER_KEY",
            "--distributor",
            &dist_b.to_string(),
        ],
        &dkey,
    );
    refused(
        &["verify", "--bundle", so, "--rpc", url],
        "holds another root",
    );

    // check: eligible with vesting, eligible without, ineligible — from the bundle.
    let out = ok(
        &["check", &vest, "--bundle", sa, "--expect-signer", &me],
        &[],
    );
    assert!(
        out.contains("eligible: ") && out.contains("250000000000000000000"),
        "{out}"
    );
    assert!(
        out.contains("vested now: 62.5 TT (62500000000000000000) of 250 TT"),
        "{out}"
    );
    assert!(out.contains("until the cliff"), "{out}");
    let out = ok(&["check", &vest, "--bundle", sb, "--rpc", url], &[]);
    assert!(out.contains("gets 500 TT (500000000000000000000)"), "{out}");
    assert!(out.contains("claimable now 500 TT"), "{out}");
    let ckey = [("CLAIMER_KEY", key_hex(&dev(2)))];
    ok(
        &[
            "claim",
            "--bundle",
            sb,
            "--rpc",
            url,
            "--key-env",
            "CLAIMER_KEY",
            "--address",
            &vest,
        ],
        &ckey,
    );
    let out = ok(&["check", &vest, "--bundle", sb, "--rpc", url], &[]);
    assert!(
        out.contains("already claimed 500 TT") && out.contains("claimable now 0 TT"),
        "{out}"
    );
    assert!(
        out.contains("vested now: 500 TT") && !out.contains("locked"),
        "{out}"
    );
    let nobody = dev(9).address().to_string();
    let out = ok(&["check", &nobody, "--bundle", sa], &[]);
    assert!(out.contains("not eligible"), "{out}");
    let (success, out) = run(
        &["check", &vest, "--bundle", sa, "--expect-signer", &other],
        &[],
    );
    assert!(
        !success && out.contains("wrong signer") && !out.contains("eligible"),
        "{out}"
    );

    // check over a server: an honest answer passes, a lying one (amount raised) is refused.
    let who = dev(2).address();
    let honest = entry(&a, who);
    let mut lie = honest.clone();
    lie["amount"] = Value::String(tokens(900).to_string());
    let path = format!("/v1/campaigns/drop/claims/{who:#x}");
    let announcement = std::fs::read(a.join("announcement.json")).unwrap();
    for (answer, good) in [(honest, true), (lie, false)] {
        let mut routes = HashMap::new();
        routes.insert(
            "/v1/campaigns/drop/announcement".to_owned(),
            announcement.clone(),
        );
        routes.insert(path.clone(), serde_json::to_vec(&answer).unwrap());
        let api = format!("{}/v1/campaigns/drop", fake_server(routes));
        let (success, out) = run(
            &["check", &vest, "--api", &api, "--expect-signer", &me],
            &[],
        );
        assert_eq!(success, good, "{out}");
        if good {
            assert!(
                out.contains("gets 250000000000000000000 base units"),
                "{out}"
            );
        } else {
            assert!(
                out.contains("refused: the proof given") && out.contains("not the signed root"),
                "{out}"
            );
        }
        let (_, out) = run(
            &["check", &nobody, "--api", &api, "--expect-signer", &me],
            &[],
        );
        assert!(out.contains("not eligible"), "{out}");
    }

    // The real server: the announcement served byte for byte, the verdict in every claim
    // response (true for the clean bundle, false for the tampered copy, null when unsigned),
    // and `check --api` against it.
    let unsigned = copy_bundle(&b, &tmp.path().join("u/bundle"));
    std::fs::remove_file(unsigned.join("announcement.json")).unwrap();
    let (success, out) = run(&["verify", "--bundle", unsigned.to_str().unwrap()], &[]);
    assert!(
        !success && out.contains("error: ") && out.contains("airdrop sign"),
        "{out}"
    );
    let (success, out) = run(&["check", "0x1234", "--bundle", sa], &[]);
    assert!(!success && out.contains("address \"0x1234\""), "{out}");
    let db = format!("sqlite:{}", tmp.path().join("store.db").display());
    let campaigns = format!(
        "drop={sa},tampered={},unsigned={}",
        tmp.path().join("t1/bundle").display(),
        unsigned.display()
    );
    let srv = serve(&["--campaign", &campaigns, "--database-url", &db], &[]);
    let (status, text) = http_raw(
        srv.port,
        "GET",
        "/v1/campaigns/drop/announcement",
        None,
        "",
        b"",
    );
    assert_eq!((status, text.as_bytes()), (200, announcement.as_slice()));
    for (id, want) in [
        ("drop", json!({"verified": true, "signer": me})),
        ("tampered", json!({"verified": false, "signer": me})),
        ("unsigned", Value::Null),
    ] {
        let (status, v) = http(
            srv.port,
            "GET",
            &format!("/v1/campaigns/{id}/claims/{vest}"),
            None,
            None,
        );
        assert_eq!(status, 200, "{id}: {v}");
        assert_eq!(v["announcement"], want, "{id}: {v}");
    }
    let (status, v) = http(
        srv.port,
        "GET",
        "/v1/campaigns/unsigned/announcement",
        None,
        None,
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("not_signed")),
        "{v}"
    );
    let api = format!("http://127.0.0.1:{}/v1/campaigns/drop", srv.port);
    let out = ok(
        &[
            "check",
            &vest,
            "--api",
            &api,
            "--expect-signer",
            &me,
            "--rpc",
            url,
        ],
        &[],
    );
    assert!(
        out.contains("gets 250000000000000000000 base units") && out.contains("until the cliff"),
        "{out}"
    );
    let api = format!("http://127.0.0.1:{}/v1/campaigns/unsigned", srv.port);
    let (success, out) = run(&["check", &vest, "--api", &api], &[]);
    assert!(!success && out.contains("no signed announcement"), "{out}");
    drop(srv);

    // Underfunded: the distributor loses tokens it owes.
    let h = c.d.send(
        deployer.address(),
        Some(c.token),
        IBurn::burnCall {
            from: dist_a,
            amount: tokens(1),
        }
        .abi_encode(),
        U256::ZERO,
    );
    c.d.expect_success(&[h]);
    refused(
        &["verify", "--bundle", sa, "--rpc", url],
        "underfunded distributor",
    );

    // Closed window: past the deadline.
    c.warp(31 * 86_400);
    refused(
        &["verify", "--bundle", sb, "--rpc", url],
        "claim window closed",
    );
}
