//! `airdrop keys create|list|revoke`: creator API keys in the server's store. A new key is
//! printed once; only its SHA-256 hash is stored.

use anyhow::{bail, Context, Result};
use std::time::{SystemTime, UNIX_EPOCH};

/// Default store of `airdrop serve` and `airdrop keys`.
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite:airdrop.db";

#[derive(Debug, clap::Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum KeysCommand {
    /// Create a key; it is printed once, store it in a secret manager.
    Create(CreateArgs),
    /// List keys (ids, names, scopes; never secrets).
    List(StoreArgs),
    /// Revoke a key by id.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct StoreArgs {
    /// The server's store: `sqlite:PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[arg(long, env = "AIRDROP_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    /// Who or what uses the key.
    #[arg(long)]
    pub name: String,
    /// `admin` (everything) or `reviewer` (submissions, exports, statistics). Repeatable.
    #[arg(long = "scope", required = true)]
    pub scopes: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RevokeArgs {
    /// The key id (`ak_…`, the part before the second underscore).
    pub id: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn run(args: KeysArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        match args.command {
            KeysCommand::Create(a) => {
                let db = airdrop_store::Db::connect(&a.store.database_url).await?;
                let new = airdrop_server::auth::generate(&a.name, &a.scopes, now())
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                db.insert_api_key(&new.row).await?;
                eprintln!(
                    "created key {} ({}) with scopes [{}] in {}; it is shown once:",
                    new.row.id,
                    new.row.name,
                    new.row.scopes.join(", "),
                    db.url()
                );
                println!("{}", new.key);
            }
            KeysCommand::List(a) => {
                let db = airdrop_store::Db::connect(&a.database_url).await?;
                for k in db.api_keys().await? {
                    println!(
                        "{}  {:<24}  [{}]  created {}{}",
                        k.id,
                        k.name,
                        k.scopes.join(","),
                        k.created,
                        k.revoked
                            .map(|t| format!("  revoked {t}"))
                            .unwrap_or_default()
                    );
                }
            }
            KeysCommand::Revoke(a) => {
                let db = airdrop_store::Db::connect(&a.store.database_url).await?;
                if !db.revoke_api_key(&a.id, now()).await? {
                    bail!(
                        "no active key {:?} in {}; `airdrop keys list` shows them",
                        a.id,
                        db.url()
                    );
                }
                eprintln!("revoked {}", a.id);
            }
        }
        Ok(())
    })
}
