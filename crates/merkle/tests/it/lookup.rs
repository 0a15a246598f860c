//! Look-ups in place give exactly what parsing the whole output gives, for every claim, an
//! absent address and a file changed after it was built.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::Mem;
use airdrop_merkle::verify::{find_claim, ClaimLookup};
use airdrop_merkle::{build_claims, Address, Entry, Preset, TreeOptions, U256};
use proptest::prelude::*;
use std::io::Write;

fn written(options: &TreeOptions, entries: Vec<Entry>) -> tempfile::NamedTempFile {
    let built = build_claims(options, entries).unwrap();
    let mut mem = Mem::default();
    built.write(&mut mem).unwrap();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&mem.0["claims.json"].borrow()).unwrap();
    f
}

fn entries() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::hash_map(any::<[u8; 20]>(), 1u128..u128::MAX, 1..400).prop_map(|m| {
        m.into_iter()
            .filter(|(a, _)| *a != [0u8; 20])
            .map(|(a, v)| Entry {
                address: Address::from(a),
                amount: U256::from(v),
            })
            .collect()
    })
}

fn presets() -> impl Strategy<Value = (TreeOptions, bool)> {
    prop_oneof![
        Just((TreeOptions::new(Preset::Uniswap), true)),
        Just((TreeOptions::new(Preset::Balancer), true)),
        Just((TreeOptions::new(Preset::Morpho), false)),
        Just((TreeOptions::new(Preset::OzStandard), false)),
        Just((
            TreeOptions {
                sort: false,
                ..TreeOptions::new(Preset::Uniswap)
            },
            false
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_claim_found_in_place_equals_the_parsed_one(
        entries in entries().prop_filter("non-empty", |e| !e.is_empty()),
        (options, in_place) in presets(),
        absent in any::<[u8; 20]>(),
    ) {
        let f = written(&options, entries.clone());
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(f.path()).unwrap()).unwrap();
        let mut lookup = ClaimLookup::open(f.reopen().unwrap(), "t.json").unwrap();
        prop_assert_eq!(lookup.in_place(), in_place);
        for e in &entries {
            let who = e.address.to_string().to_lowercase();
            prop_assert_eq!(lookup.find(&who).unwrap(), find_claim("t.json", &doc, &who).unwrap());
        }
        let absent = Address::from(absent);
        if !entries.iter().any(|e| e.address == absent) {
            let who = absent.to_checksum(None);
            prop_assert_eq!(
                lookup.find(&who).unwrap_err().to_string(),
                find_claim("t.json", &doc, &who).unwrap_err().to_string()
            );
        }
    }
}

#[test]
fn a_claim_changed_after_the_build_is_refused() {
    let entries: Vec<Entry> = (1..2000u64)
        .map(|i| Entry {
            address: Address::left_padding_from(&(i * 0x9e37_79b9).to_be_bytes()),
            amount: U256::from(i),
        })
        .collect();
    let f = written(&TreeOptions::new(Preset::Uniswap), entries.clone());
    let text = std::fs::read_to_string(f.path()).unwrap();
    // The amount 0x07 is written as "0x07": make it 0x08, keeping every byte offset.
    let who = entries[6].address.to_checksum(None);
    let line = text.lines().find(|l| l.contains(&who)).unwrap();
    let changed = text.replace(
        line,
        &line.replace("\"amount\":\"0x07\"", "\"amount\":\"0x08\""),
    );
    assert_ne!(changed, text);
    std::fs::write(f.path(), changed).unwrap();
    let mut lookup = ClaimLookup::open(f.reopen().unwrap(), "t.json").unwrap();
    assert!(lookup.in_place());
    let e = lookup.find(&who).unwrap_err().to_string();
    assert!(e.contains("does not lead to the file's root"), "{e}");
    // The others still check out.
    let other = entries[1500].address.to_checksum(None);
    assert_eq!(lookup.find(&other).unwrap()["address"], other.as_str());
}
