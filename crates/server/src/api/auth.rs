//! Sign-in with Ethereum (EIP-4361): single-use nonces, and the check of a signed message that
//! sign-ups and submissions share.

use crate::error::{ErrorBody, ServerError};
use crate::shared::{now, random_token, refuse_secrets};
use crate::siwe::{campaign_resource, verify_signature, Expect, SiweMessage};
use crate::AppState;
use airdrop_store::{CampaignRow, NonceUse};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A fresh single-use nonce for a sign-in message.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NonceResponse {
    /// Put this in the message's `Nonce:` line.
    pub(crate) nonce: String,
    /// Unix seconds after which the nonce is refused.
    #[serde(rename = "expiresAt")]
    pub(crate) expires_at: i64,
    /// Domains a message must name (the first line).
    pub(crate) domains: Vec<String>,
    /// URI prefixes a message's `URI:` must start with.
    pub(crate) uris: Vec<String>,
}

/// Issues a single-use nonce for an EIP-4361 sign-in message.
#[utoipa::path(
    get, path = "/v1/auth/nonce", tag = "recipients",
    responses((status = 200, body = NonceResponse), (status = 503, body = ErrorBody)),
)]
pub(crate) async fn auth_nonce(
    State(state): State<Arc<AppState>>,
) -> Result<Json<NonceResponse>, ServerError> {
    let db = state.store()?;
    let nonce = random_token(16)?;
    let t = now();
    let expires_at = t + state.sign_in.nonce_ttl_secs;
    db.insert_nonce(&nonce, t, expires_at).await?;
    Ok(Json(NonceResponse {
        nonce,
        expires_at,
        domains: state.sign_in.domains.clone(),
        uris: state.sign_in.uris.clone(),
    }))
}

fn unauthorized(code: &'static str, detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::UNAUTHORIZED,
        code,
        detail: detail.into(),
    }
}

/// Checks a signed sign-in message for `campaign` and spends its nonce: the whole proof that the
/// caller controls the wallet. Returns the message.
pub(crate) async fn signed_in(
    state: &AppState,
    campaign: &CampaignRow,
    message: &str,
    signature: &str,
) -> Result<SiweMessage, ServerError> {
    // Messages are stored with what they sign up for: never one holding a secret. The
    // evidence hash a submission lists is 32 bytes of hex by design, not a key.
    let free: String = message
        .lines()
        .filter(|l| !l.starts_with("- urn:airdrop:evidence:sha256:"))
        .collect::<Vec<_>>()
        .join("\n");
    refuse_secrets("message", &free)?;
    let msg = SiweMessage::parse(message)?;
    // Bound to this campaign: a signature for one campaign is not a sign-in to another.
    let bound = campaign_resource(&campaign.id);
    let task = format!("urn:airdrop:task:{}:", campaign.id);
    if !msg
        .resources
        .iter()
        .any(|r| *r == bound || r.starts_with(&task))
    {
        return Err(ServerError::bad_request(
            "unbound_signature",
            format!("the signed message must list resource {bound:?} so the signature covers this campaign"),
        ));
    }
    let t = now();
    msg.check(
        &Expect {
            domains: state.sign_in.domains.clone(),
            uris: state.sign_in.uris.clone(),
            chain_id: u64::try_from(campaign.chain_id).unwrap_or(0),
            max_age_secs: state.sign_in.max_age_secs,
        },
        t,
    )?;
    verify_signature(message, msg.address, signature, state.rpc.as_ref()).await?;
    match state.store()?.spend_nonce(&msg.nonce, t).await? {
        NonceUse::Spent => Ok(msg),
        NonceUse::Replayed => Err(unauthorized(
            "replayed",
            "this sign-in message was used already; get a new nonce from GET /v1/auth/nonce and sign again",
        )),
        NonceUse::Expired => Err(unauthorized(
            "expired",
            "the message's nonce has expired; get a new one from GET /v1/auth/nonce",
        )),
        NonceUse::Unknown => Err(unauthorized(
            "unknown_nonce",
            "this server did not issue the message's nonce; get one from GET /v1/auth/nonce",
        )),
    }
}

/// Sign-in nonces.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(auth_nonce))
}
