//! Shared by the Fund operations' tests (`fund_web.rs`, `browser_fund.rs`): an ODF old
//! enough for withdrawals, a board decision approved by a quorum, money as es-MX writes it.
#![allow(dead_code)]

use crate::common::*;
use std::sync::Arc;

/// `$1,234.56`, as es-MX writes money (spelled out here, not taken from the web crate).
pub fn mx(minor: i64) -> String {
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{:02}", minor % 100)
}

/// `1234.56`, as a person types an amount.
pub fn typed(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The hidden reference of the form `id` on a page.
pub fn token_of(html: &str, form: &str) -> String {
    let at = html
        .find(&format!("id=\"{form}\""))
        .unwrap_or_else(|| panic!("no form {form} in {html}"));
    let rest = &html[at..];
    let t = rest.find("name=\"token\" value=\"").unwrap() + 20;
    rest[t..t + rest[t..].find('"').unwrap()].to_string()
}

/// The demo union founded on 2022-01-01: from 2025-01-01 (the Fund's fourth year) its members
/// may use their entitlement (R-FUND-4).
pub async fn old_world() -> World {
    let store: Arc<dyn store::Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let app = app::App::new(store);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = 60;
    spec.dues_months = 2;
    spec.start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    app.ensure_demo_users(chrono::Utc::now()).await.unwrap();
    let union = app.store().org_by_slug("alfareros-morelos").await.unwrap();
    let mut spec2 = demo::DemoSpec::national();
    spec2.members_per_org = 5;
    let plan = demo::org(&spec2, 1);
    let other = app.store().create_org(&plan.org).await.unwrap();
    app.store()
        .import_members(other.id, &plan.members, &[])
        .await
        .unwrap();
    let other_member = app
        .store()
        .members(other.id, store::Page::first(1))
        .await
        .unwrap()[0]
        .id;
    World {
        router: web::router(app.clone()),
        app,
        union,
        other,
        other_member,
    }
}

/// The board approves an expenditure of 15,000.00 (`common::proposal`): four of the seven
/// seats vote for (a quorum, R-GOV-2) and the vote is closed. Answers the decision's id.
pub async fn approve_expense(w: &World, key: &str) -> i64 {
    let id = proposal(w, key).await;
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    for login in ["consejo", "consejo2", "consejo3", "consejo4"] {
        let v = w.app.user(login).await.unwrap().viewer;
        w.app
            .vote_as(w.union.id, &v, id, governance::Vote::For, "test", today)
            .await
            .unwrap();
    }
    let v = w.app.user("consejo").await.unwrap().viewer;
    let d = w
        .app
        .close_as(w.union.id, &v, id, "test", today)
        .await
        .unwrap();
    assert!(d.approved);
    id
}
