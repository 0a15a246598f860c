//! Running the `airdrop` binary from chain tests, with anvil's dev keys derived at run time.

use alloy_signer_local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner};
use std::process::Command;

/// anvil's well-known development phrase (public; its keys hold no real funds).
pub const MNEMONIC: &str = "test test test test test test test test test test test junk";

/// anvil's dev account `i`.
pub fn dev(i: u32) -> PrivateKeySigner {
    MnemonicBuilder::<English>::default()
        .phrase(MNEMONIC)
        .index(i)
        .unwrap()
        .build()
        .unwrap()
}

/// The private key as hex, to hand to the binary through an environment variable.
pub fn key_hex(s: &PrivateKeySigner) -> String {
    hex::encode(s.credential().to_bytes())
}

/// Runs `airdrop` with `env`; (success, stdout, stderr). A panic is always a failure.
pub fn airdrop(args: &[&str], env: &[(&str, String)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airdrop"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Runs `airdrop`, which must succeed; its stdout.
pub fn ok(args: &[&str], env: &[(&str, String)]) -> String {
    let (success, out, err) = airdrop(args, env);
    assert!(success, "airdrop {args:?} failed: {err}");
    out
}

/// Runs `airdrop`, which must fail with `needle` on stderr and print no dev key anywhere.
pub fn fails(args: &[&str], env: &[(&str, String)], needle: &str) -> String {
    let (success, out, err) = airdrop(args, env);
    assert!(!success, "airdrop {args:?} should fail, printed {out}");
    assert!(
        err.contains(needle),
        "airdrop {args:?}: expected {needle:?} in: {err}"
    );
    for s in [&out, &err] {
        for i in 0..8 {
            assert!(!s.contains(&key_hex(&dev(i))), "a key was printed");
        }
    }
    err
}
