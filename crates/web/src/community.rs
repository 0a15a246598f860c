//! `/signup/{campaign}` and `/tasks/{campaign}`: sign-ups with Sign-In with Ethereum and the
//! bounty board. Both show their data without JavaScript (the campaign, whether sign-ups are
//! open, a wallet's sign-up, the tasks and a wallet's submissions with their review state);
//! `signup.js` and `tasks.js` add the wallet signature the API requires.

use crate::assets::{SIGNUP, TASKS};
use crate::layout::{page, Frame, Safety};
use maud::{html, Markup, PreEscaped};

/// A store campaign as the community pages show it.
#[derive(Debug, Clone)]
pub struct CommunityCampaign {
    /// URL id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The chain sign-in messages must name.
    pub chain_id: u64,
    /// When sign-ups close (RFC 3339), if they do.
    pub deadline: Option<String>,
    /// Whether sign-ups are closed now.
    pub closed: bool,
}

/// A wallet's sign-up.
#[derive(Debug, Clone)]
pub struct SignupInfo {
    /// The wallet (EIP-55).
    pub address: String,
    /// Its own referral code.
    pub referral_code: String,
    /// Who referred it.
    pub referred_by: Option<String>,
}

/// Everything the sign-up page shows.
#[derive(Debug, Clone)]
pub struct SignupView {
    /// The campaign.
    pub campaign: CommunityCampaign,
    /// `?ref=`: a referral code to prefill (only letters and digits are kept).
    pub referral: String,
    /// `?address=`: whose sign-up to show; `Err` with a message when it is not an address.
    pub address: Option<Result<String, String>>,
    /// That wallet's sign-up, when it has one.
    pub signup: Option<SignupInfo>,
}

/// One bounty task.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// Task id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What to do.
    pub description: String,
    /// Points when approved.
    pub points: i64,
}

/// One of a wallet's submissions.
#[derive(Debug, Clone)]
pub struct SubmissionInfo {
    /// The task.
    pub task: String,
    /// The evidence as submitted.
    pub evidence: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// A rejection's reason.
    pub reason: Option<String>,
}

/// Everything the task board shows.
#[derive(Debug, Clone)]
pub struct TasksView {
    /// The campaign.
    pub campaign: CommunityCampaign,
    /// The tasks.
    pub tasks: Vec<TaskInfo>,
    /// `?address=`: whose submissions to show.
    pub address: Option<Result<String, String>>,
    /// That wallet's submissions.
    pub submissions: Vec<SubmissionInfo>,
}

/// The JSON block the scripts read: ids, digits and booleans only, `<` escaped.
fn data(c: &CommunityCampaign) -> PreEscaped<String> {
    let v = serde_json::json!({ "campaign": c.id, "chainId": c.chain_id, "closed": c.closed });
    PreEscaped(v.to_string().replace('<', "\\u003c"))
}

fn address_form(action: &str, address: Option<&Result<String, String>>) -> Markup {
    let value = match address {
        Some(Ok(a)) => a.as_str(),
        _ => "",
    };
    html! {
        form #lookup method="get" action=(action) novalidate {
            label for="address" { "Your address" }
            p #address-help .hint { "0x followed by 40 hex digits, to see your own state. Never a recovery phrase or private key." }
            input #address name="address" type="text" autocomplete="off" spellcheck="false" aria-describedby="address-help" value=(value);
            div.actions { button type="submit" { "Show" } }
        }
        @if let Some(Err(msg)) = address { p.msg.bad #result role="alert" { (msg) } }
    }
}

/// The sign-up page.
pub fn signup(v: &SignupView) -> Markup {
    let c = &v.campaign;
    let title = format!("Sign up: {}", c.name);
    let frame = Frame {
        title: &title,
        section: "signup",
        scripts: &[&SIGNUP],
        safety: Safety {
            distributor: None,
            chain_id: Some(c.chain_id),
        },
    };
    page(
        &frame,
        html! {
            @if c.closed {
                p.msg.warn #state { "Sign-ups for this campaign are closed"
                    @if let Some(d) = &c.deadline { " (they closed at " (d) ")" } "." }
            } @else {
                p #state { "Sign-ups are open"
                    @if let Some(d) = &c.deadline { " until " (d) } ". You sign a message with your wallet (Sign-In with Ethereum, chain " (c.chain_id) "): it costs nothing and sends no transaction." }
            }
            @if let Some(s) = &v.signup {
                div.msg.ok #signed-up {
                    p { code.addr { (s.address) } " is signed up." }
                    p { "Your referral code: " strong #referral-code { (s.referral_code) }
                        ". Share the link " code #referral-link { "/signup/" (c.id) "?ref=" (s.referral_code) } "." }
                    @if let Some(r) = &s.referred_by { p { "Referred by " code.addr { (r) } "." } }
                }
            } @else if let Some(Ok(a)) = &v.address {
                p.msg #signed-up { code.addr { (a) } " has not signed up yet." }
            }
            @if !c.closed {
                form #signup-form novalidate {
                    label for="referral" { "Referral code (optional)" }
                    input #referral name="ref" type="text" autocomplete="off" spellcheck="false" value=(v.referral);
                    div.actions { button #signup type="submit" disabled { "Sign up with your wallet" } }
                    p.hint #js-hint { "Signing up needs a wallet and JavaScript." }
                }
            }
            div #status .msg role="status" aria-live="polite" hidden {}
            (address_form(&format!("/signup/{}", c.id), v.address.as_ref()))
            p { a href={ "/tasks/" (c.id) } { "The campaign's tasks" } }
            script #signup-data type="application/json" { (data(c)) }
        },
    )
}

/// The task board.
pub fn tasks(v: &TasksView) -> Markup {
    let c = &v.campaign;
    let title = format!("Tasks: {}", c.name);
    let frame = Frame {
        title: &title,
        section: "tasks",
        scripts: &[&TASKS],
        safety: Safety {
            distributor: None,
            chain_id: Some(c.chain_id),
        },
    };
    page(
        &frame,
        html! {
            @if v.tasks.is_empty() { p #tasks { "No tasks yet." } }
            @for t in &v.tasks {
                section.panel.task aria-labelledby={ "task-" (t.id) } {
                    h2 id={ "task-" (t.id) } { (t.title) " " span.hint { "(" (t.points) " points)" } }
                    p { (t.description) }
                    @let mine: Vec<&SubmissionInfo> = v.submissions.iter().filter(|s| s.task == t.id).collect();
                    @for s in &mine {
                        p class={ "msg submission " (tone(&s.status)) } data-task=(t.id) {
                            "Your submission is " strong { (s.status) } ": " (s.evidence)
                            @if let Some(r) = &s.reason {
                                @if s.status == "rejected" { ". Reason: " } @else { ". Reviewer's note: " }
                                (r)
                            }
                        }
                    }
                    @if mine.is_empty() {
                        form.submit-task data-task=(t.id) novalidate {
                            label for={ "evidence-" (t.id) } { "Evidence (a link or a short note)" }
                            textarea id={ "evidence-" (t.id) } name="evidence" rows="2" {}
                            div.actions { button type="submit" disabled { "Submit with your wallet" } }
                        }
                    }
                }
            }
            div #status .msg role="status" aria-live="polite" hidden {}
            (address_form(&format!("/tasks/{}", c.id), v.address.as_ref()))
            p { a href={ "/signup/" (c.id) } { "Sign up for this campaign" } }
            script #tasks-data type="application/json" { (data(c)) }
        },
    )
}

fn tone(status: &str) -> &'static str {
    match status {
        "approved" => "ok",
        "rejected" => "bad",
        _ => "warn",
    }
}
