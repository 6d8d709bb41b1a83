//! The date a business fact happened (issue 14). Every use case that records one — a plan
//! agreed or changed, a report filed, a grant or temporary contribution received or returned,
//! Competition spending, a Development withdrawal, a member's payment, an import — takes the
//! day it happened from the person recording it (`--on` on the CLI, a date field on the web,
//! default today) and checks it here, in one place: never after today, never before the
//! organisation existed. The date checked is the date of the resulting entries and events, so
//! a grant received last week counts where its own date puts it (R-CRED-1's initial deposit
//! reads entry dates).
//!
//! The app reads no clock: the shell passes `today`, computed by [`mexico_city_today`].

use crate::{App, AppError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use store::OrgId;

/// The field a refused fact date names (`--on` on the CLI, `fecha` on the web forms).
pub const FIELD: &str = "on";

/// When a fact happened (`on`) and the day it is recorded (`today`, America/Mexico_City).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactDate {
    pub on: NaiveDate,
    pub today: NaiveDate,
}

impl FactDate {
    /// The date the user gave, or today when they gave none.
    pub fn new(on: Option<NaiveDate>, today: NaiveDate) -> FactDate {
        FactDate {
            on: on.unwrap_or(today),
            today,
        }
    }

    /// A fact recorded the day it happened.
    pub fn today(today: NaiveDate) -> FactDate {
        FactDate::new(None, today)
    }
}

/// A bare date is a fact recorded the day it happened (the demo, batch runs, tests).
impl From<NaiveDate> for FactDate {
    fn from(today: NaiveDate) -> FactDate {
        FactDate::today(today)
    }
}

/// Why a fact date was refused; its message is Spanish (es-MX), the web shows its own
/// catalogue's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactDateError {
    /// After today in America/Mexico_City.
    Future { on: NaiveDate, today: NaiveDate },
    /// Before the organisation was founded.
    BeforeOrg {
        on: NaiveDate,
        founded_on: NaiveDate,
    },
}

impl std::fmt::Display for FactDateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactDateError::Future { on, today } => write!(
                f,
                "la fecha {on} es posterior a hoy ({today}); registre hechos ya ocurridos"
            ),
            FactDateError::BeforeOrg { on, founded_on } => write!(
                f,
                "la fecha {on} es anterior a la fundación de la organización ({founded_on})"
            ),
        }
    }
}

impl From<FactDateError> for AppError {
    fn from(e: FactDateError) -> AppError {
        registry::FieldError::new(FIELD, e.to_string()).into()
    }
}

/// The date of a fact if it may be recorded: not after `today`, not before `founded_on`.
pub fn check_fact_date(when: FactDate, founded_on: NaiveDate) -> Result<NaiveDate, FactDateError> {
    if when.on > when.today {
        return Err(FactDateError::Future {
            on: when.on,
            today: when.today,
        });
    }
    if when.on < founded_on {
        return Err(FactDateError::BeforeOrg {
            on: when.on,
            founded_on,
        });
    }
    Ok(when.on)
}

/// Today in America/Mexico_City at the instant `now`: UTC−6 all year, as Mexico has had no
/// daylight saving time since October 2022 (so no time-zone database is needed).
pub fn mexico_city_today(now: DateTime<Utc>) -> NaiveDate {
    const UTC_MINUS_6: i32 = -6 * 3600;
    let zone = FixedOffset::east_opt(UTC_MINUS_6).expect("UTC-6 is a valid offset");
    now.with_timezone(&zone).date_naive()
}

impl App {
    /// The date of a fact to record in the organisation, checked by [`check_fact_date`]
    /// against the organisation's founding date; refused as a field error on `on`.
    pub async fn fact_date(
        &self,
        org_id: OrgId,
        when: impl Into<FactDate>,
    ) -> Result<NaiveDate, AppError> {
        let org = self.store().org(org_id).await?;
        Ok(check_fact_date(when.into(), org.data.founded_on)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_fact_date_is_between_the_founding_and_today() {
        let founded = d(2025, 1, 1);
        let today = d(2026, 3, 10);
        let ok = |on| check_fact_date(FactDate::new(Some(on), today), founded);
        assert_eq!(ok(today), Ok(today));
        assert_eq!(ok(founded), Ok(founded));
        assert_eq!(
            ok(d(2026, 3, 11)),
            Err(FactDateError::Future {
                on: d(2026, 3, 11),
                today
            })
        );
        assert_eq!(
            ok(d(2024, 12, 31)),
            Err(FactDateError::BeforeOrg {
                on: d(2024, 12, 31),
                founded_on: founded
            })
        );
        assert_eq!(
            check_fact_date(FactDate::new(None, today), founded),
            Ok(today)
        );
        let e: AppError = FactDateError::Future {
            on: d(2026, 3, 11),
            today,
        }
        .into();
        assert_eq!(e.field(), Some("on"));
        assert!(e.to_string().contains("posterior a hoy"), "{e}");
    }

    #[test]
    fn today_in_mexico_city_is_six_hours_behind_utc() {
        // 05:59 UTC on 2026-12-05 is 23:59 on 2026-12-04 in Mexico City; 06:00 is midnight.
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 5, h, m, 0).unwrap();
        assert_eq!(mexico_city_today(at(5, 59)), d(2026, 12, 4));
        assert_eq!(mexico_city_today(at(6, 0)), d(2026, 12, 5));
        // Summer too: no daylight saving time since 2022.
        let july = Utc.with_ymd_and_hms(2026, 7, 1, 5, 30, 0).unwrap();
        assert_eq!(mexico_city_today(july), d(2026, 6, 30));
    }
}
