//! Chain sources of a campaign: the spec's `kind = "erc20-balances"` (etc.) turned into an
//! `airdrop_chain::SnapshotSource`, taken at the pinned block, and `[exclude] contracts = true`
//! checked at that block.
//!
//! Checkpoints go beside the bundle, as `.<out>.<source>.checkpoint.json` next to `--out` (the
//! staging folder is deleted when a build fails, and an interrupted scan should resume), and are
//! deleted once that source's snapshot completes; `airdrop build --fresh` deletes them first.

use crate::commands::snapshot::{read_address_file, Bars, FileCheckpoint};
use crate::output::read_input_file;
use airdrop_chain::{ChainSource, EventSpec, Kind, Params, Rows, RpcConfig, SnapshotSource};
use airdrop_core::bundle::SnapshotPin;
use airdrop_core::spec::{ChainSourceSpec, RpcRef, SourceSpec};
use airdrop_core::{Campaign, Facts, Source};
use airdrop_merkle::limits::MAX_INPUT_BYTES;
use airdrop_merkle::Address;
use alloy_primitives::U256;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::files::sha256_hex;

/// A file the spec names and its SHA-256, for the manifest's inputs.
pub type FileHash = (String, String);

/// How chain sources run in this build.
#[derive(Debug)]
pub struct ChainRun<'a> {
    /// The campaign file as the user named it (for messages).
    pub label: &'a str,
    /// Folder the spec's relative paths start from.
    pub base: &'a Path,
    /// `--out`: checkpoints go beside it.
    pub out: &'a Path,
    /// Draw progress bars (stderr is a terminal and the build is not quiet).
    pub draw: bool,
    /// Delete checkpoints first.
    pub fresh: bool,
}

/// A chain source ready to run: the url resolved, the files it names read.
pub struct Prepared {
    source: SnapshotSource,
    /// How to name the node in messages (the url, or `$VAR` when it came from the environment).
    shown: String,
    url: String,
    /// Input files read (candidates, allow), for the manifest.
    pub inputs: Vec<FileHash>,
}

/// A snapshot taken.
pub struct Taken {
    /// Its facts, as a pool reads them.
    pub facts: Facts,
    /// Its pin, for the manifest.
    pub pin: SnapshotPin,
    /// The node (resolved url), for `[exclude] contracts`.
    pub url: String,
    /// How to name the node in messages.
    pub shown: String,
}

impl ChainRun<'_> {
    fn key(&self, source: &str, k: &str) -> String {
        format!("{}: source {source:?}.{k}", self.label)
    }

    fn read_addresses(&self, source: &str, k: &str, file: &str) -> Result<(Vec<Address>, String)> {
        let path = self.base.join(file);
        let bytes = read_input_file(&path, MAX_INPUT_BYTES)
            .with_context(|| self.key(source, k).to_string())?;
        let addresses =
            read_address_file(&path).with_context(|| self.key(source, k).to_string())?;
        Ok((addresses, sha256_hex(&bytes)))
    }

    fn resolve(&self, source: &str, rpc: &RpcRef) -> Result<(String, String)> {
        match rpc {
            RpcRef::Url(u) => Ok((u.clone(), u.clone())),
            RpcRef::Env(var) => match std::env::var(var) {
                Ok(u) if !u.trim().is_empty() => Ok((u.trim().to_owned(), format!("${var}"))),
                _ => bail!(
                    "{}: environment variable {var} is not set (or empty); export {var}=https://… (the node's url) before building",
                    self.key(source, "rpc_env")
                ),
            },
        }
    }

    fn checkpoint_path(&self, source: &str) -> PathBuf {
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
        parent.join(format!(".{name}.{safe}.checkpoint.json"))
    }

    /// Checks what can be checked before any scan starts (env vars, files, event signatures),
    /// so a typo in the last source does not fail the build after the first one's long scan.
    pub fn prepare(
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
                EventSpec::parse(e).map_err(|err| anyhow!("{}: {err}", self.key(name, "events")))
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
        let store: Box<dyn airdrop_chain::CheckpointStore> = Box::new(FileCheckpoint {
            path: self.checkpoint_path(name),
        });
        Ok(Prepared {
            source: SnapshotSource {
                name: name.to_owned(),
                rpc_url: url.clone(),
                rpc_config: RpcConfig::default(),
                params,
                store,
                progress: Box::new(Bars::visible(self.draw)),
            },
            shown,
            url,
            inputs,
        })
    }

    /// Takes the snapshot, checks its chain and pins it.
    pub fn take(&self, campaign: &Campaign, p: Prepared) -> Result<Taken> {
        let name = p.source.name.clone();
        let checkpoint = FileCheckpoint {
            path: self.checkpoint_path(&name),
        };
        if self.fresh {
            checkpoint.remove()?;
        }
        let result = p.source.snapshot();
        // Clear whatever is left of this source's bars.
        p.source.progress.finish();
        let snapshot = result.map_err(|e| {
            anyhow!(
                "source {name:?}: {}",
                redact(&e.to_string(), &p.url, &p.shown)
            )
        })?;
        checkpoint.remove()?;
        let meta = &snapshot.meta;
        let (Some(chain_id), Some(block), Some(hash)) =
            (meta.chain_id, meta.block, meta.block_hash)
        else {
            bail!("source {name:?}: the snapshot has no chain id, block or block hash to pin");
        };
        if chain_id != campaign.chain_id {
            bail!(
                "source {name:?}: chain id mismatch: the node at {} serves chain {chain_id} but the campaign is for chain {}; point rpc at a node of chain {}",
                p.shown,
                campaign.chain_id,
                campaign.chain_id
            );
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
    pub fn contracts(
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
                let bytes = read_input_file(&path, MAX_INPUT_BYTES)
                    .with_context(|| format!("{}: exclude.allow", self.label))?;
                let list = read_address_file(&path)
                    .with_context(|| format!("{}: exclude.allow", self.label))?;
                (list, Some((file.clone(), sha256_hex(&bytes))))
            }
            None => (Vec::new(), None),
        };
        let all: BTreeSet<Address> = facts
            .iter()
            .flat_map(|f| f.addresses.iter().copied())
            .collect();
        let mut rows = Rows::Balances(all.iter().map(|a| (*a, U256::ZERO)).collect());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let bars = Bars::visible(self.draw);
        let checked = runtime.block_on(async {
            let rpc = airdrop_chain::Rpc::new(url, RpcConfig::default())?;
            airdrop_chain::snapshot::exclude_contracts(&rpc, &mut rows, &allow, block, &bars).await
        });
        bars.done();
        checked.map_err(|e| {
            anyhow!(
                "{}: exclude.contracts: {}",
                self.label,
                redact(&e.to_string(), url, shown)
            )
        })?;
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
