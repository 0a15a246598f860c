//! `airdrop scan`: what a wallet received, each token, transfer and approval judged with its
//! reasons in plain words (the job is `airdrop_engine::scan`). Exit code 0 when nothing is
//! flagged, 3 when something is a scam, 4 when something is only suspicious.

use crate::output::Shown;
use airdrop_chain::RpcConfig;
use airdrop_core::scan::{shown_meta, unlimited, Finding, Subject, Verdict};
use airdrop_core::units::format_units;
use airdrop_engine::scan::{refuse_secrets, run as scan, ScanInput, ScanReport};
use airdrop_engine::{Cancel, NoProgress};
use anyhow::bail;
use std::path::PathBuf;

/// Exit code when a scam was found.
pub(crate) const EXIT_SCAM: i32 = 3;
/// Exit code when something is suspicious and nothing is a scam.
pub(crate) const EXIT_SUSPICIOUS: i32 = 4;

#[derive(Debug, clap::Args)]
pub(crate) struct ScanArgs {
    /// The wallet's public address (0x + 40 hex digits). Never a private key or recovery phrase.
    #[arg(required = true, num_args = 1.., value_name = "ADDRESS")]
    pub address: Vec<String>,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Trusted tokens: a token list in the Uniswap format (only entries of the node's chain count).
    #[arg(long, value_name = "FILE")]
    pub token_list: Option<PathBuf>,
    /// Spenders you trust (one address a line), besides the listed tokens.
    #[arg(long, value_name = "FILE")]
    pub known: Option<PathBuf>,
    /// First block to scan [default: 0].
    #[arg(long)]
    pub from_block: Option<u64>,
    /// Last block to scan [default: the head].
    #[arg(long)]
    pub to_block: Option<u64>,
    /// At most this many tokens get a simulated transfer (unknown tokens first).
    #[arg(long, default_value_t = 50)]
    pub max_simulations: usize,
    /// At most this many transactions are looked up for their sender (outgoing transfers first).
    #[arg(long, default_value_t = 2_000)]
    pub max_tx_lookups: usize,
    /// Hex characters compared at each end of an address to spot look-alikes.
    #[arg(long, default_value_t = 4)]
    pub lookalike_chars: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn run(args: ScanArgs) -> anyhow::Result<()> {
    // Several words where one address belongs may be a recovery phrase: check before anything
    // could quote them.
    let address = args.address.join(" ");
    refuse_secrets([address.as_str()])?;
    if args.address.len() > 1 {
        bail!(
            "give one wallet address (0x + 40 hex digits), not {} words",
            args.address.len()
        );
    }
    let paths: Vec<String> = [&args.token_list, &args.known]
        .into_iter()
        .flatten()
        .map(|p| p.display().to_string())
        .collect();
    refuse_secrets(paths.iter().map(String::as_str))?;
    let input = ScanInput {
        address,
        rpc_url: args.rpc,
        token_list: args.token_list,
        known: args.known,
        from_block: args.from_block,
        to_block: args.to_block,
        max_simulations: args.max_simulations,
        max_tx_lookups: args.max_tx_lookups,
        lookalike_chars: args.lookalike_chars,
        rpc_config: RpcConfig::default(),
    };
    let report = scan(&input, &Shown(&NoProgress), &Cancel::new())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&as_json(&report))?);
    } else {
        print_text(&report);
    }
    let code = match report.findings.iter().map(|f| f.verdict).min() {
        Some(Verdict::Scam) => EXIT_SCAM,
        Some(Verdict::Suspicious) => EXIT_SUSPICIOUS,
        _ => 0,
    };
    if code != 0 {
        // exit() skips destructors: the report must be out first.
        std::io::Write::flush(&mut std::io::stdout())?;
        std::process::exit(code);
    }
    Ok(())
}

fn as_json(r: &ScanReport) -> serde_json::Value {
    let f = &r.facts;
    serde_json::json!({
        "wallet": f.wallet.to_checksum(None),
        "chain_id": f.chain_id,
        "from_block": f.from_block,
        "to_block": f.to_block,
        "listed_tokens": r.listed,
        "received_transfers": f.incoming.len(),
        "sent_transfers": f.outgoing.len(),
        "open_approvals": f.approvals.len(),
        "scam": r.with(Verdict::Scam).count(),
        "suspicious": r.with(Verdict::Suspicious).count(),
        "findings": r.findings,
        "tokens": f.tokens.values().collect::<Vec<_>>(),
    })
}

fn print_text(r: &ScanReport) {
    let f = &r.facts;
    println!(
        "wallet   {} on chain {}, blocks {}..={}",
        f.wallet, f.chain_id, f.from_block, f.to_block
    );
    match r.listed {
        Some(n) => println!("list     {n} trusted tokens of this chain"),
        None => println!("list     none given: \"not on the list\" and impersonation are not checked (--token-list)"),
    }
    println!(
        "seen     {} transfers in, {} out, {} open approvals",
        f.incoming.len(),
        f.outgoing.len(),
        f.approvals.len()
    );
    for (verdict, title) in [
        (Verdict::Scam, "SCAM"),
        (Verdict::Suspicious, "SUSPICIOUS"),
        (Verdict::Ok, "OK"),
    ] {
        let found: Vec<&Finding> = r.with(verdict).collect();
        if found.is_empty() {
            continue;
        }
        println!("\n{title} ({})", found.len());
        for x in found {
            println!("  {}", subject_line(r, &x.subject));
            for reason in &x.reasons {
                println!("    - {}", reason.text);
            }
        }
    }
    if r.flagged() {
        println!("\ndo not open links from these tokens, do not approve or sell them, and copy addresses only from a trusted source, never from your history");
    } else {
        println!("\nnothing flagged");
    }
}

fn amount(r: &ScanReport, token: &alloy_primitives::Address, v: alloy_primitives::U256) -> String {
    match r.facts.tokens.get(token) {
        Some(t) => {
            let units = t.decimals.map_or(v.to_string(), |d| format_units(v, d));
            format!("{units} {}", shown_meta(Some(&t.symbol)))
        }
        None => format!("{v} base units"),
    }
}

fn subject_line(r: &ScanReport, s: &Subject) -> String {
    match s {
        Subject::Token {
            address,
            symbol,
            name,
        } => format!("token    {symbol} ({name}) at {address}"),
        Subject::Transfer(t) => format!(
            "transfer {} from {} to {} at block {}{}",
            amount(r, &t.token, t.value),
            t.from,
            t.to,
            t.block,
            t.tx.map(|h| format!(", tx {h}")).unwrap_or_default()
        ),
        Subject::Approval(a) => {
            let what = if unlimited(a.value) {
                let symbol = r.facts.tokens.get(&a.token).map(|t| &t.symbol);
                format!("an unlimited amount of {}", shown_meta(symbol))
            } else {
                amount(r, &a.token, a.value)
            };
            format!(
                "approval {} may spend {what} (last set at block {})",
                a.spender, a.block
            )
        }
    }
}
