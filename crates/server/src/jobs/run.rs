//! Running `snapshot`, `build` and `publish` jobs in this process. Snapshots and builds are the
//! engine's ([`airdrop_engine`]), on the blocking pool; their events become the job row
//! (throttled: every stage change and every stage's end, else a few writes a second). The
//! server's shutdown raises the jobs' [`Cancel`]: a job stops at its next safe point and ends
//! `failed` saying so, its folder removed.

use super::bundle::{publish, store_bundle};
use super::live::update;
use super::{heartbeat, jobs_config, JobConfig, SnapshotJob};
use crate::confine::{self, upload_name};
use crate::shared::{now, slug};
use crate::AppState;
use airdrop_chain::{Kind, Params, RpcConfig};
use airdrop_engine::build::BuildInput;
use airdrop_engine::snapshot::{ChainSnapshot, SnapshotInput};
use airdrop_engine::{Cancel, EngineError, Event, Progress};
use airdrop_store::{JobRow, JobState};
use alloy_primitives::U256;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// At most one progress write per stage this often (a stage's start and end always).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// What runs the jobs of one server: the flag its shutdown raises, the jobs still running,
/// and their rows for this instance's streams.
#[derive(Debug, Clone, Default)]
pub(crate) struct Runner {
    pub(crate) cancel: Cancel,
    pub(crate) running: Arc<AtomicUsize>,
    pub(crate) live: super::live::Live,
}

/// Counts a running job for as long as it lives (a panic included).
struct Running(Arc<AtomicUsize>);

impl Running {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(count))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts `job` on this instance.
pub(super) fn spawn(state: Arc<AppState>, job: JobRow) {
    if let Some(cfg) = &state.jobs {
        cfg.runner.live.open(&job.id);
    }
    tokio::spawn(run_job(state, job));
}

async fn run_job(state: Arc<AppState>, mut job: JobRow) {
    let _running = state
        .jobs
        .as_ref()
        .map(|cfg| Running::new(&cfg.runner.running));
    state.metrics.jobs_running.inc();
    // While the engine runs, done/total count its current stage; a finished job's row counts
    // the job's own steps again, as it always has.
    let steps = job.total;
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
    let end = if result.is_ok() {
        JobState::Done
    } else {
        JobState::Failed
    };
    state
        .metrics
        .jobs
        .get_or_create(&crate::metrics::JobLabels {
            kind: job.kind.clone(),
            state: end.as_str().into(),
        })
        .inc();
    let done = match result {
        Ok(_) => steps,
        Err(_) => job.done.min(steps - 1),
    };
    job.total = steps;
    let message = result.unwrap_or_else(|e| e);
    update(&state, &mut job, end, done, message).await;
    if let Some(cfg) = &state.jobs {
        cfg.runner.live.close(&job.id);
    }
}

/// The engine's events of one job, thinned out for the job row: (stage, done, total).
struct RowSink {
    tx: mpsc::UnboundedSender<(String, u64, u64)>,
    last: Mutex<Instant>,
}

impl Progress for RowSink {
    fn event(&self, event: Event) {
        let (stage, done, total, always) = match event {
            Event::Stage { stage, total } => (stage, 0, total, true),
            Event::Done { stage, done, total } => (stage, done, total, done >= total),
            // A message may quote what the job read: the server's log has it, the row not.
            Event::Message { text } => {
                tracing::info!(message = %text, "job");
                return;
            }
        };
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if always || last.elapsed() >= PROGRESS_EVERY {
            *last = Instant::now();
            let _ = self.tx.send((stage, done, total));
        }
    }
}

/// Runs `work` (an engine job) on the blocking pool, recording its progress on the job row as
/// `"{verb}: {stage}"` with the stage's done and total.
async fn run_engine<T: Send + 'static>(
    state: &AppState,
    job: &mut JobRow,
    verb: &str,
    work: impl FnOnce(&dyn Progress, &Cancel) -> airdrop_engine::Result<T> + Send + 'static,
) -> airdrop_engine::Result<T> {
    let cancel = state
        .jobs
        .as_ref()
        .map(|c| c.runner.cancel.clone())
        .unwrap_or_default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = RowSink {
        tx,
        last: Mutex::new(Instant::now()),
    };
    let handle = tokio::task::spawn_blocking(move || work(&sink, &cancel));
    // The channel ends when the work does (it owns the sink).
    while let Some((stage, done, total)) = rx.recv().await {
        job.total = i64::try_from(total).unwrap_or(i64::MAX);
        let done = i64::try_from(done).unwrap_or(i64::MAX);
        update(
            state,
            job,
            JobState::Running,
            done,
            format!("{verb}: {stage}"),
        )
        .await;
    }
    handle
        .await
        .map_err(|e| EngineError::input(format!("the job crashed: {e}")))?
}

/// What an API caller may read of an engine error: see [`confine::gist`] (no quoted values, no
/// file text, no server folders); a cancelled job says why it stopped.
fn failure(job: &JobRow, e: &EngineError, dirs: &[&Path], known: &[String]) -> String {
    if matches!(e, EngineError::Cancelled) {
        return "cancelled: the server stopped before the job finished; start the job again".into();
    }
    let gist = confine::gist(&format!("error: {}", e.chain()), dirs, known);
    tracing::warn!(job = %job.id, error = %gist, "a job failed");
    gist
}

/// A job's own folder under the data dir, created new (a job id is fresh randomness), so that
/// removing it afterwards removes only what this job wrote.
struct JobDir(PathBuf);

impl JobDir {
    async fn create(cfg: &JobConfig, campaign: &str, job: &str) -> Result<JobDir, String> {
        let cannot = |e: std::io::Error| {
            format!(
                "cannot create the job's folder under the data dir: {}",
                e.kind()
            )
        };
        let parent = cfg.data_dir.join(campaign);
        tokio::fs::create_dir_all(&parent).await.map_err(cannot)?;
        let dir = parent.join(job);
        tokio::fs::create_dir(&dir).await.map_err(cannot)?;
        Ok(JobDir(dir))
    }

    async fn remove(self) {
        if let Err(e) = tokio::fs::remove_dir_all(&self.0).await {
            tracing::warn!(dir = %self.0.display(), error = %e, "cannot remove a finished job's folder");
        }
    }
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
    let result = snapshot_in(state, job, &cfg, db, rpc.url(), &s, &dir.0).await;
    dir.remove().await;
    result
}

/// The snapshot's parameters (checked when the job was created; checked again here).
fn snapshot_params(s: &SnapshotJob) -> Result<Params, String> {
    let kind = Kind::parse(&s.kind).map_err(|e| e.to_string())?;
    let mut params = Params::new(kind);
    params.block = s.block;
    params.token = match &s.token {
        Some(t) => Some(
            airdrop_merkle::address::parse_address(t)
                .map_err(|_| "token is not an address".to_owned())?,
        ),
        None => None,
    };
    params.from_block = s.from_block;
    if let Some(m) = &s.min {
        params.min = U256::from_str_radix(m, 10)
            .map_err(|_| "min must be a non-negative integer (base units)".to_owned())?;
    }
    Ok(params)
}

async fn snapshot_in(
    state: &AppState,
    job: &mut JobRow,
    cfg: &JobConfig,
    db: &airdrop_store::Db,
    rpc_url: &str,
    s: &SnapshotJob,
    dir: &Path,
) -> Result<String, String> {
    let out = dir.join(&s.file);
    let mut params = snapshot_params(s)?;
    let mut known = vec![s.file.clone()];
    let mut candidates = None;
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
        candidates = Some(dir.join(&name));
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
    let rpc_url = rpc_url.to_owned();
    let target = out.clone();
    let taken = run_engine(state, job, "snapshot", move |progress, cancel| {
        if let Some(path) = candidates {
            params.candidates = Some(airdrop_engine::input::read_address_file(&path)?);
        }
        let input = SnapshotInput::Chain(Box::new(ChainSnapshot {
            rpc_url,
            rpc_config: RpcConfig::default(),
            params,
            out: target,
            fresh: false,
        }));
        airdrop_engine::snapshot::run(input, progress, cancel)
    })
    .await;
    taken.map_err(|e| failure(job, &e, &[dir, cfg.data_dir.as_path()], &known))?;
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
    dir: &Path,
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
    let build = BuildInput {
        campaign: input.join("campaign.toml"),
        out: out.clone(),
        now: None,
        fresh: false,
    };
    let built = run_engine(state, job, "building", move |progress, cancel| {
        airdrop_engine::build::run(&build, progress, cancel)
    })
    .await
    .map_err(|e| {
        failure(
            job,
            &e,
            &[input.as_path(), dir, cfg.data_dir.as_path()],
            &known,
        )
    })?;
    let bundle = out.display().to_string();
    let stored = store_bundle(state, job, &out, &bundle).await?;
    job.output = Some(bundle);
    Ok((
        format!(
            "built bundle: root {:#x}, {} recipients",
            built.root, built.recipients
        ),
        stored,
    ))
}
