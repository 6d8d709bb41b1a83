//! Words every chapter uses for the same things (issue 17: moved out of the chapters that
//! called each other for them): a role in the ODF as people say it, a stored text (a date, an
//! instant, a month, a state) in words, a proposal's subject in words, and a member's cost of
//! buying alone and saving (R-BUY-1).

use crate::shell::Tr;
use app::access_cases::OrgRole;
use governance::settings::{SettingKey, SettingType, SettingValue};
use governance::{Fraction, Majority};

/// A role in the ODF in the page's language (`Personal de la ODF`, `Consejo directivo`, ...).
pub(crate) fn role_label(t: Tr, role: OrgRole) -> &'static str {
    match role {
        OrgRole::Staff => t.get("role.staff"),
        OrgRole::Board => t.get("role.board"),
        OrgRole::Member => t.get("role.member"),
        OrgRole::SupportCommittee => t.get("role.support_committee"),
        OrgRole::Donor => t.get("role.donor"),
        OrgRole::Adviser => t.get("role.adviser"),
    }
}

/// A stored text in words: an instant as local time, a date, a month, a known state.
pub(crate) fn string_in_words(t: crate::shell::Tr, s: &str) -> String {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(s) {
        return t.datetime(&at.with_timezone(&chrono::Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return t.date(&d);
    }
    if let Some((y, m)) = s.split_once('-') {
        if let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>()) {
            if y > 1900 && (1..=12).contains(&m) && s.len() == 7 {
                return crate::shell::format::period_in((y, m), 1, t.lang);
            }
        }
    }
    // A state by its word; a kind of event written `loan-paid` as the event's name.
    t.lookup(&format!("audit.v.{s}"))
        .or_else(|| t.event_kind(&s.replacen('-', ".", 1)))
        .map_or_else(|| s.to_string(), str::to_string)
}

/// A proposal's subject as people read it (issue 17): `loan:7` is "préstamo n.º 7", a setting
/// change names the setting, its value and from when; a subject typed by a person is shown as
/// typed.
pub(crate) fn subject_words(t: Tr, subject: &str) -> String {
    if let Ok(p) = governance::settings::SettingProposal::from_subject(subject) {
        return t.fmt_all(
            "proposal.subject.setting",
            &[
                setting_label(t, p.key),
                &format_value(t, p.key, &p.value),
                &t.date(&p.effective_on),
            ],
        );
    }
    subject
        .split_once(':')
        .and_then(|(kind, rest)| {
            t.lookup(&format!("proposal.subject.{kind}"))
                .map(|m| m.replacen("{}", &string_in_words(t, rest), 1))
        })
        .unwrap_or_else(|| subject.to_string())
}

/// The setting's name in the page's language.
pub fn setting_label(t: Tr, key: SettingKey) -> &'static str {
    match key {
        SettingKey::YoungBelowYears => t.get("setting.young_below_years"),
        SettingKey::ElderlyFromYears => t.get("setting.elderly_from_years"),
        SettingKey::Quorum => t.get("setting.quorum"),
        SettingKey::Majority => t.get("setting.majority"),
        SettingKey::DuesAmount => t.get("setting.dues_amount"),
        SettingKey::DuesPeriodMonths => t.get("setting.dues_period_months"),
        SettingKey::ReportPeriodMonths => t.get("setting.report_period_months"),
        SettingKey::ProfitShare => t.get("setting.profit_share"),
        SettingKey::InadequatePlanPeriods => t.get("setting.inadequate_plan_periods"),
        SettingKey::ContributionRate => t.get("setting.contribution_rate"),
        SettingKey::ReviewLateDays => t.get("setting.review_late_days"),
        SettingKey::ReviewWhenMet => t.get("setting.review_when_met"),
        SettingKey::ReviewWhenCured => t.get("setting.review_when_cured"),
        SettingKey::ReviewOtherwise => t.get("setting.review_otherwise"),
        SettingKey::LeasePurchasePrice => t.get("setting.lease_purchase_price"),
        SettingKey::LeaseDefaultDays => t.get("setting.lease_default_days"),
        SettingKey::AllowBuyUp => t.get("setting.allow_buy_up"),
    }
}

fn fraction_text(f: Fraction) -> String {
    if f.denominator == 1 {
        f.numerator.to_string()
    } else {
        format!("{}/{}", f.numerator, f.denominator)
    }
}

/// A value as people read it: `10 %`, `90 días`, `$1.00`, `más de 1/2 del consejo`, `×2`.
pub fn format_value(t: Tr, key: SettingKey, value: &SettingValue) -> String {
    let count = |n: u32, one: &str, many: &str| {
        if n == 1 {
            t.fmt(one, "1")
        } else {
            t.fmt(many, &n.to_string())
        }
    };
    match (key.value_type(), value) {
        (SettingType::Percent, SettingValue::Percent(d)) => format!("{} %", d.normalize()),
        (SettingType::Months, SettingValue::Number(n)) => {
            count(*n, "settings.unit.month", "settings.unit.months")
        }
        (SettingType::Days, SettingValue::Number(n)) => {
            count(*n, "settings.unit.day", "settings.unit.days")
        }
        (SettingType::Years, SettingValue::Number(n)) => {
            count(*n, "settings.unit.year", "settings.unit.years")
        }
        (SettingType::Periods, SettingValue::Number(n)) => {
            count(*n, "settings.unit.period", "settings.unit.periods")
        }
        (_, SettingValue::Money(m)) => t.money(i128::from(*m)),
        (_, SettingValue::Bool(true)) => t.get("settings.yes").to_string(),
        (_, SettingValue::Bool(false)) => t.get("settings.no").to_string(),
        (SettingType::Quorum, SettingValue::Fraction(f)) => {
            t.fmt("settings.quorum_value", &fraction_text(*f))
        }
        (_, SettingValue::Fraction(f)) => format!("×{}", fraction_text(*f)),
        (_, SettingValue::Majority(Majority::Simple)) => t.get("settings.majority_simple").into(),
        (_, SettingValue::Majority(Majority::Qualified(f))) => {
            t.fmt("settings.majority_qualified", &fraction_text(*f))
        }
        (_, v) => v.to_text(),
    }
}

/// The cost alone and the saving of a member's line as shown (R-BUY-1): a member who could
/// not buy alone is told so in words, and has no saving figure ("—"), never zero.
pub(crate) fn alone_and_saving(t: Tr, m: &app::trade_cases::MemberSavingsRow) -> (String, String) {
    (
        m.alone_minor.map_or_else(
            || t.get("trade.could_not_buy_alone").to_string(),
            |a| t.money(a as i128),
        ),
        m.saving_minor
            .map_or_else(|| "—".to_string(), |s| t.money(s as i128)),
    )
}

/// Why a limit changed, in words (R-CRED-1 opening, R-CRED-2 reviews).
pub(crate) fn limit_reason(t: Tr, r: credit::line::LimitReason) -> &'static str {
    match r {
        credit::line::LimitReason::Opened => t.get("line.reason.opened"),
        credit::line::LimitReason::ReviewMet => t.get("line.reason.review_met"),
        credit::line::LimitReason::ReviewLateButCured => t.get("line.reason.review_late_cured"),
        credit::line::LimitReason::ReviewNotMet => t.get("line.reason.review_not_met"),
    }
}
