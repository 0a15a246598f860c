//! `airdrop tree verify`: rebuild a tree's root from its own data and check every proof.

use crate::output::{open_input, DirFetch};
use airdrop_merkle::published::check_expected_root;
use airdrop_merkle::verify::{read_json, verify_document, verify_sharded, VerifyReport};
use airdrop_merkle::{jupiter, thirdweb};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// Arguments of `airdrop tree verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct TreeVerifyArgs {
    /// A claims file (ours or as Uniswap published it), OpenZeppelin dump, Balancer/Morpho
    /// proof file, Jito/Jupiter tree JSON, Merkl reward or cumulative claims file, or a folder:
    /// shard folder (ENS/Hop, ours), thirdweb shard folder (merkle-info.json), or a folder of
    /// Jupiter tree files (tree_0.json …).
    #[arg(long)]
    pub tree: PathBuf,
    /// Fail unless the rebuilt root is this one (the root the contract holds). For a folder of
    /// Jupiter tree files, give it once per tree file, in tree order (one distributor each).
    #[arg(long, value_name = "ROOT")]
    pub expect_root: Vec<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command. Exits non-zero unless the root and every proof check out.
pub(crate) fn run(args: TreeVerifyArgs) -> Result<()> {
    let reports = verify(&args.tree)?;
    check_roots(&reports, &args.expect_root)?;
    if args.json {
        let out: Vec<&VerifyReport> = reports.iter().map(|(_, r)| r).collect();
        if let [one] = out[..] {
            println!("{}", serde_json::to_string_pretty(one)?);
        } else {
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        return Ok(());
    }
    for (_, report) in &reports {
        print_report(report);
    }
    Ok(())
}

fn print_report(report: &VerifyReport) {
    println!(
        "ok: {} with {} claims; every proof verifies",
        report.format, report.claims
    );
    if let Some(total) = &report.total {
        println!("total: {total}");
    }
    if report.per_token.len() > 1 {
        for (token, sum) in &report.per_token {
            println!("total of {token}: {sum}");
        }
    }
    println!("{}", report.root);
}

/// Verifies a file or folder, returning one report per tree (several only for Jupiter folders).
fn verify(path: &Path) -> Result<Vec<(String, VerifyReport)>> {
    let name = path.display().to_string();
    if !path.is_dir() {
        let doc = read_json(open_input(path)?, &name)?;
        return Ok(vec![(name.clone(), verify_document(&name, &doc)?)]);
    }
    let mut fetch = DirFetch(path.to_owned());
    if path.join("merkle-info.json").exists() {
        return Ok(vec![(name, thirdweb::verify_folder(&mut fetch)?)]);
    }
    if !path.join("root.json").exists() {
        let names: Vec<String> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        if jupiter::is_tree_folder(&names) {
            return Ok(jupiter::verify_tree_folder(&mut fetch, &names)?);
        }
    }
    Ok(vec![(name, verify_sharded(&mut fetch)?)])
}

/// `--expect-root`: one root for a single tree; for a folder of Jupiter trees, none or exactly
/// one per tree file, so that a missing last tree file is caught too.
fn check_roots(reports: &[(String, VerifyReport)], expected: &[String]) -> Result<()> {
    if expected.is_empty() {
        return Ok(());
    }
    if reports.len() == 1 && expected.len() > 1 {
        bail!(
            "--expect-root was given {} times but this is one tree; repeat it only for a folder of Jupiter tree files (one per tree_<n>.json)",
            expected.len()
        );
    }
    if expected.len() != reports.len() {
        bail!(
            "the folder holds {} tree files (tree_0.json … tree_{}.json) but --expect-root was given {} times: a tree file is missing, or a root is extra",
            reports.len(),
            reports.len() - 1,
            expected.len()
        );
    }
    for ((file, report), want) in reports.iter().zip(expected) {
        check_expected_root(report, want).map_err(|e| {
            if reports.len() > 1 {
                anyhow::anyhow!("{file}: {e}")
            } else {
                e.into()
            }
        })?;
    }
    Ok(())
}
