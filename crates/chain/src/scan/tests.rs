//! `gather` against a scripted node: the topic filters sent, logs the node should not have sent
//! dropped, a hostile token described as far as it can be, a honeypot's revert kept, and never
//! a transaction sent.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::testing::{node_error, ScriptedNode};
use crate::{NoProgress, RpcConfig};
use alloy::sol_types::SolValue;
use serde_json::{json, Value};

fn addr(n: u8) -> Address {
    Address::with_last_byte(n)
}

fn log(token: Address, from: Address, to: Address, value: u64, block: u64) -> Value {
    json!({
        "address": token,
        "topics": [transfer_topic(), from.into_word(), to.into_word()],
        "data": format!("0x{:064x}", value),
        "blockNumber": format!("0x{block:x}"),
        "logIndex": "0x0",
        "transactionHash": B256::with_last_byte(block as u8),
    })
}

#[test]
fn gather_reads_a_hostile_token_without_failing() {
    let wallet = addr(0xaa);
    let (good, bad) = (addr(1), addr(2));
    let node = ScriptedNode::new(move |method, params| {
        let hex = |v: Vec<u8>| Ok(json!(format!("0x{}", alloy_primitives::hex::encode(v))));
        match method {
            "eth_chainId" => Ok(json!("0x1")),
            "eth_blockNumber" => Ok(json!("0x64")),
            "eth_getLogs" => {
                let f = &params[0];
                if f["topics"][0][0] != json!(transfer_topic()) {
                    return Ok(json!([]));
                }
                if f["topics"][2] == json!(wallet.into_word()) {
                    // A log naming someone else slipped through: it must be dropped.
                    Ok(json!([
                        log(good, addr(9), wallet, 5, 10),
                        log(bad, addr(9), wallet, 7, 11),
                        log(bad, addr(9), addr(8), 7, 12)
                    ]))
                } else {
                    Ok(json!([]))
                }
            }
            "eth_getTransactionByHash" => Ok(json!({ "from": addr(9), "to": null })),
            "eth_call" => {
                let to: Address = params[0]["to"].as_str().unwrap().parse().unwrap();
                let data = params[0]["data"].as_str().unwrap();
                let selector = &data[2..10];
                match (to == bad, selector) {
                    (true, "06fdde03") => node_error(3, "execution reverted: no name"),
                    (true, "95d89b41") => hex(vec![0xff; 40]),
                    (true, "a9059cbb") => node_error(3, "execution reverted: locked"),
                    (false, "06fdde03") => hex("Good".to_string().abi_encode()),
                    (false, "95d89b41") => hex("GOOD".to_string().abi_encode()),
                    (_, "313ce567") => hex(U256::from(6).to_be_bytes_vec()),
                    (_, "70a08231") => hex(U256::from(5).to_be_bytes_vec()),
                    (false, "a9059cbb") => hex(U256::from(1).to_be_bytes_vec()),
                    _ => node_error(3, "execution reverted"),
                }
            }
            _ => node_error(-32601, "method not found"),
        }
    });
    let rpc = node.rpc(RpcConfig::default());
    let facts = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(gather(&rpc, &ScanParams::new(wallet), &NoProgress))
        .unwrap();

    assert_eq!(
        facts.incoming.len(),
        2,
        "the log naming another address is dropped"
    );
    assert!(facts.incoming.iter().all(|t| t.tx_sender == Some(addr(9))));
    let first = &node.calls_of("eth_getLogs")[0].params[0];
    assert_eq!(
        first["topics"],
        json!([[transfer_topic()], null, wallet.into_word()])
    );
    let b = &facts.tokens[&bad];
    assert!(matches!(&b.name, airdrop_core::scan::Meta::Unreadable(m) if m.contains("no name")));
    assert!(matches!(b.symbol, airdrop_core::scan::Meta::Unreadable(_)));
    assert_eq!(b.decimals, Some(6));
    assert!(matches!(&b.probe, Probe::Refused(m) if m.contains("locked")));
    let g = &facts.tokens[&good];
    assert_eq!(g.symbol, airdrop_core::scan::Meta::Text("GOOD".into()));
    assert_eq!(g.probe, Probe::Transferable);
    // The simulation is an eth_call from the wallet; nothing is ever sent.
    let probes: Vec<_> = node
        .calls_of("eth_call")
        .into_iter()
        .filter(|c| {
            c.params[0]["data"]
                .as_str()
                .unwrap()
                .starts_with("0xa9059cbb")
        })
        .collect();
    assert_eq!(probes.len(), 2);
    assert!(probes.iter().all(|c| c.params[0]["from"] == json!(wallet)));
    assert!(node
        .calls()
        .iter()
        .all(|c| !c.method.starts_with("eth_send")));
}
