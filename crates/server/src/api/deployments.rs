//! Distributors of published campaigns, registered in the store so that every instance relays
//! gasless claims and follows claimed amounts, not only the one whose disk holds the
//! `deployment.json` that `airdrop deploy` wrote. A registration is checked on chain over the
//! server's node: the contract's `merkleRoot()` and `token()` must be the published bundle's.
//! Recipients read it back with what a browser wallet needs for a gasless claim.

use crate::api::campaigns::published;
use crate::auth::Caller;
use crate::campaign::{Campaign, Deployment};
use crate::error::{ErrorBody, ServerError};
use crate::extract::{parse_address, JsonBody, PathParams};
use crate::shared::now;
use crate::AppState;
use airdrop_chain::distribution::Chain;
use airdrop_chain::distribution::{AirdropDistributor, CLAIM_TYPE};
use airdrop_merkle::Address;
use airdrop_store::DeploymentRow;
use alloy_primitives::{Bytes, U64};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A distributor to register for a published campaign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeploymentRequest {
    /// The distributor `airdrop deploy` created (its `deployment.json` names it).
    pub(crate) distributor: String,
    /// The block it was created in (where its events start); found on chain when absent.
    pub(crate) block: Option<u64>,
}

/// The EIP-712 domain a recipient's wallet signs a gasless `Claim` under.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Eip712Domain {
    /// Always `AirdropDistributor`.
    pub(crate) name: String,
    /// Always `1`.
    pub(crate) version: String,
    /// The chain.
    #[serde(rename = "chainId")]
    pub(crate) chain_id: u64,
    /// The distributor.
    #[serde(rename = "verifyingContract")]
    pub(crate) verifying_contract: String,
}

/// A campaign's distributor and what a wallet needs to sign a gasless claim for it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeploymentInfo {
    /// Campaign id.
    pub(crate) campaign: String,
    /// The distributor, checksummed.
    pub(crate) distributor: String,
    /// Its chain.
    #[serde(rename = "chainId")]
    pub(crate) chain_id: u64,
    /// The block it was created in.
    pub(crate) block: u64,
    /// The root it holds (the published root).
    #[serde(rename = "merkleRoot")]
    pub(crate) merkle_root: String,
    /// The signing domain.
    #[serde(rename = "eip712Domain")]
    pub(crate) eip712_domain: Eip712Domain,
    /// The EIP-712 type the wallet signs (`primaryType` `Claim`).
    #[serde(rename = "claimType")]
    pub(crate) claim_type: String,
    /// The account asked about (`?account=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    /// That account's current nonce on the distributor (what its next signature must carry),
    /// decimal; absent without `?account=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) nonce: Option<String>,
    /// The relayer of this instance, which pays the gas of `POST …/relay`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) relayer: Option<String>,
}

/// Whose nonce to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AccountQuery {
    /// A recipient: the answer then carries their current `nonce`.
    pub(crate) account: Option<String>,
}

fn unavailable(code: &'static str, detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code,
        detail: detail.into(),
    }
}

fn node_down(e: airdrop_chain::ChainError) -> ServerError {
    tracing::warn!(error = %e, "deployment check: the node did not answer");
    unavailable(
        "node_unavailable",
        "the chain node did not answer; retry shortly",
    )
}

fn refused(code: &'static str, detail: String) -> ServerError {
    ServerError::bad_request(code, detail)
}

/// The chain and token the published bundle's manifest names.
fn bundle_facts(c: &Campaign) -> Result<(u64, Address), ServerError> {
    let conflict = |detail: &str| {
        ServerError::Api {
        status: StatusCode::CONFLICT,
        code: "no_manifest",
        detail: format!(
            "campaign {:?} is published without a manifest.json naming {detail}; publish a bundle built by `airdrop build`",
            c.id
        ),
    }
    };
    let m = c
        .manifest
        .as_ref()
        .ok_or_else(|| conflict("its chain and token"))?;
    let (chain_id, token) = (m.chain_id, m.token.address);
    Ok((chain_id, token))
}

/// Checks on chain that `distributor` is this campaign's: the node is on the bundle's chain,
/// the address has code, and `merkleRoot()` and `token()` are the bundle's.
async fn check_on_chain(
    chain: &Chain,
    c: &Campaign,
    distributor: Address,
) -> Result<u64, ServerError> {
    let (chain_id, token) = bundle_facts(c)?;
    let node = chain.chain_id().await.map_err(node_down)?;
    if node != chain_id {
        return Err(refused(
            "wrong_chain",
            format!("the bundle is for chain {chain_id} but this server's node (--rpc-url) serves chain {node}"),
        ));
    }
    let shown = distributor.to_checksum(None);
    if chain.code(distributor).await.map_err(node_down)?.is_empty() {
        return Err(refused(
            "not_a_distributor",
            format!("{shown} has no code on chain {chain_id}; give the address `airdrop deploy` printed"),
        ));
    }
    let not_ours = |what: &str| {
        refused(
            "not_a_distributor",
            format!("{shown} does not answer {what}; it is not an AirdropDistributor"),
        )
    };
    let root = chain
        .view(distributor, &AirdropDistributor::merkleRootCall {})
        .await
        .map_err(|_| not_ours("merkleRoot()"))?;
    if root != c.root {
        return Err(refused(
            "root_mismatch",
            format!("{shown} holds root {root}, but campaign {:?} is published with root {}; deploy the published bundle", c.id, c.root),
        ));
    }
    let held = chain
        .view(distributor, &AirdropDistributor::tokenCall {})
        .await
        .map_err(|_| not_ours("token()"))?;
    if held != token {
        return Err(refused(
            "token_mismatch",
            format!("{shown} distributes token {held}, but the bundle's token is {token}"),
        ));
    }
    Ok(chain_id)
}

/// The first block with code at `address` (binary search over `eth_getCode`); 0 when the node
/// keeps no old state, which only makes the claimed-amount indexer start earlier.
async fn creation_block(rpc: &airdrop_chain::rpc::Rpc, address: Address) -> u64 {
    let head: Result<U64, _> = rpc.call("eth_blockNumber", ()).await;
    let Ok(head) = head else { return 0 };
    let (mut lo, mut hi) = (0u64, head.to::<u64>());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let code: Result<Bytes, _> = rpc.call("eth_getCode", (address, U64::from(mid))).await;
        match code {
            Ok(c) if c.is_empty() => lo = mid + 1,
            Ok(_) => hi = mid,
            Err(_) => return 0,
        }
    }
    lo
}

fn info(state: &AppState, c: &Campaign, d: &Deployment) -> DeploymentInfo {
    let distributor = d.distributor.to_checksum(None);
    DeploymentInfo {
        campaign: c.id.clone(),
        distributor: distributor.clone(),
        chain_id: d.chain_id,
        block: d.block,
        merkle_root: c.root.to_string(),
        eip712_domain: Eip712Domain {
            name: "AirdropDistributor".into(),
            version: "1".into(),
            chain_id: d.chain_id,
            verifying_contract: distributor,
        },
        claim_type: CLAIM_TYPE.into(),
        account: None,
        nonce: None,
        relayer: state
            .relayer
            .as_ref()
            .map(|r| r.sender.address().to_checksum(None)),
    }
}

/// Registers the distributor of a published campaign, after checking it on chain; every
/// instance sharing the store picks it up (relay, claimed amounts).
#[utoipa::path(
    put, path = "/v1/campaigns/{id}/deployment", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = DeploymentRequest,
    responses(
        (status = 200, body = DeploymentInfo),
        (status = 400, description = "Not this campaign's distributor (root, token or chain differ), or a bad address", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "The campaign is not published", body = ErrorBody),
        (status = 409, description = "Published without a manifest", body = ErrorBody),
        (status = 503, description = "No node (--rpc-url) or no store", body = ErrorBody),
    ),
)]
pub(crate) async fn put_deployment(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
    JsonBody(req): JsonBody<DeploymentRequest>,
) -> Result<Json<DeploymentInfo>, ServerError> {
    caller.require("admin")?;
    let c = published(&state, &id)?;
    let distributor = parse_address(&req.distributor)?;
    let db = state.store()?;
    let rpc = state.rpc.as_ref().ok_or_else(|| {
        unavailable(
            "no_node",
            "registering a distributor checks it on chain: start the server with --rpc-url",
        )
    })?;
    let chain = Chain::new(rpc.clone());
    let chain_id = check_on_chain(&chain, &c, distributor).await?;
    let block = match req.block {
        Some(b) => b,
        None => creation_block(rpc, distributor).await,
    };
    let too_big =
        |what: &str| ServerError::bad_request("invalid_number", format!("{what} is too large"));
    db.put_deployment(&DeploymentRow {
        campaign: id.clone(),
        root: c.root.to_string(),
        distributor: distributor.to_checksum(None),
        chain_id: i64::try_from(chain_id).map_err(|_| too_big("chain id"))?,
        block: i64::try_from(block).map_err(|_| too_big("block"))?,
        created: now(),
    })
    .await?;
    let d = Deployment {
        distributor,
        chain_id,
        block,
    };
    c.deployment.store(Some(Arc::new(d.clone())));
    tracing::info!(campaign = %id, distributor = %d.distributor, key = %caller.key_id, "distributor registered");
    Ok(Json(info(&state, &c, &d)))
}

/// A published campaign's distributor, with the EIP-712 domain and `Claim` type a wallet signs
/// for a gasless claim and, given `?account=`, that account's current nonce.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/deployment", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), AccountQuery),
    responses(
        (status = 200, body = DeploymentInfo),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown campaign, or no distributor registered", body = ErrorBody),
        (status = 503, description = "The node did not answer (nonce)", body = ErrorBody),
    ),
)]
pub(crate) async fn get_deployment(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    q: Result<Query<AccountQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeploymentInfo>, ServerError> {
    let Query(q) = q.map_err(|r| ServerError::bad_request("invalid_query", r.body_text()))?;
    let c = published(&state, &id)?;
    let d = c.deployment.load_full().ok_or_else(|| {
        ServerError::not_found(
            "not_deployed",
            format!("campaign {id:?} has no registered distributor yet"),
        )
    })?;
    let mut out = info(&state, &c, &d);
    if let Some(a) = &q.account {
        let account = parse_address(a)?;
        let rpc = state.rpc.as_ref().ok_or_else(|| {
            unavailable(
                "no_node",
                "this server has no node (--rpc-url) to read the nonce from",
            )
        })?;
        let nonce = Chain::new(rpc.clone())
            .view(
                d.distributor,
                &AirdropDistributor::noncesCall { owner: account },
            )
            .await
            .map_err(node_down)?;
        out.account = Some(account.to_checksum(None));
        out.nonce = Some(nonce.to_string());
    }
    Ok(Json(out))
}

/// Attaches the store's registered distributors to the published campaigns of this instance
/// whose root they hold (called on every sync tick).
pub(crate) async fn apply_registered(state: &AppState, db: &airdrop_store::Db) {
    let rows = match db.deployments().await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list registered distributors");
            return;
        }
    };
    for r in rows {
        let Some(c) = state.campaigns.get(&r.campaign) else {
            continue;
        };
        if c.root.to_string() != r.root {
            continue;
        }
        let (Ok(distributor), Ok(chain_id), Ok(block)) = (
            airdrop_merkle::address::parse_address(&r.distributor),
            u64::try_from(r.chain_id),
            u64::try_from(r.block),
        ) else {
            continue;
        };
        let d = Deployment {
            distributor,
            chain_id,
            block,
        };
        if c.deployment.load().as_deref() != Some(&d) {
            tracing::info!(campaign = %r.campaign, distributor = %d.distributor, "picked up a registered distributor");
            c.deployment.store(Some(Arc::new(d)));
        }
    }
}

/// Distributor registration and look-up.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(get_deployment, put_deployment))
}
