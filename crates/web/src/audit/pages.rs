//! The audit log's pages: an ODF's and the programme's (R-GOV-2, see `changes`).

use crate::shell::{check, render, require, visible_org, Ctx, Nav, PageError, PageResult, Tr};
use crate::AppState;
use app::access_cases::Action;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use store::PROGRAMME_ORG;

// ---------------------------------------------------------------- audit log

/// One change as the audit page shows it.
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    /// Who, by name.
    pub actor: String,
    pub origin: String,
    /// What the change is, in words (see [`crate::audit::changes::kind_label`]).
    pub label: String,
    /// The link that shows the history of the same thing alone (none for a session's).
    pub stream_link: Option<String>,
    /// "Created", "further back", or the previous event's seq as text.
    pub before_note: String,
    pub before: Vec<(String, String)>,
    pub after: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    nav: Nav,
    title: String,
    base: String,
    stream: String,
    rows: Vec<AuditRow>,
    older: Option<String>,
    newest: Option<String>,
}

/// `?antes=<seq>` pages back (newest first); `?flujo=<stream>` shows one stream.
#[derive(Deserialize)]
pub struct AuditQuery {
    antes: Option<i64>,
    flujo: Option<String>,
}

/// Longest stream name accepted in the filter (stream names are short).
const MAX_STREAM_FILTER: usize = 200;

fn query_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn audit_response(
    state: &AppState,
    ctx: &Ctx,
    nav: Nav,
    title: String,
    org_id: i64,
    base: String,
    q: AuditQuery,
) -> PageResult {
    let t = ctx.t;
    let stream = q
        .flujo
        .map(|s| s.trim().chars().take(MAX_STREAM_FILTER).collect::<String>())
        .filter(|s| !s.is_empty());
    let page = crate::audit::changes::page(&state.app, org_id, stream.as_deref(), q.antes)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let filter = stream
        .as_deref()
        .map(|s| format!("flujo={}&", query_value(s)))
        .unwrap_or_default();
    // Issue 17: in words, with names, pesos and local time; no stored kind or JSON.
    let names = crate::shell::names::Names::of(&state.app, org_id, &page.changes).await;
    let words = |f: &[crate::audit::changes::Field]| -> Vec<(String, String)> {
        f.iter()
            .filter_map(|f| crate::audit::changes::shown_field(t, &names, f))
            .collect()
    };
    let rows = page
        .changes
        .iter()
        .map(|c| AuditRow {
            seq: c.seq,
            at: t.datetime(&c.recorded_at),
            actor: names.actor(t, &c.actor),
            origin: c.origin.clone(),
            label: crate::audit::changes::kind_label(t, &c.kind),
            stream_link: c
                .filterable
                .then(|| format!("{base}?flujo={}", query_value(&c.stream))),
            before_note: match &c.before {
                crate::audit::changes::Before::Created => t.get("audit.created").to_string(),
                crate::audit::changes::Before::FurtherBack => {
                    t.get("audit.further_back").to_string()
                }
                crate::audit::changes::Before::Was { seq, .. } => {
                    t.fmt("audit.was", &seq.to_string())
                }
            },
            before: match &c.before {
                crate::audit::changes::Before::Was { fields: f, .. } if !c.internal() => words(f),
                _ => Vec::new(),
            },
            after: if c.internal() {
                Vec::new()
            } else {
                words(&c.after)
            },
        })
        .collect();
    Ok(render(AuditPage {
        t,
        nav,
        title,
        older: page.older.map(|seq| format!("{base}?{filter}antes={seq}")),
        newest: (q.antes.is_some() || stream.is_some()).then(|| base.clone()),
        base,
        stream: stream.unwrap_or_default(),
        rows,
    }))
}

/// The ODF's audit log (board, supervisors).
pub async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewAudit)?;
    audit_response(
        &state,
        &ctx,
        Nav::for_session(t, &session, Some(&org)),
        org.data.name.clone(),
        org.id,
        format!("/odf/{}/bitacora", org.data.slug),
        q,
    )
    .await
}

/// Programme-level events (users, sessions): supervisors only.
pub async fn programme_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let session = require(&ctx)?;
    let t = ctx.t;
    if !session.viewer.supervisor {
        return Err(PageError::NotFound(t));
    }
    audit_response(
        &state,
        &ctx,
        Nav::for_session(t, session, None),
        t.get("audit.programme").to_string(),
        PROGRAMME_ORG,
        "/bitacora".to_string(),
        q,
    )
    .await
}
