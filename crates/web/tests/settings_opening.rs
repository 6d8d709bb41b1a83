//! Issue 16 on the web: the settings page and API (values in force, formatted in es-MX; staff
//! propose, others are refused), and the opening position page (file upload, all or nothing,
//! line-numbered errors, the same file again changes nothing) and API.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_settings_page_shows_every_setting_and_staff_propose_a_change() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, "/odf/alfareros-morelos/ajustes", Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Aportación al Fondo sobre los ingresos nuevos",
        "10 %",
        "25 %",
        "90 días",
        "$1.00",
        "más de 1/2 de los asientos del Consejo",
        "mayoría simple de los votos emitidos",
        "×1/2",
    ] {
        assert!(page.body.contains(text), "{text} not in the page");
    }
    let proposed = post_form(
        &w,
        "/odf/alfareros-morelos/ajustes",
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("key", "contribution_rate"),
            ("value", "12 %"),
            ("effective_on", "2030-01-01"),
            ("purpose", ""),
        ],
    )
    .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    assert!(proposed
        .location()
        .starts_with("/odf/alfareros-morelos/propuestas#p"));
    // Before the board decides it is shown as being voted, and 10 % stays in force.
    let page = get(&w, "/odf/alfareros-morelos/ajustes", Some(&staff)).await;
    assert!(page.body.contains("En votación"), "{}", page.body);
    let bad = post_form(
        &w,
        "/odf/alfareros-morelos/ajustes",
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("key", "contribution_rate"),
            ("value", "120"),
            ("effective_on", "2030-01-01"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .body
        .contains("Escriba un valor válido para este ajuste"));
    // A member reads the settings but may not propose a change.
    let member = sign_in(&w, "socio").await;
    assert_eq!(
        get(&w, "/odf/alfareros-morelos/ajustes", Some(&member))
            .await
            .status,
        StatusCode::OK
    );
    let refused = post_form(
        &w,
        "/odf/alfareros-morelos/ajustes",
        Some(&member),
        &[
            ("csrf", &member.csrf),
            ("key", "contribution_rate"),
            ("value", "12"),
            ("effective_on", "2030-01-01"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_settings_api_reads_and_proposes() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let list = api(
        &w,
        "GET",
        "/api/v1/orgs/alfareros-morelos/settings",
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    let rate = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "contribution_rate")
        .cloned()
        .unwrap();
    assert_eq!(
        (rate["value"].as_str(), rate["rule"].as_str()),
        (Some("10"), Some("R-FUND-1"))
    );
    let body = json!({"key": "lease_default_days", "value": "60", "effective_on": "2030-01-01"});
    let uri = "/api/v1/orgs/alfareros-morelos/settings/proposals";
    let made = api(
        &w,
        "POST",
        uri,
        Some(&staff.token),
        Some(body.clone()),
        None,
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(
        made.json()["subject"],
        "setting:lease_default_days=60@2030-01-01"
    );
    let bad = json!({"key": "quorum", "value": "1/1", "effective_on": "2030-01-01"});
    let refused = api(&w, "POST", uri, Some(&staff.token), Some(bad), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["rule"], "R-GOV-2");
    let member = sign_in(&w, "socio").await;
    let forbidden = api(&w, "POST", uri, Some(&member.token), Some(body), None).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

fn multipart(csrf: &str, file: &str) -> (String, String) {
    let boundary = "tequioBoundary7";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"apertura.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(w: &World, who: &Browser, file: &str) -> Reply {
    let (content_type, body) = multipart(&who.csrf, file);
    send(
        &w.router,
        Request::post("/odf/alfareros-morelos/apertura")
            .header(header::COOKIE, &who.cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn staff_upload_the_opening_position_all_or_nothing() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let members = w
        .app
        .store()
        .members(w.union.id, store::Page::first(2))
        .await
        .unwrap();
    let curp = members[0].data.curp.as_str().to_string();
    let as_of = w.union.data.founded_on;
    let good = format!(
        "tipo,fecha,curp,periodo,monto\n\
         saldos_al,{as_of},,,\n\
         cuota,,{curp},,150.00\n"
    );
    // Dues need a period: the file is refused whole, naming line 3 and its column as the
    // file names it, in Spanish (no English sentence on the page).
    let refused = upload(&w, &staff, &good).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Línea 3 · periodo: este tipo de renglón necesita esta columna"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("is required"), "{}", refused.body);
    assert!(w.app.opening(w.union.id).await.unwrap().is_none());

    // The demo charged the dues of its two months (2025-01, 2025-02): the opening brings
    // March's, which nobody charged (a period's dues are charged once, R-ORG-6), and the
    // opening day is March's last.
    let period = "2025-03";
    let good = good.replace(",,150.00", &format!(",{period},150.00"));
    let last = fund::Period::parse(period, Default::default())
        .unwrap()
        .last_day();
    let good = good.replace(&format!("saldos_al,{as_of}"), &format!("saldos_al,{last}"));
    let before = w
        .app
        .dues_arrears_minor(w.union.id, members[0].id)
        .await
        .unwrap();
    let done = upload(&w, &staff, &good).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Saldos iniciales importados."),
        "{}",
        done.body
    );
    assert_eq!(
        w.app
            .dues_arrears_minor(w.union.id, members[0].id)
            .await
            .unwrap(),
        before + 15_000
    );
    let again = upload(&w, &staff, &good).await;
    assert!(
        again.body.contains("ya se había importado"),
        "{}",
        again.body
    );
    assert_eq!(
        w.app
            .dues_arrears_minor(w.union.id, members[0].id)
            .await
            .unwrap(),
        before + 15_000
    );
    // The API answers the same file with created: false; a member may not import.
    let replay = api(
        &w,
        "POST",
        "/api/v1/orgs/alfareros-morelos/opening",
        Some(&staff.token),
        Some(json!({"csv": good})),
        None,
    )
    .await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.body);
    assert_eq!(replay.json()["created"], false);
    let member = sign_in(&w, "socio").await;
    let forbidden = upload(&w, &member, &good).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}
