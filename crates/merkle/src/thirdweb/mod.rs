//! thirdweb-style sharded allowlists: entries split by the first hex digits of the address,
//! one sorted tree per shard, a master tree over the shard roots, and a claim proof that is the
//! in-shard proof followed by the shard's proof. Written as static files (`<id>.json` per shard).

use crate::error::{MerkleError, Result};
use alloy_primitives::{keccak256, Address, B256, U256};
use std::str::FromStr;

mod allowlist;
mod check;
mod shards;
mod tree;

pub use allowlist::{parse_units, read_allowlist_csv, read_allowlist_csv_with, Allowlist};
pub use check::verify_folder;
pub use shards::{build_sharded, ShardedAllowlist};
pub use tree::{js_string_cmp, ByteTree, TreeHash};

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
