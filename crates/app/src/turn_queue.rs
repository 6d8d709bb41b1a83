//! Writes waiting for a stream's turn ([`crate::kept_stream`]), so the writer that gets the turn
//! commits those queued behind it in the same commit (group commit, issue 15): a month-end
//! surge's reports of one period took turns one commit each, and each waited for every commit
//! ahead of it.
//!
//! A writer [`TurnQueue::push`]es its request, then waits for either its answer or the turn.
//! The writer that gets the turn [`Queued::drain`]s every request queued for the stream (its
//! own among them, or its own already answered by the writer before it) and answers each. A
//! writer that stops waiting (an error, a dropped future) takes its request out of the queue,
//! unless a turn holder already took it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use store::OrgId;

type Waiting<I> = Vec<(u64, I)>;

/// Requests waiting for the turn of a stream, by (organisation, stream), in arrival order.
pub struct TurnQueue<I> {
    next: AtomicU64,
    map: Mutex<HashMap<(OrgId, String), Waiting<I>>>,
}

impl<I> Default for TurnQueue<I> {
    fn default() -> Self {
        TurnQueue {
            next: AtomicU64::new(0),
            map: Mutex::new(HashMap::new()),
        }
    }
}

/// A request in the queue: dropped, it leaves the queue (if no turn holder took it first).
pub struct Queued<'a, I> {
    queue: &'a TurnQueue<I>,
    key: (OrgId, String),
    id: u64,
}

impl<I> TurnQueue<I> {
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<(OrgId, String), Waiting<I>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `item` behind the requests already waiting for the stream's turn.
    pub fn push(&self, org_id: OrgId, stream: &str, item: I) -> Queued<'_, I> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let key = (org_id, stream.to_string());
        self.waiting()
            .entry(key.clone())
            .or_default()
            .push((id, item));
        Queued {
            queue: self,
            key,
            id,
        }
    }
}

impl<I> Queued<'_, I> {
    /// Every request waiting for the stream's turn, in arrival order, taken out of the queue:
    /// called by the writer holding the turn, which answers each.
    pub fn drain(self) -> Vec<I> {
        let taken = self.queue.waiting().remove(&self.key).unwrap_or_default();
        taken.into_iter().map(|(_, item)| item).collect()
    }
}

impl<I> Drop for Queued<'_, I> {
    fn drop(&mut self) {
        let mut map = self.queue.waiting();
        if let Some(waiting) = map.get_mut(&self.key) {
            waiting.retain(|(id, _)| *id != self.id);
            if waiting.is_empty() {
                map.remove(&self.key);
            }
        }
    }
}
