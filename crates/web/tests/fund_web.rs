//! The Fund's operations through the router (issue 18): pages and API routes for paying an
//! approved expense (R-FUND-3), a member's withdrawal (R-FUND-4, R-FUND-5), members paying what
//! the closes made them owe with a receipt (R-FUND-1, R-PLAN-3), grants and temporary
//! contributions (R-FUND-1, R-FUND-2): each result, its refusals (shown on the page, naming the
//! field, nothing recorded) and its idempotency (a form or request sent twice records once).
//! Expected figures are worked out here from the amounts typed.

mod common;
mod fund_support;

use axum::http::StatusCode;
use common::*;
use fund_support::*;

const UNION: &str = "/odf/alfareros-morelos";
const API: &str = "/api/v1/orgs/alfareros-morelos";

async fn competition_cash(w: &World) -> i64 {
    w.app
        .fund_state(w.union.id)
        .await
        .unwrap()
        .trust
        .competition_minor
}

async fn balance(w: &World, code: &str) -> i64 {
    w.app
        .store()
        .account_balance(w.union.id, &ledger::AccountCode::parse(code).unwrap())
        .await
        .unwrap()
}

async fn books_ok(w: &World) {
    let c = w.app.check_books(w.union.id).await.unwrap();
    assert!(c.ok(), "{:?}", c.failures().collect::<Vec<_>>());
}

/// R-FUND-3, R-GOV-2: staff pay 1,234.56 under the board's 15,000.00 decision: the Competition
/// Sub-Fund's cash falls by exactly that; the same form again records nothing; 13,765.45 (one
/// centavo more than the 15,000.00 − 1,234.56 = 13,765.44 left) is refused naming both
/// amounts, and a payment naming no decision is refused; the board may not pay.
#[tokio::test]
async fn r_fund_3_staff_pay_an_approved_expense_once_within_the_decision() {
    let w = world().await;
    let id = approve_expense(&w, "feria").await;
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("{UNION}/fondo/gasto"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("<option value=\"{id}\"")));
    let token = token_of(&page.body, "spend-form");
    let before = competition_cash(&w).await;
    let id_text = id.to_string();
    let form = |token: &str, decision: &str, amount: &str| {
        vec![
            ("csrf", staff.csrf.clone()),
            ("token", token.to_string()),
            ("decision", decision.to_string()),
            ("categoria", "trade_fairs_sales_promotion".to_string()),
            ("descripcion", "Stand en la feria de Cuernavaca".to_string()),
            ("importe", amount.to_string()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let w = &w;
        let staff = staff.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(w, &format!("{UNION}/fondo/gasto"), Some(&staff), &f).await
        }
    };
    let paid = send(form(&token, &id_text, "1,234.56")).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    assert!(paid.body.contains("Pagado $1,234.56"), "{}", paid.body);
    assert_eq!(competition_cash(&w).await, before - 123_456);
    let again = send(form(&token, &id_text, "1,234.56")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("ya estaba registrada"));
    assert_eq!(
        competition_cash(&w).await,
        before - 123_456,
        "recorded once"
    );
    let left = 1_500_000 - 123_456;
    let over = send(form("otra-ref", &id_text, &typed(left + 1))).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over.body.contains(&mx(left + 1)) && over.body.contains(&mx(left)),
        "{}",
        over.body
    );
    assert!(over.body.contains("aria-invalid=\"true\""));
    let none = send(form("sin-decision", "", "10.00")).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Decisión del consejo:"), "{}", none.body);
    assert_eq!(competition_cash(&w).await, before - 123_456, "nothing more");
    // The table shows what was paid and what is left.
    let page = get(&w, &format!("{UNION}/fondo/gasto"), Some(&staff)).await;
    assert!(page.body.contains(&mx(left)));
    // R-GOV-1: the board decides, staff pay; a board member posting the form is refused.
    let board = sign_in(&w, "consejo").await;
    let f = form("consejo", &id_text, "1.00");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut f = f;
    f[0].1 = &board.csrf;
    let refused = post_form(&w, &format!("{UNION}/fondo/gasto"), Some(&board), &f).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    books_ok(&w).await;
}

/// R-FUND-4, R-FUND-5: in the Fund's fourth year the member withdraws half of what is left of
/// their entitlement for medical expenses; the page then shows the rest (left − withdrawn,
/// worked out here). One centavo over the rest is refused on the page naming both amounts,
/// and nothing is recorded; education without the board's criteria is refused; staff may not
/// withdraw for a member.
#[tokio::test]
async fn r_fund_5_a_member_withdraws_within_their_entitlement_and_not_beyond() {
    let w = old_world().await;
    let socio = member_of(&w, "socio").await;
    let me = sign_in(&w, "socio").await;
    let url = format!("{UNION}/socios/{socio}/retiro");
    let left = w
        .app
        .withdrawal_position(w.union.id, socio)
        .await
        .unwrap()
        .entitlement
        .available_minor;
    assert!(left >= 2, "the demo member has an entitlement: {left}");
    let page = get(&w, &url, Some(&me)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&mx(left)), "{}", page.body);
    let token = token_of(&page.body, "withdraw-form");
    let amount = left / 2;
    let rest = left - amount;
    let withdrawn_before = balance(&w, "fund:withdrawn:development").await;
    let send = |token: String, purpose: &'static str, amount: i64| {
        let w = &w;
        let me = me.clone();
        let url = url.clone();
        async move {
            let a = typed(amount);
            let form = [
                ("csrf", me.csrf.as_str()),
                ("token", token.as_str()),
                ("uso", purpose),
                ("importe", a.as_str()),
                ("decision", ""),
            ];
            post_form(w, &url, Some(&me), &form).await
        }
    };
    let done = send(token.clone(), "medical", amount).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
    assert!(
        done.body.contains(&format!("Le queda {}", mx(rest))),
        "{}",
        done.body
    );
    let again = send(token, "medical", amount).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        balance(&w, "fund:withdrawn:development").await,
        withdrawn_before + amount,
        "recorded once"
    );
    let over = send("sobre".into(), "housing", rest + 1).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over.body.contains(&format!(
            "{} es más que su parte disponible ({})",
            mx(rest + 1),
            mx(rest)
        )),
        "{}",
        over.body
    );
    let school = send("escuela".into(), "children_education", 1).await;
    assert_eq!(school.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(school.body.contains("criterios"), "{}", school.body);
    assert_eq!(
        balance(&w, "fund:withdrawn:development").await,
        withdrawn_before + amount,
        "nothing recorded by the refusals"
    );
    let after = w.app.withdrawal_position(w.union.id, socio).await.unwrap();
    assert_eq!(after.entitlement.available_minor, rest);
    // Only the member themself: staff are refused, another ODF's member is 404.
    let staff = sign_in(&w, "personal").await;
    assert_eq!(
        get(&w, &url, Some(&staff)).await.status,
        StatusCode::FORBIDDEN
    );
    let other = format!("{UNION}/socios/{}/retiro", w.other_member);
    assert_eq!(
        get(&w, &other, Some(&me)).await.status,
        StatusCode::NOT_FOUND
    );
    // The API: over the entitlement is 422 naming the rule and the field.
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/withdrawals"),
        Some(&me.token),
        Some(serde_json::json!({"member_id": socio, "purpose": "housing", "amount_minor": rest + 1, "reference": "api-sobre"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["rule"], "R-FUND-5");
    assert_eq!(r.json()["field"], "amount");
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/withdrawals"),
        Some(&me.token),
        Some(serde_json::json!({"member_id": socio, "purpose": "housing", "amount_minor": 1, "reference": "api-1"})),
        Some("retiro-api-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["entitlement_left_minor"], rest - 1);
    books_ok(&w).await;
}

/// R-FUND-1, R-PLAN-3: the member reports 1,000.00 of revenue and 400.00 of profit above their
/// baseline and the period is closed: they owe 10 % = 100.00 to the Fund and 25 % = 100.00 to
/// the ODF. Staff record their payment: the receipt says 100.00 + 100.00 = 200.00, the member
/// may read it, and the member no longer owes.
#[tokio::test]
async fn r_fund_1_staff_record_what_the_close_made_a_member_owe_with_a_receipt() {
    let w = world().await;
    let socio = member_of(&w, "socio").await;
    let plan = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.member_id == socio)
        .unwrap();
    let period = fund::Period::parse("2025-06", fund::PeriodSettings::default()).unwrap();
    w.app
        .file_report(
            w.union.id,
            period,
            app::fund_cases::ReportInput {
                member_id: socio,
                revenue_minor: plan.baseline_revenue.amount_minor() + 100_000,
                profit_minor: plan.baseline_profit.amount_minor() + 40_000,
                reported_by: fund::Reporter::Member,
            },
            None,
            today_mx(),
            &app::Actor::cli(),
        )
        .await
        .unwrap();
    w.app
        .close_period(
            w.union.id,
            period,
            today_mx(),
            app::fund_cases::CloseOptions::default(),
            &app::Actor::cli(),
        )
        .await
        .unwrap();
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("{UNION}/fondo/pagos"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("<option value=\"{socio}\"")),
        "{}",
        page.body
    );
    let token = token_of(&page.body, "pay-form");
    let socio_text = socio.to_string();
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("token", token.as_str()),
        ("socio", socio_text.as_str()),
        ("importe", ""),
    ];
    let paid = post_form(&w, &format!("{UNION}/fondo/pagos"), Some(&staff), &form).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let receipt_url = paid.location().to_string();
    assert_eq!(receipt_url, format!("{UNION}/fondo/recibos/{token}"));
    let again = post_form(&w, &format!("{UNION}/fondo/pagos"), Some(&staff), &form).await;
    assert_eq!(
        again.location(),
        receipt_url,
        "the same form answers the same receipt"
    );
    let me = sign_in(&w, "socio").await;
    let receipt = get(&w, &receipt_url, Some(&me)).await;
    assert_eq!(receipt.status, StatusCode::OK);
    for (id, minor) in [
        ("receipt-contribution", 10_000),
        ("receipt-profit-share", 10_000),
        ("receipt-total", 20_000),
    ] {
        assert!(
            receipt
                .body
                .contains(&format!("id=\"{id}\">{}</dd>", mx(minor))),
            "{id}: {}",
            receipt.body
        );
    }
    let owing = w.app.members_owing(w.union.id).await.unwrap();
    assert!(owing.iter().all(|o| o.member_id != socio));
    // Nothing owed now: the same member again is refused on the page.
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("token", "otra"),
        ("socio", socio_text.as_str()),
        ("importe", ""),
    ];
    let nothing = post_form(&w, &format!("{UNION}/fondo/pagos"), Some(&staff), &form).await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.body.contains("no debe nada"), "{}", nothing.body);
    // The API's receipt is the page's.
    let r = api(
        &w,
        "GET",
        &format!("{API}/fund/payments/{token}"),
        Some(&me.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["total_minor"], 20_000);
    let csv = get(&w, &format!("{UNION}/fondo/pagos.csv"), Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("\"Socio\""));
    books_ok(&w).await;
}

/// R-FUND-1, R-FUND-2: a grant of 1,000.01 raises the grants received by exactly that; a
/// temporary contribution of 500.00 is listed as owed back, returned once (the button sent
/// twice), and then no longer listed. Through the API as well, with `Idempotency-Key`.
#[tokio::test]
async fn r_fund_1_grants_and_temporary_contributions_and_their_return() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let grants = |w: &World| {
        let app = w.app.clone();
        let org = w.union.id;
        async move { app.fund_state(org).await.unwrap().grants.total() }
    };
    let before = grants(&w).await;
    let page = get(&w, &format!("{UNION}/fondo/aportaciones"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = token_of(&page.body, "grant-form");
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("token", token.as_str()),
        ("nombre", "Fundación del Sur"),
        ("importe", "1,000.01"),
    ];
    let r = post_form(&w, &format!("{UNION}/fondo/donativos"), Some(&staff), &form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = post_form(&w, &format!("{UNION}/fondo/donativos"), Some(&staff), &form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(grants(&w).await, before + 100_001);
    let bad = [
        ("csrf", staff.csrf.as_str()),
        ("token", "vacio"),
        ("nombre", "  "),
        ("importe", "10.00"),
    ];
    let r = post_form(&w, &format!("{UNION}/fondo/donativos"), Some(&staff), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nombre:"), "{}", r.body);
    let temp = [
        ("csrf", staff.csrf.as_str()),
        ("token", "temporal-1"),
        ("nombre", "Ayuntamiento de Tepoztlán"),
        ("importe", "500.00"),
    ];
    let r = post_form(
        &w,
        &format!("{UNION}/fondo/temporales"),
        Some(&staff),
        &temp,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("Ayuntamiento de Tepoztlán") && r.body.contains("$500.00"));
    let ret = format!("{UNION}/fondo/temporales/temporal-1/devolucion");
    let form = [("csrf", staff.csrf.as_str())];
    let r = post_form(&w, &ret, Some(&staff), &form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let trust_after = balance(&w, "fund:temporary-contributions").await;
    let r = post_form(&w, &ret, Some(&staff), &form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        balance(&w, "fund:temporary-contributions").await,
        trust_after,
        "returned once"
    );
    assert!(!r.body.contains("temporales/temporal-1/devolucion"));
    // The API.
    let body = serde_json::json!({"donor": "Nacional Financiera", "amount_minor": 250, "reference": "api-donativo"});
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/grants"),
        Some(&staff.token),
        Some(body.clone()),
        Some("k-grant"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/grants"),
        Some(&staff.token),
        Some(body),
        Some("k-grant-2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["created"], false);
    assert_eq!(grants(&w).await, before + 100_001 + 250);
    let body =
        serde_json::json!({"contributor": "Municipio", "amount_minor": 0, "reference": "api-cero"});
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/temporary"),
        Some(&staff.token),
        Some(body),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "amount_minor");
    let member = sign_in(&w, "socio").await;
    let body = serde_json::json!({"donor": "Yo", "amount_minor": 100, "reference": "socio"});
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/grants"),
        Some(&member.token),
        Some(body),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    books_ok(&w).await;
}

/// R-FUND-3 through the API: the decisions with what is left, a payment (201, then 200 with
/// `created: false` for the same reference), and a decision that does not exist (422).
#[tokio::test]
async fn r_fund_3_spending_through_the_api() {
    let w = world().await;
    let id = approve_expense(&w, "api").await;
    let staff = sign_in(&w, "personal").await;
    let r = api(
        &w,
        "GET",
        &format!("{API}/fund/decisions"),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let d = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["proposal_id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(d["left_minor"], 1_500_000);
    let before = competition_cash(&w).await;
    let body = serde_json::json!({"decision_id": id, "category": "market_research", "description": "Estudio de mercado", "amount_minor": 50_000, "reference": "estudio-1"});
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/spending"),
        Some(&staff.token),
        Some(body.clone()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/spending"),
        Some(&staff.token),
        Some(body),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(competition_cash(&w).await, before - 50_000);
    let body = serde_json::json!({"decision_id": 999_999, "category": "market_research", "description": "x", "amount_minor": 1, "reference": "nada"});
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/spending"),
        Some(&staff.token),
        Some(body),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "decision_id");
    let body = serde_json::json!({"decision_id": id, "category": "fiesta", "description": "x", "amount_minor": 1, "reference": "fiesta"});
    let r = api(
        &w,
        "POST",
        &format!("{API}/fund/spending"),
        Some(&staff.token),
        Some(body),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rule"], "R-FUND-3");
    books_ok(&w).await;
}
