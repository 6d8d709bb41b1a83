//! What a page view or an API read takes from the database, kept in memory for a short time so
//! that a warm statement costs no database round trip (issue 5's load target: 64 connections,
//! at least 1,000 requests/s, p99 <= 50 ms on two cores; every SQLite query is a hop to a worker
//! thread and back, which was half the CPU of a page view).
//!
//! Freshness has two parts:
//! - **writes through this process**: every request that may write (any method but GET, HEAD,
//!   OPTIONS) bumps [`Freshness`]'s generation when its handler has finished, so every entry
//!   read before it is stale at once. A member sees their own just-filed report, staff the
//!   period they just closed.
//! - **writes by another process** (the CLI, a second server): an entry is used for at most
//!   [`Freshness::MAX_AGE`] after it was read; after that the next request reads again.
//!
//! A stale entry may be checked rather than read again ([`FreshMap::get_or_refresh`]), when one
//! cheap statement, read after the write it must see, tells whether what the entry shows
//! changed. A member's dues ([`ReadCache::dues`]) do this: the member's record is read again
//! with the dues account's [`store::AccountVersion`] in one query, and the statement's lines
//! (up to [`STATEMENT_LINES`], several queries) are read again only if the version moved. The
//! promise above is unchanged (a stale entry is never shown without that query), but a random
//! member's statement among 4,000 costs one query, not the lines again (issue 15).
//!
//! A write that only appends events to the log (an income report, the month-end surge) is
//! marked [`WroteLogOnly`] by its route: it leaves organisations, members and the ledger as they
//! were, so it moves only [`ReadCache::log`] (which the statements' folded parts follow) and the
//! entries here stay warm while 4,000 members report (issue 15).
//!
//! Authorisation is never cached here: every request checks the viewer's grants (which come
//! with the session, see [`crate::SessionCache`]) against the organisation and member it asks
//! for. Errors (a missing organisation or member) are never cached. Every map is bounded.

use app::{App, AppError};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Org, OrgId, Page};

/// The generation of the data this process has written; see the module documentation.
#[derive(Default)]
pub struct Freshness {
    generation: AtomicU64,
}

/// When a value was read: the generation then and the instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    generation: u64,
    at: Instant,
}

impl Freshness {
    /// Longest time a value read from the database is used without reading it again (bounds
    /// how late a write by another process is seen).
    pub const MAX_AGE: Duration = Duration::from_secs(1);

    /// Taken BEFORE reading the database: a write that lands while the value is read makes the
    /// stamp stale, never the other way round.
    pub fn stamp(&self, now: Instant) -> Stamp {
        Stamp {
            generation: self.generation.load(Ordering::Acquire),
            at: now,
        }
    }

    /// Whether a value read at `stamp` may still be used at `now`.
    pub fn fresh(&self, stamp: Stamp, now: Instant) -> bool {
        stamp.generation == self.generation.load(Ordering::Acquire)
            && now.saturating_duration_since(stamp.at) < Self::MAX_AGE
    }

    /// This process has (possibly) written: everything read before is stale.
    pub fn written(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// A bounded map of values with the [`Stamp`] they were read at. A missing or stale value is
/// read by one request at a time per key (the others wait and take its result): when an entry
/// ages out under 64 connections, the database is read once, not 64 times.
pub struct FreshMap<K, V> {
    inner: Mutex<HashMap<K, (Stamp, V)>>,
    loaders: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K, V> Default for FreshMap<K, V> {
    fn default() -> Self {
        FreshMap {
            inner: Mutex::new(HashMap::new()),
            loaders: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> FreshMap<K, V> {
    pub const MAX_ENTRIES: usize = 8_192;

    /// The fresh value of `key`, or the one `load` reads (errors are not kept).
    pub async fn get_or_load<E, Fut>(
        &self,
        freshness: &Freshness,
        key: &K,
        load: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        self.get_or_refresh(freshness, key, |_| load()).await
    }

    /// As [`FreshMap::get_or_load`], but `load` is handed the value kept for `key` when it is
    /// no longer fresh (`None` if there is none), to check it more cheaply than reading it
    /// again. What `load` answers is stamped as read when it was called, so it must read
    /// whatever tells it the kept value still holds from the database, never trust the kept
    /// value alone.
    pub async fn get_or_refresh<E, Fut>(
        &self,
        freshness: &Freshness,
        key: &K,
        load: impl FnOnce(Option<V>) -> Fut,
    ) -> Result<V, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(freshness, key, Instant::now()) {
            return Ok(v);
        }
        let gate = {
            let mut loaders = self.loaders.lock().unwrap_or_else(|e| e.into_inner());
            if loaders.len() >= Self::MAX_ENTRIES {
                loaders.retain(|_, g| Arc::strong_count(g) > 1);
            }
            loaders.entry(key.clone()).or_default().clone()
        };
        let _loading = gate.lock().await;
        // Whoever loaded before this request may have read it.
        if let Some(v) = self.get(freshness, key, Instant::now()) {
            return Ok(v);
        }
        let stamp = freshness.stamp(Instant::now());
        let kept = self.kept(key);
        let v = load(kept).await?;
        self.put(key.clone(), stamp, v.clone());
        Ok(v)
    }

    pub fn get(&self, freshness: &Freshness, key: &K, now: Instant) -> Option<V> {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key) {
            Some((stamp, v)) if freshness.fresh(*stamp, now) => Some(v.clone()),
            _ => None,
        }
    }

    /// The value kept for `key`, fresh or not.
    fn kept(&self, key: &K) -> Option<V> {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, stamp: Stamp, value: V) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX_ENTRIES {
            let now = Instant::now();
            map.retain(|_, (s, _)| now.saturating_duration_since(s.at) < Freshness::MAX_AGE);
            if map.len() >= Self::MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, (stamp, value));
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The mark of a route whose writes only append events to the log (see the module
/// documentation). Unmarked writes are taken to change anything.
#[derive(Debug, Clone, Copy)]
pub struct WroteLogOnly;

/// Marks every answer of a route with [`WroteLogOnly`] (`.layer(map_response(log_only))`).
pub async fn log_only(mut response: axum::response::Response) -> axum::response::Response {
    response.extensions_mut().insert(WroteLogOnly);
    response
}

/// A member's record and dues (R-ORG-6): the ledger lines of their dues account and what is in
/// arrears. What the statement page and the API statement read from the ledger.
pub struct DuesPart {
    pub member: registry::Member,
    pub statement: Arc<ledger::Statement>,
    pub arrears_minor: i64,
    /// The dues account's version read with `member`, before `statement`: the same version
    /// read later means the same lines and balance.
    version: store::AccountVersion,
}

/// Dues lines read for a statement (the most recent are shown).
pub const STATEMENT_LINES: u32 = 1_000;

/// The reads shared by every page and API route (see the module documentation).
#[derive(Default)]
pub struct ReadCache {
    /// Moved by every write but those marked [`WroteLogOnly`]: organisations and dues.
    pub freshness: Freshness,
    /// Moved by every write: the log's head, which statements' folded parts follow.
    pub log: Freshness,
    orgs: FreshMap<String, Arc<Org>>,
    dues: FreshMap<(OrgId, i64), Arc<DuesPart>>,
}

impl ReadCache {
    /// A write through this process has answered: what it may have changed is stale.
    pub fn written(&self, response: &axum::response::Response) {
        self.log.written();
        if response.extensions().get::<WroteLogOnly>().is_none() {
            self.freshness.written();
        }
    }

    /// The organisation with this slug (NotFound as the store answers it).
    pub async fn org_by_slug(&self, app: &App, slug: &str) -> Result<Arc<Org>, store::StoreError> {
        self.orgs
            .get_or_load(&self.freshness, &slug.to_string(), || async {
                Ok(Arc::new(app.store().org_by_slug(slug).await?))
            })
            .await
    }

    /// A member of `org_id` (NotFound for another organisation's member, as the store answers)
    /// with their dues statement and arrears. A stale entry is checked with one query (the
    /// member and the account's version); its lines are read again only if the version moved.
    pub async fn dues(
        &self,
        app: &App,
        org_id: OrgId,
        member_id: i64,
    ) -> Result<Arc<DuesPart>, AppError> {
        self.dues
            .get_or_refresh(&self.freshness, &(org_id, member_id), |kept| async move {
                let account = ledger::Account::dues_receivable(member_id);
                let (member, version) = app
                    .store()
                    .member_and_account_version(org_id, member_id, &account)
                    .await?;
                let statement = match kept.filter(|kept| kept.version == version) {
                    Some(kept) => kept.statement.clone(),
                    None => Arc::new(
                        app.account_statement(org_id, &account, Page::first(STATEMENT_LINES))
                            .await?,
                    ),
                };
                // `App::dues_arrears_minor` is the account's balance, read with the version.
                Ok(Arc::new(DuesPart {
                    member,
                    statement,
                    arrears_minor: version.balance_minor,
                    version,
                }))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_fresh_until_this_process_writes_or_it_is_older_than_the_bound() {
        let f = Freshness::default();
        let t0 = Instant::now();
        let read = f.stamp(t0);
        assert!(f.fresh(read, t0 + Duration::from_millis(999)));
        assert!(
            !f.fresh(read, t0 + Freshness::MAX_AGE),
            "another process's write is seen within MAX_AGE"
        );
        f.written();
        assert!(
            !f.fresh(read, t0),
            "a write through this process: stale at once"
        );
        assert!(f.fresh(f.stamp(t0), t0));
    }

    #[test]
    fn a_value_read_while_a_write_lands_is_never_used_after_it() {
        let f = Freshness::default();
        let t0 = Instant::now();
        // The stamp is taken before the read; the write lands during it.
        let stamp = f.stamp(t0);
        f.written();
        let m: FreshMap<&str, i32> = FreshMap::default();
        m.put("k", stamp, 1);
        assert_eq!(m.get(&f, &"k", t0), None);
    }

    #[tokio::test]
    async fn many_requests_for_a_missing_value_read_it_once_and_errors_are_not_kept() {
        let f = Freshness::default();
        let m: FreshMap<&str, usize> = FreshMap::default();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let load = || async {
            tokio::task::yield_now().await;
            Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let (a, b, c) = tokio::join!(
            m.get_or_load(&f, &"k", load),
            m.get_or_load(&f, &"k", load),
            m.get_or_load(&f, &"k", load)
        );
        assert_eq!((a, b, c), (Ok(1), Ok(1), Ok(1)));
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        let failed: Result<usize, &str> = m.get_or_load(&f, &"e", || async { Err("no") }).await;
        assert_eq!(failed, Err("no"));
        assert_eq!(m.get(&f, &"e", Instant::now()), None);
        f.written();
        assert_eq!(
            m.get_or_load(&f, &"k", load).await,
            Ok(2),
            "read again after a write"
        );
    }

    #[tokio::test]
    async fn a_log_only_write_keeps_records_fresh_and_moves_the_log() {
        use axum::response::IntoResponse;
        let reads = ReadCache::default();
        let t0 = Instant::now();
        let (records, log) = (reads.freshness.stamp(t0), reads.log.stamp(t0));
        let report = log_only("ok".into_response()).await;
        reads.written(&report);
        assert!(
            reads.freshness.fresh(records, t0),
            "a report leaves dues warm"
        );
        assert!(
            !reads.log.fresh(log, t0),
            "the statement's folded part reads the report"
        );
        let (records, log) = (reads.freshness.stamp(t0), reads.log.stamp(t0));
        reads.written(&"paid".into_response());
        assert!(
            !reads.freshness.fresh(records, t0),
            "any other write: dues read again"
        );
        assert!(!reads.log.fresh(log, t0));
    }

    #[tokio::test]
    async fn a_stale_value_is_handed_to_the_check_and_a_fresh_one_is_not() {
        let f = Freshness::default();
        let m: FreshMap<&str, i32> = FreshMap::default();
        let first = m
            .get_or_refresh(&f, &"k", |kept| async move {
                assert_eq!(kept, None, "nothing kept yet");
                Ok::<_, ()>(1)
            })
            .await;
        assert_eq!(first, Ok(1));
        let fresh = m
            .get_or_refresh(&f, &"k", |_| async {
                panic!("a fresh value is not checked")
            })
            .await;
        assert_eq!(fresh, Ok::<_, ()>(1));
        f.written();
        let checked = m
            .get_or_refresh(&f, &"k", |kept| async move {
                assert_eq!(kept, Some(1), "the stale value is handed over");
                Ok::<_, ()>(kept.unwrap() + 1)
            })
            .await;
        assert_eq!(checked, Ok(2));
        assert_eq!(m.get(&f, &"k", Instant::now()), Some(2));
    }

    #[test]
    fn the_map_stays_bounded() {
        let f = Freshness::default();
        let m: FreshMap<usize, ()> = FreshMap::default();
        let now = Instant::now();
        for i in 0..(FreshMap::<usize, ()>::MAX_ENTRIES + 10) {
            m.put(i, f.stamp(now), ());
        }
        assert!(m.len() <= FreshMap::<usize, ()>::MAX_ENTRIES);
    }
}
