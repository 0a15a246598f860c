//! `airdrop cost`: what distributing a bundle costs, push (`BatchSender`, the project pays)
//! versus claim (`AirdropDistributor`, each recipient — or a relayer — pays), in total and per
//! recipient, at a given gas price. Gas figures are the measured constants of
//! docs/performance.md (*Contracts (gas)*); all money is integer wei, printed with exact decimals.

use airdrop_core::units::parse_decimal;
use airdrop_engine::distribution::{eth, gwei, Bundle};
use alloy_primitives::U256;
use anyhow::{anyhow, bail};
use serde_json::json;
use std::path::PathBuf;

/// Intrinsic gas of any transaction.
pub(crate) const TX_BASE: u64 = 21_000;
/// `claim`, first claim of a distributor (bitmap word 0 → 1), no vesting.
pub(crate) const CLAIM_FIRST: u64 = 56_892;
/// `claim`, later claims of new recipients, no vesting.
pub(crate) const CLAIM_LATER: u64 = 39_705;
/// `claim` with vesting, first and later recipients.
pub(crate) const CLAIM_VESTING_FIRST: u64 = 59_546;
pub(crate) const CLAIM_VESTING_LATER: u64 = 59_459;
/// Vesting: each follow-up partial claim of the same recipient.
pub(crate) const CLAIM_VESTING_FOLLOW_UP: u64 = 25_658;
/// Extra for `claimWithSignature` over `claim` (nonce slot, ECDSA, EIP-712 hashing).
pub(crate) const SIGNED_EXTRA: u64 = 91_266 - 58_876;
/// Cold access to the token account inside a claim (not in the measured figures).
pub(crate) const COLD_TOKEN: u64 = 2_500;
/// BatchSender: marginal gas of one more fresh ERC-20 recipient.
pub(crate) const PUSH_PER_RECIPIENT: u64 = 25_415;
/// BatchSender calldata per recipient (32-byte address + 32-byte amount).
pub(crate) const PUSH_CALLDATA: u64 = 597;
/// BatchSender: the one pull per batch (balance/allowance reads, contract balance slot, events),
/// net of the refund.
pub(crate) const PUSH_PULL: u64 = 18_000;
/// Deploying `AirdropDistributor` (receipt on anvil, docs/performance.md *On anvil*).
pub(crate) const DEPLOY: u64 = 1_337_858;
/// Funding it: one ERC-20 transfer to a fresh balance.
pub(crate) const FUND: u64 = 51_647;
/// ERC-20 `approve` of the BatchSender, once.
pub(crate) const APPROVE: u64 = 46_000;

#[derive(Debug, clap::Args)]
pub(crate) struct CostArgs {
    /// Bundle folder written by `airdrop build`.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Gas price in gwei, a decimal (e.g. "12.5"); parsed exactly to wei.
    #[arg(long, value_name = "GWEI")]
    pub gas_price: String,
    /// Price of the chain's coin in USD, a decimal with at most 2 places (e.g. "3150.25").
    #[arg(long, value_name = "USD")]
    pub eth_price_usd: Option<String>,
    /// Block gas limit; a push batch never uses more than this.
    #[arg(long, default_value_t = 30_000_000)]
    pub block_gas_limit: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Calldata gas of a `claim(index, account, amount, proof)` with a proof of `depth` hashes:
/// selector, address, proof hashes and the amount's significant bytes at 16, the zero bytes at 4.
pub(crate) fn claim_calldata(depth: u64) -> u64 {
    let bytes = 4 + 32 * (5 + depth);
    let nonzero = 4 + 20 + 12 + 1 + 1 + 1 + 32 * depth;
    nonzero * 16 + (bytes - nonzero) * 4
}

/// Proof length of a sorted-pair tree of `n` leaves.
pub(crate) fn depth(n: u64) -> u64 {
    let mut d = 0;
    while (1u64 << d) < n.max(1) {
        d += 1;
    }
    d
}

/// The figures of `cost`, in gas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub recipients: u64,
    pub claim_each_first: u64,
    pub claim_each: u64,
    pub claim_total: u64,
    pub signed_total: u64,
    pub vesting_follow_up: Option<u64>,
    pub push_batch: u64,
    pub push_txs: u64,
    pub push_total: u64,
}

pub(crate) fn plan(n: u64, vesting: bool, block_gas_limit: u64) -> anyhow::Result<Plan> {
    let per_tx = TX_BASE + claim_calldata(depth(n)) + COLD_TOKEN;
    let (first, later) = if vesting {
        (CLAIM_VESTING_FIRST, CLAIM_VESTING_LATER)
    } else {
        (CLAIM_FIRST, CLAIM_LATER)
    };
    let claim_total = if n == 0 {
        0
    } else {
        first + per_tx + (n - 1) * (later + per_tx)
    };
    let push_fixed = TX_BASE + PUSH_PULL;
    let per = PUSH_PER_RECIPIENT + PUSH_CALLDATA;
    if block_gas_limit <= push_fixed + per {
        bail!(
            "--block-gas-limit {block_gas_limit} cannot hold even one push recipient ({} gas); use the chain's block gas limit, e.g. 30000000",
            push_fixed + per
        );
    }
    let batch = (block_gas_limit - push_fixed) / per;
    let txs = n.div_ceil(batch);
    Ok(Plan {
        recipients: n,
        claim_each_first: first + per_tx,
        claim_each: later + per_tx,
        claim_total,
        signed_total: claim_total + n * SIGNED_EXTRA,
        vesting_follow_up: vesting
            .then_some(CLAIM_VESTING_FOLLOW_UP + TX_BASE + claim_calldata(depth(n))),
        push_batch: batch,
        push_txs: txs,
        push_total: APPROVE + txs * push_fixed + n * per,
    })
}

/// Parses a USD price with at most 2 decimals into cents.
pub(crate) fn parse_usd(text: &str) -> anyhow::Result<U256> {
    parse_decimal(text.trim().trim_start_matches('$'), 2).map_err(|e| {
        anyhow!("--eth-price-usd {text:?}: {e}; write it like 3150.25 (at most 2 decimals)")
    })
}

/// `wei` worth of the coin at `cents` per coin, in cents (rounded half up), as `$x.yy`.
pub(crate) fn usd(wei: U256, cents: U256) -> String {
    let unit = U256::from(10u64).pow(U256::from(18u64));
    let c = (wei * cents + unit / U256::from(2u64)) / unit;
    let hundred = U256::from(100u64);
    format!("${}.{:02}", c / hundred, (c % hundred).to::<u64>())
}

pub(crate) fn run(args: CostArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let price = parse_decimal(args.gas_price.trim(), 9).map_err(|e| {
        anyhow!(
            "--gas-price {:?}: {e}; give gwei as a decimal, e.g. 12.5",
            args.gas_price
        )
    })?;
    let cents = args.eth_price_usd.as_deref().map(parse_usd).transpose()?;
    let vesting = bundle.vesting.duration > 0;
    let p = plan(bundle.count, vesting, args.block_gas_limit)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&as_json(&p, price))?);
    } else {
        print_text(&bundle, &p, price, cents, vesting);
    }
    Ok(())
}

fn as_json(p: &Plan, price: U256) -> serde_json::Value {
    let n = p.recipients.max(1);
    let w = |g: u64| (U256::from(g) * price).to_string();
    json!({
            "recipients": p.recipients,
            "gas_price_wei": price.to_string(),
            "claim": {
                "paid_by": "each recipient",
                "gas_total": p.claim_total, "wei_total": w(p.claim_total),
                "gas_per_recipient": p.claim_each, "wei_per_recipient": w(p.claim_each),
                "gas_first": p.claim_each_first,
                "gas_total_gasless": p.signed_total, "wei_total_gasless": w(p.signed_total),
                "gas_vesting_follow_up": p.vesting_follow_up,
                "setup_paid_by": "the deployer",
                "gas_setup": DEPLOY + FUND, "wei_setup": w(DEPLOY + FUND),
            },
            "push": {
                "paid_by": "the sender",
                "batch_size": p.push_batch, "transactions": p.push_txs,
                "gas_total": p.push_total, "wei_total": w(p.push_total),
                "gas_per_recipient": p.push_total / n, "wei_per_recipient": w(p.push_total / n),
            },
    })
}

fn print_text(bundle: &Bundle, p: &Plan, price: U256, cents: Option<U256>, vesting: bool) {
    let wei = |g: u64| U256::from(g) * price;
    let money = |g: u64| match cents {
        Some(c) => format!("{} ({})", eth(wei(g)), usd(wei(g), c)),
        None => eth(wei(g)),
    };
    let n = p.recipients.max(1);
    println!(
        "{} recipients, {} total, gas price {}",
        p.recipients,
        bundle.tokens(bundle.total),
        gwei(price)
    );
    println!(
        "claim (AirdropDistributor{}): each recipient pays for their own claim",
        if vesting { ", vesting" } else { "" }
    );
    println!(
        "  setup (deployer: deploy + fund)  {} gas  {}",
        DEPLOY + FUND,
        money(DEPLOY + FUND)
    );
    println!(
        "  per recipient   {} gas  {}",
        p.claim_each,
        money(p.claim_each)
    );
    println!(
        "  all recipients  {} gas  {}",
        p.claim_total,
        money(p.claim_total)
    );
    println!(
        "  gasless (relayer pays all) {} gas  {}",
        p.signed_total,
        money(p.signed_total)
    );
    if let Some(f) = p.vesting_follow_up {
        println!("  each later vesting claim   {f} gas  {}", money(f));
    }
    println!(
        "push (BatchSender): the sender pays everything; {} transactions of up to {} recipients",
        p.push_txs, p.push_batch
    );
    println!(
        "  per recipient   {} gas  {}",
        p.push_total / n,
        money(p.push_total / n)
    );
    println!(
        "  total           {} gas  {}",
        p.push_total,
        money(p.push_total)
    );
    println!("not included: deploying BatchSender for push (once per chain); `airdrop deploy --dry-run` estimates the claim setup at the current gas price");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn figures() {
        assert_eq!(depth(1), 0);
        assert_eq!(depth(21), 5);
        assert_eq!(depth(1024), 10);
        let p = plan(300, false, 30_000_000).unwrap();
        assert_eq!(p.push_txs, 1);
        assert_eq!(p.push_batch, (30_000_000 - 39_000) / 26_012);
        let p = plan(5000, false, 30_000_000).unwrap();
        assert_eq!(p.push_txs, 5000u64.div_ceil(p.push_batch));
        assert!(plan(5, false, 30_000).is_err());
        assert_eq!(
            usd(
                U256::from(10u64).pow(U256::from(18u64)),
                U256::from(315025u64)
            ),
            "$3150.25"
        );
        assert!(parse_usd("1.001").is_err());
        assert_eq!(
            usd(
                U256::from(10u64).pow(U256::from(17u64)),
                U256::from(1000u64)
            ),
            "$1.00"
        );
        assert_eq!(usd(U256::from(1u64), U256::from(1u64)), "$0.00");
    }
}
