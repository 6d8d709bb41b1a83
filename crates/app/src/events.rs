//! Small helpers over the domain-event log that every use case shares: who acted, building an
//! event from a serialisable payload, and folding a stream.

use crate::AppError;
use chrono::Utc;
use serde::de::DeserializeOwned;
use serde::Serialize;
use store::{NewEvent, OrgId, Page, Store, StoredEvent};

/// Who did something and from where: the audit trail of every event (R-GOV-2 "who voted what
/// and when", issue 5's audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A user login, or `cli`, `demo`, `system`.
    pub name: String,
    /// An IP address, or `cli`, `demo`.
    pub origin: String,
}

impl Actor {
    pub fn new(name: impl Into<String>, origin: impl Into<String>) -> Self {
        Actor {
            name: name.into(),
            origin: origin.into(),
        }
    }

    /// The command line, run by whoever has the machine.
    pub fn cli() -> Self {
        Actor::new("cli", "cli")
    }

    /// The demo loader.
    pub fn demo() -> Self {
        Actor::new("demo", "demo")
    }
}

/// An event carrying `payload` as JSON, recorded now by `actor`.
pub fn event<T: Serialize>(
    actor: &Actor,
    stream: &str,
    kind: &str,
    key: String,
    payload: &T,
) -> Result<NewEvent, AppError> {
    let payload = serde_json::to_string(payload)
        .map_err(|e| AppError::Integrity(format!("event {key}: cannot serialise: {e}")))?;
    Ok(NewEvent {
        stream: stream.to_string(),
        kind: kind.to_string(),
        key,
        payload,
        actor: actor.name.clone(),
        origin: actor.origin.clone(),
        recorded_at: Utc::now(),
    })
}

/// Reads a stored event's payload as `T`.
pub fn payload<T: DeserializeOwned>(event: &StoredEvent) -> Result<T, AppError> {
    serde_json::from_str(&event.event.payload).map_err(|e| {
        AppError::Integrity(format!(
            "event {} ({}): unreadable payload: {e}",
            event.event.key, event.event.kind
        ))
    })
}

/// Most events one fold reads; a stream longer than this is a design error worth reporting.
pub const MAX_FOLD_EVENTS: usize = 2_000_000;

/// Every event of `stream` in order, read a page at a time.
pub async fn read_stream(
    store: &dyn Store,
    org_id: OrgId,
    stream: &str,
) -> Result<Vec<StoredEvent>, AppError> {
    let mut all = Vec::new();
    let mut page = Page::first(store::MAX_PAGE);
    loop {
        let batch = store.events(org_id, Some(stream), page).await?;
        let Some(last) = batch.last() else { break };
        page.after_id = last.seq;
        all.extend(batch);
        if all.len() > MAX_FOLD_EVENTS {
            return Err(AppError::Integrity(format!(
                "stream {stream} of organisation {org_id} has more than {MAX_FOLD_EVENTS} events"
            )));
        }
    }
    Ok(all)
}

/// The first event (of `stream`, when given) after `after`, if any: one indexed row.
async fn first_after(
    store: &dyn Store,
    org_id: OrgId,
    stream: Option<&str>,
    after: i64,
) -> Result<Option<i64>, AppError> {
    let page = Page {
        after_id: after.max(0),
        limit: 1,
    };
    Ok(store
        .events(org_id, stream, page)
        .await?
        .first()
        .map(|e| e.seq))
}

/// The last seq of the organisation's log (of `stream`, when given), 0 when it has none,
/// without reading the log: a galloping then binary search over single-row reads (about
/// 2·log2(seq) of them). The log is append-only and seqs grow, so this is exact at the time of
/// the last read.
pub async fn last_seq(
    store: &dyn Store,
    org_id: OrgId,
    stream: Option<&str>,
) -> Result<i64, AppError> {
    let Some(mut lo) = first_after(store, org_id, stream, 0).await? else {
        return Ok(0);
    };
    // Gallop: `lo` is an event; find `hi` with nothing after it.
    let mut step: i64 = 1;
    let mut hi = loop {
        let probe = lo.saturating_add(step);
        match first_after(store, org_id, stream, probe).await? {
            Some(seq) => {
                lo = seq;
                step = step.saturating_mul(2);
            }
            None => break probe,
        }
    };
    // Binary search: an event at `lo`, none after `hi`.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match first_after(store, org_id, stream, mid).await? {
            Some(seq) => lo = seq,
            None => hi = mid,
        }
    }
    Ok(lo)
}

/// How many events of the window `(after, before)` one read can see (capped at `limit`), and
/// those events.
async fn window(
    store: &dyn Store,
    org_id: OrgId,
    stream: Option<&str>,
    after: i64,
    before: i64,
    limit: u32,
) -> Result<Vec<StoredEvent>, AppError> {
    let page = Page {
        after_id: after.max(0),
        limit,
    };
    let mut events = store.events(org_id, stream, page).await?;
    events.retain(|e| e.seq < before);
    Ok(events)
}

/// The `limit` events (of `stream`, when given) just before seq `before`, oldest first: the
/// page of a log read newest first. Reads at most about 2·log2(before) windows of `limit` rows
/// (seqs are dense within an organisation, so usually one). `limit` is capped at
/// [`store::MAX_PAGE`].
pub async fn events_before(
    store: &dyn Store,
    org_id: OrgId,
    stream: Option<&str>,
    before: i64,
    limit: u32,
) -> Result<Vec<StoredEvent>, AppError> {
    let limit = limit.clamp(1, store::MAX_PAGE);
    let n = limit as usize;
    if before <= 1 {
        return Ok(Vec::new());
    }
    // The tightest window first, then wider ones until it holds `limit` events or starts at 0.
    let mut width = i64::from(limit);
    let mut hi_short = before - 1; // a start whose window holds fewer than `limit`
                                   // A start whose window holds `limit` events.
    let lo_full = loop {
        let start = (before - 1 - width).max(0);
        let events = window(store, org_id, stream, start, before, limit).await?;
        if events.len() == n {
            if start == before - 1 - i64::from(limit) {
                return Ok(events); // dense: exactly the last `limit`
            }
            break start;
        }
        if start == 0 {
            return Ok(events); // fewer than `limit` before `before` in all
        }
        hi_short = start;
        width = width.saturating_mul(2);
    };
    // Binary search for the latest start whose window still holds `limit` events.
    let mut lo = lo_full;
    let mut hi = hi_short;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if window(store, org_id, stream, mid, before, limit)
            .await?
            .len()
            == n
        {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    window(store, org_id, stream, lo, before, limit).await
}

#[cfg(test)]
mod reverse_reading_tests {
    use super::*;
    use std::sync::Arc;

    async fn store_with(streams: &[&str]) -> (Arc<dyn Store>, OrgId) {
        let store: Arc<dyn Store> = Arc::new(
            store_sqlite::SqliteStore::open_in_memory()
                .await
                .expect("store"),
        );
        // The programme takes events without an organisation row.
        let org = store::PROGRAMME_ORG;
        let actor = Actor::cli();
        let events = streams
            .iter()
            .enumerate()
            .map(|(i, s)| event(&actor, s, "t", format!("k{i}"), &i).expect("event"))
            .collect();
        store
            .commit(
                org,
                &store::Commit {
                    events,
                    ..Default::default()
                },
            )
            .await
            .expect("commit");
        (store, org)
    }

    #[tokio::test]
    async fn the_last_seq_and_the_pages_before_a_seq_read_newest_first() {
        let streams: Vec<&str> = (0..37)
            .map(|i| if i % 3 == 0 { "a" } else { "b" })
            .collect();
        let (store, org) = store_with(&streams).await;
        let all = store.events(org, None, Page::first(100)).await.unwrap();
        let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
        assert_eq!(
            last_seq(&*store, org, None).await.unwrap(),
            *seqs.last().unwrap()
        );
        let a: Vec<i64> = all
            .iter()
            .filter(|e| e.event.stream == "a")
            .map(|e| e.seq)
            .collect();
        assert_eq!(a.len(), 13);
        assert_eq!(
            last_seq(&*store, org, Some("a")).await.unwrap(),
            *a.last().unwrap()
        );
        assert_eq!(last_seq(&*store, org, Some("zzz")).await.unwrap(), 0);
        // Every page before every seq is exactly the `limit` seqs before it.
        for before in [1, 2, 5, seqs[20], seqs[36] + 1, seqs[36] + 50] {
            for limit in [1u32, 4, 10, 100] {
                let got: Vec<i64> = events_before(&*store, org, None, before, limit)
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| e.seq)
                    .collect();
                let want: Vec<i64> = {
                    let below: Vec<i64> = seqs.iter().copied().filter(|s| *s < before).collect();
                    below[below.len().saturating_sub(limit as usize)..].to_vec()
                };
                assert_eq!(got, want, "before {before}, limit {limit}");
                let got_a: Vec<i64> = events_before(&*store, org, Some("a"), before, limit)
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| e.seq)
                    .collect();
                let want_a: Vec<i64> = {
                    let below: Vec<i64> = a.iter().copied().filter(|s| *s < before).collect();
                    below[below.len().saturating_sub(limit as usize)..].to_vec()
                };
                assert_eq!(got_a, want_a, "stream a, before {before}, limit {limit}");
            }
        }
    }
}
