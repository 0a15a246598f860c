//! `/wallet/{address}`: every published campaign with a claim for the address, and, when the
//! server has a node, the recipient scan (what the wallet received, each finding in plain
//! words). No script: everything is on the server.

use crate::layout::{page, Frame, Safety};
use maud::{html, Markup};

/// One campaign with a claim for the address.
#[derive(Debug, Clone)]
pub struct WalletClaim {
    /// URL id.
    pub campaign: String,
    /// The campaign's name.
    pub name: String,
    /// The amount, formatted with the token's decimals and symbol.
    pub amount: String,
}

/// One finding of the scan, in plain words.
#[derive(Debug, Clone)]
pub struct FindingView {
    /// `scam`, `suspicious` or `ok`.
    pub verdict: &'static str,
    /// What it is about.
    pub subject: String,
    /// Why, one line each.
    pub reasons: Vec<String>,
}

/// The scan's outcome.
#[derive(Debug, Clone)]
pub enum ScanView {
    /// The server has no node (`--rpc-url`): no scan.
    NoNode,
    /// The scan did not finish; why, in plain words.
    Failed(String),
    /// The findings, worst first.
    Done(Vec<FindingView>),
}

/// Everything the wallet page shows.
#[derive(Debug, Clone)]
pub struct WalletView {
    /// The address (EIP-55), or the message saying why the path is not one.
    pub address: Result<String, String>,
    /// Campaigns with a claim for it.
    pub claims: Vec<WalletClaim>,
    /// The scan.
    pub scan: ScanView,
}

/// The wallet page.
pub fn render(v: &WalletView) -> Markup {
    let frame = Frame {
        title: "Your airdrops",
        section: "wallet",
        scripts: &[],
        safety: Safety::default(),
    };
    page(
        &frame,
        html! {
            @match &v.address {
                Err(msg) => { p.msg.bad #result role="alert" { (msg) } }
                Ok(a) => {
                    p { "Address " code.addr #wallet { (a) } }
                    h2 { "Claims on this server" }
                    @if v.claims.is_empty() {
                        p.msg.warn #claims { "No campaign published here has a claim for this address." }
                    } @else {
                        ul #claims {
                            @for c in &v.claims {
                                li { a href={ "/claim/" (c.campaign) "?address=" (a) } { (c.name) } " — " (c.amount) }
                            }
                        }
                    }
                    h2 { "What this wallet received" }
                    (scan(&v.scan))
                }
            }
        },
    )
}

fn scan(s: &ScanView) -> Markup {
    html! {
        @match s {
            ScanView::NoNode => {
                p.msg #scan { "This server has no node to read the chain, so it cannot scan the wallet. Run "
                    code { "airdrop scan <address> --rpc <node>" } " yourself to see every token, transfer and approval judged." }
            }
            ScanView::Failed(why) => { p.msg.warn #scan { "The scan did not finish: " (why) } }
            ScanView::Done(findings) if findings.is_empty() => {
                p.msg.ok #scan { "Nothing received and no approvals found: nothing to flag." }
            }
            ScanView::Done(findings) => {
                ul.findings #scan {
                    @for f in findings {
                        li {
                            strong class=(tone(f.verdict)) { (label(f.verdict)) } " " (f.subject)
                            @if !f.reasons.is_empty() { ul { @for r in &f.reasons { li { (r) } } } }
                        }
                    }
                }
            }
        }
    }
}

fn tone(verdict: &str) -> &'static str {
    match verdict {
        "scam" => "bad",
        "suspicious" => "warn",
        _ => "ok",
    }
}

fn label(verdict: &str) -> &'static str {
    match verdict {
        "scam" => "Scam:",
        "suspicious" => "Suspicious:",
        _ => "OK:",
    }
}
