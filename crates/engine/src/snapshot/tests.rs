#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::{Collect, Event};
use airdrop_chain::ImportKind;
use alloy_primitives::U256;

const A: &str = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f";
const B: &str = "0x17ec8597ff92c3f44523bdc65bf0f1be632917ff";

fn import_input(out: &Path, csv: String) -> SnapshotInput {
    SnapshotInput::Import(ImportSnapshot {
        data: csv.into_bytes(),
        name: "balances.csv".into(),
        params: ImportParams {
            kind: ImportKind::Balances,
            block: Some(7),
            token: None,
            min: U256::ZERO,
        },
        out: out.to_path_buf(),
    })
}

#[test]
fn an_import_writes_the_csv_and_its_sidecar() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("deep/holders.csv");
    let events = Collect::default();
    // A zero balance is dropped.
    let csv = format!("holder,balance\n{B},5\n{A},0\n");
    let snapped = run(import_input(&out, csv), &events, &Cancel::new()).unwrap();
    assert_eq!(snapped.snapshot.rows.len(), 1);
    assert_eq!(
        snapped.written,
        [out.clone(), tmp.path().join("deep/holders.csv.meta.json")]
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        snapped.snapshot.rows.to_csv()
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&snapped.written[1]).unwrap()).unwrap();
    assert_eq!(meta["block"], serde_json::json!(7), "{meta}");
    // No temporary file left.
    let names: Vec<_> = std::fs::read_dir(tmp.path().join("deep"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let stages: Vec<String> = events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Stage { stage, .. } => Some(stage),
            _ => None,
        })
        .collect();
    assert_eq!(stages, ["import", "write"]);
    assert!(events.events().contains(&Event::Done {
        stage: "write".into(),
        done: 2,
        total: 2
    }));
}

#[test]
fn a_bad_import_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("holders.csv");
    let csv = format!("address,balance\n{A},5\n{A},6\n");
    let e = run(import_input(&out, csv), &crate::NoProgress, &Cancel::new()).unwrap_err();
    assert!(e.chain().contains("balances.csv:3"), "{}", e.chain());
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
}

#[test]
fn a_checkpoint_is_written_whole_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = FileCheckpoint {
        path: tmp.path().join("x.csv.checkpoint.json"),
    };
    store.remove().unwrap();
    std::fs::write(&store.path, b"{not json").unwrap();
    let e = airdrop_chain::CheckpointStore::load(&store, "k")
        .unwrap_err()
        .to_string();
    assert!(e.contains("delete it or run with --fresh"), "{e}");
    store.remove().unwrap();
    assert!(!store.path.exists());
}
