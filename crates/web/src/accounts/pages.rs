//! Accounts on the web (issue 16): the first run's set-up code on `/`, activating an account
//! with its code (`/activar`), one's own account (`/cuenta`: password, sessions), and staff
//! giving members their accounts (`/odf/{slug}/cuentas`) with a printable slip.
//!
//! The set-up and activation forms come before any session: they carry a double-submit CSRF
//! token (cookie `tequio_pre_acc`), and wrong codes count against the sign-in limiter
//! (`limiter.rs`) under the address and the login (`setup` for the set-up code).

use crate::shell::auth::{cookie, SESSION_COOKIE};
use crate::shell::{
    check, check_csrf, form_error, local_time, random_token, render, require, visible_org, Ctx,
    Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{AccessError, Action, IssuedCode, OrgRole};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The pre-session CSRF cookie of the set-up and activation forms.
const PRE_COOKIE: &str = "tequio_pre_acc";
/// The limiter's login for set-up code attempts.
const SETUP_LOGIN: &str = "setup";

fn pre_token(headers: &HeaderMap) -> String {
    cookie(headers, PRE_COOKIE)
        .filter(|p| p.len() == 32)
        .map(str::to_string)
        .unwrap_or_else(random_token)
}

fn with_pre_cookie(mut response: Response, pre: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{PRE_COOKIE}={pre}; Path=/; HttpOnly; SameSite=Strict"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn pre_ok(headers: &HeaderMap, submitted: &str) -> bool {
    submitted.len() == 32 && cookie(headers, PRE_COOKIE) == Some(submitted)
}

fn session_cookie(response: &mut Response, token: &str, expires_at: DateTime<Utc>) {
    let max_age = (expires_at - Utc::now()).num_seconds().max(0);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Signs the person in right after they chose their password, and sends them home.
async fn sign_in_and_go_home(state: &AppState, ctx: &Ctx, login: &str, password: &str) -> Response {
    match state
        .app
        .sign_in(login, password, &ctx.origin, Utc::now())
        .await
    {
        Ok(s) => {
            let mut response = Redirect::to("/").into_response();
            session_cookie(&mut response, &s.token, s.expires_at);
            response
        }
        Err(_) => Redirect::to("/entrar").into_response(),
    }
}

// ---------------------------------------------------------------- first run

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    t: Tr,
    nav: Nav,
    pre_csrf: String,
    login: String,
    display_name: String,
    error: Option<String>,
}

/// `/` without a session: the set-up form while the first run waits, else sign in.
pub(crate) async fn setup_or_sign_in(state: &AppState, ctx: &Ctx) -> PageResult {
    let pending = state
        .app
        .setup_pending()
        .await
        .map_err(|e| PageError::from_access(ctx.t, e))?;
    if !pending {
        return Err(PageError::SignIn);
    }
    let pre = random_token();
    Ok(setup_response(ctx, &pre, StatusCode::OK, "", "", None))
}

fn setup_response(
    ctx: &Ctx,
    pre: &str,
    status: StatusCode,
    login: &str,
    display_name: &str,
    error: Option<String>,
) -> Response {
    let page = SetupPage {
        t: ctx.t,
        nav: Nav::anonymous(ctx.t),
        pre_csrf: pre.to_string(),
        login: login.to_string(),
        display_name: display_name.to_string(),
        error,
    };
    with_pre_cookie((status, render(page)).into_response(), pre)
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn setup(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    let t = ctx.t;
    if !pre_ok(&headers, &form.csrf) {
        return PageError::BadCsrf(t).into_response();
    }
    let pre = pre_token(&headers);
    let login = form.login.trim().to_lowercase();
    let again = |status, error: String| {
        setup_response(&ctx, &pre, status, &login, &form.display_name, Some(error))
    };
    let now = std::time::Instant::now();
    if !state.limiter.allowed(&ctx.origin, SETUP_LOGIN, now) {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            t.get("signin.too_many").into(),
        );
    }
    if form.password != form.password2 {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.get("acct.err.password2").into(),
        );
    }
    match state
        .app
        .complete_setup(
            &form.code,
            &login,
            &form.display_name,
            &form.password,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(_) => {
            state.limiter.succeeded(&ctx.origin, SETUP_LOGIN);
            sign_in_and_go_home(&state, &ctx, &login, &form.password).await
        }
        Err(AccessError::Unauthenticated) => {
            state.limiter.failed(&ctx.origin, SETUP_LOGIN, now);
            again(StatusCode::UNAUTHORIZED, t.get("setup.wrong_code").into())
        }
        Err(e) => match form_error(t, e) {
            Ok(m) => again(StatusCode::UNPROCESSABLE_ENTITY, m),
            Err(p) => p.into_response(),
        },
    }
}

// ---------------------------------------------------------------- activation

#[derive(Template)]
#[template(path = "activate.html")]
struct ActivatePage {
    t: Tr,
    nav: Nav,
    pre_csrf: String,
    login: String,
    error: Option<String>,
}

fn activate_response(
    ctx: &Ctx,
    pre: &str,
    status: StatusCode,
    login: &str,
    error: Option<String>,
) -> Response {
    let page = ActivatePage {
        t: ctx.t,
        nav: Nav::anonymous(ctx.t),
        pre_csrf: pre.to_string(),
        login: login.to_string(),
        error,
    };
    with_pre_cookie((status, render(page)).into_response(), pre)
}

pub async fn activate_form(ctx: Ctx, headers: HeaderMap) -> Response {
    activate_response(&ctx, &pre_token(&headers), StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    let t = ctx.t;
    if !pre_ok(&headers, &form.csrf) {
        return PageError::BadCsrf(t).into_response();
    }
    let pre = pre_token(&headers);
    let login = form.login.trim().to_lowercase();
    let again = |status, error: String| activate_response(&ctx, &pre, status, &login, Some(error));
    let now = std::time::Instant::now();
    if !state.limiter.allowed(&ctx.origin, &login, now) {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            t.get("signin.too_many").into(),
        );
    }
    if form.password != form.password2 {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.get("acct.err.password2").into(),
        );
    }
    match state
        .app
        .activate(&login, &form.code, &form.password, &ctx.origin, Utc::now())
        .await
    {
        Ok(()) => {
            state.limiter.succeeded(&ctx.origin, &login);
            sign_in_and_go_home(&state, &ctx, &login, &form.password).await
        }
        Err(AccessError::Unauthenticated) => {
            state.limiter.failed(&ctx.origin, &login, now);
            again(StatusCode::UNAUTHORIZED, t.get("activate.wrong").into())
        }
        Err(e) => match form_error(t, e) {
            Ok(m) => again(StatusCode::UNPROCESSABLE_ENTITY, m),
            Err(p) => p.into_response(),
        },
    }
}

// ---------------------------------------------------------------- one's own account

pub struct SessionView {
    pub id: String,
    pub opened: String,
    pub origin: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    login: String,
    sessions: Vec<SessionView>,
    ok: Option<&'static str>,
    error: Option<String>,
}

async fn account_response(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    ok: Option<&'static str>,
    error: Option<String>,
) -> PageResult {
    let session = require(ctx)?;
    let t = ctx.t;
    let sessions = state
        .app
        .sessions_of(
            &session.viewer.login,
            Some(session.token_hash()),
            Utc::now(),
        )
        .await
        .map_err(|e| PageError::from_access(t, e))?
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            opened: local_time(s.opened_at),
            origin: s.origin,
            current: s.current,
        })
        .collect();
    let page = AccountPage {
        t,
        nav: Nav::for_session(t, session, None),
        csrf: session.csrf.clone(),
        login: session.viewer.login.clone(),
        sessions,
        ok,
        error,
    };
    Ok((status, render(page)).into_response())
}

pub async fn account_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    account_response(&state, &ctx, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let session = require(&ctx)?.clone();
    check_csrf(&ctx, &session, &form.csrf)?;
    if form.password != form.password2 {
        let m = ctx.t.get("acct.err.password2").to_string();
        return account_response(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(m),
        )
        .await;
    }
    match state
        .app
        .change_password(
            &session.viewer.login,
            &form.current_password,
            &form.password,
            Some(session.token_hash()),
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(ended) => {
            for hash in ended {
                state.sessions.forget_hash(&hash);
            }
            account_response(&state, &ctx, StatusCode::OK, Some("account.changed"), None).await
        }
        Err(e) => {
            let m = form_error(ctx.t, e)?;
            account_response(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(m),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> PageResult {
    let session = require(&ctx)?.clone();
    check_csrf(&ctx, &session, &form.csrf)?;
    let hash = state
        .app
        .end_session(&session.viewer.login, &id, &ctx.origin, Utc::now())
        .await
        .map_err(|e| PageError::from_access(ctx.t, e))?;
    state.sessions.forget_hash(&hash);
    if hash == session.token_hash() {
        let mut response = Redirect::to("/entrar").into_response();
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("tequio_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
        return Ok(response);
    }
    Ok(Redirect::to("/cuenta").into_response())
}

// ---------------------------------------------------------------- staff: members' accounts

/// The printable slip handed over at a meeting: the login, the code, until when.
#[derive(Template)]
#[template(path = "slip.html")]
pub(crate) struct SlipPage {
    pub t: Tr,
    pub nav: Nav,
    pub org_name: String,
    pub name: String,
    pub login: String,
    pub code: String,
    pub expires: String,
    pub back: String,
}

pub(crate) fn slip(
    t: Tr,
    nav: Nav,
    org_name: &str,
    code: IssuedCode,
    back: String,
    status: StatusCode,
) -> Response {
    let page = SlipPage {
        t,
        nav,
        org_name: org_name.to_string(),
        name: code.display_name,
        login: code.login,
        code: code.code,
        expires: local_time(code.expires_at),
        back,
    };
    (status, render(page)).into_response()
}

pub struct AccountView {
    pub login: String,
    pub name: String,
    pub roles: String,
    pub active: bool,
    pub staff_account: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    org_name: String,
    csrf: String,
    member: String,
    login: String,
    error: Option<String>,
    accounts: Vec<AccountView>,
}

pub(crate) fn role_names(t: Tr, roles: &[OrgRole]) -> String {
    roles
        .iter()
        .map(|r| crate::shell::role_label(t, *r))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn accounts_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    status: StatusCode,
    member: &str,
    login: &str,
    error: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ManageAccounts)?;
    let accounts = state
        .app
        .accounts_with_state(org.id)
        .await
        .map_err(|e| PageError::from_access(t, e))?
        .into_iter()
        .map(|a| AccountView {
            staff_account: a.member_id.is_none(),
            roles: role_names(t, &a.roles),
            login: a.login,
            name: a.display_name,
            active: a.active,
        })
        .collect();
    let page = AccountsPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        org_name: org.data.name.clone(),
        csrf: session.csrf.clone(),
        member: member.to_string(),
        login: login.to_string(),
        error,
        accounts,
    };
    Ok((status, render(page)).into_response())
}

pub async fn accounts_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    accounts_response(&state, &ctx, &slug, StatusCode::OK, "", "", None).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    login: String,
}

pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<AccountForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageAccounts)?;
    let login = form.login.trim().to_lowercase();
    match state
        .app
        .create_member_account(
            org.id,
            &session.viewer,
            &form.member,
            &login,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(code) => Ok(slip(
            t,
            Nav::for_session(t, &session, Some(&org)),
            &org.data.name,
            code,
            format!("/odf/{}/cuentas", org.data.slug),
            StatusCode::CREATED,
        )),
        Err(e) => {
            let m = form_error(t, e)?;
            accounts_response(
                &state,
                &ctx,
                &slug,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.member,
                &login,
                Some(m),
            )
            .await
        }
    }
}

pub async fn reissue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, login)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    let code = state
        .app
        .reissue_code(
            &session.viewer,
            Some(org.id),
            &login,
            &ctx.origin,
            Utc::now(),
        )
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    Ok(slip(
        t,
        Nav::for_session(t, &session, Some(&org)),
        &org.data.name,
        code,
        format!("/odf/{}/cuentas", org.data.slug),
        StatusCode::CREATED,
    ))
}
