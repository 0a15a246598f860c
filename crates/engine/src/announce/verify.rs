//! `airdrop verify`: is this announcement genuine, are these the files it signed, and is the
//! distributor on chain the one it describes? Every failed check is a reason; the verdict is
//! `verified` only when there is none.

use super::{source, AnnouncementFile, Fields, Source, ANNOUNCEMENT_FILE};
use crate::distribution::{connect, span};
use crate::Result;
use airdrop_chain::distribution::{AirdropDistributor, Chain, IERC20};
use airdrop_core::Manifest;
use alloy_primitives::{Address, Signature, B256, U256, U64};
use serde_json::{json, Value};
use std::path::Path;

alloy::sol! {
    /// EIP-1271: how a contract wallet (a multisig) says a signature is its own.
    interface IERC1271 {
        function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4 magicValue);
    }
}

/// `isValidSignature`'s answer for a valid signature.
const EIP1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];
/// Blocks per `eth_getLogs` request when adding up what was claimed.
const LOG_WINDOW: u64 = 10_000;

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyInput<'a> {
    /// Where the announcement and the bundle's files are.
    pub source: &'a Source,
    /// The signer the recipient was told to expect.
    pub expect_signer: Option<Address>,
    /// A node of the campaign's chain; without it the distributor and a contract signer are
    /// not checked.
    pub rpc: Option<&'a str>,
    /// Whether to hash every bundle file (`check` over an API has none).
    pub files: bool,
}

/// The outcome: the announcement, and why it is not verified (empty when it is).
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The announcement read.
    pub announcement: AnnouncementFile,
    /// Every failed check, in plain words.
    pub reasons: Vec<String>,
    /// What was checked and held.
    pub checked: Vec<String>,
    /// What was not checked (no `--rpc`, no expected signer).
    pub unchecked: Vec<String>,
    /// SHA-256 of each bundle file as the signed manifest lists them (empty when the files were
    /// not checked): what a later read of a file must still match.
    pub files: std::collections::BTreeMap<String, String>,
}

impl Verdict {
    /// Whether every check held.
    pub fn verified(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Verifies the announcement of `v.source`.
pub async fn verify(v: &VerifyInput<'_>) -> Result<Verdict> {
    let bytes = v.source.record(ANNOUNCEMENT_FILE).await.map_err(|e| {
        crate::EngineError::input(format!(
            "{e}; the campaign has no signed announcement there (the creator makes one with `airdrop sign`)"
        ))
    })?;
    let a = AnnouncementFile::read(&bytes)?;
    let chain = v.rpc.map(connect).transpose()?;
    verify_announcement(a, v, chain.as_ref()).await
}

/// Verifies an announcement already read (the server's, or `check --api`'s).
pub(crate) async fn verify_announcement(
    a: AnnouncementFile,
    v: &VerifyInput<'_>,
    chain: Option<&Chain>,
) -> Result<Verdict> {
    let mut out = Verdict {
        announcement: a,
        reasons: Vec::new(),
        checked: Vec::new(),
        unchecked: Vec::new(),
        files: Default::default(),
    };
    let a = out.announcement.clone();
    let digest = a.message.signing_hash()?;
    signature(&a, digest, chain, &mut out).await;
    if let Some(want) = v.expect_signer {
        if want != a.signer {
            out.reasons.push(format!(
                "wrong signer: signed by {}, not the expected {want}",
                a.signer
            ));
        }
    } else {
        out.unchecked.push(format!(
            "signer {} is not compared with anything: pass --expect-signer with the address the project publishes",
            a.signer
        ));
    }
    if v.files {
        files(v.source, &a.message, &mut out).await?;
    }
    match chain {
        Some(c) => on_chain(c, &a.message, &mut out).await?,
        None => out.unchecked.push(
            "the distributor was not checked on chain (give --rpc to check its root, token, funds and window)".into(),
        ),
    }
    Ok(out)
}

async fn signature(a: &AnnouncementFile, digest: B256, chain: Option<&Chain>, out: &mut Verdict) {
    if a.signer_kind == "contract" {
        let Some(chain) = chain else {
            out.reasons.push(format!(
                "signer {} is a contract wallet: its signature (EIP-1271) can only be checked on chain; give --rpc",
                a.signer
            ));
            return;
        };
        let call = IERC1271::isValidSignatureCall {
            hash: digest,
            signature: a.signature.clone(),
        };
        match chain.view(a.signer, &call).await {
            Ok(magic) if magic.0 == EIP1271_MAGIC => out
                .checked
                .push(format!("signed by contract wallet {} (EIP-1271)", a.signer)),
            Ok(magic) => out.reasons.push(format!(
                "bad signature: contract wallet {} answered isValidSignature with {magic}, not 0x1626ba7e",
                a.signer
            )),
            Err(e) => out.reasons.push(format!(
                "bad signature: contract wallet {} did not accept it (isValidSignature: {})",
                a.signer,
                crate::distribution::one_line(&e)
            )),
        }
        return;
    }
    eoa_signature(a, digest, out);
}

fn eoa_signature(a: &AnnouncementFile, digest: B256, out: &mut Verdict) {
    let recovered = Signature::try_from(a.signature.as_ref())
        .ok()
        .and_then(|s| s.recover_address_from_prehash(&digest).ok());
    match recovered {
        Some(r) if r == a.signer => out.checked.push(format!("signed by {}", a.signer)),
        Some(r) => out.reasons.push(format!(
            "bad signature: the fields were signed by {r}, not by the stated signer {} (a field was changed after signing)",
            a.signer
        )),
        None => out
            .reasons
            .push("bad signature: it is not a 65-byte ECDSA signature".into()),
    }
}

async fn files(source: &Source, f: &Fields, out: &mut Verdict) -> Result<()> {
    let mbytes = source.record("manifest.json").await?;
    let mut hashes = Vec::new();
    if let Ok(m) = Manifest::read(&mbytes) {
        for name in m.outputs.keys() {
            hashes.push((name.clone(), source.sha256_hex(name).await));
        }
    }
    check_files(&|n| source.describe(n), &mbytes, Some(hashes), f, out)
}

/// A claim kit's part of the files check: the kit carries the bundle's `manifest.json` but not
/// its other files, so only the manifest is compared with the signed hash (the proofs are then
/// folded to the signed root, which is what makes a shard trustworthy).
pub(crate) async fn kit_manifest(source: &Source, f: &Fields, out: &mut Verdict) -> Result<()> {
    let mbytes = source.record("manifest.json").await?;
    check_files(&|n| source.describe(n), &mbytes, None, f, out)
}

/// Compares the files' hashes (`hashes`, by name) with the manifest's, and the manifest and
/// its file list with the signed `files_hash`.
fn check_files(
    describe: &dyn Fn(&str) -> String,
    mbytes: &[u8],
    hashes: Option<Vec<(String, Result<String>)>>,
    f: &Fields,
    out: &mut Verdict,
) -> Result<()> {
    let msha = crate::input::sha256_hex(mbytes);
    let manifest = match Manifest::read(mbytes) {
        Ok(m) => m,
        Err(e) => {
            out.reasons
                .push(format!("manifest.json does not read: {e}"));
            return Ok(());
        }
    };
    let mut changed = 0;
    let hashed = hashes.is_some();
    for (name, got) in hashes.unwrap_or_default() {
        let want = manifest
            .outputs
            .get(&name)
            .map(String::as_str)
            .unwrap_or("");
        match got {
            Ok(got) if got == want => {}
            Ok(got) => {
                changed += 1;
                out.reasons.push(format!(
                    "tampered file: {} has sha256 {got}, the manifest says {want}",
                    describe(&name)
                ));
            }
            Err(e) => {
                changed += 1;
                out.reasons.push(format!("missing file: {e}"));
            }
        }
    }
    if super::files_hash(&msha, &manifest.outputs) != f.files_hash {
        out.reasons.push(format!(
            "tampered file: {} (sha256 {msha}) is not the manifest that was signed",
            describe("manifest.json")
        ));
    } else {
        out.files = manifest.outputs.clone();
        if !hashed {
            out.checked
                .push("manifest.json matches the signed hash".into());
            out.unchecked.push(format!(
                "the bundle's {} files are not in a kit and are not hashed; the claim's proof is folded to the signed root instead",
                manifest.outputs.len()
            ));
        } else if changed == 0 {
            out.checked.push(format!(
                "manifest.json and its {} files match the signed hashes",
                manifest.outputs.len()
            ));
        }
    }
    let total = f.total_amount()?;
    if manifest.root != f.root || manifest.total != total || manifest.count != f.count {
        out.reasons.push(format!(
            "the manifest (root {}, total {}, {} recipients) is not what the announcement states (root {}, total {total}, {} recipients)",
            manifest.root, manifest.total, manifest.count, f.root, f.count
        ));
    }
    Ok(())
}

/// The verdict on the announcement of bundle folder `dir` without a node (what a server
/// computes once when it loads a campaign): the signature of an EOA and every file hash; a
/// contract wallet's signature needs a node and is reported not verified. `None` when the
/// bundle has no `announcement.json`.
pub fn verify_local(dir: &Path) -> Result<Option<(Vec<u8>, Verdict)>> {
    let bytes = match source::dir_record(dir, ANNOUNCEMENT_FILE) {
        Ok(b) => b,
        Err(_) if !dir.join(ANNOUNCEMENT_FILE).exists() => return Ok(None),
        Err(e) => return Err(e),
    };
    let a = AnnouncementFile::read(&bytes)?;
    let digest = a.message.signing_hash()?;
    let mut out = Verdict {
        announcement: a.clone(),
        reasons: Vec::new(),
        checked: Vec::new(),
        unchecked: Vec::new(),
        files: Default::default(),
    };
    if a.signer_kind == "contract" {
        out.reasons.push(format!(
            "signer {} is a contract wallet: its signature (EIP-1271) can only be checked on chain",
            a.signer
        ));
    } else {
        eoa_signature(&a, digest, &mut out);
    }
    let mbytes = source::dir_record(dir, "manifest.json")?;
    let mut hashes = Vec::new();
    if let Ok(m) = Manifest::read(&mbytes) {
        for name in m.outputs.keys() {
            hashes.push((name.clone(), source::dir_sha256_hex(dir, name)));
        }
    }
    let describe = |n: &str| dir.join(n).display().to_string();
    check_files(&describe, &mbytes, Some(hashes), &a.message, &mut out)?;
    Ok(Some((bytes, out)))
}

async fn on_chain(chain: &Chain, f: &Fields, out: &mut Verdict) -> Result<()> {
    let id = chain.chain_id().await?;
    if id != f.chain_id {
        out.reasons.push(format!(
            "wrong chain: --rpc is chain {id}, the announcement is for chain {}",
            f.chain_id
        ));
        return Ok(());
    }
    let a = f.distributor;
    if chain.code(a).await?.is_empty() {
        out.reasons
            .push(format!("no distributor: {a} has no code on chain {id}"));
        return Ok(());
    }
    let bad = |what: &str, got: String, want: String| {
        format!("distributor {a} holds another {what}: {got}, the announcement says {want}")
    };
    let root = chain.view(a, &AirdropDistributor::merkleRootCall {}).await;
    match root {
        Ok(r) if r == f.root => {}
        Ok(r) => out
            .reasons
            .push(bad("root", r.to_string(), f.root.to_string())),
        Err(e) => {
            out.reasons.push(format!(
                "{a} is not an airdrop distributor: merkleRoot() failed ({})",
                crate::distribution::one_line(&e)
            ));
            return Ok(());
        }
    }
    let token = chain.view(a, &AirdropDistributor::tokenCall {}).await?;
    if token != f.token {
        out.reasons
            .push(bad("token", token.to_string(), f.token.to_string()));
    }
    let start = chain.view(a, &AirdropDistributor::startCall {}).await?;
    let deadline = chain.view(a, &AirdropDistributor::deadlineCall {}).await?;
    if (start, deadline) != (f.claim_start, f.claim_deadline) {
        out.reasons.push(bad(
            "claim window",
            format!("{start}..{deadline}"),
            format!("{}..{}", f.claim_start, f.claim_deadline),
        ));
    }
    let bps = chain
        .view(a, &AirdropDistributor::unlockedBpsCall {})
        .await?;
    let cliff = chain.view(a, &AirdropDistributor::cliffCall {}).await?;
    let duration = chain.view(a, &AirdropDistributor::durationCall {}).await?;
    if (bps, cliff, duration) != (f.unlocked_bps, f.cliff, f.duration) {
        out.reasons.push(bad(
            "vesting",
            format!("{bps} bps unlocked, cliff {cliff}s, duration {duration}s"),
            format!(
                "{} bps unlocked, cliff {}s, duration {}s",
                f.unlocked_bps, f.cliff, f.duration
            ),
        ));
    }
    let (head, now) = chain.head().await?;
    if now >= deadline {
        out.reasons.push(format!(
            "claim window closed: it closed at {deadline} (unix), {} ago (chain time {now})",
            span(now - deadline)
        ));
    } else if now < start {
        out.checked
            .push(format!("the claim window opens in {}", span(start - now)));
    }
    let claimed = claimed_total(chain, a, f.deploy_block, head).await?;
    let unclaimed = f.total_amount()?.saturating_sub(claimed);
    let balance = chain
        .view(token, &IERC20::balanceOfCall { account: a })
        .await?;
    if balance < unclaimed {
        out.reasons.push(format!(
            "underfunded distributor: it holds {} base units, {} are unclaimed ({} short)",
            balance,
            unclaimed,
            unclaimed - balance
        ));
    } else {
        out.checked.push(format!(
            "distributor {a} holds the signed root and token and {balance} base units for {unclaimed} unclaimed ({} claimed)",
            claimed
        ));
    }
    Ok(())
}

/// What the distributor paid out: its `Claimed` logs from `from` to `head`.
pub(crate) async fn claimed_total(chain: &Chain, a: Address, from: u64, head: u64) -> Result<U256> {
    let mut claimed = U256::ZERO;
    let mut lo = from;
    while lo <= head {
        let hi = head.min(lo.saturating_add(LOG_WINDOW - 1));
        let filter = json!({
            "address": a,
            "fromBlock": U64::from(lo),
            "toBlock": U64::from(hi),
            "topics": [airdrop_chain::distribution::claimed_topic()],
        });
        let logs: Vec<Value> = chain.rpc.call("eth_getLogs", (filter,)).await?;
        for c in crate::distribution::events::claimed(&logs, a, true)? {
            claimed += c.amount;
        }
        lo = hi + 1;
    }
    Ok(claimed)
}
