//! Who may do what (R-ORG-5, R-SUP-1, R-GOV-1): users, roles per ODF, sessions, and the
//! authorised way into the board's proposals and votes (`governance_cases`), all as domain
//! events.
//!
//! - Users live at programme level ([`store::PROGRAMME_ORG`]), stream `user:{login}`:
//!   `user.created` (login, name, argon2 hash, supervisor flag) and `user.granted` (one role in
//!   one ODF). A user's state is the fold of that stream.
//! - Sessions are events too (`session.created`, `session.revoked`) keyed by the SHA-256 of the
//!   token, so the token itself is never at rest; expiry is checked on every read.
//! - [`Viewer::may`] is the one authorisation table; every web handler and API route asks it,
//!   and a refusal names R-GOV-1. Supervisors read across ODFs and decide nothing for a group.
//!
//! Rate limiting of sign-in attempts is per process and lives in the web shell.

mod accounts;
mod idempotency;
mod orgs;
mod proposals;
mod sessions;
mod users;

pub use accounts::{
    check_new_password, is_common_password, AccountRow, IssuedCode, SessionRow,
    ACTIVATION_TTL_DAYS, MIN_PASSWORD_CHARS, SETUP_TTL_HOURS,
};
pub use idempotency::{Claim, IdempotencyOutcome, StoredResponse, CLAIM_TTL_SECONDS};
pub use orgs::{NewOrgRequest, OrgCreated};
pub use proposals::{Comment, ProposalForm, ProposalView, MAX_PROPOSALS};
pub use sessions::{NewSession, Session, SESSION_TTL_HOURS};
pub use users::{NewUser, User, DEMO_PASSWORD, DEMO_UNION_SLUG};

use crate::AppError;
use serde::{Deserialize, Serialize};
use store::{MemberId, OrgId, StoreError};

/// A role a person holds in one ODF (R-ORG-5), as far as access is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// The professionals the group hires: they run the ODF day to day.
    Staff,
    /// Elected board members: the only ones who vote (R-GOV-1).
    Board,
    /// A member sees their own data and the group's shared figures.
    Member,
    SupportCommittee,
    Donor,
    Adviser,
}

impl OrgRole {
    pub const ALL: [OrgRole; 6] = [
        OrgRole::Staff,
        OrgRole::Board,
        OrgRole::Member,
        OrgRole::SupportCommittee,
        OrgRole::Donor,
        OrgRole::Adviser,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            OrgRole::Staff => "staff",
            OrgRole::Board => "board",
            OrgRole::Member => "member",
            OrgRole::SupportCommittee => "support_committee",
            OrgRole::Donor => "donor",
            OrgRole::Adviser => "adviser",
        }
    }
    pub fn parse(text: &str) -> Result<Self, registry::FieldError> {
        OrgRole::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| registry::FieldError::new("role", format!("'{text}' is not a role")))
    }
}

/// One role of a user in one ODF. Member and board grants name the member they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub org_id: OrgId,
    pub role: OrgRole,
    pub member_id: Option<MemberId>,
}

/// What a person asks to do, in one ODF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The group's shared figures (trial balance, key figures, open proposals).
    ViewShared,
    /// The list of members.
    ViewMembers,
    /// One member's own data (statement, dues).
    ViewMember(MemberId),
    /// Add or import members, charge and record dues: staff run the ODF.
    ManageMembers,
    /// Put a proposal to the board (R-GOV-1: everyone in the group's circle may propose).
    Propose,
    /// Comment on a proposal.
    Comment,
    /// Vote on a proposal, or close the vote: the board only (R-GOV-1, R-GOV-2).
    Vote,
    /// The audit log: the board and supervisors.
    ViewAudit,
    /// Give members, board and committee members their accounts, and new activation codes
    /// (issue 16): staff.
    ManageAccounts,
}

impl Action {
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            Action::ViewShared | Action::ViewMembers | Action::ViewMember(_) | Action::ViewAudit
        )
    }
}

/// The person behind a request, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub login: String,
    pub display_name: String,
    /// R-SUP-1: a programme supervisor (the development bank).
    pub supervisor: bool,
    /// The programme administrator (issue 16): creates ODFs, names supervisors and each
    /// ODF's Director General; sees no ODF's data by that role alone.
    pub admin: bool,
    /// The only organisations this person may see at all, when limited: a demo user sees the
    /// demo organisations only (issue 16), whatever their role says.
    pub scope: Option<std::collections::BTreeSet<OrgId>>,
    pub grants: Vec<Grant>,
}

impl Viewer {
    fn in_scope(&self, org_id: OrgId) -> bool {
        self.scope.as_ref().is_none_or(|s| s.contains(&org_id))
    }

    /// The roles held in `org_id`.
    pub fn roles_in(&self, org_id: OrgId) -> impl Iterator<Item = &Grant> + '_ {
        self.grants.iter().filter(move |g| g.org_id == org_id)
    }

    pub fn has_role(&self, org_id: OrgId, role: OrgRole) -> bool {
        self.roles_in(org_id).any(|g| g.role == role)
    }

    /// The member this person is in `org_id`, if any.
    pub fn member_id_in(&self, org_id: OrgId) -> Option<MemberId> {
        self.roles_in(org_id).find_map(|g| g.member_id)
    }

    /// Whether the person may see anything of `org_id` at all. When not, the server answers as
    /// for an organisation that does not exist (R-ORG-1).
    pub fn sees_org(&self, org_id: OrgId) -> bool {
        self.in_scope(org_id) && (self.supervisor || self.roles_in(org_id).next().is_some())
    }

    /// The authorisation table (R-ORG-5, R-GOV-1, R-SUP-1).
    pub fn may(&self, org_id: OrgId, action: Action) -> bool {
        if !self.in_scope(org_id) {
            return false;
        }
        // Supervisors read everything across ODFs and decide nothing for a group (R-SUP-1).
        if self.supervisor && action.is_read() {
            return true;
        }
        let has = |role| self.has_role(org_id, role);
        match action {
            Action::ViewShared => self.roles_in(org_id).next().is_some(),
            Action::ViewMembers => has(OrgRole::Staff) || has(OrgRole::Board),
            Action::ManageMembers | Action::ManageAccounts => has(OrgRole::Staff),
            Action::ViewMember(id) => {
                has(OrgRole::Staff)
                    || has(OrgRole::Board)
                    || self
                        .roles_in(org_id)
                        .any(|g| g.role == OrgRole::Member && g.member_id == Some(id))
            }
            Action::Propose | Action::Comment => {
                has(OrgRole::Staff)
                    || has(OrgRole::Board)
                    || has(OrgRole::SupportCommittee)
                    || has(OrgRole::Donor)
                    || has(OrgRole::Adviser)
            }
            // R-GOV-1: only the board votes, and a vote is a board member's (a member id).
            Action::Vote => self
                .roles_in(org_id)
                .any(|g| g.role == OrgRole::Board && g.member_id.is_some()),
            Action::ViewAudit => has(OrgRole::Board),
        }
    }

    /// [`Viewer::may`] as a result: an org the person cannot see at all is NotFound (as a
    /// missing one), and so is a member who is not theirs (issue 15: the same 404 whether or
    /// not the member exists, so ids cannot be probed); another refused action inside it is
    /// [`AccessError::Forbidden`].
    pub fn check(&self, org_id: OrgId, action: Action) -> Result<(), AccessError> {
        if !self.sees_org(org_id) {
            return Err(AccessError::NotFound);
        }
        if self.may(org_id, action) {
            Ok(())
        } else if matches!(action, Action::ViewMember(_)) {
            Err(AccessError::NotFound)
        } else {
            Err(AccessError::Forbidden {
                rule: "R-GOV-1",
                action: format!("{action:?}"),
            })
        }
    }
}

/// Why an access use case refused.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No session, an expired or revoked one, or a wrong login or password (never says which).
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but the role does not allow it.
    #[error("{rule}: not allowed to {action}")]
    Forbidden { rule: &'static str, action: String },
    /// Missing, or of another organisation (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Same idempotency key, different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for AccessError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => AccessError::NotFound,
            other => AccessError::App(AppError::Store(other)),
        }
    }
}

impl From<registry::FieldError> for AccessError {
    fn from(e: registry::FieldError) -> Self {
        AccessError::App(AppError::Field(e))
    }
}

/// Lowercase hex of SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(data);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| AppError::Integrity(format!("random source: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(supervisor: bool, grants: &[(OrgId, OrgRole, Option<MemberId>)]) -> Viewer {
        Viewer {
            login: "x".into(),
            display_name: "X".into(),
            supervisor,
            admin: false,
            scope: None,
            grants: grants
                .iter()
                .map(|&(org_id, role, member_id)| Grant {
                    org_id,
                    role,
                    member_id,
                })
                .collect(),
        }
    }

    #[test]
    fn r_gov_1_only_board_members_vote_and_outsiders_never_do() {
        let board = viewer(false, &[(1, OrgRole::Board, Some(7))]);
        assert!(board.may(1, Action::Vote));
        assert!(!board.may(2, Action::Vote), "not in another ODF");
        for role in [
            OrgRole::Staff,
            OrgRole::Member,
            OrgRole::SupportCommittee,
            OrgRole::Donor,
            OrgRole::Adviser,
        ] {
            let v = viewer(false, &[(1, role, Some(3))]);
            assert!(!v.may(1, Action::Vote), "{role:?} must not vote");
        }
        // Support committee, donors and advisers propose and comment (R-GOV-1).
        for role in [OrgRole::SupportCommittee, OrgRole::Donor, OrgRole::Adviser] {
            let v = viewer(false, &[(1, role, None)]);
            assert!(v.may(1, Action::Propose) && v.may(1, Action::Comment));
            assert!(!v.may(1, Action::ManageMembers));
        }
    }

    #[test]
    fn r_sup_1_supervisors_read_everywhere_and_decide_nothing() {
        let s = viewer(true, &[]);
        for org in [1, 2, 99] {
            assert!(s.may(org, Action::ViewShared));
            assert!(s.may(org, Action::ViewMembers));
            assert!(s.may(org, Action::ViewAudit));
            for a in [
                Action::Vote,
                Action::Propose,
                Action::ManageMembers,
                Action::Comment,
            ] {
                assert!(!s.may(org, a), "{a:?}");
            }
        }
    }

    #[test]
    fn a_member_sees_only_their_own_data() {
        let m = viewer(false, &[(1, OrgRole::Member, Some(5))]);
        assert!(m.may(1, Action::ViewMember(5)));
        assert!(!m.may(1, Action::ViewMember(6)));
        assert!(!m.may(1, Action::ViewMembers));
        assert!(m.may(1, Action::ViewShared));
        assert!(!m.may(1, Action::ViewAudit));
        assert!(matches!(
            m.check(2, Action::ViewShared),
            Err(AccessError::NotFound)
        ));
        assert!(
            matches!(
                m.check(1, Action::ViewMember(6)),
                Err(AccessError::NotFound)
            ),
            "another member is NotFound, as a missing one (issue 15)"
        );
        assert!(matches!(
            m.check(1, Action::ViewMembers),
            Err(AccessError::Forbidden {
                rule: "R-GOV-1",
                ..
            })
        ));
    }

    #[test]
    fn staff_run_the_odf_but_do_not_vote_or_read_the_audit_log() {
        let s = viewer(false, &[(1, OrgRole::Staff, None)]);
        assert!(s.may(1, Action::ManageMembers));
        assert!(s.may(1, Action::ViewMember(42)));
        assert!(!s.may(1, Action::Vote));
        assert!(!s.may(1, Action::ViewAudit));
    }
}
