//! Credit in the browser (issue 18; R-CRED-1..6, R-GOV-2, R-FUND-6): loans from the
//! simulator's offer to the last payment, and the portfolio. Pages, API routes and templates
//! (`templates/credit_*.html`) over `app::credit_cases`.
//!
//! - `loans`: apply (a member for themself, staff for a member), the board's proposal (voted on
//!   the proposals page), disbursement and repayments (staff) with a printable receipt, the
//!   loan page (schedule, paid, due, days late), the list of loans.
//! - `portfolio`: PAR30, PAR90, repayment rate and aging buckets, with a CSV download.
//! - `api`: the same operations under `/api/v1/orgs/{slug}/loans...`.
//! - `leases` (R-LEASE-1, R-LEASE-2): the list, a lease's page, start under the board's
//!   decision, rents with receipts, the purchase option, the transfer; `leases_api` under
//!   `/api/v1/orgs/{slug}/leases...` (the purchase option's route is the Fund chapter's,
//!   `fund::api::purchase_lease`).
//! - `lines` (R-CRED-1, R-CRED-2, R-CRED-6): the lines and opening one, a line's page (the
//!   limit history as a chart, reviews with their reasons, draws, repayments, the transfer to
//!   another lender); `lines_api` under `/api/v1/orgs/{slug}/credit-lines...`.

mod api;
mod leases;
mod leases_api;
pub(crate) mod lines;
mod lines_api;
mod loans;
mod portfolio;
mod view;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub(crate) use api::CreditApiDoc;

/// The pages of the credit chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/odf/{slug}/prestamos", get(loans::loans_page))
        .route(
            "/odf/{slug}/prestamos/solicitar",
            get(loans::apply_page).post(loans::apply_post),
        )
        .route("/odf/{slug}/prestamos/{loan_id}", get(loans::loan_page))
        .route(
            "/odf/{slug}/prestamos/{loan_id}/entregar",
            post(loans::disburse_post),
        )
        .route(
            "/odf/{slug}/prestamos/{loan_id}/pago",
            post(loans::repay_post),
        )
        .route(
            "/odf/{slug}/prestamos/{loan_id}/recibos/{reference}",
            get(loans::receipt_page),
        )
        .route("/odf/{slug}/cartera", get(portfolio::portfolio_page))
        .route("/odf/{slug}/cartera.csv", get(portfolio::portfolio_csv))
        .route("/odf/{slug}/arrendamientos", get(leases::leases_page))
        .route("/odf/{slug}/arrendamientos.csv", get(leases::leases_csv))
        .route(
            "/odf/{slug}/arrendamientos/nuevo",
            get(leases::start_page).post(leases::start_post),
        )
        .route(
            "/odf/{slug}/arrendamientos/{lease_id}",
            get(leases::lease_page),
        )
        .route(
            "/odf/{slug}/arrendamientos/{lease_id}/renta",
            post(leases::rent_post),
        )
        .route(
            "/odf/{slug}/arrendamientos/{lease_id}/compra",
            post(leases::buy_post),
        )
        .route(
            "/odf/{slug}/arrendamientos/{lease_id}/traspaso",
            post(leases::transfer_post),
        )
        .route(
            "/odf/{slug}/arrendamientos/{lease_id}/rentas.csv",
            get(leases::rents_csv),
        )
        .route(
            "/odf/{slug}/arrendamientos/{lease_id}/recibos/{reference}",
            get(leases::receipt_page),
        )
        .route(
            "/odf/{slug}/lineas",
            get(lines::lines_page).post(lines::open_post),
        )
        .route("/odf/{slug}/lineas/{line_id}", get(lines::line_page))
        .route(
            "/odf/{slug}/lineas/{line_id}/revision",
            post(lines::review_post),
        )
        .route(
            "/odf/{slug}/lineas/{line_id}/disposicion",
            post(lines::draw_post),
        )
        .route("/odf/{slug}/lineas/{line_id}/pago", post(lines::repay_post))
        .route(
            "/odf/{slug}/lineas/{line_id}/traspaso",
            post(lines::transfer_post),
        )
        .route(
            "/odf/{slug}/lineas/{line_id}/limites.csv",
            get(lines::limits_csv),
        )
        .route(
            "/odf/{slug}/lineas/{line_id}/movimientos.csv",
            get(lines::moves_csv),
        )
}

/// The JSON routes of the credit chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{slug}/loans", get(api::list_loans).post(api::apply))
        .route("/orgs/{slug}/loans/{loan_id}", get(api::get_loan))
        .route(
            "/orgs/{slug}/loans/{loan_id}/disbursement",
            post(api::disburse),
        )
        .route("/orgs/{slug}/loans/{loan_id}/payments", post(api::repay))
        .route("/orgs/{slug}/loan-portfolio", get(api::portfolio))
        .route(
            "/orgs/{slug}/leases",
            get(leases_api::list_leases).post(leases_api::start),
        )
        .route("/orgs/{slug}/leases/{lease_id}", get(leases_api::get_lease))
        .route(
            "/orgs/{slug}/leases/{lease_id}/rents",
            post(leases_api::pay_rent),
        )
        .route(
            "/orgs/{slug}/leases/{lease_id}/transfer",
            post(leases_api::transfer),
        )
        .route(
            "/orgs/{slug}/credit-lines",
            get(lines_api::list_lines).post(lines_api::open),
        )
        .route(
            "/orgs/{slug}/credit-lines/{line_id}",
            get(lines_api::get_line),
        )
        .route(
            "/orgs/{slug}/credit-lines/{line_id}/reviews",
            post(lines_api::review),
        )
        .route(
            "/orgs/{slug}/credit-lines/{line_id}/draws",
            post(lines_api::draw),
        )
        .route(
            "/orgs/{slug}/credit-lines/{line_id}/repayments",
            post(lines_api::repay),
        )
        .route(
            "/orgs/{slug}/credit-lines/{line_id}/transfer",
            post(lines_api::transfer),
        )
}
