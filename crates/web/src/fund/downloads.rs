//! The Fund's operation tables as CSV (trade18, issue 18: "every table downloads as CSV"),
//! over `shell::csv` (a BOM, amounts as plain decimals `1234.50`, days `AAAA-MM-DD`), read as
//! their pages are (staff, the board, supervisors: `ViewMembers`), every line:
//!
//! - `/odf/{slug}/fondo/gasto.csv`: the board's approved expenditures and what each still
//!   authorises (R-FUND-3);
//! - `/odf/{slug}/fondo/incumplimientos.csv`: the notices of non-fulfilment standing
//!   (R-FUND-6);
//! - `/odf/{slug}/fondo/temporales.csv`: the temporary contributions owed back (R-FUND-2).

use crate::shell::csv::{csv_pesos, csv_table};
use crate::shell::{check, visible_org, Ctx, PageError, PageResult};
use crate::AppState;
use app::access_cases::Action;
use axum::extract::{Path, State};
use governance::ProposalKind;
use store::Org;

async fn reader(state: &AppState, ctx: &Ctx, slug: &str) -> Result<Org, PageError> {
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    Ok(org)
}

fn pesos(minor: i64) -> String {
    csv_pesos(minor.into())
}

/// `…/fondo/gasto.csv`: each approved expenditure: approved, paid, left.
pub async fn decisions_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let org = reader(&state, &ctx, &slug).await?;
    let decisions = state
        .app
        .fund_decisions(org.id, ProposalKind::Expenditure)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    Ok(csv_table(
        "gasto-fondo.csv",
        &[
            "decision",
            "proposito",
            "aprobado",
            "pagado",
            "disponible",
            "fecha_decision",
        ],
        decisions.iter().map(|d| {
            vec![
                d.proposal_id.to_string(),
                d.purpose.clone(),
                pesos(d.amount_minor),
                pesos(d.spent_minor),
                pesos(d.left_minor()),
                d.decided_on.to_string(),
            ]
        }),
    ))
}

/// `…/fondo/incumplimientos.csv`: who must put back what (the ODF itself when no member).
pub async fn notices_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let org = reader(&state, &ctx, &slug).await?;
    let notices = state
        .app
        .notices_standing(org.id)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    Ok(csv_table(
        "incumplimientos-fondo.csv",
        &["socio", "nombre", "por_reponer"],
        notices.into_iter().map(|n| {
            vec![
                n.member_id.map(|m| m.to_string()).unwrap_or_default(),
                if n.member_id.is_some() {
                    n.name
                } else {
                    org.data.name.clone()
                },
                pesos(n.amount_minor),
            ]
        }),
    ))
}

/// `…/fondo/temporales.csv`: the temporary contributions still owed back.
pub async fn temporaries_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let org = reader(&state, &ctx, &slug).await?;
    let temporaries = state
        .app
        .temporary_outstanding(org.id)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    Ok(csv_table(
        "aportaciones-temporales.csv",
        &["referencia", "aportante", "importe"],
        temporaries.iter().map(|x| {
            vec![
                x.reference.clone(),
                x.contributor.clone(),
                pesos(x.amount_minor),
            ]
        }),
    ))
}
