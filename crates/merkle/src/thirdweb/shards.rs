//! Building the shards and the master tree, and writing them as static files.

use super::tree::{js_key, onchain_root};
use super::{AllowEntry, LeafOrder, ThirdwebLeaf};
use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use crate::layers::{Layers, OddNode};
use crate::Sink;
use alloy_primitives::{Address, B256};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::Write;

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
