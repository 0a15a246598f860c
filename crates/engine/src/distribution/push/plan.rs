//! The push plan: claims in index order cut into batches, and the gas model that sizes them
//! and predicts each batch's receipt. `airdrop push` and `airdrop cost` plan through
//! [`push_plan`] / [`batch_size`], so the two can never disagree on the batches.

use airdrop_chain::distribution::{calldata_gas, push_calldata, PushPath};
use airdrop_store::PlannedRecipient;
use alloy_primitives::{Address, U256};

/// Gas per batch transaction in the sizing model (docs/performance.md, *Contracts (gas)*):
/// 21 000 for the transaction and about 18 000 for the token pull.
pub const GAS_TX: u64 = 21_000 + 18_000;
/// Gas per fresh recipient in the sizing model: 25 415 for the transfer + 597 of calldata (the
/// wide path, so a batch sized by it fits whichever path it takes).
pub const GAS_PER_RECIPIENT: u64 = 25_415 + 597;

/// Execution gas of a batch beyond its recipients and its calldata, before refunds: the cold
/// token account, the pull (`transferFrom`: the payer's balance and allowance, this contract's
/// empty balance slot set), `BatchSent`, and the entry point's own work. Measured from receipts
/// on anvil against OpenZeppelin's ERC-20 (docs/performance.md, *Push gas and `airdrop cost`*).
pub(crate) const BATCH_FIXED: [u64; 2] = [PACKED_FIXED, WIDE_FIXED];
const PACKED_FIXED: u64 = 41_363;
const WIDE_FIXED: u64 = 41_619;
/// Execution gas per fresh recipient (a `transfer` to an empty balance), same measurement.
const PACKED_PER_RECIPIENT: u64 = 25_439;
const WIDE_PER_RECIPIENT: u64 = 25_436;
/// Refund when this contract's balance slot returns to zero at the end of every batch.
const REFUND_BALANCE_CLEARED: u64 = 19_900;
/// Refund when the batch spends the last of the allowance (push approves exactly what is left,
/// so the plan's last batch does).
const REFUND_ALLOWANCE_CLEARED: u64 = 4_800;

fn path_index(path: PushPath) -> usize {
    match path {
        PushPath::Packed => 0,
        PushPath::Wide => 1,
    }
}

/// Predicted `gasUsed` of a batch's receipt: intrinsic gas, execution, then the EVM's refund
/// (capped at a fifth of the gas used, which is what small batches hit).
pub(crate) fn predict_batch_gas(
    calldata: &[u8],
    recipients: u64,
    path: PushPath,
    clears_allowance: bool,
) -> u64 {
    let per = match path {
        PushPath::Packed => PACKED_PER_RECIPIENT,
        PushPath::Wide => WIDE_PER_RECIPIENT,
    };
    let raw = 21_000
        + calldata_gas(calldata)
        + BATCH_FIXED[path_index(path)]
        + per.saturating_mul(recipients);
    let refund = REFUND_BALANCE_CLEARED
        + if clears_allowance {
            REFUND_ALLOWANCE_CLEARED
        } else {
            0
        };
    raw - refund.min(raw / 5)
}

/// One batch of a push plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBatch {
    /// Recipients in it.
    pub recipients: u64,
    /// What it pays, base units.
    pub total: U256,
    /// The entry point it is encoded for.
    pub path: PushPath,
    /// Predicted `gasUsed` of its receipt (fresh recipients).
    pub gas: u64,
}

/// The batches a push of these claims sends, with their predicted gas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPlan {
    /// Recipients per batch (the last one may hold fewer).
    pub batch_size: u64,
    /// In sending order.
    pub batches: Vec<PlannedBatch>,
}

impl PushPlan {
    /// Predicted gas of all the batches.
    pub fn gas(&self) -> u64 {
        self.batches.iter().map(|b| b.gas).sum()
    }
}

/// Recipients per batch: `requested` when given (at least 1), else what fits the block.
pub fn batch_size(block_gas_limit: u64, requested: Option<u64>) -> u64 {
    requested
        .map(|n| n.max(1))
        .unwrap_or_else(|| fitting_batch(block_gas_limit))
}

/// The plan `airdrop push` follows for `claims` (index, account, amount, in index order) of
/// `token`: batches of [`batch_size`], each encoded as it will be sent, with its gas predicted.
pub fn push_plan(
    token: Address,
    claims: &[(u64, Address, U256)],
    block_gas_limit: u64,
    requested: Option<u64>,
) -> PushPlan {
    let size = batch_size(block_gas_limit, requested);
    let chunks: Vec<_> = batches_of(claims, size).collect();
    let last = chunks.len().saturating_sub(1);
    let batches = chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let pairs: Vec<(Address, U256)> = chunk.iter().map(|c| (c.1, c.2)).collect();
            let total = pairs.iter().fold(U256::ZERO, |a, b| a + b.1);
            batch_with_gas(token, &pairs, total, i == last)
        })
        .collect();
    PushPlan {
        batch_size: size,
        batches,
    }
}

/// Claims cut into batches of `size` in index order: the one cut the ledger's plan and
/// [`push_plan`] both make.
fn batches_of(
    claims: &[(u64, Address, U256)],
    size: u64,
) -> impl Iterator<Item = &[(u64, Address, U256)]> {
    claims.chunks(usize::try_from(size).unwrap_or(usize::MAX).max(1))
}

/// A batch's calldata encoding and its predicted gas.
pub(crate) fn batch_with_gas(
    token: Address,
    pairs: &[(Address, U256)],
    total: U256,
    clears_allowance: bool,
) -> PlannedBatch {
    let (data, path) = push_calldata(token, pairs, total);
    PlannedBatch {
        recipients: pairs.len() as u64,
        total,
        path,
        gas: predict_batch_gas(&data, pairs.len() as u64, path, clears_allowance),
    }
}

/// Recipients per batch that fit in 75 % of the block gas limit by the gas model, so that the
/// transaction's gas limit (the estimate plus 20 %) stays under the block's.
pub(crate) fn fitting_batch(gas_limit: u64) -> u64 {
    (gas_limit / 4 * 3)
        .saturating_sub(GAS_TX + 20_000)
        .checked_div(GAS_PER_RECIPIENT)
        .unwrap_or(1)
        .max(1)
}

/// Gas of sending batches of these sizes, by the sizing model.
#[cfg(test)]
pub(crate) fn batches_gas(counts: impl IntoIterator<Item = u64>) -> u64 {
    counts
        .into_iter()
        .map(|n| GAS_TX + GAS_PER_RECIPIENT * n)
        .sum()
}

/// The transaction's gas limit for an estimate: 20 % over it, but never above the block's
/// limit (nodes refuse that), nor below the estimate itself.
pub(crate) fn gas_limit_for(estimate: u64, block_gas_limit: u64) -> u64 {
    estimate
        .saturating_add(estimate / 5)
        .min(block_gas_limit.max(estimate))
}

/// Claims (index, account, amount) in batches of `size`, each with its total as a decimal.
pub(crate) fn plan(
    claims: &[(u64, Address, U256)],
    size: u64,
) -> Vec<(Vec<PlannedRecipient>, String)> {
    batches_of(claims, size)
        .map(|chunk| {
            let total: U256 = chunk.iter().map(|c| c.2).fold(U256::ZERO, |a, b| a + b);
            (
                chunk
                    .iter()
                    .map(|(i, a, v)| PlannedRecipient {
                        claim_index: *i,
                        address: a.to_checksum(None),
                        amount: v.to_string(),
                    })
                    .collect(),
                total.to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(n: u64) -> Vec<(u64, Address, U256)> {
        (0..n)
            .map(|i| (i, Address::repeat_byte(i as u8 + 1), U256::from(i + 1)))
            .collect()
    }

    #[test]
    fn plan_cuts_in_order_with_totals() {
        let p = plan(&claims(5), 2);
        assert_eq!(p.len(), 3);
        assert_eq!(
            p.iter().map(|b| b.0.len()).collect::<Vec<_>>(),
            vec![2, 2, 1]
        );
        assert_eq!(
            p.iter().map(|b| b.1.as_str()).collect::<Vec<_>>(),
            vec!["3", "7", "5"]
        );
        assert_eq!(p[2].0[0].claim_index, 4);
        assert_eq!(p[0].0[1].address, Address::repeat_byte(2).to_checksum(None));
        // A size of 0 cannot loop forever: one recipient per batch.
        assert_eq!(plan(&claims(3), 0).len(), 3);
        assert!(plan(&[], 10).is_empty());
    }

    #[test]
    fn batches_fit_three_quarters_of_the_block() {
        for limit in [30_000_000u64, 36_000_000, 1_000_000] {
            let n = fitting_batch(limit);
            let gas = batches_gas([n]);
            assert!(gas_limit_for(gas, limit) <= limit, "{limit}: {n}");
            assert!(gas + 20_000 <= limit / 4 * 3, "{limit}: {n}");
            assert!(
                batches_gas([n + 1]) + 20_000 > limit / 4 * 3,
                "{limit}: {n}"
            );
        }
        assert_eq!(fitting_batch(30_000_000), 862);
        // A tiny block still gets one recipient per batch.
        assert_eq!(fitting_batch(10_000), 1);
    }

    #[test]
    fn push_plan_picks_the_path_per_batch_and_predicts_gas() {
        let token = Address::repeat_byte(0x70);
        let wide = crate::distribution::PushPath::Wide;
        let mut cs = claims(5);
        // One amount past 96 bits: only its batch goes the wide way.
        cs[4].2 = U256::from(1u8) << 96;
        let p = push_plan(token, &cs, 30_000_000, Some(2));
        assert_eq!(p.batch_size, 2);
        let paths: Vec<_> = p.batches.iter().map(|b| b.path).collect();
        assert_eq!(paths, vec![PushPath::Packed, PushPath::Packed, wide]);
        assert_eq!(p.batches[2].total, (U256::from(1u8) << 96));
        assert_eq!(p.gas(), p.batches.iter().map(|b| b.gas).sum::<u64>());
        // The ledger's plan cuts the same batches with the same totals.
        let ledger = plan(&cs, 2);
        assert_eq!(ledger.len(), p.batches.len());
        for (l, b) in ledger.iter().zip(&p.batches) {
            assert_eq!(l.0.len() as u64, b.recipients);
            assert_eq!(l.1, b.total.to_string());
        }
        // The same plan as push's: sized for the block when no size is asked for.
        assert_eq!(push_plan(token, &cs, 30_000_000, None).batch_size, 862);
        assert_eq!(batch_size(30_000_000, Some(0)), 1);
        // Packed is cheaper per recipient than wide for the same batch (about 128 gas of
        // calldata per recipient for these amounts).
        let pairs: Vec<(Address, U256)> = (0..50u8)
            .map(|i| {
                (
                    Address::repeat_byte(i + 1),
                    U256::from(10u64).pow(U256::from(19u8)),
                )
            })
            .collect();
        let total = pairs.iter().fold(U256::ZERO, |a, b| a + b.1);
        let packed = batch_with_gas(token, &pairs, total, false);
        let (data, _) = airdrop_chain::distribution::push_calldata(token, &pairs, total);
        assert_eq!(packed.path, PushPath::Packed);
        let wide_gas = {
            use airdrop_chain::distribution::BatchSender;
            use alloy::sol_types::SolCall;
            let call = BatchSender::sendERC20Call {
                token,
                recipients: pairs.iter().map(|p| p.0).collect(),
                amounts: pairs.iter().map(|p| p.1).collect(),
                total,
            };
            predict_batch_gas(&call.abi_encode(), 50, wide, false)
        };
        assert!(
            packed.gas + 50 * 100 < wide_gas,
            "{} vs {wide_gas}",
            packed.gas
        );
        assert_eq!(
            packed.gas,
            predict_batch_gas(&data, 50, PushPath::Packed, false)
        );
        // The refund is capped at a fifth of the gas used: a one-recipient batch hits the cap.
        let one = predict_batch_gas(&data[..100], 1, PushPath::Packed, false);
        let raw = 21_000 + calldata_gas(&data[..100]) + PACKED_FIXED + PACKED_PER_RECIPIENT;
        assert_eq!(one, raw - raw / 5);
        // Spending the last of the allowance earns its refund too.
        assert_eq!(
            predict_batch_gas(&data, 50, PushPath::Packed, false)
                - predict_batch_gas(&data, 50, PushPath::Packed, true),
            REFUND_ALLOWANCE_CLEARED
        );
    }

    #[test]
    fn gas_model_and_limit() {
        assert_eq!(batches_gas([1, 2]), 2 * GAS_TX + 3 * GAS_PER_RECIPIENT);
        assert_eq!(batches_gas([]), 0);
        assert_eq!(gas_limit_for(100, 1_000), 120);
        assert_eq!(gas_limit_for(900, 1_000), 1_000);
        assert_eq!(gas_limit_for(2_000, 1_000), 2_000);
    }
}
