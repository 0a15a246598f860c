//! `[sybil] rpc = …`: the candidates' transfers read from a node, as edges.

use crate::bridge::{block_on_cancellable, ChainProgress};
use crate::{Cancel, EngineError, Progress, Result};
use airdrop_chain::snapshot::transfers::{transfers, TransferQuery};
use airdrop_chain::RpcConfig;
use airdrop_core::spec::{RpcRef, SybilChain};
use airdrop_sybil::RawEdge;
use alloy_primitives::Address;

/// Reads the rows of `c` for `candidates` (ascending).
pub(super) fn read(
    c: &SybilChain,
    candidates: &[Address],
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Vec<RawEdge>> {
    let (url, shown) = match &c.rpc {
        RpcRef::Url(u) => (u.clone(), u.clone()),
        RpcRef::Env(var) => match std::env::var(var) {
            Ok(u) if !u.trim().is_empty() => (u.trim().to_owned(), format!("${var}")),
            _ => {
                return Err(EngineError::input(format!(
                    "sybil.rpc_env: the environment variable {var} is not set; export it with the node's url"
                )))
            }
        },
    };
    let q = TransferQuery {
        candidates,
        tokens: &c.tokens,
        from: c.from_block,
        to: c.to_block,
        first_funding: c.first_funding,
    };
    let bridge = ChainProgress::new(progress);
    let rows = block_on_cancellable(cancel, async {
        let rpc = airdrop_chain::Rpc::new(&url, RpcConfig::default())?;
        transfers(&rpc, &q, &bridge).await
    })
    .map_err(|e| match e {
        // The url may come from the environment and carry an API key: never shown.
        EngineError::Chain(e) => EngineError::input(format!(
            "sybil: reading {shown}: {}",
            e.to_string().replace(&url, &shown)
        )),
        e => e,
    })?;
    Ok(rows
        .into_iter()
        .map(|r| RawEdge {
            block: r.block,
            timestamp: r.timestamp,
            tx: r.tx,
            from: r.from,
            to: r.to,
            asset: r.asset,
            amount: r.amount,
            selector: r.selector,
        })
        .collect())
}
