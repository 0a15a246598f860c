//! The crate's one error type.

/// Errors of sybil detection: bad input files and bad settings.
#[derive(Debug, thiserror::Error)]
pub enum SybilError {
    /// A bad edge, hub or overrides file: where (`file:line`) and what.
    #[error("{location}: {detail}")]
    Input {
        /// `file:line` (or the file alone).
        location: String,
        /// What is wrong, with the bad value and a hint.
        detail: String,
    },
    /// A setting out of its range.
    #[error("sybil setting {key}: {detail}")]
    Setting {
        /// The setting's key.
        key: String,
        /// What is wrong and what to use.
        detail: String,
    },
    /// The graph outgrew the compact ids (more than 4 billion addresses).
    #[error("{0}")]
    TooLarge(String),
    /// Serialising an output failed.
    #[error("cannot serialise {what}: {source}")]
    Json {
        /// Which output.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// The crate's result.
pub type Result<T, E = SybilError> = std::result::Result<T, E>;

impl SybilError {
    pub(crate) fn input(location: impl Into<String>, detail: impl Into<String>) -> Self {
        SybilError::Input {
            location: location.into(),
            detail: detail.into(),
        }
    }
}
