//! Distributors as minimal clones: the factory's address (CREATE2 through the well-known
//! deployer, so the same on every chain), its implementation's, a clone's immutable args and
//! its CREATE2 address, computed here without asking the chain, the look-up of the transaction
//! that created a clone.
//!
//! A clone's code is `AirdropDistributorFront`'s runtime (the claim without vesting runs there,
//! everything else is delegated), the implementation's address and the packed args; its init
//! code is OpenZeppelin's 10-byte prefix that returns it. The forge test
//! `test_cloneCodeIsFrontPlusPackedArgs` pins the same layout on the Solidity side and the chain
//! tests check a prediction against a real deployment.

use super::contracts::{creation_bytecode, runtime_bytecode};
use super::tx::Chain;
use crate::error::{ChainError, Result};
use alloy::sol_types::SolEvent;
use alloy_primitives::{address, Address, Bytes, B256, U256};
use serde_json::{json, Value};

/// The committed artifact of `AirdropDistributorFactory` (JSON text).
pub const FACTORY_ARTIFACT: &str =
    include_str!("../../../../contracts/distribution/artifacts/AirdropDistributorFactory.json");
/// The committed artifact of `AirdropDistributorClone`, the implementation every clone
/// delegates to (JSON text).
pub const CLONE_ARTIFACT: &str =
    include_str!("../../../../contracts/distribution/artifacts/AirdropDistributorClone.json");
/// The committed artifact of `AirdropDistributorFront`, whose runtime code begins every clone
/// (JSON text).
pub const FRONT_ARTIFACT: &str =
    include_str!("../../../../contracts/distribution/artifacts/AirdropDistributorFront.json");

alloy::sol!(
    #[allow(missing_docs)]
    #[derive(Debug)]
    AirdropDistributorFactory,
    "../../contracts/distribution/artifacts/AirdropDistributorFactory.json"
);

alloy::sol!(
    #[allow(missing_docs)]
    #[derive(Debug)]
    AirdropDistributorClone,
    "../../contracts/distribution/artifacts/AirdropDistributorClone.json"
);

/// The deterministic-deployment proxy (Arachnid's CREATE2 deployer): present on anvil and on
/// most chains at this address; called with `salt ‖ init code`, it CREATE2-deploys the code.
pub const CREATE2_DEPLOYER: Address = address!("4e59b44847b379578588920ca78fbf26c0b4956c");

/// The salt the factory is deployed with through [`CREATE2_DEPLOYER`].
pub const FACTORY_SALT: B256 = B256::ZERO;

/// A clone's parameters: what `AirdropDistributor`'s constructor takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloneParams {
    /// Token paid.
    pub token: Address,
    /// Merkle root (Uniswap-format leaves).
    pub root: B256,
    /// Claims open, unix seconds.
    pub start: u64,
    /// Claims close, unix seconds.
    pub deadline: u64,
    /// Receiver of the clawback.
    pub clawback_to: Address,
    /// The only account that may claw back.
    pub owner: Address,
    /// Vesting: share unlocked at start, basis points.
    pub unlocked_bps: u16,
    /// Vesting cliff, seconds.
    pub cliff: u64,
    /// Vesting duration, seconds (0 = none).
    pub duration: u64,
}

impl CloneParams {
    /// The clone's immutable args, packed as the factory packs them (126 bytes).
    pub fn args(&self) -> Vec<u8> {
        let mut a = Vec::with_capacity(126);
        a.extend_from_slice(self.token.as_slice());
        a.extend_from_slice(self.root.as_slice());
        a.extend_from_slice(&self.start.to_be_bytes());
        a.extend_from_slice(&self.deadline.to_be_bytes());
        a.extend_from_slice(self.clawback_to.as_slice());
        a.extend_from_slice(self.owner.as_slice());
        a.extend_from_slice(&self.unlocked_bps.to_be_bytes());
        a.extend_from_slice(&self.cliff.to_be_bytes());
        a.extend_from_slice(&self.duration.to_be_bytes());
        a
    }

    /// The factory's `Params` struct.
    pub fn to_sol(&self) -> AirdropDistributorFactory::Params {
        AirdropDistributorFactory::Params {
            token: self.token,
            merkleRoot: self.root,
            start: self.start,
            deadline: self.deadline,
            clawbackTo: self.clawback_to,
            owner: self.owner,
            unlockedBps: self.unlocked_bps,
            cliff: self.cliff,
            duration: self.duration,
        }
    }
}

/// The salt of a clone: 0 for a bundle's distributor, 1, 2, … for more on purpose.
pub fn clone_salt(n: u64) -> B256 {
    B256::from(U256::from(n))
}

/// Where the factory is (or will be) on any chain: CREATE2 of its committed creation code by
/// [`CREATE2_DEPLOYER`] with [`FACTORY_SALT`].
pub fn factory_address() -> Result<Address> {
    let code = creation_bytecode(FACTORY_ARTIFACT)?;
    Ok(CREATE2_DEPLOYER.create2_from_code(FACTORY_SALT, &code))
}

/// The data of the transaction to [`CREATE2_DEPLOYER`] that deploys the factory.
pub fn factory_deploy_data() -> Result<Bytes> {
    let mut data = FACTORY_SALT.to_vec();
    data.extend_from_slice(&creation_bytecode(FACTORY_ARTIFACT)?);
    Ok(Bytes::from(data))
}

/// The implementation the factory's constructor creates (the factory's first CREATE, nonce 1).
pub fn implementation_address(factory: Address) -> Address {
    factory.create(1)
}

/// The runtime code of a clone of `implementation` with `args`: the front's runtime, the
/// implementation's address, the args.
pub fn clone_runtime(implementation: Address, args: &[u8]) -> Result<Vec<u8>> {
    let front = runtime_bytecode(FRONT_ARTIFACT)?;
    let mut code = Vec::with_capacity(front.len() + 20 + args.len());
    code.extend_from_slice(&front);
    code.extend_from_slice(implementation.as_slice());
    code.extend_from_slice(args);
    Ok(code)
}

/// Where `factory.deploy(params, salt)` puts (or put) its clone.
pub fn predict_clone(factory: Address, params: &CloneParams, salt: B256) -> Result<Address> {
    let runtime = clone_runtime(implementation_address(factory), &params.args())?;
    // OpenZeppelin's init code: PUSH2 len, RETURNDATASIZE, DUP2, PUSH1 0x0a, RETURNDATASIZE,
    // CODECOPY, RETURN, then the runtime (a few hundred bytes: the length fits in two).
    let len = u16::try_from(runtime.len())
        .map_err(|_| ChainError::Params(format!("clone code of {} bytes", runtime.len())))?
        .to_be_bytes();
    let mut init = vec![
        0x61, len[0], len[1], 0x3d, 0x81, 0x60, 0x0a, 0x3d, 0x39, 0xf3,
    ];
    init.extend_from_slice(&runtime);
    Ok(factory.create2_from_code(salt, &init))
}

/// The creation of a clone, from the factory's `DistributorDeployed` log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloneCreation {
    /// The transaction that deployed it.
    pub tx: B256,
    /// Its block.
    pub block: u64,
    /// The salt it was deployed with.
    pub salt: B256,
}

/// The transaction that created `clone` through `factory`, from the factory's log (one
/// `eth_getLogs` over the whole chain, filtered by the clone's address as a topic);
/// `None` when the factory logged no such deployment.
pub async fn clone_creation(
    chain: &Chain,
    factory: Address,
    clone: Address,
) -> Result<Option<CloneCreation>> {
    let filter = json!({
        "address": factory,
        "fromBlock": "earliest",
        "toBlock": "latest",
        "topics": [
            AirdropDistributorFactory::DistributorDeployed::SIGNATURE_HASH,
            B256::left_padding_from(clone.as_slice()),
        ],
    });
    let logs: Vec<Value> = chain.rpc.call("eth_getLogs", (filter,)).await?;
    let Some(log) = logs.first() else {
        return Ok(None);
    };
    let bad = |detail: String| ChainError::BadResponse {
        method: "eth_getLogs".to_owned(),
        detail,
    };
    let tx: B256 = serde_json::from_value(log["transactionHash"].clone())
        .map_err(|e| bad(format!("log without a transaction hash: {e}")))?;
    let block = log["blockNumber"]
        .as_str()
        .and_then(|b| u64::from_str_radix(b.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| bad(format!("log without a block number: {log}")))?;
    let data: Bytes = serde_json::from_value(log["data"].clone())
        .map_err(|e| bad(format!("log without data: {e}")))?;
    // Data: owner (word 0), salt (word 1).
    let salt = data
        .get(32..64)
        .map(B256::from_slice)
        .ok_or_else(|| bad(format!("DistributorDeployed data of {} bytes", data.len())))?;
    Ok(Some(CloneCreation { tx, block, salt }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy::sol_types::SolCall;

    fn params() -> CloneParams {
        CloneParams {
            token: Address::repeat_byte(1),
            root: B256::repeat_byte(2),
            start: 3,
            deadline: 4,
            clawback_to: Address::repeat_byte(5),
            owner: Address::repeat_byte(6),
            unlocked_bps: 7,
            cliff: 8,
            duration: 9,
        }
    }

    #[test]
    fn args_are_packed_in_the_clones_order() {
        let a = params().args();
        assert_eq!(a.len(), 126);
        assert_eq!(&a[..20], &[1; 20]);
        assert_eq!(&a[20..52], &[2; 32]);
        assert_eq!(a[59], 3);
        assert_eq!(a[67], 4);
        assert_eq!(&a[68..88], &[5; 20]);
        assert_eq!(&a[88..108], &[6; 20]);
        assert_eq!(&a[108..110], &[0, 7]);
        assert_eq!(a[117], 8);
        assert_eq!(a[125], 9);
    }

    #[test]
    fn factory_address_follows_its_code_and_the_deployer() {
        let f = factory_address().unwrap();
        let data = factory_deploy_data().unwrap();
        assert_eq!(&data[..32], FACTORY_SALT.as_slice());
        let init = alloy_primitives::keccak256(&data[32..]);
        assert_eq!(f, CREATE2_DEPLOYER.create2(FACTORY_SALT, init));
        assert_eq!(
            AirdropDistributorFactory::deployCall::SELECTOR,
            alloy_primitives::keccak256(
                "deploy((address,bytes32,uint64,uint64,address,address,uint16,uint64,uint64),bytes32)"
            )[..4]
        );
    }

    #[test]
    fn every_parameter_and_the_salt_move_the_address() {
        let f = Address::repeat_byte(0xfa);
        let base = predict_clone(f, &params(), clone_salt(0)).unwrap();
        assert_eq!(base, predict_clone(f, &params(), clone_salt(0)).unwrap());
        assert_ne!(base, predict_clone(f, &params(), clone_salt(1)).unwrap());
        let mut p = params();
        p.duration = 10;
        assert_ne!(base, predict_clone(f, &p, clone_salt(0)).unwrap());
        assert_ne!(
            base,
            predict_clone(Address::repeat_byte(0xfb), &params(), clone_salt(0)).unwrap()
        );
    }
}
