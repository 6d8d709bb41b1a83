//! The JSON API under `/api/v1`: what the pages do, with the same authorisation (the same
//! `Viewer::check` calls), authenticated by a bearer token from `POST /api/v1/session`.
//! Every other POST honours `Idempotency-Key`, exactly once: the key is claimed before the
//! work, the same key and request answer the stored response (a duplicate sent meanwhile waits
//! for it, or gets 409 with `Retry-After`); the same key with another request is 422. The
//! OpenAPI document is generated from these handlers' annotations (utoipa) and served at
//! `/api/v1/openapi.json`.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::api_contract::{shape, ApiJson, ApiPath, ApiQuery, Contract};
use crate::audit::redacted_text;
use crate::auth::Ctx;
use crate::pages::{key_figures, member_csv, search_members};
use crate::AppState;
use app::access_cases::{
    AccessError, Action, Claim, IdempotencyOutcome, ProposalForm, ProposalView, Session,
    StoredResponse,
};
use app::{Actor, AppError};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use governance::{ProposalStatus, Vote};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::{Org, Page, StoreError, PROGRAMME_ORG};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes(state: AppState) -> Router<AppState> {
    let public = Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(create_session))
        // Activation is how a person without a session gets one (issue 16).
        .route("/activation", post(crate::api_accounts::activate));
    Router::new()
        .route(
            "/orgs",
            get(list_orgs).post(crate::api_accounts::create_org),
        )
        .route("/supervisors", post(crate::api_accounts::create_supervisor))
        .route(
            "/users/{login}/code",
            post(crate::api_accounts::reissue_programme_code),
        )
        .route(
            "/orgs/{slug}/accounts",
            get(crate::api_accounts::list_accounts).post(crate::api_accounts::create_account),
        )
        .route(
            "/orgs/{slug}/accounts/{login}/code",
            post(crate::api_accounts::reissue_code),
        )
        .route("/me/password", post(crate::api_accounts::change_password))
        .route("/me/sessions", get(crate::api_accounts::my_sessions))
        .route(
            "/me/sessions/{id}/end",
            post(crate::api_accounts::end_session),
        )
        .route("/orgs/{slug}", get(get_org))
        .route("/orgs/{slug}/members", get(list_members).post(add_member))
        .route(
            "/orgs/{slug}/members/{member_id}/statement",
            get(member_statement),
        )
        .route(
            "/orgs/{slug}/proposals",
            get(list_proposals).post(create_proposal),
        )
        .route("/orgs/{slug}/proposals/{id}/votes", post(cast_vote))
        .route("/orgs/{slug}/proposals/{id}/comments", post(add_comment))
        .route("/orgs/{slug}/proposals/{id}/close", post(close_vote))
        .route("/orgs/{slug}/members/{member_id}/leave", post(record_leave))
        .route("/orgs/{slug}/roles", post(assign_role))
        .route("/orgs/{slug}/roles/{id}/end", post(end_role))
        .route("/orgs/{slug}/audit", get(audit))
        .route(
            "/orgs/{slug}/members/{member_id}/reports",
            post(crate::api_fund::file_report)
                .layer(axum::middleware::map_response(crate::read_cache::log_only)),
        )
        .route(
            "/orgs/{slug}/periods/{period}/close",
            get(crate::api_fund::close_preview).post(crate::api_fund::close_period),
        )
        .route("/orgs/{slug}/loan-quote", post(crate::api_fund::loan_quote))
        .route(
            "/orgs/{slug}/members/{member_id}/fund",
            get(crate::api_fund::member_fund),
        )
        .route(
            "/orgs/{slug}/leases/{lease_id}/purchase",
            post(crate::api_fund::purchase_lease),
        )
        .route("/orgs/{slug}/fund", get(crate::api_fund::odf_fund))
        .route("/orgs/{slug}/trade", get(crate::api_fund::trade_summary))
        .route(
            "/orgs/{slug}/settings",
            get(crate::settings_pages::list_settings),
        )
        .route(
            "/orgs/{slug}/settings/proposals",
            post(crate::settings_pages::create_setting_proposal),
        )
        .route(
            "/orgs/{slug}/opening",
            get(crate::opening_pages::get_opening).post(crate::opening_pages::post_opening),
        )
        .merge(crate::api_support::routes())
        .merge(crate::api_members::routes())
        .merge(crate::dues_pages::api_routes())
        .merge(crate::fund::api_routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::api_contract::require_session,
        ))
        .merge(public)
        .method_not_allowed_fallback(crate::api_contract::method_not_allowed)
        .fallback(crate::api_contract::not_found)
        .layer(axum::middleware::from_fn_with_state(state, idempotency))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tequio API", version = "1", description = "ODFs, members, statements, proposals and votes. Authorisation as the web pages (R-GOV-1, R-SUP-1)."),
    paths(create_session, list_orgs, get_org, list_members, add_member, record_leave, assign_role, end_role, member_statement, list_proposals, create_proposal, cast_vote, close_vote, add_comment, audit, crate::api_fund::file_report, crate::api_fund::close_preview, crate::api_fund::close_period, crate::api_fund::loan_quote, crate::api_fund::member_fund, crate::api_fund::purchase_lease, crate::api_fund::odf_fund, crate::api_fund::trade_summary, crate::api_accounts::create_org, crate::api_accounts::create_supervisor, crate::api_accounts::reissue_programme_code, crate::api_accounts::list_accounts, crate::api_accounts::create_account, crate::api_accounts::reissue_code, crate::api_accounts::activate, crate::api_accounts::change_password, crate::api_accounts::my_sessions, crate::api_accounts::end_session, crate::settings_pages::list_settings, crate::settings_pages::create_setting_proposal, crate::opening_pages::get_opening, crate::opening_pages::post_opening, crate::api_support::publish_opportunity, crate::api_support::publish_programme_opportunity, crate::api_support::list_opportunities, crate::api_support::programme_opportunities, crate::api_support::opportunity_audience, crate::api_support::para_ti, crate::api_support::mark_interest, crate::api_support::register_invention, crate::api_support::list_inventions, crate::api_support::get_invention, crate::api_support::invention_reviews, crate::api_support::review_invention, crate::api_support::advance_invention, crate::api_support::odf_compliance, crate::api_support::programme_compliance, crate::api_support::odf_outcomes, crate::api_support::programme_outcomes, crate::api_support::list_scenarios, crate::api_support::save_scenario, crate::api_support::compare_scenarios, crate::api_support::integradoras, crate::api_members::list_roles, crate::api_members::edit_member, crate::api_members::list_plans, crate::api_members::member_plans, crate::api_members::get_plan, crate::api_members::flagged_plans, crate::api_members::agree_plan, crate::api_members::revise_target, crate::api_members::end_plan, crate::dues_pages::api_arrears, crate::dues_pages::api_charge, crate::dues_pages::api_pay, crate::dues_pages::api_receipt, crate::dues_pages::api_sheet, crate::dues_pages::api_collect, crate::fund::operations_api::decisions, crate::fund::operations_api::spend, crate::fund::operations_api::withdraw, crate::fund::operations_api::owing, crate::fund::operations_api::pay, crate::fund::operations_api::receipt, crate::fund::operations_api::grant, crate::fund::operations_api::temporaries, crate::fund::operations_api::temporary, crate::fund::operations_api::return_temporary),
    components(schemas(crate::api_accounts::OrgIn, crate::api_accounts::OrgCreatedOut, crate::api_accounts::CodeOut, crate::api_accounts::SupervisorIn, crate::api_accounts::AccountIn, crate::api_accounts::AccountOut, crate::api_accounts::ActivationIn, crate::api_accounts::PasswordIn, crate::api_accounts::SessionOutRow, crate::api_fund::QuoteIn, crate::api_fund::LeasePurchaseIn, crate::api_fund::LeasePurchaseOut, crate::api_fund::ReportIn, crate::api_fund::ReportOut, crate::api_fund::CloseOut, ApiError, SignIn, SessionOut, OrgOut, MemberOut, MemberList, MemberIn, ImportOut, LeaveIn, LeaveOut, RoleIn, RoleEndIn, RoleOut, StatementOut, StatementLineOut, ProposalIn, ProposalOut, BallotOut, DecisionOut, VoteIn, CommentIn, CommentOut, AuditEventOut, crate::opening_pages::OpeningIn, crate::opening_pages::OpeningOut, crate::settings_pages::SettingOut, crate::settings_pages::SettingChangeOut, crate::settings_pages::SettingPendingOut, crate::settings_pages::SettingProposalIn, crate::settings_pages::SettingProposalOut, crate::api_members::RoleHeldOut, crate::api_members::MemberEditIn, crate::api_members::MemberDetailOut, crate::api_members::TargetOut, crate::api_members::PlanChangeOut, crate::api_members::PlanOut, crate::api_members::FlaggedOut, crate::api_members::FlaggedPlanOut, crate::api_members::PlanIn, crate::api_members::TargetIn, crate::api_members::EndIn, crate::dues_pages::ArrearsOut, crate::dues_pages::ArrearsRowOut, crate::dues_pages::ChargeIn, crate::dues_pages::ChargeOut, crate::dues_pages::PaymentIn, crate::dues_pages::ReceiptOut, crate::dues_pages::CollectionIn, crate::dues_pages::CollectionLineIn, crate::dues_pages::CollectionOut, crate::fund::operations_api::FundOpOut, crate::fund::operations_api::FundDecisionOut, crate::fund::operations_api::SpendIn, crate::fund::operations_api::WithdrawalIn, crate::fund::operations_api::WithdrawalOut, crate::fund::operations_api::OwingOut, crate::fund::operations_api::FundPaymentIn, crate::fund::operations_api::FundReceiptOut, crate::fund::operations_api::GrantIn, crate::fund::operations_api::TemporaryOut, crate::fund::operations_api::TemporaryIn, crate::fund::operations_api::ReturnIn)),
    modifiers(&BearerAuth, &Contract)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

// ---------------------------------------------------------------- errors

/// Every refusal: a code, and for bad input the field and a message (es-MX unless `?lang=en`).
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// `malformed` (400: not JSON, a parameter of the wrong type), `unauthenticated` (401),
    /// `forbidden` (403), `not_found` (404), `method_not_allowed` (405, with `Allow`),
    /// `too_large` (413), `unsupported_media_type` (415), `invalid` and
    /// `idempotency_key_reused` (422), `idempotency_in_progress` and `busy` (409, with
    /// `Retry-After`), `rate_limited` (429), `internal` (500).
    error: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
}

impl ApiError {
    /// The JSON error body with its status: every refusal of the API goes through here, the
    /// framework's own rejections too (`api_contract`).
    pub(crate) fn response(
        status: StatusCode,
        error: &'static str,
        field: Option<String>,
        message: Option<String>,
    ) -> Response {
        (
            status,
            Json(ApiError {
                error,
                field,
                message,
                rule: None,
            }),
        )
            .into_response()
    }
}

fn err(status: StatusCode, error: &'static str) -> Response {
    ApiError::response(status, error, None, None)
}

pub(crate) fn invalid(field: &str, message: &str) -> Response {
    ApiError::response(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some(field.to_string()),
        Some(message.to_string()),
    )
}

pub(crate) fn access_error(e: AccessError) -> Response {
    match e {
        AccessError::Unauthenticated => err(StatusCode::UNAUTHORIZED, "unauthenticated"),
        AccessError::NotFound => err(StatusCode::NOT_FOUND, "not_found"),
        AccessError::Forbidden { rule, .. } => (
            StatusCode::FORBIDDEN,
            Json(ApiError {
                error: "forbidden",
                field: None,
                message: None,
                rule: Some(rule),
            }),
        )
            .into_response(),
        AccessError::IdempotencyMismatch => {
            err(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
        }
        AccessError::App(e) => app_error(e),
    }
}

pub(crate) fn app_error(e: AppError) -> Response {
    match e {
        AppError::Field(f) => invalid(f.field, &f.message),
        AppError::Rows(rows) => {
            let first = rows.first().cloned().unwrap_or_default();
            let field = first
                .split_once(", ")
                .and_then(|(_, r)| r.split_once(": "))
                .map(|(f, _)| f.to_string())
                .unwrap_or_else(|| "csv".into());
            invalid(&field, &first)
        }
        AppError::Rule {
            rule,
            field,
            message,
        } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ApiError {
                error: "invalid",
                field: Some(field),
                message: Some(message),
                rule: Some(rule),
            }),
        )
            .into_response(),
        AppError::Store(StoreError::NotFound { .. }) => err(StatusCode::NOT_FOUND, "not_found"),
        // Other writers kept taking the slot this request read (app::retry): not a
        // contradiction, the same request may succeed in a moment.
        e if e.is_transient() => retry_later("busy"),
        // A route whose conflicts have a field of their own maps them first (`registry_error`).
        AppError::Store(StoreError::Conflict { what, .. }) => invalid("request", &what),
        AppError::Store(StoreError::Invalid { what }) => invalid("request", &what),
        // A refusal of a programme rule (Fund R-PLAN-*, R-FUND-*, R-ORG-3; trade): 422 naming
        // the rule and the field.
        other if other.is_caller_error() => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ApiError {
                error: "invalid",
                field: other.field().map(str::to_string),
                message: Some(other.to_string()),
                rule: other.rule_id(),
            }),
        )
            .into_response(),
        other => {
            tracing::error!(error = %other, "api failed");
            err(StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    }
}

pub(crate) type ApiResult = Result<Response, Response>;

pub(crate) fn session(ctx: &Ctx) -> Result<&Session, Response> {
    ctx.session
        .as_ref()
        .ok_or_else(|| err(StatusCode::UNAUTHORIZED, "unauthenticated"))
}

pub(crate) async fn org_for(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    action: Action,
) -> Result<(Org, Session), Response> {
    let s = session(ctx)?.clone();
    let org = state
        .reads
        .org_by_slug(&state.app, slug)
        .await
        .map(|o| Org::clone(&o))
        .map_err(|e| app_error(e.into()))?;
    s.viewer.check(org.id, action).map_err(access_error)?;
    Ok((org, s))
}

// ---------------------------------------------------------------- idempotency

/// Header naming a request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Only a POST with a key is remembered; sign-in is exempt: its response is a session
    // token, which is never stored. Anything else goes straight on (no session read here).
    let Some(key) = key else {
        return next.run(request).await;
    };
    // Nor are answers that hold an activation code (issue 16): codes are kept only hashed.
    let path = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    if request.method() != Method::POST
        || path.ends_with("/session")
        || crate::api_accounts::answers_a_code(&path)
    {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let ctx = match <Ctx as axum::extract::FromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    {
        Ok(ctx) => ctx,
        Err(never) => match never {},
    };
    let Some(session) = ctx.session.as_ref() else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return crate::api_contract::too_large(ctx.t);
    };
    let mut identity = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    identity.extend_from_slice(&bytes);
    let login = session.viewer.login.clone();
    // The key is claimed before the work: a duplicate sent meanwhile waits for the first
    // answer (bounded) and replays it, or gets 409 with Retry-After; it never does the work
    // again (app::access_cases::idempotency).
    let claim = match state
        .app
        .idempotency_claim(
            PROGRAMME_ORG,
            &login,
            &key,
            &identity,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        Ok(IdempotencyOutcome::New(claim)) => claim,
        Ok(IdempotencyOutcome::Replay(stored)) => return replayed(stored),
        Ok(IdempotencyOutcome::InProgress) => {
            return match state
                .app
                .idempotency_wait(PROGRAMME_ORG, &login, &key, &identity, DUPLICATE_WAIT)
                .await
            {
                Ok(Some(stored)) => replayed(stored),
                Ok(None) => retry_later("idempotency_in_progress"),
                Err(e) => access_error(e),
            };
        }
        Err(e) => return access_error(e),
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    // Not an answer to keep (a server error, a race lost every time, a rate limit): the claim
    // is released so the client's retry does the work.
    let release = || release_claim(&state, &login, &key, claim, &ctx.origin);
    if !is_final(status) {
        release().await;
        return response;
    }
    let (rparts, rbody) = response.into_parts();
    let Ok(rbytes) = to_bytes(rbody, crate::MAX_BODY_BYTES).await else {
        release().await;
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    };
    let stored = StoredResponse {
        status: status.as_u16(),
        body: String::from_utf8_lossy(&rbytes).into_owned(),
    };
    if let Err(e) = state
        .app
        .remember_response(
            PROGRAMME_ORG,
            &login,
            &key,
            &identity,
            stored,
            &ctx.origin,
            Utc::now(),
        )
        .await
    {
        tracing::error!(error = %e, "idempotency record failed");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

async fn release_claim(state: &AppState, login: &str, key: &str, claim: Claim, origin: &str) {
    if let Err(e) = state
        .app
        .release_claim(PROGRAMME_ORG, login, key, claim, origin, Utc::now())
        .await
    {
        tracing::error!(error = %e, "idempotency claim release failed");
    }
}

/// How long a duplicate waits for the first request's answer before it is told to retry.
const DUPLICATE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Whether a response is the request's final answer, stored under its idempotency key: a
/// success or a refusal of the request itself. A server error, a conflict (409: a race, or
/// a duplicate in progress) and a rate limit (429) are never stored: the retry runs again.
fn is_final(status: StatusCode) -> bool {
    status.is_success()
        || (status.is_client_error()
            && status != StatusCode::CONFLICT
            && status != StatusCode::TOO_MANY_REQUESTS)
}

/// A stored response answered again.
fn replayed(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("idempotent-replayed"),
                "true",
            ),
        ],
        stored.body,
    )
        .into_response()
}

/// 409 with `Retry-After: 1`: the same request may succeed in a moment.
fn retry_later(error: &'static str) -> Response {
    let mut response = err(StatusCode::CONFLICT, error);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

// ---------------------------------------------------------------- session

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    login: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    expires_at: DateTime<Utc>,
}

/// Signs in; rate-limited per address and login like the sign-in page.
#[utoipa::path(post, path = "/api/v1/session", request_body = SignIn, responses((status = 201, body = SessionOut), (status = 401, body = ApiError), (status = 429, body = ApiError)))]
async fn create_session(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SignIn>,
) -> Response {
    let login = body.login.trim().to_lowercase();
    let now = std::time::Instant::now();
    if !state.limiter.allowed(&ctx.origin, &login, now) {
        return err(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    }
    match state
        .app
        .sign_in(&login, &body.password, &ctx.origin, Utc::now())
        .await
    {
        Ok(s) => {
            state.limiter.succeeded(&ctx.origin, &login);
            (
                StatusCode::CREATED,
                Json(SessionOut {
                    token: s.token,
                    expires_at: s.expires_at,
                }),
            )
                .into_response()
        }
        Err(AccessError::Unauthenticated) => {
            state.limiter.failed(&ctx.origin, &login, now);
            err(StatusCode::UNAUTHORIZED, "unauthenticated")
        }
        Err(e) => access_error(e),
    }
}

// ---------------------------------------------------------------- organisations

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    slug: String,
    name: String,
    state: String,
    trade: String,
    members: u64,
    bank_minor: i64,
    dues_receivable_minor: i64,
    dues_income_minor: i64,
}

async fn org_out(state: &AppState, org: Org) -> Result<OrgOut, Response> {
    let k = key_figures(state, &org)
        .await
        .map_err(|e| app_error(e.into()))?;
    Ok(OrgOut {
        slug: org.data.slug,
        name: org.data.name,
        state: org.data.state,
        trade: org.data.trade,
        members: k.members,
        bank_minor: k.bank_minor as i64,
        dues_receivable_minor: k.dues_receivable_minor as i64,
        dues_income_minor: k.dues_income_minor as i64,
    })
}

/// The ODFs the caller sees (all of them for a supervisor), with key figures; at most 200.
#[utoipa::path(get, path = "/api/v1/orgs", security(("bearer" = [])), responses((status = 200, body = [OrgOut]), (status = 401, body = ApiError)))]
async fn list_orgs(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    let s = session(&ctx)?;
    let orgs = state
        .app
        .store()
        .orgs()
        .await
        .map_err(|e| app_error(e.into()))?;
    let mut out = Vec::new();
    for org in orgs
        .into_iter()
        .filter(|o| s.viewer.sees_org(o.id))
        .take(200)
    {
        out.push(org_out(&state, org).await?);
    }
    Ok(Json(out).into_response())
}

/// One ODF's shared key figures.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = OrgOut), (status = 404, body = ApiError)))]
async fn get_org(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    Ok(Json(org_out(&state, org).await?).into_response())
}

// ---------------------------------------------------------------- members

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    id: i64,
    curp: String,
    given_names: String,
    surnames: String,
    municipality: String,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    members: Vec<MemberOut>,
    /// Pass as `after` for the next page.
    next_after: Option<i64>,
    /// How many members match the search in all (issue 17).
    total: usize,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Part of a name or CURP; any case, accents folded ("jose" finds "José").
    q: Option<String>,
    after: Option<i64>,
}

/// Members (staff, board, supervisors), searched by name or CURP, 50 a page.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members", security(("bearer" = [])), params(("slug" = String, Path), MembersQuery), responses((status = 200, body = MemberList), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn list_members(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<MembersQuery>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let (found, next_after, total) = search_members(
        &state,
        org.id,
        q.q.as_deref().unwrap_or(""),
        q.after.unwrap_or(0),
    )
    .await
    .map_err(app_error)?;
    let members = found
        .into_iter()
        .map(|m| MemberOut {
            id: m.id,
            curp: m.data.curp.as_str().to_string(),
            given_names: m.data.given_names,
            surnames: m.data.surnames,
            municipality: m.data.municipality,
            joined_on: m.data.joined_on,
            left_on: m.left_on,
        })
        .collect();
    Ok(Json(MemberList {
        members,
        next_after,
        total,
    })
    .into_response())
}

/// A member to register (R-ORG-2, R-ORG-3); validated as one row of the members CSV.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct MemberIn {
    curp: String,
    given_names: String,
    surnames: String,
    /// F, M or X.
    sex: String,
    birth_date: String,
    municipality: String,
    state: String,
    trade: String,
    household_size: String,
    /// micro_producer or micro_entrepreneur.
    profile: String,
    joined_on: String,
    letter_signed_on: String,
    /// Optional (R-ORG-2).
    #[serde(default)]
    rfc: String,
    /// Declared programmes (R-ORG-4), separated by `;`: inventors, disabled,
    /// artistic_cultural, popular_art, indigenous.
    #[serde(default)]
    programmes: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    created: usize,
    unchanged: usize,
}

/// Registers a member (staff only). Registering the same CURP with the same data again
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members", security(("bearer" = [])), params(("slug" = String, Path)), request_body = MemberIn, responses((status = 201, body = ImportOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<MemberIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let values: HashMap<String, String> = serde_json::from_value(
        serde_json::to_value(&body).map_err(|_| err(StatusCode::BAD_REQUEST, "invalid"))?,
    )
    .map_err(|_| err(StatusCode::BAD_REQUEST, "invalid"))?;
    let outcome = state
        .app
        .import_members_csv(
            org.id,
            &member_csv(&values),
            Utc::now().date_naive(),
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        // A CURP registered with other data is the conflict this route can meet.
        .map_err(|e| registry_error("curp", e))?;
    Ok((
        StatusCode::CREATED,
        Json(ImportOut {
            created: outcome.created,
            unchanged: outcome.unchanged,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct LeaveIn {
    left_on: NaiveDate,
    /// 1 to 500 characters.
    #[schema(schema_with = shape::text_500)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct LeaveOut {
    member_id: i64,
    left_on: Option<NaiveDate>,
    reason: Option<String>,
}

/// A refusal of a registry change the store reports as a conflict (leaving twice, ending a
/// role twice): 422 naming the field.
fn registry_error(field: &str, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::Conflict { what, .. }) => invalid(field, &what),
        e => app_error(e),
    }
}

/// R-ORG-2: records that a member left (staff only); recorded in the audit log with who and
/// from where. The same leave again changes nothing; another leave of a member who left is 422.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members/{member_id}/leave", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), request_body = LeaveIn, responses((status = 200, body = LeaveOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn record_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<LeaveIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let member = state
        .app
        .record_leave(
            org.id,
            member_id,
            body.left_on,
            &body.reason,
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(|e| registry_error("left_on", e))?;
    Ok(Json(LeaveOut {
        member_id: member.id,
        left_on: member.left_on,
        reason: member.leave_reason,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct RoleIn {
    #[schema(schema_with = shape::line)]
    person_name: String,
    /// The holder's member id, when they are a member of this ODF.
    member_id: Option<i64>,
    /// `director_general`, `staff`, `board_member`, `support_committee`,
    /// `specialised_committee:<committee>`, `innovation_committee` or `volunteer`.
    #[schema(schema_with = shape::role)]
    role: String,
    from: NaiveDate,
}

#[derive(Deserialize, ToSchema)]
pub struct RoleEndIn {
    until: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    id: i64,
    person_name: String,
    member_id: Option<i64>,
    role: String,
    from: NaiveDate,
    until: Option<NaiveDate>,
}

impl From<registry::RoleAssignment> for RoleOut {
    fn from(r: registry::RoleAssignment) -> Self {
        RoleOut {
            id: r.id,
            person_name: r.person_name,
            member_id: r.member_id,
            role: r.role.to_key(),
            from: r.from,
            until: r.until,
        }
    }
}

/// R-ORG-5: gives a role (staff only); recorded in the audit log with who and from where.
/// The same assignment again answers the first.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/roles", security(("bearer" = [])), params(("slug" = String, Path)), request_body = RoleIn, responses((status = 201, body = RoleOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn assign_role(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<RoleIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let role = registry::Role::from_key(body.role.trim()).map_err(|e| app_error(e.into()))?;
    let assigned = state
        .app
        .assign_role(
            org.id,
            registry::NewRoleAssignment {
                person_name: body.person_name.trim().to_string(),
                member_id: body.member_id,
                role,
                from: body.from,
            },
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(|e| registry_error("role", e))?;
    Ok((StatusCode::CREATED, Json(RoleOut::from(assigned))).into_response())
}

/// R-ORG-5: ends a role (staff only); recorded in the audit log. Ending it again on the same
/// date changes nothing; on another date it is 422.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/roles/{id}/end", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), request_body = RoleEndIn, responses((status = 200, body = RoleOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn end_role(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<RoleEndIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let ended = state
        .app
        .end_role(
            org.id,
            id,
            body.until,
            &Actor::new(&s.viewer.login, &ctx.origin),
        )
        .await
        .map_err(|e| registry_error("until", e))?;
    Ok(Json(RoleOut::from(ended)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct StatementLineOut {
    entry_id: i64,
    date: NaiveDate,
    memo: String,
    amount_minor: i64,
    balance_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    member_id: i64,
    name: String,
    dues_arrears_minor: i64,
    dues: Vec<StatementLineOut>,
}

/// A member's statement: the member themself, staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members/{member_id}/statement", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), responses((status = 200, body = StatementOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn member_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    // A member who is not the viewer's is NotFound before anything is read, and another
    // organisation's member is NotFound from the store: the same 404 (issue 15).
    s.viewer
        .check(org.id, Action::ViewMember(member_id))
        .map_err(access_error)?;
    let dues = state
        .reads
        .dues(&state.app, org.id, member_id)
        .await
        .map_err(app_error)?;
    let (member, statement, arrears) = (&dues.member, &dues.statement, dues.arrears_minor);
    Ok(Json(StatementOut {
        member_id,
        name: format!("{} {}", member.data.given_names, member.data.surnames),
        dues_arrears_minor: arrears,
        dues: statement
            .lines
            .iter()
            .map(|l| StatementLineOut {
                entry_id: l.entry_id,
                date: l.date,
                memo: l.memo.clone(),
                amount_minor: l.amount.amount_minor(),
                balance_minor: l.balance_minor as i64,
            })
            .collect(),
    })
    .into_response())
}

// ---------------------------------------------------------------- proposals

#[derive(Deserialize, ToSchema)]
pub struct ProposalIn {
    /// expenditure, loan, lease, withdrawal_criteria, non_fulfilment_notice, election.
    #[schema(schema_with = shape::proposal_kind)]
    kind: String,
    /// What the decision is about, as the rule that acts on it names it (`loan:7`).
    #[serde(default)]
    #[schema(schema_with = shape::subject)]
    subject: String,
    #[schema(schema_with = shape::text_500)]
    purpose: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CommentOut {
    by: String,
    text: String,
    at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct BallotOut {
    /// The board seat (role assignment id) and the name on it.
    seat: i64,
    voter_name: String,
    /// for, against or abstain.
    vote: &'static str,
    cast_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    id: i64,
    kind: &'static str,
    subject: String,
    purpose: String,
    amount_minor: i64,
    proposed_by: String,
    proposed_on: NaiveDate,
    /// open, approved or rejected.
    state: &'static str,
    ballots: Vec<BallotOut>,
    comments: Vec<CommentOut>,
}

fn proposal_out(v: ProposalView) -> ProposalOut {
    let p = v.record.proposal;
    ProposalOut {
        id: p.id,
        kind: p.kind.as_str(),
        subject: p.subject,
        purpose: p.purpose,
        amount_minor: p.amount_minor,
        proposed_by: p.proposed_by,
        proposed_on: p.proposed_on,
        state: match p.status {
            ProposalStatus::Open => "open",
            ProposalStatus::Approved { .. } => "approved",
            ProposalStatus::Rejected { .. } => "rejected",
        },
        ballots: v
            .record
            .ballots
            .into_iter()
            .map(|b| BallotOut {
                seat: b.seat,
                voter_name: b.voter_name,
                vote: b.vote.as_str(),
                cast_on: b.cast_on,
            })
            .collect(),
        comments: v
            .comments
            .into_iter()
            .map(|c| CommentOut {
                by: c.by,
                text: c.text,
                at: c.at,
            })
            .collect(),
    }
}

/// The ODF's proposals, newest first (everyone in its circle, and supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/proposals", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [ProposalOut]), (status = 404, body = ApiError)))]
async fn list_proposals(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let ps = state
        .app
        .board_proposals(org.id, &s.viewer)
        .await
        .map_err(access_error)?;
    Ok(Json(ps.into_iter().map(proposal_out).collect::<Vec<_>>()).into_response())
}

fn request_key(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "auto-{}",
                Utc::now().timestamp_nanos_opt().unwrap_or_default()
            )
        })
}

/// Puts a proposal to the board (staff, board, support committee, donors, advisers; R-GOV-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ProposalIn, responses((status = 201, body = ProposalOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn create_proposal(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<ProposalIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Propose).await?;
    let form = ProposalForm {
        kind: body.kind,
        subject: body.subject,
        purpose: body.purpose,
        amount_minor: body.amount_minor,
    };
    let p = state
        .app
        .propose_as(
            org.id,
            &s.viewer,
            form,
            &ctx.origin,
            Utc::now().date_naive(),
        )
        .await
        .map_err(access_error)?;
    Ok((StatusCode::CREATED, Json(proposal_out(p))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct VoteIn {
    /// for, against or abstain.
    #[schema(schema_with = shape::vote)]
    vote: String,
}

/// A board member's vote on their seat (R-GOV-1: anyone else is 403, whatever they gave).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals/{id}/votes", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = VoteIn, responses((status = 200, body = ProposalOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn cast_vote(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<VoteIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Vote).await?;
    let choice = Vote::parse(&body.vote).map_err(|e| invalid(e.field, &e.message))?;
    let p = state
        .app
        .vote_as(
            org.id,
            &s.viewer,
            id,
            choice,
            &ctx.origin,
            Utc::now().date_naive(),
        )
        .await
        .map_err(access_error)?;
    Ok(Json(proposal_out(p)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    proposal_id: i64,
    approved: bool,
    decided_on: NaiveDate,
    for_votes: u32,
    against_votes: u32,
    abstentions: u32,
    seats: u32,
    quorum_met: bool,
}

/// Closes the vote (board members): the decision with its tally (R-GOV-2).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals/{id}/close", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200, body = DecisionOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn close_vote(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Vote).await?;
    let d = state
        .app
        .close_as(org.id, &s.viewer, id, &ctx.origin, Utc::now().date_naive())
        .await
        .map_err(access_error)?;
    Ok(Json(DecisionOut {
        proposal_id: d.proposal_id,
        approved: d.approved,
        decided_on: d.decided_on,
        for_votes: d.tally.for_votes,
        against_votes: d.tally.against_votes,
        abstentions: d.tally.abstentions,
        seats: d.tally.seats,
        quorum_met: d.tally.quorum_met,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct CommentIn {
    #[schema(schema_with = shape::text_1000)]
    text: String,
}

/// A comment on a proposal.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/proposals/{id}/comments", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CommentIn, responses((status = 200, body = ProposalOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<CommentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::Comment).await?;
    let p = state
        .app
        .comment(
            org.id,
            &s.viewer,
            id,
            &body.text,
            &request_key(&headers),
            &ctx.origin,
            Utc::now(),
        )
        .await
        .map_err(access_error)?;
    Ok(Json(proposal_out(p)).into_response())
}

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
async fn audit(
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
                    limit: crate::audit::PER_PAGE,
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
    let page = crate::audit::page(&state.app, org.id, stream, q.before)
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
                    crate::audit::Before::Was { seq, .. } => Some(seq),
                    _ => None,
                },
                previous_payload: c.previous_payload,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
