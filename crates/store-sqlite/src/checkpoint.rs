//! Checkpoints in the background. In WAL mode a commit appends its pages to the log, and a
//! checkpoint copies them back into the database file. Left to SQLite, the commit that takes
//! the log past `wal_autocheckpoint` pages copies them itself, so every few batches one write
//! waited for a checkpoint of megabytes (up to 10 ms against a median commit of 1.4 ms).
//!
//! Here a task copies them on a reader connection shortly after writes, while the writer
//! goes on. It is `PASSIVE`: it waits for no reader or writer. A page written by several
//! commits in the delay is copied once. The writer keeps its own automatic checkpoint at a
//! higher threshold (see [`WRITER_AUTOCHECKPOINT_PAGES`]): with writes arriving all the time
//! the background copy never quite catches up with the log's end, and the writer's own
//! checkpoint, which then has only the last commits left to copy, lets the log start over.
//! If this task cannot run, that threshold still bounds the log.

use sqlx::SqlitePool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long after a commit the task checkpoints (commits in between share the checkpoint).
const DELAY: Duration = Duration::from_millis(50);

/// The writer's own `wal_autocheckpoint`, in pages (SQLite's default is 1,000).
pub(crate) const WRITER_AUTOCHECKPOINT_PAGES: u32 = 4_000;

/// The background checkpoint task of one file database; stopped when dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Checkpointer {
    /// Starts the task, which checkpoints through `pool` (the store's readers).
    pub(crate) fn spawn(pool: SqlitePool) -> Self {
        let wake = Arc::new(Notify::new());
        let woken = Arc::clone(&wake);
        let task = tokio::spawn(async move {
            loop {
                // A commit while the task sleeps or copies leaves a permit: it runs again.
                woken.notified().await;
                tokio::time::sleep(DELAY).await;
                // A failed checkpoint loses nothing (the pages stay in the log) and the next
                // commit retries; the writer's own checkpoint bounds the log meanwhile.
                let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await;
            }
        });
        Checkpointer { wake, task }
    }

    /// A write committed: checkpoint soon.
    pub(crate) fn committed(&self) {
        self.wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
