//! API routes of issue 16: ODFs created by the programme administrator (`POST /orgs`),
//! supervisors, members' accounts and new activation codes, activation, one's password and
//! sessions. Answers that carry an activation code are never stored for `Idempotency-Key`
//! (the code is kept only as a hash); those routes are idempotent by their own keys instead.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::shell::{
    access_error, invalid, org_for, session, ApiError, ApiJson, ApiPath, ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::{AccessError, Action, IssuedCode, NewOrgRequest};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The API paths whose answers hold an activation code: never stored as idempotent answers.
pub(crate) fn answers_a_code(path: &str) -> bool {
    path == "/api/v1/orgs"
        || path == "/api/v1/supervisors"
        || path.ends_with("/code")
        || (path.starts_with("/api/v1/orgs/") && path.ends_with("/accounts"))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OrgIn {
    /// a-z, 0-9 and '-', 3 to 60 characters; unique.
    pub slug: String,
    pub name: String,
    /// The project group behind the ODF.
    pub group_name: String,
    pub state: String,
    pub municipality: String,
    pub trade: String,
    pub founded_on: NaiveDate,
    /// ISO 4217 (default MXN).
    #[serde(default)]
    pub currency: Option<String>,
    /// The Director General's login and name: a staff account with an activation code.
    #[serde(default)]
    pub director_login: Option<String>,
    #[serde(default)]
    pub director_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CodeOut {
    pub login: String,
    pub display_name: String,
    /// The one-time activation code (shown once; only its hash is stored).
    pub activation_code: String,
    pub expires_at: DateTime<Utc>,
}

impl From<IssuedCode> for CodeOut {
    fn from(c: IssuedCode) -> Self {
        CodeOut {
            login: c.login,
            display_name: c.display_name,
            activation_code: c.code,
            expires_at: c.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrgCreatedOut {
    pub org_id: i64,
    pub slug: String,
    /// False when the same ODF had been created before with the same data (nothing written).
    pub created: bool,
    pub director: Option<CodeOut>,
}

/// Creates an ODF (the programme administrator): an event in the programme's log. The same
/// request again answers 200 with `created: false`; the slug with other data is 422 `slug`.
#[utoipa::path(post, path = "/api/v1/orgs", security(("bearer" = [])), request_body = OrgIn, responses((status = 201, body = OrgCreatedOut), (status = 200, body = OrgCreatedOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_org(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult {
    let s = session(&ctx)?;
    let request = NewOrgRequest {
        slug: body.slug,
        name: body.name,
        group_name: body.group_name,
        state: body.state,
        municipality: body.municipality,
        trade: body.trade,
        founded_on: body.founded_on,
        currency: body.currency.unwrap_or_else(|| "MXN".into()),
        director_login: body.director_login,
        director_name: body.director_name,
    };
    let done = state
        .app
        .create_org_as(&s.viewer, &request, &ctx.origin, Utc::now())
        .await
        .map_err(access_error)?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(OrgCreatedOut {
            org_id: done.org_id,
            slug: done.slug,
            created: done.created,
            director: done.director.map(CodeOut::from),
        }),
    )
        .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SupervisorIn {
    pub login: String,
    pub display_name: String,
}

/// Names a programme supervisor (R-SUP-1; the programme administrator): an account with an
/// activation code.
#[utoipa::path(post, path = "/api/v1/supervisors", security(("bearer" = [])), request_body = SupervisorIn, responses((status = 201, body = CodeOut), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_supervisor(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SupervisorIn>,
) -> ApiResult {
    let s = session(&ctx)?;
    let code = state
        .app
        .create_supervisor_account(
            &s.viewer,
            &body.login,
            &body.display_name,
            &ctx.origin,
            Utc::now(),
        )
        .await
        .map_err(access_error)?;
    Ok((StatusCode::CREATED, Json(CodeOut::from(code))).into_response())
}

/// A new activation code for a supervisor or a Director General (the administrator).
#[utoipa::path(post, path = "/api/v1/users/{login}/code", security(("bearer" = [])), params(("login" = String, Path)), responses((status = 201, body = CodeOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn reissue_programme_code(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(login): ApiPath<String>,
) -> ApiResult {
    let s = session(&ctx)?;
    if !s.viewer.admin {
        return Err(access_error(AccessError::Forbidden {
            rule: "R-SUP-1",
            action: "administer the programme".into(),
        }));
    }
    let code = state
        .app
        .reissue_code(&s.viewer, None, &login, &ctx.origin, Utc::now())
        .await
        .map_err(access_error)?;
    Ok((StatusCode::CREATED, Json(CodeOut::from(code))).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct AccountIn {
    /// The member's number or CURP.
    pub member: String,
    pub login: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub login: String,
    pub display_name: String,
    pub member_id: Option<i64>,
    /// `staff`, `board`, `member`, `support_committee`.
    pub roles: Vec<String>,
    pub active: bool,
}

/// The ODF's accounts (staff).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/accounts", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [AccountOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ManageAccounts).await?;
    let rows = state
        .app
        .accounts_with_state(org.id)
        .await
        .map_err(access_error)?;
    let out: Vec<AccountOut> = rows
        .into_iter()
        .map(|a| AccountOut {
            login: a.login,
            display_name: a.display_name,
            member_id: a.member_id,
            roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
            active: a.active,
        })
        .collect();
    Ok(Json(out).into_response())
}

/// Gives a member of the registry an account (staff): roles from the registry, a one-time
/// activation code to print on a slip. One account per member.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/accounts", security(("bearer" = [])), params(("slug" = String, Path)), request_body = AccountIn, responses((status = 201, body = CodeOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<AccountIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageAccounts).await?;
    let code = state
        .app
        .create_member_account(
            org.id,
            &s.viewer,
            &body.member,
            &body.login,
            &ctx.origin,
            Utc::now(),
        )
        .await
        .map_err(access_error)?;
    Ok((StatusCode::CREATED, Json(CodeOut::from(code))).into_response())
}

/// A new activation code for a member's account (staff); the previous one stops working.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/accounts/{login}/code", security(("bearer" = [])), params(("slug" = String, Path), ("login" = String, Path)), responses((status = 201, body = CodeOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn reissue_code(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, login)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageAccounts).await?;
    let code = state
        .app
        .reissue_code(&s.viewer, Some(org.id), &login, &ctx.origin, Utc::now())
        .await
        .map_err(access_error)?;
    Ok((StatusCode::CREATED, Json(CodeOut::from(code))).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ActivationIn {
    pub login: String,
    pub code: String,
    pub password: String,
}

/// Uses an activation code once to choose a password (no session needed). Wrong codes are
/// 401 and count against the sign-in limiter (429 when over it).
#[utoipa::path(post, path = "/api/v1/activation", request_body = ActivationIn, responses((status = 204), (status = 401, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ActivationIn>,
) -> ApiResult {
    let login = body.login.trim().to_lowercase();
    let now = std::time::Instant::now();
    if !state.limiter.allowed(&ctx.origin, &login, now) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            Json(serde_json::json!({"error": "rate_limited"})),
        )
            .into_response());
    }
    match state
        .app
        .activate(&login, &body.code, &body.password, &ctx.origin, Utc::now())
        .await
    {
        Ok(()) => {
            state.limiter.succeeded(&ctx.origin, &login);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(AccessError::Unauthenticated) => {
            state.limiter.failed(&ctx.origin, &login, now);
            Err(access_error(AccessError::Unauthenticated))
        }
        Err(e) => Err(access_error(e)),
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PasswordIn {
    pub current_password: String,
    pub new_password: String,
}

/// Changes one's own password; one's other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", security(("bearer" = [])), request_body = PasswordIn, responses((status = 204), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<PasswordIn>,
) -> ApiResult {
    let s = session(&ctx)?;
    if body.new_password.is_empty() {
        return Err(invalid("new_password", "is required"));
    }
    let ended = state
        .app
        .change_password(
            &s.viewer.login,
            &body.current_password,
            &body.new_password,
            Some(s.token_hash()),
            &ctx.origin,
            Utc::now(),
        )
        .await
        .map_err(access_error)?;
    for hash in ended {
        state.sessions.forget_hash(&hash);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SessionOutRow {
    pub id: String,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub origin: String,
    pub current: bool,
}

/// One's own live sessions, newest first.
#[utoipa::path(get, path = "/api/v1/me/sessions", security(("bearer" = [])), responses((status = 200, body = [SessionOutRow]), (status = 401, body = ApiError)))]
pub async fn my_sessions(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    let s = session(&ctx)?;
    let rows = state
        .app
        .sessions_of(&s.viewer.login, Some(s.token_hash()), Utc::now())
        .await
        .map_err(access_error)?;
    let out: Vec<SessionOutRow> = rows
        .into_iter()
        .map(|r| SessionOutRow {
            id: r.id,
            opened_at: r.opened_at,
            expires_at: r.expires_at,
            origin: r.origin,
            current: r.current,
        })
        .collect();
    Ok(Json(out).into_response())
}

/// Ends one of one's own sessions (another person's id is 404).
#[utoipa::path(post, path = "/api/v1/me/sessions/{id}/end", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let s = session(&ctx)?;
    let hash = state
        .app
        .end_session(&s.viewer.login, &id, &ctx.origin, Utc::now())
        .await
        .map_err(access_error)?;
    state.sessions.forget_hash(&hash);
    Ok(StatusCode::NO_CONTENT.into_response())
}
