//! The dashboard's "Sybil clusters" view (web/tests/admin-sybil.mjs in headless Chromium) against
//! a real `airdrop serve` on SQLite: a campaign with `[sybil] edges = ["edges.csv"]` and planted
//! rings (`airdrop sybil generate`), one ring member cleared on appeal, is built by the server's
//! build job from the page; the view then shows the policy and totals, the cleared address with
//! its reason (as text), every cluster with what it would have received, and, opened by
//! keyboard, a cluster's members and evidence as the API's report has them. Rebuilt with
//! `policy = "collapse"`, it names the kept address. axe finds nothing; no sideways scroll at
//! 360 px.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::pages_support::{assert_pages_clean, require_browser, serve_store, store_db};
use crate::snapshot_support::cli::{admin_key, http, http_raw, ok};
use crate::snapshot_support::repo_root;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// Base units as the page shows them: 18 decimals, thousands grouped, trailing zeros dropped.
fn syn(base: &str) -> String {
    let digits = format!("{base:0>19}");
    let (int, frac) = digits.split_at(digits.len() - 18);
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{grouped} SYN")
    } else {
        format!("{grouped}.{frac} SYN")
    }
}

fn view(mode: &str, env: &[(&str, String)]) -> Value {
    require_browser();
    let out = Command::new("node")
        .arg(repo_root().join("web/tests/admin-sybil.mjs"))
        .arg(mode)
        .current_dir(repo_root())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "admin-sybil.mjs {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("{seen}");
    assert_eq!(seen["errors"], json!([]), "console errors: {seen}");
    assert_pages_clean(&seen);
    assert_eq!(seen["build"]["state"], json!("done"), "{seen}");
    seen
}

fn upload(port: u16, key: &str, dir: &Path, name: &str) {
    let body = std::fs::read(dir.join(name)).unwrap();
    let (s, t) = http_raw(
        port,
        "PUT",
        &format!("/v1/campaigns/syn/files/{name}"),
        Some(key),
        "text/csv",
        &body,
    );
    assert_eq!(s, 201, "{name}: {t}");
}

fn report(port: u16, key: &str) -> Value {
    let (s, v) = http(port, "GET", "/v1/campaigns/syn/report", Some(key), None);
    assert_eq!(s, 200, "{v}");
    v["report"]["sybil"].clone()
}

#[test]
fn dashboard_lists_sybil_clusters_with_members_evidence_and_appeals() {
    let tmp = tempfile::tempdir().unwrap();
    let g = tmp.path().join("g");
    let gs = g.to_str().unwrap();
    ok(
        &[
            "sybil",
            "generate",
            "--seed",
            "7",
            "--organic",
            "300",
            "--rings",
            "1",
            "--out",
            gs,
        ],
        &[],
    );
    let truth = std::fs::read_to_string(g.join("truth.csv")).unwrap();
    let cleared = truth.lines().nth(1).unwrap().split(',').next().unwrap();
    // Markup in a reason must come out as text.
    let reason = "reviewed: a real user <b>not</b> a ring";
    std::fs::write(
        g.join("appeals.csv"),
        format!("address,reason\n{cleared},{reason}\n"),
    )
    .unwrap();
    let spec = format!(
        "{}overrides = \"appeals.csv\"\n",
        std::fs::read_to_string(g.join("campaign.toml")).unwrap()
    );

    let db = store_db(tmp.path());
    let admin = admin_key(&db);
    let server = serve_store(tmp.path(), &db, &[], &[]);
    let port = server.port;
    let (s, v) = http(
        port,
        "POST",
        "/v1/campaigns",
        Some(&admin),
        Some(&json!({"id": "syn", "spec": spec})),
    );
    assert_eq!(s, 201, "{v}");
    for f in ["users.csv", "edges.csv", "hubs.csv", "appeals.csv"] {
        upload(port, &admin, &g, f);
    }
    let env = [
        ("ADMIN_BASE", format!("http://127.0.0.1:{port}")),
        ("ADMIN_KEY", admin.clone()),
        ("ADMIN_CAMPAIGN", "syn".to_owned()),
    ];

    let seen = view("exclude", &env);
    let sy = report(port, &admin);
    assert_eq!(seen["hiddenBefore"], json!(true), "shown before any build");
    assert!(
        seen["message"]
            .as_str()
            .unwrap()
            .starts_with("Policy exclude:"),
        "{seen}"
    );
    let clusters = sy["clusters"].as_array().unwrap();
    assert!(clusters.len() >= 4, "{sy}");
    let figures = seen["figures"].as_str().unwrap();
    for want in [
        format!("Clusters{}", clusters.len()),
        format!("Addresses excluded{}", sy["excluded"]),
        format!("Tokens withheld{}", syn(sy["withheld"].as_str().unwrap())),
        "Cleared on appeal1".to_owned(),
    ] {
        assert!(figures.contains(&want), "{want:?} not in {figures:?}");
    }
    // The appeal: the address, its reason as text, the cluster it was taken from.
    assert_eq!(seen["clearedShown"], json!(true));
    let row = seen["cleared"][0].as_str().unwrap();
    let was = sy["cleared"][0]["cluster"].as_u64().unwrap();
    assert_eq!(row, format!("{cleared}{reason}{was}"));
    assert_eq!(seen["clearedElements"], json!(0), "a reason became markup");
    assert!(
        seen["appeal"]
            .as_str()
            .unwrap()
            .contains("overrides = \"appeals.csv\""),
        "{seen}"
    );
    // Every cluster, closed, in the report's order, saying what it would have received.
    let shown = seen["clusters"].as_array().unwrap();
    assert_eq!(shown.len(), clusters.len(), "{seen}");
    for (s, c) in shown.iter().zip(clusters) {
        assert_eq!(s["id"], c["id"]);
        assert_eq!(s["open"], json!(false));
        let text = s["summary"].as_str().unwrap();
        let head = format!("Cluster {}: {} addresses", c["id"], c["size"]);
        assert!(text.starts_with(&head), "{text}");
        assert!(
            text.ends_with(&format!(
                "would have received {}",
                syn(c["would_have_received"].as_str().unwrap())
            )),
            "{text}"
        );
    }
    // The first one, opened by keyboard: members and evidence as in the report.
    let c = &clusters[0];
    assert_eq!(seen["opened"], json!(true));
    let members = seen["members"].as_array().unwrap();
    assert_eq!(members.len(), c["members"].as_array().unwrap().len());
    for (row, m) in members.iter().zip(c["members"].as_array().unwrap()) {
        let signals: Vec<&str> = m["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(
            row.as_str().unwrap(),
            format!(
                "{}{}{}excluded",
                m["address"].as_str().unwrap(),
                signals.join(", "),
                syn(m["would_have_received"].as_str().unwrap())
            )
        );
    }
    let evidence = seen["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), c["evidence"].as_array().unwrap().len());
    assert!(!evidence.is_empty());
    for (row, e) in evidence.iter().zip(c["evidence"].as_array().unwrap()) {
        assert!(
            row[0]
                .as_str()
                .unwrap()
                .starts_with(e["kind"].as_str().unwrap()),
            "{row}"
        );
        assert_eq!(
            row[1].as_str().unwrap(),
            format!(
                "{} → {}",
                e["from"].as_str().unwrap(),
                e["to"].as_str().unwrap()
            )
        );
        assert_eq!(row[2], e["amount"]);
        assert_eq!(row[3], e["asset"]);
        assert_eq!(row[4].as_str().unwrap(), e["block"].to_string());
        assert!(row[5].as_str().unwrap().ends_with(" UTC"), "{row}");
        assert_eq!(row[6], e["tx"]);
    }
    let more = c["evidence_total"].as_u64().unwrap() - evidence.len() as u64;
    if more > 0 {
        assert_eq!(seen["more"], json!(more.to_string()), "{seen}");
    } else {
        assert_eq!(seen["more"], Value::Null, "{seen}");
    }

    // Collapse: the rebuilt view names the one address each cluster keeps.
    let (s, v) = http(
        port,
        "PUT",
        "/v1/campaigns/syn",
        Some(&admin),
        Some(&json!({"spec": spec.replace("policy = \"exclude\"", "policy = \"collapse\"")})),
    );
    assert_eq!(s, 200, "{v}");
    let seen = view("collapse", &env);
    let sy = report(port, &admin);
    assert_eq!(sy["policy"], json!("collapse"));
    let kept = sy["clusters"][0]["kept"].as_str().unwrap();
    assert!(
        seen["facts"]
            .as_str()
            .unwrap()
            .contains(&format!("Kept (collapse){kept}")),
        "{seen}"
    );
    let first = seen["members"][0].as_str().unwrap();
    assert!(
        first.starts_with(kept) && first.ends_with("kept"),
        "{first}"
    );
}
