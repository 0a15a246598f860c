//! In-process build times of the merkl, thirdweb and jupiter formats, with the Uniswap preset
//! measured in the same run as the baseline: rows already in memory, tree built, every proof
//! generated; no CSV parse, no JSON output.
//!
//! Usage: `cargo run --release -p airdrop-merkle --example formats_build [-- LEAVES]`
//! Prints `key value` lines.

// A measuring tool, not library code: it reports on stdout and may abort on a bad argument.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use airdrop_merkle::cumulative::{CumulativeTree, MerklOrder, Rewards};
use airdrop_merkle::thirdweb::{build_sharded, AllowEntry, LeafOrder};
use airdrop_merkle::{
    build_claims, jupiter, Address, Entry, Preset, SolanaEntry, TreeOptions, U256,
};
use alloy_primitives::keccak256;
use std::time::Instant;

fn address(i: u64) -> Address {
    Address::from_slice(&keccak256(i.to_be_bytes())[12..])
}

fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    println!("{name}_s {:.3}", started.elapsed().as_secs_f64());
    out
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(1_000_000);
    println!("leaves {n}");
    println!("threads {}", rayon::current_num_threads());

    let entries: Vec<Entry> = (0..n as u64)
        .map(|i| Entry {
            address: address(i),
            amount: U256::from(i * 1000 + 1),
        })
        .collect();
    // Inputs are cloned before each clock starts: only the build is timed.
    let input = entries.clone();
    timed("uniswap_root_and_all_proofs", || {
        let b = build_claims(&TreeOptions::new(Preset::Uniswap), input).unwrap();
        b.generate_all_proofs()
    });

    // Merkl: n/2 users × 2 tokens = n leaves; one user in ten has nothing in the second token,
    // so v1 keeps zero pairs that nonzero-sorted drops.
    let tokens = [address(u64::MAX), address(u64::MAX - 1)];
    let rewards = timed("merkl_table", || {
        let mut r = Rewards::default();
        for i in 0..(n / 2) as u64 {
            let amount = |t: u64| U256::from(if t == 1 && i % 10 == 0 { 0 } else { i + t + 1 });
            for (t, token) in tokens.iter().enumerate() {
                r.add(address(i), *token, amount(t as u64)).unwrap();
            }
        }
        r
    });
    for order in [MerklOrder::V1, MerklOrder::NonZeroSorted] {
        let name = format!(
            "merkl_{}_root_and_all_proofs",
            order.name().replace('-', "_")
        );
        let input = rewards.clone();
        timed(&name, || {
            let t = CumulativeTree::build(input, order).unwrap();
            (0..t.leaves.len()).map(|i| t.proof(i).len()).sum::<usize>()
        });
    }

    // thirdweb: V1 allowlist, 256 shards; the build also checks every claim's full proof.
    let allow: Vec<AllowEntry> = entries
        .iter()
        .map(|e| AllowEntry {
            address: e.address,
            values: vec![e.amount],
            currency: None,
        })
        .collect();
    for (order, name) in [
        (LeafOrder::Bytes, "bytes"),
        (LeafOrder::JsString, "js_string"),
    ] {
        let input = allow.clone();
        timed(&format!("thirdweb_{name}_root_and_checked_proofs"), || {
            build_sharded(input, 2, order).unwrap().root()
        });
    }

    // Jupiter: consecutive chunks of 12,000 rows, one tree each.
    let rows: Vec<SolanaEntry> = (0..n as u64)
        .map(|i| SolanaEntry {
            claimant: keccak256(i.to_le_bytes()).0,
            unlocked: i + 1,
            locked: i % 3,
        })
        .collect();
    timed("jupiter_split_root_and_all_proofs", || {
        let trees = jupiter::split(&rows, jupiter::DEFAULT_MAX_NODES).unwrap();
        trees
            .iter()
            .map(|t| (0..t.nodes.len()).map(|k| t.proof(k).len()).sum::<usize>())
            .sum::<usize>()
    });
}
