//! Long-running jobs (snapshot, build, publish): their state, progress and heartbeat.

use super::{db_err, stored_enum, Cols, Db, FromCols};
use crate::error::Result;

stored_enum! {
    /// Where a job is in its life.
    JobState, "job state", "queued, running, done or failed" {
        /// Accepted, not started.
        Queued => "queued",
        /// A worker runs it (and heartbeats).
        Running => "running",
        /// Finished with a result.
        Done => "done",
        /// Finished with an error, or its instance went away.
        Failed => "failed",
    }
}

impl JobState {
    /// Done or failed: nothing will change it any more.
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
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
    /// Where it is.
    pub state: JobState,
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

impl FromCols for JobRow {
    const OP: &'static str = "read job";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(JobRow {
            id: c.get("id")?,
            kind: c.get("kind")?,
            campaign: c.get("campaign")?,
            state: c.get::<String>("state")?.parse()?,
            done: c.get("done")?,
            total: c.get("total")?,
            message: c.get("message")?,
            output: c.get("output")?,
            created: c.get("created")?,
            updated: c.get("updated")?,
        })
    }
}

macro_rules! job_columns {
    () => {
        "id, kind, campaign, state, done, total, message, output, created, updated"
    };
}

impl Db {
    /// Creates or updates a job.
    pub async fn put_job(&self, j: &JobRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO jobs (",
            job_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, done = excluded.done, total = excluded.total, message = excluded.message, output = excluded.output, updated = excluded.updated",
        ))
        .bind(&j.id)
        .bind(&j.kind)
        .bind(&j.campaign)
        .bind(j.state.as_str())
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
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read job"))?;
        JobRow::from_opt(row)
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
        state: JobState,
    ) -> Result<Option<JobRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE campaign = $1 AND kind = $2 AND state = $3 ORDER BY updated DESC, id DESC LIMIT 1"
        ))
        .bind(campaign)
        .bind(kind)
        .bind(state.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read job"))?;
        JobRow::from_opt(row)
    }
}

#[cfg(test)]
mod tests {
    use super::JobState;

    #[test]
    fn every_job_state_reads_back_as_itself() {
        for s in [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ] {
            assert_eq!(s.as_str().parse::<JobState>().unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        // The stored text is the schema: these strings are in databases already.
        assert_eq!(JobState::Queued.as_str(), "queued");
        assert_eq!(JobState::Running.as_str(), "running");
        assert_eq!(JobState::Done.as_str(), "done");
        assert_eq!(JobState::Failed.as_str(), "failed");
    }

    #[test]
    fn an_unknown_job_state_is_refused_with_the_value() {
        let e = "Done".parse::<JobState>().unwrap_err().to_string();
        assert_eq!(
            e,
            "stored data: job state \"Done\" is not queued, running, done or failed; the database was edited"
        );
    }
}
