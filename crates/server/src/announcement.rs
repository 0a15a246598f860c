//! A campaign's signed announcement (`announcement.json`, written by `airdrop sign`) and the
//! verdict on it, computed once when the campaign is loaded: the signature and every bundle
//! file's hash, without a node. The verdict is rendered once too, so each claim response only
//! copies its bytes.

use airdrop_merkle::Address;
use std::path::Path;

/// The announcement served with a campaign.
#[derive(Debug, Clone)]
pub struct Announced {
    /// `announcement.json` exactly as signed (served by `GET /v1/campaigns/{id}/announcement`).
    pub file: Vec<u8>,
    /// Whether the signature and every file hash held at load.
    pub verified: bool,
    /// The signer it names.
    pub signer: Address,
    /// Why it is not verified (empty when it is).
    pub reasons: Vec<String>,
    /// `{"verified":…,"signer":"0x…"}`: the claim responses' `announcement` value.
    pub(crate) fragment: Vec<u8>,
}

impl Announced {
    /// The announcement of bundle folder `dir` and its verdict; `None` when it has none.
    pub fn load(dir: &Path) -> Result<Option<Announced>, String> {
        let Some((file, verdict)) =
            airdrop_engine::announce::verify_local(dir).map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let signer = verdict.announcement.signer;
        let verified = verdict.verified();
        // Only a bool and a checksummed address: nothing to escape.
        let fragment = format!(
            "{{\"verified\":{verified},\"signer\":\"{}\"}}",
            signer.to_checksum(None)
        )
        .into_bytes();
        Ok(Some(Announced {
            file,
            verified,
            signer,
            reasons: verdict.reasons,
            fragment,
        }))
    }
}
