//! Turns for statement reads (issue 15's month-end surge): at most [`ReadGate::TURNS`] statement
//! pages are built at once; the other readers wait here, first come first served, holding
//! nothing.
//!
//! 64 connections reading statements while members report kept every database connection's
//! queue full of readers' queries: a report's reads (its member, its period's reports, whether
//! the period closed) and its commit, done in turn with the period's other reports, each waited
//! behind dozens of them, so the reports' p99 grew with the number of readers. With turns the
//! queues in front of a report stay short (at most `TURNS` readers' queries) and a reader's wait
//! is in line here, in arrival order, which also bounds a read's p99. Reads are not refused
//! and nothing they show changes; only when they run.

use tokio::sync::{Semaphore, SemaphorePermit};

/// See the module documentation.
pub struct ReadGate {
    turns: Semaphore,
}

impl Default for ReadGate {
    fn default() -> Self {
        ReadGate {
            turns: Semaphore::new(Self::TURNS),
        }
    }
}

impl ReadGate {
    /// Statement pages built at once: enough to keep two cores and a database's few
    /// connections busy (a warm statement does at most a few queries).
    pub const TURNS: usize = 8;

    /// Waits for a turn (in arrival order); the turn ends when the permit is dropped.
    pub async fn turn(&self) -> SemaphorePermit<'_> {
        // The semaphore is never closed.
        self.turns
            .acquire()
            .await
            .expect("the read gate is never closed")
    }

    /// Turns free now.
    #[cfg(test)]
    fn free(&self) -> usize {
        self.turns.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_most_turns_readers_at_once_and_a_dropped_turn_lets_the_next_in() {
        let gate = ReadGate::default();
        let mut held = Vec::new();
        for _ in 0..ReadGate::TURNS {
            held.push(gate.turn().await);
        }
        assert_eq!(gate.free(), 0);
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), gate.turn());
        assert!(waiting.await.is_err(), "a ninth reader waits");
        held.pop();
        let next = tokio::time::timeout(std::time::Duration::from_millis(50), gate.turn());
        assert!(next.await.is_ok(), "a turn given back lets the next in");
    }
}
