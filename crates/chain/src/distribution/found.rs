//! Distributors already deployed for a root, found from the chain alone: what `airdrop deploy`
//! checks before creating another one (recipients could then claim twice).

use super::contracts::AirdropDistributor;
use super::push::mined_nonce;
use super::tx::Chain;
use crate::error::{ChainError, Result};
use alloy_primitives::{Address, Bytes, B256};

/// How many of a deployer's most recent nonces [`deployed_for_root`] looks at: each is one
/// batched `eth_getCode`, so the cap keeps a busy account's check to a few dozen requests.
pub const DEPLOY_SCAN_NONCES: u64 = 2_000;

/// A distributor found on chain for a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDistributor {
    /// Its address.
    pub address: Address,
    /// Its `token()`.
    pub token: Address,
    /// The deployer's nonce that created it.
    pub nonce: u64,
}

/// Distributors for `root` that `deployer` created: the CREATE addresses of its last
/// [`DEPLOY_SCAN_NONCES`] nonces (the chain keeps no index of who deployed what, and these
/// addresses are all a plain node can be asked about) that have code and whose `merkleRoot()` is
/// `root`. Returns the found ones and whether the scan was cut by the cap.
pub async fn deployed_for_root(
    chain: &Chain,
    deployer: Address,
    root: B256,
) -> Result<(Vec<FoundDistributor>, bool)> {
    let next = mined_nonce(chain, deployer).await?;
    let first = next.saturating_sub(DEPLOY_SCAN_NONCES);
    let addresses: Vec<(u64, Address)> = (first..next).map(|n| (n, deployer.create(n))).collect();
    let params: Vec<(Address, &str)> = addresses.iter().map(|(_, a)| (*a, "latest")).collect();
    let codes: Vec<Bytes> = chain.rpc.batch("eth_getCode", params).await?;
    let mut found = Vec::new();
    for ((nonce, address), code) in addresses.into_iter().zip(codes) {
        if code.is_empty() {
            continue;
        }
        // Any other contract of this deployer answers with a revert or garbage: not ours. A
        // node that does not answer is an error: skipping would miss a distributor.
        let r = match chain
            .view(address, &AirdropDistributor::merkleRootCall {})
            .await
        {
            Ok(r) => r,
            Err(ChainError::Node { .. } | ChainError::BadResponse { .. }) => continue,
            Err(e) => return Err(e),
        };
        if r != root {
            continue;
        }
        let token = chain
            .view(address, &AirdropDistributor::tokenCall {})
            .await?;
        found.push(FoundDistributor {
            address,
            token,
            nonce,
        });
    }
    Ok((found, first > 0))
}
