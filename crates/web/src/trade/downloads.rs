//! Every trade table as a CSV download (issue 18: "every table downloads as CSV"), over
//! `shell::csv` (a byte-order mark, cells quoted when needed, amounts as plain decimals
//! `1234.50`, days `AAAA-MM-DD`, each member's number and name). Each download is read as its
//! page is (the same action, the same lines the viewer may see) and holds the page's whole
//! list, not only the page shown (R-BUY-1, R-BUY-2, R-SELL-1, R-SELL-2):
//!
//! - `/odf/{slug}/comercio/compras/precios.csv`: the price lists, one row per tier, in the
//!   columns the price-list upload reads (so a download can be uploaded again);
//! - `/odf/{slug}/comercio/compras/rondas/{round}/`: `pedidos.csv` (the requests),
//!   `ahorros.csv` (each member's charge and saving), `ordenes.csv` (purchase orders with what
//!   was received and paid; staff, board, supervisors), `entregas.csv` (the pick-ups);
//! - `/odf/{slug}/comercio/ventas/`: `pedidos.csv` (the orders), `capacidades.csv` (the
//!   members' declared capacities, every one: the page shows the first 200);
//! - `/odf/{slug}/comercio/ventas/{order}/`: `reparto.csv` (the split and the deliveries),
//!   `pagos.csv` (every payout line);
//! - `/odf/{slug}/comercio/tiendas/{code}/`: `existencias.csv` (consignment stock),
//!   `liquidacion.csv` (the settlement by member).

use super::member_names;
use crate::shell::csv::{csv_pesos, csv_table};
use crate::shell::{check, visible_org, Ctx, PageError, PageResult, Tr};
use crate::AppState;
use app::access_cases::{Action, Session};
use app::trade_cases::Round;
use app::AppError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use store::Org;

pub(super) fn routes() -> Router<AppState> {
    let c = "/odf/{slug}/comercio";
    let r = "/odf/{slug}/comercio/compras/rondas/{round}";
    let o = "/odf/{slug}/comercio/ventas/{order}";
    let s = "/odf/{slug}/comercio/tiendas/{code}";
    Router::new()
        .route(&format!("{c}/compras/precios.csv"), get(price_lists_csv))
        .route(&format!("{r}/pedidos.csv"), get(requests_csv))
        .route(&format!("{r}/ahorros.csv"), get(savings_csv))
        .route(&format!("{r}/ordenes.csv"), get(purchase_orders_csv))
        .route(&format!("{r}/entregas.csv"), get(pick_ups_csv))
        .route(&format!("{c}/ventas/pedidos.csv"), get(orders_csv))
        .route(&format!("{c}/ventas/capacidades.csv"), get(capacities_csv))
        .route(&format!("{o}/reparto.csv"), get(shares_csv))
        .route(&format!("{o}/pagos.csv"), get(payouts_csv))
        .route(&format!("{s}/existencias.csv"), get(stock_csv))
        .route(&format!("{s}/liquidacion.csv"), get(settlement_csv))
}

/// Centavos as a CSV figure.
fn pesos(minor: i64) -> String {
    csv_pesos(minor.into())
}

/// Who reads a download: the ODF, the session, and which members' lines they see (every
/// line with `ViewMembers`, else their own).
struct Reader {
    org: Org,
    all: bool,
    me: Option<i64>,
}

impl Reader {
    async fn new(
        state: &AppState,
        ctx: &Ctx,
        slug: &str,
        action: Action,
    ) -> Result<Self, PageError> {
        let (org, session): (Org, Session) = visible_org(state, ctx, slug).await?;
        let v = &session.viewer;
        check(ctx, v, org.id, action)?;
        Ok(Reader {
            all: v.may(org.id, Action::ViewMembers),
            me: v.member_id_in(org.id),
            org,
        })
    }

    fn shown(&self, member: i64) -> bool {
        self.all || self.me == Some(member)
    }

    /// A table of members' lines: those the reader may see, each row the member's number and
    /// name (`socio`, `nombre`), then `cells`.
    #[allow(clippy::too_many_arguments)]
    async fn member_table<L>(
        &self,
        state: &AppState,
        t: Tr,
        filename: &str,
        header: &[&str],
        lines: impl IntoIterator<Item = L>,
        member: impl Fn(&L) -> i64,
        cells: impl Fn(&L) -> Vec<String>,
    ) -> PageResult {
        let lines: Vec<L> = lines
            .into_iter()
            .filter(|l| self.shown(member(l)))
            .collect();
        let names = self.names(state, t, lines.iter().map(&member)).await?;
        let header: Vec<&str> = ["socio", "nombre"]
            .into_iter()
            .chain(header.iter().copied())
            .collect();
        Ok(csv_table(
            filename,
            &header,
            lines.iter().map(|l| {
                let mut row = member_cells(&names, member(l)).to_vec();
                row.extend(cells(l));
                row
            }),
        ))
    }

    /// The names of `ids` (names appear, not ids).
    async fn names(
        &self,
        state: &AppState,
        t: Tr,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, String>, PageError> {
        let ids: Vec<i64> = ids.into_iter().collect();
        member_names(state, t, self.org.id, &ids).await
    }
}

/// The member's number and name: the first two cells of a member's line.
fn member_cells(names: &HashMap<i64, String>, member: i64) -> [String; 2] {
    [
        member.to_string(),
        names.get(&member).cloned().unwrap_or_default(),
    ]
}

// ---------------------------------------------------------------- purchasing

/// The price lists, one row per tier, in the upload's columns (R-BUY-1).
pub async fn price_lists_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewMembers).await?;
    let (_, lists) = state
        .app
        .trade_catalogue(r.org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let mut rows = Vec::new();
    for l in &lists {
        let l = l.as_price_list();
        let pricing = match l.pricing {
            trade::supplier::Pricing::AllUnits => "all_units",
            trade::supplier::Pricing::Incremental => "incremental",
        };
        for tier in &l.tiers {
            rows.push(vec![
                l.supplier.clone(),
                l.material.clone(),
                pricing.to_string(),
                tier.from_units.to_string(),
                tier.to_units.map(|u| u.to_string()).unwrap_or_default(),
                pesos(tier.unit_price_minor),
                l.min_order_units.to_string(),
                l.lead_time_days.to_string(),
                l.valid_from.to_string(),
                l.valid_until.to_string(),
            ]);
        }
    }
    Ok(csv_table(
        "listas-de-precios.csv",
        &[
            "proveedor",
            "material",
            "esquema",
            "desde",
            "hasta",
            "precio",
            "pedido_minimo",
            "dias_entrega",
            "vigente_desde",
            "vigente_hasta",
        ],
        rows,
    ))
}

/// The round, or 404 when it does not exist.
async fn round_of(state: &AppState, t: Tr, org: &Org, round: &str) -> Result<Round, PageError> {
    match state.app.round(org.id, round).await {
        Ok(r) => Ok(r),
        Err(AppError::Field(_)) => Err(PageError::NotFound(t)),
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

/// `…/pedidos.csv`: the round's requests (a member: their own).
pub async fn requests_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let rd = round_of(&state, t, &r.org, &round).await?;
    r.member_table(
        &state,
        t,
        &format!("ronda-{round}-pedidos.csv"),
        &["material", "unidades", "para_el"],
        &rd.requests,
        |q| q.member,
        |q| {
            vec![
                q.material.clone(),
                q.quantity_units.to_string(),
                q.needed_by.to_string(),
            ]
        },
    )
    .await
}

/// `…/ahorros.csv`: each member's charge and saving by material (a member: their own).
pub async fn savings_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let report = match state.app.round_report(r.org.id, &round).await {
        Ok(report) => report,
        Err(AppError::Field(_)) => return Err(PageError::NotFound(t)),
        Err(e) => return Err(PageError::from_app(t, e)),
    };
    r.member_table(
        &state,
        t,
        &format!("ronda-{round}-ahorros.csv"),
        &[
            "material",
            "unidades",
            "cargo",
            "costo_por_su_cuenta",
            "ahorro",
        ],
        &report.members,
        |m| m.member,
        |m| {
            vec![
                m.material.clone(),
                m.units.to_string(),
                pesos(m.charged_minor),
                m.alone_minor.map(pesos).unwrap_or_default(),
                m.saving_minor.map(pesos).unwrap_or_default(),
            ]
        },
    )
    .await
}

/// `…/ordenes.csv`: the purchase orders with what was received and paid (staff, board,
/// supervisors, as on the round's page).
pub async fn purchase_orders_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewMembers).await?;
    let rd = round_of(&state, t, &r.org, &round).await?;
    let (suppliers, _) = state
        .app
        .trade_catalogue(r.org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let supplier_name = |code: &str| {
        suppliers
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_string(), |s| s.name.clone())
    };
    Ok(csv_table(
        &format!("ronda-{round}-ordenes.csv"),
        &[
            "orden",
            "material",
            "proveedor",
            "nombre_proveedor",
            "unidades",
            "costo",
            "recibidas",
            "pagado",
            "por_pagar",
        ],
        rd.purchase_orders().iter().map(|po| {
            let paid = rd.paid.get(&po.po_id).copied().unwrap_or(0);
            vec![
                po.po_id.clone(),
                po.material.clone(),
                po.supplier.clone(),
                supplier_name(&po.supplier),
                po.quantity_units.to_string(),
                pesos(po.cost_minor),
                rd.received.get(&po.po_id).copied().unwrap_or(0).to_string(),
                pesos(paid),
                pesos(po.cost_minor - paid),
            ]
        }),
    ))
}

/// `…/entregas.csv`: what each member picked up, by material (a member: their own).
pub async fn pick_ups_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let rd = round_of(&state, t, &r.org, &round).await?;
    r.member_table(
        &state,
        t,
        &format!("ronda-{round}-entregas.csv"),
        &["material", "unidades"],
        &rd.picked,
        |((m, _), _)| *m,
        |((_, material), units)| vec![material.clone(), units.to_string()],
    )
    .await
}

// ---------------------------------------------------------------- sales

/// `/comercio/ventas/pedidos.csv`: every order with its invoice and what was collected.
pub async fn orders_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewMembers).await?;
    let fail = |e| PageError::from_app(t, e);
    let mut rows = Vec::new();
    for id in state.app.sales_orders(r.org.id).await.map_err(fail)? {
        let o = state.app.sales_order(r.org.id, &id).await.map_err(fail)?;
        let invoice = o.invoice.as_ref();
        rows.push(vec![
            id,
            o.input.buyer.clone(),
            o.input.product.clone(),
            o.input.grade.to_string(),
            o.input.quantity_units.to_string(),
            pesos(o.input.unit_price_minor),
            o.input.due_date.to_string(),
            o.input.terms_days.to_string(),
            o.input.channelled_by.clone().unwrap_or_default(),
            pesos(invoice.map_or(0, |i| i.amount_minor)),
            pesos(invoice.map_or(0, |i| i.collected_minor)),
            pesos(invoice.map_or(0, |i| i.outstanding_minor())),
        ]);
    }
    Ok(csv_table(
        "pedidos-de-venta.csv",
        &[
            "pedido",
            "comprador",
            "producto",
            "calidad",
            "cantidad",
            "precio_unitario",
            "entrega",
            "plazo_dias",
            "canalizado_por",
            "facturado",
            "cobrado",
            "por_cobrar",
        ],
        rows,
    ))
}

/// `/comercio/ventas/capacidades.csv`: every member's declared capacity (R-SELL-1).
pub async fn capacities_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewMembers).await?;
    let capacities = state
        .app
        .capacities(r.org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    r.member_table(
        &state,
        t,
        "capacidades.csv",
        &["producto", "calidad", "capacidad", "lote_minimo"],
        &capacities,
        |c| c.member,
        |c| {
            vec![
                c.product.clone(),
                super::sales::grade_of(c.grade).to_string(),
                c.capacity_units.to_string(),
                c.min_lot_units.to_string(),
            ]
        },
    )
    .await
}

/// `…/reparto.csv`: each member's share of an order and what they delivered (a member:
/// their own).
pub async fn shares_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let o = super::payouts::order_of(&state, t, r.org.id, &order).await?;
    let deliveries = o
        .member_deliveries()
        .map_err(|e| PageError::from_app(t, e))?;
    let price = o.input.unit_price_minor;
    r.member_table(
        &state,
        t,
        &format!("pedido-{order}-reparto.csv"),
        &["asignado", "aceptado", "rechazado", "valor", "anticipos"],
        deliveries,
        |d| d.member,
        |d| {
            vec![
                d.assigned_units.to_string(),
                d.accepted_units.to_string(),
                d.rejected_units.to_string(),
                pesos(d.accepted_units as i64 * price),
                pesos(o.advances.get(&d.member).copied().unwrap_or(0)),
            ]
        },
    )
    .await
}

/// `…/pagos.csv`: every recorded payout line (a member: their own).
pub async fn payouts_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let o = super::payouts::order_of(&state, t, r.org.id, &order).await?;
    let lines: Vec<_> = o
        .payouts
        .iter()
        .flat_map(|p| p.lines.iter().map(move |l| (p, l)))
        .filter(|(_, l)| r.shown(l.member))
        .collect();
    let names = r
        .names(&state, t, lines.iter().map(|(_, l)| l.member))
        .await?;
    Ok(csv_table(
        &format!("pedido-{order}-pagos.csv"),
        &[
            "pago",
            "fecha",
            "socio",
            "nombre",
            "bruto",
            "anticipo",
            "aportaciones_fondo",
            "reparto_utilidades",
            "compras",
            "neto",
        ],
        lines.iter().map(|(p, l)| {
            let [number, name] = member_cells(&names, l.member);
            vec![
                p.reference.clone(),
                p.date.to_string(),
                number,
                name,
                pesos(l.gross_minor),
                pesos(l.advance_minor),
                pesos(l.fund_minor),
                pesos(l.profit_share_minor),
                pesos(l.purchases_minor),
                pesos(l.net_minor),
            ]
        }),
    ))
}

// ---------------------------------------------------------------- outlets

/// The outlet, or 404 when it does not exist (its page's too).
pub(super) async fn outlet_of(
    state: &AppState,
    t: Tr,
    org: &Org,
    code: &str,
) -> Result<app::trade_cases::Outlet, PageError> {
    let fail = |e| PageError::from_app(t, e);
    if !state
        .app
        .outlets(org.id)
        .await
        .map_err(fail)?
        .iter()
        .any(|c| c == code)
    {
        return Err(PageError::NotFound(t));
    }
    state.app.outlet(org.id, code).await.map_err(fail)
}

/// `…/existencias.csv`: each member's consignment stock at the outlet (a member: their own).
pub async fn stock_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let o = outlet_of(&state, t, &r.org, &code).await?;
    r.member_table(
        &state,
        t,
        &format!("tienda-{code}-existencias.csv"),
        &["producto", "unidades", "precio", "valor"],
        &o.stock.lines,
        |((m, _), _)| *m,
        |((_, product), l)| {
            vec![
                product.clone(),
                l.units.to_string(),
                pesos(l.unit_price_minor),
                pesos(l.units as i64 * l.unit_price_minor),
            ]
        },
    )
    .await
}

/// `…/liquidacion.csv`: the settlement by member (R-SELL-2; a member: their own).
pub async fn settlement_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let r = Reader::new(&state, &ctx, &slug, Action::ViewShared).await?;
    let o = outlet_of(&state, t, &r.org, &code).await?;
    r.member_table(
        &state,
        t,
        &format!("tienda-{code}-liquidacion.csv"),
        &[
            "unidades_vendidas",
            "venta",
            "comision",
            "le_toca",
            "pagado",
            "por_pagar",
        ],
        &o.members,
        |(m, _)| **m,
        |(_, a)| {
            vec![
                a.sold.units.to_string(),
                pesos(a.sold.gross_minor),
                pesos(a.sold.commission_minor),
                pesos(a.sold.share_minor),
                pesos(a.settled_minor),
                pesos(a.owed_minor()),
            ]
        },
    )
    .await
}
