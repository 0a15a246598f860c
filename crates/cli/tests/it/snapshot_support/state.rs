//! The state folder (push ledger, deployment record) of a test bundle: beside the bundle, so the
//! tests of one process never share one, passed to every command that names `--bundle`.

use super::cli;
use alloy_primitives::Address;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The state folder of a test bundle.
pub(crate) fn state_of(bundle: &Path) -> PathBuf {
    bundle.parent().unwrap().join("state")
}

/// `env` plus `AIRDROP_STATE_DIR` for the `--bundle` of `args`.
pub(crate) fn with_state<'a>(args: &[&str], env: &[(&'a str, String)]) -> Vec<(&'a str, String)> {
    let mut env = env.to_vec();
    if let Some(i) = args.iter().position(|a| *a == "--bundle") {
        let dir = state_of(Path::new(args[i + 1]));
        env.push(("AIRDROP_STATE_DIR", dir.display().to_string()));
    }
    env
}

/// [`cli::ok`] with the bundle's state folder.
pub(crate) fn ok(args: &[&str], env: &[(&str, String)]) -> String {
    cli::ok(args, &with_state(args, env))
}

/// [`cli::fails`] with the bundle's state folder.
pub(crate) fn fails(args: &[&str], env: &[(&str, String)], needle: &str) -> String {
    cli::fails(args, &with_state(args, env), needle)
}

/// A file of the bundle's state folder, keyed by its manifest's chain, token and root
/// (`push-ledger.sqlite`, `deployment.json`).
pub(crate) fn state_file(bundle: &Path, name: &str) -> PathBuf {
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
            .unwrap();
    let token: Address = m["token"]["address"].as_str().unwrap().parse().unwrap();
    state_of(bundle)
        .join(m["chain_id"].to_string())
        .join(format!("{token:#x}"))
        .join(m["root"].as_str().unwrap().to_lowercase())
        .join(name)
}
