//! What the creator dashboard (`/admin`) reads beyond the other resources: who a key is, the
//! last build's report with its charts, and claims over time from the distributor's `Claimed`
//! events. The relay queue's list is with the relay (`crate::relay`).

use crate::auth::Caller;
use crate::error::{ErrorBody, ServerError};
use crate::extract::PathParams;
use crate::shared::stored_campaign;
use crate::AppState;
use airdrop_chain::rpc::{RawLog, Rpc};
use airdrop_core::bundle::Report;
use airdrop_merkle::{Address, U256};
use airdrop_store::JobState;
use alloy_primitives::U64;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Blocks per `eth_getLogs` request (as the claim indexer asks).
const WINDOW: u64 = 5_000;

/// The key a request was made with.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KeyInfo {
    /// Key id (`ak_<16 hex>`; never the secret).
    pub(crate) id: String,
    /// Its scopes: `admin` and/or `reviewer`.
    pub(crate) scopes: Vec<String>,
}

/// The key's id and scopes: a sign-in check that changes nothing (any valid key).
#[utoipa::path(
    get, path = "/v1/auth/key", tag = "creators", security(("api_key" = [])),
    responses((status = 200, body = KeyInfo), (status = 401, body = ErrorBody)),
)]
pub(crate) async fn key_info(caller: Caller) -> Json<KeyInfo> {
    Json(KeyInfo {
        id: caller.key_id,
        scopes: caller.scopes,
    })
}

/// The last finished build's report, with its charts drawn as report.html draws them.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BuildReport {
    /// The build job that wrote it.
    pub(crate) job: String,
    /// `report.json` of the bundle: totals, pools, exclusions, and `distribution` (fairness
    /// figures with `gini` and `nakamoto`, the histogram, the Lorenz curve).
    #[schema(value_type = Object)]
    pub(crate) report: Report,
    /// The histogram of amounts, an SVG document (no script, no style attribute).
    #[serde(rename = "histogramSvg")]
    pub(crate) histogram_svg: String,
    /// The Lorenz curve, an SVG document (no script, no style attribute).
    #[serde(rename = "lorenzSvg")]
    pub(crate) lorenz_svg: String,
}

/// The report of the campaign's last finished build (reviewer scope).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/report", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = BuildReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "No finished build, or one built before reports were kept", body = ErrorBody)),
)]
pub(crate) async fn build_report(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
) -> Result<Json<BuildReport>, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    let db = state.store()?;
    let conflict = |detail: String| ServerError::Api {
        status: StatusCode::CONFLICT,
        code: "no_report",
        detail,
    };
    let build = db
        .last_job(&id, "build", JobState::Done)
        .await?
        .ok_or_else(|| conflict(format!("campaign {id:?} has no finished build; run a build job first (POST /v1/campaigns/{id}/jobs {{\"kind\": \"build\"}})")))?;
    let bundle = build.output.clone().unwrap_or_default();
    let bytes = db
        .bundle_files(&bundle)
        .await?
        .into_iter()
        .find_map(|(name, content)| (name == "report.json").then_some(content))
        .ok_or_else(|| {
            conflict(format!(
                "build {} kept no report (built by an older server); build again",
                build.id
            ))
        })?;
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| ServerError::Internal(format!("stored report.json does not parse: {e}")))?;
    Ok(Json(BuildReport {
        histogram_svg: airdrop_core::charts::histogram_svg(
            &report.distribution,
            &report.token.symbol,
        ),
        lorenz_svg: airdrop_core::charts::lorenz_svg(&report.distribution, ""),
        job: build.id,
        report,
    }))
}

/// Claims paid in one block.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub(crate) struct ClaimPoint {
    /// Block number.
    pub(crate) block: u64,
    /// The block's time, unix seconds, when the node says (`blockTimestamp` in its logs, as
    /// anvil, geth and reth give it); null otherwise.
    pub(crate) timestamp: Option<u64>,
    /// `Claimed` events in the block.
    pub(crate) claims: u64,
    /// Base units paid in the block, decimal.
    pub(crate) amount: String,
    /// Base units paid up to and including the block, decimal.
    #[serde(rename = "cumulativeAmount")]
    pub(crate) cumulative_amount: String,
}

/// What is claimed of a published campaign, and when.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClaimsSummary {
    /// Campaign id.
    pub(crate) campaign: String,
    /// Claims in the tree.
    pub(crate) claims: usize,
    /// Sum of all claims, base units, decimal.
    pub(crate) total: String,
    /// The registered distributor; null when none is (then nothing below is known).
    pub(crate) distributor: Option<String>,
    /// Claims with at least one `Claimed` event; null without a distributor or node.
    #[serde(rename = "claimedCount")]
    pub(crate) claimed_count: Option<u64>,
    /// Base units paid, decimal; null without a distributor or node.
    #[serde(rename = "claimedAmount")]
    pub(crate) claimed_amount: Option<String>,
    /// `total` − `claimedAmount`, decimal; null without a distributor or node.
    #[serde(rename = "unclaimedAmount")]
    pub(crate) unclaimed_amount: Option<String>,
    /// Claims over time: one point per block with a `Claimed` event, oldest first.
    pub(crate) series: Vec<ClaimPoint>,
    /// The last block read; null when nothing was read.
    #[serde(rename = "headBlock")]
    pub(crate) head_block: Option<u64>,
    /// Why the claimed fields are null, when they are.
    pub(crate) note: Option<String>,
}

/// Claimed and unclaimed amounts, and claims per block, from the distributor's `Claimed` events
/// read over the server's node at request time (reviewer scope).
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/claims-summary", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = ClaimsSummary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, description = "The node did not answer", body = ErrorBody)),
)]
pub(crate) async fn claims_summary(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
) -> Result<Json<ClaimsSummary>, ServerError> {
    caller.require("reviewer")?;
    let c = crate::api::campaigns::published(&state, &id)?;
    let total = c.tree.total();
    let mut out = ClaimsSummary {
        campaign: id.clone(),
        claims: c.tree.len(),
        total: total.to_string(),
        distributor: None,
        claimed_count: None,
        claimed_amount: None,
        unclaimed_amount: None,
        series: Vec::new(),
        head_block: None,
        note: None,
    };
    let Some(d) = c.deployment.load_full() else {
        out.note = Some(format!("campaign {id:?} has no registered distributor yet; register it with PUT /v1/campaigns/{id}/deployment"));
        return Ok(Json(out));
    };
    out.distributor = Some(d.distributor.to_checksum(None));
    let Some(rpc) = &state.rpc else {
        out.note = Some("this server has no node; start it with --rpc-url to read claims".into());
        return Ok(Json(out));
    };
    let (head, logs) = claimed_logs(rpc, d.distributor, d.block)
        .await
        .map_err(node_down)?;
    let (count, paid, series) = summarize(&logs, d.distributor);
    out.head_block = Some(head);
    out.claimed_count = Some(count);
    out.claimed_amount = Some(paid.to_string());
    out.unclaimed_amount = Some(total.saturating_sub(paid).to_string());
    out.series = series;
    Ok(Json(out))
}

/// A 503 that never quotes the node (its URL may carry an API key).
fn node_down(e: airdrop_chain::ChainError) -> ServerError {
    tracing::warn!(error = %e, "claims summary: the node did not answer");
    ServerError::Api {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "node_unavailable",
        detail: "the chain node did not answer; retry shortly".into(),
    }
}

/// A log with the block's time, which newer nodes add to `eth_getLogs` results.
#[derive(Debug, Deserialize)]
struct TimedLog {
    #[serde(flatten)]
    log: RawLog,
    #[serde(rename = "blockTimestamp", default)]
    time: Option<U64>,
}

/// Every `Claimed` log of `distributor` from block `from` to the head, and the head.
async fn claimed_logs(
    rpc: &Rpc,
    distributor: Address,
    mut from: u64,
) -> Result<(u64, Vec<TimedLog>), airdrop_chain::ChainError> {
    let head: U64 = rpc.call("eth_blockNumber", ()).await?;
    let head = head.to::<u64>();
    let mut logs = Vec::new();
    while from <= head {
        let to = head.min(from + WINDOW - 1);
        let part: Vec<TimedLog> = rpc
            .call(
                "eth_getLogs",
                (json!({
                    "address": distributor,
                    "fromBlock": U64::from(from),
                    "toBlock": U64::from(to),
                    "topics": [airdrop_chain::distribution::claimed_topic()],
                }),),
            )
            .await?;
        logs.extend(part);
        from = to + 1;
    }
    Ok((head, logs))
}

/// Distinct claims paid, the sum paid, and the per-block series of `logs`.
fn summarize(logs: &[TimedLog], distributor: Address) -> (u64, U256, Vec<ClaimPoint>) {
    let mut indexes = HashSet::new();
    let mut by_block: BTreeMap<u64, (Option<u64>, u64, U256)> = BTreeMap::new();
    for timed in logs.iter().filter(|l| !l.log.removed) {
        let Ok(e) = airdrop_chain::ClaimedEvent::decode(&timed.log, distributor) else {
            continue;
        };
        indexes.insert(e.index);
        let slot = by_block.entry(e.block).or_default();
        slot.0 = slot.0.or(timed.time.map(|t| t.to::<u64>()));
        slot.1 += 1;
        slot.2 = slot.2.saturating_add(e.amount);
    }
    let mut cumulative = U256::ZERO;
    let series = by_block
        .into_iter()
        .map(|(block, (timestamp, claims, amount))| {
            cumulative = cumulative.saturating_add(amount);
            ClaimPoint {
                block,
                timestamp,
                claims,
                amount: amount.to_string(),
                cumulative_amount: cumulative.to_string(),
            }
        })
        .collect();
    (indexes.len() as u64, cumulative, series)
}

/// The dashboard's own reads.
pub(crate) fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(key_info))
        .routes(routes!(build_report))
        .routes(routes!(claims_summary))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy_primitives::{Bytes, B256};

    /// A `Claimed(index, account, amount)` log of `d` in `block`, its data as the contract
    /// encodes it (three words, no indexed topic).
    fn claimed(d: Address, index: u64, amount: u64, block: u64, removed: bool) -> TimedLog {
        let mut data = Vec::with_capacity(96);
        data.extend_from_slice(&U256::from(index).to_be_bytes::<32>());
        data.extend_from_slice(B256::left_padding_from(&[0x42; 20]).as_slice());
        data.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
        TimedLog {
            log: RawLog {
                address: d,
                topics: vec![airdrop_chain::distribution::claimed_topic()],
                data: Bytes::from(data),
                block_number: U64::from(block),
                log_index: U64::ZERO,
                transaction_hash: None,
                removed,
            },
            time: (block != 12).then(|| U64::from(1_000 + block)),
        }
    }

    #[test]
    fn a_log_reads_with_or_without_the_block_time() {
        let base = serde_json::json!({"address": "0x00000000000000000000000000000000000000d1",
            "topics": [], "data": "0x", "blockNumber": "0x7"});
        let mut timed = base.clone();
        timed["blockTimestamp"] = serde_json::json!("0x65");
        let t: TimedLog = serde_json::from_value(timed).unwrap();
        assert_eq!(
            (t.log.block_number, t.time),
            (U64::from(7), Some(U64::from(101)))
        );
        let t: TimedLog = serde_json::from_value(base).unwrap();
        assert_eq!(t.time, None);
    }

    #[test]
    fn claims_are_counted_once_per_index_and_summed_per_block() {
        let d = Address::with_last_byte(0xd1);
        let logs = [
            claimed(d, 0, 25, 10, false),
            claimed(d, 1, 100, 10, false),
            // A vesting claim paid again later: one claim, two payments.
            claimed(d, 0, 75, 12, false),
            // Dropped by a reorg, and another contract's: neither counts.
            claimed(d, 2, 999, 13, true),
            claimed(Address::with_last_byte(0xee), 3, 999, 13, false),
        ];
        let (count, paid, series) = summarize(&logs, d);
        assert_eq!((count, paid), (2, U256::from(200)));
        let point = |block, timestamp, claims, amount: &str, cumulative: &str| ClaimPoint {
            block,
            timestamp,
            claims,
            amount: amount.into(),
            cumulative_amount: cumulative.into(),
        };
        assert_eq!(
            series,
            [
                point(10, Some(1_010), 2, "125", "125"),
                // A node that does not say the time: the point has none.
                point(12, None, 1, "75", "200")
            ]
        );
    }
}
