//! Where the time of an OpenZeppelin `address,uint256` build goes: read, build and write as
//! `airdrop tree build` runs them, each with its wall time and the CPU time of the process
//! (from `/proc/self/stat`), so a phase that leaves cores idle shows as CPU/wall below the
//! core count. The keccak rate is measured in the same run.
//!
//! Usage: `cargo run --release -p airdrop-merkle --example oz_stages -- INPUT.csv OUT.json`

// A measuring tool, not library code: it reports on stdout and may abort on a bad argument.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use airdrop_merkle::input::{read_records_with, InputFormat, ReadOptions};
use airdrop_merkle::{Preset, TreeOptions};
use alloy_primitives::keccak256;
use rayon::prelude::*;
use std::time::Instant;

struct File(std::path::PathBuf);
impl airdrop_merkle::Sink for File {
    fn create(&mut self, _: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        let f = std::fs::File::create(&self.0)?;
        Ok(Box::new(std::io::BufWriter::with_capacity(1 << 20, f)))
    }
}

/// User + system CPU seconds of this process so far.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (input, out) = (&args[1], &args[2]);
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
    let options = TreeOptions::new(Preset::OzStandard);
    let phase = |name: &str, t: Instant, c: f64| {
        let wall = t.elapsed().as_secs_f64();
        let busy = cpu() - c;
        println!(
            "{name:6} wall {wall:.3} s  cpu {busy:.2} s  cores {:.2}",
            busy / wall
        );
    };
    let (t, c) = (Instant::now(), cpu());
    let (records, _) = read_records_with(
        std::fs::File::open(input).unwrap(),
        input,
        InputFormat::Csv,
        &options.leaf_encoding(),
        ReadOptions::default(),
    )
    .unwrap();
    phase("read", t, c);
    let (t, c) = (Instant::now(), cpu());
    let built = airdrop_merkle::build(&options, records).unwrap();
    phase("build", t, c);
    let (t, c) = (Instant::now(), cpu());
    built.write(&mut File(out.into())).unwrap();
    phase("write", t, c);
    let leaves = built.len() as f64;
    println!("bound_s {:.3}", 3.0 * leaves / rate);
}
