//! Who is asking: language, session (cookie for pages, bearer token for the API), address;
//! CSRF checks for forms. The sign-in rate limiter is in [`crate::limiter`].

use crate::shell::{Lang, Tr};
use crate::AppState;
use app::access_cases::{AccessError, Session};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Uri};
use chrono::Utc;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "tequio_session";
pub const PRE_CSRF_COOKIE: &str = "tequio_pre";
pub const LANG_COOKIE: &str = "lang";

/// The request's context. Extracting it never fails: pages decide what a missing session
/// means (redirect to sign-in), the API answers 401.
pub struct Ctx {
    pub t: Tr,
    pub session: Option<Session>,
    /// The caller's address, for the audit log and the rate limiter.
    pub origin: String,
    /// The pre-session CSRF cookie (sign-in form), if any.
    pub pre_csrf: Option<String>,
    pub htmx: bool,
    /// The session token the request carried (cookie for pages, bearer for the API).
    pub token: Option<String>,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_lang(uri: &Uri) -> Option<Lang> {
    uri.query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The request's language: `?lang=`, else the cookie, else es-MX.
pub(crate) fn request_lang(uri: &Uri, headers: &HeaderMap) -> Lang {
    query_lang(uri)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.uri, &parts.headers);
        let origin = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| {
                crate::shell::client_addr::client_addr(
                    c.0.ip(),
                    &parts.headers,
                    &state.trusted_proxies,
                )
                .to_string()
            })
            .unwrap_or_else(|| "local".to_string());
        let bearer_token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        // Inside the nested API router the path has lost its prefix: ask for the original.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.path().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        let is_api = path.starts_with("/api/");
        // The API authenticates by bearer token only (so a browser's cookie cannot be used
        // against it cross-site); pages by cookie only.
        let token = if is_api {
            bearer_token.clone()
        } else {
            cookie(&parts.headers, SESSION_COOKIE).map(str::to_string)
        };
        let session = match token.clone() {
            Some(token) => {
                let now = Utc::now();
                match state.sessions.get(&token, Instant::now(), now) {
                    Some(s) => Some(s),
                    None => match state.app.session(&token, now).await {
                        Ok(s) => {
                            state
                                .sessions
                                .put(&token, s.clone(), s.expires_at, Instant::now());
                            Some(s)
                        }
                        Err(AccessError::Unauthenticated) => None,
                        Err(e) => {
                            tracing::error!(error = %e, "session lookup failed");
                            None
                        }
                    },
                }
            }
            None => None,
        };
        Ok(Ctx {
            t: Tr::new(lang),
            session,
            origin,
            pre_csrf: cookie(&parts.headers, PRE_CSRF_COOKIE).map(str::to_string),
            htmx: parts.headers.contains_key("hx-request"),
            token,
        })
    }
}

/// Sessions read from the event log, kept in memory for [`ExpiringCache::TTL`] so that a page
/// view does not read the log three times (issue 5's load target). Bounded
/// ([`ExpiringCache::MAX_ENTRIES`]); a session's expiry is checked on every read; signing out
/// through this server drops the entry at once. A revocation written by another process (the
/// CLI, another server) is honoured within the TTL. Keys are the SHA-256 of the token.
pub type SessionCache = ExpiringCache<Session>;

/// When an entry was read, when its value expires, and the value.
type Entry<V> = (Instant, chrono::DateTime<Utc>, V);

/// A bounded map from a token to a value read recently, with the value's own expiry.
pub struct ExpiringCache<V> {
    inner: Mutex<HashMap<String, Entry<V>>>,
}

impl<V> Default for ExpiringCache<V> {
    fn default() -> Self {
        ExpiringCache {
            inner: Mutex::new(HashMap::new()),
        }
    }
}

fn token_key(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl<V: Clone> ExpiringCache<V> {
    pub const TTL: Duration = Duration::from_secs(30);
    pub const MAX_ENTRIES: usize = 10_000;

    /// The cached value of `token`, if read less than [`Self::TTL`] ago and not expired.
    pub fn get(&self, token: &str, now: Instant, wall: chrono::DateTime<Utc>) -> Option<V> {
        let key = token_key(token);
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&key) {
            Some((at, expires, v)) if now.duration_since(*at) < Self::TTL && *expires > wall => {
                Some(v.clone())
            }
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, token: &str, value: V, expires_at: chrono::DateTime<Utc>, now: Instant) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX_ENTRIES {
            map.retain(|_, (at, _, _)| now.duration_since(*at) < Self::TTL);
            if map.len() >= Self::MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(token_key(token), (now, expires_at, value));
    }

    /// Forgets a token (signing out).
    pub fn forget(&self, token: &str) {
        self.forget_hash(&token_key(token));
    }

    /// Forgets a token by its SHA-256 (a session ended from another one, issue 16).
    pub fn forget_hash(&self, token_hash: &str) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(token_hash);
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_session_is_served_within_the_ttl_and_never_after_it_or_its_expiry() {
        let c: ExpiringCache<String> = ExpiringCache::default();
        let t0 = Instant::now();
        let now = Utc::now();
        c.put(
            "tok",
            "ana".to_string(),
            now + chrono::Duration::hours(12),
            t0,
        );
        assert!(c.get("tok", t0 + Duration::from_secs(29), now).is_some());
        assert!(
            c.get("tok", t0 + ExpiringCache::<String>::TTL, now)
                .is_none(),
            "re-read after the TTL"
        );
        assert!(c.is_empty(), "stale entries are dropped");
        c.put(
            "tok",
            "ana".to_string(),
            now + chrono::Duration::hours(12),
            t0,
        );
        assert!(
            c.get("tok", t0, now + chrono::Duration::hours(13))
                .is_none(),
            "expired sessions are refused even when cached"
        );
        c.put(
            "tok",
            "ana".to_string(),
            now + chrono::Duration::hours(12),
            t0,
        );
        c.forget("tok");
        assert!(
            c.get("tok", t0, now).is_none(),
            "signing out forgets it at once"
        );
        assert!(c.get("other", t0, now).is_none());
    }

    #[test]
    fn the_session_cache_stays_bounded() {
        let c: ExpiringCache<String> = ExpiringCache::default();
        let t0 = Instant::now();
        let now = Utc::now();
        for i in 0..(ExpiringCache::<String>::MAX_ENTRIES + 10) {
            c.put(&format!("t{i}"), String::new(), now, t0);
        }
        assert!(c.len() <= ExpiringCache::<String>::MAX_ENTRIES);
    }
}
