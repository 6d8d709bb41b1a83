//! Headless Chromium (Debian's `chromium` and `chromium-driver`) driving the real server on
//! 127.0.0.1 in a phone-sized window: a member signs in and reads their statement, a board
//! member votes a proposal, a support-committee member is offered no vote and a forged vote
//! from their page is refused, a member reports this month's income (a refused figure first),
//! staff close a period from its preview. Screenshots go to `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sized_member_statement_board_vote_and_refused_support_committee_vote() {
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some();
    let Some(chromedriver) = find_binary(&["chromedriver"]) else {
        if required {
            panic!("chromedriver is missing (apt-get install chromium chromium-driver; see scripts/system-deps)");
        }
        eprintln!("skipped: chromedriver is missing");
        return;
    };
    let chromium = find_binary(&["chromium", "chromium-browser", "chrome"])
        .expect("chromium is installed with chromium-driver");

    // The real server on loopback.
    // Big enough for the demo's credit line, loans, leases and trade (300 members).
    let w = common::world_sized(300, 12).await;
    let proposal_id = common::proposal(&w, "browser").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = w.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let base = format!("http://{addr}");

    let port = free_port();
    let _driver = Driver(
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
    let no_horizontal_scroll = |what: &'static str| {
        let client = client.clone();
        async move {
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
    };

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
    let wait_for = |needle: &'static str| {
        let client = client.clone();
        async move {
            for _ in 0..50 {
                if client.source().await.unwrap().contains(needle) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("'{needle}' not shown: {}", client.source().await.unwrap());
        }
    };
    wait_for("report-form").await;
    let fill = |id: &'static str, value: &'static str| {
        let client = client.clone();
        async move {
            let e = client.find(Locator::Id(id)).await.unwrap();
            e.clear().await.unwrap();
            e.send_keys(value).await.unwrap();
        }
    };
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
