//! API routes of the support system (R-INFO-1, R-INNO-1, R-SUP-1..4): opportunities, "para
//! ti" and interest; inventions, their reviews (notes confidential to the inventors, the
//! innovation committee and the board, enforced in `app`) and stages; compliance per ODF and
//! the programme's ranking; outcomes; projection scenarios; the integradoras table.
//! Programme-level routes (`/programme/...`) answer supervisors only, except the programme's
//! opportunities and the integradoras table, which every signed-in person reads. POSTs honour
//! `Idempotency-Key` through the router's layer in `api`.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::shell::{
    access_error, app_error, invalid, org_for, session, today_mx, ApiError, ApiJson, ApiPath,
    ApiQuery, ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::{AccessError, Action, OrgRole, Session};
use app::support_cases::{NewInvention, NewOpportunity};
use app::Actor;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeSet;
use store::{OrgId, PROGRAMME_ORG};
use support::inventions::Criterion;
use support::opportunities::{Fit, Kind, Scope};
use support::outcomes::Cut;
use support::projection::Scenario;
use utoipa::ToSchema;

fn ok<T: serde::Serialize>(value: T) -> ApiResult {
    Ok(Json(value).into_response())
}

fn created<T: serde::Serialize>(value: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

fn actor(s: &Session, ctx: &Ctx) -> Actor {
    Actor::new(s.viewer.login.clone(), ctx.origin.clone())
}

/// A supervisor's session (R-SUP-1), else 403 naming R-SUP-1 (401 without a session).
pub(super) fn supervisor(ctx: &Ctx) -> Result<Session, Response> {
    let s = session(ctx)?.clone();
    if s.viewer.supervisor {
        Ok(s)
    } else {
        Err(access_error(AccessError::Forbidden {
            rule: "R-SUP-1",
            action: "programme reports".into(),
        }))
    }
}

fn forbidden(rule: &'static str, action: &str) -> Response {
    access_error(AccessError::Forbidden {
        rule,
        action: action.into(),
    })
}

// ---------------------------------------------------------------- opportunities

#[derive(Deserialize, ToSchema)]
pub struct OpportunityIn {
    /// buyer, supplier, trade_fair, technology, training, funding.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub deadline: NaiveDate,
    #[serde(default)]
    pub trades: Vec<String>,
    #[serde(default)]
    pub states: Vec<String>,
    #[serde(default)]
    pub municipalities: Vec<String>,
    /// R-ORG-4 codes.
    #[serde(default)]
    pub programmes: Vec<String>,
    /// R-ORG-3: micro_producer or micro_entrepreneur.
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub min_capacity: Option<u64>,
}

async fn publish(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    org: OrgId,
    body: OpportunityIn,
) -> ApiResult {
    let today = today_mx();
    if !state
        .app
        .may_publish_opportunity(&s.viewer, org, today)
        .await
        .map_err(app_error)?
    {
        return Err(forbidden("R-INFO-1", "publish opportunities"));
    }
    let kind = Kind::parse(&body.kind).map_err(|e| app_error(e.into()))?;
    let new = NewOpportunity {
        kind,
        title: body.title,
        description: body.description,
        deadline: body.deadline,
        fit: Fit {
            trades: body.trades.into_iter().collect(),
            states: body.states.into_iter().collect(),
            municipalities: body.municipalities.into_iter().collect(),
            programmes: body.programmes.into_iter().collect(),
            profile: body.profile,
            min_capacity: body.min_capacity,
        },
    };
    let r = state
        .app
        .publish_opportunity(org, &actor(s, ctx), None, new, today)
        .await
        .map_err(app_error)?;
    created(r)
}

/// Publishes an opportunity in the ODF (staff, support committee, committee members,
/// supervisors: R-INFO-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/opportunities", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = OpportunityIn, responses((status = 201), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn publish_opportunity(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<OpportunityIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    publish(&state, &ctx, &s, org.id, body).await
}

/// Publishes a programme-wide opportunity (supervisors).
#[utoipa::path(post, path = "/api/v1/programme/opportunities", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header)), request_body = OpportunityIn, responses((status = 201), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn publish_programme_opportunity(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<OpportunityIn>,
) -> ApiResult {
    let s = supervisor(&ctx)?;
    publish(&state, &ctx, &s, PROGRAMME_ORG, body).await
}

/// The ODF's opportunities (anyone in the ODF, supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/opportunities", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200), (status = 404, body = ApiError)))]
pub async fn list_opportunities(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    ok(state.app.opportunities(org.id).await.map_err(app_error)?)
}

/// The programme-wide opportunities (every signed-in person).
#[utoipa::path(get, path = "/api/v1/programme/opportunities", security(("bearer" = [])), responses((status = 200), (status = 401, body = ApiError)))]
pub async fn programme_opportunities(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    session(&ctx)?;
    ok(state
        .app
        .opportunities(PROGRAMME_ORG)
        .await
        .map_err(app_error)?)
}

fn scope_of(text: &str) -> Result<Scope, Response> {
    match text {
        "odf" => Ok(Scope::Odf),
        "programme" => Ok(Scope::Programme),
        _ => Err(invalid("scope", "must be odf or programme")),
    }
}

/// Who an opportunity reached in the ODF: matched and interested members (those who may
/// publish there: R-INFO-1).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/opportunities/{scope}/{id}/audience", security(("bearer" = [])), params(("slug" = String, Path), ("scope" = String, Path, description = "odf or programme"), ("id" = i64, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn opportunity_audience(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, scope, id)): ApiPath<(String, String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let today = today_mx();
    if !state
        .app
        .may_publish_opportunity(&s.viewer, org.id, today)
        .await
        .map_err(app_error)?
    {
        return Err(forbidden("R-INFO-1", "see who an opportunity reached"));
    }
    // In the path, a scope other than odf or programme names no opportunity: not found.
    let scope = scope_of(&scope).map_err(|_| {
        app_error(store::StoreError::not_found(format!("opportunity scope {scope}")).into())
    })?;
    ok(state
        .app
        .opportunity_audience(org.id, scope, id, today)
        .await
        .map_err(app_error)?)
}

/// A member's "para ti": the opportunities that fit them, newest and closest deadline
/// first (the member, staff, board, supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members/{member_id}/para-ti", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), responses((status = 200), (status = 404, body = ApiError)))]
pub async fn para_ti(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMember(member_id)).await?;
    ok(state
        .app
        .para_ti(org.id, member_id, today_mx())
        .await
        .map_err(app_error)?)
}

#[derive(Deserialize, ToSchema)]
pub struct InterestIn {
    /// `odf` (default) or `programme`.
    #[serde(default)]
    pub scope: Option<String>,
    pub opportunity_id: i64,
}

/// The member marks interest (themself, or staff for them). Marking again changes nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members/{member_id}/interests", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = InterestIn, responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn mark_interest(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<InterestIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewMember(member_id)).await?;
    let own = s.viewer.member_id_in(org.id) == Some(member_id);
    if !own && !s.viewer.has_role(org.id, OrgRole::Staff) {
        return Err(forbidden("R-INFO-1", "mark interest for another member"));
    }
    let scope = scope_of(body.scope.as_deref().unwrap_or("odf"))?;
    state
        .app
        .mark_interest(
            org.id,
            &actor(&s, &ctx),
            member_id,
            scope,
            body.opportunity_id,
            today_mx(),
        )
        .await
        .map_err(app_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------- inventions

#[derive(Deserialize, ToSchema)]
pub struct InventionIn {
    pub title: String,
    pub description: String,
    /// Member ids, the lead inventor first.
    pub inventors: Vec<i64>,
    /// Members living in an inventor's household.
    #[serde(default)]
    pub household: Vec<i64>,
}

/// Registers an invention (an inventor among `inventors`, or staff: R-INNO-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/inventions", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = InventionIn, responses((status = 201), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn register_invention(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<InventionIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let inventor = s
        .viewer
        .member_id_in(org.id)
        .is_some_and(|m| body.inventors.contains(&m));
    if !inventor && !s.viewer.has_role(org.id, OrgRole::Staff) {
        return Err(forbidden("R-INNO-1", "register an invention of others"));
    }
    let new = NewInvention {
        title: body.title,
        description: body.description,
        inventors: body.inventors,
        household: body.household.into_iter().collect(),
    };
    let inv = state
        .app
        .register_invention(org.id, &actor(&s, &ctx), None, new, today_mx())
        .await
        .map_err(app_error)?;
    created(inv)
}

/// The ODF's inventions; review notes blank unless the reader may read them (R-INNO-1).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/inventions", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200), (status = 404, body = ApiError)))]
pub async fn list_inventions(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    ok(state
        .app
        .inventions_for(org.id, Some(&s.viewer), today_mx())
        .await
        .map_err(access_error)?)
}

/// One invention; review notes blank unless the reader may read them (R-INNO-1).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/inventions/{id}", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), responses((status = 200), (status = 404, body = ApiError)))]
pub async fn get_invention(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    ok(state
        .app
        .invention_for(org.id, Some(&s.viewer), id, today_mx())
        .await
        .map_err(access_error)?)
}

/// The review notes: the inventors, the innovation committee and the board only; everyone
/// else (staff, other members, supervisors, support committee, donors, advisers) 403 naming
/// R-INNO-1.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/inventions/{id}/reviews", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn invention_reviews(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    ok(state
        .app
        .invention_reviews(org.id, Some(&s.viewer), id, today_mx())
        .await
        .map_err(access_error)?)
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewIn {
    /// Criteria met: secrecy, originality, excellence, authenticity, market_needs.
    pub met: Vec<String>,
    pub notes: String,
}

fn member_of(s: &Session, org: OrgId) -> Result<i64, Response> {
    s.viewer
        .member_id_in(org)
        .ok_or_else(|| forbidden("R-INNO-1", "review as a non-member"))
}

/// A member of the innovation committee reviews the invention's current stage as
/// themself; a conflict of interest is refused (422 naming R-INNO-1) and recorded.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/inventions/{id}/reviews", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ReviewIn, responses((status = 201), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn review_invention(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ReviewIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let reviewer = member_of(&s, org.id)?;
    let mut met = BTreeSet::new();
    for c in &body.met {
        let criterion = Criterion::ALL
            .into_iter()
            .find(|k| k.as_str() == c)
            .ok_or_else(|| invalid("met", &format!("'{c}' is not a criterion")))?;
        met.insert(criterion);
    }
    let inv = state
        .app
        .review_invention(
            org.id,
            &actor(&s, &ctx),
            id,
            reviewer,
            met,
            &body.notes,
            today_mx(),
        )
        .await
        .map_err(app_error)?;
    created(inv.stage)
}

/// A member of the innovation committee moves the invention to its next stage, after an
/// approving review (R-INNO-1).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/inventions/{id}/advance", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn advance_invention(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let by = member_of(&s, org.id)?;
    let inv = state
        .app
        .advance_invention(org.id, &actor(&s, &ctx), id, by, today_mx())
        .await
        .map_err(app_error)?;
    ok(inv.stage)
}

// ---------------------------------------------------------------- supervision

/// The ODF's compliance: one row per rule checked from its books (staff, board,
/// supervisors: R-SUP-1).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/compliance", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn odf_compliance(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    ok(state
        .app
        .compliance(org.id, today_mx())
        .await
        .map_err(app_error)?)
}

/// Every ODF's compliance and the ranking (supervisors: R-SUP-1).
#[utoipa::path(get, path = "/api/v1/programme/compliance", security(("bearer" = [])), responses((status = 200), (status = 403, body = ApiError)))]
pub async fn programme_compliance(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    supervisor(&ctx)?;
    let (odfs, ranking) = state
        .app
        .programme_compliance(today_mx(), 4)
        .await
        .map_err(app_error)?;
    ok(serde_json::json!({ "odfs": odfs, "ranking": ranking }))
}

/// How outcomes are cut (R-ORG-4, R-SUP-4): by state, trade or target programme.
#[derive(Deserialize, Clone, Copy, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeCut {
    State,
    Trade,
    Programme,
}

impl OutcomeCut {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            OutcomeCut::State => "state",
            OutcomeCut::Trade => "trade",
            OutcomeCut::Programme => "programme",
        }
    }
}

#[derive(Deserialize)]
pub struct OutcomeQuery {
    /// state, trade or programme.
    pub by: Option<OutcomeCut>,
    /// `YYYY-MM`.
    pub period: Option<String>,
}

fn outcome_body(o: support::outcomes::OdfOutcome, by: Option<&str>) -> ApiResult {
    match by {
        Some(b) => {
            let cut = Cut::parse(b).map_err(|e| app_error(e.into()))?;
            ok(serde_json::json!({ "total": o.total, "by": b, "rows": o.cut(cut) }))
        }
        None => ok(o),
    }
}

fn period_of(text: Option<&str>) -> Result<Option<fund::Period>, Response> {
    text.map(|p| fund::Period::parse(p, fund::PeriodSettings::default()))
        .transpose()
        .map_err(|e| app_error(e.into()))
}

/// The ODF's outcome: income now against baseline, how many doubled it (anyone in the ODF,
/// supervisors: R-SUP-4).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/outcomes", security(("bearer" = [])), params(("slug" = String, Path), ("by" = Option<OutcomeCut>, Query), ("period" = Option<String>, Query)), responses((status = 200), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn odf_outcomes(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<OutcomeQuery>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let period = period_of(q.period.as_deref())?;
    let (_, o) = state
        .app
        .odf_outcome(org.id, period, today_mx())
        .await
        .map_err(app_error)?;
    outcome_body(o, q.by.map(OutcomeCut::as_str))
}

/// The programme's outcome, each ODF computed first (supervisors: R-SUP-4).
#[utoipa::path(get, path = "/api/v1/programme/outcomes", security(("bearer" = [])), params(("by" = Option<OutcomeCut>, Query), ("period" = Option<String>, Query)), responses((status = 200), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn programme_outcomes(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<OutcomeQuery>,
) -> ApiResult {
    supervisor(&ctx)?;
    let period = period_of(q.period.as_deref())?;
    let o = state
        .app
        .programme_outcome(period, today_mx(), 4)
        .await
        .map_err(app_error)?;
    outcome_body(o, q.by.map(OutcomeCut::as_str))
}

/// Saved projection scenarios (supervisors: R-SUP-2).
#[utoipa::path(get, path = "/api/v1/programme/projection/scenarios", security(("bearer" = [])), responses((status = 200), (status = 403, body = ApiError)))]
pub async fn list_scenarios(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    supervisor(&ctx)?;
    ok(state.app.scenarios().await.map_err(app_error)?)
}

/// Saves a scenario (supervisors: R-SUP-2). Rates are decimal strings (`"0.10"`).
#[utoipa::path(post, path = "/api/v1/programme/projection/scenarios", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header)), request_body(content = Object, content_type = "application/json", description = "A projection scenario (support::projection::Scenario)"), responses((status = 201), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn save_scenario(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<Scenario>,
) -> ApiResult {
    let s = supervisor(&ctx)?;
    state
        .app
        .save_scenario(&actor(&s, &ctx), &body)
        .await
        .map_err(app_error)?;
    created(body)
}

#[derive(Deserialize)]
pub struct CompareQuery {
    /// Scenario names separated by `;` (default: all saved).
    pub names: Option<String>,
}

/// The saved scenarios projected side by side from the present state (supervisors: R-SUP-2).
#[utoipa::path(get, path = "/api/v1/programme/projection", security(("bearer" = [])), params(("names" = Option<String>, Query)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn compare_scenarios(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> ApiResult {
    supervisor(&ctx)?;
    let names: Vec<String> = q
        .names
        .as_deref()
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    let (present, rows) = state
        .app
        .compare_scenarios(&names, today_mx())
        .await
        .map_err(app_error)?;
    ok(serde_json::json!({ "present": present, "scenarios": rows }))
}

/// The 1997 integradoras table with its checked totals (R-SUP-3; every signed-in person).
#[utoipa::path(get, path = "/api/v1/programme/integradoras", security(("bearer" = [])), responses((status = 200), (status = 401, body = ApiError)))]
pub async fn integradoras(ctx: Ctx) -> ApiResult {
    session(&ctx)?;
    let t = support::integradoras::table_1997().map_err(|e| app_error(e.into()))?;
    ok(t)
}
