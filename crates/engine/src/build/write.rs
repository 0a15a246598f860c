//! Writing the bundle's files into the staging folder: the claims on a thread of their own
//! (by far the largest file) while this one writes the allocations, decisions and report.

use super::bundle_dir::BundleDir;
use crate::{Progress, Result};
use airdrop_core::allocate::Allocation;
use airdrop_core::{bundle, Campaign, Facts};
use alloy_primitives::B256;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Files the `write` stage counts: claims, allocations, decisions, report.json, report.html.
const FILES: u64 = 5;

/// What goes into the bundle.
pub(super) struct Parts<'a> {
    pub(super) campaign: &'a Campaign,
    pub(super) allocation: &'a Allocation,
    pub(super) facts: &'a [Facts],
    pub(super) built: airdrop_merkle::Built,
    pub(super) root: B256,
    pub(super) sybil: Option<airdrop_core::sybil::SybilReport>,
}

/// Counts finished files from two threads; `done` is sent under the lock, so it never falls.
struct Counter<'a> {
    progress: &'a dyn Progress,
    done: Mutex<u64>,
}

impl Counter<'_> {
    fn tick(&self) {
        if let Ok(mut d) = self.done.lock() {
            *d += 1;
            self.progress.done("write", *d, FILES);
        }
    }
}

/// Writes every file but the manifest into a new staging folder that will replace `out`;
/// returns it and the milliseconds the claims and the rest took.
pub(super) fn write_bundle(
    out: &Path,
    protected: &[PathBuf],
    parts: Parts<'_>,
    progress: &dyn Progress,
) -> Result<(BundleDir, (u128, u128))> {
    let mut dir = BundleDir::create(out, protected)?;
    progress.stage("write", FILES);
    let counter = Counter {
        progress,
        done: Mutex::new(0),
    };
    let mut claims_sink = dir.sink();
    let Parts {
        campaign,
        allocation,
        facts,
        built,
        root,
        sybil,
    } = parts;
    let (claims, rest) = std::thread::scope(|scope| {
        let claims = scope.spawn(|| {
            let t = Instant::now();
            let r = built
                .write(&mut claims_sink)
                .map(|()| t.elapsed().as_millis());
            counter.tick();
            r
        });
        let rest = (|| -> Result<u128> {
            let t = Instant::now();
            dir.write_with("allocations.csv", |w| {
                bundle::write_allocations_csv(campaign, allocation, w)
            })?;
            counter.tick();
            dir.write_with("decisions.jsonl", |w| {
                bundle::write_decisions(campaign, allocation, facts, w)
            })?;
            counter.tick();
            let mut report = bundle::report(campaign, allocation, root);
            report.sybil = sybil;
            dir.write_bytes("report.json", &bundle::to_pretty_bytes(&report)?)?;
            counter.tick();
            dir.write_bytes(
                "report.html",
                airdrop_core::html::report_html(&report).as_bytes(),
            )?;
            counter.tick();
            Ok(t.elapsed().as_millis())
        })();
        let claims = claims.join().unwrap_or_else(|_| {
            Err(airdrop_merkle::MerkleError::Options(
                "the claims writer crashed".into(),
            ))
        });
        (claims, rest)
    });
    let claims_ms = claims?;
    let rest_ms = rest?;
    drop(built);
    Ok((dir, (claims_ms, rest_ms)))
}
