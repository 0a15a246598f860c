//! `airdrop tree verify`: rebuild a tree's root from its own data and check every proof.

use crate::output::{open_input, DirFetch};
use airdrop_merkle::published::check_expected_root;
use airdrop_merkle::verify::{read_json, verify_document, verify_sharded};
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `airdrop tree verify`.
#[derive(Debug, clap::Args)]
pub struct TreeVerifyArgs {
    /// A claims file (ours or as Uniswap published it), OpenZeppelin dump, Balancer/Morpho
    /// proof file, Jito/Jupiter tree JSON, or a shard folder (ENS/Hop).
    #[arg(long)]
    pub tree: PathBuf,
    /// Fail unless the rebuilt root is this one (the root the contract holds).
    #[arg(long, value_name = "ROOT")]
    pub expect_root: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command. Exits non-zero unless the root and every proof check out.
pub fn run(args: TreeVerifyArgs) -> Result<()> {
    let report = if args.tree.is_dir() {
        verify_sharded(&mut DirFetch(args.tree.clone()))?
    } else {
        let name = args.tree.display().to_string();
        let doc = read_json(open_input(&args.tree)?, &name)?;
        verify_document(&name, &doc)?
    };
    if let Some(expected) = &args.expect_root {
        check_expected_root(&report, expected)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "ok: {} with {} claims; every proof verifies",
            report.format, report.claims
        );
        if let Some(total) = &report.total {
            println!("total: {total}");
        }
        println!("{}", report.root);
    }
    Ok(())
}
