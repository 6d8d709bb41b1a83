//! The notification transports (R-INFO-1), chosen by configuration:
//! - [`LogTransport`] (the default): no network; one JSON line per message on standard output
//!   or appended to a file.
//! - [`SmtpTransport`]: plain SMTP to a relay (`host:port`, e.g. the ODF's mail server on
//!   localhost, which carries TLS onwards). Members have no address in the registry yet, so the
//!   recipient is a template (`{org}`, `{member}`), e.g. a mailbox per ODF or an SMS gateway.
//!
//! No SMTP crate is vendored here, so the client is the protocol's few commands (EHLO, MAIL,
//! RCPT, DATA, QUIT) over a TCP stream; the subject is RFC 2047 encoded, the body UTF-8 with
//! dot-stuffing, and the `Message-ID` is the outbox key so a receiver drops a duplicate.

use super::notifications::{Outgoing, SendFuture, Transport};
use std::path::PathBuf;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

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

/// Plain SMTP to a relay.
#[derive(Debug, Clone)]
pub struct SmtpTransport {
    /// `host:port` of the relay.
    pub addr: String,
    /// The envelope and `From:` address.
    pub from: String,
    /// The recipient, with `{org}` (the ODF's slug) and `{member}` (the member's number).
    pub to: String,
    /// The name given in EHLO.
    pub hello: String,
}

impl SmtpTransport {
    /// The recipient of a message.
    pub fn recipient(&self, m: &Outgoing) -> String {
        self.to
            .replace("{org}", &m.org_slug)
            .replace("{member}", &m.member_id.to_string())
    }
}

impl Transport for SmtpTransport {
    fn name(&self) -> &'static str {
        "smtp"
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move { self.deliver(message).await })
    }
}

/// The base64 of `bytes` (RFC 4648, padded).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A header value: as is when plain ASCII, else RFC 2047 `=?UTF-8?B?...?=`.
fn header_text(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    if clean.is_ascii() {
        clean
    } else {
        format!("=?UTF-8?B?{}?=", base64(clean.as_bytes()))
    }
}

/// An address without anything that could end the command line or the header.
fn address(text: &str) -> Result<String, String> {
    let a = text.trim();
    if a.is_empty() || a.len() > 254 || a.chars().any(|c| c.is_control() || "<> ,".contains(c)) {
        return Err(format!("'{a}' is not a mail address"));
    }
    Ok(a.to_string())
}

/// The message as DATA sends it: headers, blank line, body with CRLF and dot-stuffing, and the
/// final `.` line.
pub fn smtp_data(
    from: &str,
    to: &str,
    m: &Outgoing,
    date: chrono::DateTime<chrono::Utc>,
) -> String {
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
    let mut out = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nMessage-ID: <{id}@tequio>\r\nDate: {}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n",
        header_text(&m.subject),
        date.to_rfc2822(),
    );
    for line in m.body.lines() {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

impl SmtpTransport {
    async fn deliver(&self, m: &Outgoing) -> Result<(), String> {
        let from = address(&self.from)?;
        let to = address(&self.recipient(m))?;
        let stream = tokio::net::TcpStream::connect(&self.addr)
            .await
            .map_err(|e| format!("smtp {}: {e}", self.addr))?;
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        expect(&mut read, 220, "greeting").await?;
        let hello = if self.hello.trim().is_empty() {
            "tequio"
        } else {
            self.hello.trim()
        };
        for (command, code, what) in [
            (format!("EHLO {hello}\r\n"), 250, "EHLO"),
            (format!("MAIL FROM:<{from}>\r\n"), 250, "MAIL FROM"),
            (format!("RCPT TO:<{to}>\r\n"), 250, "RCPT TO"),
            ("DATA\r\n".to_string(), 354, "DATA"),
            (smtp_data(&from, &to, m, chrono::Utc::now()), 250, "message"),
        ] {
            write
                .write_all(command.as_bytes())
                .await
                .map_err(|e| format!("smtp {what}: {e}"))?;
            expect(&mut read, code, what).await?;
        }
        // The message is accepted; a failed goodbye changes nothing.
        let _ = write.write_all(b"QUIT\r\n").await;
        Ok(())
    }
}

/// Reads one (possibly multi-line) reply and checks its code (`251` passes for `250`).
async fn expect<R: tokio::io::AsyncBufRead + Unpin>(
    read: &mut R,
    code: u16,
    what: &str,
) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = read
            .read_line(&mut line)
            .await
            .map_err(|e| format!("smtp {what}: {e}"))?;
        if n == 0 {
            return Err(format!("smtp {what}: the server closed the connection"));
        }
        let got: u16 = line
            .get(..3)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("smtp {what}: unreadable reply '{}'", line.trim_end()))?;
        if line.as_bytes().get(3) == Some(&b'-') {
            continue;
        }
        return if got == code || (code == 250 && got == 251) {
            Ok(())
        } else {
            Err(format!("smtp {what}: {}", line.trim_end()))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_encoded_subjects_match_the_rfc() {
        // RFC 4648's test vectors.
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(header_text("Hola"), "Hola");
        // "ñ" is C3 B1: base64 "w7E=".
        assert_eq!(header_text("ñ"), "=?UTF-8?B?w7E=?=");
        assert!(address("a@b.mx").is_ok());
        assert!(address("a@b.mx>\r\nRCPT TO:<x@y").is_err());
    }

    #[test]
    fn a_body_line_starting_with_a_dot_is_stuffed() {
        let m = Outgoing {
            id: "1.notification:odf:r:2".into(),
            org_id: 1,
            org_slug: "x".into(),
            member_id: 2,
            member_name: "Ana".into(),
            subject: "S".into(),
            body: "uno\n.dos\n".into(),
        };
        let data = smtp_data("a@b.mx", "c@d.mx", &m, chrono::Utc::now());
        assert!(data.contains("\r\nuno\r\n..dos\r\n.\r\n"), "{data}");
        assert!(data.contains("Message-ID: <1.notification.odf.r.2@tequio>"));
    }
}
