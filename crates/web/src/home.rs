//! `/`: the campaigns this server publishes, each linking to its claim page.

use crate::layout::{page, Frame, Safety};
use maud::{html, Markup};

/// One published campaign as the home page lists it.
#[derive(Debug, Clone)]
pub struct CampaignLink {
    /// URL id.
    pub id: String,
    /// Number of claims in its tree.
    pub claims: usize,
}

/// The home page.
pub fn render(campaigns: &[CampaignLink]) -> Markup {
    let frame = Frame {
        title: "Airdrops on this server",
        section: "home",
        scripts: &[],
        safety: Safety::default(),
    };
    page(
        &frame,
        html! {
            @if campaigns.is_empty() {
                p { "No campaign is published here yet." }
            } @else {
                ul.campaigns {
                    @for c in campaigns {
                        li { a href={ "/claim/" (c.id) } { (c.id) } " — " (c.claims) " claims" }
                    }
                }
            }
            p { "Looking for your own airdrops? Open " code { "/wallet/<your address>" } "." }
        },
    )
}

/// The page a browser gets when the address it sent (a form's `?address=`, a path) held a
/// private key or a recovery phrase: the server refused it before any handler, log line or
/// store saw it. Without JavaScript the page cannot refuse it first, so this says what happened
/// and what to do — never a character of what was sent.
pub fn secret_refused() -> Markup {
    let frame = Frame {
        title: "That was a secret, not an address",
        section: "home",
        scripts: &[],
        safety: Safety::default(),
    };
    page(
        &frame,
        html! {
            div.msg.bad role="alert" {
                p { strong { "What you sent looks like a private key or a recovery phrase." }
                    " It was refused before anything was looked up, and it was not stored or logged." }
                p { "No genuine airdrop ever needs it. If you typed it into any other site or sent it to anyone, move your funds to a new wallet now." }
            }
            p { "To see what you are owed, go back and enter your wallet's " strong { "address" } " (0x followed by 40 hex digits)." }
            p { a href="/" { "Airdrops on this server" } }
        },
    )
}
