//! Issue 17, the phone-first and Spanish pass: answers compressed, the rules page that the
//! small "regla" links lead to, the layout's collapsing menu and print styles, and an audit
//! log a board member can read (in words, and a vote's "before" is never another's ballot).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
async fn a_page_is_gzipped_when_the_browser_accepts_it() {
    let w = world().await;
    let board = sign_in(&w, "consejo").await;
    let request = |gzip: bool| {
        let mut r =
            Request::get("/odf/alfareros-morelos/propuestas").header(header::COOKIE, &board.cookie);
        if gzip {
            r = r.header(header::ACCEPT_ENCODING, "gzip, deflate, br");
        }
        r.body(Body::empty()).unwrap()
    };
    let plain = w.router.clone().oneshot(request(false)).await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let plain = plain.into_body().collect().await.unwrap().to_bytes();
    let zipped = w.router.clone().oneshot(request(true)).await.unwrap();
    assert_eq!(zipped.status(), StatusCode::OK);
    assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
    let zipped = zipped.into_body().collect().await.unwrap().to_bytes();
    eprintln!(
        "proposals page: {} bytes plain, {} gzipped",
        plain.len(),
        zipped.len()
    );
    // A gzip stream starts with its magic bytes 1f 8b, and HTML compresses well.
    assert_eq!(&zipped[..2], &[0x1f, 0x8b]);
    assert!(
        zipped.len() * 2 < plain.len(),
        "{} bytes gzipped, {} plain",
        zipped.len(),
        plain.len()
    );
    // The stylesheet too.
    let css = w
        .router
        .clone()
        .oneshot(
            Request::get("/static/tequio.css")
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(css.headers()[header::CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn the_rules_page_lists_every_rule_and_messages_link_to_it() {
    let w = world().await;
    let es = get(&w, "/reglas", None).await;
    assert_eq!(es.status, StatusCode::OK);
    // 37 rules in PROGRAMME.md: ORG 6, GOV 2, PLAN 4, FUND 6, CRED 6, LEASE 2, BUY 2, SELL 3,
    // INFO 1, INNO 1, SUP 4.
    assert_eq!(6 + 2 + 4 + 6 + 6 + 2 + 2 + 3 + 1 + 1 + 4, 37);
    assert_eq!(es.body.matches("<dt id=\"R-").count(), 37);
    assert!(es.body.contains("<dt id=\"R-PLAN-2\">R-PLAN-2</dt>"));
    assert!(es.body.contains("Reglas del programa"));
    let en = get(&w, "/reglas?lang=en", None).await;
    assert!(en
        .body
        .contains("Members report revenue and profit each period"));
    // The report form says what it rests on with a link, not an id in the sentence.
    let socio = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let form = get(
        &w,
        &format!("/odf/alfareros-morelos/socios/{me}/reporte"),
        Some(&socio),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .body
        .contains("<a class=\"rule\" href=\"/reglas#R-PLAN-2\""));
    assert!(!form.body.contains("(R-PLAN-2)"));
}

#[tokio::test]
async fn the_layout_has_a_menu_that_opens_without_script_and_prints_without_it() {
    let w = world().await;
    let board = sign_in(&w, "consejo").await;
    let page = get(&w, "/odf/alfareros-morelos", Some(&board)).await;
    // A checkbox and its label open the menu: no script needed.
    assert!(page
        .body
        .contains("<input type=\"checkbox\" id=\"menu-toggle\""));
    assert!(page
        .body
        .contains("<label for=\"menu-toggle\" class=\"menu-button\">Menú</label>"));
    let css = get(&w, "/static/tequio.css", None).await.body;
    assert!(css.contains(".menu-toggle:checked ~ .menu { display: block; }"));
    assert!(css.contains("min-height: 44px"));
    let print = &css[css.find("@media print").unwrap()..];
    assert!(print.contains("header, nav, .noprint, form, button"));
    // Closing a vote does not look like voting.
    assert!(css.contains("button.secondary { background: #fff;"));
}

#[tokio::test]
async fn the_audit_log_reads_in_words_and_a_vote_never_shows_another_ballot() {
    let w = world().await;
    let proposal = proposal(&w, "audit-words").await;
    let first = sign_in(&w, "consejo").await;
    let second = sign_in(&w, "consejo2").await;
    for (who, vote) in [(&first, "for"), (&second, "against")] {
        let r = post_form(
            &w,
            &format!("/odf/alfareros-morelos/propuestas/{proposal}/voto"),
            Some(who),
            &[("csrf", who.csrf.as_str()), ("vote", vote)],
        )
        .await;
        assert!(
            r.status.is_redirection() || r.status.is_success(),
            "{}",
            r.body
        );
    }
    let first_name = w.app.user("consejo").await.unwrap().viewer.display_name;
    let second_name = w.app.user("consejo2").await.unwrap().viewer.display_name;
    let log = get(&w, "/odf/alfareros-morelos/bitacora", Some(&first)).await;
    assert_eq!(log.status, StatusCode::OK);
    let body = &log.body[log.body.find("<tbody>").unwrap()..];
    // Newest first: the second ballot comes before the first.
    let ballots: Vec<&str> = body
        .split("<tr>")
        .skip(1)
        .filter(|r| r.contains("Voto emitido"))
        .collect();
    assert!(ballots.len() >= 2, "{body}");
    let ballot = ballots[0];
    assert!(
        ballot.contains(&format!("<td>{second_name}</td>")),
        "{ballot}"
    );
    assert!(ballot.contains("<b>Voto:</b> en contra"), "{ballot}");
    // Its "before" is nothing: never the other member's ballot.
    let before =
        &ballot[ballot.find("class=\"before\"").unwrap()..ballot.find("class=\"after\"").unwrap()];
    assert!(before.contains("(creación: nada antes)"), "{before}");
    assert!(
        !before.contains(&first_name) && !before.contains("a favor"),
        "{before}"
    );
    // No stored kinds, no JSON, no UTC, no logins in the rows.
    assert!(
        !body.contains("ballot.cast") && !body.contains("{\""),
        "{body}"
    );
    assert!(
        !body.contains(" UTC") && !body.contains("<td>consejo</td>"),
        "{body}"
    );
    // English on request.
    let en = get(&w, "/odf/alfareros-morelos/bitacora?lang=en", Some(&first)).await;
    assert!(en.body.contains("Vote cast") && en.body.contains("<b>Vote:</b> against"));
}
