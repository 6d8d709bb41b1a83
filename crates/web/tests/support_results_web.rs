//! support19, R-INFO-1: ODFs' project results through the router. Staff publish on the page
//! (the same form twice is one result; a bad period is refused next to the field and saves
//! nothing), the figures shown are the books' (new revenue and Fund contributions added here
//! from each closed period), a supervisor circulates it, and a member reads it among the
//! circulated results.

mod common;

use common::{get, post_form, sign_in, world};

#[tokio::test]
async fn r_info_1_staff_publish_a_result_supervisors_circulate_it_members_read_it() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let supervisor = sign_in(&w, "supervisor").await;
    let socio = sign_in(&w, "socio").await;
    let o = "/odf/alfareros-morelos";
    let book = w.app.fund_book(w.union.id).await.unwrap();
    let (first, last) = (
        *book.completed.keys().next().expect("the demo has closes"),
        *book.completed.keys().next_back().unwrap(),
    );
    // Independent arithmetic: the closes' own totals, added here.
    let new_revenue: i64 = book.completed.values().map(|c| c.new_revenue_minor).sum();
    let fund: i64 = book
        .completed
        .values()
        .map(|c| c.contribution.development_minor + c.contribution.competition_minor)
        .sum();
    let (from, to) = (first.key(), last.key());

    // A bad period is refused on the page, naming the field, and nothing is saved.
    let bad = [
        ("csrf", staff.csrf.as_str()),
        ("nonce", "res-malo"),
        ("title", "Compra de arcilla"),
        ("tried", "Compramos juntos"),
        ("outcome", "Bajó el costo"),
        ("from", "enero"),
        ("to", to.as_str()),
    ];
    let r = post_form(&w, &format!("{o}/experiencias"), Some(&staff), &bad).await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(r.body.contains("id=\"form-error\""), "{}", r.body);
    assert!(r.body.contains("Periodos"));
    assert!(w.app.odf_results(w.union.id).await.unwrap().is_empty());

    let form = [
        ("csrf", staff.csrf.as_str()),
        ("nonce", "res-1"),
        ("title", "Compra de arcilla"),
        ("tried", "Compramos juntos"),
        ("outcome", "Bajó el costo"),
        ("from", from.as_str()),
        ("to", to.as_str()),
    ];
    let r = post_form(&w, &format!("{o}/experiencias"), Some(&staff), &form).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.body);
    post_form(&w, &format!("{o}/experiencias"), Some(&staff), &form).await;
    let results = w.app.odf_results(w.union.id).await.unwrap();
    assert_eq!(results.len(), 1, "the same form twice is one result");
    assert_eq!(results[0].figures.new_revenue_minor, new_revenue);
    assert_eq!(results[0].figures.fund_minor, fund);
    assert_eq!(
        results[0].figures.periods_closed,
        book.completed.len() as u64
    );

    let page = get(&w, &format!("{o}/experiencias"), Some(&socio)).await;
    assert_eq!(page.status.as_u16(), 200);
    let pesos = |minor: i64| {
        let whole = (minor / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("${grouped}.{:02}", minor % 100)
    };
    assert!(page.body.contains(&pesos(new_revenue)), "{}", page.body);
    assert!(page.body.contains(&pesos(fund)));
    // Members neither publish nor circulate.
    assert!(!page.body.contains("result-form"));
    assert!(!page.body.contains("circulate-1"));

    // Not circulated yet: the programme's list is empty.
    let circulated = get(&w, "/programa/experiencias", Some(&socio)).await;
    assert!(circulated.body.contains("circulated-empty"));
    let sup_page = get(&w, &format!("{o}/experiencias"), Some(&supervisor)).await;
    assert!(sup_page.body.contains("circulate-1"));
    let r = post_form(
        &w,
        &format!("{o}/experiencias/1/circular"),
        Some(&supervisor),
        &[("csrf", supervisor.csrf.as_str())],
    )
    .await;
    assert_eq!(r.status.as_u16(), 303);
    let circulated = get(&w, "/programa/experiencias", Some(&socio)).await;
    assert!(
        circulated.body.contains("Compra de arcilla"),
        "{}",
        circulated.body
    );
    assert!(circulated.body.contains(&w.union.data.name));
}
