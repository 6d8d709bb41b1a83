//! Shared by the trade tests (issue 18): the test's price list, its arithmetic done here, and
//! a third member with an account of their own.

use super::{Browser, World};

pub const SLUG: &str = "alfareros-morelos";
pub const SUPPLIER: &str = "barros-tlaya";
/// The price list of the tests: 1 to 99 units at $12.00, 100 or more at $10.00, every unit
/// at the tier reached (all units).
pub const LOW_PRICE: i64 = 1_200;
pub const HIGH_PRICE: i64 = 1_000;
pub const HIGH_FROM: u32 = 100;

/// `$1,234.50` as the pages write pesos, spelled out here.
pub fn pesos(minor: i64) -> String {
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", minor % 100)
}

/// What `units` cost at the test's price list (all units at the tier reached).
pub fn cost(units: u32) -> i64 {
    units as i64
        * if units >= HIGH_FROM {
            HIGH_PRICE
        } else {
            LOW_PRICE
        }
}

/// The test's price list as a CSV file, valid from `valid_from` for 400 days.
pub fn price_file(valid_from: chrono::NaiveDate) -> String {
    let until = valid_from + chrono::Duration::days(400);
    format!(
        "proveedor,material,esquema,desde,hasta,precio,pedido_minimo,dias_entrega,vigente_desde,vigente_hasta\n\
         {SUPPLIER},barro,todas,1,{},{}.00,0,3,{valid_from},{until}\n\
         {SUPPLIER},barro,todas,{HIGH_FROM},,{}.00,0,3,{valid_from},{until}\n",
        HIGH_FROM - 1,
        LOW_PRICE / 100,
        HIGH_PRICE / 100,
    )
}

/// The password of the accounts made by [`another_member`].
pub const PASSWORD: &str = "Barro-de-Tlayacapan-2026";

/// A member of the union other than `not`, given an account `login` (and signed in).
pub async fn another_member(w: &World, login: &str, not: &[i64]) -> (i64, Browser) {
    let members = w
        .app
        .store()
        .members(w.union.id, store::Page::first(100))
        .await
        .unwrap();
    let today = super::today_mx();
    let m = members
        .iter()
        .find(|m| !not.contains(&m.id) && m.is_active_on(today))
        .unwrap()
        .id;
    w.app
        .create_user(
            app::access_cases::NewUser {
                login: login.into(),
                display_name: "Socia de prueba".into(),
                password: PASSWORD.into(),
                supervisor: false,
                grants: vec![app::access_cases::Grant {
                    org_id: w.union.id,
                    role: app::access_cases::OrgRole::Member,
                    member_id: Some(m),
                }],
            },
            "test",
            "test",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let s = w
        .app
        .sign_in(login, PASSWORD, "127.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    (
        m,
        Browser {
            cookie: format!("tequio_session={}", s.token),
            csrf: s.csrf,
            token: s.token,
        },
    )
}

/// What a member owes that a sales payment deducts, in its order (R-SELL-1): advances on the
/// sale, Fund contributions, the ODF's profit share, purchases; read from the ledger.
pub async fn debts_of(w: &World, member: i64) -> Vec<i64> {
    use ::trade::sales::DebtKind;
    let mut out = Vec::new();
    for kind in [
        DebtKind::SalesAdvance,
        DebtKind::FundContribution,
        DebtKind::ProfitShare,
        DebtKind::PurchasingRound,
    ] {
        let owed = w
            .app
            .store()
            .account_balance(w.union.id, &kind.account(member))
            .await
            .unwrap_or(0);
        out.push(owed.max(0));
    }
    out
}

/// A member's payout from a payment of their whole share: the share less each debt in order,
/// never below zero (worked out here).
pub fn net_of(gross: i64, debts: &[i64]) -> (i64, i64) {
    let mut left = gross;
    for d in debts {
        left -= (*d).min(left);
    }
    (gross - left, left)
}
