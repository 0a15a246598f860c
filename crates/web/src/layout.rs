//! The frame every page shares: the document head, the header, the safety panel and the footer.

use crate::assets::{Asset, STYLE};
use maud::{html, Markup, DOCTYPE};

/// What a page tells the frame about itself.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The `<title>` and the page's `<h1>`.
    pub title: &'a str,
    /// The section the header marks as current: `claim`, `wallet`, `signup`, `tasks` or `admin`.
    pub section: &'a str,
    /// The scripts the page runs (deferred, from `/assets/`); empty for pages that need none.
    pub scripts: &'a [&'static Asset],
    /// What the safety panel names: the distributor the page sends claims to, when known.
    pub safety: Safety<'a>,
}

/// The facts the safety panel states for this page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Safety<'a> {
    /// The distributor contract (EIP-55) a claim on this page goes to.
    pub distributor: Option<&'a str>,
    /// Its chain id.
    pub chain_id: Option<u64>,
}

/// The whole document: `body` inside the shared frame.
pub fn page(frame: &Frame<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                // No icon file: a browser would otherwise ask for /favicon.ico on every page.
                link rel="icon" href="data:,";
                title { (frame.title) " · airdrop" }
                link rel="stylesheet" href=(STYLE.path());
                @for script in frame.scripts {
                    script src=(script.path()) defer {}
                }
            }
            body data-section=(frame.section) {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "airdrop" }
                }
                main #main {
                    h1 { (frame.title) }
                    (body)
                }
                (safety_panel(&frame.safety))
            }
        }
    }
}

/// The plain-language panel on every page: what this site never asks for, the contract a claim
/// goes to, and how to check it without trusting this site.
pub fn safety_panel(safety: &Safety<'_>) -> Markup {
    html! {
        aside.safety aria-labelledby="safety-title" {
            h2 #safety-title { "Stay safe" }
            ul {
                li { strong { "This site never asks for your recovery phrase or private key." }
                     " Nobody who does is helping you: anything typed into a field here that looks like one is refused in this page, before anything is sent." }
                @if let Some(d) = safety.distributor {
                    li { "Claims on this page go to the distributor contract "
                         code.addr { (d) }
                         @if let Some(c) = safety.chain_id { " on chain " (c) }
                         ". Your wallet shows the address it is asked to call: compare it with this one before you confirm." }
                }
                li { "Check it yourself: the campaign's claim kit (" code { "airdrop kit" } ") finds your proof from files alone, and "
                     code { "airdrop verify" } " checks the signed announcement, the root and the funds on chain." }
            }
        }
    }
}
