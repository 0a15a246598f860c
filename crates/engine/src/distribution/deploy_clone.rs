//! `airdrop deploy` through the clone factory (the default): the factory is put at its
//! deterministic address on first use, and the bundle's distributor is a clone at an address
//! known before anything is sent. Code already at that address is the bundle's distributor
//! (its parameters are part of the address): it is recorded and funded, never deployed twice.

use super::deploy::{
    fund_recorded, new_record, save_record, DeployEstimate, DeployInput, DeployOutcome,
};
use super::{connect, input, refused, Bundle};
use crate::{Progress, Result};
use airdrop_chain::distribution::{
    claimed_topic, clone_creation, clone_salt, factory_address, factory_deploy_data, predict_clone,
    AirdropDistributorFactory, Chain, CloneParams, Sender, CREATE2_DEPLOYER, DISTRIBUTOR_GAS,
    IERC20,
};
use airdrop_core::manifest::{CloneOrigin, ALREADY_FUNDED};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// How many salts `--pay-again-i-know` tries for a free address: each taken one is a
/// distributor of this bundle already, so more than a few means something is wrong.
const MAX_SALTS: u64 = 64;

/// Where the clone of these parameters is, and whether it already exists.
struct Target {
    factory: Address,
    params: CloneParams,
    salt: B256,
    address: Address,
    exists: bool,
}

/// The clone's parameters for this bundle and deployer.
fn params(bundle: &Bundle, token: Address, clawback_to: Address, owner: Address) -> CloneParams {
    CloneParams {
        token,
        root: bundle.root,
        start: bundle.start,
        deadline: bundle.deadline,
        clawback_to,
        owner,
        unlocked_bps: bundle.vesting.unlocked_bps,
        cliff: bundle.vesting.cliff,
        duration: bundle.vesting.duration,
    }
}

/// The address the bundle's clone has (salt 0), without asking the chain: what
/// `airdrop deploy --dry-run` states before deployment.
pub fn predicted_distributor(
    bundle: &Bundle,
    token: Address,
    clawback_to: Address,
    owner: Address,
) -> Result<Address> {
    let p = params(bundle, token, clawback_to, owner);
    predict_clone(factory_address()?, &p, clone_salt(0)).map_err(Into::into)
}

/// Whether the clone factory is on the chain at `rpc` (code at its fixed address): what
/// `airdrop cost --rpc` asks, so the factory's once-per-chain deployment is counted only where
/// `airdrop deploy` would send it.
pub async fn factory_on_chain(rpc: &str) -> Result<bool> {
    let chain = connect(rpc)?;
    Ok(!chain.code(factory_address()?).await?.is_empty())
}

/// Salt 0, or with `pay_again` the first salt whose address is still free.
async fn target(chain: &Chain, p: CloneParams, pay_again: bool) -> Result<Target> {
    let factory = factory_address()?;
    for n in 0..MAX_SALTS {
        let salt = clone_salt(n);
        let address = predict_clone(factory, &p, salt)?;
        let exists = !chain.code(address).await?.is_empty();
        if !exists || !pay_again {
            return Ok(Target {
                factory,
                params: p,
                salt,
                address,
                exists,
            });
        }
    }
    Err(refused(format!(
        "{MAX_SALTS} distributors of this bundle already exist on chain; nothing sent"
    )))
}

/// Deploys (or finds) and funds the bundle's clone; the checks of `deploy` ran before.
pub(crate) async fn deploy_clone(
    job: &DeployInput<'_>,
    sender: &Sender,
    token: Address,
    clawback_to: Address,
    path: &Path,
    progress: &dyn Progress,
) -> Result<DeployOutcome> {
    let (bundle, chain) = (job.bundle, sender.chain());
    let from = sender.address();
    let chain_id = bundle.chain_id;
    let t = target(
        chain,
        params(bundle, token, clawback_to, from),
        job.pay_again,
    )
    .await?;
    if job.dry_run {
        return estimate(job, chain, &t, from).await;
    }
    let (block, deploy_tx, gas, used) = if t.exists {
        // The bundle's own distributor (same parameters, same owner): an earlier run that
        // stopped before its record, or somebody else's transaction. Record it, deploy nothing.
        let c = clone_creation(chain, t.factory, t.address)
            .await?
            .ok_or_else(|| {
                input(format!(
                    "{} has code but the factory {} logged no deployment of it; check --rpc",
                    t.address, t.factory
                ))
            })?;
        progress.message(&format!(
            "distributor {} already deployed (tx {}, block {}): recorded, not deployed again",
            t.address, c.tx, c.block
        ));
        (
            c.block,
            c.tx,
            // The creation's gas, as the record of a deployment of ours states it.
            chain.wait(c.tx, Duration::from_secs(30)).await?.gas_used,
            untouched(chain, &t, bundle.total, c.block).await?,
        )
    } else {
        ensure_factory(chain, sender, t.factory, progress).await?;
        progress.stage("deploy", 1);
        let call = AirdropDistributorFactory::deployCall {
            p: t.params.to_sol(),
            salt: t.salt,
        };
        let r = sender
            .send(Some(t.factory), Bytes::from(call.abi_encode()), U256::ZERO)
            .await?;
        if chain.code(t.address).await?.is_empty() {
            return Err(input(format!(
                "deployment {} was mined but {} has no code: the factory at {} is not the expected one",
                r.hash, t.address, t.factory
            )));
        }
        progress.message(&format!(
            "deployed AirdropDistributor clone at {} (tx {}, block {}, {} gas)",
            t.address, r.hash, r.block, r.gas_used
        ));
        progress.done("deploy", 1, 1);
        (r.block, r.hash, r.gas_used, None)
    };
    let record = new_record(
        bundle,
        (chain_id, token),
        t.address,
        (from, clawback_to),
        (block, deploy_tx, gas),
        Some(CloneOrigin {
            factory: t.factory,
            salt: t.salt,
        }),
    );
    job.state.create(chain_id, token, bundle.root)?;
    if let Some(why) = used {
        // Topping up a distributor that already paid claims would fund them a second time:
        // recorded as funded, the rest is the creator's decision.
        let mut record = record;
        record.fund_tx = Some(ALREADY_FUNDED.to_owned());
        save_record(path, bundle, &record)?;
        return Err(refused(format!(
            "distributor {} of this bundle was deployed earlier and {why}; recorded in {} without sending more tokens. Check it with `airdrop status` before funding it by hand",
            t.address,
            path.display()
        )));
    }
    // Recorded before funding, so an interrupted run resumes with the funding only.
    save_record(path, bundle, &record)?;
    fund_recorded(chain, sender, bundle, record, path, progress).await
}

/// `None` when a found clone can be funded as usual: it paid no claim and holds nothing (a
/// deploy interrupted before its record) or the whole total already; else what it shows.
async fn untouched(
    chain: &Chain,
    t: &Target,
    total: U256,
    from_block: u64,
) -> Result<Option<String>> {
    let held = chain
        .view(
            t.params.token,
            &IERC20::balanceOfCall { account: t.address },
        )
        .await?;
    let filter = json!({
        "address": t.address,
        "fromBlock": format!("{from_block:#x}"),
        "toBlock": "latest",
        "topics": [claimed_topic()],
    });
    let claims: Vec<serde_json::Value> = chain.rpc.call("eth_getLogs", (filter,)).await?;
    Ok(match claims.len() {
        0 if held.is_zero() || held >= total => None,
        0 => Some(format!("holds {held} of the {total} base units it needs")),
        n => Some(format!("paid {n} claims already (holds {held} base units)")),
    })
}

/// Puts the factory at its deterministic address unless it is there already.
async fn ensure_factory(
    chain: &Chain,
    sender: &Sender,
    factory: Address,
    progress: &dyn Progress,
) -> Result<()> {
    if !chain.code(factory).await?.is_empty() {
        return Ok(());
    }
    require_deployer(chain).await?;
    progress.stage("factory", 1);
    let r = sender
        .send(Some(CREATE2_DEPLOYER), factory_deploy_data()?, U256::ZERO)
        .await?;
    if chain.code(factory).await?.is_empty() {
        return Err(input(format!(
            "the factory deployment {} was mined but {factory} has no code; deploy the full contract with --full",
            r.hash
        )));
    }
    progress.message(&format!(
        "deployed the distributor factory at {factory} (once per chain; tx {}, {} gas)",
        r.hash, r.gas_used
    ));
    progress.done("factory", 1, 1);
    Ok(())
}

async fn require_deployer(chain: &Chain) -> Result<()> {
    if chain.code(CREATE2_DEPLOYER).await?.is_empty() {
        return Err(input(format!(
            "the CREATE2 deployer {CREATE2_DEPLOYER} has no code on this chain, so the clone factory cannot be put at its fixed address; deploy the full contract with --full"
        )));
    }
    Ok(())
}

/// Gas of what a deploy would send: the factory (if missing), the clone (unless it exists)
/// and the funding transfer to the predicted address.
async fn estimate(
    job: &DeployInput<'_>,
    chain: &Chain,
    t: &Target,
    from: Address,
) -> Result<DeployOutcome> {
    let factory_there = !chain.code(t.factory).await?.is_empty();
    let factory_gas = if factory_there {
        None
    } else {
        require_deployer(chain).await?;
        let data = factory_deploy_data()?;
        Some(
            chain
                .estimate_gas(from, Some(CREATE2_DEPLOYER), &data, U256::ZERO)
                .await?,
        )
    };
    let deploy_gas = match (t.exists, factory_there) {
        (true, _) => 0,
        (false, true) => {
            let call = AirdropDistributorFactory::deployCall {
                p: t.params.to_sol(),
                salt: t.salt,
            };
            let data = Bytes::from(call.abi_encode());
            chain
                .estimate_gas(from, Some(t.factory), &data, U256::ZERO)
                .await?
        }
        // Nothing to simulate against yet: the measured figure (the clone's code and args have
        // a fixed size, so it varies only with calldata bytes).
        (false, false) => DISTRIBUTOR_GAS.clone.deploy,
    };
    let fund = Bytes::from(
        IERC20::transferCall {
            to: t.address,
            amount: job.bundle.total,
        }
        .abi_encode(),
    );
    let fund_gas = chain
        .estimate_gas(from, Some(t.params.token), &fund, U256::ZERO)
        .await?;
    let fees = chain.fees().await?;
    Ok(DeployOutcome::Estimate(DeployEstimate {
        chain_id: job.bundle.chain_id,
        sender: from,
        token: t.params.token,
        clawback_to: t.params.clawback_to,
        distributor: t.address,
        clone: true,
        exists: t.exists,
        factory_gas,
        deploy_gas,
        fund_gas,
        price: U256::from(fees.price_now),
    }))
}
