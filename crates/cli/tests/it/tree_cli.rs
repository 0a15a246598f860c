//! End-to-end: the real `airdrop` binary on files, for every preset and every bad input.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_airdrop"))
}

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run airdrop")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const GOOD: &str = "address,amount\n\
0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,100\n\
0x17ec8597ff92c3f44523bdc65bf0f1be632917ff,250\n\
0x63FC2aD3d021a4D7e64323529a55a9442C444dA0,7\n\
0xd1d84f0e28d6fedf03c73151f98df95139700aa7,1000000000000000000000\n";

#[test]
fn every_preset_builds_verifies_and_proves() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", GOOD);
    for (preset, extra) in [
        ("uniswap", vec![]),
        ("oz-standard", vec![]),
        ("ens", vec![]),
        ("balancer", vec![]),
        ("morpho", vec![]),
        ("uniswap", vec!["--shards", "16"]),
        ("oz-standard", vec!["--no-sort"]),
    ] {
        let out = dir.path().join(format!("{preset}-{}", extra.len()));
        let out_s = out.display().to_string();
        let mut args = vec![
            "tree", "build", "--preset", preset, "--input", &input, "--out", &out_s,
        ];
        args.extend(extra.iter().copied());
        let o = run(&args);
        assert!(o.status.success(), "{preset}: {}", stderr(&o));
        let root = last_line(&o);
        assert!(
            root.starts_with("0x") && root.len() == 66 && root == root.to_lowercase(),
            "{root}"
        );

        let v = run(&["tree", "verify", "--tree", &out_s]);
        assert!(v.status.success(), "{preset}: {}", stderr(&v));
        assert_eq!(last_line(&v), root, "{preset}");

        let p = run(&[
            "tree",
            "proof",
            "--tree",
            &out_s,
            "0x63fc2ad3d021a4d7e64323529a55a9442c444da0",
        ]);
        assert!(p.status.success(), "{preset}: {}", stderr(&p));
        let claim: serde_json::Value = serde_json::from_str(&stdout(&p)).unwrap();
        assert_eq!(claim["merkleRoot"], root.as_str(), "{preset}");
        assert_eq!(
            claim["address"],
            "0x63FC2aD3d021a4D7e64323529a55a9442C444dA0"
        );
    }
}

#[test]
fn uniswap_json_input_gives_the_published_root() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("claims.json").display().to_string();
    let input = vectors().join("uniswap/example.json").display().to_string();
    let o = run(&[
        "tree", "build", "--preset", "uniswap", "--input", &input, "--out", &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "0xdefa96435aec82d201dbd2e5f050fb4e1fef5edac90ce1e03953f916a5e1132d"
    );
}

#[test]
fn jito_preset_builds_from_their_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tree.json").display().to_string();
    let input = vectors()
        .join("jito/jito_test_csv.csv")
        .display()
        .to_string();
    let o = run(&[
        "tree", "build", "--preset", "jito", "--input", &input, "--out", &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = run(&["tree", "verify", "--tree", &out]);
    assert!(v.status.success(), "{}", stderr(&v));
    assert_eq!(last_line(&v), last_line(&o));
    let p = run(&[
        "tree",
        "proof",
        "--tree",
        &out,
        "4SX6nqv5VRLMoNfYM5phvHgcBNcBEwUEES4qPPjf1EqS",
    ]);
    assert!(p.status.success(), "{}", stderr(&p));
    assert!(stdout(&p).contains("\"amount_unlocked\": 1000"));
}

#[test]
fn openzeppelin_custom_encoding_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.csv",
        "index,account,amount\n0,0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,100\n1,0x17ec8597ff92c3f44523bdc65bf0f1be632917ff,5\n",
    );
    let out = dir.path().join("dump.json").display().to_string();
    let o = run(&[
        "tree",
        "build",
        "--preset",
        "oz-standard",
        "--encoding",
        "index:uint256,account:address,amount:uint256",
        "--input",
        &input,
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dump: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(dump["format"], "standard-v1");
    assert_eq!(
        dump["leafEncoding"],
        serde_json::json!(["uint256", "address", "uint256"])
    );
    let v = run(&["tree", "verify", "--tree", &out]);
    assert!(v.status.success(), "{}", stderr(&v));
}

#[test]
fn openzeppelin_multiproof_from_the_cli_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", GOOD);
    let out = dir.path().join("dump.json").display().to_string();
    assert!(run(&[
        "tree",
        "build",
        "--preset",
        "oz-standard",
        "--input",
        &input,
        "--out",
        &out
    ])
    .status
    .success());
    let o = run(&[
        "tree",
        "proof",
        "--tree",
        &out,
        "--multiproof",
        "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
        "0x63FC2aD3d021a4D7e64323529a55a9442C444dA0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mp: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let parse = |v: &serde_json::Value| -> Vec<airdrop_merkle::B256> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().parse().unwrap())
            .collect()
    };
    let multi = airdrop_merkle::oz::MultiProof {
        leaves: parse(&mp["leafHashes"]),
        proof: parse(&mp["proof"]),
        proof_flags: mp["proofFlags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_bool().unwrap())
            .collect(),
    };
    let root: airdrop_merkle::B256 = mp["merkleRoot"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        airdrop_merkle::oz::process_multiproof(&multi).unwrap(),
        root
    );
    assert_eq!(mp["leaves"].as_array().unwrap().len(), 2);
}

#[test]
fn merge_duplicates_sums_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{GOOD}0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f,1\n");
    let input = write(dir.path(), "dup.csv", &text);
    let out = dir.path().join("c.json").display().to_string();
    let o = run(&["tree", "build", "--input", &input, "--out", &out]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("dup.csv:6")
            && e.contains("duplicate address")
            && e.contains("line 2")
            && e.contains("--merge-duplicates"),
        "{e}"
    );
    assert!(!Path::new(&out).exists(), "no output on failure");

    let o = run(&[
        "tree",
        "build",
        "--merge-duplicates",
        "--input",
        &input,
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("merged 1 duplicate"), "{}", stderr(&o));
    let p = run(&[
        "tree",
        "proof",
        "--tree",
        &out,
        "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
    ]);
    let claim: serde_json::Value = serde_json::from_str(&stdout(&p)).unwrap();
    assert_eq!(claim["amount"], "0x65"); // 100 + 1
}

/// Each bad input fails with one line naming the file, the line and what is wrong.
#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "malformed.csv",
            "address,amount\n0x1234,5\n".into(),
            vec!["malformed.csv:2", "invalid address", "0x1234"],
        ),
        (
            "checksum.csv",
            "address,amount\n0x5c69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,5\n".into(),
            vec![
                "checksum.csv:2",
                "checksum",
                "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
            ],
        ),
        (
            "negative.csv",
            "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,-5\n".into(),
            vec!["negative.csv:2", "negative"],
        ),
        (
            "fraction.csv",
            "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,1.5\n".into(),
            vec!["fraction.csv:2", "fractional", "base units"],
        ),
        (
            "overflow.csv",
            format!(
                "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,{}0\n",
                "115792089237316195423570985008687907853269984665640564039457584007913129639935"
            ),
            vec!["overflow.csv:2", "overflows uint256"],
        ),
        (
            "zero.csv",
            "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,0\n".into(),
            vec!["zero.csv:2", "zero"],
        ),
        (
            "empty.csv",
            "address,amount\n".into(),
            vec!["empty.csv", "no entries"],
        ),
        ("blank.csv", "".into(), vec!["blank.csv", "no entries"]),
        (
            "missing.csv",
            "address\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n".into(),
            vec!["missing.csv:1", "missing column \"amount\""],
        ),
        (
            "unknown.csv",
            "address,amount,note\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,5,x\n".into(),
            vec!["unknown.csv:1", "unknown column \"note\""],
        ),
        (
            "ragged.csv",
            "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,5,9\n".into(),
            vec!["ragged.csv:2", "3 fields"],
        ),
        (
            "key.csv",
            format!("address,amount\n{key},5\n"),
            vec!["key.csv:2", "private key", "No genuine airdrop ever needs"],
        ),
        (
            "key0x.csv",
            format!("address,amount\n0x{key},5\n"),
            vec!["key0x.csv:2", "private key"],
        ),
        (
            "keyamount.csv",
            format!("address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,{key}\n"),
            vec!["keyamount.csv:2", "private key"],
        ),
        (
            "phrase.csv",
            "address,amount\n\"test test test test test test test test test test test junk\",5\n"
                .into(),
            vec!["phrase.csv:2", "recovery phrase"],
        ),
        (
            "bad.json",
            "{\"0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\": 1,,}".into(),
            vec!["bad.json:1", "malformed JSON"],
        ),
        (
            "bigjson.json",
            "{\"0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\": 123456789012345678901234567890}"
                .into(),
            vec!["bigjson.json", "write amounts as strings"],
        ),
    ];
    for (name, text, needles) in cases {
        let input = write(dir.path(), name, &text);
        let out = dir.path().join(format!("{name}.out")).display().to_string();
        let o = run(&["tree", "build", "--input", &input, "--out", &out]);
        let e = stderr(&o);
        assert!(!o.status.success(), "{name} should fail");
        assert_eq!(o.status.code(), Some(1), "{name}: {e}");
        assert_eq!(
            e.trim_end().lines().count(),
            1,
            "{name}: one line expected: {e}"
        );
        for n in needles {
            assert!(e.contains(n), "{name}: {n:?} not in {e:?}");
        }
        assert!(!e.contains(&key[10..]), "{name}: secret echoed: {e}");
        assert!(!e.contains("junk"), "{name}: phrase echoed: {e}");
        assert!(!e.contains("panicked"), "{name}: {e}");
        assert!(
            !Path::new(&out).exists(),
            "{name}: output written despite error"
        );
    }
}

#[test]
fn bad_options_and_missing_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", GOOD);
    let out = dir.path().join("x").display().to_string();
    for (args, needle) in [
        (
            vec![
                "tree", "build", "--shards", "7", "--input", &input, "--out", &out,
            ],
            "use 16",
        ),
        (
            vec![
                "tree",
                "build",
                "--preset",
                "uniswap",
                "--encoding",
                "address,uint256",
                "--input",
                &input,
                "--out",
                &out,
            ],
            "oz-standard preset only",
        ),
        (
            vec![
                "tree",
                "build",
                "--preset",
                "oz-standard",
                "--encoding",
                "address,uint999",
                "--input",
                &input,
                "--out",
                &out,
            ],
            "unknown type",
        ),
        (
            vec![
                "tree",
                "build",
                "--input",
                "/nonexistent/in.csv",
                "--out",
                &out,
            ],
            "cannot open /nonexistent/in.csv",
        ),
        (
            vec!["tree", "verify", "--tree", "/nonexistent/claims.json"],
            "cannot open",
        ),
    ] {
        let o = run(&args);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains(needle),
            "{needle:?} not in {}",
            stderr(&o)
        );
    }
    let o = run(&[
        "tree", "build", "--preset", "nope", "--input", &input, "--out", &out,
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown preset"), "{}", stderr(&o));
}

#[test]
fn verify_refuses_tampered_files_and_proof_reports_unknown_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", GOOD);
    let out = dir.path().join("c.json").display().to_string();
    assert!(run(&["tree", "build", "--input", &input, "--out", &out])
        .status
        .success());
    let text = std::fs::read_to_string(&out).unwrap();
    // Raise one claim's amount: the root no longer follows from the data.
    let tampered = text.replacen("\"amount\":\"0x07\"", "\"amount\":\"0x08\"", 1);
    assert_ne!(tampered, text);
    std::fs::write(&out, tampered).unwrap();
    let v = run(&["tree", "verify", "--tree", &out]);
    assert!(!v.status.success());
    assert!(
        stderr(&v).contains("tokenTotal") || stderr(&v).contains("rebuild"),
        "{}",
        stderr(&v)
    );

    assert!(run(&["tree", "build", "--input", &input, "--out", &out])
        .status
        .success());
    let p = run(&[
        "tree",
        "proof",
        "--tree",
        &out,
        "0x0000000000000000000000000000000000000001",
    ]);
    assert!(!p.status.success());
    assert!(stderr(&p).contains("not in this tree"), "{}", stderr(&p));
}

const KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const PHRASE: &str = "test test test test test test test test test test test junk";
const A: &str = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f";

/// Runs `tree build` on a file named `name` holding `text`, expecting one short error line with
/// every needle, no secret in stdout or stderr, and no output written.
fn refused(dir: &Path, name: &str, text: &str, extra: &[&str], needles: &[&str]) -> String {
    let input = write(dir, name, text);
    let out = dir.join(format!("{name}.out")).display().to_string();
    let mut args = vec!["tree", "build", "--input", &input, "--out", &out];
    args.extend(extra);
    let o = run(&args);
    let (e, so) = (stderr(&o), stdout(&o));
    assert_eq!(o.status.code(), Some(1), "{name}: {e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{name}: {e}");
    assert!(e.len() < 400, "{name}: error of {} bytes", e.len());
    for n in needles {
        assert!(e.contains(n), "{name}: {n:?} not in {e:?}");
    }
    for text in [&e, &so] {
        assert!(!text.contains(&KEY[8..40]), "{name}: key echoed: {text}");
        assert!(!text.contains("junk"), "{name}: phrase echoed: {text}");
    }
    assert!(!Path::new(&out).exists(), "{name}: output written");
    e
}

#[test]
fn a_secret_anywhere_in_a_cell_is_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key_in_address = format!("address,amount\nmy key is {KEY},5\n");
    refused(
        d,
        "a.csv",
        &key_in_address,
        &[],
        &["a.csv:2", "private key"],
    );
    let key_in_amount = format!("address,amount\n{A},5 {KEY}\n");
    refused(d, "b.csv", &key_in_amount, &[], &["b.csv:2", "private key"]);
    let phrase_in_address = format!("address,amount\n\"my words: {PHRASE}!\",5\n");
    refused(
        d,
        "c.csv",
        &phrase_in_address,
        &[],
        &["c.csv:2", "recovery phrase"],
    );
    let key_in_map_key = format!("{{\"my key is {KEY}\": \"5\"}}");
    refused(
        d,
        "d.json",
        &key_in_map_key,
        &[],
        &["d.json", "private key"],
    );
    let key_in_map_value = format!("{{\"{A}\": \"my key is {KEY}\"}}");
    refused(
        d,
        "e.json",
        &key_in_map_value,
        &[],
        &["e.json", "private key"],
    );
    let oz = ["--preset", "oz-standard", "--encoding", "address,string"];
    let key_in_string = format!("address,string\n{A},note {KEY}\n");
    refused(d, "f.csv", &key_in_string, &oz, &["f.csv:2", "private key"]);
    let phrase_in_string = format!("[[\"{A}\", \"{PHRASE}\"]]");
    refused(
        d,
        "g.json",
        &phrase_in_string,
        &oz,
        &["g.json", "recovery phrase"],
    );
    let header = format!("address,{KEY}\n{A},5\n");
    refused(d, "h.csv", &header, &[], &["h.csv:1", "private key"]);
}

#[test]
fn json_keys_twice_hex_and_signed_amounts_and_the_zero_address_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let twice = format!("{{\"{A}\": \"1\",\n \"{A}\": \"1000000\"}}");
    refused(
        d,
        "twice.json",
        &twice,
        &[],
        &["twice.json:2", "duplicate key", A],
    );
    let hex = format!("address,amount\n{A},0x64\n");
    refused(
        d,
        "hex.csv",
        &hex,
        &[],
        &["hex.csv:2", "hex amount \"0x64\""],
    );
    let hex_map = format!("{{\"{A}\": \"0x64\"}}");
    refused(
        d,
        "hexmap.json",
        &hex_map,
        &[],
        &["hexmap.json", "hex amount"],
    );
    let plus = format!("address,amount\n{A},+5\n");
    refused(
        d,
        "plus.csv",
        &plus,
        &[],
        &["plus.csv:2", "signed amount \"+5\""],
    );
    let zero = "address,amount\n0x0000000000000000000000000000000000000000,5\n";
    refused(d, "zero.csv", zero, &[], &["zero.csv:2", "zero address"]);
    // Uniswap's `earnings` are hex by their format, and still read.
    let earnings = format!("[{{\"address\": \"{A}\", \"earnings\": \"0x64\", \"reasons\": \"\"}}]");
    let input = write(d, "earnings.json", &earnings);
    let out = d.join("earnings").display().to_string();
    let o = run(&["tree", "build", "--input", &input, "--out", &out]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn unbounded_inputs_fail_fast_and_short() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A NUL-filled file without a newline (sparse: nothing is written to disk).
    let nul = d.join("nul.csv");
    std::fs::File::create(&nul)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let out = d.join("x").display().to_string();
    let o = run(&[
        "tree",
        "build",
        "--input",
        nul.to_str().unwrap(),
        "--out",
        &out,
    ]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{}", &e[..e.len().min(300)]);
    assert!(
        e.len() < 400 && e.contains("longer than 64 KiB"),
        "{} bytes: {}",
        e.len(),
        &e[..e.len().min(300)]
    );
    // A long row after a good header.
    let mut long = format!("address,amount\n{A},");
    long.push_str(&"1".repeat(2 << 20));
    refused(d, "long.csv", &long, &[], &["line 2 is longer than 1 MiB"]);
    // Not regular files: refused before a byte is read.
    for (path, needle) in [("/dev/zero", "not a regular file"), (".", "it is a folder")] {
        let path = if path == "." {
            d.display().to_string()
        } else {
            path.to_owned()
        };
        let o = run(&["tree", "build", "--input", &path, "--out", &out]);
        assert!(stderr(&o).contains(needle), "{path}: {}", stderr(&o));
        let o = run(&["tree", "verify", "--tree", &path]);
        assert!(
            !o.status.success() && stderr(&o).len() < 400,
            "{path}: {}",
            stderr(&o)
        );
    }
    let fifo = d.join("fifo.csv");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = run(&[
        "tree",
        "build",
        "--input",
        fifo.to_str().unwrap(),
        "--out",
        &out,
    ]);
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

#[test]
fn an_endless_stdin_fails_fast_with_bounded_memory() {
    use std::io::Write;
    let mut child = bin()
        .args(["tree", "build", "--input", "-", "--out"])
        .arg(tempfile::tempdir().unwrap().path().join("o"))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Up to 512 MiB of NULs, stopped by the broken pipe once the reader gave up.
    let feeder = std::thread::spawn(move || {
        let chunk = vec![0u8; 1 << 20];
        let mut sent = 0usize;
        while sent < 512 && stdin.write_all(&chunk).is_ok() {
            sent += 1;
        }
        sent
    });
    let o = child.wait_with_output().unwrap();
    let sent = feeder.join().unwrap();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("longer than 64 KiB") && e.len() < 400, "{e}");
    assert!(sent < 512, "the reader kept reading: {sent} MiB");
}
