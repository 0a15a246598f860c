//! `airdrop snapshot`: who held what at a block, computed over plain JSON-RPC (or imported from
//! an export), written as a sorted CSV plus a `.meta.json` sidecar pinning the block hash.
//!
//! Checkpoints live next to the output (`FILE.csv.checkpoint.json`, replaced atomically), so an
//! interrupted run resumes where it stopped; the server's store will hold them in its database.

use airdrop_chain::checkpoint::{Checkpoint, CheckpointStore};
use airdrop_chain::snapshot::{Traces, Verify};
use airdrop_chain::{
    import, ChainError, EventSpec, ImportFormat, ImportKind, ImportParams, Kind, Params, Progress,
    Rpc, RpcConfig, Snapshot,
};
use airdrop_merkle::address::parse_address;
use alloy_primitives::{Address, U256};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Arguments of `airdrop snapshot` (boxed: the options are many and the command enum stays small).
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub options: Box<SnapshotOptions>,
}

/// The options of `airdrop snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotOptions {
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
pub fn run(args: SnapshotArgs) -> Result<()> {
    let args = *args.options;
    let started = Instant::now();
    let snapshot = match args.kind.as_str() {
        "import-transfers" | "import-balances" => run_import(&args)?,
        _ => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(run_chain(&args))?
        }
    };
    write_outputs(&args.out, &snapshot)?;
    let m = &snapshot.meta;
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

fn run_import(args: &SnapshotOptions) -> Result<Snapshot> {
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
    let name = file.display().to_string();
    Ok(import(
        &data,
        &name,
        ImportFormat::from_path(&name),
        &params,
    )?)
}

async fn run_chain(args: &SnapshotOptions) -> Result<Snapshot> {
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
    if !(args.timeout_secs > 0.0 && args.timeout_secs.is_finite()) {
        bail!(
            "--timeout-secs {} must be a positive number of seconds",
            args.timeout_secs
        );
    }
    let rpc = Rpc::new(
        url,
        RpcConfig {
            concurrency: args.concurrency.max(1),
            batch_size: args.batch_size.max(1),
            retries: args.retries,
            timeout: Duration::from_secs_f64(args.timeout_secs),
            ..RpcConfig::default()
        },
    )?;
    let store = FileCheckpoint {
        path: sidecar(&args.out, "checkpoint.json"),
    };
    if args.fresh {
        store.remove()?;
    }
    let bars = Bars::new();
    let snapshot = airdrop_chain::snapshot::run(&rpc, &params, &store, &bars).await;
    bars.finish();
    let stats = rpc.stats();
    tracing::info!(
        requests = stats.requests.load(std::sync::atomic::Ordering::Relaxed),
        retries = stats.retries.load(std::sync::atomic::Ordering::Relaxed),
        splits = stats.splits.load(std::sync::atomic::Ordering::Relaxed),
        "rpc"
    );
    let snapshot = snapshot.map_err(|e| match e {
        // A missing checkpoint's parent folder and the like are our problem, not the node's.
        e @ ChainError::Checkpoint { .. } => anyhow::anyhow!("{e} ({})", store.path.display()),
        e => e.into(),
    })?;
    store.remove()?;
    Ok(snapshot)
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
pub(crate) fn read_address_file(path: &Path) -> Result<Vec<Address>> {
    let text = String::from_utf8(crate::output::read_lines_file(path)?)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let mut column = None;
    let mut out = Vec::new();
    if let Some((i, first)) = lines.next() {
        let cells: Vec<&str> = first.split(',').map(str::trim).collect();
        match cells.iter().position(|c| c.eq_ignore_ascii_case("address")) {
            Some(c) => column = Some(c),
            None => out.push(line_address(path, i, first, None)?),
        }
    }
    for (i, line) in lines {
        out.push(line_address(path, i, line, column)?);
    }
    Ok(out)
}

fn line_address(path: &Path, i: usize, line: &str, column: Option<usize>) -> Result<Address> {
    let cell = match column {
        Some(c) => line.split(',').nth(c).unwrap_or("").trim(),
        None => line.trim(),
    };
    parse_address(cell).map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), i + 1))
}

fn sidecar(out: &Path, suffix: &str) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes `path` whole or not at all (temporary file, then rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = sidecar(path, "partial");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

fn write_outputs(out: &Path, snapshot: &Snapshot) -> Result<()> {
    write_atomic(out, snapshot.rows.to_csv().as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    let meta = sidecar(out, "meta.json");
    write_atomic(&meta, snapshot.meta_json().as_bytes())
        .with_context(|| format!("cannot write {}", meta.display()))?;
    Ok(())
}

/// The checkpoint as one JSON file, replaced atomically (`airdrop snapshot` keeps it next to the
/// output, `airdrop build` next to the bundle).
#[derive(Debug)]
pub(crate) struct FileCheckpoint {
    pub(crate) path: PathBuf,
}

impl FileCheckpoint {
    /// Deletes the file, if any.
    pub(crate) fn remove(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot delete {}", self.path.display())),
        }
    }

    fn err(&self, key: &str, detail: String) -> ChainError {
        ChainError::Checkpoint {
            key: key.to_owned(),
            detail: format!("{}: {detail}", self.path.display()),
        }
    }
}

impl CheckpointStore for FileCheckpoint {
    fn load(&self, key: &str) -> airdrop_chain::Result<Option<Checkpoint>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.err(key, format!("cannot read it: {e}"))),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            self.err(
                key,
                format!("unreadable ({e}); delete it or run with --fresh"),
            )
        })
    }

    fn save(&self, key: &str, checkpoint: &Checkpoint) -> airdrop_chain::Result<()> {
        let bytes = serde_json::to_vec(checkpoint)
            .map_err(|e| self.err(key, format!("cannot encode it: {e}")))?;
        write_atomic(&self.path, &bytes).map_err(|e| self.err(key, format!("cannot write it: {e}")))
    }

    fn clear(&self, key: &str) -> airdrop_chain::Result<()> {
        self.remove().map_err(|e| self.err(key, format!("{e:#}")))
    }
}

/// indicatif bars on stderr, hidden when stderr is not a terminal; notes always printed.
#[derive(Debug)]
pub(crate) struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    visible: bool,
}

impl Bars {
    fn new() -> Self {
        Self::visible(true)
    }

    /// Bars drawn when `show` and stderr is a terminal.
    pub(crate) fn visible(show: bool) -> Self {
        Bars {
            bar: Mutex::new(None),
            visible: show && std::io::stderr().is_terminal(),
        }
    }

    /// Clears whatever bar is still drawn.
    pub(crate) fn done(&self) {
        Progress::finish(self);
    }
}

impl Progress for Bars {
    fn phase(&self, name: &str, total: u64) {
        let target = if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:>14} [{bar:30}] {pos}/{len} ({percent}%) {per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_owned());
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn set(&self, done: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.set_position(done);
            }
        }
    }

    fn note(&self, line: &str) {
        match self.bar.lock().ok().and_then(|s| s.clone()) {
            Some(bar) if self.visible => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
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
