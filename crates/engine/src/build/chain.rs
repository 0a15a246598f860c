//! Chain sources of a campaign: the spec's `kind = "erc20-balances"` (etc.) turned into chain
//! snapshot parameters, taken at the pinned block, and `[exclude] contracts = true` checked at
//! that block.
//!
//! Checkpoints go beside the bundle, as `.<out>.<source>.checkpoint.json` next to `--out` (the
//! staging folder is deleted when a build fails, and an interrupted scan should resume), and are
//! deleted once that source's snapshot completes; `airdrop build --fresh` deletes them first.

use crate::bridge::{block_on_cancellable, ChainProgress};
use crate::input::{read_address_file, read_input_file, sha256_hex};
use crate::snapshot::FileCheckpoint;
use crate::{Cancel, EngineError, Progress, Result};
use airdrop_chain::{ChainError, ChainSource, EventSpec, Kind, Params, Rows, RpcConfig};
use airdrop_core::manifest::SnapshotPin;
use airdrop_core::spec::{ChainSourceSpec, RpcRef, SourceSpec};
use airdrop_core::{Campaign, Facts, Source};
use airdrop_merkle::limits::MAX_INPUT_BYTES;
use airdrop_merkle::Address;
use alloy_primitives::U256;
use std::collections::BTreeSet;
use std::path::Path;

/// A file the spec names and its SHA-256, for the manifest's inputs.
pub(crate) type FileHash = (String, String);

/// How chain sources run in this build.
pub(crate) struct ChainRun<'a> {
    /// The campaign file as the user named it (for messages).
    pub(crate) label: &'a str,
    /// Folder the spec's relative paths start from.
    pub(crate) base: &'a Path,
    /// `--out`: checkpoints go beside it.
    pub(crate) out: &'a Path,
    /// Delete checkpoints first.
    pub(crate) fresh: bool,
    pub(crate) progress: &'a dyn Progress,
    pub(crate) cancel: &'a Cancel,
}

/// A chain source ready to run: the url resolved, the files it names read.
pub(crate) struct Prepared {
    name: String,
    params: Params,
    /// How to name the node in messages (the url, or `$VAR` when it came from the environment).
    shown: String,
    url: String,
    /// Input files read (candidates, allow), for the manifest.
    pub(crate) inputs: Vec<FileHash>,
}

/// A snapshot taken.
pub(crate) struct Taken {
    /// Its facts, as a pool reads them.
    pub(crate) facts: Facts,
    /// Its pin, for the manifest.
    pub(crate) pin: SnapshotPin,
    /// The node (resolved url), for `[exclude] contracts`.
    pub(crate) url: String,
    /// How to name the node in messages.
    pub(crate) shown: String,
}

impl ChainRun<'_> {
    fn key(&self, source: &str, k: &str) -> String {
        format!("{}: source {source:?}.{k}", self.label)
    }

    fn read_addresses(&self, source: &str, k: &str, file: &str) -> Result<(Vec<Address>, String)> {
        let path = self.base.join(file);
        let bytes =
            read_input_file(&path, MAX_INPUT_BYTES).map_err(|e| e.context(self.key(source, k)))?;
        let addresses = read_address_file(&path).map_err(|e| e.context(self.key(source, k)))?;
        Ok((addresses, sha256_hex(&bytes)))
    }

    fn resolve(&self, source: &str, rpc: &RpcRef) -> Result<(String, String)> {
        match rpc {
            RpcRef::Url(u) => Ok((u.clone(), u.clone())),
            RpcRef::Env(var) => match std::env::var(var) {
                Ok(u) if !u.trim().is_empty() => Ok((u.trim().to_owned(), format!("${var}"))),
                _ => Err(EngineError::input(format!(
                    "{}: environment variable {var} is not set (or empty); export {var}=https://… (the node's url) before building",
                    self.key(source, "rpc_env")
                ))),
            },
        }
    }

    fn checkpoint(&self, source: &str) -> FileCheckpoint {
        let name = self
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".into());
        let safe: String = source
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let parent = self
            .out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        FileCheckpoint {
            path: parent.join(format!(".{name}.{safe}.checkpoint.json")),
        }
    }

    /// Checks what can be checked before any scan starts (env vars, files, event signatures),
    /// so a typo in the last source does not fail the build after the first one's long scan.
    pub(crate) fn prepare(
        &self,
        campaign: &Campaign,
        spec: &SourceSpec,
        chain: &ChainSourceSpec,
    ) -> Result<Prepared> {
        let name = spec.name.as_str();
        let (url, shown) = self.resolve(name, &chain.rpc)?;
        let kind = Kind::parse(chain.kind.name())?;
        let mut params = Params::new(kind);
        params.block = Some(chain.block);
        params.token = chain.token;
        params.from_block = chain.from_block;
        params.to_block = chain.to_block;
        params.min = chain.min;
        params.contracts = chain.contracts.clone();
        params.include_txs = chain.include_txs;
        params.exclude_contracts = chain.exclude_contracts;
        params.expected_chain_id = Some(campaign.chain_id);
        if let Some(n) = chain.verify_sample {
            params.verify_sample = n as usize;
        }
        params.events = chain
            .events
            .iter()
            .map(|e| {
                EventSpec::parse(e).map_err(|err| {
                    EngineError::input(format!("{}: {err}", self.key(name, "events")))
                })
            })
            .collect::<Result<_>>()?;
        let mut inputs = Vec::new();
        if let Some(file) = &chain.candidates {
            let (addresses, hash) = self.read_addresses(name, "candidates", file)?;
            params.candidates = Some(addresses);
            inputs.push((file.clone(), hash));
        }
        if let Some(file) = &chain.allow {
            let (addresses, hash) = self.read_addresses(name, "allow", file)?;
            params.allow = addresses;
            inputs.push((file.clone(), hash));
        }
        Ok(Prepared {
            name: name.to_owned(),
            params,
            shown,
            url,
            inputs,
        })
    }

    /// Takes the snapshot, checks its chain and pins it.
    pub(crate) fn take(&self, campaign: &Campaign, p: Prepared) -> Result<Taken> {
        let name = p.name.clone();
        let checkpoint = self.checkpoint(&name);
        if self.fresh {
            checkpoint.remove()?;
        }
        let bridge = ChainProgress::new(self.progress);
        let result = block_on_cancellable(self.cancel, async {
            let rpc = airdrop_chain::Rpc::new(&p.url, RpcConfig::default())?;
            airdrop_chain::snapshot::run(&rpc, &p.params, &checkpoint, &bridge).await
        })
        .map_err(|e| match e {
            EngineError::File { source, .. } => EngineError::Chain(ChainError::Params(format!(
                "cannot start the async runtime: {source}"
            ))),
            e => e,
        });
        let snapshot = match result {
            Ok(s) => s,
            Err(EngineError::Chain(e)) => {
                return Err(EngineError::input(format!(
                    "source {name:?}: {}",
                    redact(&e.to_string(), &p.url, &p.shown)
                )))
            }
            Err(e) => return Err(e),
        };
        checkpoint.remove()?;
        let meta = &snapshot.meta;
        let (Some(chain_id), Some(block), Some(hash)) =
            (meta.chain_id, meta.block, meta.block_hash)
        else {
            return Err(EngineError::input(format!(
                "source {name:?}: the snapshot has no chain id, block or block hash to pin"
            )));
        };
        if chain_id != campaign.chain_id {
            return Err(EngineError::input(format!(
                "source {name:?}: chain id mismatch: the node at {} serves chain {chain_id} but the campaign is for chain {}; point rpc at a node of chain {}",
                p.shown,
                campaign.chain_id,
                campaign.chain_id
            )));
        }
        let pin = SnapshotPin {
            source: name.clone(),
            kind: meta.kind.clone(),
            chain_id,
            block,
            block_hash: format!("{hash:#x}"),
            token: meta.token.map(|t| t.to_checksum(None)),
            rows: snapshot.rows.len(),
            csv_sha256: sha256_hex(snapshot.rows.to_csv().as_bytes()),
        };
        let facts = ChainSource {
            name: name.clone(),
            snapshot,
        }
        .facts()?;
        Ok(Taken {
            facts,
            pin,
            url: p.url,
            shown: p.shown,
        })
    }

    /// `[exclude] contracts = true`: the addresses of `facts` that have code at `block` on the
    /// node at `url`, except the allowlisted ones and EIP-7702 delegated accounts. Returns them
    /// and the allow file's hash, if any.
    pub(crate) fn contracts(
        &self,
        campaign: &Campaign,
        facts: &[Facts],
        node: (&str, &str, u64),
    ) -> Result<(Vec<Address>, Option<FileHash>)> {
        let Some(ex) = &campaign.exclude_contracts else {
            return Ok((Vec::new(), None));
        };
        let (url, shown, block) = node;
        let (allow, input) = match &ex.allow {
            Some(file) => {
                let path = self.base.join(file);
                let context = || format!("{}: exclude.allow", self.label);
                let bytes =
                    read_input_file(&path, MAX_INPUT_BYTES).map_err(|e| e.context(context()))?;
                let list = read_address_file(&path).map_err(|e| e.context(context()))?;
                (list, Some((file.clone(), sha256_hex(&bytes))))
            }
            None => (Vec::new(), None),
        };
        let all: BTreeSet<Address> = facts
            .iter()
            .flat_map(|f| f.addresses.iter().copied())
            .collect();
        let mut rows = Rows::Balances(all.iter().map(|a| (*a, U256::ZERO)).collect());
        let bridge = ChainProgress::new(self.progress);
        let checked = block_on_cancellable(self.cancel, async {
            let rpc = airdrop_chain::Rpc::new(url, RpcConfig::default())?;
            airdrop_chain::snapshot::exclude_contracts(&rpc, &mut rows, &allow, block, &bridge)
                .await
        });
        match checked {
            Ok(_) => {}
            Err(EngineError::Chain(e)) => {
                return Err(EngineError::input(format!(
                    "{}: exclude.contracts: {}",
                    self.label,
                    redact(&e.to_string(), url, shown)
                )))
            }
            Err(e) => return Err(e),
        }
        let kept: BTreeSet<Address> = rows.addresses().into_iter().collect();
        Ok((all.difference(&kept).copied().collect(), input))
    }
}

/// Hides a url that came from the environment (it may carry an API key) behind `$VAR`.
fn redact(message: &str, url: &str, shown: &str) -> String {
    if url == shown {
        message.to_owned()
    } else {
        message.replace(url, shown)
    }
}
