//! Board decisions (R-GOV-1, R-GOV-2) on the event log: proposals, ballots, closing a vote,
//! minutes, and reading a decision — which the Fund, credit and trade use cases require before
//! they act.
//!
//! Events, all in stream `proposals`: `proposal.opened` (a [`Proposal`]), `ballot.cast` (a
//! [`Ballot`]) and `proposal.decided` (a [`Decision`]), keyed `proposal:{id}:...` so replays are
//! no-ops. Quorum and majority are the settings in force on the day of the vote
//! (`settings_cases`); an approved `setting_change` proposal records its change in the same
//! commit as the decision.

use crate::events::{event, payload, read_stream, Actor};
use crate::settings_cases::{governance_settings_from, setting_change_event};
use crate::{App, AppError};
use chrono::NaiveDate;
use governance::{
    Ballot, Decision, GovernanceError, Minutes, NewProposal, Proposal, ProposalStatus, Tally, Vote,
};
use store::{Commit, NewEvent, OrgId, StoreError};

const STREAM: &str = "proposals";

impl From<GovernanceError> for AppError {
    fn from(e: GovernanceError) -> Self {
        AppError::Rule {
            rule: e.rule,
            field: e.field.to_string(),
            message: e.message,
        }
    }
}

/// A proposal with its ballots and, once decided, its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRecord {
    pub proposal: Proposal,
    pub ballots: Vec<Ballot>,
    pub decision: Option<Decision>,
}

/// The stream of a proposal's slots (not folded: a slot only makes concurrent writers on one
/// proposal collide, ARCHITECTURE.md "slots").
const SLOTS: &str = "proposal-slots";

/// The slot a ballot or the decision on a proposal claims: how many ballots its writer read.
/// A vote and the close of the vote, or two votes, that read the same ballots claim the same
/// key: the second reads again (`retrying!`), so a vote is never recorded after the
/// decision that did not count it.
fn proposal_slot(
    actor: &Actor,
    record: &ProposalRecord,
    act_key: &str,
) -> Result<NewEvent, AppError> {
    event(
        actor,
        SLOTS,
        "proposal.slot",
        format!(
            "proposal:{}:slot:{}",
            record.proposal.id,
            record.ballots.len()
        ),
        &act_key,
    )
}

impl App {
    /// Every proposal of the organisation, oldest first, with ballots and decisions.
    pub async fn proposals(&self, org_id: OrgId) -> Result<Vec<ProposalRecord>, AppError> {
        let mut records: Vec<ProposalRecord> = Vec::new();
        for stored in read_stream(&**self.store(), org_id, STREAM).await? {
            match stored.event.kind.as_str() {
                "proposal.opened" => records.push(ProposalRecord {
                    proposal: payload(&stored)?,
                    ballots: Vec::new(),
                    decision: None,
                }),
                "ballot.cast" => {
                    let ballot: Ballot = payload(&stored)?;
                    record_of(&mut records, ballot.proposal_id)?
                        .ballots
                        .push(ballot);
                }
                "proposal.decided" => {
                    let decision: Decision = payload(&stored)?;
                    let record = record_of(&mut records, decision.proposal_id)?;
                    record.proposal.status = if decision.approved {
                        ProposalStatus::Approved {
                            on: decision.decided_on,
                        }
                    } else {
                        ProposalStatus::Rejected {
                            on: decision.decided_on,
                        }
                    };
                    record.decision = Some(decision);
                }
                other => {
                    return Err(AppError::Integrity(format!(
                        "stream {STREAM}: unknown event kind {other}"
                    )))
                }
            }
        }
        Ok(records)
    }

    /// One proposal; another organisation's id answers like a missing one.
    pub async fn proposal(
        &self,
        org_id: OrgId,
        proposal_id: i64,
    ) -> Result<ProposalRecord, AppError> {
        self.proposals(org_id)
            .await?
            .into_iter()
            .find(|r| r.proposal.id == proposal_id)
            .ok_or_else(|| StoreError::not_found(format!("proposal {proposal_id}")).into())
    }

    /// The board's decision on a proposal, approved or not. A proposal still open is refused
    /// naming R-GOV-2: no rule may act before the board has decided.
    pub async fn decision(&self, org_id: OrgId, proposal_id: i64) -> Result<Decision, AppError> {
        let record = self.proposal(org_id, proposal_id).await?;
        record.decision.ok_or_else(|| {
            GovernanceError::new(
                "R-GOV-2",
                "decision_id",
                format!("proposal {proposal_id} has not been decided by the board"),
            )
            .into()
        })
    }

    /// Opens a proposal. Anyone with a role may propose (R-GOV-1); only the board decides.
    pub async fn propose(
        &self,
        org_id: OrgId,
        actor: &Actor,
        new: NewProposal,
        today: NaiveDate,
    ) -> Result<Proposal, AppError> {
        self.store().org(org_id).await?;
        // The id is the count of proposals read: another writer that took it first makes this
        // one read again and take the next (`retrying!`).
        retrying!("propose", {
            let id = self.proposals(org_id).await?.len() as i64 + 1;
            let proposal = governance::propose(id, new.clone(), &actor.name, today)?;
            let commit = Commit {
                events: vec![event(
                    actor,
                    STREAM,
                    "proposal.opened",
                    format!("proposal:{id}:opened"),
                    &proposal,
                )?],
                ..Commit::default()
            };
            self.store().commit(org_id, &commit).await?;
            Ok(proposal)
        })
    }

    /// A board seat votes (R-GOV-1 checked against the roles in force today). Answers the
    /// ballot and the tally so far.
    pub async fn cast_vote(
        &self,
        org_id: OrgId,
        actor: &Actor,
        proposal_id: i64,
        seat: i64,
        vote: Vote,
        today: NaiveDate,
    ) -> Result<(Ballot, Tally), AppError> {
        retrying!("cast_vote", {
            let record = self.proposal(org_id, proposal_id).await?;
            let roles = self.store().roles(org_id).await?;
            let ballot =
                governance::cast(&record.proposal, &record.ballots, &roles, seat, vote, today)?;
            let key = format!("proposal:{proposal_id}:ballot:{seat}");
            let commit = Commit {
                events: vec![
                    event(actor, STREAM, "ballot.cast", key.clone(), &ballot)?,
                    proposal_slot(actor, &record, &key)?,
                ],
                ..Commit::default()
            };
            self.store().commit(org_id, &commit).await?;
            let mut ballots = record.ballots;
            ballots.push(ballot.clone());
            let seats = governance::board_seats(&roles, today).len() as u32;
            let settings = self.governance_settings_on(org_id, today).await?;
            Ok((ballot, governance::tally(&settings, seats, &ballots)))
        })
    }

    /// Closes the vote: the decision, approved or rejected, with who voted what (R-GOV-2).
    pub async fn close_vote(
        &self,
        org_id: OrgId,
        actor: &Actor,
        proposal_id: i64,
        today: NaiveDate,
    ) -> Result<Decision, AppError> {
        retrying!("close_vote", {
            let record = self.proposal(org_id, proposal_id).await?;
            let roles = self.store().roles(org_id).await?;
            let seats = governance::board_seats(&roles, today).len() as u32;
            let settings = self.governance_settings_on(org_id, today).await?;
            let decision =
                governance::close(&settings, &record.proposal, &record.ballots, seats, today)?;
            let key = format!("proposal:{proposal_id}:decided");
            let mut events = vec![
                event(actor, STREAM, "proposal.decided", key.clone(), &decision)?,
                proposal_slot(actor, &record, &key)?,
            ];
            events.extend(setting_change_event(actor, &record.proposal, &decision)?);
            let commit = Commit {
                events,
                ..Commit::default()
            };
            self.store().commit(org_id, &commit).await?;
            Ok(decision)
        })
    }

    /// Records a board meeting's minutes: the proposal, every ballot and the decision, checked
    /// by the same rules as voting one ballot at a time, in one commit.
    pub async fn record_board_decision(
        &self,
        org_id: OrgId,
        actor: &Actor,
        minutes: Minutes,
    ) -> Result<Decision, AppError> {
        self.store().org(org_id).await?;
        let roles = self.store().roles(org_id).await?;
        let settings = self
            .governance_settings_on(org_id, minutes.decided_on)
            .await?;
        retrying!("record_board_decision", {
            let id = self.proposals(org_id).await?.len() as i64 + 1;
            let (proposal, decision) =
                governance::record_minutes(&settings, id, minutes.clone(), &actor.name, &roles)?;
            let events = minutes_events(actor, &proposal, &decision)?;
            let commit = Commit {
                events,
                ..Commit::default()
            };
            self.store().commit(org_id, &commit).await?;
            Ok(decision)
        })
    }
}

impl App {
    /// [`App::record_board_decision`] for many minutes at once (demo and benchmark loading, at
    /// most 100,000): roles, settings and proposals read once, ids numbered in order, committed
    /// in chunks. Minutes whose subject already has a decision answer that decision (so a
    /// load killed part-way and run again ends the same). Returns one decision per minutes.
    pub async fn record_board_decisions_bulk(
        &self,
        org_id: OrgId,
        actor: &Actor,
        minutes: Vec<Minutes>,
    ) -> Result<Vec<Decision>, AppError> {
        if minutes.len() > 100_000 {
            return Err(registry::FieldError::new("minutes", "at most 100,000 per call").into());
        }
        self.store().org(org_id).await?;
        let roles = self.store().roles(org_id).await?;
        let history = self.settings_history(org_id).await?;
        let records = self.proposals(org_id).await?;
        let mut next_id = records.len() as i64 + 1;
        let decided: std::collections::HashMap<String, Decision> = records
            .into_iter()
            .filter_map(|r| r.decision.map(|d| (r.proposal.subject, d)))
            .collect();
        let mut out = Vec::with_capacity(minutes.len());
        // Each minutes write an opening, a ballot per seat and a decision: chunks stay well
        // under the store's events per commit.
        let per_commit = (8_000 / (2 + roles.len())).max(1);
        for chunk in minutes.chunks(per_commit) {
            let mut events = Vec::new();
            for m in chunk {
                if let Some(d) = decided.get(&m.subject) {
                    out.push(d.clone());
                    continue;
                }
                let id = next_id;
                next_id += 1;
                let settings = governance_settings_from(&history, m.decided_on);
                let (proposal, decision) =
                    governance::record_minutes(&settings, id, m.clone(), &actor.name, &roles)?;
                events.extend(minutes_events(actor, &proposal, &decision)?);
                out.push(decision);
            }
            if !events.is_empty() {
                let commit = Commit {
                    events,
                    ..Commit::default()
                };
                self.store().commit(org_id, &commit).await?;
            }
        }
        Ok(out)
    }
}

fn record_of(records: &mut [ProposalRecord], id: i64) -> Result<&mut ProposalRecord, AppError> {
    records
        .iter_mut()
        .find(|r| r.proposal.id == id)
        .ok_or_else(|| {
            AppError::Integrity(format!("stream {STREAM}: event for unknown proposal {id}"))
        })
}

/// The events of a board meeting's minutes: the proposal as opened, every ballot, the decision.
fn minutes_events(
    actor: &Actor,
    proposal: &governance::Proposal,
    decision: &Decision,
) -> Result<Vec<NewEvent>, AppError> {
    let id = proposal.id;
    let mut opened = proposal.clone();
    opened.status = ProposalStatus::Open;
    let mut events = vec![event(
        actor,
        STREAM,
        "proposal.opened",
        format!("proposal:{id}:opened"),
        &opened,
    )?];
    for ballot in &decision.ballots {
        events.push(event(
            actor,
            STREAM,
            "ballot.cast",
            format!("proposal:{id}:ballot:{}", ballot.seat),
            ballot,
        )?);
    }
    events.push(event(
        actor,
        STREAM,
        "proposal.decided",
        format!("proposal:{id}:decided"),
        decision,
    )?);
    events.extend(setting_change_event(actor, proposal, decision)?);
    Ok(events)
}
