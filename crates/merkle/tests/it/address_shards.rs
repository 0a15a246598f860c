//! `Built::write_address_shards`: the one tree's claims split by address prefix, each claim
//! exactly as `claims.json` has it (so its proof leads to the same root), every claim in the
//! shard of its prefix and in no other.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::support::Mem;
use airdrop_merkle::{build_claims, Address, Entry, Preset, TreeOptions, U256};
use serde_json::{Map, Value};

fn entries(n: u64) -> Vec<Entry> {
    (1..=n)
        .map(|i| Entry {
            address: Address::from_word(alloy_primitives::keccak256(i.to_be_bytes())),
            amount: U256::from(i * 1_000),
        })
        .collect()
}

#[test]
fn shards_hold_exactly_the_claims_of_claims_json() {
    for digits in [1, 2, 3] {
        let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries(300)).unwrap();
        let mut whole = Mem::default();
        built.write(&mut whole).unwrap();
        let all = whole.json("claims.json")["claims"]
            .as_object()
            .unwrap()
            .clone();

        let mut mem = Mem::default();
        let shards = built.write_address_shards(&mut mem, digits).unwrap();
        assert_eq!(shards.iter().map(|s| s.count).sum::<usize>(), 300);
        let mut union = Map::new();
        for s in &shards {
            assert_eq!(s.prefix.len(), digits);
            let doc = mem.json(&format!("shards/{}.json", s.prefix));
            assert_eq!(doc["merkleRoot"], Value::from(built.root().to_string()));
            assert_eq!(doc["shard"], Value::from(s.prefix.clone()));
            let claims = doc["claims"].as_object().unwrap();
            assert_eq!(claims.len(), s.count);
            for (k, v) in claims {
                assert!(
                    k.to_lowercase()[2..].starts_with(&s.prefix),
                    "{k} in {}",
                    s.prefix
                );
                assert!(union.insert(k.clone(), v.clone()).is_none(), "{k} twice");
            }
        }
        assert_eq!(union, all, "digits {digits}");
        // No file for an empty prefix.
        assert_eq!(mem.0.len(), shards.len());
    }
}

#[test]
fn address_shards_refuse_bad_digits_and_sharded_trees() {
    let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries(10)).unwrap();
    for digits in [0, 5] {
        let e = built
            .write_address_shards(&mut Mem::default(), digits)
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 to 4 hex digits"), "{e}");
    }
    let ens = build_claims(&TreeOptions::new(Preset::Ens), entries(10)).unwrap();
    let e = ens
        .write_address_shards(&mut Mem::default(), 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("only an unsharded"), "{e}");
}
