//! `airdrop deploy`: checks a bundle against the chain, deploys its distributor (a clone
//! through the factory, or with `--full` the whole `AirdropDistributor`),
//! funds it with the bundle's total and records the address in `deployment.json` (the job is
//! `airdrop_engine::distribution::deploy`).

use super::args::{runtime, KeyArgs, StateArgs};
use crate::output::{Bars, Shown};
use airdrop_engine::distribution::{
    deploy, eth, gwei, Bundle, DeployEstimate, DeployInput, DeployOutcome,
};
use airdrop_merkle::address::parse_address;
use alloy_primitives::U256;
use anyhow::anyhow;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct DeployArgs {
    /// Bundle folder written by `airdrop build` (manifest.json + claims.json).
    #[arg(long)]
    pub bundle: PathBuf,
    /// JSON-RPC endpoint of the chain the bundle is for.
    #[arg(long)]
    pub rpc: String,
    /// The deployer's key (it becomes the distributor's owner).
    #[command(flatten)]
    pub key: KeyArgs,
    /// Deploy for this token instead of the manifest's (e.g. a test deployment of the token).
    #[arg(long, value_name = "ADDR")]
    pub token: Option<String>,
    /// Estimate gas and cost of deploy + fund at the current gas price and print the
    /// distributor's address before it exists; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Deploy the whole AirdropDistributor contract (about 1.3M gas) instead of a clone through
    /// the factory (the default; about 100k gas, plus the factory once per chain).
    #[arg(long)]
    pub full: bool,
    /// Deploy a distributor whose claims never close, for a bundle without a `[claim]` window:
    /// its tokens can then never be clawed back.
    #[arg(long)]
    pub no_deadline: bool,
    /// Deploy and fund another distributor although one for this root is recorded or found on
    /// chain (recipients could then claim from both).
    #[arg(long)]
    pub pay_again_i_know: bool,
    /// Where the deployment record and push ledgers are kept.
    #[command(flatten)]
    pub state: StateArgs,
}

pub(crate) fn run(args: DeployArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let signer = args.key.signer()?;
    let token = match &args.token {
        Some(t) => Some(parse_address(t).map_err(|e| anyhow!("--token: {e}"))?),
        None => None,
    };
    let state = args.state.dir();
    let input = DeployInput {
        bundle: &bundle,
        rpc: &args.rpc,
        signer,
        token,
        dry_run: args.dry_run,
        no_deadline: args.no_deadline,
        pay_again: args.pay_again_i_know,
        state: &state,
        full: args.full,
    };
    match runtime()?.block_on(deploy(input, &Shown(&Bars::new(false, &[]))))? {
        DeployOutcome::Estimate(e) => print_estimate(&bundle, &e, args.no_deadline),
        DeployOutcome::Funded {
            distributor,
            total,
            record,
        } => {
            println!("distributor {distributor}");
            println!("funded      {}", bundle.tokens(total));
            println!("recorded in {}", record.display());
        }
    }
    Ok(())
}

fn print_estimate(bundle: &Bundle, e: &DeployEstimate, no_deadline: bool) {
    let cost = |gas: u64| eth(U256::from(gas) * e.price);
    let factory_gas = e.factory_gas.unwrap_or(0);
    let total_gas = factory_gas + e.deploy_gas + e.fund_gas;
    println!("dry run on chain {}: nothing sent", e.chain_id);
    println!("  sender        {}", e.sender);
    let kind = match (e.clone, e.exists) {
        (true, true) => "clone, already deployed: it would be recorded and funded",
        (true, false) => "clone through the factory",
        (false, _) => "full contract, at the sender's next nonce",
    };
    println!("  distributor   {} ({kind})", e.distributor);
    println!("  token         {}", e.token);
    println!("  root          {}", bundle.root);
    if bundle.has_window {
        println!(
            "  claim window  {} to {} (unix); clawback to {} from the deadline on",
            bundle.start, bundle.deadline, e.clawback_to
        );
    } else {
        println!("  claim window  none: claims never close and clawback will be impossible (tokens nobody claims stay locked for good){}", if no_deadline { "" } else { "; deploying needs --no-deadline" });
    }
    println!("  total         {}", bundle.tokens(bundle.total));
    if let Some(g) = e.factory_gas {
        println!("  factory       {g} gas  {} (once per chain)", cost(g));
    }
    println!(
        "  deploy        {} gas  {}",
        e.deploy_gas,
        cost(e.deploy_gas)
    );
    println!("  fund          {} gas  {}", e.fund_gas, cost(e.fund_gas));
    println!(
        "  all           {total_gas} gas  {} at {} (base fee + tip now)",
        cost(total_gas),
        gwei(e.price)
    );
}
