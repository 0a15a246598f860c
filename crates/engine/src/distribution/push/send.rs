//! Driving one signed transaction to an end, crash-safe: every signed transaction is recorded
//! in the ledger before it is sent, and a recorded one is only ever rebroadcast (same hash, so
//! it can be mined at most once) or declared displaced when its nonce went to another one.

use super::super::input;
use super::paid::u256;
use crate::{Progress, Result};
use airdrop_chain::distribution::BATCH_SENDER_ARTIFACT;
use airdrop_chain::distribution::{
    known, mined_nonce, receipt, send_raw, sign, Mined, SendOutcome,
};
use airdrop_chain::distribution::{Chain, Sender};
use airdrop_chain::ChainError;
use airdrop_merkle::address::parse_address;
use airdrop_store::{AuxTx, PushLedger};
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::time::{Duration, Instant};

const DEPLOY_KIND: &str = "deploy-batch-sender";
/// How long a used nonce must stay without our receipt, and with the node not knowing our
/// transaction, before the batch counts as displaced and is re-planned. Re-planning a batch that
/// was in fact mined would pay its recipients twice, so this errs long: nodes can count a nonce
/// before they serve its receipt.
const DISPLACED_AFTER: Duration = Duration::from_secs(10);

/// The paying account on one chain.
pub(crate) struct Payer {
    pub(crate) chain: Chain,
    pub(crate) sender: Sender,
    pub(crate) signer: PrivateKeySigner,
    pub(crate) chain_id: u64,
    pub(crate) from: Address,
    pub(crate) timeout: Duration,
    pub(crate) block_gas_limit: u64,
}

/// How a recorded transaction ended.
pub(crate) enum Settled {
    Mined(Mined),
    /// The nonce was used by another transaction: ours will never be mined.
    Displaced,
    /// The node refuses the transaction outright (not "known", not "nonce too low") while its
    /// nonce is unused, e.g. gas above the block limit or too little ETH for gas.
    Rejected(String),
}

impl Payer {
    /// Drives a stored signed transaction to an end: mined (either way) or displaced.
    pub(crate) async fn settle(&self, nonce: u64, hash: B256, raw: &Bytes) -> Result<Settled> {
        let started = Instant::now();
        let mut last_send: Option<Instant> = None;
        let mut used_since: Option<Instant> = None;
        loop {
            if let Some(m) = receipt(&self.chain, hash).await? {
                return Ok(Settled::Mined(m));
            }
            let used = mined_nonce(&self.chain, self.from).await?;
            if used > nonce {
                // Nonce read first, receipt second: if ours was the one mined, we see it now.
                if let Some(m) = receipt(&self.chain, hash).await? {
                    return Ok(Settled::Mined(m));
                }
                if known(&self.chain, hash).await? {
                    // Mined (or about to be) but not indexed yet: wait for the receipt.
                    used_since = None;
                } else {
                    let since = *used_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= DISPLACED_AFTER {
                        return Ok(Settled::Displaced);
                    }
                }
                if started.elapsed() > self.timeout + DISPLACED_AFTER {
                    return Err(input(format!("transaction {hash} (nonce {nonce}): the nonce is used but the node serves no receipt for it after {}s; rerun `airdrop push` to reconcile it again", started.elapsed().as_secs())));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            used_since = None;
            if last_send.is_none_or(|t| t.elapsed() > Duration::from_secs(15)) {
                match send_raw(&self.chain, raw).await {
                    Ok(SendOutcome::Accepted | SendOutcome::AlreadyKnown) => {}
                    Ok(SendOutcome::NonceTooLow) => {
                        tracing::info!(%hash, nonce, "node says nonce too low; reconciling");
                    }
                    Err(ChainError::Node { message, .. }) => {
                        return Ok(Settled::Rejected(message));
                    }
                    Err(e) => return Err(e.into()),
                }
                last_send = Some(Instant::now());
            }
            if started.elapsed() > self.timeout {
                return Err(input(format!(
                    "transaction {hash} (nonce {nonce}) was not mined within {}s; it is recorded in the ledger: rerun `airdrop push`, which rebroadcasts the same transaction (it can be mined only once)",
                    self.timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs a call with the account's next nonce and a gas limit from the estimate.
    pub(crate) async fn sign_call(
        &self,
        to: Option<Address>,
        data: Bytes,
    ) -> Result<airdrop_chain::distribution::SignedTx> {
        let gas = self
            .chain
            .estimate_gas(self.from, to, &data, U256::ZERO)
            .await?;
        let fees = self.chain.fees().await?;
        let nonce = self.chain.nonce(self.from).await?;
        let limit = super::plan::gas_limit_for(gas, self.block_gas_limit);
        Ok(sign(
            &self.signer,
            self.chain_id,
            nonce,
            to,
            data,
            U256::ZERO,
            limit,
            fees,
        )?)
    }

    /// The recorded BatchSender, deploying one (crash-safe: signed and recorded first) if needed.
    pub(crate) async fn batch_sender(
        &self,
        ledger: &mut PushLedger,
        progress: &dyn Progress,
    ) -> Result<Address> {
        loop {
            if let Some(a) = ledger.run()?.and_then(|r| r.batch_sender) {
                return parse_address(&a).map_err(|e| input(format!("ledger batch_sender: {e}")));
            }
            let aux = match ledger.aux(DEPLOY_KIND)? {
                // Killed between recording the deployment and recording its address.
                Some(a) if a.state == "confirmed" => {
                    let addr = a.address.clone().ok_or_else(|| {
                        input("ledger: the confirmed BatchSender deployment has no address; the ledger was edited")
                    })?;
                    ledger.set_batch_sender(&addr)?;
                    continue;
                }
                Some(a) if a.state == "signed" || a.state == "sent" => a,
                _ => {
                    let code =
                        airdrop_chain::distribution::creation_bytecode(BATCH_SENDER_ARTIFACT)?;
                    let tx = self.sign_call(None, code).await?;
                    let a = AuxTx {
                        kind: DEPLOY_KIND.to_owned(),
                        state: "signed".to_owned(),
                        nonce: tx.nonce,
                        tx_hash: tx.hash.to_string(),
                        raw_tx: tx.raw.to_vec(),
                        address: Some(self.from.create(tx.nonce).to_checksum(None)),
                        block: None,
                    };
                    ledger.put_aux(&a)?;
                    a
                }
            };
            self.settle_deployment(ledger, aux, progress).await?;
        }
    }

    async fn settle_deployment(
        &self,
        ledger: &mut PushLedger,
        aux: AuxTx,
        progress: &dyn Progress,
    ) -> Result<()> {
        let hash: B256 = aux.tx_hash.parse().map_err(|e| input(format!("{e}")))?;
        let raw = Bytes::from(aux.raw_tx.clone());
        let mut a = aux.clone();
        match self.settle(aux.nonce, hash, &raw).await? {
            Settled::Mined(m) if m.status == 1 => {
                a.state = "confirmed".to_owned();
                a.block = Some(m.block);
                ledger.put_aux(&a)?;
                let addr = a.address.clone().unwrap_or_default();
                ledger.set_batch_sender(&addr)?;
                progress.message(&format!(
                    "deployed BatchSender at {addr} (tx {hash}, block {})",
                    m.block
                ));
            }
            Settled::Mined(m) => {
                a.state = "failed".to_owned();
                a.block = Some(m.block);
                ledger.put_aux(&a)?;
                return Err(input(format!("deploying BatchSender reverted (tx {hash}, block {}); check the sender's gas balance and rerun", m.block)));
            }
            Settled::Displaced => {
                a.state = "failed".to_owned();
                ledger.put_aux(&a)?;
            }
            Settled::Rejected(message) => {
                a.state = "failed".to_owned();
                ledger.put_aux(&a)?;
                return Err(input(format!("the node refused the BatchSender deployment (tx {hash}): {message}; fix the cause and rerun `airdrop push`")));
            }
        }
        Ok(())
    }

    /// Settles batch `id` (signed or sent): true when it got confirmed; a displaced batch is
    /// marked failed and re-planned; a reverted one is marked failed and stops the push.
    pub(crate) async fn settle_batch(
        &self,
        ledger: &mut PushLedger,
        id: u64,
        progress: &dyn Progress,
    ) -> Result<bool> {
        let b = ledger.batch(id)?;
        let (Some(nonce), Some(hash), Some(raw)) = (b.nonce, b.tx_hash.clone(), b.raw_tx.clone())
        else {
            return Err(input(format!(
                "ledger {}: batch {id} is {} without a transaction; the ledger was edited",
                ledger.path().display(),
                b.state.as_str()
            )));
        };
        let hash: B256 = hash
            .parse()
            .map_err(|e| input(format!("ledger batch {id} tx hash: {e}")))?;
        match self.settle(nonce, hash, &Bytes::from(raw)).await? {
            Settled::Mined(m) if m.status == 1 => {
                ledger.mark_confirmed(id, m.block, m.gas_used)?;
                Ok(true)
            }
            Settled::Mined(m) => {
                ledger.mark_failed(id, Some(m.block), &format!("reverted in block {}", m.block))?;
                Err(input(format!("batch {id} (tx {hash}) reverted in block {}: nobody in it was paid; it is re-planned: inspect it with `cast run {hash}`, fix the cause and rerun `airdrop push`", m.block)))
            }
            Settled::Rejected(message) => Err(rejected(ledger, id, hash, &message)),
            Settled::Displaced => {
                ledger.mark_failed(
                    id,
                    None,
                    &format!("nonce {nonce} was used by another transaction"),
                )?;
                progress.message(&format!("batch {id}: nonce {nonce} was used by another transaction; nobody in it was paid; re-planning it"));
                ledger.replan(id)?;
                Ok(false)
            }
        }
    }
}

/// Recipients confirmed so far of all the ledger's, as the `batches` stage's done/total.
pub(crate) fn report_confirmed(ledger: &PushLedger, progress: &dyn Progress) -> Result<()> {
    let all = ledger.batches()?;
    let total: u64 = all.iter().map(|b| b.count).sum();
    let done: u64 = all
        .iter()
        .filter(|b| b.state == airdrop_store::BatchState::Confirmed)
        .map(|b| b.count)
        .sum();
    progress.done("batches", done, total);
    Ok(())
}

/// A batch the node refused while its nonce is unused: the stored transaction cannot be mined
/// as long as a replacement takes that nonce, and the replacement is signed with the account's
/// next nonce, which is that one (nothing else of ours is pending: every earlier batch is
/// settled first). So it is safe to re-plan; the push stops so the cause gets fixed.
pub(crate) fn rejected(
    ledger: &mut PushLedger,
    id: u64,
    hash: B256,
    message: &str,
) -> crate::EngineError {
    let why = format!("the node refused it: {message}");
    if let Err(e) = ledger
        .mark_failed(id, None, &why)
        .and_then(|()| ledger.replan(id))
    {
        return input(format!(
            "batch {id} (tx {hash}): {why}; recording that failed too: {e}"
        ));
    }
    input(format!("batch {id} (tx {hash}): {why}; nobody in it was paid and it is re-planned: fix the cause (gas, ETH balance) and rerun `airdrop push`"))
}

/// The open batches' total, from the ledger.
pub(crate) fn open_total(ledger: &PushLedger) -> Result<U256> {
    ledger
        .batches()?
        .iter()
        .filter(|b| b.state != airdrop_store::BatchState::Confirmed)
        .map(|b| u256(&b.total))
        .sum()
}
