//! Claims, the hot path: one recipient's amount and proof, and every airdrop of a wallet.

use crate::api::campaigns::unknown_campaign;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{parse_address, PathParams};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One recipient's claim with the proof a distributor accepts.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClaimResponse {
    /// Campaign id.
    pub(crate) campaign: String,
    /// The recipient, EIP-55 checksummed.
    pub(crate) address: String,
    /// Claim index (Uniswap order).
    pub(crate) index: u64,
    /// Amount in base units, decimal.
    pub(crate) amount: String,
    /// Sibling hashes from the leaf to the root.
    pub(crate) proof: Vec<String>,
    /// The root the proof leads to.
    #[serde(rename = "merkleRoot")]
    pub(crate) merkle_root: String,
    /// Claimed so far (base units, decimal), from the distributor's events; absent when this
    /// server does not follow the chain (no `--rpc-url` or no deployment) or has not caught up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) claimed: Option<String>,
    /// Vested by now (claimed or not); absent when the campaign's schedule is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) vested: Option<String>,
    /// Not vested yet; absent when the schedule is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) locked: Option<String>,
    /// What a claim now would pay: vested minus claimed (or amount minus claimed without a
    /// schedule); absent when the claimed amount is unknown.
    #[serde(rename = "claimableNow")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) claimable_now: Option<String>,
    /// When claims open and close, and how they vest; absent without a manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) schedule: Option<ScheduleInfo>,
    /// The verdict on the campaign's signed announcement (checked once at load: signature and
    /// every file hash); `null` when the campaign is not signed. Recipients should still verify
    /// it themselves (`airdrop check --api`).
    pub(crate) announcement: Option<AnnouncementVerdict>,
}

/// The verdict on a campaign's signed announcement.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AnnouncementVerdict {
    /// Whether the signature and every bundle file hash held.
    pub(crate) verified: bool,
    /// The signer it names, EIP-55 checksummed.
    pub(crate) signer: String,
}

/// `announcement.json` as `airdrop sign` wrote it (EIP-712 typed fields, signer, signature).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AnnouncementDocument {
    /// `airdrop-announcement/1`.
    pub(crate) format: String,
    /// The signed fields (chain_id, token, distributor, root, total, count, claim_start,
    /// claim_deadline, unlocked_bps, cliff, duration, deploy_block, files_hash, uri).
    #[schema(value_type = Object)]
    pub(crate) message: serde_json::Value,
    /// The signer: an EOA, or a contract wallet (EIP-1271).
    pub(crate) signer: String,
    /// `eoa` or `contract`.
    pub(crate) signer_kind: String,
    /// The 65-byte signature, 0x-hex.
    pub(crate) signature: String,
}

/// A campaign's claim window and vesting terms.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ScheduleInfo {
    /// Claims open, unix seconds.
    pub(crate) start: u64,
    /// Claims close, unix seconds.
    pub(crate) deadline: u64,
    /// Share unlocked at start, basis points (10000: no vesting).
    #[serde(rename = "unlockedBps")]
    pub(crate) unlocked_bps: u16,
    /// End of the cliff, unix seconds.
    #[serde(rename = "cliffEnd")]
    pub(crate) cliff_end: u64,
    /// Everything vested, unix seconds.
    #[serde(rename = "vestingEnd")]
    pub(crate) vesting_end: u64,
}

/// One airdrop a wallet is eligible for.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletAirdrop {
    /// Campaign id.
    pub(crate) campaign: String,
    /// Amount in base units, decimal.
    pub(crate) amount: String,
    /// Claim index.
    pub(crate) index: u64,
}

/// The hot path: one recipient's amount, index and proof.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/claims/{address}", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("address" = String, Path, description = "Recipient address (checksummed or lowercase)")),
    responses(
        (status = 200, body = ClaimResponse),
        (status = 400, description = "Invalid address, wrong checksum, or a secret pasted where an address belongs", body = ErrorBody),
        (status = 404, description = "Unknown campaign, or the address has no claim", body = ErrorBody),
    ),
)]
pub(crate) async fn get_claim(
    State(state): State<Arc<AppState>>,
    PathParams((id, address)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ServerError> {
    claim(&state, &id, &address)
}

/// The look-up behind [`get_claim`], shared with the fast path in front of the router
/// (`crate::fast`), so both answer the same bytes.
pub(crate) fn claim(
    state: &AppState,
    id: &str,
    address: &str,
) -> Result<axum::response::Response, ServerError> {
    let address = parse_address(address)?;
    let published = state.campaigns.load();
    let c = published.get(id).ok_or_else(|| unknown_campaign(id))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let body = c.claim_body(&address, now).ok_or_else(|| {
        ServerError::not_found(
            "not_eligible",
            format!(
                "{} has no claim in campaign {:?}",
                address.to_checksum(None),
                c.id
            ),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The campaign's signed announcement, byte for byte as signed, for recipients to verify
/// themselves (`airdrop verify`, `airdrop check --api`).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/announcement", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    responses(
        (status = 200, body = AnnouncementDocument),
        (status = 404, description = "Unknown campaign, or the campaign is not signed", body = ErrorBody),
    ),
)]
pub(crate) async fn get_announcement(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
) -> Result<impl IntoResponse, ServerError> {
    let published = state.campaigns.load();
    let c = published.get(&id).ok_or_else(|| unknown_campaign(&id))?;
    let a = c.announcement.as_ref().ok_or_else(|| {
        ServerError::not_found(
            "not_signed",
            format!(
                "campaign {:?} has no signed announcement; its creator signs it with `airdrop sign`",
                c.id
            ),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], a.file.clone()))
}

/// Every campaign in which the address is eligible.
#[utoipa::path(
    get, path = "/v1/wallets/{address}/airdrops", tag = "recipients",
    params(("address" = String, Path, description = "Wallet address")),
    responses((status = 200, body = Vec<WalletAirdrop>), (status = 400, body = ErrorBody)),
)]
pub(crate) async fn wallet_airdrops(
    State(state): State<Arc<AppState>>,
    PathParams(address): PathParams<String>,
) -> Result<Json<Vec<WalletAirdrop>>, ServerError> {
    let address = parse_address(&address)?;
    let mut out: Vec<WalletAirdrop> = state
        .campaigns
        .all()
        .iter()
        .filter_map(|c| {
            c.tree.proof(&address).map(|p| WalletAirdrop {
                campaign: c.id.clone(),
                amount: p.amount,
                index: p.index,
            })
        })
        .collect();
    out.sort_by(|a, b| a.campaign.cmp(&b.campaign));
    Ok(Json(out))
}

/// Claim look-up and wallet airdrops.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(get_claim))
        .routes(routes!(get_announcement))
        .routes(routes!(wallet_airdrops))
}
