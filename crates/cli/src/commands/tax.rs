//! `airdrop tax`: income and gains of the tokens an address received, for one tax year, under
//! US or UK rules ([`airdrop_engine::tax`]). Not tax advice.

use airdrop_core::tax::{Jurisdiction, Method};
use airdrop_engine::tax::TaxJob;
use airdrop_merkle::address::parse_address;
use anyhow::{anyhow, Result};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `airdrop tax`.
#[derive(Debug, clap::Args)]
pub(crate) struct TaxArgs {
    /// The recipient address the events belong to.
    #[arg(long)]
    pub address: String,
    /// Receipts CSV: `time,token,amount,decimals,kind,campaign,bounty` (docs/tax.md).
    #[arg(long)]
    pub events: PathBuf,
    /// Prices CSV: `date,token,price` (fiat per whole token, by UTC day).
    #[arg(long)]
    pub prices: PathBuf,
    /// Disposals CSV: `time,token,amount,proceeds` (empty proceeds: market value).
    #[arg(long)]
    pub disposals: Option<PathBuf>,
    /// Which lots a US sale consumes first (required for `us`, refused for `uk`).
    #[arg(long, value_parser = ["fifo", "lifo", "hifo"])]
    pub method: Option<String>,
    /// Whose rules: `us` (calendar year) or `uk` (6 April to 5 April).
    #[arg(long, value_parser = ["us", "uk"])]
    pub jurisdiction: String,
    /// Tax year; for the UK the year it starts in (2025 = 6 April 2025 to 5 April 2026).
    #[arg(long)]
    pub year: i32,
    /// Output folder (new, empty, or an earlier `airdrop tax` output).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `airdrop tax`.
pub(crate) fn run(args: TaxArgs) -> Result<()> {
    let address = parse_address(&args.address).map_err(|e| anyhow!("--address: {e}"))?;
    let method = args
        .method
        .as_deref()
        .map(Method::parse)
        .transpose()
        .map_err(|e| anyhow!("--method: {e}"))?;
    let jurisdiction = match args.jurisdiction.as_str() {
        "uk" => Jurisdiction::Uk,
        _ => Jurisdiction::Us,
    };
    let done = airdrop_engine::tax::run(&TaxJob {
        address,
        events: args.events,
        prices: args.prices,
        disposals: args.disposals,
        method,
        jurisdiction,
        year: args.year,
        out: args.out.clone(),
    })?;
    let mut out = std::io::stdout().lock();
    write!(out, "{}", done.summary)?;
    writeln!(out, "Wrote {}", args.out.display())?;
    Ok(())
}
