//! Issue 17 through the router: members search (accents folded, total, pages both ways), the
//! add form with RFC and programmes, an uploaded CSV, a member's record (edit), a leave with
//! its confirmation step, the board and committees (give, end with confirmation), business
//! plans (revise the target, end with confirmation, flagged list, a member's own plan).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

const O: &str = "/odf/alfareros-morelos";

/// Text as a search compares it, spelled out here independently of the registry.
fn fold(text: &str) -> String {
    text.to_lowercase()
        .replace(['á', 'à'], "a")
        .replace('é', "e")
        .replace('í', "i")
        .replace('ó', "o")
        .replace(['ú', 'ü'], "u")
        .replace('ñ', "n")
}

#[tokio::test]
async fn a_search_without_accents_finds_the_name_and_the_list_counts_and_pages_both_ways() {
    let w = world().await; // 60 members: two pages of 50
    let staff = sign_in(&w, "personal").await;
    let members = w
        .app
        .store()
        .members(w.union.id, store::Page::first(100))
        .await
        .unwrap();
    let accented = members
        .iter()
        .find(|m| !m.data.surnames.is_ascii() || !m.data.given_names.is_ascii())
        .expect("a demo member with an accent in the name");
    let word = accented
        .data
        .surnames
        .split_whitespace()
        .chain(accented.data.given_names.split_whitespace())
        .find(|w| !w.is_ascii())
        .unwrap();
    let typed = fold(word);
    assert!(typed.is_ascii(), "{typed}");
    let r = get(
        &w,
        &format!("{O}/socios?q={}", urlencode(&typed)),
        Some(&staff),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&accented.data.given_names),
        "'{typed}' finds {}",
        accented.data.given_names
    );
    let expected = members
        .iter()
        .filter(|m| fold(&format!("{} {}", m.data.given_names, m.data.surnames)).contains(&typed))
        .count();
    let label = if expected == 1 {
        "1 socia o socio".to_string()
    } else {
        format!("{expected} socias y socios")
    };
    assert!(r.body.contains(&label), "the total of the search: {label}");
    // The whole list: 60 members, page 1 of 2 with a next link and no previous one.
    let first = get(&w, &format!("{O}/socios"), Some(&staff)).await;
    assert!(first.body.contains("60 socias y socios · página 1 de 2"));
    assert!(first.body.contains("pagina=2") && !first.body.contains("id=\"members-prev\""));
    let second = get(&w, &format!("{O}/socios?pagina=2"), Some(&staff)).await;
    assert!(second.body.contains("página 2 de 2"));
    assert!(second.body.contains("id=\"members-prev\"") && second.body.contains("pagina=1"));
    assert!(!second.body.contains("id=\"members-next\""));
    // 10 rows on the second page (60 - 50).
    assert_eq!(second.body.matches("<tr><td><a href=").count(), 10);
    // The API gives the total too.
    let api_list = api(
        &w,
        "GET",
        &format!(
            "/api/v1/orgs/alfareros-morelos/members?q={}",
            urlencode(&typed)
        ),
        Some(&staff.token),
        None,
        None,
    )
    .await;
    assert_eq!(api_list.json()["total"], expected);
}

#[tokio::test]
async fn r_org_2_staff_add_a_member_with_rfc_and_programmes_and_upload_a_csv_file() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let r = post_form(
        &w,
        &format!("{O}/socios"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("curp", "GOLM850312MMSRPR01"),
            ("rfc", "GOLM850312AB1"),
            ("given_names", "María"),
            ("surnames", "Gómez"),
            ("sex", "F"),
            ("birth_date", "1985-03-12"),
            ("municipality", "Tlayacapan"),
            ("state", "Morelos"),
            ("trade", "Alfarería"),
            ("household_size", "4"),
            ("profile", "micro_producer"),
            ("programme_popular_art", "on"),
            ("programme_indigenous", "on"),
            ("joined_on", "2025-02-01"),
            ("letter_signed_on", "2025-02-01"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = w
        .app
        .store()
        .member_by_curp(w.union.id, "GOLM850312MMSRPR01")
        .await
        .unwrap();
    assert_eq!(
        m.data.rfc.as_ref().map(|r| r.as_str()),
        Some("GOLM850312AB1")
    );
    let declared: Vec<&str> = m
        .data
        .declared_programmes
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(declared, vec!["popular_art", "indigenous"]);
    // A bad RFC names the field and stores nothing.
    let r = post_form(
        &w,
        &format!("{O}/socios"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("curp", "HEGG560427MVZRRL04"),
            ("rfc", "NO-ES-RFC"),
            ("given_names", "Guadalupe"),
            ("surnames", "Hernández"),
            ("sex", "F"),
            ("birth_date", "1956-04-27"),
            ("municipality", "Tlayacapan"),
            ("state", "Morelos"),
            ("trade", "Alfarería"),
            ("household_size", "4"),
            ("profile", "micro_producer"),
            ("joined_on", "2025-02-01"),
            ("letter_signed_on", "2025-02-01"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("El RFC debe tener"), "{}", r.body);
    assert!(w
        .app
        .store()
        .member_by_curp(w.union.id, "HEGG560427MVZRRL04")
        .await
        .is_err());

    // The import as an uploaded file (multipart/form-data), not pasted.
    let csv = "curp,rfc,given_names,surnames,sex,birth_date,municipality,state,trade,\
               household_size,profile,programmes,joined_on,letter_signed_on\r\n\
               HEGG560427MVZRRL04,,Guadalupe,Hernández García,F,1956-04-27,Tlayacapan,\
               Morelos,alfarería,5,micro_producer,arte_popular,2025-01-15,2025-01-15\r\n";
    let boundary = "----tequio17";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"archivo\"; filename=\"socios.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"csv\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"fecha\"\r\n\r\n\r\n\
         --{boundary}--\r\n",
        staff.csrf
    );
    let r = send(
        &w.router,
        Request::post(format!("{O}/socios/importar"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, &staff.cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let g = w
        .app
        .store()
        .member_by_curp(w.union.id, "HEGG560427MVZRRL04")
        .await
        .unwrap();
    assert_eq!(g.data.surnames, "Hernández García");
    assert_eq!(g.data.household_size, 5);
}

#[tokio::test]
async fn r_org_2_staff_correct_a_member_and_record_a_leave_only_after_confirming() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let m = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1000))
        .await
        .unwrap()
        .pop()
        .unwrap();
    let name = format!("{} {}", m.data.given_names, m.data.surnames);
    let record = get(&w, &format!("{O}/socios/{}/ficha", m.id), Some(&staff)).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.body.contains(&name) && record.body.contains("Registrar una baja"));

    // Edit: a household of 0 is refused naming the field; a good edit is saved and logged.
    let edit = |household: &'static str| {
        vec![
            ("given_names", m.data.given_names.clone()),
            ("surnames", m.data.surnames.clone()),
            ("municipality", "Yecapixtla".to_string()),
            ("state", m.data.state.clone()),
            ("trade", m.data.trade.clone()),
            ("household_size", household.to_string()),
            ("profile", m.data.profile.as_str().to_string()),
            ("programme_inventors", "on".to_string()),
        ]
    };
    let post_edit = |fields: Vec<(&'static str, String)>| {
        let w = &w;
        let staff = &staff;
        let uri = format!("{O}/socios/{}/editar", m.id);
        async move {
            let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            f.push(("csrf", &staff.csrf));
            post_form(w, &uri, Some(staff), &f).await
        }
    };
    let bad = post_edit(edit("0")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Número de personas"), "{}", bad.body);
    let ok = post_edit(edit("6")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("Datos guardados"));
    let after = w.app.store().member(w.union.id, m.id).await.unwrap();
    assert_eq!(after.data.municipality, "Yecapixtla");
    assert_eq!(after.data.household_size, 6);
    let log = get(
        &w,
        &format!("{O}/bitacora"),
        Some(&sign_in(&w, "consejo").await),
    )
    .await;
    assert!(log.body.contains("Corrección de datos de socia o socio"));

    // Leave: the first POST only shows what will be recorded.
    let leave_uri = format!("{O}/socios/{}/baja", m.id);
    let today = today_mx().to_string();
    let confirm = post_form(
        &w,
        &leave_uri,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("fecha", &today),
            ("reason", "Se mudó a Puebla"),
        ],
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("¿Registrar esta baja?"));
    assert!(confirm.body.contains(&name) && confirm.body.contains("Se mudó a Puebla"));
    assert_eq!(
        w.app
            .store()
            .member(w.union.id, m.id)
            .await
            .unwrap()
            .left_on,
        None,
        "nothing recorded before confirming"
    );
    // A reason missing is refused naming the field.
    let no_reason = post_form(
        &w,
        &leave_uri,
        Some(&staff),
        &[("csrf", &staff.csrf), ("fecha", &today), ("reason", " ")],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Motivo"));
    let done = post_form(
        &w,
        &leave_uri,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("fecha", &today),
            ("reason", "Se mudó a Puebla"),
            ("confirmar", "1"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let left = w.app.store().member(w.union.id, m.id).await.unwrap();
    assert_eq!(left.left_on, Some(today_mx()));
    assert_eq!(left.leave_reason.as_deref(), Some("Se mudó a Puebla"));
    let record = get(&w, &format!("{O}/socios/{}/ficha", m.id), Some(&staff)).await;
    assert!(record.body.contains("Se dio de baja el") && record.body.contains("Se mudó a Puebla"));
    assert!(
        !record.body.contains("id=\"leave-form\""),
        "no second leave"
    );
}

#[tokio::test]
async fn r_org_5_staff_give_a_committee_seat_and_end_it_after_confirming() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let socio = member_of(&w, "socio").await;
    let m = w.app.store().member(w.union.id, socio).await.unwrap();
    let name = format!("{} {}", m.data.given_names, m.data.surnames);
    let today = today_mx().to_string();
    let r = post_form(
        &w,
        &format!("{O}/consejo"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("member", m.data.curp.as_str()),
            ("role", "specialised_committee:financing"),
            ("from", &today),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("Comité de financiamiento"));
    assert!(r.body.contains(&name), "the seat shows the member's name");
    // The board page lists the board by name for everyone in the circle.
    let board = get(
        &w,
        &format!("{O}/consejo"),
        Some(&sign_in(&w, "apoyo").await),
    )
    .await;
    assert!(board.body.contains("Consejo de Administración"));
    // An unknown member is refused naming the field.
    let bad = post_form(
        &w,
        &format!("{O}/consejo"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("member", "999999"),
            ("role", "volunteer"),
            ("from", &today),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("número de socio o la CURP"),
        "{}",
        bad.body
    );
    let seat = w
        .app
        .store()
        .roles(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| {
            r.member_id == Some(socio)
                && r.role == registry::Role::SpecialisedCommittee(registry::Committee::Financing)
        })
        .unwrap();
    let end_uri = format!("{O}/consejo/{}/terminar", seat.id);
    let confirm = post_form(&w, &end_uri, Some(&staff), &[("csrf", &staff.csrf)]).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("¿Terminar este cargo?") && confirm.body.contains(&name));
    assert!(w
        .app
        .store()
        .roles(w.union.id)
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == seat.id && r.until.is_none()));
    let done = post_form(
        &w,
        &end_uri,
        Some(&staff),
        &[("csrf", &staff.csrf), ("until", &today), ("confirmar", "1")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let ended = w.app.store().roles(w.union.id).await.unwrap();
    assert!(ended
        .iter()
        .any(|r| r.id == seat.id && r.until == Some(today_mx())));
}

#[tokio::test]
async fn r_plan_1_staff_revise_a_target_and_end_a_plan_and_the_member_sees_their_own_plan() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let socio_b = sign_in(&w, "socio").await;
    let socio = member_of(&w, "socio").await;
    let plan = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.member_id == socio)
        .unwrap();
    // The member reaches their plan from their statement.
    let statement = get(&w, &format!("{O}/socios/{socio}"), Some(&socio_b)).await;
    assert!(statement.body.contains(&format!("{O}/socios/{socio}/plan")));
    let own = get(&w, &format!("{O}/socios/{socio}/plan"), Some(&socio_b)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Plan acordado"));
    assert!(
        !own.body.contains("id=\"revise-form\""),
        "a member does not change it"
    );
    // Revise: a target of 0 is refused naming the field; then 25,000.50 by 2030-06-30.
    let meta = format!("{O}/planes/{}/meta", plan.id);
    let bad = post_form(
        &w,
        &meta,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("target", "0"),
            ("by", "2030-06-30"),
            ("reason", "Nuevo horno"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Nueva meta de ingresos al mes"),
        "{}",
        bad.body
    );
    let ok = post_form(
        &w,
        &meta,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("target", "25,000.50"),
            ("by", "2030-06-30"),
            ("reason", "Nuevo horno"),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("Meta revisada") && ok.body.contains("$25,000.50"));
    let revised = w.app.plan(w.union.id, plan.id).await.unwrap();
    assert_eq!(revised.target.amount.amount_minor(), 2_500_050);
    assert_eq!(
        revised.baseline_revenue, plan.baseline_revenue,
        "baseline kept"
    );
    // End: a confirmation page first, then the change.
    let end = format!("{O}/planes/{}/terminar", plan.id);
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("status", "abandoned"),
        ("reason", "Cambió de oficio"),
    ];
    let confirm = post_form(&w, &end, Some(&staff), &form).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("¿Terminar este plan?"));
    assert_eq!(
        w.app.plan(w.union.id, plan.id).await.unwrap().status,
        fund::PlanStatus::Active
    );
    let mut confirmed = form.to_vec();
    confirmed.push(("confirmar", "1"));
    let done = post_form(&w, &end, Some(&staff), &confirmed).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Plan terminado"));
    let ended = w.app.plan(w.union.id, plan.id).await.unwrap();
    assert_eq!(ended.status, fund::PlanStatus::Abandoned);
    assert_eq!(ended.history.len(), 3);
    // Sent twice: the same answer, no second change.
    let again = post_form(&w, &end, Some(&staff), &confirmed).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        w.app.plan(w.union.id, plan.id).await.unwrap().history.len(),
        3
    );
    // The plans page has the review section (R-PLAN-4) and links each plan, newest first,
    // 50 a page (issue 17): this plan is on the page its rank puts it.
    let newer = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .iter()
        .filter(|p| p.id > plan.id)
        .count();
    let page = newer / 50 + 1;
    let plans = get(&w, &format!("{O}/planes?pagina={page}"), Some(&staff)).await;
    assert!(plans.body.contains("Planes por revisar"));
    assert!(plans.body.contains(&format!("{O}/planes/{}", plan.id)));
}
