//! `airdrop build`, `explain` and `diff` end to end on the committed examples: the bundle is
//! byte-identical across runs, folders and machines (golden hashes), its numbers add up, and
//! explain/diff say the right things.

#![allow(clippy::unwrap_used)]

use crate::snapshot_support::cli::{run as airdrop, run_ok as ok};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build(spec: &Path, out: &Path) -> String {
    ok(&[
        "build",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Every file of a bundle, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// Checks a bundle against `testdata/golden/<name>.sha256` (`UPDATE_GOLDEN=1` rewrites it).
fn check_golden(name: &str, bundle: &BTreeMap<String, Vec<u8>>) {
    let path = repo()
        .join("testdata/golden")
        .join(format!("{name}.sha256"));
    let actual: String = bundle
        .iter()
        .map(|(f, d)| format!("{}  {f}\n", sha256(d)))
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing {}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(actual, expected, "bundle of {name} differs from {}; if the change is intended, rerun with UPDATE_GOLDEN=1 and commit", path.display());
}

fn genesis_bundle(tmp: &Path) -> PathBuf {
    let out = tmp.join("genesis");
    build(&repo().join("examples/genesis/campaign.toml"), &out);
    out
}

#[test]
fn genesis_is_byte_identical_across_runs_and_folders_and_matches_golden() {
    let tmp = tempfile::tempdir().unwrap();
    let first = genesis_bundle(tmp.path());
    // Same campaign copied elsewhere and built through a relative path from another cwd.
    let elsewhere = tmp.path().join("some/other/place");
    copy_dir(&repo().join("examples/genesis"), &elsewhere);
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .current_dir(tmp.path().join("some"))
        .args([
            "build",
            "other/place/campaign.toml",
            "--out",
            "second",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "--quiet printed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let a = files(&first);
    let b = files(&tmp.path().join("some/second"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs between two builds");
    }
    for (k, v) in &a {
        let text = String::from_utf8_lossy(v);
        assert!(
            !text.contains(tmp.path().to_str().unwrap()),
            "{k} contains an absolute path"
        );
    }
    check_golden("genesis", &a);
}

#[test]
fn uniswap_retro_is_sharded_and_matches_golden() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("retro");
    let stdout = build(&repo().join("examples/uniswap-retro/campaign.toml"), &out);
    let bundle = files(&out);
    assert!(
        bundle.contains_key("root.json") && bundle.keys().any(|k| k.starts_with("shards/")),
        "{:?}",
        bundle.keys()
    );
    let allocations = String::from_utf8(bundle["allocations.csv"].clone()).unwrap();
    // Uniswap's shape: every past user 400, SOCKS redeemers 1000 more, LPs the rest.
    let mut users = 0;
    for line in allocations.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        if c[2] != "0" {
            assert_eq!(c[2], "400000000000000000000", "{line}");
            users += 1;
        }
        if c[3] != "0" {
            assert_eq!(c[3], "1000000000000000000000", "{line}");
        }
    }
    assert_eq!(users, 300);
    let manifest: serde_json::Value = serde_json::from_slice(&bundle["manifest.json"]).unwrap();
    assert_eq!(manifest["merkle"]["shards"], 16);
    assert_eq!(
        stdout.lines().last().unwrap(),
        manifest["root"].as_str().unwrap()
    );
    check_golden("uniswap-retro", &bundle);
}

#[test]
fn bundle_numbers_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("g");
    let stdout = build(&repo().join("examples/genesis/campaign.toml"), &out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let root = manifest["root"].as_str().unwrap();
    assert_eq!(
        stdout.lines().last().unwrap(),
        root,
        "root must be the last stdout line"
    );
    assert!(
        root.len() == 66
            && root.starts_with("0x")
            && root[2..]
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );

    // allocations.csv: amounts sum to the budget, parts sum to each amount.
    let csv = std::fs::read_to_string(out.join("allocations.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "address,amount,holders,community,bounty,dust"
    );
    let mut total: u128 = 0;
    let mut count = 0;
    for line in lines {
        let c: Vec<u128> = line
            .split(',')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(c[0], c[1..].iter().sum::<u128>(), "{line}");
        total += c[0];
        count += 1;
    }
    assert_eq!(total.to_string(), manifest["budget"].as_str().unwrap());
    assert_eq!(count, manifest["count"].as_u64().unwrap());

    // The manifest's hashes are the files' hashes, and the claims hold the same root.
    for (name, hash) in manifest["outputs"].as_object().unwrap() {
        assert_eq!(
            &sha256(&std::fs::read(out.join(name)).unwrap()),
            hash.as_str().unwrap(),
            "{name}"
        );
    }
    for (name, hash) in manifest["inputs"].as_object().unwrap() {
        let data = std::fs::read(repo().join("examples/genesis").join(name)).unwrap();
        assert_eq!(&sha256(&data), hash.as_str().unwrap(), "{name}");
    }
    let claims: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("claims.json")).unwrap()).unwrap();
    assert_eq!(claims["merkleRoot"].as_str().unwrap(), root);
    assert_eq!(
        claims["claims"].as_object().unwrap().len() as u64,
        manifest["count"].as_u64().unwrap()
    );
    assert_eq!(manifest["vesting"]["cliff_seconds"], 90 * 86400);
    assert_eq!(manifest["claim"]["start_unix"], 1_796_083_200);

    // report.html stands alone: no scripts, no external resources.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "<svg",
        "Lorenz",
        "Gini",
        "Nakamoto",
        "HHI",
        "top 10",
        "top 1%",
        "exchanges",
        "bounty",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    for banned in ["<script", "http://", "https://", "src="] {
        let stripped = html.replace("http://www.w3.org/2000/svg", "");
        assert!(!stripped.contains(banned), "report.html contains {banned}");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let f = &report["distribution"]["fairness"];
    assert!(f["gini"].as_f64().unwrap() > 0.0 && f["gini"].as_f64().unwrap() < 1.0);
    assert!(f["nakamoto"].as_u64().unwrap() >= 1);
}

#[test]
fn json_summary_and_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("g");
    let stdout = ok(&[
        "build",
        repo()
            .join("examples/genesis/campaign.toml")
            .to_str()
            .unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["total_tokens"], "10000000");
    assert!(v["root"].as_str().unwrap().starts_with("0x"));
    assert!(v["files"]["claims.json"].is_string());
    assert!(v["timings_ms"]["write_claims"].is_u64());
}

#[test]
fn explain_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let out = genesis_bundle(tmp.path());
    let bundle = out.to_str().unwrap();
    let holders = std::fs::read_to_string(repo().join("examples/genesis/holders.csv")).unwrap();
    let first_holder = holders
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();

    // An exchange wallet (first line of exchanges.csv is holders[0]).
    let text = ok(&["explain", "--bundle", bundle, &first_holder]);
    assert!(text.contains("gets 0 GEN"), "{text}");
    assert!(
        text.contains("excluded by list \"exchanges\": centralised exchange wallet"),
        "{text}"
    );

    // Every status in the report must be explainable; find one address per status via --json.
    let decisions = std::fs::read_to_string(out.join("decisions.jsonl")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for line in decisions.lines() {
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        for p in rec["pools"].as_array().into_iter().flatten() {
            let status = p["status"].as_str().unwrap().to_owned();
            if !seen.insert(status.clone()) {
                continue;
            }
            let address = rec["address"].as_str().unwrap();
            let json = ok(&["explain", "--bundle", bundle, address, "--json"]);
            let e: serde_json::Value = serde_json::from_str(&json).unwrap();
            let pe = e["pools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["pool"] == p["pool"])
                .unwrap();
            assert_eq!(pe["status"], status.as_str());
            let reason = pe["reason"].as_str().unwrap();
            let expect = match status.as_str() {
                "paid" => "weight",
                "capped" => "cap of 250000 GEN",
                "below-min" => "below the pool's minimum of 200",
                "below-tier" => "below the lowest tier (10)",
                "below-floor" => "floor of 17000 GEN",
                "excluded" => "exclusion list",
                other => other,
            };
            assert!(
                reason.contains(expect) || (status == "paid" && pe["pool"] != "holders"),
                "{status}: {reason}"
            );
        }
    }
    for s in [
        "paid",
        "capped",
        "below-min",
        "below-tier",
        "below-floor",
        "excluded",
    ] {
        assert!(
            seen.contains(s),
            "the genesis example no longer shows {s}; keep it exercising every rule"
        );
    }

    // The OG multiplier shows up.
    let og = holders
        .lines()
        .skip(1)
        .find(|l| l.ends_with(",true"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["explain", "--bundle", bundle, &og, "--json"])).unwrap();
    let status = json["pools"][0]["status"].as_str().unwrap();
    if status == "paid" || status == "capped" {
        assert!(
            json["pools"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("×1.5"),
            "{json}"
        );
    }

    // Dust recipient and a stranger.
    let text = ok(&[
        "explain",
        "--bundle",
        bundle,
        "0x000000000000000000000000000000000000dEaD",
    ]);
    assert!(text.contains("165000 GEN of dust"), "{text}");
    let text = ok(&[
        "explain",
        "--bundle",
        bundle,
        "0x0000000000000000000000000000000000000001",
    ]);
    assert!(
        text.contains("gets nothing") && text.contains("none of this campaign's sources"),
        "{text}"
    );

    // Bad input: a private key instead of an address.
    let out = airdrop(&[
        "explain",
        "--bundle",
        bundle,
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("private key"));
}

#[test]
fn diff_after_a_correction() {
    let tmp = tempfile::tempdir().unwrap();
    let old = genesis_bundle(tmp.path());
    // A correction: exchange B turns out to be a user; one holder's balance doubles.
    let fixed = tmp.path().join("fixed");
    copy_dir(&repo().join("examples/genesis"), &fixed);
    let ex = std::fs::read_to_string(fixed.join("exchanges.csv")).unwrap();
    let freed = ex
        .lines()
        .nth(2)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    std::fs::write(
        fixed.join("exchanges.csv"),
        ex.lines()
            .filter(|l| !l.starts_with(&freed))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .unwrap();
    let new = tmp.path().join("new");
    build(&fixed.join("campaign.toml"), &new);

    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    let appeared: Vec<&str> = json["appeared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(appeared, vec![freed.as_str()]);
    // Budget is fixed: what appeared and was gained equals what was lost and disappeared.
    let n = |k: &str| json[k].as_str().unwrap().parse::<u128>().unwrap();
    assert_eq!(
        n("appeared_total") + n("gained_total"),
        n("lost_total") + n("disappeared_total")
    );
    assert_eq!(n("old_total"), n("new_total"));
    // The freed address's tokens came from someone: here the holders near the floor drop out.
    assert!(n("lost_total") + n("disappeared_total") > 0);

    let text = ok(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--limit",
        "2",
    ]);
    assert!(text.contains("appeared") && text.contains(&freed), "{text}");
    assert!(text.contains("more (--limit"), "{text}");

    let same = ok(&[
        "diff",
        old.to_str().unwrap(),
        old.to_str().unwrap(),
        "--json",
    ]);
    let same: serde_json::Value = serde_json::from_str(&same).unwrap();
    assert_eq!(same["unchanged"], same["old_count"]);

    let out = airdrop(&["diff", old.to_str().unwrap(), tmp.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("allocations.csv"));
}

#[test]
fn claims_verify_with_the_tree_command() {
    // The bundle's claims are an ordinary tree in the campaign's format: the Merkle engine's own
    // verifier rebuilds the same root and checks every proof, sharded or not.
    let tmp = tempfile::tempdir().unwrap();
    for (example, tree) in [("genesis", "claims.json"), ("uniswap-retro", "")] {
        let out = tmp.path().join(example);
        build(
            &repo().join("examples").join(example).join("campaign.toml"),
            &out,
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let target = if tree.is_empty() {
            out.clone()
        } else {
            out.join(tree)
        };
        let v: serde_json::Value = serde_json::from_str(&ok(&[
            "tree",
            "verify",
            "--tree",
            target.to_str().unwrap(),
            "--json",
        ]))
        .unwrap();
        assert_eq!(v["root"], manifest["root"], "{example}");
        assert_eq!(v["claims"], manifest["count"], "{example}");
        assert_eq!(v["total"], manifest["total"], "{example}");
    }
}

/// Runs `airdrop ARGS` in `cwd`; must fail with `needle` in its one-line error.
fn fails_in(cwd: &Path, args: &[&str], needle: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "airdrop {args:?} succeeded");
    assert!(err.contains(needle), "airdrop {args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Names in a folder (not recursive), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A copy of the genesis campaign with a sub-folder of the user's own in it.
fn campaign_folder(tmp: &Path) -> PathBuf {
    let camp = tmp.join("camp");
    copy_dir(&repo().join("examples/genesis"), &camp);
    std::fs::create_dir_all(camp.join("notes")).unwrap();
    std::fs::write(camp.join("notes/keep.txt"), "mine").unwrap();
    camp
}

#[test]
fn out_dot_in_the_campaign_folder_deletes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let camp = campaign_folder(tmp.path());
    let before = files(&camp);
    fails_in(
        &camp,
        &["build", "campaign.toml", "--out", "."],
        "which the build reads",
    );
    assert_eq!(files(&camp), before);
    assert_eq!(names(tmp.path()), ["camp"], "a staging folder was left");
}

#[test]
fn out_at_the_campaign_folder_or_above_it_deletes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let camp = campaign_folder(tmp.path());
    let before = files(&camp);
    let spec = camp.join("campaign.toml");
    for out in [
        camp.clone(),
        tmp.path().to_path_buf(),
        camp.join("notes/.."),
    ] {
        fails_in(
            tmp.path(),
            &[
                "build",
                spec.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            "which the build reads",
        );
        assert_eq!(files(&camp), before);
    }
    assert_eq!(names(tmp.path()), ["camp"]);
}

#[test]
fn out_holding_an_unrelated_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = repo().join("examples/genesis/campaign.toml");
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("thesis.tex"), "years of work").unwrap();
    let err = fails_in(
        tmp.path(),
        &["build", spec.to_str().unwrap(), "--out", "other"],
        "is not empty and is not a bundle written by `airdrop build`",
    );
    assert!(err.contains("airdrop-bundle/1"), "{err}");
    assert_eq!(names(&other), ["thesis.tex"]);
    assert_eq!(
        std::fs::read(other.join("thesis.tex")).unwrap(),
        b"years of work"
    );
    assert_eq!(names(tmp.path()), ["other"], "a staging folder was left");
    // A file in place of the folder is not replaced either.
    std::fs::write(tmp.path().join("afile"), "x").unwrap();
    fails_in(
        tmp.path(),
        &["build", spec.to_str().unwrap(), "--out", "afile"],
        "exists and is not a folder",
    );
    assert_eq!(std::fs::read(tmp.path().join("afile")).unwrap(), b"x");
}

#[test]
fn rebuild_replaces_only_the_files_the_build_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = repo().join("examples/genesis/campaign.toml");
    let fresh = tmp.path().join("fresh");
    build(&spec, &fresh);
    let out = tmp.path().join("out");
    build(&spec, &out);
    // What others put there: a ledger of an older version, notes, a sub-folder; a damaged file
    // of the build; a file beside the bundle; and a manifest entry pointing outside the bundle.
    std::fs::write(out.join("push-ledger.sqlite"), "ledger bytes").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir_all(out.join("extra")).unwrap();
    std::fs::write(out.join("extra/x.txt"), "x").unwrap();
    std::fs::write(out.join("report.json"), "damaged").unwrap();
    std::fs::write(tmp.path().join("victim.txt"), "beside").unwrap();
    // A folder named like the staging folder (a killed build's, or anyone's) is not removed.
    std::fs::create_dir_all(tmp.path().join(".out.partial")).unwrap();
    std::fs::write(tmp.path().join(".out.partial/keep.txt"), "k").unwrap();
    let mpath = out.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&mpath).unwrap()).unwrap();
    m["outputs"]["../victim.txt"] = serde_json::json!("00");
    std::fs::write(&mpath, serde_json::to_string_pretty(&m).unwrap()).unwrap();

    build(&spec, &out);
    let mut want = files(&fresh);
    want.insert("push-ledger.sqlite".into(), b"ledger bytes".to_vec());
    want.insert("notes.txt".into(), b"mine".to_vec());
    want.insert("extra/x.txt".into(), b"x".to_vec());
    let got = files(&out);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, v) in &want {
        assert!(&got[k] == v, "{k} differs from a fresh build's");
    }
    assert_eq!(
        std::fs::read(tmp.path().join("victim.txt")).unwrap(),
        b"beside"
    );
    assert_eq!(
        names(tmp.path()),
        [".out.partial", "fresh", "out", "victim.txt"],
        "a staging or old folder was left"
    );
    assert_eq!(names(&tmp.path().join(".out.partial")), ["keep.txt"]);
}

/// `AIRDROP_PROGRESS=json` prints the engine's events, one JSON object per line on stderr, with
/// stdout and the bundle unchanged; an unknown mode is refused before anything runs.
#[test]
fn progress_as_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = repo().join("examples/genesis/campaign.toml");
    let plain = genesis_bundle(tmp.path());
    let out = tmp.path().join("with-events");
    let run = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "build",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("AIRDROP_PROGRESS", "json")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let events: Vec<serde_json::Value> = String::from_utf8(run.stderr)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    let stages: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "stage")
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    for s in ["read", "allocate", "tree", "write", "commit"] {
        assert!(stages.contains(&s), "no {s} stage in {stages:?}");
    }
    let mut last: (String, u64) = (String::new(), 0);
    for e in events.iter().filter(|e| e["event"] == "done") {
        let (stage, done) = (e["stage"].as_str().unwrap(), e["done"].as_u64().unwrap());
        assert!(done <= e["total"].as_u64().unwrap(), "{e}");
        if stage == last.0 {
            assert!(done >= last.1, "done fell within {stage}: {e}");
        }
        last = (stage.to_owned(), done);
    }
    assert_eq!(files(&plain), files(&out), "the events changed the bundle");

    let bad = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "build",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("AIRDROP_PROGRESS", "loud")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "error: AIRDROP_PROGRESS=\"loud\" is not a progress mode; use auto, json or none\n"
    );
}
