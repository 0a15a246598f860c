//! `[sybil]` reading a real node (anvil): a ring funded by one address before the scanned range
//! (found by the first-funding look-up) and swept to one collector inside it, next to users
//! funded each by their own account; `airdrop sybil` finds the ring alone and `airdrop build`
//! excludes it.

#![allow(clippy::unwrap_used)]

use crate::snapshot_support::{Anvil, Driver};
use alloy_primitives::{Address, U256};
use serde_json::json;

fn addr(i: u64) -> Address {
    let mut b = [0u8; 20];
    b[0] = 0x5b;
    b[12..].copy_from_slice(&i.to_be_bytes());
    Address::from(b)
}

#[test]
fn a_ring_on_a_real_node_is_found_and_excluded() {
    let anvil = Anvil::start(&["--auto-impersonate"]);
    let d = Driver::new(&anvil.url);
    let dev = d.accounts();
    let eth = U256::from(10u64).pow(U256::from(18u64));
    // The operator: a funder paid by dev 0, then six members paid by the funder.
    let funder = addr(1);
    let members: Vec<Address> = (10..16).map(addr).collect();
    let collector = addr(2);
    let organic: Vec<Address> = (100..106).map(addr).collect();
    let mut sent = vec![d.send(dev[0], Some(funder), vec![], eth * U256::from(10u8))];
    d.expect_success(&sent);
    for m in &members {
        sent.push(d.send(funder, Some(*m), vec![], eth));
    }
    for (i, o) in organic.iter().enumerate() {
        sent.push(d.send(dev[1 + i % 5], Some(*o), vec![], eth));
    }
    d.expect_success(&sent);
    let from_block = d.block_number() + 1;
    // Inside the scanned range: every member sweeps almost all to the collector; organic users
    // pay each other a little.
    let mut sent = Vec::new();
    for m in &members {
        sent.push(d.send(
            *m,
            Some(collector),
            vec![],
            eth * U256::from(9u8) / U256::from(10u8),
        ));
    }
    for w in organic.windows(2) {
        sent.push(d.send(w[0], Some(w[1]), vec![], eth / U256::from(100u8)));
    }
    d.expect_success(&sent);
    let to_block = d.block_number();

    let dir = tempfile::tempdir().unwrap();
    let users: String = members
        .iter()
        .chain(&organic)
        .map(|a| format!("{a:#x}\n"))
        .collect();
    std::fs::write(dir.path().join("users.csv"), format!("address\n{users}")).unwrap();
    std::fs::write(
        dir.path().join("hubs.csv"),
        format!("address\n{:#x}\n", dev[0]),
    )
    .unwrap();
    let spec = format!(
        "name = \"Chain ring\"\nchain_id = 31337\ntoken = {{ address = \"0x00000000000000000000000000000000000000aa\", symbol = \"SYN\", decimals = 18 }}\nbudget = \"1200\"\n\n[[source]]\nname = \"users\"\nkind = \"list\"\nfile = \"users.csv\"\n\n[[pool]]\nsource = \"users\"\nshare = \"100%\"\nrule = \"flat\"\n\n[sybil]\nrpc = \"{}\"\nfrom_block = {from_block}\nto_block = {to_block}\nhubs = \"hubs.csv\"\nmin_cluster_size = 5\n",
        anvil.url
    );
    let campaign = dir.path().join("campaign.toml");
    std::fs::write(&campaign, spec).unwrap();
    let out = dir.path().join("review");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "sybil",
            "--campaign",
            campaign.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("clusters.json")).unwrap()).unwrap();
    let clusters = c["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{c}");
    let mut found: Vec<String> = clusters[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    let mut want: Vec<String> = members
        .iter()
        .chain([&funder, &collector])
        .map(|a| format!("{a:#x}"))
        .collect();
    want.sort();
    assert_eq!(found, want);
    // The funding edges came from the look-ups (they are before from_block).
    let evidence = std::fs::read_to_string(out.join("evidence.jsonl")).unwrap();
    let early = evidence
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| {
            e["kind"] == json!("first-funding") && e["block"].as_u64().unwrap() < from_block
        })
        .count();
    assert_eq!(early, members.len(), "{evidence}");

    let bundle = dir.path().join("bundle");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "build",
            campaign.to_str().unwrap(),
            "--out",
            bundle.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["recipients"], organic.len());
    assert_eq!(report["sybil"]["excluded"], members.len());
}
