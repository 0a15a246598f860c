//! `airdrop sybil`: the campaign's sybil detectors alone, for review before a build
//! (`clusters.json`, `evidence.jsonl`, `report.html`); and `airdrop sybil generate`, synthetic
//! activity with planted rings to try them on. The engine does the work
//! ([`airdrop_engine::sybil`]); this file parses arguments and prints the summary.

use crate::output::{Bars, Shown};
use airdrop_engine::sybil::{SybilInput, SybilRun};
use airdrop_engine::Cancel;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Arguments of `airdrop sybil`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct SybilArgs {
    /// Generate synthetic activity instead.
    #[command(subcommand)]
    pub command: Option<SybilCommand>,
    /// The campaign spec; its [sybil] section names the edges, hubs and thresholds.
    #[arg(long, required = true)]
    pub campaign: Option<PathBuf>,
    /// Folder to write clusters.json, evidence.jsonl and report.html into.
    #[arg(long, required = true)]
    pub out: Option<PathBuf>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Subcommands of `airdrop sybil`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SybilCommand {
    /// Write synthetic activity with planted sybil rings (edges.csv, hubs.csv, truth.csv,
    /// users.csv, campaign.toml).
    Generate(GenerateArgs),
}

/// Arguments of `airdrop sybil generate`.
#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// Seed of every random choice (same seed, same files).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Organic users.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    pub organic: u64,
    /// Rings of each of the five shapes (star, chain, sweep, burst, exchange).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub rings: u64,
    /// Folder to write into.
    #[arg(long)]
    pub out: PathBuf,
}

const STAGES: &[(&str, Option<&str>)] = &[
    ("sybil-read", Some("reading edges")),
    ("sybil-detect", Some("indexing and detecting")),
    ("write", Some("writing clusters, evidence and report")),
];

/// Runs `airdrop sybil`.
pub(crate) fn run(args: SybilArgs) -> Result<()> {
    if let Some(SybilCommand::Generate(g)) = args.command {
        return generate(g);
    }
    let (Some(campaign), Some(out)) = (args.campaign, args.out) else {
        anyhow::bail!("airdrop sybil needs --campaign FILE and --out DIR");
    };
    let bars = Bars::new(!args.json && std::io::stderr().is_terminal(), STAGES);
    let input = SybilInput {
        campaign,
        out: out.clone(),
    };
    let r = airdrop_engine::sybil::run(&input, &Shown(&bars), &Cancel::new());
    bars.finish();
    let r = r?;
    let mut o = std::io::stdout().lock();
    if args.json {
        writeln!(o, "{}", serde_json::to_string_pretty(&summary(&r, &out))?)?;
    } else {
        writeln!(
            o,
            "{} clusters holding {} addresses, among {} addresses and {} edges ({} hubs removed)",
            r.clusters, r.flagged, r.nodes, r.edges, r.hubs
        )?;
        for (name, hash) in &r.files {
            writeln!(o, "  {}  sha256 {hash}", out.join(name).display())?;
        }
    }
    Ok(())
}

fn summary(r: &SybilRun, out: &std::path::Path) -> serde_json::Value {
    let timings: serde_json::Map<String, serde_json::Value> = r
        .timings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::json!(*v as u64)))
        .collect();
    serde_json::json!({
        "out": out.display().to_string(),
        "nodes": r.nodes,
        "edges": r.edges,
        "hubs": r.hubs,
        "clusters": r.clusters,
        "flagged": r.flagged,
        "files": r.files,
        "timings_ms": timings,
    })
}

fn generate(g: GenerateArgs) -> Result<()> {
    let plan = airdrop_sybil_plan(g.seed, g.organic as usize, g.rings as usize);
    let done = airdrop_engine::sybil::generate(&plan, &g.out)?;
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "{} edges: {} organic users, {} planted addresses in {} rings; wrote {} into {}",
        done.edges,
        done.organic,
        done.planted,
        g.rings * 5,
        done.files.join(", "),
        g.out.display()
    )?;
    Ok(())
}

fn airdrop_sybil_plan(seed: u64, organic: usize, rings: usize) -> airdrop_engine::sybil::Plan {
    airdrop_engine::sybil::Plan {
        seed,
        organic,
        rings_per_shape: rings,
        ring_size: (20, 50),
    }
}
