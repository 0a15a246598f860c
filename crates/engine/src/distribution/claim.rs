//! Claims from a bundle's distributor: directly (anyone may pay; the tokens always go to the
//! claimant), as a gasless signature by the recipient, or as the relayer submitting such a
//! signature with `claimWithSignature`.
//!
//! Every refusal (not eligible, already claimed, window not open or closed, nothing vested yet,
//! a distributor that is not this bundle's, wrong chain) happens before anything is sent.

use super::{connect, input, span, Bundle, Located};
use crate::Result;
use airdrop_chain::distribution::{claim_signing_hash, AirdropDistributor, Claim};
use airdrop_chain::distribution::{Chain, Receipt, Sender};
use airdrop_merkle::address::parse_address;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Who claims what, from which deployment, over which node.
#[derive(Debug, Clone)]
pub struct ClaimInput<'a> {
    /// The bundle.
    pub bundle: &'a Bundle,
    /// Its deployment record.
    pub deployment: &'a Located,
    /// JSON-RPC endpoint.
    pub rpc: &'a str,
    /// Who pays (direct claim), the recipient (gasless signature) or the relayer.
    pub signer: PrivateKeySigner,
    /// Where the key came from, for messages (`$VAR` or a keystore path).
    pub key_label: String,
}

/// A claim that was mined.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The claimant.
    pub account: Address,
    /// What its `Claimed` events paid.
    pub paid: U256,
    /// The claim's full amount.
    pub amount: U256,
    /// Who paid for the gas.
    pub payer: Address,
    /// The transaction.
    pub tx: B256,
    /// Its gas.
    pub gas_used: u64,
}

/// A recipient's signed claim, as `--gasless-signature-out` writes it for a relayer.
#[derive(Debug, Clone, Serialize)]
pub struct GaslessSignature {
    /// Always `airdrop-claim-signature/1`.
    pub format: String,
    /// Chain of the distributor.
    pub chain_id: u64,
    /// The distributor (checksummed).
    pub distributor: String,
    /// Claim index.
    pub index: String,
    /// The recipient (checksummed).
    pub account: String,
    /// The claim's amount, base units.
    pub amount: String,
    /// The recipient's nonce at the distributor.
    pub nonce: String,
    /// Valid until (unix seconds).
    pub deadline: String,
    /// The EIP-712 signature.
    pub signature: Bytes,
    /// What is claimable now, base units (not written to the file).
    #[serde(skip)]
    pub claimable: U256,
}

/// The checked claim of one account.
pub(crate) struct Ready {
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
pub(crate) async fn check_distributor(chain: &Chain, bundle: &Bundle, d: &Located) -> Result<()> {
    let a = d.distributor;
    if chain.code(a).await?.is_empty() {
        return Err(input(format!("distributor {a} (from deployment.json) has no code on this chain; wrong --rpc, or the deployment was never mined")));
    }
    let other = |what: &str| {
        input(format!(
            "{a} is not this bundle's distributor: {what}; check deployment.json and --rpc"
        ))
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

pub(crate) async fn prepare(
    chain: &Chain,
    bundle: &Bundle,
    d: &Located,
    account: Address,
) -> Result<Ready> {
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    check_distributor(chain, bundle, d).await?;
    let (index, amount, proof) = bundle.claim_of(account)?;
    let a = d.distributor;
    let start = chain.view(a, &AirdropDistributor::startCall {}).await?;
    let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
    let (_, now) = chain.head().await?;
    if now < start {
        return Err(input(format!(
            "the claim window is not open yet: it opens at {start} (unix), in {} (chain time {now})",
            span(start - now)
        )));
    }
    if now >= deadline {
        return Err(input(format!(
            "the claim window is closed: it closed at {deadline} (unix), {} ago (chain time {now})",
            span(now - deadline)
        )));
    }
    if chain
        .view(a, &AirdropDistributor::isClaimedCall { index })
        .await?
    {
        return Err(input(format!(
            "{account} has already claimed (index {index}, {} in full)",
            bundle.tokens(amount)
        )));
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
        return Err(input(format!(
            "nothing to claim for {account} now: {} of {} already claimed and nothing more has vested; try again later",
            bundle.tokens(paid),
            bundle.tokens(amount)
        )));
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
    let logs = r.raw["logs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    super::events::claimed(logs, distributor, false)
        .unwrap_or_default()
        .iter()
        .fold(U256::ZERO, |a, c| a + c.amount)
}

/// The claimant of a direct or gasless claim (`--address`), checked after the node's URL.
fn claimant(address: Option<&str>) -> Result<Address> {
    let address =
        address.ok_or_else(|| input("--address is required (the account to claim for)"))?;
    parse_address(address).map_err(|e| input(format!("--address: {e}")))
}

/// Claims the allocation of `address`, paid for by the input's key.
pub async fn claim(c: ClaimInput<'_>, address: Option<&str>) -> Result<Claimed> {
    let chain = connect(c.rpc)?;
    let account = claimant(address)?;
    let ready = prepare(&chain, c.bundle, c.deployment, account).await?;
    let sender = Sender::new(chain.clone(), c.signer, ready.chain_id);
    let call = AirdropDistributor::claimCall {
        index: ready.index,
        account,
        amount: ready.amount,
        proof: ready.proof.clone(),
    };
    let r = sender
        .send(
            Some(ready.distributor),
            Bytes::from(call.abi_encode()),
            U256::ZERO,
        )
        .await?;
    Ok(Claimed {
        account,
        paid: paid_in(&r, ready.distributor),
        amount: ready.amount,
        payer: sender.address(),
        tx: r.hash,
        gas_used: r.gas_used,
    })
}

/// Signs the claim of `address` for a relayer, valid `valid_secs` from the chain's time; sends
/// nothing. The key must be the recipient's.
pub async fn sign_gasless(
    c: ClaimInput<'_>,
    address: Option<&str>,
    valid_secs: u64,
) -> Result<GaslessSignature> {
    let chain = connect(c.rpc)?;
    let account = claimant(address)?;
    let ready = prepare(&chain, c.bundle, c.deployment, account).await?;
    let sender = Sender::new(chain.clone(), c.signer, ready.chain_id);
    if sender.address() != account {
        return Err(input(format!(
            "the key in {} is for {}, not {account}: a gasless claim must be signed by the recipient",
            c.key_label,
            sender.address()
        )));
    }
    let nonce = chain
        .view(
            ready.distributor,
            &AirdropDistributor::noncesCall { owner: account },
        )
        .await?;
    let deadline = U256::from(ready.now.saturating_add(valid_secs));
    let claim = Claim {
        index: ready.index,
        account,
        amount: ready.amount,
        nonce,
        deadline,
    };
    let digest = claim_signing_hash(&claim, ready.chain_id, ready.distributor);
    Ok(GaslessSignature {
        format: "airdrop-claim-signature/1".into(),
        chain_id: ready.chain_id,
        distributor: ready.distributor.to_checksum(None),
        index: ready.index.to_string(),
        account: account.to_checksum(None),
        amount: ready.amount.to_string(),
        nonce: nonce.to_string(),
        deadline: deadline.to_string(),
        signature: sender.sign_digest(&digest)?,
        claimable: ready.claimable,
    })
}

/// The fields of a signature file, checked.
struct Signed {
    account: Address,
    chain_id: u64,
    distributor: Address,
    signature: Bytes,
    index: U256,
    amount: U256,
    nonce: U256,
    deadline: U256,
}

fn read_signature(file: &Path, address: Option<&str>) -> Result<Signed> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| input(format!("cannot read {}: {e}", file.display())))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| input(format!("{} is not valid json: {e}", file.display())))?;
    let s = |k: &str| {
        v.get(k).and_then(Value::as_str).ok_or_else(|| {
            input(format!(
                "{}: {k:?} missing; is it a file from --gasless-signature-out?",
                file.display()
            ))
        })
    };
    let num = |k: &str| -> Result<U256> {
        s(k)?
            .parse::<U256>()
            .map_err(|e| input(format!("{}: {k}: {e}", file.display())))
    };
    let account = parse_address(s("account")?)
        .map_err(|e| input(format!("{}: account: {e}", file.display())))?;
    if let Some(a) = address {
        let a = parse_address(a).map_err(|e| input(format!("--address: {e}")))?;
        if a != account {
            return Err(input(format!(
                "--address {a} differs from the signature file's account {account}"
            )));
        }
    }
    let chain_id = v.get("chain_id").and_then(Value::as_u64).unwrap_or(0);
    let distributor = parse_address(s("distributor")?)
        .map_err(|e| input(format!("{}: distributor: {e}", file.display())))?;
    let signature: Bytes = s("signature")?
        .parse()
        .map_err(|e| input(format!("{}: signature: {e}", file.display())))?;
    Ok(Signed {
        account,
        chain_id,
        distributor,
        signature,
        index: num("index")?,
        amount: num("amount")?,
        nonce: num("nonce")?,
        deadline: num("deadline")?,
    })
}

/// Submits a recipient's signature file with `claimWithSignature`; the input's key (the
/// relayer) pays the gas, the tokens go to the recipient. `address`, when given, must be the
/// file's account.
pub async fn relay(c: ClaimInput<'_>, file: &Path, address: Option<&str>) -> Result<Claimed> {
    let chain = connect(c.rpc)?;
    let s = read_signature(file, address)?;
    let (bundle, d, account) = (c.bundle, c.deployment, s.account);
    if s.chain_id != bundle.chain_id || s.distributor != d.distributor {
        return Err(input(format!(
            "the signature is for distributor {} on chain {}, but this bundle is deployed at {} on chain {}; it would be rejected",
            s.distributor, s.chain_id, d.distributor, bundle.chain_id
        )));
    }
    let ready = prepare(&chain, bundle, d, account).await?;
    if ready.index != s.index || ready.amount != s.amount {
        return Err(input(format!("the signature is for index {} amount {} but the bundle gives {account} index {} amount {}", s.index, s.amount, ready.index, ready.amount)));
    }
    let current = chain
        .view(
            s.distributor,
            &AirdropDistributor::noncesCall { owner: account },
        )
        .await?;
    if current != s.nonce {
        return Err(input(format!("the signature's nonce {} is stale (the account's nonce is now {current}): it was already used; ask the recipient to sign again", s.nonce)));
    }
    if U256::from(ready.now) > s.deadline {
        return Err(input(format!(
            "the signature expired at {} (unix), chain time is {}; ask the recipient to sign again",
            s.deadline, ready.now
        )));
    }
    let sender = Sender::new(chain.clone(), c.signer, ready.chain_id);
    let call = AirdropDistributor::claimWithSignatureCall {
        index: s.index,
        account,
        amount: s.amount,
        proof: ready.proof.clone(),
        sigDeadline: s.deadline,
        signature: s.signature,
    };
    let r = sender
        .send(
            Some(s.distributor),
            Bytes::from(call.abi_encode()),
            U256::ZERO,
        )
        .await?;
    Ok(Claimed {
        account,
        paid: paid_in(&r, s.distributor),
        amount: s.amount,
        payer: sender.address(),
        tx: r.hash,
        gas_used: r.gas_used,
    })
}
