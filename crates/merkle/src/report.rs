//! The report of a successful verification, shared by every format's checker.

use alloy_primitives::B256;

/// What a successful verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// The format recognised.
    pub format: String,
    /// The root, rebuilt from the data and equal to the one the file states.
    pub root: B256,
    /// Number of claims whose proofs were checked.
    pub claims: usize,
    /// Sum of amounts, where the format has them.
    pub total: Option<String>,
    /// Sums per token (checksummed token, decimal base units) of a multi-token tree.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_token: Vec<(String, String)>,
}
