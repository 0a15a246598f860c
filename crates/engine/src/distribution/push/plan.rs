//! The push plan: claims in index order cut into batches, and the gas model that sizes them.

use airdrop_store::PlannedRecipient;
use alloy_primitives::{Address, U256};

/// Gas per batch transaction in the model (docs/performance.md, *Contracts (gas)*): 21 000 for
/// the transaction and about 18 000 for the token pull.
pub const GAS_TX: u64 = 21_000 + 18_000;
/// Gas per fresh recipient in the model: 25 415 for the transfer + 597 of calldata.
pub const GAS_PER_RECIPIENT: u64 = 25_415 + 597;

/// Recipients per batch that fit in 75 % of the block gas limit by the gas model, so that the
/// transaction's gas limit (the estimate plus 20 %) stays under the block's.
pub(crate) fn fitting_batch(gas_limit: u64) -> u64 {
    (gas_limit / 4 * 3)
        .saturating_sub(GAS_TX + 20_000)
        .checked_div(GAS_PER_RECIPIENT)
        .unwrap_or(1)
        .max(1)
}

/// Gas of sending batches of these sizes, by the model.
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
    claims
        .chunks(usize::try_from(size).unwrap_or(usize::MAX).max(1))
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
    fn gas_model_and_limit() {
        assert_eq!(batches_gas([1, 2]), 2 * GAS_TX + 3 * GAS_PER_RECIPIENT);
        assert_eq!(batches_gas([]), 0);
        assert_eq!(gas_limit_for(100, 1_000), 120);
        assert_eq!(gas_limit_for(900, 1_000), 1_000);
        assert_eq!(gas_limit_for(2_000, 1_000), 2_000);
    }
}
