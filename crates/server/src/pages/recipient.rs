//! The recipient pages: `/claim/{campaign}`, `/signup/{campaign}`, `/tasks/{campaign}`,
//! `/wallet/{address}`, and the home page listing the campaigns.

use crate::campaign::Campaign;
use crate::AppState;
use airdrop_merkle::address::AddressError;
use airdrop_merkle::guard::SecretKind;
use airdrop_web::claim::{
    self, AnnouncementView, ClaimFacts, ClaimView, Lookup, ScheduleView, TokenView,
};
use airdrop_web::home::{self, CampaignLink};
use airdrop_web::wallet::{self, ScanView, WalletClaim, WalletView};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

/// The recipient pages' routes.
pub(super) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(index))
        .route("/claim/{campaign}", get(claim_page))
        .route("/wallet/{address}", get(wallet_page))
        .route("/signup/{campaign}", get(super::community::signup_page))
        .route("/tasks/{campaign}", get(super::community::tasks_page))
}

async fn index(State(state): State<Arc<AppState>>) -> Response {
    let mut links: Vec<CampaignLink> = state
        .campaigns
        .all()
        .iter()
        .map(|c| CampaignLink {
            id: c.id.clone(),
            claims: c.tree.len(),
        })
        .collect();
    links.sort_by(|a, b| a.id.cmp(&b.id));
    super::html(home::render(&links))
}

/// `?address=` of the claim page's form.
#[derive(Debug, Deserialize)]
struct AddressQuery {
    address: Option<String>,
}

async fn claim_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<AddressQuery>,
) -> Response {
    let Some(c) = state.campaigns.get(&id) else {
        return missing(&id);
    };
    let now = u64::try_from(crate::shared::now()).unwrap_or_default();
    let deployment = c.deployment.load_full();
    let view = ClaimView {
        campaign: c.id.clone(),
        name: c
            .manifest
            .as_ref()
            .map_or_else(|| c.id.clone(), |m| m.name.clone()),
        token: c.manifest.as_ref().map(|m| TokenView {
            symbol: m.token.symbol.clone(),
            decimals: m.token.decimals,
        }),
        distributor: deployment.as_ref().map(|d| d.distributor.to_checksum(None)),
        chain_id: deployment
            .as_ref()
            .map(|d| d.chain_id)
            .or_else(|| c.manifest.as_ref().map(|m| m.chain_id)),
        relay: state.relayer.is_some() && deployment.is_some(),
        announcement: announcement(&c),
        schedule: c.schedule.map(|s| ScheduleView {
            start: s.start,
            deadline: s.deadline,
            cliff_end: s.start + s.vesting.cliff,
            vesting_end: s.start + s.vesting.duration,
            unlocked_bps: s.vesting.unlocked_bps,
        }),
        now,
        lookup: lookup(&c, q.address.as_deref(), now),
    };
    super::html(claim::render(&view))
}

async fn wallet_page(State(state): State<Arc<AppState>>, Path(text): Path<String>) -> Response {
    let address = match airdrop_merkle::address::parse_address(&text) {
        Ok(a) => a,
        Err(e) => {
            let view = WalletView {
                address: Err(e.to_string()),
                claims: Vec::new(),
                scan: ScanView::NoNode,
            };
            return (StatusCode::BAD_REQUEST, super::html(wallet::render(&view))).into_response();
        }
    };
    let mut claims: Vec<WalletClaim> = state
        .campaigns
        .all()
        .iter()
        .filter_map(|c| {
            let (_, amount) = c.tree.lookup_into(&address, &mut Vec::new()).or_else(|| {
                let p = c.tree.proof(&address)?;
                Some((p.index, p.amount.parse().ok()?))
            })?;
            let token = c.manifest.as_ref().map(|m| TokenView {
                symbol: m.token.symbol.clone(),
                decimals: m.token.decimals,
            });
            Some(WalletClaim {
                campaign: c.id.clone(),
                name: c
                    .manifest
                    .as_ref()
                    .map_or_else(|| c.id.clone(), |m| m.name.clone()),
                amount: claim::amount_text(amount, token.as_ref()),
            })
        })
        .collect();
    claims.sort_by(|a, b| a.campaign.cmp(&b.campaign));
    let scan = match &state.rpc {
        None => ScanView::NoNode,
        Some(rpc) => super::scan::findings(rpc.url(), address).await,
    };
    let view = WalletView {
        address: Ok(address.to_checksum(None)),
        claims,
        scan,
    };
    super::html(wallet::render(&view))
}

/// The 404 page of a campaign this server does not publish.
fn missing(id: &str) -> Response {
    (StatusCode::NOT_FOUND, super::html(claim::unknown(id))).into_response()
}

fn announcement(c: &Campaign) -> AnnouncementView {
    match &c.announcement {
        None => AnnouncementView::NotSigned,
        Some(a) if a.verified => AnnouncementView::Verified {
            signer: a.signer.to_checksum(None),
        },
        Some(a) => AnnouncementView::NotVerified {
            signer: a.signer.to_checksum(None),
            reasons: a.reasons.clone(),
        },
    }
}

/// The look-up the claim API would answer, read back from the very body it serves.
fn lookup(c: &Campaign, asked: Option<&str>, now: u64) -> Lookup {
    let Some(text) = asked.map(str::trim).filter(|t| !t.is_empty()) else {
        return Lookup::None;
    };
    let address = match airdrop_merkle::address::parse_address(text) {
        Ok(a) => a,
        Err(AddressError::Secret { kind, .. }) => {
            return Lookup::Refused(match kind {
                SecretKind::PrivateKey => "a private key",
                SecretKind::RecoveryPhrase => "a recovery phrase",
                _ => "a keystore file",
            })
        }
        Err(e) => return Lookup::Invalid(e.to_string()),
    };
    let Some(body) = c.claim_body(&address, now) else {
        return Lookup::NotEligible(address.to_checksum(None));
    };
    facts(&body).map_or_else(
        || Lookup::Invalid("this claim could not be read back; try again".into()),
        Lookup::Found,
    )
}

fn facts(body: &[u8]) -> Option<ClaimFacts> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let amount = |k: &str| v.get(k)?.as_str()?.parse().ok();
    Some(ClaimFacts {
        address: v.get("address")?.as_str()?.to_owned(),
        index: v.get("index")?.as_u64()?,
        amount: amount("amount")?,
        proof: v
            .get("proof")?
            .as_array()?
            .iter()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect(),
        claimed: amount("claimed"),
        vested: amount("vested"),
        claimable_now: amount("claimableNow"),
    })
}
