//! R-INFO-1: ODFs' project results and their circulation between ODFs.
//!
//! - `result.published` (stream `results`, the ODF's log, key `result:{ref}:published`): what
//!   was tried, what came of it, a span of periods and the figures read from the ODF's own books
//!   at publication (active members on the span's last day; new revenue and Fund contributions
//!   over its closed periods). The id is its place in the log.
//! - `result.circulated` (stream `results`, the programme's log, key
//!   `result:{org}:{id}:circulated`): a supervisor sends it to every ODF. Reading the circulated
//!   results reads the programme's list, then each result in its own ODF: no read joins two
//!   organisations' rows.

use super::reference_or_new;
use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::Period;
use serde::{Deserialize, Serialize};
use store::{Commit, OrgId, PROGRAMME_ORG};
use support::results::{ResultFigures, ResultText};

const STREAM: &str = "results";

/// What an ODF's staff fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResult {
    pub title: String,
    pub tried: String,
    pub outcome: String,
    pub from: Period,
    pub to: Period,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Published {
    reference: String,
    text: ResultText,
    from: String,
    to: String,
    figures: ResultFigures,
    published_on: NaiveDate,
    publisher: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Circulated {
    org_id: OrgId,
    result_id: i64,
    on: NaiveDate,
    by: String,
}

/// A project result as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectResult {
    pub id: i64,
    pub org_id: OrgId,
    /// The ODF's name (names appear, not ids).
    pub odf: String,
    pub reference: String,
    pub title: String,
    pub tried: String,
    pub outcome: String,
    /// Period keys of the span.
    pub from: String,
    pub to: String,
    pub figures: ResultFigures,
    pub published_on: NaiveDate,
    pub publisher: String,
    /// When a supervisor circulated it, if they did.
    pub circulated_on: Option<NaiveDate>,
}

impl App {
    /// R-INFO-1: the figures of a span from the ODF's books: active members on its last day,
    /// and over its closed periods the new revenue and the contributions to the Fund.
    pub async fn result_figures(
        &self,
        org_id: OrgId,
        from: Period,
        to: Period,
    ) -> Result<ResultFigures, AppError> {
        if from > to {
            return Err(AppError::Rule {
                rule: "R-INFO-1",
                field: "period".into(),
                message: "the first period is after the last".into(),
            });
        }
        let last = to.last_day();
        let mut figures = ResultFigures {
            members: self
                .support_members(org_id)
                .await?
                .values()
                .filter(|m| m.is_active_on(last))
                .count() as u64,
            ..ResultFigures::default()
        };
        for (_, c) in self.fund_book(org_id).await?.completed.range(from..=to) {
            let fund = c
                .contribution
                .development_minor
                .saturating_add(c.contribution.competition_minor);
            figures.add_period(c.new_revenue_minor, fund)?;
        }
        Ok(figures)
    }

    /// R-INFO-1: the ODF publishes a project result. The same reference with the same texts
    /// and span again answers the first; with others it is a conflict.
    pub async fn publish_result(
        &self,
        org_id: OrgId,
        actor: &Actor,
        reference: Option<&str>,
        new: NewResult,
        today: NaiveDate,
    ) -> Result<ProjectResult, AppError> {
        self.store().org(org_id).await?;
        let reference = reference_or_new(reference)?;
        let text = ResultText::new(&new.title, &new.tried, &new.outcome)?;
        let key = format!("result:{reference}:published");
        if let Ok(existing) = self.store().event_by_key(org_id, &key).await {
            let p: Published = payload(&existing)?;
            if p.text == text && p.from == new.from.key() && p.to == new.to.key() {
                return self.result_by_reference(org_id, &reference).await;
            }
            return Err(store::StoreError::event_key_conflict(&key).into());
        }
        let figures = self.result_figures(org_id, new.from, new.to).await?;
        let published = Published {
            reference: reference.clone(),
            text,
            from: new.from.key(),
            to: new.to.key(),
            figures,
            published_on: today,
            publisher: actor.name.clone(),
        };
        let commit = Commit {
            events: vec![event(actor, STREAM, "result.published", key, &published)?],
            ..Commit::default()
        };
        self.store().commit(org_id, &commit).await?;
        self.result_by_reference(org_id, &reference).await
    }

    async fn result_by_reference(
        &self,
        org_id: OrgId,
        reference: &str,
    ) -> Result<ProjectResult, AppError> {
        self.odf_results(org_id)
            .await?
            .into_iter()
            .find(|r| r.reference == reference)
            .ok_or_else(|| store::StoreError::not_found(format!("result {reference}")).into())
    }

    /// Which results of `org_id` were circulated, and when.
    async fn circulation(&self) -> Result<Vec<Circulated>, AppError> {
        read_stream(&**self.store(), PROGRAMME_ORG, STREAM)
            .await?
            .iter()
            .filter(|e| e.event.kind == "result.circulated")
            .map(payload)
            .collect()
    }

    /// The ODF's own project results, newest first.
    pub async fn odf_results(&self, org_id: OrgId) -> Result<Vec<ProjectResult>, AppError> {
        let org = self.store().org(org_id).await?;
        let circulated = self.circulation().await?;
        let mut out = Vec::new();
        for e in read_stream(&**self.store(), org_id, STREAM).await? {
            if e.event.kind != "result.published" {
                continue;
            }
            let p: Published = payload(&e)?;
            let id = out.len() as i64 + 1;
            out.push(ProjectResult {
                id,
                org_id,
                odf: org.data.name.clone(),
                reference: p.reference,
                title: p.text.title,
                tried: p.text.tried,
                outcome: p.text.outcome,
                from: p.from,
                to: p.to,
                figures: p.figures,
                published_on: p.published_on,
                publisher: p.publisher,
                circulated_on: circulated
                    .iter()
                    .find(|c| c.org_id == org_id && c.result_id == id)
                    .map(|c| c.on),
            });
        }
        out.reverse();
        Ok(out)
    }

    /// R-INFO-1, R-SUP-1: a supervisor circulates an ODF's result to every ODF. Again changes
    /// nothing.
    pub async fn circulate_result(
        &self,
        org_id: OrgId,
        result_id: i64,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<ProjectResult, AppError> {
        let found = self
            .odf_results(org_id)
            .await?
            .into_iter()
            .find(|r| r.id == result_id)
            .ok_or_else(|| store::StoreError::not_found(format!("result {result_id}")))?;
        if found.circulated_on.is_some() {
            return Ok(found);
        }
        let circulated = Circulated {
            org_id,
            result_id,
            on: today,
            by: actor.name.clone(),
        };
        let commit = Commit {
            events: vec![event(
                actor,
                STREAM,
                "result.circulated",
                format!("result:{org_id}:{result_id}:circulated"),
                &circulated,
            )?],
            ..Commit::default()
        };
        match self.store().commit(PROGRAMME_ORG, &commit).await {
            Ok(_) | Err(store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(ProjectResult {
            circulated_on: Some(today),
            ..found
        })
    }

    /// R-INFO-1: every circulated result, newest circulation first, each read in its own ODF.
    pub async fn circulated_results(&self) -> Result<Vec<ProjectResult>, AppError> {
        let mut out = Vec::new();
        let mut circulated = self.circulation().await?;
        circulated.reverse();
        for c in circulated {
            if let Some(r) = self
                .odf_results(c.org_id)
                .await?
                .into_iter()
                .find(|r| r.id == c.result_id)
            {
                out.push(r);
            }
        }
        Ok(out)
    }
}
