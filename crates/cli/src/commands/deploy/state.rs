//! The state folder: what was done with money (the push ledger, the deployment record) lives
//! here, keyed by chain id, token and root, and not in the bundle, because a rebuild replaces the
//! bundle and must not make the tool forget what it paid.
//!
//! Layout: `<state>/<chain id>/<token, lowercase 0x>/<root, lowercase 0x>/{push-ledger.sqlite,
//! deployment.json}`. `<state>` is `--state-dir`, else `AIRDROP_STATE_DIR`, else
//! `$XDG_DATA_HOME/airdrop/state`, else `~/.local/share/airdrop/state`.

use alloy_primitives::{Address, B256};
use anyhow::{anyhow, bail, Context};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// File name of the deployment record (in the state folder, and its copy in the bundle).
pub(crate) const DEPLOYMENT_FILE: &str = "deployment.json";
/// File name of the push ledger (in the state folder; old bundles had it inside).
pub(crate) const LEDGER_FILE: &str = "push-ledger.sqlite";

/// Where records of money sent are kept.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StateArgs {
    /// Folder keeping the push ledgers and deployment records, outside any bundle so a rebuild
    /// cannot lose them [default: $XDG_DATA_HOME/airdrop/state or ~/.local/share/airdrop/state].
    #[arg(long, value_name = "DIR", env = "AIRDROP_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateArgs {
    /// The state folder (not created).
    pub(crate) fn base(&self) -> anyhow::Result<PathBuf> {
        if let Some(d) = self
            .state_dir
            .as_ref()
            .filter(|d| !d.as_os_str().is_empty())
        {
            return Ok(d.clone());
        }
        // XDG: a relative XDG_DATA_HOME is invalid and ignored.
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from) {
            if x.is_absolute() {
                return Ok(x.join("airdrop").join("state"));
            }
        }
        match std::env::var_os("HOME").map(PathBuf::from) {
            Some(h) if h.is_absolute() => Ok(h.join(".local/share/airdrop/state")),
            _ => bail!("no state folder: HOME is not set; give one with --state-dir DIR or AIRDROP_STATE_DIR"),
        }
    }

    /// The folder of one (chain, token, root) (not created).
    pub(crate) fn folder(
        &self,
        chain_id: u64,
        token: Address,
        root: B256,
    ) -> anyhow::Result<PathBuf> {
        Ok(self
            .base()?
            .join(chain_id.to_string())
            .join(format!("{token:#x}"))
            .join(format!("{root:#x}")))
    }

    /// The folder of one (chain, token, root), created.
    pub(crate) fn create(
        &self,
        chain_id: u64,
        token: Address,
        root: B256,
    ) -> anyhow::Result<PathBuf> {
        let f = self.folder(chain_id, token, root)?;
        std::fs::create_dir_all(&f)
            .with_context(|| format!("cannot create the state folder {}", f.display()))?;
        Ok(f)
    }

    /// Every deployment record of `root` on `chain_id`, whatever the token (a deploy may use
    /// `--token`), as (path, content).
    pub(crate) fn deployments_of_root(
        &self,
        chain_id: u64,
        root: B256,
    ) -> anyhow::Result<Vec<(PathBuf, Value)>> {
        let chain = self.base()?.join(chain_id.to_string());
        let Ok(tokens) = std::fs::read_dir(&chain) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for t in tokens.flatten() {
            let p = t.path().join(format!("{root:#x}")).join(DEPLOYMENT_FILE);
            if p.is_file() {
                let v = read_record(&p)?;
                out.push((p, v));
            }
        }
        Ok(out)
    }
}

/// A deployment record as JSON.
pub(crate) fn read_record(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow!("{} is not valid json: {e}", path.display()))
}

/// Writes a record whole or not at all (temporary file, then rename).
pub(crate) fn write_record(path: &Path, record: &Value) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, format!("{}\n", serde_json::to_string_pretty(record)?))
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Moves a record that is about to be replaced to `deployment-<tag>.json` beside it (a name not
/// taken yet), so no record of a distributor is ever overwritten.
pub(crate) fn set_aside(path: &Path, tag: &str) -> anyhow::Result<PathBuf> {
    // The tag comes from a file's content: only its letters and digits name the new file.
    let tag: String = tag
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(42)
        .collect();
    for n in 0..1000u32 {
        let name = match n {
            0 => format!("deployment-{tag}.json"),
            n => format!("deployment-{tag}-{n}.json"),
        };
        let aside = path.with_file_name(name);
        if aside.symlink_metadata().is_err() {
            std::fs::rename(path, &aside)
                .with_context(|| format!("cannot move {} aside", path.display()))?;
            return Ok(aside);
        }
    }
    bail!(
        "cannot move {} aside: too many earlier records",
        path.display()
    )
}

/// Whether a record found in a bundle is for this chain and root (a record without those
/// fields is taken as it is: the distributor's own `merkleRoot()` is checked before use).
pub(crate) fn record_matches(v: &Value, chain_id: u64, root: B256) -> bool {
    let chain_ok = v
        .get("chain_id")
        .is_none_or(|c| c.as_u64() == Some(chain_id));
    let root_ok = v
        .get("root")
        .is_none_or(|r| r.as_str().and_then(|r| r.parse::<B256>().ok()) == Some(root));
    chain_ok && root_ok
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn folder_is_keyed_by_chain_token_root() {
        let s = StateArgs {
            state_dir: Some(PathBuf::from("/st")),
        };
        let token: Address = "0x00000000000000000000000000000000000000Aa"
            .parse()
            .unwrap();
        let f = s.folder(1, token, B256::repeat_byte(0xab)).unwrap();
        assert_eq!(
            f,
            Path::new("/st/1/0x00000000000000000000000000000000000000aa")
                .join(format!("0x{}", "ab".repeat(32)))
        );
    }

    #[test]
    fn a_record_is_set_aside_under_a_clean_free_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(DEPLOYMENT_FILE);
        std::fs::write(&p, "one").unwrap();
        let a = set_aside(&p, "../../etc/0xAB").unwrap();
        assert_eq!(a, dir.path().join("deployment-etc0xAB.json"));
        std::fs::write(&p, "two").unwrap();
        let b = set_aside(&p, "../../etc/0xAB").unwrap();
        assert_eq!(b, dir.path().join("deployment-etc0xAB-1.json"));
        assert_eq!(std::fs::read(a).unwrap(), b"one");
        assert_eq!(std::fs::read(b).unwrap(), b"two");
    }

    #[test]
    fn records_of_another_chain_or_root_do_not_match() {
        let root = B256::repeat_byte(1);
        let ok = json!({"chain_id": 5, "root": root});
        assert!(record_matches(&ok, 5, root));
        assert!(!record_matches(&ok, 6, root));
        assert!(!record_matches(&ok, 5, B256::repeat_byte(2)));
        assert!(record_matches(&json!({"distributor": "0x"}), 5, root));
    }
}
