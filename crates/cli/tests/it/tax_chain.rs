//! `airdrop tax --rpc` on anvil: a real `AirdropDistributor` with vesting, claimed in two
//! parts by a recipient, plus a bounty paid by a plain transfer and a transfer from a sender
//! nobody named. The receipts read from the node (written as `events.csv`) are exactly the two
//! claims and the bounty, with the block times, and the US and UK reports value them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::snapshot_support;

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use serde_json::{json, Value};
use snapshot_support::chain::{
    block_time, build_flat, deploy_args, deploy_token, mint, rfc3339, tokens,
};
use snapshot_support::cli::{dev, key_hex, ok};
use snapshot_support::{Anvil, Driver};
use std::path::Path;

alloy::sol! {
    interface ITT {
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

const E18: u64 = 1_000_000_000_000_000_000;

fn transfer(d: &Driver, token: Address, from: Address, to: Address, amount: U256) {
    let h = d.send(
        from,
        Some(token),
        ITT::transferCall { to, amount }.abi_encode(),
        U256::ZERO,
    );
    d.expect_success(&[h]);
}

fn bundle(dir: &Path, chain_token: Address, recipients: &[Address], start: u64) -> String {
    let extra = format!(
        "\n[vesting]\nunlocked = \"25%\"\ncliff = \"1d\"\nduration = \"10d\"\n\n[claim]\nstart = \"{}\"\ndeadline = \"{}\"\nclawback_to = \"{}\"\n",
        rfc3339(start),
        rfc3339(start + 60 * 86_400),
        Address::repeat_byte(0x7e)
    );
    let out = build_flat(
        dir,
        "Tax Drop",
        (31337, chain_token),
        recipients,
        "1000",
        &extra,
    );
    out.to_str().unwrap().to_owned()
}

/// The amount in parentheses of `airdrop claim`'s output: "claimed 62.5 TT (625…) for …".
fn paid(stdout: &str) -> U256 {
    let open = stdout.find('(').unwrap();
    let close = stdout[open..].find(')').unwrap() + open;
    stdout[open + 1..close].parse().unwrap()
}

#[test]
fn receipts_from_a_distributor_and_a_bounty_sender_are_read_from_the_node() {
    let anvil = Anvil::start(&[]);
    let d = Driver::new(&anvil.url);
    let url = anvil.url.as_str();
    let (deployer, bounty, recipient) = (dev(0), dev(1), dev(2));
    let token = deploy_token(&d, deployer.address(), tokens(1_000_000));
    mint(&d, token, deployer.address(), bounty.address(), tokens(100));
    let tmp = tempfile::tempdir().unwrap();
    let recipients: Vec<Address> = (2..6).map(|i| dev(i).address()).collect();
    let b = bundle(
        &tmp.path().join("c"),
        token,
        &recipients,
        block_time(&d) - 600,
    );
    let dkey = [("DEPLOYER_KEY", key_hex(&deployer))];
    ok(&deploy_args(&b, url, &[]), &dkey);
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(&b).join("deployment.json")).unwrap(),
    )
    .unwrap();
    let dist: Address = record["distributor"].as_str().unwrap().parse().unwrap();

    let a = recipient.address().to_string();
    let rkey = [("R_KEY", key_hex(&recipient))];
    let claim = [
        "claim",
        "--bundle",
        &b,
        "--address",
        &a,
        "--rpc",
        url,
        "--key-env",
        "R_KEY",
    ];
    let first = paid(&ok(&claim, &rkey));
    let _: Value = d.call("evm_increaseTime", json!([5 * 86_400]));
    d.mine();
    let second = paid(&ok(&claim, &rkey));
    transfer(
        &d,
        token,
        bounty.address(),
        recipient.address(),
        U256::from(10u64) * U256::from(E18),
    );
    // From a sender nobody named: not a receipt of the campaigns.
    transfer(
        &d,
        token,
        deployer.address(),
        recipient.address(),
        U256::from(7u64) * U256::from(E18),
    );

    // A price of 2 for every day the chain can have reached.
    let start = block_time(&d) - 10 * 86_400;
    let mut prices = String::from("date,token,price\n");
    for day in 0..20 {
        prices.push_str(&format!("{},TT,2\n", &rfc3339(start + day * 86_400)[..10]));
    }
    let prices_path = tmp.path().join("prices.csv");
    std::fs::write(&prices_path, prices).unwrap();

    let (dist_address, bounty_address) = (dist.to_string(), bounty.address().to_string());
    let run = |rules: &[&str], out: &Path| {
        let prices = prices_path.to_str().unwrap().to_owned();
        let out = out.to_str().unwrap().to_owned();
        let mut args = vec![
            "tax",
            "--address",
            &a,
            "--rpc",
            url,
            "--from",
            &dist_address,
            "--bounty-from",
            &bounty_address,
            "--prices",
            &prices,
            "--out",
            &out,
        ];
        args.extend_from_slice(rules);
        ok(&args, &[])
    };
    let year = rfc3339(block_time(&d))[..4].to_owned();
    let us = tmp.path().join("us");
    run(
        &["--jurisdiction", "us", "--method", "fifo", "--year", &year],
        &us,
    );
    let events = std::fs::read_to_string(us.join("events.csv")).unwrap();
    let rows: Vec<Vec<String>> = events
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{events}");
    let dist_text = dist.to_checksum(None);
    let bounty_text = bounty.address().to_checksum(None);
    let want = [
        (first.to_string(), "claim", dist_text.as_str(), "false"),
        (second.to_string(), "claim", dist_text.as_str(), "false"),
        (
            (U256::from(10u64) * U256::from(E18)).to_string(),
            "transfer-in",
            bounty_text.as_str(),
            "true",
        ),
    ];
    for (row, (amount, kind, campaign, bounty_flag)) in rows.iter().zip(&want) {
        assert_eq!(
            (
                &row[1][..],
                &row[2],
                &row[3][..],
                &row[4][..],
                &row[5][..],
                &row[6][..]
            ),
            ("TT", amount, "18", *kind, *campaign, *bounty_flag),
            "{events}"
        );
    }
    // Times are the blocks' times: the second claim five days after the first.
    let t = |r: &Vec<String>| seconds(&r[0]);
    assert!(t(&rows[1]) - t(&rows[0]) >= 5 * 86_400, "{events}");

    // US: all three are income at 2 a token (when they fall in one calendar year).
    let tax: Value =
        serde_json::from_str(&std::fs::read_to_string(us.join("tax.json")).unwrap()).unwrap();
    let in_year = rows.iter().filter(|r| r[0].starts_with(&year)).count();
    assert_eq!(tax["income"].as_array().unwrap().len(), in_year);

    // UK: only the bounty is income (20.00); the claims cost nil.
    let uk = tmp.path().join("uk");
    let bounty_day = &rows[2][0];
    let uk_year: i32 = {
        let y: i32 = bounty_day[..4].parse().unwrap();
        if &bounty_day[5..10] < "04-06" {
            y - 1
        } else {
            y
        }
    };
    run(
        &["--jurisdiction", "uk", "--year", &uk_year.to_string()],
        &uk,
    );
    let income = std::fs::read_to_string(uk.join("income.csv")).unwrap();
    let lines: Vec<&str> = income.lines().skip(1).collect();
    assert_eq!(lines.len(), 1, "{income}");
    assert!(
        lines[0].ends_with(&format!(",10,transfer-in,{bounty_text},2,20.00")),
        "{income}"
    );
}

/// Unix seconds of an events file's time (test-side parser).
fn seconds(text: &str) -> u64 {
    let n = |a: usize, b: usize| text[a..b].parse::<u64>().unwrap();
    let (y, m, d) = (n(0, 4) as i64, n(5, 7) as i64, n(8, 10) as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe - 719_468) as u64;
    days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
}
