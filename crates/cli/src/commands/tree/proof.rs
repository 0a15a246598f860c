//! `airdrop tree proof`: one claim, with its proof, from a built tree.

use crate::output::{open_input, DirFetch};
use airdrop_merkle::verify::{find_claim, find_multiproof, find_sharded_claim, read_json};
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `airdrop tree proof`.
#[derive(Debug, clap::Args)]
pub(crate) struct TreeProofArgs {
    /// A claims file or dump written by `tree build`, or a shard folder.
    #[arg(long)]
    pub tree: PathBuf,
    /// The claimant: an address (base58 public key for jito trees). Several addresses with an
    /// OpenZeppelin dump print one multiproof for all of them.
    #[arg(required = true)]
    pub address: Vec<String>,
}

/// Runs the command.
pub(crate) fn run(args: TreeProofArgs) -> Result<()> {
    let claim = if args.tree.is_dir() {
        if args.address.len() > 1 {
            anyhow::bail!("multiproofs need an OpenZeppelin dump; ask a sharded tree for one address at a time");
        }
        find_sharded_claim(&mut DirFetch(args.tree.clone()), &args.address[0])?
    } else {
        let name = args.tree.display().to_string();
        let doc = read_json(open_input(&args.tree)?, &name)?;
        if args.address.len() > 1 {
            find_multiproof(&name, &doc, &args.address)?
        } else {
            find_claim(&name, &doc, &args.address[0])?
        }
    };
    println!("{}", serde_json::to_string_pretty(&claim)?);
    Ok(())
}
