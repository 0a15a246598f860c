//! `airdrop push`: pays every recipient of a bundle directly with `BatchSender.sendERC20`, in
//! batches sized to the block gas limit, recording each batch in a SQLite ledger
//! (`airdrop-store`) so that a push killed at any moment resumes without paying anyone twice or
//! skipping anyone. `airdrop push status` reports the ledger.
//!
//! The engine lives here (the CLI wires chain and store); the chain side (signing without
//! sending, raw sends, receipts, mined nonces) is `airdrop_chain::push`.
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

use super::deploy::{chain, eth, gwei, runtime, Bundle, KeyArgs, StateArgs, LEDGER_FILE};
use airdrop_chain::distributor::{deployed_for_root, BatchSender, BATCH_SENDER_ARTIFACT};
use airdrop_chain::error::ChainError;
use airdrop_chain::push::{
    known, mined_nonce, past_payments, receipt, send_raw, sign, Mined, SendOutcome,
};
use airdrop_chain::tx::{Chain, Sender};
use airdrop_merkle::address::parse_address;
use airdrop_store::{AuxTx, BatchState, PlannedRecipient, PushLedger, PushRun};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};
use anyhow::{anyhow, bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

alloy::sol! {
    /// The ERC-20 calls the push makes.
    #[allow(missing_docs)]
    #[derive(Debug)]
    interface IERC20Push {
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
    }
}

/// Blocks per `eth_getLogs` request when the chain's history is searched for past payments.
const HISTORY_WINDOW: u64 = 10_000;
/// Testing aid: sleep this many milliseconds after a batch is signed and recorded, before it is
/// sent (so a test can kill the process in that window). It only sleeps.
const PAUSE_ENV: &str = "AIRDROP_PUSH_PAUSE_AFTER_SIGN_MS";
/// Gas model for sizing batches and dry runs (docs/performance.md, *Contracts (gas)*): per
/// transaction 21 000 + ≈ 18 000 for the pull, per fresh recipient 25 415 + 597 calldata.
const GAS_TX: u64 = 21_000 + 18_000;
const GAS_PER_RECIPIENT: u64 = 25_415 + 597;
const DEPLOY_KIND: &str = "deploy-batch-sender";
/// How long a used nonce must stay without our receipt, and with the node not knowing our
/// transaction, before the batch counts as displaced and is re-planned. Re-planning a batch that
/// was in fact mined would pay its recipients twice, so this errs long: nodes can count a nonce
/// before they serve its receipt.
const DISPLACED_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PushArgs {
    #[command(subcommand)]
    pub command: Option<PushCommand>,
    /// Bundle folder written by `airdrop build` (manifest.json + claims.json).
    #[arg(long)]
    pub bundle: Option<PathBuf>,
    /// JSON-RPC endpoint of the chain the bundle is for.
    #[arg(long)]
    pub rpc: Option<String>,
    /// The paying account's key (it holds the tokens and pays the gas).
    #[command(flatten)]
    pub key: KeyArgs,
    /// The ledger (SQLite); default `push-ledger.sqlite` in the state folder of the bundle's
    /// chain, token and root (or, for bundles pushed by older versions, the one inside the bundle).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// Where push ledgers and deployment records are kept.
    #[command(flatten)]
    pub state: StateArgs,
    /// Start a new plan although the chain shows this sender already paid this bundle's
    /// recipients their amounts: pays them again.
    #[arg(long)]
    pub pay_again_i_know: bool,
    /// First block to search for past payments of this plan [default: the bundle's earliest
    /// snapshot block, else the token's deployment block].
    #[arg(long, value_name = "N")]
    pub since_block: Option<u64>,
    /// Recipients per batch instead of what fits in the block gas limit (only when planning).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<u64>,
    /// Use this deployed BatchSender instead of deploying one.
    #[arg(long, value_name = "ADDR")]
    pub batch_sender: Option<String>,
    /// Seconds to wait for each receipt.
    #[arg(long, default_value_t = 120)]
    pub receipt_timeout_secs: u64,
    /// Plan, estimate gas and cost; send nothing and write no ledger.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum PushCommand {
    /// What the ledger says: batches per state, recipients paid and remaining, last transaction.
    Status(PushStatusArgs),
}

#[derive(Debug, clap::Args)]
pub struct PushStatusArgs {
    /// Bundle folder.
    #[arg(long)]
    pub bundle: PathBuf,
    /// The ledger; default: the one `airdrop push` uses.
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// Where push ledgers are kept.
    #[command(flatten)]
    pub state: StateArgs,
    /// One JSON object (amounts as decimal strings of base units).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: PushArgs) -> anyhow::Result<()> {
    if let Some(PushCommand::Status(s)) = args.command {
        return status(s);
    }
    let dir = args
        .bundle
        .clone()
        .ok_or_else(|| anyhow!("give the bundle with --bundle DIR"))?;
    let rpc = args
        .rpc
        .clone()
        .ok_or_else(|| anyhow!("give the node with --rpc URL"))?;
    let bundle = Bundle::load(&dir)?;
    let signer = args.key.signer()?;
    if args.batch_size == Some(0) {
        bail!("--batch-size 0: a batch needs at least one recipient");
    }
    runtime()?.block_on(push(&args, &rpc, &bundle, signer))
}

/// The ledger of this bundle: `--ledger`, else the state folder's, else one an older version
/// left inside the bundle for this root (used where it is), else the state folder's (new).
fn ledger_path(
    bundle: &Bundle,
    ledger: &Option<PathBuf>,
    state: &StateArgs,
) -> anyhow::Result<PathBuf> {
    if let Some(l) = ledger {
        return Ok(l.clone());
    }
    let own = state
        .folder(bundle.chain_id, bundle.token, bundle.root)?
        .join(LEDGER_FILE);
    let legacy = bundle.dir.join(LEDGER_FILE);
    if own.exists() || !legacy.is_file() {
        return Ok(own);
    }
    // A rebuild keeps an old bundle's ledger even when the root changed: only one of this
    // bundle's plan is this bundle's.
    let run = PushLedger::open(&legacy)?.run()?;
    let mine = run.is_some_and(|r| {
        r.chain_id == bundle.chain_id
            && r.bundle_root.eq_ignore_ascii_case(&bundle.root.to_string())
    });
    Ok(if mine { legacy } else { own })
}

/// Recipients of batches a ledger shows sent or paid (None: no ledger, or nothing sent).
pub(crate) fn sent_in_ledger(path: &Path) -> anyhow::Result<Option<u64>> {
    if !path.is_file() {
        return Ok(None);
    }
    let l = PushLedger::open(path)?;
    let n: u64 = l
        .batches()?
        .iter()
        .filter(|b| {
            matches!(
                b.state,
                BatchState::Signed | BatchState::Sent | BatchState::Confirmed
            )
        })
        .map(|b| b.count)
        .sum();
    Ok((n > 0).then_some(n))
}

/// What the chain shows `sender` already paid of a bundle's plan.
#[derive(Debug)]
pub(crate) struct ChainPaid {
    /// Recipients of the plan that received exactly their amount.
    pub exact: usize,
    /// Recipients of the plan that received another amount (an earlier or corrected campaign).
    pub other: usize,
    /// Recipients in the plan.
    pub of: usize,
    /// The first payment of an exact amount (transaction, block).
    pub first_exact: Option<(B256, u64)>,
    /// The first payment to any recipient of the plan.
    pub first: (B256, u64),
}

impl ChainPaid {
    /// "paid 3 of this bundle's 40 recipients their exact amounts and 2 others another amount
    /// of this token (first in tx …, block …)".
    fn describe(&self) -> String {
        let (tx, block) = self.first;
        match (self.exact, self.other) {
            (e, 0) => format!("paid {e} of this bundle's {} recipients their exact amounts (first in tx {tx}, block {block})", self.of),
            (0, o) => format!("sent {o} of this bundle's {} recipients other amounts of this token, maybe for an earlier or corrected campaign (first in tx {tx}, block {block})", self.of),
            (e, o) => format!("paid {e} of this bundle's {} recipients their exact amounts and {o} others another amount of this token (first in tx {tx}, block {block})", self.of),
        }
    }
}

/// Searches the chain (from `since`, else the bundle's earliest snapshot block, else the
/// token's deployment block) for transfers of `token` from `sender`, directly or through a
/// BatchSender, to recipients of this bundle (their exact amounts or others).
pub(crate) async fn chain_paid(
    chain: &Chain,
    bundle: &Bundle,
    token: Address,
    sender: Address,
    since: Option<u64>,
) -> anyhow::Result<Option<ChainPaid>> {
    let plan: std::collections::HashMap<Address, U256> = claims_in_order(bundle)?
        .into_iter()
        .map(|(_, a, v)| (a, v))
        .collect();
    let (head, _) = chain.head().await?;
    // Nothing of a plan can be paid before its snapshot, nor before the token existed.
    let from = match since.or(bundle.first_block) {
        Some(b) => b,
        None => airdrop_chain::snapshot::deploy_block(&chain.rpc, token, head).await?,
    };
    let payments = past_payments(chain, token, sender, (from, head), HISTORY_WINDOW).await?;
    let (mut exact, mut other) = (HashSet::new(), HashSet::new());
    let (mut first_exact, mut first) = (None, None);
    for p in payments {
        let Some(want) = plan.get(&p.to) else {
            continue;
        };
        first.get_or_insert((p.tx, p.block));
        if *want == p.amount {
            exact.insert(p.to);
            first_exact.get_or_insert((p.tx, p.block));
        } else {
            other.insert(p.to);
        }
    }
    let other = other.difference(&exact).count();
    Ok(first.map(|first| ChainPaid {
        exact: exact.len(),
        other,
        of: plan.len(),
        first_exact,
        first,
    }))
}

/// Refuses to push a bundle that is deployed: a deployment record of its root, or a
/// distributor for its root that the sender created (recipients would be paid and could claim).
async fn refuse_if_deployed(
    chain: &Chain,
    bundle: &Bundle,
    state: &StateArgs,
    from: Address,
) -> anyhow::Result<()> {
    if let Some((path, v)) = bundle.find_record(state)? {
        bail!(
            "this bundle is deployed: distributor {} (recorded in {}); its recipients claim from it, and a push would pay them a second time: nothing sent. Use `airdrop claim`/`airdrop status` for a deployed bundle",
            v.get("distributor").and_then(Value::as_str).unwrap_or("?"),
            path.display()
        );
    }
    let (found, _) = deployed_for_root(chain, from, bundle.root).await?;
    if let Some(f) = found.first() {
        bail!(
            "this bundle is deployed: {from} created distributor {} for its root {} (nonce {}); its recipients claim from it, and a push would pay them a second time: nothing sent",
            f.address,
            bundle.root,
            f.nonce
        );
    }
    Ok(())
}

/// The bundle's claims in index order.
pub(crate) fn claims_in_order(bundle: &Bundle) -> anyhow::Result<Vec<(u64, Address, U256)>> {
    let claims = bundle
        .claims
        .get("claims")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("claims.json has no claims object"))?;
    let mut out = Vec::with_capacity(claims.len());
    for (k, v) in claims {
        let who = parse_address(k).map_err(|e| anyhow!("claims.json: {k}: {e}"))?;
        let index = v
            .get("index")
            .and_then(Value::as_u64)
            .ok_or_else(|| anyhow!("claims.json: {k}: index missing"))?;
        let amount = airdrop_merkle::amount::parse_amount(
            v.get("amount")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("claims.json: {k}: amount missing"))?,
        )
        .map_err(|e| anyhow!("claims.json: {k}: {e}"))?;
        out.push((index, who, amount));
    }
    out.sort_by_key(|c| c.0);
    Ok(out)
}

fn plan(claims: &[(u64, Address, U256)], size: u64) -> Vec<(Vec<PlannedRecipient>, String)> {
    claims
        .chunks(usize::try_from(size).unwrap_or(usize::MAX).max(1))
        .map(|chunk| {
            let total: U256 = chunk.iter().map(|c| c.2).fold(U256::ZERO, |a, b| a + b);
            (
                chunk
                    .iter()
                    .map(|(i, a, v)| PlannedRecipient {
                        claim_index: *i,
                        address: a.to_checksum(None),
                        amount: v.to_string(),
                    })
                    .collect(),
                total.to_string(),
            )
        })
        .collect()
}

fn u256(s: &str) -> anyhow::Result<U256> {
    s.parse()
        .map_err(|e| anyhow!("ledger amount {s:?} is not an integer: {e}"))
}

async fn block_gas_limit(chain: &Chain) -> anyhow::Result<u64> {
    let b: Value = chain
        .rpc
        .call("eth_getBlockByNumber", ("latest", false))
        .await?;
    b.get("gasLimit")
        .and_then(Value::as_str)
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| anyhow!("the node's latest block has no gasLimit"))
}

/// Recipients per batch that fit in 75 % of the block gas limit by the gas model, so that the
/// transaction's gas limit (the estimate plus 20 %) stays under the block's.
fn fitting_batch(gas_limit: u64) -> u64 {
    (gas_limit / 4 * 3)
        .saturating_sub(GAS_TX + 20_000)
        .checked_div(GAS_PER_RECIPIENT)
        .unwrap_or(1)
        .max(1)
}

struct Engine {
    chain: Chain,
    sender: Sender,
    signer: PrivateKeySigner,
    chain_id: u64,
    from: Address,
    timeout: Duration,
    block_gas_limit: u64,
}

enum Settled {
    Mined(Mined),
    /// The nonce was used by another transaction: ours will never be mined.
    Displaced,
    /// The node refuses the transaction outright (not "known", not "nonce too low") while its
    /// nonce is unused, e.g. gas above the block limit or too little ETH for gas.
    Rejected(String),
}

impl Engine {
    /// Drives a stored signed transaction to an end: mined (either way) or displaced.
    async fn settle(&self, nonce: u64, hash: B256, raw: &Bytes) -> anyhow::Result<Settled> {
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
                    bail!("transaction {hash} (nonce {nonce}): the nonce is used but the node serves no receipt for it after {}s; rerun `airdrop push` to reconcile it again", started.elapsed().as_secs());
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
                bail!(
                    "transaction {hash} (nonce {nonce}) was not mined within {}s; it is recorded in the ledger: rerun `airdrop push`, which rebroadcasts the same transaction (it can be mined only once)",
                    self.timeout.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn sign_call(
        &self,
        to: Option<Address>,
        data: Bytes,
    ) -> anyhow::Result<airdrop_chain::push::SignedTx> {
        let gas = self
            .chain
            .estimate_gas(self.from, to, &data, U256::ZERO)
            .await?;
        let fees = self.chain.fees().await?;
        let nonce = self.chain.nonce(self.from).await?;
        // A limit above the block's is refused by every node: cap the 20 % margin there.
        let limit = gas
            .saturating_add(gas / 5)
            .min(self.block_gas_limit.max(gas));
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
    async fn batch_sender(&self, ledger: &mut PushLedger) -> anyhow::Result<Address> {
        loop {
            if let Some(a) = ledger.run()?.and_then(|r| r.batch_sender) {
                return parse_address(&a).map_err(|e| anyhow!("ledger batch_sender: {e}"));
            }
            let aux = match ledger.aux(DEPLOY_KIND)? {
                // Killed between recording the deployment and recording its address.
                Some(a) if a.state == "confirmed" => {
                    let addr = a.address.clone().ok_or_else(|| {
                        anyhow!("ledger: the confirmed BatchSender deployment has no address; the ledger was edited")
                    })?;
                    ledger.set_batch_sender(&addr)?;
                    continue;
                }
                Some(a) if a.state == "signed" || a.state == "sent" => a,
                _ => {
                    let code =
                        airdrop_chain::distributor::creation_bytecode(BATCH_SENDER_ARTIFACT)?;
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
            let hash: B256 = aux.tx_hash.parse()?;
            let raw = Bytes::from(aux.raw_tx.clone());
            let mut a = aux.clone();
            match self.settle(aux.nonce, hash, &raw).await? {
                Settled::Mined(m) if m.status == 1 => {
                    a.state = "confirmed".to_owned();
                    a.block = Some(m.block);
                    ledger.put_aux(&a)?;
                    let addr = a.address.clone().unwrap_or_default();
                    ledger.set_batch_sender(&addr)?;
                    eprintln!(
                        "deployed BatchSender at {addr} (tx {hash}, block {})",
                        m.block
                    );
                }
                Settled::Mined(m) => {
                    a.state = "failed".to_owned();
                    a.block = Some(m.block);
                    ledger.put_aux(&a)?;
                    bail!("deploying BatchSender reverted (tx {hash}, block {}); check the sender's gas balance and rerun", m.block);
                }
                Settled::Displaced => {
                    a.state = "failed".to_owned();
                    ledger.put_aux(&a)?;
                }
                Settled::Rejected(message) => {
                    a.state = "failed".to_owned();
                    ledger.put_aux(&a)?;
                    bail!("the node refused the BatchSender deployment (tx {hash}): {message}; fix the cause and rerun `airdrop push`");
                }
            }
        }
    }
}

async fn push(
    args: &PushArgs,
    rpc: &str,
    bundle: &Bundle,
    signer: PrivateKeySigner,
) -> anyhow::Result<()> {
    let chain = chain(rpc)?;
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    let from = signer.address();
    let token = bundle.token;
    if chain.code(token).await?.is_empty() {
        bail!("token {token} has no code on chain {chain_id}: it is not a contract there; check the bundle's token and --rpc");
    }
    let claims = claims_in_order(bundle)?;
    let path = ledger_path(bundle, &args.ledger, &args.state)?;
    refuse_if_deployed(&chain, bundle, &args.state, from).await?;
    let planned = path.is_file() && PushLedger::open(&path)?.run()?.is_some();
    if !planned && !args.pay_again_i_know {
        if let Some(p) = chain_paid(&chain, bundle, token, from, args.since_block).await? {
            bail!(
                "the chain shows {from} already {}, and this ledger ({}) does not know it (a rebuild by an older version or a lost state folder forgets a ledger; the chain does not): nothing sent. `airdrop push status` reads a ledger you still have (--ledger, --state-dir); to pay them all again on purpose, rerun with --pay-again-i-know",
                p.describe(),
                path.display()
            );
        }
    }
    let gas_limit = block_gas_limit(&chain).await?;
    let size = args.batch_size.unwrap_or_else(|| fitting_batch(gas_limit));
    let this_run = PushRun {
        bundle_root: bundle.root.to_string(),
        token: token.to_checksum(None),
        sender: from.to_checksum(None),
        chain_id,
        batch_sender: None,
        batch_size: size,
        recipients: claims.len() as u64,
        total: bundle.total.to_string(),
        created: 0,
    };

    // The plan: the ledger's when it exists (never rewritten), else a new one.
    let mut ledger = if path.exists() || !args.dry_run {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut l = PushLedger::open(&path)?;
        l.check_run(&this_run)?;
        if l.run()?.is_none() && !args.dry_run {
            let mut run = this_run.clone();
            if let Some(bs) = &args.batch_sender {
                run.batch_sender = Some(
                    parse_address(bs)
                        .map_err(|e| anyhow!("--batch-sender: {e}"))?
                        .to_checksum(None),
                );
            }
            l.plan(&run, &plan(&claims, size))?;
        }
        Some(l)
    } else {
        None
    };
    // (id, count, total, state) per batch. A batch left signed or sent by a killed run whose
    // transaction is already mined successfully counts as paid here (the ledger catches up when
    // it is reconciled below): its tokens have left the sender.
    let mut batches: Vec<(u64, u64, U256, BatchState)> = Vec::new();
    match &ledger {
        Some(l) if l.run()?.is_some() => {
            for b in l.batches()? {
                let mut state = b.state;
                if matches!(state, BatchState::Signed | BatchState::Sent) {
                    if let Some(h) = b.tx_hash.as_deref().and_then(|h| h.parse::<B256>().ok()) {
                        if receipt(&chain, h).await?.is_some_and(|m| m.status == 1) {
                            state = BatchState::Confirmed;
                        }
                    }
                }
                batches.push((b.id, b.count, u256(&b.total)?, state));
            }
        }
        _ => {
            batches = plan(&claims, size)
                .into_iter()
                .enumerate()
                .map(|(i, (r, t))| Ok((i as u64, r.len() as u64, u256(&t)?, BatchState::Planned)))
                .collect::<anyhow::Result<_>>()?;
        }
    }
    let open: Vec<&(u64, u64, U256, BatchState)> = batches
        .iter()
        .filter(|b| b.3 != BatchState::Confirmed)
        .collect();
    let remaining: U256 = open.iter().fold(U256::ZERO, |a, b| a + b.2);
    let remaining_recipients: u64 = open.iter().map(|b| b.1).sum();

    // Pre-flight.
    let balance = chain
        .view(token, &IERC20Push::balanceOfCall { account: from })
        .await?;
    if balance < remaining {
        bail!(
            "sender {from} is underfunded: it holds {} of token {token} but the push still needs {}; send it the difference {} first",
            bundle.tokens(balance),
            bundle.tokens(remaining),
            bundle.tokens(remaining - balance)
        );
    }
    let fees = chain.fees().await?;
    let price = U256::from(fees.price_now);
    let known_sender = match (
        &args.batch_sender,
        ledger
            .as_ref()
            .and_then(|l| l.run().ok().flatten())
            .and_then(|r| r.batch_sender),
    ) {
        (Some(a), _) => Some(parse_address(a).map_err(|e| anyhow!("--batch-sender: {e}"))?),
        (None, Some(a)) => {
            Some(parse_address(&a).map_err(|e| anyhow!("ledger batch_sender: {e}"))?)
        }
        _ => None,
    };
    if let Some(bs) = known_sender {
        if chain.code(bs).await?.is_empty() {
            bail!("BatchSender {bs} has no code on chain {chain_id}; check --batch-sender (or drop it to deploy one)");
        }
    }
    let batch_gas: u64 = open.iter().map(|b| GAS_TX + GAS_PER_RECIPIENT * b.1).sum();
    let deploy_gas = if known_sender.is_none() && !open.is_empty() {
        let code = airdrop_chain::distributor::creation_bytecode(BATCH_SENDER_ARTIFACT)?;
        chain.estimate_gas(from, None, &code, U256::ZERO).await?
    } else {
        0
    };
    let approve_gas = if open.is_empty() {
        0
    } else {
        let spender = known_sender.unwrap_or_else(|| Address::repeat_byte(0x11));
        let data = Bytes::from(
            IERC20Push::approveCall {
                spender,
                amount: remaining,
            }
            .abi_encode(),
        );
        chain
            .estimate_gas(from, Some(token), &data, U256::ZERO)
            .await?
    };
    let total_gas = batch_gas + deploy_gas + approve_gas;
    let cost = U256::from(total_gas) * price;
    let native = chain.native_balance(from).await?;

    if args.dry_run {
        println!("dry run on chain {chain_id}: nothing sent, no ledger written");
        println!("  sender        {from}");
        println!("  token         {token}");
        println!(
            "  recipients    {} ({} still to pay)",
            claims.len(),
            remaining_recipients
        );
        println!(
            "  batches       {} of up to {size} ({} still to send; block gas limit {gas_limit})",
            batches.len(),
            open.len()
        );
        println!("  to pay        {}", bundle.tokens(remaining));
        println!(
            "  deploy        {deploy_gas} gas  {}",
            eth(U256::from(deploy_gas) * price)
        );
        println!(
            "  approve       {approve_gas} gas  {}",
            eth(U256::from(approve_gas) * price)
        );
        println!("  batches       {batch_gas} gas  {} (model: {GAS_TX} per batch + {GAS_PER_RECIPIENT} per fresh recipient)", eth(U256::from(batch_gas) * price));
        println!(
            "  total         {total_gas} gas  {} at {} (base fee + tip now)",
            eth(cost),
            gwei(price)
        );
        println!("  gas balance   {}", eth(native));
        return Ok(());
    }
    let Some(mut ledger) = ledger.take() else {
        bail!("internal: no ledger");
    };
    if !open.is_empty() && native < cost {
        bail!(
            "sender {from} has {} for gas but the rest of the push needs about {} ({total_gas} gas at {}); send it the difference {} first",
            eth(native),
            eth(cost),
            gwei(price),
            eth(cost - native)
        );
    }

    let engine = Engine {
        chain: chain.clone(),
        sender: Sender::new(chain.clone(), signer.clone(), chain_id),
        signer,
        chain_id,
        from,
        timeout: Duration::from_secs(args.receipt_timeout_secs),
        block_gas_limit: gas_limit,
    };
    let all = ledger.batches()?;
    let total_recipients: u64 = all.iter().map(|b| b.count).sum();
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(total_recipients), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} pushed {pos}/{len} recipients [{bar:30}] {msg} ({eta})",
        )
        .map_err(|e| anyhow!("progress style: {e}"))?
        .progress_chars("=> "),
    );
    bar.set_position(
        all.iter()
            .filter(|b| b.state == BatchState::Confirmed)
            .map(|b| b.count)
            .sum(),
    );
    if open.is_empty() {
        bar.finish_and_clear();
        println!(
            "nothing to do: all {} batches are confirmed ({} recipients, {})",
            all.len(),
            total_recipients,
            bundle.tokens(bundle.total)
        );
        return Ok(());
    }

    // Reconcile batches a killed run left signed or sent, before anything new is signed.
    for b in all
        .iter()
        .filter(|b| matches!(b.state, BatchState::Signed | BatchState::Sent))
    {
        settle_batch(&engine, &mut ledger, b.id, &bar).await?;
    }
    for b in ledger
        .batches()?
        .iter()
        .filter(|b| b.state == BatchState::Failed)
    {
        ledger.replan(b.id)?;
    }

    let batch_sender = engine.batch_sender(&mut ledger).await?;
    let remaining: U256 = ledger
        .batches()?
        .iter()
        .filter(|b| b.state != BatchState::Confirmed)
        .map(|b| u256(&b.total))
        .sum::<anyhow::Result<U256>>()?;
    let allowance = chain
        .view(
            token,
            &IERC20Push::allowanceCall {
                owner: from,
                spender: batch_sender,
            },
        )
        .await?;
    if allowance < remaining {
        // approve sets (does not add): repeating it after a crash is harmless.
        let data = Bytes::from(
            IERC20Push::approveCall {
                spender: batch_sender,
                amount: remaining,
            }
            .abi_encode(),
        );
        let r = engine.sender.send(Some(token), data, U256::ZERO).await?;
        eprintln!(
            "approved BatchSender {batch_sender} for {} (tx {})",
            bundle.tokens(remaining),
            r.hash
        );
    }

    let pause = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
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
            let rs = ledger.recipients(b.id)?;
            let recipients = rs
                .iter()
                .map(|r| {
                    parse_address(&r.address)
                        .map_err(|e| anyhow!("ledger recipient {}: {e}", r.address))
                })
                .collect::<anyhow::Result<Vec<Address>>>()?;
            let amounts = rs
                .iter()
                .map(|r| u256(&r.amount))
                .collect::<anyhow::Result<Vec<U256>>>()?;
            let data = Bytes::from(
                BatchSender::sendERC20Call {
                    token,
                    recipients,
                    amounts,
                    total: u256(&b.total)?,
                }
                .abi_encode(),
            );
            let tx = engine
                .sign_call(Some(batch_sender), data)
                .await
                .with_context(|| {
                    format!(
                        "batch {} (claims {}..{})",
                        b.id,
                        b.first_index,
                        b.first_index + b.count
                    )
                })?;
            ledger.mark_signed(b.id, tx.nonce, &tx.hash.to_string(), &tx.raw)?;
            bar.suspend(|| eprintln!("signed batch {} nonce {} tx {}", b.id, tx.nonce, tx.hash));
            if let Some(ms) = pause {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            match send_raw(&chain, &tx.raw).await {
                Ok(_) => ledger.mark_sent(b.id)?,
                Err(ChainError::Node { message, .. }) => {
                    return Err(rejected(&mut ledger, b.id, tx.hash, &message));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if settle_batch(&engine, &mut ledger, b.id, &bar).await? {
            pushed += b.count;
        }
    }
    bar.finish_and_clear();
    let all = ledger.batches()?;
    let gas: u64 = all.iter().filter_map(|b| b.gas_used).sum();
    println!(
        "pushed {} recipients in this run ({:.1}/s); all {} recipients of {} batches confirmed, {} paid",
        pushed,
        pushed as f64 / started.elapsed().as_secs_f64().max(1e-3),
        total_recipients,
        all.len(),
        bundle.tokens(bundle.total)
    );
    println!(
        "gas used by the batches: {gas}; ledger {}",
        ledger.path().display()
    );
    Ok(())
}

/// Settles batch `id` (signed or sent): true when it got confirmed; a displaced batch is
/// marked failed and re-planned; a reverted one is marked failed and stops the push.
async fn settle_batch(
    engine: &Engine,
    ledger: &mut PushLedger,
    id: u64,
    bar: &ProgressBar,
) -> anyhow::Result<bool> {
    let b = ledger.batch(id)?;
    let (Some(nonce), Some(hash), Some(raw)) = (b.nonce, b.tx_hash.clone(), b.raw_tx.clone())
    else {
        bail!(
            "ledger {}: batch {id} is {} without a transaction; the ledger was edited",
            ledger.path().display(),
            b.state.as_str()
        );
    };
    let hash: B256 = hash
        .parse()
        .map_err(|e| anyhow!("ledger batch {id} tx hash: {e}"))?;
    match engine.settle(nonce, hash, &Bytes::from(raw)).await? {
        Settled::Mined(m) if m.status == 1 => {
            ledger.mark_confirmed(id, m.block, m.gas_used)?;
            bar.inc(b.count);
            bar.set_message(format!("batch {id} in block {}", m.block));
            Ok(true)
        }
        Settled::Mined(m) => {
            ledger.mark_failed(id, Some(m.block), &format!("reverted in block {}", m.block))?;
            bail!("batch {id} (tx {hash}) reverted in block {}: nobody in it was paid; it is re-planned: inspect it with `cast run {hash}`, fix the cause and rerun `airdrop push`", m.block);
        }
        Settled::Rejected(message) => Err(rejected(ledger, id, hash, &message)),
        Settled::Displaced => {
            ledger.mark_failed(
                id,
                None,
                &format!("nonce {nonce} was used by another transaction"),
            )?;
            bar.suspend(|| eprintln!("batch {id}: nonce {nonce} was used by another transaction; nobody in it was paid; re-planning it"));
            ledger.replan(id)?;
            Ok(false)
        }
    }
}

/// A batch the node refused while its nonce is unused: the stored transaction cannot be mined
/// as long as a replacement takes that nonce, and the replacement is signed with the account's
/// next nonce, which is that one (nothing else of ours is pending: every earlier batch is
/// settled first). So it is safe to re-plan; the push stops so the cause gets fixed.
fn rejected(ledger: &mut PushLedger, id: u64, hash: B256, message: &str) -> anyhow::Error {
    let why = format!("the node refused it: {message}");
    if let Err(e) = ledger
        .mark_failed(id, None, &why)
        .and_then(|()| ledger.replan(id))
    {
        return anyhow!("batch {id} (tx {hash}): {why}; recording that failed too: {e}");
    }
    anyhow!("batch {id} (tx {hash}): {why}; nobody in it was paid and it is re-planned: fix the cause (gas, ETH balance) and rerun `airdrop push`")
}

fn status(args: PushStatusArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let path = ledger_path(&bundle, &args.ledger, &args.state)?;
    if !path.exists() {
        bail!(
            "no push ledger at {}: nothing was pushed from this bundle yet (or give --ledger PATH or the --state-dir it used)",
            path.display()
        );
    }
    let ledger = PushLedger::open(&path)?;
    let run = ledger
        .run()?
        .ok_or_else(|| anyhow!("ledger {} has no plan yet", path.display()))?;
    let batches = ledger.batches()?;
    let mut per_state: BTreeMap<&str, u64> =
        BatchState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let (mut paid_n, mut left_n, mut paid, mut left) = (0u64, 0u64, U256::ZERO, U256::ZERO);
    for b in &batches {
        *per_state.entry(b.state.as_str()).or_default() += 1;
        if b.state == BatchState::Confirmed {
            paid_n += b.count;
            paid += u256(&b.total)?;
        } else {
            left_n += b.count;
            left += u256(&b.total)?;
        }
    }
    let last = batches
        .iter()
        .filter(|b| b.tx_hash.is_some())
        .max_by_key(|b| (b.updated, b.id));
    if args.json {
        let v = json!({
            "ledger": path.display().to_string(),
            "bundle_root": run.bundle_root,
            "token": run.token,
            "sender": run.sender,
            "chain_id": run.chain_id,
            "batch_sender": run.batch_sender,
            "batch_size": run.batch_size,
            "batches": batches.len(),
            "states": per_state,
            "recipients_paid": paid_n,
            "recipients_remaining": left_n,
            "amount_paid": paid.to_string(),
            "amount_remaining": left.to_string(),
            "total": run.total,
            "last_tx": last.map(|b| json!({"batch": b.id, "state": b.state.as_str(), "tx_hash": b.tx_hash, "nonce": b.nonce, "block": b.block})),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("ledger        {}", path.display());
    println!("sender        {} on chain {}", run.sender, run.chain_id);
    println!(
        "batch sender  {}",
        run.batch_sender.as_deref().unwrap_or("(not deployed yet)")
    );
    println!(
        "batches       {} of up to {}",
        batches.len(),
        run.batch_size
    );
    for (s, n) in &per_state {
        println!("  {s:<10}  {n}");
    }
    println!("paid          {paid_n} recipients, {}", bundle.tokens(paid));
    println!("remaining     {left_n} recipients, {}", bundle.tokens(left));
    if let Some(b) = last {
        println!(
            "last tx       batch {} {} {} (nonce {}{})",
            b.id,
            b.state.as_str(),
            b.tx_hash.as_deref().unwrap_or("?"),
            b.nonce.map(|n| n.to_string()).unwrap_or_default(),
            b.block.map(|n| format!(", block {n}")).unwrap_or_default()
        );
    }
    Ok(())
}
