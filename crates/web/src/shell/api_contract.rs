//! The API keeps its contract (issue 15): every answer under `/api/` that is not a success is
//! the JSON error body ([`ApiError`]), the framework's own rejections included, and the OpenAPI
//! document declares every status a route answers.
//!
//! - [`ApiJson`], [`ApiPath`] and [`ApiQuery`] replace axum's `Json`, `Path` and `Query` in the
//!   API's handlers: a body that is not JSON is 400 `malformed`, a body without
//!   `Content-Type: application/json` is 415 `unsupported_media_type`, a body over
//!   [`crate::MAX_BODY_BYTES`] is 413 `too_large`, JSON of the wrong shape is 422 `invalid` naming
//!   the field (`members[0].curp`), a path or query parameter of the wrong type is 400
//!   `malformed` naming the parameter. Messages are in the caller's language, es-MX first.
//! - [`not_found`] and [`method_not_allowed`] answer unknown routes (404) and known routes asked
//!   with another method (405, with axum's `Allow` header).
//! - [`json_errors`] wraps the whole router: any error under `/api/` that still is not JSON (the
//!   body limit's 413, answered before routing) is rewritten as the JSON error body with the same
//!   status and headers.
//! - [`Contract`] adds to the OpenAPI document the statuses every operation answers by its shape
//!   (authenticated, with path or query parameters, with a body, a POST).

use crate::shell::auth::request_lang;
use crate::shell::{ApiError, Ctx, Tr};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{RefOr, ResponseBuilder};

/// The language of an error answer: the request's (`?lang=`, the cookie), es-MX by default.
fn tr(uri: &axum::http::Uri, headers: &HeaderMap) -> Tr {
    Tr::new(request_lang(uri, headers))
}

fn malformed(field: Option<String>, message: String) -> Response {
    ApiError::response(StatusCode::BAD_REQUEST, "malformed", field, Some(message))
}

pub(crate) fn too_large(t: Tr) -> Response {
    ApiError::response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        None,
        Some(t.get("api.err.too_large").to_string()),
    )
}

/// Whether the request says its body is JSON (`application/json`, or `application/*+json`).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.split_once('/') {
        Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
        _ => false,
    }
}

/// The field a deserialization error is about: its path in the input (`members[0].curp`),
/// with the missing field's name when one is missing.
fn field_of(at: &str, message: &str, whole: &str) -> (String, bool) {
    let at = at.to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_string());
    let field = match (at.as_str(), missing.as_ref()) {
        (".", Some(name)) => name.clone(),
        (".", None) => whole.to_string(),
        (_, Some(name)) => format!("{at}.{name}"),
        (_, None) => at,
    };
    (field, missing.is_some())
}

/// A JSON request body, refused with the JSON error body (see the module's notes).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let t = tr(request.uri(), request.headers());
        if !is_json(request.headers()) {
            return Err(ApiError::response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
                Some(t.get("api.err.content_type").to_string()),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(t),
                _ => malformed(None, t.get("api.err.body_unread").to_string()),
            })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        // The error with the path to the value it is about (none for trailing characters).
        let parsed = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(v) => de.end().map(|()| v).map_err(|e| (None, e)),
            Err(e) => Err((Some(e.path().to_string()), e.into_inner())),
        };
        let (at, e) = match parsed {
            Ok(v) => return Ok(ApiJson(v)),
            Err(failure) => failure,
        };
        if e.classify() != serde_json::error::Category::Data {
            return Err(malformed(
                Some("body".into()),
                t.fmt_all(
                    "api.err.json_syntax",
                    &[&e.line().to_string(), &e.column().to_string()],
                ),
            ));
        }
        let (field, missing) = field_of(at.as_deref().unwrap_or("."), &e.to_string(), "body");
        let key = if missing {
            "api.err.missing_field"
        } else {
            "api.err.wrong_value"
        };
        Err(ApiError::response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
            Some(t.get(key).to_string()),
        ))
    }
}

/// Path parameters; one of the wrong type is 400 naming it.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        use axum::extract::path::{ErrorKind, Path};
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => {
                let t = tr(&parts.uri, &parts.headers);
                let field = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::ParseErrorAtKey { key, .. }
                        | ErrorKind::InvalidUtf8InPathParam { key }
                        | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
                        ErrorKind::ParseErrorAtIndex { index, .. } => {
                            RawPathParams::from_request_parts(parts, state)
                                .await
                                .ok()
                                .and_then(|p| p.iter().nth(*index).map(|(k, _)| k.to_string()))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if rejection.status().is_server_error() {
                    tracing::error!(error = %rejection.body_text(), "path parameters");
                }
                Err(malformed(field, t.get("api.err.parameter").to_string()))
            }
        }
    }
}

/// The query string; a parameter of the wrong type is 400 naming it. Unknown parameters are
/// ignored.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let t = tr(&parts.uri, &parts.headers);
                let (field, _) = field_of(&e.path().to_string(), &e.inner().to_string(), "query");
                malformed(Some(field), t.get("api.err.parameter").to_string())
            })
    }
}

/// 401 before anything else for a route that needs a session (every route but the sign-in
/// and this document): a request without a valid bearer token is told so whatever its body or
/// parameters hold.
pub async fn require_session(ctx: Ctx, request: Request, next: Next) -> Response {
    if ctx.session.is_none() {
        return ApiError::response(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            None,
            Some(ctx.t.get("api.err.unauthenticated").to_string()),
        );
    }
    next.run(request).await
}

/// 404 for a path under `/api/v1` that names no route.
pub async fn not_found(request: Request) -> Response {
    let t = tr(request.uri(), request.headers());
    ApiError::response(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
        Some(t.get("api.err.no_route").to_string()),
    )
}

/// 405 for a route asked with a method it does not answer; axum adds `Allow`.
pub async fn method_not_allowed(request: Request) -> Response {
    let t = tr(request.uri(), request.headers());
    ApiError::response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
        Some(t.get("api.err.method").to_string()),
    )
}

/// The error code and message of a status, for an error that reached [`json_errors`] without
/// a JSON body.
fn by_status(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("malformed", "api.err.malformed"),
        StatusCode::UNAUTHORIZED => ("unauthenticated", "api.err.unauthenticated"),
        StatusCode::FORBIDDEN => ("forbidden", "api.err.refused"),
        StatusCode::NOT_FOUND => ("not_found", "api.err.no_route"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "api.err.method"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "api.err.too_large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "api.err.content_type"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "api.err.malformed"),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "api.err.refused"),
        s if s.is_server_error() => ("internal", "api.err.internal"),
        _ => ("refused", "api.err.refused"),
    }
}

/// Every error under `/api/` is the JSON error body: one that is not (the body limit's 413,
/// answered before routing) is rewritten with the same status and headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let t = tr(request.uri(), request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let is_json_body = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json_body {
        return response;
    }
    let (parts, _) = response.into_parts();
    let (code, key) = by_status(status);
    let mut rewritten = ApiError::response(status, code, None, Some(t.get(key).to_string()));
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name, value.clone());
        }
    }
    rewritten
}

// ---------------------------------------------------------------- the OpenAPI document

/// Shared responses (`#/components/responses/...`), each the JSON error body.
const SHARED: &[(&str, &str)] = &[
    (
        "Malformed",
        "`malformed`: the body is not JSON, or a path or query parameter is not of its type (`field` names it)",
    ),
    ("Unauthenticated", "`unauthenticated`: no valid bearer token"),
    (
        "NotFound",
        "`not_found`: no such organisation or record, or one the caller may not see (the same answer)",
    ),
    (
        "Conflict",
        "`busy` (other writers kept taking the same slot) or `idempotency_in_progress` (the same `Idempotency-Key` is being answered): retry after `Retry-After` seconds; nothing was written",
    ),
    ("TooLarge", "`too_large`: the body is over 1 MiB"),
    (
        "UnsupportedMediaType",
        "`unsupported_media_type`: the body is not sent as `application/json`",
    ),
    (
        "Invalid",
        "`invalid`: a field is missing or refused (`field`, `message`, and `rule` for a programme rule), or `idempotency_key_reused`: the same `Idempotency-Key` with another request",
    ),
];

/// Adds to every operation the statuses it answers by its shape, unless it declares them
/// itself: 401 when it needs a bearer token; 400 and 404 with path parameters; 400 with query
/// parameters; 400, 413, 415 and 422 with a JSON body; 409 (with `Retry-After`), 413 and 422
/// for every POST that writes (`Idempotency-Key`).
pub struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{HeaderBuilder, ObjectBuilder, Type};
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in SHARED {
            let mut response = ResponseBuilder::new().description(*description).content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ApiError",
                    ))))
                    .build(),
            );
            if *name == "Conflict" {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some("Seconds to wait before sending the request again"))
                        .build(),
                );
            }
            components
                .responses
                .insert(name.to_string(), RefOr::T(response.build()));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let writes = !path.ends_with("/session");
            for (is_post, op) in [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (false, item.put.as_mut()),
                (false, item.delete.as_mut()),
                (false, item.patch.as_mut()),
            ]
            .into_iter()
            .filter_map(|(p, op)| op.map(|op| (p, op)))
            {
                declare(op, is_post && writes);
            }
        }
    }
}

fn declare(op: &mut Operation, writes: bool) {
    // The shapes the server checks of the parameters the annotations declare by type only.
    for p in op.parameters.iter_mut().flatten() {
        let shape = match (&p.parameter_in, p.name.as_str()) {
            (ParameterIn::Header, "Idempotency-Key") => shape::idempotency_key(),
            (ParameterIn::Path | ParameterIn::Query, "period") => shape::period(),
            _ => continue,
        };
        p.schema = Some(RefOr::T(utoipa::openapi::Schema::Object(shape)));
    }
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let body = op.request_body.is_some();
    let mut add = |status: &str, shared: &str| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::Ref(utoipa::openapi::Ref::new(format!(
                    "#/components/responses/{shared}"
                )))
            });
    };
    if secured {
        add("401", "Unauthenticated");
    }
    if in_path {
        add("400", "Malformed");
        add("404", "NotFound");
    }
    if in_query {
        add("400", "Malformed");
    }
    if body {
        add("400", "Malformed");
        add("413", "TooLarge");
        add("415", "UnsupportedMediaType");
        add("422", "Invalid");
    }
    if writes {
        add("409", "Conflict");
        add("413", "TooLarge");
        add("422", "Invalid");
    }
}

/// The shapes of the API's text inputs, as the server checks them, for the OpenAPI document
/// (`#[schema(pattern = ...)]` and `schema_with`): what a schema can say is said, so a client
/// (or schemathesis) is told before it sends.
pub(crate) mod shape {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    use utoipa::openapi::Object;

    /// One line of text: no control character (C0, DEL, C1; `registry::check_text`) and not
    /// blank.
    pub const LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
    /// One line of text that may be empty.
    pub const LINE_OR_EMPTY: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
    /// Text of several lines: tab, newline and a carriage return before a newline allowed;
    /// not blank.
    pub const TEXT: &str = r"^(?:[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]|\r\n)*[^\s\u0000-\u001F\u007F-\u009F](?:[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]|\r\n)*$";
    /// A period, `YYYY-MM` from 1900 (`fund::Period::parse`; the API trims nothing).
    pub const PERIOD: &str = r"^(19[0-9]{2}|[2-9][0-9]{3})-(0[1-9]|1[0-2])$";
    /// A payment's reference.
    pub const REFERENCE: &str = r"^[A-Za-z0-9._-]{1,64}$";
    /// An `Idempotency-Key`: 1 to 100 visible ASCII characters.
    pub const IDEMPOTENCY_KEY: &str = r"^[!-~]{1,100}$";
    /// A role (R-ORG-5), as `registry::Role::from_key` reads it.
    pub const ROLE: &str = r"^(director_general|staff|board_member|support_committee|innovation_committee|volunteer|specialised_committee:(production_engineering|financing|marketing|environmental_protection|equal_development|technology|acquisitions|industrial_sectors))$";

    fn string(pattern: &str, max: Option<usize>, nullable: bool) -> Object {
        let kind = if nullable {
            SchemaType::from_iter([Type::String, Type::Null])
        } else {
            SchemaType::Type(Type::String)
        };
        ObjectBuilder::new()
            .schema_type(kind)
            .pattern(Some(pattern))
            .max_length(max)
            .build()
    }

    fn one_of(values: &[&str]) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .build()
    }

    /// A proposal's subject: one line of at most 80 characters, may be empty.
    pub fn subject() -> Object {
        string(LINE_OR_EMPTY, Some(80), false)
    }

    /// A name or other required line.
    pub fn line() -> Object {
        string(LINE, None, false)
    }

    /// A proposal's purpose, a leave's reason: 1 to 500 characters of text.
    pub fn text_500() -> Object {
        string(TEXT, Some(500), false)
    }

    /// A correction's reason (absent for a first report).
    pub fn reason() -> Object {
        string(TEXT, Some(500), true)
    }

    /// A comment: 1 to 1000 characters of text.
    pub fn text_1000() -> Object {
        string(TEXT, Some(1000), false)
    }

    pub fn period() -> Object {
        string(PERIOD, None, false)
    }

    pub fn reference() -> Object {
        string(REFERENCE, None, false)
    }

    pub fn role() -> Object {
        string(ROLE, None, false)
    }

    pub fn idempotency_key() -> Object {
        string(IDEMPOTENCY_KEY, None, false)
    }

    /// R-GOV-2: a vote (the Spanish names too).
    pub fn vote() -> Object {
        one_of(&[
            "for",
            "against",
            "abstain",
            "a_favor",
            "en_contra",
            "abstencion",
        ])
    }

    /// R-GOV-2: the kinds of proposal.
    pub fn proposal_kind() -> Object {
        one_of(&[
            "expenditure",
            "loan",
            "lease",
            "withdrawal_criteria",
            "non_fulfilment_notice",
            "election",
        ])
    }
}
