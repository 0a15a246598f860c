//! Adaptive `eth_getLogs` over a block range: windows fetched with bounded concurrency and
//! handed back in block order; a window the node refuses (range too large, too many results) is
//! split in halves; the window size shrinks when answers are large and grows again when sparse.

use crate::error::{ChainError, Result};
use crate::rpc::{ChainClient, RawLog};
use alloy_primitives::{Address, B256};
use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How log windows are sized.
#[derive(Debug, Clone)]
pub struct RangeConfig {
    /// First window size, in blocks.
    pub initial_span: u64,
    /// Largest window size, in blocks.
    pub max_span: u64,
    /// Target logs per answer: above it the window shrinks; below a quarter of it, it grows.
    pub target_logs: usize,
}

impl Default for RangeConfig {
    fn default() -> Self {
        RangeConfig {
            initial_span: 2_000,
            max_span: 100_000,
            target_logs: 10_000,
        }
    }
}

/// What to ask for.
#[derive(Debug, Clone)]
pub(crate) struct LogQuery {
    /// Emitting contracts (empty: any).
    pub(crate) addresses: Vec<Address>,
    /// Accepted topic 0 values (empty: any).
    pub(crate) topic0: Vec<B256>,
    /// Required values of topics 1, 2, … (`None`: any); empty for no condition.
    pub(crate) topics: Vec<Option<B256>>,
}

/// Fetches every matching log in `[from, to]` and calls `apply(window_end, logs)` for each
/// window in block order, logs sorted by (block, log index). Stops at the first error.
pub(crate) async fn scan<C: ChainClient, F>(
    rpc: &C,
    query: &LogQuery,
    from: u64,
    to: u64,
    cfg: &RangeConfig,
    mut apply: F,
) -> Result<()>
where
    F: FnMut(u64, Vec<RawLog>) -> Result<()>,
{
    if from > to {
        return Ok(());
    }
    let span = Arc::new(AtomicU64::new(
        cfg.initial_span.clamp(1, cfg.max_span.max(1)),
    ));
    let gen_span = span.clone();
    let mut next = Some(from);
    let windows = stream::iter(std::iter::from_fn(move || {
        let start = next?;
        let width = gen_span.load(Ordering::Relaxed).max(1);
        let end = start.saturating_add(width - 1).min(to);
        next = if end >= to { None } else { Some(end + 1) };
        Some((start, end))
    }));
    let concurrency = rpc.config().concurrency;
    let mut fetched = windows
        .map(|(a, b)| fetch_window(rpc, query, a, b, cfg, &span))
        .buffered(concurrency);
    while let Some(result) = fetched.next().await {
        let (end, logs) = result?;
        apply(end, logs)?;
    }
    Ok(())
}

async fn fetch_window<C: ChainClient>(
    rpc: &C,
    query: &LogQuery,
    from: u64,
    to: u64,
    cfg: &RangeConfig,
    span: &AtomicU64,
) -> Result<(u64, Vec<RawLog>)> {
    let mut out = Vec::new();
    // Depth-first, left half first, so `out` stays in block order.
    let mut pending = vec![(from, to)];
    while let Some((lo, hi)) = pending.pop() {
        let width = hi - lo + 1;
        let answer = if query.topics.iter().all(Option::is_none) {
            rpc.logs(&query.addresses, &query.topic0, lo, hi).await
        } else {
            rpc.logs_with_topics(&query.addresses, &query.topic0, &query.topics, lo, hi)
                .await
        };
        match answer {
            Ok(mut logs) => {
                check_logs(&logs, lo, hi)?;
                logs.sort_by_key(|l| (l.block_number, l.log_index));
                if logs.len() > cfg.target_logs {
                    span.store((width / 2).max(1), Ordering::Relaxed);
                } else if logs.len() * 4 < cfg.target_logs {
                    let grown = width.saturating_mul(2).min(cfg.max_span);
                    span.fetch_max(grown, Ordering::Relaxed);
                }
                out.extend(logs);
            }
            Err(ChainError::Node { code, message, .. }) if width > 1 => {
                tracing::debug!(lo, hi, code, %message, "log range refused; splitting");
                rpc.count_split();
                let half = (width / 2).max(1);
                span.store(half, Ordering::Relaxed);
                let mid = lo + half - 1;
                pending.push((mid + 1, hi));
                pending.push((lo, mid));
            }
            Err(ChainError::Node { code, message, .. }) => {
                return Err(ChainError::Node {
                    method: "eth_getLogs".into(),
                    code,
                    message: format!("{message} (even for the single block {lo})"),
                })
            }
            Err(e) => return Err(e),
        }
    }
    Ok((to, out))
}

fn check_logs(logs: &[RawLog], lo: u64, hi: u64) -> Result<()> {
    for l in logs {
        let n = l.block_number.to::<u64>();
        if n < lo || n > hi {
            return Err(ChainError::BadResponse {
                method: "eth_getLogs".into(),
                detail: format!("asked for blocks {lo}..={hi} and got a log of block {n}"),
            });
        }
        if l.removed {
            return Err(ChainError::BadResponse {
                method: "eth_getLogs".into(),
                detail: format!(
                    "a log of block {n} is marked removed (reorg in progress); pick an older block"
                ),
            });
        }
    }
    Ok(())
}
