//! The member's statement with loans and the income chart, the period close with its preview
//! (R-FUND-1, R-FUND-2, R-PLAN-3) and the Fund and credit page, through the router.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

const SLUG: &str = "alfareros-morelos";

async fn events(w: &World) -> usize {
    w.app
        .store()
        .events(w.union.id, None, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .len()
}

/// The socio files last month: 10,000.00 over the baseline revenue and 2,000.00 over the
/// baseline profit.
async fn socio_reports_last_month(w: &World) {
    let me = member_of(w, "socio").await;
    let plan = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.member_id == me)
        .unwrap();
    let b = sign_in(w, "socio").await;
    let r = api(
        w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/members/{me}/reports"),
        Some(&b.token),
        Some(json!({
            "period": last_month(),
            "revenue_minor": plan.baseline_revenue.amount_minor() + 1_000_000,
            "profit_minor": plan.baseline_profit.amount_minor() + 200_000,
        })),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn the_close_preview_shows_what_the_close_would_post_and_writes_nothing() {
    let w = world().await;
    socio_reports_last_month(&w).await;
    let staff = sign_in(&w, "personal").await;
    let before = events(&w).await;
    let page = get(&w, &format!("/odf/{SLUG}/cierre"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("value=\"{}\"", last_month())));
    assert!(page.body.contains("Vista previa del cierre"));
    // Who has not reported: every member with a plan agreed by the month's end, but the socio.
    let period = fund::Period::parse(&last_month(), fund::PeriodSettings::default()).unwrap();
    let me = member_of(&w, "socio").await;
    let with_plan: std::collections::BTreeSet<i64> = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.agreed_on <= period.last_day() && p.member_id != me)
        .map(|p| p.member_id)
        .collect();
    assert!(!with_plan.is_empty());
    assert!(
        page.body.contains(&format!(
            "Socios con plan que no han reportado: {}",
            with_plan.len()
        )),
        "{}",
        page.body
    );
    // R-FUND-1: 10% of 10,000.00 of new revenue = 1,000.00; R-FUND-2: 500.00 to each
    // sub-fund; R-PLAN-3: 25% of 2,000.00 of incremental profit = 500.00.
    assert!(page.body.contains("<dd>$1,000.00</dd>"), "{}", page.body);
    assert_eq!(page.body.matches("<dd>$500.00</dd>").count(), 3);
    assert!(page.body.contains("id=\"close-form\""), "staff may close");
    assert_eq!(events(&w).await, before, "a preview writes nothing");
    // The API preview says the same.
    let p = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{SLUG}/periods/{}/close", last_month()),
        Some(&staff.token),
        None,
        None,
    )
    .await
    .json();
    assert_eq!(p["preview"], true);
    assert_eq!(p["development_minor"], 50_000);
    assert_eq!(p["competition_minor"], 50_000);
    assert_eq!(p["profit_share_minor"], 50_000);
    assert_eq!(p["members_reporting"], 1);
}

#[tokio::test]
async fn staff_close_a_period_once_and_closing_again_says_so() {
    let w = world().await;
    socio_reports_last_month(&w).await;
    let staff = sign_in(&w, "personal").await;
    let uri = format!("/odf/{SLUG}/cierre");
    let period = fund::Period::parse(&last_month(), fund::PeriodSettings::default()).unwrap();
    // Never one tap: without the confirmation box nothing is closed.
    let before = events(&w).await;
    let unconfirmed = [("csrf", staff.csrf.as_str()), ("period", &last_month())];
    let r = post_form(&w, &uri, Some(&staff), &unconfirmed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Marque la casilla de confirmación"),
        "{}",
        r.body
    );
    assert!(!w.app.is_closed(w.union.id, period).await.unwrap());
    assert_eq!(events(&w).await, before, "nothing written");
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("period", &last_month()),
        ("confirm", "si"),
    ];
    let r = post_form(&w, &uri, Some(&staff), &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(&format!(
            "Periodo {} cerrado.",
            month_label_es(&last_month())
        )),
        "{}",
        r.body
    );
    assert!(w.app.is_closed(w.union.id, period).await.unwrap());
    let after_close = events(&w).await;
    let again = post_form(&w, &uri, Some(&staff), &form).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains(&format!(
        "El periodo {} ya estaba cerrado",
        month_label_es(&last_month())
    )));
    assert_eq!(
        events(&w).await,
        after_close,
        "closing again writes nothing"
    );
    // The closed period is listed with what it posted.
    let page = get(&w, &uri, Some(&staff)).await;
    assert!(page.body.contains("Periodo cerrado"));
    assert!(!page.body.contains("id=\"close-form\""));
    // This month is not over: refused next to the field, nothing written.
    let early = post_form(
        &w,
        &uri,
        Some(&staff),
        &[
            ("csrf", staff.csrf.as_str()),
            ("period", &this_month()),
            ("confirm", "si"),
        ],
    )
    .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("El periodo aún no termina"));
    assert_eq!(events(&w).await, after_close);
    // A month before the union was founded (1 January 2025) has nothing to close.
    let before_founding = post_form(
        &w,
        &uri,
        Some(&staff),
        &[
            ("csrf", staff.csrf.as_str()),
            ("period", "2024-12"),
            ("confirm", "si"),
        ],
    )
    .await;
    assert_eq!(before_founding.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        before_founding.body.contains("antes de que se fundara"),
        "{}",
        before_founding.body
    );
    assert_eq!(events(&w).await, after_close);
    // The API answers already_closed, and the close is idempotent there too.
    let api_again = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/periods/{}/close", last_month()),
        Some(&staff.token),
        None,
        Some("close-1"),
    )
    .await;
    assert_eq!(api_again.status, StatusCode::OK);
    assert_eq!(api_again.json()["already_closed"], true);
}

#[tokio::test]
async fn the_board_and_supervisors_see_the_preview_and_only_staff_close() {
    let w = world().await;
    let uri = format!("/odf/{SLUG}/cierre");
    for login in ["consejo", "supervisor"] {
        let b = sign_in(&w, login).await;
        let page = get(&w, &uri, Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK, "{login}");
        assert!(!page.body.contains("id=\"close-form\""), "{login}");
        assert!(page
            .body
            .contains("Sólo el personal de la ODF cierra el periodo."));
        let r = post_form(
            &w,
            &uri,
            Some(&b),
            &[("csrf", b.csrf.as_str()), ("period", &last_month())],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{login}");
    }
    for login in ["socio", "apoyo", "donante", "asesor"] {
        let b = sign_in(&w, login).await;
        assert_eq!(
            get(&w, &uri, Some(&b)).await.status,
            StatusCode::FORBIDDEN,
            "{login}"
        );
    }
    let period = fund::Period::parse(&last_month(), fund::PeriodSettings::default()).unwrap();
    assert!(!w.app.is_closed(w.union.id, period).await.unwrap());
}

#[tokio::test]
async fn the_fund_page_shows_the_sub_funds_the_credit_line_and_its_limit_history() {
    let w = world_sized(200, 12).await;
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("/odf/{SLUG}/fondo"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Subfondo de Desarrollo")
            && page.body.contains("Subfondo de Competencia")
    );
    assert!(page.body.contains("Fondo por subfondo"), "sub-fund chart");
    assert!(page.body.contains("fira"), "the demo line's lender");
    assert!(
        page.body.contains("Apertura"),
        "the limit history starts at the opening"
    );
    assert!(page
        .body
        .contains("Límite de la línea de crédito a lo largo del tiempo"));
    assert!(page.body.matches("<svg").count() >= 2);
    assert!(page.body.len() < 100 * 1024);
    for login in ["socio", "apoyo"] {
        let b = sign_in(&w, login).await;
        let r = get(&w, &format!("/odf/{SLUG}/fondo"), Some(&b)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{login}");
    }
}

/// Issue 17: an active loan with an installment unpaid past its date is shown as late, with
/// its days late counted from the oldest unpaid due date (worked out here from the schedule's
/// rows), on the Fund page and on the borrower's statement; borrowers appear by name.
#[tokio::test]
async fn an_overdue_loan_shows_its_days_late_and_its_borrowers_name() {
    let w = world_sized(200, 12).await;
    let today = today_mx();
    let book = w.app.credit_book(w.union.id).await.unwrap();
    let overdue: Vec<(i64, i64)> = book
        .loans
        .values()
        .filter(|l| l.loan.status == credit::loan::LoanStatus::Active)
        .filter_map(|l| {
            let oldest = l
                .loan
                .book
                .rows
                .iter()
                .filter(|r| !r.is_settled() && r.due_date < today)
                .map(|r| r.due_date)
                .min()?;
            match l.loan.borrower {
                credit::loan::Borrower::Member(m) => Some((m, (today - oldest).num_days())),
                credit::loan::Borrower::Odf => None,
            }
        })
        .collect();
    let (member, days) = *overdue
        .first()
        .expect("the demo union has a member's loan past an installment's date");
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("/odf/{SLUG}/fondo"), Some(&staff)).await;
    assert!(
        page.body
            .contains(&format!("Vencido: {days} días de atraso")),
        "{}",
        page.body
    );
    let statement = get(&w, &format!("/odf/{SLUG}/socios/{member}"), Some(&staff)).await;
    assert!(statement
        .body
        .contains(&format!("Vencido: {days} días de atraso")));
    // The first loan of the book is listed under its borrower's name.
    if let Some(credit::loan::Borrower::Member(first)) =
        book.loans.values().next().map(|l| l.loan.borrower)
    {
        let first = w.app.store().member(w.union.id, first).await.unwrap();
        let name = format!("{} {}", first.data.given_names, first.data.surnames);
        assert!(
            page.body.contains(&format!("<td>{name}</td>")),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn a_borrowers_statement_shows_the_loan_and_its_next_installment() {
    let w = world_sized(200, 12).await;
    let book = w.app.credit_book(w.union.id).await.unwrap();
    let (borrower, loan) = book
        .loans
        .values()
        .find_map(|l| match l.loan.borrower {
            credit::loan::Borrower::Member(m)
                if l.loan.status == credit::loan::LoanStatus::Active =>
            {
                Some((m, l.loan.clone()))
            }
            _ => None,
        })
        .expect("the demo has an active member loan");
    let next = loan.book.rows.iter().find(|r| !r.is_settled()).unwrap();
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("/odf/{SLUG}/socios/{borrower}"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    // Current, or late by the days since its oldest unpaid installment's date.
    let today = today_mx();
    let status = match loan
        .book
        .rows
        .iter()
        .filter(|r| !r.is_settled() && r.due_date < today)
        .map(|r| r.due_date)
        .min()
    {
        Some(oldest) => format!("Vencido: {} días de atraso", (today - oldest).num_days()),
        None => "Vigente".to_string(),
    };
    assert!(page.body.contains(&status), "{status}");
    let due = web::money_es_mx(next.outstanding().total() as i128);
    assert!(page.body.contains(&due), "next installment {due}");
    assert!(page.body.contains("Ingreso base mensual"));
    assert!(page.body.len() < 100 * 1024);
    // The API says the same.
    let j = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{SLUG}/members/{borrower}/fund"),
        Some(&staff.token),
        None,
        None,
    )
    .await
    .json();
    let l = j["loans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["loan_id"] == loan.id)
        .unwrap();
    assert_eq!(l["status"], "active");
    assert_eq!(l["next_due_minor"], next.outstanding().total());
    assert!(j["statement"]["member_name"].as_str().is_some());
}

/// R-LEASE-1 through the API: staff record the purchase option of the demo's lease 2 (passed
/// from one member to another after a default, R-LEASE-2) once every rent is paid; the buyer's
/// statement, page and API, shows it bought with the day and the price.
#[tokio::test]
async fn staff_record_a_lease_purchase_and_the_buyers_statement_shows_it() {
    let w = world_sized(200, 12).await;
    let book = w.app.credit_book(w.union.id).await.unwrap();
    let lease = book.lease(2).unwrap().lease.clone();
    let (from, to) = lease
        .history
        .iter()
        .find_map(|e| match e.kind {
            credit::lease::LeaseEventKind::Transferred { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .expect("the demo's lease 2 was transferred");
    assert_eq!(lease.lessee, to);
    let staff = sign_in(&w, "personal").await;
    let uri = format!("/api/v1/orgs/{SLUG}/leases/2/purchase");
    let post = |token: String, body: serde_json::Value| {
        let (w, uri) = (&w, uri.clone());
        async move { api(w, "POST", &uri, Some(&token), Some(body), None).await }
    };
    let refused = |r: &Reply, field: &str| {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (j["rule"].as_str(), j["field"].as_str()),
            (Some("R-LEASE-1"), Some(field)),
            "{}",
            r.body
        );
    };
    let body = json!({"on": "2025-12-22", "reference": "recibo-1"});
    // Rents are owed: the option is closed.
    refused(&post(staff.token.clone(), body.clone()).await, "lease_id");
    // The new lessee pays every rent left.
    let owed = lease.book.outstanding().total();
    w.app
        .pay_rent(
            w.union.id,
            &app::Actor::cli(),
            2,
            owed,
            chrono::NaiveDate::from_ymd_opt(2025, 12, 20).unwrap(),
            "resto",
        )
        .await
        .unwrap();
    // Staff only; the lessee themself may not record it.
    let socio = sign_in(&w, "socio").await;
    assert_eq!(
        post(socio.token.clone(), body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    // Not the member it was taken from; not a future date.
    refused(
        &post(
            staff.token.clone(),
            json!({"member_id": from, "on": "2025-12-22", "reference": "recibo-1"}),
        )
        .await,
        "member_id",
    );
    refused(
        &post(
            staff.token.clone(),
            json!({"on": "2999-01-01", "reference": "recibo-1"}),
        )
        .await,
        "on",
    );
    // Recorded: the asset is the lessee's, for the demo's MXN 1.00.
    let r = post(staff.token.clone(), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["member_id"], to);
    assert_eq!(j["on"], "2025-12-22");
    assert_eq!(j["price_minor"], 100);
    assert_eq!(j["created"], true);
    // The same again: 200, nothing written; another purchase: refused.
    let r = post(staff.token.clone(), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], false);
    refused(
        &post(
            staff.token.clone(),
            json!({"on": "2025-12-23", "reference": "recibo-2"}),
        )
        .await,
        "lease_id",
    );
    // The buyer's statement: the API and the page.
    let j = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{SLUG}/members/{to}/fund"),
        Some(&staff.token),
        None,
        None,
    )
    .await
    .json();
    let l = j["leases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lease_id"] == 2)
        .unwrap()
        .clone();
    assert_eq!(l["status"], "purchased");
    assert_eq!(l["outstanding_minor"], 0);
    assert_eq!(l["purchase"]["on"], "2025-12-22");
    assert_eq!(l["purchase"]["price_minor"], 100);
    assert_eq!(l["purchase"]["member_id"], to);
    let page = get(&w, &format!("/odf/{SLUG}/socios/{to}"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    let bought = format!("Propiedad transferida al socio {to} el ");
    assert!(page.body.contains(&bought), "{bought}");
    assert!(page.body.contains(&web::money_es_mx(100)));
    w.app.checked_trial_balance(w.union.id).await.unwrap();
}
