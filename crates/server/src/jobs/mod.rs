//! Creator work that takes time, as jobs: source files are uploaded into the store; a
//! `snapshot` job takes a chain snapshot over the server's node and stores the result as a
//! source file of the campaign; a `build` job builds the campaign's spec and files (chain
//! sources in the spec are snapshotted by the build itself) and records the bundle; a `publish`
//! job loads the last built bundle into memory and records it in the store, so every instance
//! sharing the store serves it.
//!
//! Snapshots and builds run in this process, through the engine ([`airdrop_engine`]), on the
//! blocking pool (see `run`). Progress is in the store, so any instance can stream it over
//! Server-Sent Events; the instance running a job also streams every row it writes as it
//! writes it (see `live`).

mod bundle;
mod live;
mod run;

pub use bundle::{clean_job_folders, sync_published};

use crate::auth::Caller;
use crate::confine::upload_name;
use crate::error::{ErrorBody, ServerError};
use crate::extract::{JsonBody, PathParams};
use crate::shared::{now, refused, stored_campaign};
use crate::AppState;
use airdrop_store::{JobRow, JobState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::Stream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// Where jobs keep their work, and what runs them.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Folder for job inputs and bundles (shared storage when several instances publish).
    pub data_dir: PathBuf,
    runner: run::Runner,
}

impl JobConfig {
    /// Jobs working under `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        JobConfig {
            data_dir,
            runner: run::Runner::default(),
        }
    }

    /// Asks every running job (and any started from now on) to stop at its next safe point:
    /// the server is shutting down. Each ends `failed`, saying so, its folder removed.
    pub fn cancel_all(&self) {
        self.runner.cancel.cancel();
    }

    /// Waits until no job runs on this instance, at most `wait`; false when some still do.
    pub async fn drained(&self, wait: Duration) -> bool {
        let until = tokio::time::Instant::now() + wait;
        while self
            .runner
            .running
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
        {
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }
}

/// A stored source file.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileInfo {
    /// Name, as the spec's `file = "…"` gives it.
    pub name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
}

/// Uploads (or replaces) a source file of the campaign: the body is the file.
#[utoipa::path(
    put, path = "/v1/campaigns/{id}/files/{name}", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id"), ("name" = String, Path, description = "File name as the spec names it")),
    request_body(content = String, content_type = "application/octet-stream"),
    responses((status = 201, body = FileInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)),
)]
pub async fn upload_file(
    State(state): State<Arc<AppState>>,
    PathParams((id, name)): PathParams<(String, String)>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<FileInfo>), ServerError> {
    let body = body.map_err(|r| {
        let status = r.status();
        ServerError::Api {
            status,
            code: if status == StatusCode::PAYLOAD_TOO_LARGE {
                "body_too_large"
            } else {
                "bad_body"
            },
            detail: r.body_text(),
        }
    })?;
    caller.require("admin")?;
    stored_campaign(&state, &id).await?;
    upload_name(&name)?;
    if body.is_empty() {
        return Err(ServerError::bad_request(
            "empty_file",
            format!("{name} is empty"),
        ));
    }
    // Secrets in a data file: a keystore anywhere in it, a key or a phrase within a line.
    if let Ok(text) = std::str::from_utf8(&body) {
        guard_upload(text).map_err(|(line, e)| match line {
            0 => refused(&name, &e),
            n => refused(&format!("{name} line {n}"), &e),
        })?;
    }
    let sha = alloy_primitives::hex::encode(Sha256::digest(&body));
    state
        .store()?
        .put_file(&id, &name, &body, &sha, now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(FileInfo {
            name,
            sha256: sha,
            size: body.len() as i64,
        }),
    ))
}

/// The key guard over an uploaded text file. A `[sybil]` edges file (a CSV whose header has
/// `from`, `to` and `tx`) holds transaction hashes, 64 hex digits shaped like a private key, so
/// its `tx` column is left out, as the CLI leaves edges files out; every other cell is guarded.
fn guard_upload(text: &str) -> Result<(), (usize, airdrop_merkle::guard::SecretRefused)> {
    use airdrop_merkle::guard::{guard, guard_keystore};
    let header: Vec<String> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let has = |c: &str| header.iter().any(|h| h == c);
    let Some(tx) = header.iter().position(|h| h == "tx") else {
        return airdrop_merkle::guard::guard_lines(text);
    };
    if !(has("from") && has("to")) {
        return airdrop_merkle::guard::guard_lines(text);
    }
    guard_keystore(text).map_err(|e| (0, e))?;
    for (i, line) in text.lines().enumerate() {
        let kept: Vec<&str> = line
            .split(',')
            .enumerate()
            .map(|(j, cell)| if j == tx { "" } else { cell })
            .collect();
        guard(&kept.join(",")).map_err(|e| (i + 1, e))?;
    }
    Ok(())
}

/// The campaign's source files.
#[utoipa::path(
    get, path = "/v1/campaigns/{id}/files", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Vec<FileInfo>), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn list_files(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
) -> Result<Json<Vec<FileInfo>>, ServerError> {
    caller.require("reviewer")?;
    stored_campaign(&state, &id).await?;
    Ok(Json(
        state
            .store()?
            .file_list(&id)
            .await?
            .into_iter()
            .map(|(name, sha256, size)| FileInfo { name, sha256, size })
            .collect(),
    ))
}

/// What to run.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// `snapshot` (who held what at a block, over the server's node → a source file), `build`
    /// (spec + files → bundle; chain sources in the spec are snapshotted by the build) or
    /// `publish` (serve the last built bundle's claims).
    pub kind: String,
    /// For `snapshot`: what to take.
    pub snapshot: Option<SnapshotJob>,
}

/// A snapshot to take (the options of `airdrop snapshot`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotJob {
    /// `erc20-balances`, `erc721-holders`, `native-balances` or `contract-users`.
    pub kind: String,
    /// The token (ERC-20 / ERC-721 kinds).
    pub token: Option<String>,
    /// The block (number), or the latest when absent.
    pub block: Option<u64>,
    /// First block to scan (default: the token's deploy block).
    #[serde(rename = "fromBlock")]
    pub from_block: Option<u64>,
    /// Smallest balance kept, base units.
    pub min: Option<String>,
    /// For `native-balances`: a stored file listing the addresses.
    pub addresses: Option<String>,
    /// The source file to write (as the spec's `file = "…"` names it), e.g. `holders.csv`.
    pub file: String,
}

/// A job and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobStatus {
    /// Id.
    pub id: String,
    /// `build` or `publish`.
    pub kind: String,
    /// Campaign id.
    pub campaign: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Steps done.
    pub done: i64,
    /// Steps in all (an estimate while running).
    pub total: i64,
    /// Last progress line, or the result, or the error.
    pub message: String,
    /// Unix seconds.
    #[serde(rename = "updatedAt")]
    pub updated_at: i64,
}

impl From<JobRow> for JobStatus {
    fn from(j: JobRow) -> Self {
        JobStatus {
            id: j.id,
            kind: j.kind,
            campaign: j.campaign,
            state: j.state.as_str().into(),
            done: j.done,
            total: j.total,
            message: j.message,
            updated_at: j.updated,
        }
    }
}

fn jobs_config(state: &AppState) -> Result<&JobConfig, ServerError> {
    state.jobs.as_ref().ok_or_else(|| ServerError::Api {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "jobs_disabled",
        detail: "this server runs no jobs; start it with --data-dir".into(),
    })
}

/// Starts a job; follow it with `GET /v1/jobs/{id}/events`.
#[utoipa::path(
    post, path = "/v1/campaigns/{id}/jobs", tag = "creators", security(("api_key" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = JobRequest,
    responses((status = 202, body = JobStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "Nothing built to publish", body = ErrorBody), (status = 503, body = ErrorBody)),
)]
pub async fn create_job(
    State(state): State<Arc<AppState>>,
    PathParams(id): PathParams<String>,
    caller: Caller,
    JsonBody(req): JsonBody<JobRequest>,
) -> Result<(StatusCode, Json<JobStatus>), ServerError> {
    caller.require("admin")?;
    stored_campaign(&state, &id).await?;
    state.refuse_pinned(&id)?;
    jobs_config(&state)?;
    let db = state.store()?;
    if !matches!(req.kind.as_str(), "snapshot" | "build" | "publish") {
        return Err(ServerError::bad_request(
            "invalid_job",
            format!(
                "job kind {:?} is not snapshot, build or publish",
                req.kind.chars().take(40).collect::<String>()
            ),
        ));
    }
    let snapshot = match (req.kind.as_str(), &req.snapshot) {
        ("snapshot", None) => {
            return Err(ServerError::bad_request(
                "invalid_job",
                "a snapshot job needs \"snapshot\": {kind, token, block, file}",
            ))
        }
        ("snapshot", Some(s)) => Some(check_snapshot(&state, s)?),
        (_, Some(_)) => {
            return Err(ServerError::bad_request(
                "invalid_job",
                "\"snapshot\" belongs to snapshot jobs only",
            ))
        }
        (_, None) => None,
    };
    if req.kind == "publish" && db.last_job(&id, "build", JobState::Done).await?.is_none() {
        return Err(ServerError::Api {
            status: StatusCode::CONFLICT,
            code: "nothing_built",
            detail: format!("campaign {id:?} has no finished build; run a build job first"),
        });
    }
    let mut token = [0u8; 8];
    getrandom::fill(&mut token)
        .map_err(|e| ServerError::Internal(format!("no randomness: {e}")))?;
    let t = now();
    let job = JobRow {
        id: format!("job_{}", alloy_primitives::hex::encode(token)),
        kind: req.kind.clone(),
        campaign: id,
        state: JobState::Queued,
        done: 0,
        total: if req.kind == "publish" { 2 } else { 3 },
        message: "queued".into(),
        // A snapshot job carries its parameters until it has a result.
        output: snapshot.map(|s| serde_json::to_string(&s).unwrap_or_default()),
        created: t,
        updated: t,
    };
    db.put_job(&job).await?;
    run::spawn(state.clone(), job.clone());
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// Checks a snapshot job's options before it is queued.
fn check_snapshot(state: &AppState, s: &SnapshotJob) -> Result<SnapshotJob, ServerError> {
    if state.rpc.is_none() {
        return Err(ServerError::Api {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "no_node",
            detail: "snapshots need the server to have a node: start it with --rpc-url".into(),
        });
    }
    if !matches!(
        s.kind.as_str(),
        "erc20-balances" | "erc721-holders" | "native-balances" | "contract-users"
    ) {
        return Err(ServerError::bad_request(
            "invalid_job",
            "snapshot kind must be erc20-balances, erc721-holders, native-balances or contract-users",
        ));
    }
    upload_name(&s.file)?;
    if let Some(a) = &s.addresses {
        upload_name(a)?;
    }
    if let Some(t) = &s.token {
        crate::extract::parse_address(t)?;
    }
    if let Some(m) = &s.min {
        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServerError::bad_request(
                "invalid_number",
                "min must be a non-negative integer (base units)",
            ));
        }
    }
    Ok(s.clone())
}

/// A job's status.
#[utoipa::path(
    get, path = "/v1/jobs/{job}", tag = "creators", security(("api_key" = [])),
    params(("job" = String, Path, description = "Job id")),
    responses((status = 200, body = JobStatus), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn get_job(
    State(state): State<Arc<AppState>>,
    PathParams(job): PathParams<String>,
    caller: Caller,
) -> Result<Json<JobStatus>, ServerError> {
    caller.require("reviewer")?;
    Ok(Json(find_job(&state, &job).await?.into()))
}

/// How often a running job tells the store it is alive.
const JOB_HEARTBEAT: Duration = Duration::from_secs(5);
/// A queued or running job not heard from for this long lost its instance (killed, crashed,
/// restarted): it is reported as failed rather than running for ever.
pub const JOB_LEASE_SECS: i64 = 30;

/// Reads a job, first failing it (and any other) if its instance stopped heartbeating.
async fn read_job(db: &airdrop_store::Db, id: &str) -> Result<Option<JobRow>, ServerError> {
    let row = db.job(id).await?;
    let t = now();
    match row {
        Some(r) if !r.state.is_finished() && t - r.updated > JOB_LEASE_SECS => {
            let failed = db
                .fail_stale_jobs(
                    t - JOB_LEASE_SECS,
                    &format!(
                        "abandoned: the server instance running this job stopped (no heartbeat \
                         for over {JOB_LEASE_SECS} s); start the job again"
                    ),
                    t,
                )
                .await?;
            tracing::warn!(job = %id, failed, "failed jobs whose instance stopped");
            Ok(db.job(id).await?)
        }
        other => Ok(other),
    }
}

async fn heartbeat(state: Arc<AppState>, id: String) {
    loop {
        tokio::time::sleep(JOB_HEARTBEAT).await;
        if let Ok(db) = state.store() {
            if let Err(e) = db.touch_job(&id, now()).await {
                tracing::warn!(job = %id, error = %e, "cannot record job heartbeat");
            }
        }
    }
}

async fn find_job(state: &AppState, job: &str) -> Result<JobRow, ServerError> {
    let unknown = || {
        ServerError::not_found(
            "unknown_job",
            format!("no job {:?}", job.chars().take(40).collect::<String>()),
        )
    };
    if job.len() > 40 {
        return Err(unknown());
    }
    read_job(state.store()?, job).await?.ok_or_else(unknown)
}

/// One Server-Sent Event of a job's stream, as a client reads it off the wire: the event's
/// name and its data line. Documentation only: the stream is written by axum's `Sse`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub(crate) struct JobEvent {
    /// `progress` for each change, then `done` or `failed` once.
    #[schema(example = "progress")]
    event: String,
    /// The job as JSON (the body of `GET /v1/jobs/{job}`).
    data: String,
}

/// A job's progress as Server-Sent Events: one `progress` event per change (data: the job as
/// JSON), ending with a `done` or `failed` event.
#[utoipa::path(
    get, path = "/v1/jobs/{job}/events", tag = "creators", security(("api_key" = [])),
    params(("job" = String, Path, description = "Job id")),
    responses((status = 200, content_type = "text/event-stream", body = JobEvent, description = "One schema per event: its name and its data line"), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn job_events(
    State(state): State<Arc<AppState>>,
    PathParams(job): PathParams<String>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>>, ServerError> {
    caller.require("reviewer")?;
    let first = find_job(&state, &job).await?;
    // The instance running the job hands over every row it writes; any other polls the store.
    let (pending, live) = match state
        .jobs
        .as_ref()
        .and_then(|c| c.runner.live.subscribe(&job))
    {
        Some((rows, rx)) if !rows.is_empty() => (rows.into(), rx),
        Some((_, rx)) => (VecDeque::from([first]), rx),
        None => (VecDeque::from([first]), None),
    };
    let stream = futures::stream::unfold(
        Follow {
            state,
            job,
            live,
            last: None,
            finished: false,
            pending,
        },
        |mut f| async move {
            if f.finished {
                return None;
            }
            loop {
                let row = f.next_row().await?;
                let key = (row.state, row.done, row.message.clone());
                if f.last.as_ref() == Some(&key) {
                    continue;
                }
                let end = row.state.is_finished();
                let name = if end { row.state.as_str() } else { "progress" };
                let data = serde_json::to_string(&JobStatus::from(row)).unwrap_or_default();
                let event = Event::default().event(name).data(data);
                f.last = Some(key);
                f.finished = end;
                return Some((Ok(event), f));
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// An event stream's place in a job.
struct Follow {
    state: Arc<AppState>,
    job: String,
    /// The rows as this instance writes them, when it runs the job.
    live: Option<tokio::sync::broadcast::Receiver<JobRow>>,
    last: Option<(JobState, i64, String)>,
    finished: bool,
    /// Rows to send before waiting for more.
    pending: VecDeque<JobRow>,
}

impl Follow {
    /// The next row: the rows so far, then each one this instance writes, or else the
    /// store's every 200 ms. None when the job is gone.
    async fn next_row(&mut self) -> Option<JobRow> {
        if let Some(r) = self.pending.pop_front() {
            return Some(r);
        }
        if let Some(rx) = &mut self.live {
            loop {
                match rx.recv().await {
                    Ok(row) => return Some(row),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
            self.live = None;
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        read_job(self.state.store().ok()?, &self.job).await.ok()?
    }
}

/// Source files, jobs and their events. Uploads carry their own body limit, which overrides the
/// API's smaller one.
pub(crate) fn router(upload_limit: usize) -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    let uploads = utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(upload_file))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list_files))
        .routes(utoipa_axum::routes!(create_job))
        .routes(utoipa_axum::routes!(get_job))
        .routes(utoipa_axum::routes!(job_events))
        .merge(uploads)
}

#[cfg(test)]
mod tests {
    use super::guard_upload;

    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const ADDR: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

    #[test]
    fn an_edges_file_keeps_its_transaction_hashes_and_nothing_else() {
        let edges = format!(
            "from,to,asset,amount,block,timestamp,tx\n{ADDR},{ADDR},native,1,9,100,{KEY}\n"
        );
        assert!(guard_upload(&edges).is_ok());
        // The same value in any other column, or in a file without the edges header, is refused.
        let from =
            format!("from,to,asset,amount,block,timestamp,tx\n{KEY},{ADDR},native,1,9,100,{KEY}\n");
        assert_eq!(guard_upload(&from).map_err(|(line, _)| line), Err(2));
        let list = format!("address,tx\n{ADDR},{KEY}\n");
        assert_eq!(guard_upload(&list).map_err(|(line, _)| line), Err(2));
    }
}
