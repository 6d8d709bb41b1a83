//! One function per subcommand. Each opens the store, calls the app, and prints a result.

use crate::backend;
use crate::config::{Command, Settings};
use app::{App, AppError};
use store::StoreError;

pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve(_) => crate::serve_cmd::run(&settings).await,
        Command::User(c) => crate::account_cmd::user(&settings, c).await,
        Command::Org(c) => crate::account_cmd::org(&settings, c).await,
        Command::Demo(args) => crate::demo_cmd::run(&settings, args).await.map(|_| ()),
        Command::Import(c) => crate::import_cmd::run(&settings, c).await,
        Command::Export(args) => crate::export_cmd::run(&settings, args).await,
        Command::Check(args) => crate::check_cmd::run(args, &settings).await,
        Command::Backup(args) => crate::backup_cmd::backup(args, &settings).await,
        Command::Restore(args) => crate::backup_cmd::restore(args, &settings).await,
        Command::Loan(cmd) => crate::credit_cmd::run_loan(cmd, &settings).await,
        Command::Line(cmd) => crate::credit_cmd::run_line(cmd, &settings).await,
        Command::Lease(cmd) => crate::credit_cmd::run_lease(cmd, &settings).await,
        Command::Bench(args) => crate::bench::command(args).await,
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
        Command::Notify(c) => crate::notify_cmd::run(&settings, c).await,
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
