//! `airdrop clawback`: after the claim deadline, the distributor's owner sends everything left
//! to the clawback address. Checks the chain's time and the owner first.

use super::claim::check_distributor;
use super::deploy::{chain, runtime, span, Bundle, KeyArgs, StateArgs};
use airdrop_chain::distributor::{AirdropDistributor, IERC20};
use airdrop_chain::tx::Sender;
use alloy::sol_types::SolCall;
use alloy_primitives::{Bytes, U256};
use anyhow::bail;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ClawbackArgs {
    /// Bundle folder (with deployment.json from `airdrop deploy`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Environment variable holding the distributor owner's private key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: ClawbackArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let d = bundle.deployment(&args.state)?;
    let signer = args.key.signer()?;
    runtime()?.block_on(async {
        let chain = chain(&args.rpc)?;
        let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
        check_distributor(&chain, &bundle, &d).await?;
        let a = d.distributor;
        let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
        let (_, now) = chain.head().await?;
        if now < deadline {
            bail!(
                "clawback is only possible from the deadline {deadline} (unix) on: {} left (chain time {now})",
                span(deadline - now)
            );
        }
        let owner = chain.view(a, &AirdropDistributor::ownerCall {}).await?;
        let sender = Sender::new(chain.clone(), signer, chain_id);
        if sender.address() != owner {
            bail!(
                "only the distributor's owner {owner} can claw back; the key in {} is for {}",
                args.key.describe(),
                sender.address()
            );
        }
        let to = chain.view(a, &AirdropDistributor::clawbackToCall {}).await?;
        let left = chain
            .view(d.token, &IERC20::balanceOfCall { account: a })
            .await?;
        if left.is_zero() {
            bail!("the distributor {a} holds nothing: nothing to claw back");
        }
        let r = sender
            .send(
                Some(a),
                Bytes::from(AirdropDistributor::clawbackCall {}.abi_encode()),
                U256::ZERO,
            )
            .await?;
        println!(
            "clawed back {} to {to} (tx {}, {} gas)",
            bundle.tokens(left),
            r.hash,
            r.gas_used
        );
        Ok(())
    })
}
