//! What a wallet received, classified: the facts a scan gathered from a node (token transfers
//! in and out, approvals granted, token metadata, transfer simulations) go in; findings come
//! out, each with a verdict and its reasons in plain words. No IO: the chain crate gathers the
//! facts, this module only judges them, so every rule is unit-tested without a node.
//!
//! - `text`: lures, confusable characters, look-alike addresses;
//! - `list`: the Uniswap token-list format and the allow list of known spenders;
//! - [`classify`]: the rules, one reason each (see [`ReasonCode`]).

mod list;
mod text;

pub use list::{known_spenders, ListedToken, TokenList};
pub use text::{looks_alike, lure, short, skeleton};

use alloy_primitives::{Address, B256, U256};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A token's name or symbol as the contract answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Meta {
    /// A readable string.
    Text(String),
    /// The call reverted or returned something that is not a string; why, in plain words.
    Unreadable(String),
}

impl Meta {
    /// The text, if readable.
    pub fn text(&self) -> Option<&str> {
        match self {
            Meta::Text(t) => Some(t),
            Meta::Unreadable(_) => None,
        }
    }
}

/// What simulating a `transfer` from the wallet showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "detail")]
pub enum Probe {
    /// Not simulated: the wallet holds none, or the simulation budget was spent (why).
    NotTried(String),
    /// The simulated transfer succeeded.
    Transferable,
    /// The simulated transfer reverted (the node's message) or returned false.
    Refused(String),
}

/// One token the wallet dealt with, as the node describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenFacts {
    /// The contract.
    pub address: Address,
    /// `name()`.
    pub name: Meta,
    /// `symbol()`.
    pub symbol: Meta,
    /// `decimals()`, if readable.
    pub decimals: Option<u8>,
    /// The wallet's balance at the scanned block, if readable.
    pub balance: Option<U256>,
    /// The transfer simulation.
    pub probe: Probe,
}

/// One ERC-20 Transfer log naming the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferFact {
    /// The emitting contract.
    pub token: Address,
    /// Sender named in the log.
    pub from: Address,
    /// Recipient named in the log.
    pub to: Address,
    /// Amount in base units.
    pub value: U256,
    /// Block of the log.
    pub block: u64,
    /// Transaction of the log.
    pub tx: Option<B256>,
    /// Who sent that transaction, if looked up.
    pub tx_sender: Option<Address>,
}

/// The latest allowance the wallet granted a spender on a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalFact {
    /// The token.
    pub token: Address,
    /// Who may spend.
    pub spender: Address,
    /// The allowance now (or as last approved, when `allowance()` could not be read).
    pub value: U256,
    /// Block of the latest Approval log.
    pub block: u64,
}

/// Everything a scan gathered about one wallet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanFacts {
    /// The wallet.
    pub wallet: Address,
    /// The node's chain id.
    pub chain_id: u64,
    /// First block scanned.
    pub from_block: u64,
    /// Last block scanned.
    pub to_block: u64,
    /// Transfer logs to the wallet.
    pub incoming: Vec<TransferFact>,
    /// Transfer logs from the wallet.
    pub outgoing: Vec<TransferFact>,
    /// Allowances the wallet granted that are not zero.
    pub approvals: Vec<ApprovalFact>,
    /// Every token of those logs.
    pub tokens: BTreeMap<Address, TokenFacts>,
}

/// How the rules are tuned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// The wallet's trusted tokens, of the node's chain; `None` when no list was given (then
    /// "not on the list" and impersonation are not judged).
    pub list: Option<TokenList>,
    /// Spenders the user trusts, besides the listed tokens.
    pub known_spenders: BTreeSet<Address>,
    /// Hex characters compared at each end of an address for look-alikes.
    pub lookalike_chars: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            list: None,
            known_spenders: BTreeSet::new(),
            lookalike_chars: 4,
        }
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A known scam pattern: do not interact, do not copy addresses from it.
    Scam,
    /// Worth a look: unknown, unreadable or risky, but not a known scam pattern on its own.
    Suspicious,
    /// Nothing found.
    Ok,
}

/// The rule behind a reason, stable for scripts (`--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCode {
    /// The token is not on the token list and came in transactions the wallet did not send.
    NotOnList,
    /// The name or symbol carries a URL, a domain or a lure word.
    Lure,
    /// The token uses a listed token's symbol or name at another address.
    Impersonation,
    /// Holders cannot transfer it (simulated).
    Honeypot,
    /// name() or symbol() cannot be read.
    UnreadableMetadata,
    /// A zero-value transfer out of the wallet that the wallet did not send.
    ZeroValuePoisoning,
    /// A zero-value transfer into the wallet.
    ZeroValueIncoming,
    /// The other side imitates a real counterparty's address.
    LookalikeAddress,
    /// An allowance to a spender that is neither a listed token nor on the allow list.
    UnknownSpender,
}

impl ReasonCode {
    /// The verdict this reason alone gives.
    pub fn verdict(self) -> Verdict {
        match self {
            ReasonCode::Lure
            | ReasonCode::Impersonation
            | ReasonCode::Honeypot
            | ReasonCode::ZeroValuePoisoning
            | ReasonCode::LookalikeAddress => Verdict::Scam,
            ReasonCode::NotOnList
            | ReasonCode::UnreadableMetadata
            | ReasonCode::ZeroValueIncoming
            | ReasonCode::UnknownSpender => Verdict::Suspicious,
        }
    }
}

/// One reason, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The rule.
    pub code: ReasonCode,
    /// What it found, with the values.
    pub text: String,
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Subject {
    /// A token the wallet received.
    Token {
        /// The contract.
        address: Address,
        /// Its symbol as shown (escaped), or `?`.
        symbol: String,
        /// Its name as shown (escaped), or `?`.
        name: String,
    },
    /// One transfer.
    Transfer(TransferFact),
    /// One allowance granted.
    Approval(ApprovalFact),
}

/// A verdict on one subject with every reason found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The worst verdict of the reasons (`Ok` when there are none).
    pub verdict: Verdict,
    /// What it is about.
    pub subject: Subject,
    /// Why, one line each.
    pub reasons: Vec<Reason>,
}

/// Every finding of a scan, worst first: a finding per token received, a finding per flagged
/// transfer and per flagged approval.
pub fn classify(facts: &ScanFacts, rules: &Rules) -> Vec<Finding> {
    let mut out = Vec::new();
    let received: BTreeSet<Address> = facts.incoming.iter().map(|t| t.token).collect();
    // Tokens that came in through a transaction the wallet sent (a swap, a claim) were chosen.
    let chosen: BTreeSet<Address> = facts
        .incoming
        .iter()
        .filter(|t| t.tx_sender == Some(facts.wallet))
        .map(|t| t.token)
        .collect();
    for token in &received {
        let reasons = match facts.tokens.get(token) {
            Some(t) => token_reasons(t, rules, chosen.contains(token)),
            None => vec![Reason {
                code: ReasonCode::UnreadableMetadata,
                text: "nothing could be read from this contract".into(),
            }],
        };
        out.push(finding(
            token_subject(*token, facts.tokens.get(token)),
            reasons,
        ));
    }
    let counterparties = counterparties(facts);
    for t in &facts.outgoing {
        let reasons = outgoing_reasons(t, facts, rules, &counterparties);
        if !reasons.is_empty() {
            out.push(finding(Subject::Transfer(t.clone()), reasons));
        }
    }
    for t in &facts.incoming {
        let reasons = incoming_reasons(t, facts, rules, &counterparties);
        if !reasons.is_empty() {
            out.push(finding(Subject::Transfer(t.clone()), reasons));
        }
    }
    for a in &facts.approvals {
        if let Some(r) = approval_reason(a, facts, rules) {
            out.push(finding(Subject::Approval(a.clone()), vec![r]));
        }
    }
    out.sort_by_key(|f| f.verdict);
    out
}

fn finding(subject: Subject, reasons: Vec<Reason>) -> Finding {
    let verdict = reasons
        .iter()
        .map(|r| r.code.verdict())
        .min()
        .unwrap_or(Verdict::Ok);
    Finding {
        verdict,
        subject,
        reasons,
    }
}

/// A token's name or symbol as a report may print it: attacker-chosen text, so control and
/// direction-changing characters are escaped and the length is bounded.
pub fn shown_meta(m: Option<&Meta>) -> String {
    match m {
        Some(Meta::Text(t)) => {
            let cut: String = t.chars().take(64).collect();
            cut.chars()
                .flat_map(|c| {
                    if c.is_control()
                        || ('\u{202A}'..='\u{202E}').contains(&c)
                        || ('\u{2066}'..='\u{2069}').contains(&c)
                    {
                        c.escape_unicode().collect::<Vec<_>>()
                    } else {
                        vec![c]
                    }
                })
                .collect()
        }
        _ => "?".into(),
    }
}

fn token_subject(address: Address, t: Option<&TokenFacts>) -> Subject {
    Subject::Token {
        address,
        symbol: shown_meta(t.map(|t| &t.symbol)),
        name: shown_meta(t.map(|t| &t.name)),
    }
}

fn reason(code: ReasonCode, text: String) -> Reason {
    Reason { code, text }
}

fn token_reasons(t: &TokenFacts, rules: &Rules, chosen: bool) -> Vec<Reason> {
    let mut out = Vec::new();
    let listed = rules.list.as_ref().and_then(|l| l.get(&t.address));
    if let Some(list) = rules.list.as_ref().filter(|_| listed.is_none()) {
        if !chosen {
            out.push(reason(
                ReasonCode::NotOnList,
                format!(
                    "unsolicited: not on the token list ({} tokens of chain {}) and it came in a transaction you did not send",
                    list.len(),
                    list.chain_id()
                ),
            ));
        }
        if let Some(real) = list.impersonated(t.symbol.text(), t.name.text()) {
            out.push(reason(
                ReasonCode::Impersonation,
                format!(
                    "impersonates {} ({}), which the list has at {}: this contract is a counterfeit",
                    real.symbol,
                    real.name,
                    real.address
                ),
            ));
        }
    }
    if listed.is_none() {
        for (what, m) in [("name", &t.name), ("symbol", &t.symbol)] {
            if let Some(why) = m.text().and_then(lure) {
                out.push(reason(
                    ReasonCode::Lure,
                    format!("its {what} {why}: genuine tokens do not send you to a site; never connect a wallet there"),
                ));
            }
        }
    }
    for (what, m) in [("name()", &t.name), ("symbol()", &t.symbol)] {
        if let Meta::Unreadable(why) = m {
            out.push(reason(
                ReasonCode::UnreadableMetadata,
                format!("{what} cannot be read ({why})"),
            ));
        }
    }
    if let Probe::Refused(why) = &t.probe {
        out.push(reason(
            ReasonCode::Honeypot,
            format!("honeypot: a simulated transfer of it from your wallet fails ({why}); you cannot sell or move it"),
        ));
    }
    out
}

/// Addresses the wallet really paid: the recipients of non-zero transfers in transactions the
/// wallet itself sent. Logs a scammer's contract emits in the wallet's name do not count.
fn counterparties(facts: &ScanFacts) -> BTreeSet<Address> {
    facts
        .outgoing
        .iter()
        .filter(|t| !t.value.is_zero() && t.tx_sender == Some(facts.wallet))
        .map(|t| t.to)
        .collect()
}

fn imitated<'a>(a: &Address, parties: &'a BTreeSet<Address>, chars: usize) -> Option<&'a Address> {
    parties.iter().find(|p| looks_alike(a, p, chars))
}

fn lookalike_reason(other: &Address, real: &Address, rules: &Rules, dir: &str) -> Reason {
    reason(
        ReasonCode::LookalikeAddress,
        format!(
            "address poisoning: the {dir} {other} looks like your counterparty {real} (same first and last {} hex characters, {}) but is another address; never copy an address from your history",
            rules.lookalike_chars,
            short(real)
        ),
    )
}

fn symbol_of(facts: &ScanFacts, token: &Address) -> String {
    shown_meta(facts.tokens.get(token).map(|t| &t.symbol))
}

fn outgoing_reasons(
    t: &TransferFact,
    facts: &ScanFacts,
    rules: &Rules,
    parties: &BTreeSet<Address>,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if t.tx_sender == Some(facts.wallet) {
        return out;
    }
    let sent_by = match t.tx_sender {
        Some(s) => format!("the transaction was sent by {s}, not by you"),
        None => "its transaction could not be looked up".into(),
    };
    if t.value.is_zero() {
        out.push(reason(
            ReasonCode::ZeroValuePoisoning,
            format!(
                "a zero-value {} transfer from your wallet to {} that you did not make ({sent_by}): anyone can call transferFrom(you, X, 0) to plant an address in your history",
                symbol_of(facts, &t.token),
                t.to
            ),
        ));
    }
    if let Some(real) = imitated(&t.to, parties, rules.lookalike_chars) {
        out.push(lookalike_reason(&t.to, real, rules, "recipient"));
    }
    out
}

fn incoming_reasons(
    t: &TransferFact,
    facts: &ScanFacts,
    rules: &Rules,
    parties: &BTreeSet<Address>,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if let Some(real) = imitated(&t.from, parties, rules.lookalike_chars) {
        out.push(lookalike_reason(&t.from, real, rules, "sender"));
    }
    if t.value.is_zero() {
        out.push(reason(
            ReasonCode::ZeroValueIncoming,
            format!(
                "a zero-value {} transfer to your wallet from {}: it moves nothing and only puts an address in your history",
                symbol_of(facts, &t.token),
                t.from
            ),
        ));
    }
    out
}

/// Whether an allowance is "unlimited" in every wallet's sense: at or above half the range
/// (contracts that spend it count down from `type(uint256).max`).
pub fn unlimited(v: U256) -> bool {
    v >= U256::MAX >> 1
}

fn approval_reason(a: &ApprovalFact, facts: &ScanFacts, rules: &Rules) -> Option<Reason> {
    let listed = rules
        .list
        .as_ref()
        .is_some_and(|l| l.get(&a.spender).is_some());
    if listed || rules.known_spenders.contains(&a.spender) || a.value.is_zero() {
        return None;
    }
    let amount = if unlimited(a.value) {
        "an UNLIMITED allowance".to_owned()
    } else {
        format!("an allowance of {} base units", a.value)
    };
    Some(reason(
        ReasonCode::UnknownSpender,
        format!(
            "you gave {} {amount} of {}; it is neither a listed token nor on your allow list (--known): it can take those tokens at any time; revoke it unless you know it",
            a.spender,
            symbol_of(facts, &a.token)
        ),
    ))
}

#[cfg(test)]
mod tests;
