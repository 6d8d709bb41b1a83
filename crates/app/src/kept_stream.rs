//! Folds of single streams kept in memory with the seq of the last event they reflect, for the
//! write paths a month-end surge takes (issue 15): filing a report reads its period's reports
//! and the member's plans, and reading those streams from their start made each report cost
//! the whole period (8,000 events at the end of a 4,000-member month) and every plan.
//!
//! [`KeptStreams::lock`] brings a stream's fold up to date by applying only the events
//! appended after its seq (one indexed query, usually a few events) and hands it out locked:
//! writers of one period in this process take turns instead of racing for the period's slot
//! (ARCHITECTURE.md, "slots"), so a report loses a race only to the close or to another
//! process, and `retrying!` handles those. The log is append-only and read in seq order, so a
//! kept fold equals the fold of the stream read from its start (checked by the tests that
//! file reports, on both backends, and by `crates/app/tests/statement_fold.rs`).

use crate::{App, AppError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{OrgId, Page, StoredEvent, MAX_PAGE};

/// One stream's fold and the seq of the last event applied.
#[derive(Debug, Default)]
pub struct Kept<T> {
    seq: i64,
    pub value: T,
}

type Slot<T> = Arc<tokio::sync::Mutex<Kept<T>>>;

/// Kept folds of streams by (organisation, stream), bounded to [`KeptStreams::MAX_STREAMS`].
pub struct KeptStreams<T> {
    map: Mutex<HashMap<(OrgId, String), Slot<T>>>,
}

impl<T> Default for KeptStreams<T> {
    fn default() -> Self {
        KeptStreams {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Default + Send> KeptStreams<T> {
    pub const MAX_STREAMS: usize = 1_024;

    /// The fold of `stream`, brought up to the stream's last event with `apply`, locked until
    /// the guard is dropped. When applying fails the fold starts again from the stream's
    /// first event next time.
    pub async fn lock(
        &self,
        app: &App,
        org_id: OrgId,
        stream: &str,
        apply: impl Fn(&mut T, &StoredEvent) -> Result<(), AppError>,
    ) -> Result<tokio::sync::OwnedMutexGuard<Kept<T>>, AppError> {
        let slot = {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            let key = (org_id, stream.to_string());
            if !map.contains_key(&key) && map.len() >= Self::MAX_STREAMS {
                map.retain(|_, s| Arc::strong_count(s) > 1);
            }
            map.entry(key).or_default().clone()
        };
        let mut kept = slot.lock_owned().await;
        loop {
            let page = Page {
                after_id: kept.seq,
                limit: MAX_PAGE,
            };
            let events = app.store().events(org_id, Some(stream), page).await?;
            let full = events.len() as u32 == MAX_PAGE;
            for e in &events {
                if let Err(err) = apply(&mut kept.value, e) {
                    *kept = Kept::default();
                    return Err(err);
                }
                kept.seq = e.seq;
            }
            if !full {
                break;
            }
        }
        Ok(kept)
    }
}
