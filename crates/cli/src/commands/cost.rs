//! `airdrop cost`: what distributing a bundle costs, push (`BatchSender`, the project pays)
//! against claim (the distributor `airdrop deploy` puts there, a clone through the factory or
//! with `--full` the whole contract: the deployer sets up and claws back, recipients — or a
//! relayer — pay the claims), per transaction kind and in total, which to pick with the
//! break-even point, and clone against whole contract. The figures come from the engine
//! (`estimate_cost`: the push plan `push` sends, the distributors' table of measured receipts);
//! all money is integer wei, printed with exact decimals.

use airdrop_core::units::{format_units, parse_decimal};
use airdrop_engine::distribution::{
    estimate_cost, eth, factory_on_chain, gwei, Bundle, Choice, Contract, CostEstimate, CostInput,
    PushPath,
};
use alloy_primitives::{Address, U256};
use anyhow::{anyhow, bail};
use serde_json::json;
use std::path::PathBuf;

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
    /// Block gas limit the push batches are fitted into (as `airdrop push` does, 75 % of it).
    #[arg(long, default_value_t = 30_000_000)]
    pub block_gas_limit: u64,
    /// Recipients per push batch, as `airdrop push --batch-size`.
    #[arg(long, value_name = "N")]
    pub batch_size: Option<u64>,
    /// A BatchSender already deployed on the chain: its deployment is not counted.
    #[arg(long, value_name = "ADDRESS")]
    pub batch_sender: Option<Address>,
    /// Price the whole AirdropDistributor contract, as `airdrop deploy --full`, instead of a
    /// clone through the factory.
    #[arg(long)]
    pub full: bool,
    /// The clone factory is on the chain already (`airdrop deploy` put it there once): its
    /// once-per-chain deployment is not counted.
    #[arg(long, conflicts_with = "rpc")]
    pub factory_deployed: bool,
    /// Ask the node at this URL whether the clone factory is there (the only thing `cost` asks
    /// a node; without it `cost` is offline and counts the factory unless --factory-deployed).
    #[arg(long, value_name = "URL")]
    pub rpc: Option<String>,
    /// Share of recipients expected to claim, in percent (at most 2 decimals). The default,
    /// 100, is the worst case for claim: a claim recommendation made at 100 holds at any rate.
    #[arg(long, value_name = "PCT", default_value = "100")]
    pub claim_rate: String,
    /// Share of claims a relayer submits with the recipient's signature, in percent.
    #[arg(long, value_name = "PCT", default_value = "0")]
    pub relay_rate: String,
    /// Claims per recipient of a vesting bundle: the first, follow-ups, and the one that
    /// finishes it (at least 2).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub vesting_claims: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A percentage with at most 2 decimals, 0 to 100, as basis points.
pub(crate) fn parse_pct(flag: &str, text: &str) -> anyhow::Result<u32> {
    let bps = parse_decimal(text.trim().trim_end_matches('%'), 2)
        .map_err(|e| anyhow!("{flag} {text:?}: {e}; give a percentage like 62.5"))?;
    if bps > U256::from(10_000u32) {
        bail!("{flag} {text:?} is above 100; give a percentage from 0 to 100");
    }
    Ok(bps.to::<u32>())
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
    if args.vesting_claims < 2 {
        bail!(
            "--vesting-claims {} is below 2: a vesting recipient claims at least twice (the unlocked part, then the rest)",
            args.vesting_claims
        );
    }
    let input = CostInput {
        claim_rate_bps: parse_pct("--claim-rate", &args.claim_rate)?,
        relay_rate_bps: parse_pct("--relay-rate", &args.relay_rate)?,
        vesting_claims: args.vesting_claims,
        block_gas_limit: args.block_gas_limit,
        batch_size: args.batch_size,
        sender_deployed: args.batch_sender.is_some(),
        full: args.full,
        factory_deployed: match &args.rpc {
            Some(url) => super::args::runtime()?.block_on(factory_on_chain(url))?,
            None => args.factory_deployed,
        },
    };
    if args.block_gas_limit / 4 * 3 < 100_000 && args.batch_size.is_none() {
        bail!(
            "--block-gas-limit {} cannot hold a push batch (75 % of it is used); use the chain's block gas limit, e.g. 30000000",
            args.block_gas_limit
        );
    }
    let e = estimate_cost(&bundle, &input)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&as_json(&e, &input, price))?
        );
    } else {
        print_text(&bundle, &e, &input, price, cents);
    }
    Ok(())
}

fn pct(bps: u32) -> String {
    format_units(U256::from(bps), 2)
}

fn as_json(e: &CostEstimate, input: &CostInput, price: U256) -> serde_json::Value {
    let w = |g: u64| (U256::from(g) * price).to_string();
    let (p, c) = (&e.push, &e.claim);
    let n = e.recipients.max(1);
    let packed = p.plan.batches.iter().filter(|b| b.path == PushPath::Packed);
    let k = c.kinds;
    let (winner, loser) = match e.choice {
        Choice::Push => (p.total, c.total),
        Choice::Claim => (c.total, p.total),
    };
    json!({
        "recipients": e.recipients,
        "gas_price_wei": price.to_string(),
        "assumptions": {
            "claim_rate_pct": pct(input.claim_rate_bps),
            "relay_rate_pct": pct(input.relay_rate_bps),
            "vesting_claims": input.vesting_claims,
            "block_gas_limit": input.block_gas_limit,
            "batch_sender_deployed": input.sender_deployed,
            "factory_deployed": input.factory_deployed,
        },
        "push": {
            "paid_by": "the sender",
            "batch_size": p.plan.batch_size,
            "transactions": p.plan.batches.len(),
            "packed_batches": packed.count(),
            "gas_deploy_batch_sender": p.deploy_sender,
            "gas_approve": p.approve,
            "gas_batches": p.plan.gas(),
            "batches": p.plan.batches.iter().map(|b| json!({
                "recipients": b.recipients, "path": b.path, "gas": b.gas,
            })).collect::<Vec<_>>(),
            "gas_total": p.total, "wei_total": w(p.total),
            "gas_per_recipient": p.total / n, "wei_per_recipient": w(p.total / n),
        },
        "claim": {
            "paid_by": "each recipient (a relayer for relayed claims); setup and clawback by the deployer",
            "contract": if input.full { Contract::Full } else { Contract::Clone },
            "gas_setup": c.setup, "wei_setup": w(c.setup),
            "gas_per_tx": {
                "deploy_factory": k.deploy_factory, "deploy": k.deploy, "fund": k.fund, "clawback": k.clawback,
                "first": k.first, "later": k.later, "vesting_first": k.vesting_first,
                "vesting_follow_up": k.vesting_follow_up, "vesting_last": k.vesting_last,
                "relay_extra": k.relay_extra,
            },
            "claimers": c.claimers,
            "gas_claims": c.claims, "wei_claims": w(c.claims),
            "gas_relayed": c.relayed,
            "gas_clawback": c.clawback,
            "gas_total": c.total, "wei_total": w(c.total),
        },
        "recommendation": {
            "choice": e.choice,
            "saves_gas": loser - winner, "saves_wei": w(loser - winner),
            "break_even_claim_rate_pct": e.break_even_claim_rate_bps.map(pct),
            "break_even_recipients": e.break_even_recipients,
            "contract": {
                "choice": e.contracts.choice,
                "clone_gas_total": e.contracts.clone_total,
                "full_gas_total": e.contracts.full_total,
                "break_even_claims": e.contracts.break_even_claims,
                "cheaper_below_break_even": e.contracts.cheaper_below,
            },
        },
    })
}

fn print_text(
    bundle: &Bundle,
    e: &CostEstimate,
    input: &CostInput,
    price: U256,
    cents: Option<U256>,
) {
    let money = |g: u64| {
        let wei = U256::from(g) * price;
        match cents {
            Some(c) => format!("{g} gas  {} ({})", eth(wei), usd(wei, c)),
            None => format!("{g} gas  {}", eth(wei)),
        }
    };
    let (p, c, k) = (&e.push, &e.claim, e.claim.kinds);
    let n = e.recipients.max(1);
    println!(
        "{} recipients, {} total, gas price {}; claim rate {}%, {}% of claims relayed",
        e.recipients,
        bundle.tokens(bundle.total),
        gwei(price),
        pct(input.claim_rate_bps),
        pct(input.relay_rate_bps)
    );
    let packed = p
        .plan
        .batches
        .iter()
        .filter(|b| b.path == PushPath::Packed)
        .count();
    println!("push (BatchSender): the sender pays everything");
    match p.deploy_sender {
        0 => println!("  deploy BatchSender  already deployed (--batch-sender)"),
        g => println!("  deploy BatchSender  {}", money(g)),
    }
    println!("  approve             {}", money(p.approve));
    println!(
        "  batches             {}  ({} of up to {} recipients; {packed} packed, {} wide)",
        money(p.plan.gas()),
        p.plan.batches.len(),
        p.plan.batch_size,
        p.plan.batches.len() - packed
    );
    println!(
        "  total               {}  ({} per recipient)",
        money(p.total),
        p.total / n
    );
    let vesting = bundle.vesting.duration > 0;
    println!(
        "claim (AirdropDistributor{}{}): recipients pay their claims, the deployer the rest",
        if input.full { "" } else { " clone" },
        if vesting { ", vesting" } else { "" }
    );
    if !input.full {
        match k.deploy_factory {
            0 => println!("  factory             on the chain already, not counted"),
            g => println!("  factory             {}  (once per chain)", money(g)),
        }
    }
    println!(
        "  deploy + fund       {}",
        money(c.setup - k.deploy_factory)
    );
    if vesting {
        println!(
            "  per claim           first {}, follow-up {}, last {}; relayed +{}",
            k.vesting_first, k.vesting_follow_up, k.vesting_last, k.relay_extra
        );
    } else {
        println!(
            "  per claim           first of 256 {}, later {}; relayed +{}",
            k.first, k.later, k.relay_extra
        );
    }
    println!(
        "  claims              {}  ({} claimers; relayer pays {} gas)",
        money(c.claims),
        c.claimers,
        c.relayed
    );
    match c.clawback {
        Some(g) => println!("  clawback            {}", money(g)),
        None => println!("  clawback            none (everyone claims, or no claim window)"),
    }
    println!("  total               {}", money(c.total));
    print_choice(e, input, &money);
}

fn print_choice(e: &CostEstimate, input: &CostInput, money: &dyn Fn(u64) -> String) {
    let (name, saved) = match e.choice {
        Choice::Push => ("push", e.claim.total - e.push.total),
        Choice::Claim => ("claim", e.push.total - e.claim.total),
    };
    println!(
        "recommendation: {name}, {} less in total at a {}% claim rate",
        money(saved),
        pct(input.claim_rate_bps)
    );
    match e.break_even_claim_rate_bps {
        Some(r) => println!(
            "  break-even claim rate {}%: below it claim costs less, above it push",
            pct(r)
        ),
        None => {
            println!("  no break-even claim rate: {name} costs less at every rate from 0 to 100%")
        }
    }
    if let Some(m) = e.break_even_recipients {
        println!("  break-even at this claim rate: {m} recipients (below them push costs less, above them claim)");
    }
    print_contract(e, input, money);
}

/// Clone against whole contract for the claim side.
fn print_contract(e: &CostEstimate, input: &CostInput, money: &dyn Fn(u64) -> String) {
    let c = e.contracts;
    let (name, saved) = match c.choice {
        Contract::Clone => ("a clone", c.full_total - c.clone_total),
        Contract::Full => ("the full contract (--full)", c.clone_total - c.full_total),
    };
    println!("claim contract: {name}, {} less in total", money(saved));
    let label = |k: Contract| match k {
        Contract::Clone => "a clone",
        Contract::Full => "the full contract",
    };
    let other = match c.cheaper_below {
        Contract::Clone => Contract::Full,
        Contract::Full => Contract::Clone,
    };
    match c.break_even_claims {
        Some(m) => println!(
            "  break-even at {m} claim transactions: below them {} costs less (its setup), above them {} (its claims)",
            label(c.cheaper_below),
            label(other)
        ),
        None if c.choice == Contract::Full && !input.factory_deployed => println!(
            "  the full contract costs less at every claim count while the factory is not on the chain (it is once per chain: later bundles' clones need none; see --factory-deployed)"
        ),
        None => println!("  {name} costs less at every claim count"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percentages_and_money() {
        assert_eq!(parse_pct("--claim-rate", "62.5").unwrap(), 6_250);
        assert_eq!(parse_pct("--claim-rate", "100%").unwrap(), 10_000);
        assert_eq!(parse_pct("--claim-rate", "0").unwrap(), 0);
        let e = parse_pct("--claim-rate", "100.01").unwrap_err().to_string();
        assert!(e.contains("above 100"), "{e}");
        assert!(parse_pct("--claim-rate", "1.001").is_err());
        assert!(parse_pct("--claim-rate", "half").is_err());
        assert_eq!(pct(6_250), "62.5");
        assert_eq!(
            usd(
                U256::from(10u64).pow(U256::from(18u64)),
                U256::from(315025u64)
            ),
            "$3150.25"
        );
        assert!(parse_usd("1.001").is_err());
        assert_eq!(usd(U256::from(1u64), U256::from(1u64)), "$0.00");
    }
}
