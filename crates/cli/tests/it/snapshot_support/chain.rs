//! Chain fixtures the CLI's anvil tests share: a `TestToken` deployed and minted, token
//! balances, block time and time travel, receipts, and an RFC 3339 formatter computed here
//! (civil from days) so the tests do not trust the formatter under test.

use super::{bytecode, Driver};
use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, Bytes, U256};
use serde_json::{json, Value};

alloy::sol! {
    interface ITestToken {
        function mint(address to, uint256 amount) external;
        function balanceOf(address a) external view returns (uint256);
    }
}

/// One whole token in base units (18 decimals).
pub(crate) const E18: u64 = 1_000_000_000_000_000_000;

/// `n` whole tokens in base units.
pub(crate) fn tokens(n: u64) -> U256 {
    U256::from(n) * U256::from(E18)
}

/// Deploys `TestToken` ("Test Token", "TT") from `deployer` and mints it `amount`.
pub(crate) fn deploy_token(d: &Driver, deployer: Address, amount: U256) -> Address {
    let (token, _) = d.deploy(
        deployer,
        bytecode("TestToken"),
        ("Test Token".to_string(), "TT".to_string()).abi_encode_params(),
    );
    mint(d, token, deployer, deployer, amount);
    token
}

/// Mints `amount` of `token` to `to`, sent by `from` (any account may mint a `TestToken`).
pub(crate) fn mint(d: &Driver, token: Address, from: Address, to: Address, amount: U256) {
    let h = d.send(
        from,
        Some(token),
        ITestToken::mintCall { to, amount }.abi_encode(),
        U256::ZERO,
    );
    d.expect_success(&[h]);
}

/// `who`'s balance of `token` at the latest block.
pub(crate) fn token_balance(d: &Driver, token: Address, who: Address) -> U256 {
    let out: Bytes = d.call(
        "eth_call",
        json!([{ "to": token, "data": Bytes::from(ITestToken::balanceOfCall { a: who }.abi_encode()) }, "latest"]),
    );
    U256::abi_decode(&out).unwrap()
}

/// A JSON-RPC hex quantity as a `u64`.
pub(crate) fn hexu(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// The latest block's timestamp.
pub(crate) fn block_time(d: &Driver) -> u64 {
    let b: Value = d.call("eth_getBlockByNumber", json!(["latest", false]));
    hexu(&b["timestamp"])
}

/// Moves the chain's clock `secs` forward and mines a block at the new time.
pub(crate) fn warp(d: &Driver, secs: u64) {
    let _: Value = d.call("evm_increaseTime", json!([secs]));
    d.mine();
}

/// The receipt of transaction `hash`.
pub(crate) fn receipt(d: &Driver, hash: &str) -> Value {
    d.call("eth_getTransactionReceipt", json!([hash]))
}

/// Unix seconds → RFC 3339 UTC (Howard Hinnant's civil_from_days).
pub(crate) fn rfc3339(t: u64) -> String {
    let days = (t / 86_400) as i64;
    let rem = t % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dd = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A fresh anvil with a `TestToken` whose deployer (dev key 0) holds the minted supply.
pub(crate) struct TokenChain {
    _anvil: super::Anvil,
    /// The node's JSON-RPC URL.
    pub(crate) url: String,
    /// A driver on the node.
    pub(crate) d: Driver,
    /// The token.
    pub(crate) token: Address,
}

impl TokenChain {
    /// Starts anvil with `anvil_args`, deploys the token from dev key 0 and mints it `supply`.
    pub(crate) fn start(anvil_args: &[&str], supply: U256) -> TokenChain {
        let anvil = super::Anvil::start(anvil_args);
        let d = Driver::new(&anvil.url);
        let token = deploy_token(&d, super::cli::dev(0).address(), supply);
        TokenChain {
            url: anvil.url.clone(),
            _anvil: anvil,
            d,
            token,
        }
    }

    /// `who`'s balance of `token`.
    pub(crate) fn balance(&self, token: Address, who: Address) -> U256 {
        token_balance(&self.d, token, who)
    }

    /// The latest block number.
    pub(crate) fn block(&self) -> u64 {
        self.d.block_number()
    }

    /// The latest block's timestamp.
    pub(crate) fn now(&self) -> u64 {
        block_time(&self.d)
    }

    /// Moves the clock `secs` forward and mines a block.
    pub(crate) fn warp(&self, secs: u64) {
        warp(&self.d, secs);
    }

    /// `who`'s transaction count at the latest block.
    pub(crate) fn nonce(&self, who: Address) -> u64 {
        self.d
            .call::<alloy_primitives::U64>("eth_getTransactionCount", json!([who, "latest"]))
            .to::<u64>()
    }
}

/// Writes `dir/list.csv` (each of `who`, joined 2026-01-01) and `dir/campaign.toml`, a flat
/// "uniswap" campaign `title` of `budget` TT (`token`, 18 decimals) on `chain_id` with `extra`
/// appended (a `[claim]` window, `[vesting]`), builds it with `airdrop build` into
/// `dir/bundle` and returns that folder.
pub(crate) fn build_flat(
    dir: &std::path::Path,
    title: &str,
    (chain_id, token): (u64, Address),
    who: &[Address],
    budget: &str,
    extra: &str,
) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = "address,joined\n".to_string();
    for r in who {
        csv.push_str(&format!("{r},2026-01-01\n"));
    }
    std::fs::write(dir.join("list.csv"), csv).unwrap();
    let toml = format!(
        r#"name = "{title}"
chain_id = {chain_id}
token = {{ address = "{token}", symbol = "TT", decimals = 18 }}
budget = "{budget}"
format = "uniswap"

[[source]]
name = "list"
kind = "list"
file = "list.csv"

[[pool]]
source = "list"
share = "rest"
rule = "flat"
{extra}"#
    );
    let spec = dir.join("campaign.toml");
    std::fs::write(&spec, toml).unwrap();
    let out = dir.join("bundle");
    super::cli::ok(
        &[
            "build",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    out
}

/// The arguments of `airdrop deploy --bundle <bundle> --rpc <rpc> --key-env DEPLOYER_KEY`,
/// then `more`.
pub(crate) fn deploy_args<'a>(bundle: &'a str, rpc: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "deploy",
        "--bundle",
        bundle,
        "--rpc",
        rpc,
        "--key-env",
        "DEPLOYER_KEY",
    ];
    args.extend_from_slice(more);
    args
}

/// The arguments of `airdrop push --bundle <bundle> --rpc <rpc> --key-env <key_env>`, then
/// `more`.
pub(crate) fn push_args<'a>(
    bundle: &'a str,
    rpc: &'a str,
    key_env: &'a str,
    more: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "push",
        "--bundle",
        bundle,
        "--rpc",
        rpc,
        "--key-env",
        key_env,
    ];
    args.extend_from_slice(more);
    args
}
