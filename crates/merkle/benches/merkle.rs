//! `cargo bench -p airdrop-merkle`: the engine's hot paths at sizes that finish in minutes on a
//! 2-core machine. The CLI end to end, at 1k…10M leaves, is timed by `scripts/bench-merkle`.
//!
//! Sample counts are kept at criterion's minimum: a 100k-leaf build takes tens of milliseconds,
//! and ten samples already give a spread far smaller than the differences we care about.

// Bench harness code, not library code: a failed build here should abort loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use airdrop_merkle::hash::{oz_address_amount_leaf, uniswap_leaf, NodeHash};
use airdrop_merkle::{build_claims, Address, Built, Entry, Preset, Sink, TreeOptions, B256, U256};
use alloy_primitives::keccak256;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 2] = [10_000, 100_000];

/// Distinct, well-spread addresses and non-zero amounts, the same on every run, so results are
/// comparable between runs and machines without a random number generator.
fn entries(n: usize) -> Vec<Entry> {
    (0..n as u64)
        .map(|i| {
            let h = keccak256(i.to_be_bytes());
            Entry {
                address: Address::from_slice(&h[12..]),
                amount: U256::from(i % 1_000_003 + 1) * U256::from(10u64).pow(U256::from(15)),
            }
        })
        .collect()
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

fn keccak(c: &mut Criterion) {
    let mut g = c.benchmark_group("keccak256_64B");
    g.throughput(Throughput::Elements(1));
    let (a, b) = (keccak256(b"a"), keccak256(b"b"));
    g.bench_function("node_pair", |bench| {
        bench.iter(|| NodeHash::KeccakSorted.pair(black_box(&a), black_box(&b)))
    });
    let account = Address::repeat_byte(0x11);
    let amount = U256::from(123_456_789u64);
    g.bench_function("uniswap_leaf", |bench| {
        bench.iter(|| uniswap_leaf(black_box(7), black_box(&account), black_box(&amount)))
    });
    g.bench_function("oz_address_amount_leaf", |bench| {
        bench.iter(|| oz_address_amount_leaf(black_box(&account), black_box(&amount)))
    });

    // The all-cores rate is the bound the tree builds are compared with.
    const BATCH: u64 = 1 << 16;
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("all_cores", |bench| {
        bench.iter(|| {
            (0..BATCH)
                .into_par_iter()
                .map(|i| {
                    let mut buf = [0u8; 64];
                    buf[..8].copy_from_slice(&i.to_le_bytes());
                    keccak256(buf)
                })
                .reduce(|| B256::ZERO, |x, y| x ^ y)
        })
    });
    g.finish();
}

/// Discards output, so that formatting every claim and proof is timed without the disk.
struct Discard;

impl Sink for Discard {
    fn create(&mut self, _: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        Ok(Box::new(std::io::sink()))
    }
}

/// Root plus every proof generated (the target's "root and all proofs"); the parts apart; and
/// proofs generated *and* verified against the root, which costs one more hash per level.
fn trees(c: &mut Criterion) {
    for preset in [Preset::Uniswap, Preset::OzStandard] {
        let options = TreeOptions::new(preset);
        let mut g = c.benchmark_group(format!("tree_{}", preset.name()));
        for n in SIZES {
            let input = entries(n);
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(
                BenchmarkId::new("root_and_all_proofs", n),
                &input,
                |bench, input| {
                    bench.iter_batched(
                        || input.clone(),
                        |e| {
                            let built = build_claims(&options, e).unwrap();
                            built.generate_all_proofs();
                            built
                        },
                        BatchSize::LargeInput,
                    )
                },
            );
            g.bench_with_input(BenchmarkId::new("root_only", n), &input, |bench, input| {
                bench.iter_batched(
                    || input.clone(),
                    |e| build_claims(&options, e).unwrap(),
                    BatchSize::LargeInput,
                )
            });
            let built = build_claims(&options, input.clone()).unwrap();
            g.bench_with_input(
                BenchmarkId::new("all_proofs_only", n),
                &built,
                |bench, built| bench.iter(|| built.generate_all_proofs()),
            );
            g.bench_with_input(
                BenchmarkId::new("all_proofs_verified", n),
                &built,
                |bench, built| bench.iter(|| built.check_all_proofs().unwrap()),
            );
            // What `tree build` does after the root: every proof looked up and formatted, unverified.
            g.bench_with_input(
                BenchmarkId::new("format_output", n),
                &built,
                |bench, built| bench.iter(|| built.write(&mut Discard).unwrap()),
            );
        }
        g.finish();
    }
}

/// One claim's proof by address, as `airdrop tree proof` does it. Addresses are spread over the
/// input so the figure is the mean cost whatever the search strategy.
fn lookup(c: &mut Criterion) {
    const PROBES: usize = 16;
    let mut g = c.benchmark_group("proof_lookup");
    g.throughput(Throughput::Elements(PROBES as u64));
    for preset in [Preset::Uniswap, Preset::OzStandard] {
        for n in SIZES {
            let input = entries(n);
            let built: Built = build_claims(&TreeOptions::new(preset), input.clone()).unwrap();
            let probes: Vec<Address> = (0..PROBES).map(|k| input[k * n / PROBES].address).collect();
            g.bench_function(BenchmarkId::new(preset.name(), n), |bench| {
                bench.iter(|| {
                    for a in &probes {
                        black_box(built.proof(black_box(a)).unwrap());
                    }
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = keccak, trees, lookup
}
criterion_main!(benches);
