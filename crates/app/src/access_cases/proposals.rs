//! Proposals to the board, comments and votes (R-GOV-1, R-GOV-2), as events of the ODF's
//! `proposals` stream. Anyone in the group's circle but plain members and supervisors may
//! propose and comment; only board members vote. A vote is one per board member per proposal.

use super::users::{event, json, parse};
use super::{AccessError, Action, Viewer};
use crate::App;
use crate::AppError;
use chrono::{DateTime, Utc};
use registry::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{Commit, MemberId, OrgId, Page, StoreError};

/// Most proposals an ODF's page folds (older ones stay in the log).
pub const MAX_PROPOSALS: usize = 500;

const STREAM: &str = "proposals";

/// R-GOV-2: what a board decides on.
pub const PROPOSAL_KINDS: [&str; 6] = [
    "expenditure",
    "loan",
    "lease",
    "withdrawal_criteria",
    "non_fulfilment_notice",
    "election",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteChoice {
    For,
    Against,
    Abstain,
}

impl VoteChoice {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text {
            "for" => Ok(VoteChoice::For),
            "against" => Ok(VoteChoice::Against),
            "abstain" => Ok(VoteChoice::Abstain),
            other => Err(FieldError::new(
                "vote",
                format!("'{other}' must be for, against or abstain"),
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            VoteChoice::For => "for",
            VoteChoice::Against => "against",
            VoteChoice::Abstain => "abstain",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub by: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ProposalState {
    Open,
    Decided { approved: bool, decision_id: i64 },
}

/// A proposal as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The seq of its `proposal.created` event in the ODF.
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub comments: Vec<Comment>,
    /// Board member id -> (vote, login of who cast it).
    pub votes: BTreeMap<MemberId, (VoteChoice, String)>,
    pub state: ProposalState,
}

/// The fields of a new proposal, as a form or the API sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProposal {
    pub kind: String,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
}

#[derive(Serialize, Deserialize)]
struct Created {
    kind: String,
    subject: String,
    purpose: String,
    amount_minor: i64,
    proposed_by: String,
}

#[derive(Serialize, Deserialize)]
struct Voted {
    proposal_id: i64,
    member_id: MemberId,
    vote: VoteChoice,
}

#[derive(Serialize, Deserialize)]
struct Commented {
    proposal_id: i64,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct Closed {
    proposal_id: i64,
    approved: bool,
    decision_id: i64,
}

impl NewProposal {
    /// Server-side validation; every error names its field.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !PROPOSAL_KINDS.contains(&self.kind.as_str()) {
            return Err(FieldError::new(
                "kind",
                format!("'{}' is not a kind of proposal", self.kind),
            ));
        }
        let subject = self.subject.trim();
        if subject.chars().count() > 80 {
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
        Ok(())
    }
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
    /// Puts a proposal to the board. `key` makes it idempotent (a form's nonce or the API's
    /// Idempotency-Key): the same key and fields answer the same proposal.
    pub async fn propose(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        proposal: NewProposal,
        key: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Proposal, AccessError> {
        viewer.check(org_id, Action::Propose)?;
        proposal.validate()?;
        check_key(key)?;
        let payload = json(&Created {
            kind: proposal.kind.clone(),
            subject: proposal.subject.trim().to_string(),
            purpose: proposal.purpose.trim().to_string(),
            amount_minor: proposal.amount_minor,
            proposed_by: viewer.login.clone(),
        })?;
        let committed = self
            .store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        STREAM,
                        "proposal.created",
                        format!("proposal:{}:{key}", viewer.login),
                        payload,
                        &viewer.login,
                        origin,
                        now,
                    )],
                    ..Commit::default()
                },
            )
            .await
            .map_err(conflict_as_field("idempotency_key"))?;
        let id = committed.events[0].0;
        self.proposal(org_id, viewer, id).await
    }

    /// Every proposal of the ODF, newest first (at most MAX_PROPOSALS).
    pub async fn proposals(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
    ) -> Result<Vec<Proposal>, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        let mut all = self.fold_proposals(org_id).await?;
        all.reverse();
        all.truncate(MAX_PROPOSALS);
        Ok(all)
    }

    /// One proposal; NotFound for an id of another ODF or none.
    pub async fn proposal(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        id: i64,
    ) -> Result<Proposal, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        self.fold_proposals(org_id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(AccessError::NotFound)
    }

    /// R-GOV-1: a board member's vote on an open proposal. Voting twice the same way is a
    /// no-op; changing a cast vote is refused (history is not edited).
    pub async fn vote(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        proposal_id: i64,
        vote: VoteChoice,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<Proposal, AccessError> {
        viewer.check(org_id, Action::Vote)?;
        let member_id = viewer
            .roles_in(org_id)
            .find(|g| g.role == super::OrgRole::Board)
            .and_then(|g| g.member_id)
            .ok_or(AccessError::Forbidden {
                rule: "R-GOV-1",
                action: "Vote".into(),
            })?;
        let proposal = self.proposal(org_id, viewer, proposal_id).await?;
        if proposal.state != ProposalState::Open {
            return Err(FieldError::new("proposal_id", "the vote is closed").into());
        }
        let payload = json(&Voted {
            proposal_id,
            member_id,
            vote,
        })?;
        self.store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        STREAM,
                        "proposal.voted",
                        format!("proposal:{proposal_id}:vote:{member_id}"),
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
                    "vote",
                    "this board member has already voted",
                )),
                other => other.into(),
            })?;
        self.proposal(org_id, viewer, proposal_id).await
    }

    /// A comment on a proposal (R-GOV-1: support committee, donors and advisers may comment).
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
    ) -> Result<Proposal, AccessError> {
        viewer.check(org_id, Action::Comment)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(FieldError::new("text", "must have 1 to 1000 characters").into());
        }
        check_key(key)?;
        self.proposal(org_id, viewer, proposal_id).await?;
        let payload = json(&Commented {
            proposal_id,
            text: text.to_string(),
        })?;
        self.store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        STREAM,
                        "proposal.commented",
                        format!("proposal:{proposal_id}:comment:{}:{key}", viewer.login),
                        payload,
                        &viewer.login,
                        origin,
                        now,
                    )],
                    ..Commit::default()
                },
            )
            .await
            .map_err(conflict_as_field("idempotency_key"))?;
        self.proposal(org_id, viewer, proposal_id).await
    }

    /// Records that a proposal was decided by the board decision `decision_id`.
    #[allow(dead_code, clippy::too_many_arguments)] // used once `governance` lands
    pub(crate) async fn record_proposal_closed(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        proposal_id: i64,
        approved: bool,
        decision_id: i64,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        let payload = json(&Closed {
            proposal_id,
            approved,
            decision_id,
        })?;
        self.store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        STREAM,
                        "proposal.closed",
                        format!("proposal:{proposal_id}:closed"),
                        payload,
                        &viewer.login,
                        origin,
                        now,
                    )],
                    ..Commit::default()
                },
            )
            .await?;
        Ok(())
    }

    async fn fold_proposals(&self, org_id: OrgId) -> Result<Vec<Proposal>, AppError> {
        let mut page = Page::first(store::MAX_PAGE);
        let mut proposals: Vec<Proposal> = Vec::new();
        loop {
            let events = self.store().events(org_id, Some(STREAM), page).await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            for e in &events {
                let ev = &e.event;
                match ev.kind.as_str() {
                    "proposal.created" => {
                        let c: Created = parse(&ev.payload)?;
                        proposals.push(Proposal {
                            id: e.seq,
                            kind: c.kind,
                            subject: c.subject,
                            purpose: c.purpose,
                            amount_minor: c.amount_minor,
                            proposed_by: c.proposed_by,
                            proposed_at: ev.recorded_at,
                            comments: Vec::new(),
                            votes: BTreeMap::new(),
                            state: ProposalState::Open,
                        });
                    }
                    "proposal.voted" => {
                        let v: Voted = parse(&ev.payload)?;
                        if let Some(p) = proposals.iter_mut().find(|p| p.id == v.proposal_id) {
                            p.votes
                                .entry(v.member_id)
                                .or_insert((v.vote, ev.actor.clone()));
                        }
                    }
                    "proposal.commented" => {
                        let c: Commented = parse(&ev.payload)?;
                        if let Some(p) = proposals.iter_mut().find(|p| p.id == c.proposal_id) {
                            p.comments.push(Comment {
                                by: ev.actor.clone(),
                                text: c.text,
                                at: ev.recorded_at,
                            });
                        }
                    }
                    "proposal.closed" => {
                        let c: Closed = parse(&ev.payload)?;
                        if let Some(p) = proposals.iter_mut().find(|p| p.id == c.proposal_id) {
                            p.state = ProposalState::Decided {
                                approved: c.approved,
                                decision_id: c.decision_id,
                            };
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(proposals)
    }
}

fn conflict_as_field(field: &'static str) -> impl Fn(StoreError) -> AccessError {
    move |e| match e {
        StoreError::Conflict { .. } => AccessError::from(FieldError::new(
            field,
            "was already used for a different request",
        )),
        other => other.into(),
    }
}
