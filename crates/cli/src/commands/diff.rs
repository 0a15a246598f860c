//! `airdrop diff` (campaign issue; being written).

#[derive(Debug, clap::Args)]
pub struct DiffArgs {}

pub fn run(_args: DiffArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
