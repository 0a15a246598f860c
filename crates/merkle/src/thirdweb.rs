//! thirdweb-style sharded allowlists: entries split by the first hex digits of the address,
//! one sorted tree per shard, a master tree over the shard roots, and a claim proof that is the
//! in-shard proof followed by the shard's proof. Written as static files (`<id>.json` per shard).

use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use crate::layers::{Layers, OddNode};
use crate::Sink;
use alloy_primitives::{keccak256, Address, B256, U256};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::Write;
use std::str::FromStr;

/// The leaf variants thirdweb's SDKs and contracts hash (all `abi.encodePacked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThirdwebLeaf {
    /// Legacy snapshot V1: `(address, uint256 maxClaimable)`.
    V1,
    /// Snapshot V2 / Drop claim conditions: `(address, maxClaimable, price, currency)`.
    V2,
    /// Airdrop ERC20: `(address, uint256 amount)`.
    Erc20,
    /// Airdrop ERC721: `(address, uint256 tokenId)`.
    Erc721,
    /// Airdrop ERC1155: `(address, tokenId, quantity)`.
    Erc1155,
}

impl ThirdwebLeaf {
    /// CSV header the variant reads.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            ThirdwebLeaf::V1 => &["address", "maxClaimable"],
            ThirdwebLeaf::V2 => &["address", "maxClaimable", "price", "currency"],
            ThirdwebLeaf::Erc20 => &["address", "amount"],
            ThirdwebLeaf::Erc721 => &["address", "tokenId"],
            ThirdwebLeaf::Erc1155 => &["address", "tokenId", "quantity"],
        }
    }

    /// Column (index into the integer values) that is an amount to pay, if any: a zero there is
    /// a claim that pays nothing. maxClaimable is a limit, and 0 is a published value.
    fn paid_column(self) -> Option<usize> {
        match self {
            ThirdwebLeaf::Erc20 => Some(0),
            ThirdwebLeaf::Erc1155 => Some(1),
            _ => None,
        }
    }

    /// Whether one address may appear on several rows (different token ids).
    fn keyed_by_token(self) -> bool {
        matches!(self, ThirdwebLeaf::Erc721 | ThirdwebLeaf::Erc1155)
    }
}

impl FromStr for ThirdwebLeaf {
    type Err = MerkleError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "v1" => Ok(ThirdwebLeaf::V1),
            "v2" | "drop" => Ok(ThirdwebLeaf::V2),
            "erc20" => Ok(ThirdwebLeaf::Erc20),
            "erc721" => Ok(ThirdwebLeaf::Erc721),
            "erc1155" => Ok(ThirdwebLeaf::Erc1155),
            _ => Err(MerkleError::Options(format!(
                "unknown thirdweb leaf {s:?}; choose v1, v2 (drop), erc20, erc721 or erc1155"
            ))),
        }
    }
}

/// Order of leaves inside a shard tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafOrder {
    /// Bytewise (legacy SDK, merkletreejs `sort: true`).
    Bytes,
    /// JavaScript's default `Array.sort()` of byte arrays, i.e. their comma-joined decimal
    /// strings (thirdweb v5 `MerkleTree`). Roots differ, proofs still verify on chain.
    JsString,
}

/// Order of the two children of a node before hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairOrder {
    /// Bytewise smaller first: what every on-chain verifier does.
    Bytes,
    /// JavaScript string order of the byte arrays, as an earlier thirdweb port did. Such trees
    /// do not verify on chain whenever the two orders disagree.
    JsString,
    /// No ordering: left ‖ right by position (merkletreejs without `sortPairs`).
    Positional,
}

/// Compares byte arrays as JavaScript's default sort does: as strings of comma-joined decimals.
pub fn js_string_cmp(a: &[u8], b: &[u8]) -> Ordering {
    js_key(a).cmp(&js_key(b))
}

/// The string JavaScript compares for a byte array: its decimal bytes joined by commas.
fn js_key(x: &[u8]) -> String {
    x.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

/// Bytewise compare with a shorter array first on a common prefix (thirdweb's
/// `compareUint8Arrays`, and Rust's slice order).
fn pair_cmp(order: PairOrder, a: &[u8], b: &[u8]) -> Ordering {
    match order {
        PairOrder::Bytes => a.cmp(b),
        PairOrder::JsString => js_string_cmp(a, b),
        PairOrder::Positional => Ordering::Less,
    }
}

fn pair_hash(hash: TreeHash, pairs: PairOrder, a: &[u8], b: &[u8]) -> Vec<u8> {
    let (lo, hi) = if pair_cmp(pairs, a, b) == Ordering::Greater {
        (b, a)
    } else {
        (a, b)
    };
    let joined = [lo, hi].concat();
    match hash {
        TreeHash::Keccak => keccak256(&joined).to_vec(),
        TreeHash::Sha256 => {
            use sha2::Digest;
            sha2::Sha256::digest(&joined).to_vec()
        }
    }
}

/// The hash function of a [`ByteTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeHash {
    /// keccak256, the only one on chain.
    Keccak,
    /// sha256, only in thirdweb's own tree tests.
    Sha256,
}

/// thirdweb's `MerkleTree` class as written: nodes are byte strings of any length (leaves are
/// not hashed by the tree), a pair is ordered then hashed, an odd last node is carried up.
/// Used to reproduce their roots exactly, including the ones that would not verify on chain.
#[derive(Debug, Clone)]
pub struct ByteTree {
    layers: Vec<Vec<Vec<u8>>>,
    duplicate_odd: bool,
}

impl ByteTree {
    /// Builds the tree over `leaves`, optionally sorted first.
    pub fn build(
        leaves: Vec<Vec<u8>>,
        hash: TreeHash,
        leaf_order: Option<LeafOrder>,
        pairs: PairOrder,
    ) -> Self {
        Self::build_with_odd(leaves, hash, leaf_order, pairs, false)
    }

    /// As [`ByteTree::build`]; with `duplicate_odd` an odd last node is paired with itself
    /// (merkletreejs `duplicateOdd`) instead of being carried up.
    pub fn build_with_odd(
        mut leaves: Vec<Vec<u8>>,
        hash: TreeHash,
        leaf_order: Option<LeafOrder>,
        pairs: PairOrder,
        duplicate_odd: bool,
    ) -> Self {
        match leaf_order {
            Some(LeafOrder::Bytes) => leaves.sort(),
            Some(LeafOrder::JsString) => leaves.sort_by_cached_key(|l| js_key(l)),
            None => {}
        }
        let mut layers = vec![leaves];
        while let Some(prev) = layers.last().filter(|l| l.len() > 1) {
            let next = prev
                .chunks(2)
                .map(|c| match c {
                    [a] if duplicate_odd => pair_hash(hash, pairs, a, a),
                    [a, b] => pair_hash(hash, pairs, a, b),
                    [a] => a.clone(),
                    _ => Vec::new(),
                })
                .collect();
            layers.push(next);
        }
        ByteTree {
            layers,
            duplicate_odd,
        }
    }

    /// The root (empty for an empty tree).
    pub fn root(&self) -> &[u8] {
        self.layers
            .last()
            .and_then(|l| l.first())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The proof of the leaf at `position` (after sorting).
    pub fn proof(&self, mut position: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for layer in &self.layers[..self.layers.len().saturating_sub(1)] {
            match layer.get(position ^ 1) {
                Some(s) => out.push(s.clone()),
                None if self.duplicate_odd => out.push(layer[position].clone()),
                None => {}
            }
            position /= 2;
        }
        out
    }

    /// The leaves in tree order.
    pub fn leaves(&self) -> &[Vec<u8>] {
        &self.layers[0]
    }

    /// Checks every leaf's proof the way thirdweb's contracts do (keccak, sorted pairs) and
    /// names the first leaf that fails: the guard against emitting an unclaimable tree.
    pub fn check_on_chain(&self) -> Result<()> {
        let root = self.root();
        for (i, leaf) in self.leaves().iter().enumerate() {
            let mut acc = leaf.clone();
            for s in self.proof(i) {
                let (lo, hi) = if acc <= s { (&acc, &s) } else { (&s, &acc) };
                acc = keccak256([lo.as_slice(), hi.as_slice()].concat()).to_vec();
            }
            if acc != root {
                return Err(MerkleError::Verify(format!(
                    "refusing this tree: the proof of leaf {i} (0x{}) does not verify on chain, because its pairs were ordered as JavaScript strings rather than bytes; rebuild with bytewise pair order",
                    hex(leaf)
                )));
            }
        }
        Ok(())
    }
}

/// The root as a contract would accept it, computed level by level without [`Layers`].
fn onchain_root(mut level: Vec<B256>) -> B256 {
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|c| match c {
                [a, b] if a <= b => keccak256([a.as_slice(), b.as_slice()].concat()),
                [a, b] => keccak256([b.as_slice(), a.as_slice()].concat()),
                [a] => *a,
                _ => B256::ZERO,
            })
            .collect();
    }
    level.first().copied().unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One allowlist row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    /// The claimer.
    pub address: Address,
    /// The integer columns after the address, as the variant names them.
    pub values: Vec<U256>,
    /// V2's currency (zero address for native).
    pub currency: Option<Address>,
}

impl AllowEntry {
    /// The packed leaf.
    pub fn leaf(&self) -> B256 {
        // On the stack for every variant here (at most 20 + 3·32 + 20 bytes); longer rows
        // built by hand take the heap.
        let mut small = [0u8; 20 + 32 * 3 + 20];
        let mut big = Vec::new();
        let buf: &mut [u8] = if self.values.len() <= 3 {
            &mut small
        } else {
            big.resize(40 + 32 * self.values.len(), 0);
            &mut big
        };
        buf[..20].copy_from_slice(self.address.as_slice());
        let mut end = 20;
        for v in &self.values {
            buf[end..end + 32].copy_from_slice(&v.to_be_bytes::<32>());
            end += 32;
        }
        if let Some(c) = self.currency {
            buf[end..end + 20].copy_from_slice(c.as_slice());
            end += 20;
        }
        keccak256(&buf[..end])
    }
}

/// Allowlist rows and the lines kept with a zero amount (only with `allow_zero`).
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    /// The rows, in file order.
    pub entries: Vec<AllowEntry>,
    /// 1-based lines whose paid amount is zero, kept because `allow_zero` was set.
    pub zero_lines: Vec<u64>,
}

/// Reads allowlist CSV rows for `variant`: integers in base units, `unlimited` = 2^256-1 for
/// maxClaimable. A repeated address (or address and token id, for NFTs) is refused: the
/// contracts key claims by it. A zero amount to pay is refused unless `allow_zero`.
pub fn read_allowlist_csv(
    text: &str,
    file: &str,
    variant: ThirdwebLeaf,
    allow_zero: bool,
) -> Result<Allowlist> {
    read_allowlist_csv_with(text, file, variant, allow_zero, None)
}

/// As [`read_allowlist_csv`]; with `decimals`, maxClaimable (v1, v2) and the erc20 amount are
/// token amounts scaled as the SDK's `parseUnits(value, tokenDecimals)`: exactly, and refused
/// when they have more fractional digits than `decimals` (parseUnits throws there too).
pub fn read_allowlist_csv_with(
    text: &str,
    file: &str,
    variant: ThirdwebLeaf,
    allow_zero: bool,
    decimals: Option<u8>,
) -> Result<Allowlist> {
    let mut lines = text.lines().enumerate();
    let want = variant.header();
    let header: Vec<String> = lines
        .next()
        .map(|(_, h)| h.split(',').map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default();
    if !header.iter().map(String::as_str).eq(want.iter().copied()) {
        return Err(MerkleError::format(
            file,
            1,
            format!(
                "expected the header {} for this leaf variant",
                want.join(",")
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Allowlist::default();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let n = i as u64 + 1;
        let e = read_row(line, file, n, variant, decimals)?;
        let key = (e.address, variant.keyed_by_token().then(|| e.values[0]));
        if !seen.insert(key) {
            let what = if key.1.is_some() {
                "address and token id"
            } else {
                "address"
            };
            return Err(MerkleError::format(
                file,
                n,
                format!(
                    "duplicate {what} {}; an allowlist has one row per {what}",
                    e.address.to_checksum(None)
                ),
            ));
        }
        if variant.paid_column().is_some_and(|c| e.values[c].is_zero()) {
            if !allow_zero {
                return Err(MerkleError::amount(
                    file,
                    n,
                    format!(
                        "zero amount for {}; a zero claim cannot be paid (pass --allow-zero to keep the rows of a published list)",
                        e.address.to_checksum(None)
                    ),
                ));
            }
            out.zero_lines.push(n);
        }
        out.entries.push(e);
    }
    if out.entries.is_empty() {
        return Err(MerkleError::Empty { file: file.into() });
    }
    Ok(out)
}

fn read_row(
    line: &str,
    file: &str,
    n: u64,
    variant: ThirdwebLeaf,
    decimals: Option<u8>,
) -> Result<AllowEntry> {
    let want = variant.header();
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() != want.len() {
        return Err(MerkleError::format(
            file,
            n,
            format!(
                "row has {} fields but the header has {}",
                cells.len(),
                want.len()
            ),
        ));
    }
    let addr = |t: &str| {
        parse_address(t).map_err(|e| MerkleError::Address {
            location: crate::error::Location {
                file: file.to_owned(),
                line: n,
            },
            error: e,
        })
    };
    let limits = matches!(variant, ThirdwebLeaf::V1 | ThirdwebLeaf::V2);
    let int_cells = if variant == ThirdwebLeaf::V2 {
        &cells[1..3]
    } else {
        &cells[1..]
    };
    let scaled = matches!(
        variant,
        ThirdwebLeaf::V1 | ThirdwebLeaf::V2 | ThirdwebLeaf::Erc20
    );
    let values = int_cells
        .iter()
        .enumerate()
        .map(|(k, c)| {
            if limits && c.eq_ignore_ascii_case("unlimited") {
                return Ok(U256::MAX);
            }
            match decimals.filter(|_| scaled && k == 0) {
                Some(d) => parse_units(c, d),
                None => parse_amount(c),
            }
            .map_err(|d| MerkleError::amount(file, n, d))
        })
        .collect::<Result<Vec<_>>>()?;
    let currency = match variant {
        ThirdwebLeaf::V2 if cells[3].is_empty() => Some(Address::ZERO),
        ThirdwebLeaf::V2 => Some(addr(cells[3])?),
        _ => None,
    };
    Ok(AllowEntry {
        address: addr(cells[0])?,
        values,
        currency,
    })
}

/// `parseUnits`: a non-negative decimal scaled by 10^decimals, exactly.
pub fn parse_units(text: &str, decimals: u8) -> std::result::Result<U256, String> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return Err(format!(
            "invalid amount {t:?}; expected a decimal such as 1.5"
        ));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        return Err(format!(
            "amount {t:?} has more than {decimals} decimals; it cannot be scaled exactly"
        ));
    }
    let scaled = format!("{int}{frac}{}", "0".repeat(decimals as usize - frac.len()));
    let scaled = scaled.trim_start_matches('0');
    if scaled.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(scaled, 10)
        .map_err(|_| format!("amount {t:?} × 10^{decimals} overflows uint256"))
}

/// A built sharded allowlist.
#[derive(Debug)]
pub struct ShardedAllowlist {
    /// Hex digits per shard id.
    pub nybbles: usize,
    /// Per shard: id, entries in tree order, the shard tree, and the shard root's master proof.
    shards: Vec<(String, Vec<AllowEntry>, Layers, Vec<B256>)>,
    master: Layers,
}

/// Builds the shards and the master tree. Every claim's full proof is then checked as the
/// contract checks it before the tree is returned.
pub fn build_sharded(
    entries: Vec<AllowEntry>,
    nybbles: usize,
    order: LeafOrder,
) -> Result<ShardedAllowlist> {
    if !(1..=2).contains(&nybbles) {
        return Err(MerkleError::Options(format!(
            "--shard-nybbles {nybbles} is not supported; use 1 or 2 (thirdweb's default)"
        )));
    }
    let shift = if nybbles == 1 { 4 } else { 0 };
    let mut buckets: Vec<Vec<AllowEntry>> = vec![Vec::new(); 256 >> shift];
    for e in entries {
        buckets[(e.address[0] >> shift) as usize].push(e);
    }
    let groups: Vec<(String, Vec<AllowEntry>)> = buckets
        .into_iter()
        .filter(|b| !b.is_empty())
        .map(|b| (shard_id(&b[0].address, nybbles), b))
        .collect();
    let mut shards: Vec<(String, Vec<AllowEntry>, Layers, Vec<B256>)> = groups
        .into_par_iter()
        .map(|(id, es)| {
            let mut keyed: Vec<(B256, AllowEntry)> =
                es.into_iter().map(|e| (e.leaf(), e)).collect();
            match order {
                LeafOrder::Bytes => keyed.sort_by_key(|a| a.0),
                LeafOrder::JsString => keyed.sort_by_cached_key(|a| js_key(a.0.as_slice())),
            }
            let leaves = keyed.iter().map(|(h, _)| *h).collect();
            let layers = Layers::build(leaves, NodeHash::KeccakSorted, OddNode::Promote);
            (
                id,
                keyed.into_iter().map(|(_, e)| e).collect(),
                layers,
                Vec::new(),
            )
        })
        .collect();
    // The master tree is merkletreejs `sort: true` in both SDKs: shard roots sorted bytewise.
    let mut roots: Vec<B256> = shards.iter().map(|s| s.2.root()).collect();
    roots.sort_unstable();
    let master = Layers::build(roots.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    for s in &mut shards {
        let pos = roots.binary_search(&s.2.root()).unwrap_or(0);
        s.3 = master.proof(pos);
    }
    let built = ShardedAllowlist {
        nybbles,
        shards,
        master,
    };
    built.check_all()?;
    Ok(built)
}

/// The first `nybbles` lowercase hex digits of the address.
fn shard_id(a: &Address, nybbles: usize) -> String {
    let two = format!("{:02x}", a[0]);
    two[..nybbles].to_owned()
}

impl ShardedAllowlist {
    /// The master root (thirdweb's `merkleRoot`).
    pub fn root(&self) -> B256 {
        self.master.root()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.1.len()).sum()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shard ids in order.
    pub fn shard_ids(&self) -> Vec<&str> {
        self.shards.iter().map(|s| s.0.as_str()).collect()
    }

    /// The full claim proof of `address`: in-shard proof, then the shard's master proof.
    pub fn proof(&self, address: &Address) -> Option<(AllowEntry, Vec<B256>)> {
        let id = shard_id(address, self.nybbles);
        let s = self.shards.iter().find(|s| s.0 == id)?;
        let k = s.1.iter().position(|e| e.address == *address)?;
        let mut p = s.2.proof(k);
        p.extend_from_slice(&s.3);
        Some((s.1[k].clone(), p))
    }

    /// The contract's check, at the cost of one hash per node rather than one per proof step:
    /// each shard root is recomputed from its leaves with the on-chain pairing rule (smaller
    /// first as unsigned integers, odd node carried up), independently of [`Layers`], each
    /// shard proof must take that root to the master root, and the full proofs of each shard's
    /// first and last claim must fold to it.
    fn check_all(&self) -> Result<()> {
        let root = self.root();
        self.shards
            .par_iter()
            .try_for_each(|(id, entries, layers, shard_proof)| {
                let refuse = |who: &Address| {
                    MerkleError::Verify(format!(
                        "refusing to write: the proof of {} (shard {id}) does not reach the root {root}",
                        who.to_checksum(None)
                    ))
                };
                let shard_root = onchain_root(layers.leaves().to_vec());
                if NodeHash::KeccakSorted.fold(shard_root, shard_proof) != root {
                    return Err(refuse(&entries[0].address));
                }
                for k in [0, entries.len() - 1] {
                    let mut p = layers.proof(k);
                    p.extend_from_slice(shard_proof);
                    if NodeHash::KeccakSorted.fold(entries[k].leaf(), &p) != root {
                        return Err(refuse(&entries[k].address));
                    }
                }
                Ok(())
            })
    }

    /// Writes `<id>.json` per shard (`{proofs, entries}`) and `merkle-info.json` with the root,
    /// as thirdweb's SDK uploads them.
    pub fn write(&self, sink: &mut dyn Sink, variant: ThirdwebLeaf) -> Result<()> {
        for (id, entries, _, proofs) in &self.shards {
            let rows: Vec<Value> = entries.iter().map(|e| entry_json(e, variant)).collect();
            let path = format!("{id}.json");
            put(sink, &path, &json!({ "proofs": proofs, "entries": rows }))?;
        }
        put(
            sink,
            "merkle-info.json",
            &json!({
                "merkleRoot": self.root(),
                "isShardedMerkleTree": true,
                "shardNybbles": self.nybbles,
                // Entries are written in base units, whatever --decimals read them as.
                "tokenDecimals": 0,
                "shards": self.shard_ids(),
                "count": self.len(),
            }),
        )
    }
}

fn entry_json(e: &AllowEntry, variant: ThirdwebLeaf) -> Value {
    let names = variant.header();
    let mut m = serde_json::Map::new();
    m.insert(names[0].into(), json!(e.address.to_checksum(None)));
    for (name, v) in names[1..].iter().zip(&e.values) {
        m.insert((*name).into(), json!(v.to_string()));
    }
    if let Some(c) = e.currency {
        m.insert("currency".into(), json!(c.to_checksum(None)));
    }
    Value::Object(m)
}

fn put(sink: &mut dyn Sink, path: &str, v: &Value) -> Result<()> {
    let io = |error| MerkleError::Write {
        path: path.to_owned(),
        error,
    };
    let mut w = sink.create(path).map_err(io)?;
    serde_json::to_writer(&mut w, v).map_err(|e| io(std::io::Error::other(e)))?;
    w.flush().map_err(io)
}

/// Checks a folder of thirdweb shard files with no input list: `merkle-info.json`, then every
/// shard it names — each shard's entries rebuilt into its tree (bytewise leaf order, else v5's
/// string order), and that root folded with the shard's `proofs` must reach `merkleRoot`.
/// A missing shard, a changed entry or a changed proof is named.
pub fn verify_folder(fetch: &mut dyn crate::read::Fetch) -> Result<crate::report::VerifyReport> {
    let info = read_doc(fetch, "merkle-info.json")?;
    let bad = |f: &str, d: String| MerkleError::Verify(format!("{f}: {d}"));
    let root: B256 = info
        .get("merkleRoot")
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| bad("merkle-info.json", "no merkleRoot (32-byte hex)".into()))?;
    let decimals = info
        .get("tokenDecimals")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let decimals = u8::try_from(decimals).map_err(|_| {
        bad(
            "merkle-info.json",
            format!("tokenDecimals {decimals} is too large"),
        )
    })?;
    let ids: Vec<String> = info
        .get("shards")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| bad("merkle-info.json", "no \"shards\" list".into()))?;
    let mut shards = Vec::with_capacity(ids.len());
    for id in &ids {
        shards.push(read_shard(fetch, id, root, decimals)?);
    }
    check_shard_proofs(&shards, root)?;
    let claims = shards.iter().map(|s| s.entries).sum();
    Ok(crate::report::VerifyReport {
        format: "thirdweb sharded allowlist".into(),
        root,
        claims,
        total: None,
        ..Default::default()
    })
}

/// One shard file, rebuilt: its root in the leaf order whose root its proof carries to the
/// master root (bytewise unless only v5's string order does), and that proof.
struct ReadShard {
    id: String,
    entries: usize,
    root: B256,
    proof: Vec<B256>,
}

fn read_shard(
    fetch: &mut dyn crate::read::Fetch,
    id: &str,
    root: B256,
    decimals: u8,
) -> Result<ReadShard> {
    let bad = |f: &str, d: String| MerkleError::Verify(format!("{f}: {d}"));
    if !id.bytes().all(|b| b.is_ascii_hexdigit()) || id.is_empty() || id.len() > 2 {
        return Err(bad(
            "merkle-info.json",
            format!("shard id {id:?} is not 1-2 hex digits"),
        ));
    }
    let path = format!("{id}.json");
    let shard = match fetch.open(&path) {
        Ok(r) => crate::read::read_json(r, &path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(
                "merkle-info.json",
                format!("shard {id} is listed but {path} is missing; its claims cannot be checked or claimed"),
            ))
        }
        Err(e) => return Err(bad(&path, format!("unreadable ({})", e.kind()))),
    };
    let entries = shard_entries(&shard, &path, decimals)?;
    let proof: Vec<B256> = serde_json::from_value(shard.get("proofs").cloned().unwrap_or_default())
        .map_err(|_| {
            bad(
                &path,
                "\"proofs\" is not a list of 32-byte hex values".into(),
            )
        })?;
    let root_in = |order| {
        let mut leaves: Vec<B256> = entries.iter().map(AllowEntry::leaf).collect();
        match order {
            LeafOrder::Bytes => leaves.sort_unstable(),
            LeafOrder::JsString => leaves.sort_by_cached_key(|l| js_key(l.as_slice())),
        }
        onchain_root(leaves)
    };
    let bytes = root_in(LeafOrder::Bytes);
    let js = root_in(LeafOrder::JsString);
    let own = if NodeHash::KeccakSorted.fold(bytes, &proof) != root
        && NodeHash::KeccakSorted.fold(js, &proof) == root
    {
        js
    } else {
        bytes
    };
    Ok(ReadShard {
        id: id.to_owned(),
        entries: entries.len(),
        root: own,
        proof,
    })
}

/// Names the first shard whose proof does not carry its root to `root`, and the level where it
/// departs from the master tree when the shard roots rebuild that tree (else its entries
/// changed: level 0).
fn check_shard_proofs(shards: &[ReadShard], root: B256) -> Result<()> {
    let mut roots: Vec<B256> = shards.iter().map(|s| s.root).collect();
    roots.sort_unstable();
    let master = Layers::build(roots.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    let Some(bad) = shards
        .iter()
        .find(|s| NodeHash::KeccakSorted.fold(s.root, &s.proof) != root)
    else {
        if master.root() != root {
            // Every listed shard proves into the root, so the master tree holds shards we lack.
            return Err(MerkleError::Verify(format!(
                "merkle-info.json: the {} shards listed rebuild to {}, not {root}: a shard is missing from its \"shards\" list and from the folder",
                shards.len(),
                master.root()
            )));
        }
        return Ok(());
    };
    let pos = roots.binary_search(&bad.root).unwrap_or(0);
    let expected = (master.root() == root).then(|| master.proof(pos));
    let c = crate::published::Claimant {
        who: &format!("shard {}", bad.id),
        index: pos as u64,
        amount: format!("{} entries", bad.entries),
    };
    Err(crate::published::bad_proof(
        &format!("{}.json", bad.id),
        &c,
        root,
        &bad.proof,
        expected.as_deref(),
    ))
}

fn read_doc(fetch: &mut dyn crate::read::Fetch, path: &str) -> Result<Value> {
    let reader = fetch.open(path).map_err(|e| {
        MerkleError::Verify(format!("{path}: missing or unreadable ({})", e.kind()))
    })?;
    crate::read::read_json(reader, path)
}

/// Entries of a shard file, whichever leaf variant their keys name (legacy SDK keys included:
/// `currencyAddress`, UI amounts scaled by `tokenDecimals`).
fn shard_entries(shard: &Value, path: &str, decimals: u8) -> Result<Vec<AllowEntry>> {
    let bad = |d: String| MerkleError::Verify(format!("{path}: {d}"));
    let list = shard
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"entries\" list".into()))?;
    list.iter()
        .enumerate()
        .map(|(k, e)| {
            let at = |d: String| bad(format!("entry {k}: {d}"));
            let s = |key: &str| e.get(key).and_then(Value::as_str);
            let address = parse_address(s("address").unwrap_or_default())
                .map_err(|err| at(err.to_string()))?;
            let limit = |key: &str| match s(key) {
                Some(v) if v.eq_ignore_ascii_case("unlimited") => Ok(U256::MAX),
                Some(v) => parse_units(v, decimals).map_err(at),
                None => Ok(U256::ZERO),
            };
            let int = |key: &str| parse_amount(s(key).unwrap_or_default()).map_err(at);
            let (values, currency) = if e.get("price").is_some() {
                let c = s("currency")
                    .or_else(|| s("currencyAddress"))
                    .unwrap_or_default();
                let c = if c.is_empty() {
                    Address::ZERO
                } else {
                    parse_address(c).map_err(|err| at(err.to_string()))?
                };
                (vec![limit("maxClaimable")?, int("price")?], Some(c))
            } else if e.get("quantity").is_some() {
                (vec![int("tokenId")?, int("quantity")?], None)
            } else if e.get("tokenId").is_some() {
                (vec![int("tokenId")?], None)
            } else if e.get("amount").is_some() {
                (vec![limit("amount")?], None)
            } else {
                (vec![limit("maxClaimable")?], None)
            };
            Ok(AllowEntry {
                address,
                values,
                currency,
            })
        })
        .collect()
}
