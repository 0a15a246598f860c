//! The errors `crates/cli/tests/it/campaign_errors.rs` checks by spawning `airdrop build`, checked
//! here in process: the spec through [`Campaign::parse`], rows through [`FileSource`], and the
//! pools through [`allocate`]. Same fixture, same edits, same needles; what needs the binary
//! (reading files from disk, the staging folder, `--now`) stays in the CLI tests.

use crate::allocate;
use crate::error::Result;
use crate::source::{FileSource, Source};
use crate::spec::Campaign;

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
const PHRASE: &str = "test test test test test test test test test test test junk";

/// What `airdrop build` does with the bytes, minus the files: parse, read each source, allocate.
fn build(spec: &str, holders: &str) -> Result<()> {
    let c = Campaign::parse(spec, "campaign.toml")?;
    let facts = c
        .sources
        .iter()
        .map(|s| {
            FileSource {
                spec: s,
                data: holders.as_bytes(),
            }
            .facts()
        })
        .collect::<Result<Vec<_>>>()?;
    allocate(&c, &facts, &[])?;
    Ok(())
}

/// The one-line error of a build that must fail, with every needle in it.
fn fails(spec: &str, holders: &str, needles: &[&str]) -> String {
    let Err(e) = build(spec, holders) else {
        panic!("build succeeded but should fail with {needles:?}");
    };
    let e = e.to_string();
    assert!(!e.contains('\n'), "expected one line, got: {e}");
    for n in needles {
        assert!(e.contains(n), "{n:?} not in: {e}");
    }
    e
}

/// Like [`fails`], for an edit of the spec that [`Campaign::parse`] alone must refuse.
fn refused(spec: &str, needles: &[&str]) -> String {
    assert!(
        Campaign::parse(spec, "campaign.toml").is_err(),
        "the spec parses; the error {needles:?} would come from a later stage"
    );
    fails(spec, HOLDERS, needles)
}

fn not_echoed(err: &str) {
    assert!(!err.contains(&KEY[8..40]), "key echoed: {err}");
    assert!(!err.contains("junk"), "phrase echoed: {err}");
}

#[test]
fn the_base_campaign_builds() {
    // Guards the fixture: every failure below comes from its own edit, not a broken base.
    build(SPEC, HOLDERS).unwrap();
}

#[test]
fn unknown_top_level_key() {
    let spec = SPEC.replace("budget = \"1000\"", "budget = \"1000\"\ncolour = \"blue\"");
    refused(
        &spec,
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
    refused(&spec, &["campaign.toml:", "unknown field `maximum`"]);
}

#[test]
fn shares_over_100_percent() {
    let spec = SPEC.replace("share = \"rest\"", "share = \"40%\"");
    refused(&spec, &["pool.share", "110%", "over 100%"]);
}

#[test]
fn shares_under_100_percent_without_rest() {
    let spec = SPEC.replace("share = \"rest\"", "share = \"20%\"");
    refused(&spec, &["pool.share", "leaving 100 TKN", "rest"]);
}

#[test]
fn cap_below_floor() {
    let spec = SPEC.replace(
        "rule = \"pro-rata\"",
        "rule = \"pro-rata\"\ncap = \"10\"\nfloor = \"20\"",
    );
    refused(
        &spec,
        &["pool \"holders\".cap", "cap \"10\" is below floor \"20\""],
    );
}

#[test]
fn budget_not_representable() {
    let spec = SPEC.replace("budget = \"1000\"", "budget = \"1000.0000001\"");
    refused(
        &spec,
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
    refused(&spec, &["pool \"everyone\".cap", "at most 6"]);
}

#[test]
fn private_key_as_dust_to() {
    let spec = SPEC.replace(
        "budget = \"1000\"",
        &format!("budget = \"1000\"\ndust_to = \"{KEY}\""),
    );
    let err = refused(&spec, &["campaign.toml:5", "private key"]);
    assert!(!err.contains(&KEY[6..]), "secret echoed: {err}");
}

#[test]
fn unknown_rule_source_and_format() {
    refused(
        &SPEC.replace("rule = \"flat\"", "rule = \"equal\""),
        &["pool \"everyone\".rule", "\"equal\"", "flat, pro-rata"],
    );
    refused(
        &SPEC.replace(
            "source = \"holders\"\nshare = \"rest\"",
            "source = \"holder\"\nshare = \"rest\"",
        ),
        &["pool \"everyone\".source", "no source named \"holder\""],
    );
    refused(
        &SPEC.replace(
            "budget = \"1000\"",
            "budget = \"1000\"\nformat = \"merkle\"",
        ),
        &["format", "unknown preset \"merkle\""],
    );
}

#[test]
fn deadline_before_start() {
    let spec = format!(
        "{SPEC}\n[claim]\nstart = \"2027-01-01T00:00:00Z\"\ndeadline = \"2026-01-01T00:00:00Z\"\n"
    );
    refused(&spec, &["claim.deadline", "not after start"]);
}

#[test]
fn a_secret_anywhere_in_the_spec_is_refused_with_its_line_and_not_echoed() {
    let cases = [
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
        not_echoed(&refused(&spec, &[at, kind, "refused"]));
    }
}

#[test]
fn a_spec_that_is_too_big_or_has_a_huge_value_is_a_short_error() {
    let long = "x".repeat(3000);
    let spec = SPEC.replace("name = \"Test\"", &format!("name = \"{long}\""));
    let err = refused(&spec, &["campaign.toml: name", "3000 characters"]);
    assert!(err.len() < 300, "{err}");
    let spec = format!("{SPEC}\n# {}\n", "y".repeat(10_000));
    let err = refused(&spec, &["campaign.toml:", "longer than 4096 bytes"]);
    assert!(err.len() < 300, "{err}");
}

#[test]
fn source_rows_with_bad_addresses_amounts_or_fields() {
    let cases = [
        (
            HOLDERS.replace("0x3333333333333333333333333333333333333333", "0x33333"),
            vec!["holders.csv:3:", "invalid address", "0x33333"],
        ),
        (
            HOLDERS.replace(
                "0x2222222222222222222222222222222222222222",
                "0x5c69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
            ),
            vec![
                "holders.csv:2:",
                "checksum",
                "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
            ],
        ),
        (
            HOLDERS.replace(",50.5,", ",-50,"),
            vec![
                "holders.csv:3:",
                "column \"balance\"",
                "\"-50\"",
                "non-negative",
            ],
        ),
        (
            HOLDERS.replace(",50.5,", ",50.555,"),
            vec!["holders.csv:3:", "3 decimals", "at most 2"],
        ),
        (
            HOLDERS.replace(",7,carol", ",7,carol,extra"),
            vec!["holders.csv:4:", "4 fields", "header has 3"],
        ),
        (
            format!("{HOLDERS}0x2222222222222222222222222222222222222222,1,again\n"),
            vec!["holders.csv:5:", "duplicate address", "holders.csv:2"],
        ),
        (
            HOLDERS.replace("address,balance,note", "address,bal,note"),
            vec!["holders.csv", "no column \"balance\"", "3 column(s)"],
        ),
        (
            HOLDERS.replace(
                "0x4444444444444444444444444444444444444444",
                "0x0000000000000000000000000000000000000000",
            ),
            vec!["holders.csv:4", "zero address", "remove the row"],
        ),
    ];
    for (holders, needles) in cases {
        fails(SPEC, &holders, &needles);
    }
}

#[test]
fn secrets_in_source_rows_are_refused_and_not_echoed() {
    let cases = [
        (
            HOLDERS.replace("0x4444444444444444444444444444444444444444", KEY),
            vec!["holders.csv:4", "private key", "refused"],
        ),
        (
            HOLDERS.replace(
                "0x4444444444444444444444444444444444444444",
                &format!("0x{KEY}"),
            ),
            vec!["holders.csv:4", "private key", "refused"],
        ),
        (
            HOLDERS.replace(",alice", &format!(",{KEY}")),
            vec!["holders.csv:2", "column 3", "private key"],
        ),
        (
            HOLDERS.replace(",alice", &format!(",{PHRASE}")),
            vec!["holders.csv:2", "recovery phrase"],
        ),
        (
            HOLDERS.replace(",7,carol", &format!(",7 {KEY},carol")),
            vec!["holders.csv:4", "private key"],
        ),
    ];
    for (holders, needles) in cases {
        not_echoed(&fails(SPEC, &holders, &needles));
    }
    let holders = HOLDERS.replace(
        "address,balance,note",
        "root:x:0:0:root:/root:/bin/bash,balance,note",
    );
    let err = fails(SPEC, &holders, &["no column \"address\"", "3 column(s)"]);
    assert!(!err.contains("root:x"), "{err}");
}

#[test]
fn pools_that_cannot_be_paid() {
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
    let spec = SPEC.replace("rule = \"flat\"", "rule = \"flat\"\ncap = \"10\"");
    fails(
        &spec,
        HOLDERS,
        &["undistributed", "everyone", "at the cap", "dust_to"],
    );
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

/// The pool keys that belong to another rule, or point at a column that cannot serve.
#[test]
fn pool_keys_that_do_not_fit_the_rule_or_the_source() {
    let flat = |extra: &str| SPEC.replace("rule = \"flat\"", &format!("rule = \"flat\"\n{extra}"));
    let everyone = |k: &str| format!("pool \"everyone\".{k}");
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            flat("weight = \"sqrt\""),
            vec![everyone("weight"), "pro-rata pools only".into(), "\"flat\"".into()],
        ),
        (
            flat("tiers = []"),
            vec![everyone("tiers"), "rule = \"tiers\" only".into()],
        ),
        (
            flat("per_point = \"1\""),
            vec![everyone("per_point"), "rule = \"points\" only".into()],
        ),
        (
            SPEC.replace("rule = \"pro-rata\"", "rule = \"pro-rata\"\nweight = \"cube\""),
            vec!["pool \"holders\".weight".into(), "unknown weight \"cube\"".into()],
        ),
        (
            SPEC.replace("rule = \"flat\"", "rule = \"tiers\"\ntiers = []"),
            vec![everyone("tiers"), "needs tiers = [".into()],
        ),
        (
            SPEC.replace(
                "rule = \"flat\"",
                "rule = \"tiers\"\ntiers = [{ min = \"5\", amount = \"1\" }, { min = \"5\", amount = \"2\" }]",
            ),
            vec![everyone("tiers[1].min"), "must increase".into()],
        ),
        (
            SPEC.replace("rule = \"flat\"", "rule = \"points\""),
            vec![everyone("per_point"), "needs per_point".into()],
        ),
        (
            flat("cap = \"0\""),
            vec![everyone("cap"), "cap is 0".into()],
        ),
        (
            flat("multiplier = [{ factor = \"2\" }]"),
            vec![everyone("multiplier[0]"), "a multiplier is either".into()],
        ),
        (
            flat("multiplier = [{ flag = \"balance\", factor = \"2\" }]"),
            vec![everyone("multiplier[0].flag"), "is not a flag column".into()],
        ),
        (
            flat("column = \"height\""),
            vec![everyone("column"), "has no column \"height\"".into(), "balance".into()],
        ),
        (
            flat("share = \"lots\"").replace("share = \"rest\"\n", ""),
            vec![everyone("share"), "\"lots\" is not a share".into()],
        ),
    ];
    for (spec, needles) in cases {
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        refused(&spec, &needles);
    }
    // Two number columns and none named: pro-rata and min cannot guess.
    let two = SPEC.replace(
        "decimals = 2",
        "decimals = 2\ncolumns = { balance = \"number\", score = \"number\" }",
    );
    refused(
        &two,
        &[
            "pool \"holders\".column",
            "rule \"pro-rata\" needs a number column",
        ],
    );
    let two_min = two
        .replace(
            "rule = \"pro-rata\"",
            "rule = \"pro-rata\"\ncolumn = \"balance\"",
        )
        .replace("rule = \"flat\"", "rule = \"flat\"\nmin = \"1\"");
    refused(
        &two_min,
        &["pool \"everyone\".column", "min needs a number column"],
    );
}
