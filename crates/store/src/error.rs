//! The one error type of the store crate. Messages are lowercase and carry the bad value and a
//! hint.

use thiserror::Error;

/// Everything the store can reject.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite failed (cannot open, locked, disk full, corrupt).
    #[error("ledger {path}: {source}; check the path is writable and no other push uses it")]
    Sqlite {
        /// The ledger file.
        path: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The ledger belongs to another push (other bundle, token, sender or chain).
    #[error("ledger {path} belongs to another push: its {field} is {ledger} but this run has {given}; use another --ledger (or move the file away) to start a new push")]
    Mismatch {
        /// The ledger file.
        path: String,
        /// Which field differs.
        field: &'static str,
        /// The value recorded in the ledger.
        ledger: String,
        /// The value of this run.
        given: String,
    },
    /// The ledger's content makes no sense (written by a newer version, or edited).
    #[error("ledger {path}: {detail}")]
    Corrupt {
        /// The ledger file.
        path: String,
        /// What is wrong, with a hint.
        detail: String,
    },
    /// A call the ledger refuses (e.g. a state change from the wrong state).
    #[error("ledger {path}: {detail}")]
    Refused {
        /// The ledger file.
        path: String,
        /// What was refused and why.
        detail: String,
    },
}

/// Result with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;
