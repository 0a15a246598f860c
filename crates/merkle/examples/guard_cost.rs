//! Cost of the key guard on the texts every request or row carries: a claim look-up's path, an
//! address cell, a sign-in message and a plain note. Prints nanoseconds per call.
//!
//! `cargo run --release -p airdrop-merkle --example guard_cost`

// An example prints its figures.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

fn main() {
    let siwe = "http://drop.test:3000 wants you to sign in with your Ethereum account:\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f\n\nSign up to the Genesis drop.\n\nURI: http://drop.test:3000/\nVersion: 1\nChain ID: 1\nNonce: 0123456789abcdef0123456789abcdef\nIssued At: 2026-01-01T00:00:00Z\nResources:\n- urn:airdrop:campaign:genesis";
    let texts = [
        (
            "claims path",
            "/v1/campaigns/genesis/claims/0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f",
        ),
        ("address cell", "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"),
        ("sign-in message", siwe),
        (
            "note",
            "Retweeted the launch post and joined the Discord on the first day of the campaign",
        ),
    ];
    let rounds = 200_000u32;
    for (name, text) in texts {
        let started = Instant::now();
        for _ in 0..rounds {
            assert!(airdrop_merkle::guard::guard(std::hint::black_box(text)).is_ok());
        }
        let ns = started.elapsed().as_nanos() / u128::from(rounds);
        println!("{name:16} {:4} bytes  {ns:6} ns/call", text.len());
    }
}
