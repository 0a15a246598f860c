#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::{Collect, Event};
use std::collections::BTreeMap;

fn genesis() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/genesis/campaign.toml")
}

fn input(out: &Path) -> BuildInput {
    BuildInput {
        campaign: genesis(),
        out: out.to_path_buf(),
        now: None,
        fresh: false,
    }
}

/// Every file under `dir` and its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

/// Raises the flag when `stage` begins, as a server shutting down would at that moment.
struct CancelAt {
    stage: &'static str,
    cancel: Cancel,
}

impl Progress for CancelAt {
    fn event(&self, event: Event) {
        if matches!(&event, Event::Stage { stage, .. } if stage == self.stage) {
            self.cancel.cancel();
        }
    }
}

#[test]
fn a_build_reports_its_stages_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    let events = Collect::default();
    let built = run(&input(&out), &events, &Cancel::new()).unwrap();
    let mut stages: Vec<(String, Vec<(u64, u64)>)> = Vec::new();
    for e in events.events() {
        match e {
            Event::Stage { stage, total } => stages.push((stage, vec![(0, total)])),
            Event::Done { stage, done, total } => {
                let (current, points) = stages.last_mut().unwrap();
                assert_eq!(*current, stage, "a done outside its stage");
                points.push((done, total));
            }
            Event::Message { .. } => {}
        }
    }
    let names: Vec<&str> = stages.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        ["read", "exclusions", "allocate", "tree", "write", "commit"]
    );
    for (stage, points) in &stages {
        assert!(
            points.windows(2).all(|w| w[0].0 <= w[1].0),
            "{stage}: {points:?}"
        );
        let (done, total) = *points.last().unwrap();
        assert_eq!(done, total, "{stage}: {points:?}");
    }
    let tree = &stages[3].1;
    assert_eq!(tree.last().unwrap().1, built.recipients as u64);
    assert!(
        built.files.contains_key("manifest.json"),
        "{:?}",
        built.files
    );
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn a_cancelled_build_leaves_the_previous_bundle_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    run(&input(&out), &crate::NoProgress, &Cancel::new()).unwrap();
    // A file of the user's in the bundle, which a rebuild would carry over.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let before = files(&out);
    for stage in ["read", "allocate", "tree", "write", "commit"] {
        let progress = CancelAt {
            stage,
            cancel: Cancel::new(),
        };
        let r = run(&input(&out), &progress, &progress.cancel);
        assert!(matches!(r, Err(EngineError::Cancelled)), "{stage}: {r:?}");
        assert_eq!(files(&out), before, "cancelled at {stage}");
        // No staging folder left beside the bundle.
        let siblings: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(siblings, ["bundle"], "cancelled at {stage}");
    }
}

#[test]
fn errors_read_as_the_cli_prints_them() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("campaign.toml");
    std::fs::write(
        &spec,
        "name = \"X\"\nchain_id = 1\ntoken = { address = \"0x1f9840a85d5af5bf1d1762f925bdaddc4201f984\", symbol = \"GEN\", decimals = 18 }\nbudget = \"10\"\n\n[[source]]\nname = \"list\"\nkind = \"list\"\nfile = \"missing.csv\"\n\n[[pool]]\nsource = \"list\"\nshare = \"rest\"\nrule = \"flat\"\n",
    )
    .unwrap();
    let input = BuildInput {
        campaign: spec,
        out: tmp.path().join("out"),
        now: None,
        fresh: false,
    };
    let e = run(&input, &crate::NoProgress, &Cancel::new()).unwrap_err();
    let missing = tmp.path().join("missing.csv");
    assert!(
        e.chain().starts_with(&format!(
            "source \"list\": cannot read {}: ",
            missing.display()
        )),
        "{}",
        e.chain()
    );
}
