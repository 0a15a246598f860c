//! `airdrop claim`: claims an allocation from the distributor a bundle was deployed to —
//! directly (`--key-env`, anyone may pay; the tokens always go to the claimant), or gasless: the
//! recipient signs an EIP-712 `Claim` (`--gasless-signature-out FILE`, nothing sent) and a
//! relayer submits it with `claimWithSignature` (`--relay-signature FILE --key-env RELAYER`).
//!
//! Every refusal (not eligible, already claimed, window not open or closed, nothing vested yet,
//! a distributor that is not this bundle's, wrong chain) happens before anything is sent.

use super::deploy::{chain, runtime, span, Bundle, Deployment, KeyArgs, StateArgs};
use airdrop_chain::distributor::{claim_signing_hash, AirdropDistributor, Claim};
use airdrop_chain::tx::{Chain, Receipt, Sender};
use airdrop_merkle::address::parse_address;
use alloy::sol_types::{SolCall, SolEvent};
use alloy_primitives::{Address, Bytes, B256, U256};
use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    /// Bundle folder (manifest.json, claims.json, and deployment.json from `airdrop deploy`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// The claimant (taken from the signature file with --relay-signature).
    #[arg(long, value_name = "ADDR")]
    pub address: Option<String>,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Environment variable holding the private key: of whoever pays for a direct claim, of
    /// the recipient with --gasless-signature-out, of the relayer with --relay-signature.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Gasless: sign the claim as the recipient and write the signature here; sends nothing.
    #[arg(long, value_name = "FILE", conflicts_with = "relay_signature")]
    pub gasless_signature_out: Option<PathBuf>,
    /// Gasless: submit the recipient's signature file with claimWithSignature (relayer pays).
    #[arg(long, value_name = "FILE")]
    pub relay_signature: Option<PathBuf>,
    /// How long a gasless signature stays valid, seconds from the chain's current time.
    #[arg(long, default_value_t = 86_400, value_name = "SECS")]
    pub sig_valid_secs: u64,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

/// The checked claim of one account.
struct Ready {
    distributor: Address,
    index: U256,
    amount: U256,
    proof: Vec<B256>,
    claimable: U256,
    chain_id: u64,
    now: u64,
}

/// Refuses unless `d` is the distributor of this bundle: same root and token (the runtime code
/// alone cannot tell, its immutables differ per deployment).
pub(crate) async fn check_distributor(
    chain: &Chain,
    bundle: &Bundle,
    d: &Deployment,
) -> anyhow::Result<()> {
    let a = d.distributor;
    if chain.code(a).await?.is_empty() {
        bail!("distributor {a} (from deployment.json) has no code on this chain; wrong --rpc, or the deployment was never mined");
    }
    let other = |what: &str| {
        anyhow!("{a} is not this bundle's distributor: {what}; check deployment.json and --rpc")
    };
    let root = chain
        .view(a, &AirdropDistributor::merkleRootCall {})
        .await
        .map_err(|e| other(&format!("merkleRoot() failed ({e})")))?;
    if root != bundle.root {
        return Err(other(&format!(
            "its merkleRoot() is {root}, the bundle's root is {}",
            bundle.root
        )));
    }
    let token = chain
        .view(a, &AirdropDistributor::tokenCall {})
        .await
        .map_err(|e| other(&format!("token() failed ({e})")))?;
    if token != d.token {
        return Err(other(&format!(
            "its token() is {token}, deployment.json says {}",
            d.token
        )));
    }
    Ok(())
}

async fn prepare(
    chain: &Chain,
    bundle: &Bundle,
    d: &Deployment,
    account: Address,
) -> anyhow::Result<Ready> {
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    check_distributor(chain, bundle, d).await?;
    let (index, amount, proof) = bundle.claim_of(account)?;
    let a = d.distributor;
    let start = chain.view(a, &AirdropDistributor::startCall {}).await?;
    let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
    let (_, now) = chain.head().await?;
    if now < start {
        bail!(
            "the claim window is not open yet: it opens at {start} (unix), in {} (chain time {now})",
            span(start - now)
        );
    }
    if now >= deadline {
        bail!(
            "the claim window is closed: it closed at {deadline} (unix), {} ago (chain time {now})",
            span(now - deadline)
        );
    }
    if chain
        .view(a, &AirdropDistributor::isClaimedCall { index })
        .await?
    {
        bail!(
            "{account} has already claimed (index {index}, {} in full)",
            bundle.tokens(amount)
        );
    }
    let claimable = chain
        .view(
            a,
            &AirdropDistributor::claimableAmountCall { index, amount },
        )
        .await?;
    if claimable.is_zero() {
        let paid = chain
            .view(a, &AirdropDistributor::claimedAmountCall { index })
            .await?;
        bail!(
            "nothing to claim for {account} now: {} of {} already claimed and nothing more has vested; try again later",
            bundle.tokens(paid),
            bundle.tokens(amount)
        );
    }
    Ok(Ready {
        distributor: a,
        index,
        amount,
        proof,
        claimable,
        chain_id,
        now,
    })
}

/// What the `Claimed` logs of `r` paid.
fn paid_in(r: &Receipt, distributor: Address) -> U256 {
    let mut paid = U256::ZERO;
    for log in r.raw["logs"].as_array().into_iter().flatten() {
        let from: Option<Address> = log["address"].as_str().and_then(|s| s.parse().ok());
        let topic0: Option<B256> = log["topics"][0].as_str().and_then(|s| s.parse().ok());
        if from != Some(distributor) || topic0 != Some(AirdropDistributor::Claimed::SIGNATURE_HASH)
        {
            continue;
        }
        if let Some(data) = log["data"]
            .as_str()
            .and_then(|s| alloy_primitives::hex::decode(s).ok())
        {
            if data.len() == 96 {
                paid += U256::from_be_slice(&data[64..96]);
            }
        }
    }
    paid
}

pub fn run(args: ClaimArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let d = bundle.deployment(&args.state)?;
    let signer = args.key.signer()?;
    runtime()?.block_on(async {
        let chain = chain(&args.rpc)?;
        if let Some(file) = &args.relay_signature {
            return relay(&args, &bundle, &d, &chain, signer, file).await;
        }
        let address = args
            .address
            .as_deref()
            .ok_or_else(|| anyhow!("--address is required (the account to claim for)"))?;
        let account = parse_address(address).map_err(|e| anyhow!("--address: {e}"))?;
        let ready = prepare(&chain, &bundle, &d, account).await?;
        let sender = Sender::new(chain.clone(), signer, ready.chain_id);
        if let Some(out) = &args.gasless_signature_out {
            if sender.address() != account {
                bail!(
                    "the key in {} is for {}, not {account}: a gasless claim must be signed by the recipient",
                    args.key.describe(),
                    sender.address()
                );
            }
            let nonce = chain
                .view(ready.distributor, &AirdropDistributor::noncesCall { owner: account })
                .await?;
            let deadline = U256::from(ready.now.saturating_add(args.sig_valid_secs));
            let claim = Claim {
                index: ready.index,
                account,
                amount: ready.amount,
                nonce,
                deadline,
            };
            let digest = claim_signing_hash(&claim, ready.chain_id, ready.distributor);
            let signature = sender.sign_digest(&digest)?;
            let doc = json!({
                "format": "airdrop-claim-signature/1",
                "chain_id": ready.chain_id,
                "distributor": ready.distributor.to_checksum(None),
                "index": ready.index.to_string(),
                "account": account.to_checksum(None),
                "amount": ready.amount.to_string(),
                "nonce": nonce.to_string(),
                "deadline": deadline.to_string(),
                "signature": signature,
            });
            std::fs::write(out, format!("{}\n", serde_json::to_string_pretty(&doc)?))
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "signed a claim of {} for {account}, valid until {deadline} (unix); give {} to a relayer",
                bundle.tokens(ready.claimable),
                out.display()
            );
            return Ok(());
        }
        let call = AirdropDistributor::claimCall {
            index: ready.index,
            account,
            amount: ready.amount,
            proof: ready.proof.clone(),
        };
        let r = sender
            .send(Some(ready.distributor), Bytes::from(call.abi_encode()), U256::ZERO)
            .await?;
        let paid = paid_in(&r, ready.distributor);
        println!(
            "claimed {} for {account} (of {}; tx {}, {} gas)",
            bundle.tokens(paid),
            bundle.tokens(ready.amount),
            r.hash,
            r.gas_used
        );
        Ok(())
    })
}

async fn relay(
    args: &ClaimArgs,
    bundle: &Bundle,
    d: &Deployment,
    chain: &Chain,
    signer: alloy::signers::local::PrivateKeySigner,
    file: &PathBuf,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let v: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid json", file.display()))?;
    let s = |k: &str| {
        v.get(k).and_then(Value::as_str).ok_or_else(|| {
            anyhow!(
                "{}: {k:?} missing; is it a file from --gasless-signature-out?",
                file.display()
            )
        })
    };
    let num = |k: &str| -> anyhow::Result<U256> {
        s(k)?
            .parse::<U256>()
            .map_err(|e| anyhow!("{}: {k}: {e}", file.display()))
    };
    let account =
        parse_address(s("account")?).map_err(|e| anyhow!("{}: account: {e}", file.display()))?;
    if let Some(a) = &args.address {
        let a = parse_address(a).map_err(|e| anyhow!("--address: {e}"))?;
        if a != account {
            bail!("--address {a} differs from the signature file's account {account}");
        }
    }
    let sig_chain = v.get("chain_id").and_then(Value::as_u64).unwrap_or(0);
    let distributor = parse_address(s("distributor")?)
        .map_err(|e| anyhow!("{}: distributor: {e}", file.display()))?;
    let signature: Bytes = s("signature")?
        .parse()
        .map_err(|e| anyhow!("{}: signature: {e}", file.display()))?;
    let (index, amount, nonce, deadline) = (
        num("index")?,
        num("amount")?,
        num("nonce")?,
        num("deadline")?,
    );
    if sig_chain != bundle.chain_id || distributor != d.distributor {
        bail!(
            "the signature is for distributor {distributor} on chain {sig_chain}, but this bundle is deployed at {} on chain {}; it would be rejected",
            d.distributor,
            bundle.chain_id
        );
    }
    let ready = prepare(chain, bundle, d, account).await?;
    if ready.index != index || ready.amount != amount {
        bail!("the signature is for index {index} amount {amount} but the bundle gives {account} index {} amount {}", ready.index, ready.amount);
    }
    let current = chain
        .view(
            distributor,
            &AirdropDistributor::noncesCall { owner: account },
        )
        .await?;
    if current != nonce {
        bail!("the signature's nonce {nonce} is stale (the account's nonce is now {current}): it was already used; ask the recipient to sign again");
    }
    if U256::from(ready.now) > deadline {
        bail!("the signature expired at {deadline} (unix), chain time is {}; ask the recipient to sign again", ready.now);
    }
    let sender = Sender::new(chain.clone(), signer, ready.chain_id);
    let call = AirdropDistributor::claimWithSignatureCall {
        index,
        account,
        amount,
        proof: ready.proof.clone(),
        sigDeadline: deadline,
        signature,
    };
    let r = sender
        .send(
            Some(distributor),
            Bytes::from(call.abi_encode()),
            U256::ZERO,
        )
        .await?;
    let paid = paid_in(&r, distributor);
    println!(
        "relayed: claimed {} for {account} (of {}; paid for by {}; tx {}, {} gas)",
        bundle.tokens(paid),
        bundle.tokens(amount),
        sender.address(),
        r.hash,
        r.gas_used
    );
    Ok(())
}
