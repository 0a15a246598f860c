//! `airdrop tree …`: Merkle trees in the formats real distributors use, one file per
//! subcommand.

pub(crate) mod build;
pub(crate) mod diff;
pub(crate) mod formats;
pub(crate) mod proof;
pub(crate) mod verify;

use clap::Subcommand;

/// The tree subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum TreeCommand {
    /// Build a tree from a CSV or JSON file and write its claims, dump or shards.
    Build(build::TreeBuildArgs),
    /// Print claims (index, amount, proof) from a built tree as JSON: one address, or one JSON
    /// line each for many, with the tree loaded once.
    Proof(proof::TreeProofArgs),
    /// Rebuild the root from a claims file, dump or shard folder and check every proof.
    Verify(verify::TreeVerifyArgs),
    /// Compare two epochs of a cumulative (merkl) rewards tree: what each recipient can newly
    /// claim; fails if any cumulative amount decreased.
    Diff(diff::TreeDiffArgs),
}

/// Runs one tree subcommand.
pub(crate) fn run(command: TreeCommand) -> anyhow::Result<()> {
    match command {
        TreeCommand::Build(args) => build::run(args),
        TreeCommand::Proof(args) => proof::run(args),
        TreeCommand::Verify(args) => verify::run(args),
        TreeCommand::Diff(args) => diff::diff(args),
    }
}
