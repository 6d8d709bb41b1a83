//! Board decisions as pure functions (PROGRAMME.md R-GOV-1, R-GOV-2).
//!
//! A decision of the group is taken by its board, by vote on a proposal. This crate holds:
//! - [`ProposalKind`], [`Proposal`] and its [`ProposalStatus`];
//! - [`Vote`], [`Ballot`] and [`cast`]: who may vote (only a board seat held on the day, R-GOV-1;
//!   support committee, donors, lenders and advisers never), once per proposal, while it is open;
//! - [`GovernanceSettings`] (quorum and majority, R-GOV-2, with the programme's defaults) and
//!   [`tally`] / [`close`], which turn ballots into a [`Decision`];
//! - [`Minutes`]: a meeting's decision recorded with every vote at once (the paper minutes a
//!   board already keeps), checked by the same rules.
//!
//! What it does not know: storage, clocks (`today` is an argument), who a signed-in user is
//! (the app maps a user to the role assignments it holds) and what a decision authorises
//! (the Fund, credit and trade rules read [`Decision`] and check amounts themselves).

pub mod settings;

use chrono::NaiveDate;
use registry::{Role, RoleAssignment};
use serde::{Deserialize, Serialize};

/// What a proposal asks the board to decide (R-GOV-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// Approve an expenditure (e.g. from the Competition Sub-Fund, R-FUND-3).
    Expenditure,
    /// Approve a loan (R-CRED-3).
    Loan,
    /// Approve a lease (R-LEASE-1).
    Lease,
    /// Approve the criteria for individual Development Sub-Fund withdrawals (R-FUND-4).
    WithdrawalCriteria,
    /// Issue a notice of non-fulfilment (R-FUND-6).
    NonFulfilmentNotice,
    /// Elect or remove a Director General.
    Election,
    /// Change one of the group's settings from a date ([`settings::SettingProposal`]).
    SettingChange,
}

impl ProposalKind {
    pub const ALL: [ProposalKind; 7] = [
        ProposalKind::Expenditure,
        ProposalKind::Loan,
        ProposalKind::Lease,
        ProposalKind::WithdrawalCriteria,
        ProposalKind::NonFulfilmentNotice,
        ProposalKind::Election,
        ProposalKind::SettingChange,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalKind::Expenditure => "expenditure",
            ProposalKind::Loan => "loan",
            ProposalKind::Lease => "lease",
            ProposalKind::WithdrawalCriteria => "withdrawal_criteria",
            ProposalKind::NonFulfilmentNotice => "non_fulfilment_notice",
            ProposalKind::Election => "election",
            ProposalKind::SettingChange => "setting_change",
        }
    }

    pub fn parse(text: &str) -> Result<Self, GovernanceError> {
        ProposalKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                GovernanceError::new(
                    "R-GOV-2",
                    "kind",
                    format!(
                        "'{text}' is not a kind of proposal (expenditure, loan, lease, \
                         withdrawal_criteria, non_fulfilment_notice, election, setting_change)"
                    ),
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    For,
    Against,
    Abstain,
}

impl Vote {
    pub fn as_str(&self) -> &'static str {
        match self {
            Vote::For => "for",
            Vote::Against => "against",
            Vote::Abstain => "abstain",
        }
    }

    pub fn parse(text: &str) -> Result<Self, GovernanceError> {
        match text {
            "for" | "a_favor" => Ok(Vote::For),
            "against" | "en_contra" => Ok(Vote::Against),
            "abstain" | "abstencion" => Ok(Vote::Abstain),
            _ => Err(GovernanceError::new(
                "R-GOV-2",
                "vote",
                format!("'{text}' is not a vote (for, against, abstain)"),
            )),
        }
    }
}

/// A refusal naming the rule and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule} {field}: {message}")]
pub struct GovernanceError {
    pub rule: &'static str,
    pub field: &'static str,
    pub message: String,
}

impl GovernanceError {
    pub fn new(rule: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        GovernanceError {
            rule,
            field,
            message: message.into(),
        }
    }
}

/// A fraction `numerator / denominator`, for quorum and majority thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraction {
    pub numerator: u32,
    pub denominator: u32,
}

impl Fraction {
    pub const HALF: Fraction = Fraction {
        numerator: 1,
        denominator: 2,
    };
    pub const TWO_THIRDS: Fraction = Fraction {
        numerator: 2,
        denominator: 3,
    };

    /// `count > self × of`, exactly, in integers.
    fn exceeded_by(&self, count: u64, of: u64) -> bool {
        count * u64::from(self.denominator) > u64::from(self.numerator) * of
    }

    /// `count >= self × of`, exactly, in integers.
    fn reached_by(&self, count: u64, of: u64) -> bool {
        count * u64::from(self.denominator) >= u64::from(self.numerator) * of
    }
}

/// How a majority is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Majority {
    /// More votes for than half of the votes cast for or against (abstentions count for the
    /// quorum, not for the majority). The programme's default.
    Simple,
    /// At least this fraction of the votes cast for or against.
    Qualified(Fraction),
}

/// R-GOV-2 settings, per organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceSettings {
    /// Quorum: strictly more than this fraction of the board's seats must vote (abstaining
    /// counts as present). Default: more than half.
    pub quorum_more_than: Fraction,
    pub majority: Majority,
}

impl Default for GovernanceSettings {
    fn default() -> Self {
        GovernanceSettings {
            quorum_more_than: Fraction::HALF,
            majority: Majority::Simple,
        }
    }
}

impl GovernanceSettings {
    pub fn check(&self) -> Result<(), GovernanceError> {
        let ok = |f: &Fraction| f.denominator > 0 && f.numerator <= f.denominator;
        if !ok(&self.quorum_more_than)
            || self.quorum_more_than.numerator == self.quorum_more_than.denominator
        {
            return Err(GovernanceError::new(
                "R-GOV-2",
                "quorum",
                "the quorum must be a fraction below one (more than that share of seats votes)",
            ));
        }
        if let Majority::Qualified(f) = &self.majority {
            if !ok(f) || f.numerator == 0 {
                return Err(GovernanceError::new(
                    "R-GOV-2",
                    "majority",
                    "a qualified majority must be a fraction above zero and at most one",
                ));
            }
        }
        Ok(())
    }
}

/// The board seats held on `on`: role assignments of [`Role::BoardMember`] in force that day.
/// Their ids are the voters' ids.
pub fn board_seats(roles: &[RoleAssignment], on: NaiveDate) -> Vec<&RoleAssignment> {
    roles
        .iter()
        .filter(|r| r.role.may_vote() && r.from <= on && r.until.is_none_or(|until| on < until))
        .collect()
}

/// R-GOV-1: the seat `voter` may vote on `on` only if it is a board seat in force that day.
/// Anyone else — support committee, specialised committees, staff, donors, lenders, advisers,
/// supervisors — is refused, whatever they gave.
pub fn check_voter(
    roles: &[RoleAssignment],
    voter: i64,
    on: NaiveDate,
) -> Result<(), GovernanceError> {
    if board_seats(roles, on).iter().any(|seat| seat.id == voter) {
        return Ok(());
    }
    let held = roles.iter().find(|r| r.id == voter).map(|r| &r.role);
    let message = match held {
        Some(Role::BoardMember) => format!("seat {voter} is not in force on {on}"),
        Some(role) => format!(
            "role '{}' may propose and comment but never vote; only the board votes",
            role.to_key()
        ),
        None => format!("{voter} holds no role in this organisation; only the board votes"),
    };
    Err(GovernanceError::new("R-GOV-1", "voter", message))
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ProposalStatus {
    Open,
    Approved { on: NaiveDate },
    Rejected { on: NaiveDate },
}

/// A proposal to the board. Anyone with a role may propose (R-GOV-1 lets the support committee
/// and advisers propose); only the board decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: i64,
    pub kind: ProposalKind,
    /// What the decision is about, as the rule that will act on it names it (`loan:7`).
    pub subject: String,
    pub purpose: String,
    /// The most the decision authorises, in minor units (0 when no money is involved).
    pub amount_minor: i64,
    /// Who proposed it (a user login or a person's name).
    pub proposed_by: String,
    pub proposed_on: NaiveDate,
    pub status: ProposalStatus,
}

/// The fields a new proposal needs, checked by [`propose`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProposal {
    pub kind: ProposalKind,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
}

/// Largest subject or purpose text, in bytes.
pub const MAX_TEXT_BYTES: usize = 2_000;

/// Checks a new proposal and gives it its id and date.
pub fn propose(
    id: i64,
    new: NewProposal,
    proposed_by: &str,
    today: NaiveDate,
) -> Result<Proposal, GovernanceError> {
    if new.purpose.trim().is_empty() {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "purpose",
            "say what the board is asked to decide",
        ));
    }
    if new.subject.len() > MAX_TEXT_BYTES || new.purpose.len() > MAX_TEXT_BYTES {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "purpose",
            format!("subject and purpose are limited to {MAX_TEXT_BYTES} bytes"),
        ));
    }
    if new.amount_minor < 0 {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "amount",
            "the amount must not be negative",
        ));
    }
    if new.kind == ProposalKind::SettingChange {
        settings::SettingProposal::from_subject(&new.subject)?;
    }
    Ok(Proposal {
        id,
        kind: new.kind,
        subject: new.subject,
        purpose: new.purpose,
        amount_minor: new.amount_minor,
        proposed_by: proposed_by.to_string(),
        proposed_on: today,
        status: ProposalStatus::Open,
    })
}

/// One vote on one proposal by one board seat (a role assignment id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    pub proposal_id: i64,
    pub seat: i64,
    /// The name on the seat, kept so the record reads without a join.
    pub voter_name: String,
    pub vote: Vote,
    pub cast_on: NaiveDate,
}

/// R-GOV-1 and R-GOV-2: a board seat votes once on an open proposal, on or after the day it
/// was proposed.
pub fn cast(
    proposal: &Proposal,
    ballots: &[Ballot],
    roles: &[RoleAssignment],
    seat: i64,
    vote: Vote,
    today: NaiveDate,
) -> Result<Ballot, GovernanceError> {
    if proposal.status != ProposalStatus::Open {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "proposal",
            format!("proposal {} is already decided", proposal.id),
        ));
    }
    if today < proposal.proposed_on {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "date",
            "a vote cannot come before the proposal",
        ));
    }
    check_voter(roles, seat, today)?;
    if ballots.iter().any(|b| b.seat == seat) {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "voter",
            format!("seat {seat} has already voted on proposal {}", proposal.id),
        ));
    }
    let voter_name = roles
        .iter()
        .find(|r| r.id == seat)
        .map(|r| r.person_name.clone())
        .unwrap_or_default();
    Ok(Ballot {
        proposal_id: proposal.id,
        seat,
        voter_name,
        vote,
        cast_on: today,
    })
}

/// The count of a proposal's ballots against the board's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub seats: u32,
    pub for_votes: u32,
    pub against_votes: u32,
    pub abstentions: u32,
    pub quorum_met: bool,
    pub majority_for: bool,
}

impl Tally {
    /// Carried: quorum met and a majority for.
    pub fn carried(&self) -> bool {
        self.quorum_met && self.majority_for
    }
}

/// Counts ballots under the settings (R-GOV-2).
pub fn tally(settings: &GovernanceSettings, seats: u32, ballots: &[Ballot]) -> Tally {
    let count = |v: Vote| ballots.iter().filter(|b| b.vote == v).count() as u32;
    let (for_votes, against_votes, abstentions) =
        (count(Vote::For), count(Vote::Against), count(Vote::Abstain));
    let present = u64::from(for_votes + against_votes + abstentions);
    let quorum_met = seats > 0
        && settings
            .quorum_more_than
            .exceeded_by(present, u64::from(seats));
    let cast = u64::from(for_votes + against_votes);
    let majority_for = match settings.majority {
        Majority::Simple => for_votes > against_votes,
        Majority::Qualified(f) => cast > 0 && f.reached_by(u64::from(for_votes), cast),
    };
    Tally {
        seats,
        for_votes,
        against_votes,
        abstentions,
        quorum_met,
        majority_for,
    }
}

/// What the board decided, with who voted what and when (R-GOV-2). This is the value the Fund,
/// credit and trade rules require before they act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub proposal_id: i64,
    pub kind: ProposalKind,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
    pub approved: bool,
    pub decided_on: NaiveDate,
    pub tally: Tally,
    pub ballots: Vec<Ballot>,
}

/// Closes the vote on `today`: approved when the quorum is met and the majority is for, else
/// rejected. Closing without a quorum is refused: the board meets again instead.
pub fn close(
    settings: &GovernanceSettings,
    proposal: &Proposal,
    ballots: &[Ballot],
    seats: u32,
    today: NaiveDate,
) -> Result<Decision, GovernanceError> {
    settings.check()?;
    if proposal.status != ProposalStatus::Open {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "proposal",
            format!("proposal {} is already decided", proposal.id),
        ));
    }
    let counted = tally(settings, seats, ballots);
    if !counted.quorum_met {
        return Err(GovernanceError::new(
            "R-GOV-2",
            "quorum",
            format!(
                "{} of {} seats voted; the quorum is more than {}/{} of the board",
                ballots.len(),
                seats,
                settings.quorum_more_than.numerator,
                settings.quorum_more_than.denominator
            ),
        ));
    }
    Ok(Decision {
        proposal_id: proposal.id,
        kind: proposal.kind,
        subject: proposal.subject.clone(),
        purpose: proposal.purpose.clone(),
        amount_minor: proposal.amount_minor,
        approved: counted.carried(),
        decided_on: today,
        tally: counted,
        ballots: ballots.to_vec(),
    })
}

/// A meeting's decision with every vote at once (the board's minutes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minutes {
    pub kind: ProposalKind,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
    pub decided_on: NaiveDate,
    /// (board seat = role assignment id, vote).
    pub votes: Vec<(i64, Vote)>,
}

/// Records minutes as a proposal, its ballots and its decision, by the same rules as voting
/// one ballot at a time: every voter must hold a board seat on the day, once.
pub fn record_minutes(
    settings: &GovernanceSettings,
    id: i64,
    minutes: Minutes,
    recorded_by: &str,
    roles: &[RoleAssignment],
) -> Result<(Proposal, Decision), GovernanceError> {
    let on = minutes.decided_on;
    let proposal = propose(
        id,
        NewProposal {
            kind: minutes.kind,
            subject: minutes.subject,
            purpose: minutes.purpose,
            amount_minor: minutes.amount_minor,
        },
        recorded_by,
        on,
    )?;
    let mut ballots = Vec::with_capacity(minutes.votes.len());
    for (seat, vote) in minutes.votes {
        let ballot = cast(&proposal, &ballots, roles, seat, vote, on)?;
        ballots.push(ballot);
    }
    let seats = board_seats(roles, on).len() as u32;
    let decision = close(settings, &proposal, &ballots, seats, on)?;
    let mut decided = proposal;
    decided.status = if decision.approved {
        ProposalStatus::Approved { on }
    } else {
        ProposalStatus::Rejected { on }
    };
    Ok((decided, decision))
}

#[cfg(test)]
mod tests;
