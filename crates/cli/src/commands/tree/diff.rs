//! `airdrop tree diff`: two epochs of a cumulative (merkl) rewards tree compared.

use airdrop_merkle::cumulative::{self, Rewards};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Arguments of `airdrop tree diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct TreeDiffArgs {
    /// The earlier epoch: a claims file from `tree build --preset merkl` or a Merkl reward file.
    pub old: PathBuf,
    /// The later epoch, same kinds.
    pub new: PathBuf,
    /// Print every change as JSON.
    #[arg(long)]
    pub json: bool,
}

fn load_epoch(path: &Path) -> Result<Rewards> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    let doc = airdrop_merkle::verify::read_json(std::io::BufReader::new(f), &name)?;
    if doc.get("rewards").is_some() {
        return Ok(cumulative::read_reward_file(&doc, &name)?);
    }
    Ok(cumulative::read_epoch(&doc, &name)?.0)
}

/// Runs `airdrop tree diff`: what each recipient can newly claim between two epochs. A
/// decrease is printed and makes the command fail: the distributor cannot take back.
pub(crate) fn diff(args: TreeDiffArgs) -> Result<()> {
    let (old, new) = (load_epoch(&args.old)?, load_epoch(&args.new)?);
    let d = cumulative::diff_epochs(&old, &new);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        println!("increased {}", d.increased.len());
        println!("decreased {}", d.decreased.len());
        for (token, sum) in &d.claimable_per_token {
            println!("claimable {token} {sum}");
        }
        for c in &d.decreased {
            println!("decrease {} {} {} -> {}", c.user, c.token, c.old, c.new);
        }
    }
    cumulative::check_epochs(&old, &new)?;
    Ok(())
}
