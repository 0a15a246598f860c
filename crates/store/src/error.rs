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
    /// The database URL is neither SQLite nor PostgreSQL.
    #[error("database url {url:?} is not supported; use sqlite:PATH (the default), sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB")]
    Url {
        /// The URL, password hidden.
        url: String,
    },
    /// The database cannot be reached or opened.
    #[error("cannot open database {url}: {source}; check that it runs and the url, user and password are right")]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("migrating database {url} failed: {source}; a database written by a newer airdrop cannot be used by this one")]
    Migrate {
        /// The URL, password hidden.
        url: String,
        /// What sqlx said.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database error during {op}: {source}")]
    Db {
        /// What was being done.
        op: &'static str,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// A unique value exists already.
    #[error("{what} {value} exists already")]
    Conflict {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        value: String,
    },
    /// Stored data makes no sense.
    #[error("stored data: {detail}")]
    Data {
        /// What is wrong.
        detail: String,
    },
}

/// Result with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;
