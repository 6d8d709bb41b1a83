//! R-INNO-1: the inventions registry on the event log, the innovation committee's reviews,
//! recusals for conflicts of interest, and the confidentiality of review notes (enforced
//! here, for every caller: the web, the API and the CLI ask these functions).

use super::reference_or_new;
use crate::access_cases::{AccessError, OrgRole, Viewer};
use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use registry::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use store::{Commit, MemberId, OrgId};
use support::inventions::{
    may_read_notes, Conflict, Criterion, Invention, IpStatus, Reader, Recusal, Review, Stage,
};

const STREAM: &str = "inventions";

/// What an inventor (or staff for them) registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvention {
    pub title: String,
    pub description: String,
    /// The lead inventor first, then co-inventors (member ids).
    pub inventors: Vec<MemberId>,
    /// Members living in an inventor's household.
    pub household: BTreeSet<MemberId>,
}

/// Every change to an invention, one event each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum InventionEvent {
    Registered {
        reference: String,
        title: String,
        description: String,
        inventors: Vec<MemberId>,
        household: BTreeSet<MemberId>,
        on: NaiveDate,
    },
    Reviewed {
        id: i64,
        review: Review,
    },
    Recused {
        id: i64,
        recusal: Recusal,
    },
    Advanced {
        id: i64,
        to: Stage,
        on: NaiveDate,
    },
    Ip {
        id: i64,
        ip: IpStatus,
    },
    Expense {
        id: i64,
        reference: String,
    },
}

impl InventionEvent {
    fn kind(&self) -> &'static str {
        match self {
            InventionEvent::Registered { .. } => "invention.registered",
            InventionEvent::Reviewed { .. } => "invention.reviewed",
            InventionEvent::Recused { .. } => "invention.recused",
            InventionEvent::Advanced { .. } => "invention.advanced",
            InventionEvent::Ip { .. } => "invention.ip",
            InventionEvent::Expense { .. } => "invention.expense",
        }
    }
}

/// An invention as one person may see it: review notes are blank unless they may read them
/// (R-INNO-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventionView {
    pub invention: Invention,
    pub notes_visible: bool,
}

impl App {
    async fn commit_invention_event(
        &self,
        org_id: OrgId,
        actor: &Actor,
        key: String,
        e: &InventionEvent,
    ) -> Result<(), AppError> {
        let commit = Commit {
            events: vec![event(actor, STREAM, e.kind(), key, e)?],
            ..Commit::default()
        };
        self.store().commit(org_id, &commit).await?;
        Ok(())
    }

    /// Every invention of the ODF, folded from its events (ids in order of registration),
    /// notes included: internal, callers outside the app go through [`App::invention_for`].
    pub(crate) async fn inventions_raw(&self, org_id: OrgId) -> Result<Vec<Invention>, AppError> {
        let mut out: Vec<Invention> = Vec::new();
        for stored in read_stream(&**self.store(), org_id, STREAM).await? {
            let e: InventionEvent = payload(&stored)?;
            let find = |out: &mut Vec<Invention>, id: i64| -> Result<usize, AppError> {
                out.iter()
                    .position(|i| i.id == id)
                    .ok_or_else(|| AppError::Integrity(format!("invention {id} not registered")))
            };
            match e {
                InventionEvent::Registered {
                    title,
                    description,
                    inventors,
                    household,
                    on,
                    ..
                } => {
                    let id = out.len() as i64 + 1;
                    out.push(Invention::register(
                        id,
                        &title,
                        &description,
                        inventors,
                        household,
                        on,
                    )?);
                }
                // Recorded facts are replayed as they were decided.
                InventionEvent::Reviewed { id, review } => {
                    let i = find(&mut out, id)?;
                    out[i].reviews.push(review);
                }
                InventionEvent::Recused { id, recusal } => {
                    let i = find(&mut out, id)?;
                    out[i].recusals.push(recusal);
                }
                InventionEvent::Advanced { id, to, on } => {
                    let i = find(&mut out, id)?;
                    out[i].stage = to;
                    out[i].stages.push((to, on));
                }
                InventionEvent::Ip { id, ip } => {
                    let i = find(&mut out, id)?;
                    out[i].ip = ip;
                }
                InventionEvent::Expense { id, reference } => {
                    let i = find(&mut out, id)?;
                    if !out[i].expenses.contains(&reference) {
                        out[i].expenses.push(reference);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn invention_raw(&self, org_id: OrgId, id: i64) -> Result<Invention, AppError> {
        self.inventions_raw(org_id)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| store::StoreError::not_found(format!("invention {id}")).into())
    }

    /// R-INNO-1: registers an invention at the idea stage. Inventors and household members
    /// must be members of the ODF. The same `reference` with the same content again answers
    /// the first registration.
    pub async fn register_invention(
        &self,
        org_id: OrgId,
        actor: &Actor,
        reference: Option<&str>,
        new: NewInvention,
        on: NaiveDate,
    ) -> Result<Invention, AppError> {
        let reference = reference_or_new(reference)?;
        // The rule's checks first (id 0: the id is its place in the log).
        let checked = Invention::register(
            0,
            &new.title,
            &new.description,
            new.inventors.clone(),
            new.household.clone(),
            on,
        )?;
        for m in new.inventors.iter().chain(new.household.iter()) {
            self.store().member(org_id, *m).await.map_err(|_| {
                registry::FieldError::new("inventors", format!("{m} is not a member of this ODF"))
            })?;
        }
        let e = InventionEvent::Registered {
            reference: reference.clone(),
            title: checked.title,
            description: checked.description,
            inventors: checked.inventors,
            household: checked.household,
            on,
        };
        let key = format!("invention:{reference}:registered");
        self.commit_invention_event(org_id, actor, key.clone(), &e)
            .await?;
        // Its id is its place among registrations.
        let mut n = 0;
        for stored in read_stream(&**self.store(), org_id, STREAM).await? {
            if stored.event.kind == "invention.registered" {
                n += 1;
                if stored.event.key == key {
                    return self.invention_raw(org_id, n).await;
                }
            }
        }
        Err(AppError::Integrity(format!(
            "invention {reference} not found after commit"
        )))
    }

    /// Whether `member` sits on the ODF's innovation committee on `on` (R-ORG-5).
    pub async fn on_innovation_committee(
        &self,
        org_id: OrgId,
        member: MemberId,
        on: NaiveDate,
    ) -> Result<bool, AppError> {
        self.member_holds(org_id, member, Role::InnovationCommittee, on)
            .await
    }

    async fn require_committee(
        &self,
        org_id: OrgId,
        member: MemberId,
        on: NaiveDate,
    ) -> Result<(), AppError> {
        if self.on_innovation_committee(org_id, member, on).await? {
            Ok(())
        } else {
            Err(AppError::Rule {
                rule: "R-INNO-1",
                field: "reviewer".into(),
                message: "only a member of the innovation committee reviews inventions".into(),
            })
        }
    }

    /// R-INNO-1: a committee member reviews the invention at its current stage. A reviewer
    /// with a conflict of interest (an inventor, or in an inventor's household) is refused and
    /// the recusal is recorded. Reviewing the same stage again with the same findings changes
    /// nothing; with other findings it is a conflict (one review per reviewer and stage).
    #[allow(clippy::too_many_arguments)]
    pub async fn review_invention(
        &self,
        org_id: OrgId,
        actor: &Actor,
        id: i64,
        reviewer: MemberId,
        met: BTreeSet<Criterion>,
        notes: &str,
        on: NaiveDate,
    ) -> Result<Invention, AppError> {
        self.require_committee(org_id, reviewer, on).await?;
        let inv = self.invention_raw(org_id, id).await?;
        let review = Review {
            reviewer,
            stage: inv.stage,
            on,
            met,
            notes: notes.trim().to_string(),
        };
        if let Some(conflict) = inv.conflict(reviewer) {
            let e = InventionEvent::Recused {
                id,
                recusal: Recusal {
                    reviewer,
                    on,
                    conflict,
                },
            };
            let key = format!("invention:{id}:recusal:{reviewer}:{}", inv.stage.as_str());
            // A replay of the same recusal on another day is still the first one.
            if self.store().event_by_key(org_id, &key).await.is_err() {
                self.commit_invention_event(org_id, actor, key, &e).await?;
            }
        }
        inv.check_review(&review)?;
        let key = format!("invention:{id}:review:{reviewer}:{}", inv.stage.as_str());
        self.commit_invention_event(org_id, actor, key, &InventionEvent::Reviewed { id, review })
            .await?;
        self.invention_raw(org_id, id).await
    }

    /// R-INNO-1: moves the invention to its next stage, only after a review of the current
    /// stage that found every criterion met; asked by a committee member without a conflict.
    pub async fn advance_invention(
        &self,
        org_id: OrgId,
        actor: &Actor,
        id: i64,
        by: MemberId,
        on: NaiveDate,
    ) -> Result<Invention, AppError> {
        self.require_committee(org_id, by, on).await?;
        let mut inv = self.invention_raw(org_id, id).await?;
        if let Some(c) = inv.conflict(by) {
            return Err(AppError::Rule {
                rule: "R-INNO-1",
                field: "by".into(),
                message: match c {
                    Conflict::Inventor => "is an inventor of it: a conflict of interest".into(),
                    Conflict::Household => {
                        "lives in an inventor's household: a conflict of interest".into()
                    }
                },
            });
        }
        let to = inv.advance(on)?;
        let key = format!("invention:{id}:stage:{}", to.as_str());
        self.commit_invention_event(org_id, actor, key, &InventionEvent::Advanced { id, to, on })
            .await?;
        Ok(inv)
    }

    /// Records the invention's intellectual-property status (none, filed, granted).
    pub async fn set_invention_ip(
        &self,
        org_id: OrgId,
        actor: &Actor,
        id: i64,
        ip: IpStatus,
    ) -> Result<Invention, AppError> {
        let mut inv = self.invention_raw(org_id, id).await?;
        inv.set_ip(ip)?;
        let tag = match &inv.ip {
            IpStatus::None => "none".to_string(),
            IpStatus::Filed { number, .. } => format!("filed:{number}"),
            IpStatus::Granted { number, .. } => format!("granted:{number}"),
        };
        let key = format!("invention:{id}:ip:{tag}");
        let e = InventionEvent::Ip {
            id,
            ip: inv.ip.clone(),
        };
        self.commit_invention_event(org_id, actor, key, &e).await?;
        Ok(inv)
    }

    /// Links a Competition Sub-Fund expense (its `fund spend` reference) for prototypes and
    /// samples (R-FUND-3) to the invention.
    pub async fn link_invention_expense(
        &self,
        org_id: OrgId,
        actor: &Actor,
        id: i64,
        reference: &str,
    ) -> Result<Invention, AppError> {
        let mut inv = self.invention_raw(org_id, id).await?;
        inv.link_expense(reference)?;
        let reference = reference.trim().to_string();
        let key = format!("invention:{id}:expense:{reference}");
        let e = InventionEvent::Expense { id, reference };
        self.commit_invention_event(org_id, actor, key, &e).await?;
        Ok(inv)
    }

    /// Who `viewer` is to this invention for R-INNO-1's confidentiality: an inventor, a board
    /// member, a member of the innovation committee on `on`, or anyone else (staff, other
    /// members, supervisors, support committee, donors, advisers).
    pub async fn invention_reader(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        inv: &Invention,
        on: NaiveDate,
    ) -> Result<Reader, AppError> {
        let member = viewer.member_id_in(org_id);
        if member.is_some_and(|m| inv.is_inventor(m)) {
            return Ok(Reader::Inventor);
        }
        if viewer
            .roles_in(org_id)
            .any(|g| g.role == OrgRole::Board && g.member_id.is_some())
        {
            return Ok(Reader::Board);
        }
        if let Some(m) = member {
            if self.on_innovation_committee(org_id, m, on).await? {
                return Ok(Reader::InnovationCommittee);
            }
        }
        Ok(Reader::Other)
    }

    /// The ODF's inventions as `viewer` may see them (`None`: the operator at the command
    /// line, who has the machine). Anyone who sees the ODF sees the registry; review notes
    /// only the inventors, the innovation committee and the board (R-INNO-1).
    pub async fn inventions_for(
        &self,
        org_id: OrgId,
        viewer: Option<&Viewer>,
        on: NaiveDate,
    ) -> Result<Vec<InventionView>, AccessError> {
        if let Some(v) = viewer {
            v.check(org_id, crate::access_cases::Action::ViewShared)?;
        }
        let mut out = Vec::new();
        for inv in self.inventions_raw(org_id).await? {
            out.push(self.view_of(org_id, viewer, inv, on).await?);
        }
        Ok(out)
    }

    async fn view_of(
        &self,
        org_id: OrgId,
        viewer: Option<&Viewer>,
        mut inv: Invention,
        on: NaiveDate,
    ) -> Result<InventionView, AppError> {
        let visible = match viewer {
            None => true,
            Some(v) => may_read_notes(self.invention_reader(org_id, v, &inv, on).await?),
        };
        if !visible {
            for r in &mut inv.reviews {
                r.notes.clear();
            }
        }
        Ok(InventionView {
            invention: inv,
            notes_visible: visible,
        })
    }

    /// One invention as `viewer` may see it (see [`App::inventions_for`]).
    pub async fn invention_for(
        &self,
        org_id: OrgId,
        viewer: Option<&Viewer>,
        id: i64,
        on: NaiveDate,
    ) -> Result<InventionView, AccessError> {
        if let Some(v) = viewer {
            v.check(org_id, crate::access_cases::Action::ViewShared)?;
        }
        let inv = self.invention_raw(org_id, id).await?;
        Ok(self.view_of(org_id, viewer, inv, on).await?)
    }

    /// R-INNO-1: the review notes, refused (naming the rule) to anyone but the inventors, the
    /// innovation committee and the board.
    pub async fn invention_reviews(
        &self,
        org_id: OrgId,
        viewer: Option<&Viewer>,
        id: i64,
        on: NaiveDate,
    ) -> Result<Vec<Review>, AccessError> {
        let view = self.invention_for(org_id, viewer, id, on).await?;
        if !view.notes_visible {
            return Err(AccessError::Forbidden {
                rule: "R-INNO-1",
                action: "read review notes".into(),
            });
        }
        Ok(view.invention.reviews)
    }
}
