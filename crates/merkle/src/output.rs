//! Writing a built tree in the file formats its ecosystem consumes. Items are formatted in
//! parallel in chunks and written in order, so output runs at disk speed and memory stays
//! bounded by one window of chunks.

use crate::address::{checksum_mask, push_cased};
use crate::amount::to_even_hex;
use crate::build::{AccountTree, Built, Kind, OzRows};
use crate::error::{MerkleError, Result};
use crate::values;
use crate::{LeafEncoding, Sink};
use alloy_primitives::{hex, B256, U256};
use rayon::prelude::*;
use std::io::Write;

const CHUNK: usize = 2048;
const WINDOW: usize = 64;

/// Formats `count` items with `f(i, buf, scratch)` in parallel and writes them in order.
/// Formatting runs on the rayon pool one window ahead while this thread writes the previous
/// window, so the CPU work and the writes overlap instead of adding up.
fn write_items<F>(w: &mut dyn Write, count: usize, item_bytes: usize, f: F) -> std::io::Result<()>
where
    F: Fn(usize, &mut Vec<u8>, &mut Vec<B256>) + Sync,
{
    let chunks = count.div_ceil(CHUNK);
    // Written windows come back to be filled again: a fresh buffer per window would fault in
    // (and zero) new pages for every byte of the output, a third of this phase's CPU on a
    // 250 MB dump. At most three windows are alive: formatting, queued, being written.
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<Vec<u8>>>();
    let format_window = |start: usize, mut bufs: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        let end = (start + WINDOW).min(chunks);
        bufs.resize_with(end - start, Vec::new);
        bufs.truncate(end - start);
        bufs.par_iter_mut().enumerate().for_each(|(k, buf)| {
            let c = start + k;
            buf.clear();
            // Sized for the whole chunk up front: growing a multi-megabyte buffer by
            // doubling would copy it several times.
            buf.reserve(CHUNK * item_bytes);
            let mut scratch = Vec::with_capacity(64);
            for i in c * CHUNK..((c + 1) * CHUNK).min(count) {
                f(i, buf, &mut scratch);
            }
        });
        bufs
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
        let producer = scope.spawn(move || {
            let mut start = 0;
            while start < chunks {
                let bufs = back_rx.try_recv().unwrap_or_default();
                // The receiver stops early only after a write error; stop formatting then too.
                if tx.send(format_window(start, bufs)).is_err() {
                    break;
                }
                start += WINDOW;
            }
        });
        let mut result = Ok(());
        for window in rx {
            if result.is_ok() {
                for b in &window {
                    if let Err(e) = w.write_all(b) {
                        result = Err(e);
                        break;
                    }
                }
            }
            if result.is_err() {
                break;
            }
            // The producer may have finished; a window nobody takes back is simply dropped.
            let _ = back_tx.send(window);
        }
        if producer.join().is_err() {
            result = Err(std::io::Error::other("output formatting thread panicked"));
        }
        result
    })
}

/// Appends a u64 in decimal without allocating.
fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends an amount in decimal, without allocating for any amount a `u128` holds (the
/// standard formatter splits a `u128` into 64-bit halves, far faster than dividing it by ten
/// digit by digit).
fn push_decimal(buf: &mut Vec<u8>, v: &U256) {
    match u128::try_from(*v) {
        Ok(small) => {
            // Writing into a Vec cannot fail.
            let _ = write!(buf, "{small}");
        }
        Err(_) => buf.extend_from_slice(v.to_string().as_bytes()),
    }
}

/// Appends an amount as ethers' `toHexString()` prints it: `0x`, lowercase, even digit count.
fn push_even_hex(buf: &mut Vec<u8>, v: &U256) {
    let bytes = v.to_be_bytes::<32>();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(31);
    let mut hex = [0u8; 64];
    let digits = &bytes[skip..];
    if alloy_primitives::hex::encode_to_slice(digits, &mut hex[..digits.len() * 2]).is_ok() {
        buf.extend_from_slice(b"0x");
        buf.extend_from_slice(&hex[..digits.len() * 2]);
    }
}

fn push_hash(buf: &mut Vec<u8>, h: &B256) {
    buf.extend_from_slice(b"\"0x");
    let mut out = [0u8; 64];
    // Cannot fail: the output buffer is exactly twice the input.
    if hex::encode_to_slice(h.as_slice(), &mut out).is_ok() {
        buf.extend_from_slice(&out);
    }
    buf.push(b'"');
}

fn push_hashes(buf: &mut Vec<u8>, hs: &[B256]) {
    buf.push(b'[');
    for (i, h) in hs.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_hash(buf, h);
    }
    buf.push(b']');
}

fn io(path: &str) -> impl Fn(std::io::Error) -> MerkleError + '_ {
    move |error| MerkleError::Write {
        path: path.to_owned(),
        error,
    }
}

impl Built {
    /// Writes the output files: `claims.json` for a single tree; `root.json` and
    /// `shards/<prefix>.json` for a sharded one.
    pub fn write(&self, sink: &mut dyn Sink) -> Result<()> {
        match &self.kind {
            Kind::Accounts(t) => {
                let path = "claims.json";
                let mut w = sink.create(path).map_err(io(path))?;
                write_account_claims(&mut *w, self, t, &[], None, None).map_err(io(path))?;
                w.flush().map_err(io(path))
            }
            Kind::Sharded { shards, digits, .. } => {
                for s in shards {
                    let path = format!("shards/{}.json", s.prefix);
                    let mut w = sink.create(&path).map_err(io(&path))?;
                    write_account_claims(
                        &mut *w,
                        self,
                        &s.tree,
                        &s.shard_proof,
                        Some(&s.prefix),
                        None,
                    )
                    .map_err(io(&path))?;
                    w.flush().map_err(io(&path))?;
                }
                let path = "root.json";
                let mut w = sink.create(path).map_err(io(path))?;
                let mut shard_map = serde_json::Map::new();
                for s in shards {
                    shard_map.insert(
                        s.prefix.clone(),
                        serde_json::json!({
                            "root": s.tree.layers.root(),
                            "count": s.tree.entries.len(),
                            "proof": s.shard_proof,
                        }),
                    );
                }
                let (enc, tree) = encoding_labels(self);
                let doc = serde_json::json!({
                    "merkleRoot": self.root(),
                    "tokenTotal": self.total.to_string(),
                    "count": self.len(),
                    "preset": self.options.preset.name(),
                    "leafEncoding": enc,
                    "tree": tree,
                    "shardDigits": digits,
                    "shards": shard_map,
                });
                serde_json::to_writer_pretty(&mut *w, &doc).map_err(|e| io(path)(e.into()))?;
                w.write_all(b"\n").map_err(io(path))?;
                w.flush().map_err(io(path))
            }
            Kind::Oz {
                types,
                rows,
                tree,
                tree_index,
                ..
            } => {
                let path = "claims.json";
                let mut w = sink.create(path).map_err(io(path))?;
                write_oz_dump(&mut *w, types, rows, tree.nodes(), tree_index).map_err(io(path))?;
                w.flush().map_err(io(path))
            }
            Kind::Jito { entries, layers } => {
                let path = "claims.json";
                let mut w = sink.create(path).map_err(io(path))?;
                write_jito(&mut *w, self, entries, layers).map_err(io(path))?;
                w.flush().map_err(io(path))
            }
        }
    }
}

fn encoding_labels(b: &Built) -> (&'static str, &'static str) {
    let enc = match b.options.leaf_encoding() {
        LeafEncoding::Uniswap => "uniswap",
        _ => "packed",
    };
    (
        enc,
        if b.options.sort {
            "sorted"
        } else {
            "input-order"
        },
    )
}

/// Uniswap's format (`merkleRoot`, `tokenTotal`, `claims` keyed by checksummed address, hex
/// amounts) for Uniswap leaves; the same shape with decimal amounts and a `leafEncoding` key for
/// packed leaves. One claim per line keeps multi-gigabyte files greppable.
fn write_account_claims(
    w: &mut dyn Write,
    b: &Built,
    t: &AccountTree,
    extra: &[B256],
    shard: Option<&str>,
    only: Option<&[u32]>,
) -> std::io::Result<()> {
    let uniswap = t.encoding == LeafEncoding::Uniswap;
    let (enc, tree) = encoding_labels(b);
    write!(w, "{{\"merkleRoot\":\"{}\",", b.root())?;
    if let (Some(prefix), Some(_)) = (shard, only) {
        write!(w, "\"shard\":\"{prefix}\",")?;
    } else if let Some(prefix) = shard {
        write!(
            w,
            "\"shard\":\"{prefix}\",\"shardRoot\":\"{}\",\"shardProof\":",
            t.layers.root()
        )?;
        let mut buf = Vec::new();
        push_hashes(&mut buf, extra);
        w.write_all(&buf)?;
        w.write_all(b",")?;
    } else if uniswap {
        write!(w, "\"tokenTotal\":\"{}\",", to_even_hex(&b.total))?;
    } else {
        write!(w, "\"tokenTotal\":\"{}\",", b.total)?;
    }
    if !uniswap {
        write!(w, "\"leafEncoding\":\"{enc}\",")?;
    }
    if !t.sorted {
        write!(w, "\"tree\":\"{tree}\",")?;
    }

    w.write_all(b"\"claims\":{\n")?;
    let n = only.map_or(t.entries.len(), <[u32]>::len);
    let depth = t.layers.depth() + extra.len();
    write_items(w, n, 120 + 69 * depth, |i, buf, proof| {
        let k = only.map_or(i, |o| o[i] as usize);
        let e = &t.entries[k];
        buf.push(b'"');
        match t.checksums.get(k) {
            Some(addr) => buf.extend_from_slice(addr),
            None => {
                let mut addr = [0u8; 42];
                buf.extend_from_slice(e.address.to_checksum_raw(&mut addr, None).as_bytes());
            }
        }
        buf.extend_from_slice(b"\":{\"index\":");
        push_u64(buf, t.indices[k]);
        buf.extend_from_slice(b",\"amount\":\"");
        if uniswap {
            push_even_hex(buf, &e.amount);
        } else {
            push_decimal(buf, &e.amount);
        }
        buf.extend_from_slice(b"\",\"proof\":");
        t.proof_into(k, proof);
        proof.extend_from_slice(extra);
        push_hashes(buf, proof);
        buf.push(b'}');
        if i + 1 < n {
            buf.push(b',');
        }
        buf.push(b'\n');
    })?;
    w.write_all(b"}}\n")
}

/// One file written by [`Built::write_address_shards`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressShard {
    /// The lowercase hex prefix the shard's addresses start with (after `0x`).
    pub prefix: String,
    /// Claims in the shard.
    pub count: usize,
}

impl Built {
    /// Writes an unsharded address/amount tree's claims split by the first `digits` (1 to 4)
    /// hex digits of the address, as `shards/<prefix>.json` in the shape of a sharded tree's
    /// shard files (`merkleRoot`, `shard`, `claims`). Unlike a sharded build, every proof still
    /// leads to the one root a distributor already holds, so a static claim page fetches one
    /// small file per look-up without a new deployment. Prefixes without claims get no file.
    pub fn write_address_shards(
        &self,
        sink: &mut dyn Sink,
        digits: usize,
    ) -> Result<Vec<AddressShard>> {
        let Kind::Accounts(t) = &self.kind else {
            return Err(MerkleError::Options(
                "only an unsharded address/amount tree (uniswap, ens, … without --shards) can be split into address shards".into(),
            ));
        };
        if !(1..=4).contains(&digits) {
            return Err(MerkleError::Options(format!(
                "address shards take 1 to 4 hex digits, not {digits}"
            )));
        }
        let bits = 4 * digits as u32;
        let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); 1 << bits];
        for (k, e) in t.entries.iter().enumerate() {
            let top = u16::from_be_bytes([e.address[0], e.address[1]]) >> (16 - bits);
            buckets[top as usize].push(k as u32);
        }
        let mut out = Vec::new();
        for (p, ks) in buckets.iter().enumerate() {
            if ks.is_empty() {
                continue;
            }
            let prefix = format!("{p:0digits$x}");
            let path = format!("shards/{prefix}.json");
            let mut w = sink.create(&path).map_err(io(&path))?;
            write_account_claims(&mut *w, self, t, &[], Some(&prefix), Some(ks))
                .map_err(io(&path))?;
            w.flush().map_err(io(&path))?;
            out.push(AddressShard {
                prefix,
                count: ks.len(),
            });
        }
        Ok(out)
    }
}

/// OpenZeppelin's `standard-v1` dump, loadable with `StandardMerkleTree.load`.
fn write_oz_dump(
    w: &mut dyn Write,
    types: &[alloy_dyn_abi::DynSolType],
    rows: &OzRows,
    nodes: &[B256],
    tree_index: &[usize],
) -> std::io::Result<()> {
    let enc = serde_json::to_string(&values::type_names(types)).map_err(std::io::Error::other)?;
    writeln!(
        w,
        "{{\"format\":\"standard-v1\",\"leafEncoding\":{enc},\"tree\":["
    )?;
    let n = nodes.len();
    let tree = |w: &mut dyn Write| {
        write_items(w, n, 70, |i, buf, _| {
            push_hash(buf, &nodes[i]);
            if i + 1 < n {
                buf.push(b',');
            }
            buf.push(b'\n');
        })
    };
    // Addresses read from a file are written as the file wrote them, as OpenZeppelin's dump
    // of the same values would hold them. Others are written EIP-55: the tree's lines cost
    // little to format and a lot to write, so while they are written the idle cores hash every
    // address's case for the values below.
    let computed;
    let masks: &[u64] = match rows {
        OzRows::Accounts(_, Some(spellings)) => {
            tree(w)?;
            spellings
        }
        OzRows::Accounts(e, None) => {
            computed = std::thread::scope(|scope| {
                let masks = scope.spawn(|| {
                    e.par_iter()
                        .map(|e| checksum_mask(&e.address))
                        .collect::<Vec<_>>()
                });
                let written = tree(w);
                let masks = masks
                    .join()
                    .map_err(|_| std::io::Error::other("address checksum thread panicked"));
                written.and(masks)
            })?;
            &computed
        }
        OzRows::Values(_) => {
            tree(w)?;
            &[]
        }
    };
    w.write_all(b"],\"values\":[\n")?;
    let m = tree_index.len();
    write_items(w, m, 140, |k, buf, _| {
        buf.extend_from_slice(b"{\"value\":");
        match rows {
            OzRows::Accounts(e, _) => {
                buf.extend_from_slice(b"[\"");
                push_cased(buf, &e[k].address, masks[k]);
                buf.extend_from_slice(b"\",\"");
                push_decimal(buf, &e[k].amount);
                buf.extend_from_slice(b"\"]");
            }
            OzRows::Values(rows) => {
                let v = serde_json::Value::Array(rows[k].iter().map(values::to_json).collect());
                if let Ok(s) = serde_json::to_vec(&v) {
                    buf.extend_from_slice(&s);
                }
            }
        }
        buf.extend_from_slice(b",\"treeIndex\":");
        push_u64(buf, tree_index[k] as u64);
        buf.push(b'}');
        if k + 1 < m {
            buf.push(b',');
        }
        buf.push(b'\n');
    })?;
    w.write_all(b"]}\n")
}

fn push_bytes_array(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.push(b'[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b.to_string().as_bytes());
    }
    buf.push(b']');
}

/// The Jito/Jupiter distributor's tree JSON (byte arrays, as their Rust CLI serialises them).
fn write_jito(
    w: &mut dyn Write,
    b: &Built,
    entries: &[crate::SolanaEntry],
    layers: &crate::layers::Layers,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    head.extend_from_slice(b"{\"merkle_root\":");
    push_bytes_array(&mut head, b.root().as_slice());
    head.extend_from_slice(
        format!(
            ",\"max_num_nodes\":{},\"max_total_claim\":{},\"tree_nodes\":[\n",
            entries.len(),
            b.total
        )
        .as_bytes(),
    );
    w.write_all(&head)?;
    // Positions of entries in the (possibly sorted) leaf layer.
    let leaves = layers.leaves();
    let positions: Vec<usize> = entries
        .par_iter()
        .map(|e| {
            let leaf = crate::hash::jito_leaf(&e.claimant, e.unlocked, e.locked);
            if b.options.sort {
                leaves.binary_search(&leaf).unwrap_or(0)
            } else {
                0
            }
        })
        .collect();
    let n = entries.len();
    write_items(w, n, 200 + 130 * layers.depth(), |k, buf, proof| {
        let e = &entries[k];
        let pos = if b.options.sort { positions[k] } else { k };
        buf.extend_from_slice(b"{\"claimant\":");
        push_bytes_array(buf, &e.claimant);
        buf.extend_from_slice(
            format!(
                ",\"amount_unlocked\":{},\"amount_locked\":{},\"proof\":[",
                e.unlocked, e.locked
            )
            .as_bytes(),
        );
        layers.proof_into(pos, proof);
        for (i, h) in proof.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            push_bytes_array(buf, h.as_slice());
        }
        buf.extend_from_slice(b"]}");
        if k + 1 < n {
            buf.push(b',');
        }
        buf.push(b'\n');
    })?;
    w.write_all(b"]}\n")?;
    Ok(())
}
