//! `airdrop snapshot`: who held what at a block, computed over plain JSON-RPC (or imported from
//! an export), written as a sorted CSV plus a `.meta.json` sidecar pinning the block hash.
//!
//! The engine takes and writes it ([`airdrop_engine::snapshot`], checkpoints next to the output
//! so an interrupted run resumes); this file turns the flags into its typed input.

use crate::output::{Bars, Shown};
use airdrop_chain::snapshot::{Traces, Verify};
use airdrop_chain::{EventSpec, ImportKind, ImportParams, Kind, Params, RpcConfig};
use airdrop_engine::snapshot::{ChainSnapshot, ImportSnapshot, SnapshotInput};
use airdrop_engine::Cancel;
use airdrop_merkle::address::parse_address;
use alloy_primitives::{Address, U256};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Arguments of `airdrop snapshot` (boxed: the options are many and the command enum stays small).
#[derive(Debug, clap::Args)]
pub(crate) struct SnapshotArgs {
    #[command(flatten)]
    pub options: Box<SnapshotOptions>,
}

/// The options of `airdrop snapshot`.
#[derive(Debug, clap::Args)]
pub(crate) struct SnapshotOptions {
    /// What to compute: erc20-balances, erc721-holders, native-balances, contract-users, or an
    /// export made elsewhere: import-transfers, import-balances (with --file).
    #[arg(long)]
    pub kind: String,
    /// JSON-RPC URL of the node (an archive node for old blocks).
    #[arg(long, env = "AIRDROP_RPC")]
    pub rpc: Option<String>,
    /// Snapshot block number (or `latest`); required for chain kinds.
    #[arg(long)]
    pub block: Option<String>,
    /// Output CSV; the sidecar `FILE.meta.json` and the checkpoint `FILE.checkpoint.json` go
    /// next to it.
    #[arg(long)]
    pub out: PathBuf,
    /// Token contract (erc20-balances, erc721-holders; optional filter for imports).
    #[arg(long)]
    pub token: Option<String>,
    /// First block to scan (default: the token's deploy block, found by binary search).
    #[arg(long)]
    pub from_block: Option<u64>,
    /// Last block to scan for candidates or users (default: the snapshot block).
    #[arg(long)]
    pub to_block: Option<u64>,
    /// Drop rows below this: a balance in base units (integer), or a token count (ERC-721), or
    /// transactions + events (contract users). Zero balances are always dropped.
    #[arg(long, default_value = "0")]
    pub min: String,
    /// native-balances: candidate addresses, one per line or a CSV with an `address` column;
    /// alone they are the candidates, with --from-block they are added to those the range gives.
    #[arg(long)]
    pub addresses: Option<PathBuf>,
    /// native-balances over a range: read call traces to find addresses paid by contracts
    /// (auto: when the node can; on: a node without traces is an error; off).
    #[arg(long, default_value = "auto")]
    pub traces: String,
    /// contract-users: a contract whose users to collect (repeat for several).
    #[arg(long = "contract")]
    pub contracts: Vec<String>,
    /// contract-users: an event whose address arguments count as users, e.g.
    /// "Swap(address indexed sender, uint256 a0In, uint256 a1In, uint256 a0Out, uint256 a1Out, address indexed to)".
    #[arg(long = "event")]
    pub events: Vec<String>,
    /// contract-users: don't count senders of transactions (events only).
    #[arg(long)]
    pub no_txs: bool,
    /// Drop addresses that have code at the block (contracts), except --allow ones.
    #[arg(long)]
    pub exclude_contracts: bool,
    /// Keep this address even though it has code (a smart wallet); repeatable.
    #[arg(long = "allow")]
    pub allow: Vec<String>,
    /// A file of addresses to keep even though they have code.
    #[arg(long)]
    pub allow_file: Option<PathBuf>,
    /// The campaign's chain id: a node of another chain is an error.
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// import-transfers / import-balances: the export (CSV, JSON array, or JSON lines).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Which computed token balances to prove with balanceOf at the block: all (batched), none,
    /// or sample (every holder above --verify-above of the supply plus --verify-sample others).
    #[arg(long, default_value = "all")]
    pub verify: String,
    /// With --verify sample: holders with at least this share of the supply are all checked.
    #[arg(long, default_value = "0.1%")]
    pub verify_above: String,
    /// With --verify sample: how many other holders to check, picked at random (0: no proof).
    #[arg(long, default_value_t = 32)]
    pub verify_sample: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Calls per JSON-RPC batch.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Retries of a failed request (backoff with jitter between them).
    #[arg(long, default_value_t = 6)]
    pub retries: u32,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout_secs: f64,
    /// First eth_getLogs window, in blocks (it adapts: halves on refusal or dense answers,
    /// doubles when sparse).
    #[arg(long, default_value_t = 2_000)]
    pub initial_range: u64,
    /// Largest eth_getLogs window, in blocks.
    #[arg(long, default_value_t = 100_000)]
    pub max_range: u64,
    /// Logs per answer the window size aims at.
    #[arg(long, default_value_t = 10_000)]
    pub target_logs: usize,
    /// Save a checkpoint at most this often, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    pub checkpoint_ms: u64,
    /// Ignore (delete) an existing checkpoint and start from the beginning.
    #[arg(long)]
    pub fresh: bool,
}

/// Runs the command.
pub(crate) fn run(args: SnapshotArgs) -> Result<()> {
    let args = *args.options;
    let started = Instant::now();
    let input = match args.kind.as_str() {
        "import-transfers" | "import-balances" => SnapshotInput::Import(import_input(&args)?),
        _ => SnapshotInput::Chain(Box::new(chain_input(&args)?)),
    };
    let bars = Bars::new(true, STAGES);
    let snapped = airdrop_engine::snapshot::run(input, &Shown(&bars), &Cancel::new());
    bars.finish();
    let m = &snapped?.snapshot.meta;
    let pin = match (m.block, m.block_hash) {
        (Some(b), Some(h)) => format!(" at block {b} ({h})"),
        (Some(b), None) => format!(" at block {b}"),
        _ => String::new(),
    };
    println!(
        "wrote {}: {} rows, total {}{pin}, {:.1}s",
        args.out.display(),
        m.rows,
        m.total,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The engine's own stages of a snapshot are quick: only the chain's phases draw bars.
const STAGES: &[(&str, Option<&str>)] = &[("import", None), ("write", None)];

fn import_input(args: &SnapshotOptions) -> Result<ImportSnapshot> {
    let kind = if args.kind == "import-transfers" {
        ImportKind::Transfers
    } else {
        ImportKind::Balances
    };
    let Some(file) = &args.file else {
        bail!("--kind {} needs --file (a CSV or JSON export)", args.kind)
    };
    // Parquet is binary, so only the regular-file and size bounds apply here; the CSV and JSON
    // readers bound their own lines.
    let data = crate::output::read_input_file(file, airdrop_merkle::limits::MAX_INPUT_BYTES)?;
    let block = match args.block.as_deref() {
        None => None,
        Some(b) => Some(
            b.parse::<u64>()
                .map_err(|_| anyhow::anyhow!("--block {b:?} is not a block number"))?,
        ),
    };
    let params = ImportParams {
        kind,
        block,
        token: args
            .token
            .as_deref()
            .map(|t| addr("--token", t))
            .transpose()?,
        min: parse_min(&args.min)?,
    };
    Ok(ImportSnapshot {
        data,
        name: file.display().to_string(),
        params,
        out: args.out.clone(),
    })
}

fn chain_input(args: &SnapshotOptions) -> Result<ChainSnapshot> {
    let kind = Kind::parse(&args.kind)?;
    let Some(url) = &args.rpc else {
        bail!(
            "--kind {} needs --rpc URL (or AIRDROP_RPC), e.g. http://127.0.0.1:8545",
            args.kind
        )
    };
    let Some(block) = args.block.as_deref() else {
        bail!(
            "--kind {} needs --block N (a block number, or `latest`)",
            args.kind
        )
    };
    let mut params = Params::new(kind);
    params.block =
        match block {
            "latest" => None,
            b => Some(b.parse::<u64>().map_err(|_| {
                anyhow::anyhow!("--block {b:?} is not a block number (or `latest`)")
            })?),
        };
    params.token = args
        .token
        .as_deref()
        .map(|t| addr("--token", t))
        .transpose()?;
    params.from_block = args.from_block;
    params.to_block = args.to_block;
    params.min = parse_min(&args.min)?;
    if let Some(path) = &args.addresses {
        params.candidates = Some(read_address_file(path)?);
    }
    params.contracts = args
        .contracts
        .iter()
        .map(|c| addr("--contract", c))
        .collect::<Result<_>>()?;
    params.events = args
        .events
        .iter()
        .map(|e| EventSpec::parse(e))
        .collect::<Result<_, _>>()?;
    params.include_txs = !args.no_txs;
    params.exclude_contracts = args.exclude_contracts;
    params.allow = args
        .allow
        .iter()
        .map(|a| addr("--allow", a))
        .collect::<Result<_>>()?;
    if let Some(path) = &args.allow_file {
        params.allow.extend(read_address_file(path)?);
    }
    tune(&mut params, args)?;
    Ok(ChainSnapshot {
        rpc_url: url.clone(),
        rpc_config: rpc_config(args)?,
        params,
        out: args.out.clone(),
        fresh: args.fresh,
    })
}

/// The proof, traces, window and checkpoint options.
fn tune(params: &mut Params, args: &SnapshotOptions) -> Result<()> {
    params.expected_chain_id = args.chain_id;
    params.verify_sample = args.verify_sample;
    params.verify = parse_verify(&args.verify, &args.verify_above)?;
    params.traces = match args.traces.as_str() {
        "auto" => Traces::Auto,
        "on" => Traces::On,
        "off" => Traces::Off,
        other => bail!("--traces {other:?} must be auto, on or off"),
    };
    params.range.initial_span = args.initial_range.max(1);
    params.range.max_span = args.max_range.max(1);
    params.range.target_logs = args.target_logs.max(1);
    params.checkpoint_every = Duration::from_millis(args.checkpoint_ms);
    Ok(())
}

fn rpc_config(args: &SnapshotOptions) -> Result<RpcConfig> {
    if !(args.timeout_secs > 0.0 && args.timeout_secs.is_finite()) {
        bail!(
            "--timeout-secs {} must be a positive number of seconds",
            args.timeout_secs
        );
    }
    Ok(RpcConfig {
        concurrency: args.concurrency.max(1),
        batch_size: args.batch_size.max(1),
        retries: args.retries,
        timeout: Duration::from_secs_f64(args.timeout_secs),
        ..RpcConfig::default()
    })
}

fn addr(flag: &str, text: &str) -> Result<Address> {
    parse_address(text).map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

fn parse_verify(rule: &str, above: &str) -> Result<Verify> {
    match rule {
        "all" => Ok(Verify::All),
        "none" => Ok(Verify::Off),
        "sample" => Ok(Verify::Sample {
            above_ppm: parse_share(above)?,
        }),
        other => bail!("--verify {other:?} must be all, none or sample"),
    }
}

/// A percentage with at most four decimals (`0.1%`, `2%`), in millionths; no floats on the way.
fn parse_share(text: &str) -> Result<u32> {
    let bad = || {
        anyhow::anyhow!(
            "--verify-above {text:?} must be a percentage of the supply between 0% and 100%, at most four decimals, e.g. 0.1%"
        )
    };
    let digits = text.trim().strip_suffix('%').ok_or_else(bad)?;
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !plain(whole) || !plain(frac) || frac.len() > 4 || whole.len() > 3 {
        return Err(bad());
    }
    let ppm = whole.parse::<u32>().map_err(|_| bad())? * 10_000
        + format!("{frac:0<4}").parse::<u32>().map_err(|_| bad())?;
    if ppm > 1_000_000 {
        return Err(bad());
    }
    Ok(ppm)
}

fn parse_min(text: &str) -> Result<U256> {
    let t = text.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        bail!("--min {text:?} must be an integer in base units (e.g. 100 tokens of 18 decimals is 100000000000000000000)");
    }
    U256::from_str_radix(t, 10).map_err(|e| anyhow::anyhow!("--min {text:?}: {e}"))
}

/// One address per line, or a CSV whose header has an `address` column.
fn read_address_file(path: &Path) -> Result<Vec<Address>> {
    Ok(airdrop_engine::input::read_address_file(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_exact_millionths() {
        assert_eq!(parse_share("0.1%").unwrap(), 1_000);
        assert_eq!(parse_share("2%").unwrap(), 20_000);
        assert_eq!(parse_share("100%").unwrap(), 1_000_000);
        assert_eq!(parse_share("0.0001%").unwrap(), 1);
        for bad in ["0.1", "1e-3%", "101%", "-1%", "0.00001%", ".5%", "%"] {
            let e = parse_share(bad).unwrap_err().to_string();
            assert!(
                e.contains("--verify-above") && e.contains(bad),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn verify_rules() {
        assert_eq!(parse_verify("all", "0.1%").unwrap(), Verify::All);
        assert_eq!(parse_verify("none", "0.1%").unwrap(), Verify::Off);
        assert_eq!(
            parse_verify("sample", "1%").unwrap(),
            Verify::Sample { above_ppm: 10_000 }
        );
        let e = parse_verify("some", "1%").unwrap_err().to_string();
        assert!(
            e.contains("--verify \"some\" must be all, none or sample"),
            "{e}"
        );
    }
}
