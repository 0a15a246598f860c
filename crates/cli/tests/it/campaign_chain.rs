//! `airdrop build` with chain sources against a real anvil: a campaign whose `erc20-balances`
//! source is snapshotted at a pinned block, mixed with a file source; the allocation must equal
//! the truth computed here from the transfers we sent, and the manifest must pin the block hash.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support;

use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, U256};
use serde_json::Value;
use snapshot_support::{bytecode, Anvil, Driver};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

alloy::sol! {
    interface IToken {
        function mint(address to, uint256 amount) external;
        function shuffle(address[] from, address[] to, uint256[] amounts) external;
    }
}

const CHAIN_ID: u64 = 31337;

fn tokens(whole: u64, tenths: u64) -> U256 {
    U256::from(whole) * U256::from(10u64).pow(U256::from(18u64))
        + U256::from(tenths) * U256::from(10u64).pow(U256::from(17u64))
}

fn addr(n: u8) -> Address {
    let mut b = [0u8; 20];
    b[0] = 0x10 + n;
    b[19] = n;
    Address::from(b)
}

struct Chain {
    anvil: Anvil,
    token: Address,
    /// A contract that holds tokens.
    contract: Address,
    block: u64,
    /// Balances at `block` (nonzero only).
    balances: BTreeMap<Address, U256>,
}

/// Deploys a token, mints and moves it (including to a contract), pins a block, and moves more
/// after it (which the snapshot must ignore).
fn chain() -> Chain {
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let deployer = d.accounts()[0];
    d.mine_empty(3);
    let (token, _) = d.deploy(
        deployer,
        bytecode("TestToken"),
        ("Test Token".to_string(), "TT".to_string()).abi_encode_params(),
    );
    let (contract, _) = d.deploy(deployer, bytecode("TestNFT"), Vec::new());
    let mut bal: BTreeMap<Address, U256> = BTreeMap::new();
    let mint = |to: Address, v: U256, bal: &mut BTreeMap<Address, U256>| {
        let h = d.send(
            deployer,
            Some(token),
            IToken::mintCall { to, amount: v }.abi_encode(),
            U256::ZERO,
        );
        d.expect_success(&[h]);
        *bal.entry(to).or_default() += v;
    };
    let shuffle = |moves: &[(Address, Address, U256)], bal: &mut BTreeMap<Address, U256>| {
        let call = IToken::shuffleCall {
            from: moves.iter().map(|m| m.0).collect(),
            to: moves.iter().map(|m| m.1).collect(),
            amounts: moves.iter().map(|m| m.2).collect(),
        };
        let h = d.send(deployer, Some(token), call.abi_encode(), U256::ZERO);
        d.expect_success(&[h]);
        for (f, t, v) in moves {
            *bal.get_mut(f).unwrap() -= *v;
            *bal.entry(*t).or_default() += *v;
        }
    };
    mint(addr(1), tokens(1_000, 0), &mut bal);
    mint(addr(2), tokens(2_500, 3), &mut bal);
    mint(addr(3), tokens(777, 7), &mut bal);
    mint(addr(4), tokens(99, 5), &mut bal); // below min = "100" at the block
    mint(addr(5), tokens(50, 0), &mut bal);
    d.mine_empty(2);
    shuffle(
        &[
            (addr(1), addr(5), tokens(50, 0)), // addr 5 reaches exactly 100: kept
            (addr(2), contract, tokens(333, 0)),
            (addr(3), addr(6), tokens(0, 1)), // addr 6: dust holder, below min
            (addr(2), Address::ZERO, tokens(1, 0)), // burn
        ],
        &mut bal,
    );
    d.mine_empty(2);
    let block = d.block_number();
    // After the snapshot block: must not count.
    d.mine_empty(2);
    mint(addr(4), tokens(1_000, 0), &mut BTreeMap::new());
    shuffle(&[(addr(1), addr(7), tokens(10, 0))], &mut bal.clone());
    bal.retain(|_, v| !v.is_zero());
    Chain {
        anvil,
        token,
        contract,
        block,
        balances: bal,
    }
}

/// Runs the real binary with extra environment variables.
fn airdrop(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `allocations.csv` as address → (amount, per-pool parts).
fn allocations(dir: &Path) -> BTreeMap<Address, (U256, Vec<U256>)> {
    let text = std::fs::read_to_string(dir.join("allocations.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0..2], ["address", "amount"]);
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let parts = cells[2..]
                .iter()
                .map(|c| c.parse::<U256>().unwrap())
                .collect();
            (
                cells[0].parse().unwrap(),
                (cells[1].parse().unwrap(), parts),
            )
        })
        .collect()
}

/// The pro-rata split of `amount` over `weights` as the engine must do it: floors, then one
/// unit each to the largest remainders (ties to the lower address).
fn pro_rata(amount: U256, weights: &BTreeMap<Address, U256>) -> BTreeMap<Address, U256> {
    let total: U256 = weights.values().copied().fold(U256::ZERO, |a, b| a + b);
    let mut out = BTreeMap::new();
    let mut rems = Vec::new();
    let mut paid = U256::ZERO;
    for (a, w) in weights {
        let prod = amount * *w;
        out.insert(*a, prod / total);
        paid += prod / total;
        rems.push((prod % total, *a));
    }
    rems.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    let left = (amount - paid).to::<u64>() as usize;
    for (_, a) in rems.iter().take(left) {
        *out.get_mut(a).unwrap() += U256::from(1u8);
    }
    out
}

const COMMUNITY: [u8; 2] = [0x21, 0x22];

fn write_campaign(dir: &Path, chain_id: u64, source: &str, extra: &str) -> String {
    let mut csv = String::from("address\n");
    for n in COMMUNITY {
        csv.push_str(&format!("{:#x}\n", addr(n)));
    }
    std::fs::write(dir.join("community.csv"), csv).unwrap();
    let spec = format!(
        r#"name = "Chain drop"
chain_id = {chain_id}
token = {{ address = "0x00000000000000000000000000000000000000aa", symbol = "GEN", decimals = 18 }}
budget = "1000"

{source}

[[source]]
name = "community"
kind = "list"
file = "community.csv"

[[pool]]
source = "holders"
share = "70%"
rule = "pro-rata"

[[pool]]
source = "community"
share = "30%"
rule = "flat"
{extra}"#
    );
    let path = dir.join("campaign.toml");
    std::fs::write(&path, spec).unwrap();
    path.display().to_string()
}

fn holders_source(rpc_key: &str, c: &Chain) -> String {
    format!(
        r#"[[source]]
name = "holders"
kind = "erc20-balances"
{rpc_key}
token = "{:#x}"
block = {}
min = "100""#,
        c.token, c.block
    )
}

fn check_allocations(
    out: &Path,
    c: &Chain,
    dropped: &[Address],
) -> BTreeMap<Address, (U256, Vec<U256>)> {
    let got = allocations(out);
    let budget = tokens(1_000, 0);
    let total = got.values().fold(U256::ZERO, |a, v| a + v.0);
    assert_eq!(total, budget, "allocations sum to the budget");

    // Truth: holders at or above 100 tokens at the block share 700 pro rata; the community
    // shares 300 flat.
    let min = tokens(100, 0);
    let eligible: BTreeMap<Address, U256> = c
        .balances
        .iter()
        .filter(|(a, b)| **b >= min && !dropped.contains(a))
        .map(|(a, b)| (*a, *b))
        .collect();
    assert!(eligible.contains_key(&addr(5)), "exactly at min is kept");
    assert!(!eligible.contains_key(&addr(4)) && !eligible.contains_key(&addr(6)));
    let want = pro_rata(tokens(700, 0), &eligible);
    for (a, amount) in &want {
        assert_eq!(got[a].1[0], *amount, "holders part of {a}");
    }
    for n in COMMUNITY {
        assert_eq!(got[&addr(n)].1[1], tokens(150, 0));
    }
    let expected: Vec<Address> = want
        .keys()
        .copied()
        .chain(COMMUNITY.iter().map(|n| addr(*n)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), expected);
    for a in [addr(4), addr(6), addr(7)].iter().chain(dropped) {
        assert!(!got.contains_key(a), "{a} gets nothing");
    }
    got
}

#[test]
fn campaign_with_chain_sources() {
    let c = chain();
    let d = Driver::new(&c.anvil.url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let out_s = out.display().to_string();

    // 1. An erc20-balances source next to a file source.
    let rpc = format!("rpc = \"{}\"", c.anvil.url);
    let spec = write_campaign(dir.path(), CHAIN_ID, &holders_source(&rpc, &c), "");
    let (ok, stdout, stderr) = airdrop(&["build", &spec, "--out", &out_s], &[]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("snapshot    holders: erc20-balances"),
        "{stdout}"
    );
    let got = check_allocations(&out, &c, &[]);
    assert!(
        got.contains_key(&c.contract),
        "a contract holder is kept by default"
    );

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let pin = &manifest["snapshots"][0];
    assert_eq!(pin["source"], "holders");
    assert_eq!(pin["kind"], "erc20-balances");
    assert_eq!(pin["chain_id"], CHAIN_ID);
    assert_eq!(pin["block"], c.block);
    assert_eq!(pin["block_hash"], format!("{:#x}", d.block_hash(c.block)));
    assert_eq!(pin["token"], c.token.to_checksum(None));
    assert!(manifest["inputs"]["community.csv"].is_string());
    // No checkpoint is left behind after a completed snapshot.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("checkpoint"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // 2. A campaign for another chain is a clear error naming both ids, and writes nothing.
    let dir2 = tempfile::tempdir().unwrap();
    let out2 = dir2.path().join("bundle");
    let spec = write_campaign(dir2.path(), 1, &holders_source(&rpc, &c), "");
    let (ok, _, stderr) = airdrop(&["build", &spec, "--out", &out2.display().to_string()], &[]);
    assert!(!ok);
    assert!(
        stderr.contains("source \"holders\"")
            && stderr.contains("chain id mismatch")
            && stderr.contains("serves chain 31337")
            && stderr.contains("campaign is for chain 1"),
        "{stderr}"
    );
    assert!(!out2.exists());

    // 3. [exclude] contracts = true drops the contract holder (the url comes from the
    //    environment this time); its allowlist keeps it.
    let dir3 = tempfile::tempdir().unwrap();
    let out3 = dir3.path().join("bundle");
    let env = [("CAMPAIGN_CHAIN_TEST_RPC", c.anvil.url.as_str())];
    let source = holders_source("rpc_env = \"CAMPAIGN_CHAIN_TEST_RPC\"", &c);
    let spec = write_campaign(
        dir3.path(),
        CHAIN_ID,
        &source,
        "\n[exclude]\ncontracts = true\n",
    );
    let (ok, _, stderr) = airdrop(
        &["build", &spec, "--out", &out3.display().to_string()],
        &env,
    );
    assert!(ok, "{stderr}");
    check_allocations(&out3, &c, &[c.contract]);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out3.join("report.json")).unwrap()).unwrap();
    assert!(
        report
            .to_string()
            .to_lowercase()
            .contains(&format!("{:#x}", c.contract)),
        "the report names the excluded contract"
    );

    std::fs::write(
        dir3.path().join("wallets.csv"),
        format!("address\n{:#x}\n", c.contract),
    )
    .unwrap();
    let spec = write_campaign(
        dir3.path(),
        CHAIN_ID,
        &source,
        "\n[exclude]\ncontracts = true\nallow = \"wallets.csv\"\n",
    );
    let (ok, _, stderr) = airdrop(
        &["build", &spec, "--out", &out3.display().to_string()],
        &env,
    );
    assert!(ok, "{stderr}");
    let got = check_allocations(&out3, &c, &[]);
    assert!(got.contains_key(&c.contract), "allowlisted");

    // 4. rpc_env naming an unset variable is an error naming the key and the variable.
    let (ok, _, stderr) = airdrop(&["build", &spec, "--out", &out3.display().to_string()], &[]);
    assert!(!ok);
    assert!(
        stderr.contains("source \"holders\".rpc_env") && stderr.contains("CAMPAIGN_CHAIN_TEST_RPC"),
        "{stderr}"
    );
}
