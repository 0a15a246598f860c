//! Building a campaign: a spec in, a bundle out (allocations, claims, decisions, report,
//! manifest). The core does the deciding; this module reads the inputs, reports progress and
//! writes the files — into a staging folder that replaces the output folder only once
//! everything is written, so a failed or cancelled build leaves the previous bundle as it was.
//!
//! Stages, in order: `read` (file sources), each chain source's own (`logs`, `balances`, …),
//! `exclusions`, `sybil-read` and `sybil-detect` (with `[sybil]`), `allocate`, `tree`, `write`
//! (one unit per file), `commit`.

pub(crate) mod bundle_dir;
mod chain;
mod sources;
mod write;

use crate::input::{read_input_file, sha256_hex};
use crate::{Cancel, EngineError, Progress, Result};
use airdrop_core::bundle::FileHashes;
use airdrop_core::manifest::SnapshotPin;
use airdrop_core::units::parse_timestamp;
use airdrop_core::{allocate, Campaign};
use airdrop_merkle::{build_claims, Entry};
use alloy_primitives::{Address, B256, U256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildInput {
    /// The campaign spec (TOML). Paths inside it are relative to its folder; messages name it
    /// as given here.
    pub campaign: PathBuf,
    /// The bundle folder to write (replaced as a whole once the build succeeds).
    pub out: PathBuf,
    /// Reference time (RFC 3339 UTC, as `--now` gives it) to check the claim window against;
    /// the build never reads the clock, so without it no such check is made.
    pub now: Option<String>,
    /// Delete the checkpoints of chain sources left by an interrupted build first.
    pub fresh: bool,
}

/// What one pool paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolPaid {
    /// The pool's name.
    pub name: String,
    /// Paid to recipients, base units.
    pub paid: U256,
    /// The pool's share of the budget, base units.
    pub amount: U256,
}

/// A bundle built and in place.
#[derive(Debug, Clone)]
pub struct Built {
    /// The campaign's name.
    pub name: String,
    /// Its chain.
    pub chain_id: u64,
    /// The token's symbol.
    pub symbol: String,
    /// The token's decimals.
    pub decimals: u8,
    /// The Merkle root.
    pub root: B256,
    /// Recipients with a non-zero amount.
    pub recipients: usize,
    /// Sum of every allocation (the budget), base units.
    pub total: U256,
    /// Dust paid to `dust_to`, base units.
    pub dust: U256,
    /// Where dust goes, if the spec names it.
    pub dust_to: Option<Address>,
    /// Per pool, in spec order.
    pub pools: Vec<PoolPaid>,
    /// The chain snapshots the build took, as the manifest pins them.
    pub snapshots: Vec<SnapshotPin>,
    /// SHA-256 of every file written, the manifest included, by name.
    pub files: BTreeMap<String, String>,
    /// Where the previous bundle's files that have a namesake in the new bundle were kept,
    /// if any (files the previous build did not write are never deleted).
    pub kept_aside: Option<PathBuf>,
    /// Milliseconds per step (`read_sources`, `allocate`, `tree`, `write_bundle`,
    /// `commit`, `write_claims`, `write_allocations_decisions_report`).
    pub timings: Vec<(&'static str, u128)>,
}

/// The spec read and checked, before any source.
struct Spec {
    campaign: Campaign,
    label: String,
    base: PathBuf,
    hashes: FileHashes,
    protected: Vec<PathBuf>,
}

/// Builds the bundle. Cancellation is seen between stages and during chain calls; the output
/// folder is only replaced in the last step, after a final check.
pub fn run(input: &BuildInput, progress: &dyn Progress, cancel: &Cancel) -> Result<Built> {
    let mut timings: Vec<(&'static str, u128)> = Vec::new();
    let mut lap = Instant::now();
    let mut mark = |name: &'static str, timings: &mut Vec<(&'static str, u128)>| {
        timings.push((name, lap.elapsed().as_millis()));
        lap = Instant::now();
    };
    let mut spec = read_spec(input)?;
    let (label, base) = (spec.label.clone(), spec.base.clone());
    let chain_run = chain::ChainRun {
        label: &label,
        base: &base,
        out: &input.out,
        fresh: input.fresh,
        progress,
        cancel,
    };
    let (facts, mut exclusions, pins) = sources::read_all(&mut spec, &chain_run)?;
    mark("read_sources", &mut timings);
    cancel.check()?;

    let applied = crate::sybil::apply(&spec.campaign, &base, &facts, progress, cancel)?;
    // Without [sybil] nothing below runs, so such bundles stay byte-identical.
    let without = match &applied {
        Some(a) => {
            let before = allocate(&spec.campaign, &facts, &exclusions)?;
            for (file, hash) in &a.inputs {
                spec.hashes.inputs.insert(file.clone(), hash.clone());
            }
            for (list, addresses) in &a.lists {
                spec.campaign.excludes.push(list.clone());
                exclusions.push(addresses.clone());
            }
            mark("sybil", &mut timings);
            Some(before)
        }
        None => None,
    };
    cancel.check()?;

    progress.stage("allocate", 1);
    let allocation = allocate(&spec.campaign, &facts, &exclusions)?;
    progress.done("allocate", 1, 1);
    let sybil = match (applied, &without) {
        (Some(a), Some(w)) => Some(crate::sybil::report(a, w)),
        _ => None,
    };
    drop(without);
    mark("allocate", &mut timings);
    cancel.check()?;

    let entries: Vec<Entry> = allocation
        .recipients()
        .map(|(i, amount)| Entry {
            address: allocation.addresses[i],
            amount,
        })
        .collect();
    let count = entries.len();
    progress.stage("tree", count as u64);
    progress.done("tree", 0, count as u64);
    let built = build_claims(&spec.campaign.tree, entries)?;
    let root = built.root();
    progress.done("tree", count as u64, count as u64);
    mark("tree", &mut timings);
    cancel.check()?;

    let parts = write::Parts {
        campaign: &spec.campaign,
        allocation: &allocation,
        facts: &facts,
        built,
        root,
        sybil,
    };
    let (mut dir, (claims_ms, rest_ms)) =
        write::write_bundle(&input.out, &spec.protected, parts, progress)?;
    mark("write_bundle", &mut timings);
    timings.push(("write_claims", claims_ms));
    timings.push(("write_allocations_decisions_report", rest_ms));

    progress.stage("commit", 1);
    spec.hashes.outputs = dir.hashes();
    let manifest =
        airdrop_core::bundle::manifest(&spec.campaign, &allocation, root, &spec.hashes, &pins);
    dir.write_bytes(
        "manifest.json",
        &airdrop_core::bundle::to_pretty_bytes(&manifest)?,
    )?;
    let files = dir.hashes();
    // The last point of no return: a cancel up to here leaves the previous bundle untouched.
    cancel.check()?;
    let kept_aside = dir.commit()?;
    drop(dir);
    progress.done("commit", 1, 1);
    mark("commit", &mut timings);

    let c = &spec.campaign;
    Ok(Built {
        name: c.name.clone(),
        chain_id: c.chain_id,
        symbol: c.token.symbol.clone(),
        decimals: c.token.decimals,
        root,
        recipients: count,
        total: allocation.total(),
        dust: allocation.dust_total,
        dust_to: c.dust_to,
        pools: c
            .pools
            .iter()
            .zip(&allocation.pools)
            .map(|(p, o)| PoolPaid {
                name: p.name.clone(),
                paid: o.paid,
                amount: o.amount,
            })
            .collect(),
        snapshots: pins,
        files,
        kept_aside,
        timings,
    })
}

/// Reads and checks the spec, and that `out` is one the build may replace.
fn read_spec(input: &BuildInput) -> Result<Spec> {
    let spec_bytes = read_input_file(&input.campaign, airdrop_merkle::limits::MAX_SPEC_BYTES)?;
    let spec_text = std::str::from_utf8(&spec_bytes).map_err(|e| {
        EngineError::file(
            format!("{} is not UTF-8 text", input.campaign.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    let label = input.campaign.display().to_string();
    let campaign = Campaign::parse(spec_text, &label)?;
    if let (Some(now), Some(claim)) = (&input.now, &campaign.claim) {
        let now = parse_timestamp(now).map_err(|e| EngineError::input(format!("--now: {e}")))?;
        if claim.deadline <= now {
            return Err(EngineError::input(format!(
                "{label}: claim.deadline {} is already past at --now; move the claim window",
                claim.deadline_text
            )));
        }
    }
    let base = input
        .campaign
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let spec_name = input
        .campaign
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "campaign.toml".into());
    let mut hashes = FileHashes::default();
    hashes.inputs.insert(spec_name, sha256_hex(&spec_bytes));
    let protected = protected_paths(&input.campaign, &base, &campaign);
    bundle_dir::check_target(&input.out, &protected)?;
    Ok(Spec {
        campaign,
        label,
        base,
        hashes,
        protected,
    })
}

/// What the output folder must never be or contain: the campaign file, its folder and every
/// input file.
fn protected_paths(spec: &Path, base: &Path, c: &Campaign) -> Vec<PathBuf> {
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let mut out = vec![spec.to_path_buf(), folder.to_path_buf()];
    out.extend(c.sources.iter().map(|s| base.join(&s.file)));
    out.extend(
        c.excludes
            .iter()
            .filter_map(|e| e.file.as_ref().map(|f| base.join(f))),
    );
    if let Some(s) = &c.sybil {
        out.extend(
            s.edges
                .iter()
                .chain(s.hubs.iter())
                .chain(s.overrides.iter())
                .map(|f| base.join(f)),
        );
    }
    out
}

#[cfg(test)]
mod tests;
