//! `airdrop deploy`: checks a bundle against the chain, deploys `AirdropDistributor` for it,
//! funds it with the bundle's total and records the address in `deployment.json` next to
//! `manifest.json` (the manifest itself is never rewritten: its bytes are hashed by the golden
//! tests and by anyone who verified the bundle).
//!
//! Also holds what the other distribution commands share: the bundle reader, key loading and
//! the deployment record.

use airdrop_chain::distributor::{
    deployed_for_root, percent_to_bps, AirdropDistributor, VestingTerms, DEPLOY_SCAN_NONCES,
    DISTRIBUTOR_ARTIFACT, IERC20,
};
use airdrop_chain::tx::{Chain, Sender};
use airdrop_chain::{Rpc, RpcConfig};
use airdrop_core::units::format_units;
use airdrop_merkle::address::parse_address;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolConstructor};
use alloy_primitives::{Address, Bytes, B256, U256};
use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

mod state;

pub(crate) use state::{read_record, write_record, StateArgs, DEPLOYMENT_FILE, LEDGER_FILE};

#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// Bundle folder written by `airdrop build` (manifest.json + claims.json).
    #[arg(long)]
    pub bundle: PathBuf,
    /// JSON-RPC endpoint of the chain the bundle is for.
    #[arg(long)]
    pub rpc: String,
    /// The deployer's key (it becomes the distributor's owner).
    #[command(flatten)]
    pub key: KeyArgs,
    /// Deploy for this token instead of the manifest's (e.g. a test deployment of the token).
    #[arg(long, value_name = "ADDR")]
    pub token: Option<String>,
    /// Estimate gas and cost of deploy + fund at the current gas price; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Deploy a distributor whose claims never close, for a bundle without a `[claim]` window:
    /// its tokens can then never be clawed back.
    #[arg(long)]
    pub no_deadline: bool,
    /// Deploy and fund another distributor although one for this root is recorded or found on
    /// chain (recipients could then claim from both).
    #[arg(long)]
    pub pay_again_i_know: bool,
    /// Where the deployment record and push ledgers are kept.
    #[command(flatten)]
    pub state: StateArgs,
}

/// What the distribution commands need from a bundle.
#[derive(Debug, Clone)]
pub(crate) struct Bundle {
    pub dir: PathBuf,
    pub chain_id: u64,
    pub token: Address,
    pub symbol: String,
    pub decimals: u8,
    pub root: B256,
    pub total: U256,
    pub count: u64,
    /// Claim window (unix seconds); without one in the manifest: `[0, u64::MAX)`.
    pub start: u64,
    pub deadline: u64,
    pub clawback_to: Option<Address>,
    /// Whether the manifest has a claim window (without one, claims never close).
    pub has_window: bool,
    /// The earliest snapshot block of the bundle's chain sources: nothing of this plan can have
    /// been paid before it.
    pub first_block: Option<u64>,
    pub vesting: VestingTerms,
    /// claims.json.
    pub claims: Value,
}

fn field<'a>(m: &'a Value, path: &[&str]) -> anyhow::Result<&'a Value> {
    let mut v = m;
    for p in path {
        v = v.get(p).ok_or_else(|| {
            anyhow!(
                "manifest.json has no {:?}; is this a bundle written by `airdrop build`?",
                path.join(".")
            )
        })?;
    }
    Ok(v)
}

fn str_field<'a>(m: &'a Value, path: &[&str]) -> anyhow::Result<&'a str> {
    field(m, path)?
        .as_str()
        .ok_or_else(|| anyhow!("manifest.json: {:?} must be a string", path.join(".")))
}

fn u64_field(m: &Value, path: &[&str]) -> anyhow::Result<u64> {
    field(m, path)?.as_u64().ok_or_else(|| {
        anyhow!(
            "manifest.json: {:?} must be a non-negative integer",
            path.join(".")
        )
    })
}

impl Bundle {
    /// Reads manifest.json and claims.json of `dir`, and checks that the claims rebuild to the
    /// manifest's root, total and count.
    pub fn load(dir: &Path) -> anyhow::Result<Bundle> {
        let mpath = dir.join("manifest.json");
        let text = std::fs::read_to_string(&mpath).with_context(|| {
            format!(
                "cannot read {}; --bundle must be a folder written by `airdrop build`",
                mpath.display()
            )
        })?;
        let m: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid json", mpath.display()))?;
        let chain_id = u64_field(&m, &["chain_id"])?;
        let token = parse_address(str_field(&m, &["token", "address"])?)
            .map_err(|e| anyhow!("manifest.json token.address: {e}"))?;
        let symbol = str_field(&m, &["token", "symbol"])?.to_owned();
        let decimals = u8::try_from(u64_field(&m, &["token", "decimals"])?)
            .map_err(|_| anyhow!("manifest.json: token.decimals must be at most 255"))?;
        let root: B256 = str_field(&m, &["root"])?
            .parse()
            .map_err(|e| anyhow!("manifest.json root: {e}"))?;
        let total: U256 = str_field(&m, &["total"])?
            .parse()
            .map_err(|e| anyhow!("manifest.json total: {e}"))?;
        let count = u64_field(&m, &["count"])?;
        let (start, deadline, clawback_to) = match m.get("claim").filter(|c| !c.is_null()) {
            Some(_) => {
                let start = u64_field(&m, &["claim", "start_unix"])?;
                let deadline = u64_field(&m, &["claim", "deadline_unix"])?;
                let to = match m["claim"].get("clawback_to").and_then(Value::as_str) {
                    Some(a) => Some(
                        parse_address(a).map_err(|e| anyhow!("manifest.json clawback_to: {e}"))?,
                    ),
                    None => None,
                };
                (start, deadline, to)
            }
            None => (0, u64::MAX, None),
        };
        let vesting = match m.get("vesting").filter(|v| !v.is_null()) {
            Some(_) => {
                if m.get("claim").is_none_or(Value::is_null) {
                    bail!("manifest.json has vesting but no claim window; vesting starts at claim.start: add a [claim] section and rebuild");
                }
                VestingTerms {
                    unlocked_bps: percent_to_bps(str_field(&m, &["vesting", "unlocked"])?)?,
                    cliff: u64_field(&m, &["vesting", "cliff_seconds"])?,
                    duration: u64_field(&m, &["vesting", "duration_seconds"])?,
                }
            }
            None => VestingTerms::NONE,
        };
        let cpath = dir.join("claims.json");
        let ctext = std::fs::read_to_string(&cpath)
            .with_context(|| format!("cannot read {}", cpath.display()))?;
        let claims: Value = serde_json::from_str(&ctext)
            .with_context(|| format!("{} is not valid json", cpath.display()))?;
        let report = airdrop_merkle::verify::verify_document("claims.json", &claims).map_err(|e| {
            anyhow!("the bundle's claims do not verify: {e}; rebuild the bundle with `airdrop build`")
        })?;
        if report.root != root {
            bail!(
                "the bundle's claims.json rebuilds to root {} but manifest.json states {root}; the bundle was edited or mixed up: rebuild it with `airdrop build`",
                report.root
            );
        }
        if report.claims as u64 != count {
            bail!(
                "claims.json has {} claims but manifest.json states {count}; rebuild the bundle",
                report.claims
            );
        }
        if let Some(t) = &report.total {
            let t: U256 = airdrop_merkle::amount::parse_amount(t)
                .map_err(|e| anyhow!("claims.json total: {e}"))?;
            if t != total {
                bail!("claims.json sums to {t} but manifest.json states total {total}; rebuild the bundle");
            }
        }
        let first_block = m
            .get("snapshots")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().filter_map(|p| p.get("block")?.as_u64()).min());
        Ok(Bundle {
            has_window: m.get("claim").is_some_and(|c| !c.is_null()),
            first_block,
            dir: dir.to_path_buf(),
            chain_id,
            token,
            symbol,
            decimals,
            root,
            total,
            count,
            start,
            deadline,
            clawback_to,
            vesting,
            claims,
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
    pub fn claim_of(&self, who: Address) -> anyhow::Result<(U256, U256, Vec<B256>)> {
        let claims = self
            .claims
            .get("claims")
            .and_then(Value::as_object)
            .ok_or_else(|| anyhow!("claims.json has no claims object"))?;
        let entry = claims
            .iter()
            .find(|(k, _)| parse_address(k).ok() == Some(who))
            .map(|(_, v)| v)
            .ok_or_else(|| {
                anyhow!(
                    "{who} is not eligible: it has no claim in {}",
                    self.dir.join("claims.json").display()
                )
            })?;
        let index = entry
            .get("index")
            .and_then(Value::as_u64)
            .ok_or_else(|| anyhow!("claims.json: {who}: index missing"))?;
        let amount = airdrop_merkle::amount::parse_amount(
            entry
                .get("amount")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("claims.json: {who}: amount missing"))?,
        )
        .map_err(|e| anyhow!("claims.json: {who}: {e}"))?;
        let proof = entry
            .get("proof")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("claims.json: {who}: proof missing"))?
            .iter()
            .map(|h| {
                h.as_str()
                    .and_then(|s| s.parse::<B256>().ok())
                    .ok_or_else(|| anyhow!("claims.json: {who}: bad proof hash {h}"))
            })
            .collect::<anyhow::Result<Vec<B256>>>()?;
        Ok((U256::from(index), amount, proof))
    }

    /// The deployment record of this bundle, if any: the state folder's for the manifest's
    /// token, else the copy in the bundle (bundles deployed before the state folder existed),
    /// else the only record of this root under another token (a deploy with `--token`).
    pub fn find_record(&self, state: &StateArgs) -> anyhow::Result<Option<(PathBuf, Value)>> {
        let own = state
            .folder(self.chain_id, self.token, self.root)?
            .join(DEPLOYMENT_FILE);
        if own.is_file() {
            return Ok(Some((own.clone(), read_record(&own)?)));
        }
        let copy = self.dir.join(DEPLOYMENT_FILE);
        if copy.is_file() {
            // A rebuild with another root keeps the old bundle's copy: not this bundle's.
            let v = read_record(&copy)?;
            if state::record_matches(&v, self.chain_id, self.root) {
                return Ok(Some((copy, v)));
            }
        }
        let mut others = state.deployments_of_root(self.chain_id, self.root)?;
        match others.len() {
            0 => Ok(None),
            1 => Ok(others.pop()),
            _ => bail!(
                "{} deployment records of root {} on chain {} (one per token: {}); copy the one you mean into the bundle as {DEPLOYMENT_FILE}",
                others.len(),
                self.root,
                self.chain_id,
                others
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The distributor recorded by `airdrop deploy`.
    pub fn deployment(&self, state: &StateArgs) -> anyhow::Result<Deployment> {
        let Some((path, v)) = self.find_record(state)? else {
            bail!(
                "no deployment record for root {} on chain {} (looked in {} and the bundle): deploy the bundle first with `airdrop deploy` (or give the --state-dir it used)",
                self.root,
                self.chain_id,
                state.base()?.display()
            );
        };
        parse_deployment(&path, &v)
    }
}

/// The fields of a deployment record the commands use.
pub(crate) fn parse_deployment(path: &Path, v: &Value) -> anyhow::Result<Deployment> {
    let get = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("{}: {k:?} missing", path.display()))
    };
    let distributor = parse_address(get("distributor")?)
        .map_err(|e| anyhow!("{}: distributor: {e}", path.display()))?;
    let token =
        parse_address(get("token")?).map_err(|e| anyhow!("{}: token: {e}", path.display()))?;
    let block = v.get("block").and_then(Value::as_u64).unwrap_or(0);
    Ok(Deployment {
        distributor,
        token,
        block,
    })
}

/// `deployment.json`'s content that the other commands use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deployment {
    pub distributor: Address,
    pub token: Address,
    /// Block the distributor was created in (start of its logs).
    pub block: u64,
}

/// Where a signing key comes from. Never from the command line itself.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// Name of the environment variable holding the private key (hex).
    #[arg(long, value_name = "VAR", required_unless_present = "keystore")]
    pub key_env: Option<String>,
    /// Encrypted JSON keystore (Web3 Secret Storage, as written by geth, cast or clef).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "key_env",
        requires = "password_env"
    )]
    pub keystore: Option<PathBuf>,
    /// Name of the environment variable holding the keystore's password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

impl KeyArgs {
    /// Loads the key (never printed).
    pub(crate) fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        match (&self.key_env, &self.keystore) {
            (Some(var), _) => signer_from_env(var),
            (None, Some(file)) => {
                let var = self
                    .password_env
                    .as_deref()
                    .ok_or_else(|| anyhow!("--keystore needs --password-env VAR"))?;
                let password = std::env::var(var).map_err(|_| {
                    anyhow!("environment variable {var} (the keystore password) is not set")
                })?;
                PrivateKeySigner::decrypt_keystore(file, password).map_err(|e| {
                    anyhow!(
                        "cannot open keystore {}: {e}; check the file and the password in {var}",
                        file.display()
                    )
                })
            }
            (None, None) => bail!("give the key with --key-env VAR or --keystore FILE"),
        }
    }

    /// Where the key came from, for messages.
    pub(crate) fn describe(&self) -> String {
        match (&self.key_env, &self.keystore) {
            (Some(var), _) => format!("${var}"),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => "?".to_owned(),
        }
    }
}

/// The key in the environment variable `var` (never printed).
pub(crate) fn signer_from_env(var: &str) -> anyhow::Result<PrivateKeySigner> {
    let text = std::env::var(var).map_err(|_| {
        anyhow!("environment variable {var} is not set; put the private key (hex) in it, e.g. `read -rs {var}; export {var}`")
    })?;
    text.trim().parse::<PrivateKeySigner>().map_err(|_| {
        anyhow!("environment variable {var} does not hold a valid private key (64 hex digits, optional 0x)")
    })
}

pub(crate) fn chain(url: &str) -> anyhow::Result<Chain> {
    Ok(Chain::new(Rpc::new(url, RpcConfig::default())?))
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Wei as `x gwei` with exact decimals.
pub(crate) fn gwei(wei: U256) -> String {
    format!("{} gwei", format_units(wei, 9))
}

/// Wei as `x ETH` with exact decimals.
pub(crate) fn eth(wei: U256) -> String {
    format!("{} ETH", format_units(wei, 18))
}

/// Unix seconds as a duration `3d 4h 5m 6s`.
pub(crate) fn span(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}d {h}h {m}m {s}s")
    } else if h > 0 {
        format!("{h}h {m}m {s}s")
    } else if m > 0 {
        format!("{m}m {s}s")
    } else {
        format!("{s}s")
    }
}

pub fn run(args: DeployArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let signer = args.key.signer()?;
    let token = match &args.token {
        Some(t) => parse_address(t).map_err(|e| anyhow!("--token: {e}"))?,
        None => bundle.token,
    };
    runtime()?.block_on(deploy(&args, &bundle, signer, token))
}

async fn deploy(
    args: &DeployArgs,
    bundle: &Bundle,
    signer: PrivateKeySigner,
    token: Address,
) -> anyhow::Result<()> {
    let chain = chain(&args.rpc)?;
    let chain_id = chain.expect_chain_id(bundle.chain_id).await?;
    let sender = Sender::new(chain.clone(), signer, chain_id);
    let from = sender.address();
    let path = args
        .state
        .folder(chain_id, token, bundle.root)?
        .join(DEPLOYMENT_FILE);
    let recorded = recorded_deployment(bundle, &path, token)?;
    if let Some((at, record)) = &recorded {
        if record.get("fund_tx").is_some_and(Value::is_null) && !args.dry_run {
            // An earlier run deployed but did not fund (interrupted): fund now.
            let d = parse_deployment(at, record)?;
            args.state.create(chain_id, token, bundle.root)?;
            return fund_recorded(&chain, &sender, bundle, record.clone(), &path, d).await;
        }
        if !args.pay_again_i_know {
            bail!(
                "this bundle is already deployed on chain {chain_id}: distributor {} (recorded in {}); a second distributor would let every recipient claim twice: nothing sent. To deploy and fund another one on purpose, rerun with --pay-again-i-know",
                record.get("distributor").and_then(Value::as_str).unwrap_or("?"),
                at.display()
            );
        }
    }
    refuse_if_pushed(&chain, bundle, &args.state, token, from).await?;
    if !bundle.has_window && !args.no_deadline && !args.dry_run {
        bail!("the bundle has no [claim] window: its distributor would never close and its tokens could never be clawed back; add a [claim] section (start, deadline, clawback_to) and rebuild, or pass --no-deadline to deploy it that way on purpose");
    }
    if chain.code(token).await?.is_empty() {
        bail!("token {token} has no code on chain {chain_id}: it is not a contract there; check the token address (--token overrides the manifest's) and --rpc");
    }
    let balance = chain
        .view(token, &IERC20::balanceOfCall { account: from })
        .await?;
    if balance < bundle.total {
        bail!(
            "sender {from} is underfunded: it holds {} of token {token} but the bundle needs {}; send it the difference {} first",
            bundle.tokens(balance),
            bundle.tokens(bundle.total),
            bundle.tokens(bundle.total - balance)
        );
    }
    let (_, now) = chain.head().await?;
    if now >= bundle.deadline {
        bail!(
            "the claim window is over: deadline {} (unix) is {} before the chain's time {now}; rebuild the bundle with a later [claim] deadline",
            bundle.deadline,
            span(now - bundle.deadline)
        );
    }
    if !args.pay_again_i_know {
        refuse_if_deployed_on_chain(&chain, bundle, from, recorded.as_ref()).await?;
    }
    let owner = from;
    let clawback_to = bundle.clawback_to.unwrap_or(owner);
    let ctor = AirdropDistributor::constructorCall {
        token_: token,
        merkleRoot_: bundle.root,
        start_: bundle.start,
        deadline_: bundle.deadline,
        clawbackTo_: clawback_to,
        owner_: owner,
        unlockedBps_: bundle.vesting.unlocked_bps,
        cliff_: bundle.vesting.cliff,
        duration_: bundle.vesting.duration,
    };
    let mut code = airdrop_chain::distributor::creation_bytecode(DISTRIBUTOR_ARTIFACT)?.to_vec();
    code.extend(ctor.abi_encode());
    let code = Bytes::from(code);

    if args.dry_run {
        let deploy_gas = chain.estimate_gas(from, None, &code, U256::ZERO).await?;
        // The distributor's address is known before it exists: estimate the transfer to it.
        let next = from.create(chain.nonce(from).await?);
        let fund = Bytes::from(
            IERC20::transferCall {
                to: next,
                amount: bundle.total,
            }
            .abi_encode(),
        );
        let fund_gas = chain
            .estimate_gas(from, Some(token), &fund, U256::ZERO)
            .await?;
        let fees = chain.fees().await?;
        let price = U256::from(fees.price_now);
        let total_gas = deploy_gas + fund_gas;
        println!("dry run on chain {chain_id}: nothing sent");
        println!("  sender        {from}");
        println!("  token         {token}");
        println!("  root          {}", bundle.root);
        if bundle.has_window {
            println!(
                "  claim window  {} to {} (unix); clawback to {} from the deadline on",
                bundle.start, bundle.deadline, clawback_to
            );
        } else {
            println!("  claim window  none: claims never close and clawback will be impossible (tokens nobody claims stay locked for good){}", if args.no_deadline { "" } else { "; deploying needs --no-deadline" });
        }
        println!("  total         {}", bundle.tokens(bundle.total));
        println!(
            "  deploy        {deploy_gas} gas  {}",
            eth(U256::from(deploy_gas) * price)
        );
        println!(
            "  fund          {fund_gas} gas  {}",
            eth(U256::from(fund_gas) * price)
        );
        println!(
            "  both          {total_gas} gas  {} at {} (base fee + tip now)",
            eth(U256::from(total_gas) * price),
            gwei(price)
        );
        return Ok(());
    }

    let deployed = sender.send(None, code, U256::ZERO).await?;
    let distributor = deployed
        .contract_address
        .ok_or_else(|| anyhow!("deployment {} has no contract address", deployed.hash))?;
    eprintln!(
        "deployed AirdropDistributor at {distributor} (tx {}, block {}, {} gas)",
        deployed.hash, deployed.block, deployed.gas_used
    );
    let record = json!({
        "format": "airdrop-deployment/1",
        "chain_id": chain_id,
        "distributor": distributor.to_checksum(None),
        "token": token.to_checksum(None),
        "root": bundle.root,
        "total": bundle.total.to_string(),
        "owner": owner.to_checksum(None),
        "clawback_to": clawback_to.to_checksum(None),
        "start": bundle.start,
        "deadline": bundle.deadline,
        "unlocked_bps": bundle.vesting.unlocked_bps,
        "cliff": bundle.vesting.cliff,
        "duration": bundle.vesting.duration,
        "block": deployed.block,
        "deploy_tx": deployed.hash,
        "fund_tx": null,
        "gas_used": { "deploy": deployed.gas_used, "fund": null },
    });
    // Recorded before funding, so an interrupted run resumes with the funding only.
    args.state.create(chain_id, token, bundle.root)?;
    save_record(&path, bundle, &record)?;
    let d = parse_deployment(&path, &record)?;
    fund_recorded(&chain, &sender, bundle, record, &path, d).await
}

/// Writes the record into the state folder and its copy into the bundle. A record of another
/// distributor at either place (deployed again with --pay-again-i-know, or an old bundle's copy
/// kept by a rebuild) is moved aside first, never overwritten.
fn save_record(path: &Path, bundle: &Bundle, record: &Value) -> anyhow::Result<()> {
    let distributor = |v: &Value| {
        v.get("distributor")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
    };
    let new = distributor(record);
    for p in [path.to_path_buf(), bundle.dir.join(DEPLOYMENT_FILE)] {
        if p.is_file() {
            let old = read_record(&p).ok().and_then(|v| distributor(&v));
            if old != new {
                state::set_aside(&p, old.as_deref().unwrap_or("unreadable"))?;
            }
        }
        write_record(&p, record)?;
    }
    Ok(())
}

/// The deployment record of this bundle for `token`: the state folder's (`path`), else a copy
/// in the bundle of the same chain, token and root (bundles deployed before the state folder).
fn recorded_deployment(
    bundle: &Bundle,
    path: &Path,
    token: Address,
) -> anyhow::Result<Option<(PathBuf, Value)>> {
    if path.is_file() {
        return Ok(Some((path.to_path_buf(), read_record(path)?)));
    }
    let copy = bundle.dir.join(DEPLOYMENT_FILE);
    if !copy.is_file() {
        return Ok(None);
    }
    let v = read_record(&copy)?;
    let same = v.get("chain_id").and_then(Value::as_u64) == Some(bundle.chain_id)
        && parse_deployment(&copy, &v)?.token == token
        && v.get("root")
            .and_then(Value::as_str)
            .and_then(|r| r.parse::<B256>().ok())
            == Some(bundle.root);
    Ok(same.then_some((copy, v)))
}

/// Refuses to deploy a bundle that was pushed: its ledger (state folder, or inside an old
/// bundle) shows batches sent, or the chain shows this sender paid the plan's recipients.
async fn refuse_if_pushed(
    chain: &Chain,
    bundle: &Bundle,
    state: &StateArgs,
    token: Address,
    from: Address,
) -> anyhow::Result<()> {
    for ledger in [
        state
            .folder(bundle.chain_id, token, bundle.root)?
            .join(LEDGER_FILE),
        bundle.dir.join(LEDGER_FILE),
    ] {
        if let Some(n) = super::push::sent_in_ledger(&ledger)? {
            bail!(
                "this bundle was pushed: the push ledger {} shows {n} recipients paid or being paid; a distributor would let them claim a second time: nothing sent. Finish it with `airdrop push` (see `airdrop push status`)",
                ledger.display()
            );
        }
    }
    // Other amounts to the same people are another campaign's business: only this plan's
    // exact payments mean this bundle was pushed.
    if let Some(p) = super::push::chain_paid(chain, bundle, token, from, None).await? {
        if let Some((tx, block)) = p.first_exact {
            bail!(
                "this bundle was pushed: the chain shows {from} already paid {} of its {} recipients their exact amounts (first in tx {tx}, block {block}); a distributor would let them claim a second time: nothing sent. Use `airdrop push` to pay the rest",
                p.exact, p.of
            );
        }
    }
    Ok(())
}

/// Refuses when `from` already created a distributor for this root that no record names.
async fn refuse_if_deployed_on_chain(
    chain: &Chain,
    bundle: &Bundle,
    from: Address,
    recorded: Option<&(PathBuf, Value)>,
) -> anyhow::Result<()> {
    let known = recorded
        .and_then(|(p, v)| parse_deployment(p, v).ok())
        .map(|d| d.distributor);
    let (found, capped) = deployed_for_root(chain, from, bundle.root).await?;
    if let Some(f) = found.iter().find(|f| Some(f.address) != known) {
        bail!(
            "{from} already deployed distributor {} for root {} (its nonce {}, token {}){}; a second one would let every recipient claim twice: nothing sent. Record it by copying its deployment.json back, or deploy another on purpose with --pay-again-i-know",
            f.address,
            bundle.root,
            f.nonce,
            f.token,
            if capped { format!(" (checked its last {DEPLOY_SCAN_NONCES} nonces)") } else { String::new() }
        );
    }
    Ok(())
}

/// Funds the distributor recorded in `record` up to the bundle's total, and records the transfer.
async fn fund_recorded(
    chain: &Chain,
    sender: &Sender,
    bundle: &Bundle,
    mut record: Value,
    path: &Path,
    d: Deployment,
) -> anyhow::Result<()> {
    super::claim::check_distributor(chain, bundle, &d).await?;
    let (distributor, token) = (d.distributor, d.token);
    let held = chain
        .view(
            token,
            &IERC20::balanceOfCall {
                account: distributor,
            },
        )
        .await?;
    let missing = bundle.total.saturating_sub(held);
    let mut fund_tx = json!("already funded");
    if !missing.is_zero() {
        let have = chain
            .view(
                token,
                &IERC20::balanceOfCall {
                    account: sender.address(),
                },
            )
            .await?;
        if have < missing {
            bail!(
                "sender {} is underfunded: it holds {} but the distributor {distributor} still needs {}",
                sender.address(),
                bundle.tokens(have),
                bundle.tokens(missing)
            );
        }
        let fund = Bytes::from(
            IERC20::transferCall {
                to: distributor,
                amount: missing,
            }
            .abi_encode(),
        );
        let funded = sender.send(Some(token), fund, U256::ZERO).await?;
        record["gas_used"]["fund"] = json!(funded.gas_used);
        fund_tx = json!(funded.hash);
    }
    let held = chain
        .view(
            token,
            &IERC20::balanceOfCall {
                account: distributor,
            },
        )
        .await?;
    if held < bundle.total {
        bail!(
            "the distributor {distributor} holds {} after the transfer of {} (fee-on-transfer token?); claims would fail: do not announce it",
            bundle.tokens(held),
            bundle.tokens(bundle.total)
        );
    }
    record["fund_tx"] = fund_tx;
    // The server and older tools read the record in the bundle: a copy goes there too.
    save_record(path, bundle, &record)?;
    println!("distributor {distributor}");
    println!("funded      {}", bundle.tokens(bundle.total));
    println!("recorded in {}", path.display());
    Ok(())
}
