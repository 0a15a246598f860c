//! `airdrop kit` end to end: the kit of the example campaign, opened from disk (`file://`) in
//! headless Chromium by scripts/kit-browser.mjs (playwright-core), finds an eligible address's
//! claim and shows exactly the call data the engine (and so `airdrop claim`) sends; an
//! ineligible address gets a clear message; a pasted recovery phrase is refused with nothing
//! looked up. Also: the kit never writes over a folder it did not write.

#![allow(clippy::unwrap_used)]

use airdrop_engine::distribution::Bundle;
use airdrop_engine::kit::claim_calldata;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn airdrop(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    out
}

fn ok(args: &[&str]) -> String {
    let out = airdrop(args);
    assert!(
        out.status.success(),
        "airdrop {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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
    assert!(said.contains("wrote the claim kit of 340 recipients"), "{said}");
    assert!(said.contains("unsigned"), "{said}");
    (bundle, kit)
}

#[test]
fn kit_in_headless_chromium_builds_the_engines_calldata() {
    let chromium = std::env::var("AIRDROP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (`apt-get install -y chromium`; scripts/test does)"
    );
    assert!(
        repo().join("node_modules/playwright-core").is_dir(),
        "node_modules/playwright-core is missing: run `npm ci` at the repository root (scripts/test does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (bundle_dir, kit) = example_kit(dir.path());
    let bundle = Bundle::load(&bundle_dir).unwrap();
    // A mixed-case checksummed address from the middle of the tree (a long proof).
    let (_, who, _) = bundle.claims_in_order().unwrap()[170];
    let (index, amount, proof) = bundle.claim_of(who).unwrap();
    let expected = claim_calldata(index, who, amount, &proof).to_string();
    let stranger = "0x1111111111111111111111111111111111111111";

    let out = Command::new("node")
        .arg(repo().join("scripts/kit-browser.mjs"))
        .args([kit.to_str().unwrap(), &who.to_checksum(None), stranger])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kit-browser.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let e = &seen["eligible"];
    assert_eq!(e["result"], true, "{seen}");
    assert_eq!(e["calldata"].as_str().unwrap(), expected, "{seen}");
    assert!(
        e["amount"].as_str().unwrap().contains(&format!("({amount} base units)")),
        "{seen}"
    );
    assert_eq!(e["account"].as_str().unwrap(), who.to_checksum(None));

    let i = &seen["ineligible"];
    assert_eq!(i["result"], false, "{seen}");
    assert!(
        i["error"].as_str().unwrap().contains("has no claim in this airdrop"),
        "{seen}"
    );

    let p = &seen["phrase"];
    assert_eq!(p["result"], false, "{seen}");
    assert!(
        p["refused"].as_str().unwrap().contains("recovery phrase"),
        "{seen}"
    );
    assert_eq!(p["field"], "", "the phrase stays in the field: {seen}");
    assert_eq!(p["requests"], 0, "the phrase led to a request: {seen}");

    assert!(seen["signed"].as_str().unwrap().starts_with("unsigned"));
    assert_eq!(seen["consoleErrors"], serde_json::json!([]), "{seen}");
    // Nothing but the kit's own files: no CDN, no network.
    let base = url_of(&kit);
    for r in seen["requests"].as_array().unwrap() {
        assert!(r.as_str().unwrap().starts_with(&base), "{r} is outside the kit");
    }
}

fn url_of(dir: &Path) -> String {
    format!("file://{}/", dir.canonicalize().unwrap().display())
}

#[test]
fn kit_refuses_a_folder_it_did_not_write_and_replaces_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle, kit) = example_kit(dir.path());
    let b = bundle.to_str().unwrap();
    // Its own kit: rewritten, a stray shard of an earlier kit removed with it.
    std::fs::write(kit.join("shards/stray.js"), "x").unwrap();
    let mut marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(kit.join("kit.json")).unwrap()).unwrap();
    marker["files"]
        .as_array_mut()
        .unwrap()
        .push("shards/stray.js".into());
    std::fs::write(kit.join("kit.json"), marker.to_string()).unwrap();
    ok(&["kit", "--bundle", b, "--out", kit.to_str().unwrap()]);
    assert!(!kit.join("shards/stray.js").exists());
    assert!(kit.join("index.html").is_file());
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
