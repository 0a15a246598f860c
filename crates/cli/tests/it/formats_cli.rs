//! End-to-end: `airdrop tree build --preset merkl|thirdweb|jupiter` and `airdrop tree diff` on
//! the fixtures of `../shared/vectors/{merkl,thirdweb,jupiter}` (read in place) and on bad input.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vectors(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors")
        .join(rel)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .output()
        .expect("run airdrop")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The one `error: …` line of a failed run.
fn fails(args: &[&str]) -> String {
    let o = run(args);
    assert!(!o.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.starts_with("error: "), "{err}");
    err
}

fn last(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn merkl_reward_files_rebuild_to_their_published_roots() {
    let dir = tempfile::tempdir().unwrap();
    for (i, f) in ["469401", "469414", "470290"].iter().enumerate() {
        let input = vectors(&format!("merkl/rewards_v1_epoch{f}.json"));
        let published = read_json(Path::new(&input))["merklRoot"].clone();
        let out = dir.path().join(format!("e{i}.json"));
        let args = [
            "tree", "build", "--preset", "merkl", "--input", &input, "--out",
        ];
        let stdout = ok(&[&args[..], &[out.to_str().unwrap()]].concat());
        assert_eq!(last(&stdout), published.as_str().unwrap(), "{f}");
        assert_eq!(read_json(&out)["merklRoot"], published);
        // The later layouts are options, and give other roots of the same rewards.
        let sorted = ok(&[
            &args[..],
            &[
                out.to_str().unwrap(),
                "--merkl-order",
                "sorted-leaves",
                "-q",
            ],
        ]
        .concat());
        assert_ne!(last(&sorted), published.as_str().unwrap());
    }
    // Two published epochs: what became claimable, and no decrease.
    let (e0, e1) = (dir.path().join("e0.json"), dir.path().join("e1.json"));
    let d = ok(&["tree", "diff", e0.to_str().unwrap(), e1.to_str().unwrap()]);
    assert!(d.contains("increased 327\ndecreased 0\n"), "{d}");
    // The third file lowers 109 cumulative amounts: listed, and the command fails.
    let e2 = dir.path().join("e2.json");
    let o = run(&["tree", "diff", e1.to_str().unwrap(), e2.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("decreased 109\n"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("falls from") && err.contains("never decrease"),
        "{err}"
    );
}

#[test]
fn merkl_next_epoch_from_previous_plus_new_rewards() {
    let dir = tempfile::tempdir().unwrap();
    let (u1, u2) = (
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
    );
    let (t1, t2) = (
        "0x5615dEB798BB3E4dFa0139dFa1b3D433Cc23b72f",
        "0x2e234DAe75C793f67A35089C9d99245E1C58470b",
    );
    let first = write(
        dir.path(),
        "first.csv",
        &format!(
            "user,token,amount\n{u1},{t1},1000000000000000000\n{u2},{t2},500000000000000000\n"
        ),
    );
    let e0 = dir.path().join("e0.json").display().to_string();
    // The 2-leaf tree of merkl-contracts' unit test, in the later builder's layout.
    let root = ok(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--merkl-order",
        "nonzero-sorted",
        "--input",
        &first,
        "--out",
        &e0,
        "-q",
    ]);
    assert_eq!(
        last(&root),
        "0x0b70a97c062cb747158b89e27df5bbda859ba072232efcbe92e383e9d74b8555"
    );
    ok(&[
        "tree", "build", "--preset", "merkl", "--input", &first, "--out", &e0, "-q",
    ]);

    let added = write(
        dir.path(),
        "new.csv",
        &format!("user,token,amount\n{u2},{t1},7\n{u1},{t1},3\n"),
    );
    let e1 = dir.path().join("e1.json").display().to_string();
    let next = ok(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--previous",
        &e0,
        "--input",
        &added,
        "--out",
        &e1,
        "-q",
    ]);
    // Independently: the same cumulative table written out whole, in the same first-seen order.
    let whole = write(dir.path(), "whole.csv", &format!("user,token,amount\n{u1},{t1},1000000000000000003\n{u2},{t2},500000000000000000\n{u2},{t1},7\n"));
    let direct = ok(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--input",
        &whole,
        "--out",
        &e1.replace("e1", "w"),
        "-q",
    ]);
    assert_eq!(last(&next), last(&direct));

    // An epoch built in the later layout keeps it for the next one.
    let s0 = dir.path().join("s0.json").display().to_string();
    let s1 = dir.path().join("s1.json").display().to_string();
    ok(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--merkl-order",
        "nonzero-sorted",
        "--input",
        &first,
        "--out",
        &s0,
        "-q",
    ]);
    ok(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--previous",
        &s0,
        "--input",
        &added,
        "--out",
        &s1,
        "-q",
    ]);
    assert_eq!(read_json(Path::new(&s1))["order"], "nonzero-sorted");

    let d: Value = serde_json::from_str(&ok(&["tree", "diff", &e0, &e1, "--json"])).unwrap();
    assert_eq!(d["increased"].as_array().unwrap().len(), 2);
    assert_eq!(d["claimable_per_token"][0][1], "10");

    // A tampered previous epoch is refused before anything is built on it.
    let mut doc = read_json(Path::new(&e0));
    doc["claims"][0]["amount"] = Value::String("999".into());
    let bad = write(dir.path(), "bad.json", &doc.to_string());
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--previous",
        &bad,
        "--input",
        &added,
        "--out",
        &e1,
    ]);
    assert!(
        err.contains("claim 0") && err.contains("does not reach merklRoot"),
        "{err}"
    );
}

#[test]
fn merkl_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "r.csv", "address,amount\n");
    let out = dir.path().join("o.json").display().to_string();
    let err = fails(&[
        "tree", "build", "--preset", "merkl", "--input", &csv, "--out", &out,
    ]);
    assert!(
        err.contains("r.csv:1") && err.contains("user,token,amount"),
        "{err}"
    );
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--merkl-order",
        "x",
        "--input",
        &csv,
        "--out",
        &out,
    ]);
    assert!(err.contains("unknown merkl order \"x\""), "{err}");
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--no-sort",
        "--input",
        &csv,
        "--out",
        &out,
    ]);
    assert!(
        err.contains("--no-sort does not apply to the merkl preset"),
        "{err}"
    );
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "ens",
        "--previous",
        &out,
        "--input",
        &csv,
        "--out",
        &out,
    ]);
    assert!(
        err.contains("--previous applies to the merkl preset only"),
        "{err}"
    );
    let err = fails(&["tree", "diff", &csv, &csv]);
    assert!(err.contains("r.csv"), "{err}");
}

#[test]
fn thirdweb_snapshot_writes_shard_files_with_the_published_root() {
    let dir = tempfile::tempdir().unwrap();
    let v = read_json(Path::new(&vectors("thirdweb/sdk_snapshot_v1.json")));
    let mut csv = String::from("address,maxClaimable\n");
    for e in v["entries"].as_array().unwrap() {
        csv += &format!("{},0\n", e["address"].as_str().unwrap());
    }
    let input = write(dir.path(), "allow.csv", &csv);
    let out = dir.path().join("shards");
    let stdout = ok(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--input",
        &input,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(last(&stdout), v["merkleRoot"].as_str().unwrap());
    assert!(stdout.contains("shards: 8"), "{stdout}");
    let info = read_json(&out.join("merkle-info.json"));
    assert_eq!(info["merkleRoot"], v["merkleRoot"]);
    assert_eq!(info["shardNybbles"], 2);
    // admin 0xf39F… lives in shard f3, with its entry and the shard's master proof.
    let shard = read_json(&out.join("f3.json"));
    assert_eq!(
        shard["entries"][0]["address"],
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert_eq!(shard["proofs"].as_array().unwrap().len(), 3);
    // v5's leaf order is an option; for one-entry shards it cannot change the root.
    let js = ok(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--leaf-order",
        "js-string",
        "--input",
        &input,
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(last(&js), v["merkleRoot"].as_str().unwrap());
}

#[test]
fn thirdweb_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "a.csv",
        "address,amount\n0x0000000000000000000000000000000000000001,1\n",
    );
    let out = dir.path().join("o").display().to_string();
    let err = fails(&[
        "tree", "build", "--preset", "thirdweb", "--input", &input, "--out", &out,
    ]);
    assert!(
        err.contains("a.csv:1") && err.contains("address,maxClaimable"),
        "{err}"
    );
    let err = fails(&[
        "tree", "build", "--preset", "thirdweb", "--shards", "16", "--input", &input, "--out", &out,
    ]);
    assert!(
        err.contains("--shards does not apply to the thirdweb preset"),
        "{err}"
    );
    let err = fails(&[
        "tree", "build", "--preset", "thirdweb", "--leaf", "erc9", "--input", &input, "--out", &out,
    ]);
    assert!(err.contains("unknown thirdweb leaf \"erc9\""), "{err}");
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--leaf",
        "erc1155",
        "--shard-nybbles",
        "3",
        "--input",
        &input,
        "--out",
        &out,
    ]);
    assert!(err.contains("address,tokenId,quantity"), "{err}");
    let ok_input = write(
        dir.path(),
        "b.csv",
        "address,maxClaimable\n0x0000000000000000000000000000000000000001,1\n",
    );
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--shard-nybbles",
        "3",
        "--input",
        &ok_input,
        "--out",
        &out,
    ]);
    assert!(err.contains("--shard-nybbles 3 is not supported"), "{err}");
}

#[test]
fn jupiter_splits_into_tree_files_and_reads_ui_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let input = vectors("jito/jup_test_csv_decimal.csv");
    let out = dir.path().join("trees");
    let o = run(&[
        "tree",
        "build",
        "--preset",
        "jupiter",
        "--decimals",
        "6",
        "--max-nodes-per-tree",
        "2",
        "--input",
        &input,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("rounded down").count(), 3, "{err}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("trees: 2"), "{stdout}");
    let expected = read_json(Path::new(&vectors("jupiter/amount_conversion.json")));
    let nodes = &expected["csv_decimal_fixture"]["expected_nodes"];
    let t0 = read_json(&out.join("tree_0.json"));
    let t1 = read_json(&out.join("tree_1.json"));
    assert_eq!(
        (t0["airdrop_version"].clone(), t1["airdrop_version"].clone()),
        (0.into(), 1.into())
    );
    assert_eq!(t0["tree_nodes"][1]["amount"], nodes[1]["amount"]);
    assert_eq!(
        t1["tree_nodes"][0]["locked_amount"],
        nodes[2]["locked_amount"]
    );
    assert_eq!(t0["total_unlocked_amount"], 1000123456u64 + 2000123456);
    assert!(t0.get("max_total_claim").is_none());
    // Each file is a complete tree the existing verifier accepts.
    for f in ["tree_0.json", "tree_1.json"] {
        ok(&["tree", "verify", "--tree", out.join(f).to_str().unwrap()]);
    }
}

#[test]
fn jupiter_old_field_names_match_their_fixture_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = vectors("jito/jup_test_csv.csv");
    let out = dir.path().join("t");
    ok(&[
        "tree",
        "build",
        "--preset",
        "jupiter",
        "--tree-fields",
        "old",
        "--input",
        &input,
        "--out",
        out.to_str().unwrap(),
    ]);
    let t = read_json(&out.join("tree_0.json"));
    let fixture = read_json(Path::new(&vectors("jito/jup_merkle_tree_3.json")));
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&t), keys(&fixture));
    assert_eq!(keys(&t["tree_nodes"][0]), keys(&fixture["tree_nodes"][0]));
    assert_eq!(t["max_total_claim"], 1000 + 10 + 2000 + 20 + 1500 + 30);
}

#[test]
fn jupiter_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o").display().to_string();
    let dec = vectors("jito/jup_test_csv_decimal.csv");
    let err = fails(&[
        "tree", "build", "--preset", "jupiter", "--input", &dec, "--out", &out,
    ]);
    assert!(
        err.contains("jup_test_csv_decimal.csv:2") && err.contains("--decimals"),
        "{err}"
    );
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "jupiter",
        "--max-nodes-per-tree",
        "0",
        "--input",
        &dec,
        "--out",
        &out,
    ]);
    assert!(
        err.contains("--max-nodes-per-tree must be at least 1"),
        "{err}"
    );
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "jupiter",
        "--tree-fields",
        "v3",
        "--input",
        &dec,
        "--out",
        &out,
    ]);
    assert!(err.contains("unknown tree field names \"v3\""), "{err}");
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "jito",
        "--max-nodes-per-tree",
        "5",
        "--input",
        &dec,
        "--out",
        &out,
    ]);
    assert!(
        err.contains("--max-nodes-per-tree applies to the jupiter preset only"),
        "{err}"
    );
    let bad = write(
        dir.path(),
        "k.csv",
        "pubkey,amount,locked_amount\nnot-a-key,1,0\n",
    );
    let err = fails(&[
        "tree", "build", "--preset", "jupiter", "--input", &bad, "--out", &out,
    ]);
    assert!(
        err.contains("k.csv:2") && err.contains("invalid Solana public key"),
        "{err}"
    );
}

#[test]
fn zero_rows_are_refused_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o").display().to_string();
    let tw = write(dir.path(), "tw.csv", "address,amount\n0x0000000000000000000000000000000000000001,5\n0x0000000000000000000000000000000000000002,0\n");
    let err = fails(&[
        "tree", "build", "--preset", "thirdweb", "--leaf", "erc20", "--input", &tw, "--out", &out,
    ]);
    assert!(
        err.contains("tw.csv:3") && err.contains("zero amount") && err.contains("--allow-zero"),
        "{err}"
    );
    let jp = write(
        dir.path(),
        "jp.csv",
        "pubkey,amount,locked_amount\n4SX6nqv5VRLMoNfYM5phvHgcBNcBEwUEES4qPPjf1EqS,0,0\n",
    );
    let err = fails(&[
        "tree", "build", "--preset", "jupiter", "--input", &jp, "--out", &out,
    ]);
    assert!(
        err.contains("jp.csv:2") && err.contains("nothing to claim"),
        "{err}"
    );
}

#[test]
fn secrets_in_any_new_input_are_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o").display().to_string();
    let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let token = "0x5615dEB798BB3E4dFa0139dFa1b3D433Cc23b72f";
    let cases = [
        ("merkl", "m.csv", format!("user,token,amount\n0x{key},{token},5\n")),
        (
            "merkl",
            "m.json",
            format!("{{\"rewards\":{{\"d\":{{\"token\":\"{token}\",\"holders\":{{\"{key}\":{{\"amount\":\"1\"}}}}}}}}}}"),
        ),
        ("thirdweb", "t.csv", format!("address,maxClaimable\n{key},1\n")),
        ("jupiter", "j.csv", format!("pubkey,amount,locked_amount\n{key},1,0\n")),
    ];
    for (preset, name, text) in cases {
        let input = write(dir.path(), name, &text);
        let err = fails(&[
            "tree", "build", "--preset", preset, "--input", &input, "--out", &out,
        ]);
        assert!(
            err.contains("private key") || err.contains("refused"),
            "{preset}: {err}"
        );
        assert!(
            !err.contains(&key[..16]),
            "{preset} echoed the secret: {err}"
        );
    }
}

#[test]
fn thirdweb_decimals_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let a = "0x0000000000000000000000000000000000000001";
    let dec = write(
        dir.path(),
        "d.csv",
        &format!("address,maxClaimable\n{a},1.25\n"),
    );
    let plain = write(
        dir.path(),
        "p.csv",
        &format!("address,maxClaimable\n{a},1250\n"),
    );
    let o = out.to_str().unwrap();
    let r1 = ok(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--decimals",
        "3",
        "--input",
        &dec,
        "--out",
        o,
        "-q",
    ]);
    let r2 = ok(&[
        "tree", "build", "--preset", "thirdweb", "--input", &plain, "--out", o, "-q",
    ]);
    assert_eq!(last(&r1), last(&r2));
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--decimals",
        "1",
        "--input",
        &dec,
        "--out",
        o,
    ]);
    assert!(
        err.contains("d.csv:2") && err.contains("more than 1 decimals"),
        "{err}"
    );
    let err = fails(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--decimals",
        "1",
        "--input",
        &dec,
        "--out",
        o,
    ]);
    assert!(
        err.contains("--decimals applies to the jupiter and thirdweb presets only"),
        "{err}"
    );
}

/// Flips the last hex digit of a hash string.
fn flip_hex(h: &str) -> String {
    let mut s = h.to_owned();
    let last = s.pop().unwrap();
    s.push(if last == '0' { '1' } else { '0' });
    s
}

fn save(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn verify_tree(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["tree", "verify", "--tree", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

/// The `error: …` of a failed run, checked to be non-zero and to name every needle.
fn refused(o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "should fail: {err}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "missing {n:?} in: {err}");
    }
}

#[test]
fn tree_verify_reads_published_merkl_reward_files() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["469401", "469414", "470290"] {
        let input = vectors(&format!("merkl/rewards_v1_epoch{f}.json"));
        let root = read_json(Path::new(&input))["merklRoot"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = ok(&["tree", "verify", "--tree", &input, "--expect-root", &root]);
        assert!(out.contains("ok: merkl reward file (v1 layout)"), "{out}");
        assert_eq!(last(&out), root);
    }
    let input = vectors("merkl/rewards_v1_epoch469401.json");
    let o = verify_tree(
        Path::new(&input),
        &["--expect-root", &format!("0x{}", "11".repeat(32))],
    );
    refused(&o, &["root mismatch", "--expect-root is 0x1111"]);
    let mut doc = read_json(Path::new(&input));
    let holders = doc["rewards"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap()["holders"]
        .as_object_mut()
        .unwrap();
    holders.values_mut().next().unwrap()["amount"] = "1".into();
    let changed = dir.path().join("changed.json");
    save(&changed, &doc);
    refused(
        &verify_tree(&changed, &[]),
        &[
            "changed.json",
            "is not the root of its rewards in any known layout",
            "a reward amount, holder or token was changed",
        ],
    );
}

#[test]
fn tree_verify_reads_merkl_claims_files_and_names_a_bad_claim() {
    let dir = tempfile::tempdir().unwrap();
    let (u1, u2) = (
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
    );
    let (t1, t2) = (
        "0x5615dEB798BB3E4dFa0139dFa1b3D433Cc23b72f",
        "0x2e234DAe75C793f67A35089C9d99245E1C58470b",
    );
    let input = write(
        dir.path(),
        "r.csv",
        &format!("user,token,amount\n{u1},{t1},100\n{u2},{t2},50\n{u2},{t1},7\n{u1},{t2},3\n"),
    );
    let e0 = dir.path().join("e0.json");
    let built = ok(&[
        "tree",
        "build",
        "--preset",
        "merkl",
        "--input",
        &input,
        "--out",
        e0.to_str().unwrap(),
        "-q",
    ]);
    let root = last(&built).to_owned();
    let out =
        String::from_utf8_lossy(&verify_tree(&e0, &["--expect-root", &root]).stdout).into_owned();
    assert!(
        out.contains("ok: merkl cumulative claims (v1 layout) with 4 claims"),
        "{out}"
    );
    assert!(out.contains(&format!("total of {t1}: 107")), "{out}");
    assert!(out.contains(&format!("total of {t2}: 53")), "{out}");
    assert_eq!(last(&out), root);
    refused(
        &verify_tree(&e0, &["--expect-root", &flip_hex(&root)]),
        &["root mismatch"],
    );
    let doc = read_json(&e0);
    let claim = &doc["claims"][1];
    let who = format!(
        "the proof of {} in token {} (index 1,",
        claim["user"].as_str().unwrap(),
        claim["token"].as_str().unwrap()
    );
    let mut flipped = doc.clone();
    let p = flipped["claims"][1]["proof"][1]
        .as_str()
        .unwrap()
        .to_owned();
    flipped["claims"][1]["proof"][1] = flip_hex(&p).into();
    let bad = dir.path().join("flipped.json");
    save(&bad, &flipped);
    refused(
        &verify_tree(&bad, &[]),
        &["flipped.json", &who, "fails at level 1, where it has"],
    );
    let mut changed = doc.clone();
    changed["claims"][1]["amount"] = "999".into();
    save(&bad, &changed);
    refused(
        &verify_tree(&bad, &[]),
        &[
            "flipped.json",
            "amount 999",
            "fails at level 0, the leaf itself",
        ],
    );
}

fn thirdweb_folder(dir: &Path) -> (PathBuf, String) {
    let v = read_json(Path::new(&vectors("thirdweb/sdk_snapshot_v1.json")));
    let mut csv = String::from("address,maxClaimable\n");
    for e in v["entries"].as_array().unwrap() {
        csv += &format!("{},0\n", e["address"].as_str().unwrap());
    }
    let input = write(dir, "allow.csv", &csv);
    let out = dir.join("shards");
    ok(&[
        "tree",
        "build",
        "--preset",
        "thirdweb",
        "--input",
        &input,
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    (out, v["merkleRoot"].as_str().unwrap().to_owned())
}

#[test]
fn tree_verify_reads_thirdweb_shard_folders_and_names_each_fault() {
    let dir = tempfile::tempdir().unwrap();
    let (folder, root) = thirdweb_folder(dir.path());
    let out = String::from_utf8_lossy(&verify_tree(&folder, &["--expect-root", &root]).stdout)
        .into_owned();
    assert!(
        out.contains("ok: thirdweb sharded allowlist with 8 claims"),
        "{out}"
    );
    assert_eq!(last(&out), root);
    refused(
        &verify_tree(&folder, &["--expect-root", &flip_hex(&root)]),
        &["root mismatch"],
    );
    let shard = folder.join("f3.json");
    let good = read_json(&shard);
    let mut flipped = good.clone();
    let p = flipped["proofs"][1].as_str().unwrap().to_owned();
    flipped["proofs"][1] = flip_hex(&p).into();
    save(&shard, &flipped);
    refused(
        &verify_tree(&folder, &[]),
        &[
            "f3.json",
            "the proof of shard f3",
            "fails at level 1, where it has",
        ],
    );
    let mut changed = good.clone();
    changed["entries"][0]["maxClaimable"] = "5".into();
    save(&shard, &changed);
    refused(
        &verify_tree(&folder, &[]),
        &["f3.json", "shard f3", "fails at level 0, the leaf itself"],
    );
    std::fs::remove_file(&shard).unwrap();
    refused(
        &verify_tree(&folder, &[]),
        &["shard f3 is listed but f3.json is missing"],
    );
}

#[test]
fn tree_verify_reads_a_folder_of_jupiter_tree_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trees");
    let built = ok(&[
        "tree",
        "build",
        "--preset",
        "jupiter",
        "--decimals",
        "6",
        "--max-nodes-per-tree",
        "2",
        "--input",
        &vectors("jito/jup_test_csv_decimal.csv"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(built.contains("trees: 2"), "{built}");
    let t0 = ok(&[
        "tree",
        "verify",
        "--tree",
        out.join("tree_0.json").to_str().unwrap(),
    ]);
    let t1 = ok(&[
        "tree",
        "verify",
        "--tree",
        out.join("tree_1.json").to_str().unwrap(),
    ]);
    let (r0, r1) = (last(&t0).to_owned(), last(&t1).to_owned());
    let all = ok(&[
        "tree",
        "verify",
        "--tree",
        out.to_str().unwrap(),
        "--expect-root",
        &r0,
        "--expect-root",
        &r1,
    ]);
    assert!(
        all.contains("ok: jupiter tree_0.json with 2 claims"),
        "{all}"
    );
    assert!(
        all.contains("ok: jupiter tree_1.json with 1 claims"),
        "{all}"
    );
    assert!(all.contains(&r0) && all.contains(&r1), "{all}");
    refused(
        &verify_tree(&out, &["--expect-root", &r0]),
        &[
            "holds 2 tree files",
            "given 1 times",
            "a tree file is missing",
        ],
    );
    refused(
        &verify_tree(&out, &["--expect-root", &r0, "--expect-root", &r0]),
        &["tree_1.json: root mismatch"],
    );
    refused(
        &verify_tree(
            &out.join("tree_0.json"),
            &["--expect-root", &r0, "--expect-root", &r1],
        ),
        &["given 2 times but this is one tree"],
    );
    let file = out.join("tree_0.json");
    let good = read_json(&file);
    let mut flipped = good.clone();
    let b = flipped["tree_nodes"][1]["proof"][0][5].as_u64().unwrap();
    flipped["tree_nodes"][1]["proof"][0][5] = (b ^ 1).into();
    save(&file, &flipped);
    refused(
        &verify_tree(&out, &[]),
        &["tree_0.json", "(index 1,", "fails at level 0, where it has"],
    );
    let mut total = good.clone();
    total["total_unlocked_amount"] = 1.into();
    save(&file, &total);
    refused(
        &verify_tree(&out, &[]),
        &[
            "tree_0.json",
            "total_unlocked_amount/total_locked_amount say 1/",
        ],
    );
    let mut changed = good.clone();
    changed["tree_nodes"][0]["amount"] = 7.into();
    save(&file, &changed);
    refused(
        &verify_tree(&out, &[]),
        &[
            "tree_0.json",
            "(index 0, amount 7 unlocked",
            "the leaf itself",
        ],
    );
    std::fs::remove_file(&file).unwrap();
    refused(
        &verify_tree(&out, &[]),
        &["tree_0.json is missing", "has tree_1.json"],
    );
}
