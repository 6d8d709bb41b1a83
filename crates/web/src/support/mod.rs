//! The support system's pages (issue 19; PROGRAMME.md, "Information, innovation and the
//! support system"), calling the same use cases as `api` (the API routes):
//! - [`opportunities`]: publish an opportunity, a member's "para ti" with "me interesa", who an
//!   opportunity reached (R-INFO-1);
//! - [`inventions`]: the registry, registering an invention, the innovation committee's
//!   reviews (notes shown only to whom the app allows), recusals and stages (R-INNO-1);
//! - [`supervision`]: an ODF's compliance page and the programme's ranking (R-SUP-1);
//! - [`outcomes`]: outcomes (R-SUP-4) and integradoras (R-SUP-3), each with its CSV;
//! - [`invention_costs`]: an invention's prototype and sample payments (R-INNO-1, R-FUND-3);
//! - [`notices`]: the notification outbox of new matches (R-INFO-1);
//! - [`project_results`]: ODFs' project results and their circulation (R-INFO-1);
//! - [`projection`]: scenarios, their months, charts and CSV, compared side by side (R-SUP-2).
//!
//! Shared here: CSV answers, field labels and refusals, the catalogue's names for the support
//! crate's codes, and counts in the Mexican format.

pub mod api;
pub mod invention_costs;
pub mod inventions;
pub mod notices;
pub mod opportunities;
pub mod outcome_series;
pub mod outcomes;
pub mod project_results;
pub mod projection;
pub mod supervision;

use crate::shell::{PageError, Tr};
use crate::AppState;
use app::AppError;
use axum::routing::{get, post};
use axum::Router;
use std::collections::BTreeMap;
use store::OrgId;

/// The support system's pages.
pub(crate) fn routes() -> Router<AppState> {
    use inventions as inv;
    use opportunities as opp;
    use outcomes as out;
    use projection as proj;
    use supervision as sup;
    Router::new()
        .route(
            "/odf/{slug}/oportunidades",
            get(opp::opportunities_page).post(opp::publish),
        )
        .route(
            "/odf/{slug}/oportunidades/{scope}/{id}",
            get(opp::audience_page),
        )
        .route("/odf/{slug}/para-ti", get(opp::my_para_ti))
        .route(
            "/odf/{slug}/socios/{member_id}/para-ti",
            get(opp::para_ti_page),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/interes",
            post(opp::mark_interest),
        )
        .route(
            "/odf/{slug}/inventos",
            get(inv::inventions_page).post(inv::register),
        )
        .route("/odf/{slug}/inventos/{id}", get(inv::invention_page))
        .route("/odf/{slug}/inventos/{id}/revision", post(inv::review))
        .route("/odf/{slug}/inventos/{id}/avanzar", post(inv::advance))
        .route("/odf/{slug}/inventos/{id}/propiedad", post(inv::set_ip))
        .route(
            "/odf/{slug}/inventos/{id}/gastos",
            post(invention_costs::link),
        )
        .route("/odf/{slug}/cumplimiento", get(sup::compliance_page))
        .route(
            "/odf/{slug}/cumplimiento.csv",
            get(sup::compliance_csv_page),
        )
        .route("/odf/{slug}/resultados", get(out::odf_outcomes_page))
        .route("/odf/{slug}/resultados.csv", get(out::odf_outcomes_csv))
        .route(
            "/programa/cumplimiento",
            get(sup::programme_compliance_page),
        )
        .route(
            "/programa/cumplimiento.csv",
            get(sup::programme_compliance_csv),
        )
        .route("/programa/resultados", get(out::programme_outcomes_page))
        .route("/programa/resultados.csv", get(out::programme_outcomes_csv))
        .route(
            "/programa/proyeccion",
            get(proj::projection_page).post(proj::save_scenario),
        )
        .route("/programa/proyeccion.csv", get(proj::projection_csv))
        .route("/programa/integradoras", get(out::integradoras_page))
        .route("/programa/integradoras.csv", get(out::integradoras_csv))
        .route("/odf/{slug}/avisos", get(notices::outbox_page))
        .route("/odf/{slug}/avisos.csv", get(notices::outbox_csv))
        .route(
            "/odf/{slug}/experiencias",
            get(project_results::results_page).post(project_results::publish),
        )
        .route(
            "/odf/{slug}/experiencias/{id}/circular",
            post(project_results::circulate),
        )
        .route(
            "/programa/experiencias",
            get(project_results::circulated_page),
        )
}

/// The support system's API routes (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{slug}/opportunities",
            get(api::list_opportunities).post(api::publish_opportunity),
        )
        .route(
            "/orgs/{slug}/opportunities/{scope}/{id}/audience",
            get(api::opportunity_audience),
        )
        .route(
            "/orgs/{slug}/members/{member_id}/para-ti",
            get(api::para_ti),
        )
        .route(
            "/orgs/{slug}/members/{member_id}/interests",
            post(api::mark_interest),
        )
        .route(
            "/orgs/{slug}/inventions",
            get(api::list_inventions).post(api::register_invention),
        )
        .route("/orgs/{slug}/inventions/{id}", get(api::get_invention))
        .route(
            "/orgs/{slug}/inventions/{id}/reviews",
            get(api::invention_reviews).post(api::review_invention),
        )
        .route(
            "/orgs/{slug}/inventions/{id}/advance",
            post(api::advance_invention),
        )
        .route("/orgs/{slug}/compliance", get(api::odf_compliance))
        .route("/orgs/{slug}/outcomes", get(api::odf_outcomes))
        .route(
            "/orgs/{slug}/outcomes/series",
            get(outcome_series::odf_series),
        )
        .route(
            "/programme/opportunities",
            get(api::programme_opportunities).post(api::publish_programme_opportunity),
        )
        .route("/programme/compliance", get(api::programme_compliance))
        .route("/programme/outcomes", get(api::programme_outcomes))
        .route(
            "/programme/outcomes/series",
            get(outcome_series::programme_series),
        )
        .route(
            "/programme/projection/scenarios",
            get(api::list_scenarios).post(api::save_scenario),
        )
        .route("/programme/projection", get(api::compare_scenarios))
        .route("/programme/integradoras", get(api::integradoras))
        .route(
            "/orgs/{slug}/notifications",
            get(notices::list_notifications),
        )
        .route(
            "/orgs/{slug}/results",
            get(project_results::list_results).post(project_results::publish_result),
        )
        .route(
            "/orgs/{slug}/results/{id}/circulate",
            post(project_results::circulate_result),
        )
        .route(
            "/programme/results",
            get(project_results::circulated_results),
        )
        .route(
            "/orgs/{slug}/inventions/{id}/expenses",
            get(invention_costs::list_expenses).post(invention_costs::link_expense),
        )
}

// The CSV helpers are the shell's (`shell::csv`), shared with the other chapters' downloads.
pub(crate) use crate::shell::csv::{csv_line, csv_pesos, csv_response};

/// A count as Mexico writes it: `24,000`.
pub(crate) fn count(n: i128) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// The label of a field of the support forms (named in a refusal).
pub(crate) fn field_label(t: Tr, field: &str) -> &'static str {
    match field {
        "kind" => t.get("sup.f.kind"),
        "title" => t.get("sup.f.title"),
        "description" => t.get("sup.f.description"),
        "deadline" => t.get("sup.f.deadline"),
        "trades" => t.get("sup.f.trades"),
        "states" => t.get("sup.f.states"),
        "municipalities" => t.get("sup.f.municipalities"),
        "programmes" => t.get("sup.f.programmes"),
        "profile" => t.get("sup.f.profile"),
        "min_capacity" => t.get("sup.f.min_capacity"),
        "opportunity" | "opportunity_id" => t.get("sup.f.opportunity"),
        "inventors" => t.get("sup.f.inventors"),
        "household" => t.get("sup.f.household"),
        "ip_status" => t.get("sup.f.ip_status"),
        "ip_kind" => t.get("sup.f.ip_kind"),
        "ip_number" => t.get("sup.f.ip_number"),
        "ip_filed_on" | "filed_on" => t.get("sup.f.ip_filed_on"),
        "ip_granted_on" | "granted_on" => t.get("sup.f.ip_granted_on"),
        "notes" => t.get("sup.f.notes"),
        "reviewer" | "by" => t.get("sup.f.reviewer"),
        "stage" => t.get("sup.f.stage"),
        "name" => t.get("sup.f.name"),
        "months" => t.get("sup.f.months"),
        "annual_growth" => t.get("sup.f.annual_growth"),
        "contribution_rate" => t.get("sup.f.contribution_rate"),
        "review_months" => t.get("sup.f.review_months"),
        "review_factor" => t.get("sup.f.review_factor"),
        "cap_multiple" => t.get("sup.f.cap_multiple"),
        "initial_line_multiple" => t.get("sup.f.initial_line_multiple"),
        "deposit_per_new_odf" => t.get("sup.f.deposit_per_new_odf"),
        "utilisation" => t.get("sup.f.utilisation"),
        "period" => t.get("sup.f.period"),
        _ => t.get("sup.f.other"),
    }
}

/// A refusal shown above a form: what to fix, naming the field in the page's language.
pub(crate) fn refusal(t: Tr, field: &str, message: &str) -> String {
    format!("{message} ({})", field_label(t, field))
}

/// A use case's refusal of a form (a field or a rule): the refusal naming the field; anything
/// else is the page's error.
pub(crate) fn app_refusal(t: Tr, e: AppError, generic: &str) -> Result<String, PageError> {
    if e.is_caller_error() {
        let field = e.field().unwrap_or("other").to_string();
        Ok(refusal(t, &field, generic))
    } else {
        Err(PageError::from_app(t, e))
    }
}

/// Members' names by id (names appear, not ids); an id that is no member is left out.
pub(crate) async fn member_names(
    state: &AppState,
    org: OrgId,
    ids: Vec<i64>,
) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    for id in ids {
        if out.contains_key(&id) {
            continue;
        }
        if let Ok(m) = state.app.store().member(org, id).await {
            out.insert(id, format!("{} {}", m.data.given_names, m.data.surnames));
        }
    }
    out
}

/// A target programme (R-ORG-4) by its code.
pub(crate) fn programme_label(t: Tr, code: &str) -> &'static str {
    match code {
        "inventors" => t.get("sup.prog.inventors"),
        "women" => t.get("sup.prog.women"),
        "young" => t.get("sup.prog.young"),
        "elderly" => t.get("sup.prog.elderly"),
        "disabled" => t.get("sup.prog.disabled"),
        "artistic_cultural" => t.get("sup.prog.artistic_cultural"),
        "popular_art" => t.get("sup.prog.popular_art"),
        "indigenous" => t.get("sup.prog.indigenous"),
        _ => t.get("sup.f.other"),
    }
}

/// Every target programme: (code, label).
pub(crate) fn programme_options(t: Tr) -> Vec<(&'static str, &'static str)> {
    registry::TargetProgramme::ALL
        .iter()
        .map(|p| (p.as_str(), programme_label(t, p.as_str())))
        .collect()
}

/// Comma-separated text as a list of trimmed, non-empty items.
pub(crate) fn list(text: &str) -> Vec<String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::csv::csv_cell;

    #[test]
    fn counts_and_csv_cells_are_written_as_mexico_and_spreadsheets_read_them() {
        assert_eq!(count(24_000), "24,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-999), "-999");
        assert_eq!(csv_pesos(864_000_000), "8640000.00");
        assert_eq!(csv_pesos(-5), "-0.05");
        assert_eq!(csv_cell("Tlayacapan, Morelos"), "\"Tlayacapan, Morelos\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-12.50"), "-12.50");
        assert_eq!(list(" a, b ,,c"), vec!["a", "b", "c"]);
    }
}
