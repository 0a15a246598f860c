//! A robust JSON-RPC client on top of alloy's [`RpcClient`]: JSON-RPC batching, bounded
//! concurrency, per-request timeouts, and retries with exponential backoff and jitter.
//!
//! Transport trouble (connection refused or reset, HTTP 5xx/429, timeouts, truncated or garbled
//! bodies) is retried. A JSON-RPC error object from the node is final unless it reads as a
//! transient condition (rate limit, timeout, "try again"); `eth_getLogs` callers see node errors
//! at once so they can split the block range instead.

mod client;
mod node;

pub use client::ChainClient;
pub use node::{quantity, RawBlock, RawHeader, RawLog, RawTx, RawWithdrawal, TraceMethod};

use crate::error::{ChainError, Result};
use alloy::rpc::client::{ClientBuilder, RpcClient};
use alloy::rpc::json_rpc::{RpcError, RpcRecv, RpcSend};
use alloy::transports::TransportErrorKind;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What [`Rpc::url`] says of a client built by [`Rpc::with_client`].
pub const CUSTOM_TRANSPORT_URL: &str = "custom://transport";

/// Knobs of the RPC client.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Requests (or batches) in flight at once.
    pub concurrency: usize,
    /// Calls per JSON-RPC batch.
    pub batch_size: usize,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// First backoff delay; doubled on each retry (capped at 5 s), plus up to 100% jitter.
    pub backoff: Duration,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            concurrency: 4,
            batch_size: 100,
            retries: 6,
            timeout: Duration::from_secs(30),
            backoff: Duration::from_millis(200),
        }
    }
}

/// Counters, for progress lines, tests and benchmarks.
#[derive(Debug, Default)]
pub struct RpcStats {
    /// HTTP requests sent (a batch counts once).
    pub requests: AtomicU64,
    /// Calls inside those requests.
    pub calls: AtomicU64,
    /// Attempts that failed and were retried.
    pub retries: AtomicU64,
    /// Log ranges split after a refusal or too many results.
    pub splits: AtomicU64,
}

/// Why one attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Worth retrying: transport, timeout, garbled answer.
    Transient(String),
    /// A JSON-RPC error object from the node.
    Node { code: i64, message: String },
    /// Not worth retrying (our own serialization bug, unsupported feature).
    Fatal(String),
}

/// A JSON-RPC endpoint with retries, batching and bounded concurrency. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Rpc {
    client: RpcClient,
    url: String,
    cfg: RpcConfig,
    permits: Arc<Semaphore>,
    stats: Arc<RpcStats>,
}

impl Rpc {
    /// A client for `url` (http or https). Nothing is sent until the first call.
    pub fn new(url: &str, cfg: RpcConfig) -> Result<Rpc> {
        let parsed: alloy::transports::http::reqwest::Url =
            url.parse().map_err(|e| ChainError::BadUrl {
                url: shown_url(url),
                detail: format!("{e}"),
            })?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            return Err(ChainError::BadUrl {
                url: shown_url(url),
                detail: format!(
                    "scheme {:?} is not supported (only http and https)",
                    parsed.scheme()
                ),
            });
        }
        let client = ClientBuilder::default().http(parsed);
        Ok(Rpc {
            url: url.to_owned(),
            ..Rpc::with_client(client, cfg)
        })
    }

    /// A client over any alloy transport (a scripted node in tests, say), with the same
    /// retries, batching, limits and counters as [`Rpc::new`]. Its [`Rpc::url`] is
    /// [`CUSTOM_TRANSPORT_URL`], since the transport's address is its own business.
    pub fn with_client(client: RpcClient, cfg: RpcConfig) -> Rpc {
        let cfg = RpcConfig {
            concurrency: cfg.concurrency.max(1),
            batch_size: cfg.batch_size.max(1),
            ..cfg
        };
        Rpc {
            client,
            url: CUSTOM_TRANSPORT_URL.to_owned(),
            permits: Arc::new(Semaphore::new(cfg.concurrency)),
            cfg,
            stats: Arc::new(RpcStats::default()),
        }
    }

    /// The node's URL, whole: for connecting only. Messages use [`Rpc::shown_url`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The node's URL as messages and logs may show it: scheme, host and port only, since
    /// node URLs often carry an API key in their user part, path or query.
    pub fn shown_url(&self) -> String {
        shown_url(&self.url)
    }

    /// `detail` with every spelling of this node's URL replaced by [`Rpc::shown_url`]: HTTP
    /// clients quote the URL in their errors.
    fn scrub(&self, detail: String) -> String {
        scrub_url(&self.url, detail)
    }

    /// The configuration in force.
    pub fn config(&self) -> &RpcConfig {
        &self.cfg
    }

    /// Request counters.
    pub fn stats(&self) -> &RpcStats {
        &self.stats
    }

    /// One call, retried on transport trouble and on transient node errors.
    pub async fn call<P: RpcSend, R: RpcRecv>(&self, method: &'static str, params: P) -> Result<R> {
        self.call_with_retries(method, params, self.cfg.retries, true)
            .await
    }

    /// One call with an explicit retry budget; node errors are returned at once (as
    /// [`ChainError::Node`]) unless `retry_node_errors` and they look transient.
    pub(crate) async fn call_with_retries<P: RpcSend, R: RpcRecv>(
        &self,
        method: &'static str,
        params: P,
        retries: u32,
        retry_node_errors: bool,
    ) -> Result<R> {
        let mut attempt = 0u32;
        loop {
            let failure = match self.attempt(method, params.clone()).await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            let last = attempt >= retries;
            match failure {
                Failure::Transient(detail) if last => {
                    return Err(ChainError::Unreachable {
                        url: self.shown_url(),
                        method: method.to_owned(),
                        attempts: attempt + 1,
                        detail: self.scrub(detail),
                    })
                }
                Failure::Transient(detail) => {
                    let detail = self.scrub(detail);
                    tracing::debug!(method, attempt, %detail, "retrying")
                }
                Failure::Node { code, message } => {
                    if last || !retry_node_errors || !transient_node_error(code, &message) {
                        return Err(ChainError::Node {
                            method: method.to_owned(),
                            code,
                            message,
                        });
                    }
                    tracing::debug!(method, attempt, code, %message, "retrying after node error");
                }
                Failure::Fatal(detail) => {
                    return Err(ChainError::BadResponse {
                        method: method.to_owned(),
                        detail,
                    })
                }
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            self.backoff(attempt).await;
            attempt += 1;
        }
    }

    async fn attempt<P: RpcSend, R: RpcRecv>(
        &self,
        method: &'static str,
        params: P,
    ) -> std::result::Result<R, Failure> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Failure::Fatal(e.to_string()))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        let call = self.client.request::<P, R>(method, params);
        match tokio::time::timeout(self.cfg.timeout, call).await {
            Err(_) => Err(Failure::Transient(format!(
                "timed out after {:?}",
                self.cfg.timeout
            ))),
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(classify(e)),
        }
    }

    /// Many calls of one method, sent as JSON-RPC batches of `batch_size`, at most
    /// `concurrency` batches in flight; results in the order of `params`. A batch with any
    /// transient failure is retried whole.
    pub async fn batch<P: RpcSend, R: RpcRecv>(
        &self,
        method: &'static str,
        params: Vec<P>,
    ) -> Result<Vec<R>> {
        let chunks: Vec<Vec<P>> = chunk(params, self.cfg.batch_size);
        let results: Vec<Vec<R>> = stream::iter(chunks)
            .map(|c| async move { self.batch_chunk(method, c).await })
            .buffered(self.cfg.concurrency)
            .try_collect()
            .await?;
        Ok(results.into_iter().flatten().collect())
    }

    async fn batch_chunk<P: RpcSend, R: RpcRecv>(
        &self,
        method: &'static str,
        params: Vec<P>,
    ) -> Result<Vec<R>> {
        let mut attempt = 0u32;
        loop {
            let failure = match self.batch_attempt(method, &params).await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            let last = attempt >= self.cfg.retries;
            match failure {
                Failure::Transient(detail) if last => {
                    return Err(ChainError::Unreachable {
                        url: self.shown_url(),
                        method: method.to_owned(),
                        attempts: attempt + 1,
                        detail: self.scrub(detail),
                    })
                }
                Failure::Transient(detail) => {
                    tracing::debug!(method, attempt, %detail, "retrying batch")
                }
                Failure::Node { code, message } => {
                    if last || !transient_node_error(code, &message) {
                        return Err(ChainError::Node {
                            method: method.to_owned(),
                            code,
                            message,
                        });
                    }
                }
                Failure::Fatal(detail) => {
                    return Err(ChainError::BadResponse {
                        method: method.to_owned(),
                        detail,
                    })
                }
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            self.backoff(attempt).await;
            attempt += 1;
        }
    }

    async fn batch_attempt<P: RpcSend, R: RpcRecv>(
        &self,
        method: &'static str,
        params: &[P],
    ) -> std::result::Result<Vec<R>, Failure> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Failure::Fatal(e.to_string()))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        self.stats
            .calls
            .fetch_add(params.len() as u64, Ordering::Relaxed);
        let mut batch = self.client.new_batch();
        let mut waiters = Vec::with_capacity(params.len());
        for p in params {
            waiters.push(batch.add_call::<P, R>(method, p).map_err(classify)?);
        }
        let run = async {
            batch.send().await.map_err(classify)?;
            let mut out = Vec::with_capacity(waiters.len());
            let mut node_failure = None;
            for w in waiters {
                match w.await {
                    Ok(v) => out.push(v),
                    Err(e) => match classify(e) {
                        f @ Failure::Node { .. } => node_failure = Some(f),
                        other => return Err(other),
                    },
                }
            }
            match node_failure {
                Some(f) => Err(f),
                None => Ok(out),
            }
        };
        match tokio::time::timeout(self.cfg.timeout, run).await {
            Err(_) => Err(Failure::Transient(format!(
                "batch timed out after {:?}",
                self.cfg.timeout
            ))),
            Ok(r) => r,
        }
    }

    async fn backoff(&self, attempt: u32) {
        let base = self
            .cfg
            .backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(Duration::from_secs(5));
        let jitter = base.mul_f64(fastrand::f64());
        tokio::time::sleep(base + jitter).await;
    }
}

fn chunk<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size.max(1)));
    let mut current = Vec::with_capacity(size);
    for item in items {
        current.push(item);
        if current.len() == size {
            out.push(std::mem::replace(&mut current, Vec::with_capacity(size)));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

pub(crate) fn classify(e: RpcError<TransportErrorKind>) -> Failure {
    match e {
        RpcError::ErrorResp(p) => Failure::Node {
            code: p.code,
            message: p.message.to_string(),
        },
        RpcError::NullResp => Failure::Transient("the node returned null".into()),
        RpcError::DeserError { err, text } => {
            let shown: String = text.chars().take(120).collect();
            Failure::Transient(format!("unreadable answer ({err}): {shown:?}"))
        }
        RpcError::Transport(kind) => {
            // reqwest's own message is vague ("error sending request"); the cause says why.
            let mut detail = kind.to_string();
            let mut source = std::error::Error::source(&kind);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !detail.contains(&text) {
                    detail.push_str(": ");
                    detail.push_str(&text);
                }
                source = cause.source();
            }
            Failure::Transient(detail)
        }
        other @ (RpcError::SerError(_)
        | RpcError::UnsupportedFeature(_)
        | RpcError::LocalUsageError(_)) => Failure::Fatal(other.to_string()),
    }
}

/// Node errors that read as "later, please" rather than "no".
pub(crate) fn transient_node_error(code: i64, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    code == 429
        || code == -32005
            && (m.contains("rate")
                || m.contains("limit exceeded")
                || m.contains("too many requests"))
        || [
            "rate limit",
            "too many requests",
            "timeout",
            "timed out",
            "try again",
            "temporarily",
            "busy",
            "overloaded",
        ]
        .iter()
        .any(|needle| m.contains(needle))
}

/// A node URL as a message may show it: `scheme://host:port`, with `/…` where a path or query
/// was cut. Anything that does not parse is not shown at all.
pub fn shown_url(url: &str) -> String {
    match url.parse::<alloy::transports::http::reqwest::Url>() {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let rest = if u.path().trim_matches('/').is_empty() && u.query().is_none() {
                ""
            } else {
                "/…"
            };
            format!("{}://{host}{port}{rest}", u.scheme())
        }
        Err(_) => format!("(a url of {} characters, not shown)", url.chars().count()),
    }
}

fn scrub_url(url: &str, detail: String) -> String {
    let shown = shown_url(url);
    let mut out = detail;
    let mut spellings = vec![url.to_owned(), url.trim_end_matches('/').to_owned()];
    if let Ok(mut u) = url.parse::<alloy::transports::http::reqwest::Url>() {
        spellings.push(u.to_string());
        // HTTP clients print the URL without its user part.
        let _ = u.set_password(None);
        let _ = u.set_username("");
        spellings.push(u.to_string());
    }
    spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in spellings.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), &shown);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_shown_without_their_keys() {
        assert_eq!(
            super::shown_url("https://user:secret@eth.example:8443/v2/abcdef0123?key=k"),
            "https://eth.example:8443/…"
        );
        assert_eq!(
            super::shown_url("http://127.0.0.1:8545"),
            "http://127.0.0.1:8545"
        );
        assert_eq!(
            super::shown_url("http://127.0.0.1:8545/"),
            "http://127.0.0.1:8545"
        );
        assert!(!super::shown_url("not a url with a key 0xabc").contains("0xabc"));
        let scrubbed = super::scrub_url(
            "http://user:pw@node.example/v3/KEY",
            "error sending request for url (http://user:pw@node.example/v3/KEY)".into(),
        );
        assert!(
            !scrubbed.contains("pw") && !scrubbed.contains("KEY"),
            "{scrubbed}"
        );
    }

    use super::*;

    #[test]
    fn chunks_keep_order_and_sizes() {
        let c = chunk((0..7).collect::<Vec<_>>(), 3);
        assert_eq!(c, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        assert!(chunk(Vec::<u8>::new(), 3).is_empty());
    }

    #[test]
    fn transient_node_errors() {
        assert!(transient_node_error(429, "whatever"));
        assert!(transient_node_error(
            -32000,
            "Rate limit reached, try again"
        ));
        assert!(!transient_node_error(-32000, "header not found"));
        assert!(!transient_node_error(
            -32005,
            "query returned more than 10000 results"
        ));
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(matches!(
            Rpc::new("not a url", RpcConfig::default()),
            Err(ChainError::BadUrl { .. })
        ));
        assert!(matches!(
            Rpc::new("ws://127.0.0.1:1", RpcConfig::default()),
            Err(ChainError::BadUrl { .. })
        ));
        assert!(Rpc::new("http://127.0.0.1:1", RpcConfig::default()).is_ok());
    }
}
