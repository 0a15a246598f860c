//! `airdrop-merkle`: Merkle trees, proofs and multiproofs that reproduce, byte for byte, the
//! roots and files of the distributors airdrops actually use — Uniswap's MerkleDistributor,
//! OpenZeppelin's `@openzeppelin/merkle-tree`, ENS/Hop/Balancer/Morpho packed leaves, sharded
//! static proofs, and the Jito/Jupiter distributors on Solana.
//!
//! The crate does no IO of its own: inputs arrive as readers, outputs leave through a [`Sink`].
//!
//! Options are orthogonal — a leaf encoding, a tree shape, optional sharding — and a [`Preset`]
//! names the exact combination one ecosystem used.

pub mod address;
pub mod amount;
mod build;
pub mod cumulative;
mod error;
pub mod guard;
pub mod hash;
pub mod input;
pub mod json;
pub mod jupiter;
pub mod layers;
pub mod limits;
mod output;
pub mod oz;
mod oz_build;
pub mod published;
mod read;
mod report;
pub mod thirdweb;
pub mod values;
pub mod verify;

pub use alloy_primitives::{Address, B256, U256};
pub use build::{build, build_claims, Built, ClaimProof};
pub use error::{Location, MerkleError, Result};
pub use input::{Records, SolanaEntry};
pub use output::AddressShard;
pub use verify::VerifyReport;

use std::fmt;
use std::str::FromStr;

/// A named combination of leaf encoding, tree shape and sharding, as one ecosystem used it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Uniswap's MerkleDistributor: indexed packed leaves, sorted layers.
    Uniswap,
    /// OpenZeppelin `StandardMerkleTree` (`standard-v1` dumps).
    OzStandard,
    /// ENS governance airdrop: packed `(address, uint256)`, sorted layers, 256 shards.
    Ens,
    /// Balancer: packed `(address, uint256)`, sorted layers.
    Balancer,
    /// Morpho: packed `(address, uint256)`, input-order layers (merkletreejs `sortPairs`).
    Morpho,
    /// Jito / Jupiter distributors on Solana.
    Jito,
}

impl Preset {
    /// All presets, for help texts and tests.
    pub const ALL: [Preset; 6] = [
        Preset::Uniswap,
        Preset::OzStandard,
        Preset::Ens,
        Preset::Balancer,
        Preset::Morpho,
        Preset::Jito,
    ];

    /// The preset's name as used on the command line and in campaign specs.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Uniswap => "uniswap",
            Preset::OzStandard => "oz-standard",
            Preset::Ens => "ens",
            Preset::Balancer => "balancer",
            Preset::Morpho => "morpho",
            Preset::Jito => "jito",
        }
    }

    /// The leaf encoding this preset uses by default.
    pub fn leaf_encoding(self) -> LeafEncoding {
        match self {
            Preset::Uniswap => LeafEncoding::Uniswap,
            Preset::OzStandard => LeafEncoding::Standard(vec!["address".into(), "uint256".into()]),
            Preset::Ens | Preset::Balancer | Preset::Morpho => LeafEncoding::Packed,
            Preset::Jito => LeafEncoding::Jito,
        }
    }

    /// Whether this preset sorts leaves by default.
    pub fn sorts_leaves(self) -> bool {
        !matches!(self, Preset::Morpho | Preset::Jito)
    }

    /// Shards this preset uses by default.
    pub fn default_shards(self) -> Option<u16> {
        match self {
            Preset::Ens => Some(256),
            _ => None,
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = MerkleError;
    fn from_str(s: &str) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
                MerkleError::Options(format!(
                    "unknown preset {}; choose one of {}",
                    address::shown(s),
                    names.join(", ")
                ))
            })
    }
}

/// How one claim becomes a leaf hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafEncoding {
    /// `keccak256(abi.encodePacked(uint256 index, address account, uint256 amount))`.
    Uniswap,
    /// `keccak256(abi.encodePacked(address account, uint256 amount))`.
    Packed,
    /// OpenZeppelin standard: `keccak256(keccak256(abi.encode(values...)))` for the named types.
    Standard(Vec<String>),
    /// `sha256(0x00 ‖ sha256(claimant ‖ u64le unlocked ‖ u64le locked))`.
    Jito,
}

/// Options of a tree build: a preset and what the user changed of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeOptions {
    /// The named combination.
    pub preset: Preset,
    /// OpenZeppelin leaf types (only with `oz-standard`), e.g. `["address", "uint256"]`.
    pub encoding: Option<Vec<String>>,
    /// Split into 16 or 256 shards by the leading hex digits of the address.
    pub shards: Option<u16>,
    /// Sort leaves (default per preset); false keeps input order.
    pub sort: bool,
}

impl TreeOptions {
    /// The preset's defaults.
    pub fn new(preset: Preset) -> Self {
        TreeOptions {
            preset,
            encoding: None,
            shards: preset.default_shards(),
            sort: preset.sorts_leaves(),
        }
    }

    /// The leaf encoding in force.
    pub fn leaf_encoding(&self) -> LeafEncoding {
        match (&self.encoding, self.preset) {
            (Some(types), Preset::OzStandard) => LeafEncoding::Standard(types.clone()),
            _ => self.preset.leaf_encoding(),
        }
    }

    /// Checks the combination before any work is done.
    pub fn validate(&self) -> Result<()> {
        if self.encoding.is_some() && self.preset != Preset::OzStandard {
            return Err(MerkleError::Options(format!(
                "--encoding applies to the oz-standard preset only; {} has a fixed leaf encoding",
                self.preset
            )));
        }
        match self.shards {
            None => {}
            Some(16) | Some(256) => {
                if matches!(self.preset, Preset::OzStandard | Preset::Jito) {
                    return Err(MerkleError::Options(format!(
                        "sharding is not supported for the {} preset; use uniswap, ens, balancer or morpho",
                        self.preset
                    )));
                }
            }
            Some(n) => {
                return Err(MerkleError::Options(format!(
                    "--shards {n} is not supported; use 16 (one hex digit) or 256 (two hex digits)"
                )))
            }
        }
        Ok(())
    }
}

/// Where output files go. The CLI writes to disk; tests write to memory.
pub trait Sink {
    /// Opens `relative_path` (e.g. `claims.json`, `shards/ab.json`) for writing.
    fn create(&mut self, relative_path: &str) -> std::io::Result<Box<dyn std::io::Write + '_>>;
}

/// One recipient and the amount in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The recipient.
    pub address: Address,
    /// The amount in base units.
    pub amount: U256,
}
