//! Distributors already deployed for a root, found from the chain alone: what `airdrop deploy`
//! checks before creating another one (recipients could then claim twice).

use super::clone::{factory_address, AirdropDistributorFactory};
use super::contracts::AirdropDistributor;
use super::push::mined_nonce;
use super::tx::Chain;
use crate::error::{ChainError, Result};
use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, Bytes, B256, U64};
use serde_json::{json, Value};

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
    /// The deployer's nonce that created it (for a clone: of its call to the factory).
    pub nonce: u64,
}

/// Distributors for `root` that `deployer` created: clones the factory logged for this root
/// with `deployer` as owner, and the CREATE addresses of its last [`DEPLOY_SCAN_NONCES`] nonces
/// (the chain keeps no index of who deployed what, and these addresses are all a plain node can
/// be asked about) that have code and whose `merkleRoot()` is `root`. Returns the found ones and
/// whether the nonce scan was cut by the cap.
pub async fn deployed_for_root(
    chain: &Chain,
    deployer: Address,
    root: B256,
) -> Result<(Vec<FoundDistributor>, bool)> {
    let mut found = clones_for_root(chain, deployer, root).await?;
    let next = mined_nonce(chain, deployer).await?;
    let first = next.saturating_sub(DEPLOY_SCAN_NONCES);
    let addresses: Vec<(u64, Address)> = (first..next).map(|n| (n, deployer.create(n))).collect();
    let params: Vec<(Address, &str)> = addresses.iter().map(|(_, a)| (*a, "latest")).collect();
    let codes: Vec<Bytes> = chain.rpc.batch("eth_getCode", params).await?;
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
            // A rate limit or timeout that outlasted the retries says nothing about the
            // contract: skipping it could miss our distributor and pay everyone twice.
            Err(ChainError::Node { code, message, .. })
                if !crate::rpc::transient_node_error(code, &message) =>
            {
                continue
            }
            Err(ChainError::BadResponse { .. }) => continue,
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

/// Clones of `root` owned by `deployer`, from the factory's `DistributorDeployed` logs (the
/// root is an indexed topic); none when the factory is not on this chain.
async fn clones_for_root(
    chain: &Chain,
    deployer: Address,
    root: B256,
) -> Result<Vec<FoundDistributor>> {
    let factory = factory_address()?;
    if chain.code(factory).await?.is_empty() {
        return Ok(Vec::new());
    }
    let filter = json!({
        "address": factory,
        "fromBlock": "earliest",
        "toBlock": "latest",
        "topics": [AirdropDistributorFactory::DistributorDeployed::SIGNATURE_HASH, Value::Null, root],
    });
    let logs: Vec<Value> = chain.rpc.call("eth_getLogs", (filter,)).await?;
    let bad = |detail: String| ChainError::BadResponse {
        method: "eth_getLogs".to_owned(),
        detail,
    };
    let mut found = Vec::new();
    for log in logs {
        let topics: Vec<B256> = serde_json::from_value(log["topics"].clone())
            .map_err(|e| bad(format!("log topics: {e}")))?;
        let data: Bytes = serde_json::from_value(log["data"].clone())
            .map_err(|e| bad(format!("log data: {e}")))?;
        let (Some(d), Some(t), Some(owner)) = (topics.get(1), topics.get(3), data.get(12..32))
        else {
            return Err(bad(format!(
                "DistributorDeployed log of another shape: {log}"
            )));
        };
        if Address::from_slice(owner) != deployer {
            continue;
        }
        let tx: Value = chain
            .rpc
            .call(
                "eth_getTransactionByHash",
                (log["transactionHash"].clone(),),
            )
            .await?;
        let nonce: U64 = serde_json::from_value(tx["nonce"].clone())
            .map_err(|e| bad(format!("the deploying transaction has no nonce: {e}")))?;
        found.push(FoundDistributor {
            address: Address::from_word(*d),
            token: Address::from_word(*t),
            nonce: nonce.to::<u64>(),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testing::{node_error, Answer, ScriptedNode};
    use crate::RpcConfig;
    use alloy::sol_types::SolCall;
    use serde_json::{json, Value};
    use std::time::Duration;

    fn deployer() -> Address {
        Address::repeat_byte(0xde)
    }

    fn root() -> B256 {
        B256::repeat_byte(0x77)
    }

    fn token() -> Address {
        Address::repeat_byte(0x70)
    }

    fn fast() -> RpcConfig {
        RpcConfig {
            retries: 1,
            backoff: Duration::from_millis(1),
            ..RpcConfig::default()
        }
    }

    fn hex(b: Vec<u8>) -> Value {
        json!(Bytes::from(b))
    }

    /// The deployer's nonce is 5. Nonce 1 made some other contract (its `merkleRoot()`
    /// reverts), nonce 3 our distributor for `root()`, nonce 4 a distributor for another root;
    /// `root_call` answers the `merkleRoot()` of nonce 3.
    fn node(root_call: fn() -> Answer) -> ScriptedNode {
        ScriptedNode::new(move |method, params| {
            let [n1, n3, n4] = [1, 3, 4].map(|n| deployer().create(n));
            match method {
                "eth_getTransactionCount" => {
                    assert_eq!(params, &json!([deployer(), "latest"]));
                    Ok(json!("0x5"))
                }
                "eth_getCode" => {
                    let a: Address = serde_json::from_value(params[0].clone()).unwrap();
                    let code = if [n1, n3, n4].contains(&a) {
                        "0x6080"
                    } else {
                        "0x"
                    };
                    Ok(json!(code))
                }
                "eth_call" => {
                    let to: Address = serde_json::from_value(params[0]["to"].clone()).unwrap();
                    let data: Bytes = serde_json::from_value(params[0]["data"].clone()).unwrap();
                    let root_asked = data[..4] == AirdropDistributor::merkleRootCall::SELECTOR;
                    match (to, root_asked) {
                        (a, true) if a == n1 => node_error(3, "execution reverted"),
                        (a, true) if a == n3 => root_call(),
                        (a, true) if a == n4 => {
                            Ok(hex(AirdropDistributor::merkleRootCall::abi_encode_returns(
                                &B256::repeat_byte(1),
                            )))
                        }
                        (a, false) if a == n3 => Ok(hex(
                            AirdropDistributor::tokenCall::abi_encode_returns(&token()),
                        )),
                        other => panic!("unexpected eth_call {other:?}"),
                    }
                }
                other => panic!("unexpected method {other}"),
            }
        })
    }

    fn our_root() -> Answer {
        Ok(hex(AirdropDistributor::merkleRootCall::abi_encode_returns(
            &root(),
        )))
    }

    #[tokio::test]
    async fn finds_the_distributor_at_its_create_address_and_nonce() {
        let node = node(our_root);
        let chain = Chain::new(node.rpc(fast()));
        let (found, capped) = deployed_for_root(&chain, deployer(), root()).await.unwrap();
        assert_eq!(
            found,
            vec![FoundDistributor {
                address: deployer().create(3),
                token: token(),
                nonce: 3,
            }]
        );
        assert!(!capped);
        // The clone factory's code first (none here: no logs asked); nonces 0..5 asked for code
        // in one batch; roots of the three with code, one token.
        assert_eq!(node.calls_of("eth_getCode").len(), 1 + 5);
        assert_eq!(node.calls_of("eth_call").len(), 4);
        assert_eq!(
            chain
                .rpc
                .stats()
                .requests
                .load(std::sync::atomic::Ordering::Relaxed),
            1 + 1 + 1 + 4
        );
    }

    /// The factory is on chain and logged two clones for `root()`: one owned by the deployer
    /// (created by its nonce 7), one by somebody else. The deployer has made no CREATE.
    #[tokio::test]
    async fn finds_the_deployers_clones_in_the_factory_logs() {
        let factory = factory_address().unwrap();
        let ours = Address::repeat_byte(0xc1);
        let theirs = Address::repeat_byte(0xc2);
        let log = move |d: Address, owner: Address, tx: u8| {
            let mut data = B256::left_padding_from(owner.as_slice()).to_vec();
            data.extend_from_slice(B256::ZERO.as_slice());
            json!({
                "address": factory,
                "topics": [
                    AirdropDistributorFactory::DistributorDeployed::SIGNATURE_HASH,
                    B256::left_padding_from(d.as_slice()),
                    root(),
                    B256::left_padding_from(token().as_slice()),
                ],
                "data": Bytes::from(data),
                "transactionHash": B256::repeat_byte(tx),
                "blockNumber": "0x9",
            })
        };
        let node = ScriptedNode::new(move |method, params| match method {
            "eth_getCode" => Ok(json!("0x3d")),
            "eth_getLogs" => {
                assert_eq!(params[0]["address"], json!(factory));
                assert_eq!(params[0]["topics"][2], json!(root()));
                assert_eq!(params[0]["topics"][1], Value::Null);
                Ok(json!([
                    log(theirs, Address::repeat_byte(9), 1),
                    log(ours, deployer(), 2)
                ]))
            }
            "eth_getTransactionByHash" => {
                assert_eq!(params[0], json!(B256::repeat_byte(2)), "only ours is asked");
                Ok(json!({ "nonce": "0x7" }))
            }
            "eth_getTransactionCount" => Ok(json!("0x0")),
            other => panic!("unexpected method {other}"),
        });
        let chain = Chain::new(node.rpc(fast()));
        let (found, capped) = deployed_for_root(&chain, deployer(), root()).await.unwrap();
        assert_eq!(
            found,
            vec![FoundDistributor {
                address: ours,
                token: token(),
                nonce: 7,
            }]
        );
        assert!(!capped);
    }

    #[tokio::test]
    async fn a_node_that_does_not_answer_the_root_is_an_error_not_a_skip() {
        let node = node(|| Ok(Value::Null));
        let chain = Chain::new(node.rpc(fast()));
        let e = deployed_for_root(&chain, deployer(), root())
            .await
            .unwrap_err();
        match &e {
            ChainError::Unreachable {
                method, attempts, ..
            } => assert_eq!((method.as_str(), *attempts), ("eth_call", 2)),
            other => panic!("expected Unreachable, got {other}"),
        }
    }

    /// A rate limit on our distributor's `merkleRoot()` that outlasts the retries stops the
    /// look-up: taking it for "not a distributor" would let a second one be deployed.
    #[tokio::test]
    async fn a_rate_limited_root_is_an_error_not_a_skip() {
        let node = node(|| node_error(429, "too many requests"));
        let chain = Chain::new(node.rpc(fast()));
        let e = deployed_for_root(&chain, deployer(), root())
            .await
            .unwrap_err();
        match &e {
            ChainError::Node { method, code, .. } => {
                assert_eq!((method.as_str(), *code), ("eth_call", 429))
            }
            other => panic!("expected the node's error, got {other}"),
        }
    }
}
