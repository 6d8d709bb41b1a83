//! `Idempotency-Key` exactly once (issue 15): duplicates sent at the same moment make one
//! effect and get one answer; the same key with another request is refused. On SQLite, and on
//! PostgreSQL when `TEQUIO_TEST_PG_URL` is set (see `common::worlds`).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::json;

const PROPOSALS: &str = "/api/v1/orgs/alfareros-morelos/proposals";

fn post(token: &str, key: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(PROPOSALS)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key)
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn proposals(w: &World, token: &str) -> usize {
    let list = api(w, "GET", PROPOSALS, Some(token), None, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.json().as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_parallel_posts_with_one_key_make_one_proposal_and_one_answer() {
    for (backend, w) in worlds().await {
        eprintln!("{backend}");
        sixteen_parallel_posts_on(&w).await;
    }
}

async fn sixteen_parallel_posts_on(w: &World) {
    let b = sign_in(w, "personal").await;
    let before = proposals(w, &b.token).await;
    for trial in 0..3 {
        let key = format!("paralelo-{trial}");
        let body = json!({
            "kind": "expenditure",
            "purpose": format!("Horno de gas, intento {trial}"),
            "amount_minor": 1_500_000,
        });
        let sends: Vec<_> = (0..16)
            .map(|_| {
                let router = w.router.clone();
                let request = post(&b.token, &key, &body);
                tokio::spawn(async move { send(&router, request).await })
            })
            .collect();
        let mut ids = std::collections::BTreeSet::new();
        for s in sends {
            let mut reply = s.await.unwrap();
            // A duplicate still in progress after the wait: 409 with Retry-After, then the
            // same request again answers the first one's response.
            let mut retries = 0;
            while reply.status == StatusCode::CONFLICT {
                assert_eq!(reply.json()["error"], "idempotency_in_progress");
                assert_eq!(reply.headers.get(header::RETRY_AFTER).unwrap(), "1");
                retries += 1;
                assert!(retries < 10, "still in progress");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                reply = send(&w.router, post(&b.token, &key, &body)).await;
            }
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
            ids.insert(reply.json()["id"].as_i64().unwrap());
        }
        assert_eq!(
            ids.len(),
            1,
            "trial {trial}: every client got the same id: {ids:?}"
        );
        assert_eq!(
            proposals(w, &b.token).await,
            before + trial + 1,
            "trial {trial}: one proposal made"
        );
    }
    // The same key with another body, after the first answered: refused, nothing made.
    let other = api(
        w,
        "POST",
        PROPOSALS,
        Some(&b.token),
        Some(json!({"kind": "loan", "purpose": "Otra cosa", "amount_minor": 1})),
        Some("paralelo-0"),
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.body
    );
    assert_eq!(other.json()["error"], "idempotency_key_reused");
    assert_eq!(proposals(w, &b.token).await, before + 3);
}

/// One key sent at the same moment with two different bodies: one makes its proposal, the
/// other is refused as the key reused (or, still in progress, told to retry; the retry is
/// then refused): never two proposals.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_with_two_bodies_at_once_makes_one_proposal() {
    for (backend, w) in worlds().await {
        eprintln!("{backend}");
        two_bodies_at_once_on(&w).await;
    }
}

async fn two_bodies_at_once_on(w: &World) {
    let b = sign_in(w, "personal").await;
    let before = proposals(w, &b.token).await;
    let bodies = [
        json!({"kind": "expenditure", "purpose": "Horno", "amount_minor": 1_000}),
        json!({"kind": "expenditure", "purpose": "Mesa", "amount_minor": 2_000}),
    ];
    let sends: Vec<_> = bodies
        .iter()
        .map(|body| {
            let router = w.router.clone();
            let request = post(&b.token, "dos-cuerpos", body);
            tokio::spawn(async move { send(&router, request).await })
        })
        .collect();
    let mut created = 0;
    for s in sends {
        let reply = s.await.unwrap();
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(reply.json()["error"], "idempotency_key_reused")
            }
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(proposals(w, &b.token).await, before + 1);
}

/// A claim whose request failed is released: the same request again does the work (a 5xx
/// or a 409 is never stored as the key's answer).
#[tokio::test]
async fn a_released_claim_lets_the_retry_do_the_work() {
    for (backend, w) in worlds().await {
        eprintln!("{backend}");
        released_claim_on(&w).await;
    }
}

async fn released_claim_on(w: &World) {
    let login = "personal";
    let request = b"POST /api/v1/orgs/alfareros-morelos/proposals\n{}";
    let now = chrono::Utc::now();
    let org = store::PROGRAMME_ORG;
    let first = w
        .app
        .idempotency_claim(org, login, "suelto", request, "test", now)
        .await
        .unwrap();
    let claim = match first {
        app::access_cases::IdempotencyOutcome::New(claim) => claim,
        other => panic!("{other:?}"),
    };
    // Held: the same request is in progress.
    let again = w
        .app
        .idempotency_claim(org, login, "suelto", request, "test", now)
        .await
        .unwrap();
    assert_eq!(again, app::access_cases::IdempotencyOutcome::InProgress);
    w.app
        .release_claim(org, login, "suelto", claim, "test", now)
        .await
        .unwrap();
    let retried = w
        .app
        .idempotency_claim(org, login, "suelto", request, "test", now)
        .await
        .unwrap();
    assert!(
        matches!(retried, app::access_cases::IdempotencyOutcome::New(_)),
        "{retried:?}"
    );
    // A claim older than the time-to-live is taken over too.
    let later = now + chrono::Duration::seconds(app::access_cases::CLAIM_TTL_SECONDS + 1);
    let taken = w
        .app
        .idempotency_claim(org, login, "suelto", request, "test", later)
        .await
        .unwrap();
    assert!(
        matches!(taken, app::access_cases::IdempotencyOutcome::New(_)),
        "{taken:?}"
    );
}
