//! R-INFO-1 notifications: the outbox of new matches and the sender that empties it.
//!
//! **Never lost.** Publishing an opportunity in an ODF writes one `notification.queued` event per
//! member it fits in the SAME commit as `opportunity.published`; a programme-wide publication
//! writes one `notification.fanout` in the programme's commit, and the sender later queues the
//! messages in each ODF's own log (keyed, so an interrupted fan-out resumes where it stopped).
//! Publishing never calls a transport, so a failing or slow transport cannot block or undo it.
//!
//! **Later matches.** A member who comes to fit an open opportunity after it was published (a
//! member added or imported later, or whose trade, place, programmes or capacity changed) sees
//! it in "para ti" at once (that list is computed from the member as they are now) and gets one
//! message from the next pass of the sender, which first runs a bounded sweep
//! ([`App::queue_later_matches`]): open opportunities × active members of each ODF, writing only
//! the message keys that are missing. The key is the opportunity's and the member's, so nobody
//! gets a second message for the same opportunity, whether they were matched at publication,
//! by an earlier sweep, or stopped and started fitting again. The sweep, rather than queueing in
//! the member's own commit, because a member changes in many places (the add and edit forms,
//! the API, a CSV import of up to 10,000 rows, the demo), the registry would have to read every
//! open opportunity in each of them, and an import's commit would grow by members ×
//! opportunities events; the message would not leave any earlier anyway, as only the sender
//! sends. A sweep that stops part-way is run again by the next pass with the same result.
//!
//! **Once.** A sender takes a message by committing `notification.claimed` under the key
//! `{message}:claim:{attempt}` with its own sender id: the store keeps one event per key, so of
//! two senders only one owns an attempt. The outcome is `notification.sent` or
//! `notification.attempt_failed` (reason, and when the next attempt may start). A claim with no
//! outcome after [`SendPolicy::lease`] is a sender that died mid-attempt: the next sender takes
//! the next attempt. The one window left (the transport accepted the message and the sender died
//! before recording it) is closed on the receiving side by the message id, which is the outbox
//! key: SMTP's `Message-ID`, the log's `id`.
//!
//! **Bounded.** At most [`SendPolicy::max_attempts`] attempts, each after the previous failure
//! plus a backoff that doubles; the last failure is final and shows its reason.
//!
//! **No address.** A transport that sends to the member's own address (SMTP) reads it from the
//! registry ([`App::member_contacts`]) when it sends, so an address given after the message was
//! queued is used. A member without one gets `notification.no_address` instead of an attempt:
//! final (never retried), shown as "sin dirección" in the outbox.

use super::opportunities::{MemberRef, OpportunityRecord};
use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use store::{Commit, NewEvent, OrgId, StoreError, PROGRAMME_ORG};
use support::opportunities::{Opportunity, Scope};

pub(crate) const STREAM: &str = "notifications";

/// The payload of `notification.queued`: who and what. No clock in it: a concurrent replay of
/// the same publication writes the same events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Queued {
    member_id: i64,
    member_name: String,
    subject: String,
    body: String,
}

/// The payload of `notification.claimed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claimed {
    message: String,
    attempt: u32,
    sender: String,
    at: DateTime<Utc>,
}

/// The payload of `notification.sent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Sent {
    message: String,
    attempt: u32,
    transport: String,
    at: DateTime<Utc>,
}

/// The payload of `notification.attempt_failed`; no `retry_after` is the final failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AttemptFailed {
    message: String,
    attempt: u32,
    reason: String,
    at: DateTime<Utc>,
    retry_after: Option<DateTime<Utc>>,
}

/// The payload of `notification.fanout` (programme): a programme-wide opportunity to queue in
/// every ODF, matched on the day it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Fanout {
    reference: String,
    published_on: NaiveDate,
}

/// The payload of `notification.no_address`: the transport sends to the member's address and
/// the member has none (issue 19); final, no attempt made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NoAddress {
    message: String,
    transport: String,
    at: DateTime<Utc>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// A sender holds it now (or died holding it: after the lease it is retried).
    Sending,
    Sent,
    /// Every attempt failed; the reason is the last one's.
    Failed,
    /// The transport sends to the member's address and the member has none: final, never
    /// tried (issue 19). Give them an address and the next opportunity reaches them.
    NoAddress,
}

impl OutboxStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::NoAddress => "no_address",
        }
    }
}

/// One message of an ODF's outbox, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// The outbox key, also the message id a receiver deduplicates on.
    pub key: String,
    pub member_id: i64,
    pub member_name: String,
    pub subject: String,
    pub body: String,
    pub queued_at: DateTime<Utc>,
    pub status: OutboxStatus,
    /// Attempts started (claims).
    pub attempts: u32,
    pub claimed_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The last failed attempt's reason.
    pub last_error: Option<String>,
    /// When the next attempt may start (after a failure).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Attempts, backoff, lease and timeout of the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendPolicy {
    /// Attempts per message, the first included.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub backoff: chrono::Duration,
    /// How long a claim without an outcome holds a message (a sender that died).
    pub lease: chrono::Duration,
    /// How long one attempt may take; longer is a failed attempt.
    pub timeout: std::time::Duration,
}

impl Default for SendPolicy {
    fn default() -> Self {
        SendPolicy {
            max_attempts: 5,
            backoff: chrono::Duration::minutes(1),
            lease: chrono::Duration::minutes(10),
            timeout: std::time::Duration::from_secs(30),
        }
    }
}

impl SendPolicy {
    /// The wait after failed attempt `attempt` (1-based): backoff × 2^(attempt-1).
    pub fn wait_after(&self, attempt: u32) -> chrono::Duration {
        self.backoff * 2i32.pow(attempt.saturating_sub(1).min(20))
    }
}

/// A message as a transport delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outgoing {
    /// Unique and stable across attempts: `{org}.{outbox key}`.
    pub id: String,
    pub org_id: OrgId,
    pub org_slug: String,
    pub member_id: i64,
    pub member_name: String,
    /// The member's e-mail address now (issue 19), if they gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub subject: String,
    pub body: String,
}

/// What a transport's attempt answers: delivered, or why not.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// A way to deliver a message (`log`, `smtp`; see [`super::transports`]).
pub trait Transport: Send + Sync {
    /// Its name in the outbox's records.
    fn name(&self) -> &'static str;
    /// Whether it sends to the member's own address (SMTP), so that a member without one
    /// gets "no address" instead of an attempt.
    fn needs_address(&self) -> bool {
        false
    }
    fn send<'a>(&'a self, message: &'a Outgoing) -> SendFuture<'a>;
}

/// What one pass of the sender did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SendReport {
    /// Messages queued in ODFs from programme-wide publications.
    pub queued: usize,
    pub sent: usize,
    /// Failed attempts that will be tried again.
    pub retrying: usize,
    /// Messages whose last attempt failed.
    pub failed: usize,
    /// Messages another sender held.
    pub skipped: usize,
    /// Messages for members without an address (issue 19), marked so and never tried.
    pub no_address: usize,
}

fn scope_tag(scope: Scope) -> &'static str {
    match scope {
        Scope::Odf => "odf",
        Scope::Programme => "programme",
    }
}

/// The outbox key of the message telling `member` of the opportunity `reference`.
fn message_key(scope: Scope, reference: &str, member: i64) -> String {
    format!("notification:{}:{reference}:{member}", scope_tag(scope))
}

fn date_es(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// An ODF's members and declared capacities, read once to match many opportunities.
struct MatchingRegistry {
    members: BTreeMap<i64, registry::Member>,
    capacities: Vec<trade::sales::Capacity>,
}

impl MatchingRegistry {
    /// The members active on `on` whom `opportunity` fits (R-INFO-1; capacity R-SELL-1).
    fn matched(&self, opportunity: &Opportunity, on: NaiveDate) -> Vec<MemberRef> {
        use support::opportunities::{self as rules, MemberProfile};
        let mut out = Vec::new();
        for (id, m) in &self.members {
            if !m.is_active_on(on) {
                continue;
            }
            let capacity = self
                .capacities
                .iter()
                .filter(|c| c.member == *id)
                .map(|c| c.capacity_units)
                .max();
            let profile =
                MemberProfile::of(&m.data, on, registry::TargetSettings::default(), capacity);
            if rules::matches(opportunity, &profile, on) {
                out.push(MemberRef {
                    member_id: *id,
                    name: format!("{} {}", m.data.given_names, m.data.surnames),
                });
            }
        }
        out
    }
}

/// The `notification.queued` events of an opportunity for the members it fits (R-INFO-1: the
/// member reads it in Spanish first, English second).
pub(crate) fn queued_events(
    actor: &Actor,
    opportunity: &Opportunity,
    reference: &str,
    matched: &[MemberRef],
) -> Result<Vec<NewEvent>, AppError> {
    let subject = format!("Nueva oportunidad para ti: {}", opportunity.title);
    matched
        .iter()
        .map(|m| {
            let body = format!(
                "Hola, {name}:\n\n{kind}: {title}\n{description}\n\nFecha límite: {deadline}.\n\
                 Véala y marque «Me interesa» en Tequio, en «Para ti».\n\n\
                 (A new opportunity that fits you; deadline {deadline}. See \"Para ti\" in Tequio.)\n",
                name = m.name,
                kind = opportunity.kind.label_es(),
                title = opportunity.title,
                description = opportunity.description,
                deadline = date_es(opportunity.deadline),
            );
            event(
                actor,
                STREAM,
                "notification.queued",
                message_key(opportunity.scope, reference, m.member_id),
                &Queued {
                    member_id: m.member_id,
                    member_name: m.name.clone(),
                    subject: subject.clone(),
                    body,
                },
            )
        })
        .collect()
}

/// The `notification.fanout` event of a programme-wide publication.
pub(crate) fn fanout_event(
    actor: &Actor,
    reference: &str,
    published_on: NaiveDate,
) -> Result<NewEvent, AppError> {
    event(
        actor,
        STREAM,
        "notification.fanout",
        format!("notification:fanout:{reference}"),
        &Fanout {
            reference: reference.to_string(),
            published_on,
        },
    )
}

fn fold_outbox(events: &[store::StoredEvent]) -> Result<Vec<OutboxMessage>, AppError> {
    let mut order: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<String, OutboxMessage> = BTreeMap::new();
    for e in events {
        match e.event.kind.as_str() {
            "notification.queued" => {
                let q: Queued = payload(e)?;
                order.push(e.event.key.clone());
                by_key.insert(
                    e.event.key.clone(),
                    OutboxMessage {
                        key: e.event.key.clone(),
                        member_id: q.member_id,
                        member_name: q.member_name,
                        subject: q.subject,
                        body: q.body,
                        queued_at: e.event.recorded_at,
                        status: OutboxStatus::Pending,
                        attempts: 0,
                        claimed_at: None,
                        sent_at: None,
                        last_error: None,
                        next_attempt_at: None,
                    },
                );
            }
            "notification.claimed" => {
                let c: Claimed = payload(e)?;
                if let Some(m) = by_key.get_mut(&c.message) {
                    if m.status != OutboxStatus::Sent && c.attempt > m.attempts {
                        m.attempts = c.attempt;
                        m.status = OutboxStatus::Sending;
                        m.claimed_at = Some(c.at);
                    }
                }
            }
            "notification.sent" => {
                let s: Sent = payload(e)?;
                if let Some(m) = by_key.get_mut(&s.message) {
                    m.status = OutboxStatus::Sent;
                    m.sent_at = Some(s.at);
                    m.next_attempt_at = None;
                }
            }
            "notification.no_address" => {
                let n: NoAddress = payload(e)?;
                if let Some(m) = by_key.get_mut(&n.message) {
                    if m.status == OutboxStatus::Pending && m.attempts == 0 {
                        m.status = OutboxStatus::NoAddress;
                        m.last_error = Some("no address".into());
                    }
                }
            }
            "notification.attempt_failed" => {
                let f: AttemptFailed = payload(e)?;
                if let Some(m) = by_key.get_mut(&f.message) {
                    if m.status != OutboxStatus::Sent && f.attempt == m.attempts {
                        m.last_error = Some(f.reason);
                        m.claimed_at = None;
                        m.next_attempt_at = f.retry_after;
                        m.status = if f.retry_after.is_some() {
                            OutboxStatus::Pending
                        } else {
                            OutboxStatus::Failed
                        };
                    }
                }
            }
            _ => {}
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect())
}

/// What the sender does next with a message at `now`.
enum Next {
    /// Start attempt n.
    Attempt(u32),
    /// Its holder died mid-attempt and it has no attempts left: record the final failure.
    GiveUp(u32),
    Wait,
}

fn next_step(m: &OutboxMessage, policy: &SendPolicy, now: DateTime<Utc>) -> Next {
    let after_last = |m: &OutboxMessage| {
        if m.attempts >= policy.max_attempts {
            Next::GiveUp(m.attempts)
        } else {
            Next::Attempt(m.attempts + 1)
        }
    };
    match m.status {
        OutboxStatus::Pending if m.next_attempt_at.is_none_or(|at| at <= now) => after_last(m),
        OutboxStatus::Sending if m.claimed_at.is_some_and(|at| at + policy.lease <= now) => {
            after_last(m)
        }
        _ => Next::Wait,
    }
}

impl App {
    /// The members an opportunity fits in `org_id` on `on` (active on that day).
    pub(crate) async fn matched_members(
        &self,
        org_id: OrgId,
        opportunity: &Opportunity,
        on: NaiveDate,
    ) -> Result<Vec<MemberRef>, AppError> {
        let registry = self.matching_registry(org_id).await?;
        Ok(registry.matched(opportunity, on))
    }

    /// What matching reads of an ODF, once for any number of opportunities.
    async fn matching_registry(&self, org_id: OrgId) -> Result<MatchingRegistry, AppError> {
        Ok(MatchingRegistry {
            members: self.support_members(org_id).await?,
            capacities: self.capacities(org_id).await?,
        })
    }

    /// The ODF's outbox (R-INFO-1), in the order the messages were queued.
    pub async fn outbox(&self, org_id: OrgId) -> Result<Vec<OutboxMessage>, AppError> {
        self.store().org(org_id).await?;
        fold_outbox(&read_stream(&**self.store(), org_id, STREAM).await?)
    }

    /// Queues in every ODF the messages of programme-wide publications not yet queued there
    /// (each ODF matched in its own organisation). Keys make a resumed fan-out write nothing
    /// twice.
    async fn fan_out(&self, actor: &Actor) -> Result<usize, AppError> {
        let events = read_stream(&**self.store(), PROGRAMME_ORG, STREAM).await?;
        let done: std::collections::BTreeSet<&str> = events
            .iter()
            .filter(|e| e.event.kind == "notification.fanout_done")
            .filter_map(|e| e.event.key.strip_suffix(":done"))
            .collect();
        let pending: Vec<Fanout> = events
            .iter()
            .filter(|e| e.event.kind == "notification.fanout" && !done.contains(&*e.event.key))
            .map(payload)
            .collect::<Result<_, _>>()?;
        if pending.is_empty() {
            return Ok(0);
        }
        let published = self.opportunities(PROGRAMME_ORG).await?;
        let orgs = self.store().orgs().await?;
        let mut queued = 0;
        for f in pending {
            let Some(record) = published.iter().find(|r| r.reference == f.reference) else {
                continue;
            };
            for org in &orgs {
                let matched = self
                    .matched_members(org.id, &record.opportunity, f.published_on)
                    .await?;
                for chunk in matched.chunks(store::MAX_COMMIT_EVENTS) {
                    let commit = Commit {
                        events: queued_events(actor, &record.opportunity, &f.reference, chunk)?,
                        ..Commit::default()
                    };
                    let done = self.store().commit(org.id, &commit).await?;
                    queued += done.events.iter().filter(|(_, created)| *created).count();
                }
            }
            let commit = Commit {
                events: vec![event(
                    actor,
                    STREAM,
                    "notification.fanout_done",
                    format!("notification:fanout:{}:done", f.reference),
                    &serde_json::json!({ "orgs": orgs.len() }),
                )?],
                ..Commit::default()
            };
            self.store().commit(PROGRAMME_ORG, &commit).await?;
        }
        Ok(queued)
    }

    /// R-INFO-1 later matches: queues a message for every active member an open opportunity
    /// (the ODF's own and the programme's, deadline not passed on `today`) fits now and who has
    /// none for it yet (a member added, imported or edited after the publication, or whose
    /// capacity grew). The message key is the opportunity's and the member's, so a member
    /// matched at publication or by an earlier sweep is never queued twice. Bounded: open
    /// opportunities × active members per ODF, and only missing keys are written.
    pub async fn queue_later_matches(
        &self,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<usize, AppError> {
        let open = |r: &OpportunityRecord| today <= r.opportunity.deadline;
        let programme: Vec<OpportunityRecord> = self
            .opportunities(PROGRAMME_ORG)
            .await?
            .into_iter()
            .filter(open)
            .collect();
        let mut queued = 0;
        for org in self.store().orgs().await? {
            if org.id == PROGRAMME_ORG {
                continue;
            }
            let own: Vec<OpportunityRecord> = self
                .opportunities(org.id)
                .await?
                .into_iter()
                .filter(open)
                .collect();
            if own.is_empty() && programme.is_empty() {
                continue;
            }
            let registry = self.matching_registry(org.id).await?;
            let have: BTreeSet<String> = read_stream(&**self.store(), org.id, STREAM)
                .await?
                .into_iter()
                .filter(|e| e.event.kind == "notification.queued")
                .map(|e| e.event.key)
                .collect();
            let mut events = Vec::new();
            for r in own.iter().chain(&programme) {
                let fresh: Vec<MemberRef> = registry
                    .matched(&r.opportunity, today)
                    .into_iter()
                    .filter(|m| {
                        !have.contains(&message_key(r.opportunity.scope, &r.reference, m.member_id))
                    })
                    .collect();
                events.extend(queued_events(actor, &r.opportunity, &r.reference, &fresh)?);
            }
            queued += self.commit_queued(org.id, events).await?;
        }
        Ok(queued)
    }

    /// Commits `notification.queued` events, as many a commit as the store takes, and answers
    /// how many were new. A chunk refused as a conflict (another sender queued one of its
    /// messages meanwhile, with a name edited since) is committed one event at a time, each
    /// conflict skipped: that message is queued already.
    async fn commit_queued(&self, org_id: OrgId, events: Vec<NewEvent>) -> Result<usize, AppError> {
        let mut created = 0;
        for chunk in events.chunks(store::MAX_COMMIT_EVENTS) {
            let commit = Commit {
                events: chunk.to_vec(),
                ..Commit::default()
            };
            match self.store().commit(org_id, &commit).await {
                Ok(done) => created += done.events.iter().filter(|(_, c)| *c).count(),
                Err(StoreError::Conflict { .. }) => {
                    for e in chunk {
                        let one = Commit {
                            events: vec![e.clone()],
                            ..Commit::default()
                        };
                        match self.store().commit(org_id, &one).await {
                            Ok(done) => created += done.events.iter().filter(|(_, c)| *c).count(),
                            Err(StoreError::Conflict { .. }) => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(created)
    }

    /// One pass of the sender (R-INFO-1): queues programme-wide publications in every ODF,
    /// then delivers every message that is due at `now` through `transport`, each attempt
    /// claimed by key first so that of two senders only one sends it.
    pub async fn send_notifications(
        &self,
        transport: &dyn Transport,
        policy: &SendPolicy,
        now: DateTime<Utc>,
    ) -> Result<SendReport, AppError> {
        let actor = Actor::new("notifier", "system");
        let sender = crate::access_cases::random_hex(8)?;
        let mut report = SendReport {
            queued: self.fan_out(&actor).await?,
            ..SendReport::default()
        };
        report.queued += self
            .queue_later_matches(&actor, crate::fact_date::mexico_city_today(now))
            .await?;
        for org in self.store().orgs().await? {
            let events = read_stream(&**self.store(), org.id, STREAM).await?;
            let outbox = fold_outbox(&events)?;
            // Issue 19: the members' addresses as they are now, read once, when one is due.
            let due = |m: &OutboxMessage| !matches!(next_step(m, policy, now), Next::Wait);
            let contacts = if transport.needs_address() && outbox.iter().any(due) {
                self.member_contacts(org.id).await?
            } else {
                BTreeMap::new()
            };
            for m in outbox {
                let email = contacts.get(&m.member_id).and_then(|c| c.email.clone());
                if transport.needs_address()
                    && email.is_none()
                    && m.status == OutboxStatus::Pending
                    && m.attempts == 0
                {
                    let none = NoAddress {
                        message: m.key.clone(),
                        transport: transport.name().to_string(),
                        at: now,
                    };
                    if self.record_no_address(org.id, &actor, &none).await? {
                        report.no_address += 1;
                    }
                    continue;
                }
                let attempt = match next_step(&m, policy, now) {
                    Next::Wait => continue,
                    Next::GiveUp(attempt) => {
                        let failed = AttemptFailed {
                            message: m.key.clone(),
                            attempt,
                            reason: "the sender stopped during the attempt".into(),
                            at: now,
                            retry_after: None,
                        };
                        if self.record_failure(org.id, &actor, &failed).await? {
                            report.failed += 1;
                        }
                        continue;
                    }
                    Next::Attempt(n) => n,
                };
                let claim = Claimed {
                    message: m.key.clone(),
                    attempt,
                    sender: sender.clone(),
                    at: now,
                };
                let commit = Commit {
                    events: vec![event(
                        &actor,
                        STREAM,
                        "notification.claimed",
                        format!("{}:claim:{attempt}", m.key),
                        &claim,
                    )?],
                    ..Commit::default()
                };
                match self.store().commit(org.id, &commit).await {
                    Ok(c) if c.events.first().is_some_and(|(_, created)| *created) => {}
                    Ok(_) | Err(StoreError::Conflict { .. }) => {
                        report.skipped += 1;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
                let outgoing = Outgoing {
                    id: format!("{}.{}", org.id, m.key),
                    org_id: org.id,
                    org_slug: org.data.slug.clone(),
                    member_id: m.member_id,
                    member_name: m.member_name.clone(),
                    email,
                    subject: m.subject.clone(),
                    body: m.body.clone(),
                };
                let outcome =
                    match tokio::time::timeout(policy.timeout, transport.send(&outgoing)).await {
                        Ok(r) => r,
                        Err(_) => Err(format!(
                            "no answer within {} s",
                            policy.timeout.as_secs_f64()
                        )),
                    };
                match outcome {
                    Ok(()) => {
                        let sent = Sent {
                            message: m.key.clone(),
                            attempt,
                            transport: transport.name().to_string(),
                            at: now,
                        };
                        let commit = Commit {
                            events: vec![event(
                                &actor,
                                STREAM,
                                "notification.sent",
                                format!("{}:sent", m.key),
                                &sent,
                            )?],
                            ..Commit::default()
                        };
                        self.store().commit(org.id, &commit).await?;
                        report.sent += 1;
                    }
                    Err(reason) => {
                        let last = attempt >= policy.max_attempts;
                        let failed = AttemptFailed {
                            message: m.key.clone(),
                            attempt,
                            reason: reason.chars().take(500).collect(),
                            at: now,
                            retry_after: (!last).then(|| now + policy.wait_after(attempt)),
                        };
                        self.record_failure(org.id, &actor, &failed).await?;
                        if last {
                            report.failed += 1;
                        } else {
                            report.retrying += 1;
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    /// Records that a message's member has no address; false when another sender did first.
    async fn record_no_address(
        &self,
        org_id: OrgId,
        actor: &Actor,
        none: &NoAddress,
    ) -> Result<bool, AppError> {
        let key = format!("{}:no_address", none.message);
        self.commit_once(
            org_id,
            event(actor, STREAM, "notification.no_address", key, none)?,
        )
        .await
    }

    /// Records a failed attempt; false when another sender recorded it first.
    async fn record_failure(
        &self,
        org_id: OrgId,
        actor: &Actor,
        failed: &AttemptFailed,
    ) -> Result<bool, AppError> {
        let key = format!("{}:attempt:{}:failed", failed.message, failed.attempt);
        self.commit_once(
            org_id,
            event(actor, STREAM, "notification.attempt_failed", key, failed)?,
        )
        .await
    }

    /// Commits one outcome; false when another sender recorded it first (the same key).
    async fn commit_once(&self, org_id: OrgId, e: NewEvent) -> Result<bool, AppError> {
        let commit = Commit {
            events: vec![e],
            ..Commit::default()
        };
        match self.store().commit(org_id, &commit).await {
            Ok(c) => Ok(c.events.first().is_some_and(|(_, created)| *created)),
            Err(StoreError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_after_each_failure() {
        let p = SendPolicy {
            backoff: chrono::Duration::seconds(60),
            ..SendPolicy::default()
        };
        // 60, 120, 240, 480 seconds, worked by hand.
        assert_eq!(p.wait_after(1).num_seconds(), 60);
        assert_eq!(p.wait_after(2).num_seconds(), 120);
        assert_eq!(p.wait_after(3).num_seconds(), 240);
        assert_eq!(p.wait_after(4).num_seconds(), 480);
    }
}
