//! Dates as the ODF reads them: today in America/Mexico_City, and the `fecha` field of a form
//! that records a fact (issue 14).

use crate::shell::Tr;
use app::fact_date::{check_fact_date, FactDateError};
use app::FactDate;
use chrono::{NaiveDate, Utc};

/// Today in America/Mexico_City: the default date of a fact.
pub(crate) fn today_mx() -> NaiveDate {
    app::fact_date::mexico_city_today(Utc::now())
}

/// The `fecha` field of a form that records a fact (issue 14): empty is today; a text that is
/// not a date, a day after today or before the organisation was founded is refused with the
/// catalogue's message (the app checks the date again with the same function).
pub(crate) fn fact_date_field(
    t: Tr,
    text: &str,
    founded_on: NaiveDate,
) -> Result<FactDate, &'static str> {
    let on = match text.trim() {
        "" => None,
        day => Some(
            NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| t.get("fecha.err.format"))?,
        ),
    };
    let when = FactDate::new(on, today_mx());
    match check_fact_date(when, founded_on) {
        Ok(_) => Ok(when),
        Err(FactDateError::Future { .. }) => Err(t.get("fecha.err.future")),
        Err(FactDateError::BeforeOrg { .. }) => Err(t.get("fecha.err.before_org")),
    }
}
