//! A member's contact (issue 19): the e-mail address the SMTP transport sends their
//! notifications to (R-INFO-1) and a mobile number for a later SMS transport.
//!
//! What the registry lets change at any time, kept in the log and never edited: each change is
//! one `member.contact` event (stream `contacts`) naming the member by CURP (the one thing about
//! them that never changes, and known before a member added by a form or a file has an id, so
//! the contact is written in the SAME commit as the member) with the contact as it is from then
//! on; the member's contact is the last one. An import writes one for each row with a contact
//! (key `contact:{curp}:import:{hash of the contact}`: the same file again writes nothing, and
//! does not undo a later change); a change writes one more (key `contact:{curp}:{n}`, n the
//! member's contact events before it) and nothing when nothing changed.

use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use registry::{Contact, NewMember};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{Commit, MemberId, NewEvent, OrgId};

/// The stream of contact changes.
pub const STREAM: &str = "contacts";

/// The payload of `member.contact`: the member's contact from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ContactSet {
    curp: String,
    /// Known when the member was registered before (the log shows their name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member_id: Option<MemberId>,
    email: Option<String>,
    mobile: Option<String>,
}

impl ContactSet {
    fn contact(&self) -> Contact {
        Contact {
            email: self.email.clone(),
            mobile: self.mobile.clone(),
        }
    }
}

/// The `member.contact` events of an import: one per row with a contact.
pub(crate) fn import_contact_events(
    rows: &[(NewMember, Contact)],
    actor: &Actor,
) -> Result<Vec<NewEvent>, AppError> {
    rows.iter()
        .filter(|(_, c)| !c.is_empty())
        .map(|(m, c)| {
            let hash = fund::content_hash(&format!(
                "{}\u{1f}{}",
                c.email.as_deref().unwrap_or(""),
                c.mobile.as_deref().unwrap_or("")
            ));
            event(
                actor,
                STREAM,
                "member.contact",
                format!("contact:{}:import:{hash:016x}", m.curp.as_str()),
                &ContactSet {
                    curp: m.curp.as_str().to_string(),
                    member_id: None,
                    email: c.email.clone(),
                    mobile: c.mobile.clone(),
                },
            )
        })
        .collect()
}

impl App {
    /// Every contact set in the ODF, by CURP: (the contact now, how many changes made it).
    async fn contacts_by_curp(
        &self,
        org_id: OrgId,
    ) -> Result<BTreeMap<String, (Contact, usize)>, AppError> {
        let mut out: BTreeMap<String, (Contact, usize)> = BTreeMap::new();
        for e in read_stream(&**self.store(), org_id, STREAM).await? {
            if e.event.kind != "member.contact" {
                continue;
            }
            let set: ContactSet = payload(&e)?;
            let entry = out.entry(set.curp.clone()).or_default();
            entry.0 = set.contact();
            entry.1 += 1;
        }
        Ok(out)
    }

    /// Issue 19: a member's contact (empty when none was ever given).
    pub async fn member_contact(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Contact, AppError> {
        let member = self.store().member(org_id, member_id).await?;
        Ok(self
            .contacts_by_curp(org_id)
            .await?
            .remove(member.data.curp.as_str())
            .map(|(c, _)| c)
            .unwrap_or_default())
    }

    /// Issue 19: the contacts of the ODF's members, by member id (members without one left
    /// out).
    pub async fn member_contacts(
        &self,
        org_id: OrgId,
    ) -> Result<BTreeMap<MemberId, Contact>, AppError> {
        let mut by_curp = self.contacts_by_curp(org_id).await?;
        if by_curp.is_empty() {
            return Ok(BTreeMap::new());
        }
        let members = self.support_members(org_id).await?;
        Ok(members
            .values()
            .filter_map(|m| by_curp.remove(m.data.curp.as_str()).map(|(c, _)| (m.id, c)))
            .collect())
    }

    /// The event that changes a member's contact to `contact`, or `None` when it is that
    /// already.
    pub(crate) async fn contact_change(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        curp: &str,
        contact: &Contact,
        actor: &Actor,
    ) -> Result<Option<NewEvent>, AppError> {
        let (now, n) = self
            .contacts_by_curp(org_id)
            .await?
            .remove(curp)
            .unwrap_or_default();
        if now == *contact {
            return Ok(None);
        }
        Ok(Some(event(
            actor,
            STREAM,
            "member.contact",
            format!("contact:{curp}:{n}"),
            &ContactSet {
                curp: curp.to_string(),
                member_id: Some(member_id),
                email: contact.email.clone(),
                mobile: contact.mobile.clone(),
            },
        )?))
    }

    /// Issue 19: changes a member's contact (checked by [`Contact::parse`] before it comes
    /// here), as one `member.contact` event; the same contact again writes nothing. Answers the
    /// contact now.
    pub async fn set_member_contact(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        contact: &Contact,
        actor: &Actor,
    ) -> Result<Contact, AppError> {
        retrying!("set_member_contact", {
            let member = self.store().member(org_id, member_id).await?;
            if let Some(e) = self
                .contact_change(org_id, member_id, member.data.curp.as_str(), contact, actor)
                .await?
            {
                let commit = Commit {
                    events: vec![e],
                    ..Commit::default()
                };
                self.store().commit(org_id, &commit).await?;
            }
            Ok(contact.clone())
        })
    }
}
