//! Group commit for single posts. A post is one call of `post_entry` in autocommit: one round
//! trip and one commit. With many writers on one organisation the server spends most of its
//! time starting, committing and flushing those one-entry transactions. So a few posts of an
//! organisation are written at once, each on its own ([`WRITING_PER_ORG`]), and the posts that
//! arrive meanwhile wait; when a writing turn ends, the posts waiting by then are written
//! together by a task that keeps the turn: one statement (`journal::post_group`) that locks
//! all their balances in code order, then calls `post_entry` for each. One transaction, one
//! commit.
//!
//! Each caller still gets the answer a post of its own would get: `post_entry` answers per
//! post, and a refused post writes nothing while the others commit. A post whose key another
//! transaction is still writing, and every post of a group whose statement failed, is written
//! again on its own. A post whose caller stopped waiting before its group was written is left
//! out. With up to [`WRITING_PER_ORG`] writers nothing waits, so nothing changes for them.

use crate::primary::Primary;
use crate::{journal, retrying, Attempt, Follow};
use ledger::ValidEntry;
use sqlx::PgPool;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use store::{OrgId, Posted, StoreResult};
use tokio::sync::oneshot;

/// Single posts of one organisation written at the same time, each on its own.
pub(crate) const WRITING_PER_ORG: usize = 4;
/// Most waiting posts one group writes.
const MAX_GROUP: usize = 256;

/// The posts being written and waiting, per organisation. Shared by a store's clones.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    orgs: Mutex<HashMap<OrgId, OrgQueue>>,
}

#[derive(Debug, Default)]
struct OrgQueue {
    /// Writing turns taken: single posts and groups being written.
    writing: usize,
    waiting: VecDeque<Waiter>,
}

#[derive(Debug)]
struct Waiter {
    entry: ValidEntry,
    answer: oneshot::Sender<StoreResult<Posted>>,
}

impl Groups {
    fn orgs(&self) -> MutexGuard<'_, HashMap<OrgId, OrgQueue>> {
        // The map stays consistent even if a holder panicked: every change is one statement.
        self.orgs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// At the end of a writing turn: the posts waiting now (the turn passes to them), or
    /// `None` and the turn is given back.
    fn next_group(&self, org_id: OrgId) -> Option<Vec<Waiter>> {
        let mut orgs = self.orgs();
        let queue = orgs.get_mut(&org_id)?;
        if queue.waiting.is_empty() {
            queue.writing = queue.writing.saturating_sub(1);
            if queue.writing == 0 {
                orgs.remove(&org_id);
            }
            return None;
        }
        let take = queue.waiting.len().min(MAX_GROUP);
        Some(queue.waiting.drain(..take).collect())
    }
}

/// Posts `entry`: on its own when the organisation has a free writing turn, else in the group
/// written when a turn ends.
pub(crate) async fn post(
    groups: &Arc<Groups>,
    follow: Follow<'_>,
    org_id: OrgId,
    entry: &ValidEntry,
) -> StoreResult<Posted> {
    let answered = {
        let mut orgs = groups.orgs();
        let queue = orgs.entry(org_id).or_default();
        if queue.writing < WRITING_PER_ORG {
            queue.writing += 1;
            None
        } else {
            let (answer, answered) = oneshot::channel();
            queue.waiting.push_back(Waiter {
                entry: entry.clone(),
                answer,
            });
            Some(answered)
        }
    };
    match answered {
        None => {
            let _turn = Turn {
                groups: Arc::clone(groups),
                pool: follow.pool.clone(),
                primary: follow.primary.cloned(),
                org_id,
            };
            post_alone(follow, org_id, entry).await
        }
        Some(answered) => match answered.await {
            Ok(result) => result,
            // The group's task ended without answering (the runtime is stopping, or it
            // panicked): post alone. If the group did commit it, the key answers as a repeat.
            Err(_) => post_alone(follow, org_id, entry).await,
        },
    }
}

async fn post_alone(follow: Follow<'_>, org_id: OrgId, entry: &ValidEntry) -> StoreResult<Posted> {
    let plan = journal::EntryPlan::new(entry)?;
    retrying(follow, "post", || journal::post(follow.pool, org_id, &plan)).await
}

/// A writing turn of one organisation. When it ends, however it ends (done, the caller's
/// future dropped, a panic), the posts waiting by then are written by a new task that takes
/// the turn over, or the turn is given back.
struct Turn {
    groups: Arc<Groups>,
    pool: PgPool,
    primary: Option<Arc<Primary>>,
    org_id: OrgId,
}

impl Turn {
    fn follow(&self) -> Follow<'_> {
        Follow {
            pool: &self.pool,
            primary: self.primary.as_ref(),
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(group) = self.groups.next_group(self.org_id) else {
            return;
        };
        let next = Turn {
            groups: Arc::clone(&self.groups),
            pool: self.pool.clone(),
            primary: self.primary.clone(),
            org_id: self.org_id,
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    write_group(next.follow(), next.org_id, group).await;
                    drop(next);
                });
            }
            // No runtime to write on: the waiters' answers are dropped (each then posts
            // alone, or is gone), and `next` ends its turn the same way.
            Err(_) => drop((group, next)),
        }
    }
}

/// Writes the group in one statement (`journal::post_group`), where each post answers for
/// itself. A post whose key another transaction is still writing, and every post of a group
/// whose statement failed, is written again on its own.
async fn write_group(follow: Follow<'_>, org_id: OrgId, group: Vec<Waiter>) {
    let (entries, answers): (Vec<ValidEntry>, Vec<_>) = group
        .into_iter()
        .filter(|waiter| !waiter.answer.is_closed())
        .map(|waiter| (waiter.entry, waiter.answer))
        .unzip();
    let plans: Result<Vec<journal::EntryPlan<'_>>, _> =
        entries.iter().map(journal::EntryPlan::new).collect();
    // A failed statement is retried whole; the answers of a finished one are final.
    let together = match &plans {
        Ok(plans) if plans.len() > 1 => {
            match retrying(follow, "post", || {
                journal::post_group(follow.pool, org_id, plans)
            })
            .await
            {
                Ok(posts) => Some(posts),
                Err(e) => {
                    tracing::debug!(org_id, error = %e, "a group of posts failed; posting one by one");
                    None
                }
            }
        }
        _ => None,
    };
    let answered: Vec<Option<StoreResult<Posted>>> = match together {
        Some(posts) => posts
            .into_iter()
            .map(|post| match post {
                Ok(posted) => Some(Ok(posted)),
                Err(Attempt::Fail(refused)) => Some(Err(refused)),
                // Retried on its own below.
                Err(Attempt::Again(_) | Attempt::Db(_)) => None,
            })
            .collect(),
        None => entries.iter().map(|_| None).collect(),
    };
    for ((entry, answer), answered) in entries.iter().zip(answers).zip(answered) {
        let result = match answered {
            Some(result) => result,
            None => post_alone(follow, org_id, entry).await,
        };
        let _ = answer.send(result);
    }
}
