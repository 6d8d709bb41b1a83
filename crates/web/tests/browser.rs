//! Headless Chromium (Debian's `chromium` and `chromium-driver`) driving the real server on
//! 127.0.0.1 in a phone-sized window: a member signs in and reads their statement, a board
//! member votes a proposal, a support-committee member is offered no vote and a forged vote
//! from their page is refused, a member reports this month's income (a refused figure first),
//! staff close a period from its preview; and (issue 16) a fresh production database from its
//! set-up code to a member's first income report, a setting changed by staff and the board, and
//! an opening position uploaded. Screenshots go to
//! `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use chrono::Datelike;
use common::browser::*;
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sized_member_statement_board_vote_and_refused_support_committee_vote() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    // The real server on loopback.
    // Big enough for the demo's credit line, loans, leases and trade (300 members).
    let w = common::world_sized(300, 12).await;
    let proposal_id = common::proposal(&w, "browser").await;
    let base = serve(w.router.clone()).await;
    let shots = screenshots_dir();

    let sign_in = |login: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move { sign_in_through_page(&client, &base, login, DEMO_PASSWORD).await }
    };
    let no_horizontal_scroll = |what: &'static str| no_sideways_scroll(client.clone(), what);

    // A member on a phone: sign in, read my statement.
    sign_in("socio").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/mi-estado"))
        .await
        .unwrap();
    let html = client.source().await.unwrap();
    assert!(
        html.contains("Estado de cuenta") && html.contains("<svg"),
        "statement with its chart"
    );
    std::fs::write(
        shots.join("member-statement-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("statement").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos"))
        .await
        .unwrap();
    std::fs::write(
        shots.join("org-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("org").await;

    // A support-committee member: no vote button, and a forged vote is refused (R-GOV-1).
    sign_in("apoyo").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/propuestas"))
        .await
        .unwrap();
    assert!(
        !client.source().await.unwrap().contains("/voto"),
        "no vote offered"
    );
    let status = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const csrf = document.querySelector('input[name=csrf]').value;
             fetch(arguments[0], {method: 'POST', body: new URLSearchParams({csrf, vote: 'for'})})
               .then(r => done(r.status));",
            vec![serde_json::json!(format!(
                "/odf/alfareros-morelos/propuestas/{proposal_id}/voto"
            ))],
        )
        .await
        .unwrap();
    assert_eq!(
        status.as_u64(),
        Some(403),
        "a forged vote by the support committee"
    );
    std::fs::write(
        shots.join("proposals-support-committee-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();

    // A board member votes it.
    sign_in("consejo").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/propuestas"))
        .await
        .unwrap();
    client
        .find(Locator::Css(&format!("#p{proposal_id} button[value=for]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut shown = false;
    for _ in 0..50 {
        if client.source().await.unwrap().contains("Su voto: A favor") {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the vote is shown");
    std::fs::write(
        shots.join("proposals-board-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("proposals").await;
    // The board reads the audit log: the vote just cast comes first, with who and from where.
    client
        .goto(&format!("{base}/odf/alfareros-morelos/bitacora"))
        .await
        .unwrap();
    let log = client.source().await.unwrap();
    assert!(log.contains("Antes") && log.contains("Después"), "{log}");
    let first_row = log.split("<tbody>").nth(1).unwrap_or("");
    assert!(
        first_row.find("Voto emitido").is_some_and(|at| at < 600),
        "the vote is the newest change: {first_row}"
    );
    std::fs::write(
        shots.join("audit-board-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("audit").await;
    let staff = w.app.user("personal").await.unwrap().viewer;
    let p = w
        .app
        .board_proposal(w.union.id, &staff, proposal_id)
        .await
        .unwrap();
    assert_eq!(p.record.ballots.len(), 1);

    // A member signs in on the phone and reports last month's income (R-PLAN-2): a negative
    // revenue comes back next to the field, then the right figures are received.
    sign_in("socio").await;
    let me = common::member_of(&w, "socio").await;
    let reports_before = w.app.member_reports(w.union.id, me).await.unwrap().len();
    client
        .goto(&format!("{base}/odf/alfareros-morelos/mi-estado"))
        .await
        .unwrap();
    client
        .find(Locator::Id("report-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let wait_for = |needle: &'static str| wait_until_shown(client.clone(), needle);
    wait_for("report-form").await;
    let fill = |id: &'static str, value: &'static str| type_into(client.clone(), id, value);
    fill("f-revenue", "-5").await;
    fill("f-profit", "1000").await;
    client
        .find(Locator::Css("#report-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("No puede ser negativo.").await;
    std::fs::write(
        shots.join("report-refused-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("report form").await;
    assert_eq!(
        w.app.member_reports(w.union.id, me).await.unwrap().len(),
        reports_before,
        "nothing saved"
    );
    fill("f-revenue", "12,500.00").await;
    fill("f-profit", "4000").await;
    client
        .find(Locator::Css("#report-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("id=\"report-ok\"").await;
    std::fs::write(
        shots.join("report-received-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    let reports = w.app.member_reports(w.union.id, me).await.unwrap();
    assert_eq!(reports.len(), reports_before + 1);
    assert_eq!(reports.last().unwrap().revenue.amount_minor(), 1_250_000);
    client
        .goto(&format!("{base}/odf/alfareros-morelos/mi-estado"))
        .await
        .unwrap();
    wait_for("$12,500.00").await;
    std::fs::write(
        shots.join("member-statement-after-report-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("statement after the report").await;
    // The income chart against the baseline, scrolled into view.
    client
        .execute("document.querySelector('figure').scrollIntoView()", vec![])
        .await
        .unwrap();
    std::fs::write(
        shots.join("member-income-chart-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    for (path, shot) in [
        (
            "simulador?amount=15000&rate=18&installments=12&start=2026-01-15",
            "quote-360.png",
        ),
        ("comercio", "trade-member-360.png"),
    ] {
        client
            .goto(&format!("{base}/odf/alfareros-morelos/{path}"))
            .await
            .unwrap();
        std::fs::write(shots.join(shot), client.screenshot().await.unwrap()).unwrap();
        no_horizontal_scroll(shot).await;
    }

    // Staff close last month: the preview, then the close, then closing again changes nothing.
    sign_in("personal").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/cierre"))
        .await
        .unwrap();
    wait_for("close-form").await;
    std::fs::write(
        shots.join("close-preview-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("close preview").await;
    // The close asks for confirmation: the box is ticked first.
    client
        .find(Locator::Css("#close-form input[name=confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("#close-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("id=\"close-message\"").await;
    assert!(client.source().await.unwrap().contains("cerrado."));
    std::fs::write(
        shots.join("close-done-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    let last = fund::Period::containing(common::today_mx(), fund::PeriodSettings::default()).prev();
    assert!(w.app.is_closed(w.union.id, last).await.unwrap());
    for (path, shot) in [
        ("fondo", "fund-360.png"),
        ("comercio", "trade-staff-360.png"),
    ] {
        client
            .goto(&format!("{base}/odf/alfareros-morelos/{path}"))
            .await
            .unwrap();
        std::fs::write(shots.join(shot), client.screenshot().await.unwrap()).unwrap();
        no_horizontal_scroll(shot).await;
    }
    // The Fund page again, scrolled to the credit line's limit history chart.
    client
        .goto(&format!("{base}/odf/alfareros-morelos/fondo"))
        .await
        .unwrap();
    client
        .execute(
            "document.querySelector('section.line figure').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    std::fs::write(
        shots.join("fund-credit-line-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();

    // Staff's members page on the phone.
    sign_in("personal").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/socios"))
        .await
        .unwrap();
    std::fs::write(
        shots.join("members-staff-360.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_horizontal_scroll("members").await;
    client.close().await.unwrap();
}

/// Issue 16's first "done when": from nothing to a member's first report, every step through
/// the pages on a 360 px phone, on a fresh database in production mode (no demo). A
/// screenshot per step goes to `screenshots/first-run-NN-*.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_fresh_database_to_a_members_first_report_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let store: std::sync::Arc<dyn store::Store> =
        std::sync::Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let app = app::App::new(store);
    // What `tequio serve --no-demo` does on a new database: a set-up code in its log.
    let setup_code = app
        .issue_setup_code(chrono::Utc::now())
        .await
        .unwrap()
        .unwrap()
        .code;
    let base = serve(web::router(app.clone())).await;
    let shots = screenshots_dir();
    let step = |n: &'static str, what: &'static str| {
        let client = client.clone();
        let shots = shots.clone();
        async move {
            let html = client.source().await.unwrap();
            assert!(html.contains("lang=\"es-MX\""), "{what}: in Spanish");
            std::fs::write(
                shots.join(format!("first-run-{n}-{what}.png")),
                client.screenshot().await.unwrap(),
            )
            .unwrap();
            no_sideways_scroll(client, what).await;
            html
        }
    };
    let fill = |id: &'static str, value: String| {
        let client = client.clone();
        async move { type_into(client, id, &value).await }
    };
    // Date inputs take their value in ISO form whatever the browser's locale.
    let set_date = |id: &'static str, value: String| {
        let client = client.clone();
        async move {
            client
                .execute(
                    "document.getElementById(arguments[0]).value = arguments[1]",
                    vec![serde_json::json!(id), serde_json::json!(value)],
                )
                .await
                .unwrap();
        }
    };
    let submit = |form: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(&format!("#{form} button[type=submit]")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };
    let wait_path = |path: String| {
        let client = client.clone();
        async move {
            for _ in 0..50 {
                if client.current_url().await.unwrap().path() == path {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("not at {path}: {}", client.source().await.unwrap());
        }
    };
    let sign_out = || {
        let client = client.clone();
        async move {
            // On a phone the menu is closed: open it first (issue 17), then sign out.
            client
                .find(Locator::Css("label.menu-button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            client
                .find(Locator::Css("form[action='/salir'] button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };
    let text_of = |id: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Id(id))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    let founded = today - chrono::Duration::days(90);
    // The members joined on the first day of last month, so last month (the one a member
    // reports now) is already covered by a plan agreed that day.
    let joined = {
        let d = today.with_day(1).unwrap() - chrono::Duration::days(1);
        d.with_day(1).unwrap()
    };

    // 1. The first visit asks for the set-up code and creates the programme administrator.
    client.goto(&base).await.unwrap();
    wait_until_shown(client.clone(), "setup-form").await;
    step("01", "setup-code").await;
    fill("code", setup_code.clone()).await;
    fill("login", "admin".into()).await;
    fill("display_name", "Ana Torres".into()).await;
    fill("password", "barro y fuego del valle".into()).await;
    fill("password2", "barro y fuego del valle".into()).await;
    submit("setup-form").await;
    wait_path("/programa".into()).await;
    let html = step("02", "programme-admin").await;
    assert!(html.contains("Ana Torres") && html.contains("Crear una ODF"));

    // 2. A new ODF with its Director General: the slip with the DG's code.
    fill("name", "Unión de Carpinteros de Tepoztlán".into()).await;
    fill("slug", "carpinteros-tepoztlan".into()).await;
    fill("group_name", "Carpinteros del Valle".into()).await;
    fill("state", "Morelos".into()).await;
    fill("municipality", "Tepoztlán".into()).await;
    fill("trade", "carpintería".into()).await;
    set_date("founded_on", founded.to_string()).await;
    fill("director_name", "Rosa Martínez".into()).await;
    fill("director_login", "rosa.martinez".into()).await;
    submit("org-form").await;
    wait_until_shown(client.clone(), "slip-code").await;
    let html = step("03", "director-slip").await;
    assert!(html.contains("Rosa Martínez") && html.contains("Unión de Carpinteros de Tepoztlán"));
    let dg_code = text_of("slip-code").await;
    assert_eq!(text_of("slip-login").await, "rosa.martinez");
    sign_out().await;
    wait_path("/entrar".into()).await;

    // 3. The Director General activates their account with the code.
    client.goto(&format!("{base}/activar")).await.unwrap();
    fill("login", "rosa.martinez".into()).await;
    fill("code", dg_code).await;
    fill("password", "cerros del tepozteco".into()).await;
    fill("password2", "cerros del tepozteco".into()).await;
    step("04", "director-activates").await;
    submit("activate-form").await;
    wait_path("/".into()).await;
    let html = step("05", "director-home").await;
    assert!(html.contains("Unión de Carpinteros de Tepoztlán") && html.contains("Personal"));

    // 4. A CSV import of members.
    let slug = "carpinteros-tepoztlan";
    client
        .goto(&format!("{base}/odf/{slug}/socios"))
        .await
        .unwrap();
    let people = [
        (
            "HERL900215MMSRZC",
            "Lucía",
            "Hernández Ruiz",
            "F",
            "1990-02-15",
        ),
        (
            "GOMP850710HMSMRD",
            "Pedro",
            "Gómez Moreno",
            "M",
            "1985-07-10",
        ),
        (
            "SAVM780101MMSNLR",
            "María",
            "Sánchez Villa",
            "F",
            "1978-01-01",
        ),
    ];
    let mut csv = String::from("curp,rfc,given_names,surnames,sex,birth_date,municipality,state,trade,household_size,profile,programmes,joined_on,letter_signed_on\n");
    let mut curps = Vec::new();
    for (i, (stem, given, surnames, sex, born)) in people.iter().enumerate() {
        let curp = registry::Curp::with_check_digit(&format!("{stem}{i}"))
            .unwrap()
            .as_str()
            .to_string();
        csv.push_str(&format!(
            "{curp},,{given},{surnames},{sex},{born},Tepoztlán,Morelos,carpintería,4,micro_entrepreneur,,{joined},{joined}\n"
        ));
        curps.push(curp);
    }
    client
        .execute(
            "document.getElementById('csv').value = arguments[0]",
            vec![serde_json::json!(csv)],
        )
        .await
        .unwrap();
    set_date("import-fecha", today.to_string()).await;
    client
        .find(Locator::Css(
            "form[action$='/socios/importar#import'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "Lucía").await;
    client
        .execute("document.getElementById('import').scrollIntoView()", vec![])
        .await
        .unwrap();
    step("06", "members-imported").await;
    let org = app.store().org_by_slug(slug).await.unwrap();
    assert_eq!(app.store().count_members(org.id).await.unwrap(), 3);

    // 5. The member's business plan, agreed by staff (R-PLAN-1: reporting needs one).
    client
        .goto(&format!("{base}/odf/{slug}/planes"))
        .await
        .unwrap();
    fill("member", curps[0].clone()).await;
    fill("baseline_revenue", "8,000".into()).await;
    fill("baseline_profit", "2,500".into()).await;
    fill("target", "12,000".into()).await;
    set_date("by", (today + chrono::Duration::days(365)).to_string()).await;
    fill("measure", "Comprar una sierra de banco".into()).await;
    // Agreed on paper the day she joined, before the ODF started using Tequio.
    set_date("fecha", joined.to_string()).await;
    submit("plan-form").await;
    wait_until_shown(client.clone(), "plan-ok").await;
    let html = step("07", "plan-agreed").await;
    assert!(html.contains("Lucía Hernández Ruiz"), "names, not ids");

    // 6. The member's account: a slip with the login and the activation code.
    client
        .goto(&format!("{base}/odf/{slug}/cuentas"))
        .await
        .unwrap();
    fill("member", curps[0].clone()).await;
    fill("login", "lucia.hernandez".into()).await;
    submit("account-form").await;
    wait_until_shown(client.clone(), "slip-code").await;
    let html = step("08", "member-slip").await;
    assert!(html.contains("Lucía Hernández Ruiz"));
    let member_code = text_of("slip-code").await;
    sign_out().await;
    wait_path("/entrar".into()).await;

    // 7. The member activates the account with the code, on the phone, and is signed in.
    client.goto(&format!("{base}/activar")).await.unwrap();
    fill("login", "lucia.hernandez".into()).await;
    fill("code", member_code.to_lowercase()).await;
    fill("password", "mi taller de muebles".into()).await;
    fill("password2", "mi taller de muebles".into()).await;
    submit("activate-form").await;
    wait_path("/".into()).await;
    let html = step("09", "member-home").await;
    assert!(html.contains("Unión de Carpinteros de Tepoztlán") && html.contains("Socio"));

    // 8. The member files last month's income report (the month that is over).
    client
        .goto(&format!("{base}/odf/{slug}/reportar"))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "report-form").await;
    fill("f-revenue", "9,750.50".into()).await;
    fill("f-profit", "3,100".into()).await;
    step("10", "report-form").await;
    submit("report-form").await;
    wait_until_shown(client.clone(), "id=\"report-ok\"").await;
    step("11", "report-received").await;
    let member = app.store().member_by_curp(org.id, &curps[0]).await.unwrap();
    let reports = app.member_reports(org.id, member.id).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].revenue.amount_minor(), 975_050, "9,750.50 pesos");
    assert_eq!(reports[0].profit.amount_minor(), 310_000);
    client.close().await.unwrap();
}

/// Every page a person reaches from the menu, with the demo union's slug (the router's GET
/// pages; `{member}` is the member `socio`): the walk below opens each as each role.
const PAGES: [&str; 53] = [
    "/",
    "/cuenta",
    "/reglas",
    "/bitacora",
    "/programa",
    "/activar",
    "/sin-conexion",
    "/pagina-que-no-existe",
    "/odf/alfareros-morelos",
    "/odf/alfareros-morelos/mi-estado",
    "/odf/alfareros-morelos/reportar",
    "/odf/alfareros-morelos/socios",
    "/odf/alfareros-morelos/socios?q=ana",
    "/odf/alfareros-morelos/socios/{member}",
    "/odf/alfareros-morelos/socios/{member}/reporte",
    "/odf/alfareros-morelos/cierre",
    "/odf/alfareros-morelos/fondo",
    "/odf/alfareros-morelos/simulador?amount=15000&rate=18&installments=12&start=2026-01-15",
    "/odf/alfareros-morelos/comercio",
    "/odf/alfareros-morelos/propuestas",
    "/odf/alfareros-morelos/bitacora",
    "/odf/alfareros-morelos/ajustes",
    "/odf/alfareros-morelos/apertura",
    "/odf/alfareros-morelos/planes",
    "/odf/alfareros-morelos/cuentas",
    "/odf/alfareros-morelos/oportunidades",
    "/odf/alfareros-morelos/para-ti",
    "/odf/alfareros-morelos/inventos",
    "/odf/alfareros-morelos/cumplimiento",
    "/odf/alfareros-morelos/resultados",
    "/programa/cumplimiento",
    "/programa/resultados",
    "/programa/proyeccion",
    "/programa/integradoras",
    "/odf/alfareros-morelos/cuotas",
    "/odf/alfareros-morelos/cobranza",
    "/odf/alfareros-morelos/consejo",
    "/odf/alfareros-morelos/socios/{member}/ficha",
    "/odf/alfareros-morelos/socios/{member}/plan",
    "/odf/alfareros-morelos/prestamos",
    "/odf/alfareros-morelos/prestamos/solicitar?amount=15000&installments=12",
    "/odf/alfareros-morelos/prestamos/1",
    "/odf/alfareros-morelos/cartera",
    "/odf/alfareros-morelos/comercio/compras",
    "/odf/alfareros-morelos/comercio/pedir",
    "/odf/alfareros-morelos/comercio/compras/rondas/arcilla-esmalte-2025-03",
    "/odf/alfareros-morelos/comercio/ventas",
    "/odf/alfareros-morelos/comercio/ventas/exportacion-2025-04",
    "/odf/alfareros-morelos/comercio/tiendas",
    // fund-web (issue 18): the Fund's operations.
    "/odf/alfareros-morelos/fondo/gasto",
    "/odf/alfareros-morelos/fondo/pagos",
    "/odf/alfareros-morelos/fondo/aportaciones",
    "/odf/alfareros-morelos/socios/{member}/retiro",
];

/// Words that give away English left on a Spanish page (whole words, case as written).
const ENGLISH_TELLS: [&str; 33] = [
    "Submit", "Cancel", "Member", "Members", "Amount", "Period", "Save", "Loan", "Loans", "Fund",
    "Balance", "the", "Sign", "Search", "Name", "Status", "Date", "Back", "Next", "Delete", "Edit",
    "Vote", "Report", "Revenue", "Profit", "Proposal", "Password", "Home", "created", "null",
    "loan", "lease", "setting",
];

/// What the walk reads of a page: its width, its visible text (without the rule links, the
/// rules page's ids and the link to the other language), and the controls under 44 px.
const READ_PAGE: &str = r#"
const body = document.body.cloneNode(true);
body.querySelectorAll('a.rule, span.rule, .rules dt, a.lang, script, style, input, textarea, select')
    .forEach(e => e.remove());
const small = [...document.querySelectorAll(
    'button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, .menu-button, header nav a, .actions a, td a')]
  .filter(e => e.getClientRects().length > 0)
  .filter(e => e.getBoundingClientRect().height < 43.5)
  .map(e => e.outerHTML.slice(0, 120) + ' ' + Math.round(e.getBoundingClientRect().height) + 'px');
const header = document.querySelector('header');
// What sticks out of the screen, outside a box that scrolls on its own.
const wide = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 360.5
    || (getComputedStyle(e).overflowX === 'visible'
        && e.getBoundingClientRect().left + e.scrollWidth > 360.5))
  .filter(e => !(e.parentElement && e.parentElement.closest('.scroll, .table-scroll')))
  .slice(0, 3)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + 'px ' + (e.textContent || '').trim().slice(0, 60));
return {
  width: document.scrollingElement.scrollWidth,
  text: document.title + '\n' + body.textContent,
  small,
  wide,
  header: header ? Math.round(header.getBoundingClientRect().height) : 0,
};
"#;

/// Issue 17: every page, as each role, on a 360 px phone in Spanish: no sideways scroll, the
/// menu closed in one row, controls at least 44 px high, no catalogue key shown for want of
/// its message, no English word, no rule id in a sentence (R-XXX-n only in the small "regla"
/// links); then in English, no key and no rule id either. A screenshot per page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_as_every_role_on_a_phone_in_spanish() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(300, 12).await;
    common::proposal(&w, "walk").await;
    let base = serve(w.router.clone()).await;
    let shots = screenshots_dir().join("walk");
    std::fs::create_dir_all(&shots).unwrap();
    let member = common::member_of(&w, "socio").await.to_string();
    let keys: std::collections::BTreeSet<String> = {
        let text = include_str!("../messages.toml");
        let v: toml::Value = toml::from_str(text).unwrap();
        let mut keys = std::collections::BTreeSet::new();
        fn collect(v: &toml::Value, keys: &mut std::collections::BTreeSet<String>) {
            if let toml::Value::Table(t) = v {
                for (k, x) in t {
                    match x {
                        toml::Value::String(_) if k.contains('.') => {
                            keys.insert(k.clone());
                        }
                        _ => collect(x, keys),
                    }
                }
            }
        }
        collect(&v, &mut keys);
        keys
    };
    let rule_id = |text: &str| -> Option<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .find(|w| {
                let mut parts = w.split('-');
                parts.next() == Some("R")
                    && parts
                        .next()
                        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase()))
                    && parts
                        .next()
                        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            })
            .map(str::to_string)
    };
    let mut defects = Vec::new();
    let mut walked = 0;
    for (login, lang) in [
        ("", "es"),
        ("personal", "es"),
        ("consejo", "es"),
        ("socio", "es"),
        ("apoyo", "es"),
        ("donante", "es"),
        ("asesor", "es"),
        ("supervisor", "es"),
        ("personal", "en"),
        ("consejo", "en"),
    ] {
        client.goto(&format!("{base}/reglas")).await.unwrap();
        client.delete_all_cookies().await.unwrap();
        // The session and the language as cookies of the page (what signing in would set).
        let mut cookies = vec![format!("lang={lang}; path=/")];
        if !login.is_empty() {
            let b = common::sign_in(&w, login).await;
            cookies.push(format!("{}; path=/", b.cookie));
        }
        for c in cookies {
            client
                .execute("document.cookie = arguments[0]", vec![serde_json::json!(c)])
                .await
                .unwrap();
        }
        for page in PAGES {
            let path = page.replace("{member}", &member);
            client.goto(&format!("{base}{path}")).await.unwrap();
            walked += 1;
            let what = format!(
                "{} {lang} {path}",
                if login.is_empty() { "anonymous" } else { login }
            );
            let shot = what.replace(['/', '?', '&', '=', ' '], "_");
            std::fs::write(
                shots.join(format!("{shot}.png")),
                client.screenshot().await.unwrap(),
            )
            .unwrap();
            // The page's source beside its screenshot, to read what a defect is.
            std::fs::write(
                shots.join(format!("{shot}.html")),
                client.source().await.unwrap(),
            )
            .unwrap();
            let read = client.execute(READ_PAGE, vec![]).await.unwrap();
            let width = read["width"].as_u64().unwrap();
            if width > WIDTH as u64 {
                defects.push(format!("{what}: {width} px wide: {}", read["wide"]));
            }
            let header = read["header"].as_u64().unwrap();
            if header > 56 {
                defects.push(format!("{what}: the closed menu is {header} px high"));
            }
            for s in read["small"].as_array().unwrap() {
                defects.push(format!("{what}: tap target under 44 px: {s}"));
            }
            let text = read["text"].as_str().unwrap();
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_'))
                .map(|w| w.trim_matches('.'))
                .filter(|w| !w.is_empty())
                .collect();
            for k in words.iter().filter(|w| keys.contains(**w)) {
                defects.push(format!("{what}: catalogue key shown: {k}"));
            }
            if let Some(id) = rule_id(text) {
                defects.push(format!("{what}: rule id in a sentence: {id}"));
            }
            if lang == "es" {
                let words: std::collections::BTreeSet<&str> = text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect();
                for tell in ENGLISH_TELLS.iter().filter(|t| words.contains(**t)) {
                    defects.push(format!("{what}: English word: {tell}"));
                }
            }
        }
    }
    assert_eq!(walked, 10 * PAGES.len());
    assert!(
        defects.is_empty(),
        "{} defects:\n{}",
        defects.len(),
        defects.join("\n")
    );
}

/// Issue 16 on a 360 px phone: staff propose a setting change on `/odf/{slug}/ajustes`, the
/// board approves it on the proposals page (R-GOV-1, R-GOV-2), and the settings page shows the
/// new value in force with its history; then the staff of a new ODF upload the example opening
/// position on `/odf/{slug}/apertura` and see its summary (loans and leases included). No
/// sideways scroll on any of them. Screenshots `settings-*.png` and `opening-*.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_approved_by_the_board_and_the_opening_uploaded_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let base = serve(w.router.clone()).await;
    let shots = screenshots_dir();
    let shot = |name: &'static str| {
        let client = client.clone();
        let shots = shots.clone();
        async move {
            std::fs::write(shots.join(name), client.screenshot().await.unwrap()).unwrap();
            no_sideways_scroll(client, name).await;
        }
    };
    let today = common::today_mx();
    let settings = format!("{base}/odf/alfareros-morelos/ajustes");

    // 1. Staff propose 12 % instead of 10 % (R-FUND-1), in force from today.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&settings).await.unwrap();
    wait_until_shown(client.clone(), "id=\"s-contribution_rate\"").await;
    let card = |client: fantoccini::Client| async move {
        client
            .find(Locator::Id("s-contribution_rate"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(card(client.clone()).await.contains("10 %"));
    shot("settings-01-in-force.png").await;
    client
        .find(Locator::Css("#f-key option[value=contribution_rate]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(client.clone(), "f-value", "12 %").await;
    client
        .execute(
            "document.getElementById('f-effective_on').value = arguments[0]",
            vec![serde_json::json!(today.to_string())],
        )
        .await
        .unwrap();
    type_into(client.clone(), "f-purpose", "Fortalecer el Fondo").await;
    client
        .find(Locator::Css("#new button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..50 {
        if client.current_url().await.unwrap().path() == "/odf/alfareros-morelos/propuestas" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fragment = client
        .current_url()
        .await
        .unwrap()
        .fragment()
        .map(str::to_string);
    let proposal = fragment.expect("the proposal's anchor");
    assert!(proposal.starts_with('p'), "{proposal}");
    client.goto(&settings).await.unwrap();
    wait_until_shown(client.clone(), "En votación").await;
    // Until the board decides, 10 % stays in force.
    assert!(card(client.clone()).await.contains("10 %"));
    client
        .execute(
            "document.getElementById('s-contribution_rate').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot("settings-02-being-voted.png").await;

    // 2. Every seat of the board votes for it, and the last closes the vote.
    let roles = w.app.store().roles(w.union.id).await.unwrap();
    let seats = governance::board_seats(&roles, today).len();
    assert!(seats >= 1);
    for i in 0..seats {
        let login = if i == 0 {
            "consejo".to_string()
        } else {
            format!("consejo{}", i + 1)
        };
        sign_in_through_page(&client, &base, &login, DEMO_PASSWORD).await;
        client
            .goto(&format!("{base}/odf/alfareros-morelos/propuestas"))
            .await
            .unwrap();
        client
            .find(Locator::Css(&format!("#{proposal} button[value=for]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_until_shown(client.clone(), "Su voto: A favor").await;
    }
    shot("settings-03-board-voted.png").await;
    client
        .find(Locator::Css(&format!(
            "#{proposal} form[action$='/cerrar'] button"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 3. The settings page shows 12 % in force and its history: proposed, approved, from today.
    client.goto(&settings).await.unwrap();
    wait_until_shown(client.clone(), "id=\"s-contribution_rate\"").await;
    let text = card(client.clone()).await;
    assert!(text.contains("12 %"), "{text}");
    assert!(text.contains("aprobado el"), "the history: {text}");
    assert!(!client.source().await.unwrap().contains("En votación"));
    client
        .execute(
            "document.getElementById('s-contribution_rate').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot("settings-04-approved.png").await;

    // 4. A new ODF founded 2025-01-01 with the example's three members and its staff account.
    let file_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/opening-position.csv")
        .canonicalize()
        .unwrap();
    let example = std::fs::read_to_string(&file_path).unwrap();
    let mut curps: Vec<&str> = example
        .lines()
        .filter_map(|l| l.split(',').nth(2))
        .filter(|c| c.len() == 18)
        .collect();
    curps.sort_unstable();
    curps.dedup();
    let mut csv = String::from("curp,rfc,given_names,surnames,sex,birth_date,municipality,state,trade,household_size,profile,programmes,joined_on,letter_signed_on\n");
    for (i, curp) in curps.iter().enumerate() {
        csv.push_str(&format!(
            "{curp},,Socia {i},Gómez López,F,1980-01-01,Tlayacapan,Morelos,alfarería,4,micro_producer,,2025-01-15,2025-01-15\n"
        ));
    }
    let members = registry::import::parse_members_csv(&csv, today).unwrap();
    let org = w
        .app
        .store()
        .create_org(&store::NewOrg {
            slug: "alfareras-tlayacapan".into(),
            name: "Alfareras de Tlayacapan".into(),
            group_name: "Grupo de Alfareras".into(),
            state: "Morelos".into(),
            municipality: "Tlayacapan".into(),
            trade: "alfarería".into(),
            founded_on: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            currency: ledger::Currency::MXN,
            dues_amount_minor: 15_000,
            dues_period_months: 1,
        })
        .await
        .unwrap();
    w.app
        .store()
        .import_members(org.id, &members, &[])
        .await
        .unwrap();
    w.app
        .create_user(
            app::access_cases::NewUser {
                login: "gerente.tlayacapan".into(),
                display_name: "Gerenta de Tlayacapan".into(),
                password: "barro rojo de la sierra".into(),
                supervisor: false,
                grants: vec![app::access_cases::Grant {
                    org_id: org.id,
                    role: app::access_cases::OrgRole::Staff,
                    member_id: None,
                }],
            },
            "test",
            "test",
            chrono::Utc::now(),
        )
        .await
        .unwrap();

    // 5. Staff upload the example file and see the summary.
    sign_in_through_page(
        &client,
        &base,
        "gerente.tlayacapan",
        "barro rojo de la sierra",
    )
    .await;
    client
        .goto(&format!("{base}/odf/alfareras-tlayacapan/apertura"))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"f-file\"").await;
    shot("opening-01-empty.png").await;
    client
        .find(Locator::Id("f-file"))
        .await
        .unwrap()
        .send_keys(file_path.to_str().unwrap())
        .await
        .unwrap();
    client
        .find(Locator::Css("#import button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "Saldos iniciales importados.").await;
    let summary = client.source().await.unwrap();
    for expected in [
        "<dt>Saldos al</dt><dd>30 jun 2026</dd>",
        "<dt>Préstamos que se están pagando (cuotas por vencer)</dt><dd>1 (3)</dd>",
        "<dt>Arrendamientos (rentas por vencer)</dt><dd>1 (4)</dd>",
        "<dt>Cuotas adeudadas</dt><dd>3</dd>",
    ] {
        assert!(summary.contains(expected), "{expected} not in\n{summary}");
    }
    client
        .execute(
            "document.querySelector('dl.figures div:last-child').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot("opening-02-imported.png").await;
    let out = w.app.opening(org.id).await.unwrap().unwrap();
    assert_eq!(
        (out.loans, out.installments, out.leases, out.rents),
        (1, 3, 1, 4)
    );
    client.close().await.unwrap();
}

/// Issue 17: staff on a phone find a member by a name typed without accents, give them a seat
/// on the financing committee from their record, record their leave (reviewed on a
/// confirmation page first), and see the board and committees and a business plan; a
/// screenshot per step (`members-NN-*.png`) and no sideways scroll at 360 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_record_a_leave_and_give_a_committee_seat_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let base = serve(w.router.clone()).await;
    let shots = screenshots_dir();
    let o = format!("{base}/odf/alfareros-morelos");
    let step = |n: &'static str, what: &'static str| {
        let client = client.clone();
        let shots = shots.clone();
        async move {
            let html = client.source().await.unwrap();
            assert!(html.contains("lang=\"es-MX\""), "{what}: in Spanish");
            std::fs::write(
                shots.join(format!("members-{n}-{what}.png")),
                client.screenshot().await.unwrap(),
            )
            .unwrap();
            no_sideways_scroll(client, what).await;
            html
        }
    };
    let submit = |css: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(css))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };
    // Sign in as staff.
    client.goto(&format!("{base}/entrar")).await.unwrap();
    type_into(client.clone(), "login", "personal").await;
    type_into(client.clone(), "password", DEMO_PASSWORD).await;
    submit("form.form button[type=submit]").await;
    wait_until_shown(client.clone(), "/odf/alfareros-morelos").await;

    // The member to work with: the last one registered; searched without accents.
    let m = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1000))
        .await
        .unwrap()
        .pop()
        .unwrap();
    let name = format!("{} {}", m.data.given_names, m.data.surnames);
    let plain: String = m
        .data
        .surnames
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .collect();
    client
        .goto(&format!("{o}/socios?q={}", common::urlencode(&plain)))
        .await
        .unwrap();
    let html = step("01", "search").await;
    assert!(
        html.contains(&name) && html.contains("id=\"member-total\""),
        "{plain}"
    );

    client
        .goto(&format!("{o}/socios/{}/ficha", m.id))
        .await
        .unwrap();
    step("02", "record").await;
    // A seat on the financing committee, from the member's record.
    client
        .execute(
            "document.getElementById('role').value = 'specialised_committee:financing'",
            vec![],
        )
        .await
        .unwrap();
    submit("#give-role-form button[type=submit]").await;
    // The record again, now listing the seat (not only the form's option).
    wait_until_shown(client.clone(), "<strong>Comité de financiamiento</strong>").await;
    step("03", "seat-given").await;

    // The leave: reviewed on a confirmation page, recorded only after confirming.
    type_into(client.clone(), "leave-reason", "Se mudó a Puebla").await;
    submit("#leave-form button[type=submit]").await;
    wait_until_shown(client.clone(), "¿Registrar esta baja?").await;
    let html = step("04", "leave-confirm").await;
    assert!(html.contains(&name) && html.contains("Se mudó a Puebla"));
    assert_eq!(
        w.app
            .store()
            .member(w.union.id, m.id)
            .await
            .unwrap()
            .left_on,
        None
    );
    submit("#confirm-submit").await;
    wait_until_shown(client.clone(), "Se dio de baja el").await;
    step("05", "left").await;
    let left = w.app.store().member(w.union.id, m.id).await.unwrap();
    assert_eq!(left.leave_reason.as_deref(), Some("Se mudó a Puebla"));
    assert!(w
        .app
        .store()
        .roles(w.union.id)
        .await
        .unwrap()
        .iter()
        .any(|r| r.member_id == Some(m.id)
            && r.role == registry::Role::SpecialisedCommittee(registry::Committee::Financing)));

    // The board and committees, with names.
    client.goto(&format!("{o}/consejo")).await.unwrap();
    let html = step("06", "board").await;
    assert!(
        html.contains("Consejo de Administración") && html.contains("Comité de financiamiento")
    );
    assert!(html.contains(&name));

    // A business plan and the plans page with the review section.
    let plan = w.app.plans(w.union.id).await.unwrap().remove(0);
    client
        .goto(&format!("{o}/planes/{}", plan.id))
        .await
        .unwrap();
    step("07", "plan").await;
    client.goto(&format!("{o}/planes")).await.unwrap();
    let html = step("08", "plans").await;
    assert!(html.contains("Planes por revisar"));
}

// ---------------------------------------------------------------- issue 19: the support system

/// R-INFO-1, R-INNO-1, R-SUP-1, R-SUP-2 on a phone: staff publish an opportunity for the
/// member's trade and the member sees it "para ti" and marks interest (staff then see their
/// name); the member registers an invention and a member of the innovation committee reviews
/// it with a confidential note and advances it (staff do not see the note); a supervisor reads
/// the compliance page, the programme's ranking and a projection of seed 002's scenario. A
/// screenshot of each step, no sideways scroll at 360 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sized_opportunity_interest_invention_review_compliance_and_projection() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let base = serve(w.router.clone()).await;
    let org = w.union.id;
    let socio = common::member_of(&w, "socio").await;
    let me = w.app.store().member(org, socio).await.unwrap();
    let my_name = format!("{} {}", me.data.given_names, me.data.surnames);
    // A member of the innovation committee with an account of their own.
    let today = common::today_mx();
    let committee = w
        .app
        .store()
        .roles(org)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.role == registry::Role::InnovationCommittee && r.until.is_none())
        .filter_map(|r| r.member_id)
        .find(|m| *m != socio)
        .expect("the demo union has an innovation committee");
    const PASSWORD: &str = "barro rojo de tlayacapan";
    w.app
        .create_user(
            app::access_cases::NewUser {
                login: "comite".into(),
                display_name: "Comité de innovación".into(),
                password: PASSWORD.into(),
                supervisor: false,
                grants: vec![app::access_cases::Grant {
                    org_id: org,
                    role: app::access_cases::OrgRole::Member,
                    member_id: Some(committee),
                }],
            },
            "test",
            "test",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let o = format!("{base}/odf/alfareros-morelos");
    let wait_for = |needle: String| {
        let client = client.clone();
        async move { wait_until_shown(client, &needle).await }
    };
    let scroll = |what: &'static str| no_sideways_scroll(client.clone(), what);

    // 1. Staff publish a buyer looking for the member's trade; the member sees it and marks
    //    interest.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&format!("{o}/oportunidades")).await.unwrap();
    let deadline = (today + chrono::Days::new(20))
        .format("%Y-%m-%d")
        .to_string();
    client
        .find(Locator::Css("#kind option[value=buyer]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(
        client.clone(),
        "title",
        "Hotel en Cuernavaca busca cazuelas",
    )
    .await;
    type_into(client.clone(), "description", "500 piezas para marzo").await;
    client
        .execute(
            "document.getElementById('deadline').value = arguments[0]",
            vec![serde_json::json!(deadline)],
        )
        .await
        .unwrap();
    type_into(client.clone(), "trades", &me.data.trade).await;
    shot(&client, "support-01-publish-360.png").await;
    scroll("publish form").await;
    click(&client, "#publish-form button[type=submit]").await;
    wait_for("id=\"matched\"".into()).await;
    assert!(
        client.source().await.unwrap().contains(&my_name),
        "matched by name"
    );
    shot(&client, "support-02-audience-360.png").await;

    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client.goto(&format!("{o}/para-ti")).await.unwrap();
    wait_for("Hotel en Cuernavaca busca cazuelas".into()).await;
    shot(&client, "support-03-para-ti-360.png").await;
    scroll("para ti").await;
    click(&client, "button.interest").await;
    wait_for("class=\"ok interested\"".into()).await;
    shot(&client, "support-04-interested-360.png").await;

    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client
        .goto(&format!("{o}/oportunidades/odf/1"))
        .await
        .unwrap();
    let html = client.source().await.unwrap();
    let interested = html.split("id=\"interested\"").nth(1).unwrap_or("");
    assert!(
        interested
            .split("</ul>")
            .next()
            .unwrap_or("")
            .contains(&my_name),
        "staff see who is interested"
    );
    shot(&client, "support-05-who-is-interested-360.png").await;
    scroll("audience").await;

    // 2. The member registers an invention; the committee reviews and advances it.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client.goto(&format!("{o}/inventos")).await.unwrap();
    type_into(client.clone(), "title", "Horno de leña ahorrador").await;
    type_into(client.clone(), "description", "Usa la mitad de leña").await;
    shot(&client, "support-06-register-invention-360.png").await;
    scroll("invention form").await;
    click(&client, "#invention-form button[type=submit]").await;
    wait_for("id=\"stage\"".into()).await;
    let invention_url = client.current_url().await.unwrap().to_string();
    assert!(client.source().await.unwrap().contains(&my_name));
    shot(&client, "support-07-invention-360.png").await;

    sign_in_through_page(&client, &base, "comite", PASSWORD).await;
    client.goto(&invention_url).await.unwrap();
    for c in [
        "secrecy",
        "originality",
        "excellence",
        "authenticity",
        "market_needs",
    ] {
        click(&client, &format!("#c-{c}")).await;
    }
    type_into(
        client.clone(),
        "notes",
        "Prototipo viable; cuidar el secreto",
    )
    .await;
    shot(&client, "support-08-review-form-360.png").await;
    scroll("review form").await;
    click(&client, "#review-form button[type=submit]").await;
    wait_for("Prototipo viable; cuidar el secreto".into()).await;
    shot(&client, "support-09-reviewed-360.png").await;
    click(&client, "#advance-form button[type=submit]").await;
    wait_for("id=\"stage\">Prototipo".into()).await;
    shot(&client, "support-10-advanced-360.png").await;
    scroll("invention").await;

    // Staff read the registry without the note (R-INNO-1).
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&invention_url).await.unwrap();
    wait_for("id=\"notes-confidential\"".into()).await;
    assert!(!client
        .source()
        .await
        .unwrap()
        .contains("Prototipo viable; cuidar el secreto"));

    // 3. A supervisor reads the ODF's compliance, the ranking and a projection.
    sign_in_through_page(&client, &base, "supervisor", DEMO_PASSWORD).await;
    client.goto(&format!("{o}/cumplimiento")).await.unwrap();
    wait_for("id=\"compliance\"".into()).await;
    let html = client.source().await.unwrap();
    assert_eq!(
        html.split("id=\"compliance\"")
            .nth(1)
            .unwrap()
            .matches("<tr>")
            .count(),
        1 + 9,
        "a header and one row per check"
    );
    assert!(html.contains("Los libros cuadran") && !html.contains("R-SUP"));
    shot(&client, "support-11-compliance-360.png").await;
    scroll("compliance").await;
    client
        .goto(&format!("{base}/programa/cumplimiento"))
        .await
        .unwrap();
    wait_for("id=\"ranking\"".into()).await;
    shot(&client, "support-12-ranking-360.png").await;
    scroll("ranking").await;
    client
        .goto(&format!("{base}/programa/proyeccion"))
        .await
        .unwrap();
    shot(&client, "support-13-projection-form-360.png").await;
    click(&client, "#scenario-form button[type=submit]").await;
    wait_for("id=\"side-by-side\"".into()).await;
    let html = client.source().await.unwrap();
    assert!(html.contains("Programa Global 2001 (semilla 002)"));
    assert!(html.matches("<svg").count() >= 3, "Fund, lines, exposure");
    client
        .execute(
            "document.querySelector('section.scenario').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot(&client, "support-14-projection-360.png").await;
    scroll("projection").await;
    assert_eq!(w.app.scenarios().await.unwrap().len(), 1);
    // Outcomes cut by target programme, and the 1997 integradoras table.
    client
        .goto(&format!("{o}/resultados?por=programa"))
        .await
        .unwrap();
    wait_for("id=\"outcomes\"".into()).await;
    shot(&client, "support-15-outcomes-360.png").await;
    scroll("outcomes").await;
    client
        .goto(&format!("{base}/programa/integradoras"))
        .await
        .unwrap();
    wait_for("id=\"integradoras\"".into()).await;
    shot(&client, "support-16-integradoras-360.png").await;
    scroll("integradoras").await;
}

// ---------------------------------------------------------------- issue 17: dues and the sheet

/// The page's print styles hide the header (the menu), forms and `.noprint` (the buttons).
async fn print_hides_navigation_and_buttons(client: &fantoccini::Client, what: &str) {
    let hidden = client
        .execute(
            "const out = [];
             for (const sheet of document.styleSheets) {
               for (const rule of sheet.cssRules) {
                 if (rule.media && rule.media.mediaText.includes('print')) {
                   for (const r of rule.cssRules) {
                     if (r.style && r.style.display === 'none') { out.push(r.selectorText); }
                   }
                 }
               }
             }
             const buttons = [...document.querySelectorAll('main button')]
               .filter(b => !b.closest('form') && !b.closest('.noprint')).length;
             return [out.join(','), buttons];",
            vec![],
        )
        .await
        .unwrap();
    let selectors = hidden[0].as_str().unwrap().to_string();
    for s in ["header", ".noprint", "form"] {
        assert!(
            selectors.split(',').any(|x| x.trim() == s),
            "{what}: print does not hide {s}: {selectors}"
        );
    }
    assert_eq!(hidden[1].as_u64(), Some(0), "{what}: a button prints");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_charge_a_months_dues_and_print_a_receipt_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let base = serve(w.router.clone()).await;
    let month = common::today_mx().format("%Y-%m").to_string();
    let before = w
        .app
        .dues_arrears(w.union.id, common::today_mx())
        .await
        .unwrap();
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    // From the ODF's page, the menu leads staff to dues (on a phone the menu opens first).
    client
        .goto(&format!("{base}/odf/alfareros-morelos"))
        .await
        .unwrap();
    client
        .find(Locator::Css("label.menu-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("header nav a[href$='/cuotas']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"charge-form\"").await;
    shot_and_check(&client, "dues-01-page-360.png").await;
    client
        .execute(
            "document.getElementById('periodo').value = arguments[0]",
            vec![serde_json::json!(month)],
        )
        .await
        .unwrap();
    client
        .find(Locator::Css("#charge-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"dues-ok\"").await;
    let html = client.source().await.unwrap();
    // Every active member is charged the month's 50.00 (the demo union's dues), once.
    let charged = w
        .app
        .dues_arrears(w.union.id, common::today_mx())
        .await
        .unwrap();
    let members = w
        .app
        .collection_sheet(w.union.id, common::today_mx(), None)
        .await
        .unwrap()
        .rows
        .len() as i64;
    assert_eq!(charged.total_minor - before.total_minor, 5_000 * members);
    let expected = format!(
        "Se cargó la cuota de {} ($50.00) a {members} socios",
        common::month_label_es(&month)
    );
    assert!(html.contains(&expected), "{expected}: {html}");
    shot_and_check(&client, "dues-02-charged-360.png").await;
    print_hides_navigation_and_buttons(&client, "dues").await;
    // Charging the same month again changes nothing and says so.
    client
        .execute(
            "document.getElementById('periodo').value = arguments[0]",
            vec![serde_json::json!(month)],
        )
        .await
        .unwrap();
    client
        .find(Locator::Css("#charge-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "ya estaba cargada").await;
    assert_eq!(
        w.app
            .dues_arrears(w.union.id, common::today_mx())
            .await
            .unwrap()
            .total_minor,
        charged.total_minor
    );
    // A payment: a decimal comma is refused, then 50.00 gives a printable receipt.
    type_into(client.clone(), "importe", "50,00").await;
    client
        .find(Locator::Css("#pay-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"dues-err\"").await;
    shot_and_check(&client, "dues-03-refused-360.png").await;
    type_into(client.clone(), "importe", "50.00").await;
    client
        .find(Locator::Css("#pay-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"receipt-number\"").await;
    let html = client.source().await.unwrap();
    assert!(
        html.contains("Recibo de pago de cuota") && html.contains("$50.00"),
        "{html}"
    );
    assert!(html.contains(&w.union.data.name), "the ODF's name");
    shot_and_check(&client, "dues-04-receipt-360.png").await;
    print_hides_navigation_and_buttons(&client, "receipt").await;
    assert_eq!(
        w.app
            .dues_arrears(w.union.id, common::today_mx())
            .await
            .unwrap()
            .total_minor,
        charged.total_minor - 5_000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_run_a_meeting_with_the_collection_sheet_paying_ten_members_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let today = common::today_mx();
    let month = today.format("%Y-%m").to_string();
    w.app
        .charge_dues_period(w.union.id, &month, today, &app::Actor::cli())
        .await
        .unwrap();
    let sheet = w
        .app
        .collection_sheet(w.union.id, today, None)
        .await
        .unwrap();
    let payers: Vec<(i64, String)> = sheet
        .rows
        .iter()
        .filter(|r| r.dues_minor >= 5_000)
        .take(10)
        .map(|r| (r.member_id, r.name.clone()))
        .collect();
    assert_eq!(payers.len(), 10);
    let owed = |id: i64| {
        let app = w.app.clone();
        let org = w.union.id;
        async move { app.dues_arrears_minor(org, id).await.unwrap() }
    };
    let mut before = Vec::new();
    for (id, _) in &payers {
        before.push(owed(*id).await);
    }
    let base = serve(w.router.clone()).await;
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/cobranza"))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"collect-form\"").await;
    let html = client.source().await.unwrap();
    assert!(html.contains("Hoja de cobranza") && html.contains(&payers[0].1));
    shot_and_check(&client, "sheet-01-open-360.png").await;
    print_hides_navigation_and_buttons(&client, "sheet").await;
    // 50.00 of dues from each of ten members; the fourth typed with a decimal comma first.
    let box_of = |id: i64| format!("input[name='d{id}']");
    for (i, (id, _)) in payers.iter().enumerate() {
        let e = client.find(Locator::Css(&box_of(*id))).await.unwrap();
        e.send_keys(if i == 3 { "50,00" } else { "50.00" })
            .await
            .unwrap();
    }
    client
        .find(Locator::Id("collect-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"sheet-err\"").await;
    let html = client.source().await.unwrap();
    // The refusal names the member and the field, and nothing was saved.
    assert!(
        html.contains(&format!("{} — Cuota", payers[3].1)),
        "the member and the field are named: {html}"
    );
    for (k, (id, _)) in payers.iter().enumerate() {
        assert_eq!(owed(*id).await, before[k], "nothing saved");
    }
    shot_and_check(&client, "sheet-02-refused-360.png").await;
    // The refusal links to the member's card, where the box is marked.
    client
        .find(Locator::Css(&format!(
            "#sheet-err a[href='#m{}']",
            payers[3].0
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let marked = client
        .find(Locator::Css(&format!(
            "#m{} input[aria-invalid=true]",
            payers[3].0
        )))
        .await
        .unwrap();
    assert_eq!(
        marked.attr("name").await.unwrap().as_deref(),
        Some(format!("d{}", payers[3].0).as_str())
    );
    shot_and_check(&client, "sheet-02b-card-360.png").await;
    // What was typed is still there; correct the one box and save.
    let e = client
        .find(Locator::Css(&box_of(payers[3].0)))
        .await
        .unwrap();
    e.clear().await.unwrap();
    e.send_keys("50.00").await.unwrap();
    let sent = client
        .execute(
            "return new URLSearchParams(new FormData(document.getElementById('collect-form'))).toString()",
            vec![],
        )
        .await
        .unwrap();
    client
        .find(Locator::Id("collect-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"sheet-ok\"").await;
    let html = client.source().await.unwrap();
    assert!(
        html.contains("Cobranza guardada: 10 socios pagaron $500.00"),
        "{html}"
    );
    for (k, (id, _)) in payers.iter().enumerate() {
        assert_eq!(owed(*id).await, before[k] - 5_000, "paid once");
    }
    shot_and_check(&client, "sheet-03-saved-360.png").await;
    // The same form sent again (a double tap, a reload) is recorded once.
    let again = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(location.pathname, {method: 'POST', body: new URLSearchParams(arguments[0]),
               headers: {'Content-Type': 'application/x-www-form-urlencoded'}})
               .then(r => r.text()).then(done);",
            vec![sent],
        )
        .await
        .unwrap();
    assert!(
        again.as_str().unwrap().contains("ya se había guardado"),
        "{again}"
    );
    for (k, (id, _)) in payers.iter().enumerate() {
        assert_eq!(owed(*id).await, before[k] - 5_000, "not paid twice");
    }
}
