//! What every API route shares: the JSON error body and the mapping of refusals to it, the
//! session a bearer token names, the organisation a route acts in, the idempotency layer
//! (`Idempotency-Key`, exactly once) and `POST /api/v1/session`.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::shell::{ApiJson, Ctx};
use crate::AppState;
use app::access_cases::{AccessError, Action, Claim, IdempotencyOutcome, Session, StoredResponse};
use app::AppError;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::{Org, StoreError, PROGRAMME_ORG};
use utoipa::ToSchema;

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

pub(crate) fn err(status: StatusCode, error: &'static str) -> Response {
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
        AppError::OpeningRows(rows) => match rows.first() {
            Some(first) => invalid(first.field, &first.to_string()),
            None => invalid("csv", ""),
        },
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

/// The API paths whose answers are never stored for their idempotency key (answers that hold
/// an activation code, issue 16: `accounts::api::answers_a_code`); given by the router.
pub(crate) type NotStored = fn(&str) -> bool;

/// Header naming a request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

pub(crate) async fn idempotency(
    State((state, not_stored)): State<(AppState, NotStored)>,
    request: Request,
    next: Next,
) -> Response {
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
    if request.method() != Method::POST || path.ends_with("/session") || not_stored(&path) {
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
        return crate::shell::api_contract::too_large(ctx.t);
    };
    let mut identity = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    identity.extend_from_slice(&bytes);
    let login = session.viewer.login.clone();
    exactly_once(
        &state,
        &login,
        &key,
        &identity,
        &ctx.origin,
        is_final,
        next.run(Request::from_parts(parts, Body::from(bytes))),
    )
    .await
}

/// Runs `work` once for `(login, key)`: the key is claimed before the work, so a duplicate
/// sent meanwhile waits for the first answer (bounded) and replays it, or gets 409 with
/// Retry-After; it never does the work again (app::access_cases::idempotency). An answer
/// `keep` accepts is stored under the key (an `api.response` event); any other releases the
/// claim, so that the client's retry does the work. `identity` is what the key stands for:
/// the same key with another identity is 422. Shared by the API's layer above and the offline
/// replay of page forms (`shell::offline`).
pub(crate) async fn exactly_once(
    state: &AppState,
    login: &str,
    key: &str,
    identity: &[u8],
    origin: &str,
    keep: fn(StatusCode) -> bool,
    work: impl std::future::Future<Output = Response>,
) -> Response {
    let claim = match state
        .app
        .idempotency_claim(PROGRAMME_ORG, login, key, identity, origin, Utc::now())
        .await
    {
        Ok(IdempotencyOutcome::New(claim)) => claim,
        Ok(IdempotencyOutcome::Replay(stored)) => return replayed(stored),
        Ok(IdempotencyOutcome::InProgress) => {
            return match state
                .app
                .idempotency_wait(PROGRAMME_ORG, login, key, identity, DUPLICATE_WAIT)
                .await
            {
                Ok(Some(stored)) => replayed(stored),
                Ok(None) => retry_later("idempotency_in_progress"),
                Err(e) => access_error(e),
            };
        }
        Err(e) => return access_error(e),
    };
    let response = work.await;
    let status = response.status();
    // Not an answer to keep (a server error, a race lost every time, a rate limit): the claim
    // is released so the client's retry does the work.
    let release = || release_claim(state, login, key, claim, origin);
    if !keep(status) {
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
            login,
            key,
            identity,
            stored,
            origin,
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
pub(crate) async fn create_session(
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
