//! The audit log (issue 5 item 7, R-GOV-2): every change with who, when, from where and its
//! before and after, newest first, a bounded page at a time, optionally one stream. Nothing is
//! stored for it: the log is the domain-event log (append-only; the store refuses updates).
//!
//! - **after** is the event's data (its payload, secrets removed);
//! - **before** is the data of the previous event about the same thing: the same stream and,
//!   when the payload names them, the same identity fields (`id`, `member_id`, `login`,
//!   `proposal_id`, `plan_id`, `loan_id`, `lease_id`, `assignment`, `import`): a plan's change is compared with that
//!   plan's previous state, a corrected report with the report it corrects, a ballot with its
//!   proposal's previous event, never with another member's or proposal's. It is looked for among the [`LOOKBACK`] events of the stream
//!   before the page; an event with nothing before it is a creation; one whose previous state is
//!   further back says so instead of guessing.
//!
//! Shown as the fields that changed (before → after); a creation shows all its fields.

use app::events::{events_before, last_seq};
use app::{App, AppError};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use store::{OrgId, StoredEvent};

/// Events on one page of the log.
pub const PER_PAGE: u32 = 50;
/// Events of a stream read before the page to find the previous state of each change.
pub const LOOKBACK: u32 = 100;
/// Fields shown per side, and characters per value.
const MAX_FIELDS: usize = 12;
const MAX_VALUE_CHARS: usize = 80;
/// Payload fields that are never shown (password hashes, stored API responses).
const SECRETS: [&str; 2] = ["password_hash", "body"];
/// Payload fields that say which thing an event is about, within its stream.
const IDENTITY: [&str; 9] = [
    "id",
    "member_id",
    "login",
    "proposal_id",
    "plan_id",
    "loan_id",
    "lease_id",
    // A role assignment's content key (`role.assigned`, `role.ended`), and an import's hash.
    "assignment",
    "import",
];

/// What came before a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// The first event about this thing: nothing before.
    Created,
    /// The previous state, at this seq, as field lines.
    Was { seq: i64, fields: Vec<Field> },
    /// The previous event about it is further back than [`LOOKBACK`] events of the stream.
    FurtherBack,
}

/// One field of a payload as shown: name and value (truncated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// One change of the log.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub origin: String,
    pub kind: String,
    /// The stream as shown (a session's token hash is not shown).
    pub stream: String,
    /// Whether the stream can be filtered on (not a session's).
    pub filterable: bool,
    pub before: Before,
    /// The fields that changed (all of them for a creation), after the change.
    pub after: Vec<Field>,
    /// The payload, secrets removed, whole, for the API.
    pub payload: String,
    pub previous_payload: Option<String>,
}

/// A page of the log, newest first, and the `before` of the next (older) page.
pub struct AuditPage {
    pub changes: Vec<Change>,
    pub older: Option<i64>,
}

/// The payload as JSON with its secrets replaced, at any depth: a stored API response
/// (`api.response`, `{"response": {"status", "body"}}`) shows its status, never its body.
fn redacted(payload: &str) -> Value {
    fn hide(v: &mut Value) {
        match v {
            Value::Object(obj) => {
                for (k, x) in obj.iter_mut() {
                    if SECRETS.contains(&k.as_str()) {
                        *x = Value::String("…".into());
                    } else {
                        hide(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(hide),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(payload) {
        Ok(mut v) => {
            hide(&mut v);
            v
        }
        Err(_) => Value::String("…".into()),
    }
}

/// The payload as JSON text with its secrets replaced, whole (for the API: it must parse).
pub fn redacted_text(payload: &str) -> String {
    redacted(payload).to_string()
}

fn shown(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        format!(
            "{}…",
            text.chars().take(MAX_VALUE_CHARS).collect::<String>()
        )
    } else {
        text
    }
}

/// What an event is about: its stream and the identity fields its payload carries.
fn subject(e: &StoredEvent) -> (String, Vec<String>) {
    let v = serde_json::from_str::<Value>(&e.event.payload).unwrap_or(Value::Null);
    let ids = IDENTITY
        .iter()
        .filter_map(|k| v.get(k).map(|x| format!("{k}={x}")))
        .collect();
    (e.event.stream.clone(), ids)
}

/// The fields that differ between `before` and `after` (every field of `after` when there is
/// no before), as (before, after) lines.
pub fn diff(before: Option<&Value>, after: &Value) -> (Vec<Field>, Vec<Field>) {
    let field = |name: &str, v: Option<&Value>| Field {
        name: name.to_string(),
        value: v.map_or_else(|| "—".to_string(), shown),
    };
    match (before, after) {
        (Some(Value::Object(b)), Value::Object(a)) => {
            let names: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            let changed: Vec<&String> = names
                .into_iter()
                .filter(|k| b.get(*k) != a.get(*k))
                .take(MAX_FIELDS)
                .collect();
            (
                changed.iter().map(|k| field(k, b.get(*k))).collect(),
                changed.iter().map(|k| field(k, a.get(*k))).collect(),
            )
        }
        (None, Value::Object(a)) => (
            Vec::new(),
            a.iter()
                .take(MAX_FIELDS)
                .map(|(k, v)| field(k, Some(v)))
                .collect(),
        ),
        (b, a) if b == Some(a) => (Vec::new(), Vec::new()),
        (b, a) => (
            b.map(|b| vec![field("", Some(b))]).unwrap_or_default(),
            vec![field("", Some(a))],
        ),
    }
}

/// One page of the log of `org_id` (the programme's with [`store::PROGRAMME_ORG`]), newest
/// first: the [`PER_PAGE`] events before seq `before` (the newest when `None`), of `stream`
/// when given.
pub async fn page(
    app: &App,
    org_id: OrgId,
    stream: Option<&str>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    let store = app.store().as_ref();
    let before = match before {
        Some(b) => b.max(0),
        None => last_seq(store, org_id, stream).await?.saturating_add(1),
    };
    let events = events_before(store, org_id, stream, before, PER_PAGE).await?;
    let older = (events.len() as u32 == PER_PAGE)
        .then(|| events.first().map(|e| e.seq))
        .flatten();
    // The page covers a run of seqs: every event of a stream in that run is on it. What came
    // before the run is read once per stream.
    let mut streams: HashMap<String, i64> = HashMap::new();
    for e in &events {
        let first = streams.entry(e.event.stream.clone()).or_insert(e.seq);
        *first = (*first).min(e.seq);
    }
    type Subjected = Vec<((String, Vec<String>), StoredEvent)>;
    let mut history: HashMap<String, (bool, Subjected)> = HashMap::new();
    for (s, first) in streams {
        let earlier = events_before(store, org_id, Some(&s), first, LOOKBACK).await?;
        // Fewer than LOOKBACK: this is the stream from its start.
        let complete = (earlier.len() as u32) < LOOKBACK;
        let earlier = earlier.into_iter().map(|e| (subject(&e), e)).collect();
        history.insert(s, (complete, earlier));
    }
    let subjects: Vec<(String, Vec<String>)> = events.iter().map(subject).collect();
    let mut changes = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let subj = &subjects[i];
        let (complete, earlier) = &history[&e.event.stream];
        let previous = events[..i]
            .iter()
            .zip(&subjects[..i])
            .rev()
            .find(|(_, s)| *s == subj)
            .map(|(p, _)| p)
            .or_else(|| {
                earlier
                    .iter()
                    .rev()
                    .find(|(s, _)| s == subj)
                    .map(|(_, p)| p)
            });
        let after_v = redacted(&e.event.payload);
        let (before, after) = match previous {
            Some(p) => {
                let before_v = redacted(&p.event.payload);
                let (b, a) = diff(Some(&before_v), &after_v);
                (
                    Before::Was {
                        seq: p.seq,
                        fields: b,
                    },
                    a,
                )
            }
            None => {
                let (_, a) = diff(None, &after_v);
                (
                    if *complete {
                        Before::Created
                    } else {
                        Before::FurtherBack
                    },
                    a,
                )
            }
        };
        let session = e.event.stream.starts_with("session:");
        changes.push(Change {
            seq: e.seq,
            recorded_at: e.event.recorded_at,
            actor: e.event.actor.clone(),
            origin: e.event.origin.clone(),
            kind: e.event.kind.clone(),
            // Session streams name a token hash; the log shows the event, not the hash.
            stream: if session {
                "session".to_string()
            } else {
                e.event.stream.clone()
            },
            filterable: !session,
            before,
            after,
            payload: redacted_text(&e.event.payload),
            previous_payload: previous.map(|p| redacted_text(&p.event.payload)),
        });
    }
    changes.reverse();
    Ok(AuditPage { changes, older })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn password_hashes_never_reach_the_audit_log() {
        let shown = redacted_text(r#"{"login":"ana","password_hash":"$argon2id$v=19$secret"}"#);
        assert!(!shown.contains("argon2"), "{shown}");
        assert!(shown.contains("ana"));
    }

    #[test]
    fn issue_15_a_stored_api_response_shows_its_status_never_its_body() {
        let payload = json!({
            "request_sha256": "ab12",
            "response": {"status": 201, "body": "{\"token\":\"secreto\"}"},
        })
        .to_string();
        let shown = redacted_text(&payload);
        assert!(!shown.contains("secreto"), "{shown}");
        let v: Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(v["response"]["status"], 201);
        assert_eq!(v["response"]["body"], "…");
    }

    #[test]
    fn a_change_shows_the_fields_that_changed_and_a_creation_all_of_them() {
        let before = json!({"id": 3, "status": "active", "target": 100});
        let after = json!({"id": 3, "status": "suspended", "target": 100, "reason": "x"});
        let (b, a) = diff(Some(&before), &after);
        let line = |f: &Field| format!("{}: {}", f.name, f.value);
        assert_eq!(
            b.iter().map(line).collect::<Vec<_>>(),
            ["reason: —", "status: active"]
        );
        assert_eq!(
            a.iter().map(line).collect::<Vec<_>>(),
            ["reason: x", "status: suspended"]
        );
        let (b, a) = diff(None, &before);
        assert!(b.is_empty());
        assert_eq!(a.len(), 3);
    }
}
