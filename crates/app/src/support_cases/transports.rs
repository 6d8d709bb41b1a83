//! The notification transports (R-INFO-1), chosen by configuration:
//! - [`LogTransport`] (the default): no network; one JSON line per message on standard output
//!   or appended to a file.
//! - [`SmtpTransport`]: SMTP through the `lettre` crate (rustls, no system OpenSSL) to the
//!   member's own address (issue 19: the registry's contact), with `starttls` (the default),
//!   `tls` (TLS from the first byte, port 465) or `none` (a relay on localhost), and a user and
//!   password when the server asks for them. The `Message-ID` is the outbox key, so a receiver
//!   drops a duplicate; a member without an address is the sender's business (`no address`,
//!   never an attempt).

use super::notifications::{Outgoing, SendFuture, Transport};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// Writes each message as one JSON line.
#[derive(Debug, Clone, Default)]
pub struct LogTransport {
    /// Append to this file; standard output when none.
    pub file: Option<PathBuf>,
}

impl Transport for LogTransport {
    fn name(&self) -> &'static str {
        "log"
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let mut line = serde_json::to_string(message).map_err(|e| e.to_string())?;
            line.push('\n');
            match &self.file {
                None => {
                    tracing::info!(target: "tequio::notify", id = %message.id, "{}", line.trim_end());
                    print!("{line}");
                    Ok(())
                }
                Some(path) => {
                    let mut f = tokio::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .await
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    f.write_all(line.as_bytes())
                        .await
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    f.flush().await.map_err(|e| e.to_string())
                }
            }
        })
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain first, then `STARTTLS`, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same machine or network.
    None,
}

impl SmtpSecurity {
    /// `starttls`, `tls` or `none`, as the configuration writes it.
    pub fn parse(text: &str) -> Option<SmtpSecurity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" => Some(SmtpSecurity::Tls),
            "none" => Some(SmtpSecurity::None),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }
}

/// SMTP to each member's own address.
#[derive(Clone)]
pub struct SmtpTransport {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// The user to sign in as, when the server asks; with [`SmtpTransport::password`].
    pub user: Option<String>,
    /// Never printed: `Debug` shows whether there is one, not what it is.
    pub password: Option<String>,
    /// The envelope and `From:` address.
    pub from: String,
    /// The name given in EHLO.
    pub hello: String,
    /// How long one connection may wait for the server.
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

impl Transport for SmtpTransport {
    fn name(&self) -> &'static str {
        "smtp"
    }

    fn needs_address(&self) -> bool {
        true
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move { self.deliver(message).await })
    }
}

/// The message id of an outbox message: its key with what an id may hold, at `tequio`.
pub fn message_id(m: &Outgoing) -> String {
    let id: String =
        m.id.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '.'
                }
            })
            .collect();
    format!("<{id}@tequio>")
}

impl SmtpTransport {
    /// The message as sent to `to`: plain UTF-8 text, the outbox key as its `Message-ID`.
    pub fn message(&self, m: &Outgoing, to: &str) -> Result<lettre::Message, String> {
        use lettre::message::header::ContentType;
        let from = self
            .from
            .parse()
            .map_err(|e| format!("smtp from '{}': {e}", self.from))?;
        let to = to.parse().map_err(|e| format!("smtp to '{to}': {e}"))?;
        lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(message_id(m)))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| format!("smtp message: {e}"))
    }

    fn mailer(&self) -> Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::transport::smtp::client::{Tls, TlsParameters};
        use lettre::transport::smtp::extension::ClientId;
        let tls = || {
            TlsParameters::new(self.host.clone())
                .map_err(|e| format!("smtp tls {}: {e}", self.host))
        };
        let mut builder =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&self.host)
                .port(self.port)
                .timeout(Some(self.timeout))
                .hello_name(ClientId::Domain(if self.hello.trim().is_empty() {
                    "tequio".into()
                } else {
                    self.hello.trim().to_string()
                }))
                .tls(match self.security {
                    SmtpSecurity::StartTls => Tls::Required(tls()?),
                    SmtpSecurity::Tls => Tls::Wrapper(tls()?),
                    SmtpSecurity::None => Tls::None,
                });
        if let Some(user) = &self.user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(builder.build())
    }

    async fn deliver(&self, m: &Outgoing) -> Result<(), String> {
        use lettre::AsyncTransport;
        let to = m
            .email
            .as_deref()
            .ok_or_else(|| "the member has no e-mail address".to_string())?;
        let message = self.message(m, to)?;
        self.mailer()?.send(message).await.map(|_| ()).map_err(|e| {
            format!(
                "smtp {}:{} ({}): {e}",
                self.host,
                self.port,
                self.security.as_str()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            id: "1.notification:odf:r:2".into(),
            org_id: 1,
            org_slug: "x".into(),
            member_id: 2,
            member_name: "Ana".into(),
            email: Some("ana@odf.mx".into()),
            subject: "Nueva oportunidad para ti: Cazuelas de Tlayacapan".into(),
            body: "uno\n.dos\n".into(),
        }
    }

    fn smtp() -> SmtpTransport {
        SmtpTransport {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::None,
            user: Some("avisos".into()),
            password: Some("s3creta-larga".into()),
            from: "avisos@odf.mx".into(),
            hello: "tequio".into(),
            timeout: std::time::Duration::from_secs(5),
        }
    }

    #[test]
    fn the_message_id_is_the_outbox_key_and_the_password_is_never_printed() {
        let m = smtp().message(&outgoing(), "ana@odf.mx").unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        assert!(
            text.contains("Message-ID: <1.notification.odf.r.2@tequio>"),
            "{text}"
        );
        assert!(text.contains("To: ana@odf.mx"), "{text}");
        let shown = format!("{:?}", smtp());
        assert!(!shown.contains("s3creta"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        assert!(smtp().message(&outgoing(), "no es correo").is_err());
    }

    #[test]
    fn the_security_setting_reads_its_three_words() {
        assert_eq!(
            SmtpSecurity::parse(" STARTTLS "),
            Some(SmtpSecurity::StartTls)
        );
        assert_eq!(SmtpSecurity::parse("tls"), Some(SmtpSecurity::Tls));
        assert_eq!(SmtpSecurity::parse("none"), Some(SmtpSecurity::None));
        assert_eq!(SmtpSecurity::parse("ssl"), None);
    }
}
