//! The Fund (issue 3): reporting income, a member's statement (with its credit and trade
//! parts, cached: `pages::StatementCache`), the period close, the Fund page (`pages`); and
//! their API (`api`), which also has the loan quote, a lease's purchase option and the trade
//! summary.
//!
//! The Fund's operations in the browser and the API (issue 18): what `tequio fund
//! spend|withdraw|pay|grant|temporary|return` do, through the same `app` use cases.
//!
//! - [`operations`]: the pages. `/odf/{slug}/fondo/gasto` (staff pay an expense the board
//!   approved, naming the decision and its R-FUND-3 category), `/odf/{slug}/socios/{id}/retiro`
//!   (a member uses their own entitlement, R-FUND-4, R-FUND-5), `/odf/{slug}/fondo/pagos` (a
//!   member pays what the closes made them owe, with its receipt
//!   `/odf/{slug}/fondo/recibos/{reference}`), `/odf/{slug}/fondo/aportaciones` (grants,
//!   temporary contributions and their return, R-FUND-1, R-FUND-2).
//! - [`operations_api`]: the same under `/api/v1/orgs/{slug}/fund/...`.
//!
//! Reading is for staff, the board and supervisors (`ViewMembers`); a receipt also for its
//! member; every write is staff's (`ManageMembers`), but a withdrawal, which only the member
//! themself decides (`app::fund_cases::operations::check_withdrawal`). Every form carries a
//! hidden reference made when it is shown: it is the operation's key, so a form sent twice
//! records once.

pub(crate) mod api;
mod downloads;
pub mod operations;
pub mod operations_api;
pub mod pages;
pub(crate) mod statement_csv;

use crate::shell::read_cache;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/odf/{slug}/socios/{member_id}",
            get(pages::member_statement),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/estado.csv",
            get(statement_csv::statement_csv),
        )
        .route("/odf/{slug}/reportar", get(pages::my_report))
        .route(
            "/odf/{slug}/socios/{member_id}/reporte",
            get(pages::report_form_page)
                .post(pages::file_report)
                .layer(axum::middleware::map_response(read_cache::log_only)),
        )
        .route(
            "/odf/{slug}/cierre",
            get(pages::close_page).post(pages::close_post),
        )
        .route("/odf/{slug}/fondo", get(pages::fund_page))
        .merge(operations_routes())
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{slug}/members/{member_id}/reports",
            post(api::file_report).layer(axum::middleware::map_response(read_cache::log_only)),
        )
        .route(
            "/orgs/{slug}/periods/{period}/close",
            get(api::close_preview).post(api::close_period),
        )
        .route("/orgs/{slug}/loan-quote", post(api::loan_quote))
        .route(
            "/orgs/{slug}/members/{member_id}/fund",
            get(api::member_fund),
        )
        .route(
            "/orgs/{slug}/leases/{lease_id}/purchase",
            post(api::purchase_lease),
        )
        .route("/orgs/{slug}/fund", get(api::odf_fund))
        .route("/orgs/{slug}/trade", get(api::trade_summary))
        .merge(operations_api_routes())
}

/// The pages of the Fund's operations.
fn operations_routes() -> Router<AppState> {
    use operations as op;
    Router::new()
        .route(
            "/odf/{slug}/fondo/gasto",
            get(op::spend_page).post(op::spend_post),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/retiro",
            get(op::withdraw_page).post(op::withdraw_post),
        )
        .route(
            "/odf/{slug}/fondo/pagos",
            get(op::payments_page).post(op::payment_post),
        )
        .route("/odf/{slug}/fondo/pagos.csv", get(op::owing_csv))
        // trade18: the other tables of the Fund's operations as CSV.
        .route("/odf/{slug}/fondo/gasto.csv", get(downloads::decisions_csv))
        .route(
            "/odf/{slug}/fondo/incumplimientos.csv",
            get(downloads::notices_csv),
        )
        .route(
            "/odf/{slug}/fondo/temporales.csv",
            get(downloads::temporaries_csv),
        )
        .route(
            "/odf/{slug}/fondo/recibos/{reference}",
            get(op::receipt_page),
        )
        .route(
            "/odf/{slug}/fondo/aportaciones",
            get(op::contributions_page),
        )
        .route("/odf/{slug}/fondo/donativos", post(op::grant_post))
        .route("/odf/{slug}/fondo/temporales", post(op::temporary_post))
        .route(
            "/odf/{slug}/fondo/temporales/{reference}/devolucion",
            post(op::return_post),
        )
}

/// The API routes of the Fund's operations (under `/api/v1`, behind the session check).
fn operations_api_routes() -> Router<AppState> {
    use operations_api as api;
    Router::new()
        .route("/orgs/{slug}/fund/decisions", get(api::decisions))
        .route("/orgs/{slug}/fund/spending", post(api::spend))
        .route("/orgs/{slug}/fund/withdrawals", post(api::withdraw))
        .route("/orgs/{slug}/fund/payments", get(api::owing).post(api::pay))
        .route("/orgs/{slug}/fund/payments/{reference}", get(api::receipt))
        .route("/orgs/{slug}/fund/grants", post(api::grant))
        .route(
            "/orgs/{slug}/fund/temporary",
            get(api::temporaries).post(api::temporary),
        )
        .route(
            "/orgs/{slug}/fund/temporary/{reference}/return",
            post(api::return_temporary),
        )
}
