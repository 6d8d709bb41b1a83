//! The first pages, driven through the router against an in-memory SQLite store.

use app::App;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use store::Store;
use tower::ServiceExt;

async fn get(app: &App, uri: &str) -> (StatusCode, String) {
    let response = web::router(app.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn app_with_union() -> App {
    let store = store_sqlite::SqliteStore::open_in_memory().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let app = App::new(store);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = 60;
    spec.dues_months = 2;
    app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    app
}

#[tokio::test]
async fn health_answers_json_with_the_number_of_organisations() {
    let app = app_with_union().await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    assert!(body.contains("\"organisations\":1"), "{body}");
}

#[tokio::test]
async fn the_odf_page_lists_members_and_a_zero_trial_balance_in_spanish() {
    let app = app_with_union().await;
    let org = app.store().orgs().await.unwrap().remove(0);
    let (status, index) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(index.contains(&format!("/odf/{}", org.data.slug)));

    let (status, page) = get(&app, &format!("/odf/{}", org.data.slug)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("lang=\"es-MX\""));
    assert!(page.contains("Balanza de comprobación"));
    let first = app
        .store()
        .members(org.id, store::Page::first(1))
        .await
        .unwrap()
        .remove(0);
    assert!(
        page.contains(&first.data.given_names),
        "first member listed"
    );
    // The trial balance's sum line shows zero: the books balance.
    assert!(
        page.contains("Suma (debe ser cero)</th><th class=\"num\">$0.00"),
        "{page}"
    );
    // Pages stay small for a cheap phone on a weak connection.
    assert!(page.len() < 100 * 1024, "page is {} bytes", page.len());
}

#[tokio::test]
async fn an_unknown_organisation_is_not_found() {
    let app = app_with_union().await;
    let (status, _) = get(&app, "/odf/no-such-odf").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_empty_database_shows_an_empty_list_not_an_error() {
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let app = App::new(store);
    let (status, body) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Aún no hay organizaciones"));
}
