//! The `airdrop` command-line tool: one module per command under `commands/`.

// The binary is the one place that talks to the terminal.
#![allow(clippy::print_stdout)]

mod commands;
mod guard;
mod output;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "airdrop",
    version,
    about = "Run token airdrops end to end: decide, prove, distribute."
)]
struct Cli {
    /// Log filter (also AIRDROP_LOG), e.g. `info` or `airdrop_merkle=debug`. Logs go to stderr.
    #[arg(long, global = true, env = "AIRDROP_LOG", default_value = "warn")]
    log: String,
    /// Log format on stderr: `text` for people, `json` (one object per line) for collectors.
    #[arg(long, global = true, env = "AIRDROP_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Merkle trees in the formats real distributors use.
    #[command(subcommand)]
    Tree(commands::tree::TreeCommand),
    /// Build a campaign bundle (allocations, claims, manifest, report) from a campaign spec.
    Build(commands::build::BuildArgs),
    /// Explain why an address got what it got in a built bundle.
    Explain(commands::explain::ExplainArgs),
    /// Compare two bundles: who gained, lost, appeared or disappeared.
    Diff(commands::diff::DiffArgs),
    /// Find sybil clusters (addresses farmed by one party) with evidence, before a build;
    /// or generate synthetic activity with planted rings.
    Sybil(commands::sybil::SybilArgs),
    /// Deploy and fund the distributor contract for a bundle.
    Deploy(commands::deploy::DeployArgs),
    /// Claim an allocation from a deployed distributor (directly or through a relayer signature).
    Claim(commands::claim::ClaimArgs),
    /// Write a bundle's static claim kit: proof shards and one page that works from disk or any static host.
    Kit(commands::kit::KitArgs),
    /// After the deadline, sweep unclaimed tokens to the clawback address.
    Clawback(commands::clawback::ClawbackArgs),
    /// Claimed and unclaimed counts and amounts of a deployed distributor, and time to deadline.
    Status(commands::status::StatusArgs),
    /// Pay every recipient directly in batches (BatchSender), with a crash-safe ledger.
    Push(commands::push::PushArgs),
    /// Compare the cost of pushing versus letting recipients claim.
    Cost(commands::cost::CostArgs),
    /// Build the example campaign and serve it with its web pages; prints the claim page's URL.
    Demo(commands::demo::DemoArgs),
    /// Serve the HTTP API: published campaigns (proofs), sign-ups, bounties, creator API.
    Serve(commands::serve::ServeArgs),
    /// Creator API keys of the server's store.
    Keys(commands::keys::KeysArgs),
    /// Who held what at a block, computed over plain JSON-RPC.
    Snapshot(commands::snapshot::SnapshotArgs),
    /// Income and gains of received tokens for one tax year (US or UK rules; not tax advice).
    Tax(commands::tax::TaxArgs),
    /// What a wallet received, with scams flagged in plain words.
    ///
    /// Read-only: no transaction is ever sent, contracts are only simulated with eth_call.
    /// Exit code 0 when nothing is flagged, 3 when something is a scam, 4 when something is
    /// only suspicious, 1 on an error.
    Scan(commands::scan::ScanArgs),
    /// Sign a deployed bundle's announcement (EIP-712) for recipients to verify.
    Sign(commands::sign::SignArgs),
    /// Verify a campaign's signed announcement, its files and (with --rpc) its distributor.
    Verify(commands::verify::VerifyArgs),
    /// Is an address eligible, for how much and when (proof checked against the signed root).
    Check(commands::check::CheckArgs),
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if let Err((which, refusal)) = guard::check(&argv) {
        eprintln!("error: {which}: {refusal}");
        std::process::exit(2);
    }
    if let Err(err) = commands::serve::apply_config_file(&argv) {
        eprintln!("error: {err:#}");
        std::process::exit(2);
    }
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }

    if let Err(err) = output::init_progress_mode() {
        eprintln!("error: {err:#}");
        std::process::exit(2);
    }
    let result = match cli.command {
        Command::Tree(command) => commands::tree::run(command),
        Command::Build(args) => commands::build::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Sybil(args) => commands::sybil::run(args),
        Command::Snapshot(args) => commands::snapshot::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Keys(args) => commands::keys::run(args),
        Command::Deploy(args) => commands::deploy::run(args),
        Command::Claim(args) => commands::claim::run(args),
        Command::Kit(args) => commands::kit::run(args),
        Command::Clawback(args) => commands::clawback::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Push(args) => commands::push::run(args),
        Command::Cost(args) => commands::cost::run(args),
        Command::Tax(args) => commands::tax::run(args),
        Command::Scan(args) => commands::scan::run(args),
        Command::Sign(args) => commands::sign::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Check(args) => commands::check::run(args),
    };
    if let Err(err) = result {
        // One line: the chain of causes joined, so scripts can grep it and people can read it.
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
