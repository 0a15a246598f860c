//! Recipient endpoints backed by the store: sign-in nonces, wallet-signed sign-ups with
//! referral codes, bounty tasks, and wallet-signed submissions. No API key: ownership of a
//! wallet is proven by an EIP-4361 (Sign-In with Ethereum) message signed by it.

use crate::error::{ErrorBody, ServerError};
use crate::routes::{parse_address, JsonBody, PathParams};
use crate::siwe::{verify_signature, Expect, SiweMessage};
use crate::AppState;
use airdrop_store::{CampaignRow, NewSubmission, NonceUse, SignupRow, SubmissionRow, TaskRow};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::ToSchema;

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_token(bytes: usize) -> Result<String, ServerError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| ServerError::Internal(format!("no randomness: {e}")))?;
    Ok(alloy_primitives::hex::encode(b))
}

/// Ids in paths are slugs; anything else cannot name a campaign or task.
pub(crate) fn slug(kind: &str, id: &str) -> Result<(), ServerError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        let shown: String = id.chars().take(64).collect();
        return Err(ServerError::bad_request(
            "invalid_id",
            format!("{kind} id {shown:?} must be 1–64 letters, digits, '-' or '_'"),
        ));
    }
    Ok(())
}

/// The store campaign `id`, or 404.
pub(crate) async fn stored_campaign(
    state: &AppState,
    id: &str,
) -> Result<CampaignRow, ServerError> {
    slug("campaign", id)?;
    state.store()?.campaign(id).await?.ok_or_else(|| {
        ServerError::not_found(
            "unknown_campaign",
            format!("no campaign {id:?} takes sign-ups or submissions here; a creator makes one with POST /v1/campaigns"),
        )
    })
}

/// Refuses free text that holds a private key or a recovery phrase, anywhere in it (a key as
/// one token, a phrase as 12–24 consecutive words). The text is never logged or stored when
/// refused.
pub(crate) fn refuse_secrets(field: &str, text: &str) -> Result<(), ServerError> {
    // The one shared guard: a key or phrase anywhere in the text (URLs and URNs keep their
    // digests), the same rule the CLI and the build apply.
    let found = airdrop_merkle::address::find_secrets(text)
        .first()
        .map(|m| m.kind);
    if let Some(kind) = found {
        tracing::warn!(field, %kind, "refused a field that holds a secret");
        return Err(ServerError::bad_request(
            "secret_refused",
            format!("{field} looks like it holds a {kind}; it was refused and not stored. Never paste a {kind} anywhere: anyone who has it controls the wallet"),
        ));
    }
    Ok(())
}

/// A fresh single-use nonce for a sign-in message.
#[derive(Debug, Serialize, ToSchema)]
pub struct NonceResponse {
    /// Put this in the message's `Nonce:` line.
    pub nonce: String,
    /// Unix seconds after which the nonce is refused.
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
    /// Domains a message must name (the first line).
    pub domains: Vec<String>,
    /// URI prefixes a message's `URI:` must start with.
    pub uris: Vec<String>,
}

/// Issues a single-use nonce for an EIP-4361 sign-in message.
#[utoipa::path(
    get, path = "/v1/auth/nonce", tag = "recipients",
    responses((status = 200, body = NonceResponse), (status = 503, body = ErrorBody)),
)]
pub async fn auth_nonce(
    State(state): State<Arc<AppState>>,
) -> Result<Json<NonceResponse>, ServerError> {
    let db = state.store()?;
    let nonce = random_token(16)?;
    let t = now();
    let expires_at = t + state.sign_in.nonce_ttl_secs;
    db.insert_nonce(&nonce, t, expires_at).await?;
    Ok(Json(NonceResponse {
        nonce,
        expires_at,
        domains: state.sign_in.domains.clone(),
        uris: state.sign_in.uris.clone(),
    }))
}

/// A sign-up: an EIP-4361 message signed by the wallet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// The EIP-4361 message, exactly as signed.
    pub message: String,
    /// The wallet's signature (personal_sign), 0x-hex.
    pub signature: String,
    /// Another participant's referral code, if any.
    #[serde(rename = "referralCode")]
    pub referral_code: Option<String>,
}

/// A wallet's sign-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    /// Campaign id.
    pub campaign: String,
    /// The wallet, checksummed.
    pub address: String,
    /// This wallet's own code to share.
    #[serde(rename = "referralCode")]
    pub referral_code: String,
    /// Who referred it.
    #[serde(rename = "referredBy")]
    pub referred_by: Option<String>,
    /// Unix seconds.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
}

impl From<SignupRow> for SignupResponse {
    fn from(s: SignupRow) -> Self {
        SignupResponse {
            campaign: s.campaign,
            address: s.address,
            referral_code: s.referral_code,
            referred_by: s.referred_by,
            created_at: s.created,
        }
    }
}

fn unauthorized(code: &'static str, detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::UNAUTHORIZED,
        code,
        detail: detail.into(),
    }
}

/// Checks a signed sign-in message for `campaign` and spends its nonce: the whole proof that the
/// caller controls the wallet. Returns the message.
async fn signed_in(
    state: &AppState,
    campaign: &CampaignRow,
    message: &str,
    signature: &str,
) -> Result<SiweMessage, ServerError> {
    // Messages are stored with what they sign up for: never one holding a secret. The
    // evidence hash a submission lists is 32 bytes of hex by design, not a key.
    let free: String = message
        .lines()
        .filter(|l| !l.starts_with("- urn:airdrop:evidence:sha256:"))
        .collect::<Vec<_>>()
        .join("\n");
    refuse_secrets("message", &free)?;
    let msg = SiweMessage::parse(message)?;
    // Bound to this campaign: a signature for one campaign is not a sign-in to another.
    let bound = campaign_resource(&campaign.id);
    let task = format!("urn:airdrop:task:{}:", campaign.id);
    if !msg
        .resources
        .iter()
        .any(|r| *r == bound || r.starts_with(&task))
    {
        return Err(ServerError::bad_request(
            "unbound_signature",
            format!("the signed message must list resource {bound:?} so the signature covers this campaign"),
        ));
    }
    let t = now();
    msg.check(
        &Expect {
            domains: state.sign_in.domains.clone(),
            uris: state.sign_in.uris.clone(),
            chain_id: u64::try_from(campaign.chain_id).unwrap_or(0),
            max_age_secs: state.sign_in.max_age_secs,
        },
        t,
    )?;
    verify_signature(message, msg.address, signature, state.rpc.as_ref()).await?;
    match state.store()?.spend_nonce(&msg.nonce, t).await? {
        NonceUse::Spent => Ok(msg),
        NonceUse::Replayed => Err(unauthorized(
            "replayed",
            "this sign-in message was used already; get a new nonce from GET /v1/auth/nonce and sign again",
        )),
        NonceUse::Expired => Err(unauthorized(
            "expired",
            "the message's nonce has expired; get a new one from GET /v1/auth/nonce",
        )),
        NonceUse::Unknown => Err(unauthorized(
            "unknown_nonce",
            "this server did not issue the message's nonce; get one from GET /v1/auth/nonce",
        )),
    }
}

/// Referral code → the referrer's address (400 when unknown).
async fn referrer(
    state: &AppState,
    campaign: &str,
    code: Option<&str>,
    me: &str,
) -> Result<Option<String>, ServerError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    if code.len() > 32 || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ServerError::bad_request(
            "invalid_referral_code",
            "a referral code is up to 32 letters and digits",
        ));
    }
    let owner = state
        .store()?
        .signup_by_code(campaign, code)
        .await?
        .ok_or_else(|| {
            ServerError::bad_request(
                "unknown_referral_code",
                format!("no participant of campaign {campaign:?} has referral code {code:?}"),
            )
        })?;
    if owner.address == me {
        return Err(ServerError::bad_request(
            "self_referral",
            "a wallet cannot refer itself",
        ));
    }
    Ok(Some(owner.address))
}

/// Signs a wallet up for a campaign (exclusive airdrops). The message must name this server's
/// domain and URI, the campaign's chain id, a nonce from `GET /v1/auth/nonce` (single use), and
/// be within its validity window; the signature is checked by ECDSA or, for contract wallets,
/// EIP-1271 when the server has a node.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/signups", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    request_body = SignupRequest,
    responses(
        (status = 201, body = SignupResponse),
        (status = 400, description = "Malformed message, wrong domain/URI/chain, bad referral code", body = ErrorBody),
        (status = 401, description = "Bad signature; replayed, unknown or expired nonce; expired message", body = ErrorBody),
        (status = 403, description = "Sign-ups are closed", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The wallet signed up already", body = ErrorBody),
    ),
)]
pub async fn create_signup(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<SignupRequest>,
) -> Result<(StatusCode, Json<SignupResponse>), ServerError> {
    let campaign = stored_campaign(&state, &id).await?;
    if let Some(deadline) = campaign.signup_deadline {
        if now() >= deadline {
            return Err(ServerError::Api {
                status: StatusCode::FORBIDDEN,
                code: "signups_closed",
                detail: format!("sign-ups for campaign {id:?} closed at unix time {deadline}"),
            });
        }
    }
    let msg = signed_in(&state, &campaign, &req.message, &req.signature).await?;
    let address = msg.address.to_checksum(None);
    let db = state.store()?;
    if db.signup(&id, &address).await?.is_some() {
        return Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "already_signed_up",
            detail: format!("{address} signed up for campaign {id:?} already"),
        });
    }
    let referred_by = referrer(&state, &id, req.referral_code.as_deref(), &address).await?;
    let row = SignupRow {
        campaign: id.clone(),
        address: address.clone(),
        referral_code: random_token(5)?,
        referred_by,
        message: req.message,
        signature: req.signature,
        created: now(),
    };
    match db.insert_signup(&row).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(row.into()))),
        // Two sign-ups of one wallet raced; the other won.
        Err(airdrop_store::StoreError::Conflict { .. }) => Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "already_signed_up",
            detail: format!("{address} signed up for campaign {id:?} already"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Whether (and how) a wallet signed up.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/signups/{address}", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("address" = String, Path, description = "Wallet")),
    responses((status = 200, body = SignupResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn get_signup(
    State(state): State<Arc<AppState>>,
    PathParams((id, address)): PathParams<(String, String)>,
) -> Result<Json<SignupResponse>, ServerError> {
    let address = parse_address(&address)?.to_checksum(None);
    stored_campaign(&state, &id).await?;
    let s = state.store()?.signup(&id, &address).await?.ok_or_else(|| {
        ServerError::not_found(
            "not_signed_up",
            format!("{address} has not signed up for campaign {id:?}"),
        )
    })?;
    Ok(Json(s.into()))
}

/// A bounty task.
#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    /// Task id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What to do and what evidence to give.
    pub description: String,
    /// Points for an approved submission.
    pub points: i64,
    /// Points for the referrer of an approved submission.
    #[serde(rename = "referralPoints")]
    pub referral_points: i64,
}

impl From<TaskRow> for Task {
    fn from(t: TaskRow) -> Self {
        Task {
            id: t.id,
            title: t.title,
            description: t.description,
            points: t.points,
            referral_points: t.referral_points,
        }
    }
}

/// The bounty tasks of a campaign.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/tasks", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Vec<Task>), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn list_tasks(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
) -> Result<Json<Vec<Task>>, ServerError> {
    stored_campaign(&state, &id).await?;
    Ok(Json(
        state
            .store()?
            .tasks(&id)
            .await?
            .into_iter()
            .map(Task::from)
            .collect(),
    ))
}

/// A bounty submission, signed by the wallet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionRequest {
    /// What was done: an http(s) URL or up to 2,000 characters of text.
    pub evidence: String,
    /// An EIP-4361 message whose `Resources:` list `urn:airdrop:task:<campaign>:<task>` and
    /// `urn:airdrop:evidence:sha256:<hex of the evidence's SHA-256>`, binding the signature to
    /// this task and this evidence.
    pub message: String,
    /// The wallet's signature of `message`, 0x-hex.
    pub signature: String,
    /// A referral code (another participant's).
    #[serde(rename = "referralCode")]
    pub referral_code: Option<String>,
}

/// A submission and its review state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    /// Id.
    pub id: i64,
    /// Task id.
    pub task: String,
    /// The wallet.
    pub address: String,
    /// The evidence.
    pub evidence: String,
    /// Who referred it.
    #[serde(rename = "referredBy")]
    pub referred_by: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The reviewer's reason (always given for a rejection).
    pub reason: Option<String>,
    /// Unix seconds.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Unix seconds.
    #[serde(rename = "reviewedAt")]
    pub reviewed_at: Option<i64>,
}

impl From<SubmissionRow> for Submission {
    fn from(s: SubmissionRow) -> Self {
        Submission {
            id: s.id,
            task: s.task,
            address: s.address,
            evidence: s.evidence,
            referred_by: s.referred_by,
            status: s.status.as_str().to_owned(),
            reason: s.reason,
            created_at: s.created,
            reviewed_at: s.reviewed,
        }
    }
}

/// The resource every sign-in message for `campaign` lists (sign-ups and submissions).
pub fn campaign_resource(campaign: &str) -> String {
    format!("urn:airdrop:campaign:{campaign}")
}

/// The resources a submission's message must list (besides [`campaign_resource`]).
pub fn submission_resources(campaign: &str, task: &str, evidence: &str) -> [String; 2] {
    [
        format!("urn:airdrop:task:{campaign}:{task}"),
        format!(
            "urn:airdrop:evidence:sha256:{}",
            alloy_primitives::hex::encode(Sha256::digest(evidence.as_bytes()))
        ),
    ]
}

/// Submits evidence for a bounty task. One submission per task per wallet.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/tasks/{task}/submissions", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("task" = String, Path, description = "Task id")),
    request_body = SubmissionRequest,
    responses(
        (status = 201, body = Submission),
        (status = 400, description = "Bad evidence (or a secret in it), malformed message, message not bound to this task and evidence", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "This wallet submitted for this task already", body = ErrorBody),
    ),
)]
pub async fn create_submission(
    State(state): State<Arc<AppState>>,
    PathParams((id, task)): PathParams<(String, String)>,
    JsonBody(req): JsonBody<SubmissionRequest>,
) -> Result<(StatusCode, Json<Submission>), ServerError> {
    let campaign = stored_campaign(&state, &id).await?;
    slug("task", &task)?;
    let db = state.store()?;
    db.task(&id, &task).await?.ok_or_else(|| {
        ServerError::not_found(
            "unknown_task",
            format!(
                "campaign {id:?} has no task {task:?}; GET /v1/campaigns/{id}/tasks lists them"
            ),
        )
    })?;
    let evidence = req.evidence.trim();
    refuse_secrets("evidence", evidence)?;
    if evidence.is_empty() || evidence.chars().count() > 2000 {
        return Err(ServerError::bad_request(
            "invalid_evidence",
            "evidence must be an http(s) URL or 1–2,000 characters of text",
        ));
    }
    let msg = SiweMessage::parse(&req.message)?;
    let need = submission_resources(&id, &task, evidence);
    if let Some(missing) = need.iter().find(|r| !msg.resources.contains(r)) {
        return Err(ServerError::bad_request(
            "unbound_signature",
            format!("the signed message must list resource {missing:?} so the signature covers this task and this evidence"),
        ));
    }
    let msg = signed_in(&state, &campaign, &req.message, &req.signature).await?;
    let address = msg.address.to_checksum(None);
    let referred_by = referrer(&state, &id, req.referral_code.as_deref(), &address).await?;
    let row = db
        .insert_submission(&NewSubmission {
            campaign: id.clone(),
            task: task.clone(),
            address: address.clone(),
            evidence: evidence.to_owned(),
            referred_by,
            created: now(),
        })
        .await
        .map_err(|e| match e {
            airdrop_store::StoreError::Conflict { .. } => ServerError::Api {
                status: StatusCode::CONFLICT,
                code: "already_submitted",
                detail: format!("{address} submitted for task {task:?} already; see GET /v1/campaigns/{id}/wallets/{address}/submissions"),
            },
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// A wallet's submissions in a campaign, with their review state.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/wallets/{address}/submissions", tag = "recipients",
    params(("id" = String, Path, description = "Campaign id"), ("address" = String, Path, description = "Wallet")),
    responses((status = 200, body = Vec<Submission>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn wallet_submissions(
    State(state): State<Arc<AppState>>,
    PathParams((id, address)): PathParams<(String, String)>,
) -> Result<Json<Vec<Submission>>, ServerError> {
    let address = parse_address(&address)?.to_checksum(None);
    stored_campaign(&state, &id).await?;
    Ok(Json(
        state
            .store()?
            .submissions_of(&id, &address)
            .await?
            .into_iter()
            .map(Submission::from)
            .collect(),
    ))
}
