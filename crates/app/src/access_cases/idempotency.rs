//! `Idempotency-Key` for the JSON API: the first response to a (user, key) is stored as an
//! event of the organisation; the same key with the same request answers the stored response,
//! with a different request it is refused (the shell answers 422).

use super::users::{event, json, parse};
use super::{sha256_hex, AccessError};
use crate::App;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::{Commit, OrgId, StoreError};

/// A response as stored under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Serialize, Deserialize)]
struct Recorded {
    request_sha256: String,
    response: StoredResponse,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyOutcome {
    /// First time: handle the request, then [`App::remember_response`].
    New,
    /// Same key, same request: answer this again.
    Replay(StoredResponse),
}

fn idem_key(login: &str, key: &str) -> String {
    format!("idempotency:{login}:{key}")
}

impl App {
    /// Looks up `key` for this user in `org_id` (PROGRAMME_ORG for programme-level requests).
    /// `request` is what identifies the request: method, path and body.
    pub async fn idempotency_lookup(
        &self,
        org_id: OrgId,
        login: &str,
        key: &str,
        request: &[u8],
    ) -> Result<IdempotencyOutcome, AccessError> {
        if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(registry::FieldError::new(
                "Idempotency-Key",
                "must be 1 to 100 visible ASCII characters",
            )
            .into());
        }
        match self
            .store()
            .event_by_key(org_id, &idem_key(login, key))
            .await
        {
            Ok(found) => {
                let recorded: Recorded = parse(&found.event.payload)?;
                if recorded.request_sha256 == sha256_hex(request) {
                    Ok(IdempotencyOutcome::Replay(recorded.response))
                } else {
                    Err(AccessError::IdempotencyMismatch)
                }
            }
            Err(StoreError::NotFound { .. }) => Ok(IdempotencyOutcome::New),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the response to a first request under its key.
    #[allow(clippy::too_many_arguments)]
    pub async fn remember_response(
        &self,
        org_id: OrgId,
        login: &str,
        key: &str,
        request: &[u8],
        response: StoredResponse,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        let payload = json(&Recorded {
            request_sha256: sha256_hex(request),
            response,
        })?;
        let k = idem_key(login, key);
        match self
            .store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        "idempotency",
                        "api.response",
                        k,
                        payload,
                        login,
                        origin,
                        now,
                    )],
                    ..Commit::default()
                },
            )
            .await
        {
            Ok(_) => Ok(()),
            // A concurrent first request stored its response first: that one stands.
            Err(StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
