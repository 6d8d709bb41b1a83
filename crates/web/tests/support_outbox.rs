//! support19, R-INFO-1: the notification outbox through the router. Publishing on the page
//! queues one message per member the opportunity fits (counted here from the members' data),
//! a second submission of the same form queues nothing more, and the staff page, its CSV and
//! the API show pending, then failed messages with their reason.

mod common;

use app::support_cases::{Outgoing, SendFuture, SendPolicy, Transport};
use common::{api, get, post_form, sign_in, today_mx, world};

/// A transport whose relay always refuses.
struct Refusing;

impl Transport for Refusing {
    fn name(&self) -> &'static str {
        "test"
    }
    fn send<'a>(&'a self, _: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async { Err("relay said no".to_string()) })
    }
}

#[tokio::test]
async fn r_info_1_a_page_publication_fills_the_outbox_and_staff_read_it() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let o = "/odf/alfareros-morelos";
    let today = today_mx();
    // Who fits "Morelos, any trade": every member active today who lives in Morelos.
    let members = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1000))
        .await
        .unwrap();
    let expected = members
        .iter()
        .filter(|m| m.is_active_on(today) && m.data.state.trim().eq_ignore_ascii_case("morelos"))
        .count();
    assert!(expected > 0);
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("nonce", "aviso-1"),
        ("kind", "trade_fair"),
        ("title", "Feria de Tlaquepaque"),
        ("description", "Stand compartido"),
        ("deadline", "2099-12-31"),
        ("states", "Morelos"),
    ];
    let r = post_form(&w, &format!("{o}/oportunidades"), Some(&staff), &form).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.body);
    // The same form again (the same hidden key) queues nothing more.
    post_form(&w, &format!("{o}/oportunidades"), Some(&staff), &form).await;
    let outbox = w.app.outbox(w.union.id).await.unwrap();
    assert_eq!(outbox.len(), expected);

    let page = get(&w, &format!("{o}/avisos"), Some(&staff)).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(
        page.body.contains(&format!(
            "Por enviar: {expected} · Enviados: 0 · Fallidos: 0"
        )),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("Nueva oportunidad para ti: Feria de Tlaquepaque"));
    // Names appear, not ids.
    let first = &members[0];
    assert!(page.body.contains(&format!(
        "{} {}",
        first.data.given_names, first.data.surnames
    )));

    // One attempt allowed, and the relay refuses: every message fails with the reason.
    let policy = SendPolicy {
        max_attempts: 1,
        ..SendPolicy::default()
    };
    let report = w
        .app
        .send_notifications(&Refusing, &policy, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(report.failed, expected);
    let page = get(&w, &format!("{o}/avisos"), Some(&staff)).await;
    assert!(page.body.contains(&format!(
        "Por enviar: 0 · Enviados: 0 · Fallidos: {expected}"
    )));
    assert!(page.body.contains("relay said no"));
    let csv = get(&w, &format!("{o}/avisos.csv"), Some(&staff)).await;
    // A header and one line per message.
    assert_eq!(csv.body.lines().count(), expected + 1, "{}", csv.body);
    let json = api(
        &w,
        "GET",
        "/api/v1/orgs/alfareros-morelos/notifications",
        Some(&staff.token),
        None,
        None,
    )
    .await
    .json();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), expected);
    assert!(list
        .iter()
        .all(|m| m["status"] == "failed" && m["attempts"] == 1));
    // The opportunity itself stands.
    assert!(get(&w, &format!("{o}/oportunidades"), Some(&staff))
        .await
        .body
        .contains("Feria de Tlaquepaque"));
}
