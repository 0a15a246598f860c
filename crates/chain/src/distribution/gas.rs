//! The one table of measured gas of this project's claim distributors: what `airdrop cost`
//! prices the claim side with and what `airdrop deploy --dry-run` falls back on when there is
//! nothing to simulate against. Figures come from anvil receipts against OpenZeppelin's ERC-20
//! (docs/performance.md); they depend only on the committed contracts and the EVM rules, not
//! on the machine. The anvil test `cost_matches_receipts` re-measures every row through the
//! CLI and fails beyond 2 %, so a changed contract shows up there first.

/// Gas of one way of deploying a distributor (a clone through the factory, or the whole
/// contract) and of every transaction a claim campaign sends to it. `*_exec` rows are what the
/// transaction spends beyond the 21 000 of a transaction and its calldata (the calldata depends
/// on the bundle's proofs, so the caller adds it); the others are whole receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimPathGas {
    /// Deploying the distributor (receipt; the constructor arguments move it by < 0.5 %).
    pub deploy: u64,
    /// `claim` without vesting, first of its 256-claim bitmap word (the word goes 0 → non-zero).
    pub claim_first_exec: u64,
    /// `claim` without vesting, a later claim of a word already written.
    pub claim_later_exec: u64,
    /// `claim` with vesting: a recipient's first claim (the claimed amount slot is written).
    pub vesting_first_exec: u64,
    /// `claim` with vesting: a follow-up that does not finish the allocation.
    pub vesting_follow_up_exec: u64,
    /// `claim` with vesting: the follow-up that finishes it, setting its bit in a word already
    /// written (the first of a word costs `claim_first_exec - claim_later_exec` more).
    pub vesting_last_exec: u64,
    /// `claimWithSignature` over `claim`: EIP-712 hashing, ECDSA recovery, the nonce slot.
    pub relay_extra_exec: u64,
    /// `clawback` of what is left to a `clawback_to` that holds none of the token yet (receipt).
    pub clawback: u64,
}

/// Gas of the claim distributors, both ways of deploying them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DistributorGas {
    /// The factory and its implementation, once per chain, through the CREATE2 deployer
    /// (receipt).
    pub factory_deploy: u64,
    /// Funding a fresh distributor with one ERC-20 transfer to its empty balance (receipt).
    pub fund: u64,
    /// A clone through the factory (`airdrop deploy`, the default): a claim without vesting
    /// runs in the clone's own code; every other call pays a cold `DELEGATECALL` to the
    /// implementation.
    pub clone: ClaimPathGas,
    /// The whole `AirdropDistributor` (`airdrop deploy --full`).
    pub full: ClaimPathGas,
}

/// Measured figures of the contracts in `contracts/distribution/artifacts`, see
/// [`DistributorGas`]; docs/performance.md, *Clones whose own code claims*, has the receipts.
/// Where two bundles' receipts differ (the execution of a claim moves by a few hundred gas
/// with the recipient's proof; a deployment with the vesting arguments' calldata), the row is
/// their mean.
pub const DISTRIBUTOR_GAS: DistributorGas = DistributorGas {
    factory_deploy: 1_922_217,
    fund: 51_647,
    clone: ClaimPathGas {
        deploy: 178_743,
        claim_first_exec: 57_556,
        claim_later_exec: 40_768,
        vesting_first_exec: 65_353,
        vesting_follow_up_exec: 31_475,
        vesting_last_exec: 33_926,
        relay_extra_exec: 35_050,
        clawback: 55_983,
    },
    full: ClaimPathGas {
        deploy: 1_337_755,
        claim_first_exec: 59_415,
        claim_later_exec: 42_314,
        vesting_first_exec: 61_700,
        vesting_follow_up_exec: 27_812,
        vesting_last_exec: 30_395,
        relay_extra_exec: 29_890,
        clawback: 54_018,
    },
};

impl DistributorGas {
    /// The figures of a clone (`full == false`) or of the whole contract.
    pub fn path(&self, full: bool) -> &ClaimPathGas {
        if full {
            &self.full
        } else {
            &self.clone
        }
    }
}
