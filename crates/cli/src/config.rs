//! Configuration: flags, then environment variables (`TEQUIO_*`), then an optional TOML file
//! (`--config`, or `tequio.toml` in the working directory when present), then defaults.

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://tequio.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[derive(Parser, Debug)]
#[command(
    name = "tequio",
    version,
    about = "Tequio: the communal work of micro-producers, in exact accounts"
)]
pub struct Cli {
    /// TOML configuration file (keys: database_url, addr, log, demo, secure_cookies,
    /// trusted_proxies, [notify]).
    #[arg(long, global = true, env = "TEQUIO_CONFIG")]
    pub config: Option<PathBuf>,
    /// sqlite://PATH (default sqlite://tequio.db) or postgres://USER:PASS@HOST/DB.
    #[arg(long, global = true, env = "TEQUIO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Log filter, e.g. info or tequio=debug,sqlx=warn.
    #[arg(long, global = true, env = "TEQUIO_LOG")]
    pub log: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (loads the demo union into a new, empty database).
    Serve(crate::serve_cmd::ServeArgs),
    /// Users: `user add --role programme-admin --login L` (issue 16).
    #[command(subcommand)]
    User(crate::account_cmd::UserCommand),
    /// Organisations: `org create` (issue 16).
    #[command(subcommand)]
    Org(crate::account_cmd::OrgCommand),
    /// Build demo organisations deterministically from a seed.
    Demo(crate::demo_cmd::DemoArgs),
    /// Import data from files.
    #[command(subcommand)]
    Import(crate::import_cmd::ImportCommand),
    /// Export an organisation's journal.
    Export(crate::export_cmd::ExportArgs),
    /// Verify the books of every organisation (or one): balances, trial balance, lenders, the
    /// Fund and its sub-funds, the trust's cash, events with their entries. Exit 1 if they do
    /// not reconcile.
    Check(crate::check_cmd::CheckArgs),
    /// Measure the ledger's write speed against a raw-SQL baseline.
    Bench(crate::bench::BenchArgs),
    /// A consistent copy of the database while the server runs (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump), written under a temporary name and renamed when complete.
    Backup(crate::backup_cmd::BackupArgs),
    /// Restores a backup into the configured (empty) database, then checks the books.
    Restore(crate::backup_cmd::RestoreArgs),
    /// Loans: quote (simulador), apply, disburse, repay, show, portfolio (R-CRED-3..5).
    #[command(subcommand)]
    Loan(crate::credit_cmd::LoanCommand),
    /// The credit line: open, review, draw, repay, transfer, show (R-CRED-1, -2, -6).
    #[command(subcommand)]
    Line(crate::credit_cmd::LineCommand),
    /// Leasing: start, rent, transfer, show (R-LEASE-1, R-LEASE-2).
    #[command(subcommand)]
    Lease(crate::credit_cmd::LeaseCommand),
    /// Plans, reports, the period close, the Fund and statements (issue 3).
    #[command(flatten)]
    Fund(crate::fund_cmd::FundCli),
    /// Members: search, show, correct, record a leave (R-ORG-2; issue 17).
    #[command(subcommand)]
    Member(crate::member_cmd::MemberCommand),
    /// Roles and committee seats: list, give, end (R-ORG-5; issue 17).
    #[command(subcommand)]
    Role(crate::member_cmd::RoleCommand),
    /// The board's proposals and votes (R-GOV-1, R-GOV-2).
    #[command(subcommand)]
    Board(crate::board_cmd::BoardCommand),
    /// The group's settings: show them, propose a change to the board (issue 16).
    #[command(subcommand)]
    Settings(crate::settings_cmd::SettingsCommand),
    /// The opening position of an ODF that starts with history (issue 16).
    #[command(subcommand)]
    Opening(crate::opening_cmd::OpeningCommand),
    /// Union dues (R-ORG-6) and the collection sheet: charge, pay, arrears, sheet (issue 17).
    #[command(subcommand)]
    Dues(crate::dues_cmd::DuesCommand),
    /// Pooled purchasing rounds: suppliers, price lists, requests, close, receipts, pick-ups.
    #[command(subcommand)]
    Round(crate::trade_cmd::RoundCommand),
    /// Consolidated sales: capacities, buyer orders, deliveries, invoice, payments.
    #[command(subcommand)]
    Order(crate::trade_cmd::OrderCommand),
    /// Shared outlets: consignment, sales, settlements, counts.
    #[command(subcommand)]
    Outlet(crate::trade_cmd::OutletCommand),
    /// The support system: opportunities, inventions, compliance, outcomes, projection,
    /// integradoras (R-INFO-1, R-INNO-1, R-SUP-1..4).
    #[command(subcommand)]
    Support(crate::support_cmd::SupportCommand),
    /// The notification outbox of new opportunity matches: send, outbox (R-INFO-1).
    #[command(subcommand)]
    Notify(crate::notify_cmd::NotifyCommand),
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    addr: Option<String>,
    log: Option<String>,
    demo: Option<bool>,
    secure_cookies: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    /// The notification transport (`[notify]`, see `notify_cmd`).
    notify: Option<crate::notify_cmd::NotifyFile>,
}

/// The resolved settings every command uses.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub addr: SocketAddr,
    pub log: String,
    /// Load the demo union into a new, empty database (`serve`); false is production mode.
    pub demo: bool,
    /// Mark cookies `Secure` (behind TLS, e.g. a reverse proxy); `TEQUIO_SECURE_COOKIES=1`.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (the sign-in limiter counts
    /// per client, not per proxy); empty when Tequio faces the network itself.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The notification outbox's transport (R-INFO-1): log (default) or smtp.
    pub notify: crate::notify_cmd::NotifySettings,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> anyhow::Result<Settings> {
        let path = cli.config.clone().or_else(|| {
            let local = PathBuf::from("tequio.toml");
            local.exists().then_some(local)
        });
        let file: FileConfig = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("config: cannot read {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("config: {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let flag_addr = match &cli.command {
            Command::Serve(args) => args.addr,
            _ => None,
        };
        let no_demo_flag = matches!(&cli.command, Command::Serve(args) if args.no_demo);
        let secure_env = std::env::var("TEQUIO_SECURE_COOKIES")
            .ok()
            .map(|v| matches!(v.as_str(), "1" | "true" | "yes"));
        let addr = match (flag_addr, &file.addr) {
            (Some(a), _) => a,
            (None, Some(text)) => text
                .parse()
                .with_context(|| format!("config: addr '{text}' is not host:port"))?,
            (None, None) => DEFAULT_ADDR.parse()?,
        };
        Ok(Settings {
            database_url: cli
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            addr,
            log: cli
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info,sqlx=warn".to_string()),
            demo: !no_demo_flag && file.demo.unwrap_or(true),
            secure_cookies: secure_env.or(file.secure_cookies).unwrap_or(false),
            trusted_proxies: file
                .trusted_proxies
                .unwrap_or_default()
                .iter()
                .map(|text| {
                    text.trim().parse().with_context(|| {
                        format!("config: trusted_proxies: '{text}' is not an IP address")
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            notify: crate::notify_cmd::NotifySettings::resolve(file.notify)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str], toml: Option<&str>) -> anyhow::Result<Settings> {
        let dir = tempfile::tempdir()?;
        let mut argv = vec!["tequio".to_string()];
        if let Some(text) = toml {
            let path = dir.path().join("tequio.toml");
            std::fs::write(&path, text)?;
            argv.push("--config".into());
            argv.push(path.display().to_string());
        }
        argv.extend(args.iter().map(|s| s.to_string()));
        Settings::resolve(&Cli::try_parse_from(argv)?)
    }

    #[test]
    fn the_file_fills_what_flags_leave_out_and_flags_win() {
        let file = "database_url = \"sqlite://from-file.db\"\naddr = \"127.0.0.1:9999\"\n";
        let s = settings(&["serve"], Some(file)).unwrap();
        assert_eq!(s.database_url, "sqlite://from-file.db");
        assert_eq!(s.addr.port(), 9999);
        let s = settings(
            &[
                "--database-url",
                "sqlite://flag.db",
                "serve",
                "--addr",
                "127.0.0.1:7000",
            ],
            Some(file),
        )
        .unwrap();
        assert_eq!(s.database_url, "sqlite://flag.db");
        assert_eq!(s.addr.port(), 7000);
    }

    #[test]
    fn demo_and_secure_cookies_come_from_the_flag_or_the_file() {
        let s = settings(&["serve"], None).unwrap();
        assert!(
            s.demo && !s.secure_cookies,
            "defaults: demo on, cookies not Secure"
        );
        assert!(!settings(&["serve", "--no-demo"], None).unwrap().demo);
        let s = settings(&["serve"], Some("demo = false\nsecure_cookies = true\n")).unwrap();
        assert!(!s.demo && s.secure_cookies);
    }

    #[test]
    fn trusted_proxies_are_addresses_and_a_bad_one_is_named() {
        assert!(settings(&["serve"], None)
            .unwrap()
            .trusted_proxies
            .is_empty());
        let s = settings(
            &["serve"],
            Some("trusted_proxies = [\"127.0.0.1\", \"::1\"]\n"),
        )
        .unwrap();
        assert_eq!(
            s.trusted_proxies,
            vec![
                "127.0.0.1".parse::<std::net::IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let e = settings(&["serve"], Some("trusted_proxies = [\"proxy.local\"]\n")).unwrap_err();
        assert!(
            format!("{e:#}").contains("trusted_proxies: 'proxy.local'"),
            "{e:#}"
        );
    }

    #[test]
    fn an_unknown_key_or_a_bad_address_in_the_file_is_an_error_naming_it() {
        let err = settings(&["serve"], Some("databse_url = \"x\"\n")).unwrap_err();
        assert!(format!("{err:#}").contains("databse_url"), "{err:#}");
        let err = settings(&["serve"], Some("addr = \"nowhere\"\n")).unwrap_err();
        assert!(format!("{err:#}").contains("addr"), "{err:#}");
    }
}
