//! The JSON API under `/api/v1`: what the pages do, with the same authorisation (the same
//! `Viewer::check` calls), authenticated by a bearer token from `POST /api/v1/session`.
//! Every other POST honours `Idempotency-Key`, exactly once: the key is claimed before the
//! work, the same key and request answer the stored response (a duplicate sent meanwhile waits
//! for it, or gets 409 with `Retry-After`); the same key with another request is 422. The
//! OpenAPI document is generated from these handlers' annotations (utoipa) and served at
//! `/api/v1/openapi.json`.

use crate::credit::CreditApiDoc;
use crate::shell::api::{create_session, idempotency, NotStored};
use crate::shell::api_contract::{self, Contract};
use crate::support::invention_costs::ExpensesDoc;
use crate::support::notices::NoticesDoc;
use crate::support::outcome_series::OutcomeSeriesDoc;
use crate::support::project_results::ResultsDoc;
use crate::trade::TradeDoc;
use crate::AppState;
use crate::{
    accounts, audit, dues, fund, governance, members, opening, orgs, plans, support, trade,
};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn routes(state: AppState) -> Router<AppState> {
    let public = Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(create_session))
        // Activation is how a person without a session gets one (issue 16).
        .route("/activation", post(accounts::api::activate));
    Router::new()
        .merge(accounts::api_routes())
        .merge(crate::credit::api_routes())
        .merge(orgs::api_routes())
        .merge(members::api_routes())
        .merge(plans::api_routes())
        .merge(dues::api_routes())
        .merge(fund::api_routes())
        .merge(trade::api_routes())
        .merge(governance::api_routes())
        .merge(audit::api_routes())
        .merge(opening::api_routes())
        .merge(support::api_routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api_contract::require_session,
        ))
        .merge(public)
        .method_not_allowed_fallback(api_contract::method_not_allowed)
        .fallback(api_contract::not_found)
        .layer(axum::middleware::from_fn_with_state(
            (state, accounts::api::answers_a_code as NotStored),
            idempotency,
        ))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tequio API", version = "1", description = "ODFs, members, statements, proposals and votes. Authorisation as the web pages (R-GOV-1, R-SUP-1)."),
    paths(crate::shell::api::create_session, crate::orgs::api::list_orgs, crate::orgs::api::get_org, crate::members::api::list_members, crate::members::api::add_member, crate::members::api::record_leave, crate::members::api::assign_role, crate::members::api::end_role, crate::members::api::member_statement, crate::governance::api::list_proposals, crate::governance::api::create_proposal, crate::governance::api::cast_vote, crate::governance::api::close_vote, crate::governance::api::add_comment, crate::audit::api::audit, crate::fund::api::file_report, crate::fund::api::close_preview, crate::fund::api::close_period, crate::fund::api::loan_quote, crate::fund::api::member_fund, crate::fund::api::purchase_lease, crate::fund::api::odf_fund, crate::fund::api::trade_summary, crate::accounts::api::create_org, crate::accounts::api::create_supervisor, crate::accounts::api::reissue_programme_code, crate::accounts::api::list_accounts, crate::accounts::api::create_account, crate::accounts::api::reissue_code, crate::accounts::api::activate, crate::accounts::api::change_password, crate::accounts::api::my_sessions, crate::accounts::api::end_session, crate::governance::settings::list_settings, crate::governance::settings::create_setting_proposal, crate::opening::pages::get_opening, crate::opening::pages::post_opening, crate::support::api::publish_opportunity, crate::support::api::publish_programme_opportunity, crate::support::api::list_opportunities, crate::support::api::programme_opportunities, crate::support::api::opportunity_audience, crate::support::api::para_ti, crate::support::api::mark_interest, crate::support::api::register_invention, crate::support::api::list_inventions, crate::support::api::get_invention, crate::support::api::invention_reviews, crate::support::api::review_invention, crate::support::api::advance_invention, crate::support::api::odf_compliance, crate::support::api::programme_compliance, crate::support::api::odf_outcomes, crate::support::api::programme_outcomes, crate::support::api::list_scenarios, crate::support::api::save_scenario, crate::support::api::compare_scenarios, crate::support::api::integradoras, crate::members::api::list_roles, crate::members::api::edit_member, crate::plans::api::list_plans, crate::plans::api::member_plans, crate::plans::api::get_plan, crate::plans::api::flagged_plans, crate::plans::api::agree_plan, crate::plans::api::revise_target, crate::plans::api::end_plan, crate::dues::api::api_arrears, crate::dues::api::api_charge, crate::dues::api::api_pay, crate::dues::api::api_receipt, crate::dues::api::api_sheet, crate::dues::api::api_collect, crate::fund::operations_api::decisions, crate::fund::operations_api::spend, crate::fund::operations_api::withdraw, crate::fund::operations_api::owing, crate::fund::operations_api::pay, crate::fund::operations_api::receipt, crate::fund::operations_api::grant, crate::fund::operations_api::temporaries, crate::fund::operations_api::temporary, crate::fund::operations_api::return_temporary),
    components(schemas(crate::accounts::api::OrgIn, crate::accounts::api::OrgCreatedOut, crate::accounts::api::CodeOut, crate::accounts::api::SupervisorIn, crate::accounts::api::AccountIn, crate::accounts::api::AccountOut, crate::accounts::api::ActivationIn, crate::accounts::api::PasswordIn, crate::accounts::api::SessionOutRow, crate::fund::api::QuoteIn, crate::fund::api::LeasePurchaseIn, crate::fund::api::LeasePurchaseOut, crate::fund::api::ReportIn, crate::fund::api::ReportOut, crate::fund::api::CloseOut, crate::shell::api::ApiError, crate::shell::api::SignIn, crate::shell::api::SessionOut, crate::orgs::api::OrgOut, crate::members::api::MemberOut, crate::members::api::MemberList, crate::members::api::MemberIn, crate::members::api::ImportOut, crate::members::api::LeaveIn, crate::members::api::LeaveOut, crate::members::api::RoleIn, crate::members::api::RoleEndIn, crate::members::api::RoleOut, crate::members::api::StatementOut, crate::members::api::StatementLineOut, crate::governance::api::ProposalIn, crate::governance::api::ProposalOut, crate::governance::api::BallotOut, crate::governance::api::DecisionOut, crate::governance::api::VoteIn, crate::governance::api::CommentIn, crate::governance::api::CommentOut, crate::audit::api::AuditEventOut, crate::opening::pages::OpeningIn, crate::opening::pages::OpeningOut, crate::governance::settings::SettingOut, crate::governance::settings::SettingChangeOut, crate::governance::settings::SettingPendingOut, crate::governance::settings::SettingProposalIn, crate::governance::settings::SettingProposalOut, crate::members::api::RoleHeldOut, crate::members::api::MemberEditIn, crate::members::api::MemberDetailOut, crate::plans::api::TargetOut, crate::plans::api::PlanChangeOut, crate::plans::api::PlanOut, crate::plans::api::FlaggedOut, crate::plans::api::FlaggedPlanOut, crate::plans::api::PlanIn, crate::plans::api::TargetIn, crate::plans::api::EndIn, crate::dues::api::ArrearsOut, crate::dues::api::ArrearsRowOut, crate::dues::api::ChargeIn, crate::dues::api::ChargeOut, crate::dues::api::PaymentIn, crate::dues::api::ReceiptOut, crate::dues::api::CollectionIn, crate::dues::api::CollectionLineIn, crate::dues::api::CollectionOut, crate::fund::operations_api::FundOpOut, crate::fund::operations_api::FundDecisionOut, crate::fund::operations_api::SpendIn, crate::fund::operations_api::WithdrawalIn, crate::fund::operations_api::WithdrawalOut, crate::fund::operations_api::OwingOut, crate::fund::operations_api::FundPaymentIn, crate::fund::operations_api::FundReceiptOut, crate::fund::operations_api::GrantIn, crate::fund::operations_api::TemporaryOut, crate::fund::operations_api::TemporaryIn, crate::fund::operations_api::ReturnIn)),
    modifiers(&TradeDoc, &BearerAuth, &CreditApiDoc, &NoticesDoc, &ResultsDoc, &ExpensesDoc, &OutcomeSeriesDoc, &Contract)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
