//! Building trees from validated records, in parallel, for any supported combination.

use crate::error::{MerkleError, Result};
use crate::hash::{self, NodeHash};
use crate::input::{Records, SolanaEntry};
use crate::layers::{Layers, OddNode};
use crate::oz::OzTree;
use crate::values;
use crate::{Entry, LeafEncoding, TreeOptions};
use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{Address, B256, U256};
use rayon::prelude::*;

/// One claim and its proof, as `airdrop tree proof` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClaimProof {
    /// The claimant, checksummed (base58 for Solana).
    pub address: String,
    /// Claim index (Uniswap: position in the checksummed sort; OpenZeppelin: tree index;
    /// otherwise the leaf position).
    pub index: u64,
    /// Amount in base units, decimal.
    pub amount: String,
    /// The leaf hash.
    pub leaf: B256,
    /// Sibling hashes from the leaf up.
    pub proof: Vec<B256>,
}

/// Recipients of an address/amount tree, in claim-index order, with their leaves' positions.
#[derive(Debug)]
pub(crate) struct AccountTree {
    pub encoding: LeafEncoding,
    /// Entries ordered by the checksummed address (Uniswap's index order).
    pub entries: Vec<Entry>,
    /// Claim index of each entry (global, even inside a shard).
    pub indices: Vec<u64>,
    /// Position of each entry's leaf in `layers`.
    pub positions: Vec<u32>,
    pub layers: Layers,
    pub sorted: bool,
    /// Entries' positions sorted by address bytes, built on the first lookup: servers answer
    /// millions of lookups, one-off callers never pay for it.
    pub by_address: std::sync::OnceLock<AddressIndex>,
    /// EIP-55 forms of the entries' addresses when already computed (empty otherwise).
    pub checksums: Vec<[u8; 42]>,
}

/// Entries' positions sorted by address bytes, with where each address prefix starts: a
/// look-up reads one bucket of a few entries instead of binary-searching the whole table
/// (about three cache misses instead of twenty at a million entries). Addresses are hash
/// outputs, so buckets stay even.
#[derive(Debug)]
pub(crate) struct AddressIndex {
    sorted: Vec<(Address, u32)>,
    /// `starts[p]..starts[p + 1]` is where the addresses of prefix `p` lie in `sorted`.
    starts: Vec<u32>,
    /// Leading bits of an address that make its prefix.
    bits: u32,
}

impl AddressIndex {
    fn new(entries: &[Entry]) -> AddressIndex {
        let mut sorted: Vec<(Address, u32)> = entries
            .iter()
            .enumerate()
            .map(|(k, e)| (e.address, k as u32))
            .collect();
        sorted.par_sort_unstable();
        // About one entry per bucket, within 2^8..2^20 buckets (4 MiB of starts at most).
        let bits = (usize::BITS - sorted.len().leading_zeros()).clamp(8, 20);
        let mut starts = vec![0u32; (1 << bits) + 1];
        for (a, _) in &sorted {
            starts[Self::prefix(a, bits) + 1] += 1;
        }
        let mut sum = 0;
        for s in &mut starts {
            sum += *s;
            *s = sum;
        }
        AddressIndex {
            sorted,
            starts,
            bits,
        }
    }

    fn prefix(a: &Address, bits: u32) -> usize {
        let top = u32::from_be_bytes([a[0], a[1], a[2], 0]);
        (top >> (32 - bits)) as usize
    }

    fn find(&self, address: &Address) -> Option<usize> {
        let p = Self::prefix(address, self.bits);
        let bucket = self
            .sorted
            .get(self.starts[p] as usize..self.starts[p + 1] as usize)?;
        bucket
            .binary_search_by(|(a, _)| a.cmp(address))
            .ok()
            .map(|i| bucket[i].1 as usize)
    }
}

#[derive(Debug)]
pub(crate) struct Shard {
    pub prefix: String,
    pub tree: AccountTree,
    /// Proof of the shard root up to the global root.
    pub shard_proof: Vec<B256>,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Accounts(AccountTree),
    Sharded {
        shards: Vec<Shard>,
        top: Layers,
        digits: usize,
    },
    Oz {
        types: Vec<DynSolType>,
        rows: OzRows,
        tree: OzTree,
        tree_index: Vec<usize>,
        /// Rows by their first address column, built on the first lookup.
        by_address: std::sync::OnceLock<Vec<(Address, u32)>>,
    },
    Jito {
        entries: Vec<SolanaEntry>,
        layers: Layers,
    },
}

#[derive(Debug)]
pub(crate) enum OzRows {
    /// Entries and how their addresses were written (see [`Records::Accounts`]).
    Accounts(Vec<Entry>, Option<Vec<u64>>),
    Values(Vec<Vec<DynSolValue>>),
}

/// A built tree, ready to be written or queried.
#[derive(Debug)]
pub struct Built {
    pub(crate) options: TreeOptions,
    pub(crate) kind: Kind,
    pub(crate) total: U256,
}

/// Builds a tree from records with the given options.
pub fn build(options: &TreeOptions, records: Records) -> Result<Built> {
    options.validate()?;
    if records.is_empty() {
        return Err(MerkleError::Options(
            "cannot build a tree with no entries".into(),
        ));
    }
    let encoding = options.leaf_encoding();
    let kind = match (encoding, records) {
        (LeafEncoding::Jito, Records::Solana(entries)) => {
            let leaves: Vec<B256> = entries
                .par_iter()
                .map(|e| hash::jito_leaf(&e.claimant, e.unlocked, e.locked))
                .collect();
            let mut leaves = leaves;
            if options.sort {
                leaves.par_sort_unstable();
            }
            Kind::Jito {
                layers: Layers::build(leaves, NodeHash::Sha256Prefixed, OddNode::PairWithSelf),
                entries,
            }
        }
        (LeafEncoding::Standard(items), records) => {
            let (_, types) = values::parse_encoding(&items).map_err(MerkleError::Options)?;
            crate::oz_build::kind(types, records, options.sort)?
        }
        (enc @ (LeafEncoding::Uniswap | LeafEncoding::Packed), Records::Accounts(entries, _)) => {
            // Without a sort, the file's order is the tree's order (merkletreejs with only
            // `sortPairs`): indices and leaf positions follow the input, never the checksums.
            let (entries, indices, checksums) = if options.sort {
                index_order(entries)
            } else {
                let indices = (0..entries.len() as u64).collect();
                (entries, indices, Vec::new())
            };
            match options.shards {
                None => {
                    let mut tree = account_tree(enc, entries, indices, options.sort);
                    tree.checksums = checksums;
                    Kind::Accounts(tree)
                }
                Some(n) => sharded(enc, entries, indices, options.sort, n)?,
            }
        }
        (enc, _) => {
            return Err(MerkleError::Options(format!(
                "the {} preset ({enc:?} leaves) cannot use these input columns",
                options.preset
            )))
        }
    };
    let total = total_of(&kind)?;
    Ok(Built {
        options: options.clone(),
        kind,
        total,
    })
}

/// Builds an address/amount tree with a preset's defaults: the entry point campaigns use.
pub fn build_claims(options: &TreeOptions, entries: Vec<Entry>) -> Result<Built> {
    build(options, Records::Accounts(entries, None))
}

fn total_of(kind: &Kind) -> Result<U256> {
    let overflow = || MerkleError::Options("the total of all amounts overflows uint256".into());
    let sum = |entries: &[Entry]| {
        entries
            .iter()
            .try_fold(U256::ZERO, |acc, e| acc.checked_add(e.amount))
            .ok_or_else(overflow)
    };
    match kind {
        Kind::Accounts(t) => sum(&t.entries),
        Kind::Sharded { shards, .. } => shards
            .iter()
            .try_fold(U256::ZERO, |acc, s| {
                acc.checked_add(sum(&s.tree.entries).ok()?)
            })
            .ok_or_else(overflow),
        Kind::Oz {
            rows: OzRows::Accounts(e, _),
            ..
        } => sum(e),
        Kind::Oz { .. } => Ok(U256::ZERO),
        Kind::Jito { entries, .. } => Ok(entries
            .iter()
            .map(|e| U256::from(e.unlocked) + U256::from(e.locked))
            .fold(U256::ZERO, |a, b| a + b)),
    }
}

/// Orders entries as Uniswap indexes them: by the EIP-55 checksummed string, case-sensitively.
fn index_order(entries: Vec<Entry>) -> (Vec<Entry>, Vec<u64>, Vec<[u8; 42]>) {
    // Sort small (key, position) pairs and gather once, rather than moving whole entries
    // through every pass of the sort.
    let mut keyed: Vec<([u8; 42], u32)> = entries
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let mut buf = [0u8; 42];
            let _ = e.address.to_checksum_raw(&mut buf, None);
            (buf, i as u32)
        })
        .collect();
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let sorted: Vec<Entry> = keyed
        .par_iter()
        .map(|(_, i)| entries[*i as usize])
        .collect();
    let checksums = keyed.into_par_iter().map(|(k, _)| k).collect();
    let indices = (0..sorted.len() as u64).collect();
    (sorted, indices, checksums)
}

pub(crate) fn account_leaf(encoding: &LeafEncoding, index: u64, e: &Entry) -> B256 {
    match encoding {
        LeafEncoding::Uniswap => hash::uniswap_leaf(index, &e.address, &e.amount),
        _ => hash::packed_leaf(&e.address, &e.amount),
    }
}

pub(crate) fn account_tree(
    encoding: LeafEncoding,
    entries: Vec<Entry>,
    indices: Vec<u64>,
    sorted: bool,
) -> AccountTree {
    let hashed: Vec<B256> = entries
        .par_iter()
        .zip(indices.par_iter())
        .map(|(e, &i)| account_leaf(&encoding, i, e))
        .collect();
    let (leaves, positions) = if sorted {
        // Sort leaf hashes, remembering where each entry's leaf went. Duplicate hashes (only
        // possible for identical rows, which input validation refuses) would be merged as
        // Uniswap does.
        let mut order: Vec<(B256, u32)> = hashed
            .into_par_iter()
            .enumerate()
            .map(|(i, h)| (h, i as u32))
            .collect();
        order.par_sort_unstable();
        let mut positions = vec![0u32; order.len()];
        let mut leaves: Vec<B256> = Vec::with_capacity(order.len());
        for (h, i) in order {
            if leaves.last() != Some(&h) {
                leaves.push(h);
            }
            positions[i as usize] = (leaves.len() - 1) as u32;
        }
        (leaves, positions)
    } else {
        let n = hashed.len() as u32;
        (hashed, (0..n).collect())
    };
    let layers = Layers::build(leaves, NodeHash::KeccakSorted, OddNode::Promote);
    AccountTree {
        encoding,
        entries,
        indices,
        positions,
        layers,
        sorted,
        by_address: std::sync::OnceLock::new(),
        checksums: Vec::new(),
    }
}

fn sharded(
    encoding: LeafEncoding,
    entries: Vec<Entry>,
    indices: Vec<u64>,
    sorted: bool,
    shards: u16,
) -> Result<Kind> {
    let digits = if shards == 16 { 1 } else { 2 };
    let key = |a: &Address| -> usize {
        if digits == 1 {
            (a[0] >> 4) as usize
        } else {
            a[0] as usize
        }
    };
    let mut buckets: Vec<(Vec<Entry>, Vec<u64>)> =
        (0..shards).map(|_| (Vec::new(), Vec::new())).collect();
    for (e, i) in entries.into_iter().zip(indices) {
        let b = &mut buckets[key(&e.address)];
        b.0.push(e);
        b.1.push(i);
    }
    let mut built: Vec<Shard> = buckets
        .into_par_iter()
        .enumerate()
        .filter(|(_, (e, _))| !e.is_empty())
        .map(|(k, (e, i))| Shard {
            prefix: if digits == 1 {
                format!("{k:x}")
            } else {
                format!("{k:02x}")
            },
            tree: account_tree(encoding.clone(), e, i, sorted),
            shard_proof: Vec::new(),
        })
        .collect();
    // The tree over shard roots always uses sorted layers: its leaves are roots, not claims.
    let mut roots: Vec<B256> = built.iter().map(|s| s.tree.layers.root()).collect();
    roots.sort_unstable();
    let top = Layers::build(roots.clone(), NodeHash::KeccakSorted, OddNode::Promote);
    for s in &mut built {
        let r = s.tree.layers.root();
        let pos = roots.binary_search(&r).unwrap_or(0);
        s.shard_proof = top.proof(pos);
    }
    Ok(Kind::Sharded {
        shards: built,
        top,
        digits,
    })
}

impl AccountTree {
    pub(crate) fn proof_into(&self, k: usize, out: &mut Vec<B256>) {
        self.layers.proof_into(self.positions[k] as usize, out);
    }

    pub(crate) fn find(&self, address: &Address) -> Option<usize> {
        self.by_address
            .get_or_init(|| AddressIndex::new(&self.entries))
            .find(address)
    }

    fn claim(&self, k: usize, extra: &[B256]) -> ClaimProof {
        let e = &self.entries[k];
        let mut proof = Vec::new();
        self.proof_into(k, &mut proof);
        proof.extend_from_slice(extra);
        ClaimProof {
            address: e.address.to_checksum(None),
            index: self.indices[k],
            amount: e.amount.to_string(),
            leaf: account_leaf(&self.encoding, self.indices[k], e),
            proof,
        }
    }
}

impl Built {
    /// The root.
    pub fn root(&self) -> B256 {
        match &self.kind {
            Kind::Accounts(t) => t.layers.root(),
            Kind::Sharded { top, .. } => top.root(),
            Kind::Oz { tree, .. } => tree.root(),
            Kind::Jito { layers, .. } => layers.root(),
        }
    }

    /// Number of claims.
    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Accounts(t) => t.entries.len(),
            Kind::Sharded { shards, .. } => shards.iter().map(|s| s.tree.entries.len()).sum(),
            Kind::Oz { tree_index, .. } => tree_index.len(),
            Kind::Jito { entries, .. } => entries.len(),
        }
    }

    /// True when there are no claims (never, for a successfully built tree).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The address/amount claims of an account tree (Uniswap or packed encodings, sharded or
    /// not), in tree order; `None` for OpenZeppelin values and Solana trees.
    pub fn accounts(&self) -> Option<Box<dyn Iterator<Item = &Entry> + '_>> {
        match &self.kind {
            Kind::Accounts(t) => Some(Box::new(t.entries.iter())),
            Kind::Sharded { shards, .. } => {
                Some(Box::new(shards.iter().flat_map(|s| s.tree.entries.iter())))
            }
            Kind::Oz { .. } | Kind::Jito { .. } => None,
        }
    }

    /// Sum of all amounts (zero for OpenZeppelin encodings without an amount column).
    pub fn total(&self) -> U256 {
        self.total
    }

    /// The options it was built with.
    pub fn options(&self) -> &TreeOptions {
        &self.options
    }

    /// The node hash function of this tree.
    pub fn node_hash(&self) -> NodeHash {
        match &self.kind {
            Kind::Jito { .. } => NodeHash::Sha256Prefixed,
            _ => NodeHash::KeccakSorted,
        }
    }

    /// Computes every proof and checks that it folds to the root (one hash per level per
    /// claim on top of generating it). Returns the number of proof hashes checked.
    pub fn check_all_proofs(&self) -> Result<usize> {
        let root = self.root();
        let h = self.node_hash();
        let bad = |what: String| {
            MerkleError::Verify(format!("proof for {what} does not reach the root {root}"))
        };
        match &self.kind {
            Kind::Accounts(t) => account_proofs(t, &[], root, h)
                .map_err(|i| bad(t.entries[i].address.to_checksum(None))),
            Kind::Sharded { shards, .. } => shards.iter().try_fold(0, |n, s| {
                account_proofs(&s.tree, &s.shard_proof, root, h)
                    .map(|m| n + m)
                    .map_err(|i| bad(s.tree.entries[i].address.to_checksum(None)))
            }),
            Kind::Oz {
                tree, tree_index, ..
            } => tree_index
                .par_iter()
                .map_init(Vec::new, |buf, &ti| {
                    tree.proof_into(ti, buf);
                    if h.fold(tree.nodes()[ti], buf) == root {
                        Ok(buf.len())
                    } else {
                        Err(bad(format!("tree index {ti}")))
                    }
                })
                .try_reduce(|| 0, |a, b| Ok(a + b)),
            Kind::Jito { layers, .. } => (0..layers.len())
                .into_par_iter()
                .map_init(Vec::new, |buf, i| {
                    layers.proof_into(i, buf);
                    if h.fold(layers.leaves()[i], buf) == root {
                        Ok(buf.len())
                    } else {
                        Err(bad(format!("leaf {i}")))
                    }
                })
                .try_reduce(|| 0, |a, b| Ok(a + b)),
        }
    }

    /// The hot path of a claim server: index, amount and proof of an address/amount claim,
    /// with no string formatting and the proof written into a reused buffer. `None` when the
    /// address has no claim or the tree is not an address/amount tree.
    pub fn lookup_into(&self, address: &Address, proof: &mut Vec<B256>) -> Option<(u64, U256)> {
        let (t, extra) = match &self.kind {
            Kind::Accounts(t) => (t, &[][..]),
            Kind::Sharded { shards, digits, .. } => {
                let prefix = if *digits == 1 {
                    format!("{:x}", address[0] >> 4)
                } else {
                    format!("{:02x}", address[0])
                };
                let s = shards.iter().find(|s| s.prefix == prefix)?;
                (&s.tree, &s.shard_proof[..])
            }
            _ => return None,
        };
        let k = t.find(address)?;
        t.proof_into(k, proof);
        proof.extend_from_slice(extra);
        Some((t.indices[k], t.entries[k].amount))
    }

    /// Generates every claim's proof once, without checking it: what a claims file costs
    /// beyond the root. Returns the number of proof hashes produced.
    pub fn generate_all_proofs(&self) -> usize {
        let account = |t: &AccountTree, extra: usize| {
            (0..t.entries.len())
                .into_par_iter()
                .map_init(Vec::new, |buf, k| {
                    t.proof_into(k, buf);
                    buf.len() + extra
                })
                .sum::<usize>()
        };
        match &self.kind {
            Kind::Accounts(t) => account(t, 0),
            Kind::Sharded { shards, .. } => shards
                .iter()
                .map(|s| account(&s.tree, s.shard_proof.len()))
                .sum(),
            Kind::Oz {
                tree, tree_index, ..
            } => tree_index
                .par_iter()
                .map_init(Vec::new, |buf, &ti| {
                    tree.proof_into(ti, buf);
                    buf.len()
                })
                .sum(),
            Kind::Jito { layers, .. } => (0..layers.len())
                .into_par_iter()
                .map_init(Vec::new, |buf, i| {
                    layers.proof_into(i, buf);
                    buf.len()
                })
                .sum(),
        }
    }

    /// The claim of `address`, with its proof.
    pub fn proof(&self, address: &Address) -> Option<ClaimProof> {
        match &self.kind {
            Kind::Accounts(t) => t.find(address).map(|k| t.claim(k, &[])),
            Kind::Sharded { shards, .. } => shards.iter().find_map(|s| {
                s.tree
                    .find(address)
                    .map(|k| s.tree.claim(k, &s.shard_proof))
            }),
            Kind::Oz {
                rows,
                tree,
                tree_index,
                types,
                by_address,
            } => {
                let table = by_address.get_or_init(|| {
                    let col = types.iter().position(|t| *t == DynSolType::Address);
                    let mut t: Vec<(Address, u32)> = match rows {
                        OzRows::Accounts(e, _) => e
                            .iter()
                            .enumerate()
                            .map(|(k, e)| (e.address, k as u32))
                            .collect(),
                        OzRows::Values(rows) => rows
                            .iter()
                            .enumerate()
                            .filter_map(|(k, r)| match col.map(|c| &r[c]) {
                                Some(DynSolValue::Address(a)) => Some((*a, k as u32)),
                                _ => None,
                            })
                            .collect(),
                    };
                    // Stable: the first row of an address wins, as a linear scan would find it.
                    t.par_sort_by(|a, b| a.0.cmp(&b.0));
                    t
                });
                let first = table.partition_point(|(a, _)| a < address);
                let k = match table.get(first) {
                    Some((a, k)) if a == address => *k as usize,
                    _ => return None,
                };
                let ti = tree_index[k];
                let amount = match rows {
                    OzRows::Accounts(e, _) => e[k].amount.to_string(),
                    OzRows::Values(rows) => rows[k]
                        .iter()
                        .find_map(|v| match v {
                            DynSolValue::Uint(u, _) => Some(u.to_string()),
                            _ => None,
                        })
                        .unwrap_or_default(),
                };
                Some(ClaimProof {
                    address: address.to_checksum(None),
                    index: ti as u64,
                    amount,
                    leaf: tree.nodes()[ti],
                    proof: tree.proof(ti).ok()?,
                })
            }
            Kind::Jito { .. } => None,
        }
    }
}

fn account_proofs(
    t: &AccountTree,
    extra: &[B256],
    root: B256,
    h: NodeHash,
) -> std::result::Result<usize, usize> {
    (0..t.entries.len())
        .into_par_iter()
        .map_init(Vec::new, |buf, k| {
            t.proof_into(k, buf);
            buf.extend_from_slice(extra);
            let leaf = t.layers.leaves()[t.positions[k] as usize];
            if h.fold(leaf, buf) == root {
                Ok(buf.len())
            } else {
                Err(k)
            }
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry is found at its own position and nothing else is, at sizes below, at and
    /// above the bucket limits, with addresses at both ends of the prefix range.
    #[test]
    fn address_index_finds_exactly_the_entries() {
        for n in [0usize, 1, 2, 255, 256, 1000, 70_000] {
            let mut entries: Vec<Entry> = (0..n as u64)
                .map(|i| Entry {
                    address: Address::from_slice(
                        &alloy_primitives::keccak256(i.to_be_bytes())[..20],
                    ),
                    amount: U256::from(i),
                })
                .collect();
            if n > 2 {
                entries[0].address = Address::ZERO;
                entries[1].address = Address::repeat_byte(0xff);
            }
            let index = AddressIndex::new(&entries);
            for (k, e) in entries.iter().enumerate() {
                assert_eq!(index.find(&e.address), Some(k), "n={n} k={k}");
            }
            for i in 0..200u64 {
                let absent = Address::from_slice(
                    &alloy_primitives::keccak256(((i + 1) << 40).to_be_bytes())[..20],
                );
                assert_eq!(index.find(&absent), None, "n={n}");
            }
        }
    }
}
