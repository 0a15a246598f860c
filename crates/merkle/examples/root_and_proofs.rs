//! The in-process figure of the Merkle target: build a tree (root) and generate every claim's
//! proof, without parsing input or formatting output, for the Uniswap and OpenZeppelin presets.
//! The keccak rate is measured in the same run, so the ratio to the bound is meaningful even on
//! a busy machine.
//!
//! Usage: `cargo run --release -p airdrop-merkle --example root_and_proofs [-- LEAVES]`
//! Prints `key value` lines so that a script can parse them.

// A measuring tool, not library code: it reports on stdout and may abort on a bad argument.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use airdrop_merkle::{build_claims, Address, Entry, Preset, TreeOptions, U256};
use alloy_primitives::keccak256;
use rayon::prelude::*;
use std::time::Instant;

fn keccak_rate() -> f64 {
    let n = 4_000_000u64;
    let started = Instant::now();
    let sink: u8 = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut buf = [0u8; 64];
            buf[..8].copy_from_slice(&i.to_le_bytes());
            keccak256(buf)[0]
        })
        .reduce(|| 0, |a, b| a ^ b);
    std::hint::black_box(sink);
    n as f64 / started.elapsed().as_secs_f64()
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
    println!("leaves {n}");
    let rate = keccak_rate();
    println!("keccak_hashes_per_sec {rate:.0}");
    for preset in [Preset::Uniswap, Preset::OzStandard] {
        let started = Instant::now();
        let built = build_claims(&TreeOptions::new(preset), entries.clone()).unwrap();
        let root = started.elapsed().as_secs_f64();
        let proof_hashes = built.generate_all_proofs();
        let total = started.elapsed().as_secs_f64();
        // Three keccaks per leaf either way: Uniswap leaf + inner node + the EIP-55 checksum its
        // index order sorts by; OpenZeppelin's double-hashed leaf + inner node.
        let bound = 3.0 * n as f64 / rate;
        println!("{}_root_s {root:.3}", preset.name());
        println!("{}_root_and_all_proofs_s {total:.3}", preset.name());
        println!("{}_proof_hashes {proof_hashes}", preset.name());
        println!("{}_bound_s {bound:.3}", preset.name());
        println!("{}_root_over_bound {:.2}", preset.name(), root / bound);
    }
}
