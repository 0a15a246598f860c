//! `/admin`: the creator dashboard. The page is served without data: everything it shows comes
//! from the API with the creator's key (`Authorization: Bearer ak_…`), which the page's script
//! keeps in the tab's `sessionStorage` only. Without JavaScript the page says so; there is no
//! cookie or server session to fall back on, by design.

use crate::assets::ADMIN;
use crate::layout::{page, Frame, Safety};
use maud::{html, Markup};

/// The dashboard page: sign-in form and the empty views the script fills.
pub fn render() -> Markup {
    let frame = Frame {
        title: "Creator dashboard",
        section: "admin",
        scripts: &[&ADMIN],
        safety: Safety::default(),
    };
    page(
        &frame,
        html! {
            noscript { p.msg.warn { "The dashboard needs JavaScript: it reads the API with your key, which stays in this tab only." } }
            div #status .msg role="status" aria-live="polite" hidden {}
            (sign_in())
            div #dash hidden {
                p.who {
                    span { "Signed in with key " code #who {} " (" span #scopes {} ")." }
                    button #signout .secondary type="button" { "Sign out" }
                }
                (campaigns())
                (campaign())
            }
        },
    )
}

fn sign_in() -> Markup {
    html! {
        section #signin aria-labelledby="signin-title" {
            h2 #signin-title { "Sign in" }
            p { "Paste an API key (" code { "ak_…" } ", from " code { "airdrop keys create" }
                "). It is kept in this browser tab only and forgotten when the tab closes or you sign out." }
            form #signin-form novalidate {
                label for="key" { "API key" }
                input #key name="key" type="password" autocomplete="off" spellcheck="false"
                    aria-describedby="key-help signin-msg" required;
                p #key-help .hint { "Never paste a wallet's private key or recovery phrase here: this field refuses them." }
                button type="submit" { "Sign in" }
                p #signin-msg .msg .bad role="alert" hidden {}
            }
        }
    }
}

fn campaigns() -> Markup {
    html! {
        section #campaigns aria-labelledby="campaigns-title" {
            h2 #campaigns-title { "Campaigns" }
            div.table-wrap tabindex="0" role="region" aria-labelledby="campaigns-title" {
                table {
                    thead { tr { th scope="col" { "Id" } th scope="col" { "Name" } th scope="col" { "Chain" }
                                 th scope="col" .num { "Claims" } th scope="col" { "State" } th scope="col" { span.sr { "Open" } } } }
                    tbody #campaign-rows {}
                }
            }
        }
    }
}

fn campaign() -> Markup {
    html! {
        section #campaign aria-labelledby="campaign-title" hidden {
            h2 #campaign-title tabindex="-1" {}
            dl #stats .figures {}
            section #report aria-labelledby="report-title" {
                h3 #report-title { "Build report" }
                p #report-msg .hint {}
                dl #fairness .figures {}
                div.charts {
                    figure { figcaption { "Amounts (recipients per range)" } div #histogram {} }
                    figure { figcaption { "Lorenz curve" } div #lorenz .lorenz {} }
                }
            }
            (sybil())
            section #jobs aria-labelledby="jobs-title" {
                h3 #jobs-title { "Build and publish" }
                p #jobs-help .hint {}
                div.actions {
                    button #start-build type="button" { "Start a build" }
                    button #start-publish type="button" .secondary { "Publish the last build" }
                }
                label for="job-progress" { "Job progress" }
                progress #job-progress max="1" value="0" {}
                p #job-msg aria-live="polite" {}
            }
            section #claims aria-labelledby="claims-title" {
                h3 #claims-title { "Claims" }
                p #claims-msg .hint {}
                dl #claims-figures .figures {}
                div #claims-chart {}
            }
            section #relay aria-labelledby="relay-title" {
                h3 #relay-title { "Relay queue" }
                p #relay-msg .hint {}
                div.table-wrap tabindex="0" role="region" aria-labelledby="relay-title" {
                    table {
                        thead { tr { th scope="col" { "Request" } th scope="col" { "Account" } th scope="col" .num { "Amount" }
                                     th scope="col" { "State" } th scope="col" { "Transaction or error" } } }
                        tbody #relay-rows {}
                    }
                }
            }
            section #reviews aria-labelledby="reviews-title" {
                h3 #reviews-title { "Bounty reviews" }
                p #reviews-msg .hint {}
                div.table-wrap tabindex="0" role="region" aria-labelledby="reviews-title" {
                    table {
                        thead { tr { th scope="col" { "Submission" } th scope="col" { "Task" } th scope="col" { "Wallet" }
                                     th scope="col" { "Evidence" } th scope="col" { "State" } th scope="col" { "Review" } } }
                        tbody #review-rows {}
                    }
                }
            }
            section #exports aria-labelledby="exports-title" {
                h3 #exports-title { "Exports" }
                p.hint { "Sources for the campaign spec: sign-ups as a list, approved bounty points as points." }
                div.actions {
                    button #export-signups type="button" .secondary { "Download signups.csv" }
                    button #export-points type="button" .secondary { "Download points.csv" }
                }
            }
        }
    }
}

/// The last build's sybil clusters, for review; the script fills it when the report has `sybil`.
fn sybil() -> Markup {
    html! {
        section #sybil aria-labelledby="sybil-title" hidden {
            h3 #sybil-title { "Sybil clusters" }
            p #sybil-msg .hint {}
            dl #sybil-figures .figures {}
            div #sybil-cleared-box hidden {
                h4 #sybil-cleared-title { "Cleared on appeal" }
                div.table-wrap tabindex="0" role="region" aria-labelledby="sybil-cleared-title" {
                    table {
                        thead { tr { th scope="col" { "Address" } th scope="col" { "Reason" } th scope="col" { "Was in cluster" } } }
                        tbody #sybil-cleared-rows {}
                    }
                }
            }
            div #sybil-clusters {}
            h4 { "Clearing an address on appeal" }
            p { "This view only reads the build report: an appeal is decided in the overrides file, so that every build honours it and the decision is kept with the campaign's inputs." }
            ol.steps {
                li { "Add a row " code { "address,reason" } " to a CSV file whose first line is " code { "address,reason" }
                     " (a reason on every row; it is shown here and by " code { "airdrop explain" } ")." }
                li { "Upload it as a campaign file: " code { "PUT /v1/campaigns/{id}/files/appeals.csv" } "." }
                li { "Name it in the spec's " code { "[sybil]" } " section, " code { "overrides = \"appeals.csv\"" }
                     ", and send the spec again (" code { "PUT /v1/campaigns/{id}" } ") if it does not name it yet." }
                li { "Start a build: the address is taken out of its cluster, paid, and listed above under " em { "Cleared on appeal" } "." }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_holds_no_data_and_no_inline_style_or_script() {
        let html = render().into_string();
        assert!(html.contains("id=\"signin-form\""));
        assert!(
            !html.contains(" style="),
            "CSP blocks inline style attributes"
        );
        assert!(!html.contains("<script>"), "CSP blocks inline scripts");
        assert!(
            html.contains("type=\"password\""),
            "the key is not shown as typed"
        );
    }
}
