//! Creator campaigns, their source files, publishing, and the bundle files that let any
//! instance load a published build.

use super::{db_err, Cols, Db, FromCols};
use crate::error::Result;

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

impl FromCols for CampaignRow {
    const OP: &'static str = "read campaign";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(CampaignRow {
            id: c.get("id")?,
            name: c.get("name")?,
            spec: c.get("spec")?,
            chain_id: c.get("chain_id")?,
            signup_deadline: c.get("signup_deadline")?,
            created: c.get("created")?,
            updated: c.get("updated")?,
        })
    }
}

macro_rules! campaign_columns {
    () => {
        "id, name, spec, chain_id, signup_deadline, created, updated"
    };
}

impl Db {
    /// Creates or replaces a campaign (keeps its creation time).
    pub async fn put_campaign(&self, c: &CampaignRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO campaigns (",
            campaign_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, spec = excluded.spec, chain_id = excluded.chain_id, signup_deadline = excluded.signup_deadline, updated = excluded.updated",
        ))
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
        let row = sqlx::query(concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("read campaign"))?;
        CampaignRow::from_opt(row)
    }

    /// Every campaign, by id.
    pub async fn campaigns(&self) -> Result<Vec<CampaignRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list campaigns"))?;
        CampaignRow::from_rows(&rows)
    }

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
            .map(|row| {
                let c = Cols {
                    row,
                    op: "list files",
                };
                let content: Vec<u8> = c.get("content")?;
                Ok((c.get("name")?, c.get("sha256")?, content.len() as i64))
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
            .map(|row| {
                let c = Cols { row, op };
                Ok((c.get("name")?, c.get("content")?))
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
            .map(|row| {
                let c = Cols {
                    row,
                    op: "list published campaigns",
                };
                Ok((c.get("id")?, c.get("bundle")?, c.get("published_root")?))
            })
            .collect()
    }
}
