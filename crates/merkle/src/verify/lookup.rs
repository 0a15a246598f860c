//! Looking up many claims in one output with the output loaded once, and single claims in a
//! sorted claims file without parsing it.
//!
//! A claims file this program wrote in sorted order holds one claim per line, in the order of
//! the checksummed address (the order Uniswap's indices follow). So a claim is found by a
//! binary search over byte offsets: about two dozen small reads, whatever the file's size.
//! Nothing is written beside the file, so nothing can go stale: the file is the only source,
//! and a claim found this way is printed only after its proof checks against the file's
//! root. Files of any other shape (input order, shards, dumps, other tools' files) are parsed
//! whole once, as before.

use super::find::{argument_address, find_claim};
use super::{detect, fail, hashes_of, read_json, FileKind};
use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::build::account_leaf;
use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use crate::oz::OzTree;
use crate::{Entry, LeafEncoding};
use alloy_primitives::map::AddressMap;
use alloy_primitives::{Address, B256};
use serde_json::Value;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Longest first line of a claims file read while recognising it.
const HEAD_BYTES: usize = 64 << 10;
/// Longest claim line read (a proof of 10,000 hashes is far beyond any tree).
const LINE_BYTES: usize = 1 << 20;
/// Below this span the search reads the rest and scans it.
const SCAN_BYTES: u64 = 64 << 10;

/// A built output opened for look-ups.
#[derive(Debug)]
pub struct ClaimLookup {
    name: String,
    how: How,
}

#[derive(Debug)]
enum How {
    /// A sorted, one-claim-per-line claims file, searched in place.
    Sorted(Sorted),
    /// Any other output, parsed once.
    Parsed(Box<Value>),
    /// An OpenZeppelin dump, parsed once, with its tree and an address map.
    Oz {
        tree: OzTree,
        by_address: AddressMap<(usize, Value)>,
    },
}

#[derive(Debug)]
struct Sorted {
    file: File,
    root_text: Value,
    root: B256,
    encoding: LeafEncoding,
    /// Offsets of the first claim line and of the closing line.
    body: (u64, u64),
}

impl ClaimLookup {
    /// Opens `file` (named `name` in messages): searched in place when it is a sorted claims
    /// file this program wrote, else parsed once.
    pub fn open(file: File, name: &str) -> Result<Self> {
        let mut file = file;
        let how = match sorted_claims(&mut file, name)? {
            Some(s) => How::Sorted(s),
            None => {
                file.seek(SeekFrom::Start(0)).map_err(read_err(name))?;
                let doc = read_json(&file, name)?;
                if detect(name, &doc)? == FileKind::OzStandard {
                    oz_index(name, &doc)?
                } else {
                    How::Parsed(Box::new(doc))
                }
            }
        };
        Ok(ClaimLookup {
            name: name.to_owned(),
            how,
        })
    }

    /// Whether look-ups read the file in place (no full parse happened).
    pub fn in_place(&self) -> bool {
        matches!(self.how, How::Sorted(_))
    }

    /// The claim of `who`, shaped as [`find_claim`] prints it.
    pub fn find(&mut self, who: &str) -> Result<Value> {
        let name = &self.name;
        match &mut self.how {
            How::Sorted(s) => s.find(name, who),
            How::Parsed(doc) => find_claim(name, doc, who),
            How::Oz { tree, by_address } => {
                let address = argument_address(who)?;
                let (ti, cells) = by_address
                    .get(&address)
                    .ok_or_else(|| MerkleError::NotFound(address.to_checksum(None)))?;
                Ok(serde_json::json!({
                    "address": address.to_checksum(None),
                    "value": cells,
                    "treeIndex": ti,
                    "leaf": tree.nodes()[*ti],
                    "proof": tree.proof(*ti).map_err(|e| fail(name, e))?,
                    "merkleRoot": tree.root(),
                }))
            }
        }
    }
}

fn read_err(name: &str) -> impl Fn(std::io::Error) -> MerkleError + '_ {
    move |e| MerkleError::Read {
        file: name.to_owned(),
        detail: e.to_string(),
    }
}

/// An OpenZeppelin dump's tree and, per address, the first value holding it (as
/// [`find_claim`] picks it).
fn oz_index(name: &str, doc: &Value) -> Result<How> {
    let nodes = hashes_of(name, doc.get("tree"), "tree node")?;
    let tree = OzTree::from_array(nodes).map_err(|e| fail(name, e))?;
    let items = doc
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(|| fail(name, "values must be an array"))?;
    let mut by_address = AddressMap::default();
    for item in items {
        let (Some(Value::Array(cells)), Some(ti)) = (
            item.get("value"),
            item.get("treeIndex").and_then(Value::as_u64),
        ) else {
            continue;
        };
        for c in cells {
            if let Some(a) = c.as_str().and_then(|s| parse_address(s).ok()) {
                by_address
                    .entry(a)
                    .or_insert_with(|| (ti as usize, Value::Array(cells.clone())));
            }
        }
    }
    Ok(How::Oz { tree, by_address })
}

/// Reads up to `max` bytes at `at`.
fn read_at(file: &mut File, at: u64, max: usize) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::with_capacity(max.min(1 << 16));
    file.take(max as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Recognises a sorted claims file by its first line and its last bytes; `None` for any
/// other shape.
fn sorted_claims(file: &mut File, name: &str) -> Result<Option<Sorted>> {
    let len = file.metadata().map_err(read_err(name))?.len();
    let head = read_at(file, 0, HEAD_BYTES).map_err(read_err(name))?;
    let Some(nl) = memchr::memchr(b'\n', &head) else {
        return Ok(None);
    };
    let line = &head[..nl];
    if !line.starts_with(b"{\"merkleRoot\":\"") || !line.ends_with(b"\"claims\":{") {
        return Ok(None);
    }
    let tail = read_at(file, len.saturating_sub(3), 3).map_err(read_err(name))?;
    if tail != b"}}\n" {
        return Ok(None);
    }
    let mut closed = line.to_vec();
    closed.extend_from_slice(b"}}");
    let Ok(Value::Object(head)) = serde_json::from_slice::<Value>(&closed) else {
        return Ok(None);
    };
    // Input order, shards (whose proofs go on to a top root) and unknown keys: parsed whole.
    let known = ["merkleRoot", "tokenTotal", "leafEncoding", "claims"];
    if head.keys().any(|k| !known.contains(&k.as_str())) {
        return Ok(None);
    }
    let encoding = match head.get("leafEncoding").and_then(Value::as_str) {
        None => LeafEncoding::Uniswap,
        Some("packed") => LeafEncoding::Packed,
        Some(_) => return Ok(None),
    };
    let root_text = head.get("merkleRoot").cloned().unwrap_or(Value::Null);
    let Some(root) = root_text.as_str().and_then(|s| s.parse::<B256>().ok()) else {
        return Ok(None);
    };
    Ok(Some(Sorted {
        file: file.try_clone().map_err(read_err(name))?,
        root_text,
        root,
        encoding,
        body: (nl as u64 + 1, len - 3),
    }))
}

impl Sorted {
    fn find(&mut self, name: &str, who: &str) -> Result<Value> {
        let address = argument_address(who)?;
        let key = address.to_checksum(None);
        let line = self.search(name, key.as_bytes())?;
        let line = line.ok_or_else(|| MerkleError::NotFound(key.clone()))?;
        self.claim(name, &key, address, &line)
    }

    /// The claim line keyed `key`, by binary search over line starts in the body.
    fn search(&mut self, name: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let (mut lo, mut hi) = self.body;
        while hi - lo > SCAN_BYTES {
            let mid = lo + (hi - lo) / 2;
            // The first line starting after `mid - 1`: `mid` itself when a line starts there.
            let mut probe = read_at(&mut self.file, mid - 1, 16 << 10).map_err(read_err(name))?;
            if memchr::memchr_iter(b'\n', &probe).nth(1).is_none() {
                // A line longer than the first read: read as far as any line may go.
                probe = read_at(&mut self.file, mid - 1, 2 * LINE_BYTES).map_err(read_err(name))?;
            }
            let Some(p) = memchr::memchr(b'\n', &probe) else {
                return Err(fail(
                    name,
                    format!("a claim line near byte {mid} has no end"),
                ));
            };
            let start = mid + p as u64;
            if start >= hi {
                break;
            }
            let rest = &probe[p + 1..];
            let line = match memchr::memchr(b'\n', rest) {
                Some(e) => &rest[..e],
                None => rest,
            };
            match line_key(line).cmp(&Some(key)) {
                std::cmp::Ordering::Equal => return Ok(Some(line.to_vec())),
                std::cmp::Ordering::Less => lo = start,
                std::cmp::Ordering::Greater => hi = start,
            }
        }
        let span = usize::try_from(hi - lo).unwrap_or(usize::MAX);
        // `hi` is a line start, so these bytes are whole lines.
        let rest = read_at(&mut self.file, lo, span).map_err(read_err(name))?;
        Ok(rest
            .split(|&b| b == b'\n')
            .find(|l| line_key(l) == Some(key))
            .map(<[u8]>::to_vec))
    }

    /// Parses a claim line, checks its proof against the root, and shapes it as
    /// [`find_claim`] does.
    fn claim(&self, name: &str, key: &str, address: Address, line: &[u8]) -> Result<Value> {
        let body = line.strip_suffix(b",").unwrap_or(line);
        let mut text = Vec::with_capacity(body.len() + 2);
        text.push(b'{');
        text.extend_from_slice(body);
        text.push(b'}');
        let bad = |d: String| fail(name, format!("the claim of {key}: {d}"));
        let doc: Value = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
        let claim = doc
            .get(key)
            .and_then(Value::as_object)
            .ok_or_else(|| bad("not a claim object".into()))?;
        let amount = claim
            .get("amount")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("amount must be a string".into()))
            .and_then(|s| parse_amount(s).map_err(bad))?;
        let index = claim
            .get("index")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("index must be a non-negative integer".into()))?;
        let proof = hashes_of(name, claim.get("proof"), "proof")?;
        let leaf = account_leaf(&self.encoding, index, &Entry { address, amount });
        if NodeHash::KeccakSorted.fold(leaf, &proof) != self.root {
            return Err(bad(format!(
                "its proof does not lead to the file's root {}; the file was changed after it was built (airdrop tree verify tells more)",
                self.root
            )));
        }
        let mut out = serde_json::json!({ "address": key, "merkleRoot": self.root_text });
        if let Some(o) = out.as_object_mut() {
            for (k, v) in claim {
                o.insert(k.clone(), v.clone());
            }
        }
        Ok(out)
    }
}

/// The quoted address a claim line starts with.
fn line_key(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', rest)?;
    Some(&rest[..end])
}
