//! What the web pages' browser tests share: the check that a browser and playwright-core are
//! there, running a `web/tests/*.mjs` scenario and reading its JSON, the page checks every report
//! carries (axe, sideways scroll at 360 px), and waiting for a balance on chain.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::distribution_chain::Chain;
use crate::snapshot_support::repo_root;
use alloy_primitives::{Address, U256};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// Fails with the install hint when Debian's chromium or playwright-core is missing.
pub(crate) fn require_browser() {
    let chromium = std::env::var("AIRDROP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (`apt-get install -y chromium`; scripts/test does)"
    );
    assert!(
        repo_root().join("node_modules/playwright-core").is_dir(),
        "node_modules/playwright-core is missing: run `npm ci` at the repository root (scripts/test does)"
    );
}

/// Runs `node web/tests/<script> <arg as JSON>`; its JSON output.
pub(crate) fn node_script(script: &str, arg: &Value) -> Value {
    let root = repo_root();
    assert!(
        root.join("node_modules/playwright-core").is_dir(),
        "node_modules/playwright-core is missing: run `npm ci` at the repository root (scripts/test does)"
    );
    let out = Command::new("node")
        .arg(root.join("web/tests").join(script))
        .arg(arg.to_string())
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs the browser scenario `web/tests/<script>` with `cfg`; its JSON report. A missing
/// browser is a failure that says how to install it.
pub(crate) fn scenario(script: &str, cfg: &Value) -> Value {
    require_browser();
    node_script(script, cfg)
}

/// Every page state of `report` (its `axe` and `overflow` maps) has no axe violation and no
/// sideways scroll at 360 px.
pub(crate) fn assert_pages_clean(report: &Value) {
    for (state, violations) in report["axe"].as_object().unwrap() {
        assert_eq!(violations, &json!([]), "axe on {state}");
    }
    for (state, overflow) in report["overflow"].as_object().unwrap() {
        assert_eq!(
            overflow,
            &json!(false),
            "{state} scrolls sideways at 360 px"
        );
    }
}

/// Waits (up to 60 s) until `who` holds exactly `want` of the chain's token.
pub(crate) fn wait_balance(c: &Chain, who: Address, want: U256) {
    let started = std::time::Instant::now();
    while c.balance(c.token, who) != want {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{who} never reached {want}: {}",
            c.balance(c.token, who)
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The SQLite store of a pages test, in `dir`.
pub(crate) fn store_db(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("store.db").display())
}

/// `airdrop serve` on the store `db`, jobs in `dir/data`, without rate limits (a browser test
/// sends bursts); `extra` adds flags and `env` the variables they name.
pub(crate) fn serve_store(
    dir: &Path,
    db: &str,
    extra: &[&str],
    env: &[(&str, String)],
) -> crate::snapshot_support::cli::Server {
    let data = dir.join("data");
    let mut args = vec![
        "--rate-limit-per-ip",
        "0",
        "--rate-limit-per-key",
        "0",
        "--database-url",
        db,
        "--data-dir",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    crate::snapshot_support::cli::serve(&args, env)
}
