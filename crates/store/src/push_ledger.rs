//! The push ledger: one SQLite file per push (by default `push-ledger.sqlite` in the bundle
//! folder) recording each batch `planned → signed → sent → confirmed | failed`.
//!
//! Every state change is one committed transaction, and the file runs in WAL mode with
//! `synchronous=FULL`, so a process killed at any instruction (SIGKILL, power loss) finds on
//! restart exactly the last state it committed. The signed raw transaction is committed *before*
//! it is sent: a restart can always rebroadcast the very same transaction (same hash), which can
//! be mined at most once, or prove from the account's nonce that it never will be.

use crate::error::{Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The schema this code writes.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE push_run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    bundle_root TEXT NOT NULL,
    token TEXT NOT NULL,
    sender TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    batch_sender TEXT,
    batch_size INTEGER NOT NULL,
    recipients INTEGER NOT NULL,
    total TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE batch (
    id INTEGER PRIMARY KEY,
    first_index INTEGER NOT NULL,
    count INTEGER NOT NULL,
    total TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'signed', 'sent', 'confirmed', 'failed')),
    nonce INTEGER,
    tx_hash TEXT,
    raw_tx BLOB,
    block INTEGER,
    gas_used INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated INTEGER NOT NULL
);
CREATE TABLE recipient (
    claim_index INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    amount TEXT NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batch(id)
);
CREATE INDEX recipient_batch ON recipient(batch_id);
CREATE TABLE aux_tx (
    kind TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('signed', 'sent', 'confirmed', 'failed')),
    nonce INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    raw_tx BLOB NOT NULL,
    address TEXT,
    block INTEGER,
    updated INTEGER NOT NULL
);
";

/// What a push is for; a ledger serves one push only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRun {
    /// The bundle's Merkle root (0x hex).
    pub bundle_root: String,
    /// The token (checksummed address).
    pub token: String,
    /// The paying account (checksummed address).
    pub sender: String,
    /// The chain.
    pub chain_id: u64,
    /// The BatchSender contract once known.
    pub batch_sender: Option<String>,
    /// Recipients per batch.
    pub batch_size: u64,
    /// Number of recipients.
    pub recipients: u64,
    /// Sum of all amounts (decimal base units).
    pub total: String,
    /// Unix seconds the plan was written.
    pub created: u64,
}

/// The state of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchState {
    /// In the plan; no transaction yet.
    Planned,
    /// Transaction signed and stored, maybe not sent.
    Signed,
    /// Transaction handed to the node.
    Sent,
    /// Mined with status 1: every recipient of the batch was paid.
    Confirmed,
    /// Mined with status 0 (reverted) or displaced by another transaction of the same nonce:
    /// nobody in the batch was paid; it is re-planned.
    Failed,
}

impl BatchState {
    /// Every state, in order.
    pub const ALL: [BatchState; 5] = [
        BatchState::Planned,
        BatchState::Signed,
        BatchState::Sent,
        BatchState::Confirmed,
        BatchState::Failed,
    ];

    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Planned => "planned",
            BatchState::Signed => "signed",
            BatchState::Sent => "sent",
            BatchState::Confirmed => "confirmed",
            BatchState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// One batch of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// 0-based, in plan order.
    pub id: u64,
    /// Claim index of the first recipient.
    pub first_index: u64,
    /// Number of recipients.
    pub count: u64,
    /// Sum of the batch's amounts (decimal base units).
    pub total: String,
    /// Where it is.
    pub state: BatchState,
    /// Nonce of its current transaction.
    pub nonce: Option<u64>,
    /// Hash of its current transaction (0x hex).
    pub tx_hash: Option<String>,
    /// Its current signed transaction (EIP-2718 bytes).
    pub raw_tx: Option<Vec<u8>>,
    /// Block it was mined in.
    pub block: Option<u64>,
    /// Gas used by it.
    pub gas_used: Option<u64>,
    /// How many transactions were signed for it (more than one after a failure).
    pub attempts: u64,
    /// Why it failed last.
    pub error: Option<String>,
    /// Unix seconds of the last change.
    pub updated: u64,
}

/// One recipient as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRecipient {
    /// Claim index in the bundle.
    pub claim_index: u64,
    /// Address (checksummed).
    pub address: String,
    /// Amount (decimal base units).
    pub amount: String,
}

/// A transaction around the batches (deploying BatchSender), tracked like a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuxTx {
    /// What it is, e.g. `deploy-batch-sender`.
    pub kind: String,
    /// `signed`, `sent`, `confirmed` or `failed`.
    pub state: String,
    /// Its nonce.
    pub nonce: u64,
    /// Its hash.
    pub tx_hash: String,
    /// The signed transaction.
    pub raw_tx: Vec<u8>,
    /// The contract it creates, if any.
    pub address: Option<String>,
    /// Block it was mined in.
    pub block: Option<u64>,
}

/// An open push ledger.
#[derive(Debug)]
pub struct PushLedger {
    conn: Connection,
    path: PathBuf,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<(Batch, String)> {
    let state: String = r.get(4)?;
    Ok((
        Batch {
            id: to_u64(r.get(0)?),
            first_index: to_u64(r.get(1)?),
            count: to_u64(r.get(2)?),
            total: r.get(3)?,
            state: BatchState::Planned,
            nonce: r.get::<_, Option<i64>>(5)?.map(to_u64),
            tx_hash: r.get(6)?,
            raw_tx: r.get(7)?,
            block: r.get::<_, Option<i64>>(8)?.map(to_u64),
            gas_used: r.get::<_, Option<i64>>(9)?.map(to_u64),
            attempts: to_u64(r.get(10)?),
            error: r.get(11)?,
            updated: to_u64(r.get(12)?),
        },
        state,
    ))
}

const BATCH_COLUMNS: &str =
    "id, first_index, count, total, state, nonce, tx_hash, raw_tx, block, gas_used, attempts, error, updated";

impl PushLedger {
    /// Opens (creating if needed) the ledger at `path` and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<PushLedger> {
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        })?;
        let mut l = PushLedger {
            conn,
            path: path.to_path_buf(),
        };
        l.setup()?;
        Ok(l)
    }

    /// Where the ledger lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn corrupt(&self, detail: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.display().to_string(),
            detail,
        }
    }

    fn setup(&mut self) -> Result<()> {
        // WAL + FULL: a commit is on disk when COMMIT returns; a killed process loses nothing
        // it committed. busy_timeout: a concurrent `push status` does not fail on a lock.
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| self.sql(e))?;
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.sql(e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.sql(e))?;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.sql(e))?;
        let tx = self
            .conn
            .transaction()
            .map_err(|source| StoreError::Sqlite {
                path: self.path.display().to_string(),
                source,
            })?;
        let has: bool = tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|source| StoreError::Sqlite {
                path: self.path.display().to_string(),
                source,
            })?;
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        if !has {
            tx.execute_batch(SCHEMA).map_err(sql)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [SCHEMA_VERSION],
            )
            .map_err(sql)?;
        } else {
            let v: i64 = tx
                .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
                .map_err(sql)?;
            if v > SCHEMA_VERSION {
                return Err(StoreError::Corrupt {
                    path,
                    detail: format!(
                        "schema version {v} is newer than this airdrop understands ({SCHEMA_VERSION}); upgrade airdrop"
                    ),
                });
            }
            // Version 1 is the first schema: nothing to migrate yet.
        }
        tx.commit().map_err(sql)
    }

    /// The push this ledger is for, once planned.
    pub fn run(&self) -> Result<Option<PushRun>> {
        self.conn
            .query_row(
                "SELECT bundle_root, token, sender, chain_id, batch_sender, batch_size, recipients, total, created FROM push_run WHERE id = 1",
                [],
                |r| {
                    Ok(PushRun {
                        bundle_root: r.get(0)?,
                        token: r.get(1)?,
                        sender: r.get(2)?,
                        chain_id: to_u64(r.get(3)?),
                        batch_sender: r.get(4)?,
                        batch_size: to_u64(r.get(5)?),
                        recipients: to_u64(r.get(6)?),
                        total: r.get(7)?,
                        created: to_u64(r.get(8)?),
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Refuses a ledger written for another bundle, token, sender or chain.
    pub fn check_run(&self, run: &PushRun) -> Result<()> {
        let Some(have) = self.run()? else {
            return Ok(());
        };
        let checks: [(&'static str, String, String); 4] = [
            ("bundle root", have.bundle_root, run.bundle_root.clone()),
            ("token", have.token, run.token.clone()),
            ("sender", have.sender, run.sender.clone()),
            (
                "chain id",
                have.chain_id.to_string(),
                run.chain_id.to_string(),
            ),
        ];
        for (field, ledger, given) in checks {
            if !ledger.eq_ignore_ascii_case(&given) {
                return Err(StoreError::Mismatch {
                    path: self.path.display().to_string(),
                    field,
                    ledger,
                    given,
                });
            }
        }
        Ok(())
    }

    /// Writes the whole plan in one transaction: the run, then `batches` in order, each a
    /// (recipients, total) pair. Refused when a plan exists.
    pub fn plan(
        &mut self,
        run: &PushRun,
        batches: &[(Vec<PlannedRecipient>, String)],
    ) -> Result<()> {
        if self.run()?.is_some() {
            return Err(StoreError::Refused {
                path: self.path.display().to_string(),
                detail: "a plan is already recorded; it is never rewritten".to_owned(),
            });
        }
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let t = now();
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO push_run (id, bundle_root, token, sender, chain_id, batch_sender, batch_size, recipients, total, created) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                run.bundle_root,
                run.token,
                run.sender,
                to_i64(run.chain_id),
                run.batch_sender,
                to_i64(run.batch_size),
                to_i64(run.recipients),
                run.total,
                t
            ],
        )
        .map_err(sql)?;
        {
            let mut ib = tx
                .prepare("INSERT INTO batch (id, first_index, count, total, state, updated) VALUES (?1, ?2, ?3, ?4, 'planned', ?5)")
                .map_err(sql)?;
            let mut ir = tx
                .prepare("INSERT INTO recipient (claim_index, address, amount, batch_id) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql)?;
            for (id, (recipients, total)) in batches.iter().enumerate() {
                let first = recipients.first().map(|r| r.claim_index).unwrap_or(0);
                ib.execute(params![
                    to_i64(id as u64),
                    to_i64(first),
                    to_i64(recipients.len() as u64),
                    total,
                    t
                ])
                .map_err(sql)?;
                for r in recipients {
                    ir.execute(params![
                        to_i64(r.claim_index),
                        r.address,
                        r.amount,
                        to_i64(id as u64)
                    ])
                    .map_err(sql)?;
                }
            }
        }
        tx.commit().map_err(sql)
    }

    /// Records the BatchSender contract the push uses.
    pub fn set_batch_sender(&mut self, address: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE push_run SET batch_sender = ?1 WHERE id = 1",
                [address],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Every batch, in plan order.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {BATCH_COLUMNS} FROM batch ORDER BY id"))
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map([], batch_from_row)
            .map_err(|e| self.sql(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))?;
        rows.into_iter()
            .map(|(mut b, s)| {
                b.state = BatchState::parse(&s).ok_or_else(|| {
                    self.corrupt(format!("batch {} has unknown state {s:?}", b.id))
                })?;
                Ok(b)
            })
            .collect()
    }

    /// One batch.
    pub fn batch(&self, id: u64) -> Result<Batch> {
        self.batches()?
            .into_iter()
            .find(|b| b.id == id)
            .ok_or_else(|| self.corrupt(format!("no batch {id}")))
    }

    /// The recipients of batch `id`, in claim-index order.
    pub fn recipients(&self, id: u64) -> Result<Vec<PlannedRecipient>> {
        let mut st = self
            .conn
            .prepare("SELECT claim_index, address, amount FROM recipient WHERE batch_id = ?1 ORDER BY claim_index")
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map([to_i64(id)], |r| {
                Ok(PlannedRecipient {
                    claim_index: to_u64(r.get(0)?),
                    address: r.get(1)?,
                    amount: r.get(2)?,
                })
            })
            .map_err(|e| self.sql(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows)
    }

    fn transition(
        &self,
        id: u64,
        from: &[BatchState],
        set: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<()> {
        let allowed = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE batch SET {set}, updated = {} WHERE id = {} AND state IN ({allowed})",
            now(),
            to_i64(id)
        );
        let n = self.conn.execute(&sql, p).map_err(|e| self.sql(e))?;
        if n != 1 {
            let b = self.batch(id)?;
            return Err(StoreError::Refused {
                path: self.path.display().to_string(),
                detail: format!(
                    "batch {id} is {} and cannot change to {set:?}; another push may be running on this ledger",
                    b.state.as_str()
                ),
            });
        }
        Ok(())
    }

    /// planned → signed, with the transaction (committed before it is sent).
    pub fn mark_signed(&mut self, id: u64, nonce: u64, tx_hash: &str, raw_tx: &[u8]) -> Result<()> {
        self.transition(
            id,
            &[BatchState::Planned],
            "state = 'signed', nonce = ?1, tx_hash = ?2, raw_tx = ?3, attempts = attempts + 1, error = NULL",
            &[&to_i64(nonce), &tx_hash, &raw_tx],
        )
    }

    /// signed → sent.
    pub fn mark_sent(&mut self, id: u64) -> Result<()> {
        self.transition(
            id,
            &[BatchState::Signed, BatchState::Sent],
            "state = 'sent'",
            &[],
        )
    }

    /// signed | sent → confirmed.
    pub fn mark_confirmed(&mut self, id: u64, block: u64, gas_used: u64) -> Result<()> {
        self.transition(
            id,
            &[BatchState::Signed, BatchState::Sent],
            "state = 'confirmed', block = ?1, gas_used = ?2",
            &[&to_i64(block), &to_i64(gas_used)],
        )
    }

    /// signed | sent → failed (reverted, or its nonce was used by another transaction).
    pub fn mark_failed(&mut self, id: u64, block: Option<u64>, error: &str) -> Result<()> {
        self.transition(
            id,
            &[BatchState::Signed, BatchState::Sent],
            "state = 'failed', block = ?1, error = ?2",
            &[&block.map(to_i64), &error],
        )
    }

    /// failed → planned: the batch gets a new transaction (new nonce) next. The failed
    /// transaction's hash stays in `error` for the record.
    pub fn replan(&mut self, id: u64) -> Result<()> {
        self.transition(
            id,
            &[BatchState::Failed],
            "state = 'planned', error = coalesce(error, '') || ' (was ' || coalesce(tx_hash, '?') || ')', nonce = NULL, tx_hash = NULL, raw_tx = NULL, block = NULL, gas_used = NULL",
            &[],
        )
    }

    /// A tracked auxiliary transaction.
    pub fn aux(&self, kind: &str) -> Result<Option<AuxTx>> {
        self.conn
            .query_row(
                "SELECT kind, state, nonce, tx_hash, raw_tx, address, block FROM aux_tx WHERE kind = ?1",
                [kind],
                |r| {
                    Ok(AuxTx {
                        kind: r.get(0)?,
                        state: r.get(1)?,
                        nonce: to_u64(r.get(2)?),
                        tx_hash: r.get(3)?,
                        raw_tx: r.get(4)?,
                        address: r.get(5)?,
                        block: r.get::<_, Option<i64>>(6)?.map(to_u64),
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Inserts or replaces a tracked auxiliary transaction.
    pub fn put_aux(&mut self, a: &AuxTx) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO aux_tx (kind, state, nonce, tx_hash, raw_tx, address, block, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    a.kind,
                    a.state,
                    to_i64(a.nonce),
                    a.tx_hash,
                    a.raw_tx,
                    a.address,
                    a.block.map(to_i64),
                    now()
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn run() -> PushRun {
        PushRun {
            bundle_root: "0xabc".into(),
            token: "0xT".into(),
            sender: "0xS".into(),
            chain_id: 31337,
            batch_sender: None,
            batch_size: 2,
            recipients: 3,
            total: "6".into(),
            created: 0,
        }
    }

    fn plan() -> Vec<(Vec<PlannedRecipient>, String)> {
        let r = |i: u64| PlannedRecipient {
            claim_index: i,
            address: format!("0x{i}"),
            amount: (i + 1).to_string(),
        };
        vec![(vec![r(0), r(1)], "3".into()), (vec![r(2)], "3".into())]
    }

    #[test]
    fn lifecycle_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        {
            let mut l = PushLedger::open(&path).unwrap();
            assert!(l.run().unwrap().is_none());
            l.plan(&run(), &plan()).unwrap();
            assert!(l.plan(&run(), &plan()).is_err());
            l.mark_signed(0, 7, "0xh", &[1, 2, 3]).unwrap();
            // Not from signed to signed.
            assert!(l.mark_signed(0, 8, "0xh2", &[1]).is_err());
        }
        let mut l = PushLedger::open(&path).unwrap();
        let b = l.batch(0).unwrap();
        assert_eq!(b.state, BatchState::Signed);
        assert_eq!(b.nonce, Some(7));
        assert_eq!(b.raw_tx.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(b.attempts, 1);
        l.mark_sent(0).unwrap();
        l.mark_failed(0, None, "nonce 7 used by another transaction")
            .unwrap();
        l.replan(0).unwrap();
        let b = l.batch(0).unwrap();
        assert_eq!(b.state, BatchState::Planned);
        assert_eq!(b.nonce, None);
        assert!(b.error.unwrap().contains("0xh"));
        l.mark_signed(0, 9, "0xh3", &[4]).unwrap();
        l.mark_confirmed(0, 12, 50_000).unwrap();
        assert!(l.mark_failed(0, None, "x").is_err());
        let b = l.batch(0).unwrap();
        assert_eq!(
            (b.state, b.block, b.gas_used, b.attempts),
            (BatchState::Confirmed, Some(12), Some(50_000), 2)
        );
        assert_eq!(l.recipients(0).unwrap().len(), 2);
        assert_eq!(l.recipients(1).unwrap()[0].amount, "3");
        assert_eq!(l.batches().unwrap().len(), 2);
    }

    #[test]
    fn refuses_another_push() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        let mut l = PushLedger::open(&path).unwrap();
        l.plan(&run(), &plan()).unwrap();
        l.check_run(&run()).unwrap();
        let mut other = run();
        other.bundle_root = "0xdef".into();
        let e = l.check_run(&other).unwrap_err().to_string();
        assert!(e.contains("bundle root") && e.contains("0xdef"), "{e}");
        let mut other = run();
        other.sender = "0xZ".into();
        assert!(l.check_run(&other).is_err());
    }

    #[test]
    fn aux_and_batch_sender() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = PushLedger::open(&dir.path().join("l.sqlite")).unwrap();
        l.plan(&run(), &plan()).unwrap();
        assert!(l.aux("deploy").unwrap().is_none());
        let mut a = AuxTx {
            kind: "deploy".into(),
            state: "signed".into(),
            nonce: 0,
            tx_hash: "0xd".into(),
            raw_tx: vec![9],
            address: Some("0xC".into()),
            block: None,
        };
        l.put_aux(&a).unwrap();
        a.state = "confirmed".into();
        a.block = Some(3);
        l.put_aux(&a).unwrap();
        assert_eq!(l.aux("deploy").unwrap().unwrap(), a);
        l.set_batch_sender("0xC").unwrap();
        assert_eq!(
            l.run().unwrap().unwrap().batch_sender.as_deref(),
            Some("0xC")
        );
    }
}
