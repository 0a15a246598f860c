//! Bad campaigns, end to end: the real `airdrop build` on files in a temp dir must exit
//! non-zero with one clear line naming the file, key or line — never a panic.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

const SPEC: &str = r#"name = "Test"
chain_id = 1
token = { address = "0x1111111111111111111111111111111111111111", symbol = "TKN", decimals = 6 }
budget = "1000"

[[source]]
name = "holders"
kind = "balances"
file = "holders.csv"
decimals = 2

[[pool]]
source = "holders"
share = "70%"
rule = "pro-rata"

[[pool]]
name = "everyone"
source = "holders"
share = "rest"
rule = "flat"
"#;

const HOLDERS: &str = "address,balance,note\n\
0x2222222222222222222222222222222222222222,100,alice\n\
0x3333333333333333333333333333333333333333,50.5,bob\n\
0x4444444444444444444444444444444444444444,7,carol\n";

const KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Writes the campaign (after `edit`) and runs the build; returns (success, stdout, stderr).
fn build_with(spec: &str, holders: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("campaign.toml"), spec).unwrap();
    std::fs::write(dir.path().join("holders.csv"), holders).unwrap();
    run(dir.path())
}

fn run(dir: &Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .arg("build")
        .arg(dir.join("campaign.toml"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        assert!(
            !dir.join("out").exists(),
            "a failed build left an output folder"
        );
        assert!(
            !dir.join(".out.partial").exists(),
            "a failed build left its staging folder"
        );
    }
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Asserts a failed build with one error line containing every needle.
fn fails(spec: &str, holders: &str, needles: &[&str]) -> String {
    let (ok, _, stderr) = build_with(spec, holders);
    assert!(!ok, "build succeeded but should fail with {needles:?}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
    stderr
}

#[test]
fn the_base_campaign_builds() {
    // Guards the fixtures: every failure below comes from its own edit, not a broken base.
    let (ok, stdout, stderr) = build_with(SPEC, HOLDERS);
    assert!(ok, "{stderr}");
    assert!(stdout.lines().last().unwrap().starts_with("0x"));
}

#[test]
fn unknown_top_level_key() {
    let spec = SPEC.replace("budget = \"1000\"", "budget = \"1000\"\ncolour = \"blue\"");
    fails(
        &spec,
        HOLDERS,
        &[
            "campaign.toml:5:",
            "unknown field `colour`",
            "expected one of",
        ],
    );
}

#[test]
fn unknown_pool_key() {
    let spec = SPEC.replace(
        "rule = \"pro-rata\"",
        "rule = \"pro-rata\"\nmaximum = \"5\"",
    );
    fails(
        &spec,
        HOLDERS,
        &["campaign.toml:", "unknown field `maximum`"],
    );
}

#[test]
fn shares_over_100_percent() {
    let spec = SPEC.replace("share = \"rest\"", "share = \"40%\"");
    fails(&spec, HOLDERS, &["pool.share", "110%", "over 100%"]);
}

#[test]
fn shares_under_100_percent_without_rest() {
    let spec = SPEC.replace("share = \"rest\"", "share = \"20%\"");
    fails(&spec, HOLDERS, &["pool.share", "leaving 100 TKN", "rest"]);
}

#[test]
fn cap_below_floor() {
    let spec = SPEC.replace(
        "rule = \"pro-rata\"",
        "rule = \"pro-rata\"\ncap = \"10\"\nfloor = \"20\"",
    );
    fails(
        &spec,
        HOLDERS,
        &["pool \"holders\".cap", "cap \"10\" is below floor \"20\""],
    );
}

#[test]
fn budget_not_representable() {
    let spec = SPEC.replace("budget = \"1000\"", "budget = \"1000.0000001\"");
    fails(
        &spec,
        HOLDERS,
        &[
            "campaign.toml: budget:",
            "\"1000.0000001\"",
            "7 decimals",
            "at most 6",
            "TKN",
        ],
    );
}

#[test]
fn amount_with_too_many_decimals_in_a_pool_key() {
    let spec = SPEC.replace("rule = \"flat\"", "rule = \"flat\"\ncap = \"0.0000001\"");
    fails(&spec, HOLDERS, &["pool \"everyone\".cap", "at most 6"]);
}

#[test]
fn source_row_with_bad_address() {
    let holders = HOLDERS.replace("0x3333333333333333333333333333333333333333", "0x33333");
    fails(
        SPEC,
        &holders,
        &["holders.csv:3:", "invalid address", "0x33333"],
    );
}

#[test]
fn source_row_with_bad_checksum() {
    let holders = HOLDERS.replace(
        "0x2222222222222222222222222222222222222222",
        "0x5c69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
    );
    fails(
        SPEC,
        &holders,
        &[
            "holders.csv:2:",
            "checksum",
            "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
        ],
    );
}

#[test]
fn source_row_with_bad_amount() {
    let holders = HOLDERS.replace(",50.5,", ",-50,");
    fails(
        SPEC,
        &holders,
        &[
            "holders.csv:3:",
            "column \"balance\"",
            "\"-50\"",
            "non-negative",
        ],
    );
    let holders = HOLDERS.replace(",50.5,", ",50.555,");
    fails(
        SPEC,
        &holders,
        &["holders.csv:3:", "3 decimals", "at most 2"],
    );
}

#[test]
fn source_row_with_wrong_field_count() {
    let holders = HOLDERS.replace(",7,carol", ",7,carol,extra");
    fails(
        SPEC,
        &holders,
        &["holders.csv:4:", "4 fields", "header has 3"],
    );
}

#[test]
fn duplicate_address_in_source() {
    let holders = format!("{HOLDERS}0x2222222222222222222222222222222222222222,1,again\n");
    fails(
        SPEC,
        &holders,
        &["holders.csv:5:", "duplicate address", "holders.csv:2"],
    );
}

#[test]
fn missing_column() {
    let holders = HOLDERS.replace("address,balance,note", "address,bal,note");
    fails(
        SPEC,
        &holders,
        &["holders.csv", "no column \"balance\"", "3 column(s)"],
    );
}

#[test]
fn empty_pool() {
    let spec = SPEC.replace("rule = \"pro-rata\"", "rule = \"pro-rata\"\nmin = \"1000\"");
    fails(
        &spec,
        HOLDERS,
        &["pool \"holders\"", "no eligible recipients", "3 below-min"],
    );
    fails(
        SPEC,
        "address,balance,note\n",
        &["pool \"holders\"", "no eligible recipients", "0 rows"],
    );
}

#[test]
fn private_key_in_address_column_is_refused_and_not_echoed() {
    for key in [KEY.to_owned(), format!("0x{KEY}")] {
        let holders = HOLDERS.replace("0x4444444444444444444444444444444444444444", &key);
        let err = fails(SPEC, &holders, &["holders.csv:4", "private key", "refused"]);
        assert!(!err.contains(&KEY[6..]), "secret echoed: {err}");
    }
}

#[test]
fn private_key_in_any_column_is_refused() {
    let holders = HOLDERS.replace(",alice", &format!(",{KEY}"));
    let err = fails(
        SPEC,
        &holders,
        &["holders.csv:2", "column 3", "private key"],
    );
    assert!(!err.contains(&KEY[6..]), "secret echoed: {err}");
}

#[test]
fn recovery_phrase_is_refused() {
    let holders = HOLDERS.replace(
        ",alice",
        ",test test test test test test test test test test test junk",
    );
    let err = fails(SPEC, &holders, &["holders.csv:2", "recovery phrase"]);
    assert!(!err.contains("junk"), "secret echoed: {err}");
}

#[test]
fn private_key_as_dust_to() {
    let spec = SPEC.replace(
        "budget = \"1000\"",
        &format!("budget = \"1000\"\ndust_to = \"{KEY}\""),
    );
    let err = fails(&spec, HOLDERS, &["campaign.toml:5", "private key"]);
    assert!(!err.contains(&KEY[6..]), "secret echoed: {err}");
}

#[test]
fn dust_without_dust_to() {
    let spec = SPEC.replace("rule = \"flat\"", "rule = \"flat\"\ncap = \"10\"");
    fails(
        &spec,
        HOLDERS,
        &["undistributed", "everyone", "at the cap", "dust_to"],
    );
}

#[test]
fn tiers_over_the_pool() {
    let spec = SPEC.replace(
        "rule = \"flat\"",
        "rule = \"tiers\"\ncolumn = \"balance\"\ntiers = [{ min = \"1\", amount = \"200\" }]",
    );
    fails(
        &spec,
        HOLDERS,
        &["pool \"everyone\"", "pays 600 TKN", "pool has 300 TKN"],
    );
}

#[test]
fn unknown_rule_source_and_format() {
    fails(
        &SPEC.replace("rule = \"flat\"", "rule = \"equal\""),
        HOLDERS,
        &["pool \"everyone\".rule", "\"equal\"", "flat, pro-rata"],
    );
    fails(
        &SPEC.replace(
            "source = \"holders\"\nshare = \"rest\"",
            "source = \"holder\"\nshare = \"rest\"",
        ),
        HOLDERS,
        &["pool \"everyone\".source", "no source named \"holder\""],
    );
    fails(
        &SPEC.replace(
            "budget = \"1000\"",
            "budget = \"1000\"\nformat = \"merkle\"",
        ),
        HOLDERS,
        &["format", "unknown preset \"merkle\""],
    );
}

#[test]
fn missing_source_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("campaign.toml"), SPEC).unwrap();
    let (ok, _, stderr) = run(dir.path());
    assert!(!ok);
    assert!(
        stderr.contains("source \"holders\"") && stderr.contains("holders.csv"),
        "{stderr}"
    );
}

#[test]
fn deadline_before_start() {
    let spec = format!(
        "{SPEC}\n[claim]\nstart = \"2027-01-01T00:00:00Z\"\ndeadline = \"2026-01-01T00:00:00Z\"\n"
    );
    fails(&spec, HOLDERS, &["claim.deadline", "not after start"]);
}

#[test]
fn now_after_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!(
        "{SPEC}\n[claim]\nstart = \"2026-12-01T00:00:00Z\"\ndeadline = \"2027-06-01T00:00:00Z\"\n"
    );
    std::fs::write(dir.path().join("campaign.toml"), spec).unwrap();
    std::fs::write(dir.path().join("holders.csv"), HOLDERS).unwrap();
    let build = |now: &str| {
        Command::new(env!("CARGO_BIN_EXE_airdrop"))
            .arg("build")
            .arg(dir.path().join("campaign.toml"))
            .args([
                "--out",
                dir.path().join("out").to_str().unwrap(),
                "--now",
                now,
                "-q",
            ])
            .output()
            .unwrap()
    };
    let late = build("2027-07-01T00:00:00Z");
    assert!(!late.status.success());
    let err = String::from_utf8_lossy(&late.stderr);
    assert!(
        err.contains("claim.deadline") && err.contains("already past"),
        "{err}"
    );
    let bad = build("yesterday");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--now"));
    assert!(build("2026-11-01T00:00:00Z").status.success());
}

#[test]
fn json_source_errors_name_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SPEC.replace("file = \"holders.csv\"", "file = \"holders.json\"");
    std::fs::write(dir.path().join("campaign.toml"), spec).unwrap();
    let json = r#"[{"address":"0x2222222222222222222222222222222222222222","balance":"10"},
                   {"address":"0x3333333333333333333333333333333333333333","balance":2.5}]"#;
    std::fs::write(dir.path().join("holders.json"), json).unwrap();
    let (ok, _, stderr) = run(dir.path());
    assert!(!ok);
    assert!(
        stderr.contains("holders.json: entry 2") && stderr.contains("as strings"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("holders.json"),
        json.replace("2.5", "\"2.5\""),
    )
    .unwrap();
    let (ok, stdout, stderr) = run(dir.path());
    assert!(ok, "{stderr}");
    assert!(stdout.lines().last().unwrap().starts_with("0x"));
}

const PHRASE: &str = "test test test test test test test test test test test junk";

/// Asserts that nothing of the secret made it into the message.
fn not_echoed(err: &str) {
    assert!(!err.contains(&KEY[8..40]), "key echoed: {err}");
    assert!(!err.contains("junk"), "phrase echoed: {err}");
}

#[test]
fn a_secret_anywhere_in_the_spec_is_refused_with_its_line_and_not_echoed() {
    let cases = [
        // In the name, the description, a number field, a comment: refused by line.
        (
            SPEC.replace("name = \"Test\"", &format!("name = \"Test {KEY}\"")),
            "campaign.toml:1",
            "private key",
        ),
        (
            SPEC.replace(
                "chain_id = 1",
                &format!("chain_id = 1\ndescription = \"words: {PHRASE}\""),
            ),
            "campaign.toml:3",
            "recovery phrase",
        ),
        (
            SPEC.replace("chain_id = 1", &format!("chain_id = \"{KEY}\"")),
            "campaign.toml:2",
            "private key",
        ),
        (
            SPEC.replace("chain_id = 1", &format!("chain_id = 0x{KEY}")),
            "campaign.toml:2",
            "private key",
        ),
        (
            SPEC.replace("budget = \"1000\"", &format!("budget = \"1000 {KEY}\"")),
            "campaign.toml:4",
            "private key",
        ),
        (
            format!("# deployer {KEY}\n{SPEC}"),
            "campaign.toml:1",
            "private key",
        ),
    ];
    for (spec, at, kind) in cases {
        let err = fails(&spec, HOLDERS, &[at, kind, "refused"]);
        not_echoed(&err);
    }
}

#[test]
fn a_secret_inside_a_source_cell_is_refused_and_not_echoed() {
    for (note, kind) in [
        (format!("my key is {KEY}"), "private key"),
        (
            format!("\"hi, my words are {PHRASE}, thanks\""),
            "recovery phrase",
        ),
    ] {
        let holders = HOLDERS.replace(",alice", &format!(",{note}"));
        let err = fails(SPEC, &holders, &["holders.csv:2", "column 3", kind]);
        not_echoed(&err);
    }
    // In the address column as part of a sentence, which used to be echoed as malformed.
    let holders = HOLDERS.replace(
        "0x4444444444444444444444444444444444444444",
        &format!("my key is {KEY}"),
    );
    let err = fails(SPEC, &holders, &["holders.csv:4", "private key"]);
    not_echoed(&err);
    // In a number column.
    let holders = HOLDERS.replace(",7,carol", &format!(",7 {KEY},carol"));
    let err = fails(SPEC, &holders, &["holders.csv:4", "private key"]);
    not_echoed(&err);
}

#[test]
fn the_header_of_a_source_is_never_quoted() {
    let holders = HOLDERS.replace(
        "address,balance,note",
        "root:x:0:0:root:/root:/bin/bash,balance,note",
    );
    let err = fails(SPEC, &holders, &["no column \"address\"", "3 column(s)"]);
    assert!(!err.contains("root:x"), "{err}");
}

#[test]
fn the_zero_address_in_a_source_is_refused() {
    let holders = HOLDERS.replace(
        "0x4444444444444444444444444444444444444444",
        "0x0000000000000000000000000000000000000000",
    );
    fails(
        SPEC,
        &holders,
        &["holders.csv:4", "zero address", "remove the row"],
    );
}

#[test]
fn a_json_source_with_a_key_twice_is_refused() {
    let spec = SPEC.replace(
        "file = \"holders.csv\"",
        "file = \"holders.json\"\nformat = \"json\"",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("campaign.toml"), spec).unwrap();
    std::fs::write(
        dir.path().join("holders.json"),
        r#"[{"address": "0x2222222222222222222222222222222222222222", "balance": "1", "balance": "900"}]"#,
    )
    .unwrap();
    let (ok, _, err) = run(dir.path());
    assert!(!ok);
    assert!(
        err.contains("holders.json:1") && err.contains("duplicate key \"balance\""),
        "{err}"
    );
}

#[test]
fn a_source_that_is_not_a_regular_file_is_refused_before_reading() {
    for (file, needle) in [("/dev/zero", "not a regular file"), (".", "it is a folder")] {
        let spec = SPEC.replace("file = \"holders.csv\"", &format!("file = \"{file}\""));
        let err = fails(&spec, HOLDERS, &["source \"holders\"", needle]);
        assert!(err.len() < 300, "{err}");
    }
}

#[test]
fn a_huge_line_in_a_source_is_a_short_error() {
    // A 200 MiB NUL-filled file without a newline (sparse, as `truncate -s` makes it): reading
    // stops at the header bound, 64 KiB in; nothing of the file is quoted.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("campaign.toml"), SPEC).unwrap();
    let f = std::fs::File::create(dir.path().join("holders.csv")).unwrap();
    f.set_len(200 << 20).unwrap();
    let (ok, _, err) = run(dir.path());
    assert!(!ok);
    assert!(
        err.contains("longer than 64 KiB"),
        "{}",
        &err[..err.len().min(400)]
    );
    assert!(err.len() < 400, "error of {} bytes", err.len());
}

#[test]
fn a_spec_that_is_too_big_or_has_a_huge_value_is_a_short_error() {
    let long = "x".repeat(3000);
    let spec = SPEC.replace("name = \"Test\"", &format!("name = \"{long}\""));
    let err = fails(&spec, HOLDERS, &["campaign.toml: name", "3000 characters"]);
    assert!(err.len() < 300, "{err}");
    let spec = format!("{SPEC}\n# {}\n", "y".repeat(10_000));
    let err = fails(
        &spec,
        HOLDERS,
        &["campaign.toml:", "longer than 4096 bytes"],
    );
    assert!(err.len() < 300, "{err}");
}
