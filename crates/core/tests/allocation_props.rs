//! Property tests over random campaigns: the budget is paid exactly, caps and floors hold,
//! more weight never means less, and the same inputs always give the same allocation.

#![allow(clippy::unwrap_used)]

use airdrop_core::spec::Rule;
use airdrop_core::{allocate, Allocation, Campaign, Facts, Status};
use alloy_primitives::{Address, U256};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct PoolGen {
    rule: u8, // 0 flat, 1 linear, 2 sqrt, 3 log, 4 tiers, 5 points
    cap: Option<u32>,
    floor: Option<u32>,
    min: Option<u32>,
    flag_mult: bool,
}

fn pool_gen() -> impl Strategy<Value = PoolGen> {
    (
        0u8..6,
        proptest::option::of(1u32..5000),
        proptest::option::of(1u32..400),
        proptest::option::of(1u32..50),
        any::<bool>(),
    )
        .prop_map(|(rule, cap, floor, min, flag_mult)| PoolGen {
            rule,
            cap,
            floor,
            min,
            flag_mult,
        })
}

fn toml_for(budget: u64, decimals: u8, pools: &[PoolGen], global_cap: Option<u32>) -> String {
    let mut s = format!(
        "name = \"prop\"\nchain_id = 1\ntoken = {{ address = \"0x{}\", symbol = \"TKN\", decimals = {decimals} }}\nbudget = \"{budget}\"\ndust_to = \"0x{}\"\n",
        "11".repeat(20),
        "ee".repeat(20)
    );
    if let Some(g) = global_cap {
        s += &format!("max_per_address = \"{g}\"\n");
    }
    s += "[[source]]\nname = \"s\"\nkind = \"balances\"\nfile = \"s.csv\"\ndecimals = 2\ncolumns = { balance = \"number\", vip = \"flag\" }\n";
    for (i, p) in pools.iter().enumerate() {
        s += &format!("[[pool]]\nname = \"p{i}\"\nsource = \"s\"\ncolumn = \"balance\"\n");
        s += if i + 1 == pools.len() {
            "share = \"rest\"\n"
        } else {
            "share = \"20%\"\n"
        };
        s += match p.rule {
            0 => "rule = \"flat\"\n",
            1 => "rule = \"pro-rata\"\n",
            2 => "rule = \"pro-rata\"\nweight = \"sqrt\"\n",
            3 => "rule = \"pro-rata\"\nweight = \"log\"\n",
            4 => "rule = \"tiers\"\ntiers = [{ min = \"1\", amount = \"1\" }, { min = \"100\", amount = \"3\" }, { min = \"5000\", amount = \"7.5\" }]\n",
            _ => "rule = \"points\"\nper_point = \"0.001\"\n",
        };
        if let Some(c) = p.cap {
            s += &format!("cap = \"{c}\"\n");
        }
        if let (Some(f), true) = (p.floor, p.cap.is_none_or(|c| c >= p.floor.unwrap_or(0))) {
            s += &format!("floor = \"{f}\"\n");
        }
        if let Some(m) = p.min {
            s += &format!("min = \"{m}\"\n");
        }
        if p.flag_mult {
            s += "multiplier = [{ flag = \"vip\", factor = \"2.5\" }]\n";
        }
    }
    s
}

fn facts_for(rows: &[(u8, u64, bool)]) -> Facts {
    let mut seen = std::collections::BTreeSet::new();
    let rows: Vec<(Address, Vec<U256>, String)> = rows
        .iter()
        .enumerate()
        .filter(|(_, (a, _, _))| seen.insert(*a))
        .map(|(i, (a, v, f))| {
            (
                Address::with_last_byte(*a),
                vec![U256::from(*v), U256::from(*f as u8)],
                format!("s.csv:{}", i + 2),
            )
        })
        .collect();
    Facts::from_rows("s", 2, rows).unwrap()
}

fn run(text: &str, facts: &Facts) -> Option<(Campaign, Allocation)> {
    let c = Campaign::parse(text, "prop.toml").ok()?;
    match allocate(&c, std::slice::from_ref(facts), &[]) {
        Ok(a) => Some((c, a)),
        // Random campaigns can legitimately be unpayable (no eligible rows, tiers over budget).
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.contains("no eligible recipients") || m.contains("but the pool has"),
                "unexpected error: {m}"
            );
            None
        }
    }
}

/// Budget, token decimals, pools, global cap, rows (address byte, balance, vip flag).
type CampaignCase = (u64, u8, Vec<PoolGen>, Option<u32>, Vec<(u8, u64, bool)>);

fn campaign_strategy() -> impl Strategy<Value = CampaignCase> {
    (
        1_000u64..10_000_000,
        0u8..7,
        proptest::collection::vec(pool_gen(), 1..4),
        proptest::option::of(500u32..20_000),
        proptest::collection::vec((any::<u8>(), 0u64..10_000_000, any::<bool>()), 1..80),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn budget_is_paid_exactly((budget, dec, pools, gcap, rows) in campaign_strategy()) {
        let facts = facts_for(&rows);
        let Some((c, a)) = run(&toml_for(budget, dec, &pools, gcap), &facts) else { return Ok(()) };
        let total = a.totals.iter().fold(U256::ZERO, |x, y| x + *y);
        prop_assert_eq!(total, c.budget);
        // Every address's total is the sum of its parts plus the dust it receives.
        for i in 0..a.addresses.len() {
            let parts = a.parts.iter().fold(a.dust_part[i], |x, p| x + p[i]);
            prop_assert_eq!(parts, a.totals[i]);
        }
        // Each pool pays exactly its amount, less the dust it reports.
        for o in &a.pools {
            let paid = o.decisions.iter().fold(U256::ZERO, |x, d| x + d.amount);
            prop_assert_eq!(paid, o.paid);
            prop_assert_eq!(o.paid + o.dust, o.amount);
            if !o.dust.is_zero() { prop_assert!(a.dust.iter().any(|d| d.amount == o.dust)); }
        }
    }

    #[test]
    fn caps_and_floors_hold((budget, dec, pools, gcap, rows) in campaign_strategy()) {
        let facts = facts_for(&rows);
        let Some((c, a)) = run(&toml_for(budget, dec, &pools, gcap), &facts) else { return Ok(()) };
        for (p, o) in c.pools.iter().zip(&a.pools) {
            for d in &o.decisions {
                if let Some(cap) = p.cap { prop_assert!(d.amount <= cap, "amount {} over cap {}", d.amount, cap); }
                if let Some(floor) = p.floor {
                    prop_assert!(d.amount.is_zero() || d.amount >= floor, "amount {} under floor {}", d.amount, floor);
                }
                if matches!(d.status, Status::Excluded | Status::BelowMin | Status::BelowTier | Status::ZeroWeight | Status::BelowFloor) {
                    prop_assert!(d.amount.is_zero());
                }
            }
        }
        if let Some(max) = c.max_per_address {
            let dust_to = c.dust_to.unwrap();
            for (i, t) in a.totals.iter().enumerate() {
                if a.addresses[i] != dust_to { prop_assert!(*t <= max); }
            }
        }
    }

    #[test]
    fn more_balance_never_means_less((budget, dec, mut pools, rows) in (1_000u64..10_000_000, 0u8..7, proptest::collection::vec(pool_gen(), 1..3), proptest::collection::vec((any::<u8>(), 0u64..10_000_000, any::<bool>()), 2..80))) {
        // Pro-rata pools without multipliers: rank by value must be rank by amount.
        for p in &mut pools { p.rule = 1 + p.rule % 3; p.flag_mult = false; }
        let facts = facts_for(&rows);
        let Some((c, a)) = run(&toml_for(budget, dec, &pools, None), &facts) else { return Ok(()) };
        for (pi, p) in c.pools.iter().enumerate() {
            prop_assert!(matches!(p.rule, Rule::ProRata(_)));
            let o = &a.pools[pi];
            for i in 0..facts.len() {
                for j in 0..facts.len() {
                    let (vi, vj) = (facts.value(i, 0), facts.value(j, 0));
                    let (ai, aj) = (o.decisions[i].amount, o.decisions[j].amount);
                    if vi > vj && o.decisions[i].weight > o.decisions[j].weight {
                        prop_assert!(ai >= aj, "pool {}: value {} got {} but value {} got {}", p.name, vi, ai, vj, aj);
                    }
                    if vi >= vj && !aj.is_zero() {
                        // Whoever holds at least as much as a paid address is paid too (or one
                        // unit less only through rounding ties between equal weights).
                        prop_assert!(ai + U256::from(1u8) >= aj);
                    }
                }
            }
        }
    }

    #[test]
    fn same_inputs_same_allocation((budget, dec, pools, gcap, rows) in campaign_strategy()) {
        let text = toml_for(budget, dec, &pools, gcap);
        let facts = facts_for(&rows);
        // The same rows in another order must give the same facts and the same allocation.
        let dedup: Vec<_> = { let mut seen = std::collections::BTreeSet::new(); rows.iter().filter(|r| seen.insert(r.0)).cloned().collect() };
        let mut reordered = dedup.clone();
        reordered.reverse();
        let facts2 = facts_for(&reordered);
        prop_assert_eq!(&facts.addresses, &facts2.addresses);
        let first = run(&text, &facts);
        let second = run(&text, &facts2);
        match (first, second) {
            (Some((_, a)), Some((_, b))) => {
                prop_assert_eq!(a.totals, b.totals);
                prop_assert_eq!(a.parts, b.parts);
                prop_assert_eq!(a.dust, b.dust);
            }
            (None, None) => {}
            _ => prop_assert!(false, "one run failed and the other did not"),
        }
    }
}

#[test]
fn cap_redistributes_to_a_fixed_point() {
    // Weights 1000, 100, 100, 100; pool 100 tokens, cap 40. Pro-rata alone would give 76.9 to
    // the first; capped at 40, the other 60 go 20/20/20.
    let text = toml_for(
        100,
        0,
        &[PoolGen {
            rule: 1,
            cap: Some(40),
            floor: None,
            min: None,
            flag_mult: false,
        }],
        None,
    );
    let facts = facts_for(&[
        (1, 1000, false),
        (2, 100, false),
        (3, 100, false),
        (4, 100, false),
    ]);
    let (_, a) = run(&text, &facts).unwrap();
    let amounts: Vec<u64> = a.pools[0]
        .decisions
        .iter()
        .map(|d| d.amount.to::<u64>())
        .collect();
    assert_eq!(amounts, vec![40, 20, 20, 20]);
    assert_eq!(a.pools[0].decisions[0].status, Status::Capped);
}

#[test]
fn floor_drops_the_smallest_one_at_a_time() {
    // Pool 100, weights 50, 30, 15, 5; floor 20. Shares 50/30/15/5: drop 5 → 52.6/31.6/15.8;
    // drop 15.8 → 62.5/37.5, the .5 tie going to the lower address.
    let text = toml_for(
        100,
        0,
        &[PoolGen {
            rule: 1,
            cap: None,
            floor: Some(20),
            min: None,
            flag_mult: false,
        }],
        None,
    );
    let facts = facts_for(&[
        (1, 5000, false),
        (2, 3000, false),
        (3, 1500, false),
        (4, 500, false),
    ]);
    let (_, a) = run(&text, &facts).unwrap();
    let amounts: Vec<u64> = a.pools[0]
        .decisions
        .iter()
        .map(|d| d.amount.to::<u64>())
        .collect();
    assert_eq!(amounts, vec![63, 37, 0, 0]);
    // Weights 45, 30, 15, 10; floor 16 → shares 45/30/15/10. Dropping everyone under the floor
    // at once would drop 15 and 10; dropping the smallest first lifts 15 to 16.67, so it stays.
    let text = toml_for(
        100,
        0,
        &[PoolGen {
            rule: 1,
            cap: None,
            floor: Some(16),
            min: None,
            flag_mult: false,
        }],
        None,
    );
    let facts = facts_for(&[
        (1, 4500, false),
        (2, 3000, false),
        (3, 1500, false),
        (4, 1000, false),
    ]);
    let (_, a) = run(&text, &facts).unwrap();
    let amounts: Vec<u64> = a.pools[0]
        .decisions
        .iter()
        .map(|d| d.amount.to::<u64>())
        .collect();
    assert_eq!(amounts, vec![50, 33, 17, 0]);
    assert_eq!(a.pools[0].decisions[3].status, Status::BelowFloor);
}

#[test]
fn everyone_capped_leaves_reported_dust() {
    let text = toml_for(
        1000,
        0,
        &[PoolGen {
            rule: 0,
            cap: Some(100),
            floor: None,
            min: None,
            flag_mult: false,
        }],
        None,
    );
    let facts = facts_for(&[(1, 1, false), (2, 1, false), (3, 1, false)]);
    let (_, a) = run(&text, &facts).unwrap();
    assert_eq!(a.dust_total, U256::from(700u16));
    assert!(
        a.dust[0].reason.contains("at the cap"),
        "{}",
        a.dust[0].reason
    );
    let dust_to = Address::repeat_byte(0xee);
    let i = a.addresses.binary_search(&dust_to).unwrap();
    assert_eq!(a.totals[i], U256::from(700u16));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// The hand-written decisions.jsonl is exactly serde's rendering of each record.
    #[test]
    fn decisions_lines_match_their_records((budget, dec, pools, gcap, rows) in campaign_strategy()) {
        let facts = facts_for(&rows);
        let Some((c, a)) = run(&toml_for(budget, dec, &pools, gcap), &facts) else { return Ok(()) };
        let mut out = Vec::new();
        airdrop_core::bundle::write_decisions(&c, &a, std::slice::from_ref(&facts), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        prop_assert_eq!(lines.len(), a.addresses.len());
        for (i, line) in lines.iter().enumerate() {
            let record = airdrop_core::bundle::decision_record(&c, &a, std::slice::from_ref(&facts), i);
            prop_assert_eq!(*line, serde_json::to_string(&record).unwrap());
        }
    }
}

#[test]
fn absurd_weights_are_refused_not_wrapped() {
    // 10^40 × 10^40 as a weight does not fit the exact-comparison budget: an error, not a panic.
    let text = "name = \"big\"\nchain_id = 1\ntoken = { address = \"0x1111111111111111111111111111111111111111\", symbol = \"T\", decimals = 0 }\nbudget = \"100\"\n[[source]]\nname = \"s\"\nkind = \"balances\"\nfile = \"s.csv\"\ncolumns = { balance = \"number\", boost = \"number\" }\n[[pool]]\nsource = \"s\"\nshare = \"100%\"\nrule = \"pro-rata\"\ncolumn = \"balance\"\nmultiplier = [{ column = \"boost\" }]\n";
    let c = Campaign::parse(text, "big.toml").unwrap();
    let huge = U256::from(10u8).pow(U256::from(40u8));
    let facts = Facts::from_rows(
        "s",
        2,
        vec![
            (Address::repeat_byte(1), vec![huge, huge], "s.csv:2".into()),
            (
                Address::repeat_byte(2),
                vec![U256::from(1u8), U256::from(1u8)],
                "s.csv:3".into(),
            ),
        ],
    )
    .unwrap();
    let err = allocate(&c, &[facts], &[]).unwrap_err().to_string();
    assert!(
        err.contains("pool \"s\"") && err.contains("too large"),
        "{err}"
    );
}
