//! Reading contract state and sending signed transactions over [`Rpc`]: `eth_call`, code and
//! nonces, gas estimates and fees, EIP-1559 (or legacy, where the chain has no base fee)
//! transactions signed locally with a [`PrivateKeySigner`] and sent raw, and their receipts.
//!
//! The key never leaves the signer: it is not logged, printed or put in an error.

use crate::error::{ChainError, Result};
use crate::rpc::Rpc;
use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy::eips::eip2718::Encodable2718;
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256, U64};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Read-only helpers over an [`Rpc`].
#[derive(Debug, Clone)]
pub struct Chain {
    /// The transport.
    pub rpc: Rpc,
}

/// Fees for a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    /// `max_fee_per_gas` (EIP-1559) or the gas price (legacy), wei.
    pub max_fee: u128,
    /// Priority fee, wei; `None` = legacy transaction.
    pub tip: Option<u128>,
    /// What a unit of gas costs now (base fee + tip, or the gas price), wei; for cost figures.
    pub price_now: u128,
}

/// A mined transaction.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Its hash.
    pub hash: B256,
    /// Block it was mined in.
    pub block: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Price paid per gas, wei.
    pub effective_gas_price: u128,
    /// The created contract, for deployments.
    pub contract_address: Option<Address>,
    /// The raw receipt.
    pub raw: Value,
}

fn hex_u64(method: &str, v: &Value) -> Result<u64> {
    let s = v.as_str().ok_or_else(|| ChainError::BadResponse {
        method: method.to_owned(),
        detail: format!("expected a hex quantity, got {v}"),
    })?;
    u64::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|e| ChainError::BadResponse {
        method: method.to_owned(),
        detail: format!("{s:?} is not a hex quantity: {e}"),
    })
}

fn hex_u128(method: &str, v: &Value) -> Result<u128> {
    let s = v.as_str().ok_or_else(|| ChainError::BadResponse {
        method: method.to_owned(),
        detail: format!("expected a hex quantity, got {v}"),
    })?;
    u128::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|e| ChainError::BadResponse {
        method: method.to_owned(),
        detail: format!("{s:?} is not a hex quantity: {e}"),
    })
}

/// Adds a readable custom-error name to a node error whose message carries revert data.
pub fn explain_revert(e: ChainError) -> ChainError {
    if let ChainError::Node {
        method,
        code,
        message,
    } = &e
    {
        if let Some(pos) = message.find("0x") {
            let hex: String = message[pos + 2..]
                .chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if let Ok(data) = alloy_primitives::hex::decode(&hex) {
                if let Some(name) = super::contracts::decode_revert(&data) {
                    return ChainError::Node {
                        method: method.clone(),
                        code: *code,
                        message: format!("{message} ({name})"),
                    };
                }
            }
        }
    }
    e
}

impl Chain {
    /// Helpers over `rpc`.
    pub fn new(rpc: Rpc) -> Chain {
        Chain { rpc }
    }

    /// `eth_chainId`.
    pub async fn chain_id(&self) -> Result<u64> {
        let v: U64 = self.rpc.call("eth_chainId", ()).await?;
        Ok(v.to::<u64>())
    }

    /// Fails with [`ChainError::ChainIdMismatch`] unless the node serves `expected`.
    pub async fn expect_chain_id(&self, expected: u64) -> Result<u64> {
        let actual = self.chain_id().await?;
        if actual != expected {
            return Err(ChainError::ChainIdMismatch {
                url: self.rpc.shown_url(),
                expected,
                actual,
            });
        }
        Ok(actual)
    }

    /// Code at `address` (latest block).
    pub async fn code(&self, address: Address) -> Result<Bytes> {
        self.rpc.call("eth_getCode", (address, "latest")).await
    }

    /// Transaction count of `address` (pending, i.e. the next nonce).
    pub async fn nonce(&self, address: Address) -> Result<u64> {
        let v: U64 = self
            .rpc
            .call("eth_getTransactionCount", (address, "pending"))
            .await?;
        Ok(v.to::<u64>())
    }

    /// Native balance of `address`, wei.
    pub async fn native_balance(&self, address: Address) -> Result<U256> {
        self.rpc.call("eth_getBalance", (address, "latest")).await
    }

    /// The latest block's number and timestamp.
    pub async fn head(&self) -> Result<(u64, u64)> {
        let b: Value = self
            .rpc
            .call("eth_getBlockByNumber", ("latest", false))
            .await?;
        Ok((
            hex_u64("eth_getBlockByNumber", &b["number"])?,
            hex_u64("eth_getBlockByNumber", &b["timestamp"])?,
        ))
    }

    /// Calls `call` on `to` at the latest block and decodes the answer.
    pub async fn view<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return> {
        let data = Bytes::from(call.abi_encode());
        let out: Bytes = self
            .rpc
            .call("eth_call", (json!({ "to": to, "data": data }), "latest"))
            .await
            .map_err(explain_revert)?;
        C::abi_decode_returns(&out).map_err(|e| ChainError::BadResponse {
            method: "eth_call".to_owned(),
            detail: format!(
                "{}: {e}; is {to} the contract you think it is?",
                C::SIGNATURE
            ),
        })
    }

    /// `eth_estimateGas` of a transaction from `from`.
    pub async fn estimate_gas(
        &self,
        from: Address,
        to: Option<Address>,
        data: &Bytes,
        value: U256,
    ) -> Result<u64> {
        let mut tx = json!({ "from": from, "data": data, "value": value });
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        let v: U64 = self
            .rpc
            .call("eth_estimateGas", (tx,))
            .await
            .map_err(explain_revert)?;
        Ok(v.to::<u64>())
    }

    /// Current fees: EIP-1559 when the latest block has a base fee (max fee = 2 × base + tip),
    /// else the legacy gas price.
    pub async fn fees(&self) -> Result<Fees> {
        let b: Value = self
            .rpc
            .call("eth_getBlockByNumber", ("latest", false))
            .await?;
        match b.get("baseFeePerGas").filter(|v| !v.is_null()) {
            Some(base) => {
                let base = hex_u128("eth_getBlockByNumber", base)?;
                let tip: Value = self.rpc.call("eth_maxPriorityFeePerGas", ()).await?;
                let tip = hex_u128("eth_maxPriorityFeePerGas", &tip)?;
                Ok(Fees {
                    max_fee: base.saturating_mul(2).saturating_add(tip),
                    tip: Some(tip),
                    price_now: base.saturating_add(tip),
                })
            }
            None => {
                let p: Value = self.rpc.call("eth_gasPrice", ()).await?;
                let p = hex_u128("eth_gasPrice", &p)?;
                Ok(Fees {
                    max_fee: p,
                    tip: None,
                    price_now: p,
                })
            }
        }
    }

    /// Waits for the receipt of `hash`; fails when the transaction reverted.
    pub async fn wait(&self, hash: B256, timeout: Duration) -> Result<Receipt> {
        let started = Instant::now();
        loop {
            let r: Value = self.rpc.call("eth_getTransactionReceipt", (hash,)).await?;
            if !r.is_null() {
                let m = "eth_getTransactionReceipt";
                let status = hex_u64(m, &r["status"])?;
                let block = hex_u64(m, &r["blockNumber"])?;
                if status != 1 {
                    return Err(ChainError::Params(format!(
                        "transaction {hash} reverted in block {block}; nothing was changed by it (inspect it with `cast run {hash}`)"
                    )));
                }
                let contract_address = r
                    .get("contractAddress")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok());
                return Ok(Receipt {
                    hash,
                    block,
                    gas_used: hex_u64(m, &r["gasUsed"])?,
                    effective_gas_price: r
                        .get("effectiveGasPrice")
                        .map(|v| hex_u128(m, v))
                        .transpose()?
                        .unwrap_or(0),
                    contract_address,
                    raw: r,
                });
            }
            if started.elapsed() > timeout {
                return Err(ChainError::Params(format!(
                    "transaction {hash} was not mined within {}s; it may still be mined: check it before sending again",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A [`Chain`] plus a local key that signs and sends transactions.
#[derive(Debug, Clone)]
pub struct Sender {
    /// Reads.
    pub chain: Chain,
    signer: PrivateKeySigner,
    chain_id: u64,
    /// How long to wait for each receipt.
    pub timeout: Duration,
}

impl Sender {
    /// A sender for `signer` on a node of chain `chain_id` (checked by the caller).
    pub fn new(chain: Chain, signer: PrivateKeySigner, chain_id: u64) -> Sender {
        Sender {
            chain,
            signer,
            chain_id,
            timeout: Duration::from_secs(120),
        }
    }

    /// The sender's address.
    /// The chain it sends on.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The sending account.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Signs a 32-byte digest (e.g. an EIP-712 hash); returns the 65-byte `r‖s‖v` signature.
    pub fn sign_digest(&self, digest: &B256) -> Result<Bytes> {
        let sig = self
            .signer
            .sign_hash_sync(digest)
            .map_err(|e| ChainError::Params(format!("signing failed: {e}")))?;
        Ok(Bytes::from(sig.as_bytes().to_vec()))
    }

    /// Estimates, signs, sends and waits for one transaction (`to = None` deploys `data`).
    /// Gas limit = estimate × 1.2.
    pub async fn send(&self, to: Option<Address>, data: Bytes, value: U256) -> Result<Receipt> {
        let from = self.address();
        let gas = self.chain.estimate_gas(from, to, &data, value).await?;
        let gas_limit = gas.saturating_add(gas / 5);
        let fees = self.chain.fees().await?;
        let nonce = self.chain.nonce(from).await?;
        let kind = match to {
            Some(a) => TxKind::Call(a),
            None => TxKind::Create,
        };
        let raw = match fees.tip {
            Some(tip) => {
                let tx = TxEip1559 {
                    chain_id: self.chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: fees.max_fee,
                    max_priority_fee_per_gas: tip,
                    to: kind,
                    value,
                    access_list: Default::default(),
                    input: data,
                };
                let sig = self
                    .signer
                    .sign_hash_sync(&tx.signature_hash())
                    .map_err(|e| ChainError::Params(format!("signing failed: {e}")))?;
                TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
            }
            None => {
                let tx = TxLegacy {
                    chain_id: Some(self.chain_id),
                    nonce,
                    gas_price: fees.max_fee,
                    gas_limit,
                    to: kind,
                    value,
                    input: data,
                };
                let sig = self
                    .signer
                    .sign_hash_sync(&tx.signature_hash())
                    .map_err(|e| ChainError::Params(format!("signing failed: {e}")))?;
                TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
            }
        };
        let local = alloy_primitives::keccak256(&raw);
        // A retry after a lost answer finds the transaction already in the pool: same hash.
        let hash = match self
            .chain
            .rpc
            .call::<_, B256>("eth_sendRawTransaction", (Bytes::from(raw),))
            .await
        {
            Ok(h) => h,
            Err(ChainError::Node { message, .. })
                if message.to_ascii_lowercase().contains("already known") =>
            {
                local
            }
            Err(e) => return Err(explain_revert(e)),
        };
        tracing::info!(%hash, nonce, gas_limit, "transaction sent");
        self.chain.wait(hash, self.timeout).await
    }
}
