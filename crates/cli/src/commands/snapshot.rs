//! `airdrop snapshot` (chain snapshots issue; being written).

#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {}

pub fn run(_args: SnapshotArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
