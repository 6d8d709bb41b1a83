//! Issue 17: the members table as a CSV download (`/odf/{slug}/socios.csv?q=`): every member
//! matching the search (not only the page shown), names not ids, dates as `AAAA-MM-DD`, for
//! staff, the board and supervisors (`ViewMembers`).

use crate::shell::csv::{csv_line, csv_response};
use crate::shell::{check, visible_org, Ctx, PageError, PageResult};
use crate::AppState;
use app::access_cases::Action;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct MembersCsvQuery {
    #[serde(default)]
    q: String,
}

pub async fn members_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(query): Query<MembersCsvQuery>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let found = state
        .app
        .search_members(org.id, &query.q, 0, app::registry_cases::MAX_SEARCH_SCAN)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let mut out = csv_line(
        &[
            "members.csv.given_names",
            "members.csv.surnames",
            "field.curp",
            "field.municipality",
            "members.csv.joined_on",
            "members.csv.left_on",
            "member.status",
        ]
        .map(|k| t.get(k).to_string()),
    );
    for m in &found.members {
        out.push_str(&csv_line(&[
            m.data.given_names.clone(),
            m.data.surnames.clone(),
            m.data.curp.as_str().to_string(),
            m.data.municipality.clone(),
            m.data.joined_on.to_string(),
            m.left_on.map(|d| d.to_string()).unwrap_or_default(),
            t.get(if m.left_on.is_none() {
                "member.active"
            } else {
                "member.left"
            })
            .to_string(),
        ]));
    }
    Ok(csv_response(&format!("socios-{}.csv", org.data.slug), out))
}
