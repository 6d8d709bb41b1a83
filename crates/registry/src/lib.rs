//! The registry of people and organisations (PROGRAMME.md, "Who is who", R-ORG-1..6).
//!
//! Pure: validated newtypes (`Curp::parse`, `Rfc::parse`), member records, the Letter of
//! Commitment, roles and committees, derived target programmes. No IO.

pub mod contact;
pub mod curp;
pub mod import;
pub mod member;
pub mod role;
pub mod text;

pub use contact::Contact;
pub use curp::{Curp, Rfc};
pub use member::{
    LetterOfCommitment, Member, MemberEdit, NewMember, Profile, Sex, TargetProgramme,
    TargetSettings, UNDERTAKINGS,
};
pub use role::{Committee, NewRoleAssignment, Role, RoleAssignment};
pub use text::{check_text, fold_for_search};

/// A field that failed validation, named as the user typed it (CSV column or form field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}
