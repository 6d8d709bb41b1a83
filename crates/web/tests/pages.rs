//! Pages: language, layout, sizes, forms that validate on the server, members, statements,
//! proposals and the audit log, driven through the router against an in-memory SQLite store.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

#[tokio::test]
async fn health_answers_json_with_the_number_of_organisations() {
    let w = world().await;
    let r = get(&w, "/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("\"status\":\"ok\"") && r.body.contains("\"organisations\":2"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_odf_page_shows_the_shared_figures_and_a_zero_trial_balance_in_spanish() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let page = get(&w, "/odf/alfareros-morelos", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("lang=\"es-MX\""));
    assert!(page.body.contains("Balanza de comprobación"));
    assert!(
        page.body
            .contains("Suma (debe ser cero)</th><th class=\"num\">$0.00"),
        "{}",
        page.body
    );
    // The dues still owed, summed over every member's sub-ledger (no one member's figure).
    let mut owed = 0i128;
    for m in w
        .app
        .store()
        .members(w.union.id, store::Page::first(1000))
        .await
        .unwrap()
    {
        owed += w.app.dues_arrears_minor(w.union.id, m.id).await.unwrap() as i128;
    }
    assert!(owed > 0, "the demo leaves some dues unpaid");
    let figure = format!(
        "<dt>Cuotas por cobrar</dt><dd>{}</dd>",
        web::money_es_mx(owed)
    );
    assert!(page.body.contains(&figure), "{figure} in {}", page.body);
}

#[tokio::test]
async fn english_is_chosen_by_query_and_remembered_in_a_cookie() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let r = get(&w, "/odf/alfareros-morelos?lang=en", Some(&b)).await;
    assert!(
        r.body.contains("lang=\"en\"") && r.body.contains("Trial balance"),
        "{}",
        r.body
    );
    assert_eq!(r.cookie("lang").as_deref(), Some("en"));
    let r = send(
        &w.router,
        Request::get("/odf/alfareros-morelos")
            .header(header::COOKIE, format!("{}; lang=en", b.cookie))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(r.body.contains("Trial balance"));
    // Dates in Spanish by default, English when chosen.
    let me = member_of(&w, "consejo").await;
    let es = get(&w, &format!("/odf/alfareros-morelos/socios/{me}"), Some(&b)).await;
    assert!(es.body.contains(" ene 2025"), "{}", es.body);
    let en = get(
        &w,
        &format!("/odf/alfareros-morelos/socios/{me}?lang=en"),
        Some(&b),
    )
    .await;
    assert!(en.body.contains(" Jan 2025"));
}

#[tokio::test]
async fn pages_with_their_assets_stay_under_100_kb() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let css = get(&w, "/static/tequio.css", None).await.body.len();
    let js = send(
        &w.router,
        Request::get("/static/htmx.min.js")
            .header(header::ACCEPT_ENCODING, "gzip, br")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(js.headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    let me = member_of(&w, "socio").await;
    for uri in [
        "/",
        "/odf/alfareros-morelos",
        "/odf/alfareros-morelos/socios",
        "/odf/alfareros-morelos/propuestas",
        &format!("/odf/alfareros-morelos/socios/{me}"),
        &format!("/odf/alfareros-morelos/socios/{me}/reporte"),
        "/odf/alfareros-morelos/cierre",
        "/odf/alfareros-morelos/fondo",
        "/odf/alfareros-morelos/comercio",
        "/odf/alfareros-morelos/simulador?amount=50000&rate=24&installments=60&start=2026-01-15",
    ] {
        let page = get(&w, uri, Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        let total = page.body.len() + css + js.body.len();
        assert!(total < 100 * 1024, "{uri}: {total} bytes with assets");
    }
    let licence = get(&w, "/static/htmx-LICENSE.txt", None).await;
    assert!(licence.body.contains("Zero-Clause BSD"));
}

#[tokio::test]
async fn staff_search_members_and_htmx_gets_only_the_rows() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let first = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1))
        .await
        .unwrap()
        .remove(0);
    let q = &first.data.curp.as_str()[..10];
    let page = get(
        &w,
        &format!("/odf/alfareros-morelos/socios?q={q}"),
        Some(&b),
    )
    .await;
    assert!(page.body.contains(first.data.curp.as_str()));
    assert!(page.body.contains("<html"));
    let rows = send(
        &w.router,
        Request::get(format!("/odf/alfareros-morelos/socios?q={q}"))
            .header(header::COOKIE, &b.cookie)
            .header("HX-Request", "true")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(rows.body.contains(first.data.curp.as_str()));
    assert!(!rows.body.contains("<html"), "a fragment");
}

fn good_member() -> Vec<(&'static str, String)> {
    vec![
        ("curp", "GOLM850312MMSRPR01".into()),
        ("given_names", "María".into()),
        ("surnames", "Gómez López".into()),
        ("sex", "F".into()),
        ("birth_date", "1985-03-12".into()),
        ("municipality", "Tlayacapan".into()),
        ("state", "Morelos".into()),
        ("trade", "Alfarería".into()),
        ("household_size", "4".into()),
        ("profile", "micro_producer".into()),
        ("joined_on", "2025-02-01".into()),
        ("letter_signed_on", "2025-02-01".into()),
    ]
}

async fn add(w: &World, b: &Browser, fields: &[(&'static str, String)], lang: &str) -> Reply {
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("csrf", &b.csrf));
    post_form(
        w,
        &format!("/odf/alfareros-morelos/socios?lang={lang}"),
        Some(b),
        &form,
    )
    .await
}

#[tokio::test]
async fn adding_a_member_validates_on_the_server_in_the_users_language_and_saves_nothing_when_wrong(
) {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let before = w.app.store().count_members(w.union.id).await.unwrap();
    let mut bad = good_member();
    bad[0].1 = "ABC".into();
    let r = add(&w, &b, &bad, "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The message sits right after the CURP field, and the typed values are kept.
    let at = r.body.find("id=\"f-curp\"").unwrap();
    let next = &r.body[at..at + 300];
    assert!(
        next.contains("value=\"ABC\"") && next.contains("La CURP debe tener 18"),
        "{next}"
    );
    assert!(r.body.contains("value=\"Gómez López\""));
    let r = add(&w, &b, &bad, "en").await;
    assert!(r.body.contains("The CURP must have 18"));
    assert_eq!(
        w.app.store().count_members(w.union.id).await.unwrap(),
        before
    );
    let r = add(&w, &b, &good_member(), "es").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Socio registrado"));
    assert_eq!(
        w.app.store().count_members(w.union.id).await.unwrap(),
        before + 1
    );
}

#[tokio::test]
async fn a_csv_import_with_one_bad_row_imports_nothing_and_names_the_line() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let before = w.app.store().count_members(w.union.id).await.unwrap();
    let header = "curp,given_names,surnames,sex,birth_date,municipality,state,trade,household_size,profile,joined_on,letter_signed_on";
    let good = "GOLM850312MMSRPR01,María,Gómez,F,1985-03-12,Tlayacapan,Morelos,Alfarería,4,micro_producer,2025-02-01,2025-02-01";
    let bad = "XXXX,Ana,Ruiz,F,1990-01-01,Cuautla,Morelos,Alfarería,3,micro_producer,2025-02-01,2025-02-01";
    let csv = format!("{header}\n{good}\n{bad}\n");
    let r = post_form(
        &w,
        "/odf/alfareros-morelos/socios/importar",
        Some(&b),
        &[("csrf", &b.csrf), ("csv", &csv)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Línea 3"), "{}", r.body);
    assert_eq!(
        w.app.store().count_members(w.union.id).await.unwrap(),
        before
    );
    let csv = format!("{header}\n{good}\n");
    let r = post_form(
        &w,
        "/odf/alfareros-morelos/socios/importar",
        Some(&b),
        &[("csrf", &b.csrf), ("csv", &csv)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("1 registrados"), "{}", r.body);
}

#[tokio::test]
async fn a_proposal_form_with_a_bad_amount_is_returned_with_the_message_and_nothing_saved() {
    let w = world().await;
    let b = sign_in(&w, "apoyo").await;
    let r = post_form(
        &w,
        "/odf/alfareros-morelos/propuestas",
        Some(&b),
        &[
            ("csrf", &b.csrf),
            ("kind", "expenditure"),
            ("purpose", "Horno"),
            ("amount", "12.345"),
            ("nonce", "n"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("A lo más dos decimales"), "{}", r.body);
    let viewer = w.app.user("apoyo").await.unwrap().viewer;
    assert!(w
        .app
        .board_proposals(w.union.id, &viewer)
        .await
        .unwrap()
        .is_empty());
    let r = post_form(
        &w,
        "/odf/alfareros-morelos/propuestas",
        Some(&b),
        &[
            ("csrf", &b.csrf),
            ("kind", "expenditure"),
            ("purpose", "Horno"),
            ("amount", "1,234.50"),
            ("nonce", "n"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Sent twice (a double click): one proposal.
    post_form(
        &w,
        "/odf/alfareros-morelos/propuestas",
        Some(&b),
        &[
            ("csrf", &b.csrf),
            ("kind", "expenditure"),
            ("purpose", "Horno"),
            ("amount", "1,234.50"),
            ("nonce", "n"),
        ],
    )
    .await;
    let ps = w.app.board_proposals(w.union.id, &viewer).await.unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].record.proposal.amount_minor, 123_450);
    let page = get(&w, "/odf/alfareros-morelos/propuestas", Some(&b)).await;
    assert!(page.body.contains("$1,234.50"));
}

#[tokio::test]
async fn the_audit_log_shows_who_when_from_where_and_what_to_the_board() {
    let w = world().await;
    let b = sign_in(&w, "apoyo").await;
    post_form(
        &w,
        "/odf/alfareros-morelos/propuestas",
        Some(&b),
        &[
            ("csrf", &b.csrf),
            ("kind", "loan"),
            ("purpose", "Torno"),
            ("amount", "500"),
            ("nonce", "n"),
        ],
    )
    .await;
    let board = sign_in(&w, "consejo").await;
    // Newest first: the proposal just made is on the first page.
    let log = get(&w, "/odf/alfareros-morelos/bitacora", Some(&board)).await;
    assert_eq!(log.status, StatusCode::OK);
    // In words (issue 17): what happened and who did it by name, never the stored kind or login.
    let apoyo = w.app.user("apoyo").await.unwrap().viewer.display_name;
    assert!(
        log.body.contains("Propuesta presentada")
            && log.body.contains(&format!("<td>{apoyo}</td>"))
            && log.body.contains("local"),
        "{}",
        log.body
    );
    assert!(!log.body.contains("proposal.opened") && !log.body.contains("<td>apoyo</td>"));
    let sup = sign_in(&w, "supervisor").await;
    let prog = get(&w, "/bitacora", Some(&sup)).await;
    assert!(prog.body.contains("Usuario creado") && prog.body.contains("Sesión iniciada"));
    assert!(
        !prog.body.contains("argon2"),
        "no password hash on the page"
    );
    let staff = sign_in(&w, "personal").await;
    assert_eq!(
        get(&w, "/odf/alfareros-morelos/bitacora", Some(&staff))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The seqs of the audit page's rows, in the order shown.
fn audit_seqs(body: &str) -> Vec<i64> {
    body.split("<tr><td class=\"num\">")
        .skip(1)
        .filter_map(|r| r.split('<').next()?.parse().ok())
        .collect()
}

/// The cell of the audit row with this seq.
fn audit_row(body: &str, seq: i64) -> String {
    let start = body
        .find(&format!("<tr><td class=\"num\">{seq}</td>"))
        .expect("the row is on the page");
    let rest = &body[start..];
    rest[..rest.find("</tr>").unwrap()].to_string()
}

#[tokio::test]
async fn the_audit_log_shows_a_members_plan_change_with_before_and_after_newest_first() {
    let w = world().await;
    // A member's business plan (R-PLAN-1) is abandoned: the change names who, from where, and
    // what the plan was before.
    let member = member_of(&w, "socio").await;
    let plan = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.member_id == member)
        .expect("the demo member has a plan");
    let abandoned = w
        .app
        .change_plan(
            w.union.id,
            plan.id,
            app::fund_cases::PlanCommand::Status {
                to: fund::PlanStatus::Abandoned,
                reason: "cerró el taller".into(),
            },
            app::fact_date::mexico_city_today(chrono::Utc::now()),
            &app::fund_cases::Audit::new("personal", "10.1.2.3"),
        )
        .await
        .unwrap();
    let agreed = w
        .app
        .store()
        .event_by_key(w.union.id, &format!("plan:{}:agreed", plan.id))
        .await
        .unwrap();
    let changed = w
        .app
        .store()
        .event_by_key(
            w.union.id,
            &format!("plan:{}:change:{}", plan.id, plan.history.len()),
        )
        .await
        .unwrap();
    assert_eq!(abandoned.history.len(), plan.history.len() + 1);
    // The plan's previous state: the last event about it before this one.
    let previous = w
        .app
        .store()
        .events(w.union.id, Some("plans"), store::Page::first(1000))
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.seq < changed.seq && e.event.key.starts_with(&format!("plan:{}:", plan.id)))
        .expect("the plan was agreed");
    let board = sign_in(&w, "consejo").await;
    let log = get(&w, "/odf/alfareros-morelos/bitacora", Some(&board)).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        log.body.contains("<th>Antes</th><th>Después</th>"),
        "{}",
        log.body
    );
    // Newest first: the change is the first row.
    let seqs = audit_seqs(&log.body);
    assert_eq!(seqs.first(), Some(&changed.seq), "{seqs:?}");
    assert!(seqs.windows(2).all(|p| p[0] > p[1]), "{seqs:?}");
    let row = audit_row(&log.body, changed.seq);
    let staff_name = w.app.user("personal").await.unwrap().viewer.display_name;
    assert!(
        row.contains(&format!("<td>{staff_name}</td>")) && row.contains("10.1.2.3"),
        "{row}"
    );
    assert!(row.contains("Plan de negocios cambiado"), "{row}");
    // Before: the plan as agreed (its event's seq); after: the plan abandoned.
    let before = &row[row.find("class=\"before\"").unwrap()..row.find("class=\"after\"").unwrap()];
    let after = &row[row.find("class=\"after\"").unwrap()..];
    assert!(
        before.contains(&format!("(cambio n.º {})", previous.seq)),
        "{before}"
    );
    assert!(before.contains("<b>Estado:</b> vigente"), "{before}");
    assert!(after.contains("<b>Estado:</b> abandonado"), "{after}");
    // Fields that did not change are not repeated.
    assert!(!after.contains("<b>Socio:</b>"), "{after}");
    // A stream alone, with the same before and after.
    let plans = get(
        &w,
        "/odf/alfareros-morelos/bitacora?flujo=plans",
        Some(&board),
    )
    .await;
    let seqs = audit_seqs(&plans.body);
    assert_eq!(seqs.first(), Some(&changed.seq));
    assert!(audit_row(&plans.body, changed.seq).contains("<b>Estado:</b> abandonado"));
    // The plan's agreement is a creation: nothing before it.
    let older = get(
        &w,
        &format!(
            "/odf/alfareros-morelos/bitacora?flujo=plans&antes={}",
            agreed.seq + 1
        ),
        Some(&board),
    )
    .await;
    let created = audit_row(&older.body, agreed.seq);
    assert!(created.contains("(creación: nada antes)"), "{created}");
}

#[tokio::test]
async fn the_audit_log_pages_back_in_bounded_pages_without_gaps_or_repeats() {
    let w = world().await;
    let sup = sign_in(&w, "supervisor").await;
    let first = get(&w, "/odf/alfareros-morelos/bitacora", Some(&sup)).await;
    let page1 = audit_seqs(&first.body);
    assert_eq!(page1.len(), web::audit::PER_PAGE as usize);
    let oldest = *page1.last().unwrap();
    let link = format!("/odf/alfareros-morelos/bitacora?antes={oldest}");
    assert!(first.body.contains(&link), "a link to the older events");
    let second = get(&w, &link, Some(&sup)).await;
    let page2 = audit_seqs(&second.body);
    assert_eq!(page2.len(), web::audit::PER_PAGE as usize);
    // The page after is exactly the events just older than the first page, newest first.
    let all: Vec<i64> = w
        .app
        .store()
        .events(w.union.id, None, store::Page::first(1000))
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    let last = app::events::last_seq(w.app.store().as_ref(), w.union.id, None)
        .await
        .unwrap();
    assert_eq!(page1[0], last);
    let mut want: Vec<i64> = Vec::new();
    let mut before = oldest;
    // Read backwards through the store the slow way to check the page.
    let mut after = 0;
    let mut everything = all;
    loop {
        let batch = w
            .app
            .store()
            .events(
                w.union.id,
                None,
                store::Page {
                    after_id: after,
                    limit: 1000,
                },
            )
            .await
            .unwrap();
        let Some(e) = batch.last() else { break };
        after = e.seq;
        everything.extend(batch.iter().map(|e| e.seq));
    }
    everything.sort_unstable();
    everything.dedup();
    for s in everything.iter().rev() {
        if *s < before && want.len() < web::audit::PER_PAGE as usize {
            want.push(*s);
            before = *s;
        }
    }
    assert_eq!(page2, want);
    // An English page says the same in English.
    let en = get(&w, "/odf/alfareros-morelos/bitacora?lang=en", Some(&sup)).await;
    assert!(en.body.contains("<th>Before</th><th>After</th>"));
}

#[tokio::test]
async fn unknown_paths_are_a_spanish_404() {
    let w = world().await;
    let r = get(&w, "/no/such/page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("No encontrado"));
}
