//! ODFs' project results on the web (R-INFO-1): `/odf/{slug}/experiencias` lists the ODF's
//! results (everyone in its circle), staff publish one (what was tried, what came of it, a span
//! of periods; the figures come from the books), and supervisors circulate it;
//! `/programa/experiencias` shows every circulated result to anyone signed in who belongs to
//! an ODF, and to supervisors. The API routes call the same use cases.

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use crate::shell::format::money_es_mx;
use crate::shell::{
    access_error, app_error, check, check_csrf, invalid, org_for, random_token, render, require,
    session, today_mx, visible_org, ApiError, ApiJson, ApiPath, ApiResult, Ctx, Nav, PageError,
    PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{AccessError, Action, Session};
use app::support_cases::{NewResult, ProjectResult};
use app::Actor;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Form, Json};
use serde::Deserialize;
use store::{Org, OrgId};
use utoipa::{OpenApi, ToSchema};

/// A result as a card.
pub struct Card {
    pub id: i64,
    pub odf: String,
    pub title: String,
    pub tried: String,
    pub outcome: String,
    pub span: String,
    pub members: String,
    pub periods: String,
    pub new_revenue: String,
    pub fund: String,
    pub published: String,
    pub circulated: Option<String>,
}

fn period_text(t: Tr, key: &str) -> String {
    fund::Period::parse(key, fund::PeriodSettings::default())
        .map(|p| t.period(&p))
        .unwrap_or_else(|_| key.to_string())
}

fn card(t: Tr, r: &ProjectResult) -> Card {
    Card {
        id: r.id,
        odf: r.odf.clone(),
        title: r.title.clone(),
        tried: r.tried.clone(),
        outcome: r.outcome.clone(),
        span: if r.from == r.to {
            period_text(t, &r.from)
        } else {
            format!("{} – {}", period_text(t, &r.from), period_text(t, &r.to))
        },
        members: super::count(i128::from(r.figures.members)),
        periods: super::count(i128::from(r.figures.periods_closed)),
        new_revenue: money_es_mx(i128::from(r.figures.new_revenue_minor)),
        fund: money_es_mx(i128::from(r.figures.fund_minor)),
        published: t.date(&r.published_on),
        circulated: r.circulated_on.map(|d| t.date(&d)),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ResultForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tried: String,
    #[serde(default)]
    pub outcome: String,
    /// `YYYY-MM`.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

#[derive(Template)]
#[template(path = "support_results.html")]
struct ResultsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_publish: bool,
    supervisor: bool,
    form: ResultForm,
    error: Option<String>,
    cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "support_circulated.html")]
struct CirculatedPage {
    t: Tr,
    nav: Nav,
    cards: Vec<Card>,
}

fn label(t: Tr, field: &str) -> &'static str {
    match field {
        "title" => t.get("sup.f.title"),
        "tried" => t.get("s19.res.tried"),
        "outcome" => t.get("s19.res.outcome"),
        "from" | "to" | "period" => t.get("s19.res.span"),
        _ => t.get("sup.f.other"),
    }
}

async fn results_response(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
    status: StatusCode,
    mut form: ResultForm,
    error: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let results = state
        .app
        .odf_results(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    if form.nonce.is_empty() {
        form.nonce = random_token();
    }
    let page = ResultsPage {
        t,
        nav: Nav::for_session(t, session, Some(org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_publish: session.viewer.may(org.id, Action::ManageMembers),
        supervisor: session.viewer.supervisor,
        form,
        error,
        cards: results.iter().map(|r| card(t, r)).collect(),
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/experiencias`: everyone in the ODF's circle.
pub async fn results_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    results_response(
        &state,
        &ctx,
        &org,
        &session,
        StatusCode::OK,
        ResultForm::default(),
        None,
    )
    .await
}

/// The span's periods in the ODF's period settings.
async fn span(
    state: &AppState,
    org: OrgId,
    from: &str,
    to: &str,
) -> Result<(fund::Period, fund::Period), &'static str> {
    let settings = state
        .app
        .fund_settings(org)
        .await
        .map(|s| s.period)
        .unwrap_or_default();
    let from = fund::Period::parse(from.trim(), settings).map_err(|_| "from")?;
    let to = fund::Period::parse(to.trim(), settings).map_err(|_| "to")?;
    Ok((from, to))
}

/// Staff publish a result. The form's `nonce` is the reference: sent twice, one result.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<ResultForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let refuse = |field: &str, message: &str| {
        let m = format!("{message} ({})", label(t, field));
        results_response(
            &state,
            &ctx,
            &org,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
        )
    };
    let (from, to) = match span(&state, org.id, &form.from, &form.to).await {
        Ok(s) => s,
        Err(field) => return refuse(field, t.get("s19.res.err_period")).await,
    };
    let new = NewResult {
        title: form.title.clone(),
        tried: form.tried.clone(),
        outcome: form.outcome.clone(),
        from,
        to,
    };
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    let reference = (!form.nonce.is_empty()).then_some(form.nonce.as_str());
    match state
        .app
        .publish_result(org.id, &actor, reference, new, today_mx())
        .await
    {
        Ok(r) => Ok(
            Redirect::to(&format!("/odf/{}/experiencias#r{}", org.data.slug, r.id)).into_response(),
        ),
        Err(e) if e.is_caller_error() => {
            let field = e.field().unwrap_or("other").to_string();
            refuse(&field, t.get("sup.err.check")).await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A supervisor circulates a result to every ODF (R-SUP-1: they circulate results).
pub async fn circulate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    if !session.viewer.supervisor {
        return Err(PageError::Forbidden(t));
    }
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    state
        .app
        .circulate_result(org.id, id, &actor, today_mx())
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    Ok(Redirect::to(&format!("/odf/{}/experiencias#r{id}", org.data.slug)).into_response())
}

/// Whether the person reads circulated results: supervisors, and anyone in an ODF's circle.
fn reads_circulated(s: &Session) -> bool {
    s.viewer.supervisor || !s.viewer.grants.is_empty()
}

/// `/programa/experiencias`: every circulated result.
pub async fn circulated_page(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let t = ctx.t;
    let session = require(&ctx)?.clone();
    if !reads_circulated(&session) {
        return Err(PageError::NotFound(t));
    }
    let results = state
        .app
        .circulated_results()
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let page = CirculatedPage {
        t,
        nav: Nav::for_session(t, &session, None),
        cards: results.iter().map(|r| card(t, r)).collect(),
    };
    Ok(render(page).into_response())
}

// ---------------------------------------------------------------- API

/// A project result to publish: texts and a span of periods (`YYYY-MM`).
#[derive(Deserialize, ToSchema)]
pub struct ResultIn {
    pub title: String,
    pub tried: String,
    pub outcome: String,
    pub from: String,
    pub to: String,
    /// A reference (1 to 80 of `[A-Za-z0-9._-]`); the same again replays.
    #[serde(default)]
    pub reference: Option<String>,
}

/// The ODF's project results, newest first (everyone in its circle).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/results", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_results(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    Ok(Json(state.app.odf_results(org.id).await.map_err(app_error)?).into_response())
}

/// Staff publish a project result; the figures come from the ODF's books (R-INFO-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/results", security(("bearer" = [])), params(("slug" = String, Path)), request_body = ResultIn, responses((status = 201), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn publish_result(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<ResultIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let (from, to) = span(&state, org.id, &body.from, &body.to)
        .await
        .map_err(|field| invalid(field, "must be a period such as 2026-01"))?;
    let r = state
        .app
        .publish_result(
            org.id,
            &Actor::new(s.viewer.login.clone(), ctx.origin.clone()),
            body.reference.as_deref(),
            NewResult {
                title: body.title,
                tried: body.tried,
                outcome: body.outcome,
                from,
                to,
            },
            today_mx(),
        )
        .await
        .map_err(app_error)?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// A supervisor circulates the result to every ODF (R-INFO-1, R-SUP-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/results/{id}/circulate", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn circulate_result(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    if !s.viewer.supervisor {
        return Err(access_error(AccessError::Forbidden {
            rule: "R-SUP-1",
            action: "circulate a result".into(),
        }));
    }
    let r = state
        .app
        .circulate_result(
            org.id,
            id,
            &Actor::new(s.viewer.login.clone(), ctx.origin.clone()),
            today_mx(),
        )
        .await
        .map_err(app_error)?;
    Ok(Json(r).into_response())
}

/// Every circulated result (supervisors and anyone in an ODF's circle).
#[utoipa::path(get, path = "/api/v1/programme/results", security(("bearer" = [])), responses((status = 200), (status = 403, body = ApiError)))]
pub async fn circulated_results(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    let s = session(&ctx)?;
    if !reads_circulated(s) {
        return Err(access_error(AccessError::Forbidden {
            rule: "R-INFO-1",
            action: "circulated results".into(),
        }));
    }
    Ok(Json(state.app.circulated_results().await.map_err(app_error)?).into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(list_results, publish_result, circulate_result, circulated_results),
    components(schemas(ResultIn))
)]
pub(crate) struct ResultsApi;

/// Adds the project results' routes to the API's document (`ApiDoc`).
pub(crate) struct ResultsDoc;

impl utoipa::Modify for ResultsDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(ResultsApi::openapi());
    }
}
