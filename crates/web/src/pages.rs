//! Page handlers. Each resolves the organisation by slug, asks the viewer's roles
//! (`Viewer::check`) and renders a template. An organisation the viewer cannot see answers
//! exactly like a missing one (404, same body); a refused action inside a visible one is 403
//! naming R-GOV-1; no session sends the browser to sign in.

use crate::auth::{Ctx, LANG_COOKIE, PRE_CSRF_COOKIE, SESSION_COOKIE};
use crate::i18n::{Lang, Tr};
use crate::AppState;
use app::access_cases::{
    AccessError, Action, OrgRole, ProposalForm, ProposalView, Session, Viewer,
};
use app::{Actor, AppError};
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::Utc;
use governance::{ProposalKind, ProposalStatus, Vote};
use serde::Deserialize;
use std::collections::HashMap;
use store::{Org, StoreError, PROGRAMME_ORG};

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
            crate::support_pages::nav_links(t, v, Some(org), &mut links);
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
            crate::support_pages::nav_links(t, v, None, &mut links);
        }
        if v.admin {
            links.push(("/programa".to_string(), t.get("nav.programme")));
        }
        links.push(("/cuenta".to_string(), t.get("nav.my_account")));
        Nav {
            signed_in: true,
            name: v.display_name.clone(),
            csrf: s.csrf.clone(),
            links,
            other_lang: other_lang(t.lang),
            other_lang_label: t.get("nav.other_lang"),
        }
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

// ---------------------------------------------------------------- static and health

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.store().orgs().await {
        Ok(orgs) => {
            Json(serde_json::json!({"status": "ok", "organisations": orgs.len()})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

const CACHE: &str = "public, max-age=86400";

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        include_str!("../static/tequio.css"),
    )
        .into_response()
}

/// htmx 2.0.4 (BSD Zero-Clause licence, static/htmx-LICENSE.txt), served pre-compressed when
/// the browser accepts gzip (16 KB instead of 51 KB).
pub async fn htmx(headers: axum::http::HeaderMap) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let js = (header::CONTENT_TYPE, "text/javascript; charset=utf-8");
    if gzip {
        (
            [
                js,
                (header::CONTENT_ENCODING, "gzip"),
                (header::CACHE_CONTROL, CACHE),
            ],
            &include_bytes!("../static/htmx.min.js.gz")[..],
        )
            .into_response()
    } else {
        (
            [js, (header::CACHE_CONTROL, CACHE)],
            &include_bytes!("../static/htmx.min.js")[..],
        )
            .into_response()
    }
}

pub async fn htmx_licence() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        include_str!("../static/htmx-LICENSE.txt"),
    )
        .into_response()
}

pub async fn not_found(ctx: Ctx) -> Response {
    PageError::NotFound(ctx.t).into_response()
}

// ---------------------------------------------------------------- sign in and out

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    t: Tr,
    nav: Nav,
    pre_csrf: String,
    login: String,
    error: Option<&'static str>,
}

fn signin_response(
    ctx: &Ctx,
    status: StatusCode,
    login: String,
    error: Option<&'static str>,
) -> Response {
    let pre = ctx
        .pre_csrf
        .clone()
        .filter(|p| p.len() == 32)
        .unwrap_or_else(random_token);
    let page = SigninPage {
        t: ctx.t,
        nav: Nav::anonymous(ctx.t),
        pre_csrf: pre.clone(),
        login,
        error,
    };
    let mut response = (status, render(page)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{PRE_CSRF_COOKIE}={pre}; Path=/entrar; HttpOnly; SameSite=Strict"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub(crate) fn random_token() -> String {
    let mut buf = [0u8; 16];
    // The OS random source; on failure the form simply will not validate.
    let _ = getrandom_fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn getrandom_fill(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

pub async fn signin_form(ctx: Ctx) -> Response {
    if ctx.session.is_some() {
        return Redirect::to("/").into_response();
    }
    signin_response(&ctx, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn signin(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SigninForm>,
) -> Response {
    // Double-submit check before a session exists: the form's token equals the cookie's.
    if ctx.pre_csrf.as_deref() != Some(form.csrf.as_str()) || form.csrf.len() != 32 {
        return PageError::BadCsrf(ctx.t).into_response();
    }
    let login = form.login.trim().to_lowercase();
    let now = std::time::Instant::now();
    if !state.limiter.allowed(&ctx.origin, &login, now) {
        return signin_response(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            login,
            Some(ctx.t.get("signin.too_many")),
        );
    }
    match state
        .app
        .sign_in(&login, &form.password, &ctx.origin, Utc::now())
        .await
    {
        Ok(session) => {
            state.limiter.succeeded(&ctx.origin, &login);
            let mut response = Redirect::to("/").into_response();
            let max_age = (session.expires_at - Utc::now()).num_seconds().max(0);
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
                session.token
            )) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(AccessError::Unauthenticated) => {
            state.limiter.failed(&ctx.origin, &login, now);
            signin_response(
                &ctx,
                StatusCode::UNAUTHORIZED,
                login,
                Some(ctx.t.get("signin.wrong")),
            )
        }
        Err(e) => PageError::from_access(ctx.t, e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn signout(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let session = require(&ctx)?;
    check_csrf(&ctx, session, &form.csrf)?;
    if let Some(token) = &ctx.token {
        state.sessions.forget(token);
    }
    state
        .app
        .sign_out(session, &ctx.origin, Utc::now())
        .await
        .map_err(|e| PageError::from_access(ctx.t, e))?;
    let mut response = Redirect::to("/entrar").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("tequio_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

// ---------------------------------------------------------------- home: the viewer's ODFs

pub struct OrgRow {
    pub slug: String,
    pub name: String,
    pub state: String,
    pub trade: String,
    pub members: u64,
    pub bank: String,
    pub dues_receivable: String,
    pub roles: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    t: Tr,
    nav: Nav,
    supervisor: bool,
    orgs: Vec<OrgRow>,
}

/// Key figures of one ODF (shared with everyone in its circle and with supervisors).
pub struct KeyFigures {
    pub members: u64,
    pub bank_minor: i128,
    pub dues_receivable_minor: i128,
    pub dues_income_minor: i128,
}

pub async fn key_figures(state: &AppState, org: &Org) -> Result<KeyFigures, StoreError> {
    let store = state.app.store();
    let members = store.count_members(org.id).await?;
    let balances = store.balances(org.id).await?;
    let cur = org.data.currency;
    let mut dues_receivable = 0i128;
    // The member sub-ledger suffix, as the ledger spells it (`members:{id}:<suffix>`).
    let dues_code = ledger::Account::dues_receivable(0);
    let dues_suffix = dues_code.segments().last().unwrap_or_default();
    for (code, currency, amount) in balances.lines() {
        let segs: Vec<&str> = code.segments().collect();
        if currency == cur && segs.len() == 3 && segs[0] == "members" && segs[2] == dues_suffix {
            dues_receivable += amount;
        }
    }
    Ok(KeyFigures {
        members,
        bank_minor: balances.balance_minor(&ledger::account::codes::odf_bank(), cur),
        dues_receivable_minor: dues_receivable,
        // Income accounts carry credits: shown positive.
        dues_income_minor: -balances.balance_minor(&ledger::account::codes::dues_income(), cur),
    })
}

pub(crate) fn role_label(t: Tr, role: OrgRole) -> &'static str {
    match role {
        OrgRole::Staff => t.get("role.staff"),
        OrgRole::Board => t.get("role.board"),
        OrgRole::Member => t.get("role.member"),
        OrgRole::SupportCommittee => t.get("role.support_committee"),
        OrgRole::Donor => t.get("role.donor"),
        OrgRole::Adviser => t.get("role.adviser"),
    }
}

/// Supervisors' list shows at most this many ODFs per page.
const ORGS_PER_PAGE: usize = 200;

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    if ctx.session.is_none() {
        // The first run (issue 16): the set-up code's form, while it waits for it.
        return crate::account_pages::setup_or_sign_in(&state, &ctx).await;
    }
    let session = require(&ctx)?;
    let t = ctx.t;
    let v = &session.viewer;
    if v.admin && !v.supervisor && v.grants.is_empty() {
        return Ok(Redirect::to("/programa").into_response());
    }
    let all = state
        .app
        .store()
        .orgs()
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let mut rows = Vec::new();
    for org in all
        .into_iter()
        .filter(|o| v.sees_org(o.id))
        .take(ORGS_PER_PAGE)
    {
        let k = key_figures(&state, &org)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        let roles: Vec<&str> = v.roles_in(org.id).map(|g| role_label(t, g.role)).collect();
        rows.push(OrgRow {
            slug: org.data.slug,
            name: org.data.name,
            state: org.data.state,
            trade: org.data.trade,
            members: k.members,
            bank: t.money(k.bank_minor),
            dues_receivable: t.money(k.dues_receivable_minor),
            roles: if v.supervisor {
                t.get("role.supervisor").to_string()
            } else {
                roles.join(", ")
            },
        });
    }
    Ok(render(IndexPage {
        t,
        nav: Nav::for_session(t, session, None),
        supervisor: v.supervisor,
        orgs: rows,
    }))
}

// ---------------------------------------------------------------- the ODF: shared figures

pub struct BalanceRow {
    pub name: String,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    t: Tr,
    nav: Nav,
    name: String,
    group_name: String,
    members: u64,
    bank: String,
    dues_receivable: String,
    dues_income: String,
    balances: Vec<BalanceRow>,
    total: String,
}

pub async fn org_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    let store = state.app.store();
    let k = key_figures(&state, &org)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let balances = state
        .app
        .checked_trial_balance(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let accounts = store
        .accounts(org.id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let names: HashMap<_, _> = accounts
        .iter()
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect();
    // The group's shared figures: the ODF's and the Fund's accounts; member sub-ledgers are
    // summed per kind of account (no member's own figures here).
    // Issue 17: accounts by name (their codes are internals); a member sub-ledger's total is
    // named after its kind of account ("Cuotas por cobrar").
    let mut member_totals: std::collections::BTreeMap<String, (String, i128)> = Default::default();
    let mut rows = Vec::new();
    for (code, _currency, amount) in balances.lines() {
        let segments: Vec<&str> = code.segments().collect();
        let name = names.get(code).cloned().unwrap_or_default();
        if segments.first() == Some(&"members") && segments.len() == 3 {
            member_totals
                .entry(segments[2].to_string())
                .or_insert((name, 0))
                .1 += amount;
            continue;
        }
        rows.push(BalanceRow {
            name,
            balance: t.money(amount),
        });
    }
    for (name, amount) in member_totals.into_values() {
        rows.push(BalanceRow {
            name: format!("{}: {name}", t.get("org.member_accounts_sum")),
            balance: t.money(amount),
        });
    }
    let total: i128 = balances.totals().values().sum();
    Ok(render(OrgPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        name: org.data.name.clone(),
        group_name: org.data.group_name.clone(),
        members: k.members,
        bank: t.money(k.bank_minor),
        dues_receivable: t.money(k.dues_receivable_minor),
        dues_income: t.money(k.dues_income_minor),
        balances: rows,
        total: t.money(total),
    }))
}

// ---------------------------------------------------------------- members (staff)

pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub curp: String,
    pub municipality: String,
    pub joined: String,
    pub active: bool,
}

/// One field of a form, with its value and the message next to it when refused.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub options: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    q: String,
    /// The list: total, this page's rows, previous and next (`member_pages`).
    list: crate::member_pages::MemberList,
    can_manage: bool,
    csrf: String,
    fields: Vec<FormField>,
    added: Option<String>,
    csv: String,
    /// The import form's date (default today in America/Mexico_City).
    fecha: String,
    import_errors: Vec<String>,
    imported: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct MembersQuery {
    #[serde(default)]
    q: String,
    /// The page of the list, from 1.
    pagina: Option<usize>,
}

const MEMBERS_PER_PAGE: usize = 50;

/// Members matching `q` (name or CURP, any case, accents folded: `App::search_members`)
/// with ids after `after`, at most a page, the id to pass for the next page, and how many
/// match in all.
pub async fn search_members(
    state: &AppState,
    org_id: i64,
    q: &str,
    after: i64,
) -> Result<(Vec<registry::Member>, Option<i64>, usize), AppError> {
    let all = state
        .app
        .search_members(org_id, q, 0, app::registry_cases::MAX_SEARCH_SCAN)
        .await?;
    let mut found: Vec<registry::Member> = all
        .members
        .into_iter()
        .filter(|m| m.id > after)
        .take(MEMBERS_PER_PAGE + 1)
        .collect();
    let next = (found.len() > MEMBERS_PER_PAGE).then(|| {
        found.truncate(MEMBERS_PER_PAGE);
        found.last().map_or(0, |m| m.id)
    });
    Ok((found, next, all.total))
}

/// The fields of the "add a member" form (R-ORG-2, R-ORG-3, R-ORG-4), in the order shown.
const MEMBER_FIELDS: [(&str, &str); 14] = [
    ("curp", "text"),
    ("rfc", "text"),
    ("given_names", "text"),
    ("surnames", "text"),
    ("sex", "select"),
    ("birth_date", "date"),
    ("municipality", "text"),
    ("state", "text"),
    ("trade", "text"),
    ("household_size", "number"),
    ("profile", "select"),
    ("programmes", "checks"),
    ("joined_on", "date"),
    ("letter_signed_on", "date"),
];

fn member_form(
    t: Tr,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FormField> {
    MEMBER_FIELDS
        .iter()
        .map(|&(name, kind)| FormField {
            name,
            label: field_label(t, name),
            kind,
            value: match name {
                // The checked boxes, each between `;` (the template asks `contains`).
                "programmes" => format!(";{};", declared_programmes(values)),
                _ => values.get(name).cloned().unwrap_or_default(),
            },
            error: errors.get(name).cloned(),
            options: match name {
                "sex" => vec![
                    ("F", t.get("sex.f")),
                    ("M", t.get("sex.m")),
                    ("X", t.get("sex.x")),
                ],
                "profile" => vec![
                    ("micro_producer", t.get("profile.micro_producer")),
                    ("micro_entrepreneur", t.get("profile.micro_entrepreneur")),
                ],
                "programmes" => registry::TargetProgramme::ALL
                    .into_iter()
                    .filter(|p| p.is_declared())
                    .map(|p| (p.as_str(), crate::member_pages::programme_label(t, p)))
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect()
}

pub(crate) fn field_label(t: Tr, name: &str) -> &'static str {
    match name {
        "curp" => t.get("field.curp"),
        "given_names" => t.get("field.given_names"),
        "surnames" => t.get("field.surnames"),
        "sex" => t.get("field.sex"),
        "birth_date" => t.get("field.birth_date"),
        "municipality" => t.get("field.municipality"),
        "state" => t.get("field.state"),
        "trade" => t.get("field.trade"),
        "household_size" => t.get("field.household_size"),
        "profile" => t.get("field.profile"),
        "joined_on" => t.get("field.joined_on"),
        "letter_signed_on" => t.get("field.letter_signed_on"),
        "kind" => t.get("field.kind"),
        "subject" => t.get("field.subject"),
        "purpose" => t.get("field.purpose"),
        "amount" => t.get("field.amount"),
        "text" => t.get("field.text"),
        "vote" => t.get("field.vote"),
        "csv" => t.get("field.csv"),
        "period" => t.get("field.period"),
        "fecha" => t.get("field.fecha"),
        "revenue" => t.get("field.revenue"),
        "profit" => t.get("field.profit"),
        "reason" => t.get("field.reason"),
        "rate" => t.get("field.rate"),
        "installments" => t.get("field.installments"),
        "start" => t.get("field.start"),
        "frequency" => t.get("field.frequency"),
        "method" => t.get("field.method"),
        "key" => t.get("field.setting_key"),
        "value" => t.get("field.setting_value"),
        "effective_on" => t.get("field.effective_on"),
        "file" => t.get("field.opening_file"),
        "rfc" => t.get("field.rfc"),
        "programmes" => t.get("field.programmes"),
        "left_on" => t.get("field.left_on"),
        "role" => t.get("field.role"),
        "from" => t.get("field.from"),
        "until" => t.get("field.until"),
        "person_name" => t.get("role.f.person_name"),
        _ => t.get("field.other"),
    }
}

/// Splits an import error line (`line 2, curp: ...`) into its field and detail.
fn row_error_field(line: &str) -> (String, String) {
    let rest = line.split_once(", ").map(|(_, r)| r).unwrap_or(line);
    match rest.split_once(": ") {
        Some((field, detail)) => (field.to_string(), detail.to_string()),
        None => ("other".to_string(), rest.to_string()),
    }
}

struct MembersView {
    q: String,
    fields: Vec<FormField>,
    added: Option<String>,
    csv: String,
    import_errors: Vec<String>,
    imported: Option<String>,
}

async fn members_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    page: usize,
    view: MembersView,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let list = crate::member_pages::member_list(state, t, &org, &view.q, page).await?;
    if ctx.htmx {
        return Ok(crate::member_pages::list_part(t, list));
    }
    let page = MembersPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        q: view.q,
        list,
        can_manage: session.viewer.may(org.id, Action::ManageMembers),
        csrf: session.csrf.clone(),
        fields: view.fields,
        added: view.added,
        csv: view.csv,
        fecha: crate::fund_pages::today_mx().to_string(),
        import_errors: view.import_errors,
        imported: view.imported,
    };
    Ok((status, render(page)).into_response())
}

pub async fn members_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(query): Query<MembersQuery>,
) -> PageResult {
    let view = MembersView {
        q: query.q,
        fields: member_form(ctx.t, &HashMap::new(), &HashMap::new()),
        added: None,
        csv: String::new(),
        import_errors: Vec::new(),
        imported: None,
    };
    members_response(
        &state,
        &ctx,
        &slug,
        query.pagina.unwrap_or(1),
        view,
        StatusCode::OK,
    )
    .await
}

/// The declared programmes a form gives (R-ORG-4): `programmes` as the CSV has it (`a;b`), or
/// the checked boxes `programme_<key>`.
fn declared_programmes(values: &HashMap<String, String>) -> String {
    if let Some(text) = values.get("programmes") {
        return text.clone();
    }
    registry::TargetProgramme::ALL
        .into_iter()
        .filter(|p| values.contains_key(&format!("programme_{}", p.as_str())))
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

fn csv_cell(value: &str) -> String {
    format!("\"{}\"", value.trim().replace('"', "\"\""))
}

/// The add-member form as the one-row CSV the import reads, so both paths validate alike.
pub fn member_csv(values: &HashMap<String, String>) -> String {
    let header: Vec<&str> = MEMBER_FIELDS.iter().map(|(n, _)| *n).collect();
    let row: Vec<String> = MEMBER_FIELDS
        .iter()
        .map(|(n, _)| match *n {
            "programmes" => csv_cell(&declared_programmes(values)),
            n => csv_cell(values.get(n).map(String::as_str).unwrap_or("")),
        })
        .collect();
    format!("{}\n{}\n", header.join(","), row.join(","))
}

pub async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(
        &ctx,
        &session,
        values.get("csrf").map(String::as_str).unwrap_or(""),
    )?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let today = crate::fund_pages::today_mx();
    let result = state
        .app
        .import_members_csv(
            org.id,
            &member_csv(&values),
            today,
            &Actor::new(&session.viewer.login, &ctx.origin),
        )
        .await;
    let mut errors = HashMap::new();
    let mut added = None;
    match result {
        Ok(outcome) if outcome.created == 1 => added = Some(t.get("members.added").to_string()),
        Ok(_) => {
            errors.insert(
                "curp".to_string(),
                t.get("error.field.curp_exists").to_string(),
            );
        }
        Err(AppError::Rows(lines)) => {
            for line in lines {
                let (field, _detail) = row_error_field(&line);
                let field = if MEMBER_FIELDS.iter().any(|(n, _)| *n == field) {
                    field
                } else {
                    "curp".to_string()
                };
                errors
                    .entry(field.clone())
                    .or_insert_with(|| t.field_error(&field).to_string());
            }
        }
        Err(AppError::Store(StoreError::Conflict { .. })) => {
            errors.insert(
                "curp".to_string(),
                t.get("error.field.curp_exists").to_string(),
            );
        }
        Err(e) => return Err(PageError::from_app(t, e)),
    }
    let failed = !errors.is_empty();
    let view = MembersView {
        q: String::new(),
        fields: member_form(t, &if failed { values } else { HashMap::new() }, &errors),
        added,
        csv: String::new(),
        import_errors: Vec::new(),
        imported: None,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    members_response(&state, &ctx, &slug, 1, view, status).await
}

/// The members import form, pasted or uploaded (`member_pages::import_members` reads both).
pub(crate) struct ImportForm {
    pub csrf: String,
    pub csv: String,
    /// The day of the import (empty: today in America/Mexico_City).
    pub fecha: String,
}

pub(crate) async fn import_members_form(
    state: AppState,
    ctx: Ctx,
    slug: String,
    form: ImportForm,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let mut import_errors = Vec::new();
    let mut imported = None;
    let when = crate::fund_pages::fact_date_field(t, &form.fecha, org.data.founded_on);
    if let Err(e) = when {
        import_errors.push(format!("{}: {e}", field_label(t, "fecha")));
    }
    if form.csv.trim().is_empty() {
        import_errors.push(t.field_error("csv").to_string());
    } else if let Ok(when) = when {
        let actor = Actor::new(&session.viewer.login, &ctx.origin);
        match state
            .app
            .import_members_csv(org.id, &form.csv, when, &actor)
            .await
        {
            Ok(outcome) => {
                imported = Some(format!(
                    "{} {} · {} {}",
                    outcome.created,
                    t.get("members.import.created"),
                    outcome.unchanged,
                    t.get("members.import.unchanged")
                ));
            }
            Err(AppError::Rows(lines)) => {
                for line in lines.iter().take(50) {
                    let number = line
                        .strip_prefix("line ")
                        .and_then(|r| r.split_once(','))
                        .map(|(n, _)| n)
                        .unwrap_or("?");
                    let (field, detail) = row_error_field(line);
                    import_errors.push(format!(
                        "{} {number} · {}: {} ({detail})",
                        t.get("members.import.line"),
                        field_label(t, &field),
                        t.field_error(&field)
                    ));
                }
            }
            Err(AppError::Store(StoreError::Conflict { what, .. })) => {
                import_errors.push(format!("{} ({what})", t.get("error.field.curp_exists")));
            }
            Err(AppError::Store(StoreError::Invalid { what })) => {
                import_errors.push(format!("{} ({what})", t.field_error("csv")));
            }
            Err(e) => return Err(PageError::from_app(t, e)),
        }
    }
    let status = if import_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = MembersView {
        q: String::new(),
        fields: member_form(t, &HashMap::new(), &HashMap::new()),
        added: None,
        csv: if import_errors.is_empty() {
            String::new()
        } else {
            form.csv
        },
        import_errors,
        imported,
    };
    members_response(&state, &ctx, &slug, 1, view, status).await
}

// ---------------------------------------------------------------- a member's statement

/// `/odf/{slug}/mi-estado`: the signed-in member's own statement (`fund_pages`).
pub async fn my_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    match session.viewer.member_id_in(org.id) {
        Some(id) => {
            Ok(Redirect::to(&format!("/odf/{}/socios/{id}", org.data.slug)).into_response())
        }
        None => Err(PageError::NotFound(ctx.t)),
    }
}

// ---------------------------------------------------------------- proposals and votes

pub struct BallotView {
    pub voter: String,
    pub vote: &'static str,
}

pub struct ProposalCard {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub purpose: String,
    pub amount: String,
    pub proposed_by: String,
    pub proposed_on: String,
    pub open: bool,
    pub outcome: &'static str,
    pub votes_for: u32,
    pub votes_against: u32,
    pub votes_abstain: u32,
    pub ballots: Vec<BallotView>,
    pub voted: Option<&'static str>,
    pub comments: Vec<(String, String, String)>,
}

fn kind_label(t: Tr, kind: ProposalKind) -> &'static str {
    match kind {
        ProposalKind::Expenditure => t.get("proposal.kind.expenditure"),
        ProposalKind::Loan => t.get("proposal.kind.loan"),
        ProposalKind::Lease => t.get("proposal.kind.lease"),
        ProposalKind::WithdrawalCriteria => t.get("proposal.kind.withdrawal_criteria"),
        ProposalKind::NonFulfilmentNotice => t.get("proposal.kind.non_fulfilment_notice"),
        ProposalKind::Election => t.get("proposal.kind.election"),
        ProposalKind::SettingChange => t.get("proposal.kind.setting_change"),
    }
}

/// A proposal's subject as people read it (issue 17): `loan:7` is "préstamo n.º 7", a setting
/// change names the setting, its value and from when; a subject typed by a person is shown as
/// typed.
pub(crate) fn subject_words(t: Tr, subject: &str) -> String {
    use crate::settings_pages::{format_value, setting_label};
    if let Ok(p) = governance::settings::SettingProposal::from_subject(subject) {
        return t.fmt_all(
            "proposal.subject.setting",
            &[
                setting_label(t, p.key),
                &format_value(t, p.key, &p.value),
                &t.date(&p.effective_on),
            ],
        );
    }
    subject
        .split_once(':')
        .and_then(|(kind, rest)| {
            t.lookup(&format!("proposal.subject.{kind}"))
                .map(|m| m.replacen("{}", &crate::audit::string_in_words(t, rest), 1))
        })
        .unwrap_or_else(|| subject.to_string())
}

fn vote_label(t: Tr, v: Vote) -> &'static str {
    match v {
        Vote::For => t.get("vote.for"),
        Vote::Against => t.get("vote.against"),
        Vote::Abstain => t.get("vote.abstain"),
    }
}

fn proposal_card(t: Tr, v: &ProposalView, my_seat: Option<i64>) -> ProposalCard {
    let p = &v.record.proposal;
    let count = |c: Vote| v.record.ballots.iter().filter(|b| b.vote == c).count() as u32;
    ProposalCard {
        id: p.id,
        kind: kind_label(t, p.kind),
        subject: subject_words(t, &p.subject),
        purpose: p.purpose.clone(),
        amount: t.money(p.amount_minor as i128),
        proposed_by: p.proposed_by.clone(),
        proposed_on: t.date(&p.proposed_on),
        open: v.is_open(),
        outcome: match p.status {
            ProposalStatus::Open => t.get("proposal.open"),
            ProposalStatus::Approved { .. } => t.get("proposal.approved"),
            ProposalStatus::Rejected { .. } => t.get("proposal.rejected"),
        },
        votes_for: count(Vote::For),
        votes_against: count(Vote::Against),
        votes_abstain: count(Vote::Abstain),
        // R-GOV-2: the record shows who voted what.
        ballots: v
            .record
            .ballots
            .iter()
            .map(|b| BallotView {
                voter: b.voter_name.clone(),
                vote: vote_label(t, b.vote),
            })
            .collect(),
        voted: my_seat
            .and_then(|s| v.record.ballots.iter().find(|b| b.seat == s))
            .map(|b| vote_label(t, b.vote)),
        comments: v
            .comments
            .iter()
            .map(|c| (c.by.clone(), t.datetime(&c.at), c.text.clone()))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ProposalsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    csrf: String,
    nonce: String,
    can_propose: bool,
    can_vote: bool,
    can_comment: bool,
    proposals: Vec<ProposalCard>,
    fields: Vec<FormField>,
    message: Option<&'static str>,
}

fn proposal_form(
    t: Tr,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FormField> {
    [
        ("kind", "select"),
        ("subject", "text"),
        ("amount", "text"),
        ("purpose", "textarea"),
    ]
    .iter()
    .map(|&(name, kind)| FormField {
        name,
        label: field_label(t, name),
        kind,
        value: values.get(name).cloned().unwrap_or_default(),
        error: errors.get(name).cloned(),
        options: if name == "kind" {
            ProposalKind::ALL
                .iter()
                .map(|k| (k.as_str(), kind_label(t, *k)))
                .collect()
        } else {
            Vec::new()
        },
    })
    .collect()
}

async fn proposals_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    fields: Option<Vec<FormField>>,
    message: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    let v = &session.viewer;
    let proposals = state
        .app
        .board_proposals(org.id, v)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    let my_seat = state
        .app
        .seat_of(org.id, v, Utc::now().date_naive())
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    // Issue 17: who proposed, by name (the record keeps the login).
    let names = crate::audit::Names::of_logins(
        &state.app,
        proposals
            .iter()
            .map(|p| p.record.proposal.proposed_by.clone()),
    )
    .await;
    Ok((
        status,
        render(ProposalsPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            csrf: session.csrf.clone(),
            nonce: random_token(),
            can_propose: v.may(org.id, Action::Propose),
            can_vote: v.may(org.id, Action::Vote),
            can_comment: v.may(org.id, Action::Comment),
            proposals: proposals
                .iter()
                .map(|p| ProposalCard {
                    proposed_by: names.actor(t, &p.record.proposal.proposed_by),
                    ..proposal_card(t, p, my_seat)
                })
                .collect(),
            fields: fields.unwrap_or_else(|| proposal_form(t, &HashMap::new(), &HashMap::new())),
            message,
        }),
    )
        .into_response())
}

pub async fn proposals_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    proposals_response(&state, &ctx, &slug, None, None, StatusCode::OK).await
}

/// The field a refusal names, as the form calls it.
fn form_field(field: &str) -> &str {
    match field {
        "amount_minor" => "amount",
        f => f,
    }
}

pub async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(
        &ctx,
        &session,
        values.get("csrf").map(String::as_str).unwrap_or(""),
    )?;
    check(&ctx, &session.viewer, org.id, Action::Propose)?;
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut errors = HashMap::new();
    // The amount is optional for a proposal that moves no money: empty is zero.
    let amount_text = get("amount");
    let amount = if amount_text.trim().is_empty() {
        Ok(0)
    } else {
        crate::format::typed_amount_minor(t, &amount_text, false)
    };
    if let Err(e) = amount {
        errors.insert("amount".to_string(), e.to_string());
    }
    let form = ProposalForm {
        kind: get("kind"),
        subject: get("subject"),
        purpose: get("purpose"),
        amount_minor: amount.unwrap_or(0),
    };
    if errors.is_empty() {
        if let Err(e) = form.validate() {
            let field = form_field(e.field);
            errors.insert(field.to_string(), t.field_error(field).to_string());
        }
    }
    if errors.is_empty() {
        match state
            .app
            .propose_as(
                org.id,
                &session.viewer,
                form,
                &ctx.origin,
                Utc::now().date_naive(),
            )
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/odf/{}/propuestas", org.data.slug)).into_response()
                )
            }
            Err(AccessError::App(AppError::Rule { field, .. })) => {
                let field = form_field(&field).to_string();
                errors.insert(field.clone(), t.field_error(&field).to_string());
            }
            Err(e) => return Err(PageError::from_access(t, e)),
        }
    }
    let fields = proposal_form(t, &values, &errors);
    proposals_response(
        &state,
        &ctx,
        &slug,
        Some(fields),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize)]
pub struct VoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    vote: String,
}

pub async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<VoteForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    // R-GOV-1: refused on the server for anyone but a board member, whatever the page showed.
    check(&ctx, &session.viewer, org.id, Action::Vote)?;
    let Ok(choice) = Vote::parse(&form.vote) else {
        return proposals_response(
            &state,
            &ctx,
            &slug,
            None,
            Some(t.field_error("vote")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .app
        .vote_as(
            org.id,
            &session.viewer,
            id,
            choice,
            &ctx.origin,
            Utc::now().date_naive(),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/propuestas#p{id}", org.data.slug)).into_response())
        }
        Err(AccessError::App(AppError::Rule { .. })) => {
            proposals_response(
                &state,
                &ctx,
                &slug,
                None,
                Some(t.get("vote.already")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::Vote)?;
    match state
        .app
        .close_as(
            org.id,
            &session.viewer,
            id,
            &ctx.origin,
            Utc::now().date_naive(),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/propuestas#p{id}", org.data.slug)).into_response())
        }
        Err(AccessError::App(AppError::Rule { .. })) => {
            proposals_response(
                &state,
                &ctx,
                &slug,
                None,
                Some(t.get("proposal.cannot_close")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    nonce: String,
}

pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CommentForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::Comment)?;
    match state
        .app
        .comment(
            org.id,
            &session.viewer,
            id,
            &form.text,
            &form.nonce,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/propuestas#p{id}", org.data.slug)).into_response())
        }
        Err(AccessError::App(AppError::Field(e))) => {
            proposals_response(
                &state,
                &ctx,
                &slug,
                None,
                Some(t.field_error(e.field)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from_access(t, e)),
    }
}

// ---------------------------------------------------------------- audit log

/// One change as the audit page shows it.
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    /// Who, by name.
    pub actor: String,
    pub origin: String,
    /// What the change is, in words (see [`crate::audit::kind_label`]).
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
    let page = crate::audit::page(&state.app, org_id, stream.as_deref(), q.antes)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let filter = stream
        .as_deref()
        .map(|s| format!("flujo={}&", query_value(s)))
        .unwrap_or_default();
    // Issue 17: in words, with names, pesos and local time; no stored kind or JSON.
    let names = crate::audit::Names::of(&state.app, org_id, &page.changes).await;
    let words = |f: &[crate::audit::Field]| -> Vec<(String, String)> {
        f.iter()
            .filter_map(|f| crate::audit::shown_field(t, &names, f))
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
            label: crate::audit::kind_label(t, &c.kind),
            stream_link: c
                .filterable
                .then(|| format!("{base}?flujo={}", query_value(&c.stream))),
            before_note: match &c.before {
                crate::audit::Before::Created => t.get("audit.created").to_string(),
                crate::audit::Before::FurtherBack => t.get("audit.further_back").to_string(),
                crate::audit::Before::Was { seq, .. } => t.fmt("audit.was", &seq.to_string()),
            },
            before: match &c.before {
                crate::audit::Before::Was { fields: f, .. } if !c.internal() => words(f),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_error_lines_name_their_field() {
        assert_eq!(
            row_error_field("line 7, curp: 'ABC' must have 18 characters"),
            (
                "curp".to_string(),
                "'ABC' must have 18 characters".to_string()
            )
        );
    }
}
