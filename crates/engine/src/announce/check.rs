//! `airdrop check`: is an address eligible, for how much, and when can it claim — with the
//! announcement verified first and the proof folded locally to the signed root, so neither a
//! bundle's copy nor a server's answer is taken on trust.

use super::verify::verify_announcement;
use super::{AnnouncementFile, Source, Verdict, VerifyInput, ANNOUNCEMENT_FILE};
use crate::distribution::{connect, input};
use crate::Result;
use airdrop_chain::distribution::AirdropDistributor;
use airdrop_core::vesting::{vested, VestingTerms};
use airdrop_merkle::hash::{uniswap_leaf, NodeHash};
use alloy::transports::http::reqwest;
use alloy_primitives::{Address, B256, U256};
use serde_json::Value;

/// The largest claims file or API answer read.
const CLAIMS_CAP: u64 = 4 << 30;
const ANSWER_CAP: usize = 1 << 20;
/// The largest kit shard read (about a thousand claims on average; a skewed list makes some
/// larger).
const SHARD_CAP: u64 = 256 << 20;

/// Where the claims come from.
#[derive(Debug, Clone)]
pub enum CheckFrom {
    /// A bundle (folder or URL) with `announcement.json` and `claims.json`.
    Bundle(Source),
    /// A claim kit (folder or URL) with `announcement.json`, `manifest.json`, `root.json` and
    /// `shards/<prefix>.json`.
    Kit(Source),
    /// A server's campaign URL (`…/v1/campaigns/ID`): its announcement and claim look-up.
    Api(reqwest::Url),
}

/// What `check` found.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// The announcement's verdict; nothing else is reported when it is not verified.
    pub verdict: Verdict,
    /// The claim (index, amount), `None` when the address has none.
    pub claim: Option<(u64, U256)>,
    /// What is vested at `now` (the whole amount without vesting).
    pub vested: U256,
    /// The time the answer is for, unix seconds.
    pub now: u64,
    /// The token's symbol and decimals, from the signed manifest (`None` over an API).
    pub units: Option<(String, u8)>,
    /// Already claimed from the distributor, when a node was given.
    pub claimed: Option<U256>,
    /// What a claim would pay now (the distributor's `claimableAmount`: zero outside the
    /// window), when a node was given.
    pub claimable: Option<U256>,
}

/// Checks `address` against the campaign of `from` at unix time `now`.
pub async fn check(
    address: Address,
    from: &CheckFrom,
    expect_signer: Option<Address>,
    rpc: Option<&str>,
    now: u64,
) -> Result<CheckOutcome> {
    let chain = rpc.map(connect).transpose()?;
    let (verdict, found, units) = match from {
        CheckFrom::Bundle(source) => {
            let a = AnnouncementFile::read(&source.record(ANNOUNCEMENT_FILE).await?)?;
            let v = VerifyInput {
                source,
                expect_signer,
                rpc,
                files: true,
            };
            let verdict = verify_announcement(a, &v, chain.as_ref()).await?;
            if !verdict.verified() {
                return Ok(refused(verdict, now));
            }
            let claims = source.read("claims.json", CLAIMS_CAP).await?;
            // Read again after hashing: a server could answer the second read differently.
            let sha = crate::input::sha256_hex(&claims);
            if verdict.files.get("claims.json") != Some(&sha) {
                return Err(input(format!(
                    "refused: {} (sha256 {sha}) is not the claims file the announcement signed; do not claim through this source",
                    source.describe("claims.json")
                )));
            }
            let doc: Value = serde_json::from_slice(&claims).map_err(|e| {
                input(format!(
                    "{} is not JSON: {e}",
                    source.describe("claims.json")
                ))
            })?;
            // The manifest's hash was checked with the files: its token is the signed one.
            let m = airdrop_core::Manifest::read(&source.record("manifest.json").await?)?;
            let units = (m.token.address == verdict.announcement.message.token)
                .then(|| (m.token.symbol.clone(), m.token.decimals));
            (verdict, entry_in(&doc, address, "claims.json")?, units)
        }
        CheckFrom::Kit(source) => {
            let a = AnnouncementFile::read(&source.record(ANNOUNCEMENT_FILE).await.map_err(|e| {
                input(format!(
                    "{e}; the kit is unsigned (no announcement.json), so nothing in it can be checked: ask the project for a kit of a signed bundle (`airdrop sign`, then `airdrop kit`)"
                ))
            })?)?;
            let v = VerifyInput {
                source,
                expect_signer,
                rpc,
                files: false,
            };
            let mut verdict = verify_announcement(a, &v, chain.as_ref()).await?;
            let f = verdict.announcement.message.clone();
            super::verify::kit_manifest(source, &f, &mut verdict).await?;
            if !verdict.verified() {
                return Ok(refused(verdict, now));
            }
            let found = kit_entry(source, &f, address).await?;
            (verdict, found, kit_units(source, &f).await)
        }
        CheckFrom::Api(base) => {
            let a = AnnouncementFile::read(&get(base, "announcement").await?.ok_or_else(|| {
                input(format!(
                    "{base}/announcement: the server has no signed announcement for this campaign; nothing it says can be checked"
                ))
            })?)?;
            let source = Source::Url(base.clone());
            let v = VerifyInput {
                source: &source,
                expect_signer,
                rpc,
                files: false,
            };
            let verdict = verify_announcement(a, &v, chain.as_ref()).await?;
            if !verdict.verified() {
                return Ok(refused(verdict, now));
            }
            let answer = get(base, &format!("claims/{address:#x}")).await?;
            let found = match answer {
                None => None,
                Some(bytes) => {
                    let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
                        input(format!("the server's claim answer is not JSON: {e}"))
                    })?;
                    Some(parse_entry(&v, "the server's answer")?)
                }
            };
            (verdict, found, None)
        }
    };
    let f = &verdict.announcement.message;
    let claim = match found {
        None => None,
        Some((index, amount, proof)) => {
            let leaf = uniswap_leaf(index, &address, &amount);
            let root = NodeHash::KeccakSorted.fold(leaf, &proof);
            if root != f.root {
                return Err(input(format!(
                    "refused: the proof given for {address} (index {index}, amount {amount}) leads to root {root}, not the signed root {}; the source is lying or corrupt, do not claim through it",
                    f.root
                )));
            }
            Some((index, amount))
        }
    };
    let (claimed, claimable) = match (&chain, claim) {
        (Some(c), Some((index, amount))) => {
            let (a, index) = (f.distributor, U256::from(index));
            // A claim without vesting only sets the index's bit; with vesting the amount so far
            // is kept per index. What a claim would pay now is the contract's own answer.
            let full = c
                .view(a, &AirdropDistributor::isClaimedCall { index })
                .await?;
            let claimed = if full {
                amount
            } else {
                c.view(a, &AirdropDistributor::claimedAmountCall { index })
                    .await?
            };
            let now = c
                .view(
                    a,
                    &AirdropDistributor::claimableAmountCall { index, amount },
                )
                .await?;
            (Some(claimed), Some(now))
        }
        _ => (None, None),
    };
    let terms = VestingTerms {
        unlocked_bps: f.unlocked_bps,
        cliff: f.cliff,
        duration: f.duration,
    };
    let vested = claim
        .map(|(_, amount)| vested(amount, now, f.claim_start, terms))
        .unwrap_or_default();
    Ok(CheckOutcome {
        verdict,
        claim,
        vested,
        now,
        units,
        claimed,
        claimable,
    })
}

/// The entry of `who` in its kit shard (`None` when the kit has no shard for its prefix or the
/// shard no entry). Nothing read here is trusted: `root.json` only says which shard to read.
async fn kit_entry(
    source: &Source,
    f: &super::Fields,
    who: Address,
) -> Result<Option<(u64, U256, Vec<B256>)>> {
    let name = "root.json";
    let root: Value = serde_json::from_slice(&source.record(name).await?)
        .map_err(|e| input(format!("{} is not JSON: {e}", source.describe(name))))?;
    if root
        .get("merkleRoot")
        .and_then(Value::as_str)
        .and_then(|r| r.parse::<B256>().ok())
        != Some(f.root)
    {
        return Err(input(format!(
            "refused: {} does not name the signed root {}; this kit is not the signed campaign's, do not claim through it",
            source.describe(name),
            f.root
        )));
    }
    let digits = root
        .get("shardDigits")
        .and_then(Value::as_u64)
        .filter(|d| (1..=4).contains(d))
        .ok_or_else(|| {
            input(format!(
                "{}: shardDigits is missing or not 1 to 4; the kit is not one `airdrop kit` wrote",
                source.describe(name)
            ))
        })?;
    let hex = alloy_primitives::hex::encode(who);
    let prefix = &hex[..digits as usize];
    let listed = root
        .get("shards")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(prefix));
    if !listed {
        return Ok(None);
    }
    let shard = format!("shards/{prefix}.json");
    let doc: Value = serde_json::from_slice(&source.read(&shard, SHARD_CAP).await?)
        .map_err(|e| input(format!("{} is not JSON: {e}", source.describe(&shard))))?;
    entry_in(&doc, who, &shard)
}

/// The token's symbol and decimals from the kit's manifest, read again and used only when it is
/// still the signed one (a server could answer the second read differently).
async fn kit_units(source: &Source, f: &super::Fields) -> Option<(String, u8)> {
    let bytes = source.record("manifest.json").await.ok()?;
    let m = airdrop_core::Manifest::read(&bytes).ok()?;
    let signed = super::files_hash(&crate::input::sha256_hex(&bytes), &m.outputs) == f.files_hash;
    (signed && m.token.address == f.token).then(|| (m.token.symbol.clone(), m.token.decimals))
}

fn refused(verdict: Verdict, now: u64) -> CheckOutcome {
    CheckOutcome {
        verdict,
        claim: None,
        vested: U256::ZERO,
        now,
        units: None,
        claimed: None,
        claimable: None,
    }
}

/// The entry of `who` in a `claims.json` or kit shard `name`
/// (`{"claims": {address: {index, amount, proof}}}`).
fn entry_in(doc: &Value, who: Address, name: &str) -> Result<Option<(u64, U256, Vec<B256>)>> {
    let claims = doc
        .get("claims")
        .and_then(Value::as_object)
        .ok_or_else(|| input(format!("{name} has no claims object")))?;
    let hit = claims
        .iter()
        .find(|(k, _)| airdrop_merkle::address::parse_address(k).ok() == Some(who));
    hit.map(|(k, v)| parse_entry(v, &format!("{name}: {k}")))
        .transpose()
}

fn parse_entry(v: &Value, what: &str) -> Result<(u64, U256, Vec<B256>)> {
    let bad = |field: &str| input(format!("{what}: {field} is missing or malformed"));
    let index = v
        .get("index")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("index"))?;
    let amount = v
        .get("amount")
        .and_then(Value::as_str)
        .and_then(|s| {
            if let Some(h) = s.strip_prefix("0x") {
                U256::from_str_radix(h, 16).ok()
            } else {
                U256::from_str_radix(s, 10).ok()
            }
        })
        .ok_or_else(|| bad("amount"))?;
    let proof = v
        .get("proof")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("proof"))?
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|s| s.parse::<B256>().ok())
                .ok_or_else(|| bad("proof"))
        })
        .collect::<Result<Vec<B256>>>()?;
    Ok((index, amount, proof))
}

/// GET `base/path`: the body, `None` on 404.
async fn get(base: &reqwest::Url, path: &str) -> Result<Option<Vec<u8>>> {
    let url = base
        .join(path)
        .map_err(|e| input(format!("{base}{path}: {e}")))?;
    let fail = |e: reqwest::Error| input(format!("cannot fetch {url}: {e}"));
    let mut resp = reqwest::Client::new()
        .get(url.clone())
        .send()
        .await
        .map_err(fail)?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !resp.status().is_success() {
        return Err(input(format!(
            "cannot fetch {url}: http status {}",
            resp.status()
        )));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(fail)? {
        out.extend_from_slice(&chunk);
        if out.len() > ANSWER_CAP {
            return Err(input(format!(
                "{url}: the answer is larger than {ANSWER_CAP} bytes"
            )));
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_read_decimal_and_hex_amounts_and_name_what_is_missing() {
        let who = Address::repeat_byte(7);
        let h = B256::repeat_byte(1);
        let doc =
            json!({"claims": {format!("{who:#x}"): {"index": 2, "amount": "0x10", "proof": [h]}}});
        assert_eq!(
            entry_in(&doc, who, "claims.json").unwrap(),
            Some((2, U256::from(16u64), vec![h]))
        );
        assert_eq!(
            entry_in(&doc, Address::repeat_byte(8), "claims.json").unwrap(),
            None
        );
        let v = json!({"index": 1, "amount": "12", "proof": []});
        assert_eq!(
            parse_entry(&v, "x").unwrap(),
            (1, U256::from(12u64), vec![])
        );
        let e = parse_entry(
            &json!({"index": 1, "amount": "a lot", "proof": []}),
            "the answer",
        )
        .unwrap_err();
        assert!(e.to_string().contains("the answer: amount"), "{e}");
    }
}
