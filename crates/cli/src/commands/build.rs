//! `airdrop build`: a campaign spec in, a bundle out (allocations, claims, decisions, report,
//! manifest). The engine builds ([`airdrop_engine::build`]); this file turns the arguments into
//! its input, draws its progress and prints the summary.

use crate::output::{Bars, Shown};
use airdrop_core::units::format_units;
use airdrop_engine::build::{BuildInput, Built};
use airdrop_engine::Cancel;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `airdrop build`.
#[derive(Debug, clap::Args)]
pub(crate) struct BuildArgs {
    /// The campaign spec (TOML). Paths inside it are relative to this file.
    pub campaign: PathBuf,
    /// Bundle directory to write (replaced as a whole once the build succeeds).
    #[arg(long)]
    pub out: PathBuf,
    /// Print nothing on success (errors still go to stderr).
    #[arg(long, short = 'q', conflicts_with = "json")]
    pub quiet: bool,
    /// Print a machine-readable summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Reference time (RFC 3339 UTC) to check the claim window against; the build never reads
    /// the clock, so without it no such check is made.
    #[arg(long)]
    pub now: Option<String>,
    /// Delete the checkpoints of chain sources (left beside --out by an interrupted build) and
    /// take their snapshots from the beginning.
    #[arg(long)]
    pub fresh: bool,
}

/// The spinner text of the build's own stages (chain sources draw bars with counts).
const STAGES: &[(&str, Option<&str>)] = &[
    ("read", Some("reading sources")),
    ("exclusions", Some("reading exclusions")),
    ("allocate", Some("allocating")),
    ("tree", Some("building the Merkle tree")),
    (
        "write",
        Some("writing claims, allocations, decisions and report"),
    ),
    ("commit", None),
];

/// Runs `airdrop build`.
pub(crate) fn run(args: BuildArgs) -> Result<()> {
    let started = Instant::now();
    let bars = Bars::new(
        !args.quiet && !args.json && std::io::stderr().is_terminal(),
        STAGES,
    );
    let input = BuildInput {
        campaign: args.campaign.clone(),
        out: args.out.clone(),
        now: args.now.clone(),
        fresh: args.fresh,
    };
    let built = airdrop_engine::build::run(&input, &Shown(&bars), &Cancel::new());
    bars.finish();
    let built = built?;
    if let Some(aside) = &built.kept_aside {
        eprintln!(
            "note: the previous bundle's files that the build did not write and that have a namesake in the new bundle are kept in {}",
            aside.display()
        );
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let summary = json_summary(&args, &built, started);
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else if !args.quiet {
        print_summary(&mut out, &args, &built, started)?;
    }
    Ok(())
}

/// The `--json` summary.
fn json_summary(args: &BuildArgs, b: &Built, started: Instant) -> serde_json::Value {
    let timings: serde_json::Map<_, _> = b
        .timings
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    let mut summary = serde_json::json!({
        "name": b.name,
        "root": format!("{:#x}", b.root),
        "total": b.total.to_string(),
        "total_tokens": format_units(b.total, b.decimals),
        "recipients": b.recipients,
        "dust": b.dust.to_string(),
        "dust_to": b.dust_to.map(|d| format!("{d:#x}")),
        "out": args.out.display().to_string(),
        "files": b.files,
        "timings_ms": timings,
        "elapsed_ms": started.elapsed().as_millis(),
    });
    if !b.snapshots.is_empty() {
        summary["snapshots"] = serde_json::json!(b.snapshots);
    }
    summary
}

/// The summary for people.
fn print_summary(
    out: &mut impl Write,
    args: &BuildArgs,
    b: &Built,
    started: Instant,
) -> std::io::Result<()> {
    let (dec, sym) = (b.decimals, &b.symbol);
    writeln!(out, "campaign    {} (chain {}, {sym})", b.name, b.chain_id)?;
    for p in &b.snapshots {
        writeln!(
            out,
            "snapshot    {}: {} at block {} {} ({} rows)",
            p.source, p.kind, p.block, p.block_hash, p.rows
        )?;
    }
    writeln!(out, "recipients  {}", b.recipients)?;
    writeln!(
        out,
        "total       {} {sym} (= budget)",
        format_units(b.total, dec)
    )?;
    for p in &b.pools {
        writeln!(
            out,
            "  pool {:<16} {} {sym} paid of {}",
            p.name,
            format_units(p.paid, dec),
            format_units(p.amount, dec)
        )?;
    }
    if !b.dust.is_zero() {
        let to = b.dust_to.map(|d| format!("{d:#x}")).unwrap_or_default();
        writeln!(
            out,
            "dust        {} {sym} → {to}",
            format_units(b.dust, dec)
        )?;
    }
    writeln!(
        out,
        "bundle      {} ({} files, {:.1}s)",
        args.out.display(),
        b.files.len() + 1,
        started.elapsed().as_secs_f64()
    )?;
    writeln!(out, "{:#x}", b.root)
}
