//! The gasless-claim relay queue: requests queued by any instance, taken by exactly one worker.

use super::{db_err, scalar, stored_enum, Backend, Cols, Db, FromCols};
use crate::error::Result;

stored_enum! {
    /// Where a relay request is.
    RelayState, "relay state", "queued, submitting, submitted or failed" {
        /// Waiting for a worker.
        Queued => "queued",
        /// A worker took it and is sending the transaction.
        Submitting => "submitting",
        /// Sent; its transaction hash is known.
        Submitted => "submitted",
        /// Could not be sent; a new request for the same claim queues it again.
        Failed => "failed",
    }
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
    /// Where it is.
    pub state: RelayState,
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

impl FromCols for RelayRow {
    const OP: &'static str = "read relay request";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(RelayRow {
            id: c.get("id")?,
            campaign: c.get("campaign")?,
            claim_index: c.get("claim_index")?,
            account: c.get("account")?,
            amount: c.get("amount")?,
            nonce: c.get("nonce")?,
            payload: c.get("payload")?,
            state: c.get::<String>("state")?.parse()?,
            worker: c.get("worker")?,
            tx_hash: c.get("tx_hash")?,
            error: c.get("error")?,
            created: c.get("created")?,
            updated: c.get("updated")?,
        })
    }
}

macro_rules! relay_columns {
    () => {
        "id, campaign, claim_index, account, amount, nonce, payload, state, worker, tx_hash, error, created, updated"
    };
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

impl Db {
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
        let row = sqlx::query(concat!(
            "SELECT ",
            relay_columns!(),
            " FROM relay_requests WHERE campaign = $1 AND claim_index = $2 AND nonce = $3"
        ))
        .bind(&r.campaign)
        .bind(r.claim_index)
        .bind(&r.nonce)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err("read relay request"))?;
        Ok((RelayRow::from_row(&row)?, queued))
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
            Backend::Postgres => sqlx::query(concat!(
                "UPDATE relay_requests SET state = 'submitting', worker = $1, updated = $2 WHERE id = \
                 (SELECT id FROM relay_requests WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING ",
                relay_columns!(),
            )),
            Backend::Sqlite => sqlx::query(concat!(
                "UPDATE relay_requests SET state = 'submitting', worker = $1, updated = $2 WHERE id = \
                 (SELECT id FROM relay_requests WHERE state = 'queued' ORDER BY id LIMIT 1) AND state = 'queued' \
                 RETURNING ",
                relay_columns!(),
            )),
        };
        let row = q
            .bind(worker)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("take relay request"))?;
        RelayRow::from_opt(row)
    }

    /// Records the outcome of a taken request (`Submitted` with its hash, or `Failed`).
    pub async fn finish_relay(
        &self,
        id: i64,
        state: RelayState,
        tx_hash: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE relay_requests SET state = $1, tx_hash = $2, error = $3, updated = $4 WHERE id = $5")
            .bind(state.as_str())
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
        let row = sqlx::query(concat!(
            "SELECT ",
            relay_columns!(),
            " FROM relay_requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read relay request"))?;
        RelayRow::from_opt(row)
    }

    /// The request for one signed claim (index and nonce), if any.
    pub async fn relay_for_claim(
        &self,
        campaign: &str,
        claim_index: i64,
        nonce: &str,
    ) -> Result<Option<RelayRow>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            relay_columns!(),
            " FROM relay_requests WHERE campaign = $1 AND claim_index = $2 AND nonce = $3"
        ))
        .bind(campaign)
        .bind(claim_index)
        .bind(nonce)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read relay request"))?;
        RelayRow::from_opt(row)
    }

    /// A campaign's relay requests, newest first, at most `limit`, optionally only those in
    /// `state` (the dashboard's relay queue).
    pub async fn relays(
        &self,
        campaign: &str,
        state: Option<RelayState>,
        limit: i64,
    ) -> Result<Vec<RelayRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            relay_columns!(),
            " FROM relay_requests WHERE campaign = $1 AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(campaign)
        .bind(state.map(RelayState::as_str).unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list relay requests"))?;
        rows.iter().map(RelayRow::from_row).collect()
    }

    /// Requests waiting in the queue (for `/metrics`).
    pub async fn relay_depth(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM relay_requests WHERE state = 'queued'")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err("count relay queue"))?;
        scalar(&row, "count relay queue")
    }
}

#[cfg(test)]
mod tests {
    use super::RelayState;

    #[test]
    fn every_relay_state_reads_back_as_itself() {
        for s in [
            RelayState::Queued,
            RelayState::Submitting,
            RelayState::Submitted,
            RelayState::Failed,
        ] {
            assert_eq!(s.as_str().parse::<RelayState>().unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        // The stored text is the schema: these strings are in databases already.
        assert_eq!(RelayState::Queued.as_str(), "queued");
        assert_eq!(RelayState::Submitting.as_str(), "submitting");
        assert_eq!(RelayState::Submitted.as_str(), "submitted");
        assert_eq!(RelayState::Failed.as_str(), "failed");
    }

    #[test]
    fn an_unknown_relay_state_is_refused_with_the_value() {
        let e = "sent".parse::<RelayState>().unwrap_err().to_string();
        assert_eq!(
            e,
            "stored data: relay state \"sent\" is not queued, submitting, submitted or failed; the database was edited"
        );
    }
}
