//! The board's proposals and votes as people reach them through the web (R-GOV-1, R-GOV-2):
//! who may propose, comment, vote and close is checked here against the viewer's roles, then
//! the coordinator's governance use cases (`App::propose`, `cast_vote`, `close_vote`) decide
//! and record. Comments are this module's own events (stream `proposal-comments`): the
//! support committee, donors and advisers may comment and propose, never vote.

use super::users::{event, json, parse};
use super::{AccessError, Action, OrgRole, Viewer};
use crate::governance_cases::ProposalRecord;
use crate::{Actor, App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use governance::{Decision, ProposalKind, ProposalStatus, Vote};
use registry::FieldError;
use serde::{Deserialize, Serialize};
use store::{Commit, OrgId, Page, StoreError};

/// Most proposals a page shows (newest first; older ones stay in the log).
pub const MAX_PROPOSALS: usize = 500;

const COMMENTS: &str = "proposal-comments";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub proposal_id: i64,
    pub by: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A proposal with its ballots, decision and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalView {
    pub record: ProposalRecord,
    pub comments: Vec<Comment>,
}

impl ProposalView {
    pub fn is_open(&self) -> bool {
        self.record.proposal.status == ProposalStatus::Open
    }
}

/// A proposal as a form or the API sends it (kind as text, amount in minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalForm {
    pub kind: String,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
}

impl ProposalForm {
    /// Server-side checks a person can act on, each naming its field; the governance crate
    /// checks the rule itself again when the proposal is opened.
    pub fn validate(&self) -> Result<governance::NewProposal, FieldError> {
        let kind = ProposalKind::parse(&self.kind).map_err(|_| {
            FieldError::new("kind", format!("'{}' is not a kind of proposal", self.kind))
        })?;
        registry::check_text("subject", &self.subject, false)?;
        registry::check_text("purpose", &self.purpose, true)?;
        if self.subject.trim().chars().count() > 80 {
            return Err(FieldError::new(
                "subject",
                "must have at most 80 characters",
            ));
        }
        let purpose = self.purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > 500 {
            return Err(FieldError::new("purpose", "must have 1 to 500 characters"));
        }
        if !(0..=100_000_000_000).contains(&self.amount_minor) {
            return Err(FieldError::new(
                "amount_minor",
                "must be between 0 and 1,000,000,000.00",
            ));
        }
        Ok(governance::NewProposal {
            kind,
            subject: self.subject.trim().to_string(),
            purpose: purpose.to_string(),
            amount_minor: self.amount_minor,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Commented {
    proposal_id: i64,
    text: String,
}

fn check_key(key: &str) -> Result<(), FieldError> {
    if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldError::new(
            "idempotency_key",
            "must be 1 to 100 visible ASCII characters",
        ));
    }
    Ok(())
}

impl App {
    /// The board seat (role assignment id) the viewer holds in `org_id` on `on`, if any.
    pub async fn seat_of(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        on: NaiveDate,
    ) -> Result<Option<i64>, AccessError> {
        let members: Vec<i64> = viewer
            .roles_in(org_id)
            .filter(|g| g.role == OrgRole::Board)
            .filter_map(|g| g.member_id)
            .collect();
        if members.is_empty() {
            return Ok(None);
        }
        let roles = self.store().roles(org_id).await?;
        Ok(governance::board_seats(&roles, on)
            .into_iter()
            .find(|r| r.member_id.is_some_and(|m| members.contains(&m)))
            .map(|r| r.id))
    }

    /// The ODF's proposals, newest first, with comments (everyone in its circle; supervisors).
    pub async fn board_proposals(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
    ) -> Result<Vec<ProposalView>, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        let records = self.proposals(org_id).await?;
        let comments = self.comments(org_id).await?;
        let mut views: Vec<ProposalView> = records
            .into_iter()
            .rev()
            .take(MAX_PROPOSALS)
            .map(|record| {
                let id = record.proposal.id;
                ProposalView {
                    record,
                    comments: comments
                        .iter()
                        .filter(|c| c.proposal_id == id)
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        views.shrink_to_fit();
        Ok(views)
    }

    /// One proposal; another ODF's id or none is NotFound.
    pub async fn board_proposal(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        id: i64,
    ) -> Result<ProposalView, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        let record = match self.proposal(org_id, id).await {
            Ok(r) => r,
            Err(AppError::Store(StoreError::NotFound { .. })) => return Err(AccessError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let comments = self
            .comments(org_id)
            .await?
            .into_iter()
            .filter(|c| c.proposal_id == id)
            .collect();
        Ok(ProposalView { record, comments })
    }

    /// Puts a proposal to the board (R-GOV-1: staff, board, support committee, donors and
    /// advisers). The same proposer sending the same open proposal again (a double click, a
    /// retried form) gets the first one back instead of a duplicate.
    pub async fn propose_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        form: ProposalForm,
        origin: &str,
        today: NaiveDate,
    ) -> Result<ProposalView, AccessError> {
        viewer.check(org_id, Action::Propose)?;
        let new = form.validate()?;
        let existing = self.proposals(org_id).await?.into_iter().find(|r| {
            let p = &r.proposal;
            p.status == ProposalStatus::Open
                && p.proposed_by == viewer.login
                && (p.kind, &p.subject, &p.purpose, p.amount_minor)
                    == (new.kind, &new.subject, &new.purpose, new.amount_minor)
        });
        let id = match existing {
            Some(r) => r.proposal.id,
            None => {
                self.propose(org_id, &Actor::new(&viewer.login, origin), new, today)
                    .await?
                    .id
            }
        };
        self.board_proposal(org_id, viewer, id).await
    }

    /// R-GOV-1: a board member's vote, on the seat they hold today. Anyone else is refused
    /// here, and the governance rule refuses again whatever seat is named.
    pub async fn vote_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        proposal_id: i64,
        vote: Vote,
        origin: &str,
        today: NaiveDate,
    ) -> Result<ProposalView, AccessError> {
        viewer.check(org_id, Action::Vote)?;
        let seat = self
            .seat_of(org_id, viewer, today)
            .await?
            .ok_or(AccessError::Forbidden {
                rule: "R-GOV-1",
                action: "Vote (no board seat in force)".into(),
            })?;
        self.board_proposal(org_id, viewer, proposal_id).await?;
        self.cast_vote(
            org_id,
            &Actor::new(&viewer.login, origin),
            proposal_id,
            seat,
            vote,
            today,
        )
        .await?;
        self.board_proposal(org_id, viewer, proposal_id).await
    }

    /// Closes the vote (board members only): the decision with who voted what (R-GOV-2).
    pub async fn close_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        proposal_id: i64,
        origin: &str,
        today: NaiveDate,
    ) -> Result<Decision, AccessError> {
        viewer.check(org_id, Action::Vote)?;
        self.board_proposal(org_id, viewer, proposal_id).await?;
        Ok(self
            .close_vote(
                org_id,
                &Actor::new(&viewer.login, origin),
                proposal_id,
                today,
            )
            .await?)
    }

    /// A comment on a proposal (R-GOV-1: the support committee, donors and advisers may
    /// comment). `key` makes a retried form a no-op.
    #[allow(clippy::too_many_arguments)]
    pub async fn comment(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        proposal_id: i64,
        text: &str,
        key: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<ProposalView, AccessError> {
        viewer.check(org_id, Action::Comment)?;
        let text = text.trim();
        registry::check_text("text", text, true)?;
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(FieldError::new("text", "must have 1 to 1000 characters").into());
        }
        check_key(key)?;
        self.board_proposal(org_id, viewer, proposal_id).await?;
        let payload = json(&Commented {
            proposal_id,
            text: text.to_string(),
        })?;
        self.store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        COMMENTS,
                        "proposal.commented",
                        format!("comment:{proposal_id}:{}:{key}", viewer.login),
                        payload,
                        &viewer.login,
                        origin,
                        now,
                    )],
                    ..Commit::default()
                },
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => AccessError::from(FieldError::new(
                    "idempotency_key",
                    "was already used for a different comment",
                )),
                other => other.into(),
            })?;
        self.board_proposal(org_id, viewer, proposal_id).await
    }

    async fn comments(&self, org_id: OrgId) -> Result<Vec<Comment>, AppError> {
        let mut page = Page::first(store::MAX_PAGE);
        let mut out = Vec::new();
        loop {
            let events = self.store().events(org_id, Some(COMMENTS), page).await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            for e in &events {
                let c: Commented = parse(&e.event.payload)?;
                out.push(Comment {
                    proposal_id: c.proposal_id,
                    by: e.event.actor.clone(),
                    text: c.text,
                    at: e.event.recorded_at,
                });
            }
        }
        Ok(out)
    }
}
