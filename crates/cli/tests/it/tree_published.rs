//! `airdrop tree verify` on published artifacts with no input file, and `--allow-zero`: the real
//! binary on files, each refusal checked for the message that names what is wrong.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support::cli::run;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Eight recipients: proofs three levels deep.
const ROWS: &str = "address,amount\n\
0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,500\n\
0x70997970C51812dc3A010C7d01b50e0d17dc79C8,300\n\
0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,200\n\
0x90F79bf6EB2c4f870365E785982E1f101E93b906,100\n\
0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65,50\n\
0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc,40\n\
0x976EA74026E726554dB657fA54763abd0C3a0aa9,30\n\
0x14dC79964da2C08b23698B3D3cc7Ca32193d9955,20\n";

fn build(dir: &Path, preset: &str, out: &str, extra: &[&str]) -> String {
    let input = dir.join("in.csv");
    std::fs::write(&input, ROWS).unwrap();
    let out = dir.join(out).display().to_string();
    let mut args = vec![
        "tree",
        "build",
        "--preset",
        preset,
        "--input",
        input.to_str().unwrap(),
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn read(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write(path: &str, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn verify(path: &str, extra: &[&str]) -> Output {
    let mut args = vec!["tree", "verify", "--tree", path];
    args.extend_from_slice(extra);
    run(&args)
}

/// Flips the last hex digit of a hash string.
fn flip(h: &str) -> String {
    let mut s = h.to_owned();
    let last = s.pop().unwrap();
    s.push(if last == '0' { '1' } else { '0' });
    s
}

fn refused(o: &Output, needles: &[&str]) {
    assert!(!o.status.success(), "accepted: {}", stdout(o));
    let e = stderr(o);
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    for n in needles {
        assert!(e.contains(n), "{n:?} not in {e}");
    }
}

#[test]
fn uniswap_claims_as_published_with_flags_verify_and_expect_root_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), "uniswap", "claims.json", &[]);
    let mut doc = read(&out);
    let root = doc["merkleRoot"].as_str().unwrap().to_owned();
    // Uniswap's published file carries per-claim `flags` and hex amounts.
    for c in doc["claims"].as_object_mut().unwrap().values_mut() {
        c["flags"] = json!({"isSOCKS": false, "isLP": true, "isUser": true});
    }
    write(&out, &doc);
    let ok = verify(&out, &["--expect-root", &root]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("with 8 claims"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("total: 1240"), "{}", stdout(&ok));

    let wrong = flip(&root);
    refused(
        &verify(&out, &["--expect-root", &wrong]),
        &["root mismatch", &root, &wrong, "--expect-root"],
    );
    refused(
        &verify(&out, &["--expect-root", "0x12"]),
        &["--expect-root", "not a 32-byte hex hash"],
    );

    // Uniswap's own published example, read in place.
    let published = vectors().join("uniswap/result.json");
    let published = published.to_str().unwrap();
    let ok = verify(
        published,
        &[
            "--expect-root",
            "0xdefa96435aec82d201dbd2e5f050fb4e1fef5edac90ce1e03953f916a5e1132d",
        ],
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn a_flipped_proof_byte_is_named_with_its_claim_index_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), "uniswap", "claims.json", &[]);
    let mut doc = read(&out);
    let who = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    let index = doc["claims"][who]["index"].as_u64().unwrap();
    let p = &mut doc["claims"][who]["proof"][1];
    *p = Value::String(flip(p.as_str().unwrap()));
    write(&out, &doc);
    refused(
        &verify(&out, &[]),
        &[
            who,
            &format!("index {index}"),
            "amount 200",
            "fails at level 1",
        ],
    );
}

#[test]
fn a_changed_amount_is_named_with_its_claim() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), "uniswap", "claims.json", &[]);
    let text = std::fs::read_to_string(&out).unwrap();
    // 200 = 0xc8 for 0x3C44…; publish 201 instead.
    let tampered = text.replacen("\"amount\":\"0xc8\"", "\"amount\":\"0xc9\"", 1);
    assert_ne!(tampered, text);
    std::fs::write(&out, tampered).unwrap();
    refused(
        &verify(&out, &[]),
        &[
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            "amount 201",
            "fails at level 0",
        ],
    );
}

#[test]
fn a_missing_shard_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), "ens", "drop", &[]);
    let ok = verify(&out, &[]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    // 0x3C44… lives in shard 3c.
    std::fs::remove_file(Path::new(&out).join("shards/3c.json")).unwrap();
    refused(
        &verify(&out, &[]),
        &["shard 3c is listed", "shards/3c.json is missing"],
    );
}

/// A proof file as packed-leaf distributors publish it: a root, a total, and per address an
/// amount and a proof, no index.
fn proof_file(claims: &Value) -> Value {
    let mut proofs = serde_json::Map::new();
    for (who, c) in claims["claims"].as_object().unwrap() {
        proofs.insert(
            who.clone(),
            json!({"amount": c["amount"], "proof": c["proof"]}),
        );
    }
    json!({"root": claims["merkleRoot"], "total": claims["tokenTotal"], "proofs": proofs})
}

#[test]
fn morpho_and_balancer_proof_files_verify_and_a_bad_proof_is_named() {
    let dir = tempfile::tempdir().unwrap();
    for (preset, order) in [("morpho", "input-order"), ("balancer", "sorted")] {
        let out = build(dir.path(), preset, &format!("{preset}.json"), &[]);
        let root = read(&out)["merkleRoot"].as_str().unwrap().to_owned();
        let mut doc = proof_file(&read(&out));
        let path = dir.path().join(format!("{preset}-proofs.json"));
        let path = path.to_str().unwrap();
        write(path, &doc);
        let ok = verify(path, &["--expect-root", &root]);
        assert!(ok.status.success(), "{preset}: {}", stderr(&ok));
        assert!(stdout(&ok).contains(order), "{}", stdout(&ok));
        if preset == "morpho" {
            // Morpho's files also list the leaves in tree order: that order is used, whatever
            // the order of the `proofs` keys.
            let leaves: Vec<Value> = ROWS
                .lines()
                .skip(1)
                .map(|l| {
                    let (a, v) = l.split_once(',').unwrap();
                    let (a, v): (Address, U256) = (a.parse().unwrap(), v.parse().unwrap());
                    json!(keccak256([a.as_slice(), &v.to_be_bytes::<32>()].concat()))
                })
                .collect();
            let mut reversed = serde_json::Map::new();
            for (k, v) in doc["proofs"].as_object().unwrap().iter().rev() {
                reversed.insert(k.clone(), v.clone());
            }
            let listed =
                json!({"root": root, "total": "1240", "proofs": reversed, "leaves": leaves});
            write(path, &listed);
            let ok = verify(path, &["--expect-root", &root]);
            assert!(ok.status.success(), "listed: {}", stderr(&ok));
            assert!(stdout(&ok).contains("listed-order"), "{}", stdout(&ok));
        }

        let who = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
        let p = &mut doc["proofs"][who]["proof"][2];
        *p = Value::String(flip(p.as_str().unwrap()));
        write(path, &doc);
        refused(&verify(path, &[]), &[who, "amount 100", "fails at level 2"]);
    }
}

#[test]
fn a_jito_tree_with_a_flipped_proof_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = vectors().join("jito/jito_merkle_tree_21.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    let node = &mut doc["tree_nodes"][4];
    let b = node["proof"][0][31].as_u64().unwrap();
    node["proof"][0][31] = json!(b ^ 1);
    let path = dir.path().join("tree.json");
    let path = path.to_str().unwrap();
    write(path, &doc);
    refused(&verify(path, &[]), &["(index 4,", "fails at level 0"]);
}

#[test]
fn zero_rows_are_refused_unless_allowed_then_kept_with_a_warning_each() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("zero.csv");
    let text = ROWS.replace(
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65,50",
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65,0",
    );
    std::fs::write(&input, text).unwrap();
    let input = input.to_str().unwrap();
    for preset in ["uniswap", "oz-standard", "ens", "balancer", "morpho"] {
        let out = dir
            .path()
            .join(format!("{preset}.out"))
            .display()
            .to_string();
        let args = [
            "tree", "build", "--preset", preset, "--input", input, "--out", &out,
        ];
        refused(
            &run(&args),
            &[
                "zero.csv:6",
                "amount is zero for 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
                "--allow-zero",
            ],
        );
        let mut allowed = args.to_vec();
        allowed.push("--allow-zero");
        let o = run(&allowed);
        assert!(o.status.success(), "{preset}: {}", stderr(&o));
        let e = stderr(&o);
        assert_eq!(e.matches("warning:").count(), 1, "{e}");
        assert!(
            e.contains("zero.csv:6: amount is zero for 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
            "{e}"
        );
        assert!(stdout(&o).contains("claims: 8"), "{}", stdout(&o));
        let v = verify(&out, &[]);
        assert!(v.status.success(), "{preset}: {}", stderr(&v));
    }
}

// ---- ENS/Hop shard folders, as ENS's ShardedMerkleTree wrote them ---------------------------
// Built here by an independent implementation: root.json {root, shardNybbles, total} and one
// XX.json {proof, entries: {address: {balance}}} per shard, no proofs per entry.

use alloy::primitives::{keccak256, Address, B256, U256};

fn pair(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    keccak256([lo.as_slice(), hi.as_slice()].concat())
}

/// Sorted leaves, sorted pairs, odd node carried up: every level, leaves first.
fn levels(mut leaves: Vec<B256>) -> Vec<Vec<B256>> {
    leaves.sort();
    let mut out = vec![leaves];
    while out.last().unwrap().len() > 1 {
        let next = out
            .last()
            .unwrap()
            .chunks(2)
            .map(|c| if c.len() == 2 { pair(c[0], c[1]) } else { c[0] })
            .collect();
        out.push(next);
    }
    out
}

fn proof_of(levels: &[Vec<B256>], leaf: B256) -> Vec<B256> {
    let mut i = levels[0].iter().position(|l| *l == leaf).unwrap();
    let mut proof = Vec::new();
    for level in &levels[..levels.len() - 1] {
        if let Some(s) = level.get(i ^ 1) {
            proof.push(*s);
        }
        i /= 2;
    }
    proof
}

fn ens_folder(dir: &Path) -> String {
    let mut shards: std::collections::BTreeMap<String, Vec<(Address, U256)>> = Default::default();
    for line in ROWS.lines().skip(1) {
        let (a, v) = line.split_once(',').unwrap();
        let a: Address = a.parse().unwrap();
        shards
            .entry(format!("{a:x}")[..1].to_owned())
            .or_default()
            .push((a, v.parse().unwrap()));
    }
    let leaf = |a: &Address, v: &U256| keccak256([a.as_slice(), &v.to_be_bytes::<32>()].concat());
    let roots: Vec<(String, B256)> = shards
        .iter()
        .map(|(id, rows)| {
            let l = levels(rows.iter().map(|(a, v)| leaf(a, v)).collect());
            (id.clone(), l.last().unwrap()[0])
        })
        .collect();
    let top = levels(roots.iter().map(|(_, r)| *r).collect());
    let root = top.last().unwrap()[0];
    let folder = dir.join("ens");
    std::fs::create_dir_all(&folder).unwrap();
    for ((id, rows), (_, shard_root)) in shards.iter().zip(&roots) {
        let entries: serde_json::Map<String, Value> = rows
            .iter()
            .enumerate()
            .map(|(i, (a, v))| {
                // ENS's script wrote ethers BigNumbers as {type, hex}; plain strings also occur.
                let balance = if i % 2 == 0 {
                    json!({"type": "BigNumber", "hex": format!("{v:#x}")})
                } else {
                    json!(v.to_string())
                };
                (
                    a.to_checksum(None),
                    json!({"balance": balance, "past_tokens": "1"}),
                )
            })
            .collect();
        let doc = json!({"proof": proof_of(&top, *shard_root), "entries": entries});
        write(folder.join(format!("{id}.json")).to_str().unwrap(), &doc);
    }
    let doc = json!({"root": root, "shardNybbles": 1, "total": "1240"});
    write(folder.join("root.json").to_str().unwrap(), &doc);
    folder.display().to_string()
}

#[test]
fn ens_shard_folders_as_published_verify_and_each_fault_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = ens_folder(dir.path());
    let root = read(&format!("{folder}/root.json"))["root"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = verify(&folder, &["--expect-root", &root]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("with 8 claims"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("total: 1240"), "{}", stdout(&ok));
    refused(
        &verify(&folder, &["--expect-root", &flip(&root)]),
        &["root mismatch"],
    );

    // A flipped byte in shard 9's proof.
    let nine = format!("{folder}/9.json");
    let good = read(&nine);
    let mut doc = good.clone();
    let p = &mut doc["proof"][0];
    *p = Value::String(flip(p.as_str().unwrap()));
    write(&nine, &doc);
    refused(
        &verify(&folder, &[]),
        &["9.json", "shard 9", "fails at level 0, where it has"],
    );

    // A changed balance in shard 9.
    let mut doc = good.clone();
    doc["entries"]["0x90F79bf6EB2c4f870365E785982E1f101E93b906"]["balance"] = json!("101");
    write(&nine, &doc);
    refused(
        &verify(&folder, &[]),
        &["9.json", "shard 9", "the leaf itself"],
    );

    // Shard 9 missing altogether.
    std::fs::remove_file(&nine).unwrap();
    refused(
        &verify(&folder, &[]),
        &["a shard file is missing", "absent: 0, 2, 4, 5, 6, 8, 9, a"],
    );
}

#[test]
fn an_openzeppelin_dump_with_a_changed_node_or_value_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = vectors().join("openzeppelin/standard-v1.sorted.1_0_6.json");
    let good: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    let path = dir.path().join("dump.json");
    let path = path.to_str().unwrap();

    let mut doc = good.clone();
    let node = &mut doc["tree"][2];
    *node = Value::String(flip(node.as_str().unwrap()));
    write(path, &doc);
    refused(
        &verify(path, &[]),
        &["tree node 2 (level 1 below the root)", "children 5 and 6"],
    );

    let mut doc = good.clone();
    doc["values"][1]["value"][0] = json!("a changed value");
    write(path, &doc);
    refused(
        &verify(path, &[]),
        &["value 1 hashes to", "not the leaf at tree index"],
    );
}

#[test]
fn an_address_amount_dump_reports_its_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), "oz-standard", "dump.json", &[]);
    let ok = verify(&out, &[]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("with 8 claims"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("total: 1240"), "{}", stdout(&ok));
}
