//! `airdrop deploy` (distribution issue; being written).

#[derive(Debug, clap::Args)]
pub struct DeployArgs {}

pub fn run(_args: DeployArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
