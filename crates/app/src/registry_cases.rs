//! Registry use cases (R-ORG-2..6): member import, leaving, roles, and union dues.

use crate::events::{event, Actor};
use crate::{App, AppError, FactDate};
use chrono::NaiveDate;
use ledger::Account;
use registry::{Member, MemberEdit, NewMember, NewRoleAssignment, RoleAssignment};
use serde::Serialize;
use store::{ImportOutcome, MemberId, NewEvent, OrgId};

/// The stream of role events (R-ORG-5).
pub const ROLES_STREAM: &str = "roles";
/// Most CURPs a `members.imported` event lists (about 21 bytes each in JSON, well under
/// `store::MAX_EVENT_PAYLOAD_BYTES`); a larger import lists the first ones and says so.
pub const MAX_LISTED_CURPS: usize = 1_000;

/// `member.left`: who left, when and why (R-ORG-2).
#[derive(Serialize)]
struct MemberLeft<'a> {
    member_id: MemberId,
    left_on: NaiveDate,
    reason: &'a str,
}

/// `member.edited` (issue 17): the fields that changed, with their values before and after
/// (R-ORG-2: history is the log; the registry row is the member as they are now).
#[derive(Serialize)]
struct MemberEdited {
    member_id: MemberId,
    changed: Vec<&'static str>,
    before: serde_json::Map<String, serde_json::Value>,
    after: serde_json::Map<String, serde_json::Value>,
}

/// The editable fields of a member as JSON values, by the names [`MemberEdit::changed_fields`]
/// gives, restricted to `fields`.
fn edit_values(m: &NewMember, fields: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut out = serde_json::Map::new();
    for &f in fields {
        let v = match f {
            "rfc" => m.rfc.as_ref().map_or(Value::Null, |r| r.as_str().into()),
            "given_names" => m.given_names.clone().into(),
            "surnames" => m.surnames.clone().into(),
            "municipality" => m.municipality.clone().into(),
            "state" => m.state.clone().into(),
            "trade" => m.trade.clone().into(),
            "household_size" => m.household_size.into(),
            "profile" => m.profile.as_str().into(),
            "programmes" => Value::Array(
                m.declared_programmes
                    .iter()
                    .map(|p| p.as_str().into())
                    .collect(),
            ),
            _ => continue,
        };
        out.insert(f.to_string(), v);
    }
    out
}

/// Most members a search reads (the store's import limit): an ODF's whole registry.
pub const MAX_SEARCH_SCAN: usize = 10_000;

/// A page of a member search (issue 17): the members of the page and how many matched.
#[derive(Debug, Clone)]
pub struct MemberSearch {
    pub members: Vec<Member>,
    /// Every member matching the search, not only this page's.
    pub total: usize,
    /// The page asked for was past the end, or the scan stopped at [`MAX_SEARCH_SCAN`].
    pub truncated: bool,
}

/// `members.imported`: which rows a file (or a demo chunk) held. `import` (the rows' hash)
/// names the import, so the audit log shows each one as new, not as a change of the last.
#[derive(Serialize)]
struct MembersImported<'a> {
    import: String,
    rows: usize,
    curps: Vec<&'a str>,
    /// True when `rows` exceeds the CURPs listed ([`MAX_LISTED_CURPS`]).
    truncated: bool,
}

/// `role.assigned` and `role.ended` (R-ORG-5). Both carry the assignment's content and its
/// content key `assignment` (with `member_id`, the audit log's identity fields), so the log
/// shows an ending as a change of the assignment it ends (`until` and its id), not as new.
#[derive(Serialize)]
struct RoleEvent<'a> {
    assignment: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignment_id: Option<i64>,
    role: String,
    person_name: &'a str,
    member_id: Option<MemberId>,
    from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<NaiveDate>,
}

/// Fields joined for `fund::content_hash`, each followed by a separator (0x1f), so "ab","c"
/// and "a","bc" differ.
#[derive(Default)]
struct Fields(String);

impl Fields {
    fn field(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\u{1f}');
    }

    fn hash(&self) -> u64 {
        fund::content_hash(&self.0)
    }
}

/// The key of a role assignment's `role.assigned` event, from its content: the role, the
/// holder (member id, or a hash of the name for someone who is not a member) and the start.
pub fn assignment_key(a: &NewRoleAssignment) -> String {
    let holder = match a.member_id {
        Some(id) => format!("m{id}"),
        None => {
            let mut h = Fields::default();
            h.field(a.person_name.trim());
            format!("p{:016x}", h.hash())
        }
    };
    format!("role:{}:{holder}:{}", a.role.to_key(), a.from)
}

/// The `members.imported` event of `members`: key and `import` from a hash of every field of
/// every row, in order.
fn import_event(members: &[NewMember], actor: &Actor) -> Result<NewEvent, AppError> {
    let mut h = Fields::default();
    for m in members {
        h.field(m.curp.as_str());
        h.field(m.rfc.as_ref().map_or("", |r| r.as_str()));
        h.field(&m.given_names);
        h.field(&m.surnames);
        h.field(m.sex.as_str());
        h.field(&m.birth_date.to_string());
        h.field(&m.municipality);
        h.field(&m.state);
        h.field(&m.trade);
        h.field(&m.household_size.to_string());
        h.field(m.profile.as_str());
        for p in &m.declared_programmes {
            h.field(p.as_str());
        }
        h.field(&m.joined_on.to_string());
        h.field(&m.letter.signed_on.to_string());
        h.field("\u{1e}"); // end of row
    }
    let hash = format!("{:016x}", h.hash());
    let key = format!("members:import:{}:{hash}", members.len());
    event(
        actor,
        "members",
        "members.imported",
        key,
        &MembersImported {
            import: hash,
            rows: members.len(),
            curps: members
                .iter()
                .take(MAX_LISTED_CURPS)
                .map(|m| m.curp.as_str())
                .collect(),
            truncated: members.len() > MAX_LISTED_CURPS,
        },
    )
}

impl App {
    /// R-ORG-2: imports a members CSV all or nothing. Every bad row is reported with its line
    /// number and field and nothing is imported; re-importing the same file changes nothing.
    /// The import is recorded in the log as one `members.imported` event by `actor`. `when`
    /// is the day of the import (checked by [`App::fact_date`]): the rows' dates (joining, the
    /// Letter of Commitment) may not be after it.
    pub async fn import_members_csv(
        &self,
        org_id: OrgId,
        csv_text: &str,
        when: impl Into<FactDate>,
        actor: &Actor,
    ) -> Result<ImportOutcome, AppError> {
        // Unknown organisations are refused before the file is even read.
        let on = self.fact_date(org_id, when).await?;
        let rows = registry::import::parse_members_with_contacts_csv(csv_text, on)
            .map_err(|rows| AppError::Rows(rows.iter().map(|r| r.to_string()).collect()))?;
        self.import_members_with_contacts(org_id, &rows, actor)
            .await
    }

    /// [`App::import_members`] with each member's contact (issue 19): the `member.contact`
    /// events of the rows that have one go in the same transaction
    /// ([`crate::contact_cases`]).
    pub async fn import_members_with_contacts(
        &self,
        org_id: OrgId,
        rows: &[(NewMember, registry::Contact)],
        actor: &Actor,
    ) -> Result<ImportOutcome, AppError> {
        let members: Vec<NewMember> = rows.iter().map(|(m, _)| m.clone()).collect();
        let mut events = if members.is_empty() {
            Vec::new()
        } else {
            vec![import_event(&members, actor)?]
        };
        events.extend(crate::contact_cases::import_contact_events(rows, actor)?);
        Ok(self
            .store()
            .import_members(org_id, &members, &events)
            .await?)
    }

    /// R-ORG-2: registers members already checked (by the CSV parser, or generated by the demo)
    /// all or nothing (at most `store::MAX_IMPORT_MEMBERS`), with one `members.imported` event
    /// in the same transaction: stream `members`, key `members:import:{hash of the rows}`, so
    /// importing the same rows again changes nothing and writes no second event.
    pub async fn import_members(
        &self,
        org_id: OrgId,
        members: &[NewMember],
        actor: &Actor,
    ) -> Result<ImportOutcome, AppError> {
        // An empty file changes nothing and records nothing.
        let events = if members.is_empty() {
            Vec::new()
        } else {
            vec![import_event(members, actor)?]
        };
        Ok(self
            .store()
            .import_members(org_id, members, &events)
            .await?)
    }

    /// R-ORG-2: a member may leave at any time; the date and reason are recorded and no
    /// history is deleted. Recorded as `member.left` (stream `member:{id}`, key
    /// `member:{id}:left`) in the same transaction; the same leave again is a no-op, another
    /// leave of a member who left is a conflict.
    pub async fn record_leave(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        left_on: NaiveDate,
        reason: &str,
        actor: &Actor,
    ) -> Result<Member, AppError> {
        let reason = reason.trim();
        registry::check_text("reason", reason, true)?;
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(
                registry::FieldError::new("reason", "must have 1 to 500 characters").into(),
            );
        }
        let member = self.store().member(org_id, member_id).await?;
        if left_on < member.data.joined_on {
            return Err(registry::FieldError::new("left_on", "is before the member joined").into());
        }
        let left = event(
            actor,
            &format!("member:{member_id}"),
            "member.left",
            format!("member:{member_id}:left"),
            &MemberLeft {
                member_id,
                left_on,
                reason,
            },
        )?;
        Ok(self
            .store()
            .record_leave(org_id, member_id, left_on, reason, &[left])
            .await?)
    }

    /// R-ORG-2 (issue 17): changes what the registry lets change about a member (names, RFC,
    /// municipality and state, trade, household, profile, declared programmes; never the CURP,
    /// the dates or a leave), checked as a new member is. Recorded as `member.edited` (stream
    /// `member:{id}`, key `member:{id}:edit:{n}`, n = edits before it) with the fields before
    /// and after, in the same transaction; the history is the log, never rewritten. An edit
    /// that changes nothing writes nothing (so a request sent again after it succeeded is a
    /// no-op) and answers the member.
    pub async fn edit_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        edit: &MemberEdit,
        actor: &Actor,
    ) -> Result<Member, AppError> {
        self.edit_member_and_contact(org_id, member_id, edit, None, actor)
            .await
    }

    /// [`App::edit_member`] and, when `contact` is given, the member's contact (issue 19,
    /// [`App::set_member_contact`]) in the same transaction.
    pub async fn edit_member_and_contact(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        edit: &MemberEdit,
        contact: Option<&registry::Contact>,
        actor: &Actor,
    ) -> Result<Member, AppError> {
        retrying!("edit_member", {
            let member = self.store().member(org_id, member_id).await?;
            let after = edit.apply(&member.data)?;
            let changed = MemberEdit::changed_fields(&member.data, &after);
            let contact_event = match contact {
                Some(c) => {
                    self.contact_change(org_id, member_id, member.data.curp.as_str(), c, actor)
                        .await?
                }
                None => None,
            };
            if changed.is_empty() {
                if let Some(e) = contact_event {
                    let commit = store::Commit {
                        events: vec![e],
                        ..store::Commit::default()
                    };
                    self.store().commit(org_id, &commit).await?;
                }
                return Ok(member);
            }
            let stream = format!("member:{member_id}");
            let n = crate::events::read_stream(&**self.store(), org_id, &stream)
                .await?
                .iter()
                .filter(|e| e.event.kind == "member.edited")
                .count();
            let edited = event(
                actor,
                &stream,
                "member.edited",
                format!("member:{member_id}:edit:{n}"),
                &MemberEdited {
                    member_id,
                    before: edit_values(&member.data, &changed),
                    after: edit_values(&after, &changed),
                    changed,
                },
            )?;
            let mut events = vec![edited];
            events.extend(contact_event);
            Ok(self
                .store()
                .update_member(org_id, member_id, edit, &events)
                .await?)
        })
    }

    /// Members whose names or CURP hold `q` (issue 17: any case, accents folded, so "jose"
    /// finds "José"), in id order, `limit` from `offset`, with how many matched in all. Reads
    /// at most [`MAX_SEARCH_SCAN`] members.
    pub async fn search_members(
        &self,
        org_id: OrgId,
        q: &str,
        offset: usize,
        limit: usize,
    ) -> Result<MemberSearch, AppError> {
        let needle = registry::fold_for_search(q);
        let mut page = store::Page::first(store::MAX_PAGE);
        let (mut members, mut total, mut scanned) = (Vec::new(), 0usize, 0usize);
        loop {
            let batch = self.store().members(org_id, page).await?;
            let Some(last) = batch.last() else { break };
            page.after_id = last.id;
            scanned += batch.len();
            for m in batch {
                if needle.is_empty() || m.data.search_text().contains(&needle) {
                    if total >= offset && members.len() < limit {
                        members.push(m);
                    }
                    total += 1;
                }
            }
            if scanned >= MAX_SEARCH_SCAN {
                return Ok(MemberSearch {
                    members,
                    total,
                    truncated: true,
                });
            }
        }
        Ok(MemberSearch {
            truncated: offset > 0 && offset >= total,
            members,
            total,
        })
    }

    /// R-ORG-5: gives a role. A board seat held by someone who is not a member of this
    /// organisation must name them (special members elected from the support committee's
    /// candidates); a member id must belong to this organisation. Recorded as `role.assigned`
    /// (stream `roles`, key from the assignment's content: the same assignment again is a
    /// no-op answering the first).
    pub async fn assign_role(
        &self,
        org_id: OrgId,
        assignment: NewRoleAssignment,
        actor: &Actor,
    ) -> Result<RoleAssignment, AppError> {
        self.assign_roles(org_id, vec![assignment], actor)
            .await?
            .pop()
            .ok_or_else(|| AppError::Integrity("assign_role: no assignment answered".into()))
    }

    /// R-ORG-5: gives several roles in one commit (at most `store::MAX_ASSIGN_ROLES`), each
    /// checked as [`App::assign_role`] and recorded by its own `role.assigned` event; all or
    /// nothing. A bulk load (the demo's boards and committees) writes one transaction per
    /// organisation instead of one per role.
    pub async fn assign_roles(
        &self,
        org_id: OrgId,
        assignments: Vec<NewRoleAssignment>,
        actor: &Actor,
    ) -> Result<Vec<RoleAssignment>, AppError> {
        let mut events = Vec::with_capacity(assignments.len());
        for assignment in &assignments {
            registry::check_text("person_name", &assignment.person_name, false)?;
            if assignment.person_name.trim().is_empty() {
                return Err(registry::FieldError::new("person_name", "must not be empty").into());
            }
            if let Some(member_id) = assignment.member_id {
                let member = self.store().member(org_id, member_id).await?;
                if !member.is_active_on(assignment.from) {
                    return Err(registry::FieldError::new(
                        "member_id",
                        "the member is not active on the start date",
                    )
                    .into());
                }
            }
            let key = assignment_key(assignment);
            events.push(event(
                actor,
                ROLES_STREAM,
                "role.assigned",
                key.clone(),
                &RoleEvent {
                    assignment: &key,
                    assignment_id: None,
                    role: assignment.role.to_key(),
                    person_name: &assignment.person_name,
                    member_id: assignment.member_id,
                    from: assignment.from,
                    until: None,
                },
            )?);
        }
        Ok(self
            .store()
            .assign_roles(org_id, &assignments, &events)
            .await?)
    }

    /// R-ORG-5: ends a role on `until` (not before it began). Recorded as `role.ended` (stream
    /// `roles`, key `role:{id}:ended`); the same end again is a no-op, ending an ended role a
    /// conflict.
    pub async fn end_role(
        &self,
        org_id: OrgId,
        assignment_id: i64,
        until: NaiveDate,
        actor: &Actor,
    ) -> Result<RoleAssignment, AppError> {
        let roles = self.store().roles(org_id).await?;
        let Some(current) = roles.iter().find(|r| r.id == assignment_id) else {
            return Err(
                store::StoreError::not_found(format!("role assignment {assignment_id}")).into(),
            );
        };
        if until < current.from {
            return Err(registry::FieldError::new("until", "is before the role began").into());
        }
        let held = NewRoleAssignment {
            person_name: current.person_name.clone(),
            member_id: current.member_id,
            role: current.role,
            from: current.from,
        };
        let key = assignment_key(&held);
        let ended = event(
            actor,
            ROLES_STREAM,
            "role.ended",
            format!("role:{assignment_id}:ended"),
            &RoleEvent {
                assignment: &key,
                assignment_id: Some(assignment_id),
                role: held.role.to_key(),
                person_name: &held.person_name,
                member_id: held.member_id,
                from: held.from,
                until: Some(until),
            },
        )?;
        Ok(self
            .store()
            .end_role(org_id, assignment_id, until, &[ended])
            .await?)
    }

    /// R-ORG-6: charges one period's dues to every member active on its first day, once
    /// ([`App::charge_dues_period`] recorded by the command line, `date` being today); answers
    /// how many members this call charged (0 when the period was charged before, or when no
    /// dues were set for it).
    pub async fn charge_dues(
        &self,
        org_id: OrgId,
        period: &str,
        date: NaiveDate,
    ) -> Result<usize, AppError> {
        let org = self.store().org(org_id).await?;
        let first_day = self.dues_period(&org, period).await?.first_day();
        if self.dues_in_force(&org, first_day).await? <= 0 {
            return Ok(0);
        }
        Ok(self
            .charge_dues_period(org_id, period, date, &Actor::cli())
            .await?
            .posted)
    }

    /// R-ORG-6: records a member's dues payment into the ODF's bank
    /// ([`App::record_dues_payment`] by the command line, under `reference`).
    pub async fn pay_dues(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        amount_minor: i64,
        date: NaiveDate,
        reference: &str,
    ) -> Result<crate::dues_cases::DuesReceipt, AppError> {
        self.record_dues_payment(
            org_id,
            member_id,
            amount_minor,
            date,
            reference,
            &Actor::cli(),
        )
        .await
    }

    /// R-ORG-6: dues in arrears, visible to staff and to the member (minor units).
    pub async fn dues_arrears_minor(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<i64, AppError> {
        self.store().member(org_id, member_id).await?;
        Ok(self
            .store()
            .account_balance(org_id, &Account::dues_receivable(member_id))
            .await?)
    }
}

/// The key of a member's dues charge for a period (R-ORG-6): one charge per member and period,
/// whoever books it (a charge here, the opening position, the demo's history).
pub(crate) fn dues_charge_key(period: &str, member_id: i64) -> String {
    format!("dues:charge:{period}:{member_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: u32, seed: u64) -> Vec<NewMember> {
        let mut spec = demo::DemoSpec::morelos_union();
        spec.seed = seed;
        spec.members_per_org = n;
        demo::org(&spec, 0).members
    }

    #[test]
    fn an_import_of_the_largest_batch_fits_one_event_and_says_it_lists_only_the_first_curps() {
        let batch = members(store::MAX_IMPORT_MEMBERS as u32, 3);
        assert_eq!(batch.len(), store::MAX_IMPORT_MEMBERS);
        let e = import_event(&batch, &Actor::cli()).unwrap();
        assert!(
            e.payload.len() <= store::MAX_EVENT_PAYLOAD_BYTES,
            "{}",
            e.payload.len()
        );
        let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(p["rows"], 10_000);
        assert_eq!(p["curps"].as_array().unwrap().len(), MAX_LISTED_CURPS);
        assert_eq!(p["truncated"], true);
        store::check_events(std::slice::from_ref(&e)).unwrap();
        let small = import_event(&batch[..3], &Actor::cli()).unwrap();
        let p: serde_json::Value = serde_json::from_str(&small.payload).unwrap();
        assert_eq!(p["truncated"], false);
    }

    #[test]
    fn an_imports_key_is_a_function_of_its_rows_only() {
        let rows = members(5, 4);
        let a = import_event(&rows, &Actor::cli()).unwrap();
        let b = import_event(&rows, &Actor::new("ana", "10.0.0.1")).unwrap();
        // The same rows by someone else, later: the same key and payload (a replay).
        assert_eq!((&a.key, &a.payload), (&b.key, &b.payload));
        let mut changed = rows.clone();
        changed[4].household_size += 1;
        assert_ne!(import_event(&changed, &Actor::cli()).unwrap().key, a.key);
        assert_ne!(import_event(&rows[..4], &Actor::cli()).unwrap().key, a.key);
    }

    #[test]
    fn a_role_assignments_key_names_the_role_the_holder_and_the_start() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let seat = |member_id, name: &str| NewRoleAssignment {
            person_name: name.into(),
            member_id,
            role: registry::Role::BoardMember,
            from: d,
        };
        assert_eq!(
            assignment_key(&seat(Some(12), "Ana")),
            "role:board_member:m12:2026-02-01"
        );
        let outsider = assignment_key(&seat(None, "Ing. Pedro Ruiz"));
        assert!(outsider.starts_with("role:board_member:p"), "{outsider}");
        assert_eq!(outsider, assignment_key(&seat(None, " Ing. Pedro Ruiz ")));
        assert_ne!(outsider, assignment_key(&seat(None, "Otra Persona")));
    }
}
