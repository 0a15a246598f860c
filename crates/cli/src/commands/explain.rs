//! `airdrop explain`: why an address got what it got in a built bundle (each pool, rule, cap,
//! floor, multiplier), or why it got nothing (below which threshold, excluded by which list).

use airdrop_core::bundle::Report;
use airdrop_core::explain::{explain, find_record, render};
use airdrop_merkle::address::parse_address;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `airdrop explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExplainArgs {
    /// Bundle directory written by `airdrop build`.
    #[arg(long)]
    pub bundle: PathBuf,
    /// The address to explain.
    pub address: String,
    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `airdrop explain`.
pub(crate) fn run(args: ExplainArgs) -> Result<()> {
    let address = parse_address(&args.address).map_err(|e| anyhow::anyhow!("address: {e}"))?;
    let read = |name: &str| {
        let path = args.bundle.join(name);
        crate::output::read_input_file(&path, airdrop_merkle::limits::MAX_INPUT_BYTES)
            .and_then(|b| String::from_utf8(b).map_err(|_| anyhow::anyhow!("not UTF-8 text")))
            .with_context(|| {
                format!(
                    "{} is not a readable bundle from airdrop build",
                    args.bundle.display()
                )
            })
    };
    let report: Report = serde_json::from_str(&read("report.json")?).with_context(|| {
        format!(
            "{}: unreadable report.json; rebuild the bundle",
            args.bundle.display()
        )
    })?;
    let decisions = read("decisions.jsonl")?;
    let record = find_record(&decisions, &address)?;
    let e = explain(&report, record.as_ref(), &address);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?;
    } else {
        write!(out, "{}", render(&e))?;
    }
    Ok(())
}
