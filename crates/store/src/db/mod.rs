//! The server's store: API keys, sign-in nonces, creator campaigns, sign-ups, bounty tasks and
//! submissions, the gasless-claim relay queue and jobs — on a SQLite file (the default, WAL) or
//! PostgreSQL, chosen by the URL.
//!
//! One pool type for both back ends (sqlx's `Any` driver) and one set of queries written in the
//! SQL both speak (`$N` parameters in increasing order, `RETURNING`, `ON CONFLICT`); only the
//! schema (migrations, one set per back end) and the relay queue's row lock differ. The store
//! never reads the clock: callers pass unix seconds, so tests control time.
//!
//! One file per table family, each adding its methods to the one [`Db`]: `keys` (API keys and
//! sign-in nonces), `campaigns` (campaigns, their source files, publishing and bundle files),
//! `community` (sign-ups, tasks, submissions, points), `jobs`, `relay` and `deployments`. Rows are read by column name, and the states kept as text (`JobState`,
//! `RelayState`, `SubmissionStatus`) are enums converted only at the SQL boundary.

mod campaigns;
mod community;
mod deployments;
mod jobs;
mod keys;
mod relay;

pub use campaigns::CampaignRow;
pub use community::{NewSubmission, Points, SignupRow, SubmissionRow, SubmissionStatus, TaskRow};
pub use deployments::DeploymentRow;
pub use jobs::{JobRow, JobState};
pub use keys::{ApiKeyRow, NonceUse};
pub use relay::{NewRelay, RelayRow, RelayState};

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
                include_str!("../../migrations/sqlite/0001_server.sql"),
            ),
            (
                2,
                "bundle files",
                include_str!("../../migrations/sqlite/0002_bundle_files.sql"),
            ),
            (
                3,
                "deployments",
                include_str!("../../migrations/sqlite/0003_deployments.sql"),
            ),
        ],
        Backend::Postgres => [
            (
                1,
                "server",
                include_str!("../../migrations/postgres/0001_server.sql"),
            ),
            (
                2,
                "bundle files",
                include_str!("../../migrations/postgres/0002_bundle_files.sql"),
            ),
            (
                3,
                "deployments",
                include_str!("../../migrations/postgres/0003_deployments.sql"),
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
        let row = sqlx::query("SELECT COUNT(*) AS n FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err("readiness check"))?;
        let applied = scalar(&row, "readiness check")?;
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

/// One result row, read by column name so that a reordered `SELECT` cannot shift values into
/// the wrong fields; a missing or mistyped column is a database error during `op`.
struct Cols<'r> {
    row: &'r AnyRow,
    op: &'static str,
}

impl<'r> Cols<'r> {
    fn get<T>(&self, name: &str) -> Result<T>
    where
        T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        self.row.try_get(name).map_err(db_err(self.op))
    }
}

/// A row type of one table, built from its columns by name.
trait FromCols: Sized {
    /// What a failed read was doing, for the error.
    const OP: &'static str;
    fn from_cols(c: &Cols<'_>) -> Result<Self>;

    fn from_row(row: &AnyRow) -> Result<Self> {
        Self::from_cols(&Cols { row, op: Self::OP })
    }

    fn from_opt(row: Option<AnyRow>) -> Result<Option<Self>> {
        row.as_ref().map(Self::from_row).transpose()
    }

    fn from_rows(rows: &[AnyRow]) -> Result<Vec<Self>> {
        rows.iter().map(Self::from_row).collect()
    }
}

/// The single `n` column of a one-value query (a count).
fn scalar(row: &AnyRow, op: &'static str) -> Result<i64> {
    Cols { row, op }.get("n")
}

/// An enum stored as text: `as_str` writes it, `FromStr` reads it back, and text the program
/// never writes is [`StoreError::Data`] (the database was edited), not a silent default.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal, $expected:literal {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            #[doc = concat!("The stored text: ", $expected, ".")]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::StoreError;

            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(crate::error::StoreError::Data {
                        detail: format!(concat!($what, " {:?} is not ", $expected, "; the database was edited"), other),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Compares with the stored text, so callers and tests can still say `state == "done"`.
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}
use stored_enum;

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
