//! Benchmark: Transfer logs → balances. Builds 1,000,000 ERC-20 Transfer logs among 100,000
//! holders as an `eth_getLogs` JSON answer, then measures decoding (JSON → logs) and applying
//! (logs → sorted balances) separately and together.
//!
//!     cargo run --release -p airdrop-chain --example bench_logs [-- LOGS HOLDERS]

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use airdrop_chain::rpc::RawLog;
use airdrop_chain::snapshot::{transfer_topic, Erc20Ledger};
use alloy_primitives::{Address, U256};
use std::fmt::Write;
use std::time::Instant;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let logs = args.first().copied().unwrap_or(1_000_000) as usize;
    let holders = args.get(1).copied().unwrap_or(100_000) as usize;
    let mut rng = fastrand::Rng::with_seed(1);
    let addrs: Vec<Address> = (0..holders)
        .map(|_| {
            let mut b = [0u8; 20];
            b.iter_mut().for_each(|x| *x = rng.u8(..));
            Address::from(b)
        })
        .collect();
    let topic = transfer_topic();
    let mut bal = vec![U256::ZERO; holders];
    let mut json = String::with_capacity(logs * 700);
    json.push('[');
    for i in 0..logs {
        // Mint when the sender is empty, so the log stream is a valid history.
        let (f, t) = (rng.usize(..holders), rng.usize(..holders));
        let (from, value) = if bal[f].is_zero() || i % 10 == 0 {
            (Address::ZERO, U256::from(rng.u64(1..1 << 60)))
        } else {
            (addrs[f], bal[f] / U256::from(2))
        };
        if from != Address::ZERO {
            bal[f] -= value;
        }
        bal[t] += value;
        if i > 0 {
            json.push(',');
        }
        write!(
            json,
            r#"{{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":["{topic}","{}","{}"],"data":"0x{:064x}","blockNumber":"0x{:x}","transactionHash":"0x{:064x}","transactionIndex":"0x0","blockHash":"0x{:064x}","logIndex":"0x{:x}","removed":false}}"#,
            from.into_word(),
            addrs[t].into_word(),
            value,
            1000 + i / 50,
            i,
            i / 50,
            i % 50
        )
        .unwrap();
    }
    json.push(']');
    println!(
        "{logs} Transfer logs among {holders} holders, {:.0} MB of JSON",
        json.len() as f64 / 1e6
    );

    let t = Instant::now();
    let parsed: Vec<RawLog> = serde_json::from_str(&json).unwrap();
    let decode = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut ledger = Erc20Ledger::new();
    for l in &parsed {
        ledger.apply(l);
    }
    assert!(ledger.negative().is_none());
    let balances = ledger.balances();
    let apply = t.elapsed().as_secs_f64();
    let expected = bal.iter().filter(|b| !b.is_zero()).count();
    assert_eq!(
        balances.iter().filter(|(_, b)| !b.is_zero()).count(),
        expected
    );
    println!(
        "decode JSON → logs : {decode:.2} s  ({:.0} logs/s)",
        logs as f64 / decode
    );
    println!(
        "apply logs → sorted balances : {apply:.2} s  ({:.0} logs/s)",
        logs as f64 / apply
    );
    println!(
        "total : {:.2} s  ({:.0} logs/s)",
        decode + apply,
        logs as f64 / (decode + apply)
    );
}
