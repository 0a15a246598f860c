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
    /// A file operation failed. The cause is not repeated in the message, so printing the chain of causes (`{err:#}` in anyhow, [`EngineError::chain`])
    /// shows it once: `cannot read x.csv: it is a folder`.
    #[error("{context}")]
    File {
        /// What was being done, naming the file as the user gave it.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Another engine error with what was being done in front of it (like anyhow's context:
    /// the chain of causes reads `context: cause`).
    #[error("{context}")]
    Context {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Box<EngineError>,
    },
}

/// The engine's result.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
    /// A bad-input error with `message` (already lowercase, with the bad value and a hint).
    pub fn input(message: impl Into<String>) -> Self {
        EngineError::Input(message.into())
    }

    /// The message and every cause under it, joined by `: ` (what `{err:#}` prints for an
    /// anyhow error): the one line a shell shows the user.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            out.push_str(": ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }

    /// A failed file operation: `context` names it (`cannot read x.csv`), `source` says why.
    pub fn file(context: impl Into<String>, source: std::io::Error) -> Self {
        EngineError::File {
            context: context.into(),
            source,
        }
    }

    /// `self` with `context` in front of it.
    pub fn context(self, context: impl Into<String>) -> Self {
        EngineError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_shows_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is a folder");
        let e = EngineError::file("cannot read a.csv", io).context("source \"a\"");
        assert_eq!(e.chain(), "source \"a\": cannot read a.csv: it is a folder");
    }
}
