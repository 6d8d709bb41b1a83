//! One function per subcommand. Each opens the store, calls the app, and prints a result.

use crate::backend::{self, Backend};
use crate::config::{Command, DemoArgs, ExportArgs, ExportFormat, ImportCommand, Settings};
use anyhow::Context;
use app::demo_cases::DemoOrgLoaded;
use app::{App, AppError};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;
use store::{Page, StoreError, MAX_PAGE};

pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => serve(&settings).await,
        Command::User(c) => crate::account_cmd::user(&settings, c).await,
        Command::Org(c) => crate::account_cmd::org(&settings, c).await,
        Command::Demo(args) => demo(&settings, args).await.map(|_| ()),
        Command::Import(ImportCommand::Members { org, on, file }) => {
            import_members(&settings, &org, on, &file).await
        }
        Command::Export(args) => export(&settings, args).await,
        Command::Check(args) => crate::check_cmd::run(args, &settings).await,
        Command::Backup(args) => crate::backup_cmd::backup(args, &settings).await,
        Command::Restore(args) => crate::backup_cmd::restore(args, &settings).await,
        Command::Loan(cmd) => crate::credit_cmd::run_loan(cmd, &settings).await,
        Command::Line(cmd) => crate::credit_cmd::run_line(cmd, &settings).await,
        Command::Lease(cmd) => crate::credit_cmd::run_lease(cmd, &settings).await,
        Command::Bench(mut args) => match args.what.take() {
            Some(crate::config::BenchWhat::Close(close)) => crate::bench_close::run(close).await,
            Some(crate::config::BenchWhat::Trade) => crate::bench_trade::run(args).await,
            Some(crate::config::BenchWhat::Credit(c)) => crate::bench_credit::run(c).await,
            Some(crate::config::BenchWhat::MonthEnd(m)) => crate::bench_month_end::run(m).await,
            None => crate::bench::run(args).await,
        },
        Command::Fund(c) => crate::fund_cmd::run(c, &settings).await,
        Command::Member(c) => crate::member_cmd::member(&settings, c).await,
        Command::Role(c) => crate::member_cmd::role(&settings, c).await,
        Command::Board(command) => crate::board_cmd::run_with_settings(&settings, command).await,
        Command::Settings(c) => crate::settings_cmd::run(&settings, c).await,
        Command::Opening(c) => crate::opening_cmd::run(&settings, c).await,
        Command::Dues(c) => crate::dues_cmd::run(&settings, c).await,
        Command::Round(c) => crate::trade_cmd::round(&open_app(&settings).await?, c).await,
        Command::Order(c) => crate::trade_cmd::order(&open_app(&settings).await?, c).await,
        Command::Outlet(c) => crate::trade_cmd::outlet(&open_app(&settings).await?, c).await,
        Command::Support(c) => crate::support_cmd::run(c, &settings).await,
    }
}

/// Maps an error to the documented exit code.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error
        .downcast_ref::<crate::check_cmd::BooksDoNotReconcile>()
        .is_some()
    {
        return crate::check_cmd::EXIT_BOOKS_DO_NOT_RECONCILE;
    }
    if error.downcast_ref::<crate::input::BadInput>().is_some() {
        return 65;
    }
    if error
        .downcast_ref::<crate::backup_cmd::Unavailable>()
        .is_some()
    {
        return 69;
    }
    if let Some(app) = error.downcast_ref::<AppError>() {
        return if app.is_caller_error() { 65 } else { 70 };
    }
    if let Some(store) = error.downcast_ref::<StoreError>() {
        return match store {
            StoreError::Backend(_) => 69,
            _ => 65,
        };
    }
    70
}

pub(crate) async fn open_app(settings: &Settings) -> anyhow::Result<App> {
    Ok(App::new(backend::open(&settings.database_url).await?))
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    if settings.demo && app.store().orgs().await?.is_empty() {
        tracing::info!("new database: loading the demo union of Morelos potters");
        load_with_progress(&app, demo::DemoSpec::morelos_union(), 1).await?;
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
    Ok(())
}

async fn demo(settings: &Settings, args: DemoArgs) -> anyhow::Result<app::demo_cases::DemoSummary> {
    let app = open_app(settings).await?;
    let default_writers = match backend::kind(&settings.database_url) {
        Backend::Sqlite => 1,
        Backend::Postgres => 4,
    };
    let mut spec = demo::DemoSpec::morelos_union();
    spec.seed = args.seed;
    spec.orgs = args.orgs;
    spec.members_per_org = args.members;
    spec.dues_months = args.dues_months;
    let started = Instant::now();
    let summary = load_with_progress(&app, spec, args.writers.unwrap_or(default_writers)).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "demo: {} organisations, {} members, {} entries created in {:.1} s",
        summary.orgs, summary.members, summary.entries_created, seconds
    );
    Ok(summary)
}

async fn load_with_progress(
    app: &App,
    spec: demo::DemoSpec,
    writers: usize,
) -> anyhow::Result<app::demo_cases::DemoSummary> {
    let bar = ProgressBar::new(spec.orgs as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} ODF {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let on_org = Arc::new(move |loaded: DemoOrgLoaded| {
        shown.inc(1);
        shown.set_message(format!("({} socios)", loaded.members));
    });
    let summary = app.load_demo(spec, writers, on_org).await?;
    bar.finish_and_clear();
    Ok(summary)
}

async fn import_members(
    settings: &Settings,
    org_slug: &str,
    on: Option<chrono::NaiveDate>,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let org = app.store().org_by_slug(org_slug).await?;
    // The parser refuses more than 10,000 rows; a file far larger than that is refused unread.
    let text = crate::input::read_text(
        file,
        16 * 1024 * 1024,
        "divídalo en archivos de 10,000 socios como máximo",
    )?;
    let outcome = app
        .import_members_csv(
            org.id,
            &text,
            crate::fund_cmd::fact_date(on),
            &app::Actor::cli(),
        )
        .await?;
    println!(
        "import: {} members created, {} already registered unchanged",
        outcome.created, outcome.unchanged
    );
    Ok(())
}

async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let store = app.store();
    let org = store.org_by_slug(&args.org).await?;
    let accounts = store.accounts(org.id).await?;
    let kinds: std::collections::HashMap<String, ledger::AccountKind> = accounts
        .iter()
        .map(|a| (a.code.as_str().to_string(), a.kind))
        .collect();
    let kind_of = |code: &str| {
        kinds
            .get(code)
            .copied()
            .unwrap_or(ledger::AccountKind::Asset)
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        ExportFormat::Hledger => app::export::hledger_header(&mut out, &org.data.name, &accounts)?,
        ExportFormat::Beancount => {
            // Accounts open on the founding date, or earlier if an entry predates it.
            let first = store.entries(org.id, Page::first(1)).await?;
            let open_date = first
                .first()
                .map(|e| e.entry.date().min(org.data.founded_on))
                .unwrap_or(org.data.founded_on);
            app::export::beancount_header(&mut out, &org.data.name, &accounts, open_date)?
        }
    }
    let mut page = Page::first(MAX_PAGE);
    loop {
        let entries = store.entries(org.id, page).await?;
        let Some(last) = entries.last() else { break };
        page.after_id = last.id;
        for stored in &entries {
            match args.format {
                ExportFormat::Hledger => {
                    app::export::hledger_entry(&mut out, stored.id, &stored.entry, kind_of)?
                }
                ExportFormat::Beancount => {
                    app::export::beancount_entry(&mut out, stored.id, &stored.entry, kind_of)?
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
