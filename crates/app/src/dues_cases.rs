//! Union dues (R-ORG-6) and the collection sheet (*hoja de cobranza*, issue 17).
//!
//! - **Charging a period**: every member active on the period's first day is charged the dues
//!   in force on that day (the settings history, R-ORG-6), once: the charge of a period is the
//!   event `dues.charged` (stream `dues`, key `dues:charge:{period}`) committed with the last of
//!   its entries (`dues:charge:{period}:{member}`, the demo's keys), so charging the same
//!   period again writes nothing, and a charge killed part-way and run again ends the same.
//! - **A payment** is one commit: the entry (bank against the member's dues receivable, key
//!   `dues:pay:{reference}`) and `dues.paid` (key the same); its receipt number is the event's
//!   sequence number. More than the member owes is refused (no prepaid dues).
//! - **Arrears** are the balances of the members' dues receivables, read in one query.
//! - **The collection sheet** lists, for a meeting on a date, what each active member owes:
//!   dues in arrears; loan installments due by then and unpaid (of which the trust paid, to be
//!   replenished, R-FUND-6); contributions and profit share the closes made owed (R-FUND-1,
//!   R-PLAN-3); and the recent periods with no income report (R-PLAN-2).
//! - **Recording a collection** takes what was collected, member by member, and writes it in
//!   ONE commit: the dues payments, the loan payments (with the trust's replenishment, as
//!   `repay_loan` does), the Fund settlements (as `settle_member_debts` does) and the event
//!   `collection.recorded` (key `collection:{token}`, the form's token; the payments' references
//!   are `cob-{hash of the key}-m{member}`). Any bad line refuses
//!   the whole form naming the member and the field; the same token again answers the first
//!   recording without writing.

use crate::credit_cases::book::Day;
use crate::credit_cases::{CreditBook, CreditEvent};
use crate::events::{event, payload, Actor};
use crate::fund_cases::{fund_decision_commit, ops};
use crate::{App, AppError, FactDate};
use chrono::NaiveDate;
use credit::loan::{Borrower, LoanStatus};
use fund::{Period, PeriodSettings};
use governance::settings::SettingKey;
use ledger::{Account, AccountCode, EntryDraft, Money, Posting, ValidEntry};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use store::{Commit, MemberId, Org, OrgId, Page, MAX_BATCH_ENTRIES, MAX_PAGE};

/// The stream of dues charges and payments.
pub const DUES_STREAM: &str = "dues";
/// The stream of recorded collections.
pub const COLLECTIONS_STREAM: &str = "collections";
/// Most lines one collection form records (its event lists them all).
pub const MAX_COLLECTION_LINES: usize = 1_000;
/// How many finished report periods before the meeting the sheet checks for missing reports.
pub const SHEET_REPORT_PERIODS: usize = 3;

const RULE: &str = "R-ORG-6";

/// What charging a period did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuesCharge {
    /// `YYYY-MM`, the period's first month.
    pub period: String,
    /// The day the charge is dated (the period's first day).
    pub on: NaiveDate,
    /// The dues in force that day, minor units.
    pub amount_minor: i64,
    /// Members charged.
    pub members: usize,
    pub total_minor: i64,
    /// False when the period had been charged before: nothing was written.
    #[serde(skip)]
    pub created: bool,
    /// Entries this call wrote (0 on a replay).
    #[serde(skip)]
    pub posted: usize,
}

/// `dues.paid`: one payment, the receipt's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DuesPaid {
    member_id: MemberId,
    amount_minor: i64,
    on: NaiveDate,
    reference: String,
}

/// A payment's receipt (*recibo*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuesReceipt {
    /// The receipt number: the sequence number of the payment's event (unique in the ODF).
    pub number: i64,
    pub member_id: MemberId,
    pub member_name: String,
    pub amount_minor: i64,
    pub on: NaiveDate,
    /// When it was recorded (UTC; pages show America/Mexico_City).
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub reference: String,
    /// What the member still owes after this payment (now).
    pub arrears_after_minor: i64,
    /// False when the same payment had been recorded before.
    pub created: bool,
}

/// One member's dues in arrears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArrearsRow {
    pub member_id: MemberId,
    pub name: String,
    pub arrears_minor: i64,
    /// Whether the member is active today (a member who left may still owe).
    pub active: bool,
}

/// The ODF's dues in arrears: members who owe, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuesArrears {
    pub rows: Vec<ArrearsRow>,
    pub total_minor: i64,
    pub members_in_arrears: usize,
    /// The dues in force today and their period length.
    pub amount_minor: i64,
    pub period_months: u32,
}

/// One member's line on the collection sheet (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetRow {
    pub member_id: MemberId,
    pub name: String,
    pub municipality: String,
    /// Dues in arrears.
    pub dues_minor: i64,
    /// Loan installments due by the meeting and unpaid.
    pub loan_due_minor: i64,
    /// Of those, what the trust paid the lender and the member must replenish (R-FUND-6).
    pub trust_paid_minor: i64,
    /// Contributions owed (R-FUND-1).
    pub contribution_minor: i64,
    /// Profit share owed (R-PLAN-3).
    pub profit_share_minor: i64,
    /// Finished periods with no income report while a plan was active (R-PLAN-2).
    #[serde(serialize_with = "period_keys")]
    pub missing_reports: Vec<Period>,
}

fn period_keys<S: serde::Serializer>(periods: &[Period], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(periods.iter().map(|p| p.key()))
}

impl SheetRow {
    /// Contributions and profit share owed.
    pub fn fund_minor(&self) -> i64 {
        self.contribution_minor + self.profit_share_minor
    }
    /// Everything due at the meeting.
    pub fn total_minor(&self) -> i64 {
        self.dues_minor + self.loan_due_minor + self.fund_minor()
    }
}

/// The sheet's totals (minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SheetTotals {
    pub dues_minor: i64,
    pub loan_due_minor: i64,
    pub trust_paid_minor: i64,
    pub fund_minor: i64,
    pub total_minor: i64,
    pub missing_reports: usize,
}

/// The collection sheet of a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionSheet {
    pub on: NaiveDate,
    pub rows: Vec<SheetRow>,
    pub totals: SheetTotals,
}

impl CollectionSheet {
    fn of_rows(on: NaiveDate, rows: Vec<SheetRow>) -> CollectionSheet {
        let mut totals = SheetTotals::default();
        for r in &rows {
            totals.dues_minor += r.dues_minor;
            totals.loan_due_minor += r.loan_due_minor;
            totals.trust_paid_minor += r.trust_paid_minor;
            totals.fund_minor += r.fund_minor();
            totals.total_minor += r.total_minor();
            totals.missing_reports += r.missing_reports.len();
        }
        CollectionSheet { on, rows, totals }
    }

    /// The municipalities of the sheet's members, in order, once each.
    pub fn municipalities(&self) -> Vec<String> {
        let mut names: Vec<String> = self.rows.iter().map(|r| r.municipality.clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// Issue 17: one page of the sheet (`page` from 1, clamped to the last page) of
    /// `per_page` members, in the sheet's order, with that page's totals: a meeting of a large
    /// ODF is collected a page at a time, each page saved all or nothing.
    pub fn page(&self, page: usize, per_page: usize) -> CollectionSheet {
        let per_page = per_page.max(1);
        let page = page.clamp(1, self.pages(per_page));
        let rows = self
            .rows
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        CollectionSheet::of_rows(self.on, rows)
    }

    /// How many pages of `per_page` members the sheet has (at least one, even when empty).
    pub fn pages(&self, per_page: usize) -> usize {
        self.rows.len().div_ceil(per_page.max(1)).max(1)
    }

    /// The sheet of one municipality's members, with its totals.
    pub fn of_municipality(self, municipality: &str) -> CollectionSheet {
        let rows = self
            .rows
            .into_iter()
            .filter(|r| r.municipality.eq_ignore_ascii_case(municipality))
            .collect();
        CollectionSheet::of_rows(self.on, rows)
    }
}

/// What was collected from one member at the meeting (minor units, each zero or more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CollectionLine {
    pub member_id: MemberId,
    #[serde(default)]
    pub dues_minor: i64,
    #[serde(default)]
    pub loan_minor: i64,
    #[serde(default)]
    pub fund_minor: i64,
}

impl CollectionLine {
    pub fn total_minor(&self) -> i64 {
        self.dues_minor + self.loan_minor + self.fund_minor
    }
}

/// `collection.recorded`: the form as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CollectionRecorded {
    on: NaiveDate,
    /// `[member_id, dues, loan, fund]` per member who paid something.
    lines: Vec<[i64; 4]>,
}

/// What recording a collection did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionOutcome {
    pub token: String,
    pub on: NaiveDate,
    /// Members who paid something.
    pub members: usize,
    pub dues_minor: i64,
    pub loan_minor: i64,
    pub fund_minor: i64,
    pub total_minor: i64,
    /// False when this form had been recorded before: nothing was written.
    pub created: bool,
}

impl CollectionOutcome {
    fn of(token: &str, r: &CollectionRecorded, created: bool) -> Self {
        let sum = |i: usize| r.lines.iter().map(|l| l[i]).sum::<i64>();
        let (dues_minor, loan_minor, fund_minor) = (sum(1), sum(2), sum(3));
        CollectionOutcome {
            token: token.to_string(),
            on: r.on,
            members: r.lines.len(),
            dues_minor,
            loan_minor,
            fund_minor,
            total_minor: dues_minor + loan_minor + fund_minor,
            created,
        }
    }
}

/// The field of a collection line, as refusals name it (`lines.{member_id}.{field}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionField {
    Dues,
    Loan,
    Fund,
}

impl CollectionField {
    pub fn as_str(&self) -> &'static str {
        match self {
            CollectionField::Dues => "dues",
            CollectionField::Loan => "loan",
            CollectionField::Fund => "fund",
        }
    }

    fn rule(&self) -> &'static str {
        match self {
            CollectionField::Dues => RULE,
            CollectionField::Loan => "R-CRED-4",
            CollectionField::Fund => "R-FUND-1",
        }
    }

    fn label_es(&self) -> &'static str {
        match self {
            CollectionField::Dues => "cuota",
            CollectionField::Loan => "préstamo",
            CollectionField::Fund => "aportación y participación",
        }
    }
}

/// The field name a refusal of a collection line carries: `lines.{member_id}.{field}`.
pub fn line_field(member_id: MemberId, field: CollectionField) -> String {
    format!("lines.{member_id}.{}", field.as_str())
}

/// Reads a field name made by [`line_field`] back.
pub fn parse_line_field(field: &str) -> Option<(MemberId, CollectionField)> {
    let rest = field.strip_prefix("lines.")?;
    let (id, f) = rest.split_once('.')?;
    let f = match f {
        "dues" => CollectionField::Dues,
        "loan" => CollectionField::Loan,
        "fund" => CollectionField::Fund,
        _ => return None,
    };
    Some((id.parse().ok()?, f))
}

fn line_error(member: &str, member_id: MemberId, field: CollectionField, why: String) -> AppError {
    AppError::Rule {
        rule: field.rule(),
        field: line_field(member_id, field),
        message: format!("{member}, {}: {why}", field.label_es()),
    }
}

pub(crate) fn pesos(minor: i64) -> String {
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}${grouped}.{:02}", abs % 100)
}

/// A member's name as pages show it.
pub fn member_name(m: &registry::Member) -> String {
    format!("{} {}", m.data.given_names, m.data.surnames)
}

/// A form token or payment reference: 1 to 64 characters of `[A-Za-z0-9._-]`.
fn check_token(field: &'static str, token: &str) -> Result<(), AppError> {
    let ok = !token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(registry::FieldError::new(
            field,
            "debe tener de 1 a 64 caracteres: letras, números, punto, guion o guion bajo",
        )
        .into())
    }
}

#[allow(clippy::too_many_arguments)]
fn dues_draft(
    key: String,
    reason: &str,
    date: NaiveDate,
    memo: String,
    debit: AccountCode,
    credit: AccountCode,
    amount: Money,
) -> EntryDraft {
    EntryDraft {
        idempotency_key: key,
        reason: reason.to_string(),
        rule_id: RULE.to_string(),
        date,
        memo,
        postings: vec![
            Posting::new(debit, amount),
            Posting::new(
                credit,
                Money::new(-amount.amount_minor(), amount.currency()),
            ),
        ],
        reverses: None,
    }
}

/// The entry of a dues payment (bank against the member's receivable).
fn payment_draft(key: String, member_id: MemberId, amount: Money, on: NaiveDate) -> EntryDraft {
    dues_draft(
        key,
        "dues.payment",
        on,
        "Pago de cuota".to_string(),
        ledger::account::codes::odf_bank(),
        Account::dues_receivable(member_id),
        amount,
    )
}

/// What a member's active loans have due by `on` and unpaid, and what of it the trust paid.
fn loan_position(book: &CreditBook, member_id: MemberId, on: NaiveDate) -> (i64, i64) {
    let mut due = 0;
    let mut trust = 0;
    for ls in member_loans(book, member_id) {
        due += ls
            .loan
            .book
            .rows
            .iter()
            .filter(|r| r.due_date <= on)
            .map(|r| r.outstanding().total())
            .sum::<i64>();
        let trust_paid: i64 = ls.trust_paid.values().map(|(p, i)| p + i).sum();
        trust += (trust_paid - ls.replenished_minor).max(0);
    }
    (due, trust.min(due))
}

fn member_loans(
    book: &CreditBook,
    member_id: MemberId,
) -> impl Iterator<Item = &crate::credit_cases::LoanState> {
    book.loans.values().filter(move |ls| {
        ls.loan.borrower == Borrower::Member(member_id) && ls.loan.status == LoanStatus::Active
    })
}

/// Splits what a member paid toward loans: first what each active loan has due by `on`
/// (oldest loan first), then the rest prepays them in the same order, up to each payoff
/// (R-CRED-4). `Err(most)` when the amount is more than paying everything off.
fn split_loan_payment(
    book: &CreditBook,
    member_id: MemberId,
    amount: i64,
    on: NaiveDate,
) -> Result<Vec<(i64, i64)>, i64> {
    let loans: Vec<_> = member_loans(book, member_id).collect();
    let mut parts: BTreeMap<i64, i64> = BTreeMap::new();
    let mut rest = amount;
    for ls in &loans {
        let due: i64 = ls
            .loan
            .book
            .rows
            .iter()
            .filter(|r| r.due_date <= on)
            .map(|r| r.outstanding().total())
            .sum();
        let take = rest.min(due);
        if take > 0 {
            *parts.entry(ls.loan.id).or_default() += take;
            rest -= take;
        }
    }
    let mut most = 0;
    for ls in &loans {
        let payoff = credit::loan::payoff_minor(&ls.loan, on);
        most += payoff;
        let already = parts.get(&ls.loan.id).copied().unwrap_or(0);
        let take = rest.min(payoff - already).max(0);
        if take > 0 {
            *parts.entry(ls.loan.id).or_default() += take;
            rest -= take;
        }
    }
    if rest > 0 {
        return Err(most);
    }
    Ok(parts.into_iter().collect())
}

impl App {
    /// The dues period of `text` (`YYYY-MM`, its first month), of the length in force on its
    /// first day (R-ORG-6's setting).
    pub async fn dues_period(&self, org: &Org, text: &str) -> Result<Period, AppError> {
        let bad = |why: String| AppError::Rule {
            rule: RULE,
            field: "period".into(),
            message: why,
        };
        let text = text.trim();
        let (y, m) = text
            .split_once('-')
            .filter(|(y, m)| y.len() == 4 && m.len() == 2)
            .ok_or_else(|| bad(format!("«{text}» no es un mes AAAA-MM")))?;
        let (Ok(year), Ok(month)) = (y.parse::<i32>(), m.parse::<u32>()) else {
            return Err(bad(format!("«{text}» no es un mes AAAA-MM")));
        };
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| bad(format!("«{text}» no es un mes AAAA-MM")))?;
        let months = self
            .settings_history_of(org)
            .await?
            .value_on(SettingKey::DuesPeriodMonths, first)
            .number()
            .unwrap_or(org.data.dues_period_months)
            .clamp(1, 12);
        let settings = PeriodSettings::months(months as u8)?;
        let period = Period::containing(first, settings);
        if period.first_day() != first {
            return Err(bad(format!(
                "las cuotas son de {months} meses: el periodo empieza en {}",
                period.key()
            )));
        }
        Ok(period)
    }

    /// R-ORG-6: the dues in force on `on` (minor units; 0 or less: none), from the settings
    /// history (issue 16).
    pub async fn dues_in_force(&self, org: &Org, on: NaiveDate) -> Result<i64, AppError> {
        Ok(self
            .settings_history_of(org)
            .await?
            .value_on(SettingKey::DuesAmount, on)
            .money()
            .unwrap_or(org.data.dues_amount_minor))
    }

    /// R-ORG-6: charges a period's dues to every member active on its first day, at the dues
    /// in force that day, once (see the module's documentation). Refused, nothing written: a
    /// period not begun by `today` or ended before the ODF was founded, or no dues set then.
    pub async fn charge_dues_period(
        &self,
        org_id: OrgId,
        period_text: &str,
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<DuesCharge, AppError> {
        let org = self.store().org(org_id).await?;
        let period = self.dues_period(&org, period_text).await?;
        let key = format!("dues:charge:{}", period.key());
        if let Some(done) = self.event_if_any(org_id, &key).await? {
            let mut charge: DuesCharge = payload(&done)?;
            charge.created = false;
            return Ok(charge);
        }
        let refuse = |why: String| AppError::Rule {
            rule: RULE,
            field: "period".into(),
            message: why,
        };
        if period.first_day() > today {
            return Err(refuse(format!(
                "el periodo {} aún no empieza: se cobra desde su primer día",
                period.key()
            )));
        }
        if period.last_day() < org.data.founded_on {
            return Err(refuse(format!(
                "el periodo {} terminó antes de la fundación de la organización ({})",
                period.key(),
                org.data.founded_on
            )));
        }
        let on = period.first_day().max(org.data.founded_on);
        let on = self.fact_date(org_id, FactDate { on, today }).await?;
        // R-ORG-6: the dues in force on the period's first day (issue 16's settings history).
        let amount_minor = self.dues_in_force(&org, period.first_day()).await?;
        if amount_minor <= 0 {
            return Err(refuse(format!(
                "no hay cuota fijada para el periodo {}",
                period.key()
            )));
        }
        let chart = self.chart(org_id).await?;
        let amount = Money::new(amount_minor, org.data.currency);
        // A member whose dues of this period came in the opening position owes them already,
        // booked under the same key (issue 16): they are not charged again.
        let opened: std::collections::BTreeSet<MemberId> = self
            .opening_record(org_id)
            .await?
            .map(|r| {
                r.dues_periods
                    .into_iter()
                    .filter(|(_, periods)| periods.iter().any(|p| *p == period.key()))
                    .map(|(m, _)| m)
                    .collect()
            })
            .unwrap_or_default();
        let mut entries: Vec<ValidEntry> = Vec::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let members = self.store().members(org_id, page).await?;
            let Some(last) = members.last() else { break };
            page.after_id = last.id;
            for m in members
                .iter()
                .filter(|m| m.is_active_on(on) && !opened.contains(&m.id))
            {
                // The demo's keys and memo: a period the demo charged is the same charge.
                let draft = dues_draft(
                    crate::registry_cases::dues_charge_key(&period.key(), m.id),
                    "dues.charge",
                    on,
                    format!("Cuota {}", period.key()),
                    Account::dues_receivable(m.id),
                    ledger::account::codes::dues_income(),
                    amount,
                );
                entries.push(draft.validate(|c| chart.get(c).copied())?);
            }
        }
        let charge = DuesCharge {
            period: period.key(),
            on,
            amount_minor,
            members: entries.len(),
            total_minor: amount_minor * entries.len() as i64,
            created: true,
            posted: 0,
        };
        let done = event(actor, DUES_STREAM, "dues.charged", key, &charge)?;
        // At most MAX_BATCH_ENTRIES a commit; the event goes with the last one, so a charge is
        // done only when every member's entry is in (the keys make a rerun finish it).
        let mut chunks: Vec<Vec<ValidEntry>> = entries
            .chunks(MAX_BATCH_ENTRIES)
            .map(|c| c.to_vec())
            .collect();
        let last = chunks.pop().unwrap_or_default();
        let mut posted = 0;
        for chunk in chunks {
            let c = self
                .store()
                .commit(
                    org_id,
                    &Commit {
                        entries: chunk,
                        ..Commit::default()
                    },
                )
                .await?;
            posted += c.posted.iter().filter(|p| p.created).count();
        }
        let c = self
            .store()
            .commit(
                org_id,
                &Commit {
                    entries: last,
                    events: vec![done],
                    ..Commit::default()
                },
            )
            .await?;
        posted += c.posted.iter().filter(|p| p.created).count();
        Ok(DuesCharge {
            posted,
            created: !c.was_replay(),
            ..charge
        })
    }

    /// R-ORG-6: records a member's dues payment into the ODF's bank, with its receipt, in one
    /// commit (see the module's documentation). `reference` names the payment (a receipt book
    /// number, the form's token): the same reference again answers the first receipt. Refused:
    /// an amount that is not positive or more than the member owes (`amount`), a fact date
    /// after today or before the ODF (`on`).
    pub async fn record_dues_payment(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        amount_minor: i64,
        when: impl Into<FactDate>,
        reference: &str,
        actor: &Actor,
    ) -> Result<DuesReceipt, AppError> {
        check_token("reference", reference)?;
        let when = when.into();
        let key = format!("dues:pay:{reference}");
        let member = self.store().member(org_id, member_id).await?;
        // Two payments of one member at once cannot together pay more than is owed: each
        // claims the member's dues slot (`retrying!` reads again after losing it).
        retrying!("record_dues_payment", {
            if let Some(done) = self.event_if_any(org_id, &key).await? {
                let p: DuesPaid = payload(&done)?;
                if (p.member_id, p.amount_minor) != (member_id, amount_minor) {
                    return Err(store::StoreError::conflict(format!(
                        "la referencia {reference} ya se usó en otro pago"
                    ))
                    .into());
                }
                return self.receipt_of(org_id, &done, false).await;
            }
            let org = self.store().org(org_id).await?;
            let on = self.fact_date(org_id, when).await?;
            if amount_minor <= 0 {
                return Err(
                    registry::FieldError::new("amount", "tiene que ser mayor que cero").into(),
                );
            }
            let amount = Money::new(amount_minor, org.data.currency);
            // The slot is read before the balance: a payment committed in between shows in
            // the balance, or takes this slot first.
            let slot = self.dues_slot(org_id, member_id, &key, actor).await?;
            let owed = self.dues_arrears_minor(org_id, member_id).await?;
            if amount_minor > owed {
                return Err(AppError::Rule {
                    rule: RULE,
                    field: "amount".into(),
                    message: format!(
                        "{} debe {} de cuotas: no se cobra más de lo que debe",
                        member_name(&member),
                        pesos(owed)
                    ),
                });
            }
            let chart = self.chart(org_id).await?;
            let entry = payment_draft(key.clone(), member_id, amount, on)
                .validate(|c| chart.get(c).copied())?;
            let paid = event(
                actor,
                DUES_STREAM,
                "dues.paid",
                key.clone(),
                &DuesPaid {
                    member_id,
                    amount_minor,
                    on,
                    reference: reference.to_string(),
                },
            )?;
            let committed = self
                .store()
                .commit(
                    org_id,
                    &Commit {
                        entries: vec![entry],
                        events: vec![paid, slot],
                        ..Commit::default()
                    },
                )
                .await?;
            let done = self.store().event_by_key(org_id, &key).await?;
            self.receipt_of(org_id, &done, !committed.was_replay())
                .await
        })
    }

    /// The slot a payment of a member's dues claims (`dues:m{id}:slot:{n}`, stream
    /// `dues-slots`, `n` the entries on the member's dues receivable it read): two payments
    /// that read the same balance claim the same key and the store refuses the second.
    async fn dues_slot(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        claimed_by: &str,
        actor: &Actor,
    ) -> Result<store::NewEvent, AppError> {
        let code = Account::dues_receivable(member_id);
        let mut n = 0usize;
        let mut page = Page::first(MAX_PAGE);
        loop {
            let entries = self.store().account_entries(org_id, &code, page).await?;
            let Some(last) = entries.last() else { break };
            page.after_id = last.id;
            n += entries.len();
            if entries.len() < MAX_PAGE as usize {
                break;
            }
        }
        event(
            actor,
            "dues-slots",
            "dues.slot",
            format!("dues:m{member_id}:slot:{n}"),
            &claimed_by,
        )
    }

    /// The receipt of a recorded payment, by its reference.
    pub async fn dues_receipt(
        &self,
        org_id: OrgId,
        reference: &str,
    ) -> Result<DuesReceipt, AppError> {
        check_token("reference", reference)?;
        let done = self
            .store()
            .event_by_key(org_id, &format!("dues:pay:{reference}"))
            .await?;
        self.receipt_of(org_id, &done, false).await
    }

    async fn receipt_of(
        &self,
        org_id: OrgId,
        done: &store::StoredEvent,
        created: bool,
    ) -> Result<DuesReceipt, AppError> {
        let p: DuesPaid = payload(done)?;
        let member = self.store().member(org_id, p.member_id).await?;
        Ok(DuesReceipt {
            number: done.seq,
            member_id: p.member_id,
            member_name: member_name(&member),
            amount_minor: p.amount_minor,
            on: p.on,
            recorded_at: done.event.recorded_at,
            reference: p.reference,
            arrears_after_minor: self.dues_arrears_minor(org_id, p.member_id).await?,
            created,
        })
    }

    /// R-ORG-6: every member who owes dues, and the ODF's totals; `today` picks the dues in
    /// force and who is active.
    pub async fn dues_arrears(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<DuesArrears, AppError> {
        let org = self.store().org(org_id).await?;
        let balances = self.store().balances(org_id).await?;
        let history = self.settings_history_of(&org).await?;
        let mut rows = Vec::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let members = self.store().members(org_id, page).await?;
            let Some(last) = members.last() else { break };
            page.after_id = last.id;
            for m in &members {
                let owed = balances
                    .balance_minor(&Account::dues_receivable(m.id), org.data.currency)
                    as i64;
                if owed != 0 {
                    rows.push(ArrearsRow {
                        member_id: m.id,
                        name: member_name(m),
                        arrears_minor: owed,
                        active: m.is_active_on(today),
                    });
                }
            }
        }
        rows.sort_by(|a, b| {
            b.arrears_minor
                .cmp(&a.arrears_minor)
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(DuesArrears {
            total_minor: rows.iter().map(|r| r.arrears_minor).sum(),
            members_in_arrears: rows.iter().filter(|r| r.arrears_minor > 0).count(),
            rows,
            amount_minor: history
                .value_on(SettingKey::DuesAmount, today)
                .money()
                .unwrap_or(org.data.dues_amount_minor),
            period_months: history
                .value_on(SettingKey::DuesPeriodMonths, today)
                .number()
                .unwrap_or(org.data.dues_period_months),
        })
    }

    /// The collection sheet of a meeting on `on`: every member active that day (of one
    /// municipality when `municipality` is given) with what they owe (see the module's
    /// documentation), by name.
    pub async fn collection_sheet(
        &self,
        org_id: OrgId,
        on: NaiveDate,
        municipality: Option<&str>,
    ) -> Result<CollectionSheet, AppError> {
        let org = self.store().org(org_id).await?;
        let balances = self.store().balances(org_id).await?;
        let book = self.credit_book(org_id).await?;
        let fund = self.fund_state(org_id).await?;
        let settings = self.fund_settings(org_id).await?;
        // R-PLAN-2: the last finished report periods before the meeting.
        let mut periods = Vec::new();
        let mut p = Period::containing(on, settings.period).prev();
        for _ in 0..SHEET_REPORT_PERIODS {
            if p.last_day() < org.data.founded_on {
                break;
            }
            periods.push(p);
            p = p.prev();
        }
        periods.reverse();
        let mut reported: Vec<(Period, HashSet<MemberId>)> = Vec::new();
        for p in &periods {
            let by = self.effective_reports(org_id, *p).await?;
            reported.push((*p, by.keys().copied().collect()));
        }
        // Issue 17: the plans by member, so that each member's row looks at their own plans
        // only (not every plan of the organisation for every member).
        let mut plans: HashMap<MemberId, Vec<fund::BusinessPlan>> = HashMap::new();
        for plan in self.plans(org_id).await? {
            plans.entry(plan.member_id).or_default().push(plan);
        }
        let mut rows = Vec::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let members = self.store().members(org_id, page).await?;
            let Some(last) = members.last() else { break };
            page.after_id = last.id;
            for m in members.iter().filter(|m| m.is_active_on(on)) {
                let (loan_due_minor, trust_paid_minor) = loan_position(&book, m.id, on);
                let f = fund.member(m.id);
                // A period is missing when a plan of the member was active through it and
                // agreed before it ended (R-PLAN-1, R-PLAN-2).
                let missing_reports = reported
                    .iter()
                    .filter(|(p, who)| {
                        !who.contains(&m.id)
                            && plans.get(&m.id).is_some_and(|theirs| {
                                theirs.iter().any(|plan| {
                                    plan.status == fund::PlanStatus::Active
                                        && plan.agreed_on <= p.last_day()
                                })
                            })
                    })
                    .map(|(p, _)| *p)
                    .collect();
                rows.push(SheetRow {
                    member_id: m.id,
                    name: member_name(m),
                    municipality: m.data.municipality.clone(),
                    dues_minor: balances
                        .balance_minor(&Account::dues_receivable(m.id), org.data.currency)
                        as i64,
                    loan_due_minor,
                    trust_paid_minor,
                    contribution_minor: f.outstanding().total(),
                    profit_share_minor: f.profit_share_outstanding_minor(),
                    missing_reports,
                });
            }
        }
        rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.member_id.cmp(&b.member_id)));
        let sheet = CollectionSheet::of_rows(on, rows);
        Ok(match municipality {
            Some(m) => sheet.of_municipality(m),
            None => sheet,
        })
    }

    /// Records what staff collected at a meeting, member by member, in ONE commit (see the
    /// module's documentation). `token` is the form's (1 to 64 of `[A-Za-z0-9._-]`): the same
    /// token again answers the first recording and writes nothing; with other figures it is
    /// a conflict. A line with a negative amount, or more than the member owes in that field
    /// (dues, loans' payoff, contributions and profit share), refuses the whole form naming the
    /// member and the field (`lines.{member_id}.{dues|loan|fund}`).
    pub async fn record_collection(
        &self,
        org_id: OrgId,
        token: &str,
        when: impl Into<FactDate>,
        lines: &[CollectionLine],
        actor: &Actor,
    ) -> Result<CollectionOutcome, AppError> {
        check_token("token", token)?;
        let when = when.into();
        let key = format!("collection:{token}");
        let mut paying: Vec<CollectionLine> = lines
            .iter()
            .copied()
            .filter(|l| l.dues_minor != 0 || l.loan_minor != 0 || l.fund_minor != 0)
            .collect();
        paying.sort_by_key(|l| l.member_id);
        let recorded = CollectionRecorded {
            on: when.on,
            lines: paying
                .iter()
                .map(|l| [l.member_id, l.dues_minor, l.loan_minor, l.fund_minor])
                .collect(),
        };
        // A dues line claims its member's dues slot (see `record_dues_payment`): after losing
        // it to another payment the form is read and decided again.
        retrying!("record_collection", {
            if let Some(outcome) = self.collection_replay(org_id, token, &recorded).await? {
                return Ok(outcome);
            }
            let on = self.fact_date(org_id, when).await?;
            if paying.len() > MAX_COLLECTION_LINES {
                return Err(registry::FieldError::new(
                    "lines",
                    format!("a lo más {MAX_COLLECTION_LINES} socios por hoja"),
                )
                .into());
            }
            if paying.windows(2).any(|w| w[0].member_id == w[1].member_id) {
                return Err(
                    registry::FieldError::new("lines", "un socio aparece dos veces").into(),
                );
            }
            match self
                .collection_commit(org_id, &key, on, &paying, &recorded, actor)
                .await
            {
                Ok(created) => Ok(CollectionOutcome::of(token, &recorded, created)),
                Err(e) if e.is_transient() => Err(e),
                // Sent twice at once: the other copy was committed first, and this one was
                // decided on some of what it wrote (a refusal) or conflicts with it.
                Err(e) => match self.collection_replay(org_id, token, &recorded).await? {
                    Some(outcome) => Ok(outcome),
                    None => Err(e),
                },
            }
        })
    }

    /// The first recording of this form, if there was one; a conflict if it had other figures.
    async fn collection_replay(
        &self,
        org_id: OrgId,
        token: &str,
        recorded: &CollectionRecorded,
    ) -> Result<Option<CollectionOutcome>, AppError> {
        let Some(done) = self
            .event_if_any(org_id, &format!("collection:{token}"))
            .await?
        else {
            return Ok(None);
        };
        let first: CollectionRecorded = payload(&done)?;
        if first.lines != recorded.lines {
            return Err(store::StoreError::conflict(format!(
                "la hoja {token} ya se guardó con otras cantidades"
            ))
            .into());
        }
        Ok(Some(CollectionOutcome::of(token, &first, false)))
    }

    /// Checks every line against what the member owes and builds the one commit.
    async fn collection_commit(
        &self,
        org_id: OrgId,
        key: &str,
        on: NaiveDate,
        lines: &[CollectionLine],
        recorded: &CollectionRecorded,
        actor: &Actor,
    ) -> Result<bool, AppError> {
        let org = self.store().org(org_id).await?;
        // The dues slots are read before the balances (see `record_dues_payment`).
        let mut slots = std::collections::HashMap::new();
        for line in lines.iter().filter(|l| l.dues_minor > 0) {
            slots.insert(
                line.member_id,
                self.dues_slot(org_id, line.member_id, key, actor).await?,
            );
        }
        // The references of the form's payments: short whatever the token's length (a loan
        // payment's is at most 64 characters), one per member.
        let form = format!("{:016x}", fund::content_hash(key));
        // The Fund before the books it decides on: the form's Fund part (settlements,
        // replenishments) claims the Fund's slot it read (`claim_fund_slot`).
        let fund_book = self.fund_book(org_id).await?;
        let fund_read = fund_book.events_read;
        let mut fund = fund_book.state;
        let balances = self.store().balances(org_id).await?;
        let mut book = self.credit_book(org_id).await?;
        let settings = self.fund_settings(org_id).await?;
        let chart = self.chart(org_id).await?;
        let mut commit = Commit::default();
        for line in lines {
            let member = self.store().member(org_id, line.member_id).await?;
            let name = member_name(&member);
            let id = line.member_id;
            let refuse = |f: CollectionField, why: String| line_error(&name, id, f, why);
            for (f, v) in [
                (CollectionField::Dues, line.dues_minor),
                (CollectionField::Loan, line.loan_minor),
                (CollectionField::Fund, line.fund_minor),
            ] {
                if v < 0 {
                    return Err(refuse(f, "la cantidad no puede ser negativa".into()));
                }
            }
            let reference = format!("cob-{form}-m{id}");
            if line.dues_minor > 0 {
                let owed =
                    balances.balance_minor(&Account::dues_receivable(id), org.data.currency) as i64;
                if line.dues_minor > owed {
                    return Err(refuse(
                        CollectionField::Dues,
                        format!("debe {}: no se cobra más de lo que debe", pesos(owed)),
                    ));
                }
                let amount = Money::new(line.dues_minor, org.data.currency);
                commit.events.extend(slots.remove(&id));
                commit.entries.push(
                    payment_draft(format!("dues:pay:{reference}"), id, amount, on)
                        .validate(|c| chart.get(c).copied())?,
                );
            }
            if line.loan_minor > 0 {
                let parts = split_loan_payment(&book, id, line.loan_minor, on).map_err(|most| {
                    refuse(
                        CollectionField::Loan,
                        format!(
                            "sus préstamos se liquidan con {}: no se cobra más",
                            pesos(most)
                        ),
                    )
                })?;
                for (loan_id, amount_minor) in parts {
                    // R-CRED-4 as `repay_loan`; R-FUND-6: what the member pays goes back into
                    // the trust, up to what it paid for the loan.
                    let paid = CreditEvent::LoanPaid {
                        loan_id,
                        reference: reference.clone(),
                        amount_minor,
                        on: Day(on),
                    };
                    crate::credit_cases::cases::credit_stage(
                        &mut book,
                        actor,
                        vec![paid],
                        &mut commit,
                    )?;
                    if let Some((replenished, fund_commit)) = self
                        .replenish_for(org_id, &book, &mut fund, loan_id, on, &reference, actor)
                        .await?
                    {
                        merge(&mut commit, fund_commit);
                        crate::credit_cases::cases::credit_stage(
                            &mut book,
                            actor,
                            vec![replenished],
                            &mut commit,
                        )?;
                    }
                }
            }
            if line.fund_minor > 0 {
                let m = fund.member(id);
                let owed = m.outstanding().total() + m.profit_share_outstanding_minor();
                if line.fund_minor > owed {
                    return Err(refuse(
                        CollectionField::Fund,
                        format!("debe {}: no se cobra más de lo que debe", pesos(owed)),
                    ));
                }
                // R-FUND-1, R-PLAN-3 as `settle_member_debts`: contributions first.
                let pay_key = format!("payment:{reference}");
                let d = ops::settle_decision(
                    &settings,
                    &fund,
                    id,
                    ops::ref_id(&pay_key),
                    Some(line.fund_minor),
                    None,
                    on,
                )?;
                fund.apply_all(&d.events);
                merge(&mut commit, fund_decision_commit(&pay_key, &d, actor)?);
            }
        }
        commit.events.push(event(
            actor,
            COLLECTIONS_STREAM,
            "collection.recorded",
            key.to_string(),
            recorded,
        )?);
        if commit.entries.len() > MAX_BATCH_ENTRIES {
            return Err(registry::FieldError::new(
                "lines",
                "demasiados pagos para una hoja: divídala en dos",
            )
            .into());
        }
        let mut seen = HashSet::new();
        commit.accounts.retain(|a| seen.insert(a.code.clone()));
        crate::fund_cases::claim_fund_slot(&mut commit, fund_read, actor)?;
        let done = self.store().commit(org_id, &commit).await?;
        Ok(!done.was_replay())
    }
}

fn merge(into: &mut Commit, from: Commit) {
    into.accounts.extend(from.accounts);
    into.events.extend(from.events);
    into.entries.extend(from.entries);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sheet_is_paged_with_each_pages_totals() {
        let on = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let row = |id: i64| super::SheetRow {
            member_id: id,
            name: format!("Socio {id}"),
            municipality: "Cuautla".into(),
            dues_minor: 5_000,
            loan_due_minor: id * 100,
            trust_paid_minor: 0,
            contribution_minor: 0,
            profit_share_minor: 0,
            missing_reports: Vec::new(),
        };
        let sheet = super::CollectionSheet::of_rows(on, (1..=5).map(row).collect());
        assert_eq!(sheet.pages(2), 3);
        let second = sheet.page(2, 2);
        let ids: Vec<i64> = second.rows.iter().map(|r| r.member_id).collect();
        assert_eq!(ids, [3, 4]);
        // 2 × 50.00 of dues, 3.00 + 4.00 of installments.
        assert_eq!(second.totals.dues_minor, 10_000);
        assert_eq!(second.totals.loan_due_minor, 700);
        assert_eq!(second.totals.total_minor, 10_700);
        // Past the end: the last page; before the start: the first.
        assert_eq!(sheet.page(9, 2).rows.len(), 1);
        assert_eq!(sheet.page(0, 2).rows[0].member_id, 1);
        let empty = super::CollectionSheet::of_rows(on, Vec::new());
        assert_eq!((empty.pages(50), empty.page(1, 50).rows.len()), (1, 0));
    }

    use super::*;

    #[test]
    fn a_line_field_reads_back() {
        let f = line_field(42, CollectionField::Loan);
        assert_eq!(f, "lines.42.loan");
        assert_eq!(parse_line_field(&f), Some((42, CollectionField::Loan)));
        assert_eq!(parse_line_field("lines.x.loan"), None);
        assert_eq!(parse_line_field("period"), None);
    }

    #[test]
    fn pesos_are_grouped() {
        assert_eq!(pesos(12_345_678), "$123,456.78");
        assert_eq!(pesos(5), "$0.05");
        assert_eq!(pesos(-70_000), "-$700.00");
    }

    #[test]
    fn tokens_are_short_and_plain() {
        assert!(check_token("token", "abc-123_x.y").is_ok());
        assert!(check_token("token", "").is_err());
        assert!(check_token("token", "con espacio").is_err());
        assert!(check_token("token", &"a".repeat(65)).is_err());
    }
}
