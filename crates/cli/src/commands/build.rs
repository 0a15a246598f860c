//! `airdrop build` (campaign issue; being written).

#[derive(Debug, clap::Args)]
pub struct BuildArgs {}

pub fn run(_args: BuildArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
