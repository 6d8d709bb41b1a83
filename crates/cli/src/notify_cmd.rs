//! `tequio notify ...`: the notification outbox of new opportunity matches (R-INFO-1): `send`
//! runs the sender once (or every `--every` seconds), `outbox` lists an ODF's messages. `tequio
//! serve` runs the same sender as a background task.
//!
//! The transport comes from the `[notify]` table of the configuration file or the environment:
//! `transport = "log"` (the default: one JSON line per message on standard output, or appended
//! to `log_file`) or `"smtp"` to each member's own address (issue 19): `smtp_host`,
//! `smtp_port` (by security: 587, 465 or 25), `smtp_security` (`starttls`, the default, `tls` or
//! `none`), `smtp_user` and `smtp_password` (when the server asks; the password best from the
//! environment, never logged) and `smtp_from`. Environment: `TEQUIO_NOTIFY_TRANSPORT`,
//! `TEQUIO_NOTIFY_LOG_FILE`, `TEQUIO_SMTP_HOST`, `TEQUIO_SMTP_PORT`, `TEQUIO_SMTP_SECURITY`,
//! `TEQUIO_SMTP_USER`, `TEQUIO_SMTP_PASSWORD`, `TEQUIO_SMTP_FROM`.

use crate::config::Settings;
use anyhow::Context;
use app::support_cases::{LogTransport, SendPolicy, SmtpSecurity, SmtpTransport, Transport};
use app::App;
use clap::{Args, Subcommand};
use serde::Deserialize;
use std::path::PathBuf;

/// The `[notify]` table of the configuration file.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    transport: Option<String>,
    log_file: Option<PathBuf>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_security: Option<String>,
    smtp_user: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
    /// Seconds between passes of `serve`'s sender.
    every_seconds: Option<u64>,
}

impl std::fmt::Debug for NotifyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyFile")
            .field("transport", &self.transport)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// The transport chosen.
#[derive(Clone, PartialEq, Eq)]
pub enum NotifyTransport {
    Log {
        file: Option<PathBuf>,
    },
    Smtp {
        host: String,
        port: u16,
        security: SmtpSecurity,
        user: Option<String>,
        password: Option<String>,
        from: String,
    },
}

impl std::fmt::Debug for NotifyTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotifyTransport::Log { file } => f.debug_struct("Log").field("file", file).finish(),
            NotifyTransport::Smtp {
                host,
                port,
                security,
                user,
                password,
                from,
            } => f
                .debug_struct("Smtp")
                .field("host", host)
                .field("port", port)
                .field("security", security)
                .field("user", user)
                .field("password", &password.as_ref().map(|_| "***"))
                .field("from", from)
                .finish(),
        }
    }
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
                let security_text = env("TEQUIO_SMTP_SECURITY")
                    .or(file.smtp_security)
                    .unwrap_or_else(|| "starttls".into());
                let security = SmtpSecurity::parse(&security_text).with_context(|| {
                    format!(
                        "config: notify.smtp_security '{security_text}' is not starttls, tls or none"
                    )
                })?;
                let port = match env("TEQUIO_SMTP_PORT") {
                    Some(p) => p.trim().parse().with_context(|| {
                        format!("config: notify.smtp_port '{p}' is not a port number")
                    })?,
                    None => file.smtp_port.unwrap_or(match security {
                        SmtpSecurity::StartTls => 587,
                        SmtpSecurity::Tls => 465,
                        SmtpSecurity::None => 25,
                    }),
                };
                let user = env("TEQUIO_SMTP_USER").or(file.smtp_user);
                let password = env("TEQUIO_SMTP_PASSWORD").or(file.smtp_password);
                if user.is_some() && password.is_none() {
                    anyhow::bail!(
                        "config: notify.smtp_user is set, so notify.smtp_password (or \
                         TEQUIO_SMTP_PASSWORD) is needed"
                    );
                }
                NotifyTransport::Smtp {
                    host: need("TEQUIO_SMTP_HOST", file.smtp_host, "smtp_host")?,
                    port,
                    security,
                    user,
                    password,
                    from: need("TEQUIO_SMTP_FROM", file.smtp_from, "smtp_from")?,
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
            NotifyTransport::Smtp {
                host,
                port,
                security,
                user,
                password,
                from,
            } => Box::new(SmtpTransport {
                host: host.clone(),
                port: *port,
                security: *security,
                user: user.clone(),
                password: password.clone(),
                from: from.clone(),
                hello: "tequio".into(),
                timeout: std::time::Duration::from_secs(30),
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
            no_address = report.no_address,
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
                    "en cola {} · enviados {} · reintento {} · fallidos {} · sin dirección {} · \
                     tomados por otro {}",
                    r.queued, r.sent, r.retrying, r.failed, r.no_address, r.skipped
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
    fn the_log_transport_is_the_default_and_smtp_needs_its_settings() {
        let s = NotifySettings::resolve(None).unwrap();
        assert_eq!(s.transport, NotifyTransport::Log { file: None });
        let file = NotifyFile {
            transport: Some("smtp".into()),
            smtp_host: Some("correo.odf.mx".into()),
            ..NotifyFile::default()
        };
        let e = NotifySettings::resolve(Some(file)).unwrap_err();
        assert!(format!("{e:#}").contains("smtp_from"), "{e:#}");
        // starttls on 587 unless told otherwise; the password never shows in a debug print.
        let file = NotifyFile {
            transport: Some("smtp".into()),
            smtp_host: Some("correo.odf.mx".into()),
            smtp_from: Some("avisos@odf.mx".into()),
            smtp_user: Some("avisos".into()),
            smtp_password: Some("muy-secreta-9".into()),
            ..NotifyFile::default()
        };
        let s = NotifySettings::resolve(Some(file.clone())).unwrap();
        match &s.transport {
            NotifyTransport::Smtp { port, security, .. } => {
                assert_eq!((*port, *security), (587, SmtpSecurity::StartTls));
            }
            other => panic!("{other:?}"),
        }
        let shown = format!("{s:?} {file:?}");
        assert!(!shown.contains("muy-secreta"), "{shown}");
        let tls = NotifyFile {
            smtp_security: Some("tls".into()),
            ..file.clone()
        };
        match NotifySettings::resolve(Some(tls)).unwrap().transport {
            NotifyTransport::Smtp { port, .. } => assert_eq!(port, 465),
            other => panic!("{other:?}"),
        }
        let bad = NotifyFile {
            smtp_security: Some("ssl".into()),
            ..file.clone()
        };
        let e = NotifySettings::resolve(Some(bad)).unwrap_err();
        assert!(format!("{e:#}").contains("smtp_security"), "{e:#}");
        let no_password = NotifyFile {
            smtp_password: None,
            ..file
        };
        let e = NotifySettings::resolve(Some(no_password)).unwrap_err();
        assert!(format!("{e:#}").contains("smtp_password"), "{e:#}");
        let file = NotifyFile {
            transport: Some("paloma".into()),
            ..NotifyFile::default()
        };
        let e = NotifySettings::resolve(Some(file)).unwrap_err();
        assert!(format!("{e:#}").contains("notify.transport"), "{e:#}");
    }
}
