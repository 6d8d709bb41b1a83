//! Sessions as events: created on sign-in, revoked on sign-out, expiry checked on read. The
//! token is given to the browser once; only its SHA-256 is stored. The CSRF token of a session
//! is derived from the session token, so it needs no storage and dies with the session.

use super::accounts::{session_end_events, session_opened_event};
use super::users::{check_login, event, json, parse, verify_password, MAX_PASSWORD_BYTES};
use super::{random_hex, sha256_hex, AccessError, Viewer};
use crate::{App, AppError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use store::{Commit, StoreError, PROGRAMME_ORG};

/// How long a session lasts from sign-in.
pub const SESSION_TTL_HOURS: i64 = 12;

/// What sign-in hands to the shell: the token for the cookie (never stored) and the CSRF
/// token for forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub viewer: Viewer,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
    token_hash: String,
}

impl Session {
    /// The SHA-256 of the session's token (what is stored; the cache's key too).
    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }
}

impl Session {
    /// Whether a submitted CSRF token is this session's (constant-time comparison).
    pub fn csrf_ok(&self, candidate: &str) -> bool {
        let a = self.csrf.as_bytes();
        let b = candidate.as_bytes();
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[derive(Serialize, Deserialize)]
struct SessionCreated {
    login: String,
    expires_at: DateTime<Utc>,
}

fn csrf_for(token: &str) -> String {
    sha256_hex(format!("csrf:{token}").as_bytes())[..40].to_string()
}

fn session_key(token_hash: &str) -> String {
    format!("session:{token_hash}")
}

/// A hash to verify against when the login does not exist, so that a wrong login takes as
/// long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        super::users::hash_password("decoy-password-never-valid").unwrap_or_default()
    })
}

impl App {
    /// Signs a user in. A wrong login and a wrong password are the same error, and cost the
    /// same: every attempt runs exactly one argon2 verification with the same parameters,
    /// against the user's hash or a decoy, whether the login exists, is malformed (too long,
    /// a control character: refused before the store is read) or the password is over-long
    /// (a fixed short input is verified instead, then refused). The session is recorded as
    /// an event (actor = login, origin = the caller's address).
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<NewSession, AccessError> {
        let well_formed = check_login(login).is_ok() && password.len() <= MAX_PASSWORD_BYTES;
        let user = if well_formed {
            match self.user(login).await {
                Ok(u) => Some(u),
                Err(AccessError::NotFound) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        // An account waiting for its activation code has no password: the decoy is verified.
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| decoy_hash().to_string());
        let password = if well_formed {
            password.to_string()
        } else {
            "not-a-password".to_string()
        };
        self.password_checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| AppError::Integrity(format!("verify task: {e}")))?;
        let Some(user) = user.filter(|u| ok && well_formed && !u.password_hash.is_empty()) else {
            return Err(AccessError::Unauthenticated);
        };
        let token = random_hex(32)?;
        let token_hash = sha256_hex(token.as_bytes());
        let expires_at = now + Duration::hours(SESSION_TTL_HOURS);
        let key = session_key(&token_hash);
        let payload = json(&SessionCreated {
            login: user.viewer.login.clone(),
            expires_at,
        })?;
        self.store()
            .commit(
                PROGRAMME_ORG,
                &Commit {
                    events: vec![
                        event(
                            &key,
                            "session.created",
                            key.clone(),
                            payload,
                            &user.viewer.login,
                            origin,
                            now,
                        ),
                        session_opened_event(
                            &user.viewer.login,
                            &token_hash,
                            expires_at,
                            origin,
                            now,
                        )?,
                    ],
                    ..Commit::default()
                },
            )
            .await?;
        Ok(NewSession {
            csrf: csrf_for(&token),
            token,
            expires_at,
        })
    }

    /// The live session of a token: Unauthenticated when unknown, expired or revoked.
    pub async fn session(&self, token: &str, now: DateTime<Utc>) -> Result<Session, AccessError> {
        if token.len() != 64 {
            return Err(AccessError::Unauthenticated);
        }
        let token_hash = sha256_hex(token.as_bytes());
        let key = session_key(&token_hash);
        let created = match self.store().event_by_key(PROGRAMME_ORG, &key).await {
            Ok(e) => e,
            Err(StoreError::NotFound { .. }) => return Err(AccessError::Unauthenticated),
            Err(e) => return Err(e.into()),
        };
        let created: SessionCreated = parse(&created.event.payload)?;
        if created.expires_at <= now {
            return Err(AccessError::Unauthenticated);
        }
        match self
            .store()
            .event_by_key(PROGRAMME_ORG, &format!("{key}:revoked"))
            .await
        {
            Ok(_) => return Err(AccessError::Unauthenticated),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let user = match self.user(&created.login).await {
            Ok(u) => u,
            Err(AccessError::NotFound) => return Err(AccessError::Unauthenticated),
            Err(e) => return Err(e),
        };
        Ok(Session {
            viewer: user.viewer,
            csrf: csrf_for(token),
            expires_at: created.expires_at,
            token_hash,
        })
    }

    /// Ends a session (idempotent).
    pub async fn sign_out(
        &self,
        session: &Session,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        let login = &session.viewer.login;
        self.commit_events(session_end_events(
            login,
            &session.token_hash,
            login,
            origin,
            now,
        )?)
        .await?;
        Ok(())
    }
}
