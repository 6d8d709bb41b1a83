//! R-INFO-1 later matches, on SQLite and on PostgreSQL when `TEQUIO_TEST_PG_URL` is set: a
//! member who comes to fit an open opportunity after it was published (added or imported
//! later, or whose trade, place or programmes changed) sees it in "para ti" and gets exactly
//! one message from the sender's sweep; never a second, and none once the deadline passed.

mod common;

use app::support_cases::{
    NewOpportunity, OutboxStatus, Outgoing, SendFuture, SendPolicy, Transport,
};
use app::{Actor, App};
use chrono::{DateTime, TimeZone, Utc};
use common::{backends, d, new_member, org_with_members};
use registry::{MemberEdit, Profile, TargetProgramme};
use std::sync::{Arc, Mutex};
use support::opportunities::{Fit, Kind};

#[derive(Clone, Default)]
struct Recorder {
    delivered: Arc<Mutex<Vec<(i64, String)>>>,
}

impl Transport for Recorder {
    fn name(&self) -> &'static str {
        "test"
    }
    fn send<'a>(&'a self, m: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            self.delivered
                .lock()
                .unwrap()
                .push((m.member_id, m.subject.clone()));
            Ok(())
        })
    }
}

/// 2026-12-05 12:00 in Mexico City (18:00 UTC).
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap()
}

/// An opportunity for weavers (tejido) in Tlayacapan, open until 2026-12-31.
async fn publish_for_weavers(app: &App, org: i64, reference: &str) {
    let fit = Fit {
        trades: ["tejido".to_string()].into(),
        municipalities: ["Tlayacapan".to_string()].into(),
        ..Fit::default()
    };
    app.publish_opportunity(
        org,
        &Actor::cli(),
        Some(reference),
        NewOpportunity {
            kind: Kind::Buyer,
            title: format!("Tienda busca rebozos {reference}"),
            description: "Entrega en enero".into(),
            deadline: d(2026, 12, 31),
            fit,
        },
        d(2026, 12, 5),
    )
    .await
    .unwrap();
}

/// The members with a message in the outbox, in the order queued.
async fn queued_for(app: &App, org: i64) -> Vec<i64> {
    app.outbox(org)
        .await
        .unwrap()
        .iter()
        .map(|m| m.member_id)
        .collect()
}

async fn para_ti_count(app: &App, org: i64, member: i64) -> usize {
    app.para_ti(org, member, d(2026, 12, 5))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn r_info_1_a_member_edited_to_fit_gets_para_ti_and_one_message() {
    for (name, app) in backends().await {
        // Three potters (alfarería): the weavers' opportunity fits none of them.
        let (org, ids) = org_with_members(&app, "tarde", 3).await;
        publish_for_weavers(&app, org, "rebozos").await;
        assert!(queued_for(&app, org).await.is_empty(), "{name}");
        assert_eq!(para_ti_count(&app, org, ids[1]).await, 0, "{name}");
        // The second member changes trade to weaving: "para ti" shows it at once.
        let member = app.store().member(org, ids[1]).await.unwrap();
        let mut edit = MemberEdit::of(&member.data);
        edit.trade = "Tejido".into();
        app.edit_member(org, ids[1], &edit, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(para_ti_count(&app, org, ids[1]).await, 1, "{name}");
        // The sender's pass queues her message and sends it: one, to her.
        let rec = Recorder::default();
        let r = app
            .send_notifications(&rec, &SendPolicy::default(), t0())
            .await
            .unwrap();
        assert_eq!((r.queued, r.sent), (1, 1), "{name}: {r:?}");
        assert_eq!(queued_for(&app, org).await, vec![ids[1]], "{name}");
        // She moves away and back: she fits again, but was told once; no second message.
        let mut away = MemberEdit::of(&app.store().member(org, ids[1]).await.unwrap().data);
        away.municipality = "Cuernavaca".into();
        app.edit_member(org, ids[1], &away, &Actor::cli())
            .await
            .unwrap();
        app.send_notifications(&rec, &SendPolicy::default(), t0())
            .await
            .unwrap();
        away.municipality = "Tlayacapan".into();
        app.edit_member(org, ids[1], &away, &Actor::cli())
            .await
            .unwrap();
        // A programme change to the third member that does not make her fit queues nothing.
        let mut third = MemberEdit::of(&app.store().member(org, ids[2]).await.unwrap().data);
        third.declared_programmes.insert(TargetProgramme::Inventors);
        app.edit_member(org, ids[2], &third, &Actor::cli())
            .await
            .unwrap();
        let r = app
            .send_notifications(&rec, &SendPolicy::default(), t0())
            .await
            .unwrap();
        assert_eq!((r.queued, r.sent), (0, 0), "{name}: {r:?}");
        assert_eq!(
            rec.delivered.lock().unwrap().clone(),
            vec![(
                ids[1],
                "Nueva oportunidad para ti: Tienda busca rebozos rebozos".to_string()
            )],
            "{name}"
        );
        assert!(app
            .outbox(org)
            .await
            .unwrap()
            .iter()
            .all(|m| m.status == OutboxStatus::Sent));
    }
}

#[tokio::test]
async fn r_info_1_a_member_added_later_gets_one_message_and_none_after_the_deadline() {
    for (name, app) in backends().await {
        let (org, _) = org_with_members(&app, "nueva", 2).await;
        publish_for_weavers(&app, org, "abierta").await;
        // A second opportunity whose deadline passes before the new member comes.
        app.publish_opportunity(
            org,
            &Actor::cli(),
            Some("vencida"),
            NewOpportunity {
                kind: Kind::Buyer,
                title: "Feria de diciembre".into(),
                description: "Solo esta semana".into(),
                deadline: d(2026, 12, 6),
                fit: Fit {
                    trades: ["tejido".to_string()].into(),
                    ..Fit::default()
                },
            },
            d(2026, 12, 5),
        )
        .await
        .unwrap();
        // Two weavers join through a CSV import after both were published.
        let mut a = new_member(20, Profile::MicroProducer, 1990);
        a.trade = "tejido".into();
        let mut b = new_member(21, Profile::MicroEntrepreneur, 1991);
        b.trade = "tejido".into();
        b.municipality = "Tepoztlán".into();
        app.import_members(org, &[a.clone(), b.clone()], &Actor::cli())
            .await
            .unwrap();
        let new_a = app
            .store()
            .member_by_curp(org, a.curp.as_str())
            .await
            .unwrap()
            .id;
        // On 2026-12-07 the first opportunity is open, the second closed: one message, to
        // the weaver in Tlayacapan (the other lives in Tepoztlán).
        let later = Utc.with_ymd_and_hms(2026, 12, 7, 18, 0, 0).unwrap();
        let rec = Recorder::default();
        let r = app
            .send_notifications(&rec, &SendPolicy::default(), later)
            .await
            .unwrap();
        assert_eq!((r.queued, r.sent), (1, 1), "{name}: {r:?}");
        assert_eq!(queued_for(&app, org).await, vec![new_a], "{name}");
        // Sweeping again (a second sender, a restart) queues nothing.
        assert_eq!(
            app.queue_later_matches(&Actor::cli(), d(2026, 12, 7))
                .await
                .unwrap(),
            0,
            "{name}"
        );
        // After the deadline nobody new is told.
        let mut c = new_member(22, Profile::MicroProducer, 1992);
        c.trade = "tejido".into();
        app.import_members(org, &[c], &Actor::cli()).await.unwrap();
        assert_eq!(
            app.queue_later_matches(&Actor::cli(), d(2027, 1, 1))
                .await
                .unwrap(),
            0,
            "{name}"
        );
        assert_eq!(rec.delivered.lock().unwrap().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn r_info_1_a_programme_wide_opportunity_reaches_a_later_member_once() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "prog", 1).await;
        app.publish_opportunity(
            store::PROGRAMME_ORG,
            &Actor::cli(),
            Some("nacional-tejido"),
            NewOpportunity {
                kind: Kind::Funding,
                title: "Convocatoria de tejedoras".into(),
                description: "Apoyo nacional".into(),
                deadline: d(2026, 12, 31),
                fit: Fit {
                    trades: ["tejido".to_string()].into(),
                    ..Fit::default()
                },
            },
            d(2026, 12, 5),
        )
        .await
        .unwrap();
        let rec = Recorder::default();
        // The fan-out finds no weaver.
        let r = app
            .send_notifications(&rec, &SendPolicy::default(), t0())
            .await
            .unwrap();
        assert_eq!(r.queued, 0, "{name}");
        let mut edit = MemberEdit::of(&app.store().member(org, ids[0]).await.unwrap().data);
        edit.trade = "tejido".into();
        app.edit_member(org, ids[0], &edit, &Actor::cli())
            .await
            .unwrap();
        for _ in 0..2 {
            app.send_notifications(&rec, &SendPolicy::default(), t0())
                .await
                .unwrap();
        }
        assert_eq!(queued_for(&app, org).await, vec![ids[0]], "{name}");
        assert_eq!(rec.delivered.lock().unwrap().len(), 1, "{name}");
    }
}
