//! The sign-in limiter (issue 15): holds under floods.
//!
//! Two budgets, checked before any password is hashed and charged on every failure:
//! - per (address, login): [`SignInLimiter::MAX_FAILURES`] failures within
//!   [`SignInLimiter::WINDOW`] lock the pair until that window ends;
//! - per address: [`SignInLimiter::ADDRESS_BUDGET`] failures within
//!   [`SignInLimiter::ADDRESS_WINDOW`] refuse every login from that address until it ends, so a
//!   flood from one address stops long before it fills anything.
//!
//! Memory is bounded and a lock is never evicted. Each budget keeps its counters (below the
//! threshold) apart from its locks. Counters are bounded by dropping the expired, then the
//! oldest; losing one forgets fewer than the threshold's failures and no lock. Locks are
//! bounded too, but never dropped before they expire: when the lock set is full of live locks,
//! no new lock could be remembered, so the limiter fails closed and refuses every pair (or
//! address) it does not already hold until a lock expires. With the per-address budget, filling
//! it takes [`SignInLimiter::MAX_LOCKS`] × the threshold failures from many addresses, each
//! costing a password hash.
//!
//! Keys are SHA-256 digests, so an entry's size does not depend on what the client sent.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Key = [u8; 32];

/// Failures counted per key within a fixed window; at the threshold the key is locked until
/// the window ends.
struct Strikes {
    threshold: u32,
    window: Duration,
    max_counters: usize,
    max_locks: usize,
    /// key → (window start, failures), always below the threshold.
    counters: HashMap<Key, (Instant, u32)>,
    /// key → locked until.
    locks: HashMap<Key, Instant>,
}

impl Strikes {
    fn new(threshold: u32, window: Duration, max_counters: usize, max_locks: usize) -> Self {
        Strikes {
            threshold,
            window,
            max_counters,
            max_locks,
            counters: HashMap::new(),
            locks: HashMap::new(),
        }
    }

    /// Whether `key` may try now: not locked, and, when the lock set is full of live locks,
    /// already known (fail closed: a new lock could not be remembered).
    fn allowed(&mut self, key: &Key, now: Instant) -> bool {
        match self.locks.get(key) {
            Some(until) if now < *until => return false,
            Some(_) => {
                self.locks.remove(key);
            }
            None => {}
        }
        if self.locks.len() >= self.max_locks {
            self.locks.retain(|_, until| now < *until);
        }
        self.locks.len() < self.max_locks
    }

    fn failed(&mut self, key: Key, now: Instant) {
        if self.locks.get(&key).is_some_and(|until| now < *until) {
            return;
        }
        let window = self.window;
        let entry = self.counters.get(&key).copied();
        let (start, count) = match entry {
            Some((start, count)) if now.duration_since(start) < window => (start, count + 1),
            _ => (now, 1),
        };
        if count >= self.threshold {
            self.counters.remove(&key);
            if self.locks.len() >= self.max_locks {
                self.locks.retain(|_, until| now < *until);
            }
            // When still full, `allowed` refuses every key not held (fail closed), so this
            // key cannot try again either until a lock expires and makes room.
            if self.locks.len() < self.max_locks {
                self.locks.insert(key, start + window);
            }
            return;
        }
        if entry.is_none() && self.counters.len() >= self.max_counters {
            self.counters
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            if self.counters.len() >= self.max_counters {
                // Still full of live counters: drop the oldest tenth. Counters are all below
                // the threshold, so no lock is lost.
                let mut by_age: Vec<(Instant, Key)> =
                    self.counters.iter().map(|(k, (s, _))| (*s, *k)).collect();
                let n = (by_age.len() / 10).max(1);
                by_age.select_nth_unstable(n - 1);
                for (_, k) in &by_age[..n] {
                    self.counters.remove(k);
                }
            }
        }
        self.counters.insert(key, (start, count));
    }

    fn forget(&mut self, key: &Key) {
        self.counters.remove(key);
        self.locks.remove(key);
    }

    fn len(&self) -> usize {
        self.counters.len() + self.locks.len()
    }
}

struct Inner {
    pairs: Strikes,
    addresses: Strikes,
}

/// Sign-in attempts per (address, login) and per address; see the module's documentation.
pub struct SignInLimiter {
    inner: Mutex<Inner>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::with_bounds(Self::MAX_COUNTERS, Self::MAX_LOCKS)
    }
}

fn pair_key(origin: &str, login: &str) -> Key {
    let mut h = Sha256::new();
    h.update(b"pair\0");
    h.update(origin.as_bytes());
    h.update(b"\0");
    h.update(login.as_bytes());
    h.finalize().into()
}

fn address_key(origin: &str) -> Key {
    let mut h = Sha256::new();
    h.update(b"address\0");
    h.update(origin.as_bytes());
    h.finalize().into()
}

impl SignInLimiter {
    pub const MAX_FAILURES: u32 = 5;
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Failures per address per [`Self::ADDRESS_WINDOW`], across all logins.
    pub const ADDRESS_BUDGET: u32 = 30;
    pub const ADDRESS_WINDOW: Duration = Duration::from_secs(60);
    /// Counters kept per budget (each below its threshold).
    pub const MAX_COUNTERS: usize = 10_000;
    /// Live locks kept per budget; never evicted.
    pub const MAX_LOCKS: usize = 100_000;

    /// A limiter keeping at most `max_counters` counters and `max_locks` locks per budget
    /// (tests use small bounds to flood it quickly).
    pub fn with_bounds(max_counters: usize, max_locks: usize) -> Self {
        SignInLimiter {
            inner: Mutex::new(Inner {
                pairs: Strikes::new(Self::MAX_FAILURES, Self::WINDOW, max_counters, max_locks),
                addresses: Strikes::new(
                    Self::ADDRESS_BUDGET,
                    Self::ADDRESS_WINDOW,
                    max_counters,
                    max_locks,
                ),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether another attempt is allowed now: neither the address nor the pair is locked.
    pub fn allowed(&self, origin: &str, login: &str, now: Instant) -> bool {
        let mut inner = self.lock();
        inner.addresses.allowed(&address_key(origin), now)
            && inner.pairs.allowed(&pair_key(origin, login), now)
    }

    /// Charges a failure to the pair and to the address.
    pub fn failed(&self, origin: &str, login: &str, now: Instant) {
        let mut inner = self.lock();
        inner.addresses.failed(address_key(origin), now);
        inner.pairs.failed(pair_key(origin, login), now);
    }

    /// A right password clears the pair's failures (the address's budget is left as it is).
    pub fn succeeded(&self, origin: &str, login: &str) {
        self.lock().pairs.forget(&pair_key(origin, login));
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries held, counters and locks of both budgets.
    pub fn len(&self) -> usize {
        let inner = self.lock();
        inner.pairs.len() + inner.addresses.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(i: usize) -> String {
        format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256)
    }

    #[test]
    fn five_failures_lock_the_pair_for_the_window_and_others_stay_free() {
        let l = SignInLimiter::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(l.allowed("1.2.3.4", "ana", t0));
            l.failed("1.2.3.4", "ana", t0);
        }
        assert!(!l.allowed("1.2.3.4", "ana", t0));
        assert!(l.allowed("1.2.3.4", "beto", t0), "another login");
        assert!(l.allowed("5.6.7.8", "ana", t0), "another address");
        assert!(!l.allowed(
            "1.2.3.4",
            "ana",
            t0 + SignInLimiter::WINDOW - Duration::from_secs(1)
        ));
        assert!(l.allowed("1.2.3.4", "ana", t0 + SignInLimiter::WINDOW));
    }

    #[test]
    fn a_lock_holds_after_ten_thousand_other_failures_from_many_addresses() {
        // Issue 15: ~10,500 failures for made-up logins evicted the lock. Here 20,000 failures
        // (twice the counter bound), each from its own address so that no address budget
        // stops them, all within the lock's window: the lock holds until the window ends.
        let l = SignInLimiter::default();
        let t0 = Instant::now();
        for _ in 0..SignInLimiter::MAX_FAILURES {
            l.failed("1.2.3.4", "ana", t0);
        }
        let n = 2 * SignInLimiter::MAX_COUNTERS;
        for i in 0..n {
            let at = t0 + Duration::from_millis(i as u64);
            assert!(l.allowed(&addr(i), &format!("nadie{i}"), at));
            l.failed(&addr(i), &format!("nadie{i}"), at);
        }
        let later = t0 + Duration::from_millis(n as u64);
        assert!(!l.allowed("1.2.3.4", "ana", later), "the lock was evicted");
        // Bounded: counters of both budgets at most their bound, plus the one lock.
        assert!(
            l.len() <= 2 * SignInLimiter::MAX_COUNTERS + 1,
            "{}",
            l.len()
        );
        assert!(l.allowed("1.2.3.4", "ana", t0 + SignInLimiter::WINDOW));
    }

    #[test]
    fn many_locks_are_all_kept() {
        // 12,000 pairs locked (more than the counter bound): every one stays locked.
        let l = SignInLimiter::default();
        let t0 = Instant::now();
        let n = SignInLimiter::MAX_COUNTERS + 2_000;
        for i in 0..n {
            for _ in 0..SignInLimiter::MAX_FAILURES {
                l.failed(&addr(i), "ana", t0);
            }
        }
        assert!((0..n).all(|i| !l.allowed(&addr(i), "ana", t0)));
    }

    #[test]
    fn when_the_lock_set_is_full_the_limiter_fails_closed_and_reopens_as_locks_expire() {
        let mut s = Strikes::new(1, Duration::from_secs(60), 4, 3);
        let t0 = Instant::now();
        for k in 0..3u8 {
            s.failed([k; 32], t0);
        }
        assert_eq!(s.locks.len(), 3);
        assert!(!s.allowed(&[9; 32], t0), "full of live locks: refused");
        s.failed([9; 32], t0);
        assert!((0..3u8).all(|k| !s.allowed(&[k; 32], t0)), "no lock lost");
        assert!(s.allowed(&[9; 32], t0 + Duration::from_secs(60)));
    }

    #[test]
    fn an_address_over_its_budget_is_refused_for_every_login_until_its_window_ends() {
        let l = SignInLimiter::default();
        let t0 = Instant::now();
        for i in 0..SignInLimiter::ADDRESS_BUDGET {
            assert!(l.allowed("1.2.3.4", &format!("u{i}"), t0));
            l.failed("1.2.3.4", &format!("u{i}"), t0);
        }
        assert!(
            !l.allowed("1.2.3.4", "otra", t0),
            "the address is over budget"
        );
        assert!(l.allowed("5.6.7.8", "otra", t0), "another address is not");
        assert!(l.allowed("1.2.3.4", "otra", t0 + SignInLimiter::ADDRESS_WINDOW));
    }

    #[test]
    fn a_right_password_clears_the_pair() {
        let l = SignInLimiter::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            l.failed("1.2.3.4", "ana", t0);
        }
        l.succeeded("1.2.3.4", "ana");
        for _ in 0..4 {
            l.failed("1.2.3.4", "ana", t0);
        }
        assert!(
            l.allowed("1.2.3.4", "ana", t0),
            "4 failures since the success"
        );
    }

    #[test]
    fn the_counters_stay_bounded() {
        let l = SignInLimiter::default();
        let t0 = Instant::now();
        for i in 0..(SignInLimiter::MAX_COUNTERS + 50) {
            l.failed(&addr(i), "x", t0 + Duration::from_millis(i as u64));
        }
        assert!(l.len() <= 2 * SignInLimiter::MAX_COUNTERS);
    }
}
