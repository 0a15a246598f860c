//! Distribution: bindings of the distribution contracts and of ERC-20, the `Claimed` event,
//! reading contract state and sending signed transactions, and the chain side of push.
//!
//! - `contracts`: `sol!` over the committed artifacts, the EIP-712 [`Claim`], revert names;
//! - `clone`: the clone factory (deterministic address through the CREATE2 deployer), clone
//!   address prediction ([`predict_clone`]);
//! - `gas`: the one table of the distributors' measured gas, [`DISTRIBUTOR_GAS`];
//! - `found`: the look-up of distributors already deployed for a root ([`deployed_for_root`]);
//! - [`erc20`]: the one ERC-20 binding ([`IERC20`]), shared with the snapshot code;
//! - `claimed`: the one `Claimed` decoder ([`ClaimedEvent::decode`], [`claims_in`]);
//! - `tx`: [`Chain`] (reads) and [`Sender`] (signs and sends with a local key);
//! - `push`: signing without sending, raw sends, receipts and nonces `airdrop push` reconciles
//!   its ledger with.
//!
//! These call [`crate::Rpc`] directly (generic JSON-RPC methods: receipts, raw sends, gas), not
//! [`crate::ChainClient`]: that trait holds the snapshot's calls only. Their unit tests plug a
//! scripted transport (`testing::ScriptedNode`, feature `test-support`) under the same `Rpc`.

mod claimed;
mod clone;
mod contracts;
pub mod erc20;
mod found;
mod gas;
mod push;
mod tx;

pub use claimed::{claimed_topic, claims_in, ClaimedEvent};
pub use clone::{
    clone_creation, clone_runtime, clone_salt, factory_address, factory_deploy_data,
    implementation_address, predict_clone, AirdropDistributorClone, AirdropDistributorFactory,
    CloneCreation, CloneParams, CLONE_ARTIFACT, CREATE2_DEPLOYER, FACTORY_ARTIFACT, FACTORY_SALT,
    FRONT_ARTIFACT,
};
pub use contracts::{
    claim_signing_hash, creation_bytecode, decode_revert, runtime_bytecode, AirdropDistributor,
    BatchSender, Claim, BATCH_SENDER_ARTIFACT, CLAIM_TYPE, DISTRIBUTOR_ARTIFACT,
};
pub use erc20::IERC20;
pub use found::{deployed_for_root, FoundDistributor, DEPLOY_SCAN_NONCES};
pub use gas::{ClaimPathGas, DistributorGas, DISTRIBUTOR_GAS};
pub use push::{
    calldata_gas, known, mined_nonce, past_payments, push_calldata, receipt, send_raw, sign, Mined,
    PastPayment, PushPath, SendOutcome, SignedTx, PACKED_AMOUNT_MAX,
};
pub use tx::{explain_revert, Chain, Fees, Receipt, Sender};
