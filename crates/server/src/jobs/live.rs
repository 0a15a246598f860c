//! The rows a running job writes, also handed straight to this instance's event streams: the
//! store stays the truth (another instance polls it), but a stream on the instance running the
//! job sees every stage even when several change between two polls.

use airdrop_store::JobRow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Rows a slow stream may fall behind by before it skips to the latest.
const BACKLOG: usize = 1024;

/// The jobs this instance runs, each with the channel of its rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Live(Arc<Mutex<HashMap<String, broadcast::Sender<JobRow>>>>);

impl Live {
    /// A job starts on this instance.
    pub(crate) fn open(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(id.to_owned(), broadcast::channel(BACKLOG).0);
        }
    }

    /// A row was written to the store.
    pub(crate) fn send(&self, row: &JobRow) {
        if let Ok(m) = self.0.lock() {
            if let Some(tx) = m.get(&row.id) {
                // No receiver is fine: nobody is streaming this job here.
                let _ = tx.send(row.clone());
            }
        }
    }

    /// The job ended: its streams get what was sent, then the end of the channel.
    pub(crate) fn close(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(id);
        }
    }

    /// The rows of `id` from now on, if this instance runs it.
    pub(crate) fn subscribe(&self, id: &str) -> Option<broadcast::Receiver<JobRow>> {
        self.0.lock().ok()?.get(id).map(broadcast::Sender::subscribe)
    }
}
