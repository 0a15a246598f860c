//! `airdrop sybil` and a campaign's `[sybil]` end to end through the binary: synthetic rings
//! found, same bytes for the same (or reordered) input, clusters excluded or collapsed by the
//! build and explained, appeals honoured, and user errors refused with one clear line.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn airdrop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = airdrop(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail; returns its stderr.
fn fails(args: &[&str]) -> String {
    let out = airdrop(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A generated folder (seed 7, 2000 organic users, one ring of each shape).
fn generated(dir: &Path) -> PathBuf {
    let g = dir.join("g");
    ok(&[
        "sybil",
        "generate",
        "--seed",
        "7",
        "--organic",
        "2000",
        "--rings",
        "1",
        "--out",
        s(&g),
    ]);
    g
}

fn truth(g: &Path) -> Vec<String> {
    std::fs::read_to_string(g.join("truth.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

fn flagged(out: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("clusters.json")).unwrap()).unwrap();
    v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["members"].as_array().unwrap().iter())
        .map(|m| m["address"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn rings_are_found_and_the_same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let g = generated(dir.path());
    let spec = g.join("campaign.toml");
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let said = ok(&["sybil", "--campaign", s(&spec), "--out", s(&a)]);
    assert!(said.starts_with("5 clusters holding"), "{said}");
    ok(&["sybil", "--campaign", s(&spec), "--out", s(&b)]);
    // The same rows in reverse order.
    let edges = std::fs::read_to_string(g.join("edges.csv")).unwrap();
    let mut lines: Vec<&str> = edges.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    std::fs::write(
        g.join("edges.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .unwrap();
    ok(&["sybil", "--campaign", s(&spec), "--out", s(&c)]);
    for f in ["clusters.json", "evidence.jsonl", "report.html"] {
        let x = std::fs::read(a.join(f)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
        assert_eq!(
            x,
            std::fs::read(c.join(f)).unwrap(),
            "{f} differs with reordered rows"
        );
    }
    // The planted addresses are found (precision ≥ 0.95, recall ≥ 0.9).
    let (t, f) = (truth(&g), flagged(&a));
    let hits = f.iter().filter(|x| t.contains(x)).count();
    assert!(hits * 100 >= f.len() * 95, "precision {hits}/{}", f.len());
    assert!(hits * 10 >= t.len() * 9, "recall {hits}/{}", t.len());
    // Self-contained: drawings inline, nothing fetched.
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "no drawing");
    assert!(
        !html.contains("<script") && !html.contains("src=\"http"),
        "fetches something"
    );
}

#[test]
fn the_build_excludes_members_explains_them_and_honours_appeals() {
    let dir = tempfile::tempdir().unwrap();
    let g = generated(dir.path());
    let spec = g.join("campaign.toml");
    let bundle = dir.path().join("bundle");
    ok(&["build", s(&spec), "--out", s(&bundle)]);
    let planted = truth(&g);
    let who = &planted[0];
    let said = ok(&["explain", "--bundle", s(&bundle), who]);
    assert!(said.contains("gets 0 SYN"), "{said}");
    assert!(
        said.contains("excluded as a member of sybil cluster"),
        "{said}"
    );
    assert!(said.contains("evidence: "), "{said}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("report.json")).unwrap()).unwrap();
    let excluded = report["sybil"]["excluded"].as_u64().unwrap();
    let users = std::fs::read_to_string(g.join("users.csv"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    assert!(excluded >= planted.len() as u64 * 9 / 10, "{excluded}");
    assert_eq!(report["recipients"].as_u64().unwrap(), users - excluded);
    assert_ne!(report["sybil"]["withheld"], "0");

    // An appeal clears one address: the next build pays it, and explain says why.
    std::fs::write(
        g.join("appeals.csv"),
        format!("address,reason\n{who},reviewed: a real user\n"),
    )
    .unwrap();
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, format!("{text}overrides = \"appeals.csv\"\n")).unwrap();
    ok(&["build", s(&spec), "--out", s(&bundle)]);
    let said = ok(&["explain", "--bundle", s(&bundle), who]);
    assert!(
        said.contains("cleared on appeal: reviewed: a real user"),
        "{said}"
    );
    assert!(!said.contains("gets 0 SYN"), "{said}");

    // Collapse: one recipient per cluster, the lowest listed address.
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace("policy = \"exclude\"", "policy = \"collapse\""),
    )
    .unwrap();
    ok(&["build", s(&spec), "--out", s(&bundle)]);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("report.json")).unwrap()).unwrap();
    let clusters = report["sybil"]["clusters"].as_array().unwrap();
    // The appeal still holds: one more recipient than the clusters account for.
    assert_eq!(
        report["recipients"].as_u64().unwrap(),
        users - excluded + 1 + clusters.len() as u64
    );
    for c in clusters {
        let kept = c["kept"].as_str().unwrap();
        let lowest = c["members"][0]["address"].as_str().unwrap();
        assert_eq!(kept, lowest);
        let said = ok(&["explain", "--bundle", s(&bundle), kept]);
        assert!(
            said.contains("kept as the one recipient of sybil cluster"),
            "{said}"
        );
    }
}

#[test]
fn user_errors_are_refused_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let g = generated(dir.path());
    let spec = g.join("campaign.toml");
    let out = dir.path().join("out");
    let text = std::fs::read_to_string(&spec).unwrap();
    let run = |spec_text: &str| {
        std::fs::write(&spec, spec_text).unwrap();
        fails(&["sybil", "--campaign", s(&spec), "--out", s(&out)])
    };

    // A missing edges file.
    let err = run(&text.replace("edges.csv", "nowhere.csv"));
    assert!(err.contains("nowhere.csv"), "{err}");

    // A header without the tx column.
    std::fs::write(g.join("bad.csv"), "from,to,block,timestamp\n").unwrap();
    let err = run(&text.replace("\"edges.csv\"", "\"bad.csv\""));
    assert!(
        err.contains("bad.csv:1") && err.contains("lacks column(s) tx"),
        "{err}"
    );

    // A private key pasted into the appeals file: refused, never echoed.
    let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    std::fs::write(
        g.join("appeals.csv"),
        format!("address,reason\n0x{key},oops\n"),
    )
    .unwrap();
    let err = run(&format!("{text}overrides = \"appeals.csv\"\n"));
    assert!(err.contains("appeals.csv:2"), "{err}");
    assert!(!err.contains(&key[..16]), "the key was echoed: {err}");

    // A file with a line over the bound is refused without being loaded whole.
    let mut huge = String::from("from,to,block,timestamp,tx\n");
    huge.push_str(&"0".repeat(2 << 20));
    std::fs::write(g.join("huge.csv"), huge).unwrap();
    let err = run(&text.replace("\"edges.csv\"", "\"huge.csv\""));
    assert!(err.contains("huge.csv"), "{err}");

    // A bad policy, and a spec without [sybil].
    let err = run(&text.replace("\"exclude\"", "\"ban\""));
    assert!(
        err.contains("sybil.policy") && err.contains("\"collapse\""),
        "{err}"
    );
    let cut = text.split("[sybil]").next().unwrap().to_owned();
    let err = run(&cut);
    assert!(err.contains("no [sybil] section"), "{err}");
    assert!(!out.exists(), "a failed run wrote {}", out.display());
}
