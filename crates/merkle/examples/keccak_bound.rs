//! Raw keccak256 throughput of this machine on 64-byte inputs (the size of an inner node), on one
//! core and on all cores. `scripts/bench-merkle` divides the hash count of a tree by this rate to
//! get the lower bound no implementation on this machine can beat.
//!
//! Usage: `cargo run --release -p airdrop-merkle --example keccak_bound [-- HASHES]`
//! Prints `key value` lines so that a script can parse them.

// A measuring tool, not library code: it reports on stdout and may abort on a bad argument.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use alloy_primitives::{keccak256, B256};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

/// Hashes `count` distinct 64-byte inputs starting at `start`, folding the outputs together so
/// the optimiser cannot drop any hash.
fn hash_range(start: u64, count: u64) -> B256 {
    let mut acc = B256::ZERO;
    let mut buf = [0u8; 64];
    for i in start..start + count {
        buf[..8].copy_from_slice(&i.to_le_bytes());
        buf[32..].copy_from_slice(acc.as_slice());
        acc = keccak256(buf);
    }
    acc
}

fn main() {
    let hashes: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("HASHES must be a number"))
        .unwrap_or(8_000_000);
    let threads = rayon::current_num_threads() as u64;

    // Warm up caches and the thread pool so the first timing is not penalised.
    black_box(hash_range(0, 100_000));

    let single_n = hashes / threads.max(1);
    let t = Instant::now();
    black_box(hash_range(0, single_n));
    let single = single_n as f64 / t.elapsed().as_secs_f64();

    // One independent chain per chunk, enough chunks to keep every core busy to the end.
    let chunks = threads * 16;
    let per_chunk = hashes / chunks;
    let t = Instant::now();
    let x = (0..chunks)
        .into_par_iter()
        .map(|c| hash_range(c * per_chunk, per_chunk))
        .reduce(|| B256::ZERO, |a, b| a ^ b);
    let all = (per_chunk * chunks) as f64 / t.elapsed().as_secs_f64();
    black_box(x);

    println!("threads {threads}");
    println!("hashes {}", per_chunk * chunks);
    println!("single_core_hashes_per_sec {single:.0}");
    println!("all_cores_hashes_per_sec {all:.0}");
}
