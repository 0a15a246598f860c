//! Detection measured on planted rings, and the determinism of its outputs.

#![allow(clippy::unwrap_used)]

use airdrop_sybil::generate::{generate, score, Plan, SHAPES};
use airdrop_sybil::report::outputs;
use airdrop_sybil::{detect, Graph, Settings};
use alloy_primitives::Address;

fn run(plan: &Plan) -> (Vec<Address>, airdrop_sybil::generate::Synthetic, Vec<u8>) {
    let syn = generate(plan);
    let g = Graph::build(syn.edges.clone()).unwrap();
    let s = Settings::default();
    let d = detect(&g, &s, &syn.hubs).unwrap();
    let flagged: Vec<Address> = d
        .clusters
        .iter()
        .flat_map(|c| c.members.iter().map(|m| g.addresses[m.0 as usize]))
        .collect();
    let bytes = outputs(&g, &d, &s).clusters_json().unwrap();
    (flagged, syn, bytes)
}

#[test]
fn planted_rings_are_found_with_high_precision_and_recall() {
    for seed in [1u64, 2, 3, 4] {
        let plan = Plan {
            seed,
            organic: 6000,
            rings_per_shape: 2,
            ring_size: (20, 50),
        };
        let (flagged, syn, _) = run(&plan);
        let planted: Vec<Address> = syn.planted.iter().map(|p| p.0).collect();
        let sc = score(&flagged, &planted);
        eprintln!("seed {seed}: {sc:?}");
        assert!(sc.precision >= 0.95, "seed {seed}: {sc:?}");
        assert!(sc.recall >= 0.9, "seed {seed}: {sc:?}");
        // Every shape is found, not just the easy ones.
        for shape in SHAPES {
            let of: Vec<Address> = syn
                .planted
                .iter()
                .filter(|p| p.2 == shape)
                .map(|p| p.0)
                .collect();
            let s = score(&flagged, &of);
            assert!(
                s.true_positives * 10 >= of.len() * 8,
                "seed {seed} shape {shape}: {s:?}"
            );
        }
    }
}

#[test]
fn organic_users_of_one_exchange_are_not_clustered() {
    let plan = Plan {
        seed: 9,
        organic: 6000,
        rings_per_shape: 1,
        ring_size: (20, 30),
    };
    let (flagged, syn, _) = run(&plan);
    let organic_flagged = flagged
        .iter()
        .filter(|a| syn.organic.binary_search(a).is_ok() || !syn.planted.iter().any(|p| p.0 == **a))
        .count();
    // Thousands of organic users withdrew from each of 8 exchanges; none may be flagged.
    assert!(syn.organic.len() / 8 > 500);
    assert_eq!(organic_flagged, 0);
}

#[test]
fn same_input_in_any_order_gives_the_same_bytes() {
    let plan = Plan {
        seed: 5,
        organic: 3000,
        rings_per_shape: 1,
        ring_size: (20, 30),
    };
    let (_, mut syn, bytes) = run(&plan);
    let (_, _, again) = run(&plan);
    assert_eq!(bytes, again);
    let mut rng = fastrand::Rng::with_seed(77);
    rng.shuffle(&mut syn.edges);
    let g = Graph::build(syn.edges).unwrap();
    let s = Settings::default();
    let d = detect(&g, &s, &syn.hubs).unwrap();
    assert_eq!(outputs(&g, &d, &s).clusters_json().unwrap(), bytes);
}

#[test]
fn a_large_component_is_split_by_louvain_and_trimmed_by_k_core() {
    use airdrop_sybil::RawEdge;
    use alloy_primitives::{B256, U256};
    let a = |i: u32| Address::from_word(B256::from(U256::from(i + 1000)));
    let mut edges = Vec::new();
    let mut tx = 0u64;
    let mut pay = |from: Address, to: Address, block: u64| {
        tx += 1;
        edges.push(RawEdge {
            block,
            timestamp: block * 12,
            tx: B256::from(U256::from(tx)),
            from,
            to,
            asset: None,
            amount: U256::from(10u8),
            selector: None,
        });
    };
    // Two stars of 30 members, their funders linked by one payment: one component of 62.
    for star in 0..2u32 {
        let funder = a(star * 100);
        for m in 1..=30 {
            pay(funder, a(star * 100 + m), 100 + m as u64);
        }
    }
    pay(a(0), a(100), 1);
    let g = Graph::build(edges).unwrap();
    let mut s = Settings::default();
    assert_eq!(detect(&g, &s, &[]).unwrap().clusters.len(), 1);
    s.split_above = 40;
    s.behaviour = false;
    s.burst = false;
    let d = detect(&g, &s, &[]).unwrap();
    assert_eq!(d.clusters.len(), 2, "Louvain splits the two stars");
    assert!(d
        .clusters
        .iter()
        .all(|c| (30..=32).contains(&c.members.len())));
    // A star's 2-core is empty: trimming removes it.
    s.k_core = 2;
    assert!(detect(&g, &s, &[]).unwrap().clusters.is_empty());
}
