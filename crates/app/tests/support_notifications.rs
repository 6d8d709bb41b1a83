//! R-INFO-1's notification outbox through the app, on SQLite and on PostgreSQL when
//! `TEQUIO_TEST_PG_URL` is set: queued in the publication's commit, delivered once across a
//! killed sender and between two senders, retried a bounded number of times, never blocking or
//! losing the publication; and the SMTP transport against a fake server on 127.0.0.1 (to the
//! member's own address; none is "no address"; `tls` against a plain server fails, bounded).

mod common;

use app::support_cases::{
    NewOpportunity, OutboxStatus, Outgoing, SendFuture, SendPolicy, SmtpSecurity, SmtpTransport,
    Transport,
};
use app::{Actor, App};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{backends, d, org_with_members};
use std::sync::{Arc, Mutex};
use support::opportunities::{Fit, Kind};

/// Records what it delivered; hangs (a sender about to be killed) on the message ids listed.
#[derive(Clone, Default)]
struct Recorder {
    delivered: Arc<Mutex<Vec<String>>>,
    hang_on: Arc<Mutex<Vec<usize>>>,
    fail_with: Option<String>,
    started: Arc<Mutex<usize>>,
}

impl Transport for Recorder {
    fn name(&self) -> &'static str {
        "test"
    }
    fn send<'a>(&'a self, m: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let n = {
                let mut s = self.started.lock().unwrap();
                *s += 1;
                *s
            };
            if self.hang_on.lock().unwrap().contains(&n) {
                std::future::pending::<()>().await;
            }
            if let Some(reason) = &self.fail_with {
                return Err(reason.clone());
            }
            self.delivered.lock().unwrap().push(m.id.clone());
            Ok(())
        })
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap()
}

fn offer(title: &str, fit: Fit) -> NewOpportunity {
    NewOpportunity {
        kind: Kind::Buyer,
        title: title.into(),
        description: "Entrega en febrero".into(),
        deadline: d(2026, 12, 31),
        fit,
    }
}

async fn publish(app: &App, org: i64, reference: &str) {
    app.publish_opportunity(
        org,
        &Actor::cli(),
        Some(reference),
        offer("Hotel busca cazuelas", Fit::default()),
        d(2026, 12, 5),
    )
    .await
    .unwrap();
}

/// Each id delivered, counted.
fn counts(r: &Recorder) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for id in r.delivered.lock().unwrap().iter() {
        *out.entry(id.clone()).or_insert(0) += 1;
    }
    out
}

#[tokio::test]
async fn r_info_1_a_publication_queues_its_matches_in_the_same_commit() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "avisos", 3).await;
        // Only the first member declares a capacity of 150: a minimum of 100 fits her alone.
        app.declare_capacities(
            org,
            &Actor::cli(),
            vec![app::trade_cases::CapacityInput {
                member: ids[0],
                product: "cazuela".into(),
                grade: "A".into(),
                capacity_units: 150,
                min_lot_units: 10,
                declared_on: d(2026, 11, 1),
            }],
        )
        .await
        .unwrap();
        let before = common::event_count(&app, org).await;
        let fit = Fit {
            min_capacity: Some(100),
            ..Fit::default()
        };
        app.publish_opportunity(
            org,
            &Actor::cli(),
            Some("grande"),
            offer("Hotel busca 500 cazuelas", fit),
            d(2026, 12, 5),
        )
        .await
        .unwrap();
        // One publication and one message: 2 events.
        assert_eq!(common::event_count(&app, org).await, before + 2, "{name}");
        let outbox = app.outbox(org).await.unwrap();
        assert_eq!(outbox.len(), 1, "{name}");
        assert_eq!(outbox[0].member_id, ids[0], "{name}");
        assert_eq!(outbox[0].status, OutboxStatus::Pending, "{name}");
        assert!(outbox[0].subject.contains("Hotel busca 500 cazuelas"));
        assert!(outbox[0].body.contains("31/12/2026"), "{}", outbox[0].body);
        // Publishing the same reference again queues nothing more.
        let fit = Fit {
            min_capacity: Some(100),
            ..Fit::default()
        };
        app.publish_opportunity(
            org,
            &Actor::cli(),
            Some("grande"),
            offer("Hotel busca 500 cazuelas", fit),
            d(2026, 12, 6),
        )
        .await
        .unwrap();
        assert_eq!(app.outbox(org).await.unwrap().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn r_info_1_each_message_is_sent_once_across_a_killed_sender() {
    for (name, app) in backends().await {
        let app = Arc::new(app);
        let (org, _) = org_with_members(&app, "reinicio", 3).await;
        publish(&app, org, "r1").await;
        let policy = SendPolicy::default();
        // The first sender delivers one message, then hangs in the second: it is killed there.
        let first = Recorder::default();
        first.hang_on.lock().unwrap().push(2);
        let task = {
            let (app, first, policy) = (app.clone(), first.clone(), policy);
            tokio::spawn(async move { app.send_notifications(&first, &policy, t0()).await })
        };
        for _ in 0..200 {
            if *first.started.lock().unwrap() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        task.abort();
        let _ = task.await;
        assert_eq!(first.delivered.lock().unwrap().len(), 1, "{name}");
        let statuses: Vec<OutboxStatus> = app
            .outbox(org)
            .await
            .unwrap()
            .iter()
            .map(|m| m.status)
            .collect();
        assert_eq!(
            statuses,
            [
                OutboxStatus::Sent,
                OutboxStatus::Sending,
                OutboxStatus::Pending
            ],
            "{name}"
        );
        // Restarted within the lease: the held message waits, the third goes.
        let second = Recorder::default();
        let r = app
            .send_notifications(&second, &policy, t0() + Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!((r.sent, r.skipped), (1, 0), "{name}");
        // After the lease the dead sender's message is taken as attempt 2.
        let r = app
            .send_notifications(&second, &policy, t0() + policy.lease)
            .await
            .unwrap();
        assert_eq!(r.sent, 1, "{name}");
        // Nothing is left: a further pass sends nothing.
        let r = app
            .send_notifications(&second, &policy, t0() + Duration::days(1))
            .await
            .unwrap();
        assert_eq!(r.sent, 0, "{name}");
        let mut all = counts(&first);
        for (id, n) in counts(&second) {
            *all.entry(id).or_insert(0) += n;
        }
        assert_eq!(all.len(), 3, "{name}: {all:?}");
        assert!(all.values().all(|&n| n == 1), "{name}: {all:?}");
        let outbox = app.outbox(org).await.unwrap();
        assert!(outbox.iter().all(|m| m.status == OutboxStatus::Sent));
        assert_eq!(outbox[1].attempts, 2, "{name}");
    }
}

#[tokio::test]
async fn r_info_1_two_senders_at_once_deliver_each_message_once() {
    for (name, app) in backends().await {
        let (org, _) = org_with_members(&app, "dos", 4).await;
        publish(&app, org, "d1").await;
        let shared = Recorder::default();
        let policy = SendPolicy::default();
        let (a, b) = tokio::join!(
            app.send_notifications(&shared, &policy, t0()),
            app.send_notifications(&shared, &policy, t0())
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sent + b.sent, 4, "{name}: {a:?} {b:?}");
        let c = counts(&shared);
        assert_eq!(c.len(), 4, "{name}");
        assert!(c.values().all(|&n| n == 1), "{name}: {c:?}");
    }
}

#[tokio::test]
async fn r_info_1_retries_are_bounded_and_a_failing_transport_loses_nothing() {
    for (name, app) in backends().await {
        let app = Arc::new(app);
        let (org, ids) = org_with_members(&app, "falla", 1).await;
        publish(&app, org, "f1").await;
        let failing = Recorder {
            fail_with: Some("relay refused".into()),
            ..Recorder::default()
        };
        let policy = SendPolicy {
            max_attempts: 3,
            backoff: Duration::seconds(60),
            ..SendPolicy::default()
        };
        // Attempt 1 at t0 fails: the next may start at t0 + 60 s.
        let r = app
            .send_notifications(&failing, &policy, t0())
            .await
            .unwrap();
        assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 0), "{name}");
        let m = &app.outbox(org).await.unwrap()[0];
        assert_eq!(m.next_attempt_at, Some(t0() + Duration::seconds(60)));
        // Before then nothing is tried.
        let r = app
            .send_notifications(&failing, &policy, t0() + Duration::seconds(59))
            .await
            .unwrap();
        assert_eq!(r, Default::default(), "{name}");
        // Attempt 2 at t0 + 60 s fails: the wait doubles to 120 s, so t0 + 180 s.
        app.send_notifications(&failing, &policy, t0() + Duration::seconds(60))
            .await
            .unwrap();
        let m = &app.outbox(org).await.unwrap()[0];
        assert_eq!(m.next_attempt_at, Some(t0() + Duration::seconds(180)));
        // Attempt 3 is the last: a final failure with its reason.
        let r = app
            .send_notifications(&failing, &policy, t0() + Duration::seconds(180))
            .await
            .unwrap();
        assert_eq!(r.failed, 1, "{name}");
        let r = app
            .send_notifications(&failing, &policy, t0() + Duration::days(30))
            .await
            .unwrap();
        assert_eq!(r, Default::default(), "{name}");
        assert_eq!(*failing.started.lock().unwrap(), 3, "{name}");
        let m = &app.outbox(org).await.unwrap()[0];
        assert_eq!(m.status, OutboxStatus::Failed, "{name}");
        assert_eq!(m.attempts, 3, "{name}");
        assert_eq!(m.last_error.as_deref(), Some("relay refused"), "{name}");
        // The publication stands and the member still sees it.
        assert_eq!(app.opportunities(org).await.unwrap().len(), 1, "{name}");
        assert_eq!(
            app.para_ti(org, ids[0], d(2026, 12, 5))
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
        // A sender stuck in a transport that never answers does not block a publication.
        let stuck = Recorder::default();
        stuck.hang_on.lock().unwrap().push(1);
        app.publish_opportunity(
            org,
            &Actor::cli(),
            Some("f2"),
            offer("Segunda", Fit::default()),
            d(2026, 12, 5),
        )
        .await
        .unwrap();
        let task = {
            let (app, stuck) = (app.clone(), stuck.clone());
            let policy = SendPolicy {
                timeout: std::time::Duration::from_secs(3600),
                ..policy
            };
            tokio::spawn(async move { app.send_notifications(&stuck, &policy, t0()).await })
        };
        while *stuck.started.lock().unwrap() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let published = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            app.publish_opportunity(
                org,
                &Actor::cli(),
                Some("f3"),
                offer("Tercera", Fit::default()),
                d(2026, 12, 5),
            ),
        )
        .await;
        assert!(matches!(published, Ok(Ok(_))), "{name}");
        task.abort();
        assert_eq!(app.outbox(org).await.unwrap().len(), 3, "{name}");
        // The attempt timeout turns a silent transport into a failed attempt.
        let short = SendPolicy {
            timeout: std::time::Duration::from_millis(50),
            ..policy
        };
        let silent = Recorder::default();
        silent.hang_on.lock().unwrap().extend([1, 2]);
        let r = app
            .send_notifications(&silent, &short, t0() + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(r.retrying, 2, "{name}: {r:?}");
    }
}

#[tokio::test]
async fn r_info_1_a_programme_wide_opportunity_is_queued_in_each_odf() {
    for (name, app) in backends().await {
        let (a, _) = org_with_members(&app, "uno", 2).await;
        let (b, _) = org_with_members(&app, "otro", 3).await;
        app.publish_opportunity(
            store::PROGRAMME_ORG,
            &Actor::cli(),
            Some("nacional"),
            offer("Convocatoria nacional", Fit::default()),
            d(2026, 12, 5),
        )
        .await
        .unwrap();
        // Published: the fan-out waits for the sender.
        assert!(app.outbox(a).await.unwrap().is_empty(), "{name}");
        let rec = Recorder::default();
        let r = app
            .send_notifications(&rec, &SendPolicy::default(), t0())
            .await
            .unwrap();
        // 2 + 3 members.
        assert_eq!((r.queued, r.sent), (5, 5), "{name}");
        assert_eq!(app.outbox(a).await.unwrap().len(), 2, "{name}");
        assert_eq!(app.outbox(b).await.unwrap().len(), 3, "{name}");
        let r = app
            .send_notifications(&rec, &SendPolicy::default(), t0())
            .await
            .unwrap();
        assert_eq!((r.queued, r.sent), (0, 0), "{name}");
    }
}

/// A fake SMTP server on 127.0.0.1: refuses the recipient of the first `refuse` sessions with
/// 451, accepts the others and keeps each message's DATA.
async fn fake_smtp(refuse: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        for session in 0..20usize {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (r, mut w) = stream.into_split();
            let mut r = BufReader::new(r);
            w.write_all(b"220 prueba ESMTP\r\n").await.unwrap();
            let mut line = String::new();
            while {
                line.clear();
                r.read_line(&mut line).await.unwrap() > 0
            } {
                let reply: &[u8] = if line.starts_with("EHLO") {
                    b"250-prueba\r\n250 8BITMIME\r\n"
                } else if line.starts_with("RCPT") && session < refuse {
                    b"451 4.3.0 try later\r\n"
                } else if line.starts_with("DATA") {
                    w.write_all(b"354 go\r\n").await.unwrap();
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        r.read_line(&mut l).await.unwrap();
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    kept.lock().unwrap().push(data);
                    b"250 queued\r\n"
                } else if line.starts_with("QUIT") {
                    let _ = w.write_all(b"221 bye\r\n").await;
                    break;
                } else {
                    b"250 ok\r\n"
                };
                w.write_all(reply).await.unwrap();
            }
        }
    });
    (addr, got)
}

fn smtp_to(addr: &str, security: SmtpSecurity) -> SmtpTransport {
    let (host, port) = addr.rsplit_once(':').unwrap();
    SmtpTransport {
        host: host.into(),
        port: port.parse().unwrap(),
        security,
        user: None,
        password: None,
        from: "avisos@odf.example".into(),
        hello: "tequio".into(),
        timeout: std::time::Duration::from_secs(10),
    }
}

/// Gives member `id` the address `email` (issue 19).
async fn give_address(app: &App, org: i64, id: i64, email: &str) {
    let contact = registry::Contact::parse(email, "").unwrap();
    app.set_member_contact(org, id, &contact, &Actor::cli())
        .await
        .unwrap();
}

#[tokio::test]
async fn r_info_1_smtp_delivers_to_the_members_address_after_a_refused_first_attempt() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "correo", 2).await;
        give_address(&app, org, ids[0], "Socia0@ODF.example").await;
        publish(&app, org, "s1").await;
        let (addr, got) = fake_smtp(1).await;
        let smtp = smtp_to(&addr, SmtpSecurity::None);
        let policy = SendPolicy::default();
        let r = app.send_notifications(&smtp, &policy, t0()).await.unwrap();
        // The first member's RCPT is refused once; the second has no address: never tried.
        assert_eq!((r.retrying, r.no_address), (1, 1), "{name}: {r:?}");
        let outbox = app.outbox(org).await.unwrap();
        assert!(
            outbox[0].last_error.as_deref().unwrap().contains("451"),
            "{name}: {:?}",
            outbox[0].last_error
        );
        assert_eq!(outbox[1].status, OutboxStatus::NoAddress, "{name}");
        assert_eq!(outbox[1].attempts, 0, "{name}");
        let r = app
            .send_notifications(&smtp, &policy, t0() + policy.wait_after(1))
            .await
            .unwrap();
        assert_eq!((r.sent, r.no_address), (1, 0), "{name}: {r:?}");
        let data = got.lock().unwrap().clone();
        assert_eq!(data.len(), 1, "{name}");
        // The domain is kept in lower case, as the registry checked it.
        assert!(data[0].contains("To: Socia0@odf.example"), "{}", data[0]);
        assert!(data[0].contains("Nueva oportunidad para ti"), "{}", data[0]);
        assert!(
            data[0].contains(&format!(
                "Message-ID: <{org}.notification.odf.s1.{}@tequio>",
                ids[0]
            )),
            "{}",
            data[0]
        );
        let outbox = app.outbox(org).await.unwrap();
        assert_eq!(outbox[0].status, OutboxStatus::Sent, "{name}");
        // "No address" is final: an address given later does not resend that message, and a
        // week of passes tries nothing.
        give_address(&app, org, ids[1], "socia1@odf.example").await;
        let r = app
            .send_notifications(&smtp, &policy, t0() + Duration::days(7))
            .await
            .unwrap();
        assert_eq!(r, Default::default(), "{name}");
        assert_eq!(got.lock().unwrap().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn r_info_1_tls_against_a_plain_server_is_a_bounded_recorded_failure() {
    let app = common::sqlite().await;
    let (org, ids) = org_with_members(&app, "tls", 1).await;
    give_address(&app, org, ids[0], "socia@odf.example").await;
    publish(&app, org, "t1").await;
    let (addr, got) = fake_smtp(0).await;
    let smtp = smtp_to(&addr, SmtpSecurity::Tls);
    let policy = SendPolicy {
        max_attempts: 2,
        timeout: std::time::Duration::from_secs(20),
        ..SendPolicy::default()
    };
    let started = std::time::Instant::now();
    let r = app.send_notifications(&smtp, &policy, t0()).await.unwrap();
    assert_eq!(r.retrying, 1, "{r:?}");
    let r = app
        .send_notifications(&smtp, &policy, t0() + policy.wait_after(1))
        .await
        .unwrap();
    assert_eq!(r.failed, 1, "{r:?}");
    // Bounded: two attempts, each well within the attempt timeout.
    assert!(started.elapsed() < std::time::Duration::from_secs(40));
    let m = &app.outbox(org).await.unwrap()[0];
    assert_eq!((m.status, m.attempts), (OutboxStatus::Failed, 2));
    let reason = m.last_error.as_deref().unwrap();
    assert!(reason.contains("(tls)"), "{reason}");
    // Nothing reached the server as a message.
    assert!(got.lock().unwrap().is_empty());
}
