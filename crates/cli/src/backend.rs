//! The only place that picks a storage backend: from the database URL.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn kind(url: &str) -> Backend {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// `sqlite://PATH`, `sqlite:PATH` or a bare path.
pub fn sqlite_path(url: &str) -> PathBuf {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(path)
}

pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match kind(url) {
        Backend::Postgres => Arc::new(
            store_postgres::PgStore::connect(url)
                .await
                .context("database: cannot connect to PostgreSQL")?,
        ),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            Arc::new(
                store_sqlite::SqliteStore::open(&path)
                    .await
                    .with_context(|| format!("database: cannot open {}", path.display()))?,
            )
        }
    })
}
