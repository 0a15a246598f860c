//! `airdrop tree proof`: claims, with their proofs, from a built tree — one address, or many
//! with the tree loaded once.

use crate::output::{open_input, read_input_file, DirFetch};
use airdrop_engine::input::open_regular;
use airdrop_merkle::limits::MAX_INPUT_BYTES;
use airdrop_merkle::verify::{find_multiproof, find_sharded_claim, read_json, ClaimLookup};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;

/// Largest `--addresses` file: over a million addresses, one per line.
const MAX_ADDRESS_FILE_BYTES: u64 = 64 << 20;

/// Arguments of `airdrop tree proof`.
#[derive(Debug, clap::Args)]
pub(crate) struct TreeProofArgs {
    /// A claims file or dump written by `tree build`, or a shard folder.
    #[arg(long)]
    pub tree: PathBuf,
    /// The claimants: addresses (base58 public keys for jito trees). One address prints its
    /// claim as a JSON document; several print one JSON line each.
    #[arg(required_unless_present = "addresses", conflicts_with = "addresses")]
    pub address: Vec<String>,
    /// A file of addresses, one per line (blank lines skipped): one JSON line each.
    #[arg(long, value_name = "FILE")]
    pub addresses: Option<PathBuf>,
    /// With an OpenZeppelin dump: one multiproof for all the addresses (`getMultiProof`'s
    /// shape) instead of a proof each.
    #[arg(long)]
    pub multiproof: bool,
}

/// Runs the command.
pub(crate) fn run(args: TreeProofArgs) -> Result<()> {
    let queries = queries(&args)?;
    if args.multiproof {
        if args.tree.is_dir() {
            anyhow::bail!("multiproofs need an OpenZeppelin dump, not a shard folder; drop --multiproof for one proof per address");
        }
        let name = args.tree.display().to_string();
        let doc = read_json(open_input(&args.tree)?, &name)?;
        let whos: Vec<String> = queries.into_iter().map(|(_, w)| w).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&find_multiproof(&name, &doc, &whos)?)?
        );
        return Ok(());
    }
    let mut find = finder(&args)?;
    // One positional address keeps the pretty document and the plain error of earlier releases.
    if args.addresses.is_none() && queries.len() == 1 {
        println!("{}", serde_json::to_string_pretty(&find(&queries[0].1)?)?);
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = 0usize;
    for (query, who) in &queries {
        let line = match find(who) {
            Ok(claim) => claim,
            Err(e) => {
                failed += 1;
                serde_json::json!({ "query": query, "error": e.to_string() })
            }
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} addresses have no proof (see their \"error\" lines)",
            queries.len()
        );
    }
    Ok(())
}

type Finder = Box<dyn FnMut(&str) -> airdrop_merkle::Result<serde_json::Value>>;

/// A look-up over the tree, loaded (or opened for searching in place) once.
fn finder(args: &TreeProofArgs) -> Result<Finder> {
    if args.tree.is_dir() {
        let mut fetch = DirFetch(args.tree.clone());
        return Ok(Box::new(move |who| find_sharded_claim(&mut fetch, who)));
    }
    let name = args.tree.display().to_string();
    let file =
        open_regular(&args.tree, MAX_INPUT_BYTES).with_context(|| format!("cannot open {name}"))?;
    let mut lookup = ClaimLookup::open(file, &name)?;
    Ok(Box::new(move |who| lookup.find(who)))
}

/// The addresses asked for, each with what names it in an error line: its position among
/// the arguments, or its line in the `--addresses` file.
fn queries(args: &TreeProofArgs) -> Result<Vec<(usize, String)>> {
    let Some(path) = &args.addresses else {
        return Ok(args
            .address
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, a)| (i + 1, a))
            .collect());
    };
    let bytes = read_input_file(path, MAX_ADDRESS_FILE_BYTES)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    let list: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.trim().to_owned()))
        .collect();
    if list.is_empty() {
        anyhow::bail!("{} holds no addresses; write one per line", path.display());
    }
    Ok(list)
}
