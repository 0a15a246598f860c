//! Wallet-signed sign-ups with referral codes (exclusive airdrops).

use crate::api::auth::signed_in;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{parse_address, JsonBody, PathParams};
use crate::shared::{now, random_token, stored_campaign};
use crate::AppState;
use airdrop_store::SignupRow;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A sign-up: an EIP-4361 message signed by the wallet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignupRequest {
    /// The EIP-4361 message, exactly as signed.
    pub(crate) message: String,
    /// The wallet's signature (personal_sign), 0x-hex.
    pub(crate) signature: String,
    /// Another participant's referral code, if any.
    #[serde(rename = "referralCode")]
    pub(crate) referral_code: Option<String>,
}

/// A wallet's sign-up.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SignupResponse {
    /// Campaign id.
    pub(crate) campaign: String,
    /// The wallet, checksummed.
    pub(crate) address: String,
    /// This wallet's own code to share.
    #[serde(rename = "referralCode")]
    pub(crate) referral_code: String,
    /// Who referred it.
    #[serde(rename = "referredBy")]
    pub(crate) referred_by: Option<String>,
    /// Unix seconds.
    #[serde(rename = "createdAt")]
    pub(crate) created_at: i64,
}

impl From<SignupRow> for SignupResponse {
    fn from(s: SignupRow) -> Self {
        SignupResponse {
            campaign: s.campaign,
            address: s.address,
            referral_code: s.referral_code,
            referred_by: s.referred_by,
            created_at: s.created,
        }
    }
}

/// Referral code → the referrer's address (400 when unknown).
pub(crate) async fn referrer(
    state: &AppState,
    campaign: &str,
    code: Option<&str>,
    me: &str,
) -> Result<Option<String>, ServerError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    if code.len() > 32 || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ServerError::bad_request(
            "invalid_referral_code",
            "a referral code is up to 32 letters and digits",
        ));
    }
    let owner = state
        .store()?
        .signup_by_code(campaign, code)
        .await?
        .ok_or_else(|| {
            ServerError::bad_request(
                "unknown_referral_code",
                format!("no participant of campaign {campaign:?} has referral code {code:?}"),
            )
        })?;
    if owner.address == me {
        return Err(ServerError::bad_request(
            "self_referral",
            "a wallet cannot refer itself",
        ));
    }
    Ok(Some(owner.address))
}

/// Signs a wallet up for a campaign (exclusive airdrops). The message must name this server's
/// domain and URI, the campaign's chain id, a nonce from `GET /v1/auth/nonce` (single use), and
/// be within its validity window; the signature is checked by ECDSA or, for contract wallets,
/// EIP-1271 when the server has a node.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/signups", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    request_body = SignupRequest,
    responses(
        (status = 201, body = SignupResponse),
        (status = 400, description = "Malformed message, wrong domain/URI/chain, bad referral code", body = ErrorBody),
        (status = 401, description = "Bad signature; replayed, unknown or expired nonce; expired message", body = ErrorBody),
        (status = 403, description = "Sign-ups are closed", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The wallet signed up already", body = ErrorBody),
    ),
)]
pub(crate) async fn create_signup(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<SignupRequest>,
) -> Result<(StatusCode, Json<SignupResponse>), ServerError> {
    let campaign = stored_campaign(&state, &id).await?;
    if let Some(deadline) = campaign.signup_deadline {
        if now() >= deadline {
            return Err(ServerError::Api {
                status: StatusCode::FORBIDDEN,
                code: "signups_closed",
                detail: format!("sign-ups for campaign {id:?} closed at unix time {deadline}"),
            });
        }
    }
    let msg = signed_in(&state, &campaign, &req.message, &req.signature).await?;
    let address = msg.address.to_checksum(None);
    let db = state.store()?;
    if db.signup(&id, &address).await?.is_some() {
        return Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "already_signed_up",
            detail: format!("{address} signed up for campaign {id:?} already"),
        });
    }
    let referred_by = referrer(&state, &id, req.referral_code.as_deref(), &address).await?;
    let row = SignupRow {
        campaign: id.clone(),
        address: address.clone(),
        referral_code: random_token(5)?,
        referred_by,
        message: req.message,
        signature: req.signature,
        created: now(),
    };
    match db.insert_signup(&row).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(row.into()))),
        // Two sign-ups of one wallet raced; the other won.
        Err(airdrop_store::StoreError::Conflict { .. }) => Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "already_signed_up",
            detail: format!("{address} signed up for campaign {id:?} already"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Whether (and how) a wallet signed up.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/signups/{address}", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("address" = String, Path, description = "Wallet")),
    responses((status = 200, body = SignupResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub(crate) async fn get_signup(
    State(state): State<Arc<AppState>>,
    PathParams((id, address)): PathParams<(String, String)>,
) -> Result<Json<SignupResponse>, ServerError> {
    let address = parse_address(&address)?.to_checksum(None);
    stored_campaign(&state, &id).await?;
    let s = state.store()?.signup(&id, &address).await?.ok_or_else(|| {
        ServerError::not_found(
            "not_signed_up",
            format!("{address} has not signed up for campaign {id:?}"),
        )
    })?;
    Ok(Json(s.into()))
}

/// Sign-ups.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(create_signup))
        .routes(routes!(get_signup))
}
