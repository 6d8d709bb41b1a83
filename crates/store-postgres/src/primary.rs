//! Following the primary of a high-availability formation (issue 21).
//!
//! A pg_auto_failover formation prints its address as a multi-host URL,
//! `postgres://user:password@h1:p1,h2:p2/db?target_session_attrs=read-write`, and sqlx takes
//! one host. So [`Target::parse`] splits the URL into its hosts and one single-host URL sqlx
//! parses (the same user, password, database and parameters), and [`Primary`] keeps the pool
//! pointed at the host that accepts writes: at connect it tries the hosts in order and keeps
//! the first one where `pg_is_in_recovery()` is false; when a statement fails because the
//! server went away or became a standby ([`needs_primary`]), [`Primary::follow`] looks for the
//! primary again (bounded, with backoff, logged), points the pool's new connections at it and
//! retires the connections opened before. The store then runs the failed transaction again:
//! every write is keyed (entries by idempotency key, events by key), so a write whose first
//! attempt did commit answers as a replay, never twice.
//!
//! A URL with one host and no `target_session_attrs` is given to sqlx unchanged, and nothing
//! here runs for it.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use store::StoreError;

/// PostgreSQL's port when a host names none.
const DEFAULT_PORT: u16 = 5432;
/// How long a search for the primary goes on before the write fails (a pg_auto_failover
/// failover takes seconds to tens of seconds, depending on its health-check settings).
pub(crate) const FOLLOW_FOR: Duration = Duration::from_secs(90);
/// How long one probe of one host may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a pool of a multi-host store waits for a connection: short, so a dead primary is
/// noticed and followed rather than waited on.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// `read-write` (the primary only) or `any` (the first host that answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionAttrs {
    Any,
    ReadWrite,
}

/// A database URL split for sqlx: its hosts in order and the single-host URL of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// `host`, `port` in the URL's order.
    pub(crate) hosts: Vec<(String, u16)>,
    /// The URL with the first host only and without `target_session_attrs` (sqlx's form).
    pub(crate) single: String,
    pub(crate) attrs: SessionAttrs,
}

fn bad_url(why: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("database url: {why}"))
}

impl Target {
    /// `None` when the URL has one host and no `target_session_attrs`: sqlx takes it as it
    /// is. Otherwise the hosts, and a single-host URL with everything else kept as written
    /// (user and password stay percent-encoded, as sqlx expects them).
    pub(crate) fn parse(url: &str) -> Result<Option<Target>, StoreError> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad_url("expected postgres://user:password@host:port/database"))?;
        if scheme != "postgres" && scheme != "postgresql" {
            return Err(bad_url(format!("scheme '{scheme}' is not postgres")));
        }
        // The query starts at the first '?'; user information ends at the last '@' before it
        // (a password may hold a raw '@' or '/'; a '?' in it must be percent-encoded).
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (rest, None),
        };
        let (userinfo, after_user) = match before_query.rfind('@') {
            Some(at) => (Some(&before_query[..at]), &before_query[at + 1..]),
            None => (None, before_query),
        };
        let (hostlist, path) = match after_user.find('/') {
            Some(slash) => (&after_user[..slash], &after_user[slash..]),
            None => (after_user, ""),
        };
        let mut attrs = None;
        let mut params = Vec::new();
        for param in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            match param.split_once('=') {
                Some(("target_session_attrs", value)) => {
                    attrs = Some(match value {
                        "read-write" | "primary" => SessionAttrs::ReadWrite,
                        "any" => SessionAttrs::Any,
                        other => {
                            return Err(bad_url(format!(
                                "target_session_attrs '{other}' is not read-write, primary or any"
                            )))
                        }
                    })
                }
                _ => params.push(param),
            }
        }
        let hosts = hostlist
            .split(',')
            .map(parse_host)
            .collect::<Result<Vec<_>, _>>()?;
        if hosts.len() == 1 && attrs.is_none() {
            return Ok(None);
        }
        let (host, port) = &hosts[0];
        let mut single = format!("{scheme}://");
        if let Some(userinfo) = userinfo {
            single.push_str(userinfo);
            single.push('@');
        }
        single.push_str(&host_port(host, *port));
        single.push_str(path);
        if !params.is_empty() {
            single.push('?');
            single.push_str(&params.join("&"));
        }
        Ok(Some(Target {
            hosts,
            single,
            // Several hosts are there to find the one that takes writes.
            attrs: attrs.unwrap_or(SessionAttrs::ReadWrite),
        }))
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn parse_host(text: &str) -> Result<(String, u16), StoreError> {
    let port = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| bad_url(format!("port '{p}' of host '{text}' is not a number")))
    };
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad_url(format!("host '{text}': unclosed '['")))?;
        match after.strip_prefix(':') {
            Some(p) => (host, port(p)?),
            None if after.is_empty() => (host, DEFAULT_PORT),
            None => return Err(bad_url(format!("host '{text}': unexpected '{after}'"))),
        }
    } else {
        match text.split_once(':') {
            Some((host, p)) => (host, port(p)?),
            None => (text, DEFAULT_PORT),
        }
    };
    if host.is_empty() {
        return Err(bad_url(format!("empty host in '{text}'")));
    }
    Ok((host.to_string(), port))
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The hosts of a formation and which of them the pool writes to.
#[derive(Debug)]
pub(crate) struct Primary {
    target: Target,
    /// Options for the first host; each probe and each switch sets host and port.
    options: PgConnectOptions,
    /// When the pool was last pointed at a primary: connections older than that may be on a
    /// server that is now a standby (or gone), and are closed instead of used.
    switched: Mutex<Switch>,
    /// One search at a time; the others wait for its answer.
    following: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone, Copy)]
struct Switch {
    at: Instant,
    /// Index into `target.hosts`.
    host: usize,
}

impl Primary {
    pub(crate) fn new(target: Target, options: PgConnectOptions) -> Self {
        Primary {
            target,
            options,
            switched: Mutex::new(Switch {
                at: Instant::now(),
                host: 0,
            }),
            following: tokio::sync::Mutex::new(()),
        }
    }

    fn switch(&self) -> Switch {
        *self
            .switched
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The options of host `index`.
    fn options_for(&self, index: usize) -> PgConnectOptions {
        let (host, port) = &self.target.hosts[index];
        self.options.clone().host(host).port(*port)
    }

    /// Whether a pooled connection opened `age` ago may still be used: it was opened after
    /// the pool last changed primary.
    pub(crate) fn is_current(&self, age: Duration) -> bool {
        age <= self.switch().at.elapsed()
    }

    /// Whether `conn` is on a server that serves this target: any server for `any`; for
    /// `read-write`, one that is not in recovery and whose sessions are not read-only (as
    /// libpq's `target_session_attrs=read-write` asks). pg_auto_failover keeps a promoted
    /// standby read-only (`default_transaction_read_only`) until the old primary is known to
    /// be demoted: it is not the primary yet.
    pub(crate) async fn serves(&self, conn: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
        if self.target.attrs == SessionAttrs::Any {
            return Ok(true);
        }
        let writable: bool = sqlx::query_scalar(
            "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'",
        )
        .fetch_one(conn)
        .await?;
        Ok(writable)
    }

    /// The first host, in the URL's order, that answers and serves the target.
    async fn probe(&self) -> Result<usize, String> {
        let mut seen = Vec::new();
        for index in 0..self.target.hosts.len() {
            let (host, port) = &self.target.hosts[index];
            let attempt = async {
                let mut conn = self.options_for(index).connect().await?;
                let serves = self.serves(&mut conn).await;
                let _ = conn.close().await;
                serves
            };
            match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
                Ok(Ok(true)) => return Ok(index),
                Ok(Ok(false)) => seen.push(format!("{host}:{port} is a standby or read-only")),
                Ok(Err(e)) => seen.push(format!("{host}:{port}: {e}")),
                Err(_) => seen.push(format!("{host}:{port}: no answer in {PROBE_TIMEOUT:?}")),
            }
        }
        Err(seen.join("; "))
    }

    /// At connect: the host to start on, looked for for at most `wait`.
    pub(crate) async fn find(&self, wait: Duration) -> Result<PgConnectOptions, StoreError> {
        let index = self.search(wait).await?;
        self.set(index);
        Ok(self.options_for(index))
    }

    fn set(&self, host: usize) {
        *self
            .switched
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Switch {
            at: Instant::now(),
            host,
        };
    }

    /// Probes every host in order until one serves, with a backoff from 100 ms to 2 s
    /// between rounds, for at most `wait`.
    async fn search(&self, wait: Duration) -> Result<usize, StoreError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self.probe().await {
                Ok(index) => return Ok(index),
                Err(seen) if started.elapsed() + pause >= wait => {
                    return Err(StoreError::Backend(format!(
                        "no PostgreSQL primary among {} hosts after {:?}: {seen}",
                        self.target.hosts.len(),
                        started.elapsed()
                    )))
                }
                Err(seen) => {
                    tracing::warn!(waited = ?started.elapsed(), %seen, "looking for the PostgreSQL primary");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// After a failure at `failed_at` that says the pool is not on a primary: finds the
    /// primary (unless another caller has since done it) and points `pool`'s new connections
    /// at it; the connections opened before are closed as they come back ([`is_current`]).
    pub(crate) async fn follow(
        &self,
        pool: &sqlx::PgPool,
        failed_at: Instant,
        what: &str,
    ) -> Result<(), StoreError> {
        let _one = self.following.lock().await;
        if self.switch().at > failed_at {
            return Ok(());
        }
        let before = self.switch().host;
        let started = Instant::now();
        let index = self.search(FOLLOW_FOR).await?;
        pool.set_connect_options(self.options_for(index));
        self.set(index);
        let (host, port) = &self.target.hosts[index];
        let (old_host, old_port) = &self.target.hosts[before];
        tracing::warn!(
            what,
            primary = %format!("{host}:{port}"),
            was = %format!("{old_host}:{old_port}"),
            searched = ?started.elapsed(),
            "following the PostgreSQL primary; retrying the write (keyed, so at most once)"
        );
        Ok(())
    }
}

/// SQLSTATEs that say the server is not (or no longer) a primary that takes this session:
/// read_only_sql_transaction, admin and crash shutdown, cannot connect now, and the class 08
/// connection exceptions.
fn is_failover_state(code: &str) -> bool {
    matches!(code, "25006" | "57P01" | "57P02" | "57P03") || code.starts_with("08")
}

/// Whether `e` says the connection went away or landed on a standby: the primary must be
/// looked for again and the transaction run again.
pub(crate) fn needs_primary(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| is_failover_state(&c)),
        _ => false,
    }
}

/// The options for a URL: the single-host form of a multi-host URL (the hosts are set from
/// [`Target::hosts`] when connecting), or the URL itself.
pub(crate) fn options(url: &str) -> Result<(PgConnectOptions, Option<Target>), StoreError> {
    let target = Target::parse(url)?;
    let single = target.as_ref().map_or(url, |t| t.single.as_str());
    let options = PgConnectOptions::from_str(single).map_err(|e| bad_url(format!("{e}")))?;
    Ok((options, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap().unwrap()
    }

    #[test]
    fn a_single_host_url_is_left_to_sqlx_unchanged() {
        for url in [
            "postgres://tequio:tequio@127.0.0.1:5432/tequio",
            "postgresql://u:p@db.example/x?sslmode=require",
            "postgres://u@[::1]:6000/db",
            "postgres://localhost/db",
        ] {
            assert_eq!(Target::parse(url).unwrap(), None, "{url}");
        }
        let (options, none) = options("postgres://tequio:tequio@127.0.0.1:5433/tequio").unwrap();
        assert!(none.is_none());
        assert_eq!(
            (
                options.get_host(),
                options.get_port(),
                options.get_database()
            ),
            ("127.0.0.1", 5433, Some("tequio"))
        );
    }

    #[test]
    fn the_uri_pg_autoctl_prints_is_split_into_its_hosts() {
        let t = target(
            "postgres://tequio:tequio@127.0.0.1:6001,127.0.0.1:6002/tequio?target_session_attrs=read-write&sslmode=prefer",
        );
        assert_eq!(
            t.hosts,
            vec![
                ("127.0.0.1".to_string(), 6001),
                ("127.0.0.1".to_string(), 6002)
            ]
        );
        assert_eq!(t.attrs, SessionAttrs::ReadWrite);
        assert_eq!(
            t.single,
            "postgres://tequio:tequio@127.0.0.1:6001/tequio?sslmode=prefer"
        );
    }

    #[test]
    fn hosts_without_ports_take_5432_and_ipv6_hosts_keep_brackets() {
        let t = target(
            "postgresql://u:p@a.example,[::1]:6002,[fe80::1],b:7/db?target_session_attrs=any",
        );
        assert_eq!(
            t.hosts,
            vec![
                ("a.example".to_string(), 5432),
                ("::1".to_string(), 6002),
                ("fe80::1".to_string(), 5432),
                ("b".to_string(), 7),
            ]
        );
        assert_eq!(t.attrs, SessionAttrs::Any);
        assert_eq!(t.single, "postgresql://u:p@a.example:5432/db");
        let t = target("postgres://u@[::1]:6001,h/db");
        assert_eq!(t.single, "postgres://u@[::1]:6001/db");
        // Several hosts are there to find the primary: read-write unless told otherwise.
        assert_eq!(t.attrs, SessionAttrs::ReadWrite);
    }

    #[test]
    fn one_host_with_target_session_attrs_is_followed_too() {
        let t = target("postgres://u:p@h:6001/db?target_session_attrs=primary");
        assert_eq!(t.hosts, vec![("h".to_string(), 6001)]);
        assert_eq!(t.attrs, SessionAttrs::ReadWrite);
        assert_eq!(t.single, "postgres://u:p@h:6001/db");
    }

    #[test]
    fn passwords_with_special_characters_reach_sqlx_decoded() {
        // Percent-encoded '@', '/', ':', '?', '#' and ',' in the password, and a raw '@'.
        let (options, t) = options(
            "postgres://te%40quio:p%40ss%2Fw%3Ard%3F%23%2C@h1:6001,h2:6002/tequio?target_session_attrs=read-write",
        )
        .unwrap();
        let t = t.unwrap();
        assert_eq!(t.hosts.len(), 2);
        assert_eq!(options.get_username(), "te@quio");
        assert_eq!((options.get_host(), options.get_port()), ("h1", 6001));
        assert_eq!(options.get_database(), Some("tequio"));
        let raw = target("postgres://u:p@ss/w@h1:1,h2:2/db");
        assert_eq!(
            raw.hosts,
            vec![("h1".to_string(), 1), ("h2".to_string(), 2)]
        );
        assert_eq!(raw.single, "postgres://u:p@ss/w@h1:1/db");
    }

    #[test]
    fn bad_urls_are_refused_naming_what_is_wrong() {
        let err = |url: &str| Target::parse(url).unwrap_err().to_string();
        assert!(err("mysql://u@h1,h2/db").contains("scheme 'mysql'"));
        assert!(err("postgres://u@h1:60x1,h2/db").contains("port '60x1'"));
        assert!(err("postgres://u@h1,,h2/db").contains("empty host"));
        assert!(err("postgres://u@[::1,h2/db").contains("unclosed"));
        assert!(err("postgres://u@h1,h2/db?target_session_attrs=standby")
            .contains("target_session_attrs 'standby'"));
        assert!(err("h1,h2").contains("expected postgres://"));
    }

    #[test]
    fn lost_connections_and_standbys_need_the_primary_other_failures_do_not() {
        assert!(needs_primary(&sqlx::Error::PoolTimedOut));
        assert!(needs_primary(&sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset
        ))));
        assert!(!needs_primary(&sqlx::Error::RowNotFound));
        assert!(!needs_primary(&sqlx::Error::PoolClosed));
        for code in ["25006", "57P01", "57P02", "57P03", "08006", "08001"] {
            assert!(is_failover_state(code), "{code}");
        }
        for code in ["40001", "40P01", "23505", "22003", "42P01"] {
            assert!(!is_failover_state(code), "{code}");
        }
    }
}
