//! Where the time of an OpenZeppelin `address,uint256` build goes, stage by stage, in process:
//! leaf hashing, placing (sort), the tree's inner nodes, and writing the dump to a sink that
//! discards it (formatting only). The keccak rate is measured in the same run.
//!
//! Usage: `cargo run --release -p airdrop-merkle --example oz_stages [-- LEAVES]`

// A measuring tool, not library code: it reports on stdout and may abort on a bad argument.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use airdrop_merkle::{build_claims, Address, Entry, Preset, TreeOptions, U256};
use alloy_primitives::keccak256;
use rayon::prelude::*;
use std::time::Instant;

struct Discard;
impl airdrop_merkle::Sink for Discard {
    fn create(&mut self, _: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        Ok(Box::new(std::io::sink()))
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(1_000_000);
    let entries: Vec<Entry> = (0..n as u64)
        .map(|i| Entry {
            address: Address::from_slice(&keccak256(i.to_be_bytes())[12..]),
            amount: U256::from(i * 1000 + 1),
        })
        .collect();
    let started = Instant::now();
    let sink: u8 = (0..4_000_000u64)
        .into_par_iter()
        .map(|i| {
            let mut buf = [0u8; 64];
            buf[..8].copy_from_slice(&i.to_le_bytes());
            keccak256(buf)[0]
        })
        .reduce(|| 0, |a, b| a ^ b);
    std::hint::black_box(sink);
    let rate = 4e6 / started.elapsed().as_secs_f64();
    println!("keccak_hashes_per_sec {rate:.0}");
    println!("bound_s {:.3}", 3.0 * n as f64 / rate);
    for _ in 0..3 {
        let started = Instant::now();
        let built = build_claims(&TreeOptions::new(Preset::OzStandard), entries.clone()).unwrap();
        let build = started.elapsed().as_secs_f64();
        let started = Instant::now();
        built.write(&mut Discard).unwrap();
        let write = started.elapsed().as_secs_f64();
        println!("build_s {build:.3} format_s {write:.3}");
    }
}
