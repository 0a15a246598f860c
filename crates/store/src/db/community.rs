//! Sign-ups, bounty tasks, submissions and their review, and the points they add up to.

use super::{conflict_or, db_err, scalar, stored_enum, Cols, Db, FromCols};
use crate::error::Result;

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

impl FromCols for SignupRow {
    const OP: &'static str = "read sign-up";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(SignupRow {
            campaign: c.get("campaign")?,
            address: c.get("address")?,
            referral_code: c.get("referral_code")?,
            referred_by: c.get("referred_by")?,
            message: c.get("message")?,
            signature: c.get("signature")?,
            created: c.get("created")?,
        })
    }
}

macro_rules! signup_columns {
    () => {
        "campaign, address, referral_code, referred_by, message, signature, created"
    };
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

impl FromCols for TaskRow {
    const OP: &'static str = "read task";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(TaskRow {
            campaign: c.get("campaign")?,
            id: c.get("id")?,
            title: c.get("title")?,
            description: c.get("description")?,
            points: c.get("points")?,
            referral_points: c.get("referral_points")?,
            created: c.get("created")?,
        })
    }
}

macro_rules! task_columns {
    () => {
        "campaign, id, title, description, points, referral_points, created"
    };
}

stored_enum! {
    /// Review state of a submission.
    SubmissionStatus, "submission status", "pending, approved or rejected" {
        /// Waiting for a reviewer.
        Pending => "pending",
        /// Counts for points.
        Approved => "approved",
        /// Refused, with a reason.
        Rejected => "rejected",
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

impl FromCols for SubmissionRow {
    const OP: &'static str = "read submission";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(SubmissionRow {
            id: c.get("id")?,
            campaign: c.get("campaign")?,
            task: c.get("task")?,
            address: c.get("address")?,
            evidence: c.get("evidence")?,
            referred_by: c.get("referred_by")?,
            status: c.get::<String>("status")?.parse()?,
            reason: c.get("reason")?,
            reviewer: c.get("reviewer")?,
            created: c.get("created")?,
            reviewed: c.get("reviewed")?,
        })
    }
}

macro_rules! submission_columns {
    () => {
        "id, campaign, task, address, evidence, referred_by, status, reason, reviewer, created, reviewed"
    };
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

impl FromCols for Points {
    const OP: &'static str = "sum points";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(Points {
            address: c.get("address")?,
            points: c.get("points")?,
        })
    }
}

impl Db {
    /// Records a sign-up; [`StoreError::Conflict`](crate::StoreError::Conflict) when the wallet
    /// (or the referral code) is taken in this campaign.
    pub async fn insert_signup(&self, s: &SignupRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO signups (",
            signup_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
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
        let row = sqlx::query(concat!(
            "SELECT ",
            signup_columns!(),
            " FROM signups WHERE campaign = $1 AND address = $2"
        ))
        .bind(campaign)
        .bind(address)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read sign-up"))?;
        SignupRow::from_opt(row)
    }

    /// The sign-up that owns a referral code.
    pub async fn signup_by_code(&self, campaign: &str, code: &str) -> Result<Option<SignupRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            signup_columns!(),
            " FROM signups WHERE campaign = $1 AND referral_code = $2"
        ))
        .bind(campaign)
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read sign-up"))?;
        SignupRow::from_opt(row)
    }

    /// Every sign-up of a campaign, in sign-up order.
    pub async fn signups(&self, campaign: &str) -> Result<Vec<SignupRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            signup_columns!(),
            " FROM signups WHERE campaign = $1 ORDER BY created, address"
        ))
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list sign-ups"))?;
        SignupRow::from_rows(&rows)
    }

    /// Creates or replaces a task.
    pub async fn put_task(&self, t: &TaskRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO tasks (",
            task_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (campaign, id) DO UPDATE SET title = excluded.title, description = excluded.description, points = excluded.points, referral_points = excluded.referral_points",
        ))
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
        let rows = sqlx::query(concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE campaign = $1 ORDER BY created, id"
        ))
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list tasks"))?;
        TaskRow::from_rows(&rows)
    }

    /// One task.
    pub async fn task(&self, campaign: &str, id: &str) -> Result<Option<TaskRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE campaign = $1 AND id = $2"
        ))
        .bind(campaign)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read task"))?;
        TaskRow::from_opt(row)
    }

    /// Records a submission (pending); [`StoreError::Conflict`](crate::StoreError::Conflict) for
    /// a second one by the same wallet for the same task.
    pub async fn insert_submission(&self, s: &NewSubmission) -> Result<SubmissionRow> {
        let row = sqlx::query(concat!(
            "INSERT INTO submissions (campaign, task, address, evidence, referred_by, status, created) VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING ",
            submission_columns!(),
        ))
        .bind(&s.campaign)
        .bind(&s.task)
        .bind(&s.address)
        .bind(&s.evidence)
        .bind(&s.referred_by)
        .bind(s.created)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_or("submission for this task by", &s.address, "insert submission"))?;
        SubmissionRow::from_row(&row)
    }

    /// A submission by id.
    pub async fn submission(&self, id: i64) -> Result<Option<SubmissionRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            submission_columns!(),
            " FROM submissions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read submission"))?;
        SubmissionRow::from_opt(row)
    }

    /// Submissions of a campaign, optionally only those in one state, oldest first.
    pub async fn submissions(
        &self,
        campaign: &str,
        status: Option<SubmissionStatus>,
    ) -> Result<Vec<SubmissionRow>> {
        let rows = match status {
            Some(s) => {
                sqlx::query(concat!(
                    "SELECT ",
                    submission_columns!(),
                    " FROM submissions WHERE campaign = $1 AND status = $2 ORDER BY id"
                ))
                .bind(campaign)
                .bind(s.as_str())
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(concat!(
                    "SELECT ",
                    submission_columns!(),
                    " FROM submissions WHERE campaign = $1 ORDER BY id"
                ))
                .bind(campaign)
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(db_err("list submissions"))?;
        SubmissionRow::from_rows(&rows)
    }

    /// One wallet's submissions in a campaign.
    pub async fn submissions_of(
        &self,
        campaign: &str,
        address: &str,
    ) -> Result<Vec<SubmissionRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            submission_columns!(),
            " FROM submissions WHERE campaign = $1 AND address = $2 ORDER BY id"
        ))
        .bind(campaign)
        .bind(address)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list submissions"))?;
        SubmissionRow::from_rows(&rows)
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
        let row = sqlx::query(concat!(
            "UPDATE submissions SET status = $1, reason = $2, reviewer = $3, reviewed = $4 WHERE id = $5 AND campaign = $6 AND status = 'pending' RETURNING ",
            submission_columns!(),
        ))
        .bind(status.as_str())
        .bind(reason)
        .bind(reviewer)
        .bind(now)
        .bind(id)
        .bind(campaign)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("review submission"))?;
        SubmissionRow::from_opt(row)
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
        Points::from_rows(&rows)
    }

    /// Counts for campaign statistics: sign-ups, then submissions pending, approved, rejected.
    pub async fn counts(&self, campaign: &str) -> Result<(i64, i64, i64, i64)> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM signups WHERE campaign = $1")
            .bind(campaign)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err("count sign-ups"))?;
        let signups = scalar(&row, "count sign-ups")?;
        let mut by = [0i64; 3];
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM submissions WHERE campaign = $1 GROUP BY status",
        )
        .bind(campaign)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("count submissions"))?;
        for row in rows {
            let c = Cols {
                row: &row,
                op: "count submissions",
            };
            let status: SubmissionStatus = c.get::<String>("status")?.parse()?;
            by[match status {
                SubmissionStatus::Pending => 0,
                SubmissionStatus::Approved => 1,
                SubmissionStatus::Rejected => 2,
            }] = c.get("n")?;
        }
        Ok((signups, by[0], by[1], by[2]))
    }
}
