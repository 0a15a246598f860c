//! `airdrop claim` (distribution issue; being written).

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {}

pub fn run(_args: ClaimArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
