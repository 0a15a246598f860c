//! Snapshot tests of the CLI: stdout, stderr and exit code of every command's main success case
//! and of representative errors, pinned in `tests/snapshots/` so that moving code between crates
//! (issue 10) cannot change what a user or a script sees. Offline only: the chain commands are
//! run only on errors found before any connection. Updating them: docs/testing.md.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HOLDERS: &str = "address,amount\n\
0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,100\n\
0x17ec8597ff92c3f44523bdc65bf0f1be632917ff,250\n\
0x63FC2aD3d021a4D7e64323529a55a9442C444dA0,7\n\
0xd1d84f0e28d6fedf03c73151f98df95139700aa7,1000000000000000000000\n";

const SOLANA: &str = "pubkey,amount_unlocked,amount_locked,category\n\
4SX6nqv5VRLMoNfYM5phvHgcBNcBEwUEES4qPPjf1EqS,1000,500,Staker\n\
8G9xE8awr9vA2PZWFTJSHNhS16KLnXYdV6XEaJP1a2Yx,2000,1000,Validator\n\
A4mDtfFCkdt9CqGzEkfiSHhJD8d3bUMasVzwajudGtb2,1500,750,Searcher\n";

/// A holder of examples/genesis who is paid, and one on its team exclusion list.
const GENESIS_HOLDER: &str = "0x087c1baedbfbfb1b837b571d930974fd8eb97306";
const GENESIS_TEAM: &str = "0x5c1b2b61dadfc4938b199083533ca3f37420b6b3";
/// A claim window that is open, so the build's `--now` check passes whatever today's date.
const NOW: &str = "2026-06-01T00:00:00Z";

/// A scratch folder holding every input; commands run inside it with relative paths and a
/// cleared environment, so neither the machine nor the caller's variables reach the output.
struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("holders.csv"), HOLDERS).unwrap();
        std::fs::write(d.join("solana.csv"), SOLANA).unwrap();
        let genesis = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/genesis");
        copy_dir(&genesis, &d.join("genesis"));
        Cli { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `airdrop ARGS` and returns the transcript: command line, exit code, stdout, stderr.
    fn run(&self, args: &[&str]) -> String {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .env("HOME", self.path())
            .envs(env.iter().copied())
            .output()
            .expect("run airdrop");
        transcript(args, &out, self.path())
    }

    /// Builds examples/genesis into `out` (a fixture for explain, diff and cost).
    fn genesis_bundle(&self, out: &str) {
        let t = self.run(&["build", "genesis/campaign.toml", "--out", out, "-q"]);
        assert!(t.contains("exit: 0\n"), "{t}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn transcript(args: &[&str], out: &Output, tmp: &Path) -> String {
    let code = out
        .status
        .code()
        .map_or_else(|| "killed by a signal".to_owned(), |c| c.to_string());
    let text = format!(
        "$ airdrop {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // Literal, before the regex filters: a temp path may hold characters regexes treat specially.
    let canonical = tmp.canonicalize().unwrap();
    text.replace(&canonical.display().to_string(), "[TMP]")
        .replace(&tmp.display().to_string(), "[TMP]")
}

/// Redactions of what changes from run to run (timings, keys, ids, clock times); everything else
/// is compared byte for byte.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    for (re, with) in [
        (
            r"(?m)^time: read \d+\.\d+s, build \d+\.\d+s, write \d+\.\d+s$",
            "time: read [secs], build [secs], write [secs]",
        ),
        (r"(\d+ files), \d+\.\d+s\)", "$1, [secs])"),
        // build --json: the `timings_ms` entries and the total
        (
            r"(?m)^(    \x22(read_sources|allocate|tree|write_bundle|write_claims|write_allocations_decisions_report|commit)\x22: )\d+(,?)$",
            "$1[ms]$3",
        ),
        (r"\x22elapsed_ms\x22: \d+", "\"elapsed_ms\": [ms]"),
        // keys: the secret is random, its id too, and the creation time is the clock's
        (r"\bak_[0-9a-f]{16}_[0-9a-f]{32}\b", "[KEY]"),
        (r"\bak_[0-9a-f]{16}\b", "[KEY_ID]"),
        (r"\bcreated \d+\b", "created [UNIX_TIME]"),
    ] {
        s.add_filter(re, with);
    }
    s
}

fn check(name: &str, transcript: &str) {
    settings().bind(|| insta::assert_snapshot!(name, transcript));
}

#[test]
fn help_of_every_command() {
    let cli = Cli::new();
    let commands: &[&[&str]] = &[
        &[],
        &["tree"],
        &["tree", "build"],
        &["tree", "proof"],
        &["tree", "verify"],
        &["build"],
        &["explain"],
        &["diff"],
        &["sybil"],
        &["sybil", "generate"],
        &["deploy"],
        &["claim"],
        &["kit"],
        &["clawback"],
        &["status"],
        &["push"],
        &["cost"],
        &["demo"],
        &["serve"],
        &["keys"],
        &["keys", "create"],
        &["keys", "list"],
        &["keys", "revoke"],
        &["snapshot"],
        &["tax"],
        &["scan"],
        &["sign"],
        &["verify"],
        &["check"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let name = format!("help_{}", command.join("_"));
        check(name.trim_end_matches('_'), &cli.run(&args));
    }
    check("no_command", &cli.run(&[]));
    check("unknown_command", &cli.run(&["frobnicate"]));
}

#[test]
fn tree_build_each_preset() {
    let cli = Cli::new();
    for preset in ["uniswap", "oz-standard", "ens", "balancer", "morpho"] {
        let out = format!("{preset}.json");
        let args = [
            "tree",
            "build",
            "--preset",
            preset,
            "--input",
            "holders.csv",
            "--out",
            &out,
        ];
        check(&format!("tree_build_{preset}"), &cli.run(&args));
    }
    let args = [
        "tree",
        "build",
        "--preset",
        "jito",
        "--input",
        "solana.csv",
        "--out",
        "jito.json",
    ];
    check("tree_build_jito", &cli.run(&args));
    let args = [
        "tree",
        "build",
        "--input",
        "holders.csv",
        "--out",
        "shards",
        "--shards",
        "16",
        "-q",
    ];
    check("tree_build_sharded_quiet", &cli.run(&args));
}

#[test]
fn tree_build_errors() {
    let cli = Cli::new();
    let bad = "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6,100\n";
    std::fs::write(cli.path().join("bad.csv"), bad).unwrap();
    let dup = format!("{HOLDERS}0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,1\n");
    std::fs::write(cli.path().join("dup.csv"), dup).unwrap();
    let cases: [(&str, &[&str]); 5] = [
        ("bad_address", &["--input", "bad.csv"]),
        ("missing_input", &["--input", "nowhere.csv"]),
        ("duplicate_address", &["--input", "dup.csv"]),
        (
            "unknown_preset",
            &["--preset", "merkledrop", "--input", "holders.csv"],
        ),
        (
            "jito_on_evm_rows",
            &["--preset", "jito", "--input", "holders.csv"],
        ),
    ];
    for (name, extra) in cases {
        let mut args = vec!["tree", "build", "--out", "t.json"];
        args.extend_from_slice(extra);
        check(&format!("tree_build_error_{name}"), &cli.run(&args));
    }
    assert!(!cli.path().join("t.json").exists(), "a failed build wrote");
}

#[test]
fn tree_proof_and_verify() {
    let cli = Cli::new();
    let built = cli.run(&[
        "tree",
        "build",
        "--preset",
        "oz-standard",
        "--input",
        "holders.csv",
        "--out",
        "oz.json",
        "-q",
    ]);
    assert!(built.contains("exit: 0\n"), "{built}");
    let who = "0x17ec8597ff92c3f44523bdc65bf0f1be632917ff";
    let other = "0x63FC2aD3d021a4D7e64323529a55a9442C444dA0";
    let absent = "0x000000000000000000000000000000000000dEaD";
    let cases: [(&str, &[&str]); 10] = [
        ("tree_proof", &["proof", "--tree", "oz.json", who]),
        (
            "tree_proof_multiproof",
            &["proof", "--tree", "oz.json", "--multiproof", who, other],
        ),
        (
            "tree_proof_many",
            &["proof", "--tree", "oz.json", who, absent, other],
        ),
        (
            "tree_proof_error_absent",
            &["proof", "--tree", "oz.json", absent],
        ),
        (
            "tree_proof_error_bad_address",
            &["proof", "--tree", "oz.json", "0x12"],
        ),
        (
            "tree_proof_error_missing_tree",
            &["proof", "--tree", "nowhere.json", who],
        ),
        ("tree_verify", &["verify", "--tree", "oz.json"]),
        (
            "tree_verify_json",
            &["verify", "--tree", "oz.json", "--json"],
        ),
        (
            "tree_verify_error_root",
            &[
                "verify",
                "--tree",
                "oz.json",
                "--expect-root",
                &format!("0x{}", "ab".repeat(32)),
            ],
        ),
        (
            "tree_verify_error_not_a_tree",
            &["verify", "--tree", "holders.csv"],
        ),
    ];
    for (name, args) in cases {
        let mut full = vec!["tree"];
        full.extend_from_slice(args);
        check(name, &cli.run(&full));
    }
    // A tampered amount: the proofs no longer lead to the root.
    let text = std::fs::read_to_string(cli.path().join("oz.json")).unwrap();
    let tampered = text.replacen("\"250\"", "\"251\"", 1);
    assert_ne!(text, tampered, "the fixture changed shape");
    std::fs::write(cli.path().join("tampered.json"), tampered).unwrap();
    check(
        "tree_verify_error_tampered",
        &cli.run(&["tree", "verify", "--tree", "tampered.json"]),
    );
}

#[test]
fn campaign_build() {
    let cli = Cli::new();
    check(
        "build",
        &cli.run(&["build", "genesis/campaign.toml", "--out", "bundle"]),
    );
    check(
        "build_json",
        &cli.run(&[
            "build",
            "genesis/campaign.toml",
            "--out",
            "bundle2",
            "--json",
            "--now",
            NOW,
        ]),
    );
}

#[test]
fn campaign_build_errors() {
    let cli = Cli::new();
    let spec = std::fs::read_to_string(cli.path().join("genesis/campaign.toml")).unwrap();
    let unknown_key = spec.replacen("budget = ", "budgett = ", 1);
    std::fs::write(cli.path().join("genesis/unknown_key.toml"), unknown_key).unwrap();
    let bad_share = spec.replacen("share = \"60%\"", "share = \"160%\"", 1);
    std::fs::write(cli.path().join("genesis/bad_share.toml"), bad_share).unwrap();
    let bad_token = spec.replacen("0x1f9840a85d5af5bf1d1762f925bdaddc4201f984", "0x1f98", 1);
    std::fs::write(cli.path().join("genesis/bad_token.toml"), bad_token).unwrap();
    let cases: [(&str, &[&str]); 6] = [
        ("missing_spec", &["genesis/nowhere.toml"]),
        ("unknown_key", &["genesis/unknown_key.toml"]),
        ("bad_share", &["genesis/bad_share.toml"]),
        ("bad_token_address", &["genesis/bad_token.toml"]),
        (
            "past_deadline",
            &["genesis/campaign.toml", "--now", "2030-01-01T00:00:00Z"],
        ),
        ("bad_now", &["genesis/campaign.toml", "--now", "yesterday"]),
    ];
    for (name, extra) in cases {
        let mut args = vec!["build", "--out", "bundle"];
        args.extend_from_slice(extra);
        check(&format!("build_error_{name}"), &cli.run(&args));
    }
    assert!(!cli.path().join("bundle").exists(), "a failed build wrote");
}

#[test]
fn explain_diff_cost() {
    let cli = Cli::new();
    cli.genesis_bundle("a");
    let spec = std::fs::read_to_string(cli.path().join("genesis/campaign.toml")).unwrap();
    let bigger = spec.replacen("budget = \"10000000\"", "budget = \"12000000\"", 1);
    std::fs::write(cli.path().join("genesis/bigger.toml"), bigger).unwrap();
    let t = cli.run(&["build", "genesis/bigger.toml", "--out", "b", "-q"]);
    assert!(t.contains("exit: 0\n"), "{t}");
    let cases: [(&str, &[&str]); 15] = [
        ("explain", &["explain", "--bundle", "a", GENESIS_HOLDER]),
        (
            "explain_json",
            &["explain", "--bundle", "a", GENESIS_HOLDER, "--json"],
        ),
        (
            "explain_excluded",
            &["explain", "--bundle", "a", GENESIS_TEAM],
        ),
        (
            "explain_error_bad_address",
            &["explain", "--bundle", "a", "0xnope"],
        ),
        (
            "explain_error_missing_bundle",
            &["explain", "--bundle", "nowhere", GENESIS_HOLDER],
        ),
        ("diff", &["diff", "a", "b", "--limit", "3"]),
        ("diff_same", &["diff", "a", "a"]),
        ("diff_error_missing_bundle", &["diff", "a", "nowhere"]),
        (
            "cost",
            &[
                "cost",
                "--bundle",
                "a",
                "--gas-price",
                "20",
                "--eth-price-usd",
                "3000",
            ],
        ),
        (
            "cost_json",
            &["cost", "--bundle", "a", "--gas-price", "20", "--json"],
        ),
        // The factory on chain already: the clone against the full contract's deployment.
        (
            "cost_factory_deployed",
            &[
                "cost",
                "--bundle",
                "a",
                "--gas-price",
                "20",
                "--factory-deployed",
                "--claim-rate",
                "40",
            ],
        ),
        (
            "cost_full",
            &["cost", "--bundle", "a", "--gas-price", "20", "--full"],
        ),
        (
            "cost_error_bad_gas_price",
            &["cost", "--bundle", "a", "--gas-price", "cheap"],
        ),
        ("cost_error_missing_gas_price", &["cost", "--bundle", "a"]),
        (
            "cost_error_missing_bundle",
            &["cost", "--bundle", "nowhere", "--gas-price", "20"],
        ),
    ];
    for (name, args) in cases {
        check(name, &cli.run(args));
    }
}

#[test]
fn keys_create_and_list() {
    let cli = Cli::new();
    let db = ["--database-url", "sqlite:keys.db"];
    let with_db = |args: &[&'static str]| [args, &db[..]].concat();
    let created = cli.run(&with_db(&[
        "keys", "create", "--name", "ci", "--scope", "admin", "--scope", "reviewer",
    ]));
    check("keys_create", &created);
    check("keys_list", &cli.run(&with_db(&["keys", "list"])));
    check(
        "keys_create_error_scope",
        &cli.run(&with_db(&[
            "keys", "create", "--name", "x", "--scope", "owner",
        ])),
    );
    check(
        "keys_revoke_error_unknown",
        &cli.run(&with_db(&["keys", "revoke", "ak_0000000000000000"])),
    );
    check(
        "keys_list_error_database_url",
        &cli.run(&["keys", "list", "--database-url", "mysql://localhost/keys"]),
    );
}

/// anvil's first development key: public, and never to appear in any output.
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcbc2f1c7c02b2d1a8";

#[test]
fn chain_commands_fail_before_connecting() {
    let cli = Cli::new();
    cli.genesis_bundle("a");
    // Port 9 (discard) on loopback: nothing here may get as far as connecting to it.
    let rpc = "http://127.0.0.1:9";
    let who = GENESIS_HOLDER;
    let cases: [(&str, &[&str]); 12] = [
        (
            "deploy_error_key_env_unset",
            &[
                "deploy",
                "--bundle",
                "a",
                "--rpc",
                rpc,
                "--key-env",
                "UNSET",
            ],
        ),
        (
            "deploy_error_bad_key",
            &[
                "deploy",
                "--bundle",
                "a",
                "--rpc",
                rpc,
                "--key-env",
                "BAD_KEY",
            ],
        ),
        (
            "deploy_error_rpc_scheme",
            &[
                "deploy",
                "--bundle",
                "a",
                "--rpc",
                "ftp://127.0.0.1",
                "--key-env",
                "KEY",
            ],
        ),
        (
            "deploy_error_rpc_not_a_url",
            &[
                "deploy",
                "--bundle",
                "a",
                "--rpc",
                "not a url",
                "--key-env",
                "KEY",
            ],
        ),
        (
            "deploy_error_password_unset",
            &[
                "deploy",
                "--bundle",
                "a",
                "--rpc",
                rpc,
                "--keystore",
                "k.json",
                "--password-env",
                "UNSET",
            ],
        ),
        (
            "push_error_not_a_bundle",
            &[
                "push",
                "--bundle",
                "genesis",
                "--rpc",
                rpc,
                "--key-env",
                "KEY",
            ],
        ),
        (
            "push_error_key_env_unset",
            &["push", "--bundle", "a", "--rpc", rpc, "--key-env", "UNSET"],
        ),
        (
            "claim_error_not_deployed",
            &[
                "claim",
                "--bundle",
                "a",
                "--rpc",
                rpc,
                "--key-env",
                "KEY",
                "--address",
                who,
            ],
        ),
        (
            "status_error_not_deployed",
            &["status", "--bundle", "a", "--rpc", rpc],
        ),
        (
            "clawback_error_not_deployed",
            &[
                "clawback",
                "--bundle",
                "a",
                "--rpc",
                rpc,
                "--key-env",
                "KEY",
            ],
        ),
        (
            "snapshot_error_rpc_scheme",
            &[
                "snapshot",
                "--kind",
                "erc20-balances",
                "--rpc",
                "nope://127.0.0.1",
                "--block",
                "1",
                "--out",
                "s.csv",
                "--token",
                who,
            ],
        ),
        (
            "snapshot_error_no_rpc",
            &[
                "snapshot",
                "--kind",
                "erc20-balances",
                "--block",
                "1",
                "--out",
                "s.csv",
                "--token",
                who,
            ],
        ),
    ];
    let env = [("KEY", DEV_KEY), ("BAD_KEY", "0x1234")];
    for (name, args) in cases {
        let t = cli.run_env(args, &env);
        assert!(!t.contains(DEV_KEY), "{name} echoed the key");
        check(name, &t);
    }
    let kind = ["snapshot", "--kind", "bogus", "--out", "s.csv"];
    check("snapshot_error_kind", &cli.run(&kind));
}
