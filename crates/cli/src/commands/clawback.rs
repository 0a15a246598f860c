//! `airdrop clawback`: after the claim deadline, the distributor's owner sends everything left
//! to the clawback address (the job is `airdrop_engine::distribution::clawback`).

use super::args::{claim_input, runtime, KeyArgs, StateArgs};
use airdrop_engine::distribution::{clawback, Bundle};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct ClawbackArgs {
    /// Bundle folder (with deployment.json from `airdrop deploy`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Environment variable holding the distributor owner's private key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

pub(crate) fn run(args: ClawbackArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let d = bundle.deployment(&args.state.dir())?;
    let input = claim_input(&bundle, &d, &args.rpc, &args.key)?;
    let r = runtime()?.block_on(clawback(input))?;
    println!(
        "clawed back {} to {} (tx {}, {} gas)",
        bundle.tokens(r.amount),
        r.to,
        r.tx,
        r.gas_used
    );
    Ok(())
}
