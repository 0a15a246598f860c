//! The formats active distributors use — Merkl cumulative rewards, thirdweb sharded allowlists,
//! Jupiter split trees — against the fixtures in `../shared/vectors/{merkl,thirdweb,jupiter}`,
//! read in place.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_merkle::cumulative::{
    check_epochs, diff_epochs, merkl_leaf, read_epoch, read_reward_file, read_rewards_csv,
    CumulativeTree, MerklOrder,
};
use airdrop_merkle::hash::NodeHash;
use airdrop_merkle::jupiter::{self, TreeFields};
use airdrop_merkle::thirdweb;
use airdrop_merkle::thirdweb::{
    build_sharded, read_allowlist_csv, ByteTree, LeafOrder, PairOrder, ThirdwebLeaf, TreeHash,
};
use airdrop_merkle::{Address, B256, U256};
use serde_json::Value;
use sha2::Digest;
use std::collections::HashMap;

use crate::support::{read, Mem};

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap()
}

fn h(s: &str) -> B256 {
    s.parse().unwrap()
}

fn a(s: &str) -> Address {
    s.parse().unwrap()
}

// ---------------------------------------------------------------- Merkl

const MERKL_FILES: [(&str, usize); 3] = [
    ("merkl/rewards_v1_epoch469401.json", 1206),
    ("merkl/rewards_v1_epoch469414.json", 1206),
    ("merkl/rewards_v1_epoch470290.json", 2280),
];

#[test]
fn merkl_v1_reward_files_rebuild_to_their_published_roots() {
    for (file, leaves) in MERKL_FILES {
        let doc = json(file);
        let published = h(doc["merklRoot"].as_str().unwrap());
        let rewards = read_reward_file(&doc, file).unwrap();
        let tree = CumulativeTree::build(rewards.clone(), MerklOrder::V1).unwrap();
        assert_eq!(tree.leaves.len(), leaves, "{file}");
        assert_eq!(tree.root(), published, "{file}");
        // Every proof folds as the contract folds it, zero pairs included.
        assert!(tree.leaves.iter().any(|r| r.amount.is_zero()), "{file}");
        for (i, r) in tree.leaves.iter().enumerate() {
            let leaf = merkl_leaf(&r.user, &r.token, &r.amount);
            assert_eq!(NodeHash::KeccakSorted.fold(leaf, &tree.proof(i)), published);
        }
        // The later builders' layouts are different trees of the same rewards.
        for order in [MerklOrder::SortedLeaves, MerklOrder::NonZeroSorted] {
            let other = CumulativeTree::build(rewards.clone(), order).unwrap();
            assert_ne!(other.root(), published, "{file} {order}");
        }
        let nz = CumulativeTree::build(rewards, MerklOrder::NonZeroSorted).unwrap();
        assert!(nz.leaves.iter().all(|r| !r.amount.is_zero()));
        assert!(nz.leaves.len() < leaves);
    }
}

#[test]
fn merkl_contract_test_vectors_fold_to_their_roots() {
    let v = json("merkl/distributor_tests.json");
    let unit = &v["unit_two_leaf"];
    let d = &unit["_derived"];
    let root = h(unit["root"].as_str().unwrap());
    let pairs = [("alice", "angle", 0), ("bob", "agEUR", 1)];
    let mut rewards = airdrop_merkle::cumulative::Rewards::default();
    for (user, token, k) in pairs {
        let c = &unit["claims"][k];
        let amount: U256 = c["amount"].as_str().unwrap().parse().unwrap();
        let (u, t) = (a(d[user].as_str().unwrap()), a(d[token].as_str().unwrap()));
        let proof: Vec<B256> = c["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| h(p.as_str().unwrap()))
            .collect();
        assert_eq!(
            NodeHash::KeccakSorted.fold(merkl_leaf(&u, &t, &amount), &proof),
            root
        );
        rewards.add(u, t, amount).unwrap();
    }
    // Built by the engine with the later (non-zero, sorted) builder: same root and proofs.
    let tree = CumulativeTree::build(rewards, MerklOrder::NonZeroSorted).unwrap();
    assert_eq!(tree.root(), root);
    for (i, r) in tree.leaves.iter().enumerate() {
        let k = if r.user == a(d["alice"].as_str().unwrap()) {
            0
        } else {
            1
        };
        let want = h(unit["claims"][k]["proof"][0].as_str().unwrap());
        assert_eq!(tree.proof(i), vec![want]);
    }
    let base = &v["base_mainnet_claim"];
    let proof: Vec<B256> = base["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| h(p.as_str().unwrap()))
        .collect();
    let leaf = merkl_leaf(
        &a(base["user"].as_str().unwrap()),
        &a(base["token"].as_str().unwrap()),
        &base["amount"].as_str().unwrap().parse().unwrap(),
    );
    assert_eq!(
        NodeHash::KeccakSorted.fold(leaf, &proof),
        h(base["root"].as_str().unwrap())
    );
}

#[test]
fn merkl_next_epoch_is_the_previous_plus_new_rewards() {
    let file = MERKL_FILES[0].0;
    let first = read_reward_file(&json(file), file).unwrap();
    let epoch0 = CumulativeTree::build(first.clone(), MerklOrder::V1).unwrap();
    // Written and read back, the epoch file is the same rewards and root; the streamed file
    // is the same document.
    let written = epoch0.to_json();
    let mut streamed = Vec::new();
    epoch0.write_json(&mut streamed).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&streamed).unwrap(), written);
    let (back, root) = read_epoch(&written, "epoch0.json").unwrap();
    assert_eq!(root, epoch0.root());
    assert_eq!(
        CumulativeTree::build(back.clone(), MerklOrder::V1)
            .unwrap()
            .root(),
        root
    );

    let user = first.users()[0];
    let token = first.tokens()[1];
    let newcomer = "0x00000000000000000000000000000000000000aa";
    let csv = format!("user,token,amount\n{user},{token},5\n{newcomer},{token},7\n");
    let added = read_rewards_csv(&csv, "new.csv", false).unwrap().0;
    let next = back.plus(&added).unwrap();
    check_epochs(&back, &next).unwrap();
    assert_eq!(
        next.get(&user, &token),
        first.get(&user, &token) + U256::from(5)
    );
    // v1 layout keeps the earlier users first and appends the newcomer.
    assert_eq!(&next.users()[..first.users().len()], first.users());
    assert_eq!(next.users().last(), Some(&a(newcomer)));

    let d = diff_epochs(&back, &next);
    assert_eq!(d.increased.len(), 2);
    assert!(d.decreased.is_empty());
    assert_eq!(
        d.claimable_per_token,
        vec![(token.to_checksum(None), "12".into())]
    );

    // A lower cumulative amount is refused, naming the pair and both amounts.
    let err = check_epochs(&next, &back).unwrap_err().to_string();
    assert!(
        err.contains(&user.to_checksum(None)) && err.contains("never decrease"),
        "{err}"
    );
}

#[test]
fn merkl_epoch_file_with_a_changed_amount_is_refused() {
    let file = MERKL_FILES[0].0;
    let tree = CumulativeTree::build(read_reward_file(&json(file), file).unwrap(), MerklOrder::V1)
        .unwrap();
    let mut doc = tree.to_json();
    doc["claims"][3]["amount"] = Value::String("1".into());
    let err = read_epoch(&doc, "epoch.json").unwrap_err().to_string();
    assert!(
        err.contains("claim 3") && err.contains("does not reach merklRoot"),
        "{err}"
    );
}

#[test]
fn merkl_inputs_errors_are_clear() {
    let err = read_rewards_csv("address,amount\n", "r.csv", false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("r.csv:1") && err.contains("user,token,amount"),
        "{err}"
    );
    let err = read_rewards_csv("user,token,amount\n0x01,0x02,3\n", "r.csv", false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("r.csv:2") && err.contains("user"), "{err}");
    let err = read_reward_file(&serde_json::json!({"x": 1}), "f.json")
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"rewards\""), "{err}");
}

// ---------------------------------------------------------------- thirdweb

#[test]
fn thirdweb_sdk_snapshot_v1_reproduces_its_sharded_root() {
    let v = json("thirdweb/sdk_snapshot_v1.json");
    let mut csv = String::from("address,maxClaimable\n");
    for e in v["entries"].as_array().unwrap() {
        csv += &format!(
            "{},{}\n",
            e["address"].as_str().unwrap(),
            e["maxClaimable"].as_str().unwrap()
        );
    }
    let entries = read_allowlist_csv(&csv, "snap.csv", ThirdwebLeaf::V1, false)
        .unwrap()
        .entries;
    let tree = build_sharded(entries.clone(), 2, LeafOrder::Bytes).unwrap();
    assert_eq!(tree.root(), h(v["merkleRoot"].as_str().unwrap()));
    assert_eq!(tree.shard_ids().len(), 8);
    // Every written shard's proofs plus the in-shard proof reach the root.
    let mut sink = Mem::default();
    tree.write(&mut sink, ThirdwebLeaf::V1).unwrap();
    assert_eq!(sink.json("merkle-info.json")["merkleRoot"], v["merkleRoot"]);
    for e in &entries {
        let id = format!("{:x}", e.address)[..2].to_owned();
        let shard = sink.json(&format!("{id}.json"));
        let shard_proof: Vec<B256> = serde_json::from_value(shard["proofs"].clone()).unwrap();
        let (_, full) = tree.proof(&e.address).unwrap();
        assert!(full.ends_with(&shard_proof));
        assert_eq!(NodeHash::KeccakSorted.fold(e.leaf(), &full), tree.root());
    }
    // "unlimited" is 2^256-1, which gives the other root SOURCE.md names.
    let unlimited = csv.replace(",0\n", ",unlimited\n");
    let e2 = read_allowlist_csv(&unlimited, "snap.csv", ThirdwebLeaf::V1, false)
        .unwrap()
        .entries;
    let root = build_sharded(e2, 2, LeafOrder::Bytes).unwrap().root();
    let hex = format!("{root:x}");
    assert!(
        hex.starts_with("d5be7739") && hex.ends_with("f18d"),
        "{hex}"
    );
}

#[test]
fn thirdweb_tree_classes_reproduce_their_roots_and_proofs() {
    let v = json("thirdweb/merkletree_tests.json");
    let t5 = &v["v5_keccak_tree"];
    let leaves: Vec<Vec<u8>> = t5["leaves_utf8"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().as_bytes().to_vec())
        .collect();
    let tree = ByteTree::build(
        leaves,
        TreeHash::Keccak,
        Some(LeafOrder::JsString),
        PairOrder::Bytes,
    );
    let hex = |b: &[u8]| {
        format!(
            "0x{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        )
    };
    assert_eq!(hex(tree.root()), t5["root"].as_str().unwrap());
    for (pos, key) in [(0, "proof_of_leaf0"), (1, "proof_of_leaf1_at_index1")] {
        let want: Vec<&str> = t5[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let got: Vec<String> = tree.proof(pos).iter().map(|p| hex(p)).collect();
        assert_eq!(got, want, "{key}");
    }
    tree.check_on_chain().unwrap();

    // The earlier port's sha256 roots come out only with string-ordered pairs.
    let e = &v["earlier_port_string_sorted_pairs"];
    let leaves: Vec<Vec<u8>> = "abcdef"
        .bytes()
        .map(|c| sha2::Sha256::digest([c]).to_vec())
        .collect();
    let root = |pairs| hex(ByteTree::build(leaves.clone(), TreeHash::Sha256, None, pairs).root());
    assert_eq!(
        root(PairOrder::JsString),
        e["sortPairs_root"].as_str().unwrap()
    );
    assert_ne!(
        root(PairOrder::Bytes),
        e["sortPairs_root"].as_str().unwrap()
    );
    assert_eq!(
        root(PairOrder::Positional),
        e["unsorted_root"].as_str().unwrap()
    );
    let dup = |pairs| {
        hex(ByteTree::build_with_odd(leaves.clone(), TreeHash::Sha256, None, pairs, true).root())
    };
    assert_eq!(
        dup(PairOrder::JsString),
        e["sortPairs_duplicateOdd_root"].as_str().unwrap()
    );
    assert_eq!(
        dup(PairOrder::Positional),
        e["unsorted_duplicateOdd_root"].as_str().unwrap()
    );
}

#[test]
fn thirdweb_string_ordered_pairs_are_refused_before_writing() {
    // Leaves whose first bytes are 9 and 10: "9,…" > "10,…" as strings, 9 < 10 as bytes.
    let leaves: Vec<Vec<u8>> = (0..6u8)
        .map(|i| {
            let mut l = vec![if i % 2 == 0 { 9 } else { 10 }; 32];
            l[31] = i;
            l
        })
        .collect();
    let tree = ByteTree::build(leaves.clone(), TreeHash::Keccak, None, PairOrder::JsString);
    let err = tree.check_on_chain().unwrap_err().to_string();
    assert!(
        err.contains("does not verify on chain") && err.contains("JavaScript strings"),
        "{err}"
    );
    ByteTree::build(leaves, TreeHash::Keccak, None, PairOrder::Bytes)
        .check_on_chain()
        .unwrap();
}

#[test]
fn thirdweb_multi_entry_shards_and_leaf_variants_verify() {
    // Independent check of the packed V2 leaf for one row.
    let csv = "address,maxClaimable,price,currency\n\
        0x0000000000000000000000000000000000000001,unlimited,5,\n\
        0x0000000000000000000000000000000000000002,3,0,0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE\n\
        0x0100000000000000000000000000000000000003,1,0,\n";
    let entries = read_allowlist_csv(csv, "v2.csv", ThirdwebLeaf::V2, false)
        .unwrap()
        .entries;
    let mut packed = Vec::new();
    packed.extend_from_slice(entries[0].address.as_slice());
    packed.extend_from_slice(&[0xff; 32]);
    packed.extend_from_slice(&U256::from(5).to_be_bytes::<32>());
    packed.extend_from_slice(&[0; 20]);
    assert_eq!(entries[0].leaf(), alloy_primitives::keccak256(&packed));
    for order in [LeafOrder::Bytes, LeafOrder::JsString] {
        let tree = build_sharded(entries.clone(), 2, order).unwrap();
        assert_eq!(tree.shard_ids(), vec!["00", "01"]);
        for e in &entries {
            let (_, p) = tree.proof(&e.address).unwrap();
            assert_eq!(NodeHash::KeccakSorted.fold(e.leaf(), &p), tree.root());
        }
    }
    let err = read_allowlist_csv(
        "address,maxClaimable\n0x01,1\n",
        "x.csv",
        ThirdwebLeaf::V1,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("x.csv:2"), "{err}");
    let dup = "address,maxClaimable\n0x0000000000000000000000000000000000000001,1\n0x0000000000000000000000000000000000000001,2\n";
    let err = read_allowlist_csv(dup, "d.csv", ThirdwebLeaf::V1, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("d.csv:3") && err.contains("duplicate address"),
        "{err}"
    );
}

// ---------------------------------------------------------------- Jupiter

#[test]
fn jupiter_amount_conversion_matches_their_asserts() {
    let v = json("jupiter/amount_conversion.json");
    for c in v["ui_amount_to_token_amount"].as_array().unwrap() {
        let (got, _) = jupiter::ui_to_base(
            c["amount"].as_str().unwrap(),
            c["decimals"].as_u64().unwrap() as u32,
        )
        .unwrap();
        assert_eq!(got, c["expected"].as_u64().unwrap(), "{c}");
    }
    let f = &v["csv_decimal_fixture"];
    let rows = jupiter::read_csv(
        &read("jito/jup_test_csv_decimal.csv"),
        "dec.csv",
        Some(6),
        false,
    )
    .unwrap();
    assert_eq!(rows.truncated.len(), 3);
    for (r, want) in rows
        .rows
        .iter()
        .zip(f["expected_nodes"].as_array().unwrap())
    {
        assert_eq!(
            bs58::encode(r.claimant).into_string(),
            want["pubkey"].as_str().unwrap()
        );
        assert_eq!(r.unlocked, want["amount"].as_u64().unwrap());
        assert_eq!(r.locked, want["locked_amount"].as_u64().unwrap());
    }
    // Without --decimals a fractional amount is refused, with the hint.
    let err = jupiter::read_csv(
        &read("jito/jup_test_csv_decimal.csv"),
        "dec.csv",
        None,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("dec.csv:2") && err.contains("--decimals"),
        "{err}"
    );
}

#[test]
fn jupiter_fixture_trees_rebuild_with_both_field_generations() {
    for file in [
        "jito/jup_merkle_tree_3.json",
        "jito/jup_merkle_tree_test_csv_100.json",
    ] {
        let doc = json(file);
        let (root, n, total) = jupiter::verify_tree_file(&doc, file).unwrap();
        assert_eq!(total, doc["max_total_claim"].as_u64().unwrap() as u128);
        let rows: Vec<airdrop_merkle::SolanaEntry> = doc["tree_nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| airdrop_merkle::SolanaEntry {
                claimant: serde_json::from_value(n["claimant"].clone()).unwrap(),
                unlocked: n["amount"].as_u64().unwrap(),
                locked: n["locked_amount"].as_u64().unwrap(),
            })
            .collect();
        let trees = jupiter::split(&rows, jupiter::DEFAULT_MAX_NODES).unwrap();
        assert_eq!(trees.len(), 1);
        assert_eq!(trees[0].root(), root);
        assert_eq!(trees[0].nodes.len(), n);
        let old = trees[0].to_json(TreeFields::Old);
        assert_eq!(old["merkle_root"], doc["merkle_root"]);
        assert_eq!(old["max_total_claim"], doc["max_total_claim"]);
        assert_eq!(
            old["tree_nodes"], doc["tree_nodes"],
            "{file}: nodes and proofs"
        );
        let new = trees[0].to_json(TreeFields::New);
        assert!(new.get("max_total_claim").is_none());
        assert_eq!(jupiter::verify_tree_file(&new, file).unwrap().0, root);
    }
}

#[test]
fn jupiter_split_cuts_consecutive_chunks_and_merges_only_inside_one() {
    let doc = json("jito/jup_merkle_tree_test_csv_100.json");
    let mut rows: Vec<airdrop_merkle::SolanaEntry> = doc["tree_nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| airdrop_merkle::SolanaEntry {
            claimant: serde_json::from_value(n["claimant"].clone()).unwrap(),
            unlocked: n["amount"].as_u64().unwrap(),
            locked: n["locked_amount"].as_u64().unwrap(),
        })
        .collect();
    rows.push(rows[0]); // row 100 repeats row 0: a different chunk with max 40
    rows.push(rows[85]); // row 101 repeats row 85: same chunk
    let trees = jupiter::split(&rows, 40).unwrap();
    assert_eq!(
        trees.iter().map(|t| t.nodes.len()).collect::<Vec<_>>(),
        vec![40, 40, 21]
    );
    assert_eq!(trees[2].nodes[5].unlocked, rows[85].unlocked * 2);
    assert_eq!(trees[2].nodes.last().unwrap().claimant, rows[0].claimant);
    // Each chunk is the tree of its own rows, in input order.
    let alone = jupiter::JupiterTree::build(1, &rows[40..80]).unwrap();
    assert_eq!(trees[1].root(), alone.root());
    let mut sink = Mem::default();
    jupiter::write(&trees, TreeFields::New, &mut sink).unwrap();
    for t in &trees {
        let f = sink.json(&format!("tree_{}.json", t.version));
        assert_eq!(f["airdrop_version"], t.version);
        assert_eq!(jupiter::verify_tree_file(&f, "t").unwrap().0, t.root());
    }
    let err = jupiter::split(&rows, 0).unwrap_err().to_string();
    assert!(err.contains("--max-nodes-per-tree"), "{err}");
}

// ---------------------------------------------------------------- order properties

fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    // A seeded Fisher-Yates, so that a failure reproduces.
    let mut out = v.to_vec();
    let mut x = seed | 1;
    for i in (1..out.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.swap(i, (x % (i as u64 + 1)) as usize);
    }
    out
}

#[test]
fn row_order_matters_exactly_where_the_format_says() {
    let rows: Vec<(Address, Address, U256)> = (1..=40u64)
        .map(|i| {
            let user = Address::from_slice(&alloy_primitives::keccak256(i.to_be_bytes())[12..]);
            let token = Address::repeat_byte((i % 3) as u8 + 1);
            (user, token, U256::from(i * 1000))
        })
        .collect();
    let merkl = |rows: &[(Address, Address, U256)], order| {
        let mut r = airdrop_merkle::cumulative::Rewards::default();
        for (u, t, a) in rows {
            r.add(*u, *t, *a).unwrap();
        }
        CumulativeTree::build(r, order).unwrap().root()
    };
    let allow = |rows: &[(Address, Address, U256)], order| {
        let e = rows
            .iter()
            .map(|(u, _, a)| airdrop_merkle::thirdweb::AllowEntry {
                address: *u,
                values: vec![*a],
                currency: None,
            })
            .collect();
        build_sharded(e, 1, order).unwrap().root()
    };
    let jup = |rows: &[(Address, Address, U256)]| {
        let e: Vec<_> = rows
            .iter()
            .map(|(u, _, a)| airdrop_merkle::SolanaEntry {
                claimant: alloy_primitives::keccak256(u).0,
                unlocked: a.to::<u64>(),
                locked: 0,
            })
            .collect();
        jupiter::split(&e, 16)
            .unwrap()
            .iter()
            .map(|t| t.root())
            .collect::<Vec<_>>()
    };
    for seed in 1..=8u64 {
        let s = shuffled(&rows, seed);
        assert_ne!(
            merkl(&s, MerklOrder::V1),
            merkl(&rows, MerklOrder::V1),
            "seed {seed}"
        );
        for order in [MerklOrder::SortedLeaves, MerklOrder::NonZeroSorted] {
            assert_eq!(merkl(&s, order), merkl(&rows, order), "seed {seed}");
        }
        for order in [LeafOrder::Bytes, LeafOrder::JsString] {
            assert_eq!(allow(&s, order), allow(&rows, order), "seed {seed}");
        }
        assert_ne!(jup(&s), jup(&rows), "seed {seed}");
    }
}

#[test]
fn zero_rows_are_refused_unless_allowed() {
    let a1 = "0x0000000000000000000000000000000000000001";
    let csv = format!("address,amount\n{a1},0\n");
    let err = read_allowlist_csv(&csv, "z.csv", ThirdwebLeaf::Erc20, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("z.csv:2") && err.contains("zero amount") && err.contains("--allow-zero"),
        "{err}"
    );
    let kept = read_allowlist_csv(&csv, "z.csv", ThirdwebLeaf::Erc20, true).unwrap();
    assert_eq!((kept.entries.len(), kept.zero_lines.clone()), (1, vec![2]));
    assert!(build_sharded(kept.entries, 2, LeafOrder::Bytes).is_ok());
    // maxClaimable 0 is a limit, not a payment: the published snapshot uses it.
    let v1 = format!("address,maxClaimable\n{a1},0\n");
    assert!(read_allowlist_csv(&v1, "z.csv", ThirdwebLeaf::V1, false).is_ok());
    // One receiver may hold several NFTs; the same token id twice is refused.
    let nft = format!("address,tokenId\n{a1},1\n{a1},2\n");
    assert_eq!(
        read_allowlist_csv(&nft, "n.csv", ThirdwebLeaf::Erc721, false)
            .unwrap()
            .entries
            .len(),
        2
    );
    let err = read_allowlist_csv(
        &format!("{nft}{a1},2\n"),
        "n.csv",
        ThirdwebLeaf::Erc721,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("n.csv:4") && err.contains("duplicate address and token id"),
        "{err}"
    );

    let m = format!("user,token,amount\n{a1},{a1},0\n");
    let err = read_rewards_csv(&m, "m.csv", false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("m.csv:2") && err.contains("zero amount"),
        "{err}"
    );
    assert_eq!(read_rewards_csv(&m, "m.csv", true).unwrap().1, vec![2]);

    let key = "4SX6nqv5VRLMoNfYM5phvHgcBNcBEwUEES4qPPjf1EqS";
    // 0.0000001 at 6 decimals rounds down to nothing: that row pays nothing either.
    let j = format!("pubkey,amount,locked_amount\n{key},0.0000001,0\n");
    let err = jupiter::read_csv(&j, "j.csv", Some(6), false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("j.csv:2") && err.contains("nothing to claim"),
        "{err}"
    );
    let kept = jupiter::read_csv(&j, "j.csv", Some(6), true).unwrap();
    assert_eq!(kept.zero_lines, vec![2]);
}

#[test]
fn thirdweb_decimals_scale_exactly_like_parse_units() {
    use airdrop_merkle::thirdweb::{parse_units, read_allowlist_csv_with};
    assert_eq!(
        parse_units("1.5", 18).unwrap(),
        U256::from(15u64) * U256::from(10u64).pow(U256::from(17))
    );
    assert_eq!(parse_units("0.000", 0).unwrap(), U256::ZERO);
    assert_eq!(parse_units("7", 0).unwrap(), U256::from(7));
    let err = parse_units("1.234", 2).unwrap_err();
    assert!(err.contains("more than 2 decimals"), "{err}");
    let csv = "address,maxClaimable\n0x0000000000000000000000000000000000000001,2.5\n";
    let e = read_allowlist_csv_with(csv, "d.csv", ThirdwebLeaf::V1, false, Some(3)).unwrap();
    assert_eq!(e.entries[0].values, vec![U256::from(2500)]);
    // Without --decimals the same row is refused, as fractional base units.
    let err = read_allowlist_csv(csv, "d.csv", ThirdwebLeaf::V1, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("d.csv:2") && err.contains("fractional"),
        "{err}"
    );
}

struct MemFetch(HashMap<String, Vec<u8>>);
impl airdrop_merkle::verify::Fetch for MemFetch {
    fn open(&mut self, p: &str) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        match self.0.get(p) {
            Some(b) => Ok(Box::new(&b[..])),
            None => Err(std::io::ErrorKind::NotFound.into()),
        }
    }
}

#[test]
fn thirdweb_folder_verifies_and_names_what_was_changed() {
    let csv = "address,maxClaimable,price,currency\n\
        0x0000000000000000000000000000000000000001,unlimited,5,\n\
        0x0000000000000000000000000000000000000002,3,0,0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE\n\
        0x0000000000000000000000000000000000000004,9,0,\n\
        0x0100000000000000000000000000000000000003,1,0,\n";
    let list = read_allowlist_csv(csv, "v2.csv", ThirdwebLeaf::V2, false).unwrap();
    let tree = build_sharded(list.entries, 2, LeafOrder::Bytes).unwrap();
    let mut sink = Mem::default();
    tree.write(&mut sink, ThirdwebLeaf::V2).unwrap();
    let files: HashMap<String, Vec<u8>> = sink
        .0
        .iter()
        .map(|(k, v)| (k.clone(), v.borrow().clone()))
        .collect();
    let report = thirdweb::verify_folder(&mut MemFetch(files.clone())).unwrap();
    assert_eq!((report.root, report.claims), (tree.root(), 4));

    let mut missing = files.clone();
    missing.remove("01.json");
    let err = thirdweb::verify_folder(&mut MemFetch(missing))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shard 01 is listed but 01.json is missing"),
        "{err}"
    );

    let mut changed = files.clone();
    let mut doc: Value = serde_json::from_slice(&files["00.json"]).unwrap();
    doc["entries"][1]["maxClaimable"] = Value::String("4".into());
    changed.insert("00.json".into(), serde_json::to_vec(&doc).unwrap());
    let err = thirdweb::verify_folder(&mut MemFetch(changed))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("00.json: the proof of shard 00") && err.contains("the leaf itself"),
        "{err}"
    );

    let mut flipped = files.clone();
    let mut doc: Value = serde_json::from_slice(&files["01.json"]).unwrap();
    let p = doc["proofs"][0].as_str().unwrap().to_owned();
    let flip = format!("{}{}", &p[..65], if p.ends_with('0') { '1' } else { '0' });
    doc["proofs"][0] = Value::String(flip);
    flipped.insert("01.json".into(), serde_json::to_vec(&doc).unwrap());
    let err = thirdweb::verify_folder(&mut MemFetch(flipped))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("01.json: the proof of shard 01")
            && err.contains("fails at level 0, where it has"),
        "{err}"
    );
}

#[test]
fn merkl_published_files_verify_and_a_changed_amount_is_named() {
    for (file, _) in MERKL_FILES {
        let doc = json(file);
        let (order, tree) = airdrop_merkle::cumulative::verify_reward_file(&doc, file).unwrap();
        assert_eq!(order, MerklOrder::V1);
        assert_eq!(
            format!("{}", tree.root()),
            doc["merklRoot"].as_str().unwrap()
        );
    }
    let file = MERKL_FILES[0].0;
    let mut doc = json(file);
    let rewards = doc["rewards"].as_object_mut().unwrap();
    let first = rewards.values_mut().next().unwrap();
    let holder = first["holders"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    holder["amount"] = Value::String("1".into());
    let err = airdrop_merkle::cumulative::verify_reward_file(&doc, file)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is not the root of its rewards") && err.contains("v1 gives"),
        "{err}"
    );
}

#[test]
fn merkl_v1_takes_the_token_of_a_distribution_without_holders() {
    let (u, t1, t2) = (
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        "0x5615dEB798BB3E4dFa0139dFa1b3D433Cc23b72f",
        "0x2e234DAe75C793f67A35089C9d99245E1C58470b",
    );
    let doc: Value = serde_json::from_str(&format!(
        r#"{{"rewards":{{"a":{{"token":"{t2}","holders":{{}}}},"b":{{"token":"{t1}","holders":{{"{u}":{{"amount":"5"}}}}}}}}}}"#
    ))
    .unwrap();
    let tree =
        CumulativeTree::build(read_reward_file(&doc, "f.json").unwrap(), MerklOrder::V1).unwrap();
    // Token order is first appearance over distributions: t2 (no holders) first, as a zero leaf.
    let got: Vec<(Address, U256)> = tree.leaves.iter().map(|r| (r.token, r.amount)).collect();
    assert_eq!(got, vec![(a(t2), U256::ZERO), (a(t1), U256::from(5))]);
    let l0 = merkl_leaf(&a(u), &a(t2), &U256::ZERO);
    let l1 = merkl_leaf(&a(u), &a(t1), &U256::from(5));
    let (lo, hi) = if l0 <= l1 { (l0, l1) } else { (l1, l0) };
    let want = alloy_primitives::keccak256([lo.as_slice(), hi.as_slice()].concat());
    assert_eq!(tree.root(), want);
}
