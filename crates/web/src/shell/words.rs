//! Words every chapter uses for the same things (issue 17: moved out of the chapters that
//! called each other for them): a role in the ODF as people say it.

use crate::shell::Tr;
use app::access_cases::OrgRole;

/// A role in the ODF in the page's language (`Personal de la ODF`, `Consejo directivo`, ...).
pub(crate) fn role_label(t: Tr, role: OrgRole) -> &'static str {
    match role {
        OrgRole::Staff => t.get("role.staff"),
        OrgRole::Board => t.get("role.board"),
        OrgRole::Member => t.get("role.member"),
        OrgRole::SupportCommittee => t.get("role.support_committee"),
        OrgRole::Donor => t.get("role.donor"),
        OrgRole::Adviser => t.get("role.adviser"),
    }
}
