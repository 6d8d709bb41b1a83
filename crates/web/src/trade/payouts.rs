//! Sales payouts as recorded (R-SELL-1): what each member was paid from each buyer payment and
//! what was deducted, as it was that day.
//!
//! - the order's page lists them by payment (`groups`);
//! - `/odf/{slug}/comercio/ventas/{order}/pagos/{reference}/{member}`: a member's printable
//!   receipt (the member themself, staff, the board, supervisors; anyone else 404), which links
//!   to the Fund's receipt for what went to the Fund;
//! - `/odf/{slug}/comercio/ventas/{order}/pagos.csv`: every line the viewer may see
//!   (`downloads`).

use super::member_names;
use crate::shell::check;
use crate::shell::render;
use crate::shell::visible_org;
use crate::shell::Ctx;
use crate::shell::Nav;
use crate::shell::PageError;
use crate::shell::PageResult;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::Action;
use app::trade_cases::{payout_fund_reference, SalesOrder};
use askama::Template;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;

pub(super) fn routes() -> Router<AppState> {
    let o = "/odf/{slug}/comercio/ventas/{order}";
    Router::new().route(
        &format!("{o}/pagos/{{reference}}/{{member}}"),
        get(receipt_page),
    )
}

pub struct PayoutRow {
    pub member: String,
    pub gross: String,
    pub deducted: String,
    pub net: String,
    pub receipt: String,
}

/// One buyer payment's payouts on the order's page.
pub struct PayoutGroup {
    /// The payment's number in the order (1 the first).
    pub number: usize,
    pub date: String,
    pub amount: String,
    pub rows: Vec<PayoutRow>,
}

/// The recorded payouts of an order, the latest payment first, with the lines `shown`.
pub(super) fn groups(
    t: Tr,
    slug: &str,
    o: &SalesOrder,
    shown: impl Fn(i64) -> bool,
    name: &dyn Fn(i64) -> String,
) -> Vec<PayoutGroup> {
    o.payouts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| PayoutGroup {
            number: i + 1,
            date: t.date(&p.date),
            amount: t.money(p.payment_minor as i128),
            rows: p
                .lines
                .iter()
                .filter(|l| shown(l.member))
                .map(|l| PayoutRow {
                    member: name(l.member),
                    gross: t.money(l.gross_minor as i128),
                    deducted: t.money(l.deducted_minor() as i128),
                    net: t.money(l.net_minor as i128),
                    receipt: format!(
                        "/odf/{slug}/comercio/ventas/{}/pagos/{}/{}",
                        o.input.order_id, p.reference, l.member
                    ),
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect()
}

pub(super) async fn order_of(
    state: &AppState,
    t: Tr,
    org_id: store::OrgId,
    order: &str,
) -> Result<SalesOrder, PageError> {
    let fail = |e| PageError::from_app(t, e);
    if !state
        .app
        .sales_orders(org_id)
        .await
        .map_err(fail)?
        .iter()
        .any(|o| o == order)
    {
        return Err(PageError::NotFound(t));
    }
    state.app.sales_order(org_id, order).await.map_err(fail)
}

#[derive(Template)]
#[template(path = "trade_payout_receipt.html")]
struct ReceiptPage {
    t: Tr,
    nav: Nav,
    org_name: String,
    number: String,
    member: String,
    order: String,
    buyer: String,
    date: String,
    gross: String,
    advance: String,
    fund: String,
    profit_share: String,
    purchases: String,
    deducted: String,
    net: String,
    fund_receipt: Option<String>,
    back: String,
}

/// A member's payout receipt: the member themself, staff, the board and supervisors.
pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order, reference, member)): Path<(String, String, String, i64)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMember(member))?;
    let o = order_of(&state, t, org.id, &order).await?;
    let Some((i, p)) = o
        .payouts
        .iter()
        .enumerate()
        .find(|(_, p)| p.reference == reference)
    else {
        return Err(PageError::NotFound(t));
    };
    let Some(l) = p.lines.iter().find(|l| l.member == member) else {
        return Err(PageError::NotFound(t));
    };
    let names = member_names(&state, t, org.id, &[member]).await?;
    let m = |v: i64| t.money(v as i128);
    let slug = &org.data.slug;
    let page = ReceiptPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        org_name: org.data.name.clone(),
        // Short and unique: the order, the payment's number in it, the member.
        number: format!("{}-{}-{}", o.input.order_id, i + 1, member),
        member: names.get(&member).cloned().unwrap_or_default(),
        order: o.input.order_id.clone(),
        buyer: o.input.buyer.clone(),
        date: t.date(&p.date),
        gross: m(l.gross_minor),
        advance: m(l.advance_minor),
        fund: m(l.fund_minor),
        profit_share: m(l.profit_share_minor),
        purchases: m(l.purchases_minor),
        deducted: m(l.deducted_minor()),
        net: m(l.net_minor),
        fund_receipt: (l.fund_minor + l.profit_share_minor > 0).then(|| {
            format!(
                "/odf/{slug}/fondo/recibos/{}",
                payout_fund_reference(&order, &reference, member)
            )
        }),
        back: format!("/odf/{slug}/comercio/ventas/{order}#pagos-socios"),
    };
    Ok(render(page))
}
