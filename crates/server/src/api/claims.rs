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
    let address = parse_address(&address)?;
    let published = state.campaigns.load();
    let c = published.get(&id).ok_or_else(|| unknown_campaign(&id))?;
    let mut proof = Vec::with_capacity(32);
    let found = c.tree.lookup_into(&address, &mut proof).or_else(|| {
        // OpenZeppelin trees are not address/amount trees inside: the general look-up.
        let p = c.tree.proof(&address)?;
        proof = p.proof;
        Some((p.index, p.amount.parse().ok()?))
    });
    let (index, amount) = found.ok_or_else(|| {
        ServerError::not_found(
            "not_eligible",
            format!(
                "{} has no claim in campaign {:?}",
                address.to_checksum(None),
                c.id
            ),
        )
    })?;
    let body = claim_json(c, &address, index, amount, &proof);
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

/// The claim response's JSON.
fn claim_json(
    c: &crate::campaign::Campaign,
    address: &airdrop_merkle::Address,
    index: u64,
    amount: airdrop_merkle::U256,
    proof: &[airdrop_merkle::B256],
) -> Vec<u8> {
    // Written by hand: this is the one response served millions of times, and every field is
    // hex, digits or an id already restricted to [A-Za-z0-9_-].
    let mut body = Vec::with_capacity(160 + proof.len() * 70);
    body.extend_from_slice(b"{\"campaign\":\"");
    body.extend_from_slice(c.id.as_bytes());
    body.extend_from_slice(b"\",\"address\":\"");
    let mut checksummed = [0u8; 42];
    body.extend_from_slice(address.to_checksum_raw(&mut checksummed, None).as_bytes());
    body.extend_from_slice(b"\",\"index\":");
    body.extend_from_slice(index.to_string().as_bytes());
    body.extend_from_slice(b",\"amount\":\"");
    body.extend_from_slice(amount.to_string().as_bytes());
    body.extend_from_slice(b"\",\"proof\":[");
    for (i, h) in proof.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        push_hash(&mut body, h);
    }
    body.extend_from_slice(b"],\"merkleRoot\":");
    push_hash(&mut body, &c.root);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let claimed = c
        .claimed
        .load()
        .as_ref()
        .map(|m| m.get(&index).copied().unwrap_or_default());
    let vested = c.schedule.map(|s| s.vested(amount, now));
    let claimable = claimed.map(|cl| vested.unwrap_or(amount).saturating_sub(cl));
    push_amount(&mut body, b",\"claimed\":", claimed);
    push_amount(&mut body, b",\"vested\":", vested);
    push_amount(
        &mut body,
        b",\"locked\":",
        vested.map(|v| amount.saturating_sub(v)),
    );
    push_amount(&mut body, b",\"claimableNow\":", claimable);
    if let Some(s) = c.schedule {
        body.extend_from_slice(
            format!(
                ",\"schedule\":{{\"start\":{},\"deadline\":{},\"unlockedBps\":{},\"cliffEnd\":{},\"vestingEnd\":{}}}",
                s.start,
                s.deadline,
                s.vesting.unlocked_bps,
                s.start + s.vesting.cliff,
                s.start + s.vesting.duration
            )
            .as_bytes(),
        );
    }
    body.push(b'}');
    body
}

fn push_amount(buf: &mut Vec<u8>, key: &[u8], v: Option<airdrop_merkle::U256>) {
    // Unknown values are left out, which keeps the common response (no chain, no schedule) as
    // small as before these fields existed.
    if let Some(v) = v {
        buf.extend_from_slice(key);
        buf.push(b'"');
        buf.extend_from_slice(v.to_string().as_bytes());
        buf.push(b'"');
    }
}

fn push_hash(buf: &mut Vec<u8>, h: &airdrop_merkle::B256) {
    let mut hex = [0u8; 64];
    buf.extend_from_slice(b"\"0x");
    if alloy_primitives::hex::encode_to_slice(h.as_slice(), &mut hex).is_ok() {
        buf.extend_from_slice(&hex);
    }
    buf.push(b'"');
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
        .routes(routes!(wallet_airdrops))
}
