//! `tequio notify ...`: the notification outbox of new opportunity matches (R-INFO-1): `send`
//! runs the sender once (or every `--every` seconds), `outbox` lists an ODF's messages. `tequio
//! serve` runs the same sender as a background task.
//!
//! The transport comes from the `[notify]` table of the configuration file or the environment:
//! `transport = "log"` (the default: one JSON line per message on standard output, or appended
//! to `log_file`) or `"smtp"` (`smtp_addr` host:port of a relay, `smtp_from`, and `smtp_to`, a
//! recipient template with `{org}` and `{member}`). Environment: `TEQUIO_NOTIFY_TRANSPORT`,
//! `TEQUIO_NOTIFY_LOG_FILE`, `TEQUIO_SMTP_ADDR`, `TEQUIO_SMTP_FROM`, `TEQUIO_SMTP_TO`.

use crate::config::Settings;
use anyhow::Context;
use app::support_cases::{LogTransport, SendPolicy, SmtpTransport, Transport};
use app::App;
use clap::{Args, Subcommand};
use serde::Deserialize;
use std::path::PathBuf;

/// The `[notify]` table of the configuration file.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    transport: Option<String>,
    log_file: Option<PathBuf>,
    smtp_addr: Option<String>,
    smtp_from: Option<String>,
    smtp_to: Option<String>,
    /// Seconds between passes of `serve`'s sender.
    every_seconds: Option<u64>,
}

/// The transport chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyTransport {
    Log {
        file: Option<PathBuf>,
    },
    Smtp {
        addr: String,
        from: String,
        to: String,
    },
}

/// The resolved notification settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySettings {
    pub transport: NotifyTransport,
    /// Seconds between passes of `serve`'s sender.
    pub every_seconds: u64,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl NotifySettings {
    /// Environment first, then the file, then the log transport.
    pub fn resolve(file: Option<NotifyFile>) -> anyhow::Result<Self> {
        let file = file.unwrap_or_default();
        let kind = env("TEQUIO_NOTIFY_TRANSPORT")
            .or(file.transport)
            .unwrap_or_else(|| "log".into());
        let transport = match kind.trim() {
            "log" => NotifyTransport::Log {
                file: env("TEQUIO_NOTIFY_LOG_FILE")
                    .map(PathBuf::from)
                    .or(file.log_file),
            },
            "smtp" => {
                let need = |var: &str, value: Option<String>, key: &str| {
                    env(var)
                        .or(value)
                        .with_context(|| format!("config: notify.{key} is needed for smtp"))
                };
                NotifyTransport::Smtp {
                    addr: need("TEQUIO_SMTP_ADDR", file.smtp_addr, "smtp_addr")?,
                    from: need("TEQUIO_SMTP_FROM", file.smtp_from, "smtp_from")?,
                    to: need("TEQUIO_SMTP_TO", file.smtp_to, "smtp_to")?,
                }
            }
            other => anyhow::bail!("config: notify.transport '{other}' is not log or smtp"),
        };
        Ok(NotifySettings {
            transport,
            every_seconds: file.every_seconds.unwrap_or(60).max(1),
        })
    }

    pub fn transport(&self) -> Box<dyn Transport> {
        match &self.transport {
            NotifyTransport::Log { file } => Box::new(LogTransport { file: file.clone() }),
            NotifyTransport::Smtp { addr, from, to } => Box::new(SmtpTransport {
                addr: addr.clone(),
                from: from.clone(),
                to: to.clone(),
                hello: "tequio".into(),
            }),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Deliver the messages that are due (once, or every `--every` seconds until stopped).
    Send(SendArgs),
    /// An ODF's outbox: pending, sent and failed messages with the reason.
    Outbox(OutboxArgs),
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// Keep running, one pass every this many seconds.
    #[arg(long)]
    pub every: Option<u64>,
}

#[derive(Args, Debug)]
pub struct OutboxArgs {
    /// The ODF's slug.
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub json: bool,
}

/// One pass of the sender, logged.
pub async fn pass(
    app: &App,
    transport: &dyn Transport,
) -> anyhow::Result<app::support_cases::SendReport> {
    let report = app
        .send_notifications(transport, &SendPolicy::default(), chrono::Utc::now())
        .await?;
    if report != Default::default() {
        tracing::info!(
            queued = report.queued,
            sent = report.sent,
            retrying = report.retrying,
            failed = report.failed,
            skipped = report.skipped,
            "notifications"
        );
    }
    Ok(report)
}

/// `serve`'s background sender: a pass every `every_seconds`; an error is logged and the next
/// pass tries again (the web keeps serving).
pub fn spawn_sender(app: App, settings: NotifySettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let transport = settings.transport();
        let mut tick =
            tokio::time::interval(std::time::Duration::from_secs(settings.every_seconds));
        loop {
            tick.tick().await;
            if let Err(e) = pass(&app, &*transport).await {
                tracing::error!(error = %e, "notification sender");
            }
        }
    })
}

pub async fn run(settings: &Settings, command: NotifyCommand) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    match command {
        NotifyCommand::Send(args) => {
            let transport = settings.notify.transport();
            loop {
                let r = pass(&app, &*transport).await?;
                eprintln!(
                    "en cola {} · enviados {} · reintento {} · fallidos {} · tomados por otro {}",
                    r.queued, r.sent, r.retrying, r.failed, r.skipped
                );
                match args.every {
                    Some(s) => tokio::time::sleep(std::time::Duration::from_secs(s.max(1))).await,
                    None => return Ok(()),
                }
            }
        }
        NotifyCommand::Outbox(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let outbox = app.outbox(org.id).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&outbox)?);
                return Ok(());
            }
            for m in &outbox {
                println!(
                    "{:<8} {:>2} {} · {}{}",
                    m.status.as_str(),
                    m.attempts,
                    crate::terminal::escape_controls(&m.member_name),
                    crate::terminal::escape_controls(&m.subject),
                    m.last_error
                        .as_deref()
                        .map(|e| format!(" · {}", crate::terminal::escape_controls(e)))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_transport_is_the_default_and_smtp_needs_its_addresses() {
        let s = NotifySettings::resolve(None).unwrap();
        assert_eq!(s.transport, NotifyTransport::Log { file: None });
        let file = NotifyFile {
            transport: Some("smtp".into()),
            smtp_addr: Some("127.0.0.1:25".into()),
            ..NotifyFile::default()
        };
        let e = NotifySettings::resolve(Some(file)).unwrap_err();
        assert!(format!("{e:#}").contains("smtp_from"), "{e:#}");
        let file = NotifyFile {
            transport: Some("paloma".into()),
            ..NotifyFile::default()
        };
        let e = NotifySettings::resolve(Some(file)).unwrap_err();
        assert!(format!("{e:#}").contains("notify.transport"), "{e:#}");
    }
}
