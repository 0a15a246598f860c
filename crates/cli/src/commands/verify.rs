//! `airdrop verify`: checks a campaign's signed announcement, its files and (with `--rpc`) its
//! distributor; prints `verified` or `NOT VERIFIED` and each reason on its own line, and exits
//! non-zero unless verified (the job is `airdrop_engine::announce::verify`).

use super::args::runtime;
use airdrop_engine::announce::{verify, Source, Verdict, VerifyInput};
use airdrop_merkle::address::parse_address;
use anyhow::anyhow;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Bundle folder holding announcement.json.
    #[arg(
        long,
        conflicts_with = "manifest",
        required_unless_present = "manifest"
    )]
    pub bundle: Option<PathBuf>,
    /// The announcement's URL (http or https) or path; the bundle's files are read beside it.
    #[arg(long, value_name = "URL-or-PATH")]
    pub manifest: Option<String>,
    /// The signer the project publishes; anything else is refused.
    #[arg(long, value_name = "ADDR")]
    pub expect_signer: Option<String>,
    /// A node of the campaign's chain: checks the distributor and a contract wallet's signature.
    #[arg(long)]
    pub rpc: Option<String>,
}

/// Where `--bundle` / `--manifest` point.
pub(crate) fn source(
    bundle: &Option<PathBuf>,
    manifest: &Option<String>,
) -> anyhow::Result<Source> {
    match (bundle, manifest) {
        (Some(dir), _) => Ok(Source::dir(dir)),
        (None, Some(m)) => Ok(Source::announcement_at(m)?),
        (None, None) => Err(anyhow!("give --bundle DIR or --manifest URL-or-PATH")),
    }
}

/// `--expect-signer`, parsed.
pub(crate) fn expected(text: &Option<String>) -> anyhow::Result<Option<alloy_primitives::Address>> {
    text.as_deref()
        .map(|t| parse_address(t).map_err(|e| anyhow!("--expect-signer {t:?}: {e}")))
        .transpose()
}

/// The verdict line, then each reason (or what was and was not checked when verified).
pub(crate) fn print_verdict(v: &Verdict) {
    if v.verified() {
        println!("verified");
        for n in &v.checked {
            println!("  ok: {n}");
        }
        for n in &v.unchecked {
            println!("  not checked: {n}");
        }
    } else {
        println!("NOT VERIFIED");
        for r in &v.reasons {
            println!("  reason: {r}");
        }
    }
}

pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let source = source(&args.bundle, &args.manifest)?;
    let input = VerifyInput {
        source: &source,
        expect_signer: expected(&args.expect_signer)?,
        rpc: args.rpc.as_deref(),
        files: true,
    };
    let v = runtime()?.block_on(verify(&input))?;
    print_verdict(&v);
    if !v.verified() {
        std::process::exit(1);
    }
    Ok(())
}
