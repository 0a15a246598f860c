//! Helpers for the distribution jobs' unit tests on [`ScriptedNode`]: a chain's logs as a node
//! returns them, filtered the way `eth_getLogs` filters, and ABI answers as JSON.
#![allow(clippy::unwrap_used)]

use airdrop_chain::distribution::Chain;
pub(crate) use airdrop_chain::testing::{Answer, ScriptedNode};
use airdrop_chain::RpcConfig;
use alloy_primitives::{Address, Bytes, LogData, B256};
use serde_json::{json, Value};
use std::time::Duration;

/// A [`Chain`] over `node`, retrying once after a millisecond so failure tests stay fast.
pub(crate) fn chain(node: &ScriptedNode) -> Chain {
    Chain::new(node.rpc(RpcConfig {
        retries: 1,
        backoff: Duration::from_millis(1),
        ..RpcConfig::default()
    }))
}

/// A log as `eth_getLogs` returns it.
pub(crate) fn log(address: Address, data: &LogData, block: u64, tx: B256) -> Value {
    json!({
        "address": address,
        "topics": data.topics(),
        "data": data.data,
        "blockNumber": format!("0x{block:x}"),
        "logIndex": "0x0",
        "transactionHash": tx,
        "removed": false,
    })
}

/// The `eth_getBlockByNumber` answer of a head block.
pub(crate) fn head(number: u64, time: u64) -> Answer {
    Ok(json!({"number": format!("0x{number:x}"), "timestamp": format!("0x{time:x}")}))
}

/// ABI-encoded bytes as a JSON answer.
pub(crate) fn abi(bytes: Vec<u8>) -> Answer {
    Ok(json!(Bytes::from(bytes)))
}

/// The target and calldata of an `eth_call`'s params.
pub(crate) fn call_of(params: &Value) -> (Address, Bytes) {
    (
        serde_json::from_value(params[0]["to"].clone()).unwrap(),
        serde_json::from_value(params[0]["data"].clone()).unwrap(),
    )
}

/// The logs of `all` that `eth_getLogs` with `params` returns: by address, block range and
/// topics (each position null, one value or any of a list), in chain order.
pub(crate) fn get_logs(all: &[Value], params: &Value) -> Answer {
    let f = &params[0];
    let block =
        |v: &Value| u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let (from, to) = (block(&f["fromBlock"]), block(&f["toBlock"]));
    let wanted = |want: &Value, have: &Value| match want {
        Value::Null => true,
        Value::Array(any) => any.contains(have),
        one => one == have,
    };
    let hits = all.iter().filter(|l| {
        let b = block(&l["blockNumber"]);
        let topics = l["topics"].as_array().unwrap();
        (from..=to).contains(&b)
            && (f["address"].is_null() || f["address"] == l["address"])
            && f["topics"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .all(|(i, want)| {
                    topics.get(i).is_some_and(|have| wanted(want, have)) || want.is_null()
                })
    });
    Ok(Value::Array(hits.cloned().collect()))
}
