//! The key guard over every CLI input path: a private key, a recovery phrase and a real
//! encrypted keystore, made at run time, in each argument kind (addresses, URLs, names, global
//! options, unknown subcommands clap would quote) and each input file kind (a tree's CSV, a
//! campaign spec, tax events and prices, an addresses file). Each run must exit non-zero with
//! the warning, and neither stdout nor stderr nor any output file may hold a trace of it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloy_signer_local::PrivateKeySigner;
use std::path::Path;
use std::process::Command;

const WARNING: &str = "No genuine airdrop ever needs your recovery phrase or private key";

struct Secret {
    kind: &'static str,
    text: String,
    fragments: Vec<String>,
}

fn secrets(dir: &Path) -> Vec<Secret> {
    let key = alloy_primitives::hex::encode(PrivateKeySigner::random().to_bytes());
    let entropy = PrivateKeySigner::random().to_bytes();
    let phrase = bip39::Mnemonic::from_entropy(&entropy[..16]).unwrap();
    let words: Vec<&str> = phrase.words().collect();
    PrivateKeySigner::new_keystore(dir, &mut rand::thread_rng(), "pw", Some("ks.json")).unwrap();
    let keystore = std::fs::read_to_string(dir.join("ks.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&keystore).unwrap();
    let crypto = &v["crypto"];
    vec![
        Secret {
            kind: "private key",
            text: format!("0x{key}"),
            fragments: vec![key[..24].to_owned(), key[40..].to_owned()],
        },
        Secret {
            kind: "recovery phrase",
            text: words.join(" "),
            fragments: words.windows(4).map(|w| w.join(" ")).collect(),
        },
        Secret {
            kind: "keystore",
            text: keystore.clone(),
            fragments: vec![
                crypto["ciphertext"].as_str().unwrap()[..24].to_owned(),
                crypto["mac"].as_str().unwrap()[..24].to_owned(),
            ],
        },
    ]
}

/// Argument lists with `@` where the secret goes (alone or inside `--flag=@`).
const ARGUMENTS: &[&[&str]] = &[
    &[
        "tax",
        "--address",
        "@",
        "--events",
        "e.csv",
        "--prices",
        "p.csv",
        "--year",
        "2025",
        "--jurisdiction",
        "us",
        "--method",
        "fifo",
        "--out",
        "o",
    ],
    &["tax", "--address=@", "--events", "e.csv"],
    &["explain", "--bundle", "b", "@"],
    &[
        "claim",
        "--bundle",
        "b",
        "--address",
        "@",
        "--rpc-url",
        "http://127.0.0.1:1",
    ],
    &["tree", "proof", "t.json", "--address", "@"],
    &["deploy", "--bundle", "b", "--token", "@"],
    &["push", "--bundle", "b", "--batch-sender", "@"],
    &[
        "snapshot",
        "--kind",
        "erc20-balances",
        "--token",
        "@",
        "--out",
        "o",
    ],
    &["claim", "--bundle", "b", "--key-env", "@"],
    &["serve", "--rpc-url", "@"],
    &["tax", "--method", "@"],
    &["--log", "@", "status", "--bundle", "b"],
    &["@"],
];

fn run(dir: &Path, args: &[String]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .current_dir(dir)
        .env("AIRDROP_LOG", "debug")
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn assert_refused(what: &str, secret: &Secret, (ok, out, err): (bool, String, String)) {
    assert!(!ok, "{} in {what}: exit 0\n{err}", secret.kind);
    assert!(
        err.contains(WARNING),
        "{} in {what}: no warning\n{err}",
        secret.kind
    );
    for f in &secret.fragments {
        assert!(
            !out.contains(f.as_str()) && !err.contains(f.as_str()),
            "{} in {what} echoed",
            secret.kind
        );
    }
}

#[test]
fn every_argument_refuses_secrets_without_echoing_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for secret in secrets(dir) {
        for args in ARGUMENTS {
            let args: Vec<String> = args.iter().map(|a| a.replace('@', &secret.text)).collect();
            let (ok, out, err) = run(dir, &args);
            assert!(err.starts_with("error: argument "), "{}", args[0]);
            assert_refused(&format!("airdrop {}", args[0]), &secret, (ok, out, err));
        }
    }
    // A root is a hash by type: 64 hex digits there are data, not a key.
    let root = format!("0x{}", "ab".repeat(32));
    let (_, _, err) = run(
        dir,
        &[
            "tree".into(),
            "verify".into(),
            "none.json".into(),
            "--expect-root".into(),
            root,
        ],
    );
    assert!(!err.contains(WARNING), "{err}");
}

/// The secret as one CSV cell or TOML string: no quotes, commas or line breaks (a keystore's
/// hex still shows, and is found as a key).
fn cell(text: &str) -> String {
    text.replace('"', "'").replace([',', '\n'], " ")
}

fn files_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else if p.file_name().is_some_and(|n| n != "ks.json") {
                out.extend(std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

#[test]
fn every_input_file_refuses_secrets_without_echoing_or_writing_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let spec = include_str!("../../../../examples/genesis/campaign.toml");
    let tax = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/tax/basic");
    let events = std::fs::read_to_string(tax.join("events.csv")).unwrap();
    let prices = std::fs::read_to_string(tax.join("prices.csv")).unwrap();
    for secret in secrets(dir) {
        // Each file kind, its secret in a free-text place, and the command that reads it.
        let cases: Vec<(&str, String, Vec<&str>)> = vec![
            (
                "list.csv",
                format!(
                    "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,5\n{},7\n",
                    cell(&secret.text)
                ),
                vec![
                    "tree", "build", "--preset", "uniswap", "--input", "list.csv", "--out", "out",
                ],
            ),
            (
                "campaign.toml",
                spec.replacen("Genesis Drop", &cell(&secret.text), 1),
                vec!["build", "campaign.toml", "--out", "out"],
            ),
            (
                "e.csv",
                events.replacen("genesis", &cell(&secret.text), 1),
                vec![
                    "tax",
                    "--address",
                    "0x1111111111111111111111111111111111111111",
                    "--events",
                    "e.csv",
                    "--prices",
                    "p.csv",
                    "--year",
                    "2025",
                    "--jurisdiction",
                    "us",
                    "--method",
                    "fifo",
                    "--out",
                    "out",
                ],
            ),
            (
                "p.csv",
                format!("{prices}2025-01-11,{},1.00\n", cell(&secret.text)),
                vec![
                    "tax",
                    "--address",
                    "0x1111111111111111111111111111111111111111",
                    "--events",
                    "e.csv",
                    "--prices",
                    "p.csv",
                    "--year",
                    "2025",
                    "--jurisdiction",
                    "us",
                    "--method",
                    "fifo",
                    "--out",
                    "out",
                ],
            ),
            (
                "addresses.txt",
                format!(
                    "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n{}\n",
                    secret.text
                ),
                vec![
                    "snapshot",
                    "--kind",
                    "native-balances",
                    "--rpc",
                    "http://127.0.0.1:9",
                    "--block",
                    "1",
                    "--addresses",
                    "addresses.txt",
                    "--out",
                    "out",
                ],
            ),
            (
                "input.json",
                secret.text.clone(),
                vec![
                    "tree",
                    "build",
                    "--preset",
                    "uniswap",
                    "--input",
                    "input.json",
                    "--out",
                    "out",
                ],
            ),
        ];
        for (file, text, args) in cases {
            let _ = std::fs::remove_dir_all(dir.join("out"));
            std::fs::write(dir.join("e.csv"), &events).unwrap();
            std::fs::write(dir.join("p.csv"), &prices).unwrap();
            std::fs::write(dir.join(file), text).unwrap();
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            assert_refused(file, &secret, run(dir, &args));
            let written = files_under(&dir.join("out"));
            for f in &secret.fragments {
                assert!(
                    !written.windows(f.len()).any(|w| w == f.as_bytes()),
                    "{} from {file} written to the output",
                    secret.kind
                );
            }
        }
    }
}
