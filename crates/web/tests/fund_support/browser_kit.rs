//! The headless-Chromium helpers of `browser.rs` (chromedriver at a phone's 360 px, the real
//! server on loopback, signing in through the page, screenshots), for `browser_fund.rs`.
//! A copy: `browser.rs` keeps its own (moving them would edit a file other branches change);
//! the integrator may fold both into `tests/common`.
#![allow(dead_code)]

use fantoccini::{ClientBuilder, Locator};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 780;

pub fn find_binary(names: &[&str]) -> Option<String> {
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
pub struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn wait_for_port(port: u16) {
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

pub fn screenshots_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Headless Chromium through chromedriver, in a phone-sized viewport; `None` (skip) only when
/// chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set. One browser at a
/// time: the tests of this file take turns.
pub async fn chrome() -> Option<(
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
                     "--disable-dev-shm-usage", "--lang=es-MX", format!("--window-size={WIDTH},{HEIGHT}")],
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
pub async fn no_sideways_scroll(client: fantoccini::Client, what: &str) {
    let width = client
        .execute("return document.scrollingElement.scrollWidth", vec![])
        .await
        .unwrap();
    let width = width.as_u64().unwrap();
    if width <= WIDTH as u64 {
        return;
    }
    // The elements that stick out, innermost first, to say what to fix.
    let wide = client
        .execute(
            "return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > arguments[0] + 1)
               .reverse().slice(0, 4)
               .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px: ' + e.textContent.trim().slice(0, 60))",
            vec![serde_json::json!(WIDTH)],
        )
        .await
        .unwrap();
    panic!("{what}: the page is {width} px wide on a {WIDTH} px screen: {wide}");
}

/// Waits (at most 5 s) until the page's source contains `needle`.
pub async fn wait_until_shown(client: fantoccini::Client, needle: &str) {
    for _ in 0..50 {
        if client.source().await.unwrap().contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("'{needle}' not shown: {}", client.source().await.unwrap());
}

/// Clears the field with this id and types `value` into it.
pub async fn type_into(client: fantoccini::Client, id: &str, value: &str) {
    let e = client.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

/// Serves `router` on a free loopback port; answers its base URL.
pub async fn serve(router: axum::Router) -> String {
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

pub async fn sign_in_through_page(
    client: &fantoccini::Client,
    base: &str,
    login: &str,
    password: &str,
) {
    client.delete_all_cookies().await.ok();
    client.goto(&format!("{base}/entrar")).await.unwrap();
    type_into(client.clone(), "login", login).await;
    type_into(client.clone(), "password", password).await;
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
        "{login} did not get signed in: {}",
        client.source().await.unwrap()
    );
}

pub async fn click(client: &fantoccini::Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

pub async fn shot(client: &fantoccini::Client, name: &str) {
    std::fs::write(
        screenshots_dir().join(name),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
}

/// Saves a screenshot of the page as `name` and checks it has no sideways scroll.
pub async fn shot_and_check(client: &fantoccini::Client, name: &str) {
    std::fs::write(
        screenshots_dir().join(name),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    no_sideways_scroll(client.clone(), name).await;
}
