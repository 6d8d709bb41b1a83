//! Leases in the browser and the API (issue 18; R-LEASE-1, R-LEASE-2, R-GOV-2), through the
//! router: staff start a lease under the board's decision, record rents with receipts, record
//! the purchase option and pass a lease to another member; refusals name the field with
//! nothing written; a form or an API request sent twice records once; the CSV downloads.
//! Expected figures are worked out here from the rent schedule's arithmetic.

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

/// Events of the credit stream (every lease operation writes one).
async fn credit_events(w: &World) -> usize {
    w.app
        .store()
        .events(
            w.union.id,
            Some("credit"),
            store::Page::first(store::MAX_PAGE),
        )
        .await
        .unwrap()
        .len()
}

/// A board decision about `subject` (kind lease), approved by every seat: the minutes of a
/// meeting, as the demo records them (the vote itself is the proposals page's, tested there).
async fn approved(w: &World, subject: &str, amount_minor: i64) -> i64 {
    let today = today_mx();
    let votes = w
        .app
        .store()
        .roles(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.role == registry::Role::BoardMember
                && r.from <= today
                && r.until.is_none_or(|u| u > today)
        })
        .map(|r| (r.id, governance::Vote::For))
        .collect();
    w.app
        .record_board_decision(
            w.union.id,
            &app::Actor::new("personal", "test"),
            governance::Minutes {
                kind: governance::ProposalKind::Lease,
                subject: subject.into(),
                purpose: format!("Arrendamiento ({subject})"),
                amount_minor,
                decided_on: today,
                votes,
            },
        )
        .await
        .unwrap()
        .proposal_id
}

fn round(d: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .to_i64()
        .unwrap()
}

/// The monthly rents of `cost` over `n` months at the line's annual `rate` (R-CRED-4, 30/360,
/// equal installments): the level installment `P·i / (1 − (1+i)^−n)` to the centavo, each
/// month's interest on the balance (rate × 30/360, half to even), the last rent whatever
/// balance remains plus its interest.
pub fn rents(cost: i64, rate: Decimal, n: u32) -> Vec<i64> {
    let i = rate / Decimal::from(12);
    let mut growth = Decimal::ONE;
    for _ in 0..n {
        growth *= Decimal::ONE + i;
    }
    let level = round(Decimal::from(cost) * i / (Decimal::ONE - Decimal::ONE / growth));
    let mut balance = cost;
    let mut out = Vec::new();
    for k in 1..=n {
        let interest =
            round(Decimal::from(balance) * rate * Decimal::from(30) / Decimal::from(360));
        if k == n {
            out.push(balance + interest);
        } else {
            balance -= level - interest;
            out.push(level);
        }
    }
    out
}

async fn line_rate(w: &World) -> Decimal {
    let book = w.app.credit_book(w.union.id).await.unwrap();
    book.lines.values().next().unwrap().line.rate.annual()
}

/// `12,345.67` as a person in Mexico types it.
fn typed(minor: i64) -> String {
    web::money_es_mx(minor as i128)
        .trim_start_matches('$')
        .to_string()
}

#[tokio::test]
async fn staff_start_a_lease_record_its_rents_and_the_purchase_through_the_pages() {
    let w = world_sized(300, 12).await;
    let staff = sign_in(&w, "personal").await;
    let socio = member_of(&w, "socio").await;
    let socio_name = {
        let m = w.app.store().member(w.union.id, socio).await.unwrap();
        format!("{} {}", m.data.given_names, m.data.surnames)
    };
    let o = format!("/odf/{SLUG}");

    // The start page names the subject the board's proposal needs: the next lease number.
    let page = get(&w, &format!("{o}/arrendamientos/nuevo"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let before = w.app.credit_book(w.union.id).await.unwrap().leases.len() as i64;
    let subject = format!("lease:{}", before + 1);
    assert!(
        page.body.contains(&format!("value=\"{subject}\"")),
        "{}",
        page.body
    );
    let cost = 600_000;
    let decision = approved(&w, &subject, cost).await;
    let lease_id = before + 1;
    let page = get(&w, &format!("{o}/arrendamientos/nuevo"), Some(&staff)).await;
    assert!(
        page.body.contains(&format!("<option value=\"{decision}\"")),
        "the approved decision is offered: {}",
        page.body
    );

    // Refused: a cost the form cannot read, and a cost above what the board approved
    // (R-GOV-2). Nothing written either time.
    let events = credit_events(&w).await;
    let today = today_mx().to_string();
    let decision_s = decision.to_string();
    let socio_s = socio.to_string();
    let form = |cost: &'static str| {
        vec![
            ("csrf", staff.csrf.clone()),
            ("decision", decision_s.clone()),
            ("socio", socio_s.clone()),
            ("asset", "Horno eléctrico de alta temperatura".to_string()),
            ("cost", cost.to_string()),
            ("installments", "3".to_string()),
            ("start", today.clone()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let w = &w;
        let staff = &staff;
        let o = o.clone();
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(w, &format!("{o}/arrendamientos/nuevo"), Some(staff), &pairs).await
        }
    };
    let bad = send(form("seis mil")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("id=\"cost\" name=\"cost\" value=\"seis mil\" inputmode=\"decimal\" required aria-invalid=\"true\""), "{}", bad.body);
    let over = send(form("6,000.01")).await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.body
    );
    assert!(
        over.body
            .contains("id=\"decision\" name=\"decision\" required aria-invalid=\"true\""),
        "{}",
        over.body
    );
    assert_eq!(credit_events(&w).await, events, "nothing written");

    // Started; the same form again answers the same lease and writes nothing more.
    let ok = send(form("6,000.00")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), format!("{o}/arrendamientos/{lease_id}"));
    let events = credit_events(&w).await;
    let again = send(form("6,000.00")).await;
    assert_eq!(again.location(), format!("{o}/arrendamientos/{lease_id}"));
    assert_eq!(credit_events(&w).await, events, "started once");

    // The lease page: asset, lessee by name, rents scheduled as worked out here.
    let rents = rents(cost, line_rate(&w).await, 3);
    let scheduled: i64 = rents.iter().sum();
    let page = get(&w, &format!("{o}/arrendamientos/{lease_id}"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Horno eléctrico de alta temperatura"));
    assert!(page
        .body
        .contains(&format!("id=\"lease-lessee\">{socio_name}<")));
    assert!(
        page.body.contains(&format!(
            "id=\"lease-scheduled\">{}<",
            web::money_es_mx(scheduled as i128)
        )),
        "rents {rents:?}: {}",
        page.body
    );
    // The member sees their own lease; another member does not (404 as a missing one).
    let member = sign_in(&w, "socio").await;
    let mine = get(&w, &format!("{o}/arrendamientos/{lease_id}"), Some(&member)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        !mine.body.contains("rent-form"),
        "members do not record rents"
    );

    // A rent over what is left is refused naming the amount; nothing written.
    let token = hidden(&page.body, "token");
    let events = credit_events(&w).await;
    let too_much = typed(scheduled + 1);
    let r = post_form(
        &w,
        &format!("{o}/arrendamientos/{lease_id}/renta"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("token", &token),
            ("importe", &too_much),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""), "{}", r.body);
    assert_eq!(credit_events(&w).await, events);

    // The first rent with its receipt; the same form again is the same payment.
    let first = typed(rents[0]);
    let pay = |token: String, amount: String| {
        let w = &w;
        let staff = &staff;
        let o = o.clone();
        async move {
            post_form(
                w,
                &format!("{o}/arrendamientos/{lease_id}/renta"),
                Some(staff),
                &[
                    ("csrf", &staff.csrf),
                    ("token", &token),
                    ("importe", &amount),
                ],
            )
            .await
        }
    };
    let r = pay(token.clone(), first.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let receipt_url = r.location().to_string();
    assert!(
        receipt_url.ends_with(&format!("/recibos/{token}")),
        "{receipt_url}"
    );
    let events = credit_events(&w).await;
    let r2 = pay(token.clone(), first.clone()).await;
    assert_eq!(r2.location(), receipt_url);
    assert_eq!(credit_events(&w).await, events, "paid once");
    let receipt = get(&w, &receipt_url, Some(&member)).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    assert!(receipt.body.contains(&format!(
        "id=\"receipt-amount\">{}<",
        web::money_es_mx(rents[0] as i128)
    )));
    assert!(receipt.body.contains(&format!(
        "id=\"receipt-remaining\">{}<",
        web::money_es_mx((scheduled - rents[0]) as i128)
    )));

    // The other two rents through the API; the same reference again records nothing.
    for (n, amount) in rents.iter().enumerate().skip(1) {
        let body = json!({"amount_minor": amount, "reference": format!("renta-{n}")});
        let r = api(
            &w,
            "POST",
            &format!("/api/v1/orgs/{SLUG}/leases/{lease_id}/rents"),
            Some(&staff.token),
            Some(body.clone()),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let again = api(
            &w,
            "POST",
            &format!("/api/v1/orgs/{SLUG}/leases/{lease_id}/rents"),
            Some(&staff.token),
            Some(body),
            None,
        )
        .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(again.json()["created"], json!(false));
    }
    let lease = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{SLUG}/leases/{lease_id}"),
        Some(&staff.token),
        None,
        None,
    )
    .await
    .json();
    assert_eq!(lease["status"], json!("rent_paid"));
    assert_eq!(lease["paid_minor"], json!(scheduled));
    assert_eq!(lease["outstanding_minor"], json!(0));
    assert_eq!(lease["lessee"], json!(socio_name));

    // The purchase option, taken on the page; twice is once.
    let page = get(&w, &format!("{o}/arrendamientos/{lease_id}"), Some(&staff)).await;
    assert!(page.body.contains("id=\"buy-form\""), "{}", page.body);
    let token = hidden(&page.body, "token");
    let buy_url = format!("{o}/arrendamientos/{lease_id}/compra");
    let buy_form = [("csrf", staff.csrf.as_str()), ("token", token.as_str())];
    let buy = || post_form(&w, &buy_url, Some(&staff), &buy_form);
    assert_eq!(buy().await.status, StatusCode::SEE_OTHER);
    let events = credit_events(&w).await;
    assert_eq!(buy().await.status, StatusCode::SEE_OTHER);
    assert_eq!(credit_events(&w).await, events, "bought once");
    let page = get(&w, &format!("{o}/arrendamientos/{lease_id}"), Some(&member)).await;
    assert!(
        page.body.contains("data-stage=\"purchased\""),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("id=\"lease-owner\">{socio_name}<")));
    assert!(page.body.contains("id=\"lease-purchase\""));

    // The CSV downloads: the list and the rent schedule, in plain pesos.
    let csv = get(&w, &format!("{o}/arrendamientos.csv"), Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("lease,asset,lessee,status"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(&format!(
        "{lease_id},Horno eléctrico de alta temperatura,{socio_name},purchased,6000.00"
    )));
    let csv = get(
        &w,
        &format!("{o}/arrendamientos/{lease_id}/rentas.csv"),
        Some(&member),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let last = rents[2];
    assert!(
        csv.body.contains("\n3,")
            && csv
                .body
                .contains(&format!("{}.{:02}", last / 100, last % 100)),
        "{}",
        csv.body
    );

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_lease_passes_to_another_member_on_the_boards_decision_and_not_without_it() {
    let w = world_sized(300, 12).await;
    let staff = sign_in(&w, "personal").await;
    let o = format!("/odf/{SLUG}");
    let today = today_mx();
    // A lease started today (nobody is late on it) under the board's decision.
    let socio = member_of(&w, "socio").await;
    let lessee = w
        .app
        .store()
        .members(w.union.id, store::Page::first(50))
        .await
        .unwrap()
        .iter()
        .find(|m| m.id != socio && m.is_active_on(today))
        .unwrap()
        .id;
    let next = w.app.credit_book(w.union.id).await.unwrap().leases.len() as i64 + 1;
    let start = approved(&w, &format!("lease:{next}"), 300_000).await;
    let rate = (line_rate(&w).await * Decimal::from(100))
        .normalize()
        .to_string();
    let terms = app::credit_cases::parse_quote_form(&app::credit_cases::QuoteForm::new(
        "3000",
        &rate,
        "6",
        &today.to_string(),
    ))
    .unwrap();
    let (ls, _) = w
        .app
        .start_lease(
            w.union.id,
            &app::Actor::new("personal", "test"),
            app::credit_cases::StartLeaseCmd {
                lease_id: next,
                line_id: 1,
                asset_description: "Torno de alfarero".into(),
                lessee,
                terms,
                purchase_price_minor: None,
                default_after_days: None,
            },
            start,
        )
        .await
        .unwrap();
    let lease_id = ls.lease.id;
    let from = ls.lease.lessee;
    let to = member_of(&w, "socio").await;
    assert_ne!(from, to);
    let to_s = to.to_string();

    // Without a decision: refused on the page naming the decision (R-LEASE-2), nothing written.
    let events = credit_events(&w).await;
    let r = post_form(
        &w,
        &format!("{o}/arrendamientos/{lease_id}/traspaso"),
        Some(&staff),
        &[("csrf", &staff.csrf), ("socio", &to_s), ("decision", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("id=\"transfer-decision\" name=\"decision\" aria-invalid=\"true\""),
        "{}",
        r.body
    );
    assert_eq!(credit_events(&w).await, events);

    // With the board's decision about `lease-transfer:{id}`, it passes; the API answers the
    // same transfer again without writing.
    let decision = approved(&w, &format!("lease-transfer:{lease_id}"), 0).await;
    let page = get(&w, &format!("{o}/arrendamientos/{lease_id}"), Some(&staff)).await;
    assert!(
        page.body.contains(&format!("<option value=\"{decision}\"")),
        "{}",
        page.body
    );
    let decision_s = decision.to_string();
    let r = post_form(
        &w,
        &format!("{o}/arrendamientos/{lease_id}/traspaso"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("socio", &to_s),
            ("decision", &decision_s),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/leases/{lease_id}/transfer"),
        Some(&staff.token),
        Some(json!({"member_id": to, "decision_id": decision, "on": today})),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["created"], json!(false));
    assert_eq!(again.json()["lessee_id"], json!(to));
    // What was paid stays paid: the same rows are settled as before the transfer.
    let after = w.app.credit_book(w.union.id).await.unwrap();
    let settled = |l: &credit::lease::Lease| l.book.rows.iter().filter(|r| r.is_settled()).count();
    assert_eq!(settled(&after.leases[&lease_id].lease), settled(&ls.lease));
    // The new lessee reads it; the history names both by name.
    let member = sign_in(&w, "socio").await;
    let page = get(&w, &format!("{o}/arrendamientos/{lease_id}"), Some(&member)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let from_name = {
        let m = w.app.store().member(w.union.id, from).await.unwrap();
        format!("{} {}", m.data.given_names, m.data.surnames)
    };
    assert!(page.body.contains(&from_name), "{}", page.body);

    // A demo lease whose lessee is in default (R-LEASE-2) passes without a decision.
    let book = w.app.credit_book(w.union.id).await.unwrap();
    if let Some(d) = book.leases.values().find(|l| {
        l.lease.lessee != to && credit::lease::is_in_default(&l.lease, &l.settings, today)
    }) {
        let page = get(
            &w,
            &format!("{o}/arrendamientos/{}", d.lease.id),
            Some(&staff),
        )
        .await;
        assert!(
            page.body.contains("está en incumplimiento"),
            "{}",
            page.body
        );
        let r = post_form(
            &w,
            &format!("{o}/arrendamientos/{}/traspaso", d.lease.id),
            Some(&staff),
            &[("csrf", &staff.csrf), ("socio", &to_s), ("decision", "")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let after = w.app.credit_book(w.union.id).await.unwrap();
        assert_eq!(after.leases[&d.lease.id].lease.lessee, to);
    }

    // The API start refuses a decision that is not about a lease, naming it.
    let r = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/leases"),
        Some(&staff.token),
        Some(
            json!({"decision_id": decision, "member_id": to, "asset": "Torno",
            "cost": "1,000.00", "installments": "3", "start": today.to_string()}),
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("decision"), "{}", r.body);

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
