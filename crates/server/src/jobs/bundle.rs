//! Built bundles after the build: a copy of what serving needs kept in the store, loading it
//! on any instance, the `publish` job, and keeping instances in line with the store.

use super::live::update;
use super::read_job;
use crate::campaign::Campaign;
use crate::confine::plain_name;
use crate::shared::{now, slug};
use crate::AppState;
use airdrop_store::{JobRow, JobState};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Keeps a copy of what serving `out` needs in the store, so that an instance without the
/// builder's disk can publish and serve it: the claims as `address,amount` in the build's own
/// order (some presets keep input order), and the manifest (preset, shards, root). Returns
/// whether a copy was kept; a bundle this server cannot serve is left out, and publishing it
/// reports why.
pub(super) async fn store_bundle(
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
    for name in ["manifest.json", "deployment.json", "report.json"] {
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

pub(super) async fn publish(state: &AppState, job: &mut JobRow) -> Result<String, String> {
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
                    crate::api::deployments::apply_registered(&state, db).await;
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
