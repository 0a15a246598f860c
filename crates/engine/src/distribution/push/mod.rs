//! Pays every recipient of a bundle directly with `BatchSender` (`sendERC20Packed`, or
//! `sendERC20` for a batch with an amount wider than 96 bits), in batches sized to the block gas
//! limit, recording each batch in a SQLite ledger (`airdrop-store`) so that a push
//! killed at any moment resumes without paying anyone twice or skipping anyone.
//!
//! Per batch, strictly, each step one committed ledger change:
//! 1. planned → signed: the transaction is built with the account's next nonce and signed; raw
//!    bytes, hash and nonce are committed *before* anything is sent;
//! 2. signed → sent: the raw transaction is sent ("already known" / "nonce too low" answers are
//!    reconciled, not errors);
//! 3. sent → confirmed (receipt status 1) or failed (status 0, or the nonce was taken by another
//!    transaction: the batch's transaction can then never be mined, so nobody in it was paid).
//!    A failed batch is re-planned and gets a new transaction with a new nonce.
//!
//! On start, batches left signed or sent are reconciled the same way: a mined receipt settles
//! them; an unused nonce means the stored raw transaction is rebroadcast (same hash, so it can be
//! mined at most once); a used nonce without our receipt means it was displaced.

mod ledger;
mod paid;
mod plan;
mod send;

pub use ledger::{ledger_status, LedgerStatus};
pub(crate) use paid::{chain_paid, sent_in_ledger};
pub use plan::{batch_size, push_plan, PlannedBatch, PushPlan, GAS_PER_RECIPIENT, GAS_TX};

use super::{connect, input, refused, Bundle, StateDir};
use crate::{Cancel, Progress, Result};
use airdrop_chain::distribution::{push_calldata, BATCH_SENDER_ARTIFACT};
use airdrop_chain::distribution::{receipt, send_raw};
use airdrop_chain::distribution::{Chain, Sender};
use airdrop_chain::ChainError;
use airdrop_chain::IERC20;
use airdrop_merkle::address::parse_address;
use airdrop_store::{BatchState, PushLedger, PushRun};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};
use paid::{refuse_if_deployed, u256};
use send::{open_total, rejected, report_confirmed, Payer};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to push, with which key, over which node.
#[derive(Debug, Clone)]
pub struct PushInput<'a> {
    /// The bundle.
    pub bundle: &'a Bundle,
    /// JSON-RPC endpoint of the bundle's chain.
    pub rpc: &'a str,
    /// The paying account (holds the tokens, pays the gas).
    pub signer: PrivateKeySigner,
    /// The ledger; `None`: the state folder's (or one an older version left in the bundle).
    pub ledger: Option<PathBuf>,
    /// Where ledgers and deployment records are kept.
    pub state: &'a StateDir,
    /// Plan anew although the chain shows this sender already paid the plan's recipients.
    pub pay_again: bool,
    /// First block to search for past payments.
    pub since_block: Option<u64>,
    /// Recipients per batch instead of what fits in the block (only when planning).
    pub batch_size: Option<u64>,
    /// A deployed BatchSender to use instead of deploying one.
    pub batch_sender: Option<Address>,
    /// How long to wait for each receipt.
    pub receipt_timeout: Duration,
    /// Plan and estimate only: send nothing, write no ledger.
    pub dry_run: bool,
    /// Testing aid: sleep this long after a batch is signed and recorded, before it is sent,
    /// so a test can kill the process in that window. It only sleeps.
    #[doc(hidden)]
    pub pause_after_sign: Option<Duration>,
}

/// What a push did.
#[derive(Debug, Clone)]
pub enum PushOutcome {
    /// A dry run: the plan and its cost; nothing sent, no ledger written.
    Estimate(PushEstimate),
    /// Every batch was already confirmed.
    NothingToDo {
        /// Batches of the plan.
        batches: u64,
        /// Recipients of the plan.
        recipients: u64,
    },
    /// This run confirmed the rest of the batches.
    Pushed {
        /// Recipients paid by this run.
        pushed: u64,
        /// How long this run took.
        elapsed: Duration,
        /// Recipients of the plan.
        recipients: u64,
        /// Batches of the plan.
        batches: u64,
        /// Gas used by all the plan's batches.
        gas: u64,
        /// The ledger.
        ledger: PathBuf,
    },
}

/// A push's plan and cost at the current gas price.
#[derive(Debug, Clone)]
pub struct PushEstimate {
    /// The chain.
    pub chain_id: u64,
    /// The paying account.
    pub sender: Address,
    /// The token.
    pub token: Address,
    /// Recipients of the plan.
    pub recipients: u64,
    /// Recipients still to pay.
    pub remaining_recipients: u64,
    /// Batches of the plan.
    pub batches: u64,
    /// Batches still to send.
    pub open_batches: u64,
    /// Recipients per batch.
    pub batch_size: u64,
    /// The node's block gas limit.
    pub block_gas_limit: u64,
    /// Still to pay, base units.
    pub remaining: U256,
    /// Gas to deploy a BatchSender (0 when one is known).
    pub deploy_gas: u64,
    /// Gas of the approval.
    pub approve_gas: u64,
    /// Predicted gas of the open batches (fresh recipients; each batch encoded as it will be
    /// sent, packed or wide).
    pub batch_gas: u64,
    /// All of it.
    pub total_gas: u64,
    /// Base fee + tip now, wei per gas.
    pub price: U256,
    /// The sender's ETH.
    pub gas_balance: U256,
}

/// The ledger opened (or planned) for this push, and what is left to send.
struct Prepared {
    ledger: Option<PushLedger>,
    claims: u64,
    size: u64,
    gas_limit: u64,
    /// (id, count, total, state, predicted gas) per batch.
    batches: Vec<BatchRow>,
}

/// (id, count, total, state, predicted gas) of one batch.
type BatchRow = (u64, u64, U256, BatchState, u64);

impl Prepared {
    fn open(&self) -> impl Iterator<Item = &BatchRow> {
        self.batches.iter().filter(|b| b.3 != BatchState::Confirmed)
    }
}

/// Pushes the bundle (stage `batches`, done/total in recipients confirmed). `cancel` stops it
/// between batches; what was sent stays in the ledger and a rerun resumes.
pub async fn push(
    input: PushInput<'_>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<PushOutcome> {
    let bundle = input.bundle;
    progress.stage("check", 0);
    let chain = connect(input.rpc)?;
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    let from = input.signer.address();
    let token = bundle.token;
    if chain.code(token).await?.is_empty() {
        return Err(super::input(format!("token {token} has no code on chain {chain_id}: it is not a contract there; check the bundle's token and --rpc")));
    }
    let prepared = prepare(&input, &chain, chain_id, from, progress).await?;
    let remaining: U256 = prepared.open().fold(U256::ZERO, |a, b| a + b.2);
    let balance = chain
        .view(token, &IERC20::balanceOfCall { account: from })
        .await?;
    if balance < remaining {
        return Err(super::input(format!(
            "sender {from} is underfunded: it holds {} of token {token} but the push still needs {}; send it the difference {} first",
            bundle.tokens(balance),
            bundle.tokens(remaining),
            bundle.tokens(remaining - balance)
        )));
    }
    let est = estimate(&input, &chain, &prepared, chain_id, from, remaining).await?;
    if input.dry_run {
        return Ok(PushOutcome::Estimate(est));
    }
    let Some(ledger) = prepared.ledger else {
        return Err(super::input("internal: no ledger"));
    };
    let cost = U256::from(est.total_gas) * est.price;
    if est.open_batches > 0 && est.gas_balance < cost {
        return Err(super::input(format!(
            "sender {from} has {} for gas but the rest of the push needs about {} ({} gas at {}); send it the difference {} first",
            super::eth(est.gas_balance),
            super::eth(cost),
            est.total_gas,
            super::gwei(est.price),
            super::eth(cost - est.gas_balance)
        )));
    }
    let payer = Payer {
        chain: chain.clone(),
        sender: Sender::new(chain.clone(), input.signer.clone(), chain_id),
        signer: input.signer.clone(),
        chain_id,
        from,
        timeout: input.receipt_timeout,
        block_gas_limit: prepared.gas_limit,
    };
    let nothing_open = est.open_batches == 0;
    send_all(&input, &payer, ledger, nothing_open, progress, cancel).await
}

/// Opens the ledger (planning it on a first run) after the checks against paying twice.
async fn prepare(
    input: &PushInput<'_>,
    chain: &Chain,
    chain_id: u64,
    from: Address,
    progress: &dyn Progress,
) -> Result<Prepared> {
    let bundle = input.bundle;
    let claims = bundle.claims_in_order()?;
    let path = ledger::ledger_path(bundle, &input.ledger, input.state)?;
    refuse_if_deployed(chain, bundle, input.state, from).await?;
    let planned = path.is_file() && PushLedger::open(&path)?.run()?.is_some();
    if !planned && !input.pay_again {
        if let Some(p) = chain_paid(chain, bundle, bundle.token, from, input.since_block).await? {
            return Err(refused(format!(
                "the chain shows {from} already {}, and this ledger ({}) does not know it (a rebuild by an older version or a lost state folder forgets a ledger; the chain does not): nothing sent. `airdrop push status` reads a ledger you still have (--ledger, --state-dir); to pay them all again on purpose, rerun with --pay-again-i-know",
                p.describe(),
                path.display()
            )));
        }
    }
    progress.stage("plan", 0);
    let gas_limit = block_gas_limit(chain).await?;
    let size = plan::batch_size(gas_limit, input.batch_size);
    let this_run = PushRun {
        bundle_root: bundle.root.to_string(),
        token: bundle.token.to_checksum(None),
        sender: from.to_checksum(None),
        chain_id,
        batch_sender: None,
        batch_size: size,
        recipients: claims.len() as u64,
        total: bundle.total.to_string(),
        created: 0,
    };
    // The plan: the ledger's when it exists (never rewritten), else a new one.
    let ledger = if path.exists() || !input.dry_run {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| super::input(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut l = PushLedger::open(&path)?;
        l.check_run(&this_run)?;
        if l.run()?.is_none() && !input.dry_run {
            let mut run = this_run;
            run.batch_sender = input.batch_sender.map(|a| a.to_checksum(None));
            l.plan(&run, &plan::plan(&claims, size))?;
        }
        Some(l)
    } else {
        None
    };
    let batches = batch_states(chain, ledger.as_ref(), bundle.token, &claims, size).await?;
    Ok(Prepared {
        ledger,
        claims: claims.len() as u64,
        size,
        gas_limit,
        batches,
    })
}

/// (id, count, total, state, predicted gas) per batch: the ledger's, else the plan's. A batch
/// left signed or sent by a killed run whose transaction is already mined successfully counts as
/// paid here (the ledger catches up when it is reconciled): its tokens have left the sender.
async fn batch_states(
    chain: &Chain,
    ledger: Option<&PushLedger>,
    token: Address,
    claims: &[(u64, Address, U256)],
    size: u64,
) -> Result<Vec<BatchRow>> {
    let mut batches = Vec::new();
    match ledger {
        Some(l) if l.run()?.is_some() => {
            let all = l.batches()?;
            let last = all.last().map(|b| b.id);
            for b in all {
                let mut state = b.state;
                if matches!(state, BatchState::Signed | BatchState::Sent) {
                    if let Some(h) = b.tx_hash.as_deref().and_then(|h| h.parse::<B256>().ok()) {
                        if receipt(chain, h).await?.is_some_and(|m| m.status == 1) {
                            state = BatchState::Confirmed;
                        }
                    }
                }
                let total = u256(&b.total)?;
                // Only what is still to send is priced: a resumed push of a large plan does
                // not re-encode the batches already paid.
                let gas = if state == BatchState::Confirmed {
                    0
                } else {
                    let pairs = recipient_pairs(&l.recipients(b.id)?)?;
                    plan::batch_with_gas(token, &pairs, total, last == Some(b.id)).gas
                };
                batches.push((b.id, b.count, total, state, gas));
            }
        }
        _ => {
            let planned = plan::push_plan(token, claims, 0, Some(size));
            for (i, b) in planned.batches.into_iter().enumerate() {
                batches.push((i as u64, b.recipients, b.total, BatchState::Planned, b.gas));
            }
        }
    }
    Ok(batches)
}

async fn block_gas_limit(chain: &Chain) -> Result<u64> {
    let b: serde_json::Value = chain
        .rpc
        .call("eth_getBlockByNumber", ("latest", false))
        .await?;
    b.get("gasLimit")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| super::input("the node's latest block has no gasLimit"))
}

/// The BatchSender the push will use, if one is known already (flag, else ledger).
fn known_batch_sender(
    input: &PushInput<'_>,
    ledger: Option<&PushLedger>,
) -> Result<Option<Address>> {
    if let Some(a) = input.batch_sender {
        return Ok(Some(a));
    }
    match ledger
        .and_then(|l| l.run().ok().flatten())
        .and_then(|r| r.batch_sender)
    {
        Some(a) => {
            Ok(Some(parse_address(&a).map_err(|e| {
                super::input(format!("ledger batch_sender: {e}"))
            })?))
        }
        None => Ok(None),
    }
}

/// The plan's cost by the gas model and the node's estimates.
async fn estimate(
    input: &PushInput<'_>,
    chain: &Chain,
    p: &Prepared,
    chain_id: u64,
    from: Address,
    remaining: U256,
) -> Result<PushEstimate> {
    let token = input.bundle.token;
    let fees = chain.fees().await?;
    let known_sender = known_batch_sender(input, p.ledger.as_ref())?;
    if let Some(bs) = known_sender {
        if chain.code(bs).await?.is_empty() {
            return Err(super::input(format!("BatchSender {bs} has no code on chain {chain_id}; check --batch-sender (or drop it to deploy one)")));
        }
    }
    let open: Vec<u64> = p.open().map(|b| b.1).collect();
    let batch_gas = p.open().map(|b| b.4).sum();
    let deploy_gas = if known_sender.is_none() && !open.is_empty() {
        let code = airdrop_chain::distribution::creation_bytecode(BATCH_SENDER_ARTIFACT)?;
        chain.estimate_gas(from, None, &code, U256::ZERO).await?
    } else {
        0
    };
    let approve_gas = if open.is_empty() {
        0
    } else {
        let spender = known_sender.unwrap_or_else(|| Address::repeat_byte(0x11));
        let data = Bytes::from(
            IERC20::approveCall {
                spender,
                amount: remaining,
            }
            .abi_encode(),
        );
        chain
            .estimate_gas(from, Some(token), &data, U256::ZERO)
            .await?
    };
    Ok(PushEstimate {
        chain_id,
        sender: from,
        token,
        recipients: p.claims,
        remaining_recipients: open.iter().sum(),
        batches: p.batches.len() as u64,
        open_batches: open.len() as u64,
        batch_size: p.size,
        block_gas_limit: p.gas_limit,
        remaining,
        deploy_gas,
        approve_gas,
        batch_gas,
        total_gas: batch_gas + deploy_gas + approve_gas,
        price: U256::from(fees.price_now),
        gas_balance: chain.native_balance(from).await?,
    })
}

/// Reconciles what a killed run left, then signs, records, sends and settles every open batch.
async fn send_all(
    input: &PushInput<'_>,
    payer: &Payer,
    mut ledger: PushLedger,
    nothing_open: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<PushOutcome> {
    let all = ledger.batches()?;
    let recipients: u64 = all.iter().map(|b| b.count).sum();
    // Batches whose transactions are mined count as done even before the ledger catches up.
    if nothing_open {
        return Ok(PushOutcome::NothingToDo {
            batches: all.len() as u64,
            recipients,
        });
    }
    reconcile(payer, &mut ledger, progress).await?;
    progress.stage("approve", 0);
    let batch_sender = payer.batch_sender(&mut ledger, progress).await?;
    approve(input, payer, &ledger, batch_sender, progress).await?;
    progress.stage("batches", recipients);
    report_confirmed(&ledger, progress)?;
    let started = Instant::now();
    let mut pushed = 0u64;
    loop {
        let Some(b) = ledger
            .batches()?
            .into_iter()
            .find(|b| b.state != BatchState::Confirmed)
        else {
            break;
        };
        if b.state == BatchState::Failed {
            ledger.replan(b.id)?;
            continue;
        }
        if b.state == BatchState::Planned {
            // Only a planned batch is a safe point: a signed one must be settled first.
            cancel.check()?;
            send_batch(input, payer, &mut ledger, &b, batch_sender, progress).await?;
        }
        if payer.settle_batch(&mut ledger, b.id, progress).await? {
            pushed += b.count;
            report_confirmed(&ledger, progress)?;
        }
    }
    let all = ledger.batches()?;
    Ok(PushOutcome::Pushed {
        pushed,
        elapsed: started.elapsed(),
        recipients,
        batches: all.len() as u64,
        gas: all.iter().filter_map(|b| b.gas_used).sum(),
        ledger: ledger.path().to_path_buf(),
    })
}

/// Settles the batches a killed run left signed or sent (stage `reconcile`, done/total in
/// batches), before anything new is signed, and re-plans the failed ones.
async fn reconcile(payer: &Payer, ledger: &mut PushLedger, progress: &dyn Progress) -> Result<()> {
    let pending: Vec<u64> = ledger
        .batches()?
        .iter()
        .filter(|b| matches!(b.state, BatchState::Signed | BatchState::Sent))
        .map(|b| b.id)
        .collect();
    let total = pending.len() as u64;
    progress.stage("reconcile", total);
    for (i, id) in pending.into_iter().enumerate() {
        payer.settle_batch(ledger, id, progress).await?;
        progress.done("reconcile", i as u64 + 1, total);
    }
    for b in ledger
        .batches()?
        .iter()
        .filter(|b| b.state == BatchState::Failed)
    {
        ledger.replan(b.id)?;
    }
    Ok(())
}

/// Approves the BatchSender for what is left (approve sets, does not add: repeating it after a
/// crash is harmless).
async fn approve(
    input: &PushInput<'_>,
    payer: &Payer,
    ledger: &PushLedger,
    batch_sender: Address,
    progress: &dyn Progress,
) -> Result<()> {
    let token = input.bundle.token;
    let remaining = open_total(ledger)?;
    let allowance = payer
        .chain
        .view(
            token,
            &IERC20::allowanceCall {
                owner: payer.from,
                spender: batch_sender,
            },
        )
        .await?;
    if allowance < remaining {
        let data = Bytes::from(
            IERC20::approveCall {
                spender: batch_sender,
                amount: remaining,
            }
            .abi_encode(),
        );
        let r = payer.sender.send(Some(token), data, U256::ZERO).await?;
        progress.message(&format!(
            "approved BatchSender {batch_sender} for {} (tx {})",
            input.bundle.tokens(remaining),
            r.hash
        ));
    }
    Ok(())
}

/// Signs planned batch `b`, records it, then sends it.
async fn send_batch(
    input: &PushInput<'_>,
    payer: &Payer,
    ledger: &mut PushLedger,
    b: &airdrop_store::Batch,
    batch_sender: Address,
    progress: &dyn Progress,
) -> Result<()> {
    let pairs = recipient_pairs(&ledger.recipients(b.id)?)?;
    let (data, _) = push_calldata(input.bundle.token, &pairs, u256(&b.total)?);
    let tx = payer
        .sign_call(Some(batch_sender), data)
        .await
        .map_err(|e| {
            input_ctx(
                format!(
                    "batch {} (claims {}..{})",
                    b.id,
                    b.first_index,
                    b.first_index + b.count
                ),
                &e,
            )
        })?;
    ledger.mark_signed(b.id, tx.nonce, &tx.hash.to_string(), &tx.raw)?;
    progress.message(&format!(
        "signed batch {} nonce {} tx {}",
        b.id, tx.nonce, tx.hash
    ));
    if let Some(pause) = input.pause_after_sign {
        tokio::time::sleep(pause).await;
    }
    match send_raw(&payer.chain, &tx.raw).await {
        Ok(_) => Ok(ledger.mark_sent(b.id)?),
        Err(ChainError::Node { message, .. }) => Err(rejected(ledger, b.id, tx.hash, &message)),
        Err(e) => Err(e.into()),
    }
}

/// (address, amount) of a batch's recorded recipients.
fn recipient_pairs(rs: &[airdrop_store::PlannedRecipient]) -> Result<Vec<(Address, U256)>> {
    rs.iter()
        .map(|r| {
            let a = parse_address(&r.address)
                .map_err(|e| super::input(format!("ledger recipient {}: {e}", r.address)))?;
            Ok((a, u256(&r.amount)?))
        })
        .collect()
}

/// `context: cause: its causes`, as one input error.
fn input_ctx(context: String, e: &crate::EngineError) -> crate::EngineError {
    input(format!("{context}: {}", super::one_line(e)))
}
