//! Which ledger a bundle's push uses, and what a ledger says (`airdrop push status`).

use super::super::{input, Bundle, StateDir, LEDGER_FILE};
use super::paid::u256;
use crate::Result;
use airdrop_store::{Batch, BatchState, PushLedger, PushRun};
use alloy_primitives::U256;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The ledger of this bundle: `explicit`, else the state folder's, else one an older version
/// left inside the bundle for this root (used where it is), else the state folder's (new).
pub(crate) fn ledger_path(
    bundle: &Bundle,
    explicit: &Option<PathBuf>,
    state: &StateDir,
) -> Result<PathBuf> {
    if let Some(l) = explicit {
        return Ok(l.clone());
    }
    let own = state
        .folder(bundle.chain_id, bundle.token, bundle.root)?
        .join(LEDGER_FILE);
    let legacy = bundle.dir.join(LEDGER_FILE);
    if own.exists() || !legacy.is_file() {
        return Ok(own);
    }
    // A rebuild keeps an old bundle's ledger even when the root changed: only one of this
    // bundle's plan is this bundle's.
    let run = PushLedger::open(&legacy)?.run()?;
    let mine = run.is_some_and(|r| {
        r.chain_id == bundle.chain_id
            && r.bundle_root.eq_ignore_ascii_case(&bundle.root.to_string())
    });
    Ok(if mine { legacy } else { own })
}

/// What a push ledger says.
#[derive(Debug, Clone)]
pub struct LedgerStatus {
    /// The ledger file.
    pub path: PathBuf,
    /// Its plan.
    pub run: PushRun,
    /// Its batches.
    pub batches: Vec<Batch>,
    /// Batches per state, every state listed.
    pub per_state: BTreeMap<&'static str, u64>,
    /// Recipients of confirmed batches.
    pub paid_recipients: u64,
    /// Recipients of the other batches.
    pub remaining_recipients: u64,
    /// Paid, base units.
    pub paid: U256,
    /// Still to pay, base units.
    pub remaining: U256,
}

impl LedgerStatus {
    /// The batch whose transaction changed last.
    pub fn last_tx(&self) -> Option<&Batch> {
        self.batches
            .iter()
            .filter(|b| b.tx_hash.is_some())
            .max_by_key(|b| (b.updated, b.id))
    }
}

/// Reads the ledger of `bundle` (`explicit`, else the one `push` uses).
pub fn ledger_status(
    bundle: &Bundle,
    explicit: &Option<PathBuf>,
    state: &StateDir,
) -> Result<LedgerStatus> {
    let path = ledger_path(bundle, explicit, state)?;
    if !path.exists() {
        return Err(input(format!(
            "no push ledger at {}: nothing was pushed from this bundle yet (or give --ledger PATH or the --state-dir it used)",
            path.display()
        )));
    }
    let ledger = PushLedger::open(&path)?;
    let run = ledger
        .run()?
        .ok_or_else(|| input(format!("ledger {} has no plan yet", path.display())))?;
    let batches = ledger.batches()?;
    let mut per_state: BTreeMap<&'static str, u64> =
        BatchState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let (mut paid_n, mut left_n, mut paid, mut left) = (0u64, 0u64, U256::ZERO, U256::ZERO);
    for b in &batches {
        *per_state.entry(b.state.as_str()).or_default() += 1;
        if b.state == BatchState::Confirmed {
            paid_n += b.count;
            paid += u256(&b.total)?;
        } else {
            left_n += b.count;
            left += u256(&b.total)?;
        }
    }
    Ok(LedgerStatus {
        path,
        run,
        batches,
        per_state,
        paid_recipients: paid_n,
        remaining_recipients: left_n,
        paid,
        remaining: left,
    })
}
