//! `tequio serve`: the web application, loading the demo union into a new, empty database
//! (or, in production mode, printing a one-time set-up code).

use crate::commands::open_app;
use crate::config::Settings;
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TEQUIO_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Production mode: do not load the demo into an empty database; with no programme
    /// administrator, print a one-time set-up code (also `demo = false` in the file).
    #[arg(long)]
    pub no_demo: bool,
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    if settings.demo && app.store().orgs().await?.is_empty() {
        tracing::info!("new database: loading the demo union of Morelos potters");
        crate::demo_cmd::load_with_progress(&app, demo::DemoSpec::morelos_union(), 1).await?;
    }
    if !settings.demo {
        // Production mode (issue 16): with no programme administrator yet, a one-time set-up
        // code in the log; the first visit to / asks for it.
        match app.issue_setup_code(chrono::Utc::now()).await {
            Ok(Some(code)) => eprintln!(
                "Primer uso: abra / e ingrese el código de configuración {} (vale una vez, 24 h) / set-up code",
                code.code
            ),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "set-up code not issued"),
        }
    }
    // R-INFO-1: the outbox's sender runs beside the web; a publication never waits for it.
    let sender = crate::notify_cmd::spawn_sender(app.clone(), settings.notify.clone());
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    web::serve_with(
        app,
        listener,
        web::ServeOptions {
            secure_cookies: settings.secure_cookies,
            trusted_proxies: settings.trusted_proxies.clone(),
            demo_users: settings.demo,
        },
    )
    .await?;
    sender.abort();
    Ok(())
}
