//! R-INFO-1: publishing opportunities, matching them to members ("para ti"), interest, and
//! who was matched and who is interested.

use super::notifications;
use super::reference_or_new;
use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use store::{Commit, MemberId, OrgId, PROGRAMME_ORG};
use support::opportunities::{self as rules, Fit, Kind, MemberProfile, Opportunity, Scope};

const STREAM: &str = "opportunities";

/// What a publisher fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub deadline: NaiveDate,
    pub fit: Fit,
}

/// The payload of `opportunity.published`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Published {
    reference: String,
    kind: Kind,
    title: String,
    description: String,
    published_on: NaiveDate,
    deadline: NaiveDate,
    fit: Fit,
    publisher: String,
}

/// The payload of `opportunity.interest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Interest {
    scope: Scope,
    opportunity_id: i64,
    member_id: MemberId,
    on: NaiveDate,
}

/// An opportunity as published, with who published it and its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpportunityRecord {
    pub opportunity: Opportunity,
    pub reference: String,
    pub publisher: String,
}

/// One line of a member's "para ti".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParaTiItem {
    pub opportunity: Opportunity,
    pub interested: bool,
}

/// A member by name (names appear, not ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRef {
    pub member_id: MemberId,
    pub name: String,
}

/// Who an opportunity reached in one ODF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audience {
    pub matched: Vec<MemberRef>,
    pub interested: Vec<MemberRef>,
}

/// The opportunity a publication describes (id 0: the id is its place in the log).
fn checked_clone(p: &Published, scope: Scope) -> Opportunity {
    Opportunity {
        id: 0,
        kind: p.kind,
        title: p.title.clone(),
        description: p.description.clone(),
        published_on: p.published_on,
        deadline: p.deadline,
        fit: p.fit.clone(),
        scope,
    }
}

fn scope_of(org_id: OrgId) -> Scope {
    if org_id == PROGRAMME_ORG {
        Scope::Programme
    } else {
        Scope::Odf
    }
}

fn scope_tag(scope: Scope) -> &'static str {
    match scope {
        Scope::Odf => "odf",
        Scope::Programme => "programme",
    }
}

impl App {
    /// R-INFO-1: publishes an opportunity in an ODF, or programme-wide in
    /// [`PROGRAMME_ORG`]. The same `reference` with the same content again changes nothing
    /// and answers the opportunity; with other content it is a conflict.
    pub async fn publish_opportunity(
        &self,
        org_id: OrgId,
        actor: &Actor,
        reference: Option<&str>,
        new: NewOpportunity,
        today: NaiveDate,
    ) -> Result<OpportunityRecord, AppError> {
        if org_id != PROGRAMME_ORG {
            self.store().org(org_id).await?;
        }
        let reference = reference_or_new(reference)?;
        // Checked as the rule would (id 0: the id is its place in the log).
        let checked = Opportunity::new(
            0,
            new.kind,
            &new.title,
            &new.description,
            today,
            new.deadline,
            new.fit,
            scope_of(org_id),
        )?;
        let key = format!("opportunity:{reference}:published");
        if let Ok(existing) = self.store().event_by_key(org_id, &key).await {
            let p: Published = payload(&existing)?;
            // A replay (even on another day) answers the first publication.
            if p.kind == checked.kind
                && p.title == checked.title
                && p.description == checked.description
                && p.deadline == checked.deadline
                && p.fit == checked.fit
            {
                return self.opportunity_by_reference(org_id, &reference).await;
            }
            return Err(store::StoreError::event_key_conflict(&key).into());
        }
        let published = Published {
            reference: reference.clone(),
            kind: checked.kind,
            title: checked.title,
            description: checked.description,
            published_on: today,
            deadline: checked.deadline,
            fit: checked.fit,
            publisher: actor.name.clone(),
        };
        // R-INFO-1: the messages of the new matches go in the same commit as the publication
        // (an ODF's members now; a programme-wide one is fanned out to each ODF by the sender).
        let notices = if org_id == PROGRAMME_ORG {
            vec![notifications::fanout_event(actor, &reference, today)?]
        } else {
            let as_published = checked_clone(&published, scope_of(org_id));
            let matched = self.matched_members(org_id, &as_published, today).await?;
            notifications::queued_events(actor, &as_published, &reference, &matched)?
        };
        if notices.len() >= store::MAX_COMMIT_EVENTS {
            return Err(store::StoreError::invalid(format!(
                "opportunity: {} members matched, more than one commit holds",
                notices.len()
            ))
            .into());
        }
        let mut events = vec![event(
            actor,
            STREAM,
            "opportunity.published",
            key,
            &published,
        )?];
        events.extend(notices);
        let commit = Commit {
            events,
            ..Commit::default()
        };
        self.store().commit(org_id, &commit).await?;
        self.opportunity_by_reference(org_id, &reference).await
    }

    async fn opportunity_by_reference(
        &self,
        org_id: OrgId,
        reference: &str,
    ) -> Result<OpportunityRecord, AppError> {
        self.opportunities(org_id)
            .await?
            .into_iter()
            .find(|o| o.reference == reference)
            .ok_or_else(|| store::StoreError::not_found(format!("opportunity {reference}")).into())
    }

    /// Every opportunity published in the ODF (or programme-wide, in [`PROGRAMME_ORG`]),
    /// in order of publication; the id is that order.
    pub async fn opportunities(&self, org_id: OrgId) -> Result<Vec<OpportunityRecord>, AppError> {
        let scope = scope_of(org_id);
        let mut out = Vec::new();
        for e in read_stream(&**self.store(), org_id, STREAM).await? {
            if e.event.kind != "opportunity.published" {
                continue;
            }
            let p: Published = payload(&e)?;
            out.push(OpportunityRecord {
                opportunity: Opportunity {
                    id: out.len() as i64 + 1,
                    kind: p.kind,
                    title: p.title,
                    description: p.description,
                    published_on: p.published_on,
                    deadline: p.deadline,
                    fit: p.fit,
                    scope,
                },
                reference: p.reference,
                publisher: p.publisher,
            });
        }
        Ok(out)
    }

    /// One opportunity of the ODF or of the programme.
    pub async fn opportunity(
        &self,
        org_id: OrgId,
        scope: Scope,
        id: i64,
    ) -> Result<OpportunityRecord, AppError> {
        let source = match scope {
            Scope::Odf => org_id,
            Scope::Programme => PROGRAMME_ORG,
        };
        self.opportunities(source)
            .await?
            .into_iter()
            .find(|o| o.opportunity.id == id)
            .ok_or_else(|| store::StoreError::not_found(format!("opportunity {id}")).into())
    }

    /// Interests recorded in the ODF: (scope, opportunity id, member).
    async fn interests(&self, org_id: OrgId) -> Result<Vec<Interest>, AppError> {
        read_stream(&**self.store(), org_id, STREAM)
            .await?
            .iter()
            .filter(|e| e.event.kind == "opportunity.interest")
            .map(payload)
            .collect()
    }

    /// What matching knows of a member on `on`: trade, place, programmes (R-ORG-4), profile
    /// (R-ORG-3) and their largest declared capacity (R-SELL-1), if any.
    pub async fn member_profile(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        on: NaiveDate,
    ) -> Result<MemberProfile, AppError> {
        let member = self.store().member(org_id, member_id).await?;
        let capacity = self
            .capacities(org_id)
            .await?
            .iter()
            .filter(|c| c.member == member_id)
            .map(|c| c.capacity_units)
            .max();
        Ok(MemberProfile::of(
            &member.data,
            on,
            registry::TargetSettings::default(),
            capacity,
        ))
    }

    /// R-INFO-1 "para ti": the ODF's and the programme's open opportunities that fit the
    /// member, newest first, then closest deadline; each says whether they marked interest.
    pub async fn para_ti(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        today: NaiveDate,
    ) -> Result<Vec<ParaTiItem>, AppError> {
        let profile = self.member_profile(org_id, member_id, today).await?;
        let mut all: Vec<Opportunity> = self
            .opportunities(org_id)
            .await?
            .into_iter()
            .map(|r| r.opportunity)
            .collect();
        all.extend(
            self.opportunities(PROGRAMME_ORG)
                .await?
                .into_iter()
                .map(|r| r.opportunity),
        );
        let interests = self.interests(org_id).await?;
        Ok(rules::para_ti(&all, &profile, today)
            .into_iter()
            .map(|o| ParaTiItem {
                interested: interests.iter().any(|i| {
                    i.member_id == member_id && i.scope == o.scope && i.opportunity_id == o.id
                }),
                opportunity: o.clone(),
            })
            .collect())
    }

    /// A member marks interest in an opportunity that fits them (recorded in their own ODF).
    /// Marking it again changes nothing.
    pub async fn mark_interest(
        &self,
        org_id: OrgId,
        actor: &Actor,
        member_id: MemberId,
        scope: Scope,
        opportunity_id: i64,
        today: NaiveDate,
    ) -> Result<(), AppError> {
        let record = self.opportunity(org_id, scope, opportunity_id).await?;
        let profile = self.member_profile(org_id, member_id, today).await?;
        if !rules::matches(&record.opportunity, &profile, today) {
            return Err(AppError::Rule {
                rule: "R-INFO-1",
                field: "opportunity".into(),
                message: "does not fit this member, or its deadline has passed".into(),
            });
        }
        let key = format!(
            "opportunity:{}:{opportunity_id}:interest:{member_id}",
            scope_tag(scope)
        );
        if self.store().event_by_key(org_id, &key).await.is_ok() {
            return Ok(());
        }
        let interest = Interest {
            scope,
            opportunity_id,
            member_id,
            on: today,
        };
        let commit = Commit {
            events: vec![event(
                actor,
                STREAM,
                "opportunity.interest",
                key,
                &interest,
            )?],
            ..Commit::default()
        };
        self.store().commit(org_id, &commit).await?;
        Ok(())
    }

    /// Who an opportunity reached in one ODF on `today`: the active members it fits and those
    /// who marked interest. For a programme-wide opportunity, call it per ODF (each computed
    /// in its own organisation).
    pub async fn opportunity_audience(
        &self,
        org_id: OrgId,
        scope: Scope,
        opportunity_id: i64,
        today: NaiveDate,
    ) -> Result<Audience, AppError> {
        let record = self.opportunity(org_id, scope, opportunity_id).await?;
        let members = self.support_members(org_id).await?;
        let interests = self.interests(org_id).await?;
        let name = |m: &registry::Member| format!("{} {}", m.data.given_names, m.data.surnames);
        let mut audience = Audience {
            matched: self
                .matched_members(org_id, &record.opportunity, today)
                .await?,
            interested: Vec::new(),
        };
        for i in interests
            .iter()
            .filter(|i| i.scope == scope && i.opportunity_id == opportunity_id)
        {
            if let Some(m) = members.get(&i.member_id) {
                audience.interested.push(MemberRef {
                    member_id: i.member_id,
                    name: name(m),
                });
            }
        }
        Ok(audience)
    }
}
