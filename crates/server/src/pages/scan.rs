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

type Kept = HashMap<Address, (Instant, ScanView)>;

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
    let job = tokio::task::spawn_blocking(move || run(&input, &NoProgress, &cancel));
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
