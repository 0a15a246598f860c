//! The one error type of the core crate. Messages are lowercase, one line, and carry the bad
//! value and a hint; the location (file, line, key) comes first so editors can jump to it.

use thiserror::Error;

/// Everything a campaign build, explain or diff can reject.
#[derive(Debug, Error)]
pub enum CoreError {
    /// The campaign file is not valid TOML or does not match the schema (unknown key, wrong
    /// type). `line` is 1-based.
    #[error("{file}:{line}: {detail}")]
    Toml {
        /// The campaign file as the user named it.
        file: String,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong, with a hint.
        detail: String,
    },
    /// A key of the campaign holds a value that parses but makes no sense.
    #[error("{file}: {key}: {detail}")]
    Spec {
        /// The campaign file.
        file: String,
        /// The key, as a path (`pool "holders".share`).
        key: String,
        /// What is wrong, with the value and a hint.
        detail: String,
    },
    /// A row or header of a source or exclusion file is wrong.
    #[error("{location}: {detail}")]
    Source {
        /// `file:line` (or `file: entry N` for JSON).
        location: String,
        /// What is wrong, with the value and a hint.
        detail: String,
    },
    /// An address field of an input holds something that is not an acceptable address
    /// (including anything that looks like a private key or recovery phrase).
    #[error("{location}: {reason}")]
    Address {
        /// Where the address was read.
        location: String,
        /// Why it was refused.
        reason: airdrop_merkle::address::AddressError,
    },
    /// The campaign is well formed but cannot be allocated as written.
    #[error("pool {pool:?}: {detail}")]
    Pool {
        /// The pool's name.
        pool: String,
        /// What is wrong, with a hint.
        detail: String,
    },
    /// A campaign-wide allocation problem (dust without `dust_to`, overflow).
    #[error("{0}")]
    Campaign(String),
    /// A bundle file read back by `explain` or `diff` is missing a field or malformed.
    #[error("{file}: {detail}")]
    Bundle {
        /// The bundle file.
        file: String,
        /// What is wrong, with a hint.
        detail: String,
    },
    /// A vesting term of a manifest the contract cannot take (e.g. a share that is not whole
    /// basis points).
    #[error("{0}")]
    Vesting(String),
    /// A tax computation cannot go on: missing prices (all listed), a sale of more than was
    /// held, inconsistent decimals.
    #[error("{0}")]
    Tax(String),
    /// The Merkle engine refused the claims.
    #[error(transparent)]
    Merkle(#[from] airdrop_merkle::MerkleError),
}

/// Result alias for this crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
