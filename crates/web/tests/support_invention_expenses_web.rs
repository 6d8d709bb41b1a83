//! support19, R-INNO-1 and R-FUND-3 through the router: on an invention's page staff link a
//! Competition Sub-Fund prototype payment chosen from a list (description, date, amount), the
//! page shows the linked payments and their total, a second submission changes nothing, a
//! payment that is not a prototype one is refused on the page naming the field, and members
//! cannot link.

mod common;
mod fund_support;

use common::*;
use fund::CompetitionCategory;
use fund_support::*;

#[tokio::test]
async fn r_inno_1_staff_link_prototype_payments_and_the_invention_shows_their_total() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let socio = sign_in(&w, "socio").await;
    let org = w.union.id;
    let o = "/odf/alfareros-morelos";
    let today = today_mx();
    let decision = approve_today(&w, today).await;
    for (reference, category, description, amount) in [
        (
            "P-1",
            CompetitionCategory::PrototypeProductionUnits,
            "Molde de yeso",
            12_000,
        ),
        (
            "P-2",
            CompetitionCategory::SamplesDesignsPrototypes,
            "Muestras para feria",
            8_050,
        ),
        (
            "F-1",
            CompetitionCategory::TradeFairsAndSalesPromotion,
            "Stand en la feria",
            5_000,
        ),
    ] {
        w.app
            .spend_competition(
                org,
                reference,
                category,
                description,
                amount,
                Some(decision),
                today,
                &app::Actor::cli(),
            )
            .await
            .unwrap();
    }
    let member = member_of(&w, "socio").await;
    let inv = w
        .app
        .register_invention(
            org,
            &app::Actor::cli(),
            Some("torno-gastos"),
            app::support_cases::NewInvention {
                title: "Torno de pedal".into(),
                description: "Sin electricidad".into(),
                inventors: vec![member],
                household: Default::default(),
            },
            today,
        )
        .await
        .unwrap();
    let page_uri = format!("{o}/inventos/{}", inv.id);
    let link_uri = format!("{page_uri}/gastos");

    // The list offers the two prototype payments by description, date and amount; not the fair.
    let page = get(&w, &page_uri, Some(&staff)).await;
    assert!(page.body.contains("id=\"expense-form\""), "{}", page.body);
    assert!(page.body.contains(&format!(
        "Molde de yeso · {} · {}",
        date_es(today),
        mx(12_000)
    )));
    assert!(page.body.contains("Muestras para feria"));
    assert!(!page.body.contains("Stand en la feria"));
    // A member sees no form and cannot post it.
    let member_page = get(&w, &page_uri, Some(&socio)).await;
    assert!(!member_page.body.contains("id=\"expense-form\""));
    let refused = post_form(
        &w,
        &link_uri,
        Some(&socio),
        &[("csrf", socio.csrf.as_str()), ("expense", "P-1")],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 403);

    for reference in ["P-1", "P-2", "P-2"] {
        let r = post_form(
            &w,
            &link_uri,
            Some(&staff),
            &[("csrf", staff.csrf.as_str()), ("expense", reference)],
        )
        .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.body);
    }
    let page = get(&w, &page_uri, Some(&socio)).await;
    // 120.00 + 80.50 = 200.50.
    assert!(
        page.body
            .contains(&format!("id=\"expenses-total\">{}</td>", mx(20_050))),
        "{}",
        page.body
    );
    assert_eq!(
        w.app.invention_expenses(org, inv.id).await.unwrap().1,
        20_050
    );

    // The trade fair payment is refused on the page, naming the field; nothing changes.
    let r = post_form(
        &w,
        &link_uri,
        Some(&staff),
        &[("csrf", staff.csrf.as_str()), ("expense", "F-1")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(r.body.contains("id=\"expense-error\""), "{}", r.body);
    assert!(r.body.contains("(Pago)"));
    assert_eq!(
        w.app.invention_expenses(org, inv.id).await.unwrap().1,
        20_050
    );
    // The API reads the same.
    let json = api(
        &w,
        "GET",
        &format!(
            "/api/v1/orgs/alfareros-morelos/inventions/{}/expenses",
            inv.id
        ),
        Some(&socio.token),
        None,
        None,
    )
    .await
    .json();
    assert_eq!(json["total_minor"], 20_050);
    assert_eq!(json["expenses"].as_array().unwrap().len(), 2);
}

/// A board decision for an expenditure of 15,000.00, proposed, voted and closed on `today`
/// (Mexico City's day, the day the payments are dated).
async fn approve_today(w: &World, today: chrono::NaiveDate) -> i64 {
    let staff = w.app.user("personal").await.unwrap().viewer;
    let id = w
        .app
        .propose_as(
            w.union.id,
            &staff,
            app::access_cases::ProposalForm {
                kind: "expenditure".into(),
                subject: "prototipos".into(),
                purpose: "Moldes y muestras".into(),
                amount_minor: 1_500_000,
            },
            "test",
            today,
        )
        .await
        .unwrap()
        .record
        .proposal
        .id;
    for login in ["consejo", "consejo2", "consejo3", "consejo4"] {
        let v = w.app.user(login).await.unwrap().viewer;
        w.app
            .vote_as(w.union.id, &v, id, governance::Vote::For, "test", today)
            .await
            .unwrap();
    }
    let v = w.app.user("consejo").await.unwrap().viewer;
    let d = w
        .app
        .close_as(w.union.id, &v, id, "test", today)
        .await
        .unwrap();
    assert!(d.approved);
    id
}

/// A date as es-MX writes it on the pages (`31 ene 2025`), spelled out here.
fn date_es(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
    ];
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}
