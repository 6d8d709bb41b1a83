//! `tequio`: the one binary. It reads configuration (flags > environment > TOML file >
//! defaults), picks the storage backend from the database URL, and calls the app.
//!
//! Exit codes: 0 success, 1 the books do not reconcile (`check`), 2 usage, 65 bad input
//! (nothing was written), 69 database unavailable, 70 internal error.

mod account_cmd;
mod backend;
mod backup_cmd;
mod bench;
mod bench_close;
mod bench_credit;
mod bench_month_end;
mod bench_pages;
mod bench_trade;
mod board_cmd;
mod check_cmd;
mod commands;
mod config;
mod credit_cmd;
mod demo_cmd;
mod dues_cmd;
mod export_cmd;
mod fund_cmd;
mod import_cmd;
mod input;
mod member_cmd;
mod notify_cmd;
mod opening_cmd;
mod serve_cmd;
mod settings_cmd;
mod support_cmd;
mod support_result_cmd;
mod terminal;
mod trade_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = config::Cli::parse();
    let settings = match config::Settings::resolve(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tequio: {e:#}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&settings.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tequio: cannot start the runtime: {e}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(commands::run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tequio: {e:#}");
            ExitCode::from(commands::exit_code(&e))
        }
    }
}

/// Rust ignores SIGPIPE, so printing into a pipe the reader closed (`tequio ... | head`) made
/// `println!` panic. With the default action the process ends quietly instead, like `cat`.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in `main`, before any other thread exists; it only sets the
    // signal's disposition back to the system default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
