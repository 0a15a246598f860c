//! The one error type of this crate. Messages are lowercase, carry the bad value and a hint.

use thiserror::Error;

/// Where in an input a problem was found: file name (as the user gave it) and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or `<stdin>`).
    pub file: String,
    /// 1-based line number; 0 when the line is unknown (e.g. a JSON key).
    pub line: u64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            write!(f, "{}", self.file)
        }
    }
}

/// Everything that can go wrong while reading, building, writing or verifying a tree.
#[derive(Debug, Error)]
pub enum MerkleError {
    /// An address field held something that is not an address.
    #[error("{location}: {error}")]
    Address {
        /// Where.
        location: Location,
        /// What.
        error: crate::address::AddressError,
    },
    /// An amount field held something that is not a base-unit integer.
    #[error("{location}: {detail}")]
    Amount {
        /// Where.
        location: Location,
        /// What, with the value and a hint.
        detail: String,
    },
    /// The same address appears twice.
    #[error("{location}: duplicate address {address} (first seen on line {first_line}); pass --merge-duplicates to sum duplicate rows")]
    Duplicate {
        /// Where the second occurrence is.
        location: Location,
        /// The checksummed address.
        address: String,
        /// Line of the first occurrence.
        first_line: u64,
    },
    /// The input has no rows.
    #[error("{file}: no entries; an airdrop tree needs at least one recipient")]
    Empty {
        /// The file.
        file: String,
    },
    /// The input's shape is wrong: header, columns, JSON structure.
    #[error("{location}: {detail}")]
    Format {
        /// Where.
        location: Location,
        /// What, with a hint.
        detail: String,
    },
    /// An option combination or value the engine cannot honour.
    #[error("{0}")]
    Options(String),
    /// Summing amounts overflowed 2^256-1.
    #[error("total of all amounts overflows uint256 (at {location}); split the airdrop or check the amounts")]
    TotalOverflow {
        /// The row at which it overflowed.
        location: Location,
    },
    /// A proof or root did not check out.
    #[error("{0}")]
    Verify(String),
    /// The address asked for is not in the tree.
    #[error("address {0} is not in this tree")]
    NotFound(String),
    /// Writing output failed.
    #[error("cannot write {path}: {error}")]
    Write {
        /// The relative output path.
        path: String,
        /// The IO error.
        error: std::io::Error,
    },
    /// Reading input failed at the IO level.
    #[error("cannot read {file}: {detail}")]
    Read {
        /// The file.
        file: String,
        /// The underlying error.
        detail: String,
    },
}

impl MerkleError {
    pub(crate) fn format(file: &str, line: u64, detail: impl Into<String>) -> Self {
        MerkleError::Format {
            location: Location {
                file: file.to_owned(),
                line,
            },
            detail: detail.into(),
        }
    }
    pub(crate) fn amount(file: &str, line: u64, detail: impl Into<String>) -> Self {
        MerkleError::Amount {
            location: Location {
                file: file.to_owned(),
                line,
            },
            detail: detail.into(),
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = MerkleError> = std::result::Result<T, E>;
