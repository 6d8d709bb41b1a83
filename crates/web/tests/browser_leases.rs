//! Issue 18 in headless Chromium at 360 px, through pages only: staff read the subject the
//! board's proposal needs on the lease form, propose the lease on the proposals page, the
//! board approves it (R-GOV-2), staff start it for the member `socio` (R-LEASE-1), record the
//! three rents, each with its printable receipt, and the member's purchase option is taken;
//! the lease page shows it ended with the purchase and the rents paid as worked out here from
//! the schedule's arithmetic. Screenshots `leases-NN-*.png`; no sideways scroll; the books
//! check passes afterwards.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;
use fantoccini::Locator;
use rust_decimal::Decimal;
use std::time::Duration;

const SLUG: &str = "alfareros-morelos";

async fn select(client: &fantoccini::Client, id: &str, value: &str) {
    client
        .find(Locator::Css(&format!("#{id} option[value=\"{value}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{id}={value}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn text_of(client: &fantoccini::Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"))
        .text()
        .await
        .unwrap()
}

fn round(d: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .to_i64()
        .unwrap()
}

/// The monthly rents of `cost` over `n` months at the annual `rate` (R-CRED-4, 30/360, equal
/// installments): the level installment `P·i / (1 − (1+i)^−n)` to the centavo, each month's
/// interest on the balance half to even, the last rent the balance left plus its interest.
fn rents(cost: i64, rate: Decimal, n: u32) -> Vec<i64> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_lease_a_kiln_to_a_member_who_pays_every_rent_and_buys_it_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(300, 12).await;
    let base = serve(w.router.clone()).await;
    let odf = format!("{base}/odf/{SLUG}");
    let socio = common::member_of(&w, "socio").await;

    // 1. Staff read on the lease form the subject of the board's proposal, and propose it.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&format!("{odf}/arrendamientos")).await.unwrap();
    wait_until_shown(client.clone(), "id=\"leases\"").await;
    shot_and_check(&client, "leases-01-list.png").await;
    click(&client, "#lease-new").await;
    wait_until_shown(client.clone(), "id=\"lease-form\"").await;
    let subject = client
        .find(Locator::Id("next-subject"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(subject.starts_with("lease:"), "{subject}");
    shot_and_check(&client, "leases-02-no-decision.png").await;
    client.goto(&format!("{odf}/propuestas")).await.unwrap();
    select(&client, "f-kind", "lease").await;
    type_into(client.clone(), "f-subject", &subject).await;
    type_into(client.clone(), "f-amount", "9,000.00").await;
    type_into(
        client.clone(),
        "f-purpose",
        "Horno eléctrico para el taller de Ana",
    )
    .await;
    click(&client, "#new form button[type=submit]").await;
    wait_until_shown(client.clone(), "Horno eléctrico para el taller de Ana").await;
    let proposal = w
        .app
        .proposals(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.proposal.subject == subject)
        .expect("the proposal was recorded")
        .proposal
        .id;

    // 2. A majority of the board votes for it; the first member closes the vote.
    let roles = w.app.store().roles(w.union.id).await.unwrap();
    let seats = governance::board_seats(
        &roles,
        app::fact_date::mexico_city_today(chrono::Utc::now()),
    )
    .len();
    for i in 0..seats / 2 + 1 {
        let login = if i == 0 {
            "consejo".to_string()
        } else {
            format!("consejo{}", i + 1)
        };
        sign_in_through_page(&client, &base, &login, DEMO_PASSWORD).await;
        client
            .goto(&format!("{odf}/propuestas#p{proposal}"))
            .await
            .unwrap();
        click(&client, &format!("#p{proposal} button[value=for]")).await;
        for _ in 0..50 {
            let r = w.app.proposal(w.union.id, proposal).await.unwrap();
            if r.ballots.len() > i {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    client
        .goto(&format!("{odf}/propuestas#p{proposal}"))
        .await
        .unwrap();
    click(
        &client,
        &format!("#p{proposal} form[action$='/cerrar'] button"),
    )
    .await;
    for _ in 0..50 {
        if w.app.decision(w.union.id, proposal).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(w.app.decision(w.union.id, proposal).await.unwrap().approved);

    // 3. Staff start the lease: 9,000 pesos in three monthly rents, for the member.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client
        .goto(&format!("{odf}/arrendamientos/nuevo"))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"lease-form\"").await;
    select(&client, "decision", &proposal.to_string()).await;
    // The member is typed by number in the member box (trade18: no select of every member).
    type_into(client.clone(), "socio", &socio.to_string()).await;
    type_into(
        client.clone(),
        "asset",
        "Horno eléctrico de alta temperatura",
    )
    .await;
    type_into(client.clone(), "cost", "9,000.00").await;
    type_into(client.clone(), "installments", "3").await;
    shot_and_check(&client, "leases-03-start.png").await;
    click(&client, "#lease-submit").await;
    wait_until_shown(client.clone(), "id=\"lease-status\"").await;
    let lease_url = client.current_url().await.unwrap().to_string();
    shot_and_check(&client, "leases-04-started.png").await;

    // 4. The three rents, each with its receipt, as worked out here at the line's rate.
    let rate = w
        .app
        .credit_book(w.union.id)
        .await
        .unwrap()
        .lines
        .values()
        .next()
        .unwrap()
        .line
        .rate
        .annual();
    let rents = rents(900_000, rate, 3);
    let total: i64 = rents.iter().sum();
    assert_eq!(
        text_of(&client, "lease-scheduled").await,
        web::money_es_mx(total as i128)
    );
    for (n, rent) in rents.iter().enumerate() {
        client.goto(&lease_url).await.unwrap();
        wait_until_shown(client.clone(), "id=\"rent-form\"").await;
        let typed = web::money_es_mx(*rent as i128);
        type_into(client.clone(), "importe", &typed).await;
        click(&client, "#rent-submit").await;
        wait_until_shown(client.clone(), "id=\"receipt\"").await;
        assert_eq!(text_of(&client, "receipt-amount").await, typed);
        let left: i64 = rents[n + 1..].iter().sum();
        assert_eq!(
            text_of(&client, "receipt-remaining").await,
            web::money_es_mx(left as i128)
        );
        shot_and_check(&client, &format!("leases-0{}-receipt.png", n + 5)).await;
    }

    // 5. Every rent paid: the member's purchase option is taken.
    client.goto(&lease_url).await.unwrap();
    wait_until_shown(client.clone(), "id=\"buy-form\"").await;
    shot_and_check(&client, "leases-08-option-open.png").await;
    click(&client, "#buy-submit").await;
    wait_until_shown(client.clone(), "id=\"lease-purchase\"").await;

    // 6. The member reads their lease: ended with the purchase, every rent paid.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client.goto(&lease_url).await.unwrap();
    wait_until_shown(client.clone(), "id=\"lease-purchase\"").await;
    let stage = client
        .find(Locator::Id("lease-status"))
        .await
        .unwrap()
        .attr("data-stage")
        .await
        .unwrap();
    assert_eq!(stage.as_deref(), Some("purchased"));
    assert_eq!(
        text_of(&client, "lease-paid").await,
        web::money_es_mx(total as i128)
    );
    assert_eq!(
        text_of(&client, "lease-outstanding").await,
        web::money_es_mx(0)
    );
    let name = {
        let m = w.app.store().member(w.union.id, socio).await.unwrap();
        format!("{} {}", m.data.given_names, m.data.surnames)
    };
    assert_eq!(text_of(&client, "lease-owner").await, name);
    shot_and_check(&client, "leases-09-bought.png").await;

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
