//! `airdrop tree proof`: one claim, with its proof, from a built tree.

use crate::output::{open_input, DirFetch};
use airdrop_merkle::verify::{find_claim, find_sharded_claim, read_json};
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `airdrop tree proof`.
#[derive(Debug, clap::Args)]
pub struct TreeProofArgs {
    /// A claims file or dump written by `tree build`, or a shard folder.
    #[arg(long)]
    pub tree: PathBuf,
    /// The claimant: an address (base58 public key for jito trees).
    pub address: String,
}

/// Runs the command.
pub fn run(args: TreeProofArgs) -> Result<()> {
    let claim = if args.tree.is_dir() {
        find_sharded_claim(&mut DirFetch(args.tree.clone()), &args.address)?
    } else {
        let name = args.tree.display().to_string();
        let doc = read_json(open_input(&args.tree)?, &name)?;
        find_claim(&name, &doc, &args.address)?
    };
    println!("{}", serde_json::to_string_pretty(&claim)?);
    Ok(())
}
