//! `/claim/{campaign}`: what an address is owed, its vesting timeline, the announcement's
//! verdict and the distributor — rendered from the same numbers the claim API returns, so the
//! page shows everything without JavaScript. `claim.js` adds the wallet: a direct claim or a
//! gasless one through the server's relayer.

use crate::assets::{Asset, CLAIM};
use crate::layout::{page, Frame, Safety};
use crate::vesting::{timeline, Timeline};
use airdrop_core::units::format_units;
use airdrop_merkle::U256;
use maud::{html, Markup, PreEscaped};

/// The token a campaign pays, as its manifest names it.
#[derive(Debug, Clone)]
pub struct TokenView {
    /// Ticker.
    pub symbol: String,
    /// Decimals: amounts are shown as `amount / 10^decimals` by exact string formatting.
    pub decimals: u8,
}

/// The signed announcement's verdict.
#[derive(Debug, Clone)]
pub enum AnnouncementView {
    /// The bundle carries no `announcement.json`.
    NotSigned,
    /// Signature and every file hash held when the server loaded the bundle.
    Verified {
        /// The signer (EIP-55).
        signer: String,
    },
    /// Something did not hold: do not trust the page's data.
    NotVerified {
        /// The signer it names (EIP-55).
        signer: String,
        /// Why, in plain words.
        reasons: Vec<String>,
    },
}

/// The claim window and the vesting points, unix seconds.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleView {
    /// Claims open.
    pub start: u64,
    /// Claims close.
    pub deadline: u64,
    /// Nothing beyond the unlocked share vests before this.
    pub cliff_end: u64,
    /// Everything is vested at this time.
    pub vesting_end: u64,
    /// Share unlocked at `start`, basis points.
    pub unlocked_bps: u16,
}

/// One address's claim, as `GET /v1/campaigns/{id}/claims/{address}` returns it.
#[derive(Debug, Clone)]
pub struct ClaimFacts {
    /// The address (EIP-55).
    pub address: String,
    /// Claim index in the tree.
    pub index: u64,
    /// Total allocation, base units.
    pub amount: U256,
    /// The Merkle proof, 0x-hex hashes.
    pub proof: Vec<String>,
    /// Paid out so far; `None` without a node following the distributor.
    pub claimed: Option<U256>,
    /// Vested so far (claimed or not); `None` without a schedule.
    pub vested: Option<U256>,
    /// What a claim now would pay; `None` without a node.
    pub claimable_now: Option<U256>,
}

/// The outcome of the address look-up the page was asked for (`?address=`).
#[derive(Debug, Clone)]
pub enum Lookup {
    /// No address asked.
    None,
    /// The text was a secret: refused, never echoed.
    Refused(&'static str),
    /// Not an address (malformed or a wrong checksum); the message says which.
    Invalid(String),
    /// A well-formed address with no claim here (EIP-55).
    NotEligible(String),
    /// A claim.
    Found(ClaimFacts),
}

/// Everything the claim page shows.
#[derive(Debug, Clone)]
pub struct ClaimView {
    /// URL id.
    pub campaign: String,
    /// The campaign's name (manifest), or its id.
    pub name: String,
    /// The token, when a manifest names it.
    pub token: Option<TokenView>,
    /// The distributor (EIP-55), when deployed and known to the server.
    pub distributor: Option<String>,
    /// The campaign's chain.
    pub chain_id: Option<u64>,
    /// Whether the server relays gasless claims (a relayer and a node).
    pub relay: bool,
    /// The announcement's verdict.
    pub announcement: AnnouncementView,
    /// The claim window and vesting.
    pub schedule: Option<ScheduleView>,
    /// The server's clock, unix seconds (what "now" means on the chart).
    pub now: u64,
    /// The address look-up.
    pub lookup: Lookup,
}

/// An amount with the token's decimals and symbol (base units without a token).
pub fn amount_text(v: U256, token: Option<&TokenView>) -> String {
    match token {
        Some(t) => format!("{} {}", format_units(v, t.decimals), t.symbol),
        None => format!("{v} base units"),
    }
}

/// The claim page.
pub fn render(v: &ClaimView) -> Markup {
    let title = format!("Claim: {}", v.name);
    let scripts: &[&'static Asset] = &[&CLAIM];
    let frame = Frame {
        title: &title,
        section: "claim",
        scripts,
        safety: Safety {
            distributor: v.distributor.as_deref(),
            chain_id: v.chain_id,
        },
    };
    let asked = match &v.lookup {
        Lookup::NotEligible(a) => a.clone(),
        Lookup::Found(f) => f.address.clone(),
        _ => String::new(),
    };
    page(
        &frame,
        html! {
            (announcement(&v.announcement))
            p.facts {
                @if let (Some(d), Some(c)) = (&v.distributor, v.chain_id) {
                    "Distributor " code.addr #distributor { (d) } " on chain " span #chain { (c) } "."
                } @else {
                    "The distributor of this campaign is not deployed yet (or this server does not know it): you can look up your claim, not send it."
                }
            }
            form #lookup method="get" action={ "/claim/" (v.campaign) } novalidate {
                label for="address" { "Your address" }
                p #address-help .hint { "0x followed by 40 hex digits. Never a recovery phrase or private key." }
                input #address name="address" type="text" autocomplete="off" spellcheck="false"
                    aria-describedby="address-help" value=(asked);
                div.actions {
                    button type="submit" { "Look up" }
                    button #connect .secondary type="button" hidden { "Connect wallet" }
                }
            }
            div #status .msg role="status" aria-live="polite" hidden {}
            (lookup(v))
            script #claim-data type="application/json" { (PreEscaped(data_json(v))) }
        },
    )
}

fn announcement(a: &AnnouncementView) -> Markup {
    html! {
        @match a {
            AnnouncementView::Verified { signer } => {
                p.msg.ok #announcement { "Signed announcement verified: signed by " code.addr { (signer) } ", and every file matches it." }
            }
            AnnouncementView::NotVerified { signer, reasons } => {
                div.msg.bad #announcement {
                    p { strong { "Warning: the announcement is NOT verified." } " It names signer " code.addr { (signer) }
                        ", but the files this server publishes do not match it. Do not claim until the campaign's creator confirms the distributor address elsewhere." }
                    ul { @for r in reasons { li { (r) } } }
                }
            }
            AnnouncementView::NotSigned => {
                p.msg.warn #announcement { "This campaign is not signed: nothing proves who published it. Check the distributor address with the campaign's own channels before you claim." }
            }
        }
    }
}

fn lookup(v: &ClaimView) -> Markup {
    let token = v.token.as_ref();
    html! {
        @match &v.lookup {
            Lookup::None => {}
            Lookup::Refused(kind) => {
                p.msg.bad #result role="alert" { "That looks like " (kind) ". Never type it into any page: no genuine airdrop needs it. Nothing was looked up. If you shared it anywhere, move your funds to a new wallet." }
            }
            Lookup::Invalid(msg) => { p.msg.bad #result role="alert" { (msg) } }
            Lookup::NotEligible(a) => {
                p.msg.warn #result { code.addr { (a) } " has no claim in this airdrop." }
            }
            Lookup::Found(f) => {
                section #result aria-labelledby="claim-title" {
                    h2 #claim-title { "Your claim" }
                    dl.facts {
                        dt { "Address" } dd { code.addr { (f.address) } }
                        dt { "Allocation" } dd #amount { (amount_text(f.amount, token)) }
                        @if let Some(c) = f.claimed { dt { "Claimed" } dd #claimed { (amount_text(c, token)) } }
                        @if let Some(c) = f.claimable_now { dt { "Claimable now" } dd #claimable { (amount_text(c, token)) } }
                        @if let Some(vested) = f.vested {
                            dt { "Locked (vesting)" } dd #locked { (amount_text(f.amount.saturating_sub(vested), token)) }
                        }
                    }
                    (state_line(v, f))
                    (chart(v, f))
                    @if v.distributor.is_some() {
                        div.actions #claim-actions {
                            button #claim-direct type="button" disabled { "Claim (you pay gas)" }
                            @if v.relay { button #claim-gasless .secondary type="button" disabled { "Claim gasless (sign only)" } }
                        }
                        p.hint #js-hint { "Claiming needs a wallet and JavaScript; the figures above need neither." }
                    }
                    p { a href={ "/wallet/" (f.address) } { "Every airdrop on this server for this address" } }
                }
            }
        }
    }
}

/// One plain sentence on whether a claim can be made now.
fn state_line(v: &ClaimView, f: &ClaimFacts) -> Markup {
    let closed = v.schedule.and_then(|s| {
        if v.now < s.start {
            Some(format!(
                "Claims open on {}.",
                airdrop_core::tax::rfc3339(i64::try_from(s.start).unwrap_or(i64::MAX))
            ))
        } else if v.now > s.deadline {
            Some(format!(
                "Claims closed on {}.",
                airdrop_core::tax::rfc3339(i64::try_from(s.deadline).unwrap_or(i64::MAX))
            ))
        } else {
            None
        }
    });
    let done =
        matches!((f.claimed, f.claimable_now), (Some(c), Some(n)) if !c.is_zero() && n.is_zero());
    html! {
        @if let Some(c) = closed { p.msg.warn #window { (c) } }
        @else if done { p.msg.ok #window { "Already claimed: everything vested so far is paid to this address." } }
    }
}

fn chart(v: &ClaimView, f: &ClaimFacts) -> Markup {
    let Some(s) = v.schedule else {
        return html! {};
    };
    let t: Timeline = timeline(v, s, f);
    crate::vesting::svg(&t, v.token.as_ref())
}

/// The `<script type="application/json">` block `claim.js` reads: only hex, digits, ids and
/// booleans, with `<` escaped so the block can never close early.
fn data_json(v: &ClaimView) -> String {
    let found = match &v.lookup {
        Lookup::Found(f) => serde_json::json!({
            "address": f.address,
            "index": f.index.to_string(),
            "amount": f.amount.to_string(),
            "proof": f.proof,
            "claimed": f.claimed.map(|c| c.to_string()),
            "claimableNow": f.claimable_now.map(|c| c.to_string()),
        }),
        _ => serde_json::Value::Null,
    };
    let data = serde_json::json!({
        "campaign": v.campaign,
        "distributor": v.distributor,
        "chainId": v.chain_id,
        "relay": v.relay,
        "decimals": v.token.as_ref().map(|t| t.decimals),
        "symbol": v.token.as_ref().map(|t| t.symbol.clone()),
        "start": v.schedule.map(|s| s.start),
        "deadline": v.schedule.map(|s| s.deadline),
        "claim": found,
    });
    data.to_string().replace('<', "\\u003c")
}

/// The 404 page of a campaign this server does not publish.
pub fn unknown(campaign: &str) -> Markup {
    let frame = Frame {
        title: "No such campaign",
        section: "claim",
        scripts: &[],
        safety: Safety::default(),
    };
    page(
        &frame,
        html! {
            p.msg.bad { "This server publishes no campaign called " code { (campaign) } ". Check the link you were given, or see "
                a href="/" { "the campaigns published here" } "." }
            p { "A message or site that sends you to a claim page that does not exist may not be genuine." }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(lookup: Lookup) -> ClaimView {
        ClaimView {
            campaign: "drop".into(),
            name: "A </script><b>drop".into(),
            token: Some(TokenView {
                symbol: "GEN".into(),
                decimals: 18,
            }),
            distributor: Some("0x5FbDB2315678afecb367f032d93F642f64180aa3".into()),
            chain_id: Some(31337),
            relay: true,
            announcement: AnnouncementView::NotSigned,
            schedule: Some(ScheduleView {
                start: 1_000,
                deadline: 101_000,
                cliff_end: 11_000,
                vesting_end: 51_000,
                unlocked_bps: 2_500,
            }),
            now: 31_000,
            lookup,
        }
    }

    #[test]
    fn amounts_are_exact_with_the_tokens_decimals() {
        let v = U256::from(17_857_142_857_142_857_142_858u128);
        let t = TokenView {
            symbol: "GEN".into(),
            decimals: 18,
        };
        assert_eq!(amount_text(v, Some(&t)), "17857.142857142857142858 GEN");
        assert_eq!(amount_text(v, None), "17857142857142857142858 base units");
    }

    #[test]
    fn a_found_claim_shows_its_chart_and_hands_the_script_only_safe_json() {
        let html = render(&view(Lookup::Found(ClaimFacts {
            address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65".into(),
            index: 3,
            amount: U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64)),
            proof: vec![format!("0x{}", "ab".repeat(32))],
            claimed: Some(U256::ZERO),
            vested: Some(U256::from(625u64) * U256::from(10u64).pow(U256::from(18u64))),
            claimable_now: Some(U256::from(625u64) * U256::from(10u64).pow(U256::from(18u64))),
        })))
        .into_string();
        assert!(html.contains("id=\"vesting-chart\""), "{html}");
        assert!(html.contains("Claimable now: 625 GEN"), "{html}");
        assert!(html.contains("Locked: 375 GEN"), "{html}");
        assert!(html.contains("claims close 1970-01-02T04:03:20Z"), "{html}");
        // The campaign's name is escaped in the page and never reaches the data block.
        assert!(!html.contains("</script><b>"), "{html}");
        let data = html.split("id=\"claim-data\"").nth(1).unwrap_or_default();
        assert!(
            data.contains("\"amount\":\"1000000000000000000000\""),
            "{data}"
        );
    }

    #[test]
    fn an_announcement_that_does_not_verify_is_a_plain_warning() {
        let mut v = view(Lookup::None);
        v.announcement = AnnouncementView::NotVerified {
            signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".into(),
            reasons: vec!["claims.json: sha256 differs from the announcement".into()],
        };
        let html = render(&v).into_string();
        assert!(html.contains("the announcement is NOT verified"), "{html}");
        assert!(html.contains("Do not claim until"), "{html}");
        assert!(html.contains("claims.json: sha256 differs"), "{html}");
        v.announcement = AnnouncementView::Verified {
            signer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".into(),
        };
        let html = render(&v).into_string();
        assert!(
            html.contains("Signed announcement verified: signed by"),
            "{html}"
        );
    }

    #[test]
    fn a_closed_window_is_said_before_and_after() {
        let found = |now: u64| {
            let mut v = view(Lookup::Found(ClaimFacts {
                address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65".into(),
                index: 0,
                amount: U256::from(10u64),
                proof: Vec::new(),
                claimed: None,
                vested: None,
                claimable_now: None,
            }));
            v.now = now;
            render(&v).into_string()
        };
        assert!(found(500).contains("Claims open on 1970-01-01T00:16:40Z."));
        assert!(found(200_000).contains("Claims closed on 1970-01-02T04:03:20Z."));
        assert!(!found(31_000).contains("id=\"window\""));
    }

    #[test]
    fn refusals_never_echo_the_secret() {
        let html = render(&view(Lookup::Refused("a recovery phrase"))).into_string();
        assert!(html.contains("That looks like a recovery phrase"), "{html}");
        assert!(!html.contains("value=\"abandon"), "{html}");
    }
}
