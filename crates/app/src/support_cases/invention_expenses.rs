//! R-INNO-1, R-FUND-3: the Competition Sub-Fund's prototype and sample payments an invention
//! may be linked to, and the payments linked to one invention with their total.
//!
//! A payment is eligible when it was made (`fund spend`, under an approved board decision) in
//! the categories "prototype production units" or "samples, designs, prototypes and
//! innovations". It is read from the ODF's own books: the `spend:{reference}` event of the
//! `fund` stream names its payment and category; the entry it posted to the spent-competition
//! account gives its date, description and amount.

use crate::events::{payload, read_stream, Actor};
use crate::fund_cases::ops::ref_id;
use crate::fund_cases::{DecisionPayload, FUND_STREAM};
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::{CompetitionCategory, FundEvent};
use serde::Serialize;
use std::collections::BTreeMap;
use store::{OrgId, Page};

/// One Competition Sub-Fund payment for prototypes or samples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrototypePayment {
    /// The payment's reference (`fund spend --ref`), what an invention links.
    pub reference: String,
    pub on: NaiveDate,
    pub description: String,
    pub amount_minor: i64,
    pub category: CompetitionCategory,
    /// The invention it is linked to, if any.
    pub invention: Option<i64>,
}

fn eligible(category: CompetitionCategory) -> bool {
    matches!(
        category,
        CompetitionCategory::PrototypeProductionUnits
            | CompetitionCategory::SamplesDesignsPrototypes
    )
}

impl App {
    /// R-FUND-3: every prototype or sample payment of the ODF, oldest first, with the invention
    /// each is linked to.
    pub async fn prototype_payments(
        &self,
        org_id: OrgId,
    ) -> Result<Vec<PrototypePayment>, AppError> {
        // payment id -> (reference, category, amount)
        let mut spends: BTreeMap<i64, (String, CompetitionCategory, i64)> = BTreeMap::new();
        for e in read_stream(&**self.store(), org_id, FUND_STREAM).await? {
            let Some(reference) = e.event.key.strip_prefix("spend:") else {
                continue;
            };
            if e.event.kind != "fund.decision" || reference.contains(':') {
                continue;
            }
            let p: DecisionPayload = payload(&e)?;
            for fe in p.events {
                if let FundEvent::CompetitionSpent {
                    payment_id,
                    category,
                    amount_minor,
                    ..
                } = fe
                {
                    if eligible(category) && payment_id == ref_id(&e.event.key) {
                        spends.insert(payment_id, (reference.to_string(), category, amount_minor));
                    }
                }
            }
        }
        if spends.is_empty() {
            return Ok(Vec::new());
        }
        let prefix = format!("fund:{org_id}:competition:");
        let account = fund::chart::code::spent_competition();
        let mut page = Page::first(store::MAX_PAGE);
        let mut dated: BTreeMap<i64, (NaiveDate, String)> = BTreeMap::new();
        loop {
            let entries = self.store().account_entries(org_id, &account, page).await?;
            let Some(last) = entries.last() else { break };
            page.after_id = last.id;
            for s in &entries {
                let Some(id) = s
                    .entry
                    .idempotency_key()
                    .as_str()
                    .strip_prefix(&prefix)
                    .and_then(|id| id.parse::<i64>().ok())
                else {
                    continue;
                };
                if let Some((_, category, _)) = spends.get(&id) {
                    let memo = s.entry.memo();
                    let description = memo
                        .strip_prefix(&format!("{}: ", category.as_str()))
                        .unwrap_or(memo)
                        .to_string();
                    dated.insert(id, (s.entry.date(), description));
                }
            }
        }
        let linked: BTreeMap<String, i64> = self
            .inventions_raw(org_id)
            .await?
            .into_iter()
            .flat_map(|i| i.expenses.into_iter().map(move |r| (r, i.id)))
            .collect();
        let mut out: Vec<PrototypePayment> = spends
            .into_iter()
            .filter_map(|(id, (reference, category, amount_minor))| {
                let (on, description) = dated.remove(&id)?;
                Some(PrototypePayment {
                    invention: linked.get(&reference).copied(),
                    reference,
                    on,
                    description,
                    amount_minor,
                    category,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.on, &a.reference).cmp(&(b.on, &b.reference)));
        Ok(out)
    }

    /// The payments linked to the invention and their total (minor units).
    pub async fn invention_expenses(
        &self,
        org_id: OrgId,
        id: i64,
    ) -> Result<(Vec<PrototypePayment>, i64), AppError> {
        let linked: Vec<PrototypePayment> = self
            .prototype_payments(org_id)
            .await?
            .into_iter()
            .filter(|p| p.invention == Some(id))
            .collect();
        let total = linked
            .iter()
            .try_fold(0i64, |t, p| t.checked_add(p.amount_minor))
            .ok_or_else(|| AppError::Integrity("invention expenses overflow".into()))?;
        Ok((linked, total))
    }

    /// R-INNO-1, R-FUND-3: links a prototype or sample payment to the invention, checked
    /// first: it must be such a payment of this ODF, and not linked to another invention.
    /// Linking it again to the same invention changes nothing.
    pub async fn link_prototype_payment(
        &self,
        org_id: OrgId,
        actor: &Actor,
        id: i64,
        reference: &str,
    ) -> Result<support::inventions::Invention, AppError> {
        let reference = reference.trim();
        let payment = self
            .prototype_payments(org_id)
            .await?
            .into_iter()
            .find(|p| p.reference == reference)
            .ok_or_else(|| AppError::Rule {
                rule: "R-FUND-3",
                field: "expense".into(),
                message: "is no Competition Sub-Fund payment for prototypes or samples".into(),
            })?;
        if let Some(other) = payment.invention.filter(|other| *other != id) {
            return Err(AppError::Rule {
                rule: "R-INNO-1",
                field: "expense".into(),
                message: format!("is linked to invention {other} already"),
            });
        }
        self.link_invention_expense(org_id, actor, id, reference)
            .await
    }
}
