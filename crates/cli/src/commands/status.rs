//! `airdrop status`: what has been claimed from a bundle's distributor (its `Claimed` logs over
//! the distributor's life), what is left, its token balance and the time to the deadline.

use super::claim::check_distributor;
use super::deploy::{chain, runtime, span, Bundle, StateArgs};
use airdrop_chain::distributor::{AirdropDistributor, IERC20};
use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, U256, U64};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Bundle folder (with deployment.json from `airdrop deploy`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Blocks per eth_getLogs request.
    #[arg(long, default_value_t = 10_000)]
    pub log_window: u64,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let d = bundle.deployment(&args.state)?;
    runtime()?.block_on(async {
        let chain = chain(&args.rpc)?;
        chain.expect_chain_id(bundle.chain_id).await?;
        check_distributor(&chain, &bundle, &d).await?;
        let a = d.distributor;
        let (head, now) = chain.head().await?;
        let window = args.log_window.max(1);
        let mut indices = BTreeSet::new();
        let mut accounts = BTreeSet::new();
        let mut claimed = U256::ZERO;
        let mut events = 0u64;
        let mut from = d.block;
        while from <= head {
            let to = head.min(from.saturating_add(window - 1));
            let filter = json!({
                "address": a,
                "fromBlock": U64::from(from),
                "toBlock": U64::from(to),
                "topics": [AirdropDistributor::Claimed::SIGNATURE_HASH],
            });
            let logs: Vec<Value> = chain.rpc.call("eth_getLogs", (filter,)).await?;
            for log in logs {
                let data = log["data"]
                    .as_str()
                    .and_then(|s| alloy_primitives::hex::decode(s).ok())
                    .unwrap_or_default();
                if data.len() != 96 {
                    anyhow::bail!(
                        "a Claimed log of {a} has {} data bytes, expected 96",
                        data.len()
                    );
                }
                indices.insert(U256::from_be_slice(&data[0..32]));
                accounts.insert(Address::from_slice(&data[44..64]));
                claimed += U256::from_be_slice(&data[64..96]);
                events += 1;
            }
            from = to + 1;
        }
        let mut fully = 0u64;
        for i in &indices {
            if chain
                .view(a, &AirdropDistributor::isClaimedCall { index: *i })
                .await?
            {
                fully += 1;
            }
        }
        let balance = chain
            .view(d.token, &IERC20::balanceOfCall { account: a })
            .await?;
        let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
        let unclaimed = bundle.total.saturating_sub(claimed);
        let left = deadline.saturating_sub(now);
        if args.json {
            let v = json!({
                "distributor": a.to_checksum(None),
                "token": d.token.to_checksum(None),
                "block": head,
                "chain_time": now,
                "recipients": bundle.count,
                "total": bundle.total.to_string(),
                "claim_events": events,
                "claimed_recipients": accounts.len(),
                "fully_claimed_recipients": fully,
                "claimed": claimed.to_string(),
                "unclaimed": unclaimed.to_string(),
                "balance": balance.to_string(),
                "deadline": deadline,
                "seconds_to_deadline": left,
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
            return Ok(());
        }
        println!("distributor   {a} (block {head}, chain time {now})");
        println!(
            "claimed       {} by {} of {} recipients ({} in full, {events} claims)",
            bundle.tokens(claimed),
            accounts.len(),
            bundle.count,
            fully
        );
        println!("unclaimed     {}", bundle.tokens(unclaimed));
        println!("balance       {}", bundle.tokens(balance));
        if deadline == u64::MAX {
            println!("deadline      none (claims never close)");
        } else if left == 0 {
            println!("deadline      {deadline} (unix): passed, clawback possible");
        } else {
            println!("deadline      {deadline} (unix): in {}", span(left));
        }
        Ok(())
    })
}
