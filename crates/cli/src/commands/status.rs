//! `airdrop status`: what has been claimed from a bundle's distributor, what is left, its
//! token balance and the time to the deadline (the job is
//! `airdrop_engine::distribution::status`).

use super::args::{runtime, StateArgs};
use crate::output::Shown;
use airdrop_engine::distribution::{span, status, Bundle, DistributorStatus};
use airdrop_engine::NoProgress;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    /// Bundle folder (with deployment.json from `airdrop deploy`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Blocks per eth_getLogs request.
    #[arg(long, default_value_t = 10_000)]
    pub log_window: u64,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

pub(crate) fn run(args: StatusArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let d = bundle.deployment(&args.state.dir())?;
    let s = runtime()?.block_on(status(
        &bundle,
        &d,
        &args.rpc,
        args.log_window,
        &Shown(&NoProgress),
    ))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&as_json(&bundle, &s))?);
    } else {
        print_text(&bundle, &s);
    }
    Ok(())
}

fn as_json(bundle: &Bundle, s: &DistributorStatus) -> serde_json::Value {
    json!({
        "distributor": s.distributor.to_checksum(None),
        "token": s.token.to_checksum(None),
        "block": s.block,
        "chain_time": s.chain_time,
        "recipients": bundle.count,
        "total": bundle.total.to_string(),
        "claim_events": s.claim_events,
        "claimed_recipients": s.claimed_recipients,
        "fully_claimed_recipients": s.fully_claimed_recipients,
        "claimed": s.claimed.to_string(),
        "unclaimed": s.unclaimed.to_string(),
        "balance": s.balance.to_string(),
        "deadline": s.deadline,
        "seconds_to_deadline": s.seconds_to_deadline,
    })
}

fn print_text(bundle: &Bundle, s: &DistributorStatus) {
    println!(
        "distributor   {} (block {}, chain time {})",
        s.distributor, s.block, s.chain_time
    );
    println!(
        "claimed       {} by {} of {} recipients ({} in full, {} claims)",
        bundle.tokens(s.claimed),
        s.claimed_recipients,
        bundle.count,
        s.fully_claimed_recipients,
        s.claim_events
    );
    println!("unclaimed     {}", bundle.tokens(s.unclaimed));
    println!("balance       {}", bundle.tokens(s.balance));
    if s.deadline == u64::MAX {
        println!("deadline      none (claims never close)");
    } else if s.seconds_to_deadline == 0 {
        println!(
            "deadline      {} (unix): passed, clawback possible",
            s.deadline
        );
    } else {
        println!(
            "deadline      {} (unix): in {}",
            s.deadline,
            span(s.seconds_to_deadline)
        );
    }
}
