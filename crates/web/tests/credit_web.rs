//! Loans in the browser (issue 18; R-CRED-1..5, R-GOV-2, R-FUND-6): a member applies from the
//! simulator's offer, the board approves the proposal on the proposals page, staff disburse
//! and record payments with receipts, the loan page shows what remains; the API does the same;
//! refusals name the field with nothing written; forms and API writes are idempotent; the
//! portfolio page and its CSV.

mod common;

use axum::http::StatusCode;
use common::*;
use rust_decimal::Decimal;
use serde_json::json;

const SLUG: &str = "alfareros-morelos";

/// The hidden value of input `name` in a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        + marker.len();
    body[at..].split('"').next().unwrap().to_string()
}

async fn count(w: &World, stream: &str) -> usize {
    w.app
        .store()
        .events(
            w.union.id,
            Some(stream),
            store::Page::first(store::MAX_PAGE),
        )
        .await
        .unwrap()
        .len()
}

/// The board approves proposal `id` through the proposals page: a majority of seats vote
/// for, and a board member closes the vote.
async fn board_approves(w: &World, id: i64) {
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    let roles = w.app.store().roles(w.union.id).await.unwrap();
    let seats = governance::board_seats(&roles, today).len();
    for i in 0..seats / 2 + 1 {
        let login = if i == 0 {
            "consejo".to_string()
        } else {
            format!("consejo{}", i + 1)
        };
        let b = sign_in(w, &login).await;
        let r = post_form(
            w,
            &format!("/odf/{SLUG}/propuestas/{id}/voto"),
            Some(&b),
            &[("csrf", &b.csrf), ("vote", "for")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{login}: {}", r.body);
    }
    let b = sign_in(w, "consejo").await;
    let r = post_form(
        w,
        &format!("/odf/{SLUG}/propuestas/{id}/cerrar"),
        Some(&b),
        &[("csrf", &b.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// The line's nominal annual rate as a fraction (the input every schedule is built on).
async fn line_rate(w: &World) -> Decimal {
    let book = w.app.credit_book(w.union.id).await.unwrap();
    book.lines.values().next().unwrap().line.rate.annual()
}

/// Half-to-even rounding of a Decimal amount of centavos to a whole centavo.
fn centavos(d: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .to_i64()
        .unwrap()
}

#[tokio::test]
async fn a_members_loan_from_the_simulator_to_two_payments_with_receipts() {
    let w = world_sized(300, 12).await;
    let today = today_mx();
    let socio = sign_in(&w, "socio").await;
    let socio_id = member_of(&w, "socio").await;
    // The simulator offers to apply with the terms shown.
    let quote = get(
        &w,
        &format!("/odf/{SLUG}/simulador?amount=12000&rate=18&installments=6&start={today}&frequency=monthly&method=equal-installments"),
        Some(&socio),
    )
    .await;
    assert!(
        quote.body.contains("/prestamos/solicitar"),
        "{}",
        quote.body
    );
    let form = get(
        &w,
        &format!("/odf/{SLUG}/prestamos/solicitar?amount=12000&installments=6&start={today}&frequency=monthly&method=equal-installments"),
        Some(&socio),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = hidden(&form.body, "token");
    let proposals_before = count(&w, "proposals").await;
    let start = today.to_string();
    let fields = [
        ("csrf", socio.csrf.as_str()),
        ("token", token.as_str()),
        ("amount", "12,000.00"),
        ("installments", "6"),
        ("frequency", "monthly"),
        ("method", "equal-installments"),
        ("start", start.as_str()),
        ("plan", ""),
    ];
    let r = post_form(
        &w,
        &format!("/odf/{SLUG}/prestamos/solicitar"),
        Some(&socio),
        &fields,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loan_uri = r.location().to_string();
    // Sent twice, applied once.
    let again = post_form(
        &w,
        &format!("/odf/{SLUG}/prestamos/solicitar"),
        Some(&socio),
        &fields,
    )
    .await;
    assert_eq!(again.location(), loan_uri);
    assert_eq!(count(&w, "loan-applications").await, 1);
    assert_eq!(count(&w, "proposals").await, proposals_before + 1);
    let application = w.app.loan_applications(w.union.id).await.unwrap()[0].clone();
    assert_eq!(application.member_id, socio_id);
    assert_eq!(application.terms.principal_minor, 1_200_000);
    let page = get(&w, &loan_uri, Some(&socio)).await;
    assert!(
        page.body.contains("espera la decisión del consejo"),
        "{}",
        page.body
    );

    // Staff cannot disburse before the board decided: the refusal is on the page.
    let staff = sign_in(&w, "personal").await;
    let disburse = format!("{loan_uri}/entregar");
    let r = post_form(&w, &disburse, Some(&staff), &[("csrf", &staff.csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("el consejo todavía no aprueba este préstamo"));
    let proposals = get(&w, &format!("/odf/{SLUG}/propuestas"), Some(&staff)).await;
    assert!(proposals
        .body
        .contains(&format!("préstamo n.º {}", application.loan_id)));

    board_approves(&w, application.proposal_id).await;
    let page = get(&w, &loan_uri, Some(&staff)).await;
    assert!(page.body.contains("id=\"disburse-form\""), "{}", page.body);
    let r = post_form(&w, &disburse, Some(&staff), &[("csrf", &staff.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Again: nothing more is drawn.
    let drawn =
        |b: &app::credit_cases::CreditBook| b.lines.values().next().unwrap().line.drawn_minor;
    let before = drawn(&w.app.credit_book(w.union.id).await.unwrap());
    let r = post_form(&w, &disburse, Some(&staff), &[("csrf", &staff.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(drawn(&w.app.credit_book(w.union.id).await.unwrap()), before);

    // Two payments typed as Mexicans do, each with its receipt; the first sent twice.
    let pay = |amount: &'static str| {
        let w = &w;
        let staff = staff.clone();
        let loan_uri = loan_uri.clone();
        async move {
            let page = get(w, &loan_uri, Some(&staff)).await;
            let token = hidden(&page.body, "token");
            let f = [
                ("csrf", staff.csrf.as_str()),
                ("importe", amount),
                ("fecha", ""),
                ("token", token.as_str()),
            ];
            let r = post_form(w, &format!("{loan_uri}/pago"), Some(&staff), &f).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let again = post_form(w, &format!("{loan_uri}/pago"), Some(&staff), &f).await;
            assert_eq!(again.location(), r.location());
            r.location().to_string()
        }
    };
    // A decimal comma is refused, naming the field, nothing recorded.
    let page = get(&w, &loan_uri, Some(&staff)).await;
    let bad = post_form(
        &w,
        &format!("{loan_uri}/pago"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("importe", "1000,50"),
            ("token", &hidden(&page.body, "token")),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"importe\"") && bad.body.contains("aria-invalid"));
    let receipt1 = pay("1,000.00").await;
    let receipt2 = pay("$1,500.50").await;
    let book = w.app.credit_book(w.union.id).await.unwrap();
    assert_eq!(
        book.loan(application.loan_id).unwrap().loan.payments.len(),
        2
    );

    // Independent arithmetic (R-CRED-4, 30/360): the first month's interest is P x rate / 12,
    // half to even. Paid today, before the first due date, the payments first pay the first
    // installment's interest then its principal, and the rest prepays principal. So the
    // principal repaid is both payments less that interest.
    let rate = line_rate(&w).await;
    let interest_1 = centavos(Decimal::from(1_200_000) * rate / Decimal::from(12));
    let remaining = 1_200_000 - (100_000 + 150_050 - interest_1);
    let page = get(&w, &loan_uri, Some(&socio)).await;
    assert!(
        page.body.contains(&format!(
            "id=\"loan-outstanding\">{}<",
            web::money_es_mx(remaining as i128)
        )),
        "remaining {remaining}: {}",
        page.body
    );
    assert!(
        page.body.contains(&web::money_es_mx(250_050)),
        "paid in all"
    );
    let r = get(&w, &receipt2, Some(&socio)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("$1,500.50") && r.body.contains(&web::money_es_mx(remaining as i128)));
    let r = get(&w, &receipt1, Some(&socio)).await;
    assert!(r.body.contains("P-") && r.body.contains("$1,000.00"));
    // The member finds it from their statement.
    let statement = get(&w, &format!("/odf/{SLUG}/socios/{socio_id}"), Some(&socio)).await;
    assert!(statement
        .body
        .contains(&format!("/odf/{SLUG}/prestamos/{}", application.loan_id)));
    let mine = get(&w, &format!("/odf/{SLUG}/prestamos"), Some(&socio)).await;
    assert!(mine
        .body
        .contains(&format!("/prestamos/{}\"", application.loan_id)));
    // Another member gets the 404 of a missing loan, and of its receipt.
    let other = sign_in(&w, "consejo").await;
    let other_member = sign_in(&w, "apoyo").await;
    assert_eq!(
        get(&w, &loan_uri, Some(&other)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&w, &loan_uri, Some(&other_member)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&w, &receipt1, Some(&other_member)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        w.app.check_books(w.union.id).await.unwrap().ok(),
        "the books check passes"
    );
}

#[tokio::test]
async fn refusals_name_the_field_and_write_nothing() {
    let w = world_sized(300, 12).await;
    let today = today_mx();
    let socio = sign_in(&w, "socio").await;
    let form = get(
        &w,
        &format!("/odf/{SLUG}/prestamos/solicitar"),
        Some(&socio),
    )
    .await;
    let token = hidden(&form.body, "token");
    let apply = |amount: &'static str, start: String| {
        let w = &w;
        let socio = socio.clone();
        let token = token.clone();
        async move {
            post_form(
                w,
                &format!("/odf/{SLUG}/prestamos/solicitar"),
                Some(&socio),
                &[
                    ("csrf", &socio.csrf),
                    ("token", &token),
                    ("amount", amount),
                    ("installments", "6"),
                    ("start", &start),
                ],
            )
            .await
        }
    };
    // Far more than the line has available (R-CRED-1).
    let r = apply("90,000,000.00", today.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"apply-err\""), "{}", r.body);
    assert!(r.body.contains("id=\"amount\"") && r.body.contains("aria-invalid"));
    // A start before today.
    let r = apply("5,000.00", (today - chrono::Duration::days(3)).to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("la fecha de entrega no es válida"));
    // A decimal comma.
    let r = apply("5000,00", today.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&w, "loan-applications").await, 0);
    // Only the member themself or staff apply; the board, the support committee do not.
    for login in ["consejo", "apoyo", "donante"] {
        let b = sign_in(&w, login).await;
        let r = get(&w, &format!("/odf/{SLUG}/prestamos/solicitar"), Some(&b)).await;
        let board_member = login == "consejo";
        // A board member is also a member: they apply for themself.
        assert_eq!(
            r.status,
            if board_member {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{login}"
        );
    }
    // A member cannot apply for another member (the field is ignored: it is their own).
    let staff = sign_in(&w, "personal").await;
    let r = post_form(
        &w,
        &format!("/odf/{SLUG}/prestamos/1/pago"),
        Some(&socio),
        &[("csrf", &socio.csrf), ("importe", "10")],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "members do not record payments"
    );
    let r = get(&w, &format!("/odf/{SLUG}/prestamos/999999"), Some(&staff)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_applies_disburses_and_records_payments_once() {
    let w = world_sized(300, 12).await;
    let today = today_mx();
    let socio = sign_in(&w, "socio").await;
    let socio_id = member_of(&w, "socio").await;
    let staff = sign_in(&w, "personal").await;
    let uri = format!("/api/v1/orgs/{SLUG}/loans");
    let body = json!({"member_id": socio_id, "amount": "6,000.00", "installments": "3",
        "start": today.to_string(), "reference": "sol-1"});
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&socio.token),
        Some(body.clone()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let loan = r.json();
    assert_eq!(loan["stage"], "waiting");
    assert_eq!(loan["principal_minor"], 600_000);
    assert_eq!(loan["rows"].as_array().unwrap().len(), 3);
    let id = loan["loan_id"].as_i64().unwrap();
    let again = api(&w, "POST", &uri, Some(&socio.token), Some(body), None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["created"], false);
    // A member applies only for themself.
    let other = json!({"member_id": socio_id + 1, "amount": "6,000.00", "installments": "3",
        "start": today.to_string(), "reference": "sol-2"});
    let r = api(&w, "POST", &uri, Some(&socio.token), Some(other), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Not before the board decided.
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/disbursement"),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["rule"], "R-GOV-2");
    board_approves(&w, loan["proposal_id"].as_i64().unwrap()).await;
    // The member does not disburse; staff do, once.
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/disbursement"),
        Some(&socio.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/disbursement"),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["stage"], "active");
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/disbursement"),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // A payment of exactly the first installment (French: P r / (1 - (1 + r)^-n), half to
    // even, r the monthly rate) settles the first row.
    let rate = line_rate(&w).await / Decimal::from(12);
    let mut factor = Decimal::ONE;
    for _ in 0..3 {
        factor *= Decimal::ONE + rate;
    }
    let installment = centavos(Decimal::from(600_000) * rate * factor / (factor - Decimal::ONE));
    let pay = json!({"amount_minor": installment, "reference": "rec-1"});
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/payments"),
        Some(&staff.token),
        Some(pay.clone()),
        Some("k-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let l = r.json();
    assert_eq!(l["rows"][0]["outstanding_minor"], 0, "{l}");
    let interest_1 = centavos(Decimal::from(600_000) * rate);
    assert_eq!(
        l["outstanding_principal_minor"],
        600_000 - (installment - interest_1)
    );
    // The same reference again: recorded once.
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/payments"),
        Some(&staff.token),
        Some(pay),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["payments"].as_array().unwrap().len(), 1);
    // Not positive: 422 naming the amount.
    let r = api(
        &w,
        "POST",
        &format!("{uri}/{id}/payments"),
        Some(&staff.token),
        Some(json!({"amount_minor": 0, "reference": "rec-2"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "amount_minor");
    // Reads: the borrower and staff; the list and the portfolio are staff's, board's.
    let r = api(
        &w,
        "GET",
        &format!("{uri}/{id}"),
        Some(&socio.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(&w, "GET", &uri, Some(&socio.token), None, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{SLUG}/loan-portfolio"),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = r.json();
    let buckets: i64 = p["aging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["outstanding_principal_minor"].as_i64().unwrap())
        .sum();
    assert_eq!(p["gross_portfolio_minor"].as_i64().unwrap(), buckets);
    let other = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{}/loans/{id}", w.other.data.slug),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_portfolio_page_and_its_csv_add_up() {
    let w = world_sized(300, 12).await;
    let staff = sign_in(&w, "personal").await;
    let on = today_mx();
    let q = w.app.loan_portfolio(w.union.id, on).await.unwrap();
    let page = get(&w, &format!("/odf/{SLUG}/cartera"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // PAR30 by hand: the outstanding principal of loans more than 30 days late over the
    // whole active portfolio, from the loans themselves.
    let book = w.app.credit_book(w.union.id).await.unwrap();
    let (mut gross, mut late30) = (0i64, 0i64);
    for ls in book.loans.values() {
        let l = &ls.loan;
        if l.status != credit::loan::LoanStatus::Active {
            continue;
        }
        let out = l.outstanding_principal_minor();
        gross += out;
        let oldest_unpaid = l
            .book
            .rows
            .iter()
            .find(|r| r.outstanding().total() > 0 && r.due_date < on)
            .map(|r| (on - r.due_date).num_days());
        if oldest_unpaid.is_some_and(|d| d > 30) {
            late30 += out;
        }
    }
    assert_eq!(q.gross_portfolio_minor, gross);
    assert!(page.body.contains(&web::money_es_mx(gross as i128)));
    let par30 = if gross == 0 {
        "—".to_string()
    } else {
        format!(
            "{}%",
            (Decimal::from(late30) * Decimal::from(100) / Decimal::from(gross))
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointNearestEven)
        )
    };
    assert!(
        page.body.contains(&format!("id=\"par30\">{par30}<")),
        "{par30}: {}",
        page.body
    );
    let csv = get(&w, &format!("/odf/{SLUG}/cartera.csv"), Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "bucket,loans,outstanding_principal");
    let socio = sign_in(&w, "socio").await;
    assert_eq!(
        get(&w, &format!("/odf/{SLUG}/cartera"), Some(&socio))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
