//! Creator work that takes time, as jobs: source files are uploaded into the store; a
//! `snapshot` job runs `airdrop snapshot` over the server's node and stores the result as a
//! source file of the campaign; a `build` job runs `airdrop build` on the campaign's spec and
//! files (chain sources in the spec are snapshotted by the build itself) and records the bundle; a `publish` job loads the last built bundle into
//! memory and records it in the store, so every instance sharing the store serves it. Progress
//! is in the store, so any instance can stream it over Server-Sent Events.

use crate::auth::Caller;
use crate::campaign::Campaign;
use crate::community::{now, refuse_secrets, slug, stored_campaign};
use crate::confine::{self, plain_name, upload_name};
use crate::error::{ErrorBody, ServerError};
use crate::routes::{JsonBody, PathParams};
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
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use utoipa::ToSchema;

/// Where jobs keep their work, and how builds run.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Folder for job inputs and bundles (shared storage when several instances publish).
    pub data_dir: PathBuf,
    /// The `airdrop` binary that runs builds.
    pub builder: PathBuf,
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
    // Secrets in a data file: check text files line by line (cheap on the sizes uploaded).
    if let Ok(text) = std::str::from_utf8(&body) {
        for line in text.lines().take(1_000_000) {
            refuse_secrets(&name, line)?;
        }
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
        ("snapshot", Some(s)) => {
            if state.rpc.is_none() {
                return Err(ServerError::Api {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "no_node",
                    detail: "snapshots need the server to have a node: start it with --rpc-url"
                        .into(),
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
                crate::routes::parse_address(t)?;
            }
            if let Some(m) = &s.min {
                if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ServerError::bad_request(
                        "invalid_number",
                        "min must be a non-negative integer (base units)",
                    ));
                }
            }
            Some(s.clone())
        }
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
    tokio::spawn(run_job(state.clone(), job.clone()));
    Ok((StatusCode::ACCEPTED, Json(job.into())))
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

/// A job's progress as Server-Sent Events: one `progress` event per change (data: the job as
/// JSON), ending with a `done` or `failed` event.
#[utoipa::path(
    get, path = "/v1/jobs/{job}/events", tag = "creators", security(("api_key" = [])),
    params(("job" = String, Path, description = "Job id")),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 400, description = "A path parameter that does not parse", body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
)]
pub async fn job_events(
    State(state): State<Arc<AppState>>,
    PathParams(job): PathParams<String>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>>, ServerError> {
    caller.require("reviewer")?;
    let first = find_job(&state, &job).await?;
    // Polls the store (any instance may run the job) and emits each change once.
    let stream = futures::stream::unfold(
        (
            state,
            job,
            None::<(JobState, i64, String)>,
            false,
            Some(first),
        ),
        |(state, job, last, finished, pending)| async move {
            if finished {
                return None;
            }
            let mut pending = pending;
            loop {
                let row = match pending.take() {
                    Some(r) => r,
                    None => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        match read_job(state.store().ok()?, &job).await {
                            Ok(Some(r)) => r,
                            _ => return None,
                        }
                    }
                };
                let key = (row.state, row.done, row.message.clone());
                if last.as_ref() == Some(&key) {
                    continue;
                }
                let end = row.state.is_finished();
                let name = if end { row.state.as_str() } else { "progress" };
                let data = serde_json::to_string(&JobStatus::from(row)).unwrap_or_default();
                let event = Event::default().event(name).data(data);
                return Some((Ok(event), (state, job, Some(key), end, None)));
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn update(state: &AppState, job: &mut JobRow, st: JobState, done: i64, message: String) {
    job.state = st;
    job.done = done;
    // Any key may read a job's message: never a folder of this server in it.
    job.message = match &state.jobs {
        Some(cfg) => confine::scrub(&message, &[cfg.data_dir.as_path()]),
        None => message,
    };
    job.updated = now();
    if let Ok(db) = state.store() {
        if let Err(e) = db.put_job(job).await {
            tracing::error!(job = %job.id, error = %e, "cannot record job progress");
        }
    }
}

async fn run_job(state: Arc<AppState>, mut job: JobRow) {
    state.metrics.jobs_running.inc();
    update(&state, &mut job, JobState::Running, 0, "started".into()).await;
    // In a JoinSet so that the heartbeat stops when this task ends however it ends (dropping
    // the set aborts it, on a panic too): a job must never look alive after its worker is gone.
    let mut alive = tokio::task::JoinSet::new();
    alive.spawn(heartbeat(state.clone(), job.id.clone()));
    let result = match job.kind.as_str() {
        "snapshot" => snapshot(&state, &mut job).await,
        "build" => build(&state, &mut job).await,
        _ => publish(&state, &mut job).await,
    };
    alive.abort_all();
    state.metrics.jobs_running.dec();
    state
        .metrics
        .jobs
        .get_or_create(&crate::metrics::JobLabels {
            kind: job.kind.clone(),
            state: if result.is_ok() {
                JobState::Done
            } else {
                JobState::Failed
            }
            .as_str()
            .into(),
        })
        .inc();
    match result {
        Ok(message) => {
            let total = job.total;
            update(&state, &mut job, JobState::Done, total, message).await
        }
        Err(e) => {
            let done = job.done;
            update(&state, &mut job, JobState::Failed, done, e).await
        }
    }
}

/// What the child printed last, at most this many bytes: an error line can be as long as the
/// file it quotes.
const STDERR_TAIL: usize = 8 * 1024;

/// A job's own folder under the data dir, created new (a job id is fresh randomness), so that
/// removing it afterwards removes only what this job wrote.
struct JobDir(PathBuf);

impl JobDir {
    async fn create(cfg: &JobConfig, campaign: &str, job: &str) -> Result<JobDir, String> {
        let parent = cfg.data_dir.join(campaign);
        tokio::fs::create_dir_all(&parent).await.map_err(|e| {
            format!(
                "cannot create the job's folder under the data dir: {}",
                e.kind()
            )
        })?;
        let dir = parent.join(job);
        tokio::fs::create_dir(&dir).await.map_err(|e| {
            format!(
                "cannot create the job's folder under the data dir: {}",
                e.kind()
            )
        })?;
        Ok(JobDir(dir))
    }

    async fn remove(self) {
        if let Err(e) = tokio::fs::remove_dir_all(&self.0).await {
            tracing::warn!(dir = %self.0.display(), error = %e, "cannot remove a finished job's folder");
        }
    }
}

/// Runs `airdrop` with `args`; returns its stdout, or on failure the gist of the last line it
/// printed (see [`confine::gist`]: no quoted values, no file text, no server folders).
async fn run_airdrop(
    job: &JobRow,
    builder: &std::path::Path,
    args: &[std::ffi::OsString],
    dirs: &[&std::path::Path],
    known: &[String],
) -> Result<Vec<u8>, String> {
    let mut child = tokio::process::Command::new(builder)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            tracing::error!(job = %job.id, error = %e, "cannot start the airdrop binary");
            "cannot start the build tool on this server; see the server log".to_owned()
        })?;
    let watchdog = child.id().and_then(orphan_watchdog);
    let mut tail = Vec::new();
    let stderr = child.stderr.take();
    let read_err = async {
        if let Some(mut err) = stderr {
            let mut buf = vec![0u8; 8192];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 2 * STDERR_TAIL {
                    tail.drain(..tail.len() - STDERR_TAIL);
                }
            }
        }
    };
    let stdout = child.stdout.take();
    let read_out = async {
        let mut out = Vec::new();
        if let Some(mut o) = stdout {
            let _ = o.read_to_end(&mut out).await;
        }
        out
    };
    let ((), out) = tokio::join!(read_err, read_out);
    let status = child.wait().await;
    if let Some(mut w) = watchdog {
        let _ = w.start_kill();
        let _ = w.wait().await;
    }
    let ok = status.as_ref().is_ok_and(|s| s.success());
    if ok {
        return Ok(out);
    }
    let text = String::from_utf8_lossy(&tail);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let gist = confine::gist(last, dirs, known);
    tracing::warn!(job = %job.id, status = ?status.ok(), error = %gist, "a job's command failed");
    Err(gist)
}

/// Kills the child `pid` if this server dies before it (a SIGKILL runs no destructor, so
/// `kill_on_drop` alone would leave a build running with no one to read its result). A shell
/// loop, because this crate forbids the `unsafe` a parent-death signal would take; it ends with
/// the child.
fn orphan_watchdog(pid: u32) -> Option<tokio::process::Child> {
    if !cfg!(unix) {
        return None;
    }
    let script = format!(
        "while kill -0 {me} 2>/dev/null && kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         kill -0 {me} 2>/dev/null || kill -KILL {pid} 2>/dev/null; exit 0",
        me = std::process::id()
    );
    tokio::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()
}

async fn snapshot(state: &AppState, job: &mut JobRow) -> Result<String, String> {
    let cfg = jobs_config(state).map_err(|e| e.to_string())?.clone();
    let db = state.store().map_err(|e| e.to_string())?;
    let s: SnapshotJob = serde_json::from_str(job.output.as_deref().unwrap_or_default())
        .map_err(|e| format!("stored snapshot options: {e}"))?;
    let rpc = state
        .rpc
        .as_ref()
        .ok_or("the server has no node (--rpc-url)")?;
    let dir = JobDir::create(&cfg, &job.campaign, &job.id).await?;
    let result = snapshot_in(state, job, &cfg, db, rpc, &s, &dir.0).await;
    dir.remove().await;
    result
}

async fn snapshot_in(
    state: &AppState,
    job: &mut JobRow,
    cfg: &JobConfig,
    db: &airdrop_store::Db,
    rpc: &airdrop_chain::rpc::Rpc,
    s: &SnapshotJob,
    dir: &std::path::Path,
) -> Result<String, String> {
    let out = dir.join(&s.file);
    let mut args: Vec<std::ffi::OsString> = vec![
        "snapshot".into(),
        "--kind".into(),
        s.kind.clone().into(),
        "--rpc".into(),
        rpc.url().into(),
        "--out".into(),
        out.clone().into(),
    ];
    if let Some(t) = &s.token {
        args.extend(["--token".into(), t.into()]);
    }
    args.extend([
        "--block".into(),
        s.block
            .map(|b| b.to_string())
            .unwrap_or_else(|| "latest".into())
            .into(),
    ]);
    if let Some(b) = s.from_block {
        args.extend(["--from-block".into(), b.to_string().into()]);
    }
    if let Some(m) = &s.min {
        args.extend(["--min".into(), m.into()]);
    }
    let mut known = vec![s.file.clone()];
    if let Some(a) = &s.addresses {
        let (_, content) = db
            .files(&job.campaign)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|(n, _)| n == a)
            .ok_or_else(|| {
                format!(
                    "addresses names {a:?}, which is not uploaded; upload it with PUT /v1/campaigns/{}/files/{a}",
                    job.campaign
                )
            })?;
        let name = format!("addresses-{a}");
        tokio::fs::write(dir.join(&name), content)
            .await
            .map_err(|e| format!("cannot write {a}: {}", e.kind()))?;
        args.extend(["--addresses".into(), dir.join(&name).into()]);
        known.push(name);
    }
    update(
        state,
        job,
        JobState::Running,
        1,
        format!("taking a {} snapshot", s.kind),
    )
    .await;
    run_airdrop(
        job,
        &cfg.builder,
        &args,
        &[dir, cfg.data_dir.as_path()],
        &known,
    )
    .await?;
    let content = tokio::fs::read(&out)
        .await
        .map_err(|e| format!("cannot read the snapshot: {}", e.kind()))?;
    let sha = alloy_primitives::hex::encode(Sha256::digest(&content));
    db.put_file(&job.campaign, &s.file, &content, &sha, now())
        .await
        .map_err(|e| e.to_string())?;
    let rows = content
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1);
    job.output = Some(s.file.clone());
    Ok(format!(
        "snapshot stored as {} ({rows} addresses, sha256 {sha})",
        s.file
    ))
}

/// The uploads a stored spec names, checked again at build time (a spec stored before the
/// confinement rules, or a file not uploaded yet): (spec key, name, content).
async fn spec_inputs(
    db: &airdrop_store::Db,
    node: Option<&str>,
    campaign: &airdrop_store::CampaignRow,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let spec =
        airdrop_core::spec::Campaign::parse(&campaign.spec, "campaign.toml").map_err(|_| {
            format!(
                "the stored spec no longer parses; send it again with PUT /v1/campaigns/{}",
                campaign.id
            )
        })?;
    confine::check_spec(&spec, node).map_err(|e| e.to_string())?;
    let mut files = db.files(&campaign.id).await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (key, name) in confine::spec_files(&spec) {
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let at = files.iter().position(|(n, _)| *n == name).ok_or_else(|| {
            format!(
                "{key} names {name:?}, which is not uploaded yet; upload it with PUT /v1/campaigns/{}/files/{name}",
                campaign.id
            )
        })?;
        out.push(files.swap_remove(at));
    }
    Ok(out)
}

async fn build(state: &AppState, job: &mut JobRow) -> Result<String, String> {
    let cfg = jobs_config(state).map_err(|e| e.to_string())?.clone();
    let db = state.store().map_err(|e| e.to_string())?;
    let campaign = db
        .campaign(&job.campaign)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the campaign was deleted")?;
    slug("campaign", &campaign.id).map_err(|e| e.to_string())?;
    let inputs = spec_inputs(db, state.rpc.as_ref().map(|r| r.url()), &campaign).await?;
    let dir = JobDir::create(&cfg, &campaign.id, &job.id).await?;
    let result = build_in(state, job, &cfg, &campaign, &inputs, &dir.0).await;
    match &result {
        // The store holds what serving needs; the folder is this job's own scratch space.
        Ok((_, true)) | Err(_) => dir.remove().await,
        Ok((_, false)) => {}
    }
    result.map(|(message, _)| message)
}

/// Builds in `dir` (the spec and the uploads it names in `input/`, apart from the bundle the
/// build writes); returns the message and whether the store now holds a copy of the bundle.
async fn build_in(
    state: &AppState,
    job: &mut JobRow,
    cfg: &JobConfig,
    campaign: &airdrop_store::CampaignRow,
    inputs: &[(String, Vec<u8>)],
    dir: &std::path::Path,
) -> Result<(String, bool), String> {
    let input = dir.join("input");
    let cannot = |e: std::io::Error| format!("cannot write the build's inputs: {}", e.kind());
    tokio::fs::create_dir(&input).await.map_err(cannot)?;
    tokio::fs::write(input.join("campaign.toml"), campaign.spec.as_bytes())
        .await
        .map_err(cannot)?;
    let mut known = vec!["campaign.toml".to_owned()];
    for (name, content) in inputs {
        upload_name(name).map_err(|e| e.to_string())?;
        tokio::fs::write(input.join(name), content)
            .await
            .map_err(cannot)?;
        known.push(name.clone());
    }
    update(
        state,
        job,
        JobState::Running,
        1,
        format!("wrote the spec and {} source files; building", inputs.len()),
    )
    .await;
    let out = dir.join("bundle");
    let args: Vec<std::ffi::OsString> = vec![
        "build".into(),
        input.join("campaign.toml").into(),
        "--out".into(),
        out.clone().into(),
        "--json".into(),
    ];
    let stdout = run_airdrop(
        job,
        &cfg.builder,
        &args,
        &[input.as_path(), dir, cfg.data_dir.as_path()],
        &known,
    )
    .await?;
    let summary: serde_json::Value = serde_json::from_slice(&stdout).unwrap_or_default();
    let bundle = out.display().to_string();
    let stored = store_bundle(state, job, &out, &bundle).await?;
    job.output = Some(bundle);
    Ok((
        format!(
            "built bundle: root {}, {} recipients",
            summary.get("root").and_then(|v| v.as_str()).unwrap_or("?"),
            summary
                .get("recipients")
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into())
        ),
        stored,
    ))
}

/// Keeps a copy of what serving `out` needs in the store, so that an instance without the
/// builder's disk can publish and serve it: the claims as `address,amount` in the build's own
/// order (some presets keep input order), and the manifest (preset, shards, root). Returns
/// whether a copy was kept; a bundle this server cannot serve is left out, and publishing it
/// reports why.
async fn store_bundle(
    state: &AppState,
    job: &mut JobRow,
    out: &std::path::Path,
    bundle: &str,
) -> Result<bool, String> {
    let done = job.done.max(1);
    update(
        state,
        job,
        JobState::Running,
        done,
        "storing the bundle for every instance".into(),
    )
    .await;
    let (id, path) = (job.campaign.clone(), out.to_owned());
    let campaign = match tokio::task::spawn_blocking(move || Campaign::load(&id, &path)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            tracing::warn!(job = %job.id, error = %e, "built a bundle this server cannot serve");
            return Ok(false);
        }
        Err(e) => return Err(format!("loading crashed: {e}")),
    };
    let claims = match tokio::fs::read(out.join("allocations.csv")).await {
        Ok(bytes) => crate::campaign::claims_from_allocations(&bytes),
        Err(_) => campaign.claims_csv(),
    };
    let mut files = vec![("claims.csv".to_owned(), claims)];
    for name in ["manifest.json", "deployment.json"] {
        if let Ok(bytes) = tokio::fs::read(out.join(name)).await {
            files.push((name.to_owned(), bytes));
        }
    }
    let db = state.store().map_err(|e| e.to_string())?;
    db.put_bundle_files(bundle, &files)
        .await
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// Loads a built bundle: from disk when this instance has it, else from the copy in the store
/// (written out once under the data dir).
async fn load_bundle(state: &AppState, campaign: &str, bundle: &str) -> Result<Campaign, String> {
    let mut path = PathBuf::from(bundle);
    if !path.exists() {
        slug("campaign", campaign).map_err(|e| e.to_string())?;
        let base = match &state.jobs {
            Some(cfg) => cfg.data_dir.clone(),
            None => std::env::temp_dir().join("airdrop-data"),
        };
        let tag = alloy_primitives::hex::encode(&Sha256::digest(bundle.as_bytes())[..8]);
        let dir = base.join(campaign).join(format!("from-store-{tag}"));
        if !dir.join("claims.csv").exists() {
            let db = state.store().map_err(|e| e.to_string())?;
            let mut files = db.bundle_files(bundle).await.map_err(|e| e.to_string())?;
            if files.is_empty() {
                return Err("the built bundle is not on this instance's disk and the store holds \
                     no copy of it (built before copies were kept); build again, or share --data-dir"
                    .into());
            }
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(|e| format!("cannot write the bundle's copy: {}", e.kind()))?;
            // claims.csv last, through a rename: its presence means the folder is complete.
            files.sort_by_key(|(name, _)| name == "claims.csv");
            for (name, content) in files {
                plain_name(&name).map_err(|e| e.to_string())?;
                let part = dir.join(format!("{name}.part"));
                tokio::fs::write(&part, content)
                    .await
                    .map_err(|e| format!("cannot write {name}: {}", e.kind()))?;
                tokio::fs::rename(&part, dir.join(&name))
                    .await
                    .map_err(|e| format!("cannot write {name}: {}", e.kind()))?;
            }
        }
        path = dir;
    }
    let id = campaign.to_owned();
    tokio::task::spawn_blocking(move || Campaign::load(&id, &path))
        .await
        .map_err(|e| format!("loading crashed: {e}"))?
        .map_err(|e| match e {
            // A job's status is an API response: the server's paths stay out of it.
            crate::error::ServerError::Load { id, detail, .. } => {
                format!("cannot load campaign {id:?}: {detail}")
            }
            other => other.to_string(),
        })
}

async fn publish(state: &AppState, job: &mut JobRow) -> Result<String, String> {
    let db = state.store().map_err(|e| e.to_string())?;
    let built = db
        .last_job(&job.campaign, "build", JobState::Done)
        .await
        .map_err(|e| e.to_string())?
        .and_then(|j| j.output)
        .ok_or("no finished build to publish")?;
    update(
        state,
        job,
        JobState::Running,
        1,
        "loading the last build".into(),
    )
    .await;
    let c = load_bundle(state, &job.campaign, &built).await?;
    let (root, claims) = (c.root.to_string(), c.tree.len());
    state
        .refuse_pinned(&job.campaign)
        .map_err(|e| e.to_string())?;
    state.insert_campaign(c);
    db.set_published(&job.campaign, &built, &root, now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!("published: {claims} claims, root {root}"))
}

/// Keeps this instance's published campaigns in line with the store (another instance may
/// publish), until `stop` is set.
pub async fn sync_published(
    state: Arc<AppState>,
    every: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    // Publications this instance could not load, and when: retried once a minute, not every
    // tick — rebuilding a large tree every 2 s would burn a core and flood the log. A new
    // publication is tried at once.
    let mut failed = std::collections::HashMap::<(String, String), std::time::Instant>::new();
    while !*stop.borrow() {
        if let Ok(db) = state.store() {
            match db.published().await {
                Ok(list) => {
                    for (id, bundle, root) in list {
                        if state.pinned.contains(&id) {
                            continue;
                        }
                        let current = state.campaigns.get(&id).map(|c| c.root.to_string());
                        if current.as_deref() == Some(root.as_str())
                            || failed
                                .get(&(id.clone(), root.clone()))
                                .is_some_and(|at| at.elapsed() < Duration::from_secs(60))
                        {
                            continue;
                        }
                        match load_bundle(&state, &id, &bundle).await {
                            Ok(c) if c.root.to_string() == root => {
                                tracing::info!(campaign = %id, %root, "loaded a campaign published by another instance");
                                state.insert_campaign(c);
                            }
                            Ok(_) => {
                                tracing::error!(campaign = %id, %root, "the published bundle no longer has the published root; not loaded");
                                failed.insert((id, root), std::time::Instant::now());
                            }
                            Err(e) => {
                                tracing::error!(campaign = %id, %root, error = %e, "cannot load a published bundle");
                                failed.insert((id, root), std::time::Instant::now());
                            }
                        }
                    }
                    // Every publication was tried once: ready (a failed one is retried).
                    crate::deployment::apply_registered(&state, db).await;
                    state
                        .synced
                        .store(true, std::sync::atomic::Ordering::Release);
                }
                Err(e) => tracing::warn!(error = %e, "cannot list published campaigns"),
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Removes job folders a killed instance left under the data dir: only folders named like this
/// server names them (`<campaign>/job_<16 hex>`) whose job the store records as finished or
/// abandoned — never anything else there, and never a job another instance still runs.
pub async fn clean_job_folders(state: &AppState) -> usize {
    let (Some(cfg), Ok(db)) = (&state.jobs, state.store()) else {
        return 0;
    };
    let Ok(campaigns) = std::fs::read_dir(&cfg.data_dir) else {
        return 0;
    };
    let ours = |name: &str| {
        name.strip_prefix("job_")
            .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut removed = 0;
    for campaign in campaigns.flatten() {
        let Ok(jobs) = std::fs::read_dir(campaign.path()) else {
            continue;
        };
        for entry in jobs.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !ours(&name) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let finished = matches!(
                read_job(db, &name).await,
                Ok(Some(j)) if j.state.is_finished()
            );
            if finished && tokio::fs::remove_dir_all(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
    }
    if removed > 0 {
        tracing::info!(
            removed,
            "removed the folders of jobs a stopped instance left"
        );
    }
    removed
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
