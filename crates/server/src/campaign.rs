//! Published campaigns held in memory for the hot path: the tree is rebuilt from the claims'
//! addresses and amounts at load (a 1M-claim tree takes about a second) and proofs are computed
//! per request from its layers, so memory holds the tree, not a million proof arrays.

use crate::error::ServerError;
use airdrop_merkle::{build_claims, Address, Built, Entry, Preset, TreeOptions, B256, U256};
use serde::de::{MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// One campaign served by the API.
#[derive(Debug)]
pub struct Campaign {
    /// URL id.
    pub id: String,
    /// The tree, rebuilt and checked against the published root.
    pub tree: Built,
    /// Its root, kept apart because every response carries it.
    pub root: B256,
    /// The bundle's manifest (chain, token, claim window) when one was published with it.
    pub manifest: Option<airdrop_core::Manifest>,
    /// Where the distributor is: from `deployment.json` beside the bundle (`airdrop deploy`),
    /// or registered in the store (`PUT /v1/campaigns/{id}/deployment`) by any instance.
    pub deployment: arc_swap::ArcSwapOption<Deployment>,
    /// The claim window and vesting terms, from the manifest.
    pub schedule: Option<Schedule>,
    /// Claimed so far per claim index, kept current from the distributor's `Claimed` events by
    /// the indexer (`--rpc-url`); `None` until the indexer has caught up once.
    pub claimed: arc_swap::ArcSwapOption<std::collections::HashMap<u64, U256>>,
    /// The signed announcement beside the bundle and its verdict (computed at load), `None`
    /// when the bundle is not signed.
    pub announcement: Option<crate::announcement::Announced>,
}

/// A deployed distributor of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The `AirdropDistributor` contract.
    pub distributor: Address,
    /// Its chain (from the manifest).
    pub chain_id: u64,
    /// Block it was created in (where its events start).
    pub block: u64,
}

/// When claims open and how they vest (the contract's rule, see `airdrop_core::vesting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Claims open, unix seconds.
    pub start: u64,
    /// Claims close, unix seconds.
    pub deadline: u64,
    /// Vesting terms (`VestingTerms::NONE` without vesting).
    pub vesting: airdrop_core::VestingTerms,
}

impl Schedule {
    /// The schedule a bundle's manifest states; `None` without a claim window.
    fn from_manifest(
        m: &airdrop_core::Manifest,
    ) -> Result<Option<Schedule>, airdrop_core::CoreError> {
        let Some((start, deadline)) = m.claim_window()? else {
            return Ok(None);
        };
        Ok(Some(Schedule {
            start,
            deadline,
            vesting: m.vesting_terms()?,
        }))
    }

    /// Vested (claimable in all, claimed or not) at unix time `t`.
    pub fn vested(&self, amount: U256, t: u64) -> U256 {
        airdrop_core::vesting::vested(amount, t, self.start, self.vesting)
    }
}

/// Uniswap-format claims file, read without materialising the proofs.
#[derive(Deserialize)]
struct ClaimsFile {
    #[serde(rename = "merkleRoot")]
    merkle_root: B256,
    claims: ClaimList,
}

/// Per claim: address, amount, and where its own proof leads from its leaf (`None` when the
/// claim has no index or proof, or a value that does not parse, which the rebuild reports).
struct ClaimList(Vec<(String, String, Option<B256>)>);

#[derive(Deserialize)]
struct ClaimBody {
    amount: String,
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    proof: Option<Vec<B256>>,
}

/// Folds a claim's proof as the contract does, so that the proofs need not be kept: one hash
/// per claim instead of a proof array each.
fn fold_claim(address: &str, body: &ClaimBody) -> Option<B256> {
    let account = airdrop_merkle::address::parse_address(address).ok()?;
    let amount = airdrop_merkle::amount::parse_amount(&body.amount).ok()?;
    let leaf = airdrop_merkle::hash::uniswap_leaf(body.index?, &account, &amount);
    Some(airdrop_merkle::hash::NodeHash::KeccakSorted.fold(leaf, body.proof.as_deref()?))
}

impl<'de> Deserialize<'de> for ClaimList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ClaimList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of address to claim")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClaimList, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<String, ClaimBody>()? {
                    let folded = fold_claim(&k, &v);
                    out.push((k, v.amount, folded));
                }
                Ok(ClaimList(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Why a claims file fails, as `airdrop tree verify` names it (claim, index, proof level),
/// read again in full only now that it failed. Only the file's name is quoted.
fn verify_detail(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "claims file".into());
    let doc = std::fs::File::open(path)
        .map_err(|e| airdrop_merkle::MerkleError::Verify(format!("{name}: {}", e.kind())))
        .and_then(|f| airdrop_merkle::verify::read_json(f, &name));
    match doc.and_then(|d| airdrop_merkle::verify::verify_document(&name, &d)) {
        Err(e) => e.to_string(),
        Ok(_) => format!("{name}: a claim's index or proof does not lead to merkleRoot"),
    }
}

/// The `address,amount` columns of a bundle's `allocations.csv`, in its order: what another
/// instance needs to rebuild the tree of any preset.
pub fn claims_from_allocations(allocations: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(allocations);
    let mut out = Vec::with_capacity(allocations.len() / 2 + 16);
    out.extend_from_slice(b"address,amount\n");
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut cells = line.splitn(3, ',');
        if let (Some(a), Some(v)) = (cells.next(), cells.next()) {
            out.extend_from_slice(a.as_bytes());
            out.push(b',');
            out.extend_from_slice(v.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

const SERVES: &str = "serve loads Uniswap-style claims files, address,amount CSVs and campaign bundles only (docs/api.md); check this one with airdrop tree verify";

/// Names a published format that `serve` cannot serve, for a JSON file that is not a claims
/// file (its proofs would need another leaf or another contract).
fn unservable(path: &Path) -> Option<String> {
    let doc: serde_json::Value = std::fs::File::open(path)
        .ok()
        .and_then(|f| airdrop_merkle::verify::read_json(f, "claims file").ok())?;
    let has = |k: &str| doc.get(k).is_some();
    let kind = if doc.get("format").and_then(serde_json::Value::as_str) == Some("merkl-cumulative")
        || (has("merklRoot") && has("rewards"))
    {
        "a Merkl cumulative rewards file (multi-token leaves)"
    } else if airdrop_merkle::published::is_proof_file(&doc) {
        "a packed-leaf proof file (Balancer/Morpho)"
    } else if has("merkle_root") && has("tree_nodes") {
        "a Solana (Jito/Jupiter) tree file"
    } else if has("format") {
        "an OpenZeppelin tree dump"
    } else {
        return None;
    };
    Some(format!("this is {kind}; {SERVES}"))
}

/// Names a published shard or tree folder given to `serve` in place of a campaign folder.
fn unservable_folder(dir: &Path) -> Option<String> {
    if ["claims.json", "claims.csv", "manifest.json"]
        .iter()
        .any(|f| dir.join(f).exists())
    {
        return None;
    }
    let kind = if dir.join("merkle-info.json").exists() {
        "a thirdweb shard folder"
    } else if dir.join("root.json").exists() {
        "a shard folder (ENS/Hop or --shards)"
    } else if dir.join("tree_0.json").exists() {
        "a folder of Jupiter tree files"
    } else {
        return None;
    };
    Some(format!("this is {kind}; {SERVES}"))
}

fn load_err(id: &str, path: &Path, detail: impl fmt::Display) -> ServerError {
    ServerError::Load {
        id: id.to_owned(),
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// The distributor a bundle's `deployment.json` records, on the manifest's chain.
fn deployment_of(
    id: &str,
    path: &Path,
    bytes: &[u8],
    manifest: Option<&airdrop_core::Manifest>,
) -> Result<Deployment, ServerError> {
    let record = airdrop_core::Deployment::read(bytes).map_err(|e| load_err(id, path, e))?;
    let chain_id = manifest.map(|m| m.chain_id).ok_or_else(|| {
        load_err(
            id,
            path,
            "deployment.json needs the bundle's manifest.json (chain_id)",
        )
    })?;
    if record.chain_id != chain_id {
        return Err(load_err(
            id,
            path,
            format!(
                "deployment.json is for chain {} but manifest.json for chain {chain_id}; publish the record of this bundle's deployment",
                record.chain_id
            ),
        ));
    }
    Ok(Deployment {
        distributor: record.distributor,
        chain_id,
        block: record.block,
    })
}

impl Campaign {
    /// Loads a campaign from a Uniswap-format claims file, a folder holding `claims.json` (or
    /// `claims.csv`; optionally with the bundle's `manifest.json` and `deployment.json`), or an
    /// `address,amount` CSV.
    pub fn load(id: &str, path: &Path) -> Result<Campaign, ServerError> {
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || id.is_empty()
        {
            return Err(load_err(
                id,
                path,
                "campaign ids use letters, digits, '-' and '_' only",
            ));
        }
        let announcement = if path.is_dir() {
            crate::announcement::Announced::load(path).map_err(|e| load_err(id, path, e))?
        } else {
            None
        };
        if let Some(a) = &announcement {
            if a.verified {
                tracing::info!(campaign = id, signer = %a.signer, "announcement verified");
            } else {
                tracing::warn!(campaign = id, signer = %a.signer, reasons = ?a.reasons, "announcement NOT verified");
            }
        }
        let (claims_path, manifest, deployment) = if path.is_dir() {
            let manifest = match airdrop_engine::input::read_record(&path.join("manifest.json")) {
                Ok(bytes) => {
                    Some(airdrop_core::Manifest::read(&bytes).map_err(|e| load_err(id, path, e))?)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                // A manifest that is there but cannot be read (a folder, a device, a huge file)
                // must not be taken for no manifest: its root and window would go unchecked.
                Err(e) => return Err(load_err(id, path, format!("manifest.json: {e}"))),
            };
            let deployment = match airdrop_engine::input::read_record(&path.join("deployment.json"))
            {
                Ok(bytes) => Some(deployment_of(id, path, &bytes, manifest.as_ref())?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(load_err(id, path, format!("deployment.json: {e}"))),
            };
            if let Some(kind) = unservable_folder(path) {
                return Err(load_err(id, path, kind));
            }
            // A folder rebuilt from the store holds the claims as `claims.csv` instead.
            let json = path.join("claims.json");
            let claims = if !json.exists() && path.join("claims.csv").exists() {
                path.join("claims.csv")
            } else {
                json
            };
            (claims, manifest, deployment)
        } else {
            (path.to_owned(), None, None)
        };
        let preset = manifest.as_ref().map(airdrop_core::Manifest::tree_options);
        let open = || {
            std::fs::File::open(&claims_path)
                .map(|f| std::io::BufReader::with_capacity(1 << 20, f))
                .map_err(|e| load_err(id, &claims_path, e))
        };
        let tree = if let Some(options) = preset {
            let options = options.map_err(|e| load_err(id, path, e))?;
            let from = if path.join("allocations.csv").exists() {
                path.join("allocations.csv")
            } else {
                path.join("claims.csv")
            };
            Self::from_bundle(id, &from, &options, manifest.as_ref())?
        } else if claims_path.extension().is_some_and(|e| e == "csv") {
            Self::from_csv(id, &claims_path, open()?)?
        } else {
            Self::from_claims(id, &claims_path, open()?)?
        };
        tracing::info!(campaign = id, claims = tree.len(), root = %tree.root(), "campaign loaded");
        Ok(Campaign {
            id: id.to_owned(),
            root: tree.root(),
            tree,
            schedule: match &manifest {
                Some(m) => Schedule::from_manifest(m).map_err(|e| load_err(id, path, e))?,
                None => None,
            },
            manifest,
            deployment: arc_swap::ArcSwapOption::from(deployment.map(std::sync::Arc::new)),
            claimed: arc_swap::ArcSwapOption::empty(),
            announcement,
        })
    }

    /// The claims as an `address,amount` CSV (lowercase addresses, base units): all that
    /// another instance needs to rebuild this tree and check its root.
    pub fn claims_csv(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * self.tree.len() + 16);
        out.extend_from_slice(b"address,amount\n");
        for e in self.tree.accounts().into_iter().flatten() {
            out.extend_from_slice(alloy_primitives::hex::encode_prefixed(e.address).as_bytes());
            out.push(b',');
            out.extend_from_slice(e.amount.to_string().as_bytes());
            out.push(b'\n');
        }
        out
    }

    /// Any preset a build can produce: the claims in the build's order (`allocations.csv`, or
    /// the store's `claims.csv` copy of it), rebuilt with the manifest's tree options and
    /// checked against the manifest's root.
    fn from_bundle(
        id: &str,
        path: &Path,
        options: &TreeOptions,
        manifest: Option<&airdrop_core::Manifest>,
    ) -> Result<Built, ServerError> {
        let text = std::fs::read_to_string(path).map_err(|e| load_err(id, path, e))?;
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            if line.is_empty() {
                continue;
            }
            let mut cells = line.split(',');
            let (Some(a), Some(v)) = (cells.next(), cells.next()) else {
                return Err(load_err(
                    id,
                    path,
                    format!("line {}: not address,amount", n + 1),
                ));
            };
            let address = airdrop_merkle::address::parse_address(a)
                .map_err(|_| load_err(id, path, format!("line {}: not an address", n + 1)))?;
            let amount = U256::from_str_radix(v, 10)
                .map_err(|_| load_err(id, path, format!("line {}: not an amount", n + 1)))?;
            entries.push(Entry { address, amount });
        }
        let tree = build_claims(options, entries).map_err(|e| load_err(id, path, e))?;
        let stated = manifest
            .map(|m| m.root)
            .ok_or_else(|| load_err(id, path, "manifest.json has no \"root\""))?;
        if tree.root() != stated {
            return Err(load_err(
                id,
                path,
                format!("its claims rebuild to root {} but the manifest states {stated}; refusing to serve proofs that would not verify", tree.root()),
            ));
        }
        Ok(tree)
    }

    fn from_claims(id: &str, path: &Path, reader: impl Read) -> Result<Built, ServerError> {
        let file: ClaimsFile = serde_json::from_reader(reader)
            .map_err(|e| load_err(id, path, unservable(path).unwrap_or(e.to_string())))?;
        let mut entries = Vec::with_capacity(file.claims.0.len());
        for (address, amount, _) in &file.claims.0 {
            let address: Address = airdrop_merkle::address::parse_address(address)
                .map_err(|e| load_err(id, path, e))?;
            let amount: U256 =
                airdrop_merkle::amount::parse_amount(amount).map_err(|e| load_err(id, path, e))?;
            entries.push(Entry { address, amount });
        }
        let tree = build_claims(&TreeOptions::new(Preset::Uniswap), entries)
            .map_err(|e| load_err(id, path, e))?;
        if tree.root() != file.merkle_root {
            return Err(load_err(
                id,
                path,
                format!("its claims rebuild to root {} but it states {} ({}); refusing to serve proofs that would not verify", tree.root(), file.merkle_root, verify_detail(path)),
            ));
        }
        // The proofs we serve are computed afresh, but a file whose own proofs are wrong was
        // changed after it was built: the one recipients were given may differ from this one.
        if file.claims.0.iter().any(|c| c.2 != Some(file.merkle_root)) {
            return Err(load_err(
                id,
                path,
                format!(
                    "{}; refusing to serve a claims file that does not verify",
                    verify_detail(path)
                ),
            ));
        }
        Ok(tree)
    }

    fn from_csv(id: &str, path: &Path, reader: impl Read + Send) -> Result<Built, ServerError> {
        // The file's name only: this message can reach a job's status in the API.
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "claims.csv".into());
        let (records, _) = airdrop_merkle::input::read_records(
            reader,
            &name,
            airdrop_merkle::input::InputFormat::Csv,
            &Preset::Uniswap.leaf_encoding(),
            false,
        )
        .map_err(|e| load_err(id, path, e))?;
        airdrop_merkle::build(&TreeOptions::new(Preset::Uniswap), records)
            .map_err(|e| load_err(id, path, e))
    }
}
