//! The typed bundle: `manifest.json` ([`Manifest`], written by `airdrop build`) and
//! `deployment.json` ([`Deployment`], written by `airdrop deploy`). One reader and one writer
//! each; every other part of the project goes through them.
//!
//! Both files are hashed or compared byte for byte by people who verified them, so the writers
//! keep the field order and spelling the JSON has always had; the readers refuse unknown and
//! missing fields (a field that is legitimately empty is written as `null`, never left out).

use crate::error::{CoreError, Result};
use crate::vesting::{percent_to_bps, VestingTerms};
use airdrop_merkle::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Format tag of `manifest.json`.
pub const BUNDLE_FORMAT: &str = "airdrop-bundle/1";
/// Format tag of `deployment.json`.
pub const DEPLOYMENT_FORMAT: &str = "airdrop-deployment/1";

/// `manifest.json`: what a bundle is (campaign, token, tree, totals, claim window, vesting) and
/// the hashes of what went in and came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The campaign's name.
    pub name: String,
    /// The campaign's description, `null` when it has none.
    #[serde(deserialize_with = "required")]
    pub description: Option<String>,
    /// Chain the bundle is for.
    pub chain_id: u64,
    /// Pins of the chain sources' snapshots (spec order); the key is absent for campaigns made
    /// of files only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snapshots: Vec<SnapshotPin>,
    /// The token paid out.
    pub token: ManifestToken,
    /// The tree's preset and sharding.
    pub merkle: MerkleInfo,
    /// Merkle root, 0x-hex.
    pub root: B256,
    /// The campaign's budget, base units.
    #[serde(with = "decimal")]
    pub budget: U256,
    /// What the recipients get in all, base units.
    #[serde(with = "decimal")]
    pub total: U256,
    /// `total` in whole tokens (decimal text).
    pub total_tokens: String,
    /// Recipients (claims in the tree).
    pub count: u64,
    /// Rounding dust and where it went.
    pub dust: DustInfo,
    /// The claim window, `null` when the campaign has none.
    #[serde(deserialize_with = "required")]
    pub claim: Option<ClaimInfo>,
    /// Vesting, `null` when everything is claimable at once.
    #[serde(deserialize_with = "required")]
    pub vesting: Option<VestingInfo>,
    /// SHA-256 of the inputs, by the name the spec gives them.
    pub inputs: BTreeMap<String, String>,
    /// SHA-256 of the bundle's other files, by path inside the bundle.
    pub outputs: BTreeMap<String, String>,
}

/// The pin of a chain source's snapshot, recorded in the manifest so anyone can rebuild it (and
/// see that the chain it was computed on still has that block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPin {
    /// The source's name.
    pub source: String,
    /// Snapshot kind (`erc20-balances`, …).
    pub kind: String,
    /// Chain id the node reported.
    pub chain_id: u64,
    /// Snapshot block number.
    pub block: u64,
    /// That block's hash, 0x-hex.
    pub block_hash: String,
    /// The token snapshotted, checksummed (token kinds; absent for native balances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Rows in the snapshot.
    pub rows: usize,
    /// SHA-256 of the snapshot as `airdrop snapshot` would write its CSV.
    pub csv_sha256: String,
}

/// The token of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestToken {
    /// Its address (written checksummed).
    #[serde(with = "checksummed")]
    pub address: Address,
    /// Ticker.
    pub symbol: String,
    /// Decimals.
    pub decimals: u8,
}

/// The tree of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerkleInfo {
    /// Preset name (`uniswap`, `oz-standard`, …).
    pub preset: String,
    /// 16 or 256 shards, `null` for one tree.
    #[serde(deserialize_with = "required")]
    pub shards: Option<u16>,
}

/// Rounding dust of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DustInfo {
    /// Dust in all, base units.
    #[serde(with = "decimal")]
    pub total: U256,
    /// Who received it (lowercase 0x), `null` when nobody (`dust_to` unset).
    #[serde(with = "lowercase_opt")]
    pub to: Option<Address>,
}

/// The claim window of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimInfo {
    /// Opening time as the spec wrote it.
    pub start: String,
    /// Opening time, unix seconds.
    pub start_unix: i64,
    /// Deadline as the spec wrote it.
    pub deadline: String,
    /// Deadline, unix seconds.
    pub deadline_unix: i64,
    /// Where unclaimed tokens go after the deadline, `null` for the distributor's owner.
    #[serde(with = "checksummed_opt")]
    pub clawback_to: Option<Address>,
}

/// Vesting of a manifest (it starts at the claim window's start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VestingInfo {
    /// Share unlocked at start, as the spec wrote it (`"25%"`).
    pub unlocked: String,
    /// Cliff, seconds from start.
    pub cliff_seconds: u64,
    /// Duration, seconds from start.
    pub duration_seconds: u64,
    /// Always `claim.start`.
    pub starts: String,
}

/// A serde error on `bytes` with the field it is about: serde names a missing or unknown field
/// itself, but a wrong value only by line and column, so the key just before that spot is named.
fn read_err(file: &str, bytes: &[u8], e: &serde_json::Error, hint: &str) -> CoreError {
    let text = e.to_string();
    let named = text.starts_with("missing field") || text.starts_with("unknown field");
    let field = (!named && e.line() > 0)
        .then(|| field_before(bytes, e.line(), e.column()))
        .flatten();
    match field {
        Some(f) => bundle_err(file, format!("field {f:?}: {text}; {hint}")),
        None => bundle_err(file, format!("{text}; {hint}")),
    }
}

/// The last `"key":` before 1-based `line`/`column` of `bytes`.
fn field_before(bytes: &[u8], line: usize, column: usize) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let before = text.get(..(start + column).min(text.len()))?;
    let colon = before.rfind("\":")?;
    let open = before[..colon].rfind('"')?;
    Some(before[open + 1..colon].to_owned())
}

fn bundle_err(file: &str, detail: impl std::fmt::Display) -> CoreError {
    CoreError::Bundle {
        file: file.to_owned(),
        detail: detail.to_string(),
    }
}

/// Pretty JSON with a trailing newline: how every bundle file is written.
fn pretty(file: &str, v: &impl Serialize) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)
        .map_err(|e| bundle_err(file, format!("cannot serialise: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

/// `bytes` as the typed `file`, a serde error naming the field it is about.
fn read_file<T: serde::de::DeserializeOwned>(file: &str, bytes: &[u8], hint: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| read_err(file, bytes, &e, hint))
}

/// Refuses a `format` tag other than `want`.
fn check_format(file: &str, format: &str, want: &str, fix: &str) -> Result<()> {
    if format == want {
        return Ok(());
    }
    Err(bundle_err(
        file,
        format!("format {format:?} is not {want:?}; {fix}"),
    ))
}

impl Manifest {
    /// Reads `manifest.json`: unknown or missing fields and another format are errors naming
    /// the field.
    pub fn read(bytes: &[u8]) -> Result<Manifest> {
        let m: Manifest = read_file(
            "manifest.json",
            bytes,
            "is this a bundle written by `airdrop build`?",
        )?;
        check_format(
            "manifest.json",
            &m.format,
            BUNDLE_FORMAT,
            "rebuild the bundle with this version of `airdrop build`",
        )?;
        Ok(m)
    }

    /// The file's bytes, exactly as `airdrop build` writes them.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        pretty("manifest.json", self)
    }

    /// The claim window as unix seconds, `None` without one.
    pub fn claim_window(&self) -> Result<Option<(u64, u64)>> {
        let Some(c) = &self.claim else {
            return Ok(None);
        };
        let unix = |field: &str, v: i64| {
            u64::try_from(v).map_err(|_| {
                bundle_err(
                    "manifest.json",
                    format!("claim.{field} {v} is before 1970; rebuild the bundle with a later [claim] time"),
                )
            })
        };
        Ok(Some((
            unix("start_unix", c.start_unix)?,
            unix("deadline_unix", c.deadline_unix)?,
        )))
    }

    /// The vesting terms in the contract's units ([`VestingTerms::NONE`] without vesting).
    pub fn vesting_terms(&self) -> Result<VestingTerms> {
        let Some(v) = &self.vesting else {
            return Ok(VestingTerms::NONE);
        };
        if self.claim.is_none() {
            return Err(CoreError::Vesting("manifest.json has vesting but no claim window; vesting starts at claim.start: add a [claim] section and rebuild".into()));
        }
        Ok(VestingTerms {
            unlocked_bps: percent_to_bps(&v.unlocked)?,
            cliff: v.cliff_seconds,
            duration: v.duration_seconds,
        })
    }

    /// The tree options the bundle was built with (`merkle.preset`, `merkle.shards`), to rebuild
    /// or serve its claims the same way.
    pub fn tree_options(&self) -> Result<airdrop_merkle::TreeOptions> {
        let preset: airdrop_merkle::Preset =
            self.merkle
                .preset
                .parse()
                .map_err(|e: airdrop_merkle::MerkleError| {
                    bundle_err("manifest.json", format!("merkle.preset: {e}"))
                })?;
        let mut options = airdrop_merkle::TreeOptions::new(preset);
        options.shards = self.merkle.shards;
        Ok(options)
    }

    /// The earliest snapshot block: nothing of this bundle can have been paid before it.
    pub fn first_block(&self) -> Option<u64> {
        self.snapshots.iter().map(|p| p.block).min()
    }
}

/// `deployment.json`: the distributor `airdrop deploy` created for a bundle and how it was
/// funded. Kept in the state folder, with a copy in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Always [`DEPLOYMENT_FORMAT`].
    pub format: String,
    /// Chain it is on.
    pub chain_id: u64,
    /// The distributor contract.
    #[serde(with = "checksummed")]
    pub distributor: Address,
    /// The token it pays (the manifest's, or `--token`'s).
    #[serde(with = "checksummed")]
    pub token: Address,
    /// The bundle's Merkle root.
    pub root: B256,
    /// What it must hold, base units.
    #[serde(with = "decimal")]
    pub total: U256,
    /// Its owner (the deployer).
    #[serde(with = "checksummed")]
    pub owner: Address,
    /// Where a clawback sends what is left.
    #[serde(with = "checksummed")]
    pub clawback_to: Address,
    /// Claims open, unix seconds.
    pub start: u64,
    /// Claims close, unix seconds.
    pub deadline: u64,
    /// Vesting: share unlocked at start, basis points.
    pub unlocked_bps: u16,
    /// Vesting cliff, seconds.
    pub cliff: u64,
    /// Vesting duration, seconds.
    pub duration: u64,
    /// Block it was created in (where its events start).
    pub block: u64,
    /// The creating transaction.
    pub deploy_tx: B256,
    /// The funding transaction's hash, `"already funded"`, or `null` while not funded yet (an
    /// interrupted deploy: the next one funds it).
    #[serde(deserialize_with = "required")]
    pub fund_tx: Option<String>,
    /// Gas of both transactions.
    pub gas_used: GasUsed,
    /// Set when the distributor is a clone made by the factory (absent for the full contract,
    /// and in records written before clones existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone: Option<CloneOrigin>,
}

/// How a clone distributor was made: its address is the CREATE2 address of the factory, this
/// salt and its parameters (those of the record), so anyone can recompute it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloneOrigin {
    /// The factory that deployed it.
    #[serde(with = "checksummed")]
    pub factory: Address,
    /// The CREATE2 salt (0 for a bundle's first distributor).
    pub salt: B256,
}

/// Gas used by a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasUsed {
    /// The creation.
    pub deploy: u64,
    /// The funding transfer, `null` when none was needed (or not sent yet).
    #[serde(deserialize_with = "required")]
    pub fund: Option<u64>,
}

/// What [`Deployment::fund_tx`] says when the distributor already held the bundle's total.
pub const ALREADY_FUNDED: &str = "already funded";

impl Deployment {
    /// Reads `deployment.json`: unknown or missing fields and another format are errors naming
    /// the field.
    pub fn read(bytes: &[u8]) -> Result<Deployment> {
        let d: Deployment = read_file(
            "deployment.json",
            bytes,
            "is this a record written by `airdrop deploy`?",
        )?;
        check_format(
            "deployment.json",
            &d.format,
            DEPLOYMENT_FORMAT,
            "deploy with this version of `airdrop deploy`",
        )?;
        Ok(d)
    }

    /// The file's bytes, exactly as `airdrop deploy` writes them.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        pretty("deployment.json", self)
    }

    /// Whether the funding transfer is still to be made (an interrupted deploy).
    pub fn fund_pending(&self) -> bool {
        self.fund_tx.is_none()
    }
}

/// An `Option` whose key must be present (as `null` or a value): serde would otherwise take a
/// missing key as `None`, and a manifest with a field left out is not one `airdrop build` wrote.
fn required<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// U256 as a decimal string (JSON numbers cannot hold it).
mod decimal {
    use airdrop_merkle::U256;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom(format!(
                "amount {text:?} is not a decimal integer of base units"
            )));
        }
        U256::from_str_radix(&text, 10)
            .map_err(|e| D::Error::custom(format!("amount {text:?}: {e}")))
    }
}

fn parse_addr<E: serde::de::Error>(text: &str) -> std::result::Result<Address, E> {
    airdrop_merkle::address::parse_address(text)
        .map_err(|e| E::custom(format!("address {text:?}: {e}")))
}

/// An address written checksummed.
mod checksummed {
    use airdrop_merkle::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_checksum(None))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        super::parse_addr(&String::deserialize(d)?)
    }
}

/// An optional address written checksummed or `null`; the key must be present.
mod checksummed_opt {
    use airdrop_merkle::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_some(&a.to_checksum(None)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Address>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| super::parse_addr(&t))
            .transpose()
    }
}

/// An optional address written lowercase or `null`; the key must be present.
mod lowercase_opt {
    use airdrop_merkle::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_some(&format!("{a:#x}")),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Address>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| super::parse_addr(&t))
            .transpose()
    }
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
