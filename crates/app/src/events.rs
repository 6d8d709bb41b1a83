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
