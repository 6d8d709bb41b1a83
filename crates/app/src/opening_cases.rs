//! The opening position (issue 16): an ODF that starts with history brings it in one CSV file,
//! all or nothing, every problem named by its line and column.
//!
//! # The file
//! One CSV (comma or semicolon; UTF-8; a header line naming the columns, English or Spanish,
//! any order). Each row is one fact; its `record` (`tipo`) says which, and which columns it
//! uses (a column a record does not use must be empty):
//!
//! | record (`tipo`) | columns | what |
//! |---|---|---|
//! | `opening` (`saldos_al`) | `date` | the day of the position; exactly one row |
//! | `contribution` (`aportacion`) | `curp`, `period`, `amount` | a member's contribution paid into the Fund for a period (R-FUND-1) |
//! | `grant` (`donativo`) | `date`, `name`, `amount` | a grant received (R-FUND-1) |
//! | `competition_spent` (`gasto_competencia`) | `date`, `class` (category), `amount` | spent from the Competition Sub-Fund (R-FUND-3) |
//! | `development_withdrawn` (`retiro_desarrollo`) | `date`, `curp`, `class` (purpose), `amount` | withdrawn by a member (R-FUND-4, R-FUND-5) |
//! | `fund_balance` (`saldo_fondo`) | `class` (`development`/`desarrollo`, `competition`/`competencia`), `amount` | the sub-fund's balance on the day: checked against the rows above |
//! | `line` (`linea`) | `id`, `date` (opened), `class` (lender code), `rate` (annual %), `amount` (initial deposit), `limit` (opening limit), `drawn` (drawn on the day) | the credit line (R-CRED-1) |
//! | `line_review` (`revision_linea`) | `line`, `date`, `limit` (after), `class` (`met`/`cumplio`, `late_cured`/`atraso_pagado`, `not_met`/`incumplio`) | a review already done (R-CRED-2) |
//! | `dues` (`cuota`) | `curp`, `period`, `amount` | dues of a period still unpaid (R-ORG-6) |
//!
//! Amounts are pesos (`1,234.50`), dates `YYYY-MM-DD`, periods `YYYY-MM`. Every date is on or
//! after the organisation's founding and on or before the opening day, which is not after today.
//!
//! # What it books
//! One commit: the Fund's facts as its rules record them (`fund::opening`), each line as a
//! `line.imported` credit event whose drawn amount is owed to the lender against the opening
//! equity (`odf:equity:opening`), each member's dues in arrears as a receivable against the
//! same equity, and one `opening.imported` event (stream `opening`, key `opening`) with the
//! file's SHA-256. The same file again answers the first import and writes nothing; another
//! file after it is refused. A period that ends on or before the opening day cannot be closed
//! (its contributions are in the opening).

use crate::access_cases::{AccessError, Action, Viewer};
use crate::credit_cases::book::{Day, Dec};
use crate::credit_cases::{CreditEvent, ReviewSetting};
use crate::events::{event, payload, Actor};
use crate::fund_cases::fund_decision_commit;
use crate::settings_cases::review_setting_from;
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::opening::{
    OpeningContribution, OpeningFund, OpeningGrant, OpeningSpend, OpeningWithdrawal,
};
use fund::{CompetitionCategory, Period, WithdrawalPurpose};
use ledger::{Account, AccountCode, AccountKind, AccountOwner, EntryDraft, Money, Posting};
use registry::import::{csv_error, normalise_header, LineCounter, RowError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use store::{OrgId, StoreError};

/// The stream and key of the opening's own event.
pub const OPENING_STREAM: &str = "opening";
pub const OPENING_KEY: &str = "opening";
/// Most rows one opening file may carry.
pub const MAX_OPENING_ROWS: usize = 100_000;

/// The account that balances what an ODF brings: its net position before Tequio.
pub fn opening_equity() -> AccountCode {
    AccountCode::parse("odf:equity:opening").expect("a valid code")
}

pub fn opening_equity_account() -> Account {
    Account {
        code: opening_equity(),
        kind: AccountKind::Equity,
        owner: AccountOwner::Odf,
        currency: ledger::Currency::MXN,
        name: "Capital de apertura (saldos iniciales)".into(),
    }
}

/// The header of a template file.
pub fn opening_csv_header() -> &'static str {
    "record,date,curp,period,amount,class,name,id,line,rate,limit,drawn"
}

const COLUMNS: [(&str, &[&str]); 12] = [
    ("record", &["tipo", "registro"]),
    ("date", &["fecha"]),
    ("curp", &[]),
    ("period", &["periodo"]),
    ("amount", &["monto", "importe"]),
    ("class", &["clase"]),
    ("name", &["nombre", "descripcion"]),
    ("id", &["numero"]),
    ("line", &["linea"]),
    ("rate", &["tasa"]),
    ("limit", &["limite"]),
    ("drawn", &["dispuesto"]),
];
const RECORD: usize = 0;
const DATE: usize = 1;
const CURP: usize = 2;
const PERIOD: usize = 3;
const AMOUNT: usize = 4;
const CLASS: usize = 5;
const NAME: usize = 6;
const ID: usize = 7;
const LINE: usize = 8;
const RATE: usize = 9;
const LIMIT: usize = 10;
const DRAWN: usize = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Opening,
    Contribution,
    Grant,
    Spent,
    Withdrawn,
    FundBalance,
    Line,
    LineReview,
    Dues,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        Some(match normalise_header(text).as_str() {
            "opening" | "saldos_al" | "apertura" => Kind::Opening,
            "contribution" | "aportacion" => Kind::Contribution,
            "grant" | "donativo" => Kind::Grant,
            "competition_spent" | "gasto_competencia" => Kind::Spent,
            "development_withdrawn" | "retiro_desarrollo" => Kind::Withdrawn,
            "fund_balance" | "saldo_fondo" => Kind::FundBalance,
            "line" | "linea" => Kind::Line,
            "line_review" | "revision_linea" => Kind::LineReview,
            "dues" | "cuota" => Kind::Dues,
            _ => return None,
        })
    }

    /// The columns the record uses.
    fn columns(&self) -> &'static [usize] {
        match self {
            Kind::Opening => &[DATE],
            Kind::Contribution | Kind::Dues => &[CURP, PERIOD, AMOUNT],
            Kind::Grant => &[DATE, NAME, AMOUNT],
            Kind::Spent => &[DATE, CLASS, AMOUNT, NAME],
            Kind::Withdrawn => &[DATE, CURP, CLASS, AMOUNT],
            Kind::FundBalance => &[CLASS, AMOUNT],
            Kind::Line => &[ID, DATE, CLASS, RATE, AMOUNT, LIMIT, DRAWN],
            Kind::LineReview => &[LINE, DATE, LIMIT, CLASS],
        }
    }

    /// Columns a record may leave empty.
    fn optional(&self) -> &'static [usize] {
        match self {
            Kind::Spent => &[NAME],
            _ => &[],
        }
    }
}

/// One row, its cells read.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    line: usize,
    kind: Kind,
    date: Option<NaiveDate>,
    curp: String,
    period: String,
    amount: i64,
    class: String,
    name: String,
    id: i64,
    line_ref: i64,
    rate: Decimal,
    limit: i64,
    drawn: i64,
}

fn row_error(line: usize, field: &'static str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field,
        message: message.into(),
    }
}

/// Reads the file: header, record kinds, every cell of the columns its record uses. Every
/// problem found is listed; nothing is resolved against the organisation yet.
fn parse_rows(text: &str) -> Result<Vec<Row>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut lines = LineCounter::new(text);
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![csv_error(&e, 1)]),
        None => {
            return Err(vec![row_error(
                1,
                "header",
                format!(
                    "the file is empty; its first line names the columns: {}",
                    opening_csv_header()
                ),
            )])
        }
    };
    let header_line = lines.line_of(&header);
    let mut index: [Option<usize>; 12] = [None; 12];
    let mut errors = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = normalise_header(raw);
        match COLUMNS
            .iter()
            .position(|(n, aliases)| *n == name || aliases.contains(&name.as_str()))
        {
            Some(c) if index[c].is_some() => errors.push(row_error(
                header_line,
                "header",
                format!("column '{raw}' is {} again", COLUMNS[c].0),
            )),
            Some(c) => index[c] = Some(i),
            None => errors.push(row_error(
                header_line,
                "header",
                format!(
                    "unknown column '{raw}'; the columns are: {}",
                    opening_csv_header()
                ),
            )),
        }
    }
    if index[RECORD].is_none() {
        errors.push(row_error(
            header_line,
            "header",
            "the column 'record' (tipo) is required",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_error(&e, header_line));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = lines.line_of(&record);
        if rows.len() + errors.len() >= MAX_OPENING_ROWS {
            errors.push(row_error(
                line,
                "file",
                format!("has more than {MAX_OPENING_ROWS} rows"),
            ));
            break;
        }
        let cell = |c: usize| index[c].and_then(|i| record.get(i)).unwrap_or("");
        let Some(kind) = Kind::parse(cell(RECORD)) else {
            errors.push(row_error(
                line,
                "record",
                format!(
                    "'{}' is not a record (opening, contribution, grant, competition_spent, \
                     development_withdrawn, fund_balance, line, line_review, dues)",
                    cell(RECORD)
                ),
            ));
            continue;
        };
        let mut row = Row {
            line,
            kind,
            date: None,
            curp: String::new(),
            period: String::new(),
            amount: 0,
            class: String::new(),
            name: String::new(),
            id: 0,
            line_ref: 0,
            rate: Decimal::ZERO,
            limit: 0,
            drawn: 0,
        };
        let before = errors.len();
        for (c, &(field, _)) in COLUMNS.iter().enumerate().skip(1) {
            let used = kind.columns().contains(&c);
            let value = cell(c);
            if !used {
                if !value.is_empty() {
                    errors.push(row_error(
                        line,
                        field,
                        "is not used by this record; leave it empty",
                    ));
                }
                continue;
            }
            if value.is_empty() {
                if !kind.optional().contains(&c) {
                    errors.push(row_error(line, field, "is required by this record"));
                }
                continue;
            }
            if let Err(e) = registry::check_text(field, value, false) {
                errors.push(row_error(line, field, e.message));
                continue;
            }
            let money = |v: &str| governance::settings::parse_pesos(v);
            match c {
                DATE => match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                    Ok(d) => row.date = Some(d),
                    Err(_) => errors.push(row_error(line, field, format!("'{value}' is not YYYY-MM-DD"))),
                },
                CURP => row.curp = value.to_uppercase(),
                PERIOD => row.period = value.to_string(),
                CLASS => row.class = value.to_string(),
                NAME => row.name = value.to_string(),
                AMOUNT | LIMIT | DRAWN => match money(value) {
                    Some(m) if m > 0 || (c == DRAWN) || (kind == Kind::FundBalance) => match c {
                        AMOUNT => row.amount = m,
                        LIMIT => row.limit = m,
                        _ => row.drawn = m,
                    },
                    _ => errors.push(row_error(
                        line,
                        field,
                        format!("'{value}' is not an amount in pesos above zero with up to two decimals"),
                    )),
                },
                ID | LINE => match value.parse::<i64>() {
                    Ok(n) if n > 0 => {
                        if c == ID {
                            row.id = n
                        } else {
                            row.line_ref = n
                        }
                    }
                    _ => errors.push(row_error(line, field, format!("'{value}' is not a number above zero"))),
                },
                RATE => match Decimal::from_str(value.trim_end_matches('%').trim()) {
                    Ok(r) if r >= Decimal::ZERO && r <= Decimal::new(200, 0) => {
                        row.rate = r / Decimal::ONE_HUNDRED
                    }
                    _ => errors.push(row_error(line, field, format!("'{value}' is not an annual percentage from 0 to 200"))),
                },
                _ => {}
            }
        }
        if errors.len() == before {
            rows.push(row);
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// What an import did (or, for the same file again, what the first import did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningOutcome {
    /// False when the same file had been imported before: nothing was written.
    #[serde(skip)]
    pub created: bool,
    pub as_of: NaiveDate,
    pub sha256: String,
    pub contributions: usize,
    pub grants: usize,
    pub competition_spent: usize,
    pub development_withdrawn: usize,
    pub lines: usize,
    pub line_reviews: usize,
    pub dues: usize,
    pub entries: usize,
}

fn rows_error(mut errors: Vec<RowError>) -> AppError {
    errors.sort_by_key(|e| e.line);
    AppError::Rows(errors.iter().map(ToString::to_string).collect())
}

fn review_outcome(class: &str) -> Option<&'static str> {
    Some(match normalise_header(class).as_str() {
        "met" | "cumplio" => "met",
        "late_cured" | "atraso_pagado" => "late_cured",
        "not_met" | "incumplio" => "not_met",
        _ => return None,
    })
}

impl App {
    /// The opening position recorded for the organisation, if any.
    pub async fn opening(&self, org_id: OrgId) -> Result<Option<OpeningOutcome>, AppError> {
        match self.store().event_by_key(org_id, OPENING_KEY).await {
            Ok(e) => Ok(Some(payload(&e)?)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Imports an opening position (see the module documentation): all or nothing, every bad
    /// line listed (`AppError::Rows`); the same file again writes nothing.
    pub async fn import_opening(
        &self,
        org_id: OrgId,
        text: &str,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<OpeningOutcome, AppError> {
        let org = self.store().org(org_id).await?;
        let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
        if let Some(done) = self.opening(org_id).await? {
            if done.sha256 == sha256 {
                return Ok(OpeningOutcome {
                    created: false,
                    ..done
                });
            }
            return Err(registry::FieldError::new(
                "file",
                format!(
                    "an opening position as of {} was imported before; it cannot be replaced",
                    done.as_of
                ),
            )
            .into());
        }
        let rows = parse_rows(text).map_err(rows_error)?;
        let settings = self.fund_settings(org_id).await?;
        let founded = org.data.founded_on;
        let mut errors = Vec::new();

        // The opening day.
        let openings: Vec<&Row> = rows.iter().filter(|r| r.kind == Kind::Opening).collect();
        let as_of = match openings.as_slice() {
            [one] => one.date.unwrap_or(founded),
            [] => {
                return Err(rows_error(vec![row_error(
                    1,
                    "record",
                    "one row 'opening' (saldos_al) with the day of the position is required",
                )]))
            }
            [_, more @ ..] => {
                return Err(rows_error(
                    more.iter()
                        .map(|r| row_error(r.line, "record", "a second 'opening' row"))
                        .collect(),
                ))
            }
        };
        if as_of > today || as_of < founded {
            errors.push(row_error(
                openings[0].line,
                "date",
                format!("must be between the founding ({founded}) and today ({today})"),
            ));
        }
        for r in &rows {
            if let Some(d) = r.date {
                if r.kind != Kind::Opening && (d < founded || d > as_of) {
                    errors.push(row_error(
                        r.line,
                        "date",
                        format!("{d} must be between the founding ({founded}) and the opening day ({as_of})"),
                    ));
                }
            }
        }

        // Members by CURP.
        let mut members: HashMap<String, i64> = HashMap::new();
        for r in rows.iter().filter(|r| !r.curp.is_empty()) {
            if members.contains_key(&r.curp) {
                continue;
            }
            match self.store().member_by_curp(org_id, &r.curp).await {
                Ok(m) => {
                    members.insert(r.curp.clone(), m.id);
                }
                Err(StoreError::NotFound { .. }) => errors.push(row_error(
                    r.line,
                    "curp",
                    format!("no member of this organisation has CURP {}", r.curp),
                )),
                Err(e) => return Err(e.into()),
            }
        }
        let member = |r: &Row| members.get(&r.curp).copied().unwrap_or(0);
        let period_of =
            |r: &Row, errors: &mut Vec<RowError>| match Period::parse(&r.period, settings.period) {
                Ok(p) if p.last_day() <= as_of => Some(p),
                Ok(p) => {
                    errors.push(row_error(
                        r.line,
                        "period",
                        format!("{p} has not ended by the opening day ({as_of})"),
                    ));
                    None
                }
                Err(e) => {
                    errors.push(row_error(r.line, "period", e.to_string()));
                    None
                }
            };

        // The Fund.
        let key_id = |what: &str, line: usize| {
            crate::fund_cases::ops::ref_id(&format!("opening:{what}:{line}"))
        };
        let mut fund = OpeningFund::default();
        let mut seen: HashMap<(Kind, i64, Period), usize> = HashMap::new();
        let mut dues: BTreeMap<i64, Vec<(Period, i64)>> = BTreeMap::new();
        let mut balances: Vec<(&Row, bool)> = Vec::new();
        for r in &rows {
            match r.kind {
                Kind::Contribution | Kind::Dues => {
                    let Some(p) = period_of(r, &mut errors) else {
                        continue;
                    };
                    let m = member(r);
                    if let Some(first) = seen.insert((r.kind, m, p), r.line) {
                        errors.push(row_error(
                            r.line,
                            "period",
                            format!("this member's {p} is on line {first} already"),
                        ));
                        continue;
                    }
                    if r.kind == Kind::Contribution {
                        fund.contributions.push(OpeningContribution {
                            member_id: m,
                            period: p,
                            amount_minor: r.amount,
                        });
                    } else {
                        dues.entry(m).or_default().push((p, r.amount));
                    }
                }
                Kind::Grant => fund.grants.push(OpeningGrant {
                    id: key_id("grant", r.line),
                    donor: r.name.clone(),
                    amount_minor: r.amount,
                    date: r.date.unwrap_or(as_of),
                }),
                Kind::Spent => match CompetitionCategory::parse(&r.class) {
                    Ok(category) => fund.spent.push(OpeningSpend {
                        id: key_id("competition", r.line),
                        category,
                        amount_minor: r.amount,
                        date: r.date.unwrap_or(as_of),
                    }),
                    Err(e) => errors.push(row_error(r.line, "class", e.to_string())),
                },
                Kind::Withdrawn => match WithdrawalPurpose::parse(&r.class) {
                    Ok(purpose) => fund.withdrawals.push(OpeningWithdrawal {
                        id: key_id("withdrawal", r.line),
                        member_id: member(r),
                        purpose,
                        amount_minor: r.amount,
                        date: r.date.unwrap_or(as_of),
                    }),
                    Err(e) => errors.push(row_error(r.line, "class", e.to_string())),
                },
                Kind::FundBalance => match normalise_header(&r.class).as_str() {
                    "development" | "desarrollo" => balances.push((r, true)),
                    "competition" | "competencia" | "competitividad" => balances.push((r, false)),
                    _ => errors.push(row_error(
                        r.line,
                        "class",
                        "must be development (desarrollo) or competition (competencia)",
                    )),
                },
                _ => {}
            }
        }
        let state = self.fund_state(org_id).await?;
        let fund_line = rows
            .iter()
            .filter(|r| matches!(r.kind, Kind::Spent | Kind::Withdrawn))
            .map(|r| r.line)
            .max()
            .unwrap_or(1);
        let decision =
            match fund::opening::opening_decision(&settings, &state, &fund, "opening:fund") {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(row_error(fund_line, "amount", e.to_string()));
                    None
                }
            };
        if let Some(d) = &decision {
            let mut after = state.clone();
            after.apply_all(&d.events);
            let sub = after.sub_funds();
            for (r, development) in &balances {
                let computed = if *development {
                    sub.development_minor
                } else {
                    sub.competition_minor
                };
                if computed != r.amount {
                    errors.push(row_error(
                        r.line,
                        "amount",
                        format!(
                            "the rows of the file make this sub-fund {}, not {}",
                            Money::new(computed, settings.currency),
                            Money::new(r.amount, settings.currency)
                        ),
                    ));
                }
            }
        }

        // Credit lines, each checked by the credit rules against a copy of the book.
        let mut book = self.credit_book(org_id).await?;
        let history = self.settings_history_of(&org).await?;
        let mut line_events = Vec::new();
        for r in rows.iter().filter(|r| r.kind == Kind::Line) {
            let mut reviews = Vec::new();
            for v in rows
                .iter()
                .filter(|v| v.kind == Kind::LineReview && v.line_ref == r.id)
            {
                match review_outcome(&v.class) {
                    Some(o) => reviews.push((Day(v.date.unwrap_or(as_of)), v.limit, o.to_string())),
                    None => errors.push(row_error(
                        v.line,
                        "class",
                        "must be met (cumplio), late_cured (atraso_pagado) or not_met (incumplio)",
                    )),
                }
            }
            let opened_on = r.date.unwrap_or(as_of);
            let review: ReviewSetting = review_setting_from(&history, opened_on);
            let event = CreditEvent::LineImported {
                line_id: r.id,
                lender_code: r.class.to_lowercase(),
                annual_rate: Dec(r.rate),
                initial_deposit_minor: r.amount,
                opening_limit_minor: r.limit,
                opened_on: Day(opened_on),
                review,
                reviews,
                drawn_minor: r.drawn,
                as_of: Day(as_of),
            };
            let mut trial = book.clone();
            match trial.apply(&event) {
                Ok(_) => line_events.push(event),
                Err(e) => errors.push(row_error(r.line, "line", e.to_string())),
            }
        }
        for v in rows.iter().filter(|v| v.kind == Kind::LineReview) {
            if !rows
                .iter()
                .any(|r| r.kind == Kind::Line && r.id == v.line_ref)
            {
                errors.push(row_error(
                    v.line,
                    "line",
                    format!("no 'line' row has id {}", v.line_ref),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(rows_error(errors));
        }
        let decision = decision.unwrap_or_default();

        // Dues in arrears: one entry per member, against the opening equity (R-ORG-6).
        let mut extra = fund_decision_commit("opening:fund", &decision, actor)?;
        extra.accounts.push(opening_equity_account());
        let mut chart = self.chart(org_id).await?;
        chart.insert(opening_equity(), settings.currency);
        for (member_id, owed) in &dues {
            let total: i64 = owed.iter().map(|(_, a)| a).sum();
            let periods: Vec<String> = owed.iter().map(|(p, _)| p.to_string()).collect();
            let draft = EntryDraft {
                idempotency_key: format!("opening:dues:{member_id}"),
                reason: "opening.dues".into(),
                rule_id: "R-ORG-6".into(),
                date: as_of,
                memo: format!("Cuotas adeudadas al abrir: {}", periods.join(", ")),
                postings: vec![
                    Posting::new(
                        Account::dues_receivable(*member_id),
                        Money::new(total, settings.currency),
                    ),
                    Posting::new(opening_equity(), Money::new(-total, settings.currency)),
                ],
                reverses: None,
            };
            extra
                .entries
                .push(draft.validate(|c| chart.get(c).copied())?);
        }
        let mut outcome = OpeningOutcome {
            created: true,
            as_of,
            sha256,
            contributions: fund.contributions.len(),
            grants: fund.grants.len(),
            competition_spent: fund.spent.len(),
            development_withdrawn: fund.withdrawals.len(),
            lines: line_events.len(),
            line_reviews: rows.iter().filter(|r| r.kind == Kind::LineReview).count(),
            dues: dues.values().map(Vec::len).sum(),
            entries: 0,
        };
        outcome.entries = extra.entries.len()
            + line_events
                .iter()
                .filter(|e| matches!(e, CreditEvent::LineImported { drawn_minor, .. } if *drawn_minor > 0))
                .count();
        extra.events.push(event(
            actor,
            OPENING_STREAM,
            "opening.imported",
            OPENING_KEY.to_string(),
            &outcome,
        )?);
        if extra.entries.len() > store::MAX_BATCH_ENTRIES {
            return Err(registry::FieldError::new(
                "file",
                format!(
                    "books more than {} entries; ask for help to split it",
                    store::MAX_BATCH_ENTRIES
                ),
            )
            .into());
        }
        let created = self
            .credit_commit(org_id, &mut book, actor, line_events, extra)
            .await?
            .created;
        outcome.created = created;
        Ok(outcome)
    }
}

impl App {
    /// [`App::import_opening`] for a signed-in viewer: staff run the ODF.
    pub async fn import_opening_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        text: &str,
        origin: &str,
        today: NaiveDate,
    ) -> Result<OpeningOutcome, AccessError> {
        viewer.check(org_id, Action::ManageMembers)?;
        let actor = Actor::new(&viewer.login, origin);
        Ok(self.import_opening(org_id, text, &actor, today).await?)
    }

    /// The opening position, for anyone who sees the group's shared figures.
    pub async fn opening_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
    ) -> Result<Option<OpeningOutcome>, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        Ok(self.opening(org_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let text = "tipo,fecha,curp,periodo,monto\n\
                    saldos_al,2026-01-31,,,\n\
                    aportacion,,X,2025-13,10\n\
                    donativo,2025-02-30,,,5\n\
                    nada,,,,\n\
                    cuota,2025-01-01,X,2025-01,1\n";
        let errors = parse_rows(text).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field)).collect();
        assert!(found.contains(&(4, "date")), "{found:?}");
        assert!(found.contains(&(4, "name")), "{found:?}");
        assert!(found.contains(&(5, "record")), "{found:?}");
        assert!(found.contains(&(6, "date")), "{found:?}");
        // Line 3 is well formed here; its period is checked against the organisation later.
        assert!(!found.iter().any(|(l, _)| *l == 3), "{found:?}");
    }
}
