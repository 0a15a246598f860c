//! `airdrop explain` (campaign issue; being written).

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {}

pub fn run(_args: ExplainArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
