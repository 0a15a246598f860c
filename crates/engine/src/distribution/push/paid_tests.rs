//! `chain_paid` and `refuse_if_deployed` against a scripted node: what the chain's logs and
//! code say, read through the same RPC calls as against a real node.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::distribution::bundle::testing::bundle;
use crate::distribution::scripted::{abi, call_of, chain, get_logs, head, log, ScriptedNode};
use airdrop_chain::distribution::{AirdropDistributor, BatchSender, IERC20};
use alloy::sol_types::{SolCall, SolEvent};
use serde_json::{json, Value};

fn token() -> Address {
    Address::repeat_byte(0x70)
}

fn sender() -> Address {
    Address::repeat_byte(0x5e)
}

/// A recipient of the test bundle: 0xa1… is owed 1, 0xa2… is owed 2.
fn r(n: u8) -> Address {
    Address::repeat_byte(n)
}

fn tx(n: u8) -> B256 {
    B256::repeat_byte(n)
}

fn transfer(token: Address, from: Address, to: Address, value: u64, block: u64, t: u8) -> Value {
    let e = IERC20::Transfer {
        from,
        to,
        value: U256::from(value),
    };
    log(token, &e.encode_log_data(), block, tx(t))
}

fn batch_sent(via: Address, token: Address, sender: Address, block: u64, t: u8) -> Value {
    let e = BatchSender::BatchSent {
        token,
        sender,
        recipients: U256::from(2u64),
        total: U256::from(6u64),
    };
    log(via, &e.encode_log_data(), block, tx(t))
}

fn logs_node(logs: Vec<Value>) -> ScriptedNode {
    ScriptedNode::new(move |method, params| match method {
        "eth_getBlockByNumber" => head(1_000, 77),
        "eth_getLogs" => get_logs(&logs, params),
        other => panic!("unexpected method {other}"),
    })
}

#[tokio::test]
async fn the_senders_transfers_of_the_token_to_the_plan_are_paid() {
    let dir = tempfile::tempdir().unwrap();
    let b = bundle(dir.path(), token(), B256::ZERO);
    let via = Address::repeat_byte(0xbb);
    let (stranger, other_sender, other_token) = (r(0xa9), r(0x5f), r(0x71));
    let logs = vec![
        // Before `since`: not looked at.
        transfer(token(), sender(), r(0xa2), 2, 50, 1),
        // Through a BatchSender: another amount to 0xa2, and a stranger.
        batch_sent(via, token(), sender(), 150, 2),
        transfer(token(), via, r(0xa2), 5, 150, 2),
        transfer(token(), via, stranger, 1, 150, 2),
        // Directly: the exact amount to 0xa1.
        transfer(token(), sender(), r(0xa1), 1, 200, 3),
        // The same BatchSender for another sender: not this sender's payment.
        batch_sent(via, token(), other_sender, 300, 4),
        transfer(token(), via, r(0xa2), 2, 300, 4),
        // Another token from this sender, and another sender's direct transfer.
        transfer(other_token, sender(), r(0xa2), 2, 400, 5),
        transfer(token(), other_sender, r(0xa2), 2, 500, 6),
    ];
    let node = logs_node(logs);
    let paid = chain_paid(&chain(&node), &b, token(), sender(), Some(100))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        paid,
        ChainPaid {
            exact: 1,
            other: 1,
            of: 2,
            first_exact: Some((tx(3), 200)),
            first: (tx(2), 150),
        }
    );
    // One window (100..=1000): the BatchSent query, then the Transfer query.
    let asked: Vec<(Value, Value)> = node
        .calls_of("eth_getLogs")
        .iter()
        .map(|c| {
            (
                c.params[0]["fromBlock"].clone(),
                c.params[0]["toBlock"].clone(),
            )
        })
        .collect();
    assert_eq!(asked, vec![(json!("0x64"), json!("0x3e8")); 2]);
}

#[tokio::test]
async fn nothing_of_this_sender_and_token_is_nothing_paid() {
    let dir = tempfile::tempdir().unwrap();
    let b = bundle(dir.path(), token(), B256::ZERO);
    let logs = vec![
        transfer(r(0x71), sender(), r(0xa1), 1, 200, 1),
        transfer(token(), r(0x5f), r(0xa1), 1, 300, 2),
    ];
    let node = logs_node(logs);
    let paid = chain_paid(&chain(&node), &b, token(), sender(), Some(100))
        .await
        .unwrap();
    assert_eq!(paid, None);
}

#[tokio::test]
async fn a_distributor_the_sender_created_for_the_root_refuses_the_push() {
    let dir = tempfile::tempdir().unwrap();
    let root = B256::repeat_byte(0x77);
    let b = bundle(dir.path(), token(), root);
    let state = StateDir::at(dir.path().join("state"));
    let d = sender().create(1);
    let node = ScriptedNode::new(move |method, params| match method {
        "eth_getTransactionCount" => Ok(json!("0x2")),
        "eth_getCode" => {
            let a: Address = serde_json::from_value(params[0].clone()).unwrap();
            Ok(json!(if a == d { "0x6080" } else { "0x" }))
        }
        "eth_call" => match call_of(params) {
            (a, data) if a == d && data[..4] == AirdropDistributor::merkleRootCall::SELECTOR => {
                abi(AirdropDistributor::merkleRootCall::abi_encode_returns(
                    &root,
                ))
            }
            (a, _) if a == d => abi(AirdropDistributor::tokenCall::abi_encode_returns(&token())),
            other => panic!("unexpected eth_call {other:?}"),
        },
        other => panic!("unexpected method {other}"),
    });
    let e = refuse_if_deployed(&chain(&node), &b, &state, sender())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("this bundle is deployed: {} created distributor {d} for its root {root} (nonce 1); its recipients claim from it, and a push would pay them a second time: nothing sent", sender())
    );
}
