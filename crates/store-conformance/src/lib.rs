//! The one conformance suite every [`store::Store`] backend must pass (ARCHITECTURE-BRIEF.md,
//! "Storage": one test story for both backends).
//!
//! A backend's `tests/conformance.rs` writes one line,
//!
//! ```text
//! store_conformance::conformance_suite!(fresh_store);
//! // where: async fn fresh_store() -> Option<std::sync::Arc<dyn store::Store>>
//! ```
//!
//! and gets one test per check below, each on a multi-threaded tokio runtime with two workers
//! (the same as `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`; the runtime
//! comes from this crate, so the calling crate needs no tokio of its own). `None` from the
//! factory means the backend is unavailable here (no PostgreSQL server, say): the test prints
//! one line to stderr and passes.
//!
//! Every check is a plain `pub async fn check_*(store: Arc<dyn Store>)` and reads like the rule
//! it checks. Checks never assume the store is empty: each creates its own organisations with
//! unique slugs, so a factory may hand out one shared database.
//!
//! It deliberately knows nothing of any backend (no SQL, no connection strings) and nothing of
//! the programme's business rules beyond what the [`store::Store`] contract states.

mod events;
mod fixtures;
mod journal;
mod people;
mod property;
mod version;

pub use events::*;
pub use fixtures::{entry, entry_in, member, new_org};
pub use journal::*;
pub use people::*;
pub use property::check_random_sequences_keep_the_books;
pub use version::*;

#[doc(hidden)]
pub use store;

/// Runs one check on a fresh multi-threaded runtime with two workers.
#[doc(hidden)]
pub fn block_on<F: std::future::Future<Output = ()>>(check: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime for the conformance check")
        .block_on(check)
}

/// Expands to one `#[test]` per check of this crate, each calling `$factory().await` for a
/// fresh `Option<Arc<dyn store::Store>>`.
#[macro_export]
macro_rules! conformance_suite {
    ($factory:path) => {
        $crate::conformance_suite!(@checks $factory;
            check_create_org_opens_the_chart,
            check_a_taken_slug_is_a_replay_or_a_conflict,
            check_open_accounts_is_idempotent_and_refuses_redefinition,
            check_posting_a_balanced_entry_updates_balances,
            check_replaying_a_key_returns_the_original_and_writes_nothing,
            check_same_key_with_another_payload_is_a_conflict,
            check_posting_to_an_account_not_open_is_invalid,
            check_posting_in_another_currency_is_invalid,
            check_a_batch_is_all_or_nothing,
            check_a_batch_over_the_limit_is_refused,
            check_keys_repeated_inside_a_batch,
            check_organisations_are_isolated,
            check_a_reversal_brings_balances_back,
            check_materialised_balances_equal_derived_balances,
            check_entries_read_back_in_order,
            check_an_accounts_entries_in_a_window_of_days,
            check_the_reversal_of_an_entry_is_found,
            check_a_balance_overflow_is_refused_not_wrapped,
            check_import_registers_members_and_opens_their_accounts,
            check_reimporting_the_same_members_changes_nothing,
            check_a_curp_with_other_data_is_a_conflict_and_imports_nothing,
            check_members_are_paged_by_id,
            check_leaving_keeps_history_and_cannot_happen_twice,
            check_an_edit_changes_the_editable_fields_with_its_event,
            check_an_accounts_version_moves_with_every_posting_on_it,
            check_roles_are_assigned_listed_and_ended,
            check_registry_changes_append_their_events_with_them,
            check_a_refused_registry_change_writes_no_event,
            check_an_event_key_conflict_writes_no_registry_change,
            check_a_replayed_registry_change_is_a_no_op,
            check_the_same_registry_change_twice_at_once_is_made_once,
            check_roles_given_at_once_are_all_or_nothing_with_their_events,
            check_a_commit_appends_events_opens_accounts_and_posts_at_once,
            check_recommitting_the_same_events_changes_nothing,
            check_an_event_key_with_other_data_is_a_conflict_and_writes_nothing,
            check_a_failing_entry_rolls_back_the_events,
            check_events_are_read_by_stream_in_order_and_paged,
            check_events_of_one_organisation_are_invisible_to_another,
            check_the_programme_takes_events_but_unknown_orgs_take_nothing,
            check_commit_limits_name_the_field,
            check_random_sequences_keep_the_books,
        );
    };
    (@checks $factory:path; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::block_on(async {
                    let Some(store) = $factory().await else {
                        eprintln!(
                            "{}: store backend unavailable, check skipped",
                            stringify!($check)
                        );
                        return;
                    };
                    $crate::$check(store).await;
                });
            }
        )*
    };
}
