//! Distributors registered for published campaigns.

use super::{db_err, Cols, Db, FromCols};
use crate::error::Result;

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

impl FromCols for DeploymentRow {
    const OP: &'static str = "list deployments";

    fn from_cols(c: &Cols<'_>) -> Result<Self> {
        Ok(DeploymentRow {
            campaign: c.get("campaign")?,
            root: c.get("root")?,
            distributor: c.get("distributor")?,
            chain_id: c.get("chain_id")?,
            block: c.get("block")?,
            created: c.get("created")?,
        })
    }
}

macro_rules! deployment_columns {
    () => {
        "campaign, root, distributor, chain_id, block, created"
    };
}

impl Db {
    /// Records (or replaces) the distributor of `d.campaign` at root `d.root`.
    pub async fn put_deployment(&self, d: &DeploymentRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO deployments (",
            deployment_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (campaign, root) DO UPDATE SET distributor = excluded.distributor, chain_id = excluded.chain_id, block = excluded.block, created = excluded.created",
        ))
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
        let rows = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments ORDER BY campaign, root"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("list deployments"))?;
        DeploymentRow::from_rows(&rows)
    }
}
