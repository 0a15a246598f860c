//! Sybil detection as a job: `airdrop sybil` (the detectors alone, for review before a build)
//! and the build's `[sybil]` step (clusters become exclusion lists before allocation). The
//! detectors are in `airdrop-sybil`; this module reads the files, runs them and writes or
//! applies the result.

mod apply;
mod chain;
mod generate;

pub use airdrop_sybil::generate::Plan;
pub(crate) use apply::{apply, report};
pub use generate::{generate, Generated};

use crate::input::{read_input_file, read_lines_file, sha256_hex};
use crate::{Cancel, EngineError, Progress, Result};
use airdrop_core::spec::SybilSpec;
use airdrop_core::Campaign;
use airdrop_merkle::limits::MAX_INPUT_BYTES;
use airdrop_sybil::report::{outputs, Outputs};
use airdrop_sybil::{Detection, Graph, Settings};
use alloy_primitives::Address;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `airdrop sybil` runs.
#[derive(Debug, Clone)]
pub struct SybilInput {
    /// The campaign spec with a `[sybil]` section.
    pub campaign: PathBuf,
    /// Folder to write `clusters.json`, `evidence.jsonl` and `report.html` into.
    pub out: PathBuf,
}

/// What `airdrop sybil` found and wrote.
#[derive(Debug, Clone)]
pub struct SybilRun {
    /// Addresses in the transfer graph.
    pub nodes: usize,
    /// Edges.
    pub edges: usize,
    /// Hubs removed.
    pub hubs: usize,
    /// Clusters found.
    pub clusters: usize,
    /// Addresses in them.
    pub flagged: usize,
    /// Files written, with their SHA-256.
    pub files: BTreeMap<String, String>,
    /// Milliseconds per step: `read`, `index`, `detect`, `write`.
    pub timings: Vec<(&'static str, u128)>,
}

/// The detectors' settings from a checked `[sybil]`.
pub fn settings(s: &SybilSpec) -> Settings {
    Settings {
        min_cluster_size: s.min_cluster_size as usize,
        min_signals: s.min_signals as usize,
        funding: s.funding,
        behaviour: s.behaviour,
        burst: s.burst,
        max_degree: s.max_degree as usize,
        min_fanout: s.min_fanout as usize,
        split_above: s.split_above as usize,
        k_core: s.k_core as usize,
        funding_window: s.funding_window,
        timeline_bucket: s.timeline_bucket,
        timeline_min: s.timeline_min as usize,
        burst_blocks: s.burst_blocks as usize,
    }
}

/// A detection run over a campaign's `[sybil]` inputs.
pub(crate) struct Detected {
    pub(crate) graph: Graph,
    pub(crate) detection: Detection,
    pub(crate) settings: Settings,
    pub(crate) overrides: Vec<(Address, String)>,
    /// SHA-256 of each input file, by the name the spec gives it.
    pub(crate) inputs: BTreeMap<String, String>,
    pub(crate) timings: Vec<(&'static str, u128)>,
}

fn sybil_err(e: airdrop_sybil::SybilError) -> EngineError {
    EngineError::input(e.to_string())
}

/// Reads the edges, hub and overrides files named by `spec` (relative to `base`) and runs the
/// detectors.
pub(crate) fn detect_files(
    spec: &SybilSpec,
    base: &Path,
    candidates: &[Address],
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Detected> {
    let settings = settings(spec);
    settings.validate().map_err(sybil_err)?;
    let mut inputs = BTreeMap::new();
    let mut timings = Vec::new();
    let mut lap = std::time::Instant::now();
    progress.stage("sybil-read", spec.edges.len() as u64);
    let mut raw = Vec::new();
    for (i, name) in spec.edges.iter().enumerate() {
        let path = base.join(name);
        let lower = name.to_ascii_lowercase();
        let data = if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            read_input_file(&path, MAX_INPUT_BYTES)?
        } else {
            read_lines_file(&path)?
        };
        inputs.insert(name.clone(), sha256_hex(&data));
        let rows = airdrop_sybil::edges::read_edges(&data, name).map_err(sybil_err)?;
        // The file's bytes go before the rows are merged: at most one copy of each is held.
        drop(data);
        if raw.is_empty() {
            raw = rows;
        } else {
            raw.extend(rows);
        }
        progress.done("sybil-read", i as u64 + 1, spec.edges.len() as u64);
        cancel.check()?;
    }
    if let Some(c) = &spec.chain {
        raw.extend(chain::read(c, candidates, progress, cancel)?);
    }
    let mut list = |name: &Option<String>| -> Result<Option<Vec<u8>>> {
        let Some(name) = name else { return Ok(None) };
        let data = read_lines_file(&base.join(name))?;
        inputs.insert(name.clone(), sha256_hex(&data));
        Ok(Some(data))
    };
    let hubs = match (list(&spec.hubs)?, &spec.hubs) {
        (Some(d), Some(n)) => airdrop_sybil::edges::read_address_list(&d, n).map_err(sybil_err)?,
        _ => Vec::new(),
    };
    let overrides = match (list(&spec.overrides)?, &spec.overrides) {
        (Some(d), Some(n)) => airdrop_sybil::edges::read_overrides(&d, n).map_err(sybil_err)?,
        _ => Vec::new(),
    };
    timings.push(("read", lap.elapsed().as_millis()));
    lap = std::time::Instant::now();
    progress.stage("sybil-detect", 1);
    let graph = Graph::build(raw).map_err(sybil_err)?;
    timings.push(("index", lap.elapsed().as_millis()));
    lap = std::time::Instant::now();
    cancel.check()?;
    let detection = airdrop_sybil::detect(&graph, &settings, &hubs).map_err(sybil_err)?;
    timings.push(("detect", lap.elapsed().as_millis()));
    progress.done("sybil-detect", 1, 1);
    Ok(Detected {
        graph,
        detection,
        settings,
        overrides,
        inputs,
        timings,
    })
}

/// Reads and checks a spec that must have `[sybil]`.
fn read_campaign(path: &Path) -> Result<(Campaign, SybilSpec, PathBuf)> {
    let bytes = read_input_file(path, airdrop_merkle::limits::MAX_SPEC_BYTES)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| EngineError::input(format!("{} is not UTF-8 text", path.display())))?;
    let campaign = Campaign::parse(text, &path.display().to_string())?;
    let Some(spec) = campaign.sybil.clone() else {
        return Err(EngineError::input(format!(
            "{} has no [sybil] section; add one with edges = [\"transfers.csv\"] (see docs/sybil.md)",
            path.display()
        )));
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((campaign, spec, base))
}

/// Files `airdrop sybil` writes.
pub const OUTPUT_FILES: [&str; 3] = ["clusters.json", "evidence.jsonl", "report.html"];

/// Runs the detectors of a campaign's `[sybil]` and writes their findings into `out`.
pub fn run(input: &SybilInput, progress: &dyn Progress, cancel: &Cancel) -> Result<SybilRun> {
    let (campaign, spec, base) = read_campaign(&input.campaign)?;
    let names: Vec<&String> = spec
        .edges
        .iter()
        .chain(spec.hubs.iter())
        .chain(spec.overrides.iter())
        .collect();
    for f in OUTPUT_FILES {
        let target = input.out.join(f);
        if names.iter().any(|n| same_file(&base.join(n), &target))
            || same_file(&input.campaign, &target)
        {
            return Err(EngineError::input(format!(
                "--out {}: writing {f} there would replace an input of the campaign; choose another folder",
                input.out.display()
            )));
        }
    }
    let candidates = if spec.chain.is_some() {
        file_candidates(&campaign, &base)?
    } else {
        Vec::new()
    };
    let mut d = detect_files(&spec, &base, &candidates, progress, cancel)?;
    cancel.check()?;
    let lap = std::time::Instant::now();
    let out: Outputs = outputs(&d.graph, &d.detection, &d.settings);
    progress.stage("write", OUTPUT_FILES.len() as u64);
    std::fs::create_dir_all(&input.out)
        .map_err(|e| EngineError::file(format!("cannot create {}", input.out.display()), e))?;
    let html = out.html(&campaign.name);
    let contents: [(&str, Vec<u8>); 3] = [
        ("clusters.json", out.clusters_json().map_err(sybil_err)?),
        ("evidence.jsonl", out.evidence_jsonl().map_err(sybil_err)?),
        ("report.html", html.into_bytes()),
    ];
    let mut files = BTreeMap::new();
    for (i, (name, bytes)) in contents.iter().enumerate() {
        let path = input.out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| EngineError::file(format!("cannot write {}", path.display()), e))?;
        files.insert((*name).to_owned(), sha256_hex(bytes));
        progress.done("write", i as u64 + 1, OUTPUT_FILES.len() as u64);
    }
    d.timings.push(("write", lap.elapsed().as_millis()));
    let c = &out.clusters;
    Ok(SybilRun {
        nodes: c.nodes,
        edges: c.edges,
        hubs: c.hubs,
        clusters: c.clusters.len(),
        flagged: c.flagged,
        files,
        timings: d.timings,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The addresses of the campaign's file sources, ascending: whose transfers a node is asked
/// for. Chain sources are the build's (`airdrop build` reads them, then the node).
fn file_candidates(campaign: &Campaign, base: &Path) -> Result<Vec<Address>> {
    use airdrop_core::source::{FileSource, Source};
    let mut out = Vec::new();
    for s in campaign.sources.iter().filter(|s| s.chain.is_none()) {
        let data = read_lines_file(&base.join(&s.file))
            .map_err(|e| e.context(format!("source {:?}", s.name)))?;
        let facts = FileSource {
            spec: s,
            data: &data,
        }
        .facts()?;
        out.extend(facts.addresses);
    }
    if out.is_empty() {
        return Err(EngineError::input(
            "[sybil] reads a node for the campaign's candidates, and the campaign has no file source to take them from; airdrop build reads chain sources first",
        ));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
