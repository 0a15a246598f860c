//! After the claim deadline, the distributor's owner sends everything left to the clawback
//! address. The chain's time and the owner are checked first.

use super::claim::{check_distributor, ClaimInput};
use super::{connect, input, span};
use crate::Result;
use airdrop_chain::distribution::Sender;
use airdrop_chain::distribution::{AirdropDistributor, IERC20};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};

/// A clawback that was mined.
#[derive(Debug, Clone)]
pub struct ClawedBack {
    /// What the distributor held and sent back, base units.
    pub amount: U256,
    /// Where it went.
    pub to: Address,
    /// The transaction.
    pub tx: B256,
    /// Its gas.
    pub gas_used: u64,
}

/// Claws back what the input's distributor still holds; the key must be its owner's.
pub async fn clawback(c: ClaimInput<'_>) -> Result<ClawedBack> {
    let (bundle, d) = (c.bundle, c.deployment);
    let chain = connect(c.rpc)?;
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    check_distributor(&chain, bundle, d).await?;
    let a = d.distributor;
    let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
    let (_, now) = chain.head().await?;
    if now < deadline {
        return Err(input(format!(
            "clawback is only possible from the deadline {deadline} (unix) on: {} left (chain time {now})",
            span(deadline - now)
        )));
    }
    let owner = chain.view(a, &AirdropDistributor::ownerCall {}).await?;
    let sender = Sender::new(chain.clone(), c.signer, chain_id);
    if sender.address() != owner {
        return Err(input(format!(
            "only the distributor's owner {owner} can claw back; the key in {} is for {}",
            c.key_label,
            sender.address()
        )));
    }
    let to = chain
        .view(a, &AirdropDistributor::clawbackToCall {})
        .await?;
    let left = chain
        .view(d.token, &IERC20::balanceOfCall { account: a })
        .await?;
    if left.is_zero() {
        return Err(input(format!(
            "the distributor {a} holds nothing: nothing to claw back"
        )));
    }
    let r = sender
        .send(
            Some(a),
            Bytes::from(AirdropDistributor::clawbackCall {}.abi_encode()),
            U256::ZERO,
        )
        .await?;
    Ok(ClawedBack {
        amount: left,
        to,
        tx: r.hash,
        gas_used: r.gas_used,
    })
}
