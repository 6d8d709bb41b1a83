//! Issue 19 through the router: a member's contact (e-mail, mobile) on the add form, the
//! record's edit form and the API; a bad value is refused on the page next to the field named
//! (Spanish first) and nothing is written; the same form again writes nothing more; and the
//! outbox page shows a message for a member without an address as "Sin dirección".

mod common;

use app::support_cases::{OutboxStatus, SendPolicy, SmtpSecurity, SmtpTransport};
use axum::http::StatusCode;
use common::{api, get, post_form, sign_in, world, worlds};
use serde_json::json;

const O: &str = "/odf/alfareros-morelos";

fn add_form<'a>(csrf: &'a str, email: &'a str, mobile: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("curp", "GOLM850312MMSRPR01"),
        ("given_names", "María"),
        ("surnames", "Gómez"),
        ("sex", "F"),
        ("birth_date", "1985-03-12"),
        ("municipality", "Tlayacapan"),
        ("state", "Morelos"),
        ("trade", "Alfarería"),
        ("household_size", "4"),
        ("profile", "micro_producer"),
        ("joined_on", "2025-02-01"),
        ("letter_signed_on", "2025-02-01"),
        ("email", email),
        ("mobile", mobile),
    ]
}

async fn events(w: &common::World) -> usize {
    let mut n = 0;
    let mut page = store::Page::first(1000);
    loop {
        let batch = w.app.store().events(w.union.id, None, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        page.after_id = last.seq;
        n += batch.len();
    }
    n
}

#[tokio::test]
async fn issue_19_staff_give_a_member_a_contact_on_the_add_and_edit_forms() {
    for (name, w) in worlds().await {
        let staff = sign_in(&w, "personal").await;
        // A bad e-mail is refused next to its field, in Spanish, and nobody is added.
        let before = events(&w).await;
        let r = post_form(
            &w,
            &format!("{O}/socios"),
            Some(&staff),
            &add_form(&staff.csrf, "maria@", ""),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            r.body.contains("Escriba un correo como"),
            "{name}: {}",
            r.body
        );
        assert!(r.body.contains("id=\"f-email\""), "{name}");
        assert_eq!(events(&w).await, before, "{name}");
        // A good one is kept with the member, in the same commit.
        let r = post_form(
            &w,
            &format!("{O}/socios"),
            Some(&staff),
            &add_form(&staff.csrf, "maria@Correo.MX", "(777) 123 4567"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        // members.imported and member.contact.
        assert_eq!(events(&w).await, before + 2, "{name}");
        let m = w
            .app
            .store()
            .member_by_curp(w.union.id, "GOLM850312MMSRPR01")
            .await
            .unwrap();
        let c = w.app.member_contact(w.union.id, m.id).await.unwrap();
        assert_eq!(c.email.as_deref(), Some("maria@correo.mx"), "{name}");
        assert_eq!(c.mobile.as_deref(), Some("+527771234567"), "{name}");
        // The record's edit form shows it; a bad mobile is refused naming the field.
        let uri = format!("{O}/socios/{}/ficha", m.id);
        let record = get(&w, &uri, Some(&staff)).await;
        assert!(record.body.contains("value=\"maria@correo.mx\""), "{name}");
        let edit = |email: &'static str, mobile: &'static str| {
            let d = &m.data;
            vec![
                ("csrf", staff.csrf.clone()),
                ("given_names", d.given_names.clone()),
                ("surnames", d.surnames.clone()),
                ("municipality", d.municipality.clone()),
                ("state", d.state.clone()),
                ("trade", d.trade.clone()),
                ("household_size", d.household_size.to_string()),
                ("profile", d.profile.as_str().to_string()),
                ("email", email.to_string()),
                ("mobile", mobile.to_string()),
            ]
        };
        let post_edit = |fields: Vec<(&'static str, String)>| {
            let (w, staff) = (&w, &staff);
            let uri = format!("{O}/socios/{}/editar", m.id);
            async move {
                let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_form(w, &uri, Some(staff), &f).await
            }
        };
        let before = events(&w).await;
        let bad = post_edit(edit("maria@correo.mx", "12345")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            bad.body.contains("Celular (opcional)"),
            "{name}: {}",
            bad.body
        );
        assert!(bad.body.contains("10 dígitos"), "{name}");
        assert_eq!(events(&w).await, before, "{name}");
        // A new address: one event; the same form again: none.
        for _ in 0..2 {
            let ok = post_edit(edit("m.gomez@correo.mx", "")).await;
            assert_eq!(ok.status, StatusCode::OK, "{name}: {}", ok.body);
        }
        assert_eq!(events(&w).await, before + 1, "{name}");
        let c = w.app.member_contact(w.union.id, m.id).await.unwrap();
        assert_eq!(
            (c.email.as_deref(), c.mobile.as_deref()),
            (Some("m.gomez@correo.mx"), None),
            "{name}"
        );
        // The log names the change in words.
        let log = get(
            &w,
            &format!("{O}/bitacora"),
            Some(&sign_in(&w, "consejo").await),
        )
        .await;
        assert!(log.body.contains("Contacto de socia o socio"), "{name}");
    }
}

#[tokio::test]
async fn issue_19_the_api_adds_and_edits_a_members_contact_and_refuses_a_bad_one() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let body = json!({
        "curp": "GOLM850312MMSRPR01", "given_names": "María", "surnames": "Gómez", "sex": "F",
        "birth_date": "1985-03-12", "municipality": "Tlayacapan", "state": "Morelos",
        "trade": "Alfarería", "household_size": "4", "profile": "micro_producer",
        "joined_on": "2025-02-01", "letter_signed_on": "2025-02-01",
        "email": "maria@correo.mx"
    });
    let r = api(
        &w,
        "POST",
        "/api/v1/orgs/alfareros-morelos/members",
        Some(&staff.token),
        Some(body),
        Some("alta-maria"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = w
        .app
        .store()
        .member_by_curp(w.union.id, "GOLM850312MMSRPR01")
        .await
        .unwrap();
    let uri = format!("/api/v1/orgs/alfareros-morelos/members/{}/edit", m.id);
    // Only the mobile: the e-mail stays.
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&staff.token),
        Some(json!({"mobile": "+52 777 123 4567"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["email"], "maria@correo.mx");
    assert_eq!(r.json()["mobile"], "+527771234567");
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&staff.token),
        Some(json!({"email": "no es correo"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("email"), "{}", r.body);
    // An empty value removes it.
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&staff.token),
        Some(json!({"email": ""})),
        None,
    )
    .await;
    assert_eq!(r.json()["email"], serde_json::Value::Null, "{}", r.body);
}

#[tokio::test]
async fn issue_19_the_outbox_page_shows_a_member_without_an_address() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("nonce", "aviso-19"),
        ("kind", "trade_fair"),
        ("title", "Feria de Tlaquepaque"),
        ("description", "Stand compartido"),
        ("deadline", "2099-12-31"),
        ("states", "Morelos"),
    ];
    let r = post_form(&w, &format!("{O}/oportunidades"), Some(&staff), &form).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.body);
    let queued = w.app.outbox(w.union.id).await.unwrap().len();
    assert!(queued > 0);
    // SMTP to a port nobody listens on: nobody has an address, so nothing is even tried.
    let smtp = SmtpTransport {
        host: "127.0.0.1".into(),
        port: 9,
        security: SmtpSecurity::None,
        user: None,
        password: None,
        from: "avisos@odf.mx".into(),
        hello: "tequio".into(),
        timeout: std::time::Duration::from_secs(5),
    };
    let r = w
        .app
        .send_notifications(&smtp, &SendPolicy::default(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!((r.no_address, r.sent, r.retrying), (queued, 0, 0), "{r:?}");
    assert!(w
        .app
        .outbox(w.union.id)
        .await
        .unwrap()
        .iter()
        .all(|m| m.status == OutboxStatus::NoAddress && m.attempts == 0));
    let page = get(&w, &format!("{O}/avisos"), Some(&staff)).await;
    assert!(page.body.contains("Sin dirección"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("Por enviar: 0 · Enviados: 0 · Fallidos: {queued}")),
        "{}",
        page.body
    );
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
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["status"] == "no_address"));
}
