//! The committed contract artifacts (`contracts/out/*.json`) are what the sources compile to:
//! recompiles `contracts/src` with the pinned solc-js and compares byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

#[test]
fn contract_artifacts_match_their_sources() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert!(
        root.join("node_modules/solc").exists(),
        "node_modules/solc is missing: run `npm ci` at the repository root (scripts/test does)"
    );
    let out = Command::new("node")
        .arg(root.join("contracts/build.mjs"))
        .arg("--check")
        .output()
        .expect("cannot run node (needed to compile the test contracts)");
    assert!(
        out.status.success(),
        "contracts/out is stale; run `npm run build:contracts`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "TestToken",
        "TestNFT",
        "RebasingToken",
        "HoneypotToken",
        "OddToken",
    ] {
        let text =
            std::fs::read_to_string(root.join(format!("contracts/out/{name}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            v["bytecode"].as_str().unwrap().len() > 1000,
            "{name} has bytecode"
        );
        assert!(v["abi"].as_array().unwrap().len() > 5, "{name} has an abi");
    }
}
