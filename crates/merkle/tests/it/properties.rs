//! Invariants over random inputs: every proof verifies, any changed amount changes the root,
//! and what `build` writes, `verify` accepts — for every preset.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_merkle::verify::{verify_document, verify_sharded, Fetch};
use airdrop_merkle::{
    build, build_claims, Address, Entry, Preset, Records, Sink, SolanaEntry, TreeOptions, U256,
};
use proptest::prelude::*;
use std::collections::HashMap;
use std::io::Read;

#[derive(Default)]
struct Mem(HashMap<String, Vec<u8>>);

struct W<'a>(&'a mut Vec<u8>);
impl std::io::Write for W<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Sink for Mem {
    fn create(&mut self, p: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        Ok(Box::new(W(self.0.entry(p.to_owned()).or_default())))
    }
}
impl Fetch for Mem {
    fn open(&mut self, p: &str) -> std::io::Result<Box<dyn Read + '_>> {
        match self.0.get(p) {
            Some(b) => Ok(Box::new(&b[..])),
            None => Err(std::io::ErrorKind::NotFound.into()),
        }
    }
}

fn entries() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::hash_map(any::<[u8; 20]>(), 1u128..u128::MAX, 1..120).prop_map(|m| {
        m.into_iter()
            .map(|(a, v)| Entry {
                address: Address::from(a),
                amount: U256::from(v),
            })
            .collect()
    })
}

fn account_presets() -> impl Strategy<Value = TreeOptions> {
    prop_oneof![
        Just(TreeOptions::new(Preset::Uniswap)),
        Just(TreeOptions::new(Preset::OzStandard)),
        Just(TreeOptions::new(Preset::Ens)),
        Just(TreeOptions {
            shards: Some(16),
            ..TreeOptions::new(Preset::Uniswap)
        }),
        Just(TreeOptions::new(Preset::Balancer)),
        Just(TreeOptions::new(Preset::Morpho)),
        Just(TreeOptions {
            sort: false,
            ..TreeOptions::new(Preset::OzStandard)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_proof_verifies_and_the_output_round_trips(opts in account_presets(), es in entries()) {
        let built = build_claims(&opts, es.clone()).unwrap();
        prop_assert_eq!(built.len(), es.len());
        built.check_all_proofs().unwrap();
        for e in es.iter().take(5) {
            let claim = built.proof(&e.address).unwrap();
            prop_assert_eq!(built.node_hash().fold(claim.leaf, &claim.proof), built.root());
            prop_assert_eq!(claim.amount, e.amount.to_string());
        }
        let mut mem = Mem::default();
        built.write(&mut mem).unwrap();
        let report = if opts.shards.is_some() {
            verify_sharded(&mut mem).unwrap()
        } else {
            let doc: serde_json::Value = serde_json::from_slice(&mem.0["claims.json"]).unwrap();
            verify_document("claims.json", &doc).unwrap()
        };
        prop_assert_eq!(report.root, built.root());
        prop_assert_eq!(report.claims, es.len());
    }

    #[test]
    fn changing_any_one_amount_changes_the_root(opts in account_presets(), es in entries(), pick in any::<prop::sample::Index>(), delta in 1u64..1000) {
        let before = build_claims(&opts, es.clone()).unwrap().root();
        let mut changed = es.clone();
        let i = pick.index(changed.len());
        changed[i].amount = changed[i].amount.wrapping_add(U256::from(delta));
        let after = build_claims(&opts, changed).unwrap().root();
        prop_assert_ne!(before, after);
    }

    #[test]
    fn the_accounts_of_a_tree_rebuild_it(opts in account_presets(), es in entries()) {
        let built = build_claims(&opts, es.clone()).unwrap();
        let again: Option<Vec<Entry>> = built.accounts().map(|a| a.cloned().collect());
        if let Some(again) = again {
            prop_assert_eq!(again.len(), es.len());
            prop_assert_eq!(build_claims(&opts, again).unwrap().root(), built.root());
        }
    }

    #[test]
    fn input_order_does_not_matter_for_sorted_presets(es in entries(), seed in any::<u64>()) {
        let opts = TreeOptions::new(Preset::Uniswap);
        let mut shuffled = es.clone();
        let n = shuffled.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(build_claims(&opts, es).unwrap().root(), build_claims(&opts, shuffled).unwrap().root());
    }

    #[test]
    fn jito_trees_verify(raw in prop::collection::hash_map(any::<[u8; 32]>(), (any::<u64>(), any::<u64>()), 1..80)) {
        let es: Vec<SolanaEntry> = raw.into_iter().map(|(c, (u, l))| SolanaEntry { claimant: c, unlocked: u >> 2, locked: l >> 2 }).collect();
        let built = build(&TreeOptions::new(Preset::Jito), Records::Solana(es.clone())).unwrap();
        built.check_all_proofs().unwrap();
        let mut mem = Mem::default();
        built.write(&mut mem).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&mem.0["claims.json"]).unwrap();
        prop_assert_eq!(verify_document("jito", &doc).unwrap().root, built.root());
    }
}

#[test]
fn a_tampered_claims_file_is_refused() {
    let es: Vec<Entry> = (1..20u8)
        .map(|i| Entry {
            address: Address::repeat_byte(i),
            amount: U256::from(i),
        })
        .collect();
    let built = build_claims(&TreeOptions::new(Preset::Uniswap), es).unwrap();
    let mut mem = Mem::default();
    built.write(&mut mem).unwrap();
    let text = String::from_utf8(mem.0["claims.json"].clone()).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = doc["claims"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    doc["claims"][&key]["amount"] = serde_json::json!("0x63");
    let err = verify_document("claims.json", &doc)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tokenTotal") || err.contains("rebuild"),
        "{err}"
    );
}
