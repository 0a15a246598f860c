//! The state folder: what was done with money (the push ledger, the deployment record) lives
//! here, keyed by chain id, token and root, and not in the bundle, because a rebuild replaces the
//! bundle and must not make the tool forget what it paid.
//!
//! Layout: `<state>/<chain id>/<token, lowercase 0x>/<root, lowercase 0x>/{push-ledger.sqlite,
//! deployment.json}`. `<state>` is `--state-dir`, else `AIRDROP_STATE_DIR`, else
//! `$XDG_DATA_HOME/airdrop/state`, else `~/.local/share/airdrop/state`; the shell reads the
//! environment and hands the values to [`StateDir::resolve`].

use super::input;
use crate::Result;
use airdrop_core::Deployment;
use airdrop_merkle::address::parse_address;
use alloy_primitives::{Address, B256};
use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// File name of the deployment record (in the state folder, and its copy in the bundle).
pub const DEPLOYMENT_FILE: &str = "deployment.json";
/// File name of the push ledger (in the state folder; old bundles had it inside).
pub const LEDGER_FILE: &str = "push-ledger.sqlite";

/// Where records of money sent are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    /// `None` when no folder could be worked out (no HOME): an error once one is needed.
    base: Option<PathBuf>,
}

impl StateDir {
    /// The state folder `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> StateDir {
        StateDir {
            base: Some(dir.into()),
        }
    }

    /// The folder from `--state-dir`/`AIRDROP_STATE_DIR` (`explicit`), else from the
    /// environment's `XDG_DATA_HOME` and `HOME` (relative ones are invalid and ignored).
    pub fn resolve(
        explicit: Option<PathBuf>,
        xdg_data_home: Option<OsString>,
        home: Option<OsString>,
    ) -> StateDir {
        if let Some(d) = explicit.filter(|d| !d.as_os_str().is_empty()) {
            return StateDir::at(d);
        }
        if let Some(x) = xdg_data_home.map(PathBuf::from) {
            if x.is_absolute() {
                return StateDir::at(x.join("airdrop").join("state"));
            }
        }
        StateDir {
            base: home
                .map(PathBuf::from)
                .filter(|h| h.is_absolute())
                .map(|h| h.join(".local/share/airdrop/state")),
        }
    }

    /// The state folder (not created).
    pub fn base(&self) -> Result<PathBuf> {
        self.base.clone().ok_or_else(|| {
            input("no state folder: HOME is not set; give one with --state-dir DIR or AIRDROP_STATE_DIR")
        })
    }

    /// The folder of one (chain, token, root) (not created).
    pub fn folder(&self, chain_id: u64, token: Address, root: B256) -> Result<PathBuf> {
        Ok(self
            .base()?
            .join(chain_id.to_string())
            .join(format!("{token:#x}"))
            .join(format!("{root:#x}")))
    }

    /// The folder of one (chain, token, root), created.
    pub fn create(&self, chain_id: u64, token: Address, root: B256) -> Result<PathBuf> {
        let f = self.folder(chain_id, token, root)?;
        std::fs::create_dir_all(&f).map_err(|e| {
            input(format!(
                "cannot create the state folder {}: {e}",
                f.display()
            ))
        })?;
        Ok(f)
    }

    /// Every deployment record of `root` on `chain_id`, whatever the token (a deploy may use
    /// `--token`).
    pub fn deployments_of_root(&self, chain_id: u64, root: B256) -> Result<Vec<Located>> {
        let chain = self.base()?.join(chain_id.to_string());
        let Ok(tokens) = std::fs::read_dir(&chain) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for t in tokens.flatten() {
            let p = t.path().join(format!("{root:#x}")).join(DEPLOYMENT_FILE);
            if p.is_file() {
                out.push(Located::read(&p)?);
            }
        }
        Ok(out)
    }
}

/// A deployment record as found on disk: where the distributor is, and the whole typed record
/// when `airdrop deploy` wrote it. A record written by hand (or copied in by someone moving a
/// deployment) only needs `distributor`, `token` and `block`: the distributor's own
/// `merkleRoot()` and `token()` are checked on chain before it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file it was read from.
    pub path: PathBuf,
    /// The distributor.
    pub distributor: Address,
    /// The token it pays.
    pub token: Address,
    /// Block it was created in (start of its logs).
    pub block: u64,
    /// The chain, when the record names it.
    pub chain_id: Option<u64>,
    /// The root, when the record names it.
    pub root: Option<B256>,
    /// The record as `airdrop deploy` wrote it; `None` for a hand-written one.
    pub record: Option<Deployment>,
}

impl Located {
    /// Reads the record at `path`.
    pub fn read(path: &Path) -> Result<Located> {
        let bytes = crate::input::read_record(path)
            .map_err(|e| input(format!("cannot read {}: {e}", path.display())))?;
        if let Ok(d) = Deployment::read(&bytes) {
            return Ok(Located {
                path: path.to_path_buf(),
                distributor: d.distributor,
                token: d.token,
                block: d.block,
                chain_id: Some(d.chain_id),
                root: Some(d.root),
                record: Some(d),
            });
        }
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| input(format!("{} is not valid json: {e}", path.display())))?;
        let get = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| input(format!("{}: {k:?} missing", path.display())))
        };
        let address = |k: &str| {
            parse_address(get(k)?).map_err(|e| input(format!("{}: {k}: {e}", path.display())))
        };
        Ok(Located {
            path: path.to_path_buf(),
            distributor: address("distributor")?,
            token: address("token")?,
            block: v.get("block").and_then(Value::as_u64).ok_or_else(|| {
                input(format!(
                    "{}: \"block\" missing (the block the distributor was created in)",
                    path.display()
                ))
            })?,
            chain_id: v.get("chain_id").and_then(Value::as_u64),
            root: v
                .get("root")
                .and_then(Value::as_str)
                .and_then(|r| r.parse().ok()),
            record: None,
        })
    }

    /// Whether a record found in a bundle is for this chain and root (a record that does not
    /// say is taken as it is: the distributor's own `merkleRoot()` is checked before use).
    pub fn matches(&self, chain_id: u64, root: B256) -> bool {
        self.chain_id.is_none_or(|c| c == chain_id) && self.root.is_none_or(|r| r == root)
    }
}

/// Writes a record whole or not at all (temporary file, then rename).
pub(crate) fn write_record(path: &Path, record: &Deployment) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, record.to_bytes()?)
        .map_err(|e| input(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| input(format!("cannot write {}: {e}", path.display())))
}

/// Moves a record that is about to be replaced to `deployment-<tag>.json` beside it (a name not
/// taken yet), so no record of a distributor is ever overwritten.
pub(crate) fn set_aside(path: &Path, tag: &str) -> Result<PathBuf> {
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
                .map_err(|e| input(format!("cannot move {} aside: {e}", path.display())))?;
            return Ok(aside);
        }
    }
    Err(input(format!(
        "cannot move {} aside: too many earlier records",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn folder_is_keyed_by_chain_token_root() {
        let s = StateDir::at("/st");
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
    fn the_base_comes_from_flag_then_xdg_then_home() {
        let base = |e: Option<&str>, x: Option<&str>, h: Option<&str>| {
            StateDir::resolve(e.map(PathBuf::from), x.map(Into::into), h.map(Into::into))
                .base()
                .map_err(|e| e.to_string())
        };
        assert_eq!(base(Some("/a"), Some("/x"), None), Ok("/a".into()));
        assert_eq!(
            base(Some(""), Some("/x"), None),
            Ok("/x/airdrop/state".into())
        );
        assert_eq!(
            base(None, Some("rel"), Some("/h")),
            Ok("/h/.local/share/airdrop/state".into())
        );
        let e = base(None, None, Some("rel")).unwrap_err();
        assert!(e.starts_with("no state folder: HOME is not set"), "{e}");
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
    fn hand_written_records_locate_a_distributor_and_match_any_root() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(DEPLOYMENT_FILE);
        let a = Address::repeat_byte(7);
        std::fs::write(
            &p,
            json!({"distributor": a, "token": a, "block": 3}).to_string(),
        )
        .unwrap();
        let l = Located::read(&p).unwrap();
        assert_eq!((l.distributor, l.block, l.record.is_none()), (a, 3, true));
        assert!(l.matches(5, B256::repeat_byte(1)));
        std::fs::write(&p, json!({"distributor": a, "token": a}).to_string()).unwrap();
        let e = Located::read(&p).unwrap_err().to_string();
        assert!(e.contains("\"block\" missing"), "{e}");
        std::fs::write(&p, json!({"token": a, "block": 1}).to_string()).unwrap();
        let e = Located::read(&p).unwrap_err().to_string();
        assert!(e.contains("\"distributor\" missing"), "{e}");
    }

    #[test]
    fn records_of_another_chain_or_root_do_not_match() {
        let root = B256::repeat_byte(1);
        let l = Located {
            path: PathBuf::new(),
            distributor: Address::ZERO,
            token: Address::ZERO,
            block: 0,
            chain_id: Some(5),
            root: Some(root),
            record: None,
        };
        assert!(l.matches(5, root));
        assert!(!l.matches(6, root));
        assert!(!l.matches(5, B256::repeat_byte(2)));
    }
}
