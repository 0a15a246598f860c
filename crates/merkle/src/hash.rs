//! Leaf and node hash functions of the supported ecosystems.

use alloy_primitives::{keccak256, Address, B256, U256};
use sha2::{Digest, Sha256};

/// How two child nodes combine into their parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeHash {
    /// `keccak256(min(a,b) ‖ max(a,b))`: Uniswap, OpenZeppelin, ENS, merkletreejs `sortPairs`.
    KeccakSorted,
    /// `sha256(0x01 ‖ min(a,b) ‖ max(a,b))`: the Solana distributors (Jito, Jupiter).
    Sha256Prefixed,
}

impl NodeHash {
    /// Hashes a pair of children. Commutative by construction, which is why proofs carry no
    /// left/right flags.
    #[inline]
    pub fn pair(self, a: &B256, b: &B256) -> B256 {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        match self {
            NodeHash::KeccakSorted => {
                let mut buf = [0u8; 64];
                buf[..32].copy_from_slice(lo.as_slice());
                buf[32..].copy_from_slice(hi.as_slice());
                keccak256(buf)
            }
            NodeHash::Sha256Prefixed => {
                let mut h = Sha256::new();
                h.update([1u8]);
                h.update(lo.as_slice());
                h.update(hi.as_slice());
                B256::from_slice(&h.finalize())
            }
        }
    }

    /// Folds a proof from a leaf to the root it implies.
    pub fn fold(self, leaf: B256, proof: &[B256]) -> B256 {
        proof
            .iter()
            .fold(leaf, |acc, sibling| self.pair(&acc, sibling))
    }
}

/// Uniswap's leaf: `keccak256(abi.encodePacked(uint256 index, address account, uint256 amount))`.
#[inline]
pub fn uniswap_leaf(index: u64, account: &Address, amount: &U256) -> B256 {
    let mut buf = [0u8; 84];
    buf[24..32].copy_from_slice(&index.to_be_bytes());
    buf[32..52].copy_from_slice(account.as_slice());
    buf[52..84].copy_from_slice(&amount.to_be_bytes::<32>());
    keccak256(buf)
}

/// ENS / Hop / Balancer / Morpho leaf: `keccak256(abi.encodePacked(address account, uint256 amount))`.
#[inline]
pub fn packed_leaf(account: &Address, amount: &U256) -> B256 {
    let mut buf = [0u8; 52];
    buf[..20].copy_from_slice(account.as_slice());
    buf[20..].copy_from_slice(&amount.to_be_bytes::<32>());
    keccak256(buf)
}

/// OpenZeppelin's standard leaf over already ABI-encoded values:
/// `keccak256(bytes.concat(keccak256(abi.encode(values...))))`. The double hash keeps a leaf
/// from ever being mistaken for an inner node (second-preimage safety).
#[inline]
pub fn oz_leaf_from_encoded(encoded: &[u8]) -> B256 {
    keccak256(keccak256(encoded))
}

/// OpenZeppelin's standard leaf for the common `(address, uint256)` encoding without going
/// through the dynamic ABI encoder: the hot path of large drops.
#[inline]
pub fn oz_address_amount_leaf(account: &Address, amount: &U256) -> B256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(account.as_slice());
    buf[32..].copy_from_slice(&amount.to_be_bytes::<32>());
    oz_leaf_from_encoded(&buf)
}

/// The Solana distributors' leaf: `sha256(0x00 ‖ sha256(claimant ‖ u64le unlocked ‖ u64le locked))`.
pub fn jito_leaf(claimant: &[u8; 32], unlocked: u64, locked: u64) -> B256 {
    let node = Sha256::new()
        .chain_update(claimant)
        .chain_update(unlocked.to_le_bytes())
        .chain_update(locked.to_le_bytes())
        .finalize();
    B256::from_slice(
        &Sha256::new()
            .chain_update([0u8])
            .chain_update(node)
            .finalize(),
    )
}
