//! Issue 20 in headless Chromium at 360 px: working without a signal. The server runs in this
//! process on a fixed loopback port (127.0.0.1 is a secure context, so the service worker
//! runs over http); "no signal" is the server stopped, and the signal coming back is the
//! server started again on the same port. The four flows of the "Done when":
//!
//! - a member files two periods' reports with no signal, sees them waiting (also on their
//!   statement, opened from the phone's copy), and once the server is back they arrive once
//!   each and the statement shows them (R-PLAN-2);
//! - staff download a meeting's collection sheet, collect from 20 members with no signal, and
//!   when the signal returns every payment is booked once and the books check passes;
//! - two tabs send the same queue of 100 entries at once: each is recorded once (the sync time
//!   of the 100 is printed, not asserted);
//! - on a shared phone a second person sees none of the first person's pages or queue, and
//!   their session never sends the first person's entries; signing out warns how many entries
//!   would be lost and clears the person's kept pages and queue.
//!
//! Screenshots `offline-NN-*.png`; no sideways scroll. Skips only when chromedriver is missing
//! and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;
use fantoccini::Locator;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const SLUG: &str = "alfareros-morelos";

/// The server on a fixed port, stopped and started again to cut and give back the signal.
struct Server {
    router: axum::Router,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    async fn start(router: axum::Router, port: u16) -> Server {
        let mut s = Server {
            router,
            port,
            stop: None,
            task: None,
        };
        s.up().await;
        s
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn up(&mut self) {
        let mut listener = None;
        for _ in 0..100 {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let listener = listener.expect("the port is free again within 10 s");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = self.router.clone();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        }));
    }

    /// No signal: the server stops listening and closes its connections.
    async fn down(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                panic!("the server did not stop within 10 s");
            }
        }
    }
}

async fn js(client: &fantoccini::Client, script: &str) -> serde_json::Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Waits (at most `secs`) until the script returns true.
async fn until(client: &fantoccini::Client, script: &str, secs: u64, what: &str) {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if js(client, script).await == serde_json::json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = js(
        client,
        "var o = document.getElementById('offline'); return location.href + ' | ' + \
         (o ? o.hidden + ' ' + o.innerHTML : 'no panel') + ' | ' + \
         [...document.querySelectorAll('[role=status], [role=alert], .err')].map(e => e.textContent).join(' / ')",
    )
    .await;
    panic!("{what}: not within {secs} s; the page: {state}");
}

/// How many entries the page says are waiting (`-1`: the panel does not show a count).
const WAITING: &str = "var c = document.getElementById('offline-count'); \
     return c ? Number(c.getAttribute('data-count')) : -1;";

/// A script true when the page says `n` entries wait.
fn waiting_is(n: i64) -> String {
    format!(
        "var c = document.getElementById('offline-count'); \
         return !!c && Number(c.getAttribute('data-count')) === {n};"
    )
}

async fn waiting(client: &fantoccini::Client) -> i64 {
    js(client, WAITING).await.as_i64().unwrap()
}

/// Opens `url` until the service worker controls the page and the page came through it, so
/// that the worker has kept it.
async fn open_controlled(client: &fantoccini::Client, url: &str) {
    const READY: &str = "var o = document.getElementById('offline'); \
         return !!o && o.getAttribute('data-ready') === '1';";
    client.goto(url).await.unwrap();
    until(
        client,
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)",
        15,
        "the service worker controls the page",
    )
    .await;
    // The page has read (and perhaps sent) the queue before it is left.
    until(client, READY, 15, "the page's queue read").await;
    client.goto(url).await.unwrap();
    until(client, READY, 15, "the page's queue read").await;
    // The worker keeps the page after answering it: wait until it is in a person's cache.
    let path = js(client, "return location.pathname").await;
    let script = format!(
        "var done = arguments[arguments.length - 1]; caches.keys().then(function (names) {{ \
           return Promise.all(names.filter(function (n) {{ return n.indexOf('tequio-user-') === 0; }}) \
             .map(function (n) {{ return caches.open(n).then(function (c) {{ return c.keys(); }}); }})); \
         }}).then(function (lists) {{ done([].concat.apply([], lists).some(function (r) {{ \
           return new URL(r.url).pathname === {path}; }})); }});"
    );
    for _ in 0..50 {
        if client.execute_async(&script, vec![]).await.unwrap() == serde_json::json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} was not kept by the service worker");
}

async fn user_caches(client: &fantoccini::Client) -> Vec<String> {
    let v = client
        .execute_async(
            "var done = arguments[arguments.length - 1]; caches.keys().then(function (n) { \
               done(n.filter(function (x) { return x.indexOf('tequio-user-') === 0; })); });",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn person_of(html: &str) -> String {
    html.split("<meta name=\"tequio-person\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// `YYYY-MM` of the month `months` before the last month that is over.
fn month_before_last(months: i32) -> String {
    let last = common::last_month();
    let (y, m) = last.split_once('-').unwrap();
    common::month_key(y.parse().unwrap(), m.parse().unwrap(), -months)
}

async fn fill_report(client: &fantoccini::Client, period: &str, revenue: &str, profit: &str) {
    js(
        client,
        &format!("document.getElementById('f-period').value = '{period}'; return true;"),
    )
    .await;
    type_into(client.clone(), "f-revenue", revenue).await;
    type_into(client.clone(), "f-profit", profit).await;
    click(client, "#report-form button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_reports_two_periods_with_no_signal_and_they_arrive_once_each() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let mut server = Server::start(w.router.clone(), free_port()).await;
    let base = server.base();
    let odf = format!("{base}/odf/{SLUG}");
    let me = common::member_of(&w, "socio").await;
    let periods = [month_before_last(0), month_before_last(1)];
    let filed = |p: &str| {
        let app = w.app.clone();
        let org = w.union.id;
        let p = p.to_string();
        async move {
            app.member_reports(org, me)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.period.to_string() == p)
                .count()
        }
    };
    for p in &periods {
        assert_eq!(filed(p).await, 0, "{p} is not reported yet");
    }

    // 1. The member signs in and opens their report form and statement with a signal.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    open_controlled(&client, &format!("{odf}/socios/{me}")).await;
    open_controlled(&client, &format!("{odf}/reportar")).await;

    // 2. No signal. 3. Two periods' reports.
    server.down().await;
    fill_report(&client, &periods[0], "8,400.00", "2,300.50").await;
    until(&client, &waiting_is(1), 20, "one waiting").await;
    let html = client.source().await.unwrap();
    assert!(
        html.contains("Guardado en este teléfono; todavía no se envía"),
        "{html}"
    );
    fill_report(&client, &periods[1], "7,150.75", "1,900").await;
    until(&client, &waiting_is(2), 20, "two waiting").await;
    // 4. The page shows them as waiting, by their months' names.
    let html = client.source().await.unwrap();
    assert!(html.contains("por enviar: 2"), "{html}");
    for p in &periods {
        assert!(
            html.contains(&common::month_label_es(p).replace(' ', " de ")),
            "{p} named: {html}"
        );
    }
    shot_and_check(&client, "offline-01-two-reports-waiting.png").await;
    // The statement opens from the phone's copy and shows the queue too.
    client.goto(&format!("{odf}/mi-estado")).await.unwrap();
    until(
        &client,
        "return !!document.getElementById('offline-count')",
        10,
        "the queue on the statement",
    )
    .await;
    assert_eq!(waiting(&client).await, 2);
    shot_and_check(&client, "offline-02-statement-offline.png").await;
    for p in &periods {
        assert_eq!(filed(p).await, 0, "nothing reached the server");
    }

    // 5. The signal returns; "Enviar". 6. Each report arrives once.
    server.up().await;
    click(&client, "#offline-send").await;
    until(
        &client,
        "return document.querySelectorAll('#offline li[data-state=sent]').length === 2",
        20,
        "both sent",
    )
    .await;
    assert_eq!(waiting(&client).await, 0);
    shot_and_check(&client, "offline-03-sent.png").await;
    for p in &periods {
        assert_eq!(filed(p).await, 1, "{p} filed once");
    }
    // Sending again (the page loads again, "Enviar" again) records nothing more.
    client.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for p in &periods {
        assert_eq!(filed(p).await, 1, "{p} still once");
    }
    let reports = w.app.member_reports(w.union.id, me).await.unwrap();
    let of = |p: &str| reports.iter().find(|r| r.period.to_string() == p).unwrap();
    assert_eq!(of(&periods[0]).revenue.amount_minor(), 840_000);
    assert_eq!(of(&periods[0]).profit.amount_minor(), 230_050);
    assert_eq!(of(&periods[1]).revenue.amount_minor(), 715_075);
    assert_eq!(of(&periods[1]).profit.amount_minor(), 190_000);
    // The statement shows them.
    client.goto(&format!("{odf}/socios/{me}")).await.unwrap();
    let html = client.source().await.unwrap();
    assert!(
        html.contains("$8,400.00") && html.contains("$7,150.75"),
        "{html}"
    );
    shot_and_check(&client, "offline-04-statement-after.png").await;
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

/// Staff with a signal: this month's dues charged, the sheet opened and kept on the phone.
async fn staff_with_the_sheet(
    w: &common::World,
    client: &fantoccini::Client,
    server: &Server,
) -> String {
    let today = common::today_mx();
    w.app
        .charge_dues_period(
            w.union.id,
            &today.format("%Y-%m").to_string(),
            today,
            &app::Actor::cli(),
        )
        .await
        .unwrap();
    sign_in_through_page(client, &server.base(), "personal", DEMO_PASSWORD).await;
    let sheet = format!("{}/odf/{SLUG}/cobranza", server.base());
    open_controlled(client, &sheet).await;
    sheet
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_collect_from_twenty_members_with_no_signal_and_each_payment_is_booked_once() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let mut server = Server::start(w.router.clone(), free_port()).await;
    let sheet_url = staff_with_the_sheet(&w, &client, &server).await;
    let sheet = w
        .app
        .collection_sheet(w.union.id, common::today_mx(), None)
        .await
        .unwrap();
    // Twenty members pay the dues they owe, typed in pesos and centavos.
    let payers: Vec<(i64, i64)> = sheet
        .rows
        .iter()
        .filter(|r| r.dues_minor > 0)
        .take(20)
        .map(|r| (r.member_id, r.dues_minor))
        .collect();
    assert_eq!(payers.len(), 20);
    let mut before = Vec::new();
    for (id, _) in &payers {
        before.push(w.app.dues_arrears_minor(w.union.id, *id).await.unwrap());
    }

    server.down().await;
    for (id, owed) in &payers {
        let e = client
            .find(Locator::Css(&format!("input[name='d{id}']")))
            .await
            .unwrap();
        e.send_keys(&format!("{}.{:02}", owed / 100, owed % 100))
            .await
            .unwrap();
    }
    click(&client, "#collect-submit").await;
    until(
        &client,
        "return !!document.querySelector('#offline li[data-state=waiting]')",
        20,
        "the sheet waits",
    )
    .await;
    let html = client.source().await.unwrap();
    assert!(html.contains("20 socios"), "{html}");
    // The boxes are empty again: the next entry starts clean.
    let typed = js(
        &client,
        "return [...document.querySelectorAll('#collect-form input[name^=d]')].filter(i => i.value).length",
    )
    .await;
    assert_eq!(typed, serde_json::json!(0));
    client
        .execute("window.scrollTo(0, 0); return true;", vec![])
        .await
        .unwrap();
    shot_and_check(&client, "offline-05-sheet-waiting.png").await;
    for (k, (id, _)) in payers.iter().enumerate() {
        assert_eq!(
            w.app.dues_arrears_minor(w.union.id, *id).await.unwrap(),
            before[k]
        );
    }

    // The signal returns: the page loads again and sends the queue by itself.
    server.up().await;
    client.goto(&sheet_url).await.unwrap();
    until(
        &client,
        "return !!document.querySelector('#offline li[data-state=sent]')",
        20,
        "the sheet sent",
    )
    .await;
    shot_and_check(&client, "offline-06-sheet-sent.png").await;
    for (k, (id, owed)) in payers.iter().enumerate() {
        assert_eq!(
            w.app.dues_arrears_minor(w.union.id, *id).await.unwrap(),
            before[k] - owed,
            "member {id} paid once"
        );
    }
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_send_the_same_queue_of_a_hundred_entries_at_once_and_each_is_recorded_once() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let mut server = Server::start(w.router.clone(), free_port()).await;
    let sheet_url = staff_with_the_sheet(&w, &client, &server).await;
    let sheet = w
        .app
        .collection_sheet(w.union.id, common::today_mx(), None)
        .await
        .unwrap();
    // 100 entries: 1.00 of dues from each of 20 members, five times each.
    let payers: Vec<i64> = sheet
        .rows
        .iter()
        .filter(|r| r.dues_minor >= 500)
        .take(20)
        .map(|r| r.member_id)
        .collect();
    assert_eq!(payers.len(), 20);
    let mut before = Vec::new();
    for id in &payers {
        before.push(w.app.dues_arrears_minor(w.union.id, *id).await.unwrap());
    }
    server.down().await;
    // One entry typed through the page; the other 99 put in the queue as the page puts them
    // (the same record offline.js writes), to keep the test short.
    let first = client
        .find(Locator::Css(&format!("input[name='d{}']", payers[0])))
        .await
        .unwrap();
    first.send_keys("1.00").await.unwrap();
    click(&client, "#collect-submit").await;
    until(
        &client,
        "return !!document.querySelector('#offline li[data-state=waiting]')",
        20,
        "the first waits",
    )
    .await;
    let ids: Vec<String> = payers.iter().map(|i| i.to_string()).collect();
    let queued = client
        .execute_async(
            "var ids = arguments[0], fecha = arguments[1], done = arguments[arguments.length - 1];
             var me = document.querySelector('meta[name=tequio-person]').content;
             var r = indexedDB.open('tequio-offline', 1);
             r.onsuccess = function () {
               var d = r.result, x = d.transaction('queue', 'readwrite'), s = x.objectStore('queue');
               for (var i = 1; i < 100; i++) {
                 var key = ('00000000' + i).slice(-8) + 'aaaaaaaabbbbbbbbcccccccc';
                 s.put({ key: key, person: me, action: location.pathname, n: Date.now() + i, state: 'waiting',
                   label: 'Hoja de cobranza · ' + i,
                   fields: [['token', key], ['fecha', fecha], ['municipio', ''], ['d' + ids[i % 20], '1.00']] });
               }
               x.oncomplete = function () { d.close(); done(true); };
             };",
            vec![
                serde_json::json!(ids),
                serde_json::json!(common::today_mx().to_string()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(queued, serde_json::json!(true));

    // The signal returns; a second tab opens the sheet (its load sends the queue) while the
    // first taps "Enviar": both send the same queue at once.
    server.up().await;
    let first_tab = client.window().await.unwrap();
    let second = client.new_window(true).await.unwrap();
    client
        .switch_to_window(second.handle.clone())
        .await
        .unwrap();
    let started = Instant::now();
    client.goto(&sheet_url).await.unwrap();
    client.switch_to_window(first_tab.clone()).await.unwrap();
    js(
        &client,
        "var b = document.getElementById('offline-send'); if (b) { b.click(); } return true;",
    )
    .await;
    // Each tab shows its result; the queue is empty in both.
    until(
        &client,
        "return document.getElementById('offline-count') === null || Number(document.getElementById('offline-count').getAttribute('data-count')) === 0",
        120,
        "the first tab's queue is empty",
    )
    .await;
    client
        .switch_to_window(second.handle.clone())
        .await
        .unwrap();
    until(
        &client,
        "return document.getElementById('offline-count') === null || Number(document.getElementById('offline-count').getAttribute('data-count')) === 0",
        120,
        "the second tab's queue is empty",
    )
    .await;
    let took = started.elapsed();
    println!(
        "sync of 100 queued entries from two tabs at once: {:.2} s",
        took.as_secs_f64()
    );
    shot_and_check(&client, "offline-07-two-tabs-sent.png").await;
    // The queue on the phone: every entry sent, none refused.
    let states = client
        .execute_async(
            "var done = arguments[arguments.length - 1]; var r = indexedDB.open('tequio-offline', 1);
             r.onsuccess = function () { var q = r.result.transaction('queue').objectStore('queue').getAll();
               q.onsuccess = function () { done(q.result.map(function (e) { return e.state + ':' + (e.message || ''); })); }; };",
            vec![],
        )
        .await
        .unwrap();
    let states: Vec<String> = states
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(states.len(), 100);
    assert!(states.iter().all(|s| s.starts_with("sent:")), "{states:?}");
    // Each member paid 1.00 five times: 5.00 each, recorded once per entry.
    for (k, id) in payers.iter().enumerate() {
        assert_eq!(
            w.app.dues_arrears_minor(w.union.id, *id).await.unwrap(),
            before[k] - 5 * 100,
            "member {id}"
        );
    }
    // The server's keys alone also hold: the same entry posted from both tabs at once, without
    // the lock, is recorded once.
    let csrf = js(
        &client,
        "return document.querySelector('form[action=\"/salir\"] input[name=csrf]').value",
    )
    .await;
    let post = format!(
        "window.dup = null; var b = new URLSearchParams([['csrf', {csrf}], ['token', 'dddddddddddddddddddddddddddddddd'], ['fecha', '{}'], ['municipio', ''], ['d{}', '2.00']]);
         fetch(location.pathname, {{ method: 'POST', body: b, headers: {{ 'Idempotency-Key': 'dddddddddddddddddddddddddddddddd' }} }})
           .then(function (r) {{ return r.json(); }}).then(function (j) {{ window.dup = j.outcome; }}); return true;",
        common::today_mx(),
        payers[0]
    );
    js(&client, &post).await;
    client.switch_to_window(first_tab.clone()).await.unwrap();
    js(&client, &post).await;
    until(
        &client,
        "return window.dup === 'sent'",
        10,
        "the first tab's answer",
    )
    .await;
    client
        .switch_to_window(second.handle.clone())
        .await
        .unwrap();
    until(
        &client,
        "return window.dup === 'sent'",
        10,
        "the second tab's answer",
    )
    .await;
    assert_eq!(
        w.app
            .dues_arrears_minor(w.union.id, payers[0])
            .await
            .unwrap(),
        before[0] - 5 * 100 - 200,
        "2.00 booked once"
    );
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_person_on_the_same_phone_sees_none_of_the_first_persons_pages_or_queue() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let mut server = Server::start(w.router.clone(), free_port()).await;
    let base = server.base();
    let odf = format!("{base}/odf/{SLUG}");
    let me = common::member_of(&w, "socio").await;
    let reports = || async { w.app.member_reports(w.union.id, me).await.unwrap().len() };
    let start = reports().await;

    // The member keeps their statement and report form, and queues a report with no signal.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    open_controlled(&client, &format!("{odf}/socios/{me}")).await;
    let member = person_of(&client.source().await.unwrap());
    open_controlled(&client, &format!("{odf}/reportar")).await;
    server.down().await;
    fill_report(&client, &month_before_last(0), "5,000", "1,000").await;
    until(
        &client,
        "return !!document.querySelector('#offline li[data-state=waiting]')",
        20,
        "queued",
    )
    .await;
    // The signal returns but the member's session ended (the cookie is gone): "Enviar" asks
    // for the password again and keeps the entry.
    server.up().await;
    client.delete_all_cookies().await.unwrap();
    click(&client, "#offline-send").await;
    until(
        &client,
        "return document.getElementById('offline').textContent.indexOf('Su sesión terminó') >= 0",
        10,
        "asked to sign in again",
    )
    .await;
    assert_eq!(waiting(&client).await, 1);
    assert!(client
        .find(Locator::Css("#offline a[href='/entrar']"))
        .await
        .is_ok());
    shot_and_check(&client, "offline-07b-sign-in-again.png").await;
    assert_eq!(reports().await, start, "nothing sent without a session");
    // Another person signs in on the same phone.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&format!("{odf}/socios")).await.unwrap();
    let html = client.source().await.unwrap();
    let staff = person_of(&html);
    assert!(!staff.is_empty() && staff != member);
    // Staff's page names no entry of the member's and does not send it; it says the phone
    // holds another person's entries.
    until(
        &client,
        "return !document.getElementById('offline').hidden",
        10,
        "the note",
    )
    .await;
    let html = client.source().await.unwrap();
    assert!(
        html.contains("Este teléfono guarda envíos de otra persona"),
        "{html}"
    );
    assert!(
        !html.contains("Reporte de ingresos"),
        "no entry of the member's shown"
    );
    assert_eq!(
        js(
            &client,
            "return document.querySelectorAll('#offline li').length"
        )
        .await,
        serde_json::json!(0)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(reports().await, start, "never sent under staff's session");
    shot_and_check(&client, "offline-08-second-person.png").await;
    // Without a signal, the member's kept pages are not served to staff: the offline page.
    open_controlled(&client, &format!("{odf}/cobranza")).await;
    server.down().await;
    client.goto(&format!("{odf}/socios/{me}")).await.unwrap();
    let html = client.source().await.unwrap();
    assert!(html.contains("id=\"offline-page\""), "{html}");
    assert!(!html.contains(&member), "nothing of the member's");
    shot_and_check(&client, "offline-09-not-theirs.png").await;
    // Staff's own kept sheet opens.
    client.goto(&format!("{odf}/cobranza")).await.unwrap();
    assert!(client
        .source()
        .await
        .unwrap()
        .contains("id=\"collect-form\""));
    server.up().await;

    // The member signs in again: their entry is sent under their own session, once.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    until(
        &client,
        "return !!document.querySelector('#offline li[data-state=sent]')",
        20,
        "the member's entry sent",
    )
    .await;
    assert_eq!(reports().await, start + 1);

    // Another entry waits (no signal while the form is sent); the signal returns but the page
    // was not loaded again, and the member signs out: warned how many would be lost, then their
    // queue and kept pages are gone.
    open_controlled(&client, &format!("{odf}/reportar")).await;
    server.down().await;
    fill_report(&client, &month_before_last(1), "4,000", "900").await;
    until(
        &client,
        "return !!document.querySelector('#offline li[data-state=waiting]')",
        20,
        "queued again",
    )
    .await;
    server.up().await;
    assert!(user_caches(&client)
        .await
        .contains(&format!("tequio-user-{member}")));
    js(
        &client,
        "document.querySelector('form[action=\"/salir\"] button').click(); return true;",
    )
    .await;
    let mut warned = String::new();
    for _ in 0..50 {
        if let Ok(text) = client.get_alert_text().await {
            warned = text;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        warned.contains("Hay 1 envíos guardados"),
        "the warning: {warned:?}"
    );
    client.accept_alert().await.unwrap();
    for _ in 0..50 {
        if client.current_url().await.unwrap().path() == "/entrar" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(client.current_url().await.unwrap().path(), "/entrar");
    assert!(!user_caches(&client)
        .await
        .contains(&format!("tequio-user-{member}")));
    let left = client
        .execute_async(
            "var done = arguments[arguments.length - 1], me = arguments[0]; var r = indexedDB.open('tequio-offline', 1);
             r.onsuccess = function () { var q = r.result.transaction('queue').objectStore('queue').getAll();
               q.onsuccess = function () { done(q.result.filter(function (e) { return e.person === me; }).length); }; };",
            vec![serde_json::json!(member)],
        )
        .await
        .unwrap();
    assert_eq!(left, serde_json::json!(0));
    assert_eq!(reports().await, start + 1, "the lost entry was never sent");
    shot_and_check(&client, "offline-10-signed-out.png").await;
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
