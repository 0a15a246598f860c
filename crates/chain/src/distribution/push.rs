//! Chain side of `airdrop push`: transactions signed without being sent (so the caller can
//! store them first), raw sends that tell "already known" and "nonce too low" apart from real
//! errors, receipt look-ups that do not fail on a revert, and the mined ("latest") nonce.
//!
//! The push engine and its ledger live in the CLI (moving to the engine crate) (`commands/push.rs`) over `airdrop-store`;
//! this module keeps the chain crate free of SQLite.

use super::tx::{Chain, Fees};
use crate::error::{ChainError, Result};
use crate::rpc::RawLog;
use crate::snapshot::transfer_topic;
use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy::eips::eip2718::Encodable2718;
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy_primitives::{keccak256, Address, Bytes, TxKind, B256, U256, U64};
use serde_json::{json, Value};
use std::collections::HashSet;

/// A transaction signed and not yet sent.
#[derive(Debug, Clone)]
pub struct SignedTx {
    /// EIP-2718 bytes.
    pub raw: Bytes,
    /// Its hash (keccak256 of `raw`).
    pub hash: B256,
    /// Its nonce.
    pub nonce: u64,
}

/// What the node said to a raw transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted into the pool.
    Accepted,
    /// The pool already has it (a resend of the same bytes).
    AlreadyKnown,
    /// Its nonce is used: it was mined already, or another transaction took the nonce.
    NonceTooLow,
}

/// A mined transaction, reverted or not.
#[derive(Debug, Clone)]
pub struct Mined {
    /// 1 = success, 0 = reverted.
    pub status: u64,
    /// Block.
    pub block: u64,
    /// Gas used.
    pub gas_used: u64,
    /// The raw receipt (logs, …).
    pub raw: Value,
}

/// Signs a transaction (EIP-1559, or legacy with EIP-155 when `fees.tip` is `None`).
#[allow(clippy::too_many_arguments)]
pub fn sign(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Option<Address>,
    data: Bytes,
    value: U256,
    gas_limit: u64,
    fees: Fees,
) -> Result<SignedTx> {
    let kind = match to {
        Some(a) => TxKind::Call(a),
        None => TxKind::Create,
    };
    let fail = |e: alloy::signers::Error| ChainError::Params(format!("signing failed: {e}"));
    let raw = match fees.tip {
        Some(tip) => {
            let tx = TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: fees.max_fee,
                max_priority_fee_per_gas: tip,
                to: kind,
                value,
                access_list: Default::default(),
                input: data,
            };
            let sig = signer.sign_hash_sync(&tx.signature_hash()).map_err(fail)?;
            TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
        }
        None => {
            let tx = TxLegacy {
                chain_id: Some(chain_id),
                nonce,
                gas_price: fees.max_fee,
                gas_limit,
                to: kind,
                value,
                input: data,
            };
            let sig = signer.sign_hash_sync(&tx.signature_hash()).map_err(fail)?;
            TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
        }
    };
    Ok(SignedTx {
        hash: keccak256(&raw),
        raw: Bytes::from(raw),
        nonce,
    })
}

/// Sends `raw`; "already known" and "nonce too low" are outcomes, not errors: the caller
/// reconciles them against receipts and nonces.
pub async fn send_raw(chain: &Chain, raw: &Bytes) -> Result<SendOutcome> {
    match chain
        .rpc
        .call::<_, B256>("eth_sendRawTransaction", (raw.clone(),))
        .await
    {
        Ok(_) => Ok(SendOutcome::Accepted),
        Err(ChainError::Node { message, .. }) if is_known(&message) => {
            Ok(SendOutcome::AlreadyKnown)
        }
        Err(ChainError::Node { message, .. }) if is_nonce_low(&message) => {
            Ok(SendOutcome::NonceTooLow)
        }
        Err(e) => Err(e),
    }
}

fn is_known(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("already known") || m.contains("already imported") || m.contains("known transaction")
}

fn is_nonce_low(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("nonce too low")
        || m.contains("nonce is too low")
        || m.contains("nonce has already been used")
}

/// The receipt of `hash`, `None` while it is not mined.
pub async fn receipt(chain: &Chain, hash: B256) -> Result<Option<Mined>> {
    let r: Value = chain.rpc.call("eth_getTransactionReceipt", (hash,)).await?;
    if r.is_null() {
        return Ok(None);
    }
    let q = |k: &str| -> Result<u64> {
        r.get(k)
            .and_then(Value::as_str)
            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| ChainError::BadResponse {
                method: "eth_getTransactionReceipt".to_owned(),
                detail: format!("receipt of {hash} has no hex {k:?}"),
            })
    };
    Ok(Some(Mined {
        status: q("status")?,
        block: q("blockNumber")?,
        gas_used: q("gasUsed")?,
        raw: r.clone(),
    }))
}

/// Whether the node knows `hash` at all (in its pool or mined). A node that already counts a
/// nonce as used may still answer `null` for the receipt for a moment (anvil between mining and
/// indexing; a load-balanced endpoint whose backends lag each other), so "nonce used, no
/// receipt" alone never proves a transaction was displaced.
pub async fn known(chain: &Chain, hash: B256) -> Result<bool> {
    let t: Value = chain.rpc.call("eth_getTransactionByHash", (hash,)).await?;
    Ok(!t.is_null())
}

/// Transactions of `address` mined so far (the "latest" nonce): a nonce below it is used.
pub async fn mined_nonce(chain: &Chain, address: Address) -> Result<u64> {
    let v: U64 = chain
        .rpc
        .call("eth_getTransactionCount", (address, "latest"))
        .await?;
    Ok(v.to::<u64>())
}

/// Which `BatchSender` entry point a batch is encoded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PushPath {
    /// `sendERC20Packed`: one 32-byte word per recipient (address in the high 160 bits, amount
    /// in the low 96); used when every amount of the batch fits in 96 bits.
    Packed,
    /// `sendERC20`: an address word and an amount word per recipient, for wider amounts.
    Wide,
}

/// Largest amount the packed path carries (2^96 - 1 base units, about 79 billion tokens of 18
/// decimals).
pub const PACKED_AMOUNT_MAX: U256 = U256::from_limbs([u64::MAX, u32::MAX as u64, 0, 0]);

/// The calldata of one push batch: `sendERC20Packed` when every amount fits in 96 bits (half
/// the calldata, less work per recipient), else `sendERC20`.
pub fn push_calldata(token: Address, batch: &[(Address, U256)], total: U256) -> (Bytes, PushPath) {
    use super::contracts::BatchSender;
    use alloy::sol_types::SolCall;
    if batch.iter().all(|(_, a)| *a <= PACKED_AMOUNT_MAX) {
        let packed = batch
            .iter()
            .map(|(r, a)| (U256::from_be_slice(r.as_slice()) << 96) | *a)
            .collect();
        let call = BatchSender::sendERC20PackedCall {
            token,
            packed,
            total,
        };
        (Bytes::from(call.abi_encode()), PushPath::Packed)
    } else {
        let call = BatchSender::sendERC20Call {
            token,
            recipients: batch.iter().map(|b| b.0).collect(),
            amounts: batch.iter().map(|b| b.1).collect(),
            total,
        };
        (Bytes::from(call.abi_encode()), PushPath::Wide)
    }
}

/// Intrinsic calldata gas of `data` (EIP-2028): 4 per zero byte, 16 per other byte.
pub fn calldata_gas(data: &[u8]) -> u64 {
    data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

/// A transfer of the pushed token the chain shows from the paying account: sent by it directly,
/// or by a BatchSender inside a transaction whose `BatchSent` names it as the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastPayment {
    /// Who received it.
    pub to: Address,
    /// Base units.
    pub amount: U256,
    /// The transaction that paid it.
    pub tx: B256,
    /// Its block.
    pub block: u64,
}

fn word(a: Address) -> B256 {
    a.into_word()
}

async fn get_logs(chain: &Chain, filter: Value) -> Result<Vec<RawLog>> {
    chain.rpc.call("eth_getLogs", (filter,)).await
}

/// Every transfer of `token` from `sender` (directly or through any BatchSender it called) in
/// blocks `from..=to`, scanned in windows of `window` blocks. This is what the chain itself says
/// was paid, whatever a local ledger remembers: a lost or rebuilt ledger cannot hide it.
pub async fn past_payments(
    chain: &Chain,
    token: Address,
    sender: Address,
    (from, to): (u64, u64),
    window: u64,
) -> Result<Vec<PastPayment>> {
    let batch_sent = {
        use alloy::sol_types::SolEvent;
        super::contracts::BatchSender::BatchSent::SIGNATURE_HASH
    };
    let mut out = Vec::new();
    let mut lo = from;
    while lo <= to {
        let hi = to.min(lo.saturating_add(window.max(1) - 1));
        let range = (U64::from(lo), U64::from(hi));
        // Batches this sender sent of this token, through whichever BatchSender.
        let batches = get_logs(
            chain,
            json!({"fromBlock": range.0, "toBlock": range.1,
                   "topics": [batch_sent, word(token), word(sender)]}),
        )
        .await?;
        let batch_txs: HashSet<B256> = batches.iter().filter_map(|l| l.transaction_hash).collect();
        let mut payers: Vec<B256> = vec![word(sender)];
        payers.extend(batches.iter().map(|l| word(l.address)));
        // Batches of one push share their BatchSender: one topic each, not one per batch.
        payers.sort_unstable();
        payers.dedup();
        let transfers = get_logs(
            chain,
            json!({"address": token, "fromBlock": range.0, "toBlock": range.1,
                   "topics": [transfer_topic(), payers]}),
        )
        .await?;
        for l in transfers {
            let (Some(payer), Some(to_topic), Some(tx)) =
                (l.topics.get(1), l.topics.get(2), l.transaction_hash)
            else {
                continue;
            };
            let direct = Address::from_word(*payer) == sender;
            if (direct || batch_txs.contains(&tx)) && l.data.len() == 32 {
                out.push(PastPayment {
                    to: Address::from_word(*to_topic),
                    amount: U256::from_be_slice(&l.data),
                    tx,
                    block: l.block_number.to::<u64>(),
                });
            }
        }
        if hi == u64::MAX {
            break;
        }
        lo = hi + 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_when_every_amount_fits_96_bits() {
        use super::super::contracts::BatchSender;
        use alloy::sol_types::SolCall;
        let token = Address::repeat_byte(0x70);
        let r = Address::repeat_byte(0xff);
        let max = PACKED_AMOUNT_MAX;
        assert_eq!(max, (U256::from(1u8) << 96) - U256::from(1u8));
        let (data, path) = push_calldata(token, &[(r, max), (Address::ZERO, U256::from(5u8))], max);
        assert_eq!(path, PushPath::Packed);
        let call = BatchSender::sendERC20PackedCall::abi_decode(&data).unwrap();
        assert_eq!(call.packed.len(), 2);
        // Address in the high 160 bits, amount in the low 96: the word is the two side by side.
        let w = call.packed[0].to_be_bytes::<32>();
        assert_eq!(&w[..20], r.as_slice());
        assert_eq!(U256::from_be_slice(&w[20..]), max);
        assert_eq!(call.packed[1], U256::from(5u8));
        // One amount too wide sends the whole batch the wide way.
        let (data, path) = push_calldata(
            token,
            &[(r, max + U256::from(1u8)), (r, U256::from(1u8))],
            U256::ZERO,
        );
        assert_eq!(path, PushPath::Wide);
        let call = BatchSender::sendERC20Call::abi_decode(&data).unwrap();
        assert_eq!(call.amounts[0], max + U256::from(1u8));
        assert_eq!(call.recipients, vec![r, r]);
        assert_eq!(calldata_gas(&[0, 1, 0, 255]), 4 + 16 + 4 + 16);
    }

    #[test]
    fn node_messages() {
        assert!(is_known("already known"));
        assert!(is_known("Transaction already imported"));
        assert!(is_nonce_low("nonce too low: next nonce 5, tx nonce 3"));
        assert!(!is_nonce_low("insufficient funds"));
    }
}
