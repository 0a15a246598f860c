//! Bindings for the distribution contracts (`contracts/distribution/artifacts/*.json`, committed
//! `{contractName, abi, bytecode, deployedBytecode}` files) made with alloy's `sol!`, the EIP-712
//! `Claim` a recipient signs for a gasless claim, and the vesting-percent → basis-points mapping.

use super::erc20::IERC20;
use crate::error::{ChainError, Result};
use alloy::sol_types::{eip712_domain, SolError, SolInterface, SolStruct};
use alloy_primitives::{Address, Bytes, B256};

/// The committed artifact of `AirdropDistributor` (JSON text).
pub const DISTRIBUTOR_ARTIFACT: &str =
    include_str!("../../../../contracts/distribution/artifacts/AirdropDistributor.json");
/// The committed artifact of `BatchSender` (JSON text).
pub const BATCH_SENDER_ARTIFACT: &str =
    include_str!("../../../../contracts/distribution/artifacts/BatchSender.json");

alloy::sol!(
    #[allow(missing_docs)]
    #[derive(Debug)]
    AirdropDistributor,
    "../../contracts/distribution/artifacts/AirdropDistributor.json"
);

alloy::sol!(
    #[allow(missing_docs)]
    #[derive(Debug)]
    BatchSender,
    "../../contracts/distribution/artifacts/BatchSender.json"
);

alloy::sol! {
    /// What a recipient signs to authorise `claimWithSignature` (EIP-712).
    #[allow(missing_docs)]
    #[derive(Debug, PartialEq, Eq)]
    struct Claim {
        uint256 index;
        address account;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }
}

/// The EIP-712 type string of [`Claim`] (its keccak256 is the contract's `CLAIM_TYPEHASH`).
pub const CLAIM_TYPE: &str =
    "Claim(uint256 index,address account,uint256 amount,uint256 nonce,uint256 deadline)";

/// Creation bytecode of a committed artifact (`bytecode`, hex with `0x`).
pub fn creation_bytecode(artifact: &str) -> Result<Bytes> {
    artifact_hex(artifact, "bytecode")
}

/// Runtime bytecode of a committed artifact (`deployedBytecode`).
pub fn runtime_bytecode(artifact: &str) -> Result<Bytes> {
    artifact_hex(artifact, "deployedBytecode")
}

fn artifact_hex(artifact: &str, key: &str) -> Result<Bytes> {
    let v: serde_json::Value = serde_json::from_str(artifact)
        .map_err(|e| ChainError::Params(format!("contract artifact is not json: {e}")))?;
    let name = v
        .get("contractName")
        .and_then(|n| n.as_str())
        .unwrap_or("?");
    let text = v.get(key).and_then(|b| b.as_str()).ok_or_else(|| {
        ChainError::Params(format!(
            "contract artifact {name} has no {key:?} string; rerun contracts/distribution/test.sh --write-artifacts"
        ))
    })?;
    let bytes = alloy_primitives::hex::decode(text).map_err(|e| {
        ChainError::Params(format!("contract artifact {name}: {key} is not hex: {e}"))
    })?;
    if bytes.is_empty() {
        return Err(ChainError::Params(format!(
            "contract artifact {name}: {key} is empty"
        )));
    }
    Ok(bytes.into())
}

/// The EIP-712 digest a recipient signs for `claimWithSignature` on `distributor`.
pub fn claim_signing_hash(claim: &Claim, chain_id: u64, distributor: Address) -> B256 {
    let domain = eip712_domain! {
        name: "AirdropDistributor",
        version: "1",
        chain_id: chain_id,
        verifying_contract: distributor,
    };
    claim.eip712_signing_hash(&domain)
}

/// Names a revert by the distributor or the token, from its return data, e.g.
/// `ClaimWindowClosed(deadline: 123)`; `None` when the data matches no known error.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    if let Ok(e) = AirdropDistributor::AirdropDistributorErrors::abi_decode(data) {
        return Some(format!("{e:?}"));
    }
    // A clone's and the factory's own errors (the rest share the full contract's selectors).
    use super::clone::{AirdropDistributorClone as C, AirdropDistributorFactory as F};
    if let Ok(e) = C::AirdropDistributorCloneErrors::abi_decode(data) {
        return Some(format!("{e:?}"));
    }
    if let Ok(e) = F::AirdropDistributorFactoryErrors::abi_decode(data) {
        return Some(format!("{e:?}"));
    }
    if let Ok(e) = IERC20::ERC20InsufficientBalance::abi_decode(data) {
        return Some(format!(
            "ERC20InsufficientBalance(sender {}, balance {}, needed {})",
            e.sender, e.balance, e.needed
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy::sol_types::SolCall;
    use alloy_primitives::keccak256;

    #[test]
    fn artifacts_exist_and_decode() {
        for (artifact, name) in [
            (DISTRIBUTOR_ARTIFACT, "AirdropDistributor"),
            (BATCH_SENDER_ARTIFACT, "BatchSender"),
        ] {
            let v: serde_json::Value = serde_json::from_str(artifact).unwrap();
            assert_eq!(v["contractName"], name);
            assert!(v["abi"].as_array().unwrap().len() > 3);
            let code = creation_bytecode(artifact).unwrap();
            let runtime = runtime_bytecode(artifact).unwrap();
            assert!(code.len() > runtime.len(), "{name}");
        }
        assert_eq!(
            creation_bytecode(DISTRIBUTOR_ARTIFACT).unwrap(),
            AirdropDistributor::BYTECODE.clone()
        );
        assert_eq!(
            runtime_bytecode(BATCH_SENDER_ARTIFACT).unwrap(),
            BatchSender::DEPLOYED_BYTECODE.clone()
        );
        // The generated selectors are the artifact's.
        assert_eq!(
            AirdropDistributor::claimCall::SELECTOR,
            keccak256("claim(uint256,address,uint256,bytes32[])")[..4]
        );
    }

    #[test]
    fn claim_type_matches_contract() {
        assert_eq!(Claim::eip712_encode_type(), CLAIM_TYPE);
    }

    #[test]
    fn revert_decoding() {
        let data = AirdropDistributor::AlreadyClaimed {
            index: alloy_primitives::U256::from(3u64),
        }
        .abi_encode();
        assert!(decode_revert(&data).unwrap().contains("AlreadyClaimed"));
        assert!(decode_revert(&[1, 2, 3, 4]).is_none());
    }
}
