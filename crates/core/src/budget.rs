//! The budget split across pools: fixed amounts as given, percentages apportioned so they add
//! up exactly, `rest` takes what is left. Part of allocation, checked once at parse time so a
//! spec whose pools cannot be paid is refused with the spec's key.

use crate::error::{CoreError, Result};
use crate::spec::{Campaign, Share};
use crate::units::{self, hundred_percent};
use airdrop_merkle::U256;

impl Campaign {
    /// Amount of each pool in base units: fixed amounts as given, percentages of the budget
    /// split by largest remainder so they add up exactly, `rest` takes what is left.
    pub fn pool_amounts(&self) -> Result<Vec<U256>> {
        pool_amounts(self)
    }
}

fn pool_amounts(c: &Campaign) -> Result<Vec<U256>> {
    let err = |key: String, detail: String| CoreError::Spec {
        file: c.file.clone(),
        key,
        detail,
    };
    let hundred = hundred_percent();
    let mut percent_sum = U256::ZERO;
    let mut fixed_sum = U256::ZERO;
    let mut rest: Option<usize> = None;
    for (i, p) in c.pools.iter().enumerate() {
        match &p.share {
            Share::Percent(v) => percent_sum += *v,
            Share::Fixed(v) => {
                fixed_sum = fixed_sum.checked_add(*v).ok_or_else(|| {
                    err(
                        format!("pool {:?}.share", p.name),
                        "fixed shares overflow uint256".into(),
                    )
                })?
            }
            Share::Rest => {
                if let Some(first) = rest {
                    return Err(err(
                        format!("pool {:?}.share", p.name),
                        format!(
                            "only one pool can take the \"rest\"; pool {:?} already does",
                            c.pools[first].name
                        ),
                    ));
                }
                rest = Some(i);
            }
        }
    }
    let fmt_pct = |v: U256| format!("{}%", units::format_units(v, units::PERCENT_DECIMALS));
    let fmt_tok = |v: U256| {
        format!(
            "{} {}",
            units::format_units(v, c.token.decimals),
            c.token.symbol
        )
    };
    if percent_sum > hundred {
        return Err(err(
            "pool.share".into(),
            format!(
                "pool shares add up to {}, over 100%; lower some shares",
                fmt_pct(percent_sum)
            ),
        ));
    }
    // Percentages apportioned by largest remainder: the exact total floor(budget · Σp) is paid.
    let wide = |v: U256| crate::math::wide(v);
    let budget = wide(c.budget);
    let target = crate::math::narrow(budget * wide(percent_sum) / wide(hundred));
    let mut amounts = vec![U256::ZERO; c.pools.len()];
    let mut rems: Vec<(alloy_primitives::U512, usize)> = Vec::new();
    let mut given = U256::ZERO;
    for (i, p) in c.pools.iter().enumerate() {
        match &p.share {
            Share::Percent(v) => {
                let prod = budget * wide(*v);
                let q = prod / wide(hundred);
                amounts[i] = crate::math::narrow(q);
                given += amounts[i];
                rems.push((prod - q * wide(hundred), i));
            }
            Share::Fixed(v) => amounts[i] = *v,
            Share::Rest => {}
        }
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = (target - given).to::<u64>() as usize;
    for (_, i) in rems.iter().take(left) {
        amounts[*i] += U256::from(1u8);
    }
    let taken = fixed_sum.checked_add(target).unwrap_or(U256::MAX);
    if taken > c.budget {
        return Err(err(
            "pool.share".into(),
            format!(
                "pools take {} of a budget of {}; lower the fixed amounts or percentages",
                fmt_tok(taken),
                fmt_tok(c.budget)
            ),
        ));
    }
    let left_over = c.budget - taken;
    match rest {
        Some(i) => amounts[i] = left_over,
        None if !left_over.is_zero() => {
            return Err(err(
                "pool.share".into(),
                format!("pools take {} of a budget of {}, leaving {} for nobody; add a pool with share = \"rest\" or raise the shares", fmt_tok(taken), fmt_tok(c.budget), fmt_tok(left_over)),
            ))
        }
        None => {}
    }
    for (i, p) in c.pools.iter().enumerate() {
        if amounts[i].is_zero() {
            return Err(err(
                format!("pool {:?}.share", p.name),
                format!(
                    "pool gets 0 {} ({:?} of {}); raise its share or remove the pool",
                    c.token.symbol,
                    p.share_text,
                    fmt_tok(c.budget)
                ),
            ));
        }
    }
    Ok(amounts)
}
