//! `airdrop tree proof` for many addresses: one JSON line each with the tree loaded once, an
//! error line (and a failed exit) for an address without a claim, bounded address files.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support::cli::run;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Addresses 1..=n, spread over the address space, with amounts.
fn address(i: u64) -> String {
    format!("0x{:040x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15)
}

/// Builds `n` claims with `preset` (and `extra` options) into `out`.
fn build(dir: &Path, n: u64, preset: &str, extra: &[&str], out: &str) -> String {
    let mut csv = String::from("address,amount\n");
    for i in 1..=n {
        csv.push_str(&format!("{},{}\n", address(i), i * 1000));
    }
    let input = dir.join("in.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.join(out).display().to_string();
    let input = input.display().to_string();
    let mut args = vec![
        "tree", "build", "--preset", preset, "--input", &input, "--out", &out,
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn many_addresses_print_a_line_each_and_a_missing_one_fails_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    for (preset, extra) in [
        ("uniswap", vec![]),
        ("uniswap", vec!["--no-sort"]),
        ("oz-standard", vec![]),
        ("uniswap", vec!["--shards", "16"]),
    ] {
        let tree = build(
            dir.path(),
            3000,
            preset,
            &extra,
            &format!("{preset}{}", extra.len()),
        );
        let missing = address(5000);
        let asked = [address(7), missing.clone(), address(2999), address(1)];
        let mut args = vec!["tree", "proof", "--tree", &tree];
        args.extend(asked.iter().map(String::as_str));
        let o = run(&args);
        assert!(
            !o.status.success(),
            "{preset}: a missing address must fail the run"
        );
        assert!(
            stderr(&o).contains("1 of 4 addresses have no proof"),
            "{}",
            stderr(&o)
        );
        let got = lines(&o);
        assert_eq!(got.len(), 4, "{preset}");
        for (i, who) in asked.iter().enumerate() {
            if *who == missing {
                assert_eq!(got[i]["query"], 2);
                assert!(got[i]["error"]
                    .as_str()
                    .unwrap()
                    .contains("is not in this tree"));
                continue;
            }
            // Each line is exactly what asking for that one address prints.
            let one = run(&["tree", "proof", "--tree", &tree, who]);
            assert!(one.status.success(), "{}", stderr(&one));
            let alone: Value = serde_json::from_slice(&one.stdout).unwrap();
            assert_eq!(got[i], alone, "{preset} {who}");
            assert_eq!(got[i]["address"].as_str().unwrap().to_lowercase(), *who);
        }
    }
}

#[test]
fn an_addresses_file_is_read_line_by_line_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let tree = build(dir.path(), 500, "uniswap", &[], "claims.json");
    let list = dir.path().join("who.txt");
    std::fs::write(
        &list,
        format!("{}\n\n  {}  \n0x12\n", address(3), address(400)),
    )
    .unwrap();
    let o = run(&[
        "tree",
        "proof",
        "--tree",
        &tree,
        "--addresses",
        list.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let got = lines(&o);
    assert_eq!(got.len(), 3);
    assert!(got[1]["index"].as_u64().is_some());
    // The bad line is named by its line in the file, and its text is only quoted, cut short.
    assert_eq!(got[2]["query"], 4);
    assert!(got[2]["error"]
        .as_str()
        .unwrap()
        .contains("invalid address"));

    // A file over the bound is refused before anything is looked up.
    let huge = dir.path().join("huge.txt");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let o = run(&[
        "tree",
        "proof",
        "--tree",
        &tree,
        "--addresses",
        huge.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("larger than 64 MiB"), "{}", stderr(&o));

    // Addresses come from the arguments or the file, not both; a multiproof needs a dump.
    let o = run(&[
        "tree",
        "proof",
        "--tree",
        &tree,
        "--addresses",
        list.to_str().unwrap(),
        &address(3),
    ]);
    assert!(!o.status.success());
    let o = run(&[
        "tree",
        "proof",
        "--tree",
        &tree,
        "--multiproof",
        &address(3),
        &address(4),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("OpenZeppelin"), "{}", stderr(&o));
}
