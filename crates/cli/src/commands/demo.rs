//! `airdrop demo`: the README's first command. Builds the example campaign and serves it with
//! its web pages on the embedded default store (SQLite), printing the claim page's URL; no
//! chain is needed to look. `--rpc-url` (after `airdrop deploy`) makes the pages claim.

use super::build::{self, BuildArgs};
use super::serve::{self, SecretUrl, ServeArgs};
use airdrop_engine::distribution::Bundle;
use anyhow::{Context, Result};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Arguments of `airdrop demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// The campaign spec to build.
    #[arg(long, default_value = "examples/genesis/campaign.toml")]
    pub spec: PathBuf,
    /// Bundle directory to write (and serve).
    #[arg(long, default_value = "out/genesis")]
    pub out: PathBuf,
    /// The campaign's id in URLs (`/claim/<id>`).
    #[arg(long, default_value = "genesis")]
    pub id: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The store (sign-ups, tasks, the relay queue). Default: SQLite `demo.db` beside the
    /// bundle directory (`out/demo.db`).
    #[arg(long)]
    pub database_url: Option<SecretUrl>,
    /// A node where the bundle is deployed (`airdrop deploy`): the pages then claim on it.
    #[arg(long)]
    pub rpc_url: Option<SecretUrl>,
    /// With --rpc-url: the environment variable holding a relayer's key, for gasless claims.
    #[arg(long, value_name = "VAR", requires = "rpc_url")]
    pub relayer_key_env: Option<String>,
}

/// `serve`'s own parser, so the demo serves with exactly `serve`'s defaults.
#[derive(Debug, Parser)]
struct AsServe {
    #[command(flatten)]
    serve: ServeArgs,
}

/// Runs `airdrop demo`: build, then serve until Ctrl-C.
pub(crate) fn run(args: DemoArgs) -> Result<()> {
    build::run(BuildArgs {
        campaign: args.spec.clone(),
        out: args.out.clone(),
        quiet: false,
        json: false,
        now: None,
        fresh: false,
    })?;
    let out = args.out.display().to_string();
    let mut argv = vec![
        "serve".to_owned(),
        "--listen".into(),
        args.listen.to_string(),
        "--campaign".into(),
        format!("{}={out}", args.id),
        "--database-url".into(),
        args.database_url.as_ref().map_or_else(
            || format!("sqlite:{}", args.out.with_file_name("demo.db").display()),
            |u| u.0.clone(),
        ),
        "--data-dir".into(),
        args.out
            .with_file_name("airdrop-data")
            .display()
            .to_string(),
    ];
    if let Some(rpc) = &args.rpc_url {
        argv.extend(["--rpc-url".into(), rpc.0.clone()]);
    }
    if let Some(var) = &args.relayer_key_env {
        argv.extend(["--relayer-key-env".into(), var.clone()]);
    }
    let serve_args = AsServe::try_parse_from(&argv)
        .context("the demo's serve settings")?
        .serve;
    let page = format!("http://{}/claim/{}", args.listen, args.id);
    let bundle = Bundle::load(&args.out).with_context(|| format!("reading {out}"))?;
    let example = bundle
        .claims_in_order()?
        .first()
        .map(|(_, who, _)| who.to_checksum(None));
    println!("claim page: {page}");
    if let Some(who) = example {
        println!("a recipient's claim: {page}?address={who}");
    }
    println!("Ctrl-C stops the server.");
    serve::run(serve_args)
}
