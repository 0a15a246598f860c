#![allow(clippy::unwrap_used)]
use super::*;
use crate::distribution::bundle::testing::bundle;
use crate::distribution::scripted::{abi, call_of, chain, get_logs, head, log, ScriptedNode};
use crate::NoProgress;
use alloy::sol_types::{SolCall, SolEvent};
use alloy_primitives::{B256, U256};
use std::path::{Path, PathBuf};

fn token() -> Address {
    Address::repeat_byte(0x70)
}

fn distributor() -> Address {
    Address::repeat_byte(0xd1)
}

fn root() -> B256 {
    B256::repeat_byte(0x77)
}

fn located() -> Located {
    Located {
        path: PathBuf::from("/state/deployment.json"),
        distributor: distributor(),
        token: token(),
        block: 10,
        chain_id: Some(31337),
        root: Some(root()),
        record: None,
    }
}

fn claimed(index: u64, account: u8, amount: u64, block: u64) -> Value {
    let e = AirdropDistributor::Claimed {
        index: U256::from(index),
        account: Address::repeat_byte(account),
        amount: U256::from(amount),
    };
    log(
        distributor(),
        &e.encode_log_data(),
        block,
        B256::repeat_byte(block as u8),
    )
}

/// The bundle's distributor at head block 25 (time 1000), deadline 5000, holding 1 base unit,
/// with index 0 claimed in full and `logs` on chain.
fn node(logs: Vec<Value>) -> ScriptedNode {
    ScriptedNode::new(move |method, params| match method {
        "eth_chainId" => Ok(json!("0x7a69")),
        "eth_getCode" => Ok(json!("0x6080")),
        "eth_getBlockByNumber" => head(25, 1_000),
        "eth_getLogs" => get_logs(&logs, params),
        "eth_call" => {
            let (to, data) = call_of(params);
            let selector: [u8; 4] = data[..4].try_into().unwrap();
            match (to, selector) {
                (t, AirdropDistributor::merkleRootCall::SELECTOR) if t == distributor() => abi(
                    AirdropDistributor::merkleRootCall::abi_encode_returns(&root()),
                ),
                (t, AirdropDistributor::tokenCall::SELECTOR) if t == distributor() => {
                    abi(AirdropDistributor::tokenCall::abi_encode_returns(&token()))
                }
                (t, AirdropDistributor::isClaimedCall::SELECTOR) if t == distributor() => {
                    let i = AirdropDistributor::isClaimedCall::abi_decode(&data)
                        .unwrap()
                        .index;
                    abi(AirdropDistributor::isClaimedCall::abi_encode_returns(
                        &(i == U256::ZERO),
                    ))
                }
                (t, AirdropDistributor::deadlineCall::SELECTOR) if t == distributor() => {
                    abi(AirdropDistributor::deadlineCall::abi_encode_returns(&5_000))
                }
                (t, IERC20::balanceOfCall::SELECTOR) if t == token() => {
                    abi(IERC20::balanceOfCall::abi_encode_returns(&U256::from(1u64)))
                }
                other => panic!("unexpected eth_call {other:?}"),
            }
        }
        other => panic!("unexpected method {other}"),
    })
}

#[tokio::test]
async fn adds_up_the_claims_of_every_log_window() {
    let b = bundle(Path::new("/b"), token(), root());
    // One claim before the distributor's block (not its life), one in each window of 10.
    let logs = vec![
        claimed(1, 0xa2, 2, 9),
        claimed(0, 0xa1, 1, 12),
        claimed(1, 0xa2, 1, 25),
    ];
    let node = node(logs);
    let s = status_on(&chain(&node), &b, &located(), 10, &NoProgress)
        .await
        .unwrap();
    assert_eq!(
        s,
        DistributorStatus {
            distributor: distributor(),
            token: token(),
            block: 25,
            chain_time: 1_000,
            claim_events: 2,
            claimed_recipients: 2,
            fully_claimed_recipients: 1,
            claimed: U256::from(2u64),
            unclaimed: U256::from(1u64),
            balance: U256::from(1u64),
            deadline: 5_000,
            seconds_to_deadline: 4_000,
        }
    );
    let windows: Vec<(Value, Value)> = node
        .calls_of("eth_getLogs")
        .iter()
        .map(|c| {
            (
                c.params[0]["fromBlock"].clone(),
                c.params[0]["toBlock"].clone(),
            )
        })
        .collect();
    assert_eq!(
        windows,
        vec![
            (json!("0xa"), json!("0x13")),
            (json!("0x14"), json!("0x19"))
        ]
    );
}

#[tokio::test]
async fn a_malformed_claimed_log_is_an_error() {
    let b = bundle(Path::new("/b"), token(), root());
    let mut short = claimed(0, 0xa1, 1, 21);
    short["data"] = json!(format!("0x{}", "00".repeat(64)));
    let node = node(vec![claimed(0, 0xa1, 1, 12), short]);
    let e = status_on(&chain(&node), &b, &located(), 10, &NoProgress)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "a Claimed log of {} has 64 data bytes, expected 96",
            distributor()
        )
    );
}
