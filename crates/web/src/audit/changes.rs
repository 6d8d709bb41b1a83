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

use crate::shell::names::Names;
use crate::shell::words::string_in_words;
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
/// Payload fields that say which thing an event is about, within its stream. A ballot is about
/// its proposal and its seat: the "before" of a vote is never another seat's ballot.
const IDENTITY: [&str; 10] = [
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
    // A ballot's board seat (`ballot.cast`; issue 17: never compared with another's vote).
    "seat",
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

/// One field of a payload as shown: name and value (truncated), and the value as stored (for
/// the page, which shows it in words: [`shown_field`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub raw: Value,
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

impl Change {
    /// A turn taken to keep concurrent writers in order (`*.slot`) or a request's claim: its
    /// data is another record's key, which the page does not show (the API does).
    pub fn internal(&self) -> bool {
        self.kind.ends_with(".slot") || self.kind.starts_with("api.claim")
    }
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
        raw: v.cloned().unwrap_or(Value::Null),
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

// ---------------------------------------------------------------- as a board member reads it

/// Whether a payload field holds a member's id.
fn is_member_field(name: &str) -> bool {
    matches!(
        name,
        "member" | "borrower" | "lessee" | "to_member" | "from_member"
    ) || name.ends_with("member_id")
}

/// Whether a payload field holds a person's login.
fn is_login_field(name: &str) -> bool {
    matches!(
        name,
        "login" | "actor" | "by" | "created_by" | "decided_by" | "proposed_by"
    )
}

/// Fields that only tie records together (ids of other records, hashes, keys): the page
/// leaves them out, the API keeps them.
fn is_internal_field(name: &str) -> bool {
    !is_member_field(name)
        && (name == "id"
            || name.ends_with("_id")
            || name.ends_with("_ids")
            || name.ends_with("hash")
            || name.ends_with("sha256")
            || matches!(
                name,
                "seat"
                    | "key"
                    | "assignment"
                    | "import"
                    | "org"
                    | "slot"
                    | "act"
                    | "part"
                    | "parts"
                    | "lines"
                    | "tier_index"
                    | "truncated"
                    | "time_limit_ms"
                    | "deposits_source"
            ))
}

impl Names {
    /// The names behind the logins and member ids of `changes` (their payloads and those of
    /// their previous states), read once each; what cannot be read keeps its id.
    pub async fn of(app: &App, org_id: OrgId, changes: &[Change]) -> Names {
        fn collect(v: &Value, logins: &mut BTreeSet<String>, members: &mut BTreeSet<i64>) {
            match v {
                Value::Object(obj) => {
                    for (k, x) in obj {
                        match x {
                            Value::Number(n) if is_member_field(k) => {
                                members.extend(n.as_i64());
                            }
                            Value::String(l) if is_login_field(k) => {
                                logins.insert(l.clone());
                            }
                            _ => collect(x, logins, members),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|x| collect(x, logins, members)),
                _ => {}
            }
        }
        let mut logins = BTreeSet::new();
        let mut members = BTreeSet::new();
        for c in changes {
            logins.insert(c.actor.clone());
            for p in std::iter::once(&c.payload).chain(c.previous_payload.as_ref()) {
                if let Ok(v) = serde_json::from_str::<Value>(p) {
                    collect(&v, &mut logins, &mut members);
                }
            }
        }
        let mut names = Names::of_logins(app, logins).await;
        if org_id != store::PROGRAMME_ORG {
            for id in members {
                if let Ok(m) = app.store().member(org_id, id).await {
                    names
                        .members
                        .insert(id, format!("{} {}", m.data.given_names, m.data.surnames));
                }
            }
        }
        names
    }
}

/// What a change is, in words: the catalogue's `event.<kind>`, or the kind of thing it is
/// about (`audit.family.<first part>`), never the stored kind.
pub fn kind_label(t: crate::shell::Tr, kind: &str) -> String {
    if let Some(label) = t.event_kind(kind) {
        return label.to_string();
    }
    let family = kind.split('.').next().unwrap_or(kind);
    match t.lookup(&format!("audit.family.{family}")) {
        Some(thing) => t.fmt("audit.change_of", thing),
        None => t.get("audit.change").to_string(),
    }
}

/// A field's name in words (`audit.f.<name>`, an amount's without its `_minor`).
fn field_label(t: crate::shell::Tr, name: &str) -> String {
    let base = name.strip_suffix("_minor").unwrap_or(name);
    t.lookup(&format!("audit.f.{base}"))
        .map(str::to_string)
        .unwrap_or_else(|| base.replace('_', " "))
}

/// A stored value in words: pesos in Mexican format for amounts (`_minor`), names for members
/// and logins, dates and times in America/Mexico_City, months by name, yes/no, and the
/// catalogue's word for a known state (`audit.v.<value>`); a list or a record as its parts.
fn value_in_words(t: crate::shell::Tr, names: &Names, name: &str, v: &Value) -> String {
    let text = match v {
        Value::Null => "—".to_string(),
        Value::Bool(b) => t.get(if *b { "audit.yes" } else { "audit.no" }).to_string(),
        Value::Number(n) if name.ends_with("_minor") => n.as_i64().map_or_else(
            || n.to_string(),
            |m| crate::shell::format::pesos_es_mx(i128::from(m)),
        ),
        Value::Number(n) if is_member_field(name) => n
            .as_i64()
            .and_then(|id| names.members.get(&id).cloned())
            .unwrap_or_else(|| t.fmt("audit.member_no", &n.to_string())),
        Value::Number(n) => n.to_string(),
        Value::String(s) if is_login_field(name) => names.actor(t, s),
        Value::String(s) if name == "subject" => crate::shell::words::subject_words(t, s),
        Value::String(s) => string_in_words(t, s),
        Value::Array(items) if items.iter().all(|x| !x.is_object() && !x.is_array()) => items
            .iter()
            .map(|x| value_in_words(t, names, name, x))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(items) => t.fmt("audit.items", &items.len().to_string()),
        Value::Object(obj) => {
            let parts: Vec<(&String, &Value)> = obj
                .iter()
                .filter(|(k, _)| !is_internal_field(k) && !SECRETS.contains(&k.as_str()))
                .collect();
            match parts.as_slice() {
                // A record of one field is its value (`{"state": "open"}` is "abierta").
                [(k, x)] => value_in_words(t, names, k, x),
                _ => parts
                    .iter()
                    .map(|(k, x)| {
                        format!("{}: {}", field_label(t, k), value_in_words(t, names, k, x))
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        }
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

/// A field as the page shows it, `(label, value)`; `None` for a field that only ties records
/// together (ids, hashes, keys).
pub fn shown_field(t: crate::shell::Tr, names: &Names, f: &Field) -> Option<(String, String)> {
    if f.name.is_empty() {
        return Some((String::new(), value_in_words(t, names, "", &f.raw)));
    }
    if is_internal_field(&f.name) {
        return None;
    }
    Some((
        field_label(t, &f.name),
        value_in_words(t, names, &f.name, &f.raw),
    ))
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

    /// Issue 17: a board member reads the log in Spanish: pesos without centavos when there
    /// are none, names for member ids and logins, local time, months and dates by name; ids
    /// and hashes are left out.
    #[test]
    fn fields_read_in_words() {
        let t = crate::shell::Tr::default();
        let mut names = Names::default();
        names.members.insert(7, "Ana Pérez".to_string());
        names
            .users
            .insert("consejo".to_string(), "Luis Gómez".to_string());
        let f = |name: &str, raw: Value| Field {
            name: name.to_string(),
            value: String::new(),
            raw,
        };
        let show = |name: &str, raw: Value| shown_field(t, &names, &f(name, raw));
        // 1,250,000 centavos are 12,500 pesos; 125,050 are 1,250.50.
        assert_eq!(
            show("amount_minor", json!(1_250_000)),
            Some(("Monto".to_string(), "$12,500".to_string()))
        );
        assert_eq!(show("amount_minor", json!(125_050)).unwrap().1, "$1,250.50");
        assert_eq!(show("member_id", json!(7)).unwrap().1, "Ana Pérez");
        assert_eq!(show("login", json!("consejo")).unwrap().1, "Luis Gómez");
        // 02:15 UTC on 1 March is 20:15 on 28 February in Mexico City (UTC−6).
        assert_eq!(
            show("at", json!("2026-03-01T02:15:00Z")).unwrap().1,
            "28 feb 2026 20:15"
        );
        assert_eq!(show("period", json!("2026-03")).unwrap().1, "marzo 2026");
        assert_eq!(show("on", json!("2026-03-05")).unwrap().1, "5 mar 2026");
        assert_eq!(show("vote", json!("for")).unwrap().1, "a favor");
        assert_eq!(show("proposal_id", json!(3)), None);
        assert_eq!(show("seat", json!(3)), None);
        assert_eq!(kind_label(t, "ballot.cast"), "Voto emitido");
        // A credit event's type, and a proposal's subject, in words.
        assert_eq!(
            show("type", json!("loan-paid")).unwrap().1,
            "Pago de préstamo"
        );
        assert_eq!(
            show("subject", json!("loan:2")).unwrap().1,
            "préstamo n.º 2"
        );
        assert_eq!(show("borrower", json!(7)).unwrap().1, "Ana Pérez");
    }
}
