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
    let shares = tally(c)?;
    let fmt_tok = |v: U256| {
        format!(
            "{} {}",
            units::format_units(v, c.token.decimals),
            c.token.symbol
        )
    };
    if shares.percent_sum > hundred_percent() {
        let pct = units::format_units(shares.percent_sum, units::PERCENT_DECIMALS);
        return Err(spec_err(
            c,
            "pool.share".into(),
            format!("pool shares add up to {pct}%, over 100%; lower some shares"),
        ));
    }
    let (mut amounts, target) = apportion(c, shares.percent_sum);
    let taken = shares.fixed_sum.checked_add(target).unwrap_or(U256::MAX);
    if taken > c.budget {
        return Err(spec_err(
            c,
            "pool.share".into(),
            format!(
                "pools take {} of a budget of {}; lower the fixed amounts or percentages",
                fmt_tok(taken),
                fmt_tok(c.budget)
            ),
        ));
    }
    let left_over = c.budget - taken;
    match shares.rest {
        Some(i) => amounts[i] = left_over,
        None if !left_over.is_zero() => {
            return Err(spec_err(
                c,
                "pool.share".into(),
                format!("pools take {} of a budget of {}, leaving {} for nobody; add a pool with share = \"rest\" or raise the shares", fmt_tok(taken), fmt_tok(c.budget), fmt_tok(left_over)),
            ))
        }
        None => {}
    }
    if let Some((p, _)) = c.pools.iter().zip(&amounts).find(|(_, a)| a.is_zero()) {
        return Err(spec_err(
            c,
            format!("pool {:?}.share", p.name),
            format!(
                "pool gets 0 {} ({:?} of {}); raise its share or remove the pool",
                c.token.symbol,
                p.share_text,
                fmt_tok(c.budget)
            ),
        ));
    }
    Ok(amounts)
}

fn spec_err(c: &Campaign, key: String, detail: String) -> CoreError {
    CoreError::Spec {
        file: c.file.clone(),
        key,
        detail,
    }
}

/// The shares added up by kind.
struct Shares {
    percent_sum: U256,
    fixed_sum: U256,
    /// The one pool taking the rest.
    rest: Option<usize>,
}

fn tally(c: &Campaign) -> Result<Shares> {
    let mut t = Shares {
        percent_sum: U256::ZERO,
        fixed_sum: U256::ZERO,
        rest: None,
    };
    for (i, p) in c.pools.iter().enumerate() {
        match &p.share {
            Share::Percent(v) => t.percent_sum += *v,
            Share::Fixed(v) => {
                t.fixed_sum = t.fixed_sum.checked_add(*v).ok_or_else(|| {
                    spec_err(
                        c,
                        format!("pool {:?}.share", p.name),
                        "fixed shares overflow uint256".into(),
                    )
                })?
            }
            Share::Rest => {
                if let Some(first) = t.rest {
                    return Err(spec_err(
                        c,
                        format!("pool {:?}.share", p.name),
                        format!(
                            "only one pool can take the \"rest\"; pool {:?} already does",
                            c.pools[first].name
                        ),
                    ));
                }
                t.rest = Some(i);
            }
        }
    }
    Ok(t)
}

/// Fixed amounts as given and percentages apportioned by largest remainder, so the exact total
/// floor(budget · Σp) is paid; returns the amounts (0 for `rest`) and that total.
fn apportion(c: &Campaign, percent_sum: U256) -> (Vec<U256>, U256) {
    let wide = crate::math::wide;
    let hundred = wide(hundred_percent());
    let budget = wide(c.budget);
    let target = crate::math::narrow(budget * wide(percent_sum) / hundred);
    let mut amounts = vec![U256::ZERO; c.pools.len()];
    let mut rems: Vec<(alloy_primitives::U512, usize)> = Vec::new();
    let mut given = U256::ZERO;
    for (i, p) in c.pools.iter().enumerate() {
        match &p.share {
            Share::Percent(v) => {
                let prod = budget * wide(*v);
                let q = prod / hundred;
                amounts[i] = crate::math::narrow(q);
                given += amounts[i];
                rems.push((prod - q * hundred, i));
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
    (amounts, target)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn spec(shares: &[&str]) -> String {
        let mut s = String::from(
            "name = \"t\"\nchain_id = 1\ntoken = { address = \"0x1111111111111111111111111111111111111111\", symbol = \"TKN\", decimals = 0 }\nbudget = \"10\"\n\n[[source]]\nname = \"s\"\nkind = \"list\"\nfile = \"s.csv\"\n",
        );
        for (i, share) in shares.iter().enumerate() {
            s += &format!("\n[[pool]]\nname = \"p{i}\"\nsource = \"s\"\nshare = \"{share}\"\nrule = \"flat\"\n");
        }
        s
    }

    fn amounts(shares: &[&str]) -> Result<Vec<u64>> {
        let c = Campaign::parse(&spec(shares), "c.toml")?;
        Ok(c.pool_amounts()?.iter().map(|a| a.to::<u64>()).collect())
    }

    fn err(shares: &[&str]) -> String {
        amounts(shares).unwrap_err().to_string()
    }

    #[test]
    fn percentages_are_apportioned_exactly_and_rest_takes_the_remainder() {
        // 10 · 33.3% = 3.33 each: floor 3 + 3 + 3, and the largest remainders get one more until
        // floor(10 · 99.9%) = 9 is reached, then rest takes 1.
        assert_eq!(
            amounts(&["33.3%", "33.3%", "33.3%", "rest"]).unwrap(),
            [3, 3, 3, 1]
        );
        assert_eq!(amounts(&["2", "45%", "rest"]).unwrap(), [2, 4, 4]);
        assert_eq!(amounts(&["35%", "35%", "30%"]).unwrap(), [4, 3, 3]);
    }

    #[test]
    fn shares_that_cannot_be_paid_name_the_pool_or_the_total() {
        let e = err(&["rest", "rest"]);
        assert!(
            e.contains("pool \"p1\".share") && e.contains("pool \"p0\" already does"),
            "{e}"
        );
        let e = err(&["8", "50%"]);
        assert!(
            e.contains("pool.share") && e.contains("pools take 13 TKN of a budget of 10 TKN"),
            "{e}"
        );
        let e = err(&["1%", "rest"]);
        assert!(
            e.contains("pool \"p0\".share") && e.contains("pool gets 0 TKN (\"1%\" of 10 TKN)"),
            "{e}"
        );
        let max = U256::MAX.to_string();
        let e = err(&[&max, &max]);
        assert!(
            e.contains("pool \"p1\".share") && e.contains("fixed shares overflow uint256"),
            "{e}"
        );
    }
}
