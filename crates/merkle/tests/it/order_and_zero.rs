//! File order and zero amounts, checked against an independent implementation written here
//! (plain keccak256/sha256 over the documented byte layouts, no engine code): input-order
//! presets keep the file's order, `--no-sort` means it for every preset with a sort, and zero
//! rows are refused unless allowed, then kept in every preset.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_merkle::input::{read_records_with, InputFormat, ReadOptions};
use airdrop_merkle::{build, Address, Preset, TreeOptions, B256, U256};
use alloy_primitives::keccak256;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

// ---- the independent implementation -------------------------------------------------------

fn packed_leaf(a: &Address, v: &U256) -> B256 {
    let mut b = a.to_vec();
    b.extend_from_slice(&v.to_be_bytes::<32>());
    keccak256(b)
}

fn uniswap_leaf(i: u64, a: &Address, v: &U256) -> B256 {
    let mut b = U256::from(i).to_be_bytes::<32>().to_vec();
    b.extend_from_slice(a.as_slice());
    b.extend_from_slice(&v.to_be_bytes::<32>());
    keccak256(b)
}

fn oz_leaf(a: &Address, v: &U256) -> B256 {
    let mut b = [0u8; 64];
    b[12..32].copy_from_slice(a.as_slice());
    b[32..].copy_from_slice(&v.to_be_bytes::<32>());
    keccak256(keccak256(b))
}

fn keccak_pair(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    keccak256([lo.as_slice(), hi.as_slice()].concat())
}

/// merkletreejs with `sortPairs` only: leaves as given, an odd last node carried up.
fn sort_pairs_root(mut level: Vec<B256>) -> B256 {
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|c| {
                if c.len() == 2 {
                    keccak_pair(c[0], c[1])
                } else {
                    c[0]
                }
            })
            .collect();
    }
    level[0]
}

/// Uniswap/ENS style: leaves sorted by bytes, de-duplicated, then as above.
fn sorted_leaves_root(mut leaves: Vec<B256>) -> B256 {
    leaves.sort();
    leaves.dedup();
    sort_pairs_root(leaves)
}

/// OpenZeppelin's array: leaf i at the tail in reverse, parents of 2i+1 and 2i+2.
fn oz_root(leaves: &[B256]) -> B256 {
    let n = leaves.len();
    let mut tree = vec![B256::ZERO; 2 * n - 1];
    for (i, l) in leaves.iter().enumerate() {
        tree[2 * n - 2 - i] = *l;
    }
    for i in (0..n - 1).rev() {
        tree[i] = keccak_pair(tree[2 * i + 1], tree[2 * i + 2]);
    }
    tree[0]
}

fn sha(parts: &[&[u8]]) -> B256 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    B256::from_slice(&h.finalize())
}

fn jito_leaf(c: &[u8; 32], u: u64, l: u64) -> B256 {
    let node = sha(&[c, &u.to_le_bytes(), &l.to_le_bytes()]);
    sha(&[&[0u8], node.as_slice()])
}

/// Jito/Jupiter: input order, parent sha256(0x01 ‖ min ‖ max), odd node paired with itself.
fn jito_root(mut level: Vec<B256>) -> B256 {
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|c| {
                let (a, b) = (c[0], *c.get(1).unwrap_or(&c[0]));
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                sha(&[&[1u8], lo.as_slice(), hi.as_slice()])
            })
            .collect();
    }
    level[0]
}

/// ENS/Hop sharding by the first byte: a tree per shard (rows in file order), then a sorted tree
/// over the shard roots.
fn sharded_root(rows: &[(Address, U256)], sort: bool) -> B256 {
    let mut shards: std::collections::BTreeMap<u8, Vec<B256>> = Default::default();
    for (a, v) in rows {
        shards.entry(a[0]).or_default().push(packed_leaf(a, v));
    }
    let roots = shards
        .into_values()
        .map(|l| {
            if sort {
                sorted_leaves_root(l)
            } else {
                sort_pairs_root(l)
            }
        })
        .collect();
    sorted_leaves_root(roots)
}

// ---- driving the engine through its CSV reader ----------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Uniswap,
    UniswapNoSort,
    OzStandard,
    OzNoSort,
    Ens,
    EnsNoSort,
    Balancer,
    BalancerNoSort,
    Morpho,
    Jito,
}

const CASES: [Case; 10] = [
    Case::Uniswap,
    Case::UniswapNoSort,
    Case::OzStandard,
    Case::OzNoSort,
    Case::Ens,
    Case::EnsNoSort,
    Case::Balancer,
    Case::BalancerNoSort,
    Case::Morpho,
    Case::Jito,
];

impl Case {
    fn options(self) -> TreeOptions {
        let (preset, sort) = match self {
            Case::Uniswap => (Preset::Uniswap, true),
            Case::UniswapNoSort => (Preset::Uniswap, false),
            Case::OzStandard => (Preset::OzStandard, true),
            Case::OzNoSort => (Preset::OzStandard, false),
            Case::Ens => (Preset::Ens, true),
            Case::EnsNoSort => (Preset::Ens, false),
            Case::Balancer => (Preset::Balancer, true),
            Case::BalancerNoSort => (Preset::Balancer, false),
            Case::Morpho => (Preset::Morpho, false),
            Case::Jito => (Preset::Jito, false),
        };
        TreeOptions {
            sort,
            ..TreeOptions::new(preset)
        }
    }

    /// Whether the order of the file can change the root.
    fn order_matters(self) -> bool {
        !self.options().sort
    }

    /// The root by the independent implementation, rows in file order.
    fn expected(self, rows: &[Row]) -> B256 {
        let acc: Vec<(Address, U256)> = rows.iter().map(|r| (r.address(), r.amount())).collect();
        let packed = || {
            acc.iter()
                .map(|(a, v)| packed_leaf(a, v))
                .collect::<Vec<_>>()
        };
        match self {
            Case::Uniswap => {
                let mut keyed: Vec<_> = acc
                    .iter()
                    .map(|(a, v)| (a.to_checksum(None), *a, *v))
                    .collect();
                keyed.sort();
                let leaves = keyed
                    .iter()
                    .enumerate()
                    .map(|(i, (_, a, v))| uniswap_leaf(i as u64, a, v))
                    .collect();
                sorted_leaves_root(leaves)
            }
            Case::UniswapNoSort => sort_pairs_root(
                acc.iter()
                    .enumerate()
                    .map(|(i, (a, v))| uniswap_leaf(i as u64, a, v))
                    .collect(),
            ),
            Case::OzStandard | Case::OzNoSort => {
                let mut leaves: Vec<B256> = acc.iter().map(|(a, v)| oz_leaf(a, v)).collect();
                if self == Case::OzStandard {
                    leaves.sort();
                }
                oz_root(&leaves)
            }
            Case::Ens => sharded_root(&acc, true),
            Case::EnsNoSort => sharded_root(&acc, false),
            Case::Balancer => sorted_leaves_root(packed()),
            Case::BalancerNoSort | Case::Morpho => sort_pairs_root(packed()),
            Case::Jito => jito_root(
                rows.iter()
                    .map(|r| jito_leaf(&r.key, r.unlocked, r.locked))
                    .collect(),
            ),
        }
    }

    fn csv(self, rows: &[Row]) -> String {
        let mut s = String::new();
        if self == Case::Jito {
            s.push_str("pubkey,amount_unlocked,amount_locked\n");
            for r in rows {
                let pk = bs58::encode(r.key).into_string();
                s.push_str(&format!("{pk},{},{}\n", r.unlocked, r.locked));
            }
        } else {
            s.push_str("address,amount\n");
            for r in rows {
                s.push_str(&format!("{:#x},{}\n", r.address(), r.amount()));
            }
        }
        s
    }

    fn build(self, rows: &[Row], allow_zero: bool) -> Result<(B256, usize, usize), String> {
        let opts = self.options();
        let text = self.csv(rows);
        let read = ReadOptions {
            merge_duplicates: false,
            allow_zero,
        };
        let (records, report) = read_records_with(
            text.as_bytes(),
            "in.csv",
            InputFormat::Csv,
            &opts.leaf_encoding(),
            read,
        )
        .map_err(|e| e.to_string())?;
        let built = build(&opts, records).map_err(|e| e.to_string())?;
        built.check_all_proofs().map_err(|e| e.to_string())?;
        Ok((built.root(), built.len(), report.zero_rows.len()))
    }
}

/// One input row: a 32-byte key (its first 20 bytes are the EVM address) and amounts.
#[derive(Debug, Clone)]
struct Row {
    key: [u8; 32],
    unlocked: u64,
    locked: u64,
}

impl Row {
    fn address(&self) -> Address {
        Address::from_slice(&self.key[..20])
    }
    fn amount(&self) -> U256 {
        U256::from(self.unlocked) + U256::from(self.locked)
    }
    fn zero(mut self) -> Self {
        self.unlocked = 0;
        self.locked = 0;
        self
    }
}

fn rows(shared_first_byte: bool) -> impl Strategy<Value = Vec<Row>> {
    prop::collection::btree_map(any::<[u8; 32]>(), (1u64..u64::MAX / 4, 0u64..1000), 3..40)
        .prop_map(move |m| {
            m.into_iter()
                .map(|(mut key, (unlocked, locked))| {
                    if shared_first_byte {
                        key[0] = 0xab;
                    }
                    Row {
                        key,
                        unlocked,
                        locked,
                    }
                })
                .collect()
        })
        .prop_filter("distinct addresses", |v: &Vec<Row>| {
            let mut a: Vec<Address> = v.iter().map(Row::address).collect();
            a.sort();
            a.dedup();
            a.len() == v.len()
        })
}

fn rotate_one(rows: &[Row]) -> Vec<Row> {
    let mut r = rows.to_vec();
    r.rotate_left(1);
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Shuffled: the same root where order is irrelevant; where it matters, the root of the
    /// shuffled file as the independent implementation computes it, and moving the first row to
    /// the end (which changes every pairing) changes the root.
    #[test]
    fn shuffled_files_give_the_same_root_only_where_order_is_irrelevant(
        case in prop::sample::select(CASES.to_vec()),
        (original, shuffled) in rows(false)
            .prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        shared in rows(true),
    ) {
        // Sharded trees over random addresses put nearly every row in its own shard, where order
        // cannot matter; rows sharing a first byte share a shard.
        let (original, shuffled) = if case == Case::EnsNoSort {
            let mut s = shared.clone();
            s.reverse();
            (shared, s)
        } else {
            (original, shuffled)
        };
        let (root, n, _) = case.build(&original, false).unwrap();
        prop_assert_eq!(n, original.len());
        prop_assert_eq!(root, case.expected(&original), "{:?}", case);
        let (shuffled_root, _, _) = case.build(&shuffled, false).unwrap();
        prop_assert_eq!(shuffled_root, case.expected(&shuffled), "{:?}", case);
        let (rotated_root, _, _) = case.build(&rotate_one(&original), false).unwrap();
        if case.order_matters() {
            prop_assert_ne!(rotated_root, root, "{:?}", case);
        } else {
            prop_assert_eq!(shuffled_root, root, "{:?}", case);
            prop_assert_eq!(rotated_root, root, "{:?}", case);
        }
    }

    /// A zero row is refused, naming it, unless allowed; allowed, it is a leaf like any other.
    #[test]
    fn a_zero_row_is_refused_without_allow_zero_and_kept_with_it(
        case in prop::sample::select(CASES.to_vec()),
        mut rows in rows(false),
        at in any::<prop::sample::Index>(),
    ) {
        let k = at.index(rows.len());
        rows[k] = rows[k].clone().zero();
        let who = if case == Case::Jito {
            bs58::encode(rows[k].key).into_string()
        } else {
            rows[k].address().to_checksum(None)
        };
        let err = case.build(&rows, false).unwrap_err();
        prop_assert!(err.contains(&format!("amount is zero for {who}")), "{}", err);
        prop_assert!(err.contains(&format!("in.csv:{}", k + 2)), "{}", err);
        let (root, n, zeros) = case.build(&rows, true).unwrap();
        prop_assert_eq!((n, zeros), (rows.len(), 1));
        prop_assert_eq!(root, case.expected(&rows), "{:?}", case);
    }
}

/// Hand-made: five addresses whose file order is not their checksum order. On the engine before
/// this fix, morpho (and `--no-sort`) placed them in checksum order and got another root.
#[test]
fn morpho_and_no_sort_keep_the_file_order() {
    let text = "address,amount\n\
        0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,500\n\
        0x70997970C51812dc3A010C7d01b50e0d17dc79C8,300\n\
        0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,200\n\
        0x90F79bf6EB2c4f870365E785982E1f101E93b906,100\n\
        0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65,50\n";
    let rows: Vec<(Address, U256)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (a, v) = l.split_once(',').unwrap();
            (a.parse().unwrap(), v.parse().unwrap())
        })
        .collect();
    let in_order = sort_pairs_root(rows.iter().map(|(a, v)| packed_leaf(a, v)).collect());
    let uniswap_in_order = sort_pairs_root(
        rows.iter()
            .enumerate()
            .map(|(i, (a, v))| uniswap_leaf(i as u64, a, v))
            .collect(),
    );
    for (preset, sort, want) in [
        (Preset::Morpho, None, in_order),
        (Preset::Balancer, Some(false), in_order),
        (Preset::Uniswap, Some(false), uniswap_in_order),
    ] {
        let mut opts = TreeOptions::new(preset);
        if let Some(s) = sort {
            opts.sort = s;
        }
        let (records, _) = read_records_with(
            text.as_bytes(),
            "in.csv",
            InputFormat::Csv,
            &opts.leaf_encoding(),
            ReadOptions::default(),
        )
        .unwrap();
        let built = build(&opts, records).unwrap();
        assert_eq!(built.root(), want, "{preset} sort={sort:?}");
        // The claim index is the file position, as the leaf positions are.
        for (i, (a, _)) in rows.iter().enumerate() {
            assert_eq!(built.proof(a).unwrap().index, i as u64, "{preset}");
        }
    }
}

// ---- a corrupt proof is named by claim and level --------------------------------------------

struct Mem(Vec<u8>);

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

impl airdrop_merkle::Sink for Mem {
    fn create(&mut self, _: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        Ok(Box::new(W(&mut self.0)))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// One flipped byte anywhere in one claim's proof: refused, naming the address, its index
    /// and exactly the level whose hash was changed.
    #[test]
    fn a_flipped_proof_byte_is_named_at_its_level(
        case in prop::sample::select(vec![Case::Uniswap, Case::UniswapNoSort, Case::Balancer, Case::Morpho]),
        rows in rows(false),
        pick in any::<prop::sample::Index>(),
        level in any::<prop::sample::Index>(),
        byte in 0usize..32,
    ) {
        let opts = case.options();
        let entries = rows
            .iter()
            .map(|r| airdrop_merkle::Entry { address: r.address(), amount: r.amount() })
            .collect();
        let built = airdrop_merkle::build_claims(&opts, entries).unwrap();
        let mut sink = Mem(Vec::new());
        built.write(&mut sink).unwrap();
        let mut doc: serde_json::Value = serde_json::from_slice(&sink.0).unwrap();
        let who = rows[pick.index(rows.len())].address().to_checksum(None);
        let claim = &mut doc["claims"][&who];
        let index = claim["index"].as_u64().unwrap();
        let proof = claim["proof"].as_array_mut().unwrap();
        prop_assume!(!proof.is_empty());
        let k = level.index(proof.len());
        let mut h: B256 = proof[k].as_str().unwrap().parse().unwrap();
        h[byte] ^= 0x01;
        proof[k] = serde_json::json!(h);
        let err = airdrop_merkle::verify::verify_document("c.json", &doc).unwrap_err().to_string();
        prop_assert!(err.contains(&format!("the proof of {who} (index {index},")), "{}", err);
        prop_assert!(err.contains(&format!("fails at level {k},")), "{}", err);
    }
}
