use super::*;
use proptest::prelude::*;

const E18: u128 = 1_000_000_000_000_000_000;

fn t(text: &str) -> i64 {
    crate::units::parse_timestamp(text).unwrap()
}

fn receipt(time: &str, amount: u128, kind: ReceiptKind, bounty: bool) -> Receipt {
    Receipt {
        time: t(time),
        token: "AIR".into(),
        amount: U256::from(amount),
        decimals: 18,
        kind,
        campaign: "c".into(),
        bounty,
        location: "events.csv:2".into(),
    }
}

fn sale(time: &str, amount: u128, proceeds: Option<u128>) -> Disposal {
    Disposal {
        time: t(time),
        token: "AIR".into(),
        amount: U256::from(amount),
        proceeds: proceeds.map(|p| U256::from(p) * crate::units::pow10(36).unwrap()),
        location: "disposals.csv:2".into(),
    }
}

fn prices(rows: &[(&str, u128)]) -> Prices {
    rows.iter()
        .map(|(d, p)| {
            (
                ((*d).to_owned(), "AIR".to_owned()),
                U256::from(*p) * crate::units::pow10(18).unwrap(),
            )
        })
        .collect()
}

fn input(
    receipts: Vec<Receipt>,
    disposals: Vec<Disposal>,
    prices: Prices,
    jurisdiction: Jurisdiction,
    year: i32,
) -> TaxInput {
    TaxInput {
        receipts,
        disposals,
        prices,
        jurisdiction,
        method: (jurisdiction == Jurisdiction::Us).then_some(Method::Fifo),
        year,
    }
}

#[test]
fn cents_round_half_up() {
    let unit = crate::units::pow10(34).unwrap();
    assert_eq!(
        cents(unit * U256::from(1234u32) + unit / U256::from(2u8)),
        U256::from(1235u32)
    );
    assert_eq!(
        cents(unit * U256::from(1234u32) + unit / U256::from(2u8) - U256::from(1u8)),
        U256::from(1234u32)
    );
    assert_eq!(cents(U256::ZERO), U256::ZERO);
}

#[test]
fn split_adds_up_exactly() {
    let parts = [U256::from(1u8), U256::from(1u8), U256::from(1u8)];
    let shares = split(U256::from(100u8), &parts);
    assert_eq!(
        shares,
        vec![U256::from(33u8), U256::from(33u8), U256::from(34u8)]
    );
}

#[test]
fn long_term_means_more_than_one_year() {
    let run = |acquired: &str, sold: &str| {
        let r = receipt(acquired, E18, ReceiptKind::Claim, false);
        let d = sale(sold, E18, Some(5));
        let p = prices(&[(&acquired[..10], 1)]);
        let year = sold[..4].parse().unwrap();
        compute(&input(vec![r], vec![d], p, Jurisdiction::Us, year))
            .unwrap()
            .gains[0]
            .term
    };
    assert_eq!(run("2024-05-01T00:00:00Z", "2025-05-01T23:00:00Z"), "short");
    assert_eq!(run("2024-05-01T00:00:00Z", "2025-05-02T00:00:00Z"), "long");
    assert_eq!(run("2024-02-29T00:00:00Z", "2025-02-28T00:00:00Z"), "short");
    assert_eq!(run("2024-02-29T00:00:00Z", "2025-03-01T00:00:00Z"), "long");
}

#[test]
fn uk_tax_year_runs_from_6_april_to_5_april() {
    let r = receipt("2025-01-01T00:00:00Z", 3 * E18, ReceiptKind::Claim, false);
    let ds = vec![
        sale("2025-04-05T12:00:00Z", E18, Some(1)),
        sale("2025-04-06T12:00:00Z", E18, Some(2)),
        sale("2026-04-05T12:00:00Z", E18, Some(3)),
    ];
    let report = compute(&input(vec![r], ds, Prices::new(), Jurisdiction::Uk, 2025)).unwrap();
    let sold: Vec<&str> = report.gains.iter().map(|g| g.sold.as_str()).collect();
    assert_eq!(sold, ["2025-04-06", "2026-04-05"]);
    assert_eq!(
        (report.start.as_str(), report.end.as_str()),
        ("2025-04-06", "2026-04-05")
    );
}

#[test]
fn uk_non_bounty_airdrops_cost_nil_and_bounties_cost_market_value() {
    let rs = vec![
        receipt("2025-05-01T00:00:00Z", E18, ReceiptKind::Claim, false),
        receipt("2025-05-02T00:00:00Z", E18, ReceiptKind::Claim, true),
    ];
    let ds = vec![
        sale("2025-05-01T12:00:00Z", E18, Some(10)),
        sale("2025-05-02T12:00:00Z", E18, Some(10)),
    ];
    let p = prices(&[("2025-05-02", 4)]);
    let report = compute(&input(rs, ds, p, Jurisdiction::Uk, 2025)).unwrap();
    let costs: Vec<U256> = report.gains.iter().map(|g| cents(g.cost)).collect();
    assert_eq!(costs, [U256::ZERO, U256::from(400u32)]);
    assert_eq!(report.income.len(), 1, "only the bounty is income");
}

#[test]
fn uk_pool_cost_is_the_average() {
    // 1 token at nil cost, then 3 bought at 2 each: pool of 4 costs 6; selling 2 costs 3.
    let rs = vec![
        receipt("2025-05-01T00:00:00Z", E18, ReceiptKind::Claim, false),
        receipt("2025-05-02T00:00:00Z", 3 * E18, ReceiptKind::Buy, false),
    ];
    let ds = vec![sale("2025-07-01T00:00:00Z", 2 * E18, Some(10))];
    let p = prices(&[("2025-05-02", 2)]);
    let report = compute(&input(rs, ds, p, Jurisdiction::Uk, 2025)).unwrap();
    assert_eq!(cents(report.gains[0].cost), U256::from(300u32));
    assert_eq!(report.gains[0].term, "s104");
}

#[test]
fn a_sale_of_a_token_never_received_is_an_oversell() {
    let d = sale("2025-05-01T00:00:00Z", 5, Some(1));
    for j in [Jurisdiction::Us, Jurisdiction::Uk] {
        let err = compute(&input(vec![], vec![d.clone()], Prices::new(), j, 2025)).unwrap_err();
        assert!(
            err.to_string().contains("short by 5 base units AIR"),
            "{err}"
        );
    }
}

#[test]
fn a_token_keeps_one_decimals() {
    let mut r2 = receipt("2025-05-02T00:00:00Z", E18, ReceiptKind::Claim, false);
    r2.decimals = 6;
    let r1 = receipt("2025-05-01T00:00:00Z", E18, ReceiptKind::Claim, false);
    let err = compute(&input(
        vec![r1, r2],
        vec![],
        Prices::new(),
        Jurisdiction::Uk,
        2025,
    ))
    .unwrap_err();
    assert!(
        err.to_string().contains("one token has one decimals"),
        "{err}"
    );
}

#[test]
fn parse_errors_name_the_line_and_value() {
    let bad_header = parse_events(b"time,token,amount\n", "e.csv")
        .unwrap_err()
        .to_string();
    assert!(bad_header.starts_with("e.csv:1: header is"), "{bad_header}");
    let kind = parse_events(
        b"time,token,amount,decimals,kind,campaign,bounty\n2025-01-01T00:00:00Z,AIR,5,18,gift,c,false\n",
        "e.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(
        kind.starts_with("e.csv:2: kind \"gift\" is unknown"),
        "{kind}"
    );
    let decimals = parse_events(
        b"time,token,amount,decimals,kind,campaign,bounty\n2025-01-01T00:00:00Z,AIR,5,24,claim,c,false\n",
        "e.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(decimals.contains("decimals \"24\""), "{decimals}");
    let price = parse_prices(b"date,token,price\n2025-01-01,AIR,-1\n", "p.csv")
        .unwrap_err()
        .to_string();
    assert!(price.starts_with("p.csv:2: price:"), "{price}");
    let twice = parse_prices(
        b"date,token,price\n2025-01-01,AIR,1\n2025-01-01,AIR,2\n",
        "p.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(
        twice.contains("a second price for AIR on 2025-01-01"),
        "{twice}"
    );
    let time = parse_disposals(b"time,token,amount,proceeds\n2025-01-01,AIR,5,\n", "d.csv")
        .unwrap_err()
        .to_string();
    assert!(time.starts_with("d.csv:2: time:"), "{time}");
}

/// A random single-token history in 2025: receipts on distinct days at distinct prices, and
/// sales on distinct days of at most what is held.
fn history() -> impl Strategy<Value = (Vec<Receipt>, Vec<Disposal>, Prices)> {
    (
        prop::collection::vec((0u32..300, 1u128..1000 * E18, 1u128..100_000), 1..10),
        prop::collection::vec(
            (0u32..300, 1u32..=100, prop::option::of(1u128..10_000)),
            0..6,
        ),
    )
        .prop_map(|(rs, ds)| {
            let day = |n: u32| {
                let d = time::Date::from_calendar_date(2025, time::Month::January, 1).unwrap()
                    + time::Duration::days(i64::from(n));
                (ymd(d), d.midnight().assume_utc().unix_timestamp())
            };
            let mut receipts = Vec::new();
            let mut prices = Prices::new();
            let mut used = std::collections::BTreeSet::new();
            for (n, amount, price) in rs {
                if !used.insert(n) {
                    continue;
                }
                let (date, time) = day(n);
                prices.insert(
                    (date, "AIR".into()),
                    U256::from(price) * U256::from(10u64.pow(14)),
                );
                receipts.push(Receipt {
                    time: time + 3600,
                    token: "AIR".into(),
                    amount: U256::from(amount),
                    decimals: 18,
                    kind: ReceiptKind::Claim,
                    campaign: "c".into(),
                    bounty: false,
                    location: "e".into(),
                });
            }
            let mut disposals = Vec::new();
            let mut sold_days = std::collections::BTreeSet::new();
            let mut sales: Vec<_> = ds.into_iter().filter(|d| sold_days.insert(d.0)).collect();
            sales.sort();
            let mut sold = U256::ZERO;
            for (n, percent, proceeds) in sales {
                let (date, time) = day(n);
                let held: U256 = receipts
                    .iter()
                    .filter(|r| r.time <= time + 7200)
                    .fold(U256::ZERO, |a, r| a + r.amount)
                    - sold;
                let amount = held * U256::from(percent) / U256::from(100u8);
                if amount.is_zero() {
                    continue;
                }
                sold += amount;
                if proceeds.is_none() {
                    prices
                        .entry((date, "AIR".into()))
                        .or_insert(U256::from(7u8) * U256::from(10u64.pow(18)));
                }
                disposals.push(Disposal {
                    time: time + 7200,
                    token: "AIR".into(),
                    amount,
                    proceeds: proceeds.map(|p| U256::from(p) * crate::units::pow10(34).unwrap()),
                    location: "d".into(),
                });
            }
            (receipts, disposals, prices)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn matching_conserves_amounts_and_each_method_picks_its_lots((rs, ds, ps) in history()) {
        for (jurisdiction, method) in [
            (Jurisdiction::Us, Some(Method::Fifo)),
            (Jurisdiction::Us, Some(Method::Lifo)),
            (Jurisdiction::Us, Some(Method::Hifo)),
            (Jurisdiction::Uk, None),
        ] {
            let year = |year| compute(&TaxInput {
                receipts: rs.clone(), disposals: ds.clone(), prices: ps.clone(),
                jurisdiction, method, year,
            }).unwrap();
            let mut report = year(2025);
            if jurisdiction == Jurisdiction::Uk {
                // The UK year 2024/25 holds the sales before 6 April 2025.
                let mut gains = year(2024).gains;
                gains.append(&mut report.gains);
                report.gains = gains;
            }
            for d in &ds {
                let date = ymd(day_of(d.time));
                let rows: Vec<&GainRow> = report.gains.iter().filter(|g| g.sold == date).collect();
                // The matched parts are the sale, and the proceeds are split without loss.
                let amount = rows.iter().fold(U256::ZERO, |a, g| a + g.amount);
                prop_assert_eq!(amount, d.amount);
                let proceeds = rows.iter().fold(U256::ZERO, |a, g| a + g.proceeds);
                let want = d.proceeds.unwrap_or_else(|| value_of(d.amount, 18, ps[&(date.clone(), "AIR".to_owned())]).unwrap());
                prop_assert_eq!(proceeds, want);
                for g in &rows {
                    prop_assert!(g.acquired == "VARIOUS" || g.acquired <= g.sold || g.term == "30-day");
                    if jurisdiction == Jurisdiction::Us {
                        // The cost basis is the lot's market value on the day received, exactly.
                        let p = ps[&(g.acquired.clone(), "AIR".to_owned())];
                        prop_assert_eq!(g.cost, value_of(g.amount, 18, p).unwrap());
                    }
                }
                let pairs = rows.windows(2);
                match method {
                    Some(Method::Lifo) => for w in pairs { prop_assert!(w[0].acquired >= w[1].acquired) },
                    Some(Method::Hifo) => for w in pairs {
                        prop_assert!(w[0].cost * w[1].amount >= w[1].cost * w[0].amount)
                    },
                    _ => {}
                }
            }
            if method == Some(Method::Fifo) {
                for w in report.gains.windows(2) {
                    prop_assert!(w[0].acquired <= w[1].acquired, "fifo consumes lots in time order");
                }
            }
            // Gains are proceeds minus basis on every line (as the reports print them).
            let csv = report::gains_csv(&report);
            for (line, g) in csv.lines().skip(1).zip(&report.gains) {
                let f: Vec<&str> = line.split(',').collect();
                let (p, c) = (cents(g.proceeds).to::<i128>(), cents(g.cost).to::<i128>());
                let printed: i128 = f[5].replace('.', "").parse().unwrap();
                prop_assert_eq!(printed, p - c);
                prop_assert_eq!(f[3].replace('.', "").parse::<i128>().unwrap(), p);
                prop_assert_eq!(f[4].replace('.', "").parse::<i128>().unwrap(), c);
            }
        }
    }
}

#[test]
fn uk_sales_after_the_year_do_not_fail_this_year() {
    // A sale on 10 April 2026 of more than is held until a buy 35 days later: next year's
    // question, not 2025/26's.
    let rs = vec![receipt(
        "2025-05-01T00:00:00Z",
        E18,
        ReceiptKind::Claim,
        false,
    )];
    let ds = vec![
        sale("2025-06-01T00:00:00Z", E18 / 2, Some(1)),
        sale("2026-04-10T00:00:00Z", 5 * E18, Some(1)),
    ];
    let report = compute(&input(
        rs.clone(),
        ds.clone(),
        Prices::new(),
        Jurisdiction::Uk,
        2025,
    ))
    .unwrap();
    assert_eq!(report.gains.len(), 1);
    let err = compute(&input(rs, ds, Prices::new(), Jurisdiction::Uk, 2026)).unwrap_err();
    assert!(err.to_string().contains("short by 4.5 AIR"), "{err}");
}

#[test]
fn uk_same_day_comes_before_an_earlier_sales_30_days() {
    // Sold 1 on 1 June; on 10 June bought 1 and sold 1: the buy matches its own day's sale,
    // so the 1 June sale falls to the pool (nil cost), not to the buy at 5.
    let rs = vec![
        receipt("2025-05-01T00:00:00Z", E18, ReceiptKind::Claim, false),
        receipt("2025-06-10T00:00:00Z", E18, ReceiptKind::Buy, false),
    ];
    let ds = vec![
        sale("2025-06-01T12:00:00Z", E18, Some(4)),
        sale("2025-06-10T12:00:00Z", E18, Some(6)),
    ];
    let p = prices(&[("2025-06-10", 5)]);
    let report = compute(&input(rs, ds, p, Jurisdiction::Uk, 2025)).unwrap();
    let rows: Vec<(&str, U256)> = report
        .gains
        .iter()
        .map(|g| (g.term, cents(g.cost)))
        .collect();
    assert_eq!(
        rows,
        [("s104", U256::ZERO), ("same-day", U256::from(500u32))]
    );
}
