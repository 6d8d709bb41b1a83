//! The domain-event log: appending events (inside a commit's transaction) and reading them.

use crate::sql::{json_strings, multi_row_insert, rows_per_statement};
use crate::{backend, corrupt};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::Row;
use std::collections::HashMap;
use store::{NewEvent, OrgId, Page, StoreError, StoreResult, StoredEvent, MAX_PAGE};

const COLUMNS: &str = "seq, stream, kind, key, payload, actor, origin, recorded_at";

/// Events committed before under the keys of `events`, by key: (seq, stream, kind, payload).
type Committed = HashMap<String, (i64, String, String, String)>;

/// The organisation's next seq, and the events of `events` committed before. One statement
/// (one hand-over to the database thread); the matches come back as one JSON array.
async fn existing(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    events: &[NewEvent],
) -> StoreResult<(i64, Committed)> {
    let keys = json_strings(events.iter().map(|e| e.key.as_str()));
    let (next_seq, committed): (i64, String) = sqlx::query_as(
        "SELECT (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE org_id = ?1), \
                (SELECT json_group_array(json_array(key, seq, stream, kind, payload)) \
                 FROM events INDEXED BY events_by_key \
                 WHERE org_id = ?1 AND key IN (SELECT value FROM json_each(?2)))",
    )
    .bind(org_id)
    .bind(keys)
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    let committed: Vec<(String, i64, String, String, String)> =
        serde_json::from_str(&committed).map_err(|e| corrupt(format!("events: {e}")))?;
    let before = committed
        .into_iter()
        .map(|(key, seq, stream, kind, payload)| (key, (seq, stream, kind, payload)))
        .collect();
    Ok((next_seq, before))
}

/// Whether the call that carries `events` is a replay: `events` is not empty and every one
/// was committed before with the same data. An event committed before with other data, or
/// some of the events but not all (another change recorded them), is a conflict, answered
/// before the caller changes anything. Inside the caller's write transaction (SQLite has one
/// writer, so the answer holds until it commits).
pub(crate) async fn is_replay(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    events: &[NewEvent],
) -> StoreResult<bool> {
    if events.is_empty() {
        return Ok(false);
    }
    let (_, before) = existing(conn, org_id, events).await?;
    for event in events {
        if let Some((_, stream, kind, payload)) = before.get(&event.key) {
            if (stream, kind, payload) != (&event.stream, &event.kind, &event.payload) {
                return Err(StoreError::event_key_conflict(&event.key));
            }
        }
    }
    let present = events
        .iter()
        .filter(|e| before.contains_key(&e.key))
        .count();
    if present > 0 && present < events.len() {
        return Err(StoreError::conflict(format!(
            "events: {present} of the {} were committed before by another change",
            events.len()
        )));
    }
    Ok(present == events.len())
}

/// Appends the events not committed before, in order; the caller owns the transaction and has
/// run `store::check_commit`. Answers (seq, created) per event.
pub(crate) async fn append(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    events: &[NewEvent],
) -> StoreResult<Vec<(i64, bool)>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let (next_seq, before) = existing(conn, org_id, events).await?;
    let mut answers = Vec::with_capacity(events.len());
    let mut fresh: Vec<(i64, &NewEvent)> = Vec::new();
    let mut in_commit: HashMap<&str, i64> = HashMap::new();
    for event in events {
        if let Some((seq, stream, kind, payload)) = before.get(&event.key) {
            if (stream, kind, payload) != (&event.stream, &event.kind, &event.payload) {
                return Err(StoreError::event_key_conflict(&event.key));
            }
            answers.push((*seq, false));
        } else if let Some(&seq) = in_commit.get(event.key.as_str()) {
            // check_commit made sure a repeated key carries the same data.
            answers.push((seq, false));
        } else {
            let seq = next_seq + fresh.len() as i64;
            in_commit.insert(event.key.as_str(), seq);
            fresh.push((seq, event));
            answers.push((seq, true));
        }
    }
    const PER_ROW: usize = 9;
    for chunk in fresh.chunks(rows_per_statement(PER_ROW)) {
        let sql = multi_row_insert(
            "INSERT INTO events (org_id, seq, stream, kind, key, payload, actor, origin, \
             recorded_at)",
            PER_ROW,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query(&sql);
        for (seq, event) in chunk {
            query = query
                .bind(org_id)
                .bind(*seq)
                .bind(&event.stream)
                .bind(&event.kind)
                .bind(&event.key)
                .bind(&event.payload)
                .bind(&event.actor)
                .bind(&event.origin)
                .bind(
                    event
                        .recorded_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                );
        }
        query.execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(answers)
}

fn from_row(row: &SqliteRow) -> StoreResult<StoredEvent> {
    let recorded_at: String = row.get("recorded_at");
    let recorded_at = parse_recorded_at(&recorded_at)?;
    Ok(StoredEvent {
        seq: row.get("seq"),
        event: NewEvent {
            stream: row.get("stream"),
            kind: row.get("kind"),
            key: row.get("key"),
            payload: row.get("payload"),
            actor: row.get("actor"),
            origin: row.get("origin"),
            recorded_at,
        },
    })
}

/// A page of events comes back as ONE row holding a JSON array of them: sqlx hands every
/// row from the database thread to the caller separately, and on a page of 1,000 events
/// that hand-over cost several times the query (measured with the credit day's reads).
const PAGE_AS_JSON: &str = "json_group_array(json_array(\
    seq, stream, kind, key, payload, actor, origin, recorded_at))";

/// One event as `PAGE_AS_JSON` encodes it.
type EventTuple = (i64, String, String, String, String, String, String, String);

pub(crate) async fn events(
    pool: &SqlitePool,
    org_id: OrgId,
    stream: Option<&str>,
    page: Page,
) -> StoreResult<Vec<StoredEvent>> {
    let limit = page.limit.min(MAX_PAGE);
    let json: String = match stream {
        Some(stream) => {
            sqlx::query_scalar(&format!(
                "SELECT {PAGE_AS_JSON} FROM (SELECT * FROM events INDEXED BY events_by_stream \
                 WHERE org_id = ?1 AND stream = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4)"
            ))
            .bind(org_id)
            .bind(stream)
            .bind(page.after_id)
            .bind(limit)
            .fetch_one(pool)
            .await
        }
        None => {
            sqlx::query_scalar(&format!(
                "SELECT {PAGE_AS_JSON} FROM (SELECT * FROM events \
                 WHERE org_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3)"
            ))
            .bind(org_id)
            .bind(page.after_id)
            .bind(limit)
            .fetch_one(pool)
            .await
        }
    }
    .map_err(backend)?;
    let tuples: Vec<EventTuple> =
        serde_json::from_str(&json).map_err(|e| corrupt(format!("events page: {e}")))?;
    let mut events = tuples
        .into_iter()
        .map(
            |(seq, stream, kind, key, payload, actor, origin, recorded_at)| {
                Ok(StoredEvent {
                    seq,
                    event: NewEvent {
                        stream,
                        kind,
                        key,
                        payload,
                        actor,
                        origin,
                        recorded_at: parse_recorded_at(&recorded_at)?,
                    },
                })
            },
        )
        .collect::<StoreResult<Vec<_>>>()?;
    // The aggregate's order is not promised by SQL: put the page in seq order.
    events.sort_unstable_by_key(|e| e.seq);
    Ok(events)
}

fn parse_recorded_at(text: &str) -> StoreResult<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(|e| corrupt(format!("events.recorded_at '{text}': {e}")))?
        .with_timezone(&Utc))
}

pub(crate) async fn event_by_key(
    pool: &SqlitePool,
    org_id: OrgId,
    key: &str,
) -> StoreResult<StoredEvent> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE org_id = ?1 AND key = ?2"
    ))
    .bind(org_id)
    .bind(key)
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    match row {
        Some(row) => from_row(&row),
        None => Err(StoreError::not_found(format!("event '{key}'"))),
    }
}
