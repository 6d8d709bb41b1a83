//! The storage API in domain terms (ARCHITECTURE.md, "store").
//!
//! One trait, [`Store`], implemented by `store-sqlite` (embedded default) and `store-postgres`
//! (production), and checked by the one conformance suite in `store-conformance`.
//!
//! Rules every implementation keeps:
//! - every call takes the organisation (tenant) id first, and every query filters by it: an id
//!   that belongs to another organisation answers exactly like a missing one (R-ORG-1);
//! - a call either writes everything it was given or nothing (one transaction);
//! - journal entries are append-only; materialised balances change only in the transaction
//!   that appends the postings, and always equal the sum of postings;
//! - posting a key again with the same payload returns the first result; with a different
//!   payload it is [`StoreError::Conflict`];
//! - ids (members, entries, roles) are unique within an organisation and only meaningful
//!   together with its `org_id`: SQLite numbers them per organisation, PostgreSQL from global
//!   sequences. Callers never compare ids across organisations.
//! - list calls for an unknown organisation return an empty list; writes to one are NotFound
//!   (or Invalid naming the account, for a posting).
//!
//! - [`Store::commit`] appends domain events (plans, reports, closes, decisions, loans, users,
//!   sessions...) together with the accounts they open and the entries they post, in one
//!   transaction. Events are append-only and keyed by an idempotency key unique in their
//!   organisation: the app's state of every rule is a fold of its events, and the events are
//!   the audit log (who, when, from where, what).
//! - the registry writes (`import_members`, `record_leave`, `assign_role`, `end_role`) take the
//!   events that record them and append them in the same transaction, with `commit`'s
//!   semantics, so every change a user makes is in the log, the registry tables included.
//!
//! It does not know the programme's rules; those are in the pure crates and the app.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use ledger::{Account, AccountCode, Currency, TrialBalance, ValidEntry};
use registry::{Member, MemberEdit, NewMember, NewRoleAssignment, RoleAssignment};

pub type OrgId = i64;
pub type MemberId = i64;
pub type EntryId = i64;

/// Most entries one batch may carry; callers split larger work into batches.
pub const MAX_BATCH_ENTRIES: usize = 10_000;
/// Most members one import call may carry.
pub const MAX_IMPORT_MEMBERS: usize = 10_000;
/// Most role assignments one `assign_roles` call may carry.
pub const MAX_ASSIGN_ROLES: usize = 1_000;
/// Largest page a list call returns.
pub const MAX_PAGE: u32 = 1_000;
/// Most events one commit may carry.
pub const MAX_COMMIT_EVENTS: usize = 10_000;
/// Largest event payload, in bytes of JSON.
pub const MAX_EVENT_PAYLOAD_BYTES: usize = 64 * 1024;
/// The pseudo-organisation that holds programme-level events (users, supervisors, settings):
/// no ODF has this id, and only [`Store::commit`] and [`Store::events`] accept it.
pub const PROGRAMME_ORG: OrgId = 0;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Missing, or belonging to another organisation (indistinguishable on purpose).
    #[error("{what} not found")]
    NotFound { what: String },
    /// A uniqueness rule was hit: same idempotency key with a different payload, a CURP already
    /// registered with other data, an account opened twice with different definitions.
    /// `key` names the event key when the conflict is an event committed before under it with
    /// other data: the caller tells by it a race (another writer took a slot it also read, see
    /// ARCHITECTURE.md) from a contradiction.
    #[error("conflict: {what}")]
    Conflict { what: String, key: Option<String> },
    /// The request breaks a limit or a precondition the store checks (batch too large, ...).
    #[error("invalid: {what}")]
    Invalid { what: String },
    /// The database failed; the message is for logs, not users.
    #[error("storage backend: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }
    pub fn conflict(what: impl Into<String>) -> Self {
        StoreError::Conflict {
            what: what.into(),
            key: None,
        }
    }
    /// An event key committed before with other data.
    pub fn event_key_conflict(key: &str) -> Self {
        StoreError::Conflict {
            what: format!("event key '{key}' was already committed with different data"),
            key: Some(key.to_string()),
        }
    }
    /// The event key of a conflict on one (see [`StoreError::Conflict`]).
    pub fn conflicting_event_key(&self) -> Option<&str> {
        match self {
            StoreError::Conflict { key, .. } => key.as_deref(),
            _ => None,
        }
    }
    pub fn invalid(what: impl Into<String>) -> Self {
        StoreError::Invalid { what: what.into() }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A slug is 1 to 64 characters of `[a-z0-9-]`; every backend refuses any other with
/// `Invalid` naming the field.
pub fn check_slug(slug: &str) -> StoreResult<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 64
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(format!(
            "slug: '{slug}' must be 1 to 64 characters of [a-z0-9-]"
        )))
    }
}

/// An ODF and the project group that owns it (R-ORG-1: one group, one ODF, one tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    /// Short unique handle, `[a-z0-9-]`, e.g. `alfareros-morelos`.
    pub slug: String,
    pub name: String,
    pub group_name: String,
    pub state: String,
    pub municipality: String,
    pub trade: String,
    pub founded_on: NaiveDate,
    pub currency: Currency,
    /// R-ORG-6 settings: membership dues per period (0 = no dues) and period length.
    pub dues_amount_minor: i64,
    pub dues_period_months: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: OrgId,
    pub data: NewOrg,
}

impl NewOrg {
    /// The first field in which `self` and `other` differ, by the name the store refuses it
    /// with (`None`: the same organisation).
    pub fn first_difference(&self, other: &NewOrg) -> Option<&'static str> {
        let fields: [(&'static str, bool); 10] = [
            ("slug", self.slug == other.slug),
            ("name", self.name == other.name),
            ("group_name", self.group_name == other.group_name),
            ("state", self.state == other.state),
            ("municipality", self.municipality == other.municipality),
            ("trade", self.trade == other.trade),
            ("founded_on", self.founded_on == other.founded_on),
            ("currency", self.currency == other.currency),
            (
                "dues_amount_minor",
                self.dues_amount_minor == other.dues_amount_minor,
            ),
            (
                "dues_period_months",
                self.dues_period_months == other.dues_period_months,
            ),
        ];
        fields.iter().find(|(_, same)| !same).map(|(name, _)| *name)
    }
}

/// What [`Store::create_org`] answers when the slug is taken (issue 21: the writer's set-up
/// runs again, or a write whose answer was lost in a failover is run again): the organisation
/// there when it has the same data (a replay: nothing written), else a conflict naming `slug`
/// and the first field that differs.
pub fn replayed_org(existing: Org, wanted: &NewOrg) -> StoreResult<Org> {
    match existing.data.first_difference(wanted) {
        None => Ok(existing),
        Some(field) => Err(StoreError::conflict(format!(
            "slug: '{}' is already taken by an organisation with another {field}",
            wanted.slug
        ))),
    }
}

/// What posting an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    pub entry_id: EntryId,
    /// False when the key had been posted before with the same payload: nothing was written.
    pub created: bool,
}

/// An entry as stored, with its id and the order it was appended in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: EntryId,
    pub entry: ValidEntry,
}

/// Keyset paging: rows with id greater than `after_id`, at most `limit` (capped at MAX_PAGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub after_id: i64,
    pub limit: u32,
}

impl Page {
    pub fn first(limit: u32) -> Self {
        Page {
            after_id: 0,
            limit: limit.min(MAX_PAGE),
        }
    }
}

/// A token that changes whenever an account's postings change, read in one statement with a
/// member's record ([`Store::member_and_account_version`]): equal tokens read at two moments
/// mean the account had the same postings at both (the journal is append-only, so what was
/// posted is never edited or removed). What it is made of is the backend's: on PostgreSQL the
/// account's materialised posting count and balance (changed in the transaction that appends
/// the postings); on SQLite the organisation's last entry id and the account's balance (a
/// write there is one transaction at a time and its entries take ids after every committed
/// one, so any new entry moves it). Only comparable with a token of the same account and
/// store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountVersion {
    pub count_or_last_id: i64,
    pub balance_minor: i64,
}

/// What an import did: members created, and members already registered with identical data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    pub created: usize,
    pub unchanged: usize,
}

/// A domain event to append. `key` is unique in the organisation: committing it again with the
/// same `stream`, `kind` and `payload` is a no-op that answers the first `seq`; with anything
/// else different it is a conflict. `actor`, `origin` and `recorded_at` are audit metadata and
/// are not compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// What the event belongs to, e.g. `plan:42`, `reports:2026-03`, `close`, `user:ana`.
    pub stream: String,
    /// What happened, e.g. `plan.agreed`, `report.accepted`.
    pub kind: String,
    /// The idempotency key, unique in the organisation.
    pub key: String,
    /// The event's data as JSON text (at most MAX_EVENT_PAYLOAD_BYTES).
    pub payload: String,
    /// Who caused it (a user login, `system`, `cli`).
    pub actor: String,
    /// From where (an IP address, `cli`, `demo`).
    pub origin: String,
    pub recorded_at: DateTime<Utc>,
}

/// An event as stored, with its sequence number in the organisation (increasing in commit
/// order within one organisation; gaps are possible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: NewEvent,
}

/// Everything one [`Store::commit`] writes, atomically and in this order: accounts opened
/// (as [`Store::open_accounts`]), events appended, entries posted (as [`Store::post_batch`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    pub accounts: Vec<Account>,
    pub events: Vec<NewEvent>,
    pub entries: Vec<ValidEntry>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.events.is_empty() && self.entries.is_empty()
    }
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Committed {
    /// Per event in order: its seq and whether this commit created it.
    pub events: Vec<(i64, bool)>,
    /// Per entry in order, as `post_batch` answers.
    pub posted: Vec<Posted>,
}

impl Committed {
    /// True when nothing new was written: every event and entry had been committed before.
    pub fn was_replay(&self) -> bool {
        self.events.iter().all(|(_, created)| !created) && self.posted.iter().all(|p| !p.created)
    }
}

/// Checks the limits of a commit that every backend enforces before writing.
pub fn check_commit(commit: &Commit) -> StoreResult<()> {
    if commit.entries.len() > MAX_BATCH_ENTRIES {
        return Err(StoreError::invalid(format!(
            "entries: a commit of {} entries exceeds the limit of {MAX_BATCH_ENTRIES}",
            commit.entries.len()
        )));
    }
    check_events(&commit.events)
}

/// Checks the limits of the events of one call (a [`Commit`]'s, or a registry change's) that
/// every backend enforces before writing: at most [`MAX_COMMIT_EVENTS`], keys of 1 to 200
/// bytes, stream and kind not empty, payloads of at most [`MAX_EVENT_PAYLOAD_BYTES`], and a key
/// repeated in the call only with the same data.
/// Checks the limits of an `assign_roles` call that every backend enforces before writing.
pub fn check_assign_roles(
    assignments: &[NewRoleAssignment],
    events: &[NewEvent],
) -> StoreResult<()> {
    if assignments.len() > MAX_ASSIGN_ROLES {
        return Err(StoreError::invalid(format!(
            "assignments: {} exceed the limit of {MAX_ASSIGN_ROLES}",
            assignments.len(),
        )));
    }
    check_events(events)
}

pub fn check_events(events: &[NewEvent]) -> StoreResult<()> {
    if events.len() > MAX_COMMIT_EVENTS {
        return Err(StoreError::invalid(format!(
            "events: a commit of {} events exceeds the limit of {MAX_COMMIT_EVENTS}",
            events.len()
        )));
    }
    let mut keys = std::collections::HashMap::with_capacity(events.len());
    for event in events {
        if event.key.is_empty() || event.key.len() > 200 {
            return Err(StoreError::invalid(
                "event key: must be 1 to 200 bytes".to_string(),
            ));
        }
        if event.stream.is_empty() || event.kind.is_empty() {
            return Err(StoreError::invalid(format!(
                "event '{}': stream and kind must not be empty",
                event.key
            )));
        }
        if event.payload.len() > MAX_EVENT_PAYLOAD_BYTES {
            return Err(StoreError::invalid(format!(
                "event '{}' payload: {} bytes exceeds the limit of {MAX_EVENT_PAYLOAD_BYTES}",
                event.key,
                event.payload.len()
            )));
        }
        if let Some(first) = keys.insert(event.key.as_str(), event) {
            if (&first.stream, &first.kind, &first.payload)
                != (&event.stream, &event.kind, &event.payload)
            {
                return Err(StoreError::conflict(format!(
                    "event key '{}' appears twice in the commit with different data",
                    event.key
                )));
            }
        }
    }
    Ok(())
}

#[async_trait]
pub trait Store: Send + Sync {
    // Organisations (R-ORG-1).
    /// Creates the organisation and opens its chart (`Account::odf_chart`) in one transaction.
    /// Idempotent ([`replayed_org`]): the same data again answers the organisation, nothing
    /// written; a slug already taken with other data is a conflict naming `slug`.
    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org>;
    async fn org(&self, org_id: OrgId) -> StoreResult<Org>;
    async fn org_by_slug(&self, slug: &str) -> StoreResult<Org>;
    async fn orgs(&self) -> StoreResult<Vec<Org>>;

    // Chart of accounts.
    /// Opens accounts; one already open with the same definition is left as is, with a
    /// different definition it is a conflict (and nothing is opened).
    async fn open_accounts(&self, org_id: OrgId, accounts: &[Account]) -> StoreResult<()>;
    async fn accounts(&self, org_id: OrgId) -> StoreResult<Vec<Account>>;

    // Journal.
    /// Appends one entry and updates balances. Every account must be open in this organisation
    /// with the posting's currency (else `Invalid`, naming the account).
    async fn post(&self, org_id: OrgId, entry: &ValidEntry) -> StoreResult<Posted>;
    /// Appends up to MAX_BATCH_ENTRIES entries atomically, in order: all or nothing.
    /// Keys already posted with the same payload are skipped (`created: false`).
    async fn post_batch(&self, org_id: OrgId, entries: &[ValidEntry]) -> StoreResult<Vec<Posted>>;
    async fn entry(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<StoredEntry>;
    async fn entries(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<StoredEntry>>;
    /// The materialised balances.
    async fn balances(&self, org_id: OrgId) -> StoreResult<TrialBalance>;
    /// Balances recomputed from postings; must always equal `balances`.
    async fn derived_balances(&self, org_id: OrgId) -> StoreResult<TrialBalance>;
    /// Balance of one account in minor units (0 if no postings; NotFound if not open).
    async fn account_balance(&self, org_id: OrgId, account: &AccountCode) -> StoreResult<i64>;
    /// Every entry touching `account`, oldest first (for statements), at most `page.limit`.
    async fn account_entries(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>>;
    /// The entries touching `account` dated `from <= date < until`, whole (every posting),
    /// oldest first: at most `page.limit` of them with ids after `page.after_id`. NotFound if
    /// the account is not open. For a rule that reads one account over a window of days and
    /// must see each entry's other accounts (R-CRED-1's initial deposit tells a deposit from
    /// the Fund's own money by them) without reading every entry the account ever had. The
    /// default is the plain computation, [`plain_account_entries_dated`]; the backends answer
    /// it in SQL (the conformance suite checks that they agree with it).
    async fn account_entries_dated(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        from: NaiveDate,
        until: NaiveDate,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        plain_account_entries_dated(self, org_id, account, (from, until), page).await
    }

    /// The id of the entry that reverses `entry_id` (the first, should there be several), or
    /// None. NotFound if `entry_id` is not an entry of this organisation. So a caller about to
    /// reverse an entry sees that it was reversed already (a second reversal would book the
    /// money back twice).
    async fn reversal_of(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<Option<EntryId>>;

    // Members (R-ORG-2..4) and roles (R-ORG-5).
    //
    // The registry writes (`import_members`, `record_leave`, `assign_role`, `end_role`,
    // `update_member`) take `events`: domain events appended in the SAME transaction as the change, with
    // exactly [`Store::commit`]'s semantics and limits ([`check_events`]): a key committed
    // before with the same stream, kind and payload is a no-op; with other data it is a
    // conflict and nothing is written; so is a call some (not all) of whose events are in the
    // log already (they record another change). So the change and its record in the log (the audit log)
    // never disagree: a refused change (leaving twice, a CURP with other data...) writes no
    // event, and an event that conflicts writes no change. When `events` is not empty and
    // every one of them was committed before with the same data, the call is a replay of the
    // call that committed them: nothing is written and it answers the state as it stands (the
    // outcome of importing again, the member, the latest assignment with the same data, the
    // assignment). Callers that act for someone pass the events that say who; `&[]` writes
    // the change alone (tests, benchmarks).

    /// Registers members by CURP, all or nothing, and opens each new member's accounts
    /// (`Account::member_accounts`). A CURP already registered with identical data counts as
    /// unchanged; with different data it is a conflict naming the CURP. `events` as above.
    async fn import_members(
        &self,
        org_id: OrgId,
        members: &[NewMember],
        events: &[NewEvent],
    ) -> StoreResult<ImportOutcome>;
    async fn member(&self, org_id: OrgId, member_id: MemberId) -> StoreResult<Member>;
    /// A member of the organisation (NotFound as [`Store::member`]) and the
    /// [`AccountVersion`] of `account`, in ONE statement: what a cached statement revalidates
    /// with (`web::read_cache`) instead of reading its lines again (NotFound if the account is
    /// not open).
    async fn member_and_account_version(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        account: &AccountCode,
    ) -> StoreResult<(Member, AccountVersion)>;
    async fn member_by_curp(&self, org_id: OrgId, curp: &str) -> StoreResult<Member>;
    async fn members(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<Member>>;
    async fn count_members(&self, org_id: OrgId) -> StoreResult<u64>;
    /// R-ORG-2: records that a member left (date and reason); history stays. Leaving twice is
    /// a conflict (unless it is a replay of the same `events`, which answers the member).
    async fn record_leave(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        left_on: NaiveDate,
        reason: &str,
        events: &[NewEvent],
    ) -> StoreResult<Member>;

    /// R-ORG-2: changes what the registry lets change about a member ([`MemberEdit`]: names,
    /// RFC, place, trade, household, profile, declared programmes); the CURP, dates and leaving
    /// stay. `events` as above (they record the change: history is the log, the row is the
    /// member as they are now; a replay answers the member).
    async fn update_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        edit: &MemberEdit,
        events: &[NewEvent],
    ) -> StoreResult<Member>;

    /// Gives a role; the member, when named, must belong to this organisation. `events` as
    /// above (a replay answers the latest assignment with the same data).
    async fn assign_role(
        &self,
        org_id: OrgId,
        assignment: &NewRoleAssignment,
        events: &[NewEvent],
    ) -> StoreResult<RoleAssignment> {
        self.assign_roles(org_id, std::slice::from_ref(assignment), events)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Backend("assign_role: no assignment answered".into()))
    }
    /// Gives several roles at once, in order, all or nothing (at most [`MAX_ASSIGN_ROLES`]),
    /// with `events` as above in the same transaction (a replay answers, per assignment, the
    /// latest with the same data). One transaction instead of one per role: what a bulk load
    /// (the demo) needs.
    async fn assign_roles(
        &self,
        org_id: OrgId,
        assignments: &[NewRoleAssignment],
        events: &[NewEvent],
    ) -> StoreResult<Vec<RoleAssignment>>;
    /// Ends a role on `until`. Ending it twice is a conflict (unless it is a replay of the
    /// same `events`, which answers the assignment).
    async fn end_role(
        &self,
        org_id: OrgId,
        assignment_id: i64,
        until: NaiveDate,
        events: &[NewEvent],
    ) -> StoreResult<RoleAssignment>;
    async fn roles(&self, org_id: OrgId) -> StoreResult<Vec<RoleAssignment>>;

    // Domain events (the app's record of every rule's state, and the audit log).
    /// Writes the commit atomically (see [`Commit`]); limits as [`check_commit`]. The
    /// organisation must exist, except [`PROGRAMME_ORG`], which takes events only.
    async fn commit(&self, org_id: OrgId, commit: &Commit) -> StoreResult<Committed>;
    /// Events of the organisation in seq order after `page.after_id`, of one stream when
    /// `stream` is given. An unknown organisation has none.
    async fn events(
        &self,
        org_id: OrgId,
        stream: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<StoredEvent>>;
    /// The event with this key (NotFound if none in this organisation).
    async fn event_by_key(&self, org_id: OrgId, key: &str) -> StoreResult<StoredEvent>;
}

/// [`Store::account_entries_dated`] computed plainly over [`Store::account_entries`] (every
/// entry of the account, read a page at a time, kept when dated in the window): the default,
/// and what the conformance suite compares the backends' SQL with.
pub async fn plain_account_entries_dated<S: Store + ?Sized>(
    store: &S,
    org_id: OrgId,
    account: &AccountCode,
    (from, until): (NaiveDate, NaiveDate),
    page: Page,
) -> StoreResult<Vec<StoredEntry>> {
    let limit = page.limit.min(MAX_PAGE) as usize;
    let mut out = Vec::new();
    let mut cursor = Page::first(MAX_PAGE);
    cursor.after_id = page.after_id;
    loop {
        // An account not open answers NotFound from `account_entries` itself.
        let batch = store.account_entries(org_id, account, cursor).await?;
        let Some(last) = batch.last() else {
            return Ok(out);
        };
        cursor.after_id = last.id;
        let full = batch.len() == MAX_PAGE as usize;
        for stored in batch {
            let on = stored.entry.date();
            if on < from || on >= until {
                continue;
            }
            if out.len() == limit {
                return Ok(out);
            }
            out.push(stored);
        }
        if !full {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_short_lowercase_and_names_the_field_when_refused() {
        assert!(check_slug("alfareros-morelos").is_ok());
        for bad in ["", "Alfareros", "a b", "ñandú", &"a".repeat(65)] {
            let err = check_slug(bad).unwrap_err();
            assert!(matches!(err, StoreError::Invalid { .. }), "{bad}");
            assert!(err.to_string().contains("slug"), "{err}");
        }
    }
}
