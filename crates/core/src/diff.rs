//! `airdrop diff`: who gained, lost, appeared and disappeared between two bundles — what a
//! correction (a second airdrop for those the first one missed) is computed from.

use crate::error::{CoreError, Result};
use airdrop_merkle::address::parse_address;
use airdrop_merkle::{Address, U256};
use serde::Serialize;
use std::collections::BTreeMap;

/// Reads `allocations.csv` (first two columns: address, amount in base units).
pub fn read_allocations(data: &[u8], file: &str) -> Result<BTreeMap<Address, U256>> {
    let text = std::str::from_utf8(data).map_err(|_| CoreError::Bundle {
        file: file.to_owned(),
        detail: "not UTF-8; is this an allocations.csv?".into(),
    })?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.starts_with("address,amount") => {}
        _ => {
            return Err(CoreError::Bundle {
                file: file.to_owned(),
                detail: "expected a header starting with address,amount; point at a bundle built by airdrop build".into(),
            })
        }
    }
    let mut out = BTreeMap::new();
    for (n, line) in lines {
        if line.is_empty() {
            continue;
        }
        let loc = || format!("{file}:{}", n + 1);
        let mut cells = line.split(',');
        let (Some(a), Some(v)) = (cells.next(), cells.next()) else {
            return Err(CoreError::Bundle {
                file: loc(),
                detail: "expected address,amount".into(),
            });
        };
        let address = parse_address(a).map_err(|reason| CoreError::Address {
            location: loc(),
            reason,
        })?;
        let amount = U256::from_str_radix(v, 10).map_err(|_| CoreError::Bundle {
            file: loc(),
            detail: format!("amount {v:?} is not a base-unit integer"),
        })?;
        out.insert(address, amount);
    }
    Ok(out)
}

/// One address whose amount changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Lowercase address.
    pub address: String,
    /// Old amount, base units (0 if it appeared).
    pub old: String,
    /// New amount, base units (0 if it disappeared).
    pub new: String,
    /// |new − old|, base units.
    pub delta: String,
}

/// Totals and lists of a comparison; lists are sorted by the size of the change, largest first,
/// ties by address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Sum of the old bundle.
    pub old_total: String,
    /// Sum of the new bundle.
    pub new_total: String,
    /// Recipients in old / new.
    pub old_count: u64,
    /// Recipients in new.
    pub new_count: u64,
    /// Present in both, amount unchanged.
    pub unchanged: u64,
    /// Present in both with more.
    pub gained: Vec<Change>,
    /// Present in both with less.
    pub lost: Vec<Change>,
    /// Only in new.
    pub appeared: Vec<Change>,
    /// Only in old.
    pub disappeared: Vec<Change>,
    /// Sums of each list's deltas, base units.
    pub gained_total: String,
    /// Sum of losses.
    pub lost_total: String,
    /// Sum of new recipients' amounts.
    pub appeared_total: String,
    /// Sum of vanished recipients' old amounts.
    pub disappeared_total: String,
}

/// Compares two allocation maps.
pub fn diff(old: &BTreeMap<Address, U256>, new: &BTreeMap<Address, U256>) -> Diff {
    let mut lists: [Vec<(U256, Change)>; 4] = Default::default();
    let mut unchanged = 0u64;
    let mk = |a: &Address, o: U256, n: U256, d: U256| {
        (
            d,
            Change {
                address: format!("{a:#x}"),
                old: o.to_string(),
                new: n.to_string(),
                delta: d.to_string(),
            },
        )
    };
    for (a, o) in old {
        match new.get(a) {
            None => lists[3].push(mk(a, *o, U256::ZERO, *o)),
            Some(n) if n > o => lists[0].push(mk(a, *o, *n, *n - *o)),
            Some(n) if n < o => lists[1].push(mk(a, *o, *n, *o - *n)),
            Some(_) => unchanged += 1,
        }
    }
    for (a, n) in new {
        if !old.contains_key(a) {
            lists[2].push(mk(a, U256::ZERO, *n, *n));
        }
    }
    let sum = |m: &BTreeMap<Address, U256>| m.values().fold(U256::ZERO, |x, y| x + *y).to_string();
    let mut totals = Vec::new();
    let mut out_lists = Vec::new();
    for mut l in lists {
        totals.push(l.iter().fold(U256::ZERO, |x, y| x + y.0).to_string());
        // Addresses in the lists come from a BTreeMap, so a stable sort keeps ties by address.
        l.sort_by_key(|c| std::cmp::Reverse(c.0));
        out_lists.push(l.into_iter().map(|(_, c)| c).collect::<Vec<_>>());
    }
    let mut it = out_lists.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Diff {
        old_total: sum(old),
        new_total: sum(new),
        old_count: old.len() as u64,
        new_count: new.len() as u64,
        unchanged,
        gained: next(),
        lost: next(),
        appeared: next(),
        disappeared: next(),
        gained_total: totals[0].clone(),
        lost_total: totals[1].clone(),
        appeared_total: totals[2].clone(),
        disappeared_total: totals[3].clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_address() {
        let a = |b: u8| Address::repeat_byte(b);
        let u = |v: u64| U256::from(v);
        let old = BTreeMap::from([(a(1), u(10)), (a(2), u(10)), (a(3), u(10)), (a(4), u(10))]);
        let new = BTreeMap::from([(a(1), u(15)), (a(2), u(4)), (a(3), u(10)), (a(5), u(7))]);
        let d = diff(&old, &new);
        assert_eq!(
            (
                d.gained.len(),
                d.lost.len(),
                d.appeared.len(),
                d.disappeared.len(),
                d.unchanged
            ),
            (1, 1, 1, 1, 1)
        );
        assert_eq!((d.gained_total.as_str(), d.lost_total.as_str()), ("5", "6"));
        assert_eq!(
            (d.appeared_total.as_str(), d.disappeared_total.as_str()),
            ("7", "10")
        );
        assert_eq!((d.old_total.as_str(), d.new_total.as_str()), ("40", "36"));
    }

    #[test]
    fn rejects_non_bundle_files() {
        let err = read_allocations(b"who,what\n", "x.csv")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.csv") && err.contains("address,amount"),
            "{err}"
        );
        let err = read_allocations(b"address,amount\n0x12,5\n", "a.csv")
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.csv:2"), "{err}");
    }
}
