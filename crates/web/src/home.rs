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
