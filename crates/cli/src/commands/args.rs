//! What the distribution commands share: where a signing key comes from, where the state
//! folder is, the async runtime and the input of the claim-side jobs.

use airdrop_engine::distribution::{Bundle, ClaimInput, Located, StateDir};
use alloy::signers::local::PrivateKeySigner;
use anyhow::{anyhow, bail, Context};
use std::path::PathBuf;

/// Where a signing key comes from. Never from the command line itself.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct KeyArgs {
    /// Name of the environment variable holding the private key (hex).
    #[arg(long, value_name = "VAR", required_unless_present = "keystore")]
    pub key_env: Option<String>,
    /// Encrypted JSON keystore (Web3 Secret Storage, as written by geth, cast or clef).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "key_env",
        requires = "password_env"
    )]
    pub keystore: Option<PathBuf>,
    /// Name of the environment variable holding the keystore's password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

impl KeyArgs {
    /// Loads the key (never printed).
    pub(crate) fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        match (&self.key_env, &self.keystore) {
            (Some(var), _) => signer_from_env(var),
            (None, Some(file)) => {
                let var = self
                    .password_env
                    .as_deref()
                    .ok_or_else(|| anyhow!("--keystore needs --password-env VAR"))?;
                let password = std::env::var(var).map_err(|_| {
                    anyhow!("environment variable {var} (the keystore password) is not set")
                })?;
                PrivateKeySigner::decrypt_keystore(file, password).map_err(|e| {
                    anyhow!(
                        "cannot open keystore {}: {e}; check the file and the password in {var}",
                        file.display()
                    )
                })
            }
            (None, None) => bail!("give the key with --key-env VAR or --keystore FILE"),
        }
    }

    /// Where the key came from, for messages.
    pub(crate) fn describe(&self) -> String {
        match (&self.key_env, &self.keystore) {
            (Some(var), _) => format!("${var}"),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => "?".to_owned(),
        }
    }
}

/// The key in the environment variable `var` (never printed).
pub(crate) fn signer_from_env(var: &str) -> anyhow::Result<PrivateKeySigner> {
    let text = std::env::var(var).map_err(|_| {
        anyhow!("environment variable {var} is not set; put the private key (hex) in it, e.g. `read -rs {var}; export {var}`")
    })?;
    text.trim().parse::<PrivateKeySigner>().map_err(|_| {
        anyhow!("environment variable {var} does not hold a valid private key (64 hex digits, optional 0x)")
    })
}

/// Where records of money sent are kept.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct StateArgs {
    /// Folder keeping the push ledgers and deployment records, outside any bundle so a rebuild
    /// cannot lose them [default: $XDG_DATA_HOME/airdrop/state or ~/.local/share/airdrop/state].
    #[arg(long, value_name = "DIR", env = "AIRDROP_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateArgs {
    /// The state folder from the flag, else the environment.
    pub(crate) fn dir(&self) -> StateDir {
        StateDir::resolve(
            self.state_dir.clone(),
            std::env::var_os("XDG_DATA_HOME"),
            std::env::var_os("HOME"),
        )
    }
}

/// The input of the claim-side jobs (claim, sign, relay, clawback): the bundle, its deployment,
/// the node and the key named by `key`.
pub(crate) fn claim_input<'a>(
    bundle: &'a Bundle,
    deployment: &'a Located,
    rpc: &'a str,
    key: &KeyArgs,
) -> anyhow::Result<ClaimInput<'a>> {
    Ok(ClaimInput {
        bundle,
        deployment,
        rpc,
        signer: key.signer()?,
        key_label: key.describe(),
    })
}

/// A runtime for one engine job.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
