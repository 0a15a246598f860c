//! Test harness for chain snapshots: a real anvil on a free loopback port (killed on drop, and
//! by a watchdog if the test process dies), a small JSON-RPC driver, the committed contract
//! artifacts, and a fault-injecting proxy.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod chain;
pub(crate) mod cli;
pub(crate) mod state;

use alloy::rpc::client::{ClientBuilder, RpcClient};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running anvil.
pub(crate) struct Anvil {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl Anvil {
    /// Starts `node_modules/.bin/anvil` (installed by `npm ci`) on a free loopback port.
    pub(crate) fn start(extra: &[&str]) -> Anvil {
        let bin = repo_root().join("node_modules/.bin/anvil");
        assert!(
            bin.exists(),
            "{} is missing: run `npm ci` at the repository root (scripts/test does) to install anvil",
            bin.display()
        );
        for _ in 0..3 {
            let port = free_port();
            let mut cmd = Command::new(&bin);
            cmd.args([
                "--port",
                &port.to_string(),
                "--host",
                "127.0.0.1",
                "--silent",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
            let child = cmd.spawn().expect("cannot start anvil");
            let pid = child.id();
            // Watchdog: if this test process dies without dropping us (the shared fixture is a
            // static), stop anvil. SIGTERM to the npm wrapper, which forwards it to anvil; only
            // while that pid is still an anvil wrapper.
            let _ = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "while kill -0 {me} 2>/dev/null; do sleep 0.5; done; \
                     grep -qa anvil /proc/{pid}/cmdline 2>/dev/null && kill -TERM {pid} 2>/dev/null; exit 0",
                    me = std::process::id()
                ))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let mut anvil = Anvil {
                child,
                url: format!("http://127.0.0.1:{port}"),
                port,
            };
            if anvil.wait_ready(Duration::from_secs(30)) {
                return anvil;
            }
            drop(anvil);
        }
        panic!("anvil did not start (3 attempts)");
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let started = Instant::now();
        let rt = runtime();
        let client = ClientBuilder::default().http(self.url.parse().unwrap());
        while started.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            let ok: Result<U64, _> =
                rt.block_on(async { client.request::<_, U64>("eth_chainId", ()).await });
            if ok.is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        // SIGTERM reaches anvil through the npm wrapper; SIGKILL the wrapper if it lingers.
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Loads `contracts/out/<name>.json`'s creation bytecode.
pub(crate) fn bytecode(name: &str) -> Vec<u8> {
    let path = repo_root().join(format!("contracts/out/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap();
    alloy_primitives::hex::decode(v["bytecode"].as_str().unwrap()).unwrap()
}

/// A JSON-RPC driver for setting up chains (separate from the engine under test).
pub(crate) struct Driver {
    pub client: RpcClient,
    pub rt: tokio::runtime::Runtime,
}

impl Driver {
    pub(crate) fn new(url: &str) -> Driver {
        Driver {
            client: ClientBuilder::default().http(url.parse().unwrap()),
            rt: runtime(),
        }
    }

    pub(crate) fn call<R: alloy::rpc::json_rpc::RpcRecv>(
        &self,
        method: &'static str,
        params: Value,
    ) -> R {
        self.rt
            .block_on(async {
                self.client
                    .request::<Value, R>(method, params.clone())
                    .await
            })
            .unwrap_or_else(|e| panic!("{method} {params}: {e}"))
    }

    pub(crate) fn accounts(&self) -> Vec<Address> {
        self.call("eth_accounts", json!([]))
    }

    pub(crate) fn block_number(&self) -> u64 {
        self.call::<U64>("eth_blockNumber", json!([])).to::<u64>()
    }

    pub(crate) fn block_hash(&self, n: u64) -> B256 {
        let b: Value = self.call("eth_getBlockByNumber", json!([format!("0x{n:x}"), false]));
        b["hash"].as_str().unwrap().parse().unwrap()
    }

    pub(crate) fn balance(&self, a: Address, n: u64) -> U256 {
        self.call("eth_getBalance", json!([a, format!("0x{n:x}")]))
    }

    pub(crate) fn mine_empty(&self, n: u64) {
        let _: Value = self.call("anvil_mine", json!([format!("0x{n:x}")]));
    }

    pub(crate) fn set_automine(&self, on: bool) {
        let _: Value = self.call("evm_setAutomine", json!([on]));
    }

    pub(crate) fn mine(&self) -> u64 {
        let _: Value = self.call("evm_mine", json!([]));
        self.block_number()
    }

    /// Sends a transaction from an unlocked dev account without waiting for it.
    pub(crate) fn send(
        &self,
        from: Address,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> B256 {
        let mut tx =
            json!({ "from": from, "data": Bytes::from(data), "gas": "0x1c9c380", "value": value });
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        self.call("eth_sendTransaction", json!([tx]))
    }

    /// Receipts of `hashes`; panics unless every one succeeded. Returns their block numbers.
    pub(crate) fn expect_success(&self, hashes: &[B256]) -> Vec<(u64, Option<Address>)> {
        hashes
            .iter()
            .map(|h| {
                let started = Instant::now();
                let mut mined_at = started;
                let r = loop {
                    let r: Value = self.call("eth_getTransactionReceipt", json!([h]));
                    if !r.is_null() || started.elapsed() > Duration::from_secs(20) {
                        break r;
                    }
                    // Every test transaction asks for the whole block's gas, so when two reach
                    // the pool before automine runs (a loaded machine), the second waits for a
                    // block that only another transaction would trigger: mine one.
                    if mined_at.elapsed() > Duration::from_secs(1) {
                        let _: Value = self.call("evm_mine", json!([]));
                        mined_at = Instant::now();
                    }
                    std::thread::sleep(Duration::from_millis(20));
                };
                assert_eq!(r["status"], json!("0x1"), "transaction {h} failed: {r}");
                let block = u64::from_str_radix(
                    r["blockNumber"].as_str().unwrap().trim_start_matches("0x"),
                    16,
                )
                .unwrap();
                let created = r["contractAddress"].as_str().map(|a| a.parse().unwrap());
                (block, created)
            })
            .collect()
    }

    /// Deploys `bytecode ++ args` from `from` (automine must be on) and returns (address, block).
    pub(crate) fn deploy(&self, from: Address, mut code: Vec<u8>, args: Vec<u8>) -> (Address, u64) {
        code.extend(args);
        let h = self.send(from, None, code, U256::ZERO);
        let r = self.expect_success(&[h]);
        (r[0].1.expect("no contract address"), r[0].0)
    }
}

/// Faults the proxy injects, as shares of requests (0..=100).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Faults {
    /// HTTP 503.
    pub fail: u32,
    /// A delay of `slow_ms` before forwarding (longer than the client's timeout).
    pub slow: u32,
    pub slow_ms: u64,
    /// Body cut in half.
    pub truncate: u32,
    /// eth_getLogs over more blocks than this is refused with a JSON-RPC error.
    pub max_log_range: u64,
    /// Extra delay on every request.
    pub base_delay_ms: u64,
    /// Answer `debug_trace*` and `trace_*` calls "method not found", as most hosted nodes do.
    pub no_traces: bool,
}

impl Faults {
    pub(crate) fn none() -> Faults {
        Faults {
            fail: 0,
            slow: 0,
            slow_ms: 0,
            truncate: 0,
            max_log_range: u64::MAX,
            base_delay_ms: 0,
            no_traces: false,
        }
    }
}

/// Counters of what the proxy did.
#[derive(Default, Debug)]
pub(crate) struct ProxyStats {
    pub requests: AtomicU64,
    pub failed: AtomicU64,
    pub slowed: AtomicU64,
    pub truncated: AtomicU64,
    pub refused: AtomicU64,
}

/// An HTTP proxy on a free loopback port in front of `upstream`, injecting `faults`. It runs on
/// its own thread and runtime, and stops when dropped.
pub(crate) struct FaultProxy {
    pub url: String,
    pub stats: Arc<ProxyStats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    pub(crate) fn start(upstream: &str, faults: Faults, seed: u64) -> FaultProxy {
        use axum::extract::State;
        use axum::http::StatusCode;
        use axum::response::IntoResponse;

        #[derive(Clone)]
        struct Ctx {
            upstream: String,
            http: reqwest::Client,
            faults: Faults,
            stats: Arc<ProxyStats>,
            rng: Arc<std::sync::Mutex<fastrand::Rng>>,
        }

        async fn handle(
            State(ctx): State<Ctx>,
            body: axum::body::Bytes,
        ) -> axum::response::Response {
            let f = ctx.faults;
            let n = ctx.stats.requests.fetch_add(1, Ordering::Relaxed);
            let mut roll = ctx.rng.lock().unwrap().u32(0..100);
            // Every enabled fault happens at least once: requests 2, 3 and 4 get one each.
            match n {
                1 if f.fail > 0 => roll = 0,
                2 if f.slow > 0 => roll = f.fail,
                3 if f.truncate > 0 => roll = f.fail + f.slow,
                _ => {}
            }
            if f.base_delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(f.base_delay_ms)).await;
            }
            if f.no_traces {
                if let Some(refusal) = refuse_traces(&body) {
                    return (
                        StatusCode::OK,
                        [("content-type", "application/json")],
                        refusal.to_string(),
                    )
                        .into_response();
                }
            }
            // Refuse large log ranges the way hosted nodes do.
            if let Ok(req) = serde_json::from_slice::<Value>(&body) {
                if req["method"] == "eth_getLogs" {
                    let q = |k: &str| {
                        u64::from_str_radix(
                            req["params"][0][k]
                                .as_str()
                                .unwrap_or("0x0")
                                .trim_start_matches("0x"),
                            16,
                        )
                        .unwrap_or(0)
                    };
                    if q("toBlock").saturating_sub(q("fromBlock")) + 1 > f.max_log_range {
                        ctx.stats.refused.fetch_add(1, Ordering::Relaxed);
                        let err = json!({"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32005, "message": format!("query exceeds max block range {}", f.max_log_range)}});
                        return (
                            StatusCode::OK,
                            [("content-type", "application/json")],
                            err.to_string(),
                        )
                            .into_response();
                    }
                }
            }
            if roll < f.fail {
                ctx.stats.failed.fetch_add(1, Ordering::Relaxed);
                return (StatusCode::SERVICE_UNAVAILABLE, "upstream overloaded").into_response();
            }
            if roll < f.fail + f.slow {
                ctx.stats.slowed.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(f.slow_ms)).await;
            }
            let answer = ctx
                .http
                .post(&ctx.upstream)
                .header("content-type", "application/json")
                .body(body.to_vec())
                .send()
                .await;
            let Ok(answer) = answer else {
                return (StatusCode::BAD_GATEWAY, "upstream down").into_response();
            };
            let Ok(mut bytes) = answer.bytes().await.map(|b| b.to_vec()) else {
                return (StatusCode::BAD_GATEWAY, "upstream cut").into_response();
            };
            if roll >= f.fail + f.slow && roll < f.fail + f.slow + f.truncate {
                ctx.stats.truncated.fetch_add(1, Ordering::Relaxed);
                bytes.truncate(bytes.len() / 2);
            }
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                bytes,
            )
                .into_response()
        }

        let stats = Arc::new(ProxyStats::default());
        let ctx = Ctx {
            upstream: upstream.to_owned(),
            http: reqwest::Client::new(),
            faults,
            stats: stats.clone(),
            rng: Arc::new(std::sync::Mutex::new(fastrand::Rng::with_seed(seed))),
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new()
                    .route("/", axum::routing::post(handle))
                    .with_state(ctx);
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        });
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            stats,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

/// "Method not found" for a trace call or a batch of them; `None` for anything else.
fn refuse_traces(body: &[u8]) -> Option<Value> {
    let is_trace = |r: &Value| {
        r["method"]
            .as_str()
            .is_some_and(|m| m.starts_with("debug_trace") || m.starts_with("trace_"))
    };
    let refuse = |r: &Value| json!({"jsonrpc": "2.0", "id": r["id"], "error": {"code": -32601, "message": format!("the method {} does not exist/is not available", r["method"].as_str().unwrap_or(""))}});
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Array(calls) if !calls.is_empty() && calls.iter().all(is_trace) => {
            Some(Value::Array(calls.iter().map(refuse).collect()))
        }
        call if is_trace(&call) => Some(refuse(&call)),
        _ => None,
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `airdrop` with `args`; returns (success, stdout, stderr).
pub(crate) fn airdrop(args: &[String]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
