//! What every page shares: the page errors ([`PageError`]: sign in, 404, 403, bad CSRF, 500)
//! and [`render`]; [`require`] a session, [`visible_org`] (an organisation the viewer cannot
//! see answers exactly like a missing one: 404, same body), [`check`] an action (403 naming
//! R-GOV-1), [`check_csrf`]; the header's navigation ([`Nav`]); the language cookie.

use crate::shell::auth::LANG_COOKIE;
use crate::shell::{Ctx, Lang, Tr};
use crate::AppState;
use app::access_cases::{AccessError, Action, Session, Viewer};
use app::AppError;
use askama::Template;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::{Org, StoreError};

// ---------------------------------------------------------------- errors and layout

/// Why a page could not be shown.
pub enum PageError {
    SignIn,
    NotFound(Tr),
    Forbidden(Tr),
    BadCsrf(Tr),
    Internal(Tr),
}

impl PageError {
    pub(crate) fn from_access(t: Tr, e: AccessError) -> Self {
        match e {
            AccessError::Unauthenticated => PageError::SignIn,
            AccessError::NotFound => PageError::NotFound(t),
            AccessError::Forbidden { .. } => PageError::Forbidden(t),
            AccessError::IdempotencyMismatch => PageError::Forbidden(t),
            AccessError::App(e) => PageError::from_app(t, e),
        }
    }
    pub(crate) fn from_app(t: Tr, e: AppError) -> Self {
        match e {
            AppError::Store(StoreError::NotFound { .. }) => PageError::NotFound(t),
            other => {
                tracing::error!(error = %other, "page failed");
                PageError::Internal(t)
            }
        }
    }
    pub(crate) fn from_store(t: Tr, e: StoreError) -> Self {
        PageError::from_app(t, AppError::Store(e))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    nav: Nav,
    title: &'static str,
    message: &'static str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, t, title, message) = match self {
            PageError::SignIn => return Redirect::to("/entrar").into_response(),
            PageError::NotFound(t) => (
                StatusCode::NOT_FOUND,
                t,
                "error.not_found",
                "error.not_found.text",
            ),
            PageError::Forbidden(t) => (
                StatusCode::FORBIDDEN,
                t,
                "error.forbidden",
                "error.forbidden.text",
            ),
            PageError::BadCsrf(t) => (StatusCode::FORBIDDEN, t, "error.csrf", "error.csrf.text"),
            PageError::Internal(t) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                t,
                "error.internal",
                "error.internal.text",
            ),
        };
        // The error page is the same for everyone (no session details), so a 404 for another
        // organisation's id is byte-for-byte the 404 of a missing one.
        let page = ErrorPage {
            t,
            nav: Nav::anonymous(t),
            title: t.get(title),
            message: t.get(message),
        };
        (status, render(page)).into_response()
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// The header: who is signed in, links for their roles, language switch.
pub struct Nav {
    pub signed_in: bool,
    pub name: String,
    pub csrf: String,
    /// Who is signed in, for the offline caches and queue (`shell::offline::person_id`).
    pub person: String,
    pub links: Vec<(String, &'static str)>,
    pub other_lang: &'static str,
    pub other_lang_label: &'static str,
}

impl Nav {
    pub(crate) fn anonymous(t: Tr) -> Nav {
        Nav {
            signed_in: false,
            name: String::new(),
            csrf: String::new(),
            person: String::new(),
            links: Vec::new(),
            other_lang: other_lang(t.lang),
            other_lang_label: t.get("nav.other_lang"),
        }
    }

    pub(crate) fn for_session(t: Tr, s: &Session, org: Option<&Org>) -> Nav {
        let v = &s.viewer;
        let mut links = vec![("/".to_string(), t.get("nav.home"))];
        if let Some(org) = org {
            let base = format!("/odf/{}", org.data.slug);
            links.push((base.clone(), t.get("nav.org")));
            if v.member_id_in(org.id).is_some() {
                links.push((format!("{base}/mi-estado"), t.get("nav.my_statement")));
                links.push((format!("{base}/reportar"), t.get("nav.report")));
            }
            if v.may(org.id, Action::ViewMembers) {
                links.push((format!("{base}/socios"), t.get("nav.members")));
                links.push((format!("{base}/fondo"), t.get("nav.fund")));
                links.push((format!("{base}/cierre"), t.get("nav.close")));
                links.push((format!("{base}/apertura"), t.get("nav.opening")));
            }
            links.push((format!("{base}/propuestas"), t.get("nav.proposals")));
            links.push((format!("{base}/ajustes"), t.get("nav.settings")));
            links.push((format!("{base}/comercio"), t.get("nav.trade")));
            links.push((format!("{base}/simulador"), t.get("nav.quote")));
            if v.may(org.id, Action::ViewMembers) || v.member_id_in(org.id).is_some() {
                links.push((format!("{base}/prestamos"), t.get("nav.loans")));
            }
            support_links(t, v, Some(org), &mut links);
            if v.may(org.id, Action::ViewAudit) {
                links.push((format!("{base}/bitacora"), t.get("nav.audit")));
            }
            if v.may(org.id, Action::ManageMembers) {
                links.push((format!("{base}/cuotas"), t.get("nav.dues")));
            }
            if v.may(org.id, Action::ManageAccounts) {
                links.push((format!("{base}/planes"), t.get("nav.plans")));
                links.push((format!("{base}/cuentas"), t.get("nav.accounts")));
            }
        } else if v.supervisor {
            links.push(("/bitacora".to_string(), t.get("nav.audit")));
            support_links(t, v, None, &mut links);
        }
        if v.admin {
            links.push(("/programa".to_string(), t.get("nav.programme")));
        }
        links.push(("/cuenta".to_string(), t.get("nav.my_account")));
        Nav {
            signed_in: true,
            name: v.display_name.clone(),
            csrf: s.csrf.clone(),
            person: crate::shell::offline::person_id(&v.login),
            links,
            other_lang: other_lang(t.lang),
            other_lang_label: t.get("nav.other_lang"),
        }
    }
}

/// The menu's links to these pages for the viewer's roles: in an ODF, "para ti" for a
/// member, opportunities, inventions and outcomes for everyone in its circle, compliance for
/// staff, board and supervisors; outside one, the programme's pages for supervisors.
fn support_links(t: Tr, v: &Viewer, org: Option<&Org>, links: &mut Vec<(String, &'static str)>) {
    match org {
        Some(org) => {
            let base = format!("/odf/{}", org.data.slug);
            if v.member_id_in(org.id).is_some() {
                links.push((format!("{base}/para-ti"), t.get("nav.para_ti")));
            }
            links.push((format!("{base}/oportunidades"), t.get("nav.opportunities")));
            links.push((format!("{base}/inventos"), t.get("nav.inventions")));
            links.push((format!("{base}/resultados"), t.get("nav.outcomes")));
            if v.may(org.id, Action::ViewMembers) {
                links.push((format!("{base}/cumplimiento"), t.get("nav.compliance")));
            }
        }
        None if v.supervisor => {
            links.push(("/programa/cumplimiento".into(), t.get("nav.compliance")));
            links.push(("/programa/resultados".into(), t.get("nav.outcomes")));
            links.push(("/programa/proyeccion".into(), t.get("nav.projection")));
            links.push(("/programa/integradoras".into(), t.get("nav.integradoras")));
        }
        None => {}
    }
}

fn other_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => "en",
        Lang::En => "es",
    }
}

pub(crate) fn render(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "500").into_response()
        }
    }
}

pub(crate) fn require(ctx: &Ctx) -> Result<&Session, PageError> {
    ctx.session.as_ref().ok_or(PageError::SignIn)
}

/// The organisation by slug, if the viewer may see it at all; else NotFound exactly as for a
/// slug that does not exist.
pub(crate) async fn visible_org(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
) -> Result<(Org, Session), PageError> {
    let session = require(ctx)?.clone();
    let org = match state.reads.org_by_slug(&state.app, slug).await {
        Ok(org) => Org::clone(&org),
        Err(e) => return Err(PageError::from_store(ctx.t, e)),
    };
    if !session.viewer.sees_org(org.id) {
        return Err(PageError::NotFound(ctx.t));
    }
    Ok((org, session))
}

pub(crate) fn check(
    ctx: &Ctx,
    viewer: &Viewer,
    org_id: i64,
    action: Action,
) -> Result<(), PageError> {
    viewer
        .check(org_id, action)
        .map_err(|e| PageError::from_access(ctx.t, e))
}

pub(crate) fn check_csrf(ctx: &Ctx, session: &Session, token: &str) -> Result<(), PageError> {
    if session.csrf_ok(token) {
        Ok(())
    } else {
        Err(PageError::BadCsrf(ctx.t))
    }
}

/// `?lang=xx` is remembered in a cookie for the next pages.
pub async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
        .and_then(Lang::parse);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        )) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
