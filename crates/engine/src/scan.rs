//! The scan job: what a wallet received, each token, transfer and approval judged with its
//! reasons. Reads the token list and the allow list, refuses secrets where an address belongs,
//! gathers the facts over RPC (`airdrop_chain::scan`) and judges them
//! (`airdrop_core::scan::classify`). Read-only: never a transaction.

use crate::bridge::{block_on_cancellable, ChainProgress};
use crate::input::read_input_file;
use crate::{Cancel, EngineError, Progress, Result};
use airdrop_chain::scan::{gather, ScanParams};
use airdrop_chain::{Rpc, RpcConfig};
use airdrop_core::scan::{classify, known_spenders, Finding, Rules, ScanFacts, TokenList, Verdict};
use airdrop_merkle::address::{parse_address, refuse_secret};
use std::path::{Path, PathBuf};

/// The largest token list read (the big public lists are a few MiB).
const MAX_LIST_BYTES: u64 = 64 << 20;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanInput {
    /// The wallet, as the user typed it (checked for secrets before anything else).
    pub address: String,
    /// The node.
    pub rpc_url: String,
    /// A Uniswap-format token list of trusted tokens.
    pub token_list: Option<PathBuf>,
    /// Spenders the user trusts, one address a line.
    pub known: Option<PathBuf>,
    /// First block (default 0).
    pub from_block: Option<u64>,
    /// Last block (default: the head).
    pub to_block: Option<u64>,
    /// At most this many tokens simulated.
    pub max_simulations: usize,
    /// At most this many transactions looked up for their sender.
    pub max_tx_lookups: usize,
    /// Hex characters compared at each end of an address.
    pub lookalike_chars: usize,
    /// The RPC client's knobs.
    pub rpc_config: RpcConfig,
}

/// What a scan found.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// The facts judged.
    pub facts: ScanFacts,
    /// The judgements, worst first.
    pub findings: Vec<Finding>,
    /// Tokens of the node's chain on the token list, if one was given.
    pub listed: Option<usize>,
}

impl ScanReport {
    /// Findings of `verdict`.
    pub fn with(&self, verdict: Verdict) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.verdict == verdict)
    }

    /// Whether anything is a scam or suspicious.
    pub fn flagged(&self) -> bool {
        self.findings.iter().any(|f| f.verdict != Verdict::Ok)
    }
}

/// Refuses a private key or recovery phrase in any text the user gave, before it goes anywhere.
/// The one place the scan calls the key guard, so a shared guard can replace it.
pub fn refuse_secrets<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<()> {
    for t in texts {
        refuse_secret(t).map_err(|e| EngineError::input(e.to_string()))?;
    }
    Ok(())
}

/// Runs the scan.
pub fn run(input: &ScanInput, progress: &dyn Progress, cancel: &Cancel) -> Result<ScanReport> {
    refuse_secrets([input.address.as_str(), input.rpc_url.as_str()])?;
    let wallet =
        parse_address(&input.address).map_err(|e| EngineError::input(format!("ADDRESS: {e}")))?;
    if input.lookalike_chars == 0 || input.lookalike_chars > 20 {
        return Err(EngineError::input(format!(
            "--lookalike-chars {} is out of range; use 1 to 20 (4 is what wallets show)",
            input.lookalike_chars
        )));
    }
    let known = match &input.known {
        Some(path) => {
            let text = read_text(path)?;
            known_spenders(&path.display().to_string(), &text)?
        }
        None => Default::default(),
    };
    let list_text = input.token_list.as_deref().map(read_text).transpose()?;
    let rpc = Rpc::new(&input.rpc_url, input.rpc_config.clone())?;
    let bridge = ChainProgress::new(progress);
    let list = match (&input.token_list, list_text) {
        (Some(path), Some(text)) => {
            let chain_id = block_on_cancellable(cancel, rpc.chain_id())?;
            Some(TokenList::parse(
                &path.display().to_string(),
                &text,
                chain_id,
            )?)
        }
        _ => None,
    };
    let mut params = ScanParams::new(wallet);
    params.from_block = input.from_block;
    params.to_block = input.to_block;
    params.max_simulations = input.max_simulations;
    params.max_tx_lookups = input.max_tx_lookups;
    if let Some(l) = &list {
        params.trusted = l.addresses().collect();
    }
    let facts = block_on_cancellable(cancel, gather(&rpc, &params, &bridge))?;
    let rules = Rules {
        list,
        known_spenders: known,
        lookalike_chars: input.lookalike_chars,
    };
    let findings = classify(&facts, &rules);
    Ok(ScanReport {
        facts,
        findings,
        listed: rules.list.as_ref().map(TokenList::len),
    })
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = read_input_file(path, MAX_LIST_BYTES)?;
    String::from_utf8(bytes).map_err(|_| {
        EngineError::input(format!(
            "{} is not UTF-8 text; give a JSON token list or an address list",
            path.display()
        ))
    })
}
