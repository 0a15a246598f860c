//! `airdrop check`: is an address eligible, for how much and when — after verifying the signed
//! announcement, with the proof folded locally to the signed root (a bundle's copy or a server's
//! answer is never taken on its word). The job is `airdrop_engine::announce::check`.

use super::args::runtime;
use super::verify::{expected, print_verdict, source};
use airdrop_core::units::format_units;
use airdrop_engine::announce::{check, CheckFrom, CheckOutcome, Source};
use airdrop_engine::distribution::span;
use airdrop_merkle::address::parse_address;
use alloy_primitives::U256;
use anyhow::anyhow;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// The address to check.
    pub address: String,
    /// Bundle folder holding announcement.json and claims.json.
    #[arg(long, required_unless_present_any = ["manifest", "api", "kit"], conflicts_with_all = ["manifest", "api", "kit"])]
    pub bundle: Option<PathBuf>,
    /// The announcement's URL or path, with the bundle's files beside it.
    #[arg(long, value_name = "URL-or-PATH", conflicts_with_all = ["api", "kit"])]
    pub manifest: Option<String>,
    /// A claim kit's folder or URL (`airdrop kit`): its signed announcement, its manifest and
    /// the address's proof shard (whose proof is checked here).
    #[arg(long, value_name = "URL-or-PATH", conflicts_with = "api")]
    pub kit: Option<String>,
    /// A server's campaign URL, e.g. `http://host/v1/campaigns/ID`: its signed announcement and
    /// its claim look-up (whose proof is checked here).
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,
    /// The signer the project publishes; anything else is refused.
    #[arg(long, value_name = "ADDR")]
    pub expect_signer: Option<String>,
    /// A node of the campaign's chain, to check the distributor too.
    #[arg(long)]
    pub rpc: Option<String>,
}

pub(crate) fn run(args: CheckArgs) -> anyhow::Result<()> {
    let who =
        parse_address(&args.address).map_err(|e| anyhow!("address {:?}: {e}", args.address))?;
    let from = match (&args.api, &args.kit) {
        (_, Some(kit)) => CheckFrom::Kit(Source::kit_at(kit)?),
        (Some(url), None) => {
            let mut u: alloy::transports::http::reqwest::Url = url
                .parse()
                .map_err(|e| anyhow!("--api {url:?} is not a URL: {e}"))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(anyhow!(
                    "--api {url:?}: only http:// and https:// are fetched"
                ));
            }
            if !u.path().ends_with('/') {
                u.set_path(&format!("{}/", u.path()));
            }
            CheckFrom::Api(u)
        }
        (None, None) => CheckFrom::Bundle(source(&args.bundle, &args.manifest)?),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let out = runtime()?.block_on(check(
        who,
        &from,
        expected(&args.expect_signer)?,
        args.rpc.as_deref(),
        now,
    ))?;
    print_verdict(&out.verdict);
    if !out.verdict.verified() {
        std::process::exit(1);
    }
    print_claim(who, &out);
    Ok(())
}

fn print_claim(who: alloy_primitives::Address, out: &CheckOutcome) {
    let f = &out.verdict.announcement.message;
    let Some((index, amount)) = out.claim else {
        println!(
            "not eligible: {who} has no claim in this campaign (root {})",
            f.root
        );
        return;
    };
    let tokens = |v: U256| match &out.units {
        Some((symbol, decimals)) => format!("{} {symbol} ({v})", format_units(v, *decimals)),
        None => format!("{v} base units"),
    };
    println!(
        "eligible: {who} gets {} of token {} (index {index}); proof checked against the signed root {}",
        tokens(amount),
        f.token,
        f.root
    );
    let now = out.now;
    let at = |t: u64| {
        if t >= now {
            format!("{t} (unix, in {})", span(t - now))
        } else {
            format!("{t} (unix, {} ago)", span(now - t))
        }
    };
    if f.claim_deadline != u64::MAX {
        if now < f.claim_start {
            println!("claims open at {}", at(f.claim_start));
        }
        println!("deadline: {}", at(f.claim_deadline));
    }
    match (out.claimed, out.claimable) {
        (Some(claimed), Some(claimable)) => println!(
            "vested now: {} of {}; already claimed {}; claimable now {}",
            tokens(out.vested),
            tokens(amount),
            tokens(claimed),
            tokens(claimable)
        ),
        _ => println!(
            "vested now: {} of {} (less what was already claimed: give --rpc to read it)",
            tokens(out.vested),
            tokens(amount)
        ),
    }
    if out.vested < amount {
        let locked = amount - out.vested;
        let cliff_end = f.claim_start.saturating_add(f.cliff);
        if now < cliff_end {
            println!(
                "locked: {} until the cliff at {}, then vesting",
                tokens(locked),
                at(cliff_end)
            );
        } else {
            println!("locked: {}, vesting", tokens(locked));
        }
        println!(
            "fully vested at {}",
            at(f.claim_start.saturating_add(f.duration))
        );
    }
}
