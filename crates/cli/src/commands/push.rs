//! `airdrop push`: pays every recipient of a bundle directly with `BatchSender` (packed calldata
//! when every amount of a batch fits in 96 bits), in
//! batches, with a crash-safe ledger; `airdrop push status` reports the ledger. The job (the
//! ledger's state machine, the gas model, the checks against paying twice) is
//! `airdrop_engine::distribution::push`.

use super::args::{runtime, KeyArgs, StateArgs};
use crate::output::{Bars, Shown};
use airdrop_engine::distribution::{
    eth, gwei, ledger_status, push, Bundle, LedgerStatus, PushEstimate, PushInput, PushOutcome,
};
use airdrop_engine::Cancel;
use airdrop_merkle::address::parse_address;
use alloy_primitives::U256;
use anyhow::{anyhow, bail};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// Testing aid: sleep this many milliseconds after a batch is signed and recorded, before it is
/// sent (so a test can kill the process in that window). It only sleeps.
const PAUSE_ENV: &str = "AIRDROP_PUSH_PAUSE_AFTER_SIGN_MS";

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct PushArgs {
    #[command(subcommand)]
    pub command: Option<PushCommand>,
    /// Bundle folder written by `airdrop build` (manifest.json + claims.json).
    #[arg(long)]
    pub bundle: Option<PathBuf>,
    /// JSON-RPC endpoint of the chain the bundle is for.
    #[arg(long)]
    pub rpc: Option<String>,
    /// The paying account's key (it holds the tokens and pays the gas).
    #[command(flatten)]
    pub key: KeyArgs,
    /// The ledger (SQLite); default `push-ledger.sqlite` in the state folder of the bundle's
    /// chain, token and root (or, for bundles pushed by older versions, the one inside the bundle).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// Where push ledgers and deployment records are kept.
    #[command(flatten)]
    pub state: StateArgs,
    /// Start a new plan although the chain shows this sender already paid this bundle's
    /// recipients their amounts: pays them again.
    #[arg(long)]
    pub pay_again_i_know: bool,
    /// First block to search for past payments of this plan [default: the bundle's earliest
    /// snapshot block, else the token's deployment block].
    #[arg(long, value_name = "N")]
    pub since_block: Option<u64>,
    /// Recipients per batch instead of what fits in the block gas limit (only when planning).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<u64>,
    /// Use this deployed BatchSender instead of deploying one.
    #[arg(long, value_name = "ADDR")]
    pub batch_sender: Option<String>,
    /// Seconds to wait for each receipt.
    #[arg(long, default_value_t = 120)]
    pub receipt_timeout_secs: u64,
    /// Plan, estimate gas and cost; send nothing and write no ledger.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum PushCommand {
    /// What the ledger says: batches per state, recipients paid and remaining, last transaction.
    Status(PushStatusArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct PushStatusArgs {
    /// Bundle folder.
    #[arg(long)]
    pub bundle: PathBuf,
    /// The ledger; default: the one `airdrop push` uses.
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// Where push ledgers are kept.
    #[command(flatten)]
    pub state: StateArgs,
    /// One JSON object (amounts as decimal strings of base units).
    #[arg(long)]
    pub json: bool,
}

/// The push's stages that draw no bar of their own.
const PUSH_STAGES: &[(&str, Option<&str>)] = &[
    ("check", None),
    ("plan", None),
    ("reconcile", None),
    ("approve", None),
];

pub(crate) fn run(args: PushArgs) -> anyhow::Result<()> {
    if let Some(PushCommand::Status(s)) = args.command {
        return status(s);
    }
    let dir = args
        .bundle
        .clone()
        .ok_or_else(|| anyhow!("give the bundle with --bundle DIR"))?;
    let rpc = args
        .rpc
        .clone()
        .ok_or_else(|| anyhow!("give the node with --rpc URL"))?;
    let bundle = Bundle::load(&dir)?;
    let signer = args.key.signer()?;
    if args.batch_size == Some(0) {
        bail!("--batch-size 0: a batch needs at least one recipient");
    }
    let batch_sender = match &args.batch_sender {
        Some(a) => Some(parse_address(a).map_err(|e| anyhow!("--batch-sender: {e}"))?),
        None => None,
    };
    let state = args.state.dir();
    let input = PushInput {
        bundle: &bundle,
        rpc: &rpc,
        signer,
        ledger: args.ledger.clone(),
        state: &state,
        pay_again: args.pay_again_i_know,
        since_block: args.since_block,
        batch_size: args.batch_size,
        batch_sender,
        receipt_timeout: Duration::from_secs(args.receipt_timeout_secs),
        dry_run: args.dry_run,
        pause_after_sign: std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis),
    };
    // Only the batches are drawn (with counts); the checks before them print their messages.
    let bar = Bars::new(true, PUSH_STAGES);
    let outcome = runtime()?.block_on(push(input, &Shown(&bar), &Cancel::new()));
    bar.finish();
    print_outcome(&bundle, outcome?);
    Ok(())
}

fn print_outcome(bundle: &Bundle, outcome: PushOutcome) {
    match outcome {
        PushOutcome::Estimate(e) => print_estimate(bundle, &e),
        PushOutcome::NothingToDo {
            batches,
            recipients,
        } => println!(
            "nothing to do: all {batches} batches are confirmed ({recipients} recipients, {})",
            bundle.tokens(bundle.total)
        ),
        PushOutcome::Pushed {
            pushed,
            elapsed,
            recipients,
            batches,
            gas,
            ledger,
        } => {
            println!(
                "pushed {} recipients in this run ({:.1}/s); all {} recipients of {} batches confirmed, {} paid",
                pushed,
                pushed as f64 / elapsed.as_secs_f64().max(1e-3),
                recipients,
                batches,
                bundle.tokens(bundle.total)
            );
            println!(
                "gas used by the batches: {gas}; ledger {}",
                ledger.display()
            );
        }
    }
}

fn print_estimate(bundle: &Bundle, e: &PushEstimate) {
    let cost = |gas: u64| eth(U256::from(gas) * e.price);
    println!(
        "dry run on chain {}: nothing sent, no ledger written",
        e.chain_id
    );
    println!("  sender        {}", e.sender);
    println!("  token         {}", e.token);
    println!(
        "  recipients    {} ({} still to pay)",
        e.recipients, e.remaining_recipients
    );
    println!(
        "  batches       {} of up to {} ({} still to send; block gas limit {})",
        e.batches, e.batch_size, e.open_batches, e.block_gas_limit
    );
    println!("  to pay        {}", bundle.tokens(e.remaining));
    println!(
        "  deploy        {} gas  {}",
        e.deploy_gas,
        cost(e.deploy_gas)
    );
    println!(
        "  approve       {} gas  {}",
        e.approve_gas,
        cost(e.approve_gas)
    );
    println!(
        "  batches       {} gas  {} (predicted per batch for fresh recipients, as `airdrop cost`)",
        e.batch_gas,
        cost(e.batch_gas)
    );
    println!(
        "  total         {} gas  {} at {} (base fee + tip now)",
        e.total_gas,
        cost(e.total_gas),
        gwei(e.price)
    );
    println!("  gas balance   {}", eth(e.gas_balance));
}

fn status(args: PushStatusArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let s = ledger_status(&bundle, &args.ledger, &args.state.dir())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status_json(&s))?);
    } else {
        print_status(&bundle, &s);
    }
    Ok(())
}

fn status_json(s: &LedgerStatus) -> serde_json::Value {
    let run = &s.run;
    json!({
        "ledger": s.path.display().to_string(),
        "bundle_root": run.bundle_root,
        "token": run.token,
        "sender": run.sender,
        "chain_id": run.chain_id,
        "batch_sender": run.batch_sender,
        "batch_size": run.batch_size,
        "batches": s.batches.len(),
        "states": s.per_state,
        "recipients_paid": s.paid_recipients,
        "recipients_remaining": s.remaining_recipients,
        "amount_paid": s.paid.to_string(),
        "amount_remaining": s.remaining.to_string(),
        "total": run.total,
        "last_tx": s.last_tx().map(|b| json!({"batch": b.id, "state": b.state.as_str(), "tx_hash": b.tx_hash, "nonce": b.nonce, "block": b.block})),
    })
}

fn print_status(bundle: &Bundle, s: &LedgerStatus) {
    println!("ledger        {}", s.path.display());
    println!("sender        {} on chain {}", s.run.sender, s.run.chain_id);
    println!(
        "batch sender  {}",
        s.run
            .batch_sender
            .as_deref()
            .unwrap_or("(not deployed yet)")
    );
    println!(
        "batches       {} of up to {}",
        s.batches.len(),
        s.run.batch_size
    );
    for (state, n) in &s.per_state {
        println!("  {state:<10}  {n}");
    }
    println!(
        "paid          {} recipients, {}",
        s.paid_recipients,
        bundle.tokens(s.paid)
    );
    println!(
        "remaining     {} recipients, {}",
        s.remaining_recipients,
        bundle.tokens(s.remaining)
    );
    if let Some(b) = s.last_tx() {
        println!(
            "last tx       batch {} {} {} (nonce {}{})",
            b.id,
            b.state.as_str(),
            b.tx_hash.as_deref().unwrap_or("?"),
            b.nonce.map(|n| n.to_string()).unwrap_or_default(),
            b.block.map(|n| format!(", block {n}")).unwrap_or_default()
        );
    }
}
