//! Response headers every answer gets (issue 16): a content security policy that allows only
//! this server's own scripts, styles and images and refuses framing (`frame-ancestors 'none'`
//! and `X-Frame-Options: DENY`); `Cache-Control: no-store` on every answer that does not set
//! its own (only the static files do), so a signed-in page is never kept by the browser and
//! Back after signing out on a shared phone shows nothing; and, when the server is behind TLS
//! (`secure_cookies` in the configuration), `Secure` on every cookie it sets.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy: nothing inline, nothing from elsewhere, no framing; the service worker, the
/// manifest and the offline script's requests from this server only (issue 20).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; worker-src 'self'; manifest-src 'self'; \
     connect-src 'self'";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies {
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| match v.to_str() {
                Ok(text) if !text.contains("; Secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| v.clone())
                }
                _ => v.clone(),
            })
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
    }
    response
}

/// The one script of the pages besides htmx: a print button (`data-print`), since the policy
/// allows no inline handler.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        "document.addEventListener('click',function(e){var b=e.target.closest('[data-print]');if(b){window.print();}});\n",
    )
        .into_response()
}
