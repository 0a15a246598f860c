//! Deploys the bundle's distributor (a clone through the factory, `deploy_clone`, or with
//! `full` the whole `AirdropDistributor`), funds it with the bundle's total and records it in
//! `deployment.json` (state folder, with a copy in the bundle; the manifest itself is never
//! rewritten). Refuses whatever could let a recipient be paid twice: a bundle already deployed
//! (recorded, or found on chain) or already pushed.

use super::claim::check_distributor;
use super::deploy_clone::{deploy_clone, predicted_distributor};
use super::push::{chain_paid, sent_in_ledger};
use super::state::{set_aside, write_record};
use super::{
    connect, input, refused, span, Bundle, Located, StateDir, DEPLOYMENT_FILE, LEDGER_FILE,
};
use crate::{Progress, Result};
use airdrop_chain::distribution::{
    deployed_for_root, AirdropDistributor, DEPLOY_SCAN_NONCES, DISTRIBUTOR_ARTIFACT, IERC20,
};
use airdrop_chain::distribution::{Chain, Sender};
use airdrop_core::manifest::{CloneOrigin, GasUsed, ALREADY_FUNDED, DEPLOYMENT_FORMAT};
use airdrop_core::Deployment;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolConstructor};
use alloy_primitives::{Address, Bytes, B256, U256};
use std::path::{Path, PathBuf};

/// What to deploy, with which key, over which node.
#[derive(Debug, Clone)]
pub struct DeployInput<'a> {
    /// The bundle.
    pub bundle: &'a Bundle,
    /// JSON-RPC endpoint of the bundle's chain.
    pub rpc: &'a str,
    /// The deployer (it becomes the distributor's owner).
    pub signer: PrivateKeySigner,
    /// Deploy for this token instead of the manifest's.
    pub token: Option<Address>,
    /// Estimate gas and cost only; send nothing.
    pub dry_run: bool,
    /// Deploy a bundle without a claim window (claims never close) on purpose.
    pub no_deadline: bool,
    /// Deploy another distributor although one for this root is recorded or found on chain.
    pub pay_again: bool,
    /// Where deployment records and push ledgers are kept.
    pub state: &'a StateDir,
    /// Deploy the whole `AirdropDistributor` contract instead of a clone through the factory.
    pub full: bool,
}

/// What a deploy did.
#[derive(Debug, Clone)]
pub enum DeployOutcome {
    /// A dry run: the estimate, nothing sent.
    Estimate(DeployEstimate),
    /// The distributor exists and holds the bundle's total.
    Funded {
        /// The distributor.
        distributor: Address,
        /// What it holds for the recipients, base units.
        total: U256,
        /// The record in the state folder.
        record: PathBuf,
    },
}

/// Gas and cost of deploy + fund at the current gas price.
#[derive(Debug, Clone)]
pub struct DeployEstimate {
    /// The chain.
    pub chain_id: u64,
    /// The deployer.
    pub sender: Address,
    /// The token.
    pub token: Address,
    /// Where unclaimed tokens would go after the deadline.
    pub clawback_to: Address,
    /// The distributor's address, known before it is deployed (a clone's CREATE2 address, or
    /// the full contract's CREATE address at the sender's next nonce).
    pub distributor: Address,
    /// A clone through the factory (else the full contract).
    pub clone: bool,
    /// The clone is already on chain (it would be recorded and funded, not deployed).
    pub exists: bool,
    /// Gas of putting the factory on this chain first, when it is not there yet.
    pub factory_gas: Option<u64>,
    /// Gas of the creation.
    pub deploy_gas: u64,
    /// Gas of the funding transfer.
    pub fund_gas: u64,
    /// Base fee + tip now, wei per gas.
    pub price: U256,
}

/// Deploys and funds the distributor of `job.bundle` (stages `deploy` and `fund`), or
/// finishes the funding an interrupted deploy recorded but did not make.
pub async fn deploy(job: DeployInput<'_>, progress: &dyn Progress) -> Result<DeployOutcome> {
    let bundle = job.bundle;
    let token = job.token.unwrap_or(bundle.token);
    let chain = connect(job.rpc)?;
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    let sender = Sender::new(chain.clone(), job.signer.clone(), chain_id);
    let from = sender.address();
    let path = job
        .state
        .folder(chain_id, token, bundle.root)?
        .join(DEPLOYMENT_FILE);
    let recorded = recorded_deployment(bundle, &path, token)?;
    if let Some(found) = &recorded {
        if let Some(record) = found.record.as_ref().filter(|r| r.fund_pending()) {
            if !job.dry_run {
                // An earlier run deployed but did not fund (interrupted): fund now.
                job.state.create(chain_id, token, bundle.root)?;
                let record = record.clone();
                return fund_recorded(&chain, &sender, bundle, record, &path, progress).await;
            }
        }
        if !job.pay_again {
            return Err(refused(format!(
                "this bundle is already deployed on chain {chain_id}: distributor {} (recorded in {}); a second distributor would let every recipient claim twice: nothing sent. To deploy and fund another one on purpose, rerun with --pay-again-i-know",
                found.distributor,
                found.path.display()
            )));
        }
    }
    refuse_if_pushed(&chain, bundle, job.state, token, from).await?;
    preflight(&job, &chain, chain_id, token, from).await?;
    let clawback_to = bundle.clawback_to.unwrap_or(from);
    if !job.pay_again {
        // The bundle's own clone (same parameters) is recorded by the clone path, not refused.
        let own = match job.full {
            true => None,
            false => Some(predicted_distributor(bundle, token, clawback_to, from)?),
        };
        let known = [recorded.as_ref().map(|l| l.distributor), own];
        refuse_if_deployed_on_chain(&chain, bundle, from, &known).await?;
    }
    if !job.full {
        return deploy_clone(&job, &sender, token, clawback_to, &path, progress).await;
    }
    let code = creation_code(bundle, token, clawback_to, from)?;
    if job.dry_run {
        return estimate(&chain, bundle, token, from, code, clawback_to, chain_id).await;
    }
    progress.stage("deploy", 1);
    let deployed = sender.send(None, code, U256::ZERO).await?;
    let distributor = deployed.contract_address.ok_or_else(|| {
        input(format!(
            "deployment {} has no contract address",
            deployed.hash
        ))
    })?;
    progress.message(&format!(
        "deployed AirdropDistributor at {distributor} (tx {}, block {}, {} gas)",
        deployed.hash, deployed.block, deployed.gas_used
    ));
    progress.done("deploy", 1, 1);
    let record = new_record(
        bundle,
        (chain_id, token),
        distributor,
        (from, clawback_to),
        (deployed.block, deployed.hash, deployed.gas_used),
        None,
    );
    // Recorded before funding, so an interrupted run resumes with the funding only.
    job.state.create(chain_id, token, bundle.root)?;
    save_record(&path, bundle, &record)?;
    fund_recorded(&chain, &sender, bundle, record, &path, progress).await
}

/// The checks that need no record: a claim window (or `no_deadline`), a token contract, a
/// funded sender, a deadline still ahead.
pub(crate) async fn preflight(
    job: &DeployInput<'_>,
    chain: &Chain,
    chain_id: u64,
    token: Address,
    from: Address,
) -> Result<()> {
    let bundle = job.bundle;
    if !bundle.has_window && !job.no_deadline && !job.dry_run {
        return Err(input("the bundle has no [claim] window: its distributor would never close and its tokens could never be clawed back; add a [claim] section (start, deadline, clawback_to) and rebuild, or pass --no-deadline to deploy it that way on purpose"));
    }
    if chain.code(token).await?.is_empty() {
        return Err(input(format!("token {token} has no code on chain {chain_id}: it is not a contract there; check the token address (--token overrides the manifest's) and --rpc")));
    }
    let balance = chain
        .view(token, &IERC20::balanceOfCall { account: from })
        .await?;
    if balance < bundle.total {
        return Err(input(format!(
            "sender {from} is underfunded: it holds {} of token {token} but the bundle needs {}; send it the difference {} first",
            bundle.tokens(balance),
            bundle.tokens(bundle.total),
            bundle.tokens(bundle.total - balance)
        )));
    }
    let (_, now) = chain.head().await?;
    if now >= bundle.deadline {
        return Err(input(format!(
            "the claim window is over: deadline {} (unix) is {} before the chain's time {now}; rebuild the bundle with a later [claim] deadline",
            bundle.deadline,
            span(now - bundle.deadline)
        )));
    }
    Ok(())
}

/// The distributor's creation code with its constructor arguments.
fn creation_code(
    bundle: &Bundle,
    token: Address,
    clawback_to: Address,
    owner: Address,
) -> Result<Bytes> {
    let ctor = AirdropDistributor::constructorCall {
        token_: token,
        merkleRoot_: bundle.root,
        start_: bundle.start,
        deadline_: bundle.deadline,
        clawbackTo_: clawback_to,
        owner_: owner,
        unlockedBps_: bundle.vesting.unlocked_bps,
        cliff_: bundle.vesting.cliff,
        duration_: bundle.vesting.duration,
    };
    let mut code = airdrop_chain::distribution::creation_bytecode(DISTRIBUTOR_ARTIFACT)?.to_vec();
    code.extend(ctor.abi_encode());
    Ok(Bytes::from(code))
}

async fn estimate(
    chain: &Chain,
    bundle: &Bundle,
    token: Address,
    from: Address,
    code: Bytes,
    clawback_to: Address,
    chain_id: u64,
) -> Result<DeployOutcome> {
    let deploy_gas = chain.estimate_gas(from, None, &code, U256::ZERO).await?;
    // The distributor's address is known before it exists: estimate the transfer to it.
    let next = from.create(chain.nonce(from).await?);
    let fund = Bytes::from(
        IERC20::transferCall {
            to: next,
            amount: bundle.total,
        }
        .abi_encode(),
    );
    let fund_gas = chain
        .estimate_gas(from, Some(token), &fund, U256::ZERO)
        .await?;
    let fees = chain.fees().await?;
    Ok(DeployOutcome::Estimate(DeployEstimate {
        chain_id,
        sender: from,
        token,
        clawback_to,
        distributor: next,
        clone: false,
        exists: false,
        factory_gas: None,
        deploy_gas,
        fund_gas,
        price: U256::from(fees.price_now),
    }))
}

/// The record of `bundle`'s distributor at `distributor` on `chain_id`, owned by `owner`, not
/// funded yet; `tx` is its deployment's (block, hash, gas used), `clone` its factory origin.
pub(crate) fn new_record(
    bundle: &Bundle,
    (chain_id, token): (u64, Address),
    distributor: Address,
    (owner, clawback_to): (Address, Address),
    (block, deploy_tx, gas): (u64, B256, u64),
    clone: Option<CloneOrigin>,
) -> Deployment {
    Deployment {
        format: DEPLOYMENT_FORMAT.to_owned(),
        chain_id,
        distributor,
        token,
        root: bundle.root,
        total: bundle.total,
        owner,
        clawback_to,
        start: bundle.start,
        deadline: bundle.deadline,
        unlocked_bps: bundle.vesting.unlocked_bps,
        cliff: bundle.vesting.cliff,
        duration: bundle.vesting.duration,
        block,
        deploy_tx,
        fund_tx: None,
        gas_used: GasUsed {
            deploy: gas,
            fund: None,
        },
        clone,
    }
}

/// Writes the record into the state folder and its copy into the bundle. A record of another
/// distributor at either place (deployed again with --pay-again-i-know, or an old bundle's copy
/// kept by a rebuild) is moved aside first, never overwritten.
pub(crate) fn save_record(path: &Path, bundle: &Bundle, record: &Deployment) -> Result<()> {
    let new = format!("{:#x}", record.distributor);
    for p in [path.to_path_buf(), bundle.dir.join(DEPLOYMENT_FILE)] {
        if p.is_file() {
            let old = Located::read(&p)
                .ok()
                .map(|l| format!("{:#x}", l.distributor));
            if old.as_deref() != Some(new.as_str()) {
                set_aside(&p, old.as_deref().unwrap_or("unreadable"))?;
            }
        }
        write_record(&p, record)?;
    }
    Ok(())
}

/// The deployment record of this bundle for `token`: the state folder's (`path`), else a copy
/// in the bundle of the same chain, token and root (bundles deployed before the state folder).
fn recorded_deployment(bundle: &Bundle, path: &Path, token: Address) -> Result<Option<Located>> {
    if path.is_file() {
        return Ok(Some(Located::read(path)?));
    }
    let copy = bundle.dir.join(DEPLOYMENT_FILE);
    if !copy.is_file() {
        return Ok(None);
    }
    let found = Located::read(&copy)?;
    let same = found.chain_id == Some(bundle.chain_id)
        && found.token == token
        && found.root == Some(bundle.root);
    Ok(same.then_some(found))
}

/// Refuses to deploy a bundle that was pushed: its ledger (state folder, or inside an old
/// bundle) shows batches sent, or the chain shows this sender paid the plan's recipients.
async fn refuse_if_pushed(
    chain: &Chain,
    bundle: &Bundle,
    state: &StateDir,
    token: Address,
    from: Address,
) -> Result<()> {
    for ledger in [
        state
            .folder(bundle.chain_id, token, bundle.root)?
            .join(LEDGER_FILE),
        bundle.dir.join(LEDGER_FILE),
    ] {
        if let Some(n) = sent_in_ledger(&ledger)? {
            return Err(refused(format!(
                "this bundle was pushed: the push ledger {} shows {n} recipients paid or being paid; a distributor would let them claim a second time: nothing sent. Finish it with `airdrop push` (see `airdrop push status`)",
                ledger.display()
            )));
        }
    }
    // Other amounts to the same people are another campaign's business: only this plan's
    // exact payments mean this bundle was pushed.
    if let Some(p) = chain_paid(chain, bundle, token, from, None).await? {
        if let Some((tx, block)) = p.first_exact {
            return Err(refused(format!(
                "this bundle was pushed: the chain shows {from} already paid {} of its {} recipients their exact amounts (first in tx {tx}, block {block}); a distributor would let them claim a second time: nothing sent. Use `airdrop push` to pay the rest",
                p.exact, p.of
            )));
        }
    }
    Ok(())
}

/// Refuses when `from` already created a distributor for this root other than the `known` ones
/// (the recorded one, the bundle's own clone).
async fn refuse_if_deployed_on_chain(
    chain: &Chain,
    bundle: &Bundle,
    from: Address,
    known: &[Option<Address>],
) -> Result<()> {
    let (found, capped) = deployed_for_root(chain, from, bundle.root).await?;
    if let Some(f) = found.iter().find(|f| !known.contains(&Some(f.address))) {
        return Err(refused(format!(
            "{from} already deployed distributor {} for root {} (its nonce {}, token {}){}; a second one would let every recipient claim twice: nothing sent. Record it by copying its deployment.json back, or deploy another on purpose with --pay-again-i-know",
            f.address,
            bundle.root,
            f.nonce,
            f.token,
            if capped { format!(" (checked its last {DEPLOY_SCAN_NONCES} nonces)") } else { String::new() }
        )));
    }
    Ok(())
}

/// Funds the distributor recorded in `record` up to the bundle's total, and records the transfer.
pub(crate) async fn fund_recorded(
    chain: &Chain,
    sender: &Sender,
    bundle: &Bundle,
    mut record: Deployment,
    path: &Path,
    progress: &dyn Progress,
) -> Result<DeployOutcome> {
    let located = Located {
        path: path.to_path_buf(),
        distributor: record.distributor,
        token: record.token,
        block: record.block,
        chain_id: Some(record.chain_id),
        root: Some(record.root),
        record: None,
    };
    check_distributor(chain, bundle, &located).await?;
    progress.stage("fund", 1);
    let (distributor, token) = (record.distributor, record.token);
    let balance = |account: Address| async move {
        chain.view(token, &IERC20::balanceOfCall { account }).await
    };
    let held = balance(distributor).await?;
    let missing = bundle.total.saturating_sub(held);
    let mut fund_tx = ALREADY_FUNDED.to_owned();
    if !missing.is_zero() {
        let have = balance(sender.address()).await?;
        if have < missing {
            return Err(input(format!(
                "sender {} is underfunded: it holds {} but the distributor {distributor} still needs {}",
                sender.address(),
                bundle.tokens(have),
                bundle.tokens(missing)
            )));
        }
        let fund = Bytes::from(
            IERC20::transferCall {
                to: distributor,
                amount: missing,
            }
            .abi_encode(),
        );
        let funded = sender.send(Some(token), fund, U256::ZERO).await?;
        record.gas_used.fund = Some(funded.gas_used);
        fund_tx = hash_text(funded.hash);
    }
    let held = balance(distributor).await?;
    if held < bundle.total {
        return Err(input(format!(
            "the distributor {distributor} holds {} after the transfer of {} (fee-on-transfer token?); claims would fail: do not announce it",
            bundle.tokens(held),
            bundle.tokens(bundle.total)
        )));
    }
    record.fund_tx = Some(fund_tx);
    // The server and older tools read the record in the bundle: a copy goes there too.
    save_record(path, bundle, &record)?;
    progress.done("fund", 1, 1);
    Ok(DeployOutcome::Funded {
        distributor,
        total: bundle.total,
        record: path.to_path_buf(),
    })
}

/// A transaction hash as the record has always spelled it (serde's 0x-hex).
fn hash_text(h: B256) -> String {
    format!("{h:#x}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::bundle::testing::bundle;
    use super::*;

    fn record(distributor: Address, token: Address, root: B256) -> Deployment {
        Deployment {
            format: DEPLOYMENT_FORMAT.into(),
            chain_id: 31337,
            distributor,
            token,
            root,
            total: U256::from(3u64),
            owner: Address::repeat_byte(0xee),
            clawback_to: Address::repeat_byte(0xee),
            start: 0,
            deadline: u64::MAX,
            unlocked_bps: 10_000,
            cliff: 0,
            duration: 0,
            block: 1,
            deploy_tx: B256::repeat_byte(7),
            fund_tx: None,
            gas_used: GasUsed {
                deploy: 1,
                fund: None,
            },
            clone: None,
        }
    }

    #[test]
    fn a_copy_in_the_bundle_counts_only_for_its_chain_token_and_root() {
        let tmp = tempfile::tempdir().unwrap();
        let (token, root) = (Address::repeat_byte(1), B256::repeat_byte(2));
        let b = bundle(tmp.path(), token, root);
        let state_path = tmp.path().join("state").join(DEPLOYMENT_FILE);
        assert_eq!(recorded_deployment(&b, &state_path, token).unwrap(), None);
        let copy = tmp.path().join(DEPLOYMENT_FILE);
        write_record(&copy, &record(Address::repeat_byte(5), token, root)).unwrap();
        let found = recorded_deployment(&b, &state_path, token)
            .unwrap()
            .unwrap();
        assert_eq!(found.distributor, Address::repeat_byte(5));
        assert!(found.record.as_ref().unwrap().fund_pending());
        // Deployed with --token: not this token's record.
        assert_eq!(
            recorded_deployment(&b, &state_path, Address::repeat_byte(9)).unwrap(),
            None
        );
        // An old bundle's copy kept by a rebuild with another root.
        write_record(&copy, &record(Address::repeat_byte(5), token, B256::ZERO)).unwrap();
        assert_eq!(recorded_deployment(&b, &state_path, token).unwrap(), None);
    }

    #[test]
    fn another_distributors_record_is_set_aside_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let (token, root) = (Address::repeat_byte(1), B256::repeat_byte(2));
        let b = bundle(tmp.path(), token, root);
        let state = StateDir::at(tmp.path().join("state"));
        let dir = state.create(31337, token, root).unwrap();
        let path = dir.join(DEPLOYMENT_FILE);
        let first = record(Address::repeat_byte(5), token, root);
        save_record(&path, &b, &first).unwrap();
        // The same distributor again (funding recorded): replaced in place.
        let mut funded = first.clone();
        funded.fund_tx = Some(ALREADY_FUNDED.into());
        save_record(&path, &b, &funded).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // Another distributor (--pay-again-i-know): the old record moves aside, in both places.
        let second = record(Address::repeat_byte(6), token, root);
        save_record(&path, &b, &second).unwrap();
        let aside = format!("deployment-{:#x}.json", Address::repeat_byte(5));
        let kept = Deployment::read(&std::fs::read(dir.join(&aside)).unwrap()).unwrap();
        assert_eq!(kept, funded);
        assert!(tmp.path().join(&aside).is_file());
        let now = Deployment::read(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(now, second);
        // Both places name the new one; the bundle's copy too.
        let copy = Located::read(&tmp.path().join(DEPLOYMENT_FILE)).unwrap();
        assert_eq!(copy.distributor, Address::repeat_byte(6));
        // And it is what the other jobs find.
        assert_eq!(
            b.find_record(&state).unwrap().unwrap().distributor,
            Address::repeat_byte(6)
        );
    }

    #[test]
    fn records_under_two_tokens_are_ambiguous() {
        let tmp = tempfile::tempdir().unwrap();
        let root = B256::repeat_byte(2);
        let b = bundle(tmp.path(), Address::repeat_byte(1), root);
        let state = StateDir::at(tmp.path().join("state"));
        for t in [3u8, 4] {
            let token = Address::repeat_byte(t);
            let dir = state.create(31337, token, root).unwrap();
            write_record(&dir.join(DEPLOYMENT_FILE), &record(token, token, root)).unwrap();
        }
        let e = b.find_record(&state).unwrap_err().to_string();
        assert!(e.starts_with("2 deployment records of root"), "{e}");
        let e = bundle(tmp.path(), Address::repeat_byte(1), B256::ZERO)
            .deployment(&state)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("no deployment record for root"), "{e}");
    }
}
