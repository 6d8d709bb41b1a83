//! The notification outbox on the web (R-INFO-1): `/odf/{slug}/avisos` shows staff (and the
//! board and supervisors, who read the members' list) every message queued for the ODF's
//! members with its state: pending, sending, sent or failed with the reason; its CSV; and the
//! API route `GET /api/v1/orgs/{slug}/notifications`. Sending is the sender's (`tequio serve`,
//! `tequio notify send`): no page sends.

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use super::{csv_line, csv_response};
use crate::shell::{
    app_error, check, org_for, render, visible_org, ApiError, ApiPath, ApiResult, Ctx, Nav,
    PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::Action;
use app::support_cases::{OutboxMessage, OutboxStatus};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use utoipa::OpenApi;

fn status_label(t: Tr, s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Pending => t.get("s19.out.pending"),
        OutboxStatus::Sending => t.get("s19.out.sending"),
        OutboxStatus::Sent => t.get("s19.out.sent"),
        OutboxStatus::Failed => t.get("s19.out.failed"),
        OutboxStatus::NoAddress => t.get("n19.out.no_address"),
    }
}

fn status_class(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Sent => "ok",
        OutboxStatus::Failed | OutboxStatus::NoAddress => "late",
        OutboxStatus::Pending | OutboxStatus::Sending => "sub",
    }
}

pub struct Row {
    pub member: String,
    pub subject: String,
    pub status: &'static str,
    pub class: &'static str,
    pub attempts: u32,
    /// Sent at, or the next attempt, or the reason of the failure.
    pub detail: String,
}

fn detail(t: Tr, m: &OutboxMessage) -> String {
    match m.status {
        OutboxStatus::Sent => m.sent_at.map(|at| t.datetime(&at)).unwrap_or_default(),
        OutboxStatus::Failed => m.last_error.clone().unwrap_or_default(),
        OutboxStatus::NoAddress => t.get("n19.out.no_address_help").to_string(),
        OutboxStatus::Pending | OutboxStatus::Sending => match (&m.last_error, m.next_attempt_at) {
            (Some(e), Some(at)) => t.fmt_all("s19.out.retry", &[&t.datetime(&at), e]),
            _ => t.datetime(&m.queued_at),
        },
    }
}

#[derive(Template)]
#[template(path = "support_outbox.html")]
struct OutboxPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    pending: usize,
    sent: usize,
    failed: usize,
    rows: Vec<Row>,
}

async fn messages(
    state: &AppState,
    t: Tr,
    org: store::OrgId,
) -> Result<Vec<OutboxMessage>, PageError> {
    let mut all = state
        .app
        .outbox(org)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    // Newest first: what staff look for is what just happened.
    all.reverse();
    Ok(all)
}

/// `/odf/{slug}/avisos`: staff, board and supervisors (who read the members' list).
pub async fn outbox_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let all = messages(&state, t, org.id).await?;
    let count = |s: OutboxStatus| all.iter().filter(|m| m.status == s).count();
    let page = OutboxPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        pending: count(OutboxStatus::Pending) + count(OutboxStatus::Sending),
        sent: count(OutboxStatus::Sent),
        failed: count(OutboxStatus::Failed) + count(OutboxStatus::NoAddress),
        rows: all
            .iter()
            .map(|m| Row {
                member: m.member_name.clone(),
                subject: m.subject.clone(),
                status: status_label(t, m.status),
                class: status_class(m.status),
                attempts: m.attempts,
                detail: detail(t, m),
            })
            .collect(),
    };
    Ok(render(page).into_response())
}

/// `/odf/{slug}/avisos.csv`.
pub async fn outbox_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let mut out = csv_line(&[
        t.get("s19.out.member").into(),
        t.get("s19.out.subject").into(),
        t.get("s19.out.status").into(),
        t.get("s19.out.attempts").into(),
        t.get("s19.out.detail").into(),
    ]);
    for m in messages(&state, t, org.id).await? {
        out.push_str(&csv_line(&[
            m.member_name.clone(),
            m.subject.clone(),
            status_label(t, m.status).into(),
            m.attempts.to_string(),
            detail(t, &m),
        ]));
    }
    Ok(csv_response(&format!("avisos-{slug}.csv"), out))
}

/// The ODF's notification outbox, newest first (staff, board, supervisors: R-INFO-1).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/notifications", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let mut all = state.app.outbox(org.id).await.map_err(app_error)?;
    all.reverse();
    Ok(Json(all).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(list_notifications))]
pub(crate) struct NoticesApi;

/// Adds the outbox's route to the API's document (`ApiDoc`).
pub(crate) struct NoticesDoc;

impl utoipa::Modify for NoticesDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(NoticesApi::openapi());
    }
}
