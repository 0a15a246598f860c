//! The engine's one error type: a job either fails for a reason the user can act on (the
//! message says what and how to fix it) or is refused because going on could lose or double-pay
//! money.

/// Errors of the engine's jobs.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A bad input: a missing file, a wrong flag value, a bundle that does not verify.
    #[error("{0}")]
    Input(String),
    /// Going on could pay twice or lose state: the message names the override, if any.
    #[error("{0}")]
    Refused(String),
    /// A file could not be read or written; `what` names it as the user gave it.
    #[error("{what}: {source}")]
    Io {
        /// The file or folder, as the user named it.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The job was cancelled (server shutdown, or the caller gave up).
    #[error("cancelled before it finished; run it again to resume")]
    Cancelled,
    /// From the chain crate (node, snapshot, transactions).
    #[error(transparent)]
    Chain(#[from] airdrop_chain::ChainError),
    /// From the campaign model.
    #[error(transparent)]
    Core(#[from] airdrop_core::CoreError),
    /// From the Merkle engine.
    #[error(transparent)]
    Merkle(#[from] airdrop_merkle::MerkleError),
    /// From the store (push ledger, database).
    #[error(transparent)]
    Store(#[from] airdrop_store::StoreError),
}

/// The engine's result.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
    /// A bad-input error with `message` (already lowercase, with the bad value and a hint).
    pub fn input(message: impl Into<String>) -> Self {
        EngineError::Input(message.into())
    }

    /// An IO error on `what` (a path as the user gave it).
    pub fn io(what: impl std::fmt::Display, source: std::io::Error) -> Self {
        EngineError::Io {
            what: what.to_string(),
            source,
        }
    }
}
