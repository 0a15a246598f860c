//! What distributing a bundle costs in gas, push against claim, per transaction kind, and which
//! of the two to pick: the push side follows the very plan `airdrop push` sends ([`push_plan`]);
//! the claim side prices every transaction from [`CLAIM_SIDE`], one table of receipts measured
//! on anvil. Offline: nothing here touches a node.

use super::push::{push_plan, PushPlan};
use super::Bundle;
use crate::Result;
use airdrop_chain::distribution::{
    calldata_gas, creation_bytecode, runtime_bytecode, AirdropDistributor, BATCH_SENDER_ARTIFACT,
};
use airdrop_chain::IERC20;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};

/// Gas of the claim side by transaction kind, from receipts on anvil against OpenZeppelin's
/// ERC-20 (docs/performance.md, *Push gas and `airdrop cost`*). `*_exec` rows are what a claim
/// costs beyond the 21 000 of a transaction and its calldata (computed per bundle); the others
/// are whole receipts. A new distributor contract changes this table and nothing else; the
/// anvil test `cost_matches_receipts` re-measures every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimSideGas {
    /// Deploying the distributor (receipt).
    pub deploy: u64,
    /// Funding it with one ERC-20 transfer to its empty balance (receipt).
    pub fund: u64,
    /// `claim` without vesting, first of its 256-claim bitmap word (the word goes 0 → non-zero).
    pub claim_first_exec: u64,
    /// `claim` without vesting, a later claim of a word already written.
    pub claim_later_exec: u64,
    /// `claim` with vesting: a recipient's first claim (the claimed amount slot is written).
    pub vesting_first_exec: u64,
    /// `claim` with vesting: a follow-up that does not finish the allocation.
    pub vesting_follow_up_exec: u64,
    /// `claim` with vesting: the follow-up that finishes it, setting its bit in a word already
    /// written (the first of a word costs `claim_first_exec - claim_later_exec` more).
    pub vesting_last_exec: u64,
    /// `claimWithSignature` over `claim`: EIP-712 hashing, ECDSA recovery, the nonce slot.
    pub relay_extra_exec: u64,
    /// `clawback` of what is left to a `clawback_to` that holds none of the token yet (receipt).
    pub clawback: u64,
}

/// The claim side's gas table for `AirdropDistributor` as committed in
/// `contracts/distribution/artifacts`.
pub const CLAIM_SIDE: ClaimSideGas = ClaimSideGas {
    deploy: 1_337_858,
    fund: 51_647,
    claim_first_exec: 59_169,
    claim_later_exec: 42_560,
    vesting_first_exec: 61_700,
    vesting_follow_up_exec: 27_690,
    vesting_last_exec: 30_517,
    relay_extra_exec: 29_644,
    clawback: 54_018,
};

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
    /// Deployment and funding (the deployer pays).
    pub setup: u64,
    /// The clawback transaction, when the bundle has a window and not everyone claims.
    pub clawback: Option<u64>,
    /// Recipients expected to claim.
    pub claimers: u64,
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
    let kinds = claim_kinds(bundle, &claims, &CLAIM_SIDE)?;
    let vesting = bundle.vesting.duration > 0;
    let claim = claim_side(
        n,
        kinds,
        vesting,
        bundle.has_window,
        input,
        CLAIM_SIDE.deploy + CLAIM_SIDE.fund,
    );
    let choice = if claim.total < push.total {
        Choice::Claim
    } else {
        Choice::Push
    };
    // Per claimer at full rate, so a rate of 0 still has a break-even to report.
    let all = claim_side(n, kinds, vesting, bundle.has_window, &full_rate(input), 0);
    let per_claimer = all.claims.checked_div(all.claimers).unwrap_or(0);
    let clawback = if bundle.has_window {
        CLAIM_SIDE.clawback
    } else {
        0
    };
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
    })
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

/// Per-kind claim gas: the table's execution plus 21 000 and the bundle's mean claim calldata.
fn claim_kinds(
    bundle: &Bundle,
    claims: &[(u64, Address, U256)],
    t: &ClaimSideGas,
) -> Result<ClaimKinds> {
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
        deploy: t.deploy,
        fund: t.fund,
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
    let per_word_extra = CLAIM_SIDE.claim_first_exec - CLAIM_SIDE.claim_later_exec;
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
    let clawback = (window && claimers < n).then_some(CLAIM_SIDE.clawback);
    ClaimSide {
        kinds: k,
        setup,
        clawback,
        claimers,
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
        }
    }

    const K: ClaimKinds = ClaimKinds {
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
        assert_eq!(c.clawback, Some(CLAIM_SIDE.clawback));
        assert_eq!(c.total, 1_000_000 + c.claims + CLAIM_SIDE.clawback);
        let c = claim_side(1000, K, false, false, &input(5_000), 0);
        assert_eq!(c.clawback, None, "no window, no clawback");
        // Vesting in three claims: first, one follow-up, last.
        let mut three = input(10_000);
        three.vesting_claims = 3;
        let c = claim_side(10, K, true, true, &three, 0);
        let per_word = CLAIM_SIDE.claim_first_exec - CLAIM_SIDE.claim_later_exec;
        assert_eq!(c.claims, 10 * (92_000 + 55_000 + 58_000) + per_word);
        // Half the claims relayed: each relayed one costs the extra on top.
        let mut relay = input(10_000);
        relay.relay_rate_bps = 5_000;
        let c = claim_side(10, K, false, true, &relay, 0);
        assert_eq!(c.claims, 90_000 + 9 * 70_000 + 5 * 40_000);
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
