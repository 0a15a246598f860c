//! Progress reporting, decoupled from any terminal: the CLI draws indicatif bars, the server
//! will stream events.

/// Receives progress of a snapshot.
pub trait Progress: Send + Sync {
    /// A new phase begins (`"logs"`, `"balances"`, …) with `total` units of work.
    fn phase(&self, name: &str, total: u64);
    /// `done` units of the current phase are complete.
    fn set(&self, done: u64);
    /// A line worth telling the user (e.g. "resuming from block N").
    fn note(&self, line: &str);
    /// The current phase is over.
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _name: &str, _total: u64) {}
    fn set(&self, _done: u64) {}
    fn note(&self, _line: &str) {}
    fn finish(&self) {}
}
