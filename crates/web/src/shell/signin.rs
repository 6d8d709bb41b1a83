//! Signing in (with the pre-session double-submit token and the limiter) and out.

use crate::shell::auth::{PRE_CSRF_COOKIE, SESSION_COOKIE};
use crate::shell::{check_csrf, render, require, Ctx, Nav, PageError, PageResult, Tr};
use crate::AppState;
use app::access_cases::AccessError;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use serde::Deserialize;

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
    pub(crate) csrf: String,
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
