//! API routes of R-SUP-4's series over closed periods: an ODF's (anyone in its circle, as its
//! outcome) and the programme's, each ODF computed first and then added period by period
//! (supervisors). `?by=state|trade|programme` answers each period's cut instead of the whole.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use super::api::{supervisor, OutcomeCut};
use crate::shell::{app_error, invalid, org_for, ApiError, ApiPath, ApiQuery, ApiResult, Ctx};
use crate::AppState;
use app::access_cases::Action;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use support::outcomes::{Cut, PeriodOutcome};
use utoipa::OpenApi;

/// Closed periods answered at most.
const MAX_PERIODS: usize = app::support_cases::SERIES_PERIODS;

#[derive(Deserialize)]
pub struct SeriesQuery {
    /// state, trade or programme.
    pub by: Option<OutcomeCut>,
    /// How many of the last closed periods (1 to 24, default 12).
    pub periods: Option<u8>,
}

impl SeriesQuery {
    /// The periods asked for; outside 1 to 24 a 422 naming `periods`, as the API's document
    /// declares (never quietly clamped).
    fn periods(&self) -> Result<usize, Response> {
        let periods = usize::from(self.periods.unwrap_or(12));
        if !(1..=MAX_PERIODS).contains(&periods) {
            return Err(invalid(
                "periods",
                &format!("debe estar entre 1 y {MAX_PERIODS}"),
            ));
        }
        Ok(periods)
    }
}

fn series_body(series: Vec<PeriodOutcome>, by: Option<OutcomeCut>) -> ApiResult {
    let body = match by {
        None => serde_json::json!({ "series": series }),
        Some(b) => {
            let cut = Cut::parse(b.as_str()).map_err(|e| app_error(e.into()))?;
            let rows: Vec<_> = series
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "period": p.period,
                        "total": p.outcome.total,
                        "rows": p.outcome.cut(cut),
                    })
                })
                .collect();
            serde_json::json!({ "by": b.as_str(), "series": rows })
        }
    };
    Ok(Json(body).into_response())
}

/// The ODF's outcome over its last closed periods, oldest first (anyone in the ODF,
/// supervisors: R-SUP-4).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/outcomes/series", security(("bearer" = [])), params(("slug" = String, Path), ("by" = Option<OutcomeCut>, Query), ("periods" = Option<u8>, Query, minimum = 1, maximum = 24)), responses((status = 200), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn odf_series(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<SeriesQuery>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let series = state
        .app
        .outcome_series(org.id, q.periods()?)
        .await
        .map_err(app_error)?;
    series_body(series, q.by)
}

/// The programme's outcome over the last closed periods: each ODF's series, added period by
/// period (supervisors: R-SUP-4).
#[utoipa::path(get, path = "/api/v1/programme/outcomes/series", security(("bearer" = [])), params(("by" = Option<OutcomeCut>, Query), ("periods" = Option<u8>, Query, minimum = 1, maximum = 24)), responses((status = 200), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn programme_series(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<SeriesQuery>,
) -> ApiResult {
    supervisor(&ctx)?;
    let series = state
        .app
        .programme_outcome_series(q.periods()?, 4)
        .await
        .map_err(app_error)?;
    series_body(series, q.by)
}

#[derive(OpenApi)]
#[openapi(paths(odf_series, programme_series))]
pub(crate) struct SeriesApi;

/// Adds the series' routes to the API's document (`ApiDoc`).
pub(crate) struct OutcomeSeriesDoc;

impl utoipa::Modify for OutcomeSeriesDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(SeriesApi::openapi());
    }
}
