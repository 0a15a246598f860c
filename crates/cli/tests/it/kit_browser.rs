//! `airdrop kit` end to end: the kit of the example campaign, opened from disk (`file://`) in
//! headless Chromium by scripts/kit-browser.mjs (playwright-core), finds an eligible address's
//! claim and shows exactly the call data the engine (and so `airdrop claim`) sends; an
//! ineligible address gets a clear message; a pasted recovery phrase is refused with nothing
//! looked up. Also: the kit never writes over a folder it did not write.

#![allow(clippy::unwrap_used)]

use crate::snapshot_support::cli::{run as airdrop, run_ok as ok};
use airdrop_engine::distribution::Bundle;
use airdrop_engine::kit::claim_calldata;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The example campaign's bundle and its kit, in `dir`.
fn example_kit(dir: &Path) -> (PathBuf, PathBuf) {
    let bundle = dir.join("bundle");
    let kit = dir.join("kit");
    let spec = repo().join("examples/genesis/campaign.toml");
    ok(&[
        "build",
        spec.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    let state = dir.join("state");
    let said = ok(&[
        "kit",
        "--bundle",
        bundle.to_str().unwrap(),
        "--out",
        kit.to_str().unwrap(),
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    assert!(
        said.contains("wrote the claim kit of 340 recipients"),
        "{said}"
    );
    assert!(said.contains("unsigned"), "{said}");
    (bundle, kit)
}

/// Runs scripts/kit-browser.mjs on `kit` with `cases` (name, text typed into the page).
fn in_browser(kit: &Path, cases: &[(&str, &str)]) -> serde_json::Value {
    let chromium = std::env::var("AIRDROP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (`apt-get install -y chromium`; scripts/test does)"
    );
    assert!(
        repo().join("node_modules/playwright-core").is_dir(),
        "node_modules/playwright-core is missing: run `npm ci` at the repository root (scripts/test does)"
    );
    let out = Command::new("node")
        .arg(repo().join("scripts/kit-browser.mjs"))
        .arg(kit)
        .args(cases.iter().map(|(name, text)| format!("{name}={text}")))
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kit-browser.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["consoleErrors"], serde_json::json!([]), "{seen}");
    // Nothing but the kit's own files: no CDN, no network.
    let base = url_of(kit);
    for r in seen["requests"].as_array().unwrap() {
        assert!(
            r.as_str().unwrap().starts_with(&base),
            "{r} is outside the kit"
        );
    }
    seen
}

/// `address` checksummed with the case of one letter flipped: a typo EIP-55 catches.
fn flip_one_letter(address: &str) -> String {
    let at = address[2..]
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap()
        + 2;
    let mut chars: Vec<char> = address.chars().collect();
    chars[at] = if chars[at].is_ascii_uppercase() {
        chars[at].to_ascii_lowercase()
    } else {
        chars[at].to_ascii_uppercase()
    };
    chars.into_iter().collect()
}

#[test]
fn kit_in_headless_chromium_builds_the_engines_calldata() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle_dir, kit) = example_kit(dir.path());
    let bundle = Bundle::load(&bundle_dir).unwrap();
    // A mixed-case checksummed address from the middle of the tree (a long proof).
    let (_, who, _) = bundle.claims_in_order().unwrap()[170];
    let (index, amount, proof) = bundle.claim_of(who).unwrap();
    let expected = claim_calldata(index, who, amount, &proof).to_string();
    let checksummed = who.to_checksum(None);
    let lower = format!("{who:#x}");
    let typo = flip_one_letter(&checksummed);
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    let seen = in_browser(
        &kit,
        &[
            ("eligible", &checksummed),
            ("ineligible", "0x1111111111111111111111111111111111111111"),
            ("phrase-refused", phrase),
            ("key-refused", key),
            ("lowercase", &lower),
            ("bad-checksum", &typo),
        ],
    );
    let c = &seen["cases"];

    let e = &c["eligible"];
    assert_eq!(e["result"], true, "{seen}");
    assert_eq!(e["calldata"].as_str().unwrap(), expected, "{seen}");
    assert!(
        e["amount"]
            .as_str()
            .unwrap()
            .contains(&format!("({amount} base units)")),
        "{seen}"
    );
    assert_eq!(e["account"].as_str().unwrap(), checksummed);
    assert_eq!(e["refusedOnInput"], false, "{seen}");
    assert_eq!(c["lowercase"]["calldata"].as_str().unwrap(), expected);

    let i = &c["ineligible"];
    assert_eq!(i["result"], false, "{seen}");
    assert!(
        i["error"]
            .as_str()
            .unwrap()
            .contains("has no claim in this airdrop"),
        "{seen}"
    );

    for (name, what) in [
        ("phrase-refused", "a recovery phrase"),
        ("key-refused", "a private key"),
    ] {
        let p = &c[name];
        assert_eq!(p["result"], false, "{seen}");
        assert!(p["refused"].as_str().unwrap().contains(what), "{seen}");
        assert_eq!(p["field"], "", "the secret stays in the field: {seen}");
        assert_eq!(p["refusedOnInput"], true, "refused only on submit: {seen}");
        assert_eq!(p["requests"], 0, "the secret led to a request: {seen}");
    }
    let t = &c["bad-checksum"];
    assert_eq!(t["result"], false, "{seen}");
    assert!(
        t["error"].as_str().unwrap().contains("wrong checksum"),
        "{seen}"
    );

    assert!(seen["signed"].as_str().unwrap().starts_with("unsigned"));
    assert!(seen["distributor"]
        .as_str()
        .unwrap()
        .starts_with("not deployed"));
}

#[test]
fn kit_page_rejects_a_tampered_proof() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle_dir, kit) = example_kit(dir.path());
    let bundle = Bundle::load(&bundle_dir).unwrap();
    let (_, who, _) = bundle.claims_in_order().unwrap()[100];
    let (_, _, proof) = bundle.claim_of(who).unwrap();
    let shard = kit.join(format!("shards/{}.js", &format!("{who:#x}")[2..3]));
    let text = std::fs::read_to_string(&shard).unwrap();
    let first = proof[0].to_string();
    assert!(text.contains(&first));
    let forged = format!("0x{}", "00".repeat(32));
    std::fs::write(&shard, text.replacen(&first, &forged, 1)).unwrap();

    let seen = in_browser(&kit, &[("tampered", &who.to_checksum(None))]);
    let t = &seen["cases"]["tampered"];
    assert_eq!(t["result"], false, "{seen}");
    assert!(
        t["error"]
            .as_str()
            .unwrap()
            .contains("does not lead to root"),
        "{seen}"
    );
}

fn url_of(dir: &Path) -> String {
    format!("file://{}/", dir.canonicalize().unwrap().display())
}

#[test]
fn kit_refuses_a_folder_it_did_not_write_and_replaces_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle, kit) = example_kit(dir.path());
    let b = bundle.to_str().unwrap();
    // Its own kit: rewritten, a stray shard of an earlier kit (a prefix this kit does not use)
    // removed with it; a name outside the kit's layout listed in the marker is left alone.
    std::fs::write(kit.join("shards/ffff.js"), "x").unwrap();
    std::fs::write(kit.join("notes.txt"), "mine").unwrap();
    let mut marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(kit.join("kit.json")).unwrap()).unwrap();
    let files = marker["files"].as_array_mut().unwrap();
    files.push("shards/ffff.js".into());
    files.push("notes.txt".into());
    std::fs::write(kit.join("kit.json"), marker.to_string()).unwrap();
    ok(&["kit", "--bundle", b, "--out", kit.to_str().unwrap()]);
    assert!(!kit.join("shards/ffff.js").exists());
    assert_eq!(
        std::fs::read_to_string(kit.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(kit.join("index.html").is_file());
    // The staging folder the kit was written in is gone.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kit-staging"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Somebody else's folder: refused, nothing touched.
    let other = dir.path().join("site");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let out = airdrop(&["kit", "--bundle", b, "--out", other.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not empty and is not a claim kit"), "{err}");
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 1);
    // The bundle itself is not a kit either.
    let out = airdrop(&["kit", "--bundle", b, "--out", b]);
    assert!(!out.status.success());
}

#[test]
fn every_shard_holds_its_prefix_with_proofs_to_the_bundle_root() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle_dir, kit) = example_kit(dir.path());
    let bundle = Bundle::load(&bundle_dir).unwrap();
    let root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(kit.join("root.json")).unwrap()).unwrap();
    assert_eq!(root["merkleRoot"], bundle.root.to_string());
    let mut seen = 0;
    for (prefix, info) in root["shards"].as_object().unwrap() {
        let doc: serde_json::Value = serde_json::from_slice(
            &std::fs::read(kit.join(format!("shards/{prefix}.json"))).unwrap(),
        )
        .unwrap();
        let claims = doc["claims"].as_object().unwrap();
        assert_eq!(info["count"].as_u64().unwrap() as usize, claims.len());
        for (who, c) in claims {
            assert!(who.to_lowercase()[2..].starts_with(prefix.as_str()));
            let (index, _, proof) = bundle.claim_of(who.parse().unwrap()).unwrap();
            assert_eq!(c["index"].as_u64().unwrap(), index.to::<u64>());
            let got: Vec<String> = serde_json::from_value(c["proof"].clone()).unwrap();
            assert_eq!(got, proof.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        }
        let js = std::fs::read_to_string(kit.join(format!("shards/{prefix}.js"))).unwrap();
        assert!(js.starts_with(&format!("airdropKitShard(\"{prefix}\",")));
        seen += claims.len();
    }
    assert_eq!(seen as u64, bundle.count);
}

#[test]
fn kit_carries_the_signed_announcement_when_the_bundle_has_one() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle, kit) = example_kit(dir.path());
    let announcement = br#"{"signature":"0x00","note":"stands in for airdrop sign's file"}"#;
    std::fs::write(bundle.join("announcement.json"), announcement).unwrap();
    let said = ok(&[
        "kit",
        "--bundle",
        bundle.to_str().unwrap(),
        "--out",
        kit.to_str().unwrap(),
    ]);
    assert!(!said.contains("unsigned"), "{said}");
    assert_eq!(
        std::fs::read(kit.join("announcement.json")).unwrap(),
        announcement
    );
    let page = std::fs::read_to_string(kit.join("index.html")).unwrap();
    assert!(page.contains("signed: announcement.json is in this folder"));
    assert_eq!(
        std::fs::read(kit.join("manifest.json")).unwrap(),
        std::fs::read(bundle.join("manifest.json")).unwrap()
    );
}

#[test]
fn kit_with_a_deployment_sends_the_claim_through_an_injected_wallet() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle_dir, kit) = example_kit(dir.path());
    let bundle = Bundle::load(&bundle_dir).unwrap();
    let distributor: alloy_primitives::Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
        .parse()
        .unwrap();
    let record = serde_json::json!({
        "format": airdrop_core::manifest::DEPLOYMENT_FORMAT,
        "chain_id": bundle.chain_id,
        "distributor": distributor.to_checksum(None),
        "token": bundle.token.to_checksum(None),
        "root": bundle.root,
        "total": bundle.total.to_string(),
        "owner": distributor.to_checksum(None),
        "clawback_to": distributor.to_checksum(None),
        "start": bundle.start, "deadline": bundle.deadline,
        "unlocked_bps": 2500, "cliff": 0, "duration": 0, "block": 1,
        "deploy_tx": alloy_primitives::B256::ZERO,
        "fund_tx": null, "gas_used": {"deploy": 1, "fund": null},
    });
    std::fs::write(bundle_dir.join("deployment.json"), record.to_string()).unwrap();
    let said = ok(&[
        "kit",
        "--bundle",
        bundle_dir.to_str().unwrap(),
        "--out",
        kit.to_str().unwrap(),
        "--state-dir",
        dir.path().join("state").to_str().unwrap(),
    ]);
    assert!(
        said.contains(&format!("distributor: {}", distributor.to_checksum(None))),
        "{said}"
    );
    let (_, who, _) = bundle.claims_in_order().unwrap()[42];
    let (index, amount, proof) = bundle.claim_of(who).unwrap();
    let expected = claim_calldata(index, who, amount, &proof).to_string();

    let seen = in_browser(&kit, &[("wallet-send", &who.to_checksum(None))]);
    assert_eq!(seen["distributor"], distributor.to_checksum(None), "{seen}");
    let w = &seen["cases"]["wallet-send"];
    assert_eq!(w["calldata"].as_str().unwrap(), expected, "{seen}");
    assert!(
        w["sent"]
            .as_str()
            .unwrap()
            .starts_with("Sent: transaction 0xabab"),
        "{seen}"
    );
    let calls = w["walletCalls"].as_array().unwrap();
    let send = calls
        .iter()
        .find(|c| c["method"] == "eth_sendTransaction")
        .unwrap();
    let tx = &send["params"][0];
    assert_eq!(tx["to"], distributor.to_checksum(None), "{seen}");
    assert_eq!(tx["data"].as_str().unwrap(), expected, "{seen}");
}
