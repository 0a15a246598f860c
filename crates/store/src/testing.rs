//! Test support (feature `test-support`): a fresh, migrated store on either back end.
//!
//! PostgreSQL comes from `AIRDROP_TEST_PG_URL` (an admin URL; `scripts/test` starts a throwaway
//! server with `scripts/pg-throwaway` and sets it), each test getting a database of its own.
//! Without it, each test starts its own throwaway server (slower, but `cargo test` still runs
//! every test on both back ends).

use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};
use sqlx::{Connection, Executor};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Environment variable naming the admin URL of a PostgreSQL for tests.
pub const PG_ENV: &str = "AIRDROP_TEST_PG_URL";

/// A migrated store that cleans up after itself.
#[derive(Debug)]
pub struct TestDb {
    /// The store.
    pub db: Db,
    /// Its URL (for a second process or pool on the same database).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    cluster: Option<PathBuf>,
}

impl std::ops::Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.cluster {
            let _ = Command::new(script()).arg("stop").arg(dir).status();
        }
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-throwaway")
}

fn fail(detail: String) -> StoreError {
    StoreError::Data { detail }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh store on `backend`.
pub async fn test_db(backend: Backend) -> Result<TestDb> {
    let dir = tempfile::tempdir().map_err(|e| fail(format!("temp dir: {e}")))?;
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite:{}", dir.path().join("store.db").display());
            Ok(TestDb {
                db: Db::connect(&url).await?,
                url,
                _dir: Some(dir),
                cluster: None,
            })
        }
        Backend::Postgres => {
            let (admin, cluster) = match std::env::var(PG_ENV) {
                Ok(u) if !u.is_empty() => (u, None),
                _ => {
                    let out = Command::new(script())
                        .arg("start")
                        .arg(dir.path())
                        .output()
                        .map_err(|e| fail(format!("scripts/pg-throwaway: {e}")))?;
                    if !out.status.success() {
                        return Err(fail(format!(
                            "scripts/pg-throwaway start failed: {}; set {PG_ENV} to a PostgreSQL admin url instead",
                            String::from_utf8_lossy(&out.stderr).trim()
                        )));
                    }
                    (
                        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
                        Some(dir.path().to_path_buf()),
                    )
                }
            };
            let name = format!(
                "t_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0)
            );
            let mut conn = sqlx::postgres::PgConnection::connect(&admin)
                .await
                .map_err(|source| StoreError::Connect {
                    url: crate::db::redact_url(&admin),
                    source,
                })?;
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .map_err(|source| StoreError::Db {
                    op: "create test database",
                    source,
                })?;
            let _ = conn.close().await;
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .ok_or_else(|| fail(format!("{PG_ENV} has no database part")))?;
            let url = format!("{base}/{name}");
            Ok(TestDb {
                db: Db::connect(&url).await?,
                url,
                _dir: Some(dir),
                cluster,
            })
        }
    }
}

/// Declares each named `async fn NAME(backend)` test body twice, as `NAME::sqlite` and
/// `NAME::postgres`, so every suite runs on both back ends the same way. With `setup = PATH`,
/// the body takes `PATH(backend).await` instead of the [`Backend`](crate::Backend) (e.g. a
/// [`TestDb`]); PATH is written as seen from inside the generated module (`super::db`).
#[macro_export]
macro_rules! on_both_backends {
    (setup = $setup:path; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($setup($crate::Backend::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($setup($crate::Backend::Postgres).await).await
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    )*};
}
