//! Distribution jobs: deploy a distributor and fund it, claim from it (directly, by a gasless
//! signature, or as the relayer submitting one), claw back after the deadline, report its
//! status, and push tokens to every recipient with a crash-safe ledger.
//!
//! Every job checks the chain before it sends anything: the refusals that keep a bundle from
//! being paid twice (deployed and pushed, deployed twice, pushed again without a ledger) live
//! here, not in the shells.

mod bundle;
mod claim;
#[cfg(test)]
mod claim_tests;
mod clawback;
mod cost;
mod deploy;
mod deploy_clone;
pub(crate) mod events;
mod push;
#[cfg(test)]
mod scripted;
mod state;
mod status;

pub use airdrop_chain::distribution::PushPath;
pub use bundle::Bundle;
pub use claim::{claim, relay, sign_gasless, ClaimInput, Claimed, GaslessSignature};
pub use clawback::{clawback, ClawedBack};
pub use cost::{
    approve_gas, batch_sender_deploy_gas, estimate_cost, Choice, ClaimKinds, ClaimSide, Contract,
    ContractComparison, CostEstimate, CostInput, PushSide,
};
pub use deploy::{deploy, DeployEstimate, DeployInput, DeployOutcome};
pub use deploy_clone::{factory_on_chain, predicted_distributor};
pub use push::{
    batch_size, ledger_status, push, push_plan, LedgerStatus, PlannedBatch, PushEstimate,
    PushInput, PushOutcome, PushPlan, GAS_PER_RECIPIENT, GAS_TX,
};
pub use state::{Located, StateDir, DEPLOYMENT_FILE, LEDGER_FILE};
pub use status::{status, DistributorStatus};

use crate::{EngineError, Result};
use airdrop_chain::distribution::Chain;
use airdrop_chain::{Rpc, RpcConfig};
use airdrop_core::units::format_units;
use alloy_primitives::U256;

/// A client of the node at `url`.
pub(crate) fn connect(url: &str) -> Result<Chain> {
    Ok(Chain::new(Rpc::new(url, RpcConfig::default())?))
}

/// Wei as `x gwei` with exact decimals.
pub fn gwei(wei: U256) -> String {
    format!("{} gwei", format_units(wei, 9))
}

/// Wei as `x ETH` with exact decimals.
pub fn eth(wei: U256) -> String {
    format!("{} ETH", format_units(wei, 18))
}

/// Seconds as a duration `3d 4h 5m 6s`.
pub fn span(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}d {h}h {m}m {s}s")
    } else if h > 0 {
        format!("{h}h {m}m {s}s")
    } else if m > 0 {
        format!("{m}m {s}s")
    } else {
        format!("{s}s")
    }
}

/// An error and its causes on one line, `a: b: c`, as the CLI prints any error: used where a
/// job puts its own words in front of a cause (which batch, which file).
pub(crate) fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A bad-input error from a format string (the messages already carry value and hint).
pub(crate) fn input(text: impl Into<String>) -> EngineError {
    EngineError::input(text)
}

/// A refusal: going on could pay someone twice.
pub(crate) fn refused(text: impl Into<String>) -> EngineError {
    EngineError::Refused(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_units() {
        assert_eq!(span(5), "5s");
        assert_eq!(span(65), "1m 5s");
        assert_eq!(span(3_661), "1h 1m 1s");
        assert_eq!(span(90_061), "1d 1h 1m 1s");
        assert_eq!(eth(U256::from(1_500_000_000_000_000_000u64)), "1.5 ETH");
        assert_eq!(gwei(U256::from(2_000_000_000u64)), "2 gwei");
    }

    #[test]
    fn one_line_joins_causes_like_the_cli() {
        let e = EngineError::input("outer");
        assert_eq!(one_line(&e), "outer");
    }
}
