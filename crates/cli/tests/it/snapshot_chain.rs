//! `airdrop snapshot` against a real anvil: thousands of ERC-20 and ERC-721 transfers (mints,
//! burns, self-transfers, transfers after the snapshot block) over hundreds of blocks; every
//! snapshot must equal the truth computed here independently from the operations we sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support;

use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, B256, U256};
use serde_json::Value;
use snapshot_support::{airdrop, bytecode, Anvil, Driver, FaultProxy, Faults};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

alloy::sol! {
    interface IToken {
        function transfer(address to, uint256 amount) external returns (bool);
        function mint(address to, uint256 amount) external;
        function shuffle(address[] from, address[] to, uint256[] amounts) external;
        function rebase(uint256 newScale) external;
    }
    interface INft {
        function mint(address to, uint256 id) external;
        function shuffle(address[] to, uint256[] ids) external;
    }
    interface IForwarder {
        function pay(address[] to, uint256[] amounts) external payable;
    }
}

/// The shared chain and the truth about it.
struct Fixture {
    anvil: Anvil,
    token: Address,
    nft: Address,
    token_deployed: u64,
    /// The snapshot block.
    block: u64,
    head: u64,
    erc20: BTreeMap<Address, U256>,
    nft_owners: BTreeMap<Address, Vec<U256>>,
    /// ETH sent to fresh addresses up to the snapshot block.
    eth: BTreeMap<Address, U256>,
    /// Every address that sent or received a transaction in [token_deployed, block].
    tx_parties: BTreeSet<Address>,
    /// contract users of the token: address → (first block, txs sent to it, Transfer events naming it).
    users: BTreeMap<Address, (u64, u64, u64)>,
    /// Every ERC-20 transfer as (block, from, to, value), including those after the snapshot.
    transfers: Vec<(u64, Address, Address, U256)>,
    erc20_ops: usize,
    nft_ops: usize,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(build_fixture)
}

fn rand_address(rng: &mut fastrand::Rng) -> Address {
    let mut b = [0u8; 20];
    b.iter_mut().for_each(|x| *x = rng.u8(..));
    Address::from(b)
}

fn build_fixture() -> Fixture {
    let anvil = Anvil::start(&["--gas-limit", "1000000000"]);
    let d = Driver::new(&anvil.url);
    let accounts = d.accounts();
    let (deployer, spenders, eth_sender) = (accounts[0], &accounts[1..4], accounts[4]);
    let mut rng = fastrand::Rng::with_seed(7);

    d.mine_empty(40);
    let (token, token_deployed) = d.deploy(
        deployer,
        bytecode("TestToken"),
        ("Test Token".to_string(), "TT".to_string()).abi_encode_params(),
    );
    d.mine_empty(5);
    let (nft, _) = d.deploy(deployer, bytecode("TestNFT"), Vec::new());

    // Holders: random EOAs, plus the NFT contract (a contract holder for --exclude-contracts).
    let mut pool: Vec<Address> = (0..250).map(|_| rand_address(&mut rng)).collect();
    pool.push(nft);
    let fresh: Vec<Address> = (0..30).map(|_| rand_address(&mut rng)).collect();

    let mut bal: BTreeMap<Address, U256> = BTreeMap::new();
    let mut owners: BTreeMap<U256, Address> = BTreeMap::new();
    let mut eth: BTreeMap<Address, U256> = BTreeMap::new();
    let mut transfers = Vec::new();
    let mut users: BTreeMap<Address, (u64, u64, u64)> = BTreeMap::new();
    let mut tx_parties: BTreeSet<Address> = [deployer, token, nft].into_iter().collect();
    let mut next_id = 1u64;
    let (mut erc20_ops, mut nft_ops) = (0usize, 0usize);
    let rounds = 24;
    let snapshot_round = 17;
    let mut snapshot_block = 0;

    let touch_user = |users: &mut BTreeMap<Address, (u64, u64, u64)>,
                      a: Address,
                      block: u64,
                      tx: u64,
                      ev: u64| {
        if a != Address::ZERO {
            let e = users.entry(a).or_insert((block, 0, 0));
            e.0 = e.0.min(block);
            e.1 += tx;
            e.2 += ev;
        }
    };

    // Give the spenders tokens they move later with plain transfer() calls.
    for s in spenders {
        let amount = U256::from(10u64).pow(U256::from(24u64));
        let h = d.send(
            deployer,
            Some(token),
            IToken::mintCall { to: *s, amount }.abi_encode(),
            U256::ZERO,
        );
        let block = d.expect_success(&[h])[0].0;
        *bal.entry(*s).or_default() += amount;
        transfers.push((block, Address::ZERO, *s, amount));
        touch_user(&mut users, deployer, block, 1, 0);
        touch_user(&mut users, *s, block, 0, 1);
        erc20_ops += 1;
    }

    d.set_automine(false);
    for round in 0..rounds {
        // Block A: shuffles from the deployer only (nonce order = our order).
        let mut hashes = Vec::new();
        let mut round_ops: Vec<(Address, Address, U256)> = Vec::new();
        for _ in 0..3 {
            let (mut from, mut to, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..50 {
                let roll = rng.u32(0..100);
                let holder = {
                    let funded: Vec<Address> = pool
                        .iter()
                        .copied()
                        .filter(|a| bal.get(a).is_some_and(|b| !b.is_zero()))
                        .collect();
                    if funded.is_empty() || roll < 25 {
                        None
                    } else {
                        Some(funded[rng.usize(..funded.len())])
                    }
                };
                let (f, t, v) = match holder {
                    None => (
                        Address::ZERO,
                        pool[rng.usize(..pool.len())],
                        U256::from(rng.u128(1..1_000_000_000_000_000_000_000)),
                    ),
                    Some(h) => {
                        let b = bal[&h];
                        let v = if rng.u32(0..4) == 0 {
                            b
                        } else {
                            b / U256::from(rng.u64(1..10))
                        };
                        match roll {
                            25..=34 => (h, Address::ZERO, v),
                            35..=44 => (h, h, v),
                            _ => (h, pool[rng.usize(..pool.len())], v),
                        }
                    }
                };
                if f != Address::ZERO {
                    *bal.get_mut(&f).unwrap() -= v;
                }
                if t != Address::ZERO {
                    *bal.entry(t).or_default() += v;
                }
                from.push(f);
                to.push(t);
                amounts.push(v);
                round_ops.push((f, t, v));
            }
            hashes.push(d.send(
                deployer,
                Some(token),
                IToken::shuffleCall { from, to, amounts }.abi_encode(),
                U256::ZERO,
            ));
        }
        let mut nft_round: Vec<(Address, U256)> = Vec::new();
        for _ in 0..2 {
            let (mut to, mut ids) = (Vec::new(), Vec::new());
            for _ in 0..40 {
                let roll = rng.u32(0..100);
                let (t, id) = if owners.is_empty() || roll < 40 {
                    next_id += 1;
                    (pool[rng.usize(..pool.len())], U256::from(next_id - 1))
                } else {
                    let keys: Vec<U256> = owners.keys().copied().collect();
                    let id = keys[rng.usize(..keys.len())];
                    match roll {
                        40..=49 => (owners[&id], id),
                        50..=59 => (Address::ZERO, id),
                        _ => (pool[rng.usize(..pool.len())], id),
                    }
                };
                if t == Address::ZERO {
                    owners.remove(&id);
                } else {
                    owners.insert(id, t);
                }
                to.push(t);
                ids.push(id);
                nft_round.push((t, id));
            }
            hashes.push(d.send(
                deployer,
                Some(nft),
                INft::shuffleCall { to, ids }.abi_encode(),
                U256::ZERO,
            ));
        }
        let block_a = d.mine();
        d.expect_success(&hashes);
        erc20_ops += round_ops.len();
        nft_ops += nft_round.len();
        for (f, t, v) in &round_ops {
            transfers.push((block_a, *f, *t, *v));
            touch_user(&mut users, *f, block_a, 0, 1);
            if t != f {
                touch_user(&mut users, *t, block_a, 0, 1);
            }
        }
        touch_user(&mut users, deployer, block_a, 3, 0);

        // Block B: plain transfer() calls from the spenders, and ETH to fresh addresses.
        let mut hashes = Vec::new();
        let mut plain = Vec::new();
        for s in spenders {
            let to = pool[rng.usize(..pool.len())];
            let v = U256::from(rng.u64(1..1_000_000_000_000_000_000));
            hashes.push(d.send(
                *s,
                Some(token),
                IToken::transferCall { to, amount: v }.abi_encode(),
                U256::ZERO,
            ));
            plain.push((*s, to, v));
        }
        let mut eth_round = Vec::new();
        for _ in 0..2 {
            let to = fresh[rng.usize(..fresh.len())];
            let v = U256::from(rng.u64(1..1_000_000_000_000_000_000));
            hashes.push(d.send(eth_sender, Some(to), Vec::new(), v));
            eth_round.push((to, v));
        }
        let block_b = d.mine();
        d.expect_success(&hashes);
        for (s, t, v) in plain {
            *bal.get_mut(&s).unwrap() -= v;
            *bal.entry(t).or_default() += v;
            transfers.push((block_b, s, t, v));
            erc20_ops += 1;
            touch_user(&mut users, s, block_b, 1, 1);
            touch_user(&mut users, t, block_b, 0, 1);
        }
        if round <= snapshot_round {
            for (to, v) in eth_round {
                *eth.entry(to).or_default() += v;
                tx_parties.insert(to);
            }
            tx_parties.insert(eth_sender);
            tx_parties.extend(spenders.iter().copied());
        }
        d.mine_empty(rng.u64(3..40));
        if round == snapshot_round {
            snapshot_block = d.block_number();
            // Freeze the truth at the snapshot block; later rounds must not show up.
            frozen_truth(
                &bal,
                &owners,
                &users,
                snapshot_block,
                &mut FROZEN.lock().unwrap(),
            );
        }
    }
    d.set_automine(true);
    let head = d.block_number();
    let frozen = FROZEN.lock().unwrap().take().unwrap();
    Fixture {
        token,
        nft,
        token_deployed,
        block: snapshot_block,
        head,
        erc20: frozen.0,
        nft_owners: frozen.1,
        eth,
        tx_parties,
        users: frozen.2,
        transfers,
        erc20_ops,
        nft_ops,
        anvil,
    }
}

type Frozen = (
    BTreeMap<Address, U256>,
    BTreeMap<Address, Vec<U256>>,
    BTreeMap<Address, (u64, u64, u64)>,
);
static FROZEN: std::sync::Mutex<Option<Frozen>> = std::sync::Mutex::new(None);

fn frozen_truth(
    bal: &BTreeMap<Address, U256>,
    owners: &BTreeMap<U256, Address>,
    users: &BTreeMap<Address, (u64, u64, u64)>,
    _block: u64,
    slot: &mut Option<Frozen>,
) {
    let erc20 = bal
        .iter()
        .filter(|(_, b)| !b.is_zero())
        .map(|(a, b)| (*a, *b))
        .collect();
    let mut holdings: BTreeMap<Address, Vec<U256>> = BTreeMap::new();
    for (id, a) in owners {
        holdings.entry(*a).or_default().push(*id);
    }
    *slot = Some((erc20, holdings, users.clone()));
}

fn s(x: impl ToString) -> String {
    x.to_string()
}

fn snapshot_args(f: &Fixture, rpc: &str, kind: &str, out: &Path) -> Vec<String> {
    vec![
        s("snapshot"),
        s("--rpc"),
        s(rpc),
        s("--kind"),
        s(kind),
        s("--block"),
        s(f.block),
        s("--out"),
        s(out.display()),
    ]
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn meta(path: &Path) -> Value {
    let mut p = path.as_os_str().to_owned();
    p.push(".meta.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn erc20_expected(f: &Fixture, drop: &BTreeSet<Address>) -> String {
    let mut out = String::from("address,balance\n");
    for (a, b) in &f.erc20 {
        if !drop.contains(a) {
            out.push_str(&format!("{a},{b}\n"));
        }
    }
    out
}

#[test]
fn erc20_snapshot_equals_truth() {
    let f = fixture();
    assert!(
        f.erc20_ops > 3000 && f.nft_ops > 1500,
        "{} {}",
        f.erc20_ops,
        f.nft_ops
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("holders.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &out);
    args.extend([s("--token"), s(f.token), s("--chain-id"), s("31337")]);
    let (ok, stdout, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(&format!("{} rows", f.erc20.len())),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        erc20_expected(f, &BTreeSet::new())
    );
    let m = meta(&out);
    let d = Driver::new(&f.anvil.url);
    assert_eq!(
        m["block_hash"].as_str().unwrap(),
        d.block_hash(f.block).to_string()
    );
    assert_eq!(m["chain_id"], 31337);
    assert_eq!(
        m["from_block"].as_u64().unwrap(),
        f.token_deployed,
        "deploy block by binary search"
    );
    // Every address the logs named is proven against balanceOf, not a sample.
    let named: BTreeSet<Address> = f
        .transfers
        .iter()
        .filter(|t| t.0 <= f.block)
        .flat_map(|t| [t.1, t.2])
        .filter(|a| *a != Address::ZERO)
        .collect();
    assert_eq!(m["verification"]["rule"], "all");
    assert_eq!(m["verification"]["checked"], named.len());
    assert_eq!(m["verification"]["addresses"], named.len());
    assert_eq!(m["verification"]["total_supply"], true);
    assert_eq!(m["verified_sample"], named.len());
    assert!(m.get("warnings").is_none(), "{m}");
    let total: U256 = f.erc20.values().copied().sum();
    assert_eq!(m["total"].as_str().unwrap(), format!("{total:#x}"));
    // No checkpoint is left behind after a completed run.
    assert!(!dir.path().join("holders.csv.checkpoint.json").exists());

    // A threshold drops small holders.
    let min = U256::from(10u64).pow(U256::from(21u64));
    let out2 = dir.path().join("big.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &out2);
    args.extend([
        s("--token"),
        s(f.token),
        s("--min"),
        s(min),
        s("--verify-sample"),
        s(0),
    ]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    let rows = read_csv(&out2);
    assert_eq!(
        rows.len() - 1,
        f.erc20.values().filter(|b| **b >= min).count()
    );
}

#[test]
fn erc721_snapshot_equals_truth() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nft.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc721-holders", &out);
    args.extend([s("--token"), s(f.nft)]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    let mut expected = String::from("address,count,token_ids\n");
    for (a, ids) in &f.nft_owners {
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        expected.push_str(&format!("{a},{},{}\n", ids.len(), ids.join(";")));
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    assert!(meta(&out)["verified_sample"].as_u64().unwrap() > 0);
}

#[test]
fn exclude_contracts_with_allowlist() {
    let f = fixture();
    assert!(
        f.erc20.contains_key(&f.nft),
        "the NFT contract holds tokens in the fixture"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("eoa.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &out);
    args.extend([s("--token"), s(f.token), s("--exclude-contracts")]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        erc20_expected(f, &[f.nft].into_iter().collect())
    );
    assert_eq!(meta(&out)["excluded_contracts"], 1);

    let out = dir.path().join("allowed.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &out);
    args.extend([
        s("--token"),
        s(f.token),
        s("--exclude-contracts"),
        s("--allow"),
        s(f.nft),
    ]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        erc20_expected(f, &BTreeSet::new())
    );
}

#[test]
fn native_balances_from_block_range_and_from_file() {
    let f = fixture();
    let d = Driver::new(&f.anvil.url);
    let dir = tempfile::tempdir().unwrap();
    // Candidates from every sender and recipient in the range.
    let out = dir.path().join("eth.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "native-balances", &out);
    args.extend([
        s("--from-block"),
        s(f.token_deployed),
        s("--exclude-contracts"),
    ]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    let rows = read_csv(&out);
    assert_eq!(rows[0], vec!["address", "balance"]);
    let got: BTreeMap<Address, U256> = rows[1..]
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()))
        .collect();
    let expected: BTreeSet<Address> = f
        .tx_parties
        .iter()
        .copied()
        .filter(|a| *a != f.token && *a != f.nft)
        .collect();
    assert_eq!(got.keys().copied().collect::<BTreeSet<_>>(), expected);
    for (a, v) in &f.eth {
        assert_eq!(got[a], *v, "ETH sent to fresh address {a}");
    }
    for a in got.keys().filter(|a| !f.eth.contains_key(*a)) {
        assert_eq!(got[a], d.balance(*a, f.block), "dev account {a}");
    }

    // Candidates from a file (CSV with an address column).
    let list = dir.path().join("candidates.csv");
    let mut text = String::from("address,note\n");
    for a in f.eth.keys() {
        text.push_str(&format!("{a},fresh\n"));
    }
    text.push_str(&format!("{},never funded\n", Address::with_last_byte(0x77)));
    std::fs::write(&list, text).unwrap();
    let out = dir.path().join("eth2.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "native-balances", &out);
    args.extend([s("--addresses"), s(list.display())]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    let mut expected = String::from("address,balance\n");
    for (a, v) in &f.eth {
        expected.push_str(&format!("{a},{v}\n"));
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
}

#[test]
fn contract_users_from_transactions_and_events() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("users.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "contract-users", &out);
    args.extend([
        s("--contract"),
        s(f.token),
        s("--event"),
        s("Transfer(address indexed from, address indexed to, uint256 value)"),
    ]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    let mut expected = String::from("address,first_block,tx_count,event_count\n");
    for (a, (first, txs, evs)) in &f.users {
        expected.push_str(&format!("{a},{first},{txs},{evs}\n"));
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
}

#[test]
fn imported_transfers_equal_the_chain_snapshot() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    // A warehouse-style export: every transfer, including those after the snapshot block.
    let export = dir.path().join("transfers.csv");
    let mut text = String::from("block_number,from_address,to_address,value_string,erc20\n");
    for (b, from, to, v) in &f.transfers {
        text.push_str(&format!("{b},{from},{to},{v},{}\n", f.token));
    }
    std::fs::write(&export, text).unwrap();
    let out = dir.path().join("imported.csv");
    let (ok, stdout, stderr) = airdrop(&[
        s("snapshot"),
        s("--kind"),
        s("import-transfers"),
        s("--file"),
        s(export.display()),
        s("--block"),
        s(f.block),
        s("--token"),
        s(f.token),
        s("--out"),
        s(out.display()),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("rows"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        erc20_expected(f, &BTreeSet::new())
    );
    assert_eq!(meta(&out)["kind"], "import-transfers");

    // A balances export as JSON, read back into the same rows.
    let json = dir.path().join("balances.json");
    let items: Vec<Value> = f
        .erc20
        .iter()
        .map(|(a, b)| serde_json::json!({"address": a.to_string(), "balance": b.to_string()}))
        .collect();
    std::fs::write(&json, serde_json::to_string(&items).unwrap()).unwrap();
    let out2 = dir.path().join("imported2.csv");
    let (ok, _, stderr) = airdrop(&[
        s("snapshot"),
        s("--kind"),
        s("import-balances"),
        s("--file"),
        s(json.display()),
        s("--out"),
        s(out2.display()),
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out2).unwrap(),
        erc20_expected(f, &BTreeSet::new())
    );
}

#[test]
fn faulty_rpc_gives_the_same_snapshot() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &clean);
    args.extend([s("--token"), s(f.token)]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");

    let faults = Faults {
        fail: 12,
        slow: 4,
        slow_ms: 1500,
        truncate: 10,
        max_log_range: 60,
        base_delay_ms: 0,
        no_traces: false,
    };
    let proxy = FaultProxy::start(&f.anvil.url, faults, 42);
    for (kind, token) in [("erc20-balances", f.token), ("erc721-holders", f.nft)] {
        let faulty = dir.path().join(format!("faulty-{kind}.csv"));
        let mut args = snapshot_args(f, &proxy.url, kind, &faulty);
        args.extend([
            s("--token"),
            s(token),
            s("--timeout-secs"),
            s("1"),
            s("--retries"),
            s("12"),
            s("--initial-range"),
            s("500"),
            s("--batch-size"),
            s("8"),
        ]);
        let (ok, _, stderr) = airdrop(&args);
        assert!(ok, "{kind} through the faulty proxy: {stderr}");
        let reference = dir.path().join(format!("ref-{kind}.csv"));
        let mut args = snapshot_args(f, &f.anvil.url, kind, &reference);
        args.extend([s("--token"), s(token)]);
        let (ok, _, stderr) = airdrop(&args);
        assert!(ok, "{stderr}");
        assert_eq!(
            std::fs::read(&faulty).unwrap(),
            std::fs::read(&reference).unwrap(),
            "{kind}"
        );
        assert_eq!(meta(&faulty), meta(&reference), "{kind}");
    }
    let st = &proxy.stats;
    eprintln!("fault proxy: {st:?}");
    let get = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        get(&st.failed) > 0
            && get(&st.truncated) > 0
            && get(&st.slowed) > 0
            && get(&st.refused) > 0,
        "{st:?}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("faulty-erc20-balances.csv")).unwrap(),
        std::fs::read(&clean).unwrap()
    );
}

#[test]
fn killed_snapshot_resumes_where_it_stopped() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.csv");
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &clean);
    args.extend([s("--token"), s(f.token)]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");

    // Slow every request down a little so the run takes a few seconds, and checkpoint often.
    let proxy = FaultProxy::start(
        &f.anvil.url,
        Faults {
            base_delay_ms: 15,
            ..Faults::none()
        },
        1,
    );
    let out = dir.path().join("resumed.csv");
    let checkpoint = dir.path().join("resumed.csv.checkpoint.json");
    let mut args = snapshot_args(f, &proxy.url, "erc20-balances", &out);
    args.extend([
        s("--token"),
        s(f.token),
        s("--initial-range"),
        s("4"),
        s("--max-range"),
        s("4"),
        s("--concurrency"),
        s("1"),
        s("--checkpoint-ms"),
        s("0"),
    ]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut saved_next = 0u64;
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if let Ok(text) = std::fs::read_to_string(&checkpoint) {
            if let Ok(cp) = serde_json::from_str::<Value>(&text) {
                saved_next = cp["next_block"].as_u64().unwrap();
                if saved_next > f.token_deployed + 40 {
                    break;
                }
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the snapshot finished before it could be killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(!out.exists(), "a killed run leaves no output");
    let cp: Value = serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    let next = cp["next_block"].as_u64().unwrap();
    assert!(
        next > f.token_deployed && next <= f.block,
        "checkpoint at {next} (saved_next {saved_next})"
    );
    assert_eq!(
        cp["block_hash"].as_str().unwrap(),
        Driver::new(&f.anvil.url).block_hash(f.block).to_string()
    );

    // Rerun without the slow proxy: it resumes from the checkpoint and ends identical.
    let mut args = snapshot_args(f, &f.anvil.url, "erc20-balances", &out);
    args.extend([
        s("--token"),
        s(f.token),
        s("--initial-range"),
        s("4"),
        s("--max-range"),
        s("4"),
    ]);
    let (ok, _, stderr) = airdrop(&args);
    assert!(ok, "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("resuming from block "))
        .unwrap_or_else(|| panic!("no resume line: {stderr}"));
    let resumed_at: u64 = line["resuming from block ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        resumed_at >= next,
        "resumed at {resumed_at}, checkpoint said {next}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&clean).unwrap());
    assert_eq!(
        meta(&out),
        meta(&clean),
        "the sidecar too (log count carried over)"
    );
    assert!(
        !checkpoint.exists(),
        "the checkpoint is removed after success"
    );
}

#[test]
fn bad_inputs_are_clear_errors() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let run = |rpc: &str, extra: &[String], block: u64| {
        let mut args = snapshot_args(f, rpc, "erc20-balances", &out);
        args[6] = s(block);
        args.extend(extra.iter().cloned());
        let (ok, _, stderr) = airdrop(&args);
        assert!(!ok, "expected a failure: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        stderr
    };
    let token = [s("--token"), s(f.token)];

    // A node that doesn't answer.
    let dead = format!(
        "http://127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let e = run(&dead, &token, f.block);
    assert!(
        e.contains("did not answer eth_chainId")
            && e.contains("Connection refused")
            && e.contains("check the url"),
        "{e}"
    );
    // Node URLs carry API keys in their user part, path or query: never shown in an error.
    let keyed = format!(
        "{}/v2/SECRETKEY?apikey=QUERYKEY",
        dead.replace("http://", "http://user:PASSWORD@")
    );
    let e = run(&keyed, &token, f.block);
    assert!(e.contains("did not answer eth_chainId"), "{e}");
    for part in ["PASSWORD", "SECRETKEY", "QUERYKEY", "user:"] {
        assert!(!e.contains(part), "{part} shown: {e}");
    }

    // A token address that isn't a contract.
    let eoa = Address::with_last_byte(0x42);
    let e = run(&f.anvil.url, &[s("--token"), s(eoa)], f.block);
    assert!(
        e.contains(&format!("{eoa} is not a contract at block {}", f.block)),
        "{e}"
    );

    // A block in the future.
    let e = run(&f.anvil.url, &token, f.head + 1000);
    assert!(
        e.contains(&format!("block {} is in the future", f.head + 1000))
            && e.contains(&format!("head is block {}", f.head)),
        "{e}"
    );

    // A chain id that differs from the campaign's.
    let e = run(
        &f.anvil.url,
        &[token[0].clone(), token[1].clone(), s("--chain-id"), s(1)],
        f.block,
    );
    assert!(
        e.contains("chain id mismatch")
            && e.contains("serves chain 31337 but the campaign is for chain 1"),
        "{e}"
    );

    // A private key where the token address goes is refused, and not echoed.
    let key = format!("0x{}", "4c".repeat(32));
    let e = run(&f.anvil.url, &[s("--token"), key.clone()], f.block);
    assert!(!e.contains(&key) && e.contains("--token"), "{e}");
    assert!(!out.exists());
}

#[test]
fn reorg_under_a_checkpoint_is_an_error() {
    use airdrop_chain::snapshot::{Checkpoint, CheckpointStore, LedgerState, CHECKPOINT_VERSION};
    // A checkpoint made on a chain where the snapshot block had another hash.
    struct Forked;
    impl CheckpointStore for Forked {
        fn load(&self, key: &str) -> airdrop_chain::Result<Option<Checkpoint>> {
            Ok(Some(Checkpoint {
                version: CHECKPOINT_VERSION,
                key: key.to_owned(),
                chain_id: 31337,
                block: 0,
                block_hash: B256::repeat_byte(0xab),
                from_block: 0,
                next_block: 1,
                logs: 0,
                state: LedgerState::Erc20 {
                    balances: Vec::new(),
                },
            }))
        }
        fn save(&self, _: &str, _: &Checkpoint) -> airdrop_chain::Result<()> {
            Ok(())
        }
        fn clear(&self, _: &str) -> airdrop_chain::Result<()> {
            Ok(())
        }
    }
    let f = fixture();
    let rpc = airdrop_chain::Rpc::new(&f.anvil.url, airdrop_chain::RpcConfig::default()).unwrap();
    let mut params = airdrop_chain::Params::new(airdrop_chain::Kind::Erc20Balances);
    params.block = Some(f.block);
    params.token = Some(f.token);
    let rt = snapshot_support::runtime();
    let err = rt
        .block_on(airdrop_chain::snapshot::run(
            &rpc,
            &params,
            &Forked,
            &airdrop_chain::NoProgress,
        ))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, airdrop_chain::ChainError::Reorg { .. }),
        "{text}"
    );
    assert!(
        text.contains("chain reorganisation")
            && text.contains(&format!("{}", B256::repeat_byte(0xab))),
        "{text}"
    );
}

#[test]
fn rebasing_token_fails_the_proof_and_names_the_cause() {
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let acct = d.accounts()[0];
    let (token, _) = d.deploy(acct, bytecode("RebasingToken"), Vec::new());
    let mut rng = fastrand::Rng::with_seed(3);
    let mut hashes = Vec::new();
    for _ in 0..20 {
        let to = rand_address(&mut rng);
        hashes.push(
            d.send(
                acct,
                Some(token),
                IToken::mintCall {
                    to,
                    amount: U256::from(rng.u64(1..1_000_000)),
                }
                .abi_encode(),
                U256::ZERO,
            ),
        );
    }
    d.expect_success(&hashes);
    let h = d.send(
        acct,
        Some(token),
        IToken::rebaseCall {
            newScale: U256::from(1_100_000_000_000_000_000u128),
        }
        .abi_encode(),
        U256::ZERO,
    );
    d.expect_success(&[h]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    let (ok, _, stderr) = airdrop(&[
        s("snapshot"),
        s("--rpc"),
        s(&anvil.url),
        s("--kind"),
        s("erc20-balances"),
        s("--token"),
        s(token),
        s("--block"),
        s("latest"),
        s("--out"),
        s(out.display()),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("proof against the chain failed") && stderr.contains("rebasing"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// Benchmark (ignored by default; `scripts/bench-snapshot` runs it): an end-to-end snapshot of
/// 100,000 transfers among 10,000 holders from anvil, through the real binary.
#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn bench_end_to_end_100k_transfers() {
    let transfers: usize = std::env::var("BENCH_TRANSFERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let anvil = Anvil::start(&["--gas-limit", "2000000000"]);
    let d = Driver::new(&anvil.url);
    let acct = d.accounts()[0];
    let (token, _) = d.deploy(
        acct,
        bytecode("TestToken"),
        ("Bench".to_string(), "B".to_string()).abi_encode_params(),
    );
    let mut rng = fastrand::Rng::with_seed(9);
    let pool: Vec<Address> = (0..10_000).map(|_| rand_address(&mut rng)).collect();
    let mut bal: BTreeMap<Address, U256> = BTreeMap::new();
    let setup = std::time::Instant::now();
    d.set_automine(false);
    let per_tx = 500;
    let mut sent = 0;
    while sent < transfers {
        let mut hashes = Vec::new();
        for _ in 0..10 {
            if sent >= transfers {
                break;
            }
            let (mut from, mut to, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..per_tx.min(transfers - sent) {
                let t = pool[rng.usize(..pool.len())];
                let f = pool[rng.usize(..pool.len())];
                let fb = bal.get(&f).copied().unwrap_or_default();
                let (f, v) = if fb.is_zero() {
                    (Address::ZERO, U256::from(rng.u64(1..1 << 50)))
                } else {
                    (f, fb / U256::from(3))
                };
                if f != Address::ZERO {
                    *bal.get_mut(&f).unwrap() -= v;
                }
                *bal.entry(t).or_default() += v;
                from.push(f);
                to.push(t);
                amounts.push(v);
                sent += 1;
            }
            let data = IToken::shuffleCall { from, to, amounts }.abi_encode();
            let mut tx = serde_json::json!({ "from": acct, "to": token, "data": alloy_primitives::Bytes::from(data), "gas": "0x5f5e100" });
            tx["value"] = serde_json::json!("0x0");
            hashes.push(d.call::<B256>("eth_sendTransaction", serde_json::json!([tx])));
        }
        d.mine();
        d.expect_success(&hashes);
        d.mine_empty(rng.u64(1..50));
    }
    d.set_automine(true);
    let block = d.block_number();
    println!(
        "setup: {transfers} transfers in {:.1}s, head {block}",
        setup.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench.csv");
    let started = std::time::Instant::now();
    let (ok, stdout, stderr) = airdrop(&[
        s("snapshot"),
        s("--rpc"),
        s(&anvil.url),
        s("--kind"),
        s("erc20-balances"),
        s("--token"),
        s(token),
        s("--block"),
        s(block),
        s("--out"),
        s(out.display()),
    ]);
    let secs = started.elapsed().as_secs_f64();
    assert!(ok, "{stderr}");
    let rows = read_csv(&out).len() - 1;
    assert_eq!(rows, bal.values().filter(|b| !b.is_zero()).count());
    println!("{stdout}");
    println!(
        "end-to-end: {transfers} transfers → {rows} holders in {secs:.2}s ({:.0} transfers/s)",
        transfers as f64 / secs
    );
}

/// Every chain kind resumes from its checkpoint: a store that "crashes" the run after a few
/// saves, then a second run on the same store, must equal an uninterrupted run.
#[test]
fn every_kind_resumes_from_a_checkpoint() {
    use airdrop_chain::snapshot::{Checkpoint, CheckpointStore, MemoryCheckpoints};
    use airdrop_chain::{EventSpec, Kind, NoProgress, Params, Rpc, RpcConfig};
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Crashing<'a> {
        inner: &'a MemoryCheckpoints,
        left: AtomicU64,
    }
    impl CheckpointStore for Crashing<'_> {
        fn load(&self, key: &str) -> airdrop_chain::Result<Option<Checkpoint>> {
            self.inner.load(key)
        }
        fn save(&self, key: &str, cp: &Checkpoint) -> airdrop_chain::Result<()> {
            if self.left.fetch_sub(1, Ordering::SeqCst) == 0 {
                return Err(airdrop_chain::ChainError::Params("simulated crash".into()));
            }
            self.inner.save(key, cp)
        }
        fn clear(&self, key: &str) -> airdrop_chain::Result<()> {
            self.inner.clear(key)
        }
    }

    let f = fixture();
    let rt = snapshot_support::runtime();
    let cfg = RpcConfig {
        batch_size: 5,
        concurrency: 2,
        ..RpcConfig::default()
    };
    let rpc = Rpc::new(&f.anvil.url, cfg).unwrap();
    let mut kinds = Vec::new();
    for kind in [
        Kind::Erc20Balances,
        Kind::Erc721Holders,
        Kind::NativeBalances,
        Kind::ContractUsers,
    ] {
        let mut p = Params::new(kind);
        p.block = Some(f.block);
        p.range.initial_span = 8;
        p.range.max_span = 8;
        p.checkpoint_every = std::time::Duration::ZERO;
        match kind {
            Kind::Erc20Balances => p.token = Some(f.token),
            Kind::Erc721Holders => p.token = Some(f.nft),
            Kind::NativeBalances => p.from_block = Some(f.token_deployed),
            Kind::ContractUsers => {
                p.contracts = vec![f.token];
                p.events = vec![EventSpec::parse(
                    "Transfer(address indexed from, address indexed to, uint256 v)",
                )
                .unwrap()];
            }
        }
        kinds.push(p);
    }
    for p in &kinds {
        let clean = rt
            .block_on(airdrop_chain::snapshot::run(
                &rpc,
                p,
                &MemoryCheckpoints::default(),
                &NoProgress,
            ))
            .unwrap();
        let memory = MemoryCheckpoints::default();
        let crashing = Crashing {
            inner: &memory,
            left: AtomicU64::new(5),
        };
        let err = rt
            .block_on(airdrop_chain::snapshot::run(
                &rpc,
                p,
                &crashing,
                &NoProgress,
            ))
            .unwrap_err();
        assert!(err.to_string().contains("simulated crash"), "{err}");
        assert_eq!(memory.saves(), 5, "{:?}", p.kind);
        let resumed = rt
            .block_on(airdrop_chain::snapshot::run(&rpc, p, &memory, &NoProgress))
            .unwrap();
        assert_eq!(resumed, clean, "{:?}", p.kind);
        assert!(!clean.rows.is_empty(), "{:?}", p.kind);
    }
}

/// A chain snapshot plugs into a campaign as an `airdrop_core::Source`.
#[test]
fn snapshot_is_a_campaign_source() {
    use airdrop_core::Source;
    let f = fixture();
    let mut params = airdrop_chain::Params::new(airdrop_chain::Kind::Erc20Balances);
    params.block = Some(f.block);
    params.token = Some(f.token);
    params.expected_chain_id = Some(31337);
    let source = airdrop_chain::SnapshotSource {
        name: "holders".into(),
        rpc_url: f.anvil.url.clone(),
        rpc_config: airdrop_chain::RpcConfig::default(),
        params,
        store: Box::new(airdrop_chain::NoCheckpoints),
        progress: Box::new(airdrop_chain::NoProgress),
    };
    assert_eq!(source.name(), "holders");
    let facts = source.facts().unwrap();
    assert_eq!(facts.width, 1);
    assert_eq!(facts.addresses, f.erc20.keys().copied().collect::<Vec<_>>());
    assert_eq!(facts.values, f.erc20.values().copied().collect::<Vec<_>>());

    // A node of another chain is a source error naming the source.
    let mut wrong = source;
    wrong.params.expected_chain_id = Some(1);
    let e = wrong.facts().unwrap_err().to_string();
    assert!(
        e.contains("source \"holders\"") && e.contains("chain id mismatch"),
        "{e}"
    );
}

/// Runs a chain snapshot of `kind` at `block` with `extra` flags; (success, stderr, out path).
fn snap(
    url: &str,
    dir: &Path,
    name: &str,
    kind: &str,
    block: u64,
    extra: &[String],
) -> (bool, String, std::path::PathBuf) {
    let out = dir.join(format!("{name}.csv"));
    let mut args = vec![
        s("snapshot"),
        s("--rpc"),
        s(url),
        s("--kind"),
        s(kind),
        s("--block"),
        s(block),
        s("--out"),
        s(out.display()),
    ];
    args.extend(extra.iter().cloned());
    let (ok, _, stderr) = airdrop(&args);
    assert!(!stderr.contains("panicked"), "{stderr}");
    if !ok {
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(!out.exists(), "a failed snapshot leaves no output");
    }
    (ok, stderr, out)
}

/// Issue 9, item 16: a token of the other kind, a contract that is not a token, or an EOA used
/// to give 0 rows and exit 0; now each is an error naming what it is, and a token that is
/// genuinely empty is a loud warning.
#[test]
fn wrong_kind_or_not_a_token_is_an_error() {
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let acct = d.accounts()[0];
    let (token, _) = d.deploy(
        acct,
        bytecode("TestToken"),
        ("T".to_string(), "T".to_string()).abi_encode_params(),
    );
    let (nft, _) = d.deploy(acct, bytecode("TestNFT"), Vec::new());
    let (empty_token, _) = d.deploy(
        acct,
        bytecode("TestToken"),
        ("E".to_string(), "E".to_string()).abi_encode_params(),
    );
    let (empty_nft, _) = d.deploy(acct, bytecode("TestNFT"), Vec::new());
    let (forwarder, _) = d.deploy(acct, bytecode("EthForwarder"), Vec::new());
    let holder = Address::with_last_byte(0x51);
    let mut hashes = Vec::new();
    for i in 1..=3u64 {
        let mint = IToken::mintCall {
            to: holder,
            amount: U256::from(1000 * i),
        };
        hashes.push(d.send(acct, Some(token), mint.abi_encode(), U256::ZERO));
        let mint = INft::mintCall {
            to: holder,
            id: U256::from(i),
        };
        hashes.push(d.send(acct, Some(nft), mint.abi_encode(), U256::ZERO));
    }
    d.expect_success(&hashes);
    let block = d.block_number();
    let dir = tempfile::tempdir().unwrap();
    let with = |t: Address| vec![s("--token"), s(t)];

    let (ok, e, _) = snap(
        &anvil.url,
        dir.path(),
        "a",
        "erc20-balances",
        block,
        &with(nft),
    );
    assert!(!ok);
    assert!(
        e.contains(&format!("token {nft}: 3 Transfer log(s)"))
            && e.contains("have the ERC-721 (from, to and token id indexed) shape")
            && e.contains("use --kind erc721-holders"),
        "{e}"
    );
    let (ok, e, _) = snap(
        &anvil.url,
        dir.path(),
        "b",
        "erc721-holders",
        block,
        &with(token),
    );
    assert!(!ok);
    assert!(
        e.contains(&format!("token {token}: 3 Transfer log(s)"))
            && e.contains("have the ERC-20 (from and to indexed, a 32-byte value) shape")
            && e.contains("use --kind erc20-balances"),
        "{e}"
    );
    // A contract that is not a token: no logs, and totalSupply() / supportsInterface fail.
    let (ok, e, _) = snap(
        &anvil.url,
        dir.path(),
        "c",
        "erc20-balances",
        block,
        &with(forwarder),
    );
    assert!(!ok);
    assert!(
        e.contains(&format!("{forwarder} does not look like an ERC-20 token at block {block}: totalSupply() reverted")),
        "{e}"
    );
    let (ok, e, _) = snap(
        &anvil.url,
        dir.path(),
        "d",
        "erc721-holders",
        block,
        &with(forwarder),
    );
    assert!(!ok);
    assert!(
        e.contains(&format!(
            "{forwarder} does not look like an ERC-721 collection at block {block}"
        )) && e.contains("supportsInterface(0x80ac58cd) is not true"),
        "{e}"
    );
    // An EOA, for either kind.
    let eoa = Address::with_last_byte(0x42);
    for kind in ["erc20-balances", "erc721-holders"] {
        let (ok, e, _) = snap(&anvil.url, dir.path(), "e", kind, block, &with(eoa));
        assert!(!ok);
        assert!(
            e.contains(&format!("{eoa} is not a contract at block {block}")),
            "{kind}: {e}"
        );
    }
    // The right kinds still work.
    let (ok, e, out) = snap(
        &anvil.url,
        dir.path(),
        "f",
        "erc721-holders",
        block,
        &with(nft),
    );
    assert!(ok, "{e}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("address,count,token_ids\n{holder},3,1;2;3\n")
    );
    // A token or collection with no transfer at all is legitimate, but said loudly.
    for (kind, t, what) in [
        ("erc20-balances", empty_token, "its total supply is 0"),
        ("erc721-holders", empty_nft, "the snapshot is empty"),
    ] {
        let (ok, e, out) = snap(&anvil.url, dir.path(), "g", kind, block, &with(t));
        assert!(ok, "{kind}: {e}");
        assert!(
            e.contains("warning: ") && e.contains("emitted no Transfer log"),
            "{e}"
        );
        let m = meta(&out);
        let w = m["warnings"][0].as_str().unwrap();
        assert!(w.contains(&t.to_string()) && w.contains(what), "{m}");
        assert_eq!(m["rows"], 0);
    }
}

/// Issue 9, item 17: a rebase that moves only the two whales' balances (out of 1,002 holders)
/// used to pass a random sample of 32; every row is now checked by default, and the sampled
/// rule still checks every holder above the share.
#[test]
fn whales_wrong_on_chain_are_caught() {
    let anvil = Anvil::start(&["--gas-limit", "1000000000"]);
    let d = Driver::new(&anvil.url);
    let acct = d.accounts()[0];
    let (token, _) = d.deploy(acct, bytecode("RebasingToken"), Vec::new());
    let mut rng = fastrand::Rng::with_seed(17);
    let whales = [rand_address(&mut rng), rand_address(&mut rng)];
    d.set_automine(false);
    let mut hashes = Vec::new();
    let whale = U256::from(10u64).pow(U256::from(22u64));
    let minnows: Vec<(Address, U256)> = (0..1000)
        .map(|_| {
            let below_one_token = U256::from(rng.u64(1..1_000_000_000_000_000_000));
            (rand_address(&mut rng), below_one_token)
        })
        .collect();
    for (to, amount) in whales.iter().map(|w| (*w, whale)).chain(minnows) {
        let mint = IToken::mintCall { to, amount };
        hashes.push(d.send(acct, Some(token), mint.abi_encode(), U256::ZERO));
    }
    d.mine();
    d.set_automine(true);
    d.expect_success(&hashes);
    // balanceOf grows by balance / 1e18: only holders of a whole token or more change, and
    // totalSupply() is untouched, so the sum still matches.
    let rebase = IToken::rebaseCall {
        newScale: U256::from(1_000_000_000_000_000_001u128),
    };
    let h = d.send(acct, Some(token), rebase.abi_encode(), U256::ZERO);
    d.expect_success(&[h]);
    let block = d.block_number();
    let dir = tempfile::tempdir().unwrap();
    let mut whales_sorted = whales;
    whales_sorted.sort();
    for (name, extra) in [
        ("all", vec![]),
        (
            "sampled",
            vec![s("--verify"), s("sample"), s("--verify-above"), s("1%")],
        ),
    ] {
        let mut args = vec![s("--token"), s(token)];
        args.extend(extra);
        let (ok, e, _) = snap(&anvil.url, dir.path(), name, "erc20-balances", block, &args);
        assert!(!ok, "{name}: the whales' rebase went unnoticed");
        assert!(
            e.contains("proof against the chain failed")
                && e.contains(&format!("{}", whales_sorted[0]))
                && e.contains("rebasing"),
            "{name}: {e}"
        );
    }
    // Off is explicit, and the sidecar says so.
    let args = vec![s("--token"), s(token), s("--verify"), s("none")];
    let (ok, e, out) = snap(
        &anvil.url,
        dir.path(),
        "off",
        "erc20-balances",
        block,
        &args,
    );
    assert!(ok, "{e}");
    let m = meta(&out);
    assert_eq!(m["verification"]["rule"], "off", "{m}");
    assert_eq!(m["verification"]["checked"], 0, "{m}");
    assert_eq!(m["verification"]["addresses"], 1002, "{m}");
}

/// Issue 9, item 18: native-balances candidates used to be transaction senders and recipients
/// only; an address paid by a contract is now found through traces, a candidate list adds to
/// the range, and the sidecar lists what was and was not covered.
#[test]
fn native_balances_cover_internal_transfers_and_lists() {
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let accounts = d.accounts();
    let acct = accounts[0];
    let (forwarder, _) = d.deploy(acct, bytecode("EthForwarder"), Vec::new());
    let mut rng = fastrand::Rng::with_seed(18);
    let paid = [rand_address(&mut rng), rand_address(&mut rng)];
    let amounts = [
        U256::from(1_000_000_000_000_000u64),
        U256::from(2_000_000_000_000_000u64),
    ];
    let pay = IForwarder::payCall {
        to: paid.to_vec(),
        amounts: amounts.to_vec(),
    };
    let h = d.send(
        acct,
        Some(forwarder),
        pay.abi_encode(),
        amounts[0] + amounts[1],
    );
    d.expect_success(&[h]);
    let direct = rand_address(&mut rng);
    let h = d.send(acct, Some(direct), Vec::new(), U256::from(5u64));
    d.expect_success(&[h]);
    let block = d.block_number();
    let dir = tempfile::tempdir().unwrap();
    let rows = |out: &Path| -> BTreeMap<Address, U256> {
        read_csv(out)[1..]
            .iter()
            .map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()))
            .collect()
    };
    let range = [s("--from-block"), s(0)];

    let (ok, e, out) = snap(
        &anvil.url,
        dir.path(),
        "traced",
        "native-balances",
        block,
        &range,
    );
    assert!(ok, "{e}");
    let got = rows(&out);
    for (a, v) in paid.iter().zip(amounts) {
        assert_eq!(
            got.get(a),
            Some(&v),
            "{a}, paid by the contract, is missing"
        );
    }
    assert_eq!(got.get(&direct), Some(&U256::from(5u64)));
    let m = meta(&out);
    let list = |k: &str| -> String { m[k].to_string() };
    assert!(
        list("covered").contains("transaction senders and recipients, blocks 0..")
            && list("covered").contains("internal transfers: value recipients in call traces (debug_traceBlockByNumber callTracer)")
            && list("covered").contains("withdrawals"),
        "{m}"
    );
    assert!(list("not_covered").contains("genesis allocations"), "{m}");
    assert!(!list("not_covered").contains("internal transfers"), "{m}");

    // Without traces the contract's payees are missing, and the sidecar says why.
    let mut off = range.to_vec();
    off.extend([s("--traces"), s("off")]);
    let (ok, e, out) = snap(
        &anvil.url,
        dir.path(),
        "untraced",
        "native-balances",
        block,
        &off,
    );
    assert!(ok, "{e}");
    let got = rows(&out);
    assert!(paid.iter().all(|a| !got.contains_key(a)), "{got:?}");
    assert!(
        meta(&out)["not_covered"].to_string().contains("internal transfers (ETH paid by contracts, not named by any transaction): --traces off"),
        "{}",
        meta(&out)
    );

    // A candidate list adds to the range: a genesis-funded account that never transacted.
    let idle = accounts[9];
    let file = dir.path().join("extra.csv");
    std::fs::write(&file, format!("address\n{idle}\n")).unwrap();
    let mut listed = range.to_vec();
    listed.extend([s("--addresses"), s(file.display())]);
    let (ok, e, out) = snap(
        &anvil.url,
        dir.path(),
        "listed",
        "native-balances",
        block,
        &listed,
    );
    assert!(ok, "{e}");
    let got = rows(&out);
    assert!(!rows(&dir.path().join("traced.csv")).contains_key(&idle));
    assert_eq!(got.get(&idle), Some(&d.balance(idle, block)));
    assert!(paid.iter().all(|a| got.contains_key(a)) && got.contains_key(&direct));
    assert!(
        meta(&out)["covered"]
            .to_string()
            .contains("candidate list (1 addresses)"),
        "{}",
        meta(&out)
    );

    // A node without traces: auto goes on, loudly, and says what is missing; on refuses.
    let proxy = FaultProxy::start(
        &anvil.url,
        Faults {
            no_traces: true,
            ..Faults::none()
        },
        5,
    );
    let (ok, e, out) = snap(
        &proxy.url,
        dir.path(),
        "hosted",
        "native-balances",
        block,
        &range,
    );
    assert!(ok, "{e}");
    assert!(
        e.contains("warning: the node cannot trace block 1, so addresses paid only by contracts are missing"),
        "{e}"
    );
    let m = meta(&out);
    assert!(
        m["not_covered"].to_string().contains("the node cannot trace blocks (debug_traceBlockByNumber: the method debug_traceBlockByNumber does not exist/is not available; trace_block: "),
        "{m}"
    );
    assert!(
        m["warnings"][0]
            .as_str()
            .unwrap()
            .contains("cannot trace block 1"),
        "{m}"
    );
    assert!(paid.iter().all(|a| !rows(&out).contains_key(a)));
    let mut on = range.to_vec();
    on.extend([s("--traces"), s("on")]);
    let (ok, e, _) = snap(
        &proxy.url,
        dir.path(),
        "strict",
        "native-balances",
        block,
        &on,
    );
    assert!(!ok);
    assert!(
        e.contains("error: the node cannot trace block 1 (debug_traceBlockByNumber: ")
            && e.contains("or --traces auto/off to go on without them"),
        "{e}"
    );
}
