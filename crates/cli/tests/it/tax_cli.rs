//! End-to-end `airdrop tax` on the worked examples of `testdata/tax` (answers worked by hand in
//! its README): each method and both jurisdictions byte for byte, and the errors word for word.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ADDRESS: &str = "0x1111111111111111111111111111111111111111";

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/tax")
        .join(name)
}

/// Runs `airdrop tax` in the case folder (so messages name files as `events.csv`).
fn tax(case_dir: &Path, rules: &[&str], out: &Path) -> Output {
    let mut args = vec![
        "tax",
        "--address",
        ADDRESS,
        "--events",
        "events.csv",
        "--prices",
        "prices.csv",
        "--disposals",
        "disposals.csv",
        "--year",
        "2025",
    ];
    args.extend_from_slice(rules);
    Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(&args)
        .arg("--out")
        .arg(out)
        .current_dir(case_dir)
        .output()
        .expect("run airdrop")
}

fn rules(name: &str) -> Vec<&'static str> {
    match name {
        "us-fifo" => vec!["--jurisdiction", "us", "--method", "fifo"],
        "us-lifo" => vec!["--jurisdiction", "us", "--method", "lifo"],
        "us-hifo" => vec!["--jurisdiction", "us", "--method", "hifo"],
        _ => vec!["--jurisdiction", "uk"],
    }
}

#[test]
fn worked_examples_match_the_golden_files_byte_for_byte() {
    let dir = case("basic");
    for name in ["us-fifo", "us-lifo", "us-hifo", "uk"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report");
        let o = tax(&dir, &rules(name), &out);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        for file in ["gains.csv", "income.csv", "summary.txt", "tax.json"] {
            let got = std::fs::read_to_string(out.join(file)).unwrap();
            let want = std::fs::read_to_string(dir.join("expected").join(name).join(file)).unwrap();
            assert_eq!(got, want, "{name}/{file} differs from the golden file");
        }
        let stdout = String::from_utf8_lossy(&o.stdout);
        let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
        assert!(
            stdout.starts_with(&summary),
            "{name}: stdout shows the summary"
        );
    }
}

#[test]
fn errors_are_one_clear_line_and_write_nothing() {
    for (name, file) in [
        ("oversell", "expected-us.err"),
        ("oversell", "expected-uk.err"),
        ("missing-prices", "expected-us.err"),
        ("missing-prices", "expected-uk.err"),
    ] {
        let dir = case(name);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report");
        let which = if file.contains("-us") {
            "us-fifo"
        } else {
            "uk"
        };
        let o = tax(&dir, &rules(which), &out);
        assert_eq!(o.status.code(), Some(1), "{name} {which}");
        let want = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stderr), want, "{name} {which}");
        assert!(!out.exists(), "{name} {which}: nothing written on error");
    }
}

#[test]
fn the_missing_price_error_lists_every_missing_pair() {
    let tmp = tempfile::tempdir().unwrap();
    let o = tax(
        &case("missing-prices"),
        &rules("us-fifo"),
        &tmp.path().join("r"),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    for pair in ["2025-02-10 AIR", "2025-04-10 USDX", "2025-05-20 USDX"] {
        assert!(err.contains(pair), "{pair} missing from: {err}");
    }
}

#[test]
fn methods_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = case("basic");
    let bad = tax(
        &dir,
        &["--jurisdiction", "us", "--method", "best"],
        &tmp.path().join("a"),
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("'best'") && err.contains("fifo, lifo, hifo"),
        "{err}"
    );

    let none = tax(&dir, &["--jurisdiction", "us"], &tmp.path().join("b"));
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("US taxes need --method"));

    let uk = tax(
        &dir,
        &["--jurisdiction", "uk", "--method", "fifo"],
        &tmp.path().join("c"),
    );
    assert_eq!(uk.status.code(), Some(1));
    let err = String::from_utf8_lossy(&uk.stderr);
    assert!(err.contains("--method does not apply to UK taxes"), "{err}");
}

#[test]
fn out_is_refused_unless_new_empty_or_ours() {
    let dir = case("basic");
    let tmp = tempfile::tempdir().unwrap();
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let o = tax(&dir, &rules("uk"), &foreign);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("never replaces what it did not write"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!foreign.join("tax.json").exists());

    // A folder holding only a tax.json that is not ours is refused too.
    let fake = tmp.path().join("fake");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("tax.json"), "{}").unwrap();
    assert_eq!(tax(&dir, &rules("uk"), &fake).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(fake.join("tax.json")).unwrap(),
        "{}"
    );

    // Its own output is replaced.
    let ours = tmp.path().join("ours");
    assert!(tax(&dir, &rules("uk"), &ours).status.success());
    assert!(tax(&dir, &rules("us-fifo"), &ours).status.success());
    let json = std::fs::read_to_string(ours.join("tax.json")).unwrap();
    assert!(json.contains("\"jurisdiction\": \"us\""));
    // The events.csv of an earlier --rpc run no longer matches a report from --events.
    std::fs::write(
        ours.join("events.csv"),
        "time,token,amount,decimals,kind,campaign,bounty\n",
    )
    .unwrap();
    assert!(tax(&dir, &rules("uk"), &ours).status.success());
    assert!(!ours.join("events.csv").exists());
}

#[test]
fn receipts_come_from_one_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = case("basic");
    let with = |extra: &[&str]| {
        let mut rules = vec!["--jurisdiction", "uk"];
        rules.extend_from_slice(extra);
        tax(&dir, &rules, &tmp.path().join("r"))
    };
    let o = with(&["--from", ADDRESS]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--from, --bounty-from and --from-block go with --rpc"),
        "{err}"
    );
    let o = with(&["--rpc", "http://127.0.0.1:1", "--from", ADDRESS]);
    assert_eq!(o.status.code(), Some(2), "--events and --rpc together");
    assert!(!tmp.path().join("r").exists());
}
