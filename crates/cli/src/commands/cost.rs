//! `airdrop cost` (distribution issue; being written).

#[derive(Debug, clap::Args)]
pub struct CostArgs {}

pub fn run(_args: CostArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
