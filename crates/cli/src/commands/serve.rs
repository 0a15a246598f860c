//! `airdrop serve`: the HTTP API over published campaigns and the store.

use super::keys::DEFAULT_DATABASE_URL;
use airdrop_server::{AppState, Campaign, Config, SignIn};
use alloy::signers::local::PrivateKeySigner;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A URL that may carry a password or an API key: shown redacted in Debug output and logs.
#[derive(Clone)]
pub(crate) struct SecretUrl(pub String);

impl std::str::FromStr for SecretUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(SecretUrl(s.to_owned()))
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Node URLs often carry an API key in the path; database URLs a password.
        let shown = airdrop_store::db::redact_url(&self.0);
        match shown.split_once("://") {
            Some((scheme, rest)) if rest.contains('/') && !scheme.starts_with("postgres") => {
                write!(f, "{scheme}://{}/***", rest.split('/').next().unwrap_or(""))
            }
            _ => f.write_str(&shown),
        }
    }
}

/// Keys of a `--config` file and the variables they stand for. Precedence, lowest first:
/// built-in defaults, the file, `AIRDROP_*` variables, flags.
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("listen", "AIRDROP_LISTEN"),
    ("campaigns", "AIRDROP_CAMPAIGNS"),
    ("database_url", "AIRDROP_DATABASE_URL"),
    ("public_urls", "AIRDROP_PUBLIC_URLS"),
    ("rpc_url", "AIRDROP_RPC_URL"),
    ("body_limit", "AIRDROP_BODY_LIMIT"),
    ("timeout_secs", "AIRDROP_TIMEOUT_SECS"),
    ("cors_origins", "AIRDROP_CORS_ORIGINS"),
    ("rate_limit_per_ip", "AIRDROP_RATE_LIMIT_PER_IP"),
    ("rate_limit_burst", "AIRDROP_RATE_LIMIT_BURST"),
    ("rate_limit_per_key", "AIRDROP_RATE_LIMIT_PER_KEY"),
    ("rate_limit_key_burst", "AIRDROP_RATE_LIMIT_KEY_BURST"),
    ("workers", "AIRDROP_WORKERS"),
    ("yield_every", "AIRDROP_YIELD_EVERY"),
    ("relayer_key_env", "AIRDROP_RELAYER_KEY_ENV"),
    ("data_dir", "AIRDROP_DATA_DIR"),
    ("upload_limit_mb", "AIRDROP_UPLOAD_LIMIT_MB"),
    ("log", "AIRDROP_LOG"),
    ("log_format", "AIRDROP_LOG_FORMAT"),
];

/// Reads the `serve --config FILE` (or `AIRDROP_CONFIG`) TOML file, before the command line is
/// parsed, into the `AIRDROP_*` variables that are not set already; clap then lets flags win.
pub(crate) fn apply_config_file(argv: &[String]) -> Result<()> {
    if !argv.iter().any(|a| a == "serve") {
        return Ok(());
    }
    let from_flag = argv.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--config=").map(str::to_owned).or_else(|| {
            (a == "--config")
                .then(|| argv.get(i + 1).cloned())
                .flatten()
        })
    });
    let Some(path) = from_flag.or_else(|| std::env::var("AIRDROP_CONFIG").ok()) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("--config {path}: cannot read the file"))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("--config {path}: not valid TOML"))?;
    for (key, value) in table {
        let Some((_, var)) = CONFIG_KEYS.iter().find(|(k, _)| *k == key) else {
            anyhow::bail!(
                "--config {path}: unknown key {key:?}; known keys: {}",
                CONFIG_KEYS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let text = match &value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    toml::Value::Integer(n) => Ok(n.to_string()),
                    _ => Err(anyhow::anyhow!("--config {path}: {key} must list strings")),
                })
                .collect::<Result<Vec<_>>>()?
                .join(","),
            _ => anyhow::bail!("--config {path}: {key} must be a string, a number or a list"),
        };
        if std::env::var_os(var).is_none() {
            // Before any thread exists: main calls this first thing.
            std::env::set_var(var, text);
        }
    }
    Ok(())
}

/// Arguments of `airdrop serve`. Precedence, lowest first: defaults, `--config` file,
/// `AIRDROP_*` variables, flags.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// A TOML file of settings (keys as the flags, with underscores: `database_url = "…"`).
    #[arg(long, env = "AIRDROP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "AIRDROP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// A campaign to serve, as `ID=PATH`: a Uniswap-format claims file, a bundle folder
    /// (`claims.json` + `manifest.json`), or an `address,amount` CSV. Repeatable.
    #[arg(long = "campaign", env = "AIRDROP_CAMPAIGNS", value_delimiter = ',')]
    pub campaigns: Vec<String>,
    /// The store for creator campaigns, keys, sign-ups and bounties: `sqlite:PATH` (created
    /// when missing) or `postgres://USER:PASSWORD@HOST:PORT/DB`. Migrations run at start.
    #[arg(long, env = "AIRDROP_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: SecretUrl,
    /// Public URL of the site (repeatable): sign-in messages must name its domain and a URI
    /// under it. Default: http://<listen>.
    #[arg(
        long = "public-url",
        env = "AIRDROP_PUBLIC_URLS",
        value_delimiter = ','
    )]
    pub public_urls: Vec<String>,
    /// A JSON-RPC node, to verify contract-wallet (EIP-1271) signatures.
    #[arg(long, env = "AIRDROP_RPC_URL", hide_env_values = true)]
    pub rpc_url: Option<SecretUrl>,
    /// Folder for build jobs' inputs and bundles (share it between instances that publish).
    #[arg(long, env = "AIRDROP_DATA_DIR", default_value = "airdrop-data")]
    pub data_dir: PathBuf,
    /// Largest source-file upload, MiB.
    #[arg(long, env = "AIRDROP_UPLOAD_LIMIT_MB", default_value_t = 64)]
    pub upload_limit_mb: usize,
    /// Run a gasless-claim relayer: the name of the environment variable holding its private
    /// key (it pays the gas of `claimWithSignature`). Needs --rpc-url. Give each instance its
    /// own key: one account's nonces cannot be shared between processes.
    #[arg(long, env = "AIRDROP_RELAYER_KEY_ENV", value_name = "VAR")]
    pub relayer_key_env: Option<String>,
    /// Requests per second each API key may make on average (0: no limit).
    #[arg(long, env = "AIRDROP_RATE_LIMIT_PER_KEY", default_value_t = 20)]
    pub rate_limit_per_key: u32,
    /// Requests an API key may make in a burst above its average.
    #[arg(long, env = "AIRDROP_RATE_LIMIT_KEY_BURST", default_value_t = 40)]
    pub rate_limit_key_burst: u32,
    /// Largest accepted request body in bytes (larger: 413).
    #[arg(long, env = "AIRDROP_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,
    /// Per-request timeout in seconds.
    #[arg(long, env = "AIRDROP_TIMEOUT_SECS", default_value_t = 10)]
    pub timeout_secs: u64,
    /// Allowed CORS origin (repeatable); none allows any origin.
    #[arg(
        long = "cors-origin",
        env = "AIRDROP_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Requests per second each client IP may make on average (0: no limit). Over it: 429
    /// with Retry-After.
    #[arg(long, env = "AIRDROP_RATE_LIMIT_PER_IP", default_value_t = 50)]
    pub rate_limit_per_ip: u32,
    /// Requests a client IP may make in a burst above its average.
    #[arg(long, env = "AIRDROP_RATE_LIMIT_BURST", default_value_t = 100)]
    pub rate_limit_burst: u32,
    /// Worker threads (default: one per core).
    #[arg(long, env = "AIRDROP_WORKERS")]
    pub workers: Option<usize>,
    /// Claim look-ups a worker answers before it yields its core to other runnable threads
    /// (0: never); keeps the latency tail short when the cores are shared (docs/api.md).
    #[arg(long, env = "AIRDROP_YIELD_EVERY", default_value_t = airdrop_server::DEFAULT_YIELD_EVERY)]
    pub yield_every: u32,
}

/// Runs the command until SIGINT or SIGTERM, then drains in-flight requests.
pub(crate) fn run(args: ServeArgs) -> Result<()> {
    tracing::debug!(?args, "serve settings");
    let campaigns = load_campaigns(&args.campaigns)?;
    let config = server_config(&args);
    let rt = runtime(args.workers)?;
    let rpc = node(&args)?;
    let relayer_key = relayer_key(args.relayer_key_env.as_deref(), rpc.is_some())?;
    let setup = Setup {
        database_url: args.database_url.0.clone(),
        public_urls: public_urls(&args),
        data_dir: args.data_dir.clone(),
        per_key: args.rate_limit_per_key,
        key_burst: args.rate_limit_key_burst,
        rpc,
        relayer_key,
    };
    rt.block_on(serve(setup, campaigns, config))?;
    eprintln!("stopped");
    Ok(())
}

/// What the server's state is built from, once the runtime runs.
struct Setup {
    database_url: String,
    public_urls: Vec<String>,
    data_dir: PathBuf,
    per_key: u32,
    key_burst: u32,
    rpc: Option<airdrop_chain::rpc::Rpc>,
    relayer_key: Option<PrivateKeySigner>,
}

/// Loads each `--campaign ID=PATH`, saying how long each took (large trees take seconds).
fn load_campaigns(specs: &[String]) -> Result<Vec<Campaign>> {
    let mut campaigns = Vec::new();
    for spec in specs {
        let (id, path) = spec.split_once('=').with_context(|| {
            format!("--campaign {spec:?}: expected ID=PATH, e.g. genesis=out/genesis")
        })?;
        let started = std::time::Instant::now();
        let c = Campaign::load(id, &PathBuf::from(path))?;
        eprintln!(
            "loaded campaign {id}: {} claims, root {} in {:.2}s",
            c.tree.len(),
            c.tree.root(),
            started.elapsed().as_secs_f64()
        );
        campaigns.push(c);
    }
    Ok(campaigns)
}

fn server_config(args: &ServeArgs) -> Config {
    Config {
        listen: args.listen,
        body_limit: args.body_limit,
        upload_limit: args.upload_limit_mb.saturating_mul(1024 * 1024),
        timeout: Duration::from_secs(args.timeout_secs),
        cors_origins: args.cors_origins.clone(),
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        rate_limit_per_ip: args.rate_limit_per_ip,
        rate_limit_burst: args.rate_limit_burst,
        yield_every: args.yield_every,
    }
}

fn runtime(workers: Option<usize>) -> Result<tokio::runtime::Runtime> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = workers {
        rt.worker_threads(n.max(1));
    }
    rt.build().context("starting the async runtime")
}

/// The URLs sign-in messages may name; by default the listen address.
fn public_urls(args: &ServeArgs) -> Vec<String> {
    if args.public_urls.is_empty() {
        vec![format!("http://{}", args.listen)]
    } else {
        args.public_urls.clone()
    }
}

fn node(args: &ServeArgs) -> Result<Option<airdrop_chain::rpc::Rpc>> {
    args.rpc_url
        .as_ref()
        .map(|u| airdrop_chain::rpc::Rpc::new(&u.0, airdrop_chain::rpc::RpcConfig::default()))
        .transpose()
        .context("--rpc-url")
}

/// The relayer's key from the variable `--relayer-key-env` names, checked before anything starts.
fn relayer_key(var: Option<&str>, has_rpc: bool) -> Result<Option<PrivateKeySigner>> {
    let Some(var) = var else {
        return Ok(None);
    };
    if !has_rpc {
        anyhow::bail!("--relayer-key-env needs --rpc-url: the relayer sends transactions");
    }
    let hex = std::env::var(var)
        .with_context(|| format!("--relayer-key-env {var}: the variable is not set"))?;
    let key = hex.trim().parse::<PrivateKeySigner>().map_err(|_| {
        anyhow::anyhow!("--relayer-key-env {var}: not a private key (64 hex digits)")
    })?;
    Ok(Some(key))
}

/// The shared state over the opened store; the relayer asks the node its chain id first.
async fn app_state(
    setup: Setup,
    campaigns: Vec<Campaign>,
    db: &airdrop_store::Db,
) -> Result<AppState> {
    let mut state = AppState::new(campaigns);
    state.store = Some(db.clone());
    state.wait_for_sync = true;
    state.rpc = setup.rpc;
    state.key_limiter = airdrop_server::auth::KeyLimiter::new(setup.per_key, setup.key_burst);
    state.sign_in = SignIn::for_urls(&setup.public_urls);
    let data_dir = setup.data_dir;
    state.jobs = Some(airdrop_server::jobs::JobConfig::new(
        std::path::absolute(&data_dir).unwrap_or(data_dir),
    ));
    if let (Some(key), Some(rpc)) = (setup.relayer_key, &state.rpc) {
        let chain = airdrop_chain::distribution::Chain::new(rpc.clone());
        let chain_id = chain
            .chain_id()
            .await
            .context("relayer: asking the node its chain id")?;
        let address = key.address();
        state.relayer = Some(airdrop_server::relay::Relayer {
            sender: airdrop_chain::distribution::Sender::new(chain, key, chain_id),
            worker: format!("{}-{}", std::process::id(), address),
        });
        eprintln!("relayer {address} on chain {chain_id}");
    }
    Ok(state)
}

/// Starts the background tasks (job-folder cleaning, the relayer, campaign sync, the indexer);
/// returns the relayer's, which shutdown waits for.
fn spawn_background(
    state: &Arc<AppState>,
    stop_rx: tokio::sync::watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    // Folders of jobs a killed instance left behind (this server's own, finished ones).
    let cleaner = state.clone();
    tokio::spawn(async move {
        airdrop_server::jobs::clean_job_folders(&cleaner).await;
    });
    let worker = state.relayer.clone().map(|r| {
        tokio::spawn(airdrop_server::relay::run_worker(
            state.clone(),
            r,
            stop_rx.clone(),
        ))
    });
    // Campaigns another instance publishes.
    tokio::spawn(airdrop_server::jobs::sync_published(
        state.clone(),
        Duration::from_secs(2),
        stop_rx.clone(),
    ));
    // Claimed amounts for the claim look-up, followed from the distributors' events.
    if let Some(rpc) = state.rpc.clone() {
        tokio::spawn(airdrop_server::indexer::run(
            state.clone(),
            rpc,
            Duration::from_secs(2),
            stop_rx,
        ));
    }
    worker
}

/// Opens the store, serves until a signal, then drains jobs, stops the workers and closes the
/// store.
async fn serve(setup: Setup, campaigns: Vec<Campaign>, config: Config) -> Result<()> {
    let db = airdrop_store::Db::connect(&setup.database_url).await?;
    eprintln!("store {} ({})", db.url(), db.backend().as_str());
    let state = Arc::new(app_state(setup, campaigns, &db).await?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = spawn_background(&state, stop_rx);
    // Bound before saying so: a port in use is an error, not a "listening" line.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("--listen {}: cannot bind", config.listen))?;
    eprintln!(
        "listening on http://{} (docs at /docs)",
        listener.local_addr()?
    );
    let jobs = state.jobs.clone();
    airdrop_server::serve_on(listener, state, config, shutdown(jobs.clone())).await?;
    if let Some(j) = jobs {
        j.drained(Duration::from_secs(30)).await;
    }
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        // The worker finishes the claim it is submitting, then stops.
        let _ = w.await;
    }
    db.close().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM, after asking the running jobs to stop.
async fn shutdown(jobs: Option<airdrop_server::jobs::JobConfig>) {
    shutdown_signal().await;
    // Jobs run in this process: they stop at their next safe point and record why.
    if let Some(j) = jobs {
        j.cancel_all();
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
