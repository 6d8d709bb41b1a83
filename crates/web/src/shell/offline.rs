//! Working without a signal (issue 20): the installable app's manifest and icons, the service
//! worker (`/sw.js`, served from the root so that it controls every page), the offline script
//! (`offline.js`: the queue of forms filled with no connection, in IndexedDB), the offline page
//! (`/sin-conexion`), the session probe the script asks before it sends (`/sesion`), and the
//! replay of a queued page form ([`replay`]): a form post carrying `Idempotency-Key` is done
//! once for that key and answered as a short JSON outcome, so the queue can be sent again,
//! from two tabs or after a lost answer, and each entry is recorded once.
//!
//! Who a page belongs to is the `tequio-person` meta tag of the page ([`person_id`]: an opaque
//! digest of the login, not a secret and not the session): the worker keeps a person's pages
//! in a cache of their own (`tequio-user-{person}`) and serves them only while the pages the
//! server sends name that person; the script never sends one person's entries under
//! another's session. Nothing here reads a chapter: the forms that work offline say so
//! themselves (`data-offline` in their templates).

use crate::shell::api::exactly_once;
use crate::shell::{render, Ctx, Nav, Tr};
use crate::AppState;
use askama::Template;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

const DAY: &str = "public, max-age=86400";

/// The opaque id of a person for the offline caches and queue: the first 16 hex digits of the
/// SHA-256 of their login. The same for every session of the person (so a session that expired
/// offline finds its queue again after signing in), different between people, and no secret:
/// it opens nothing.
pub(crate) fn person_id(login: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(format!("tequio-person\0{login}").as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn file(content_type: &'static str, cache: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

pub async fn manifest() -> Response {
    file(
        "application/manifest+json",
        DAY,
        include_bytes!("../../static/manifest.webmanifest"),
    )
}

/// The worker is checked for a new version on every visit (`no-cache`); `Service-Worker-Allowed`
/// names its scope, the whole site.
pub async fn service_worker() -> Response {
    let mut r = file(
        "text/javascript; charset=utf-8",
        "no-cache",
        include_bytes!("../../static/sw.js"),
    );
    r.headers_mut().insert(
        header::HeaderName::from_static("service-worker-allowed"),
        HeaderValue::from_static("/"),
    );
    r
}

pub async fn script() -> Response {
    file(
        "text/javascript; charset=utf-8",
        DAY,
        include_bytes!("../../static/offline.js"),
    )
}

pub async fn icon_svg() -> Response {
    file(
        "image/svg+xml",
        DAY,
        include_bytes!("../../static/icon.svg"),
    )
}

pub async fn icon_192() -> Response {
    file(
        "image/png",
        DAY,
        include_bytes!("../../static/icon-192.png"),
    )
}

pub async fn icon_512() -> Response {
    file(
        "image/png",
        DAY,
        include_bytes!("../../static/icon-512.png"),
    )
}

#[derive(Template)]
#[template(path = "offline.html")]
struct OfflinePage {
    t: Tr,
    nav: Nav,
}

/// The page the worker shows for a page it has not kept: the same for everyone (no session
/// read), so it is kept in the shell.
pub async fn offline_page(ctx: Ctx) -> Response {
    let mut r = render(OfflinePage {
        t: ctx.t,
        nav: Nav::anonymous(ctx.t),
    });
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(DAY));
    r
}

#[derive(Serialize)]
struct Probe {
    person: Option<String>,
    csrf: Option<String>,
}

/// `GET /sesion`: who is signed in now (the opaque person id) and the session's CSRF token,
/// which the offline script puts in a queued form when it sends it (the token of the form was
/// the session's when it was filled; a new session has another). 401 without a session: the
/// script keeps its queue and asks for the password. Never stored (`no-store`, the default).
pub async fn probe(ctx: Ctx) -> Response {
    match &ctx.session {
        Some(s) => Json(Probe {
            person: Some(person_id(&s.viewer.login)),
            csrf: Some(s.csrf.clone()),
        })
        .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            Json(Probe {
                person: None,
                csrf: None,
            }),
        )
            .into_response(),
    }
}

// ---------------------------------------------------------------- replaying a queued form

/// What a replayed form post answers: `sent` (the page accepted it; `message` is what it said),
/// `refused` (with the page's reason), `signin` (no session: the queue is kept), `retry`.
#[derive(Serialize)]
struct Outcome {
    outcome: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
}

/// Pages whose posts are never replayed: signing in and out, activation (no session, or the
/// session's own end).
fn replayable(path: &str) -> bool {
    !path.starts_with("/api/") && !matches!(path, "/entrar" | "/salir" | "/activar" | "/")
}

/// A page form posted with `Idempotency-Key` (the offline queue): done once for the person and
/// key, whatever the CSRF token it carries (a session renewed between two sends has another;
/// the token is still checked by the form's handler), and answered as an [`Outcome`] in JSON
/// instead of the page. The same key with other fields is 422 `idempotency_key_reused`. Any
/// other request goes straight on.
pub async fn replay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get(crate::shell::api::IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(key) = key.filter(|_| request.method() == Method::POST) else {
        return next.run(request).await;
    };
    if !replayable(request.uri().path()) {
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
        return outcome(StatusCode::UNAUTHORIZED, "signin", String::new());
    };
    let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return crate::shell::api_contract::too_large(ctx.t);
    };
    let identity = form_identity(parts.uri.path(), &bytes);
    let login = session.viewer.login.clone();
    let t = ctx.t;
    let work = async move {
        let page = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        as_outcome(t, page).await
    };
    exactly_once(&state, &login, &key, &identity, &ctx.origin, kept, work).await
}

/// What the key stands for: the path and the form's fields without its CSRF token.
fn form_identity(path: &str, body: &[u8]) -> Vec<u8> {
    let mut identity = format!("POST {path}\n").into_bytes();
    let fields = form_urlencoded::parse(body)
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect::<Vec<_>>();
    identity.extend_from_slice(
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish()
            .as_bytes(),
    );
    identity
}

/// Stored under the key: what the form's handler decided (sent or refused), never a refusal
/// of the session (a wrong CSRF token, a forbidden page) nor a failure, which a retry may
/// overcome.
fn kept(status: StatusCode) -> bool {
    status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY
}

fn outcome(status: StatusCode, outcome: &'static str, message: String) -> Response {
    (status, Json(Outcome { outcome, message })).into_response()
}

/// The page's answer as an [`Outcome`]: a success or a redirect elsewhere than the sign-in
/// page is `sent`, with the page's status line (`role="status"`); 422 is `refused`, with the
/// page's refusals (`role="alert"` and the messages next to the fields); a redirect to the
/// sign-in page is `signin`; 403 is `forbidden`, with the error page's text; anything else
/// `retry`.
async fn as_outcome(t: Tr, page: Response) -> Response {
    let status = page.status();
    let to_signin = page
        .headers()
        .get(header::LOCATION)
        .is_some_and(|l| l.as_bytes() == b"/entrar");
    if to_signin {
        return outcome(StatusCode::UNAUTHORIZED, "signin", String::new());
    }
    if status.is_redirection() {
        return outcome(StatusCode::OK, "sent", String::new());
    }
    let html = match to_bytes(page.into_body(), crate::MAX_BODY_BYTES).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    if status.is_success() {
        return outcome(StatusCode::OK, "sent", texts(&html, &["role=\"status\""]));
    }
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => {
            let mut why = texts(&html, &["role=\"alert\"", "class=\"err\""]);
            if why.is_empty() {
                why = t.get("error.field.generic").to_string();
            }
            outcome(status, "refused", why)
        }
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
            outcome(status, "forbidden", texts(&html, &["<main>"]))
        }
        _ => {
            let mut r = outcome(StatusCode::CONFLICT, "retry", String::new());
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
    }
}

/// The text of the elements whose opening tag holds one of `markers` (the page's status line,
/// its refusals), tags dropped, entities of askama's escaping undone, joined by " · ".
fn texts(html: &str, markers: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    for marker in markers {
        let mut rest = html;
        while let Some(at) = rest.find(marker) {
            let from = &rest[at..];
            let Some(open_end) = from.find('>') else {
                break;
            };
            // The element's tag name, to find where it closes.
            let tag_start = rest[..at].rfind('<').unwrap_or(at);
            let name: String = rest[tag_start + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let inner = &from[open_end + 1..];
            let close = if name.is_empty() {
                inner.len()
            } else {
                inner.find(&format!("</{name}>")).unwrap_or(inner.len())
            };
            let text = plain(&inner[..close]);
            if !text.is_empty() && !out.contains(&text) {
                out.push(text);
            }
            rest = &inner[close..];
        }
    }
    out.join(" · ")
}

/// Markup to text: the small "regla" links dropped (the refusal reads as a sentence), tags
/// dropped (a space for each), whitespace folded, entities undone.
fn plain(markup: &str) -> String {
    let mut markup = markup.to_string();
    for (open, close) in [
        ("<span class=\"rule\"", "</span>"),
        ("<a class=\"rule\"", "</a>"),
    ] {
        while let Some(at) = markup.find(open) {
            let end = markup[at..]
                .find(close)
                .map_or(markup.len(), |e| at + e + close.len());
            markup.replace_range(at..end, "");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    folded
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_id_is_stable_opaque_and_differs_between_people() {
        assert_eq!(person_id("socio"), person_id("socio"));
        assert_ne!(person_id("socio"), person_id("personal"));
        assert_eq!(person_id("socio").len(), 16);
        assert!(!person_id("socio").contains("socio"));
    }

    #[test]
    fn the_identity_of_a_form_leaves_out_its_csrf_token() {
        let a = form_identity("/odf/x/cobranza", b"csrf=aaa&token=k&d7=50");
        let b = form_identity("/odf/x/cobranza", b"token=k&csrf=bbb&d7=50");
        assert_eq!(a, b);
        assert_ne!(
            a,
            form_identity("/odf/x/cobranza", b"csrf=aaa&token=k&d7=51")
        );
        assert_ne!(
            a,
            form_identity("/odf/y/cobranza", b"csrf=aaa&token=k&d7=50")
        );
    }

    #[test]
    fn the_pages_status_line_and_refusals_are_read_as_text() {
        let html = r#"<p class="msg ok" role="status" id="report-ok">Recibido: marzo 2026 &amp; $1,200.00</p>
<label>x</label><span class="err" id="e-period">Ya hay un reporte de ese mes.<a class="rule" href="/reglas#R-PLAN-2">regla</a></span>"#;
        assert_eq!(
            texts(html, &["role=\"status\""]),
            "Recibido: marzo 2026 & $1,200.00"
        );
        assert_eq!(
            texts(html, &["role=\"alert\"", "class=\"err\""]),
            "Ya hay un reporte de ese mes."
        );
        let sheet = r##"<div class="msg err" role="alert" id="sheet-err"><p>No se guardó</p><ul><li><a href="#m3">Ana — Cuota: no es un importe</a></li></ul></div>"##;
        assert_eq!(
            texts(sheet, &["role=\"alert\""]),
            "No se guardó Ana — Cuota: no es un importe"
        );
    }
}
