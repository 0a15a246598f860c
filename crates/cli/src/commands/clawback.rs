//! `airdrop clawback` (distribution issue; being written).

#[derive(Debug, clap::Args)]
pub struct ClawbackArgs {}

pub fn run(_args: ClawbackArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
