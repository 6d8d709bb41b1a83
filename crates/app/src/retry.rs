//! Conflicts only between contradicting requests (ARCHITECTURE.md, "slots").
//!
//! A use case whose check depends on a stream's state claims a slot in its commit (an event
//! keyed `{scope}:slot:{n}`, `n` = what it read), and a few allocate an id from a count
//! (`proposal:{n}:opened`, `plan:{n}:agreed`). Two writers that read the same state claim the
//! same key and the store refuses the second. That is a race, not a contradiction: two
//! members' reports or two proposals contradict nothing. [`retrying!`] runs such a use
//! case again: it reads again, decides again on what the other writer did, and commits again,
//! at most [`MAX_ATTEMPTS`] times with a short randomized pause, logged with the use case's
//! name and the attempt. The caller never sees the race. Only a real contradiction reaches it:
//! the same fact with other data (a reference or a key used before with other data, refused
//! by the store naming the key) or a limit the second write would break (refused by the rule
//! when it decides again, naming the rule).

use crate::AppError;
use std::time::Duration;

/// Times a use case runs at most when other writers keep taking the slot it read. With the
/// pause capped at about 64 ms this is under 2 s in all: enough for a close that meets a
/// burst of reports (each report that wins is progress) on a loaded machine.
pub const MAX_ATTEMPTS: u32 = 32;

/// Whether an event key is one two writers that do not contradict each other may both claim:
/// a slot (`…:slot:{n}`, the daily run's `credit:trust:{n}` and
/// `installments:credit-trust-{n}`) or an id allocated from a count
/// (`proposal:{n}:opened`, `plan:{n}:agreed`, `plan:{id}:change:{n}`, `member:{id}:edit:{n}`, `settings:{n}`).
/// Every other key names a fact (a report of a member and period, a caller's reference, an
/// idempotency key): committed before with other data, it is a contradiction.
pub fn is_contended_key(key: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = key.split(':').collect();
    match parts.as_slice() {
        [.., "slot", n] => number(n),
        ["credit", "trust", n] | ["settings", n] => number(n),
        ["proposal", n, "opened"] | ["plan", n, "agreed"] => number(n),
        ["plan", id, "change", n] => number(id) && number(n),
        ["member", id, "edit", n] => number(id) && number(n),
        // The daily run's Fund decision, keyed by its trust slot (and chunk).
        ["installments", run, chunk @ ..] => {
            run.strip_prefix("credit-trust-").is_some_and(number) && chunk.iter().all(|c| number(c))
        }
        _ => false,
    }
}

/// A pause of about `2^attempt` milliseconds (at most 64 ms), randomized to 50..150% so
/// writers that collided do not collide again in step.
fn backoff(attempt: u32) -> Duration {
    let base_micros = 1_000u64 << attempt.min(6);
    let jitter = getrandom::u64().unwrap_or(0) % base_micros;
    Duration::from_micros(base_micros / 2 + jitter)
}

/// Runs a use case's attempt (a block: read, decide, commit; its `?` and `return` end the
/// attempt) until it does not lose a race: when its commit is refused because another writer
/// took a slot or an id it also read ([`AppError::contended_key`]), the block runs again (see
/// the module documentation). Any other outcome, success or refusal, is the answer. After
/// [`MAX_ATTEMPTS`] lost races the last refusal is answered; it stays a transient conflict
/// (the web answers 409, never stored under an idempotency key).
///
/// `retrying!("file_report", { ... })` evaluates to the attempt's `Result<T, AppError>`. A
/// macro, not a function taking a closure, so the attempt borrows the use case's arguments
/// as any async block does and stays `Send` (an `AsyncFnMut` bound is not, under
/// `tokio::spawn`).
macro_rules! retrying {
    ($use_case:expr, $attempt:block) => {{
        let mut tries = 0u32;
        loop {
            tries += 1;
            let outcome = $crate::retry::attempt(async $attempt).await;
            if let Some(answer) = $crate::retry::settle($use_case, tries, outcome).await {
                break answer;
            }
        }
    }};
}

/// Types an attempt's future (its `?` converts into [`AppError`]).
pub(crate) fn attempt<T, F: std::future::Future<Output = Result<T, AppError>>>(f: F) -> F {
    f
}

/// After attempt number `tries` of `use_case` ended with `outcome`: `Some(answer)`, or `None`
/// to run it again, after a pause (a lost race, fewer than [`MAX_ATTEMPTS`] so far). Logged
/// with the use case's name and the attempt.
pub(crate) async fn settle<T>(
    use_case: &str,
    tries: u32,
    outcome: Result<T, AppError>,
) -> Option<Result<T, AppError>> {
    let err = match outcome {
        Err(e) if e.is_transient() => e,
        outcome => {
            if tries > 1 {
                tracing::debug!(use_case, attempt = tries, "won after lost races");
            }
            return Some(outcome);
        }
    };
    let key = err.contended_key().unwrap_or_default();
    if tries >= MAX_ATTEMPTS {
        tracing::info!(
            use_case,
            attempt = tries,
            key,
            "other writers kept taking the same slot: giving up"
        );
        return Some(Err(err));
    }
    tracing::debug!(
        use_case,
        attempt = tries,
        key,
        "another writer took the same slot: reading again"
    );
    tokio::time::sleep(backoff(tries)).await;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_counted_ids_are_contended_facts_are_not() {
        for key in [
            "reports:2026-03:slot:0",
            "round:r1:receipts:slot:12",
            "credit:line:3:slot:7",
            "credit:trust:4",
            "installments:credit-trust-4",
            "installments:credit-trust-4:1",
            "proposal:9:opened",
            "plan:2:agreed",
            "plan:2:change:3",
            "settings:1",
        ] {
            assert!(is_contended_key(key), "{key}");
        }
        for key in [
            "report:2026-03:m4",
            "proposal:9:decided",
            "proposal:9:ballot:3",
            "idempotency:ana:k-1",
            "grant:REC-1",
            "round:r1:slot:",
            "round:r1:slot:x1",
            "close:2026-03:completed",
            "installments:loan-7:3",
        ] {
            assert!(!is_contended_key(key), "{key}");
        }
    }

    #[test]
    fn backoff_stays_within_half_to_one_and_a_half_of_its_base() {
        for attempt in 1..10 {
            let base = 1_000u64 << attempt.min(6);
            let d = backoff(attempt).as_micros() as u64;
            assert!(d >= base / 2 && d < base / 2 + base, "{attempt}: {d}");
        }
    }
}
