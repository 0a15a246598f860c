//! Reading a campaign's inputs: file sources (in parallel), chain sources (one after the
//! other), exclusion lists, and `[exclude] contracts` at the snapshot block.

use super::chain::ChainRun;
use super::Spec;
use crate::input::{read_input_file, read_lines_file, sha256_hex};
use crate::{EngineError, Result};
use airdrop_core::manifest::SnapshotPin;
use airdrop_core::source::{read_exclusions, FileSource, Source};
use airdrop_core::Facts;
use airdrop_merkle::Address;
use std::path::Path;

/// Reads an input of the build (a source, an exclusion list): JSON whole and bounded, CSV of
/// bounded lines.
fn read(path: &Path) -> Result<Vec<u8>> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        read_input_file(path, airdrop_merkle::limits::MAX_JSON_BYTES)
    } else {
        read_lines_file(path)
    }
}

/// A file source's SHA-256 (hex) and facts: hashed on the reading thread, beside the others.
type FileRead = Result<(String, Facts)>;

/// Every source's facts (spec order), the exclusion lists, the chain snapshots' pins.
type Inputs = (Vec<Facts>, Vec<Vec<Address>>, Vec<SnapshotPin>);

/// Every source's facts in spec order, the exclusion lists, and the chain snapshots' pins.
/// Records each input's hash in `spec.hashes`; `[exclude] contracts` becomes an exclusion list
/// of the spec like any other, so reports and `explain` name it.
pub(super) fn read_all(spec: &mut Spec, chain: &ChainRun<'_>) -> Result<Inputs> {
    let campaign = &spec.campaign;
    // Chain sources: check what can be checked (env vars, files, events) before any scan.
    let mut prepared = Vec::new();
    for s in &campaign.sources {
        if let Some(c) = &s.chain {
            prepared.push(chain.prepare(campaign, s, c)?);
        }
    }
    let file_facts = read_files(spec, chain)?;
    chain.cancel.check()?;
    // Chain sources, one after the other (each reports its own stages).
    let mut pins = Vec::new();
    let mut node: Option<(String, String, u64)> = None;
    let mut taken = prepared.into_iter();
    let mut facts = Vec::with_capacity(file_facts.len());
    for f in file_facts {
        match f {
            Some(f) => facts.push(f),
            None => {
                let p = taken
                    .next()
                    .ok_or_else(|| EngineError::input("a chain source was not prepared"))?;
                for (file, hash) in &p.inputs {
                    spec.hashes.inputs.insert(file.clone(), hash.clone());
                }
                let t = chain.take(&spec.campaign, p)?;
                if node.is_none() {
                    node = Some((t.url.clone(), t.shown.clone(), t.pin.block));
                }
                pins.push(t.pin);
                facts.push(t.facts);
            }
        }
    }
    chain.cancel.check()?;
    let mut exclusions = read_exclusion_lists(spec, chain)?;
    if let (Some(ex), Some((url, shown, block))) = (spec.campaign.exclude_contracts.clone(), &node)
    {
        let (found, allow) = chain.contracts(&spec.campaign, &facts, (url, shown, *block))?;
        if let Some((file, hash)) = allow {
            spec.hashes.inputs.insert(file, hash);
        }
        spec.campaign
            .excludes
            .push(airdrop_core::spec::ExcludeSpec {
                name: ex.name,
                reason: format!("{} (block {block})", ex.reason),
                file: None,
                address_column: "address".into(),
                addresses: found.clone(),
            });
        exclusions.push(found);
    }
    Ok((facts, exclusions, pins))
}

/// File sources are independent: read and validate them in parallel. `None` for chain sources.
fn read_files(spec: &mut Spec, chain: &ChainRun<'_>) -> Result<Vec<Option<Facts>>> {
    let campaign = &spec.campaign;
    let base = &spec.base;
    let total = campaign
        .sources
        .iter()
        .filter(|s| s.chain.is_none())
        .count() as u64;
    chain.progress.stage("read", total);
    let results: Vec<Option<FileRead>> = std::thread::scope(|scope| {
        let handles: Vec<_> = campaign
            .sources
            .iter()
            .map(|s| {
                let path = base.join(&s.file);
                s.chain.is_none().then(|| {
                    scope.spawn(move || -> FileRead {
                        let data =
                            read(&path).map_err(|e| e.context(format!("source {:?}", s.name)))?;
                        let facts = FileSource {
                            spec: s,
                            data: &data,
                        }
                        .facts()?;
                        Ok((sha256_hex(&data), facts))
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(EngineError::input("a source reader crashed")))
                })
            })
            .collect()
    });
    let mut file_facts = Vec::with_capacity(results.len());
    let mut done = 0;
    for (s, r) in campaign.sources.iter().zip(results) {
        match r {
            Some(r) => {
                let (hash, f) = r?;
                spec.hashes.inputs.insert(s.file.clone(), hash);
                file_facts.push(Some(f));
                done += 1;
                chain.progress.done("read", done, total);
            }
            None => file_facts.push(None),
        }
    }
    Ok(file_facts)
}

fn read_exclusion_lists(spec: &mut Spec, chain: &ChainRun<'_>) -> Result<Vec<Vec<Address>>> {
    let total = spec.campaign.excludes.len() as u64;
    chain.progress.stage("exclusions", total);
    let mut exclusions = Vec::with_capacity(spec.campaign.excludes.len() + 1);
    for (i, e) in spec.campaign.excludes.iter().enumerate() {
        let data = match &e.file {
            Some(f) => {
                let data = read(&spec.base.join(f))
                    .map_err(|err| err.context(format!("exclusion list {:?}", e.name)))?;
                spec.hashes.inputs.insert(f.clone(), sha256_hex(&data));
                Some(data)
            }
            None => None,
        };
        exclusions.push(read_exclusions(e, data.as_deref())?);
        chain.progress.done("exclusions", i as u64 + 1, total);
    }
    Ok(exclusions)
}
