//! Headless Chromium (Debian's `chromium` and `chromium-driver`) driving the real server on
//! 127.0.0.1 in a phone-sized window: a member signs in and reads their statement, a board
//! member votes a proposal, a support-committee member is offered no vote and a forged vote
//! from their page is refused, a member reports this month's income (a refused figure first),
//! staff close a period from its preview; and (issue 16) a fresh production database from its
//! set-up code to a member's first income report. Screenshots go to
//! `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use chrono::Datelike;
use fantoccini::{ClientBuilder, Locator};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const WIDTH: u32 = 360;
const HEIGHT: u32 = 780;

fn find_binary(names: &[&str]) -> Option<String> {
    for name in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = format!("{dir}/{name}");
            if std::path::Path::new(&p).exists() {
                return Some(p);
            }
        }
    }
    None
}

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port} within 10 s");
}

fn screenshots_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Headless Chromium through chromedriver, in a phone-sized viewport; `None` (skip) only when
/// chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set. One browser at a
/// time: the tests of this file take turns.
async fn chrome() -> Option<(
    tokio::sync::MutexGuard<'static, ()>,
    Driver,
    fantoccini::Client,
)> {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let turn = ONE_AT_A_TIME.lock().await;
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some();
    let Some(chromedriver) = find_binary(&["chromedriver"]) else {
        if required {
            panic!("chromedriver is missing (apt-get install chromium chromium-driver; see scripts/system-deps)");
        }
        eprintln!("skipped: chromedriver is missing");
        return None;
    };
    let chromium = find_binary(&["chromium", "chromium-browser", "chrome"])
        .expect("chromium is installed with chromium-driver");
    let port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    wait_for_port(port).await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", format!("--window-size={WIDTH},{HEIGHT}")],
            // Chromium's windows are at least 500 px wide: emulate the phone's viewport.
            "mobileEmulation": {"deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0, "touch": true}},
        }),
    );
    let client = tokio::time::timeout(
        Duration::from_secs(60),
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .expect("a browser session within 60 s")
    .expect("chromedriver accepts the session");
    Some((turn, driver, client))
}

/// Fails when the page is wider than the phone (sideways scroll).
async fn no_sideways_scroll(client: fantoccini::Client, what: &str) {
    let width = client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    let width = width.as_u64().unwrap();
    assert!(
        width <= WIDTH as u64,
        "{what}: the page is {width} px wide on a {WIDTH} px screen"
    );
}

/// Waits (at most 5 s) until the page's source contains `needle`.
async fn wait_until_shown(client: fantoccini::Client, needle: &str) {
    for _ in 0..50 {
        if client.source().await.unwrap().contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("'{needle}' not shown: {}", client.source().await.unwrap());
}

/// Clears the field with this id and types `value` into it.
async fn type_into(client: fantoccini::Client, id: &str, value: &str) {
    let e = client.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

/// Serves `router` on a free loopback port; answers its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

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
        async move {
            client.delete_all_cookies().await.ok();
            client.goto(&format!("{base}/entrar")).await.unwrap();
            client
                .find(Locator::Id("login"))
                .await
                .unwrap()
                .send_keys(login)
                .await
                .unwrap();
            client
                .find(Locator::Id("password"))
                .await
                .unwrap()
                .send_keys(DEMO_PASSWORD)
                .await
                .unwrap();
            client
                .find(Locator::Css("form.form button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            // Wait (bounded) for the redirect to the home page.
            for _ in 0..50 {
                if client.current_url().await.unwrap().path() == "/" {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!(
                "{login} did not get signed in: {}",
                client.source().await.unwrap()
            );
        }
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
        first_row.find("ballot.cast").is_some_and(|at| at < 600),
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

// ---------------------------------------------------------------- issue 17: dues and the sheet

/// Signs `login` in through the form and waits for the home page.
async fn sign_in_as(client: &fantoccini::Client, base: &str, login: &str) {
    client.delete_all_cookies().await.ok();
    client.goto(&format!("{base}/entrar")).await.unwrap();
    type_into(client.clone(), "login", login).await;
    type_into(client.clone(), "password", DEMO_PASSWORD).await;
    client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..50 {
        if client.current_url().await.unwrap().path() == "/" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{login} was not signed in: {}",
        client.source().await.unwrap()
    );
}

/// Saves a screenshot of the page as `name` and checks it has no sideways scroll.
async fn shot(client: &fantoccini::Client, name: &str) {
    std::fs::write(
        screenshots_dir().join(name),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_sideways_scroll(client.clone(), name).await;
}

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
    sign_in_as(&client, &base, "personal").await;
    // From the ODF's page, the menu leads staff to dues.
    client
        .goto(&format!("{base}/odf/alfareros-morelos"))
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
    shot(&client, "dues-01-page-360.png").await;
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
    shot(&client, "dues-02-charged-360.png").await;
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
    shot(&client, "dues-03-refused-360.png").await;
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
    shot(&client, "dues-04-receipt-360.png").await;
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
    sign_in_as(&client, &base, "personal").await;
    client
        .goto(&format!("{base}/odf/alfareros-morelos/cobranza"))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"collect-form\"").await;
    let html = client.source().await.unwrap();
    assert!(html.contains("Hoja de cobranza") && html.contains(&payers[0].1));
    shot(&client, "sheet-01-open-360.png").await;
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
    shot(&client, "sheet-02-refused-360.png").await;
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
    shot(&client, "sheet-02b-card-360.png").await;
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
    shot(&client, "sheet-03-saved-360.png").await;
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
