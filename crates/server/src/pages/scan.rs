//! The wallet page's scan: the engine's recipient scan (issue 12) over the server's node,
//! bounded in work and time, its findings put in plain words, and kept for a short while so a
//! reload does not scan again.

use airdrop_core::scan::{Finding, Subject, Verdict};
use airdrop_engine::scan::{run, ScanInput};
use airdrop_engine::{Cancel, NoProgress};
use airdrop_merkle::Address;
use airdrop_web::wallet::{FindingView, ScanView};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a scan may take before the page says so.
const LIMIT: Duration = Duration::from_secs(20);
/// How long a finished scan is shown again without scanning.
const KEEP: Duration = Duration::from_secs(30);
/// Scans kept at most (the oldest go first).
const KEPT: usize = 256;
/// Scans running at once, for all visitors together: the page needs no key, so without a
/// bound anyone could turn requests for many addresses into many scans against the node.
const RUNNING: usize = 2;
/// How long a request waits for a free scan before the page says the server is busy.
const WAIT: Duration = Duration::from_secs(2);

type Kept = HashMap<Address, (Instant, ScanView)>;

fn running() -> &'static tokio::sync::Semaphore {
    static RUNNING_SCANS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    RUNNING_SCANS.get_or_init(|| tokio::sync::Semaphore::new(RUNNING))
}

fn kept() -> &'static Mutex<Kept> {
    static KEPT_SCANS: OnceLock<Mutex<Kept>> = OnceLock::new();
    KEPT_SCANS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The scan of `wallet` over the node at `rpc_url`, from the short-lived cache when fresh.
pub(super) async fn findings(rpc_url: &str, wallet: Address) -> ScanView {
    if let Ok(k) = kept().lock() {
        if let Some((at, v)) = k.get(&wallet) {
            if at.elapsed() < KEEP {
                return v.clone();
            }
        }
    }
    // Held until the scan ends (or is abandoned at the time limit): the blocking task keeps
    // the node busy until then either way.
    let Ok(Ok(permit)) = tokio::time::timeout(WAIT, running().acquire()).await else {
        return ScanView::Failed(
            "the server is scanning other wallets; try again in a moment".into(),
        );
    };
    let input = ScanInput {
        address: wallet.to_checksum(None),
        rpc_url: rpc_url.to_owned(),
        token_list: None,
        known: None,
        from_block: None,
        to_block: None,
        // Bounded: a page must answer in seconds; the CLI scans without these limits.
        max_simulations: 16,
        max_tx_lookups: 64,
        lookalike_chars: 4,
        rpc_config: Default::default(),
    };
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let job = tokio::task::spawn_blocking(move || {
        let report = run(&input, &NoProgress, &cancel);
        drop(permit);
        report
    });
    let view = match tokio::time::timeout(LIMIT, job).await {
        Ok(Ok(Ok(report))) => ScanView::Done(report.findings.iter().map(plain).collect()),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "wallet page scan failed");
            ScanView::Failed("the node did not answer every question; try again shortly".into())
        }
        Ok(Err(_)) => ScanView::Failed("the scan stopped unexpectedly; try again".into()),
        Err(_) => {
            stop.cancel();
            ScanView::Failed(format!(
                "it took longer than {} s; run `airdrop scan` for the full history",
                LIMIT.as_secs()
            ))
        }
    };
    if let (ScanView::Done(_), Ok(mut k)) = (&view, kept().lock()) {
        if k.len() >= KEPT {
            k.retain(|_, (at, _)| at.elapsed() < KEEP);
        }
        if k.len() < KEPT {
            k.insert(wallet, (Instant::now(), view.clone()));
        }
    }
    view
}

fn plain(f: &Finding) -> FindingView {
    let subject = match &f.subject {
        Subject::Token {
            address,
            symbol,
            name,
        } => format!("token {symbol} ({name}) at {}", address.to_checksum(None)),
        Subject::Transfer(t) => format!(
            "a transfer of {} base units of {} from {} in block {}",
            t.value,
            t.token.to_checksum(None),
            t.from.to_checksum(None),
            t.block
        ),
        Subject::Approval(a) => format!(
            "an approval letting {} spend {} of {}",
            a.spender.to_checksum(None),
            if airdrop_core::scan::unlimited(a.value) {
                "everything".to_owned()
            } else {
                format!("{} base units", a.value)
            },
            a.token.to_checksum(None)
        ),
    };
    FindingView {
        verdict: match f.verdict {
            Verdict::Scam => "scam",
            Verdict::Suspicious => "suspicious",
            Verdict::Ok => "ok",
        },
        subject,
        reasons: f.reasons.iter().map(|r| r.text.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_server_says_so_instead_of_starting_another_scan() {
        // Every scan slot taken: the page answers within the wait, without a node (the URL
        // below would refuse a connection if it were ever asked).
        let held = running().acquire_many(RUNNING as u32).await;
        let started = Instant::now();
        let view = findings("http://127.0.0.1:9", Address::repeat_byte(7)).await;
        assert!(
            matches!(&view, ScanView::Failed(why) if why.contains("scanning other wallets")),
            "{view:?}"
        );
        assert!(started.elapsed() < WAIT + Duration::from_secs(1));
        drop(held);
    }
}
