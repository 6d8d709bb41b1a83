//! `Idempotency-Key` for the JSON API, exactly once.
//!
//! Before the work, a request claims its key: an `api.claim` event keyed
//! `idempotency:{login}:{key}:claim:{generation}` with the request's hash, committed on its
//! own ([`App::idempotency_claim`]). Of duplicates sent at the same moment one commit creates
//! the claim; the others find it (the store answers their identical commit as a replay) and
//! wait for the first answer or are told it is in progress: the work is never done twice. The
//! first response is stored as `api.response` under `idempotency:{login}:{key}`; the same key
//! with the same request answers it, with another request it is refused (the shell answers
//! 422), whether or not the first has answered yet. The claim is in the store, so it holds
//! across servers.
//!
//! A claim whose work did not end in a final answer (a server error, or a race the use case
//! kept losing) is released (`api.claim-released`, `…:claim:{g}:released`): the next duplicate
//! claims generation `g + 1` and does the work. A claim left by a server that stopped
//! mid-request is taken over the same way once it is [`CLAIM_TTL_SECONDS`] old.

use super::users::{event, json, parse};
use super::{sha256_hex, AccessError};
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use store::{Commit, OrgId, StoreError, StoredEvent};

/// Age after which a claim that was neither answered nor released may be taken over.
pub const CLAIM_TTL_SECONDS: i64 = 60;

/// Generations of one key's claim looked at, at most (each one a request that failed).
const MAX_GENERATIONS: u32 = 100;

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

#[derive(Serialize, Deserialize)]
struct Claimed {
    request_sha256: String,
}

/// The claim a request holds on its key while it is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    generation: u32,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyOutcome {
    /// This request holds the key: handle it, then [`App::remember_response`] (a final
    /// answer) or [`App::release_claim`] (any other).
    New(Claim),
    /// Same key, same request, answered before: answer this again.
    Replay(StoredResponse),
    /// Same key, same request, being handled by another request now (see
    /// [`App::idempotency_wait`]).
    InProgress,
}

fn idem_key(login: &str, key: &str) -> String {
    format!("idempotency:{login}:{key}")
}

fn claim_key(login: &str, key: &str, generation: u32) -> String {
    format!("{}:claim:{generation}", idem_key(login, key))
}

fn released_key(login: &str, key: &str, generation: u32) -> String {
    format!("{}:released", claim_key(login, key, generation))
}

fn check_key(key: &str) -> Result<(), AccessError> {
    if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(registry::FieldError::new(
            "Idempotency-Key",
            "must be 1 to 100 visible ASCII characters",
        )
        .into());
    }
    Ok(())
}

impl App {
    /// The event under `key`, if one was recorded.
    pub(crate) async fn event_if_any(
        &self,
        org_id: OrgId,
        key: &str,
    ) -> Result<Option<StoredEvent>, AppError> {
        match self.store().event_by_key(org_id, key).await {
            Ok(found) => Ok(Some(found)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The response stored under `key` for this user, if any; stored for another request,
    /// refused.
    async fn stored_response(
        &self,
        org_id: OrgId,
        login: &str,
        key: &str,
        request_sha256: &str,
    ) -> Result<Option<StoredResponse>, AccessError> {
        let Some(found) = self.event_if_any(org_id, &idem_key(login, key)).await? else {
            return Ok(None);
        };
        let recorded: Recorded = parse(&found.event.payload)?;
        if recorded.request_sha256 != request_sha256 {
            return Err(AccessError::IdempotencyMismatch);
        }
        Ok(Some(recorded.response))
    }

    /// Claims `key` for this user in `org_id` (PROGRAMME_ORG for programme-level requests)
    /// before the request is handled (see the module documentation). `request` is what
    /// identifies the request: method, path and body. The same key with another request is
    /// [`AccessError::IdempotencyMismatch`].
    pub async fn idempotency_claim(
        &self,
        org_id: OrgId,
        login: &str,
        key: &str,
        request: &[u8],
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<IdempotencyOutcome, AccessError> {
        check_key(key)?;
        let hash = sha256_hex(request);
        if let Some(stored) = self.stored_response(org_id, login, key, &hash).await? {
            return Ok(IdempotencyOutcome::Replay(stored));
        }
        // The latest generation of the claim, if any.
        let mut latest = None;
        for generation in 0..MAX_GENERATIONS {
            match self
                .event_if_any(org_id, &claim_key(login, key, generation))
                .await?
            {
                Some(found) => latest = Some((generation, found)),
                None => break,
            }
        }
        let generation = match latest {
            None => 0,
            Some((generation, found)) => {
                let claimed: Claimed = parse(&found.event.payload)?;
                if claimed.request_sha256 != hash {
                    return Err(AccessError::IdempotencyMismatch);
                }
                let released = self
                    .event_if_any(org_id, &released_key(login, key, generation))
                    .await?
                    .is_some();
                let stale =
                    now - found.event.recorded_at > chrono::Duration::seconds(CLAIM_TTL_SECONDS);
                if !(released || stale) || generation + 1 >= MAX_GENERATIONS {
                    return Ok(IdempotencyOutcome::InProgress);
                }
                generation + 1
            }
        };
        let claim = event(
            "idempotency",
            "api.claim",
            claim_key(login, key, generation),
            json(&Claimed {
                request_sha256: hash,
            })?,
            login,
            origin,
            now,
        );
        let commit = Commit {
            events: vec![claim],
            ..Commit::default()
        };
        match self.store().commit(org_id, &commit).await {
            Ok(done) if done.events.first().is_some_and(|(_, created)| *created) => {
                Ok(IdempotencyOutcome::New(Claim { generation }))
            }
            // The same request claimed this generation at the same moment.
            Ok(_) => Ok(IdempotencyOutcome::InProgress),
            // Another request claimed it with this key at the same moment.
            Err(StoreError::Conflict { .. }) => Err(AccessError::IdempotencyMismatch),
            Err(e) => Err(e.into()),
        }
    }

    /// Waits, at most `timeout`, for the response of the request that holds the claim on
    /// `key` ([`IdempotencyOutcome::InProgress`]); `None` if it has not answered by then.
    pub async fn idempotency_wait(
        &self,
        org_id: OrgId,
        login: &str,
        key: &str,
        request: &[u8],
        timeout: Duration,
    ) -> Result<Option<StoredResponse>, AccessError> {
        let hash = sha256_hex(request);
        let until = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(stored) = self.stored_response(org_id, login, key, &hash).await? {
                return Ok(Some(stored));
            }
            if tokio::time::Instant::now() >= until {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stores the final response to the request that holds the claim on its key.
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
            // A claim taken over after its holder stopped answering: the first stands.
            Err(StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Releases a claim whose request did not end in a final answer (nothing is stored
    /// for it): the next request with the key claims the next generation and does the work.
    pub async fn release_claim(
        &self,
        org_id: OrgId,
        login: &str,
        key: &str,
        claim: Claim,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        let released = event(
            "idempotency",
            "api.claim-released",
            released_key(login, key, claim.generation),
            json(&claim.generation)?,
            login,
            origin,
            now,
        );
        self.store()
            .commit(
                org_id,
                &Commit {
                    events: vec![released],
                    ..Commit::default()
                },
            )
            .await?;
        Ok(())
    }
}
