//! `airdrop diff`: compare two bundles — who gained, lost, appeared or disappeared, with totals.

use airdrop_core::diff::{diff, read_allocations, Change};
use airdrop_core::units::format_units;
use airdrop_core::Manifest;
use airdrop_merkle::U256;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `airdrop diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The earlier bundle directory.
    pub old: PathBuf,
    /// The later bundle directory.
    pub new: PathBuf,
    /// Print the full comparison as JSON (every changed address).
    #[arg(long)]
    pub json: bool,
    /// Addresses listed per category in text mode (largest changes first).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

fn load(dir: &Path) -> Result<std::collections::BTreeMap<airdrop_merkle::Address, U256>> {
    let path = dir.join("allocations.csv");
    let data = crate::output::read_input_file(&path, airdrop_merkle::limits::MAX_INPUT_BYTES)
        .with_context(|| {
            format!(
                "{} is not a readable bundle from airdrop build",
                dir.display()
            )
        })?;
    Ok(read_allocations(&data, &path.display().to_string())?)
}

/// The token's decimals and symbol from the bundle's manifest: amounts are printed in whole
/// tokens, so a manifest that cannot be read is an error (never a guess of 0 decimals).
fn decimals_and_symbol(dir: &Path) -> Result<(u8, String)> {
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {}; the text comparison prints whole tokens and needs the bundle's manifest (--json does not)",
            path.display()
        )
    })?;
    let m = Manifest::read(&bytes).with_context(|| dir.display().to_string())?;
    Ok((m.token.decimals, m.token.symbol))
}

/// Runs `airdrop diff`.
pub(crate) fn run(args: DiffArgs) -> Result<()> {
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    let d = diff(&old, &new);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
        return Ok(());
    }
    let (dec, sym) = decimals_and_symbol(&args.new)?;
    let t = |s: &str| format_units(U256::from_str_radix(s, 10).unwrap_or_default(), dec);
    writeln!(
        out,
        "old  {} recipients, {} {sym}",
        d.old_count,
        t(&d.old_total)
    )?;
    writeln!(
        out,
        "new  {} recipients, {} {sym}",
        d.new_count,
        t(&d.new_total)
    )?;
    writeln!(out, "unchanged    {}", d.unchanged)?;
    let sections: [(&str, &Vec<Change>, &str, char); 4] = [
        ("gained", &d.gained, &d.gained_total, '+'),
        ("lost", &d.lost, &d.lost_total, '-'),
        ("appeared", &d.appeared, &d.appeared_total, '+'),
        ("disappeared", &d.disappeared, &d.disappeared_total, '-'),
    ];
    for (name, list, total, sign) in sections {
        writeln!(
            out,
            "{name:<12} {:>6} addresses, {sign}{} {sym}",
            list.len(),
            t(total)
        )?;
        for c in list.iter().take(args.limit) {
            writeln!(
                out,
                "    {} {} → {} ({sign}{})",
                c.address,
                t(&c.old),
                t(&c.new),
                t(&c.delta)
            )?;
        }
        if list.len() > args.limit {
            writeln!(
                out,
                "    … {} more (--limit, or --json for all)",
                list.len() - args.limit
            )?;
        }
    }
    Ok(())
}
