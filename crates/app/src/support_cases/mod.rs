//! The support system's use cases (PROGRAMME.md, "Information, innovation and the support
//! system"): opportunities and interest (R-INFO-1), inventions and their reviews (R-INNO-1),
//! compliance per ODF from its books (R-SUP-1), saved projection scenarios (R-SUP-2), the
//! integradoras table (R-SUP-3) and outcomes (R-SUP-4). The rules are the pure `support`
//! crate; this module reads what they need and records every change as an event.
//!
//! Streams (all in the ODF's own log, or the programme's, [`store::PROGRAMME_ORG`]):
//! - `opportunities`: `opportunity.published` (key `opportunity:{ref}:published`; ids are the
//!   order of publication in the log, so two publishers at once never collide) and
//!   `opportunity.interest` (`opportunity:{scope}:{id}:interest:{member}`), the latter always in
//!   the member's own ODF, also for programme-wide opportunities.
//! - `inventions`: registration, reviews, recusals, stage changes, IP status and expenses, each
//!   keyed by its content so a replay is a no-op.
//! - `projections` (programme): saved scenarios.
//! - `results`: an ODF's project results (`result.published`, figures from its books) and,
//!   in the programme's log, `result.circulated` by a supervisor (see [`results`]).
//! - `notifications`: the outbox of new matches (`notification.queued`, written in the same
//!   commit as the publication), claims, deliveries and failed attempts (see
//!   [`notifications`]); a programme-wide publication writes `notification.fanout` in the
//!   programme's log and the sender queues its messages in each ODF.
//!
//! Programme-level reads (compliance ranking, outcomes, the projection's present state) compute
//! each ODF in its own organisation first and then add the results: no read joins two
//! organisations' rows.

mod compliance;
mod compliance_kept;
mod integradoras;
mod invention_expenses;
mod inventions;
mod notifications;
mod opportunities;
mod outcomes;
mod projection;
mod results;
mod transports;

pub use compliance::OdfCompliance;
pub use compliance_kept::KeptCompliance;
pub use invention_expenses::PrototypePayment;
pub use inventions::{InventionView, NewInvention};
pub use notifications::{
    OutboxMessage, OutboxStatus, Outgoing, SendFuture, SendPolicy, SendReport, Transport,
};
pub use opportunities::{Audience, MemberRef, NewOpportunity, OpportunityRecord, ParaTiItem};
pub use outcomes::{KeptNow, KeptOutcomes, SERIES_PERIODS};
pub use projection::{KeptPresent, OdfPresent};
pub use results::{NewResult, ProjectResult};
pub use transports::{message_id, LogTransport, SmtpSecurity, SmtpTransport};

use crate::access_cases::Viewer;
use crate::{App, AppError};
use chrono::NaiveDate;
use registry::{Member, Role};
use std::collections::BTreeMap;
use store::{MemberId, OrgId};
use support::SupportError;

impl From<SupportError> for AppError {
    fn from(e: SupportError) -> Self {
        match e {
            SupportError::Rule {
                rule,
                field,
                message,
            } => AppError::Rule {
                rule,
                field: field.to_string(),
                message,
            },
            SupportError::Field(f) => AppError::Field(f),
        }
    }
}

/// A caller-chosen reference (`--ref`, a form's hidden token): `[A-Za-z0-9._-]`, 1..=80.
pub(crate) fn check_reference(reference: &str) -> Result<String, AppError> {
    let r = reference.trim();
    if r.is_empty()
        || r.len() > 80
        || !r
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(registry::FieldError::new(
            "reference",
            "must be 1 to 80 letters, digits, '.', '_' or '-'",
        )
        .into());
    }
    Ok(r.to_string())
}

/// A fresh reference when the caller gives none (the API's Idempotency-Key already makes its
/// retries exact).
pub(crate) fn reference_or_new(reference: Option<&str>) -> Result<String, AppError> {
    match reference {
        Some(r) => check_reference(r),
        None => crate::access_cases::random_hex(8),
    }
}

impl App {
    /// Every member of the organisation, by id (paged reads).
    pub(crate) async fn support_members(
        &self,
        org_id: OrgId,
    ) -> Result<BTreeMap<MemberId, Member>, AppError> {
        crate::fund_cases::reports::all_members(self, org_id).await
    }

    /// Whether `member_id` holds `role` in `org_id` on `on` (R-ORG-5).
    pub(crate) async fn member_holds(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        role: Role,
        on: NaiveDate,
    ) -> Result<bool, AppError> {
        Ok(self.store().roles(org_id).await?.iter().any(|r| {
            r.member_id == Some(member_id)
                && r.role == role
                && r.from <= on
                && r.until.is_none_or(|until| on < until)
        }))
    }

    /// Whether the person may publish opportunities in `org_id` (R-INFO-1: staff, supervisors
    /// or committees). Supervisors publish programme-wide ([`store::PROGRAMME_ORG`]) and in
    /// any ODF; in an ODF, its staff and support committee, and members sitting on one of its
    /// committees (specialised or innovation) on `on`.
    pub async fn may_publish_opportunity(
        &self,
        viewer: &Viewer,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<bool, AppError> {
        use crate::access_cases::OrgRole;
        if viewer.supervisor {
            return Ok(true);
        }
        if org_id == store::PROGRAMME_ORG {
            return Ok(false);
        }
        if viewer.has_role(org_id, OrgRole::Staff)
            || viewer.has_role(org_id, OrgRole::SupportCommittee)
        {
            return Ok(true);
        }
        let Some(member) = viewer.member_id_in(org_id) else {
            return Ok(false);
        };
        Ok(self.store().roles(org_id).await?.iter().any(|r| {
            r.member_id == Some(member)
                && matches!(
                    r.role,
                    Role::SpecialisedCommittee(_) | Role::InnovationCommittee
                )
                && r.from <= on
                && r.until.is_none_or(|until| on < until)
        }))
    }
}
