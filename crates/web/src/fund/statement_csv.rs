//! Issue 17: a member's statement tables as CSV downloads
//! (`/odf/{slug}/socios/{id}/estado.csv?tabla=ingresos|aportaciones|cuotas`): income by period,
//! the Fund contributions and profit share of each period (R-PLAN-2, R-FUND-1, R-PLAN-3), and
//! the dues account (R-ORG-6). Every period reported and every dues line, not only the ones
//! the page shows; months in words, amounts as plain decimals. Who may read the statement may
//! download it (`ViewMember`).

use crate::shell::csv::{csv_line, csv_pesos, csv_response};
use crate::shell::{check, visible_org, Ctx, PageError, PageResult};
use crate::AppState;
use app::access_cases::Action;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct StatementCsvQuery {
    #[serde(default)]
    tabla: String,
}

pub async fn statement_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
    Query(query): Query<StatementCsvQuery>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewMember(member_id))?;
    let app = &state.app;
    let fail = |e| PageError::from_app(t, e);
    let header = |keys: &[&str]| {
        csv_line(
            &keys
                .iter()
                .map(|k| t.get(k).to_string())
                .collect::<Vec<_>>(),
        )
    };
    let pesos = |minor: i64| csv_pesos(i128::from(minor));
    let (name, out) = match query.tabla.as_str() {
        "ingresos" | "aportaciones" => {
            let view = state
                .statements
                .member_view(app, &state.reads.log, org.id, member_id)
                .await
                .map_err(fail)?;
            let periods = &view.fund.statement.periods;
            if query.tabla == "ingresos" {
                let mut out = header(&[
                    "statement.csv.period",
                    "statement.csv.revenue",
                    "statement.csv.profit",
                    "statement.new_revenue",
                    "statement.csv.incremental_profit",
                ]);
                for p in periods {
                    out.push_str(&csv_line(&[
                        t.period(&p.period),
                        pesos(p.revenue_minor),
                        pesos(p.profit_minor),
                        pesos(p.new_revenue_minor),
                        pesos(p.incremental_profit_minor),
                    ]));
                }
                ("ingresos", out)
            } else {
                let mut out = header(&[
                    "statement.csv.period",
                    "statement.new_revenue",
                    "statement.csv.contribution",
                    "statement.csv.incremental_profit",
                    "statement.csv.profit_share",
                ]);
                for p in periods {
                    out.push_str(&csv_line(&[
                        t.period(&p.period),
                        pesos(p.new_revenue_minor),
                        pesos(p.contribution_minor),
                        pesos(p.incremental_profit_minor),
                        pesos(p.profit_share_minor),
                    ]));
                }
                ("aportaciones", out)
            }
        }
        "cuotas" => {
            // Another organisation's member is NotFound, as a missing one.
            app.store()
                .member(org.id, member_id)
                .await
                .map_err(|e| PageError::from_store(t, e))?;
            // Every line, not only the page's (`read_cache` keeps the recent ones).
            let statement = app
                .account_statement(
                    org.id,
                    &ledger::Account::dues_receivable(member_id),
                    store::Page::first(store::MAX_PAGE),
                )
                .await
                .map_err(fail)?;
            let mut out = header(&[
                "statement.csv.date",
                "statement.memo",
                "statement.amount",
                "org.balance",
            ]);
            for l in &statement.lines {
                out.push_str(&csv_line(&[
                    l.date.to_string(),
                    l.memo.clone(),
                    pesos(l.amount.amount_minor()),
                    csv_pesos(l.balance_minor),
                ]));
            }
            ("cuotas", out)
        }
        _ => return Err(PageError::NotFound(t)),
    };
    Ok(csv_response(&format!("{name}-socio-{member_id}.csv"), out))
}
