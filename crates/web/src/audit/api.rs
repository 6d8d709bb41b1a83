//! The API's audit log (R-GOV-2; see `changes`).

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::audit::changes::redacted_text;
use crate::shell::{app_error, org_for, ApiError, ApiPath, ApiQuery, ApiResult, Ctx};
use crate::AppState;
use app::access_cases::Action;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::Page;
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- audit

#[derive(Serialize, ToSchema)]
pub struct AuditEventOut {
    seq: i64,
    recorded_at: DateTime<Utc>,
    actor: String,
    origin: String,
    kind: String,
    /// What the kind means, in the caller's language (for the kinds the catalogue names).
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    stream: String,
    /// The event's data as JSON text (secrets removed): the state after the change.
    payload: String,
    /// The data of the previous event about the same thing (same stream, same identity fields
    /// `id`, `member_id`, `login`, `proposal_id`, `plan_id`, `loan_id`, `lease_id`): the state
    /// before. Absent for a creation, or when it is further
    /// back than the page looks (`previous_seq` absent too); newest-first pages only.
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_payload: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_seq: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Oldest first: the events after this seq (for reading the whole log in order).
    after: Option<i64>,
    /// Newest first (the default): the events before this seq.
    before: Option<i64>,
    /// One stream only (newest-first pages).
    stream: Option<String>,
}

/// The ODF's events (board and supervisors), 50 a page: newest first with each change's
/// previous state (`before` pages back), or oldest first with `after`.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/audit", security(("bearer" = [])), params(("slug" = String, Path), AuditQuery), responses((status = 200, body = [AuditEventOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewAudit).await?;
    if let Some(after) = q.after {
        let events = state
            .app
            .store()
            .events(
                org.id,
                None,
                Page {
                    after_id: after.max(0),
                    limit: crate::audit::changes::PER_PAGE,
                },
            )
            .await
            .map_err(|e| app_error(e.into()))?;
        return Ok(Json(
            events
                .into_iter()
                .map(|e| AuditEventOut {
                    seq: e.seq,
                    recorded_at: e.event.recorded_at,
                    actor: e.event.actor,
                    origin: e.event.origin,
                    label: ctx.t.event_kind(&e.event.kind).map(str::to_string),
                    kind: e.event.kind,
                    stream: e.event.stream,
                    payload: redacted_text(&e.event.payload),
                    previous_payload: None,
                    previous_seq: None,
                })
                .collect::<Vec<_>>(),
        )
        .into_response());
    }
    let stream = q
        .stream
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 200);
    let page = crate::audit::changes::page(&state.app, org.id, stream, q.before)
        .await
        .map_err(app_error)?;
    Ok(Json(
        page.changes
            .into_iter()
            .map(|c| AuditEventOut {
                seq: c.seq,
                recorded_at: c.recorded_at,
                actor: c.actor,
                origin: c.origin,
                label: ctx.t.event_kind(&c.kind).map(str::to_string),
                kind: c.kind,
                stream: c.stream,
                payload: c.payload,
                previous_seq: match c.before {
                    crate::audit::changes::Before::Was { seq, .. } => Some(seq),
                    _ => None,
                },
                previous_payload: c.previous_payload,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
