#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use serde_json::{json, Value};

fn sample() -> Manifest {
    Manifest {
        format: BUNDLE_FORMAT.into(),
        name: "genesis".into(),
        description: None,
        chain_id: 1,
        snapshots: vec![],
        token: ManifestToken {
            address: "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
                .parse()
                .unwrap(),
            symbol: "UNI".into(),
            decimals: 18,
        },
        merkle: MerkleInfo {
            preset: "uniswap".into(),
            shards: None,
        },
        root: B256::repeat_byte(0xab),
        budget: U256::from(1000u64),
        total: U256::from(999u64),
        total_tokens: "0.000000000000000999".into(),
        count: 3,
        dust: DustInfo {
            total: U256::from(1u64),
            to: Some(Address::repeat_byte(0xcd)),
        },
        claim: Some(ClaimInfo {
            start: "2030-01-01T00:00:00Z".into(),
            start_unix: 1_893_456_000,
            deadline: "2030-02-01T00:00:00Z".into(),
            deadline_unix: 1_896_134_400,
            clawback_to: Some(Address::repeat_byte(0xef)),
        }),
        vesting: Some(VestingInfo {
            unlocked: "25%".into(),
            cliff_seconds: 10,
            duration_seconds: 100,
            starts: "claim.start".into(),
        }),
        inputs: [("campaign.toml".to_owned(), "aa".to_owned())].into(),
        outputs: [("claims.json".to_owned(), "bb".to_owned())].into(),
    }
}

fn deployment() -> Deployment {
    Deployment {
        format: DEPLOYMENT_FORMAT.into(),
        chain_id: 31337,
        distributor: Address::repeat_byte(1),
        token: Address::repeat_byte(2),
        root: B256::repeat_byte(3),
        total: U256::from(10u64).pow(U256::from(30u64)),
        owner: Address::repeat_byte(4),
        clawback_to: Address::repeat_byte(5),
        start: 0,
        deadline: u64::MAX,
        unlocked_bps: 10_000,
        cliff: 0,
        duration: 0,
        block: 7,
        deploy_tx: B256::repeat_byte(9),
        fund_tx: None,
        gas_used: GasUsed {
            deploy: 1_000_000,
            fund: None,
        },
        clone: None,
    }
}

/// The bytes `airdrop build` wrote before the manifest was typed (a `json!` literal).
fn legacy_manifest_bytes(m: &Manifest) -> Vec<u8> {
    let c = m.claim.as_ref().unwrap();
    let v = m.vesting.as_ref().unwrap();
    let doc = json!({
        "format": BUNDLE_FORMAT,
        "name": m.name,
        "description": m.description,
        "chain_id": m.chain_id,
        "token": {"address": m.token.address.to_checksum(None), "symbol": m.token.symbol, "decimals": m.token.decimals},
        "merkle": {"preset": m.merkle.preset, "shards": m.merkle.shards},
        "root": format!("{:#x}", m.root),
        "budget": m.budget.to_string(),
        "total": m.total.to_string(),
        "total_tokens": m.total_tokens,
        "count": m.count,
        "dust": {"total": m.dust.total.to_string(), "to": m.dust.to.map(|d| format!("{d:#x}"))},
        "claim": {"start": c.start, "start_unix": c.start_unix, "deadline": c.deadline,
                  "deadline_unix": c.deadline_unix, "clawback_to": c.clawback_to.map(|x| x.to_checksum(None))},
        "vesting": {"unlocked": v.unlocked, "cliff_seconds": v.cliff_seconds,
                    "duration_seconds": v.duration_seconds, "starts": "claim.start"},
        "inputs": m.inputs,
        "outputs": m.outputs,
    });
    let mut out = serde_json::to_vec_pretty(&doc).unwrap();
    out.push(b'\n');
    out
}

#[test]
fn manifest_writes_the_bytes_it_always_wrote() {
    let m = sample();
    assert_eq!(
        String::from_utf8(m.to_bytes().unwrap()).unwrap(),
        String::from_utf8(legacy_manifest_bytes(&m)).unwrap()
    );
}

#[test]
fn manifest_round_trips() {
    let mut m = sample();
    assert_eq!(Manifest::read(&m.to_bytes().unwrap()).unwrap(), m);
    m.claim = None;
    m.vesting = None;
    m.dust.to = None;
    m.description = Some("d".into());
    m.merkle.shards = Some(16);
    m.snapshots = vec![SnapshotPin {
        source: "holders".into(),
        kind: "erc20-balances".into(),
        chain_id: 1,
        block: 5,
        block_hash: format!("{:#x}", B256::ZERO),
        token: None,
        rows: 2,
        csv_sha256: "cc".into(),
    }];
    let bytes = m.to_bytes().unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    // The pins come right after the chain id, which each of them must equal.
    let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(at("chain_id") < at("snapshots") && at("snapshots") < at("token"));
    assert!(text.contains("\"claim\": null"), "{text}");
    assert_eq!(Manifest::read(&bytes).unwrap(), m);
    assert_eq!(m.first_block(), Some(5));
    assert_eq!(m.claim_window().unwrap(), None);
}

#[test]
fn manifest_accessors() {
    let m = sample();
    assert_eq!(
        m.claim_window().unwrap(),
        Some((1_893_456_000, 1_896_134_400))
    );
    assert_eq!(
        m.vesting_terms().unwrap(),
        VestingTerms {
            unlocked_bps: 2500,
            cliff: 10,
            duration: 100
        }
    );
    let t = m.tree_options().unwrap();
    assert_eq!((t.preset.name(), t.shards), ("uniswap", None));
    let mut odd = sample();
    odd.merkle.preset = "nope".into();
    let e = odd.tree_options().unwrap_err().to_string();
    assert!(e.starts_with("manifest.json: merkle.preset: "), "{e}");
    let mut no_window = sample();
    no_window.claim = None;
    let e = no_window.vesting_terms().unwrap_err().to_string();
    assert!(e.contains("vesting but no claim window"), "{e}");
    no_window.vesting = None;
    assert_eq!(no_window.vesting_terms().unwrap(), VestingTerms::NONE);
    let mut early = sample();
    early.claim.as_mut().unwrap().start_unix = -1;
    let e = early.claim_window().unwrap_err().to_string();
    assert!(e.contains("claim.start_unix -1"), "{e}");
}

/// Every key of every object in `v`, as paths.
fn paths(v: &Value, prefix: &[String], out: &mut Vec<Vec<String>>) {
    if let Value::Object(m) = v {
        for (k, child) in m {
            let mut p = prefix.to_vec();
            p.push(k.clone());
            out.push(p.clone());
            // Maps of file hashes have free keys; pins are checked on their own.
            if k != "inputs" && k != "outputs" && k != "snapshots" {
                paths(child, &p, out);
            }
        }
    }
}

fn without(v: &Value, path: &[String]) -> Value {
    let mut v = v.clone();
    let mut cur = &mut v;
    for k in &path[..path.len() - 1] {
        cur = cur.get_mut(k).unwrap();
    }
    cur.as_object_mut().unwrap().remove(&path[path.len() - 1]);
    v
}

fn with_extra(v: &Value, path: &[String]) -> Value {
    let mut v = v.clone();
    let mut cur = &mut v;
    for k in &path[..path.len() - 1] {
        cur = cur.get_mut(k).unwrap();
    }
    cur.as_object_mut()
        .unwrap()
        .insert("surprise".into(), json!(1));
    v
}

fn every_field_is_required<T: std::fmt::Debug>(
    doc: Value,
    read: impl Fn(&[u8]) -> crate::Result<T>,
    file: &str,
) {
    let mut all = Vec::new();
    paths(&doc, &[], &mut all);
    assert!(all.len() > 10);
    for p in &all {
        let bytes = serde_json::to_vec(&without(&doc, p)).unwrap();
        let e = read(&bytes).unwrap_err().to_string();
        let field = p.last().unwrap();
        assert!(
            e.starts_with(&format!("{file}: missing field `{field}`")),
            "{p:?}: {e}"
        );
        assert!(
            e.contains("? ") || e.ends_with('?'),
            "{p:?}: no hint in {e}"
        );
        let bytes = serde_json::to_vec(&with_extra(&doc, p)).unwrap();
        let e = read(&bytes).unwrap_err().to_string();
        assert!(e.contains("unknown field `surprise`"), "{p:?}: {e}");
    }
}

#[test]
fn manifest_refuses_missing_and_unknown_fields() {
    let doc: Value = serde_json::from_slice(&sample().to_bytes().unwrap()).unwrap();
    every_field_is_required(doc, Manifest::read, "manifest.json");
}

#[test]
fn manifest_refuses_wrong_values() {
    let doc: Value = serde_json::from_slice(&sample().to_bytes().unwrap()).unwrap();
    for (key, value, want) in [
        (
            "format",
            json!("airdrop-bundle/2"),
            "format \"airdrop-bundle/2\" is not",
        ),
        (
            "total",
            json!(999),
            "invalid type: integer `999`, expected a string",
        ),
        (
            "total",
            json!("1e3"),
            "amount \"1e3\" is not a decimal integer",
        ),
        (
            "total",
            json!("-1"),
            "amount \"-1\" is not a decimal integer",
        ),
        ("root", json!("0x12"), "root"),
        ("count", json!(-1), "invalid value: integer `-1`"),
    ] {
        let mut d = doc.clone();
        d[key] = value;
        // Compact and pretty: the field is named either way.
        for bytes in [
            serde_json::to_vec(&d).unwrap(),
            serde_json::to_vec_pretty(&d).unwrap(),
        ] {
            let e = Manifest::read(&bytes).unwrap_err().to_string();
            if key == "format" {
                assert!(e.starts_with("manifest.json: format"), "{e}");
            } else {
                assert!(
                    e.starts_with(&format!("manifest.json: field {key:?}: ")),
                    "{key}: {e}"
                );
            }
            assert!(e.contains(want), "{key}: {e}");
            assert!(e.ends_with('?') || key == "format", "no hint: {e}");
        }
    }
    let mut d = doc.clone();
    d["token"]["address"] = json!("0xnotanaddress");
    let e = Manifest::read(&serde_json::to_vec(&d).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("address \"0xnotanaddress\""), "{e}");
    assert!(e.starts_with("manifest.json: field \"address\": "), "{e}");
    assert!(Manifest::read(b"not json").is_err());
}

#[test]
fn deployment_round_trips_in_the_order_deploy_wrote() {
    let mut d = deployment();
    let bytes = d.to_bytes().unwrap();
    assert_eq!(Deployment::read(&bytes).unwrap(), d);
    assert!(d.fund_pending());
    let text = String::from_utf8(bytes).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \""))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "format",
            "chain_id",
            "distributor",
            "token",
            "root",
            "total",
            "owner",
            "clawback_to",
            "start",
            "deadline",
            "unlocked_bps",
            "cliff",
            "duration",
            "block",
            "deploy_tx",
            "fund_tx",
            "gas_used"
        ]
    );
    assert!(text.contains(&format!("\"total\": \"{}\"", d.total)));
    assert!(text.contains("\"fund_tx\": null"));
    d.fund_tx = Some(ALREADY_FUNDED.into());
    d.gas_used.fund = Some(5);
    assert_eq!(Deployment::read(&d.to_bytes().unwrap()).unwrap(), d);
    assert!(!d.fund_pending());
}

#[test]
fn deployment_refuses_missing_and_unknown_fields() {
    let doc: Value = serde_json::from_slice(&deployment().to_bytes().unwrap()).unwrap();
    every_field_is_required(doc.clone(), Deployment::read, "deployment.json");
    let mut d = doc.clone();
    d["block"] = json!("seven");
    let e = Deployment::read(&serde_json::to_vec_pretty(&d).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("deployment.json: field \"block\": invalid type: string \"seven\""),
        "{e}"
    );
    let mut d = doc;
    d["format"] = json!("airdrop-deployment/0");
    let e = Deployment::read(&serde_json::to_vec(&d).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not \"airdrop-deployment/1\""), "{e}");
}
