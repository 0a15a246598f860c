//! API keys (only their hashes) and the one-use nonces of sign-in messages.

use super::{conflict_or, db_err, Cols, Db, FromCols};
use crate::error::Result;

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

impl FromCols for ApiKeyRow {
    const OP: &'static str = "read api key";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        // Scopes are one comma-separated column: a key has a handful, never a comma in one.
        let scopes: String = c.get("scopes")?;
        Ok(ApiKeyRow {
            id: c.get("id")?,
            secret_hash: c.get("secret_hash")?,
            name: c.get("name")?,
            scopes: scopes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created: c.get("created")?,
            revoked: c.get("revoked")?,
        })
    }
}

macro_rules! key_columns {
    () => {
        "id, secret_hash, name, scopes, created, revoked"
    };
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

impl Db {
    /// Stores a new key.
    pub async fn insert_api_key(&self, k: &ApiKeyRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO api_keys (",
            key_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6)"
        ))
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
        let row = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read api key"))?;
        ApiKeyRow::from_opt(row)
    }

    /// Every key, newest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys ORDER BY created DESC, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list api keys"))?;
        ApiKeyRow::from_rows(&rows)
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
        let row = sqlx::query("SELECT used FROM auth_nonces WHERE nonce = $1")
            .bind(nonce)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("read nonce"))?;
        let Some(row) = row else {
            return Ok(NonceUse::Unknown);
        };
        let used: Option<i64> = Cols {
            row: &row,
            op: "read nonce",
        }
        .get("used")?;
        Ok(if used.is_some() {
            NonceUse::Replayed
        } else {
            NonceUse::Expired
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
}
