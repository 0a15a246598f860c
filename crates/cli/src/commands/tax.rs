//! `airdrop tax`: income and gains of the tokens an address received, for one tax year, under
//! US or UK rules ([`airdrop_engine::tax`]). Not tax advice.

use airdrop_core::tax::{Jurisdiction, Method};
use airdrop_engine::tax::{ChainReceipts, Receipts, TaxJob};
use airdrop_merkle::address::parse_address;
use alloy_primitives::Address;
use anyhow::{anyhow, bail, Result};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `airdrop tax`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("receipts").required(true).args(["events", "rpc"]))]
#[command(group = clap::ArgGroup::new("senders").multiple(true))]
pub(crate) struct TaxArgs {
    /// The recipient address the events belong to.
    #[arg(long)]
    pub address: String,
    /// Receipts CSV: `time,token,amount,decimals,kind,campaign,bounty` (docs/tax.md).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Read the receipts from this node instead: ERC-20 transfers to --address from --from.
    #[arg(long, requires = "senders")]
    pub rpc: Option<String>,
    /// With --rpc: a distributor or sender whose transfers to --address are receipts (repeat).
    #[arg(long, group = "senders")]
    pub from: Vec<String>,
    /// With --rpc: like --from, for receipts given for doing something (bounties; UK income).
    #[arg(long, group = "senders")]
    pub bounty_from: Vec<String>,
    /// With --rpc: the first block to search.
    #[arg(long, default_value_t = 0)]
    pub from_block: u64,
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
    let receipts = match (args.events, args.rpc) {
        (Some(_), _)
            if !args.from.is_empty() || !args.bounty_from.is_empty() || args.from_block > 0 =>
        {
            bail!("--from, --bounty-from and --from-block go with --rpc, not --events")
        }
        (Some(path), _) => Receipts::File(path),
        (None, rpc) => {
            let parse = |list: &[String]| -> Result<Vec<Address>> {
                list.iter()
                    .map(|a| parse_address(a).map_err(|e| anyhow!("--from: {e}")))
                    .collect()
            };
            Receipts::Chain(ChainReceipts {
                rpc: rpc.unwrap_or_default(),
                from: parse(&args.from)?,
                bounty_from: parse(&args.bounty_from)?,
                from_block: args.from_block,
            })
        }
    };
    let done = airdrop_engine::tax::run(&TaxJob {
        address,
        receipts,
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
