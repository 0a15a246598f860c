//! The claim kit: a static folder that lets every recipient find their proof and build the claim
//! call with no server at all — from disk, any static host or an IPFS gateway.
//!
//! Layout: `index.html` (one self-contained page: inline CSS, the bundled script of
//! `web/kit/kit.js`, the kit's facts), `root.json`, `shards/<prefix>.json` (claims split by the
//! first hex digits of the address, each with its proof to the bundle's root) and the same shard
//! as `shards/<prefix>.js` (a script tag loads it where `fetch()` of `file://` is blocked),
//! `manifest.json`, `announcement.json` when the bundle is signed, and `kit.json` naming every
//! file, so a rebuild deletes only what a kit wrote.

use crate::distribution::Bundle;
use crate::{EngineError, Result};
use airdrop_merkle::{AddressShard, Entry, Preset, Sink, TreeOptions};
use alloy_primitives::{Address, Bytes, B256, U256};
use std::path::{Path, PathBuf};

const PAGE: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("kit.bundle.js");
/// The `format` of `kit.json`, which marks a folder as a kit this job wrote.
pub const KIT_FORMAT: &str = "airdrop-kit-v1";
const MARKER: &str = "kit.json";
/// Average claims per shard the kit aims under: a look-up downloads one shard.
const CLAIMS_PER_SHARD: u64 = 1024;

/// What [`write_kit`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kit {
    /// The kit folder.
    pub out: PathBuf,
    /// Recipients.
    pub count: u64,
    /// Hex digits of the address prefix that names a shard.
    pub shard_digits: usize,
    /// Shard files (each written as `.json` and `.js`).
    pub shards: usize,
    /// Claims in the largest shard.
    pub largest_shard: usize,
    /// Bytes of the largest shard's `.js` file (what one look-up downloads besides the page).
    pub largest_shard_bytes: u64,
    /// Bytes of `index.html`.
    pub page_bytes: u64,
    /// Bytes of the whole kit.
    pub total_bytes: u64,
    /// The distributor shown on the page, when the bundle has a deployment record.
    pub distributor: Option<Address>,
    /// Whether the bundle carries a signed `announcement.json`.
    pub signed: bool,
}

/// Calldata of the distributor's `claim(uint256,address,uint256,bytes32[])`, as `airdrop claim`
/// sends it (the page must build the same bytes).
pub fn claim_calldata(index: U256, account: Address, amount: U256, proof: &[B256]) -> Bytes {
    use alloy::sol_types::SolCall;
    airdrop_chain::distribution::AirdropDistributor::claimCall {
        index,
        account,
        amount,
        proof: proof.to_vec(),
    }
    .abi_encode()
    .into()
}

/// Hex digits of the shard prefix for `count` claims: the fewest that keep shards at about
/// [`CLAIMS_PER_SHARD`] claims on average (4 digits, 65,536 shards, at most).
pub fn shard_digits(count: u64) -> usize {
    (1..=4usize)
        .find(|d| count <= CLAIMS_PER_SHARD << (4 * d))
        .unwrap_or(4)
}

/// Writes the claim kit of `bundle` into `out`, showing `distributor` (the deployment record's,
/// when there is one). `out` must be new, empty or a kit this job wrote (only that kit's files
/// are replaced).
pub fn write_kit(bundle: &Bundle, distributor: Option<Address>, out: &Path) -> Result<Kit> {
    let previous = check_out(out)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| EngineError::file(format!("cannot create {}", parent.display()), e))?;
    }
    // Everything is written beside `out` first: a failure half-way leaves `out` as it was.
    let staging = crate::build::bundle_dir::fresh_sibling(out, "kit-staging")?;
    let written = write_files(bundle, distributor, &staging);
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    install(&staging, out, &previous, &written.files)?;
    let Written {
        files,
        shards,
        digits,
        largest_shard_bytes,
        page_bytes,
        signed,
    } = written;
    let total_bytes = files
        .iter()
        .map(|f| std::fs::metadata(out.join(f)).map_or(0, |m| m.len()))
        .sum();
    Ok(Kit {
        out: out.to_path_buf(),
        count: bundle.count,
        shard_digits: digits,
        shards: shards.len(),
        largest_shard: shards.iter().map(|s| s.count).max().unwrap_or(0),
        largest_shard_bytes,
        page_bytes,
        total_bytes,
        distributor,
        signed,
    })
}

/// The files of a kit written into a folder.
struct Written {
    files: Vec<String>,
    shards: Vec<AddressShard>,
    digits: usize,
    largest_shard_bytes: u64,
    page_bytes: u64,
    signed: bool,
}

fn write_files(bundle: &Bundle, distributor: Option<Address>, dir: &Path) -> Result<Written> {
    let claims = bundle.claims_in_order()?;
    let entries: Vec<Entry> = claims
        .iter()
        .map(|&(_, address, amount)| Entry { address, amount })
        .collect();
    let built = airdrop_merkle::build_claims(&TreeOptions::new(Preset::Uniswap), entries)?;
    if built.root() != bundle.root {
        return Err(EngineError::input(format!(
            "the bundle's claims rebuild to {} with Uniswap leaves, not its root {}: the claim kit serves the distributor's claim(index, account, amount, proof), i.e. bundles built with format = \"uniswap\"",
            built.root(),
            bundle.root
        )));
    }
    let digits = shard_digits(bundle.count);
    let mut sink = FileSink {
        dir: dir.to_path_buf(),
    };
    let shards = built.write_address_shards(&mut sink, digits)?;
    // The marker first: an install cut short leaves a marker naming every file, so the next
    // run may replace them.
    let mut files = vec![
        MARKER.to_owned(),
        "root.json".to_owned(),
        "index.html".to_owned(),
    ];
    let mut largest_shard_bytes = 0;
    for s in &shards {
        let json_path = format!("shards/{}.json", s.prefix);
        let json = read(&dir.join(&json_path))?;
        let js = [
            format!("airdropKitShard(\"{}\",", s.prefix).as_bytes(),
            json.trim_ascii_end(),
            b");\n",
        ]
        .concat();
        largest_shard_bytes = largest_shard_bytes.max(js.len() as u64);
        write(dir, &format!("shards/{}.js", s.prefix), &js)?;
        files.push(json_path);
        files.push(format!("shards/{}.js", s.prefix));
    }
    for extra in ["manifest.json", "announcement.json"] {
        let from = bundle.dir.join(extra);
        if from.is_file() {
            write(dir, extra, &read(&from)?)?;
            files.push(extra.to_owned());
        }
    }
    let signed = files.iter().any(|f| f == "announcement.json");
    write(dir, "root.json", &root_json(bundle, digits, &shards)?)?;
    let page = page::render(bundle, distributor, signed, digits, &shards, SCRIPT)?;
    write(dir, "index.html", page.as_bytes())?;
    let marker = serde_json::json!({ "format": KIT_FORMAT, "root": bundle.root, "files": files });
    write(dir, MARKER, &pretty(&marker)?)?;
    Ok(Written {
        files,
        shards,
        digits,
        largest_shard_bytes,
        page_bytes: page.len() as u64,
        signed,
    })
}

/// Replaces the previous kit's files in `out` with the staged ones (the marker first), then
/// removes the staging folder.
fn install(staging: &Path, out: &Path, previous: &[String], files: &[String]) -> Result<()> {
    for f in previous {
        remove(&out.join(f))?;
    }
    // Only if empty: a file somebody added beside the shards stays.
    let _ = std::fs::remove_dir(out.join("shards"));
    std::fs::create_dir_all(out.join("shards"))
        .map_err(|e| EngineError::file(format!("cannot create {}", out.display()), e))?;
    for f in files {
        let (from, to) = (staging.join(f), out.join(f));
        std::fs::rename(&from, &to).map_err(|e| {
            EngineError::file(
                format!("cannot move {} to {}", from.display(), to.display()),
                e,
            )
        })?;
    }
    std::fs::remove_dir_all(staging)
        .map_err(|e| EngineError::file(format!("cannot remove {}", staging.display()), e))
}

fn root_json(bundle: &Bundle, digits: usize, shards: &[AddressShard]) -> Result<Vec<u8>> {
    let map: serde_json::Map<String, serde_json::Value> = shards
        .iter()
        .map(|s| (s.prefix.clone(), serde_json::json!({ "count": s.count })))
        .collect();
    pretty(&serde_json::json!({
        "merkleRoot": bundle.root,
        "tokenTotal": bundle.total.to_string(),
        "count": bundle.count,
        "preset": "uniswap",
        "leafEncoding": "uniswap",
        "layout": "address-prefix",
        "shardDigits": digits,
        "shards": map,
    }))
}

/// The files of the kit already in `out` (empty when `out` is new or empty); refuses anything
/// else: the kit never deletes what it did not write.
/// Whether `name` is a file this command writes: the fixed files, or a shard
/// (`shards/<1–4 hex digits>.json|.js`).
fn is_kit_file(name: &str) -> bool {
    const FIXED: [&str; 5] = [
        "index.html",
        "root.json",
        "manifest.json",
        "announcement.json",
        MARKER,
    ];
    if FIXED.contains(&name) {
        return true;
    }
    let Some(shard) = name.strip_prefix("shards/") else {
        return false;
    };
    let stem = shard
        .strip_suffix(".json")
        .or_else(|| shard.strip_suffix(".js"));
    stem.is_some_and(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn check_out(out: &Path) -> Result<Vec<String>> {
    if !out.exists() {
        return Ok(Vec::new());
    }
    if !out.is_dir() {
        return Err(EngineError::input(format!(
            "--out {} exists and is not a folder; pick a new or empty folder for the kit",
            out.display()
        )));
    }
    let mut listing = std::fs::read_dir(out)
        .map_err(|e| EngineError::file(format!("cannot read {}", out.display()), e))?;
    if listing.next().is_none() {
        return Ok(Vec::new());
    }
    let refuse = || {
        EngineError::input(format!(
            "--out {} is not empty and is not a claim kit (no {MARKER} with format {KIT_FORMAT:?}); the kit never deletes what it did not write: pick a new or empty folder",
            out.display()
        ))
    };
    let text = std::fs::read(out.join(MARKER)).map_err(|_| refuse())?;
    let doc: serde_json::Value = serde_json::from_slice(&text).map_err(|_| refuse())?;
    if doc.get("format").and_then(|f| f.as_str()) != Some(KIT_FORMAT) {
        return Err(refuse());
    }
    let files = doc
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or_else(refuse)?
        .iter()
        .filter_map(|f| f.as_str())
        // Only names of the kit's own layout: a marker naming `../x` or `notes.txt` (edited,
        // or planted) does not make this command delete what it never writes.
        .filter(|f| is_kit_file(f))
        .map(str::to_owned)
        .collect();
    Ok(files)
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(EngineError::file(
            format!("cannot remove {}", path.display()),
            e,
        )),
        _ => Ok(()),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| EngineError::file(format!("cannot read {}", path.display()), e))
}

fn write(dir: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| EngineError::file(format!("cannot create {}", parent.display()), e))?;
    }
    std::fs::write(&path, bytes)
        .map_err(|e| EngineError::file(format!("cannot write {}", path.display()), e))
}

fn pretty(v: &serde_json::Value) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(v)
        .map_err(|e| EngineError::input(format!("cannot serialise the kit's json: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

struct FileSink {
    dir: PathBuf,
}

impl Sink for FileSink {
    fn create(&mut self, relative_path: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        let path = self.dir.join(relative_path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(Box::new(std::io::BufWriter::new(std::fs::File::create(
            path,
        )?)))
    }
}

mod page;
#[cfg(test)]
mod tests;
