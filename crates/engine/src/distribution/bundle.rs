//! A built bundle as the distribution jobs read it: the typed manifest, and `claims.json`
//! checked to rebuild to the manifest's root, total and count before anything is sent.

use super::input;
use super::state::{Located, StateDir, DEPLOYMENT_FILE};
use crate::Result;
use airdrop_core::units::format_units;
use airdrop_core::{Manifest, VestingTerms};
use airdrop_merkle::address::parse_address;
use alloy_primitives::{Address, B256, U256};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What the distribution jobs need from a bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The bundle folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// The chain it is for.
    pub chain_id: u64,
    /// The manifest's token.
    pub token: Address,
    /// Its ticker.
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
    /// Merkle root.
    pub root: B256,
    /// What the recipients get in all, base units.
    pub total: U256,
    /// Recipients.
    pub count: u64,
    /// Claims open (unix seconds); 0 without a claim window.
    pub start: u64,
    /// Claims close (unix seconds); `u64::MAX` without a claim window.
    pub deadline: u64,
    /// Where a clawback sends what is left (`None`: the distributor's owner).
    pub clawback_to: Option<Address>,
    /// Whether the manifest has a claim window (without one, claims never close).
    pub has_window: bool,
    /// The earliest snapshot block of the bundle's chain sources: nothing of this plan can have
    /// been paid before it.
    pub first_block: Option<u64>,
    /// Vesting in the contract's units.
    pub vesting: VestingTerms,
    /// `claims.json`.
    pub claims: Value,
}

impl Bundle {
    /// Reads manifest.json and claims.json of `dir`, and checks that the claims rebuild to the
    /// manifest's root, total and count.
    pub fn load(dir: &Path) -> Result<Bundle> {
        let mpath = dir.join("manifest.json");
        let bytes = crate::input::read_record(&mpath).map_err(|e| {
            input(format!(
                "cannot read {}; --bundle must be a folder written by `airdrop build`: {e}",
                mpath.display()
            ))
        })?;
        let manifest = Manifest::read(&bytes)?;
        let window = manifest.claim_window()?;
        let vesting = manifest.vesting_terms()?;
        let (start, deadline) = window.unwrap_or((0, u64::MAX));
        let claims = read_claims(dir)?;
        check_claims(&manifest, &claims)?;
        Ok(Bundle {
            dir: dir.to_path_buf(),
            chain_id: manifest.chain_id,
            token: manifest.token.address,
            symbol: manifest.token.symbol.clone(),
            decimals: manifest.token.decimals,
            root: manifest.root,
            total: manifest.total,
            count: manifest.count,
            start,
            deadline,
            clawback_to: manifest.claim.as_ref().and_then(|c| c.clawback_to),
            has_window: window.is_some(),
            first_block: manifest.first_block(),
            vesting,
            claims,
            manifest,
        })
    }

    /// `amount` base units as `1.5 SYM (1500000000000000000)`.
    pub fn tokens(&self, amount: U256) -> String {
        format!(
            "{} {} ({amount})",
            format_units(amount, self.decimals),
            self.symbol
        )
    }

    /// The claim of `who`: (index, amount, proof).
    pub fn claim_of(&self, who: Address) -> Result<(U256, U256, Vec<B256>)> {
        let entry = self
            .claim_map()?
            .iter()
            .find(|(k, _)| parse_address(k).ok() == Some(who))
            .map(|(_, v)| v)
            .ok_or_else(|| {
                input(format!(
                    "{who} is not eligible: it has no claim in {}",
                    self.dir.join("claims.json").display()
                ))
            })?;
        let (index, amount) = index_and_amount(&who.to_string(), entry)?;
        let proof = entry
            .get("proof")
            .and_then(Value::as_array)
            .ok_or_else(|| input(format!("claims.json: {who}: proof missing")))?
            .iter()
            .map(|h| {
                h.as_str()
                    .and_then(|s| s.parse::<B256>().ok())
                    .ok_or_else(|| input(format!("claims.json: {who}: bad proof hash {h}")))
            })
            .collect::<Result<Vec<B256>>>()?;
        Ok((U256::from(index), amount, proof))
    }

    /// The bundle's claims in index order: (index, account, amount).
    pub fn claims_in_order(&self) -> Result<Vec<(u64, Address, U256)>> {
        let claims = self.claim_map()?;
        let mut out = Vec::with_capacity(claims.len());
        for (k, v) in claims {
            let who = parse_address(k).map_err(|e| input(format!("claims.json: {k}: {e}")))?;
            let (index, amount) = index_and_amount(k, v)?;
            out.push((index, who, amount));
        }
        out.sort_by_key(|c| c.0);
        Ok(out)
    }

    fn claim_map(&self) -> Result<&serde_json::Map<String, Value>> {
        self.claims
            .get("claims")
            .and_then(Value::as_object)
            .ok_or_else(|| input("claims.json has no claims object"))
    }

    /// The deployment record of this bundle, if any: the state folder's for the manifest's
    /// token, else the copy in the bundle (bundles deployed before the state folder existed),
    /// else the only record of this root under another token (a deploy with `--token`).
    pub fn find_record(&self, state: &StateDir) -> Result<Option<Located>> {
        let own = state
            .folder(self.chain_id, self.token, self.root)?
            .join(DEPLOYMENT_FILE);
        if own.is_file() {
            return Ok(Some(Located::read(&own)?));
        }
        let copy = self.dir.join(DEPLOYMENT_FILE);
        if copy.is_file() {
            // A rebuild with another root keeps the old bundle's copy: not this bundle's.
            let found = Located::read(&copy)?;
            if found.matches(self.chain_id, self.root) {
                return Ok(Some(found));
            }
        }
        let mut others = state.deployments_of_root(self.chain_id, self.root)?;
        match others.len() {
            0 => Ok(None),
            1 => Ok(others.pop()),
            _ => Err(input(format!(
                "{} deployment records of root {} on chain {} (one per token: {}); copy the one you mean into the bundle as {DEPLOYMENT_FILE}",
                others.len(),
                self.root,
                self.chain_id,
                others
                    .iter()
                    .map(|l| l.path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The distributor recorded by `airdrop deploy`.
    pub fn deployment(&self, state: &StateDir) -> Result<Located> {
        self.find_record(state)?.ok_or_else(|| {
            let base = match state.base() {
                Ok(b) => b.display().to_string(),
                Err(e) => return e,
            };
            input(format!(
                "no deployment record for root {} on chain {} (looked in {base} and the bundle): deploy the bundle first with `airdrop deploy` (or give the --state-dir it used)",
                self.root, self.chain_id,
            ))
        })
    }
}

fn read_claims(dir: &Path) -> Result<Value> {
    let cpath = dir.join("claims.json");
    let text = std::fs::read_to_string(&cpath)
        .map_err(|e| input(format!("cannot read {}: {e}", cpath.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| input(format!("{} is not valid json: {e}", cpath.display())))
}

/// Refuses claims that do not rebuild to the manifest's root, count and total.
fn check_claims(m: &Manifest, claims: &Value) -> Result<()> {
    let report = airdrop_merkle::verify::verify_document("claims.json", claims).map_err(|e| {
        input(format!(
            "the bundle's claims do not verify: {e}; rebuild the bundle with `airdrop build`"
        ))
    })?;
    if report.root != m.root {
        return Err(input(format!(
            "the bundle's claims.json rebuilds to root {} but manifest.json states {}; the bundle was edited or mixed up: rebuild it with `airdrop build`",
            report.root, m.root
        )));
    }
    if report.claims as u64 != m.count {
        return Err(input(format!(
            "claims.json has {} claims but manifest.json states {}; rebuild the bundle",
            report.claims, m.count
        )));
    }
    if let Some(t) = &report.total {
        let t: U256 = airdrop_merkle::amount::parse_amount(t)
            .map_err(|e| input(format!("claims.json total: {e}")))?;
        if t != m.total {
            return Err(input(format!(
                "claims.json sums to {t} but manifest.json states total {}; rebuild the bundle",
                m.total
            )));
        }
    }
    Ok(())
}

fn index_and_amount(who: &str, entry: &Value) -> Result<(u64, U256)> {
    let index = entry
        .get("index")
        .and_then(Value::as_u64)
        .ok_or_else(|| input(format!("claims.json: {who}: index missing")))?;
    let amount = airdrop_merkle::amount::parse_amount(
        entry
            .get("amount")
            .and_then(Value::as_str)
            .ok_or_else(|| input(format!("claims.json: {who}: amount missing")))?,
    )
    .map_err(|e| input(format!("claims.json: {who}: {e}")))?;
    Ok((index, amount))
}

#[cfg(test)]
pub(crate) mod testing {
    //! A bundle made in memory, for the record and ledger decisions' tests.
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A bundle of `dir` on chain 31337 with two claims (1 and 2 base units).
    pub(crate) fn bundle(dir: &Path, token: Address, root: B256) -> Bundle {
        let manifest_json = serde_json::json!({
            "format": airdrop_core::bundle::BUNDLE_FORMAT, "name": "t", "description": null,
            "chain_id": 31337,
            "token": {"address": token.to_checksum(None), "symbol": "TT", "decimals": 0},
            "merkle": {"preset": "uniswap", "shards": null}, "root": root,
            "budget": "3", "total": "3", "total_tokens": "3", "count": 2,
            "dust": {"total": "0", "to": null}, "claim": null, "vesting": null,
            "inputs": {}, "outputs": {},
        });
        let manifest = Manifest::read(manifest_json.to_string().as_bytes()).unwrap();
        let claims = serde_json::json!({"claims": {
            Address::repeat_byte(0xa1).to_checksum(None): {"index": 0, "amount": "0x01", "proof": []},
            Address::repeat_byte(0xa2).to_checksum(None): {"index": 1, "amount": "0x02", "proof": []},
        }});
        Bundle {
            dir: dir.to_path_buf(),
            chain_id: 31337,
            token,
            symbol: "TT".into(),
            decimals: 0,
            root,
            total: U256::from(3u64),
            count: 2,
            start: 0,
            deadline: u64::MAX,
            clawback_to: None,
            has_window: false,
            first_block: None,
            vesting: VestingTerms::NONE,
            claims,
            manifest,
        }
    }

    #[test]
    fn claims_come_in_index_order_and_strangers_are_not_eligible() {
        let b = bundle(Path::new("/b"), Address::repeat_byte(1), B256::ZERO);
        let c = b.claims_in_order().unwrap();
        assert_eq!(
            c.iter().map(|c| (c.0, c.2)).collect::<Vec<_>>(),
            vec![(0, U256::from(1u64)), (1, U256::from(2u64))]
        );
        assert_eq!(
            b.claim_of(Address::repeat_byte(0xa2)).unwrap().1,
            U256::from(2u64)
        );
        let e = b.claim_of(Address::repeat_byte(9)).unwrap_err().to_string();
        assert!(
            e.contains("is not eligible: it has no claim in /b/claims.json"),
            "{e}"
        );
        assert_eq!(b.tokens(U256::from(3u64)), "3 TT (3)");
    }
}
