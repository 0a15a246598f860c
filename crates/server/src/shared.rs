//! Checks and helpers that handlers of several resources share: the clock, random tokens, id
//! slugs, the store campaign look-up, and the guard against pasted secrets.

use crate::error::ServerError;
use crate::AppState;
use airdrop_store::CampaignRow;

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `bytes` random bytes as hex (nonces, referral codes).
pub(crate) fn random_token(bytes: usize) -> Result<String, ServerError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| ServerError::Internal(format!("no randomness: {e}")))?;
    Ok(alloy_primitives::hex::encode(b))
}

/// Ids in paths are slugs; anything else cannot name a campaign or task.
pub(crate) fn slug(kind: &str, id: &str) -> Result<(), ServerError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        let shown: String = id.chars().take(64).collect();
        return Err(ServerError::bad_request(
            "invalid_id",
            format!("{kind} id {shown:?} must be 1–64 letters, digits, '-' or '_'"),
        ));
    }
    Ok(())
}

/// The store campaign `id`, or 404.
pub(crate) async fn stored_campaign(
    state: &AppState,
    id: &str,
) -> Result<CampaignRow, ServerError> {
    slug("campaign", id)?;
    state.store()?.campaign(id).await?.ok_or_else(|| {
        ServerError::not_found(
            "unknown_campaign",
            format!("no campaign {id:?} takes sign-ups or submissions here; a creator makes one with POST /v1/campaigns"),
        )
    })
}

/// Refuses free text that holds a private key, a recovery phrase or a keystore, anywhere in it
/// (the key guard, [`airdrop_merkle::guard`]). The text is never logged or stored when refused.
pub(crate) fn refuse_secrets(field: &str, text: &str) -> Result<(), ServerError> {
    airdrop_merkle::guard::guard(text).map_err(|e| refused(field, &e))
}

/// The one API refusal of a secret: 400 `secret_refused`, naming the field and the kind, never
/// a character of the value (the warning log line carries the same two only).
pub(crate) fn refused(field: &str, e: &airdrop_merkle::guard::SecretRefused) -> ServerError {
    tracing::warn!(field, kind = %e.kind, "refused a field that holds a secret");
    ServerError::bad_request(airdrop_merkle::guard::CODE, format!("{field}: {e}"))
}
