//! What distributing a bundle costs in gas, push against claim, per transaction kind, and which
//! of the two to pick: the push side follows the very plan `airdrop push` sends ([`push_plan`]);
//! the claim side prices every transaction from [`DISTRIBUTOR_GAS`], the one table of receipts
//! measured on anvil, for the contract `airdrop deploy` would put there (a clone through the
//! factory, the factory itself unless it is deployed already, or with `full` the whole
//! contract), and compares the two contracts. Offline: nothing here touches a node.

use super::push::{push_plan, PushPlan};
use super::Bundle;
use crate::Result;
use airdrop_chain::distribution::{
    calldata_gas, creation_bytecode, runtime_bytecode, AirdropDistributor, ClaimPathGas,
    BATCH_SENDER_ARTIFACT, DISTRIBUTOR_GAS,
};
use airdrop_chain::IERC20;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};

/// Execution of `BatchSender`'s deployment beyond what its bytecode alone prices (receipt).
const SENDER_CONSTRUCTOR_EXEC: u64 = 360;
/// Execution of `approve` (OpenZeppelin's ERC-20, a zero allowance set), beyond 21 000 and its
/// calldata (receipt).
const APPROVE_EXEC: u64 = 24_734;

/// Gas of approving the BatchSender for `amount`: the allowance slot written from zero.
pub fn approve_gas(amount: U256) -> u64 {
    let call = IERC20::approveCall {
        // The BatchSender's address is not known offline; a typical one has no zero byte.
        spender: Address::repeat_byte(0x5a),
        amount,
    };
    21_000 + calldata_gas(&call.abi_encode()) + APPROVE_EXEC
}

/// What the caller expects of recipients and of the push; every field has a documented default.
#[derive(Debug, Clone)]
pub struct CostInput {
    /// Share of recipients expected to claim, basis points (10 000 = all).
    pub claim_rate_bps: u32,
    /// Share of those claims submitted by a relayer (`claimWithSignature`), basis points.
    pub relay_rate_bps: u32,
    /// Claims per vesting recipient (the first plus follow-ups, the last one finishing it).
    pub vesting_claims: u64,
    /// Block gas limit the push plan fits its batches into.
    pub block_gas_limit: u64,
    /// Recipients per push batch instead of what fits (as `push --batch-size`).
    pub batch_size: Option<u64>,
    /// A BatchSender is deployed already: its deployment is not counted.
    pub sender_deployed: bool,
    /// Price the whole `AirdropDistributor` (as `deploy --full`) instead of a clone.
    pub full: bool,
    /// The clone factory is on the chain already: its once-per-chain deployment is not
    /// counted (nor for a `full` deployment, which never needs it).
    pub factory_deployed: bool,
}

/// The push side.
#[derive(Debug, Clone)]
pub struct PushSide {
    /// The batches `airdrop push` would send, with each one's predicted gas.
    pub plan: PushPlan,
    /// Deploying the BatchSender (0 when one is deployed already).
    pub deploy_sender: u64,
    /// The one approval.
    pub approve: u64,
    /// All of it (the sender pays).
    pub total: u64,
}

/// Predicted gas of one claim transaction of each kind, at this bundle's proof lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimKinds {
    /// Deploying the factory and its implementation, once per chain (0 when it is there
    /// already or the whole contract is deployed).
    pub deploy_factory: u64,
    /// Deploying the distributor.
    pub deploy: u64,
    /// Funding it.
    pub fund: u64,
    /// The clawback.
    pub clawback: u64,
    /// First claim of a bitmap word (no vesting).
    pub first: u64,
    /// Later claim (no vesting).
    pub later: u64,
    /// Vesting: first claim of a recipient.
    pub vesting_first: u64,
    /// Vesting: a follow-up that does not finish the allocation.
    pub vesting_follow_up: u64,
    /// Vesting: the follow-up that finishes it.
    pub vesting_last: u64,
    /// What a relayed claim (`claimWithSignature`) adds to any of these.
    pub relay_extra: u64,
}

/// The claim side at the expected claim rate.
#[derive(Debug, Clone)]
pub struct ClaimSide {
    /// Per-kind predictions.
    pub kinds: ClaimKinds,
    /// Deployment (the factory's included) and funding (the deployer pays).
    pub setup: u64,
    /// The clawback transaction, when the bundle has a window and not everyone claims.
    pub clawback: Option<u64>,
    /// Recipients expected to claim.
    pub claimers: u64,
    /// Their claim transactions (several per recipient with vesting).
    pub txs: u64,
    /// Gas of all their claims (they pay, or a relayer for the relayed share).
    pub claims: u64,
    /// Of which paid by a relayer.
    pub relayed: u64,
    /// Everything: setup, claims, clawback.
    pub total: u64,
}

/// Push or claim, and where the two cost the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    /// Push costs less gas in total.
    Push,
    /// Claim costs less gas in total.
    Claim,
}

/// The claim distributor's contract: a clone through the factory or the whole contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Contract {
    /// A minimal clone through the factory (`airdrop deploy`).
    Clone,
    /// The whole `AirdropDistributor` (`airdrop deploy --full`).
    Full,
}

/// The claim side both ways, clone and whole contract, at the same rate and factory status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractComparison {
    /// The claim side's total through a clone (the factory included unless deployed).
    pub clone_total: u64,
    /// The claim side's total with the whole contract.
    pub full_total: u64,
    /// The contract with less gas in total (the clone on a tie).
    pub choice: Contract,
    /// Claim transactions where both cost the same: the contract with the cheaper claims pays
    /// back its dearer setup from there on; `None` when one costs less at every count.
    pub break_even_claims: Option<u64>,
    /// The contract that costs less below the break-even (the one with the cheaper setup).
    pub cheaper_below: Contract,
}

/// The estimate of a bundle.
#[derive(Debug, Clone)]
pub struct CostEstimate {
    /// Recipients.
    pub recipients: u64,
    /// Push.
    pub push: PushSide,
    /// Claim.
    pub claim: ClaimSide,
    /// The side with less gas in total (everyone's: sender, deployer, recipients, relayer).
    pub choice: Choice,
    /// Claim rate (basis points) at which both cost the same gas; `None` when one side is
    /// cheaper at every rate from 0 to 100 %.
    pub break_even_claim_rate_bps: Option<u32>,
    /// Recipient count at which both cost the same at this claim rate (the same kind of
    /// recipients); `None` when one side is cheaper at every count.
    pub break_even_recipients: Option<u64>,
    /// Clone against whole contract for the claim side.
    pub contracts: ContractComparison,
}

/// Prices `bundle` both ways: its push plan with the BatchSender's deployment and the approval,
/// and its claim side at the expected rate; then picks the cheaper in total gas.
pub fn estimate_cost(bundle: &Bundle, input: &CostInput) -> Result<CostEstimate> {
    let claims = bundle.claims_in_order()?;
    let n = claims.len() as u64;
    let plan = push_plan(
        bundle.token,
        &claims,
        input.block_gas_limit,
        input.batch_size,
    );
    let deploy_sender = if input.sender_deployed {
        0
    } else {
        batch_sender_deploy_gas()?
    };
    let approve = approve_gas(bundle.total);
    let push_total = deploy_sender + approve + plan.gas();
    let push = PushSide {
        plan,
        deploy_sender,
        approve,
        total: push_total,
    };
    let vesting = bundle.vesting.duration > 0;
    let side = |full: bool, rate: &CostInput| -> Result<ClaimSide> {
        let kinds = claim_kinds(bundle, &claims, full, input.factory_deployed)?;
        let setup = kinds.deploy_factory + kinds.deploy + kinds.fund;
        Ok(claim_side(
            n,
            kinds,
            vesting,
            bundle.has_window,
            rate,
            setup,
        ))
    };
    let claim = side(input.full, input)?;
    let other = side(!input.full, input)?;
    let (clone, full) = if input.full {
        (&other, &claim)
    } else {
        (&claim, &other)
    };
    let contracts = compare(
        clone,
        full,
        &side(false, &full_rate(input))?,
        &side(true, &full_rate(input))?,
        bundle.has_window,
    );
    let kinds = claim.kinds;
    let choice = if claim.total < push.total {
        Choice::Claim
    } else {
        Choice::Push
    };
    // Per claimer at full rate, so a rate of 0 still has a break-even to report.
    let all = claim_side(n, kinds, vesting, bundle.has_window, &full_rate(input), 0);
    let per_claimer = all.claims.checked_div(all.claimers).unwrap_or(0);
    let clawback = if bundle.has_window { kinds.clawback } else { 0 };
    let line = Lines {
        n,
        push_fixed: push.deploy_sender + push.approve,
        push_per: push.plan.gas().checked_div(n).unwrap_or(0),
        claim_fixed: claim.setup + clawback,
        claim_per_claimer: per_claimer,
    };
    let (break_even_claim_rate_bps, break_even_recipients) =
        line.break_even(push.total, input.claim_rate_bps);
    Ok(CostEstimate {
        recipients: n,
        push,
        claim,
        choice,
        break_even_claim_rate_bps,
        break_even_recipients,
        contracts,
    })
}

/// Clone against whole contract at the input's rate (`clone`, `full`), and where they meet in
/// claim transactions from their mean claim at a full rate (`all_clone`, `all_full`): the clone
/// saves deployment (unless the factory is counted) and pays the proxy's overhead per claim.
fn compare(
    clone: &ClaimSide,
    full: &ClaimSide,
    all_clone: &ClaimSide,
    all_full: &ClaimSide,
    window: bool,
) -> ContractComparison {
    let choice = if clone.total <= full.total {
        Contract::Clone
    } else {
        Contract::Full
    };
    let fixed = |s: &ClaimSide| s.setup + if window { s.kinds.clawback } else { 0 };
    let per_claim = |s: &ClaimSide| s.claims.checked_div(s.txs).unwrap_or(0);
    let (fc, ff) = (fixed(clone), fixed(full));
    let (pc, pf) = (per_claim(all_clone), per_claim(all_full));
    // The lines cross only where the cheaper setup has the dearer claims.
    let (break_even_claims, cheaper_below) = if ff > fc && pc > pf {
        (Some((ff - fc).div_ceil(pc - pf)), Contract::Clone)
    } else if fc > ff && pf > pc {
        (Some((fc - ff).div_ceil(pf - pc)), Contract::Full)
    } else {
        (None, choice)
    };
    ContractComparison {
        clone_total: clone.total,
        full_total: full.total,
        choice,
        break_even_claims,
        cheaper_below,
    }
}

fn full_rate(input: &CostInput) -> CostInput {
    CostInput {
        claim_rate_bps: 10_000,
        ..input.clone()
    }
}

/// Both sides as straight lines in the recipient count, for the break-even points: push is a
/// fixed part (deployment, approval) and its batches' mean per recipient; claim a fixed part
/// (setup, clawback) and the mean claims of one claimer times the rate.
struct Lines {
    n: u64,
    push_fixed: u64,
    push_per: u64,
    claim_fixed: u64,
    claim_per_claimer: u64,
}

impl Lines {
    /// (claim rate in basis points where claim's total meets `push_total`, recipient count
    /// where both meet at `rate_bps`); `None` where one side is cheaper throughout.
    fn break_even(&self, push_total: u64, rate_bps: u32) -> (Option<u32>, Option<u64>) {
        let rate = (self.n > 0 && self.claim_per_claimer > 0)
            .then(|| {
                let room = i128::from(push_total) - i128::from(self.claim_fixed);
                room * 10_000 / (i128::from(self.n) * i128::from(self.claim_per_claimer))
            })
            .filter(|r| (0..=10_000).contains(r))
            .and_then(|r| u32::try_from(r).ok());
        let claim_per = self.claim_per_claimer * u64::from(rate_bps) / 10_000;
        let count = (self.push_per > claim_per && self.claim_fixed > self.push_fixed)
            .then(|| (self.claim_fixed - self.push_fixed).div_ceil(self.push_per - claim_per));
        (rate, count)
    }
}

/// Gas of deploying the committed BatchSender: 53 000 for a creation, its init code as calldata
/// and by the word (EIP-3860), 200 per byte of runtime code stored, and a constructor that does
/// next to nothing. Read from the artifact, so a changed contract is priced as it is.
pub fn batch_sender_deploy_gas() -> Result<u64> {
    let init = creation_bytecode(BATCH_SENDER_ARTIFACT)?;
    let runtime = runtime_bytecode(BATCH_SENDER_ARTIFACT)?;
    let words = (init.len() as u64).div_ceil(32);
    Ok(53_000
        + calldata_gas(&init)
        + 2 * words
        + 200 * runtime.len() as u64
        + SENDER_CONSTRUCTOR_EXEC)
}

/// Per-kind claim gas of the clone or (`full`) the whole contract: the table's execution plus
/// 21 000 and the bundle's mean claim calldata.
fn claim_kinds(
    bundle: &Bundle,
    claims: &[(u64, Address, U256)],
    full: bool,
    factory_deployed: bool,
) -> Result<ClaimKinds> {
    let t: &ClaimPathGas = DISTRIBUTOR_GAS.path(full);
    let depths = proof_lengths(bundle);
    let mut sum = 0u64;
    let mut relay_sum = 0u64;
    for (i, (index, account, amount)) in claims.iter().enumerate() {
        let depth = depths
            .as_ref()
            .and_then(|d| d.get(i).copied())
            .unwrap_or_else(|| depth_of(claims.len() as u64));
        let proof = vec![B256::repeat_byte(0x5a); depth];
        let plain = AirdropDistributor::claimCall {
            index: U256::from(*index),
            account: *account,
            amount: *amount,
            proof: proof.clone(),
        }
        .abi_encode();
        let relayed = AirdropDistributor::claimWithSignatureCall {
            index: U256::from(*index),
            account: *account,
            amount: *amount,
            proof,
            sigDeadline: U256::from(u32::MAX),
            signature: Bytes::from(vec![0x5a; 65]),
        }
        .abi_encode();
        let p = calldata_gas(&plain);
        sum += p;
        relay_sum += calldata_gas(&relayed) - p;
    }
    let count = claims.len().max(1) as u64;
    let per_tx = 21_000 + sum / count;
    Ok(ClaimKinds {
        deploy_factory: if full || factory_deployed {
            0
        } else {
            DISTRIBUTOR_GAS.factory_deploy
        },
        deploy: t.deploy,
        fund: DISTRIBUTOR_GAS.fund,
        clawback: t.clawback,
        first: per_tx + t.claim_first_exec,
        later: per_tx + t.claim_later_exec,
        vesting_first: per_tx + t.vesting_first_exec,
        vesting_follow_up: per_tx + t.vesting_follow_up_exec,
        vesting_last: per_tx + t.vesting_last_exec,
        relay_extra: relay_sum / count + t.relay_extra_exec,
    })
}

/// Proof length of each claim in index order, when claims.json lists proofs.
fn proof_lengths(bundle: &Bundle) -> Option<Vec<usize>> {
    let map = bundle.claims.get("claims")?.as_object()?;
    let mut v: Vec<(u64, usize)> = map
        .values()
        .map(|c| {
            let index = c.get("index")?.as_u64()?;
            Some((index, c.get("proof")?.as_array()?.len()))
        })
        .collect::<Option<_>>()?;
    v.sort_unstable();
    Some(v.into_iter().map(|x| x.1).collect())
}

/// Proof length of a sorted-pair tree of `n` leaves.
fn depth_of(n: u64) -> usize {
    n.max(1).next_power_of_two().trailing_zeros() as usize
}

/// The claim side's totals at the expected rate.
fn claim_side(
    n: u64,
    k: ClaimKinds,
    vesting: bool,
    window: bool,
    input: &CostInput,
    setup: u64,
) -> ClaimSide {
    let claimers = n * u64::from(input.claim_rate_bps.min(10_000)) / 10_000;
    // One bitmap word per 256 indices: the first claim into each pays for a new slot.
    let firsts = claimers.min(n.div_ceil(256));
    let per_word_extra = k.first - k.later;
    let (txs, claims) = if vesting {
        let follow = input.vesting_claims.max(2) - 2;
        let one = k.vesting_first + follow * k.vesting_follow_up + k.vesting_last;
        (
            claimers * input.vesting_claims.max(2),
            claimers * one + firsts * per_word_extra,
        )
    } else {
        (claimers, firsts * k.first + (claimers - firsts) * k.later)
    };
    let relayed_txs = txs * u64::from(input.relay_rate_bps.min(10_000)) / 10_000;
    let relayed = relayed_txs * k.relay_extra + claims.checked_div(txs).unwrap_or(0) * relayed_txs;
    let claims = claims + relayed_txs * k.relay_extra;
    let clawback = (window && claimers < n).then_some(k.clawback);
    ClaimSide {
        kinds: k,
        setup,
        clawback,
        claimers,
        txs,
        claims,
        relayed,
        total: setup + claims + clawback.unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(rate: u32) -> CostInput {
        CostInput {
            claim_rate_bps: rate,
            relay_rate_bps: 0,
            vesting_claims: 2,
            block_gas_limit: 30_000_000,
            batch_size: None,
            sender_deployed: false,
            full: false,
            factory_deployed: false,
        }
    }

    const K: ClaimKinds = ClaimKinds {
        deploy_factory: 0,
        deploy: 1,
        fund: 1,
        clawback: 1,
        first: 90_000,
        later: 70_000,
        vesting_first: 92_000,
        vesting_follow_up: 55_000,
        vesting_last: 58_000,
        relay_extra: 40_000,
    };

    #[test]
    fn claim_side_counts_words_rates_and_clawback() {
        let c = claim_side(1000, K, false, true, &input(10_000), 1_000_000);
        assert_eq!(c.claimers, 1000);
        // 4 words of 256: four first claims.
        assert_eq!(c.claims, 4 * 90_000 + 996 * 70_000);
        assert_eq!(c.clawback, None, "everyone claimed: nothing to claw back");
        let c = claim_side(1000, K, false, true, &input(5_000), 1_000_000);
        assert_eq!(c.claimers, 500);
        assert_eq!(c.clawback, Some(K.clawback));
        assert_eq!(c.total, 1_000_000 + c.claims + K.clawback);
        let c = claim_side(1000, K, false, false, &input(5_000), 0);
        assert_eq!(c.clawback, None, "no window, no clawback");
        // Vesting in three claims: first, one follow-up, last.
        let mut three = input(10_000);
        three.vesting_claims = 3;
        let c = claim_side(10, K, true, true, &three, 0);
        let per_word = K.first - K.later;
        assert_eq!(c.claims, 10 * (92_000 + 55_000 + 58_000) + per_word);
        // Half the claims relayed: each relayed one costs the extra on top.
        let mut relay = input(10_000);
        relay.relay_rate_bps = 5_000;
        let c = claim_side(10, K, false, true, &relay, 0);
        assert_eq!(c.claims, 90_000 + 9 * 70_000 + 5 * 40_000);
    }

    #[test]
    fn clone_against_full_meets_where_claims_pay_back_the_deployment() {
        let clone = ClaimKinds {
            deploy: 100_000,
            first: 93_000,
            later: 73_000,
            ..K
        };
        let full = ClaimKinds {
            deploy: 1_300_000,
            ..K
        };
        let side = |k: ClaimKinds, bps: u32| {
            let setup = k.deploy_factory + k.deploy + k.fund;
            claim_side(1000, k, false, false, &input(bps), setup)
        };
        let at = |c: ClaimKinds, f: ClaimKinds, bps: u32| {
            compare(
                &side(c, bps),
                &side(f, bps),
                &side(c, 10_000),
                &side(f, 10_000),
                false,
            )
        };
        // Per claim the clone costs 3 000 more (73 080 against 70 080 with 4 first claims
        // among 1000); its deployment 1 200 000 less: they meet at 400 claims.
        let all = at(clone, full, 10_000);
        assert_eq!(all.break_even_claims, Some(400));
        assert_eq!(
            all.choice,
            Contract::Full,
            "1000 claims are past the break-even"
        );
        let few = at(clone, full, 3_000);
        assert_eq!(few.choice, Contract::Clone, "300 claims are below it");
        assert_eq!(few.full_total - few.clone_total, 1_200_000 - 300 * 3_000);
        // The factory still to deploy: the clone's setup is the larger, it never wins.
        let first_on_chain = ClaimKinds {
            deploy_factory: 1_900_000,
            ..clone
        };
        let c = at(first_on_chain, full, 3_000);
        assert_eq!((c.choice, c.break_even_claims), (Contract::Full, None));
        assert_eq!(all.cheaper_below, Contract::Clone);
        // Cheaper claims through the clone: its dearer setup (the factory) pays back from
        // 2 000 000 / 2 000 = 1000 claims on.
        let lean = ClaimKinds {
            deploy_factory: 3_200_000,
            first: 88_000,
            later: 68_000,
            ..clone
        };
        let c = at(lean, full, 10_000);
        assert_eq!(
            (c.choice, c.break_even_claims, c.cheaper_below),
            (Contract::Clone, Some(1000), Contract::Full)
        );
        assert_eq!(c.full_total, c.clone_total, "they meet at 1000 claims");
        assert_eq!(at(lean, full, 5_000).choice, Contract::Full);
        // A clone as cheap per claim as the full contract wins at every count.
        let c = at(
            ClaimKinds {
                deploy: 100_000,
                ..K
            },
            full,
            10_000,
        );
        assert_eq!((c.choice, c.break_even_claims), (Contract::Clone, None));
    }

    #[test]
    fn estimate_prices_the_contract_deploy_sends() {
        use crate::distribution::bundle::testing::bundle;
        let b = bundle(
            std::path::Path::new("/b"),
            Address::repeat_byte(1),
            B256::ZERO,
        );
        let g = DISTRIBUTOR_GAS;
        let run = |full: bool, factory_deployed: bool| {
            let i = CostInput {
                full,
                factory_deployed,
                ..input(10_000)
            };
            estimate_cost(&b, &i).map(|e| (e.claim, e.contracts)).ok()
        };
        let Some((clone, cmp)) = run(false, false) else {
            panic!("no estimate")
        };
        assert_eq!(clone.kinds.deploy_factory, g.factory_deploy);
        assert_eq!(clone.setup, g.factory_deploy + g.clone.deploy + g.fund);
        assert_eq!(cmp.clone_total, clone.total);
        // Two claims cannot pay back a factory: the full contract costs less, until the clone's
        // cheaper claims have paid for it.
        assert_eq!(
            (cmp.choice, cmp.cheaper_below),
            (Contract::Full, Contract::Full)
        );
        assert!(cmp.break_even_claims.is_some_and(|m| m > 2), "{cmp:?}");
        let Some((there, cmp)) = run(false, true) else {
            panic!("no estimate")
        };
        assert_eq!(there.setup, g.clone.deploy + g.fund);
        // The factory there: cheaper to deploy and to claim, the clone wins at every count.
        assert_eq!((cmp.choice, cmp.break_even_claims), (Contract::Clone, None));
        let Some((full, cmp)) = run(true, true) else {
            panic!("no estimate")
        };
        assert_eq!(full.kinds.deploy_factory, 0);
        assert_eq!(full.setup, g.full.deploy + g.fund);
        assert_eq!(cmp.full_total, full.total);
        // Same calldata, each contract's own execution.
        assert_eq!(
            i128::from(there.kinds.later) - i128::from(full.kinds.later),
            i128::from(g.clone.claim_later_exec) - i128::from(g.full.claim_later_exec)
        );
    }

    #[test]
    fn break_even_points_are_where_the_lines_meet() {
        let l = Lines {
            n: 1000,
            push_fixed: 450_000,
            push_per: 26_000,
            claim_fixed: 1_450_000,
            claim_per_claimer: 70_000,
        };
        let push_total = 450_000 + 1000 * 26_000;
        let (rate, count) = l.break_even(push_total, 2_000);
        let rate = rate.unwrap();
        // At that rate, claim's total is push's to within one claimer.
        let claim_at = |bps: u32| 1_450_000 + 1000 * 70_000 * u64::from(bps) / 10_000;
        assert!(claim_at(rate).abs_diff(push_total) <= 70_000, "{rate}");
        assert!(
            claim_at(rate + 100) > push_total && claim_at(rate.saturating_sub(100)) < push_total
        );
        // At 20 %, claim costs 14 000 per recipient against push's 26 000: from `count`
        // recipients on, claim's larger setup is paid back.
        let m = count.unwrap();
        let push_m = 450_000 + m * 26_000;
        let claim_m = 1_450_000 + m * 14_000;
        assert!(claim_m <= push_m && 1_450_000 + (m - 1) * 14_000 > 450_000 + (m - 1) * 26_000);
        // At 100 % claim costs more per recipient and more up front: push wins at every count.
        assert_eq!(l.break_even(push_total, 10_000).1, None);
        // Push dearer than claim at any rate: no break-even rate.
        assert_eq!(l.break_even(100_000_000, 10_000).0, None);
        // Push cheaper than claim's setup alone: none either.
        assert_eq!(l.break_even(1_000_000, 10_000).0, None);
    }

    #[test]
    fn depth_is_the_proof_length_of_a_full_tree() {
        assert_eq!(depth_of(1), 0);
        assert_eq!(depth_of(2), 1);
        assert_eq!(depth_of(21), 5);
        assert_eq!(depth_of(1024), 10);
    }

    #[test]
    fn sender_deployment_is_priced_from_the_artifact() {
        let g = batch_sender_deploy_gas().unwrap_or(0);
        let runtime = runtime_bytecode(BATCH_SENDER_ARTIFACT).map(|b| b.len() as u64);
        assert!(g > 53_000 + 200 * runtime.unwrap_or(0), "{g}");
    }
}
