//! The checks against paying twice that read the world: a ledger that shows batches sent, the
//! chain's record of this sender's transfers to the plan's recipients, and a distributor
//! deployed for the same root.

use super::super::{input, refused, Bundle, StateDir};
use crate::Result;
use airdrop_chain::distribution::deployed_for_root;
use airdrop_chain::distribution::past_payments;
use airdrop_chain::distribution::Chain;
use airdrop_store::{BatchState, PushLedger};
use alloy_primitives::{Address, B256, U256};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Blocks per `eth_getLogs` request when the chain's history is searched for past payments.
const HISTORY_WINDOW: u64 = 10_000;

/// Recipients of batches a ledger shows sent or paid (None: no ledger, or nothing sent).
pub(crate) fn sent_in_ledger(path: &Path) -> Result<Option<u64>> {
    if !path.is_file() {
        return Ok(None);
    }
    let l = PushLedger::open(path)?;
    let n: u64 = l
        .batches()?
        .iter()
        .filter(|b| {
            matches!(
                b.state,
                BatchState::Signed | BatchState::Sent | BatchState::Confirmed
            )
        })
        .map(|b| b.count)
        .sum();
    Ok((n > 0).then_some(n))
}

/// What the chain shows a sender already paid of a bundle's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainPaid {
    /// Recipients of the plan that received exactly their amount.
    pub(crate) exact: usize,
    /// Recipients of the plan that received another amount (an earlier or corrected campaign).
    pub(crate) other: usize,
    /// Recipients in the plan.
    pub(crate) of: usize,
    /// The first payment of an exact amount (transaction, block).
    pub(crate) first_exact: Option<(B256, u64)>,
    /// The first payment to any recipient of the plan.
    pub(crate) first: (B256, u64),
}

impl ChainPaid {
    /// Folds payments (to, amount, tx, block), in chain order, against the plan.
    pub(crate) fn tally(
        plan: &HashMap<Address, U256>,
        payments: impl IntoIterator<Item = (Address, U256, B256, u64)>,
    ) -> Option<ChainPaid> {
        let (mut exact, mut other) = (HashSet::new(), HashSet::new());
        let (mut first_exact, mut first) = (None, None);
        for (to, amount, tx, block) in payments {
            let Some(want) = plan.get(&to) else {
                continue;
            };
            first.get_or_insert((tx, block));
            if *want == amount {
                exact.insert(to);
                first_exact.get_or_insert((tx, block));
            } else {
                other.insert(to);
            }
        }
        let other = other.difference(&exact).count();
        first.map(|first| ChainPaid {
            exact: exact.len(),
            other,
            of: plan.len(),
            first_exact,
            first,
        })
    }

    /// "paid 3 of this bundle's 40 recipients their exact amounts and 2 others another amount
    /// of this token (first in tx …, block …)".
    pub(crate) fn describe(&self) -> String {
        let (tx, block) = self.first;
        match (self.exact, self.other) {
            (e, 0) => format!("paid {e} of this bundle's {} recipients their exact amounts (first in tx {tx}, block {block})", self.of),
            (0, o) => format!("sent {o} of this bundle's {} recipients other amounts of this token, maybe for an earlier or corrected campaign (first in tx {tx}, block {block})", self.of),
            (e, o) => format!("paid {e} of this bundle's {} recipients their exact amounts and {o} others another amount of this token (first in tx {tx}, block {block})", self.of),
        }
    }
}

/// Searches the chain (from `since`, else the bundle's earliest snapshot block, else the
/// token's deployment block) for transfers of `token` from `sender`, directly or through a
/// BatchSender, to recipients of this bundle (their exact amounts or others).
pub(crate) async fn chain_paid(
    chain: &Chain,
    bundle: &Bundle,
    token: Address,
    sender: Address,
    since: Option<u64>,
) -> Result<Option<ChainPaid>> {
    let plan: HashMap<Address, U256> = bundle
        .claims_in_order()?
        .into_iter()
        .map(|(_, a, v)| (a, v))
        .collect();
    let (head, _) = chain.head().await?;
    // Nothing of a plan can be paid before its snapshot, nor before the token existed.
    let from = match since.or(bundle.first_block) {
        Some(b) => b,
        None => airdrop_chain::snapshot::deploy_block(&chain.rpc, token, head).await?,
    };
    let payments = past_payments(chain, token, sender, (from, head), HISTORY_WINDOW).await?;
    Ok(ChainPaid::tally(
        &plan,
        payments
            .into_iter()
            .map(|p| (p.to, p.amount, p.tx, p.block)),
    ))
}

/// Refuses to push a bundle that is deployed: a deployment record of its root, or a
/// distributor for its root that the sender created (recipients would be paid and could claim).
pub(crate) async fn refuse_if_deployed(
    chain: &Chain,
    bundle: &Bundle,
    state: &StateDir,
    from: Address,
) -> Result<()> {
    if let Some(l) = bundle.find_record(state)? {
        return Err(refused(format!(
            "this bundle is deployed: distributor {} (recorded in {}); its recipients claim from it, and a push would pay them a second time: nothing sent. Use `airdrop claim`/`airdrop status` for a deployed bundle",
            l.distributor,
            l.path.display()
        )));
    }
    let (found, _) = deployed_for_root(chain, from, bundle.root).await?;
    if let Some(f) = found.first() {
        return Err(refused(format!(
            "this bundle is deployed: {from} created distributor {} for its root {} (nonce {}); its recipients claim from it, and a push would pay them a second time: nothing sent",
            f.address,
            bundle.root,
            f.nonce
        )));
    }
    Ok(())
}

/// A decimal amount stored in the ledger.
pub(crate) fn u256(s: &str) -> Result<U256> {
    s.parse()
        .map_err(|e| input(format!("ledger amount {s:?} is not an integer: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn a(n: u8) -> Address {
        Address::repeat_byte(n)
    }

    fn plan() -> HashMap<Address, U256> {
        [(a(1), U256::from(10u64)), (a(2), U256::from(20u64))].into()
    }

    #[test]
    fn nothing_paid_to_the_plan_is_none() {
        assert_eq!(ChainPaid::tally(&plan(), []), None);
        let strangers = [(a(9), U256::from(10u64), B256::ZERO, 1)];
        assert_eq!(ChainPaid::tally(&plan(), strangers), None);
    }

    #[test]
    fn exact_payments_are_told_from_other_amounts() {
        let tx = |n: u8| B256::repeat_byte(n);
        let p = ChainPaid::tally(
            &plan(),
            [
                (a(2), U256::from(5u64), tx(1), 10),
                (a(1), U256::from(10u64), tx(2), 11),
                (a(2), U256::from(20u64), tx(3), 12),
            ],
        )
        .unwrap();
        // a(2) got another amount first and its exact one later: it counts as paid exactly.
        assert_eq!((p.exact, p.other, p.of), (2, 0, 2));
        assert_eq!(p.first, (tx(1), 10));
        assert_eq!(p.first_exact, Some((tx(2), 11)));
        assert!(p
            .describe()
            .starts_with("paid 2 of this bundle's 2 recipients their exact amounts"));
    }

    #[test]
    fn other_amounts_alone_are_not_this_plan() {
        let p = ChainPaid::tally(&plan(), [(a(1), U256::from(1u64), B256::ZERO, 3)]).unwrap();
        assert_eq!((p.exact, p.other, p.first_exact), (0, 1, None));
        assert!(p
            .describe()
            .starts_with("sent 1 of this bundle's 2 recipients other amounts"));
        let both = ChainPaid::tally(
            &plan(),
            [
                (a(1), U256::from(10u64), B256::ZERO, 3),
                (a(2), U256::from(1u64), B256::ZERO, 4),
            ],
        )
        .unwrap();
        assert!(both.describe().contains("1 others another amount"));
    }

    #[test]
    fn a_ledger_with_nothing_sent_is_no_proof_of_payment() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            sent_in_ledger(&dir.path().join("none.sqlite")).unwrap(),
            None
        );
    }

    #[test]
    fn ledger_amounts_must_be_integers() {
        assert_eq!(u256("12").unwrap(), U256::from(12u64));
        let e = u256("1.5").unwrap_err().to_string();
        assert!(
            e.starts_with("ledger amount \"1.5\" is not an integer"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod ledger_tests {
    #![allow(clippy::unwrap_used)]
    use super::super::plan::plan;
    use super::*;
    use airdrop_store::PushRun;

    #[test]
    fn only_batches_signed_or_later_count_as_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite");
        let claims: Vec<(u64, Address, U256)> = (0..5u8)
            .map(|i| (u64::from(i), Address::repeat_byte(i + 1), U256::from(1u64)))
            .collect();
        let mut l = PushLedger::open(&path).unwrap();
        let run = PushRun {
            bundle_root: B256::ZERO.to_string(),
            token: Address::repeat_byte(9).to_checksum(None),
            sender: Address::repeat_byte(8).to_checksum(None),
            chain_id: 1,
            batch_sender: None,
            batch_size: 2,
            recipients: 5,
            total: "5".into(),
            created: 0,
        };
        l.plan(&run, &plan(&claims, 2)).unwrap();
        assert_eq!(sent_in_ledger(&path).unwrap(), None);
        l.mark_signed(1, 0, &B256::ZERO.to_string(), &[1]).unwrap();
        assert_eq!(sent_in_ledger(&path).unwrap(), Some(2));
    }
}

#[cfg(test)]
#[path = "paid_tests.rs"]
mod chain_tests;
