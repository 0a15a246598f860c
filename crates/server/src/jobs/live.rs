//! The rows a job writes, also kept and handed straight to the event streams of the instance
//! running it: the store stays the truth (another instance polls it), but a stream on this
//! instance sees every stage, even when several change between two polls or the job ran
//! before the stream was opened.

use crate::confine;
use crate::shared::now;
use crate::AppState;
use airdrop_store::{JobRow, JobState};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Rows a slow stream may fall behind by before it skips ahead.
const BACKLOG: usize = 1024;
/// Rows kept per job for streams opened later (the oldest go first).
const HISTORY: usize = 4096;
/// How long a finished job's rows stay for streams opened after it ended.
const KEEP: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Entry {
    rows: VecDeque<JobRow>,
    /// None once the job ended.
    tx: Option<broadcast::Sender<JobRow>>,
    ended: Option<Instant>,
}

/// The jobs this instance runs (or ran a moment ago), each with its rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Live(Arc<Mutex<HashMap<String, Entry>>>);

/// What a stream opened on this instance gets: the rows so far, then the channel of the next
/// ones (None when the job already ended).
pub(crate) type Subscription = (Vec<JobRow>, Option<broadcast::Receiver<JobRow>>);

impl Live {
    /// A job starts on this instance (finished jobs older than a minute are forgotten).
    pub(crate) fn open(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|_, e| e.ended.is_none_or(|t| t.elapsed() < KEEP));
            m.insert(
                id.to_owned(),
                Entry {
                    rows: VecDeque::new(),
                    tx: Some(broadcast::channel(BACKLOG).0),
                    ended: None,
                },
            );
        }
    }

    /// A row was written to the store.
    pub(crate) fn send(&self, row: &JobRow) {
        if let Ok(mut m) = self.0.lock() {
            if let Some(e) = m.get_mut(&row.id) {
                if e.rows.len() >= HISTORY {
                    e.rows.pop_front();
                }
                e.rows.push_back(row.clone());
                if let Some(tx) = &e.tx {
                    // No receiver is fine: nobody is streaming this job here.
                    let _ = tx.send(row.clone());
                }
            }
        }
    }

    /// The job ended: its streams get what was sent, then the end of the channel.
    pub(crate) fn close(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            if let Some(e) = m.get_mut(id) {
                e.tx = None;
                e.ended = Some(Instant::now());
            }
        }
    }

    /// The rows of `id`, if this instance runs it (or ran it a moment ago).
    pub(crate) fn subscribe(&self, id: &str) -> Option<Subscription> {
        let m = self.0.lock().ok()?;
        let e = m.get(id)?;
        Some((
            e.rows.iter().cloned().collect(),
            e.tx.as_ref().map(broadcast::Sender::subscribe),
        ))
    }
}

/// Writes the job's row (its message scrubbed of this server's folders) and hands it to this
/// instance's streams.
pub(super) async fn update(
    state: &AppState,
    job: &mut JobRow,
    st: JobState,
    done: i64,
    message: String,
) {
    job.state = st;
    job.done = done;
    // Any key may read a job's message: never a folder of this server in it.
    job.message = match &state.jobs {
        Some(cfg) => confine::scrub(&message, &[cfg.data_dir.as_path()]),
        None => message,
    };
    job.updated = now();
    if let Ok(db) = state.store() {
        if let Err(e) = db.put_job(job).await {
            tracing::error!(job = %job.id, error = %e, "cannot record job progress");
        }
    }
    if let Some(cfg) = &state.jobs {
        cfg.runner.live.send(job);
    }
}
