//! The programme administrator's page (`/programa`, issue 16): every ODF, the form that creates
//! one with its Director General, the supervisors (R-SUP-1), and new activation codes for
//! them. Anyone else gets the 403 of a refused action.

use crate::accounts::pages::slip;
use crate::shell::{check_csrf, form_error, render, require, Ctx, Nav, PageError, PageResult, Tr};
use crate::AppState;
use app::access_cases::{NewOrgRequest, Session};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Form;
use chrono::Utc;
use serde::Deserialize;

pub struct OrgLine {
    pub slug: String,
    pub name: String,
    pub place: String,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    t: Tr,
    nav: Nav,
    csrf: String,
    orgs: Vec<OrgLine>,
    form: OrgForm,
    org_error: Option<String>,
    supervisor_error: Option<String>,
    message: Option<&'static str>,
}

#[derive(Deserialize, Default, Clone)]
pub struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub municipality: String,
    #[serde(default)]
    pub trade: String,
    #[serde(default)]
    pub founded_on: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub director_login: String,
    #[serde(default)]
    pub director_name: String,
}

fn admin(ctx: &Ctx) -> Result<Session, PageError> {
    let s = require(ctx)?.clone();
    if s.viewer.admin {
        Ok(s)
    } else {
        Err(PageError::Forbidden(ctx.t))
    }
}

async fn programme_response(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: OrgForm,
    org_error: Option<String>,
    supervisor_error: Option<String>,
    message: Option<&'static str>,
) -> PageResult {
    let t = ctx.t;
    let session = admin(ctx)?;
    let orgs = state
        .app
        .store()
        .orgs()
        .await
        .map_err(|e| PageError::from_store(t, e))?
        .into_iter()
        .map(|o| OrgLine {
            slug: o.data.slug,
            name: o.data.name,
            place: format!("{}, {}", o.data.municipality, o.data.state),
        })
        .collect();
    let form = OrgForm {
        currency: if form.currency.is_empty() {
            "MXN".to_string()
        } else {
            form.currency
        },
        ..form
    };
    let page = ProgrammePage {
        t,
        nav: Nav::for_session(t, &session, None),
        csrf: session.csrf.clone(),
        orgs,
        form,
        org_error,
        supervisor_error,
        message,
    };
    Ok((status, render(page)).into_response())
}

pub async fn programme_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    programme_response(
        &state,
        &ctx,
        StatusCode::OK,
        OrgForm::default(),
        None,
        None,
        None,
    )
    .await
}

pub async fn create_org(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<OrgForm>,
) -> PageResult {
    let t = ctx.t;
    let session = admin(&ctx)?;
    check_csrf(&ctx, &session, &form.csrf)?;
    let refuse = |m: String| {
        programme_response(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
            None,
            None,
        )
    };
    let Ok(founded_on) = chrono::NaiveDate::parse_from_str(form.founded_on.trim(), "%Y-%m-%d")
    else {
        let m = format!(
            "{} ({})",
            t.get("acct.err.founded_on"),
            t.get("acct.f.founded_on")
        );
        return refuse(m).await;
    };
    let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let request = NewOrgRequest {
        slug: form.slug.trim().to_lowercase(),
        name: form.name.clone(),
        group_name: form.group_name.clone(),
        state: form.state.clone(),
        municipality: form.municipality.clone(),
        trade: form.trade.clone(),
        founded_on,
        currency: form.currency.trim().to_uppercase(),
        director_login: optional(&form.director_login.to_lowercase()),
        director_name: optional(&form.director_name),
    };
    match state
        .app
        .create_org_as(&session.viewer, &request, &ctx.origin, Utc::now())
        .await
    {
        Ok(done) => match done.director {
            Some(code) => Ok(slip(
                t,
                Nav::for_session(t, &session, None),
                &request.name,
                code,
                "/programa".to_string(),
                StatusCode::CREATED,
            )),
            None => {
                let message = if done.created {
                    "programme.org_created"
                } else {
                    "programme.org_unchanged"
                };
                programme_response(
                    &state,
                    &ctx,
                    StatusCode::OK,
                    OrgForm::default(),
                    None,
                    None,
                    Some(message),
                )
                .await
            }
        },
        Err(e) => refuse(form_error(t, e)?).await,
    }
}

#[derive(Deserialize)]
pub struct SupervisorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
}

pub async fn create_supervisor(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SupervisorForm>,
) -> PageResult {
    let t = ctx.t;
    let session = admin(&ctx)?;
    check_csrf(&ctx, &session, &form.csrf)?;
    match state
        .app
        .create_supervisor_account(
            &session.viewer,
            form.login.trim(),
            &form.display_name,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(code) => Ok(slip(
            t,
            Nav::for_session(t, &session, None),
            t.get("programme.title"),
            code,
            "/programa".to_string(),
            StatusCode::CREATED,
        )),
        Err(e) => {
            let m = form_error(t, e)?;
            programme_response(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                OrgForm::default(),
                None,
                Some(m),
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
}

/// A new activation code for a supervisor or a Director General (an unknown login, or one
/// that is neither, is the 404 of a missing one).
pub async fn reissue(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let t = ctx.t;
    let session = admin(&ctx)?;
    check_csrf(&ctx, &session, &form.csrf)?;
    let login = form.login.trim().to_lowercase();
    let code = state
        .app
        .reissue_code(&session.viewer, None, &login, &ctx.origin, Utc::now())
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    Ok(slip(
        t,
        Nav::for_session(t, &session, None),
        t.get("programme.title"),
        code,
        "/programa".to_string(),
        StatusCode::CREATED,
    ))
}
