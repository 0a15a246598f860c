//! The server's store: API keys, sign-in nonces, creator campaigns, sign-ups, bounty tasks and
//! submissions, the gasless-claim relay queue and jobs — on a SQLite file (the default, WAL) or
//! PostgreSQL, chosen by the URL.
//!
//! One pool type for both back ends (sqlx's `Any` driver) and one set of queries written in the
//! SQL both speak (`$N` parameters in increasing order, `RETURNING`, `ON CONFLICT`); only the
//! schema (migrations, one set per back end) and the relay queue's row lock differ. The store
//! never reads the clock: callers pass unix seconds, so tests control time.

use crate::error::{Result, StoreError};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row, SqlSafeStr};
use std::time::Duration;

/// Which database is behind the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (or `sqlite::memory:`).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

fn migrator(backend: Backend) -> Migrator {
    let sets: [(i64, &str, &'static str); 3] = match backend {
        Backend::Sqlite => [
            (
                1,
                "server",
                include_str!("../migrations/sqlite/0001_server.sql"),
            ),
            (
                2,
                "bundle files",
                include_str!("../migrations/sqlite/0002_bundle_files.sql"),
            ),
            (
                3,
                "deployments",
                include_str!("../migrations/sqlite/0003_deployments.sql"),
            ),
        ],
        Backend::Postgres => [
            (
                1,
                "server",
                include_str!("../migrations/postgres/0001_server.sql"),
            ),
            (
                2,
                "bundle files",
                include_str!("../migrations/postgres/0002_bundle_files.sql"),
            ),
            (
                3,
                "deployments",
                include_str!("../migrations/postgres/0003_deployments.sql"),
            ),
        ],
    };
    Migrator::with_migrations(
        sets.into_iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// An API key as stored: never the secret, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// Public id (the part before the secret).
    pub id: String,
    /// sha256 of the whole key, hex.
    pub secret_hash: String,
    /// A label for people.
    pub name: String,
    /// Scopes, e.g. `["admin"]`.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds, when revoked.
    pub revoked: Option<i64>,
}

/// What happened to a sign-in nonce presented once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    /// It was issued, unused and unexpired; it is now spent.
    Spent,
    /// Never issued here.
    Unknown,
    /// Spent before (a replay).
    Replayed,
    /// Past its expiry.
    Expired,
}

/// A campaign created through the creator API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    /// Campaign id (slug).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The campaign spec (TOML) as given.
    pub spec: String,
    /// Chain the campaign pays on; sign-in messages must name it.
    pub chain_id: i64,
    /// Unix seconds after which sign-ups are refused.
    pub signup_deadline: Option<i64>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds.
    pub updated: i64,
}

/// A wallet's sign-up to a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupRow {
    /// Campaign id.
    pub campaign: String,
    /// Checksummed address.
    pub address: String,
    /// This wallet's referral code in the campaign.
    pub referral_code: String,
    /// Address of the wallet whose code was given, if any.
    pub referred_by: Option<String>,
    /// The signed EIP-4361 message.
    pub message: String,
    /// Its signature, hex.
    pub signature: String,
    /// Unix seconds.
    pub created: i64,
}

/// A bounty task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// Campaign id.
    pub campaign: String,
    /// Task id (slug).
    pub id: String,
    /// Title.
    pub title: String,
    /// What to do and what evidence to give.
    pub description: String,
    /// Points for an approved submission.
    pub points: i64,
    /// Points for the referrer of an approved submission.
    pub referral_points: i64,
    /// Unix seconds.
    pub created: i64,
}

/// Review state of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionStatus {
    /// Waiting for a reviewer.
    Pending,
    /// Counts for points.
    Approved,
    /// Refused, with a reason.
    Rejected,
}

impl SubmissionStatus {
    /// `pending`, `approved` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Pending => "pending",
            SubmissionStatus::Approved => "approved",
            SubmissionStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(SubmissionStatus::Pending),
            "approved" => Ok(SubmissionStatus::Approved),
            "rejected" => Ok(SubmissionStatus::Rejected),
            other => Err(StoreError::Data {
                detail: format!("submission status {other:?} is not pending, approved or rejected; the database was edited"),
            }),
        }
    }
}

/// A bounty submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRow {
    /// Id.
    pub id: i64,
    /// Campaign id.
    pub campaign: String,
    /// Task id.
    pub task: String,
    /// Checksummed submitter.
    pub address: String,
    /// URL or text.
    pub evidence: String,
    /// Referrer's address, from a referral code.
    pub referred_by: Option<String>,
    /// Review state.
    pub status: SubmissionStatus,
    /// Why it was rejected (or a reviewer's note).
    pub reason: Option<String>,
    /// Key id of the reviewer.
    pub reviewer: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds.
    pub reviewed: Option<i64>,
}

/// A new submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubmission {
    /// Campaign id.
    pub campaign: String,
    /// Task id.
    pub task: String,
    /// Checksummed submitter.
    pub address: String,
    /// URL or text.
    pub evidence: String,
    /// Referrer's address.
    pub referred_by: Option<String>,
    /// Unix seconds.
    pub created: i64,
}

/// Points per address from approved submissions (task points plus referral points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Points {
    /// Checksummed address.
    pub address: String,
    /// Sum of points.
    pub points: i64,
}

/// A gasless claim waiting for, or handled by, the relayer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayRow {
    /// Id.
    pub id: i64,
    /// Campaign id.
    pub campaign: String,
    /// Claim index in the tree.
    pub claim_index: i64,
    /// Checksummed recipient.
    pub account: String,
    /// Amount, decimal base units.
    pub amount: String,
    /// The nonce the recipient signed.
    pub nonce: String,
    /// JSON: proof, signature deadline, signature.
    pub payload: String,
    /// queued | submitting | submitted | failed.
    pub state: String,
    /// The instance that took it.
    pub worker: Option<String>,
    /// Transaction hash once submitted.
    pub tx_hash: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds.
    pub updated: i64,
}

/// A new relay request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelay {
    /// Campaign id.
    pub campaign: String,
    /// Claim index.
    pub claim_index: i64,
    /// Checksummed recipient.
    pub account: String,
    /// Amount, decimal base units.
    pub amount: String,
    /// The nonce the recipient signed.
    pub nonce: String,
    /// JSON: proof, signature deadline, signature.
    pub payload: String,
    /// Unix seconds.
    pub created: i64,
}

/// A long-running job (snapshot, build, publish) and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// Id.
    pub id: String,
    /// What it does.
    pub kind: String,
    /// Campaign id.
    pub campaign: String,
    /// queued | running | done | failed.
    pub state: String,
    /// Units done.
    pub done: i64,
    /// Units in all.
    pub total: i64,
    /// Last progress message (or the error).
    pub message: String,
    /// What it produced (a build: the bundle folder).
    pub output: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds.
    pub updated: i64,
}

/// A distributor registered for a published campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentRow {
    /// Campaign id.
    pub campaign: String,
    /// The published root the distributor holds.
    pub root: String,
    /// The distributor, checksummed.
    pub distributor: String,
    /// Its chain.
    pub chain_id: i64,
    /// The block its events start at.
    pub block: i64,
    /// Unix seconds.
    pub created: i64,
}

/// The store: a pool over SQLite or PostgreSQL with the schema migrated.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

fn db_err(op: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |source| StoreError::Db { op, source }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Db {
    /// Connects to `url` (`sqlite:PATH`, `sqlite::memory:`, or `postgres://…`), creating a SQLite
    /// file when missing, and applies the migrations.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Url {
                url: redact_url(url),
            });
        };
        let mut full = url.to_owned();
        if backend == Backend::Sqlite && !url.contains("mode=") && !url.contains(":memory:") {
            full.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the one writer; a busy timeout makes writers queue
            // instead of failing with "database is locked".
            options = options
                .max_connections(if url.contains(":memory:") { 1 } else { 8 })
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        use sqlx::Executor;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                });
        } else {
            options = options.max_connections(16);
        }
        let pool = options
            .connect(&full)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact_url(url),
                source,
            })?;
        let db = Db {
            pool,
            backend,
            url: redact_url(url),
        };
        migrator(backend)
            .run(&db.pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: db.url.clone(),
                source,
            })?;
        tracing::info!(url = %db.url, backend = backend.as_str(), "store ready");
        Ok(db)
    }

    /// Which back end.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL, password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Reachable, and every migration applied (for `/readyz`).
    pub async fn ready(&self) -> Result<()> {
        let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err("readiness check"))?
            .try_get(0)
            .map_err(db_err("readiness check"))?;
        let known = migrator(self.backend).iter().count() as i64;
        if applied < known {
            return Err(StoreError::Data {
                detail: format!(
                    "{applied} of {known} migrations applied; restart the server to migrate"
                ),
            });
        }
        Ok(())
    }

    /// Closes the pool (waits for connections to return).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- API keys ----

    /// Stores a new key.
    pub async fn insert_api_key(&self, k: &ApiKeyRow) -> Result<()> {
        sqlx::query("INSERT INTO api_keys (id, secret_hash, name, scopes, created, revoked) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&k.id)
            .bind(&k.secret_hash)
            .bind(&k.name)
            .bind(k.scopes.join(","))
            .bind(k.created)
            .bind(k.revoked)
            .execute(&self.pool)
            .await
            .map_err(conflict_or("api key", &k.id, "insert api key"))?;
        Ok(())
    }

    /// A key by its public id.
    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRow>> {
        let row = sqlx::query(
            "SELECT id, secret_hash, name, scopes, created, revoked FROM api_keys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read api key"))?;
        row.map(|r| api_key_row(&r)).transpose()
    }

    /// Every key, newest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRow>> {
        let rows = sqlx::query("SELECT id, secret_hash, name, scopes, created, revoked FROM api_keys ORDER BY created DESC, id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("list api keys"))?;
        rows.iter().map(api_key_row).collect()
    }

    /// Revokes a key; false when there is no such key.
    pub async fn revoke_api_key(&self, id: &str, now: i64) -> Result<bool> {
        let r = sqlx::query("UPDATE api_keys SET revoked = $1 WHERE id = $2 AND revoked IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err("revoke api key"))?;
        Ok(r.rows_affected() == 1)
    }

    // ---- sign-in nonces ----

    /// Records a nonce issued for a sign-in message.
    pub async fn insert_nonce(&self, nonce: &str, now: i64, expires: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO auth_nonces (nonce, created, expires, used) VALUES ($1, $2, $3, NULL)",
        )
        .bind(nonce)
        .bind(now)
        .bind(expires)
        .execute(&self.pool)
        .await
        .map_err(conflict_or("nonce", nonce, "insert nonce"))?;
        Ok(())
    }

    /// Spends a nonce: exactly one caller ever gets [`NonceUse::Spent`] for it, on every back end
    /// and across server instances (a single conditional UPDATE).
    pub async fn spend_nonce(&self, nonce: &str, now: i64) -> Result<NonceUse> {
        let r = sqlx::query(
            "UPDATE auth_nonces SET used = $1 WHERE nonce = $2 AND used IS NULL AND expires > $3",
        )
        .bind(now)
        .bind(nonce)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err("spend nonce"))?;
        if r.rows_affected() == 1 {
            return Ok(NonceUse::Spent);
        }
        let row = sqlx::query("SELECT expires, used FROM auth_nonces WHERE nonce = $1")
            .bind(nonce)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read nonce"))?;
        Ok(match row {
            None => NonceUse::Unknown,
            Some(r) => {
                let used: Option<i64> = r.try_get(1).map_err(db_err("read nonce"))?;
                if used.is_some() {
                    NonceUse::Replayed
                } else {
                    NonceUse::Expired
                }
            }
        })
    }

    /// Deletes nonces that expired before `before` (housekeeping).
    pub async fn purge_nonces(&self, before: i64) -> Result<u64> {
        let r = sqlx::query("DELETE FROM auth_nonces WHERE expires < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(db_err("purge nonces"))?;
        Ok(r.rows_affected())
    }

    // ---- campaigns ----

    /// Creates or replaces a campaign (keeps its creation time).
    pub async fn put_campaign(&self, c: &CampaignRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO campaigns (id, name, spec, chain_id, signup_deadline, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, spec = excluded.spec, chain_id = excluded.chain_id, signup_deadline = excluded.signup_deadline, updated = excluded.updated",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.spec)
        .bind(c.chain_id)
        .bind(c.signup_deadline)
        .bind(c.created)
        .bind(c.updated)
        .execute(&self.pool)
        .await
        .map_err(db_err("save campaign"))?;
        Ok(())
    }

    /// A campaign by id.
    pub async fn campaign(&self, id: &str) -> Result<Option<CampaignRow>> {
        let row = sqlx::query("SELECT id, name, spec, chain_id, signup_deadline, created, updated FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read campaign"))?;
        row.map(|r| campaign_row(&r)).transpose()
    }

    /// Every campaign, by id.
    pub async fn campaigns(&self) -> Result<Vec<CampaignRow>> {
        let rows = sqlx::query("SELECT id, name, spec, chain_id, signup_deadline, created, updated FROM campaigns ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("list campaigns"))?;
        rows.iter().map(campaign_row).collect()
    }

    // ---- sign-ups ----

    /// Records a sign-up; [`StoreError::Conflict`] when the wallet (or the referral code) is
    /// taken in this campaign.
    pub async fn insert_signup(&self, s: &SignupRow) -> Result<()> {
        sqlx::query("INSERT INTO signups (campaign, address, referral_code, referred_by, message, signature, created) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&s.campaign)
            .bind(&s.address)
            .bind(&s.referral_code)
            .bind(&s.referred_by)
            .bind(&s.message)
            .bind(&s.signature)
            .bind(s.created)
            .execute(&self.pool)
            .await
            .map_err(conflict_or("sign-up", &s.address, "insert sign-up"))?;
        Ok(())
    }

    /// One wallet's sign-up.
    pub async fn signup(&self, campaign: &str, address: &str) -> Result<Option<SignupRow>> {
        let row = sqlx::query("SELECT campaign, address, referral_code, referred_by, message, signature, created FROM signups WHERE campaign = $1 AND address = $2")
            .bind(campaign)
            .bind(address)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read sign-up"))?;
        row.map(|r| signup_row(&r)).transpose()
    }

    /// The sign-up that owns a referral code.
    pub async fn signup_by_code(&self, campaign: &str, code: &str) -> Result<Option<SignupRow>> {
        let row = sqlx::query("SELECT campaign, address, referral_code, referred_by, message, signature, created FROM signups WHERE campaign = $1 AND referral_code = $2")
            .bind(campaign)
            .bind(code)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read sign-up"))?;
        row.map(|r| signup_row(&r)).transpose()
    }

    /// Every sign-up of a campaign, in sign-up order.
    pub async fn signups(&self, campaign: &str) -> Result<Vec<SignupRow>> {
        let rows = sqlx::query("SELECT campaign, address, referral_code, referred_by, message, signature, created FROM signups WHERE campaign = $1 ORDER BY created, address")
            .bind(campaign)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("list sign-ups"))?;
        rows.iter().map(signup_row).collect()
    }

    // ---- tasks and submissions ----

    /// Creates or replaces a task.
    pub async fn put_task(&self, t: &TaskRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO tasks (campaign, id, title, description, points, referral_points, created) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (campaign, id) DO UPDATE SET title = excluded.title, description = excluded.description, points = excluded.points, referral_points = excluded.referral_points",
        )
        .bind(&t.campaign)
        .bind(&t.id)
        .bind(&t.title)
        .bind(&t.description)
        .bind(t.points)
        .bind(t.referral_points)
        .bind(t.created)
        .execute(&self.pool)
        .await
        .map_err(db_err("save task"))?;
        Ok(())
    }

    /// The tasks of a campaign.
    pub async fn tasks(&self, campaign: &str) -> Result<Vec<TaskRow>> {
        let rows = sqlx::query("SELECT campaign, id, title, description, points, referral_points, created FROM tasks WHERE campaign = $1 ORDER BY created, id")
            .bind(campaign)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("list tasks"))?;
        rows.iter().map(task_row).collect()
    }

    /// One task.
    pub async fn task(&self, campaign: &str, id: &str) -> Result<Option<TaskRow>> {
        let row = sqlx::query("SELECT campaign, id, title, description, points, referral_points, created FROM tasks WHERE campaign = $1 AND id = $2")
            .bind(campaign)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read task"))?;
        row.map(|r| task_row(&r)).transpose()
    }

    /// Records a submission (pending); [`StoreError::Conflict`] for a second one by the same
    /// wallet for the same task.
    pub async fn insert_submission(&self, s: &NewSubmission) -> Result<SubmissionRow> {
        let row = sqlx::query(
            "INSERT INTO submissions (campaign, task, address, evidence, referred_by, status, created) VALUES ($1, $2, $3, $4, $5, 'pending', $6) \
             RETURNING id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed",
        )
        .bind(&s.campaign)
        .bind(&s.task)
        .bind(&s.address)
        .bind(&s.evidence)
        .bind(&s.referred_by)
        .bind(s.created)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_or("submission for this task by", &s.address, "insert submission"))?;
        submission_row(&row)
    }

    /// A submission by id.
    pub async fn submission(&self, id: i64) -> Result<Option<SubmissionRow>> {
        let row = sqlx::query("SELECT id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read submission"))?;
        row.map(|r| submission_row(&r)).transpose()
    }

    /// Submissions of a campaign, optionally only those in one state, oldest first.
    pub async fn submissions(
        &self,
        campaign: &str,
        status: Option<SubmissionStatus>,
    ) -> Result<Vec<SubmissionRow>> {
        let rows = match status {
            Some(s) => sqlx::query("SELECT id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed FROM submissions WHERE campaign = $1 AND status = $2 ORDER BY id")
                .bind(campaign)
                .bind(s.as_str())
                .fetch_all(&self.pool)
                .await,
            None => sqlx::query("SELECT id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed FROM submissions WHERE campaign = $1 ORDER BY id")
                .bind(campaign)
                .fetch_all(&self.pool)
                .await,
        }
        .map_err(db_err("list submissions"))?;
        rows.iter().map(submission_row).collect()
    }

    /// One wallet's submissions in a campaign.
    pub async fn submissions_of(
        &self,
        campaign: &str,
        address: &str,
    ) -> Result<Vec<SubmissionRow>> {
        let rows = sqlx::query("SELECT id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed FROM submissions WHERE campaign = $1 AND address = $2 ORDER BY id")
            .bind(campaign)
            .bind(address)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("list submissions"))?;
        rows.iter().map(submission_row).collect()
    }

    /// Approves or rejects a pending submission. Returns the updated row, or `None` when no
    /// pending submission has this id in this campaign (unknown, or reviewed already).
    pub async fn review_submission(
        &self,
        campaign: &str,
        id: i64,
        status: SubmissionStatus,
        reason: Option<&str>,
        reviewer: &str,
        now: i64,
    ) -> Result<Option<SubmissionRow>> {
        let row = sqlx::query(
            "UPDATE submissions SET status = $1, reason = $2, reviewer = $3, reviewed = $4 WHERE id = $5 AND campaign = $6 AND status = 'pending' \
             RETURNING id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed",
        )
        .bind(status.as_str())
        .bind(reason)
        .bind(reviewer)
        .bind(now)
        .bind(id)
        .bind(campaign)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("review submission"))?;
        row.map(|r| submission_row(&r)).transpose()
    }

    /// Points per address from approved submissions: the task's points to the submitter, its
    /// referral points to the referrer. Highest first, then by address.
    pub async fn points(&self, campaign: &str) -> Result<Vec<Points>> {
        let rows = sqlx::query(
            "SELECT address, CAST(SUM(points) AS BIGINT) AS points FROM ( \
               SELECT s.address AS address, t.points AS points FROM submissions s JOIN tasks t ON t.campaign = s.campaign AND t.id = s.task \
                 WHERE s.campaign = $1 AND s.status = 'approved' \
               UNION ALL \
               SELECT s.referred_by AS address, t.referral_points AS points FROM submissions s JOIN tasks t ON t.campaign = s.campaign AND t.id = s.task \
                 WHERE s.campaign = $1 AND s.status = 'approved' AND s.referred_by IS NOT NULL AND t.referral_points > 0 \
             ) p GROUP BY address HAVING SUM(points) > 0 ORDER BY points DESC, address",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("sum points"))?;
        rows.iter()
            .map(|r| {
                Ok(Points {
                    address: r.try_get(0).map_err(db_err("sum points"))?,
                    points: r.try_get(1).map_err(db_err("sum points"))?,
                })
            })
            .collect()
    }

    /// Counts for campaign statistics: sign-ups, then submissions pending, approved, rejected.
    pub async fn counts(&self, campaign: &str) -> Result<(i64, i64, i64, i64)> {
        let signups: i64 = sqlx::query("SELECT COUNT(*) FROM signups WHERE campaign = $1")
            .bind(campaign)
            .fetch_one(&self.pool)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(db_err("count sign-ups"))?;
        let mut by = [0i64; 3];
        let rows = sqlx::query(
            "SELECT status, COUNT(*) FROM submissions WHERE campaign = $1 GROUP BY status",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("count submissions"))?;
        for r in rows {
            let s: String = r.try_get(0).map_err(db_err("count submissions"))?;
            let n: i64 = r.try_get(1).map_err(db_err("count submissions"))?;
            by[match SubmissionStatus::parse(&s)? {
                SubmissionStatus::Pending => 0,
                SubmissionStatus::Approved => 1,
                SubmissionStatus::Rejected => 2,
            }] = n;
        }
        Ok((signups, by[0], by[1], by[2]))
    }

    // ---- relay queue ----

    /// Queues a gasless claim, idempotently: a second request for the same signed claim (index
    /// and nonce) returns the first one and `false` — unless the first failed, which is queued
    /// again (with the new payload) and returns `true`.
    pub async fn enqueue_relay(&self, r: &NewRelay) -> Result<(RelayRow, bool)> {
        let queued = sqlx::query(
            "INSERT INTO relay_requests (campaign, claim_index, account, amount, nonce, payload, state, created, updated) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7) \
             ON CONFLICT (campaign, claim_index, nonce) DO UPDATE SET state = 'queued', payload = excluded.payload, worker = NULL, error = NULL, updated = excluded.updated \
             WHERE relay_requests.state = 'failed'",
        )
        .bind(&r.campaign)
        .bind(r.claim_index)
        .bind(&r.account)
        .bind(&r.amount)
        .bind(&r.nonce)
        .bind(&r.payload)
        .bind(r.created)
        .execute(&self.pool)
        .await
        .map_err(db_err("queue relay request"))?
        .rows_affected()
            == 1;
        let row = sqlx::query("SELECT id, campaign, claim_index, account, amount, nonce, payload, state, worker, tx_hash, error, created, updated FROM relay_requests WHERE campaign = $1 AND claim_index = $2 AND nonce = $3")
            .bind(&r.campaign)
            .bind(r.claim_index)
            .bind(&r.nonce)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err("read relay request"))?;
        Ok((relay_row(&row)?, queued))
    }

    /// Puts requests a worker took before `before` and never finished (it crashed) back in the
    /// queue. Returns how many.
    pub async fn requeue_stale_relays(&self, before: i64, now: i64) -> Result<u64> {
        let r = sqlx::query("UPDATE relay_requests SET state = 'queued', worker = NULL, updated = $1 WHERE state = 'submitting' AND updated < $2")
            .bind(now)
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(db_err("requeue relay requests"))?;
        Ok(r.rows_affected())
    }

    /// Takes the oldest queued request for `worker`, or `None`. Two instances never take the same
    /// one: PostgreSQL locks the row (`FOR UPDATE SKIP LOCKED`); SQLite has one writer.
    pub async fn take_relay(&self, worker: &str, now: i64) -> Result<Option<RelayRow>> {
        let q = match self.backend {
            Backend::Postgres => sqlx::query(
                "UPDATE relay_requests SET state = 'submitting', worker = $1, updated = $2 WHERE id = \
                 (SELECT id FROM relay_requests WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, campaign, claim_index, account, amount, nonce, payload, state, worker, tx_hash, error, created, updated",
            ),
            Backend::Sqlite => sqlx::query(
                "UPDATE relay_requests SET state = 'submitting', worker = $1, updated = $2 WHERE id = \
                 (SELECT id FROM relay_requests WHERE state = 'queued' ORDER BY id LIMIT 1) AND state = 'queued' \
                 RETURNING id, campaign, claim_index, account, amount, nonce, payload, state, worker, tx_hash, error, created, updated",
            ),
        };
        let row = q
            .bind(worker)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("take relay request"))?;
        row.map(|r| relay_row(&r)).transpose()
    }

    /// Records the outcome of a taken request (`submitted` with its hash, or `failed`).
    pub async fn finish_relay(
        &self,
        id: i64,
        state: &str,
        tx_hash: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE relay_requests SET state = $1, tx_hash = $2, error = $3, updated = $4 WHERE id = $5")
            .bind(state)
            .bind(tx_hash)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err("finish relay request"))?;
        Ok(())
    }

    /// A relay request by id.
    pub async fn relay(&self, id: i64) -> Result<Option<RelayRow>> {
        let row = sqlx::query("SELECT id, campaign, claim_index, account, amount, nonce, payload, state, worker, tx_hash, error, created, updated FROM relay_requests WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read relay request"))?;
        row.map(|r| relay_row(&r)).transpose()
    }

    /// The request for one signed claim (index and nonce), if any.
    pub async fn relay_for_claim(
        &self,
        campaign: &str,
        claim_index: i64,
        nonce: &str,
    ) -> Result<Option<RelayRow>> {
        let row = sqlx::query("SELECT id, campaign, claim_index, account, amount, nonce, payload, state, worker, tx_hash, error, created, updated FROM relay_requests WHERE campaign = $1 AND claim_index = $2 AND nonce = $3")
            .bind(campaign)
            .bind(claim_index)
            .bind(nonce)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read relay request"))?;
        row.map(|r| relay_row(&r)).transpose()
    }

    /// Requests waiting in the queue (for `/metrics`).
    pub async fn relay_depth(&self) -> Result<i64> {
        sqlx::query("SELECT COUNT(*) FROM relay_requests WHERE state = 'queued'")
            .fetch_one(&self.pool)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(db_err("count relay queue"))
    }

    // ---- jobs ----

    /// Creates or updates a job.
    pub async fn put_job(&self, j: &JobRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO jobs (id, kind, campaign, state, done, total, message, output, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, done = excluded.done, total = excluded.total, message = excluded.message, output = excluded.output, updated = excluded.updated",
        )
        .bind(&j.id)
        .bind(&j.kind)
        .bind(&j.campaign)
        .bind(&j.state)
        .bind(j.done)
        .bind(j.total)
        .bind(&j.message)
        .bind(&j.output)
        .bind(j.created)
        .bind(j.updated)
        .execute(&self.pool)
        .await
        .map_err(db_err("save job"))?;
        Ok(())
    }

    /// A job by id.
    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let row = sqlx::query("SELECT id, kind, campaign, state, done, total, message, output, created, updated FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read job"))?;
        row.map(|r| job_row(&r)).transpose()
    }

    /// Marks a queued or running job as alive (its worker's heartbeat).
    pub async fn touch_job(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET updated = $2 WHERE id = $1 AND state IN ('queued', 'running')",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err("touch job"))?;
        Ok(())
    }

    /// Fails every queued or running job not heard from since `cutoff`: the instance that ran it
    /// is gone, and nothing else would ever finish it. Returns how many were failed.
    pub async fn fail_stale_jobs(&self, cutoff: i64, message: &str, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'failed', message = $2, updated = $3 WHERE state IN ('queued', 'running') AND updated < $1",
        )
        .bind(cutoff)
        .bind(message)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err("fail stale jobs"))?;
        Ok(done.rows_affected())
    }

    /// The newest job of `kind` for a campaign in `state`.
    pub async fn last_job(
        &self,
        campaign: &str,
        kind: &str,
        state: &str,
    ) -> Result<Option<JobRow>> {
        let row = sqlx::query("SELECT id, kind, campaign, state, done, total, message, output, created, updated FROM jobs WHERE campaign = $1 AND kind = $2 AND state = $3 ORDER BY updated DESC, id DESC LIMIT 1")
            .bind(campaign)
            .bind(kind)
            .bind(state)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read job"))?;
        row.map(|r| job_row(&r)).transpose()
    }

    // ---- source files and publishing ----

    /// Stores (or replaces) a campaign's source file.
    pub async fn put_file(
        &self,
        campaign: &str,
        name: &str,
        content: &[u8],
        sha256: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO campaign_files (campaign, name, content, sha256, created) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (campaign, name) DO UPDATE SET content = excluded.content, sha256 = excluded.sha256, created = excluded.created",
        )
        .bind(campaign)
        .bind(name)
        .bind(content.to_vec())
        .bind(sha256)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err("save file"))?;
        Ok(())
    }

    /// A campaign's source files: (name, sha256, size), by name.
    pub async fn file_list(&self, campaign: &str) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT name, sha256, content FROM campaign_files WHERE campaign = $1 ORDER BY name",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list files"))?;
        rows.iter()
            .map(|r| {
                let g = db_err("list files");
                let content: Vec<u8> = r.try_get(2).map_err(&g)?;
                Ok((
                    r.try_get(0).map_err(&g)?,
                    r.try_get(1).map_err(&g)?,
                    content.len() as i64,
                ))
            })
            .collect()
    }

    /// A campaign's source files with their content.
    pub async fn files(&self, campaign: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.named_contents(
            "SELECT name, content FROM campaign_files WHERE campaign = $1 ORDER BY name",
            campaign,
            "read files",
        )
        .await
    }

    /// `(name, content)` rows of a query with one text parameter.
    async fn named_contents(
        &self,
        sql: &'static str,
        key: &str,
        op: &'static str,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let rows = sqlx::query(sql)
            .bind(key)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err(op))?;
        rows.iter()
            .map(|r| {
                let g = db_err(op);
                Ok((r.try_get(0).map_err(&g)?, r.try_get(1).map_err(&g)?))
            })
            .collect()
    }

    /// Stores (or replaces) the files that let any instance load the bundle folder `bundle`.
    pub async fn put_bundle_files(&self, bundle: &str, files: &[(String, Vec<u8>)]) -> Result<()> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db_err("save bundle files"))?;
        sqlx::query("DELETE FROM bundle_files WHERE bundle = $1")
            .bind(bundle)
            .execute(&mut *tx)
            .await
            .map_err(db_err("save bundle files"))?;
        for (name, content) in files {
            sqlx::query("INSERT INTO bundle_files (bundle, name, content) VALUES ($1, $2, $3)")
                .bind(bundle)
                .bind(name)
                .bind(content)
                .execute(&mut *tx)
                .await
                .map_err(db_err("save bundle files"))?;
        }
        tx.commit().await.map_err(db_err("save bundle files"))?;
        Ok(())
    }

    /// The files stored for the bundle folder `bundle` (none when its build predates them).
    pub async fn bundle_files(&self, bundle: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.named_contents(
            "SELECT name, content FROM bundle_files WHERE bundle = $1 ORDER BY name",
            bundle,
            "read bundle files",
        )
        .await
    }

    /// Records that `campaign` is published from the bundle folder `bundle` with `root`.
    pub async fn set_published(
        &self,
        campaign: &str,
        bundle: &str,
        root: &str,
        now: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE campaigns SET bundle = $1, published_root = $2, updated = $3 WHERE id = $4",
        )
        .bind(bundle)
        .bind(root)
        .bind(now)
        .bind(campaign)
        .execute(&self.pool)
        .await
        .map_err(db_err("publish campaign"))?;
        Ok(r.rows_affected() == 1)
    }

    /// Every published campaign: (id, bundle folder, root).
    pub async fn published(&self) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT id, bundle, published_root FROM campaigns WHERE bundle IS NOT NULL AND published_root IS NOT NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("list published campaigns"))?;
        rows.iter()
            .map(|r| {
                let g = db_err("list published campaigns");
                Ok((
                    r.try_get(0).map_err(&g)?,
                    r.try_get(1).map_err(&g)?,
                    r.try_get(2).map_err(&g)?,
                ))
            })
            .collect()
    }

    // ---- deployments ----

    /// Records (or replaces) the distributor of `d.campaign` at root `d.root`.
    pub async fn put_deployment(&self, d: &DeploymentRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO deployments (campaign, root, distributor, chain_id, block, created) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (campaign, root) DO UPDATE SET distributor = excluded.distributor, chain_id = excluded.chain_id, block = excluded.block, created = excluded.created",
        )
        .bind(&d.campaign)
        .bind(&d.root)
        .bind(&d.distributor)
        .bind(d.chain_id)
        .bind(d.block)
        .bind(d.created)
        .execute(&self.pool)
        .await
        .map_err(db_err("record deployment"))?;
        Ok(())
    }

    /// Every registered deployment.
    pub async fn deployments(&self) -> Result<Vec<DeploymentRow>> {
        let rows = sqlx::query(
            "SELECT campaign, root, distributor, chain_id, block, created FROM deployments ORDER BY campaign, root",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list deployments"))?;
        rows.iter()
            .map(|r| {
                let g = db_err("list deployments");
                Ok(DeploymentRow {
                    campaign: r.try_get(0).map_err(&g)?,
                    root: r.try_get(1).map_err(&g)?,
                    distributor: r.try_get(2).map_err(&g)?,
                    chain_id: r.try_get(3).map_err(&g)?,
                    block: r.try_get(4).map_err(&g)?,
                    created: r.try_get(5).map_err(&g)?,
                })
            })
            .collect()
    }
}

fn job_row(r: &AnyRow) -> Result<JobRow> {
    let g = db_err("read job");
    Ok(JobRow {
        id: r.try_get(0).map_err(&g)?,
        kind: r.try_get(1).map_err(&g)?,
        campaign: r.try_get(2).map_err(&g)?,
        state: r.try_get(3).map_err(&g)?,
        done: r.try_get(4).map_err(&g)?,
        total: r.try_get(5).map_err(&g)?,
        message: r.try_get(6).map_err(&g)?,
        output: r.try_get(7).map_err(&g)?,
        created: r.try_get(8).map_err(&g)?,
        updated: r.try_get(9).map_err(&g)?,
    })
}

/// A unique-constraint violation becomes [`StoreError::Conflict`]; anything else a database error.
fn conflict_or<'a>(
    what: &'static str,
    value: &'a str,
    op: &'static str,
) -> impl Fn(sqlx::Error) -> StoreError + 'a {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            what,
            value: value.to_owned(),
        },
        _ => StoreError::Db { op, source: e },
    }
}

fn api_key_row(r: &AnyRow) -> Result<ApiKeyRow> {
    let g = db_err("read api key");
    let scopes: String = r.try_get(3).map_err(&g)?;
    Ok(ApiKeyRow {
        id: r.try_get(0).map_err(&g)?,
        secret_hash: r.try_get(1).map_err(&g)?,
        name: r.try_get(2).map_err(&g)?,
        scopes: scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created: r.try_get(4).map_err(&g)?,
        revoked: r.try_get(5).map_err(&g)?,
    })
}

fn campaign_row(r: &AnyRow) -> Result<CampaignRow> {
    let g = db_err("read campaign");
    Ok(CampaignRow {
        id: r.try_get(0).map_err(&g)?,
        name: r.try_get(1).map_err(&g)?,
        spec: r.try_get(2).map_err(&g)?,
        chain_id: r.try_get(3).map_err(&g)?,
        signup_deadline: r.try_get(4).map_err(&g)?,
        created: r.try_get(5).map_err(&g)?,
        updated: r.try_get(6).map_err(&g)?,
    })
}

fn signup_row(r: &AnyRow) -> Result<SignupRow> {
    let g = db_err("read sign-up");
    Ok(SignupRow {
        campaign: r.try_get(0).map_err(&g)?,
        address: r.try_get(1).map_err(&g)?,
        referral_code: r.try_get(2).map_err(&g)?,
        referred_by: r.try_get(3).map_err(&g)?,
        message: r.try_get(4).map_err(&g)?,
        signature: r.try_get(5).map_err(&g)?,
        created: r.try_get(6).map_err(&g)?,
    })
}

fn task_row(r: &AnyRow) -> Result<TaskRow> {
    let g = db_err("read task");
    Ok(TaskRow {
        campaign: r.try_get(0).map_err(&g)?,
        id: r.try_get(1).map_err(&g)?,
        title: r.try_get(2).map_err(&g)?,
        description: r.try_get(3).map_err(&g)?,
        points: r.try_get(4).map_err(&g)?,
        referral_points: r.try_get(5).map_err(&g)?,
        created: r.try_get(6).map_err(&g)?,
    })
}

fn submission_row(r: &AnyRow) -> Result<SubmissionRow> {
    let g = db_err("read submission");
    let status: String = r.try_get(6).map_err(&g)?;
    Ok(SubmissionRow {
        id: r.try_get(0).map_err(&g)?,
        campaign: r.try_get(1).map_err(&g)?,
        task: r.try_get(2).map_err(&g)?,
        address: r.try_get(3).map_err(&g)?,
        evidence: r.try_get(4).map_err(&g)?,
        referred_by: r.try_get(5).map_err(&g)?,
        status: SubmissionStatus::parse(&status)?,
        reason: r.try_get(7).map_err(&g)?,
        reviewer: r.try_get(8).map_err(&g)?,
        created: r.try_get(9).map_err(&g)?,
        reviewed: r.try_get(10).map_err(&g)?,
    })
}

fn relay_row(r: &AnyRow) -> Result<RelayRow> {
    let g = db_err("read relay request");
    Ok(RelayRow {
        id: r.try_get(0).map_err(&g)?,
        campaign: r.try_get(1).map_err(&g)?,
        claim_index: r.try_get(2).map_err(&g)?,
        account: r.try_get(3).map_err(&g)?,
        amount: r.try_get(4).map_err(&g)?,
        nonce: r.try_get(5).map_err(&g)?,
        payload: r.try_get(6).map_err(&g)?,
        state: r.try_get(7).map_err(&g)?,
        worker: r.try_get(8).map_err(&g)?,
        tx_hash: r.try_get(9).map_err(&g)?,
        error: r.try_get(10).map_err(&g)?,
        created: r.try_get(11).map_err(&g)?,
        updated: r.try_get(12).map_err(&g)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_leave_the_url() {
        assert_eq!(
            redact_url("postgres://app:s3cret@127.0.0.1:5432/air"),
            "postgres://app:***@127.0.0.1:5432/air"
        );
        assert_eq!(redact_url("sqlite:/tmp/a.db"), "sqlite:/tmp/a.db");
        assert_eq!(
            redact_url("postgres://app@host/db"),
            "postgres://app@host/db"
        );
    }
}
