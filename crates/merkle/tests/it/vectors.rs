//! Conformance against the test suites of the systems we must match, read in place from
//! `../shared/vectors/`.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_merkle::hash::NodeHash;
use airdrop_merkle::input::{read_records, InputFormat};
use airdrop_merkle::oz::OzTree;
use airdrop_merkle::verify::{find_claim, verify_document};
use airdrop_merkle::{build, Preset, Records, TreeOptions, B256};
use serde_json::Value;

use crate::support::{read, Mem};

fn build_json(opts: &TreeOptions, input: &str, name: &str) -> (airdrop_merkle::Built, Value) {
    let (records, _) = read_records(
        input.as_bytes(),
        name,
        InputFormat::from_name(name),
        &opts.leaf_encoding(),
        false,
    )
    .unwrap();
    let built = build(opts, records).unwrap();
    let mut sink = Mem::default();
    built.write(&mut sink).unwrap();
    let doc = sink.json("claims.json");
    (built, doc)
}

// ---------------------------------------------------------------- OpenZeppelin

fn oz_options(types: &[&str], sort: bool) -> TreeOptions {
    TreeOptions {
        encoding: Some(types.iter().map(|s| s.to_string()).collect()),
        sort,
        ..TreeOptions::new(Preset::OzStandard)
    }
}

/// Rebuilds a standard-v1 dump from its values (input order) and compares the whole tree array
/// and every value's tree index.
fn check_standard_dump(dump: &Value, sort: bool, expected_root: Option<&str>) {
    let types: Vec<&str> = dump["leafEncoding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let values: Vec<Value> = dump["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].clone())
        .collect();
    let input = serde_json::to_string(&values).unwrap();
    let (built, ours) = build_json(&oz_options(&types, sort), &input, "values.json");
    assert_eq!(ours["tree"], dump["tree"], "tree array differs");
    let ours_idx: Vec<&Value> = ours["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["treeIndex"])
        .collect();
    let theirs_idx: Vec<&Value> = dump["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["treeIndex"])
        .collect();
    assert_eq!(ours_idx, theirs_idx);
    assert_eq!(
        format!("{}", built.root()),
        dump["tree"][0].as_str().unwrap()
    );
    if let Some(root) = expected_root {
        assert_eq!(format!("{}", built.root()), root);
    }
    // Their dump verifies with our verifier, and so does ours.
    verify_document("theirs", dump).unwrap();
    verify_document("ours", &ours).unwrap();
    assert!(built.check_all_proofs().unwrap() > 0 || values.len() == 1);
}

fn check_simple_dump(dump: &Value, sort: bool, expected_root: &str) {
    let values: Vec<B256> = dump["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    if sort {
        order.sort_by(|&a, &b| values[a].cmp(&values[b]));
    }
    let placed: Vec<B256> = order.iter().map(|&i| values[i]).collect();
    let tree = OzTree::build(&placed).unwrap();
    let theirs: Vec<B256> = dump["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(tree.nodes(), &theirs[..]);
    for (pos, &vi) in order.iter().enumerate() {
        assert_eq!(
            dump["values"][vi]["treeIndex"].as_u64().unwrap() as usize,
            tree.tree_index(pos)
        );
    }
    assert_eq!(format!("{}", tree.root()), expected_root);
    verify_document("simple", dump).unwrap();
}

#[test]
fn openzeppelin_json_dumps_rebuild_byte_for_byte() {
    let std_sorted: Value =
        serde_json::from_str(&read("openzeppelin/standard-v1.sorted.1_0_6.json")).unwrap();
    check_standard_dump(
        &std_sorted,
        true,
        Some("0x6deb52b5da8fd108f79fab00341f38d2587896634c646ee52e49f845680a70c8"),
    );
    let std_unsorted: Value =
        serde_json::from_str(&read("openzeppelin/standard-v1.unsorted.1_0_6.json")).unwrap();
    check_standard_dump(
        &std_unsorted,
        false,
        Some("0x23be0977360f08bb0bd7f709a7d543d2cd779c79c66d74e0441919871647de2b"),
    );
    let simple_sorted: Value =
        serde_json::from_str(&read("openzeppelin/simple-v1.sorted.1_0_6.json")).unwrap();
    check_simple_dump(
        &simple_sorted,
        true,
        "0x1b404f199ea828ec5771fb30139c222d8417a82175fefad5cd42bc3a189bd8d5",
    );
    let simple_unsorted: Value =
        serde_json::from_str(&read("openzeppelin/simple-v1.unsorted.1_0_6.json")).unwrap();
    check_simple_dump(
        &simple_unsorted,
        false,
        "0x9012f1e18a87790d2e01faace75aaaca38e53df437cdce2c0552464dda4af49c",
    );
}

/// Parses the JavaScript literals AVA writes into its snapshot reports.
struct Js<'a> {
    s: &'a [u8],
    i: usize,
}

impl Js<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_whitespace() {
            self.i += 1;
        }
    }
    fn value(&mut self) -> Value {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut map = serde_json::Map::new();
                loop {
                    self.ws();
                    if self.s[self.i] == b'}' {
                        self.i += 1;
                        return Value::Object(map);
                    }
                    let start = self.i;
                    while self.s[self.i] != b':' {
                        self.i += 1;
                    }
                    let key = String::from_utf8(self.s[start..self.i].to_vec())
                        .unwrap()
                        .trim()
                        .to_owned();
                    self.i += 1;
                    let v = self.value();
                    map.insert(key, v);
                    self.ws();
                    if self.s[self.i] == b',' {
                        self.i += 1;
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.s[self.i] == b']' {
                        self.i += 1;
                        return Value::Array(items);
                    }
                    items.push(self.value());
                    self.ws();
                    if self.s[self.i] == b',' {
                        self.i += 1;
                    }
                }
            }
            b'\'' => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s[self.i] {
                        b'\'' => {
                            self.i += 1;
                            return Value::String(String::from_utf8(out).unwrap());
                        }
                        b'\\' => {
                            let c = self.s[self.i + 1];
                            self.i += 2;
                            match c {
                                b'n' => out.push(b'\n'),
                                b't' => out.push(b'\t'),
                                b'r' => out.push(b'\r'),
                                b'0' => out.push(0),
                                b'x' => {
                                    let h =
                                        std::str::from_utf8(&self.s[self.i..self.i + 2]).unwrap();
                                    out.push(u8::from_str_radix(h, 16).unwrap());
                                    self.i += 2;
                                }
                                b'u' => {
                                    let h =
                                        std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                                    let ch = char::from_u32(u32::from_str_radix(h, 16).unwrap())
                                        .unwrap();
                                    out.extend_from_slice(ch.to_string().as_bytes());
                                    self.i += 4;
                                }
                                other => out.push(other),
                            }
                        }
                        b => {
                            out.push(b);
                            self.i += 1;
                        }
                    }
                }
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && !b",]}\n".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let tok = std::str::from_utf8(&self.s[start..self.i]).unwrap().trim();
                match tok {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    // BigInts (`123n`) stay exact as strings; small integers are numbers.
                    t if t.ends_with('n') => Value::String(t.trim_end_matches('n').to_owned()),
                    t => Value::Number(t.parse::<u64>().unwrap().into()),
                }
            }
        }
    }
}

fn ava_dumps(md: &str) -> Vec<Value> {
    let section = &md[md.find("## dump").unwrap()..];
    section
        .split("> Snapshot")
        .skip(1)
        .map(|chunk| {
            let start = chunk.find('{').unwrap();
            Js {
                s: &chunk.as_bytes()[start..],
                i: 0,
            }
            .value()
        })
        .collect()
}

#[test]
fn openzeppelin_snapshot_dumps_rebuild_byte_for_byte() {
    let dumps = ava_dumps(&read("openzeppelin/standard.test.ts.md"));
    assert_eq!(dumps.len(), 2);
    assert_eq!(
        dumps[0]["leafEncoding"],
        serde_json::json!(["uint256", "string[]"])
    );
    // Snapshot 1 is the default (sorted leaves), snapshot 2 keeps input order.
    check_standard_dump(&dumps[0], true, None);
    check_standard_dump(&dumps[1], false, None);

    // Snapshots with `hash: 'custom'` use a node hash defined only inside that test suite.
    let simple: Vec<Value> = ava_dumps(&read("openzeppelin/simple.test.ts.md"))
        .into_iter()
        .filter(|d| d.get("hash").is_none())
        .collect();
    assert_eq!(simple.len(), 2);
    for (dump, sort) in simple.iter().zip([true, false]) {
        let root = dump["tree"][0].as_str().unwrap().to_owned();
        check_simple_dump(dump, sort, &root);
    }
}

#[test]
fn openzeppelin_multiproofs_verify_on_the_vector_tree() {
    let dump: Value =
        serde_json::from_str(&read("openzeppelin/standard-v1.sorted.1_0_6.json")).unwrap();
    let nodes: Vec<B256> = dump["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect();
    let tree = OzTree::from_array(nodes).unwrap();
    let leaves: Vec<usize> = (tree.nodes().len() / 2..tree.nodes().len()).collect();
    for k in 0..=leaves.len() {
        let mp = tree.multiproof(&leaves[..k]).unwrap();
        assert_eq!(
            airdrop_merkle::oz::process_multiproof(&mp).unwrap(),
            tree.root()
        );
    }
}

// ---------------------------------------------------------------- Uniswap

#[test]
fn uniswap_example_gives_the_published_result() {
    let (built, ours) = build_json(
        &TreeOptions::new(Preset::Uniswap),
        &read("uniswap/example.json"),
        "example.json",
    );
    let expected: Value = serde_json::from_str(&read("uniswap/result.json")).unwrap();
    assert_eq!(
        format!("{}", built.root()),
        "0xdefa96435aec82d201dbd2e5f050fb4e1fef5edac90ce1e03953f916a5e1132d"
    );
    assert_eq!(ours["merkleRoot"], expected["merkleRoot"]);
    assert_eq!(ours["tokenTotal"], expected["tokenTotal"]);
    assert_eq!(ours["claims"], expected["claims"]);
}

#[test]
fn uniswap_extra_examples_round_trip() {
    for name in ["complex_example.json", "new_example.json"] {
        let (built, ours) = build_json(
            &TreeOptions::new(Preset::Uniswap),
            &read(&format!("uniswap/{name}")),
            name,
        );
        let report = verify_document(name, &ours).unwrap();
        assert_eq!(report.root, built.root());
        assert_eq!(report.claims, built.len());
        built.check_all_proofs().unwrap();
    }
}

/// Derives `m/44'/60'/0'/0/i` addresses the way ganache and hardhat do: the phrase's seed is
/// used without a BIP-39 checksum check (waffle's "horn horn …" phrase has none).
fn derive_addresses(mnemonic: &str, n: u32) -> Vec<String> {
    let phrase = bip39::Mnemonic::parse_in_normalized_without_checksum_check(
        bip39::Language::English,
        mnemonic,
    )
    .unwrap();
    let seed = phrase.to_seed("");
    let root = coins_bip32::xkeys::XPriv::root_from_seed(&seed, None).unwrap();
    (0..n)
        .map(|i| {
            let key = root
                .derive_path(format!("m/44'/60'/0'/0/{i}").as_str())
                .unwrap();
            let signing: &coins_bip32::ecdsa::SigningKey = key.as_ref();
            alloy_signer_local::PrivateKeySigner::from_slice(&signing.to_bytes())
                .unwrap()
                .address()
                .to_checksum(None)
        })
        .collect()
}

/// Reads the `parseBalanceMap` test of a Uniswap test file: the balances given and the claims
/// expected, with `wallet0`, `wallet1`, `wallets[2]` resolved to addresses.
fn parse_balance_map_case(src: &str, wallets: &[String]) -> (Value, Value) {
    let resolve = |name: &str| -> String {
        match name {
            "wallet0" => wallets[0].clone(),
            "wallet1" => wallets[1].clone(),
            n => {
                let i: usize = n
                    .trim_start_matches("wallets[")
                    .trim_end_matches(']')
                    .parse()
                    .unwrap();
                wallets[i].clone()
            }
        }
    };
    let key_of = |line: &str| -> Option<String> {
        let l = line.trim();
        let inner = l.strip_prefix('[')?.split(".address]").next()?;
        Some(resolve(inner))
    };
    let start = src.find("parseBalanceMap({").unwrap();
    let block = &src[start..src[start..].find("})").unwrap() + start];
    let mut balances = serde_json::Map::new();
    for line in block.lines().skip(1) {
        if let Some(k) = key_of(line) {
            let amount: u64 = line
                .split(':')
                .nth(1)
                .unwrap()
                .trim()
                .trim_end_matches(',')
                .parse()
                .unwrap();
            balances.insert(k, amount.into());
        }
    }
    let start = src.find("check the proofs is as expected").unwrap();
    let block = &src[start..start + src[start..].find("})\n").unwrap()];
    let mut claims = serde_json::Map::new();
    let mut current: Option<String> = None;
    let mut entry = serde_json::Map::new();
    let mut proof: Vec<Value> = Vec::new();
    for line in block.lines() {
        let l = line.trim();
        if let Some(k) = key_of(l) {
            current = Some(k);
            entry = serde_json::Map::new();
            proof.clear();
        } else if let Some(v) = l.strip_prefix("index: ") {
            entry.insert(
                "index".into(),
                v.trim_end_matches(',').parse::<u64>().unwrap().into(),
            );
        } else if let Some(v) = l.strip_prefix("amount: ") {
            entry.insert(
                "amount".into(),
                v.trim_end_matches(',').trim_matches('\'').into(),
            );
        } else if l.starts_with("'0x") || l.starts_with("proof: ['0x") {
            for h in l.split('\'').filter(|s| s.starts_with("0x")) {
                proof.push(h.into());
            }
        }
        if (l == "}," || l == "}") && current.is_some() {
            entry.insert("proof".into(), Value::Array(proof.clone()));
            claims.insert(current.take().unwrap(), Value::Object(entry.clone()));
        }
    }
    (Value::Object(balances), Value::Object(claims))
}

fn check_parse_balance_map(file: &str, wallets: &[String], implied_root: &str) {
    let src = read(file);
    let (balances, expected) = parse_balance_map_case(&src, wallets);
    assert_eq!(expected.as_object().unwrap().len(), 3, "parsed {expected}");
    let (built, ours) = build_json(
        &TreeOptions::new(Preset::Uniswap),
        &balances.to_string(),
        "balances.json",
    );
    assert_eq!(ours["tokenTotal"], "0x02ee");
    verify_document(file, &ours).unwrap();
    assert_eq!(ours["claims"], expected);
    assert_eq!(format!("{}", built.root()), implied_root);
}

#[test]
fn uniswap_parse_balance_map_expectations_hold() {
    // Hardhat's default accounts, derived here from its well-known development phrase.
    let hardhat = derive_addresses(
        "test test test test test test test test test test test junk",
        3,
    );
    check_parse_balance_map(
        "uniswap/MerkleDistributor.test.ts",
        &hardhat,
        "0xfa438d67adba59048c48cd14c4cd5ff18d99a4e4e2729b3cf81b51c46223bd22",
    );
    // Waffle's MockProvider ignores the mnemonic it is given and uses its built-in default
    // accounts; these are their public addresses.
    let waffle = [
        "0x17ec8597ff92C3F44523bDc65BF0f1bE632917ff",
        "0x63FC2aD3d021a4D7e64323529a55a9442C444dA0",
        "0xD1D84F0e28D6fedF03c73151f98dF95139700aa7",
    ]
    .map(String::from);
    check_parse_balance_map(
        "uniswap/MerkleDistributor.spec.ts.old",
        &waffle,
        "0x2ec9c2fc2a55df417ba88ecd833f165fa3c5941772ebaf8c5f4debe33f4d1b12",
    );
}

// ---------------------------------------------------------------- Jito / Jupiter

#[test]
fn jito_and_jupiter_trees_verify_and_rebuild() {
    let cases = [
        ("jito/jito_test_merkle_tree_3.json", "e9d8bcb1", "2e7dab"),
        ("jito/jito_merkle_tree_21.json", "2dbfc7b2", "b454"),
        ("jito/jup_merkle_tree_3.json", "c8545cf2", "37ee"),
        ("jito/jup_merkle_tree_test_csv_100.json", "264791c6", "da5b"),
    ];
    for (file, head, tail) in cases {
        let doc: Value = serde_json::from_str(&read(file)).unwrap();
        let report = verify_document(file, &doc).unwrap();
        let hex = format!("{:x}", report.root);
        assert!(
            hex.starts_with(head) && hex.ends_with(tail),
            "{file}: {hex}"
        );
        // Rebuild from the claimants through the builder, in file order.
        let nodes = doc["tree_nodes"].as_array().unwrap();
        let entries = nodes
            .iter()
            .map(|n| {
                let claimant: Vec<u8> = n["claimant"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b.as_u64().unwrap() as u8)
                    .collect();
                let q = find_claim(file, &doc, &bs58_of(&claimant)).unwrap();
                airdrop_merkle::SolanaEntry {
                    claimant: claimant.try_into().unwrap(),
                    unlocked: q["amount_unlocked"].as_u64().unwrap(),
                    locked: q["amount_locked"].as_u64().unwrap(),
                }
            })
            .collect();
        let built = build(&TreeOptions::new(Preset::Jito), Records::Solana(entries)).unwrap();
        assert_eq!(built.root(), report.root, "{file}");
        assert_eq!(built.node_hash(), NodeHash::Sha256Prefixed);
        built.check_all_proofs().unwrap();
        // And our own output of it verifies and matches their proofs.
        let mut sink = Mem::default();
        built.write(&mut sink).unwrap();
        let ours = sink.json("claims.json");
        assert_eq!(ours["merkle_root"], doc["merkle_root"]);
        for (a, b) in ours["tree_nodes"].as_array().unwrap().iter().zip(nodes) {
            assert_eq!(a["proof"], b["proof"], "{file}");
        }
    }
}

fn bs58_of(bytes: &[u8]) -> String {
    // The test's own tiny base58 encoder keeps it independent of the library's.
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut digits: Vec<u8> = vec![0];
    for &b in bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            carry += (*d as u32) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut s: String = std::iter::repeat_n('1', zeros).collect();
    s.extend(
        digits
            .iter()
            .rev()
            .skip_while(|&&d| d == 0)
            .map(|&d| ALPHABET[d as usize] as char),
    );
    s
}

#[test]
fn jito_csv_inputs_build() {
    for file in ["jito/jito_test_csv.csv", "jito/jup_test_csv.csv"] {
        let (built, ours) = build_json(&TreeOptions::new(Preset::Jito), &read(file), file);
        assert_eq!(built.len(), 3);
        verify_document(file, &ours).unwrap();
    }
    // Jupiter's decimal CSV has fractional amounts: base units must be integers.
    let text = read("jito/jup_test_csv_decimal.csv");
    let err = read_records(
        text.as_bytes(),
        "jup_test_csv_decimal.csv",
        InputFormat::Csv,
        &Preset::Jito.leaf_encoding(),
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("jup_test_csv_decimal.csv:2"),
        "{err}"
    );
    assert!(err.to_string().contains("fractional"), "{err}");
}
