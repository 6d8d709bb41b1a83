//! Accounts, sessions, CSRF, rate limiting and R-GOV-1 refusals, driven through the router.

mod common;

use app::access_cases::DEMO_PASSWORD;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

fn field<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    &rest[..rest.find('"').unwrap()]
}

#[tokio::test]
async fn signing_in_through_the_form_sets_a_session_and_shows_the_union() {
    let w = world().await;
    let form = get(&w, "/entrar", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("lang=\"es-MX\"") && form.body.contains("Contraseña"));
    let pre = form.cookie("tequio_pre").unwrap();
    let csrf = field(&form.body, "csrf").to_string();
    assert_eq!(pre, csrf);
    let post = |password: &'static str| {
        let body = format!(
            "login=personal&password={}&csrf={csrf}",
            urlencode(password)
        );
        Request::post("/entrar")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("tequio_pre={pre}"))
            .body(Body::from(body))
            .unwrap()
    };
    let wrong = send(&w.router, post("not-the-password")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Usuario o contraseña incorrectos"));
    assert!(wrong.cookie("tequio_session").is_none());
    let ok = send(&w.router, post(DEMO_PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let token = ok.cookie("tequio_session").unwrap();
    assert_eq!(token.len(), 64);
    let cookie = ok
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let b = Browser {
        cookie: format!("tequio_session={token}"),
        csrf: String::new(),
        token,
    };
    let home = get(&w, "/", Some(&b)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("/odf/alfareros-morelos"),
        "{}",
        home.body
    );
    assert!(
        !home.body.contains(&format!("/odf/{}", w.other.data.slug)),
        "staff of the union do not see other ODFs"
    );
}

#[tokio::test]
async fn the_session_token_is_never_stored_only_its_hash() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let events = w
        .app
        .store()
        .events(store::PROGRAMME_ORG, None, store::Page::first(1000))
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.event.kind == "session.created"));
    for e in events {
        assert!(
            !e.event.payload.contains(&b.token)
                && !e.event.key.contains(&b.token)
                && !e.event.stream.contains(&b.token)
        );
        assert!(
            !e.event.payload.contains(DEMO_PASSWORD),
            "passwords are hashed"
        );
    }
}

#[tokio::test]
async fn signing_in_without_the_forms_csrf_token_is_refused() {
    let w = world().await;
    let r = post_form(
        &w,
        "/entrar",
        None,
        &[
            ("login", "personal"),
            ("password", DEMO_PASSWORD),
            ("csrf", "0123456789abcdef0123456789abcdef"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.cookie("tequio_session").is_none());
}

#[tokio::test]
async fn five_wrong_passwords_lock_that_login_from_that_address() {
    let w = world().await;
    let attempt = |password: &str| serde_json::json!({"login": "personal", "password": password});
    for _ in 0..5 {
        let r = api(
            &w,
            "POST",
            "/api/v1/session",
            None,
            Some(attempt("wrong-password")),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, without being checked.
    let r = api(
        &w,
        "POST",
        "/api/v1/session",
        None,
        Some(attempt(DEMO_PASSWORD)),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"], "rate_limited");
    // Another login from the same address is not locked.
    let r = api(
        &w,
        "POST",
        "/api/v1/session",
        None,
        Some(serde_json::json!({"login": "socio", "password": DEMO_PASSWORD})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

/// `POST /api/v1/session` from a given client address.
async fn sign_in_from(router: &axum::Router, address: &str, login: &str, password: &str) -> Reply {
    let mut r = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    let addr: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
    r.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    send(router, r).await
}

#[tokio::test]
async fn issue_15_a_locked_login_stays_locked_through_a_flood_of_other_failures() {
    // The limiter is given room for 20 counters and 20 locks per budget; the flood is 10
    // times that: 200 failures for made-up logins with 5,000-byte passwords, from 40 addresses
    // (5 each, under the address budget). Every attempt that reached sign-in ran exactly one
    // password check, whatever the login or the password's length.
    let w = world().await;
    let router = web::router_with(web::AppState {
        app: w.app.clone(),
        limiter: std::sync::Arc::new(web::SignInLimiter::with_bounds(20, 20)),
        sessions: Default::default(),
        statements: Default::default(),
        reads: Default::default(),
        secure_cookies: false,
        trusted_proxies: std::sync::Arc::new([]),
    });
    let checks_before = w.app.password_checks();
    for _ in 0..5 {
        let r = sign_in_from(&router, "192.0.2.1", "personal", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let long = "x".repeat(5_000);
    for i in 0..200 {
        let address = format!("198.51.100.{}", i / 5);
        let r = sign_in_from(&router, &address, &format!("inventado{i}"), &long).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(
        w.app.password_checks() - checks_before,
        5 + 200,
        "one password check per attempt"
    );
    let r = sign_in_from(&router, "192.0.2.1", "personal", DEMO_PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the lock was flushed"
    );
    assert_eq!(
        w.app.password_checks() - checks_before,
        205,
        "a locked attempt is refused before any password check"
    );
    // The lock is the pair's: the same login from another address signs in.
    let r = sign_in_from(&router, "192.0.2.2", "personal", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn issue_15_an_address_over_its_budget_gets_429_for_every_login() {
    let w = world().await;
    let budget = web::SignInLimiter::ADDRESS_BUDGET as usize;
    for i in 0..budget {
        let r = sign_in_from(
            &w.router,
            "192.0.2.7",
            &format!("nadie{i}"),
            "wrong-password",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = sign_in_from(&w.router, "192.0.2.7", "socio", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"], "rate_limited");
    let r = sign_in_from(&w.router, "192.0.2.8", "socio", DEMO_PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "another address is not limited"
    );
}

/// A sign-in through a reverse proxy at 127.0.0.1 that appended `client` to X-Forwarded-For
/// after whatever the client itself sent (`claimed`).
async fn sign_in_via_proxy(
    router: &axum::Router,
    claimed: &str,
    client: &str,
    login: &str,
    password: &str,
) -> Reply {
    let mut r = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", format!("{claimed}, {client}"))
        .body(Body::from(
            serde_json::json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    let proxy: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    r.extensions_mut().insert(axum::extract::ConnectInfo(proxy));
    send(router, r).await
}

#[tokio::test]
async fn issue_15_behind_a_trusted_proxy_each_client_has_its_own_budget() {
    let w = world().await;
    let behind_proxy = |trusted: Vec<std::net::IpAddr>| {
        web::router_with(web::AppState {
            app: w.app.clone(),
            limiter: Default::default(),
            sessions: Default::default(),
            statements: Default::default(),
            reads: Default::default(),
            secure_cookies: false,
            trusted_proxies: trusted.into(),
        })
    };
    let budget = web::SignInLimiter::ADDRESS_BUDGET as usize;
    // One attacker spends the whole address budget through the proxy, each time claiming to be
    // the victim's address in the part of the header it writes itself.
    let flood = |router: axum::Router| async move {
        for i in 0..budget {
            let r = sign_in_via_proxy(
                &router,
                "203.0.113.20",
                "203.0.113.66",
                &format!("nadie{i}"),
                "wrong-password",
            )
            .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        }
        router
    };
    let trusted = flood(behind_proxy(vec!["127.0.0.1".parse().unwrap()])).await;
    let r = sign_in_via_proxy(&trusted, "x", "203.0.113.66", "socio", DEMO_PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is limited"
    );
    let r = sign_in_via_proxy(&trusted, "x", "203.0.113.20", "socio", DEMO_PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the address the attacker claimed is not charged"
    );
    // Without the setting every person behind the proxy shares the proxy's budget.
    let untrusted = flood(behind_proxy(Vec::new())).await;
    let r = sign_in_via_proxy(&untrusted, "x", "203.0.113.20", "socio", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn issue_15_a_control_character_in_the_login_is_invalid_credentials_not_a_500() {
    let w = world().await;
    let before = w.app.password_checks();
    for login in ["soc\u{0}io", "\u{1b}[2Jsocio", "socio\u{7}"] {
        let r = sign_in_from(&w.router, "192.0.2.9", login, DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{login:?}");
        assert_eq!(r.json()["error"], "unauthenticated");
    }
    assert_eq!(
        w.app.password_checks() - before,
        3,
        "same cost as any attempt"
    );
}

#[tokio::test]
async fn without_a_session_pages_send_to_sign_in_and_the_api_answers_401() {
    let w = world().await;
    for uri in [
        "/",
        "/odf/alfareros-morelos",
        "/odf/no-such-odf",
        "/odf/alfareros-morelos/socios",
    ] {
        let r = get(&w, uri, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.location(), "/entrar");
    }
    let r = api(&w, "GET", "/api/v1/orgs", None, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A page cookie is not accepted by the API (bearer only), so no cross-site use of it.
    let b = sign_in(&w, "personal").await;
    let r = send(
        &w.router,
        Request::get("/api/v1/orgs")
            .header(header::COOKIE, &b.cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_session_is_refused_on_read() {
    let w = world().await;
    let long_ago =
        chrono::Utc::now() - chrono::Duration::hours(app::access_cases::SESSION_TTL_HOURS + 1);
    let s = w
        .app
        .sign_in("personal", DEMO_PASSWORD, "127.0.0.1", long_ago)
        .await
        .unwrap();
    let b = Browser {
        cookie: format!("tequio_session={}", s.token),
        csrf: s.csrf,
        token: s.token.clone(),
    };
    assert_eq!(get(&w, "/", Some(&b)).await.location(), "/entrar");
    assert_eq!(
        api(&w, "GET", "/api/v1/orgs", Some(&s.token), None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_revokes_the_session() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    assert_eq!(get(&w, "/", Some(&b)).await.status, StatusCode::OK);
    let r = post_form(&w, "/salir", Some(&b), &[("csrf", &b.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(get(&w, "/", Some(&b)).await.location(), "/entrar");
}

#[tokio::test]
async fn every_form_post_needs_the_sessions_csrf_token_and_saves_nothing_without_it() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let other = sign_in(&w, "apoyo").await;
    let form = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("kind", "expenditure"),
            ("purpose", "Horno"),
            ("amount", "100"),
            ("nonce", "n1"),
        ]
    };
    for csrf in ["", "bad"] {
        let r = post_form(
            &w,
            "/odf/alfareros-morelos/propuestas",
            Some(&staff),
            &form(csrf),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{csrf:?}");
    }
    // Another session's token is not this session's.
    let mut f = form("");
    f[0] = ("csrf", other.csrf.as_str());
    assert_eq!(
        post_form(&w, "/odf/alfareros-morelos/propuestas", Some(&staff), &f)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let viewer = w.app.user("personal").await.unwrap().viewer;
    assert!(w
        .app
        .board_proposals(w.union.id, &viewer)
        .await
        .unwrap()
        .is_empty());
    for uri in [
        "/odf/alfareros-morelos/socios",
        "/odf/alfareros-morelos/socios/importar",
        "/salir",
    ] {
        assert_eq!(
            post_form(&w, uri, Some(&staff), &[("csrf", "x")])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    let mut f = form("");
    f[0] = ("csrf", staff.csrf.as_str());
    assert_eq!(
        post_form(&w, "/odf/alfareros-morelos/propuestas", Some(&staff), &f)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.app
            .board_proposals(w.union.id, &viewer)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn r_gov_1_support_committee_donors_advisers_and_staff_cannot_vote_and_the_board_can() {
    let w = world().await;
    let id = proposal(&w, "p1").await;
    let uri = format!("/odf/alfareros-morelos/propuestas/{id}/voto");
    for login in [
        "apoyo",
        "donante",
        "asesor",
        "personal",
        "socio",
        "supervisor",
    ] {
        let b = sign_in(&w, login).await;
        let r = post_form(&w, &uri, Some(&b), &[("csrf", &b.csrf), ("vote", "for")]).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{login} voted through the page"
        );
        let r = api(
            &w,
            "POST",
            &format!("/api/v1/orgs/alfareros-morelos/proposals/{id}/votes"),
            Some(&b.token),
            Some(serde_json::json!({"vote": "for"})),
            None,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{login} voted through the API"
        );
        assert_eq!(r.json()["rule"], "R-GOV-1");
    }
    let staff = w.app.user("personal").await.unwrap().viewer;
    assert!(
        w.app
            .board_proposal(w.union.id, &staff, id)
            .await
            .unwrap()
            .record
            .ballots
            .is_empty(),
        "no vote was recorded"
    );
    let board = sign_in(&w, "consejo").await;
    let r = post_form(
        &w,
        &uri,
        Some(&board),
        &[("csrf", &board.csrf), ("vote", "for")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = w.app.board_proposal(w.union.id, &staff, id).await.unwrap();
    assert_eq!(p.record.ballots.len(), 1);
    assert_eq!(p.record.ballots[0].vote, governance::Vote::For);
    // A cast vote is not changed.
    let r = post_form(
        &w,
        &uri,
        Some(&board),
        &[("csrf", &board.csrf), ("vote", "against")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Ya votó"));
}

#[tokio::test]
async fn support_committee_donors_and_advisers_propose_and_comment() {
    let w = world().await;
    let id = proposal(&w, "p1").await;
    for login in ["apoyo", "donante", "asesor"] {
        let b = sign_in(&w, login).await;
        let r = post_form(
            &w,
            &format!("/odf/alfareros-morelos/propuestas/{id}/comentario"),
            Some(&b),
            &[
                ("csrf", &b.csrf),
                ("text", "Sugiero cotizar dos hornos"),
                ("nonce", login),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{login}: {}", r.body);
        let page = get(&w, "/odf/alfareros-morelos/propuestas", Some(&b)).await;
        assert!(
            !page.body.contains("/voto"),
            "{login} is not offered a vote"
        );
    }
    let staff = w.app.user("personal").await.unwrap().viewer;
    assert_eq!(
        w.app
            .board_proposal(w.union.id, &staff, id)
            .await
            .unwrap()
            .comments
            .len(),
        3
    );
    // A plain member neither proposes nor comments.
    let m = sign_in(&w, "socio").await;
    let r = post_form(
        &w,
        &format!("/odf/alfareros-morelos/propuestas/{id}/comentario"),
        Some(&m),
        &[("csrf", &m.csrf), ("text", "x"), ("nonce", "m")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_member_sees_their_own_statement_and_the_shared_figures_only() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let r = get(&w, "/odf/alfareros-morelos/mi-estado", Some(&b)).await;
    assert_eq!(r.location(), format!("/odf/alfareros-morelos/socios/{me}"));
    let mine = get(&w, &format!("/odf/alfareros-morelos/socios/{me}"), Some(&b)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body.contains("Estado de cuenta") && mine.body.contains("<svg"),
        "{}",
        mine.body
    );
    // Issue 15: another member of the ODF answers exactly like a member that does not exist.
    let someone = if me == 1 { 2 } else { 1 };
    let other = get(
        &w,
        &format!("/odf/alfareros-morelos/socios/{someone}"),
        Some(&b),
    )
    .await;
    let missing = get(&w, "/odf/alfareros-morelos/socios/999999", Some(&b)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!((other.status, &other.body), (missing.status, &missing.body));
    assert_eq!(
        get(&w, "/odf/alfareros-morelos/socios", Some(&b))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&w, "/odf/alfareros-morelos/bitacora", Some(&b))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&w, "/odf/alfareros-morelos", Some(&b)).await.status,
        StatusCode::OK
    );
    for path in ["statement", "fund"] {
        let other = api(
            &w,
            "GET",
            &format!("/api/v1/orgs/alfareros-morelos/members/{someone}/{path}"),
            Some(&b.token),
            None,
            None,
        )
        .await;
        let missing = api(
            &w,
            "GET",
            &format!("/api/v1/orgs/alfareros-morelos/members/999999/{path}"),
            Some(&b.token),
            None,
            None,
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            (other.status, &other.body),
            (missing.status, &missing.body),
            "{path}"
        );
    }
    let r = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/alfareros-morelos/members/{me}/statement"),
        Some(&b.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["member_id"], me);
}

#[tokio::test]
async fn another_organisations_ids_answer_exactly_like_missing_ones() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let missing = get(&w, "/odf/no-such-odf", Some(&staff)).await;
    let foreign = get(&w, &format!("/odf/{}", w.other.data.slug), Some(&staff)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (foreign.status, &foreign.body),
        (missing.status, &missing.body)
    );
    // The other ODF's member through its own slug, and a member id nobody has: the same 404.
    let foreign_member = get(
        &w,
        &format!("/odf/{}/socios/{}", w.other.data.slug, w.other_member),
        Some(&staff),
    )
    .await;
    let no_member = get(&w, "/odf/alfareros-morelos/socios/999999", Some(&staff)).await;
    assert_eq!(
        (foreign_member.status, &foreign_member.body),
        (missing.status, &missing.body)
    );
    assert_eq!(
        (no_member.status, &no_member.body),
        (missing.status, &missing.body)
    );
    for path in ["", "/members", "/proposals", "/audit"] {
        let a = api(
            &w,
            "GET",
            &format!("/api/v1/orgs/{}{path}", w.other.data.slug),
            Some(&staff.token),
            None,
            None,
        )
        .await;
        let b = api(
            &w,
            "GET",
            &format!("/api/v1/orgs/no-such-odf{path}"),
            Some(&staff.token),
            None,
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!((a.status, a.body), (b.status, b.body), "{path}");
    }
    // Supervisors do see the other ODF (R-SUP-1).
    let sup = sign_in(&w, "supervisor").await;
    assert_eq!(
        get(&w, &format!("/odf/{}", w.other.data.slug), Some(&sup))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn r_sup_1_supervisors_read_across_odfs_and_decide_nothing() {
    let w = world().await;
    let s = sign_in(&w, "supervisor").await;
    let home = get(&w, "/", Some(&s)).await;
    assert!(home.body.contains("/odf/alfareros-morelos") && home.body.contains(&w.other.data.slug));
    for uri in [
        "/odf/alfareros-morelos/socios",
        "/odf/alfareros-morelos/bitacora",
        "/bitacora",
        "/odf/alfareros-morelos/propuestas",
    ] {
        assert_eq!(get(&w, uri, Some(&s)).await.status, StatusCode::OK, "{uri}");
    }
    let id = proposal(&w, "p1").await;
    for (uri, form) in [
        (
            "/odf/alfareros-morelos/propuestas".to_string(),
            vec![("kind", "loan"), ("purpose", "x"), ("amount", "1")],
        ),
        (
            format!("/odf/alfareros-morelos/propuestas/{id}/voto"),
            vec![("vote", "for")],
        ),
        (
            format!("/odf/alfareros-morelos/propuestas/{id}/comentario"),
            vec![("text", "x")],
        ),
        (
            "/odf/alfareros-morelos/socios".to_string(),
            vec![("curp", "X")],
        ),
    ] {
        let mut f = form.clone();
        f.push(("csrf", &s.csrf));
        f.push(("nonce", "n"));
        assert_eq!(
            post_form(&w, &uri, Some(&s), &f).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    // The programme log is the supervisors' alone.
    let staff = sign_in(&w, "personal").await;
    assert_eq!(
        get(&w, "/bitacora", Some(&staff)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_anything_is_read() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let big = format!(
        "csrf={}&csv={}",
        b.csrf,
        "a".repeat(web::MAX_BODY_BYTES + 10)
    );
    let r = send(
        &w.router,
        Request::post("/odf/alfareros-morelos/socios/importar")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, big.len())
            .header(header::COOKIE, &b.cookie)
            .body(Body::from(big))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn r_gov_2_the_board_votes_a_proposal_through_and_the_decision_records_who_voted_what() {
    let w = world().await;
    let id = proposal(&w, "close").await;
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    let roles = w.app.store().roles(w.union.id).await.unwrap();
    let seats = governance::board_seats(&roles, today).len();
    assert!(seats >= 3, "the demo board has {seats} seats");
    // Default quorum: more than half of the board.
    let needed = seats / 2 + 1;
    let close_uri = format!("/odf/alfareros-morelos/propuestas/{id}/cerrar");
    let first = sign_in(&w, "consejo").await;
    // Staff run the ODF but do not close a vote.
    let staff = sign_in(&w, "personal").await;
    assert_eq!(
        post_form(&w, &close_uri, Some(&staff), &[("csrf", &staff.csrf)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Before the quorum, closing is refused and nothing is decided.
    let r = post_form(&w, &close_uri, Some(&first), &[("csrf", &first.csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(w.app.decision(w.union.id, id).await.is_err());
    for i in 0..needed {
        let login = if i == 0 {
            "consejo".to_string()
        } else {
            format!("consejo{}", i + 1)
        };
        let b = sign_in(&w, &login).await;
        let r = post_form(
            &w,
            &format!("/odf/alfareros-morelos/propuestas/{id}/voto"),
            Some(&b),
            &[("csrf", &b.csrf), ("vote", "for")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{login}: {}", r.body);
    }
    let r = post_form(&w, &close_uri, Some(&first), &[("csrf", &first.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let decision = w.app.decision(w.union.id, id).await.unwrap();
    assert!(decision.approved);
    assert_eq!(decision.ballots.len(), needed);
    let page = get(&w, "/odf/alfareros-morelos/propuestas", Some(&staff)).await;
    assert!(page.body.contains("Aprobada"));
    let voter = &decision.ballots[0].voter_name;
    assert!(
        page.body.contains(&format!("{voter}: A favor")),
        "who voted what is shown"
    );
}

/// The authorisation matrix of the pages added with the Fund, credit and trade: every role
/// against every page and form, including another organisation's pages (which answer exactly
/// like missing ones).
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_fund_credit_and_trade_pages() {
    let w = world().await;
    let socio = member_of(&w, "socio").await;
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    // Reports and the close are for the last month that is over (the month in course is
    // refused to everyone).
    let last = last_month();
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    // Expected per role: supervisor, staff, board, member, support committee, donor, adviser,
    // nobody. 2 = 2xx, 3 = redirect (303), 9 = authorised and the rule decided (2xx or 422).
    type Row = (&'static str, String, [u16; 8]);
    let rows: Vec<Row> = vec![
        (
            "GET",
            format!("{o}/mi-estado"),
            [404, 404, 3, 3, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/reportar"),
            [404, 404, 3, 3, 404, 404, 404, 3],
        ),
        // A member the viewer may not see answers like a missing one (issue 15).
        (
            "GET",
            format!("{o}/socios/{socio}"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/socios/{socio}/reporte"),
            [403, 2, 403, 2, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/socios/{socio}/reporte"),
            [403, 9, 403, 9, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/cierre"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/cierre"),
            [403, 2, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/fondo"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        ("GET", format!("{o}/simulador"), [2, 2, 2, 2, 2, 2, 2, 3]),
        ("GET", format!("{o}/comercio"), [2, 2, 2, 2, 2, 2, 2, 3]),
        // The audit log (issue 5 item 7): the board and supervisors, every page and filter.
        (
            "GET",
            format!("{o}/bitacora"),
            [2, 403, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/bitacora?flujo=plans&antes=50"),
            [2, 403, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            "/bitacora".to_string(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/bitacora"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        // Another ODF: supervisors read it; for everyone else it does not exist.
        (
            "GET",
            format!("{x}/cierre"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/cierre"),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/fondo"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/simulador"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/comercio"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/socios/{}/reporte", w.other_member),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/socios/{}/reporte", w.other_member),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
    ];
    let missing = get(&w, "/odf/no-existe/fondo", who[1].as_ref()).await;
    let mut failures = Vec::new();
    for (method, uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let r = if method == "GET" {
                get(&w, &uri, b.as_ref()).await
            } else if uri.ends_with("/cierre") {
                post_form(
                    &w,
                    &uri,
                    b.as_ref(),
                    &[("csrf", &csrf), ("period", &last), ("confirm", "si")],
                )
                .await
            } else {
                post_form(
                    &w,
                    &uri,
                    b.as_ref(),
                    &[
                        ("csrf", &csrf),
                        ("period", &last),
                        ("revenue", "100"),
                        ("profit", "10"),
                    ],
                )
                .await
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && (got == 2 || got == 422) {
                9
            } else {
                got
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}",
                    expected[i]
                ));
            }
            if got == 404 && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Issue 19: a user of the union this test creates, signed in (the demo's password is on the
/// list of common passwords, so these users have their own).
async fn support_user(w: &World, login: &str, member: i64) -> Browser {
    const PASSWORD: &str = "barro rojo de tlayacapan";
    w.app
        .create_user(
            app::access_cases::NewUser {
                login: login.into(),
                display_name: login.into(),
                password: PASSWORD.into(),
                supervisor: false,
                grants: vec![app::access_cases::Grant {
                    org_id: w.union.id,
                    role: app::access_cases::OrgRole::Member,
                    member_id: Some(member),
                }],
            },
            "test",
            "test",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let s = w
        .app
        .sign_in(login, PASSWORD, "127.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    Browser {
        cookie: format!("tequio_session={}", s.token),
        csrf: s.csrf,
        token: s.token,
    }
}

/// Issue 19: the union's setting for the support pages' tests: two inventions reviewed by a
/// member of the innovation committee with a confidential note (one by the demo's "socio",
/// one by a member no demo user is), and one opportunity. Answers (socio, committee member,
/// stranger, mine, theirs).
async fn support_setting(w: &World) -> (i64, i64, i64, i64, i64) {
    use registry::Role;
    let org = w.union.id;
    let today = today_mx();
    let socio = member_of(w, "socio").await;
    let consejo = member_of(w, "consejo").await;
    let roles = w.app.store().roles(org).await.unwrap();
    let committee = roles
        .iter()
        .filter(|r| r.role == Role::InnovationCommittee && r.until.is_none())
        .filter_map(|r| r.member_id)
        .find(|m| ![socio, consejo].contains(m))
        .expect("the demo union has an innovation committee");
    let sits = |m: i64| {
        roles.iter().any(|r| {
            r.member_id == Some(m)
                && r.until.is_none()
                && matches!(
                    r.role,
                    Role::InnovationCommittee | Role::SpecialisedCommittee(_) | Role::BoardMember
                )
        })
    };
    let stranger = w
        .app
        .store()
        .members(org, store::Page::first(1000))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .find(|id| ![socio, consejo, committee].contains(id) && !sits(*id))
        .unwrap();
    let mut ids = Vec::new();
    for (reference, inventor) in [("mia", socio), ("ajena", stranger)] {
        let inv = w
            .app
            .register_invention(
                org,
                &app::Actor::cli(),
                Some(reference),
                app::support_cases::NewInvention {
                    title: format!("Horno {reference}"),
                    description: "Un horno de leña".into(),
                    inventors: vec![inventor],
                    household: Default::default(),
                },
                today,
            )
            .await
            .unwrap();
        w.app
            .review_invention(
                org,
                &app::Actor::cli(),
                inv.id,
                committee,
                support::inventions::Criterion::ALL.into_iter().collect(),
                "Nota secreta del comité",
                today,
            )
            .await
            .unwrap();
        ids.push(inv.id);
    }
    w.app
        .publish_opportunity(
            org,
            &app::Actor::cli(),
            Some("primera"),
            app::support_cases::NewOpportunity {
                kind: support::opportunities::Kind::Buyer,
                title: "Hotel busca cazuelas".into(),
                description: "500 piezas".into(),
                deadline: today + chrono::Days::new(30),
                fit: Default::default(),
            },
            today,
        )
        .await
        .unwrap();
    (socio, committee, stranger, ids[0], ids[1])
}

/// Issue 19: every role against every support page and form (R-INFO-1, R-INNO-1, R-SUP-1..4),
/// another ODF's pages answering exactly like missing ones, the programme's pages for
/// supervisors only.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_support_pages() {
    let w = world().await;
    let (socio, _, stranger, mine, theirs) = support_setting(&w).await;
    let today = today_mx();
    // Members sitting on a committee publish (R-INFO-1); the demo's may or may not.
    let consejo = member_of(&w, "consejo").await;
    let roles = w.app.store().roles(w.union.id).await.unwrap();
    let on_committee = |m: i64| {
        roles.iter().any(|r| {
            r.member_id == Some(m)
                && r.from <= today
                && r.until.is_none_or(|u| today < u)
                && matches!(
                    r.role,
                    registry::Role::SpecialisedCommittee(_) | registry::Role::InnovationCommittee
                )
        })
    };
    let pm: u16 = if on_committee(socio) { 3 } else { 403 };
    let pm_read: u16 = if on_committee(socio) { 2 } else { 403 };
    let pb: u16 = if on_committee(consejo) { 3 } else { 403 };
    let pb_read: u16 = if on_committee(consejo) { 2 } else { 403 };
    let logins = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in logins {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    let socio_text = socio.to_string();
    let publish: Vec<(&str, &str)> = vec![
        ("kind", "buyer"),
        ("title", "Feria en Cuernavaca"),
        ("description", "Stand compartido"),
        ("deadline", "2099-12-31"),
    ];
    let register: Vec<(&str, &str)> = vec![
        ("title", "Torno de pie"),
        ("description", "Un torno"),
        ("inventors", &socio_text),
    ];
    let review: Vec<(&str, &str)> = vec![("secrecy", "1"), ("notes", "x")];
    let scenario: Vec<(&str, &str)> = vec![
        ("name", "Prueba"),
        ("months", "12"),
        ("annual_growth", "100"),
        ("contribution_rate", "10"),
        ("review_months", "6"),
        ("review_factor", "2"),
        ("cap_multiple", "64"),
        ("initial_line_multiple", "270/235"),
        ("deposit_per_new_odf", "235,000.00"),
        ("utilisation", "100"),
    ];
    let none: Vec<(&str, &str)> = Vec::new();
    // Expected per role: supervisor, staff, board, member, support committee, donor, adviser,
    // nobody. 2 = 2xx, 3 = redirect (303), 9 = authorised and the rule decided (303 or 422).
    type Row<'a> = (&'static str, String, Vec<(&'a str, &'a str)>, [u16; 8]);
    let rows: Vec<Row> = vec![
        // R-INFO-1.
        (
            "GET",
            format!("{o}/oportunidades"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "POST",
            format!("{o}/oportunidades"),
            publish.clone(),
            [3, 3, pb, pm, 3, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/oportunidades/odf/1"),
            none.clone(),
            [2, 2, pb_read, pm_read, 2, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/para-ti"),
            none.clone(),
            [404, 404, 3, 3, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/socios/{socio}/para-ti"),
            none.clone(),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/socios/{consejo}/para-ti"),
            none.clone(),
            [2, 2, 2, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/socios/{socio}/interes"),
            vec![("scope", "odf"), ("opportunity", "1")],
            [403, 9, 403, 9, 404, 404, 404, 3],
        ),
        // R-INNO-1.
        (
            "GET",
            format!("{o}/inventos"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "GET",
            format!("{o}/inventos/{mine}"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "GET",
            format!("{o}/inventos/{theirs}"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "POST",
            format!("{o}/inventos"),
            register.clone(),
            [403, 3, 3, 3, 403, 403, 403, 3],
        ),
        // The IP status: the inventors and staff.
        (
            "POST",
            format!("{o}/inventos/{mine}/propiedad"),
            vec![
                ("ip_status", "filed"),
                ("ip_kind", "utility_model"),
                ("ip_number", "MX/u/2026/000077"),
                ("ip_filed_on", "2026-01-15"),
            ],
            [403, 3, 403, 3, 403, 403, 403, 3],
        ),
        // Reviewing and advancing: members only, and the rule refuses those off the
        // innovation committee (422).
        (
            "POST",
            format!("{o}/inventos/{theirs}/revision"),
            review.clone(),
            [403, 403, 422, 422, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/inventos/{theirs}/avanzar"),
            none.clone(),
            [403, 403, 422, 422, 403, 403, 403, 3],
        ),
        // R-SUP-1, R-SUP-4.
        (
            "GET",
            format!("{o}/cumplimiento"),
            none.clone(),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/cumplimiento.csv"),
            none.clone(),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        // support19, R-INFO-1: the notification outbox, for those who read the members' list;
        // another ODF's as a missing one.
        (
            "GET",
            format!("{o}/avisos"),
            none.clone(),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/avisos.csv"),
            none.clone(),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{x}/avisos"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        // support19, R-INFO-1: project results: the ODF's circle reads them, staff publish,
        // supervisors circulate; the circulated ones for anyone in an ODF's circle.
        (
            "GET",
            format!("{o}/experiencias"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "POST",
            format!("{o}/experiencias"),
            vec![
                ("title", "Compra de arcilla"),
                ("tried", "Compramos juntos"),
                ("outcome", "Bajó el costo"),
                ("from", "2025-01"),
                ("to", "2025-02"),
            ],
            [403, 3, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/experiencias/1/circular"),
            none.clone(),
            [3, 403, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            "/programa/experiencias".into(),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "GET",
            format!("{x}/experiencias"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        // R-INNO-1, R-FUND-3: staff link a prototype payment to an invention (no such payment
        // here: the refusal is shown on the page, 422); everyone else is refused.
        (
            "POST",
            format!("{o}/inventos/{mine}/gastos"),
            vec![("expense", "no-existe")],
            [403, 422, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{x}/inventos/1/gastos"),
            vec![("expense", "no-existe")],
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/resultados?por=estado"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "GET",
            format!("{o}/resultados.csv?por=programa"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        // The programme's pages: supervisors; for everyone else they do not exist.
        (
            "GET",
            "/programa/cumplimiento?programa=women".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            "/programa/cumplimiento.csv".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            "/programa/resultados?por=oficio".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            "/programa/resultados.csv".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            "/programa/proyeccion".into(),
            scenario.clone(),
            [3, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            "/programa/proyeccion".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            "/programa/proyeccion.csv".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        // R-SUP-3: every signed-in person.
        (
            "GET",
            "/programa/integradoras".into(),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "GET",
            "/programa/integradoras.csv".into(),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        // Another ODF: supervisors read it (and publish in it); for everyone else it does
        // not exist.
        (
            "GET",
            format!("{x}/oportunidades"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/oportunidades"),
            publish.clone(),
            [3, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/inventos"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/cumplimiento"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/resultados"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        // outcomes19, R-SUP-4: the series' CSVs, as the pages they come from.
        (
            "GET",
            format!("{o}/resultados.csv?tabla=serie&por=estado"),
            none.clone(),
            [2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "GET",
            "/programa/resultados.csv?tabla=serie&por=programa".into(),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/resultados.csv?tabla=serie"),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/socios/{}/para-ti", w.other_member),
            none.clone(),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
    ];
    let missing = get(&w, "/odf/no-existe/inventos", who[1].as_ref()).await;
    let mut failures = Vec::new();
    for (n, (method, uri, form, expected)) in rows.into_iter().enumerate() {
        for (i, b) in who.iter().enumerate() {
            let r = if method == "GET" {
                get(&w, &uri, b.as_ref()).await
            } else {
                let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
                let nonce = format!("matriz-{n}-{i}");
                let mut f = form.clone();
                f.push(("csrf", &csrf));
                f.push(("nonce", &nonce));
                post_form(&w, &uri, b.as_ref(), &f).await
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && (got == 3 || got == 422) {
                9
            } else {
                got
            };
            let name = logins.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}",
                    expected[i]
                ));
            }
            // A redirect for someone signed in is the page after the work, never sign-in.
            if got == 3 && b.is_some() && r.location() == "/entrar" {
                failures.push(format!("{name} {method} {uri}: sent to sign in"));
            }
            if got == 404 && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
            if uri.contains(".csv") && got == 2 {
                let ct = r.headers["content-type"].to_str().unwrap();
                let cd = r.headers["content-disposition"].to_str().unwrap();
                if !ct.starts_with("text/csv") || !cd.starts_with("attachment") {
                    failures.push(format!("{name} {uri}: {ct} {cd}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let _ = stranger;
}

/// R-INNO-1: review notes are shown on the pages to the inventor, the innovation committee and
/// the board only; staff, other members, supervisors, the support committee, donors and
/// advisers see the review without them.
#[tokio::test]
async fn r_inno_1_review_notes_on_the_pages_only_for_inventors_committee_and_board() {
    let w = world().await;
    let (_, committee, _, mine, theirs) = support_setting(&w).await;
    let comite = support_user(&w, "comite", committee).await;
    let note = "Nota secreta del comité";
    let o = "/odf/alfareros-morelos";
    let mut failures = Vec::new();
    // (who, invention, may read)
    let mut cases: Vec<(String, Browser, i64, bool)> = Vec::new();
    for login in ["supervisor", "personal", "apoyo", "donante", "asesor"] {
        let b = sign_in(&w, login).await;
        cases.push((login.into(), b.clone(), mine, false));
        cases.push((login.into(), b, theirs, false));
    }
    let socio = sign_in(&w, "socio").await;
    cases.push(("socio, inventor".into(), socio.clone(), mine, true));
    cases.push(("socio, another member".into(), socio, theirs, false));
    let consejo = sign_in(&w, "consejo").await;
    cases.push(("consejo".into(), consejo.clone(), theirs, true));
    cases.push(("consejo".into(), consejo, mine, true));
    cases.push(("comite".into(), comite.clone(), theirs, true));
    for (who, b, id, may) in &cases {
        let page = get(&w, &format!("{o}/inventos/{id}"), Some(b)).await;
        if page.status != StatusCode::OK {
            failures.push(format!("{who} {id}: {}", page.status));
            continue;
        }
        // Everyone sees that there is a review, with its reviewer and findings.
        if !page.body.contains("cumple todos los criterios") {
            failures.push(format!("{who} {id}: the review is not shown"));
        }
        if page.body.contains(note) != *may {
            failures.push(format!(
                "{who} {id}: notes shown = {}, expected {may}",
                page.body.contains(note)
            ));
        }
        // The list never holds notes.
        if get(&w, &format!("{o}/inventos"), Some(b))
            .await
            .body
            .contains(note)
        {
            failures.push(format!("{who}: notes in the list"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Issue 19: bad form input names the field in Spanish and saves nothing.
#[tokio::test]
async fn support_forms_refuse_bad_input_naming_the_field_and_save_nothing() {
    let w = world().await;
    let (socio, committee, _, _, theirs) = support_setting(&w).await;
    let o = "/odf/alfareros-morelos";
    let staff = sign_in(&w, "personal").await;
    let before = w.app.opportunities(w.union.id).await.unwrap().len();
    for (field, value, label) in [
        ("deadline", "31/12/2099", "Fecha límite"),
        ("kind", "rifa", "Tipo de oportunidad"),
        ("min_capacity", "mucha", "Capacidad mínima al mes"),
        ("title", "", "Título"),
    ] {
        let mut f = vec![
            ("csrf", staff.csrf.as_str()),
            ("nonce", "mal"),
            ("kind", "buyer"),
            ("title", "Feria"),
            ("description", "Stand"),
            ("deadline", "2099-12-31"),
        ];
        f.retain(|(k, _)| *k != field);
        f.push((field, value));
        let r = post_form(&w, &format!("{o}/oportunidades"), Some(&staff), &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(label), "{field}: {}", r.body);
        assert!(!r.body.contains("R-INFO"), "no rule ids in sentences");
    }
    assert_eq!(w.app.opportunities(w.union.id).await.unwrap().len(), before);

    // An invention with a co-inventor who is no member, or a granted patent without its
    // date: nothing registered.
    let m = sign_in(&w, "socio").await;
    let count = w
        .app
        .inventions_for(w.union.id, None, today_mx())
        .await
        .unwrap()
        .len();
    for (field, value, label) in [
        ("inventors", "999999", "Inventores"),
        ("ip_granted_on", "", "Fecha de otorgamiento"),
    ] {
        let mut f = vec![
            ("csrf", m.csrf.as_str()),
            ("nonce", "inv-mal"),
            ("title", "Torno"),
            ("description", "Un torno"),
            ("ip_status", "granted"),
            ("ip_kind", "patent"),
            ("ip_number", "MX/a/2026/000123"),
            ("ip_filed_on", "2026-01-10"),
            ("ip_granted_on", "2026-06-10"),
        ];
        f.retain(|(k, _)| *k != field);
        f.push((field, value));
        let r = post_form(&w, &format!("{o}/inventos"), Some(&m), &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(label), "{field}: {}", r.body);
    }
    assert_eq!(
        w.app
            .inventions_for(w.union.id, None, today_mx())
            .await
            .unwrap()
            .len(),
        count
    );
    // A review without notes is refused naming the notes.
    let comite = support_user(&w, "comite2", committee).await;
    let r = post_form(
        &w,
        &format!("{o}/inventos/{theirs}/revision"),
        Some(&comite),
        &[("csrf", &comite.csrf), ("secrecy", "1"), ("notes", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Notas de la revisión"), "{}", r.body);
    // A scenario with a decimal comma names its field; nothing saved.
    let sup = sign_in(&w, "supervisor").await;
    let r = post_form(
        &w,
        "/programa/proyeccion",
        Some(&sup),
        &[
            ("csrf", &sup.csrf),
            ("name", "Coma"),
            ("months", "12"),
            ("annual_growth", "100"),
            ("contribution_rate", "10,5"),
            ("review_months", "6"),
            ("review_factor", "2"),
            ("cap_multiple", "64"),
            ("initial_line_multiple", "2"),
            ("deposit_per_new_odf", "1,000.00"),
            ("utilisation", "100"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Aportación al Fondo"), "{}", r.body);
    assert!(w.app.scenarios().await.unwrap().is_empty());
    let _ = socio;
}

/// R-SUP-3, R-SUP-1: the integradoras page shows seed 004's published 1997 totals (229
/// integradoras, 8,333 firms, 19,087 thousand dollars) in the Mexican format, and its CSV's
/// rows add up to them; an ODF's compliance CSV has one line per check (nine) after its header.
#[tokio::test]
async fn r_sup_3_the_integradoras_page_and_csv_add_up_to_the_1997_totals() {
    let w = world().await;
    let m = sign_in(&w, "socio").await;
    let page = get(&w, "/programa/integradoras", Some(&m)).await;
    assert_eq!(page.status, StatusCode::OK);
    for figure in [">229<", ">8,333<", ">19,087<"] {
        assert!(page.body.contains(figure), "{figure}");
    }
    let csv = get(&w, "/programa/integradoras.csv", Some(&m)).await;
    let text = csv.body.trim_start_matches('\u{feff}');
    let mut sums = [0u64; 3];
    for line in text.lines().skip(1) {
        // The sector may be quoted and hold commas: the three counts follow it.
        let cells: Vec<&str> = line.rsplitn(6, ',').collect();
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum += cells[4 - i]
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{line}"));
        }
    }
    assert_eq!(sums, [229, 8_333, 19_087]);
    let staff = sign_in(&w, "personal").await;
    let csv = get(&w, "/odf/alfareros-morelos/cumplimiento.csv", Some(&staff)).await;
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 1 + 9, "{}", csv.body);
    assert!(lines[1..].iter().all(|l| l.contains(&w.union.data.name)));
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("cumplimiento-alfareros-morelos.csv"));
    // English from the catalogue, the rule crate's Spanish figures included.
    let en = get(
        &w,
        "/odf/alfareros-morelos/cumplimiento?lang=en",
        Some(&staff),
    )
    .await;
    assert!(en.body.contains("The books reconcile"), "{}", en.body);
    // The share of members reporting: "(53 of 60)", the union's 60 members.
    assert!(
        !en.body.contains(" de 60)") && en.body.contains(" of 60)"),
        "{}",
        en.body
    );
}

/// Issue 17's pages in the authorisation matrix: a member's record, editing, leaving (the
/// first POST is the confirmation page), the board and committees, giving and ending roles
/// (confirmed first), a plan, revising and ending it, a member's own plan; every role, and
/// another organisation's pages (which answer like missing ones).
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_members_and_plans_pages() {
    let w = world().await;
    let socio = member_of(&w, "socio").await;
    let consejo = member_of(&w, "consejo").await;
    let plan = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.member_id == socio)
        .expect("the demo member has a plan")
        .id;
    let leaver = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1000))
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    let role = w
        .app
        .assign_role(
            w.union.id,
            registry::NewRoleAssignment {
                person_name: "Por terminar".into(),
                member_id: None,
                role: registry::Role::Volunteer,
                from: chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            },
            &app::Actor::cli(),
        )
        .await
        .unwrap()
        .id;
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    // Per role: supervisor, staff, board, member, support committee, donor, adviser, nobody.
    // 2 = 2xx, 3 = redirect to sign in, 9 = authorised and the rule decided (2xx or 422).
    // POSTs send only the CSRF token (and a reason to leave), so nothing is changed: the
    // confirmation page answers, or the form comes back naming a field.
    type Row = (&'static str, String, [u16; 8]);
    let rows: Vec<Row> = vec![
        (
            "GET",
            format!("{o}/socios/{socio}/ficha"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/socios/{leaver}/editar"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/socios/{leaver}/baja"),
            [403, 2, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/socios/{socio}/plan"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/socios/{consejo}/plan"),
            [2, 2, 2, 404, 404, 404, 404, 3],
        ),
        ("GET", format!("{o}/consejo"), [2, 2, 2, 2, 2, 2, 2, 3]),
        (
            "POST",
            format!("{o}/consejo"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/consejo/{role}/terminar"),
            [403, 2, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/planes"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/planes/{plan}"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/planes/{plan}/meta"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/planes/{plan}/terminar"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{x}/consejo"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/consejo"),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/socios/{}/ficha", w.other_member),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/socios/{}/baja", w.other_member),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/socios/{}/plan", w.other_member),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
    ];
    let missing = get(&w, "/odf/no-existe/consejo", who[1].as_ref()).await;
    let mut failures = Vec::new();
    for (method, uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let r = if method == "GET" {
                get(&w, &uri, b.as_ref()).await
            } else {
                post_form(
                    &w,
                    &uri,
                    b.as_ref(),
                    &[("csrf", &csrf), ("reason", "matriz")],
                )
                .await
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && (got == 2 || got == 422) {
                9
            } else {
                got
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}",
                    expected[i]
                ));
            }
            if got == 404 && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Nothing was changed by the matrix: no leave, no role ended, no plan changed.
    let left = w.app.store().member(w.union.id, leaver).await.unwrap();
    assert_eq!(left.left_on, None);
    let ended = w.app.store().roles(w.union.id).await.unwrap();
    assert!(ended.iter().any(|r| r.id == role && r.until.is_none()));
    let p = w.app.plan(w.union.id, plan).await.unwrap();
    assert_eq!(p.history.len(), 1, "only agreed");
}

/// The authorisation matrix of dues and the collection sheet (issue 17): every role against
/// every page, form and API route, another organisation's included (which answer exactly like
/// missing ones). Writes are staff's; arrears and the sheet are read by staff, the board and
/// supervisors; a receipt also by the member who paid.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_dues_pages_and_routes() {
    let w = world().await;
    let socio = member_of(&w, "socio").await;
    // A payment by the demo member, so there is a receipt to ask for (the demo's dues leave
    // some members owing; charge this month first so that the member owes something).
    let today = today_mx();
    let month = today.format("%Y-%m").to_string();
    w.app
        .charge_dues_period(w.union.id, &month, today, &app::Actor::cli())
        .await
        .unwrap();
    w.app
        .record_dues_payment(
            w.union.id,
            socio,
            100,
            today,
            "matriz-1",
            &app::Actor::cli(),
        )
        .await
        .unwrap();
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    let a = "/api/v1/orgs/alfareros-morelos";
    let ax = format!("/api/v1/orgs/{}", w.other.data.slug);
    // Expected per role: supervisor, staff, board, member, support committee, donor, adviser,
    // nobody. 2 = 2xx, 3 = redirect (303), 9 = authorised and the rule decided (2xx, 303 or
    // 422). Without a session pages redirect (3) and the API answers 401.
    type Row = (&'static str, String, [u16; 8]);
    let rows: Vec<Row> = vec![
        (
            "GET",
            format!("{o}/cuotas"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/cuotas"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/cuotas/pago"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/cuotas/recibos/matriz-1"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/cuotas/recibos/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/cobranza"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/cobranza"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{x}/cuotas"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/cuotas"),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/cuotas/pago"),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/cobranza"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{x}/cobranza"),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{a}/dues"),
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{a}/dues/charges"),
            [403, 9, 403, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{a}/dues/payments"),
            [403, 9, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{a}/dues/receipts/matriz-1"),
            [2, 2, 2, 2, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{a}/dues/sheet"),
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{a}/dues/collections"),
            [403, 9, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{ax}/dues"),
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "POST",
            format!("{ax}/dues/charges"),
            [403, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "POST",
            format!("{ax}/dues/payments"),
            [403, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{ax}/dues/sheet"),
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "POST",
            format!("{ax}/dues/collections"),
            [403, 404, 404, 404, 404, 404, 404, 401],
        ),
    ];
    let missing = get(&w, "/odf/no-existe/cuotas", who[1].as_ref()).await;
    let arrears_before = w
        .app
        .dues_arrears(w.union.id, today)
        .await
        .unwrap()
        .total_minor;
    let mut failures = Vec::new();
    let mut staff_wrote = 0;
    for (method, uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let token = b.as_ref().map(|b| b.token.as_str());
            let r = match (method, uri.starts_with("/api/")) {
                ("GET", false) => get(&w, &uri, b.as_ref()).await,
                ("GET", true) => api(&w, "GET", &uri, token, None, None).await,
                (_, true) => {
                    let body = if uri.ends_with("/charges") {
                        serde_json::json!({"period": month})
                    } else if uri.ends_with("/payments") {
                        serde_json::json!({"member_id": socio, "amount_minor": 100, "reference": format!("api-{i}")})
                    } else {
                        serde_json::json!({"token": format!("hoja-api-{i}"), "lines": [{"member_id": socio, "dues_minor": 100}]})
                    };
                    api(&w, "POST", &uri, token, Some(body), None).await
                }
                (_, false) => {
                    let form: Vec<(&str, String)> = if uri.ends_with("/cuotas") {
                        vec![("csrf", csrf.clone()), ("periodo", month.clone())]
                    } else if uri.ends_with("/pago") {
                        vec![
                            ("csrf", csrf.clone()),
                            ("socio", socio.to_string()),
                            ("importe", "1.00".into()),
                            ("token", format!("pago-{i}")),
                        ]
                    } else {
                        vec![
                            ("csrf", csrf.clone()),
                            ("token", format!("hoja-{i}")),
                            (
                                Box::leak(format!("d{socio}").into_boxed_str()),
                                "1.00".into(),
                            ),
                        ]
                    };
                    let form: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    post_form(&w, &uri, b.as_ref(), &form).await
                }
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && matches!(got, 2 | 3 | 422) {
                9
            } else {
                got
            };
            if got == 9 && method == "POST" {
                staff_wrote += 1;
            }
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}: {}",
                    expected[i],
                    &r.body[..r.body.len().min(300)]
                ));
            }
            if got == 404 && !uri.starts_with("/api/") && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Only staff's writes moved money: the page's payment (1.00), the API's (1.00) and the two
    // sheets (1.00 each) were staff's; nobody else's request wrote anything.
    assert_eq!(staff_wrote, 6);
    let after = w
        .app
        .dues_arrears(w.union.id, today)
        .await
        .unwrap()
        .total_minor;
    assert_eq!(arrears_before - after, 400);
}

// ---------------------------------------------------------------- trade-web (issue 18)

/// The authorisation matrix of pooled purchasing (issue 18, R-BUY-1, R-BUY-2): every role
/// against every page, form and API route, another organisation's included. Writes are
/// staff's; a request is the member's own (or staff's for a member); the catalogue is read by
/// staff, the board and supervisors; a round by everyone in the group.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_purchasing_pages_and_routes() {
    let w = world().await;
    let by = app::Actor::cli();
    let today = today_mx();
    w.app
        .register_supplier(
            w.union.id,
            &by,
            app::trade_cases::SupplierInput {
                code: "barros".into(),
                name: "Barros".into(),
                channelled_by: None,
            },
        )
        .await
        .unwrap();
    let csv = format!(
        "proveedor,material,esquema,desde,hasta,precio,pedido_minimo,dias_entrega,vigente_desde,vigente_hasta\n\
         barros,barro,todas,1,,10,0,1,{today},{}\n",
        today + chrono::Duration::days(60)
    );
    w.app
        .import_price_lists(w.union.id, &by, &csv)
        .await
        .unwrap();
    w.app
        .open_round(
            w.union.id,
            &by,
            app::trade_cases::RoundInput {
                round_id: "r1".into(),
                order_date: today,
                allow_buy_up: true,
                time_limit_ms: None,
            },
        )
        .await
        .unwrap();
    let socio = member_of(&w, "socio").await;
    w.app
        .declare_capacities(
            w.union.id,
            &by,
            vec![app::trade_cases::CapacityInput {
                member: socio,
                product: "cazuela".into(),
                grade: "A".into(),
                capacity_units: 100,
                min_lot_units: 0,
                declared_on: today,
            }],
        )
        .await
        .unwrap();
    w.app
        .accept_order(
            w.union.id,
            &by,
            app::trade_cases::OrderInput {
                order_id: "p1".into(),
                buyer: "Casa".into(),
                product: "cazuela".into(),
                grade: "A".into(),
                quantity_units: 5,
                unit_price_minor: 100,
                due_date: today + chrono::Duration::days(30),
                terms_days: 60,
                channelled_by: None,
                accepted_on: today,
            },
        )
        .await
        .unwrap();
    // trade-rest: p1 delivered, invoiced and paid, so it has a recorded payout.
    w.app
        .record_deliveries(
            w.union.id,
            &by,
            "p1",
            vec![app::trade_cases::DeliveryInput {
                member: socio,
                delivered_units: 5,
                rejected_units: 0,
                date: today,
                reference: "d0".into(),
            }],
        )
        .await
        .unwrap();
    w.app
        .invoice_order(w.union.id, &by, "p1", today)
        .await
        .unwrap();
    w.app
        .record_buyer_payment(w.union.id, &by, "p1", 200, today, "pg0")
        .await
        .unwrap();
    w.app
        .open_outlet(
            w.union.id,
            &by,
            app::trade_cases::OutletInput {
                code: "mercado".into(),
                name: "Mercado".into(),
                commission_rate: "0.1".into(),
            },
        )
        .await
        .unwrap();
    w.app
        .consign(w.union.id, &by, "mercado", socio, "cazuela", 10, 100, "k0")
        .await
        .unwrap();
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos/comercio";
    let x = format!("/odf/{}/comercio", w.other.data.slug);
    let a = "/api/v1/orgs/alfareros-morelos/trade";
    let ax = format!("/api/v1/orgs/{}/trade", w.other.data.slug);
    let staff_only = [403, 9, 403, 403, 403, 403, 403, 3];
    let staff_only_api = [403, 9, 403, 403, 403, 403, 403, 401];
    let readers = [2, 2, 2, 403, 403, 403, 403, 3];
    let everyone = [2, 2, 2, 2, 2, 2, 2, 3];
    let other_write = [403, 404, 404, 404, 404, 404, 404, 3];
    let other_write_api = [403, 404, 404, 404, 404, 404, 404, 401];
    type Row = (&'static str, String, [u16; 8]);
    let rows: Vec<Row> = vec![
        ("GET", format!("{o}/compras"), readers),
        ("POST", format!("{o}/compras/proveedores"), staff_only),
        ("POST", format!("{o}/compras/precios"), staff_only),
        ("POST", format!("{o}/compras/precios/archivo"), staff_only),
        ("POST", format!("{o}/compras/rondas"), staff_only),
        ("POST", format!("{o}/compras/reembolsos"), staff_only),
        ("GET", format!("{o}/pedir"), everyone),
        (
            "POST",
            format!("{o}/pedir"),
            [403, 403, 9, 9, 403, 403, 403, 3],
        ),
        ("GET", format!("{o}/compras/rondas/r1"), everyone),
        (
            "GET",
            format!("{o}/compras/rondas/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("POST", format!("{o}/compras/rondas/r1/cerrar"), staff_only),
        (
            "GET",
            format!("{o}/compras/rondas/r1/ahorros.csv"),
            everyone,
        ),
        (
            "POST",
            format!("{o}/compras/rondas/r1/recepciones"),
            staff_only,
        ),
        ("POST", format!("{o}/compras/rondas/r1/pagos"), staff_only),
        (
            "POST",
            format!("{o}/compras/rondas/r1/entregas"),
            staff_only,
        ),
        (
            "GET",
            format!("{x}/compras"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("GET", format!("{o}/ventas"), readers),
        ("POST", format!("{o}/ventas"), staff_only),
        ("POST", format!("{o}/ventas/capacidades"), staff_only),
        ("GET", format!("{o}/ventas/p1"), everyone),
        ("GET", format!("{o}/ventas/p1/reparto.csv"), everyone),
        (
            "GET",
            format!("{o}/ventas/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("POST", format!("{o}/ventas/p1/entregas"), staff_only),
        ("POST", format!("{o}/ventas/p1/anticipos"), staff_only),
        ("POST", format!("{o}/ventas/p1/factura"), staff_only),
        ("POST", format!("{o}/ventas/p1/cobros"), staff_only),
        ("POST", format!("{x}/ventas"), other_write),
        ("POST", format!("{x}/ventas/p1/cobros"), other_write),
        ("GET", format!("{o}/tiendas"), everyone),
        ("POST", format!("{o}/tiendas"), staff_only),
        ("GET", format!("{o}/tiendas/mercado"), everyone),
        (
            "GET",
            format!("{o}/tiendas/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("POST", format!("{o}/tiendas/mercado/consignar"), staff_only),
        ("POST", format!("{o}/tiendas/mercado/ventas"), staff_only),
        ("POST", format!("{o}/tiendas/mercado/liquidar"), staff_only),
        ("POST", format!("{o}/tiendas/mercado/conteo"), staff_only),
        // trade-rest: a sales payout's receipt (the member, staff, board, supervisors) and CSV.
        (
            "GET",
            format!("{o}/ventas/p1/pagos/pg0/{socio}"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/ventas/p1/pagos/no-existe/{socio}"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/ventas/p1/pagos/pg0/{socio}"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("GET", format!("{o}/ventas/p1/pagos.csv"), everyone),
        (
            "GET",
            format!("{a}/orders/p1/payouts"),
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{ax}/orders/p1/payouts"),
            [404, 404, 404, 404, 404, 404, 404, 401],
        ),
        // trade-rest: the outlet's settlement as CSV.
        (
            "GET",
            format!("{o}/tiendas/mercado/liquidacion.csv"),
            everyone,
        ),
        (
            "GET",
            format!("{o}/tiendas/no-existe/liquidacion.csv"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        // trade18: every trade table as CSV, read as its page is; the member box's suggestions.
        ("GET", format!("{o}/compras/precios.csv"), readers),
        (
            "GET",
            format!("{x}/compras/precios.csv"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/compras/rondas/r1/pedidos.csv"),
            everyone,
        ),
        ("GET", format!("{o}/compras/rondas/r1/ordenes.csv"), readers),
        (
            "GET",
            format!("{o}/compras/rondas/r1/entregas.csv"),
            everyone,
        ),
        (
            "GET",
            format!("{o}/compras/rondas/no-existe/pedidos.csv"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("GET", format!("{o}/ventas/pedidos.csv"), readers),
        ("GET", format!("{o}/ventas/capacidades.csv"), readers),
        (
            "GET",
            format!("{x}/ventas/pedidos.csv"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/tiendas/mercado/existencias.csv"),
            everyone,
        ),
        (
            "GET",
            format!("{o}/tiendas/no-existe/existencias.csv"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            "/odf/alfareros-morelos/socios/opciones?socio=a".to_string(),
            readers,
        ),
        (
            "GET",
            format!("/odf/{}/socios/opciones?socio=a", w.other.data.slug),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("POST", format!("{x}/tiendas"), other_write),
        ("POST", format!("{x}/compras/proveedores"), other_write),
        ("POST", format!("{x}/compras/rondas"), other_write),
        ("POST", format!("{x}/pedir"), other_write),
        ("POST", format!("{x}/compras/rondas/r1/cerrar"), other_write),
        (
            "GET",
            format!("{a}/suppliers"),
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        ("POST", format!("{a}/suppliers"), staff_only_api),
        ("POST", format!("{a}/price-lists"), staff_only_api),
        ("POST", format!("{a}/price-lists/csv"), staff_only_api),
        ("GET", format!("{a}/rounds"), [2, 2, 2, 2, 2, 2, 2, 401]),
        ("POST", format!("{a}/rounds"), staff_only_api),
        ("GET", format!("{a}/rounds/r1"), [2, 2, 2, 2, 2, 2, 2, 401]),
        (
            "POST",
            format!("{a}/rounds/r1/requests"),
            [403, 9, 9, 9, 403, 403, 403, 401],
        ),
        ("POST", format!("{a}/rounds/r1/close"), staff_only_api),
        ("POST", format!("{a}/rounds/r1/receipts"), staff_only_api),
        (
            "POST",
            format!("{a}/rounds/r1/supplier-payments"),
            staff_only_api,
        ),
        ("POST", format!("{a}/rounds/r1/pick-ups"), staff_only_api),
        ("POST", format!("{a}/repayments"), staff_only_api),
        (
            "GET",
            format!("{ax}/suppliers"),
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{a}/capacities"),
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        ("POST", format!("{a}/capacities"), staff_only_api),
        ("GET", format!("{a}/orders"), [2, 2, 2, 2, 2, 2, 2, 401]),
        ("POST", format!("{a}/orders"), staff_only_api),
        ("GET", format!("{a}/orders/p1"), [2, 2, 2, 2, 2, 2, 2, 401]),
        (
            "GET",
            format!("{a}/orders/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 401],
        ),
        ("POST", format!("{a}/orders/p1/deliveries"), staff_only_api),
        ("POST", format!("{a}/orders/p1/advances"), staff_only_api),
        ("POST", format!("{a}/orders/p1/invoice"), staff_only_api),
        ("POST", format!("{a}/orders/p1/payments"), staff_only_api),
        ("POST", format!("{ax}/orders"), other_write_api),
        ("GET", format!("{a}/outlets"), [2, 2, 2, 2, 2, 2, 2, 401]),
        ("POST", format!("{a}/outlets"), staff_only_api),
        (
            "GET",
            format!("{a}/outlets/mercado"),
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{a}/outlets/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "POST",
            format!("{a}/outlets/mercado/consignments"),
            staff_only_api,
        ),
        ("POST", format!("{a}/outlets/mercado/sales"), staff_only_api),
        (
            "POST",
            format!("{a}/outlets/mercado/settlements"),
            staff_only_api,
        ),
        (
            "POST",
            format!("{a}/outlets/mercado/counts"),
            staff_only_api,
        ),
        ("POST", format!("{ax}/outlets"), other_write_api),
        ("POST", format!("{ax}/suppliers"), other_write_api),
        ("POST", format!("{ax}/rounds"), other_write_api),
        ("POST", format!("{ax}/rounds/r1/close"), other_write_api),
    ];
    let missing = get(&w, "/odf/no-existe/comercio/compras", who[1].as_ref()).await;
    let needed = (today + chrono::Duration::days(10)).to_string();
    let mut failures = Vec::new();
    for (method, uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let token = b.as_ref().map(|b| b.token.as_str());
            let r = match (method, uri.starts_with("/api/")) {
                ("GET", false) => get(&w, &uri, b.as_ref()).await,
                ("GET", true) => api(&w, "GET", &uri, token, None, None).await,
                (_, true) => {
                    let fund = serde_json::json!({"source": "credit_line", "lender": "nadie"});
                    let body = match uri.rsplit('/').next().unwrap() {
                        "suppliers" => serde_json::json!({"code": format!("p{i}"), "name": "P"}),
                        "price-lists" => {
                            serde_json::json!({"supplier": "barros", "material": format!("m{i}"), "pricing": "all_units", "tiers": [{"from_units": 1, "unit_price_minor": 100}], "valid_from": today, "valid_until": today})
                        }
                        "csv" => serde_json::json!({ "csv": csv }),
                        "rounds" => serde_json::json!({"round_id": format!("a{i}")}),
                        "requests" => {
                            serde_json::json!({"requests": [{"material": "barro", "quantity_units": 3, "needed_by": needed, "member_id": if i == 1 { Some(socio) } else { None }}]})
                        }
                        "close" => serde_json::json!({}),
                        "receipts" => {
                            serde_json::json!({"po_id": "r1:barro:barros", "units": 1, "reference": format!("rc{i}")})
                        }
                        "supplier-payments" => {
                            serde_json::json!({"po_id": "r1:barro:barros", "amount_minor": 100, "funding": fund, "reference": format!("pg{i}")})
                        }
                        "capacities" => {
                            serde_json::json!({"capacities": [{"member_id": socio, "product": "cazuela", "grade": "A", "capacity_units": 100}]})
                        }
                        "orders" => {
                            serde_json::json!({"order_id": format!("q{i}"), "buyer": "B", "product": "cazuela", "grade": "A", "quantity_units": 1, "unit_price_minor": 100, "due_date": needed, "terms_days": 60})
                        }
                        "deliveries" => {
                            serde_json::json!({"member_id": socio, "delivered_units": 1, "reference": format!("dl{i}")})
                        }
                        "invoice" => serde_json::json!({}),
                        "advances" => {
                            serde_json::json!({"member_id": socio, "amount_minor": 100, "funding": fund, "reference": format!("an{i}")})
                        }
                        "payments" => {
                            serde_json::json!({"amount_minor": 100, "reference": format!("co{i}")})
                        }
                        "outlets" => {
                            serde_json::json!({"code": format!("t{i}"), "name": "T", "commission_rate": "0.1"})
                        }
                        "consignments" => {
                            serde_json::json!({"member_id": socio, "product": "cazuela", "units": 1, "unit_price_minor": 100, "reference": format!("kc{i}")})
                        }
                        "sales" => {
                            serde_json::json!({"member_id": socio, "product": "cazuela", "units": 1, "reference": format!("vs{i}")})
                        }
                        "settlements" => {
                            serde_json::json!({"member_id": socio, "amount_minor": 1, "reference": format!("ls{i}")})
                        }
                        "counts" => {
                            serde_json::json!({"counts": [{"member_id": socio, "product": "cazuela", "counted_units": 5}], "reference": format!("cn{i}")})
                        }
                        "pick-ups" => {
                            serde_json::json!({"member_id": socio, "material": "barro", "units": 1, "reference": format!("pu{i}")})
                        }
                        _ => {
                            serde_json::json!({"funding": fund, "amount_minor": 100, "reference": format!("rp{i}")})
                        }
                    };
                    api(&w, "POST", &uri, token, Some(body), None).await
                }
                (_, false) if uri.ends_with("/archivo") => {
                    let body = format!(
                        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                         --XyZ\r\nContent-Disposition: form-data; name=\"archivo\"; filename=\"p.csv\"\r\n\r\n{csv}\r\n--XyZ--\r\n"
                    );
                    let mut rq = Request::post(&uri)
                        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ");
                    if let Some(b) = b {
                        rq = rq.header(header::COOKIE, &b.cookie);
                    }
                    send(&w.router, rq.body(Body::from(body)).unwrap()).await
                }
                (_, false) => {
                    let form: Vec<(&str, String)> = vec![
                        ("csrf", csrf.clone()),
                        ("token", format!("t{i}")),
                        ("codigo", format!("s{i}")),
                        ("nombre", "S".into()),
                        ("ronda", format!("f{i}")),
                        ("material", "barro".into()),
                        ("cantidad", "2".into()),
                        ("fecha_necesaria", needed.clone()),
                        ("proveedor", "barros".into()),
                        ("tramos", "1+ 10".into()),
                        ("vigente_hasta", today.to_string()),
                        ("orden", "r1:barro:barros".into()),
                        ("unidades", "1".into()),
                        ("importe", "1.00".into()),
                        ("prestamista", "nadie".into()),
                        ("socio", format!("{socio}:barro")),
                        ("producto", "cazuela".into()),
                        ("calidad", "A".into()),
                        ("capacidad", "10".into()),
                        ("pedido", format!("v{i}")),
                        ("comprador", "B".into()),
                        ("precio", "1.00".into()),
                        ("entregadas", "1".into()),
                        ("comision", "10".into()),
                        ("linea", format!("{socio}:cazuela")),
                        (
                            Box::leak(format!("c:{socio}:cazuela").into_boxed_str()),
                            "5".into(),
                        ),
                    ];
                    // Sales forms name the member by number.
                    let form: Vec<(&str, String)> = form
                        .into_iter()
                        .map(|(k, v)| {
                            if k == "socio" && (uri.contains("/ventas") || uri.contains("/tiendas"))
                            {
                                (k, socio.to_string())
                            } else {
                                (k, v)
                            }
                        })
                        .collect();
                    // The member's request names the open round.
                    let form: Vec<(&str, String)> = form
                        .into_iter()
                        .map(|(k, v)| {
                            if k == "ronda" && uri.ends_with("/pedir") {
                                (k, "r1".to_string())
                            } else {
                                (k, v)
                            }
                        })
                        .collect();
                    let form: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    post_form(&w, &uri, b.as_ref(), &form).await
                }
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && matches!(got, 2 | 3 | 422) {
                9
            } else {
                got
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}: {}",
                    expected[i],
                    &r.body[..r.body.len().min(300)]
                ));
            }
            if got == 404 && !uri.starts_with("/api/") && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Issue 18, the credit pages and API routes (branch credit-web): every role against every
/// loan page, form and route, another ODF's (which answer like missing ones), on the 300-member
/// union (the smallest with a credit line) with one application of the member `socio`.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_credit_pages_and_routes() {
    let w = world_sized(300, 12).await;
    let socio = member_of(&w, "socio").await;
    let today = today_mx();
    let staff_user = w.app.user("personal").await.unwrap().viewer;
    let (a, _) = w
        .app
        .apply_for_loan(
            w.union.id,
            &app::Actor::new(staff_user.login.clone(), "test"),
            app::credit_cases::LoanRequest {
                member_id: socio,
                form: app::credit_cases::QuoteForm::new("5000", "0", "6", &today.to_string()),
                plan_recommended_minor: None,
                token: "matrix".into(),
            },
            today,
        )
        .await
        .unwrap();
    let id = a.loan_id;
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    let api_o = "/api/v1/orgs/alfareros-morelos";
    let api_x = format!("/api/v1/orgs/{}", w.other.data.slug);
    // supervisor, staff, board, member, support committee, donor, adviser, nobody. 2 = 2xx,
    // 3 = redirect to sign in, 9 = authorised and the rule decided (2xx or 422).
    type Row = (&'static str, String, [u16; 8]);
    let rows: Vec<Row> = vec![
        (
            "GET",
            format!("{o}/prestamos"),
            [2, 2, 2, 2, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/prestamos/solicitar"),
            [403, 2, 2, 2, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/prestamos/solicitar"),
            [403, 9, 9, 9, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/prestamos/{id}"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/prestamos/{id}/entregar"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "POST",
            format!("{o}/prestamos/{id}/pago"),
            [403, 9, 403, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/prestamos/999999"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/prestamos/{id}/recibos/nada"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/cartera"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{o}/cartera.csv"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            "GET",
            format!("{x}/prestamos"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/prestamos/solicitar"),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{x}/cartera"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            "GET",
            format!("{api_o}/loans"),
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{api_o}/loans"),
            [403, 9, 403, 9, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{api_o}/loans/{id}"),
            [2, 2, 2, 2, 404, 404, 404, 401],
        ),
        (
            "POST",
            format!("{api_o}/loans/{id}/disbursement"),
            [403, 9, 403, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{api_o}/loans/{id}/payments"),
            [403, 9, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{api_o}/loan-portfolio"),
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{api_x}/loans"),
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{api_x}/loan-portfolio"),
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
    ];
    let missing = get(&w, "/odf/no-existe/fondo", who[1].as_ref()).await;
    let before = w
        .app
        .store()
        .events(w.union.id, None, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .len();
    let mut failures = Vec::new();
    for (method, uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let r = if let Some(path) = uri.strip_prefix("/api") {
                let _ = path;
                // Refused input for those allowed: an amount of nothing, nothing written.
                let body = if uri.ends_with("/payments") {
                    Some(serde_json::json!({"amount_minor": 0, "reference": "m"}))
                } else if method == "POST" && uri.ends_with("/loans") {
                    Some(serde_json::json!({"member_id": socio, "amount": "cero",
                        "installments": "6", "start": today.to_string(), "reference": "m"}))
                } else {
                    None
                };
                api(
                    &w,
                    method,
                    &uri,
                    b.as_ref().map(|b| b.token.as_str()),
                    body,
                    None,
                )
                .await
            } else if method == "GET" {
                get(&w, &uri, b.as_ref()).await
            } else {
                post_form(
                    &w,
                    &uri,
                    b.as_ref(),
                    &[
                        ("csrf", &csrf),
                        ("amount", "cero"),
                        ("importe", "cero"),
                        ("socio", ""),
                    ],
                )
                .await
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 if expected[i] == 9 => 9,
                422 if expected[i] == 9 => 9,
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}: {}",
                    expected[i],
                    &r.body[..r.body.len().min(300)]
                ));
            }
            if got == 404 && !uri.starts_with("/api/") && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let after = w
        .app
        .store()
        .events(w.union.id, None, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .len();
    // Refused input writes nothing (sign-ins and the API's claims are programme-level).
    assert_eq!(after, before, "no request of the matrix wrote to the ODF");
}

/// fund-web (issue 18): the authorisation matrix of the Fund's operations, every role against
/// every page, form and API route, another organisation's included (which answer exactly like
/// missing ones). Reading is for staff, the board and supervisors; writes are staff's; a
/// withdrawal only the member's own (R-FUND-5), whoever else may see the member is refused and
/// whoever may not gets 404.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_fund_operations() {
    let w = world().await;
    let socio = member_of(&w, "socio").await;
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    let a = "/api/v1/orgs/alfareros-morelos";
    let ax = format!("/api/v1/orgs/{}", w.other.data.slug);
    let mine = format!("{o}/socios/{socio}/retiro");
    let theirs = format!("{x}/socios/{}/retiro", w.other_member);
    // Expected per role: supervisor, staff, board, member, support committee, donor, adviser,
    // nobody. 2 = 2xx, 3 = redirect (303), 9 = authorised and the rule decided (2xx, 303 or
    // 422). Without a session pages redirect (3) and the API answers 401.
    const READ: [u16; 8] = [2, 2, 2, 403, 403, 403, 403, 3];
    const WRITE: [u16; 8] = [403, 9, 403, 403, 403, 403, 403, 3];
    const OTHER_READ: [u16; 8] = [2, 404, 404, 404, 404, 404, 404, 3];
    const OTHER_WRITE: [u16; 8] = [403, 404, 404, 404, 404, 404, 404, 3];
    let api_ = |e: [u16; 8]| {
        let mut e = e;
        e[7] = 401;
        e
    };
    type Row = (&'static str, String, [u16; 8]);
    let rows: Vec<Row> = vec![
        ("GET", format!("{o}/fondo/gasto"), READ),
        ("POST", format!("{o}/fondo/gasto"), WRITE),
        ("GET", format!("{o}/fondo/pagos"), READ),
        ("GET", format!("{o}/fondo/pagos.csv"), READ),
        // trade18: the other tables of the Fund's operations as CSV.
        ("GET", format!("{o}/fondo/gasto.csv"), READ),
        ("GET", format!("{o}/fondo/incumplimientos.csv"), READ),
        ("GET", format!("{o}/fondo/temporales.csv"), READ),
        ("GET", format!("{x}/fondo/temporales.csv"), OTHER_READ),
        ("POST", format!("{o}/fondo/pagos"), WRITE),
        ("GET", format!("{o}/fondo/aportaciones"), READ),
        ("POST", format!("{o}/fondo/donativos"), WRITE),
        ("POST", format!("{o}/fondo/temporales"), WRITE),
        (
            "POST",
            format!("{o}/fondo/temporales/matriz-t/devolucion"),
            WRITE,
        ),
        (
            "GET",
            format!("{o}/fondo/recibos/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("GET", mine.clone(), [403, 403, 403, 2, 404, 404, 404, 3]),
        ("POST", mine.clone(), [403, 403, 403, 9, 404, 404, 404, 3]),
        ("GET", format!("{x}/fondo/gasto"), OTHER_READ),
        ("POST", format!("{x}/fondo/gasto"), OTHER_WRITE),
        ("GET", format!("{x}/fondo/pagos"), OTHER_READ),
        ("POST", format!("{x}/fondo/donativos"), OTHER_WRITE),
        (
            "GET",
            theirs.clone(),
            [403, 404, 404, 404, 404, 404, 404, 3],
        ),
        ("GET", format!("{a}/fund/decisions"), api_(READ)),
        ("POST", format!("{a}/fund/spending"), api_(WRITE)),
        (
            "POST",
            format!("{a}/fund/withdrawals"),
            [403, 403, 403, 9, 404, 404, 404, 401],
        ),
        ("GET", format!("{a}/fund/payments"), api_(READ)),
        ("POST", format!("{a}/fund/payments"), api_(WRITE)),
        (
            "GET",
            format!("{a}/fund/payments/no-existe"),
            [404, 404, 404, 404, 404, 404, 404, 401],
        ),
        ("POST", format!("{a}/fund/grants"), api_(WRITE)),
        ("GET", format!("{a}/fund/temporary"), api_(READ)),
        ("POST", format!("{a}/fund/temporary"), api_(WRITE)),
        (
            "POST",
            format!("{a}/fund/temporary/matriz-t/return"),
            api_(WRITE),
        ),
        ("GET", format!("{ax}/fund/decisions"), api_(OTHER_READ)),
        ("POST", format!("{ax}/fund/spending"), api_(OTHER_WRITE)),
        ("POST", format!("{ax}/fund/grants"), api_(OTHER_WRITE)),
    ];
    let missing = get(&w, "/odf/no-existe/fondo/gasto", who[1].as_ref()).await;
    let mut failures = Vec::new();
    for (method, uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let token = b.as_ref().map(|b| b.token.as_str());
            let reference = format!("matriz-{i}");
            let r = match (method, uri.starts_with("/api/")) {
                ("GET", false) => get(&w, &uri, b.as_ref()).await,
                ("GET", true) => api(&w, "GET", &uri, token, None, None).await,
                (_, true) => {
                    let body = if uri.ends_with("/spending") {
                        serde_json::json!({"decision_id": 1, "category": "research", "description": "x", "amount_minor": 100, "reference": reference})
                    } else if uri.ends_with("/withdrawals") {
                        serde_json::json!({"member_id": socio, "purpose": "medical", "amount_minor": 100, "reference": reference})
                    } else if uri.ends_with("/payments") {
                        serde_json::json!({"member_id": socio, "reference": reference})
                    } else if uri.ends_with("/grants") {
                        serde_json::json!({"donor": "Fundación", "amount_minor": 100, "reference": reference})
                    } else if uri.ends_with("/temporary") {
                        serde_json::json!({"contributor": "Municipio", "amount_minor": 100, "reference": reference})
                    } else {
                        serde_json::json!({})
                    };
                    api(&w, "POST", &uri, token, Some(body), None).await
                }
                (_, false) => {
                    let form = [
                        ("csrf", csrf.as_str()),
                        ("token", reference.as_str()),
                        ("decision", "1"),
                        ("categoria", "research"),
                        ("descripcion", "x"),
                        ("importe", "1.00"),
                        ("uso", "medical"),
                        ("socio", "1"),
                        ("nombre", "Fundación"),
                    ];
                    post_form(&w, &uri, b.as_ref(), &form).await
                }
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && matches!(got, 2 | 3 | 422) {
                9
            } else {
                got
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}: {}",
                    expected[i],
                    &r.body[..r.body.len().min(300)]
                ));
            }
            if got == 404 && !uri.starts_with("/api/") && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// lines-leases (issue 18): every role against the lease and credit-line pages, forms and API
/// routes, another ODF's included (which answer like missing ones). Leases: staff, board and
/// supervisors read every lease, a member their own (lease 1 is not `socio`'s: 404); lines:
/// staff, board and supervisors. Every write is staff's; the requests carry input that is
/// refused (422) so the matrix writes nothing.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_lines_and_leases() {
    let w = world_sized(300, 12).await;
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    let a = "/api/v1/orgs/alfareros-morelos";
    let ax = format!("/api/v1/orgs/{}", w.other.data.slug);
    let early = serde_json::json!("2000-01-01");
    // supervisor, staff, board, member, support committee, donor, adviser, nobody. 2 = 2xx,
    // 3 = redirect to sign in, 9 = authorised and refused by the rule (422).
    type Row = (&'static str, String, [u16; 8], Option<serde_json::Value>);
    let read_all = [2, 2, 2, 2, 403, 403, 403, 3];
    let readers = [2, 2, 2, 403, 403, 403, 403, 3];
    let lessee = [2, 2, 2, 404, 404, 404, 404, 3];
    let staff = [403, 9, 403, 403, 403, 403, 403, 3];
    let missing = [404, 404, 404, 404, 404, 404, 404, 3];
    let other = [2, 404, 404, 404, 404, 404, 404, 3];
    let other_staff = [403, 404, 404, 404, 404, 404, 404, 3];
    let api_of = |r: [u16; 8]| {
        let mut r = r;
        r[7] = 401;
        r
    };
    let rows: Vec<Row> = vec![
        ("GET", format!("{o}/arrendamientos"), read_all, None),
        ("GET", format!("{o}/arrendamientos.csv"), readers, None),
        (
            "GET",
            format!("{o}/arrendamientos/nuevo"),
            [403, 2, 403, 403, 403, 403, 403, 3],
            None,
        ),
        ("POST", format!("{o}/arrendamientos/nuevo"), staff, None),
        ("GET", format!("{o}/arrendamientos/1"), lessee, None),
        (
            "GET",
            format!("{o}/arrendamientos/1/rentas.csv"),
            lessee,
            None,
        ),
        ("POST", format!("{o}/arrendamientos/1/renta"), staff, None),
        ("POST", format!("{o}/arrendamientos/1/compra"), staff, None),
        (
            "POST",
            format!("{o}/arrendamientos/1/traspaso"),
            staff,
            None,
        ),
        (
            "GET",
            format!("{o}/arrendamientos/1/recibos/nada"),
            missing,
            None,
        ),
        ("GET", format!("{o}/arrendamientos/999999"), missing, None),
        ("GET", format!("{x}/arrendamientos"), other, None),
        (
            "GET",
            format!("{x}/arrendamientos/nuevo"),
            other_staff,
            None,
        ),
        ("GET", format!("{o}/lineas"), readers, None),
        ("POST", format!("{o}/lineas"), staff, None),
        ("GET", format!("{o}/lineas/1"), readers, None),
        ("GET", format!("{o}/lineas/1/limites.csv"), readers, None),
        (
            "GET",
            format!("{o}/lineas/1/movimientos.csv"),
            readers,
            None,
        ),
        ("POST", format!("{o}/lineas/1/revision"), staff, None),
        ("POST", format!("{o}/lineas/1/disposicion"), staff, None),
        ("POST", format!("{o}/lineas/1/pago"), staff, None),
        ("POST", format!("{o}/lineas/1/traspaso"), staff, None),
        (
            "GET",
            format!("{o}/lineas/999"),
            [404, 404, 404, 403, 403, 403, 403, 3],
            None,
        ),
        ("GET", format!("{x}/lineas"), other, None),
        ("GET", format!("{a}/leases"), api_of(readers), None),
        (
            "POST",
            format!("{a}/leases"),
            api_of(staff),
            Some(
                serde_json::json!({"decision_id": 0, "member_id": 0, "asset": "x",
                "cost": "1", "installments": "1", "start": "2000-01-01"}),
            ),
        ),
        ("GET", format!("{a}/leases/1"), api_of(lessee), None),
        (
            "POST",
            format!("{a}/leases/1/rents"),
            api_of(staff),
            Some(serde_json::json!({"amount_minor": 100, "on": early, "reference": "m"})),
        ),
        (
            "POST",
            format!("{a}/leases/1/transfer"),
            api_of(staff),
            Some(serde_json::json!({"member_id": 0, "on": early})),
        ),
        ("GET", format!("{a}/credit-lines"), api_of(readers), None),
        (
            "POST",
            format!("{a}/credit-lines"),
            api_of(staff),
            Some(serde_json::json!({"lender": "m", "rate": "cero"})),
        ),
        ("GET", format!("{a}/credit-lines/1"), api_of(readers), None),
        (
            "POST",
            format!("{a}/credit-lines/1/reviews"),
            api_of(staff),
            Some(serde_json::json!({"through": early})),
        ),
        (
            "POST",
            format!("{a}/credit-lines/1/draws"),
            api_of(staff),
            Some(serde_json::json!({"amount_minor": 100, "on": early, "reference": "m"})),
        ),
        (
            "POST",
            format!("{a}/credit-lines/1/repayments"),
            api_of(staff),
            Some(serde_json::json!({"principal_minor": 100, "on": early, "reference": "m"})),
        ),
        (
            "POST",
            format!("{a}/credit-lines/1/transfer"),
            api_of(staff),
            Some(serde_json::json!({"lender": "otro", "on": early})),
        ),
        ("GET", format!("{ax}/leases"), api_of(other), None),
        ("GET", format!("{ax}/credit-lines"), api_of(other), None),
    ];
    let missing_page = get(&w, "/odf/no-existe/fondo", who[1].as_ref()).await;
    let count = || async {
        w.app
            .store()
            .events(w.union.id, None, store::Page::first(store::MAX_PAGE))
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    let mut failures = Vec::new();
    for (method, uri, expected, body) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let r = if uri.starts_with("/api/") {
                let body = if method == "POST" { body.clone() } else { None };
                api(
                    &w,
                    method,
                    &uri,
                    b.as_ref().map(|b| b.token.as_str()),
                    body,
                    None,
                )
                .await
            } else if method == "GET" {
                get(&w, &uri, b.as_ref()).await
            } else {
                // Refused input: no decision, member or lender, an amount of nothing, no date.
                post_form(
                    &w,
                    &uri,
                    b.as_ref(),
                    &[
                        ("csrf", &csrf),
                        ("importe", "cero"),
                        ("capital", "cero"),
                        ("tasa", "cero"),
                        ("socio", ""),
                        ("fecha", "x"),
                    ],
                )
                .await
            };
            let status = r.status.as_u16();
            let got = match status {
                422 if expected[i] == 9 => 9,
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}: {}",
                    expected[i],
                    &r.body[..r.body.len().min(300)]
                ));
            }
            if got == 404 && !uri.starts_with("/api/") && r.body != missing_page.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        count().await,
        before,
        "no request of the matrix wrote to the ODF"
    );
}

/// web17 (issue 17): the CSV downloads of the members table and of a member's statement, and
/// the collection sheet's pages: every role, another organisation's included (answering
/// exactly like a missing one). The members table is for staff, the board and supervisors; a
/// statement's tables for whoever reads the statement (the member themself too).
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_csv_downloads_and_the_sheets_pages() {
    let w = world().await;
    let socio = member_of(&w, "socio").await;
    let consejo = member_of(&w, "consejo").await;
    let roles = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who = Vec::new();
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    who.push(None);
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", w.other.data.slug);
    // Expected per role: supervisor, staff, board, member, support committee, donor, adviser,
    // nobody. 2 = 2xx, 3 = redirect to sign in (303).
    let mut rows: Vec<(String, [u16; 8])> = vec![
        (format!("{o}/socios.csv"), [2, 2, 2, 403, 403, 403, 403, 3]),
        (
            format!("{o}/socios.csv?q=ana"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            format!("{x}/socios.csv"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            format!("{o}/cobranza?pagina=2"),
            [2, 2, 2, 403, 403, 403, 403, 3],
        ),
        (
            format!("{x}/cobranza?pagina=2"),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            format!("{o}/socios/{socio}/estado.csv?tabla=nada"),
            [404, 404, 404, 404, 404, 404, 404, 3],
        ),
        (
            format!("{x}/socios/{}/estado.csv?tabla=ingresos", w.other_member),
            [2, 404, 404, 404, 404, 404, 404, 3],
        ),
    ];
    for table in ["ingresos", "aportaciones", "cuotas"] {
        rows.push((
            format!("{o}/socios/{socio}/estado.csv?tabla={table}"),
            [2, 2, 2, 2, 404, 404, 404, 3],
        ));
        // Another member's statement: not the member's to read (404 as a missing one).
        rows.push((
            format!("{o}/socios/{consejo}/estado.csv?tabla={table}"),
            [2, 2, 2, 404, 404, 404, 404, 3],
        ));
    }
    let mut failures = Vec::new();
    for (uri, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let r = get(&w, &uri, b.as_ref()).await;
            let got = match r.status.as_u16() {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let name = roles.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} GET {uri}: expected {}, got {got}",
                    expected[i]
                ));
            }
            if got == 2 && uri.contains(".csv") {
                let ct = r
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if ct != "text/csv; charset=utf-8" || !r.body.starts_with('\u{feff}') {
                    failures.push(format!("{name} GET {uri}: {ct}, no BOM"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---- offline-pwa (issue 20): the offline routes, every role
/// The installable app's files and the offline page answer everyone alike (no session read);
/// the session probe names the person signed in and no one else (401 without a session); a
/// queued report replayed with its key files only where the form would: the member themself
/// (sent), staff for this member refused by the form itself or sent (R-ORG-3 decides), anyone
/// else refused (403 or 404, nothing filed), another ODF's member 404 (403 for supervisors,
/// who see every ODF), nobody signed in 401.
#[tokio::test]
async fn authorisation_matrix_every_role_against_the_offline_routes() {
    let w = world().await;
    let me = member_of(&w, "socio").await;
    let roles = [
        "socio",
        "personal",
        "consejo",
        "supervisor",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut who: Vec<Option<Browser>> = vec![None];
    for r in roles {
        who.push(Some(sign_in(&w, r).await));
    }
    let mut failures = Vec::new();
    let mut people = std::collections::HashSet::new();
    for (i, b) in who.iter().enumerate() {
        let name = if i == 0 { "nobody" } else { roles[i - 1] };
        let mut person = "none".to_string();
        let probe = get(&w, "/sesion", b.as_ref()).await;
        match b {
            None if probe.status == StatusCode::UNAUTHORIZED => {}
            Some(_) if probe.status == StatusCode::OK => {
                person = probe.json()["person"].as_str().unwrap().to_string();
                people.insert(person.clone());
            }
            _ => failures.push(format!("{name} GET /sesion: {}", probe.status)),
        }
        for uri in [
            "/manifest.webmanifest",
            "/sw.js",
            "/static/offline.js",
            "/static/icon.svg",
            "/static/icon-192.png",
            "/static/icon-512.png",
            "/sin-conexion",
        ] {
            let r = get(&w, uri, b.as_ref()).await;
            // The same for everyone: nothing names the person asking.
            if r.status != StatusCode::OK || r.body.contains(&person) {
                failures.push(format!("{name} GET {uri}: {}", r.status));
            }
        }
        // A replayed report for the member `socio`, and for another ODF's member.
        let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
        for (member, other_odf) in [(me, false), (w.other_member, true)] {
            let slug = if other_odf {
                w.other.data.slug.clone()
            } else {
                w.union.data.slug.clone()
            };
            let body = format!("csrf={csrf}&period={}&revenue=100&profit=10", last_month());
            let mut r = Request::post(format!("/odf/{slug}/socios/{member}/reporte"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("Idempotency-Key", format!("access-{name}-{member}"));
            if let Some(b) = b {
                r = r.header(header::COOKIE, &b.cookie);
            }
            let reply = send(&w.router, r.body(Body::from(body)).unwrap()).await;
            let outcome = serde_json::from_str::<serde_json::Value>(&reply.body)
                .map(|v| v["outcome"].as_str().unwrap_or("").to_string())
                .unwrap_or_default();
            let ok = match (name, other_odf) {
                ("nobody", _) => reply.status == StatusCode::UNAUTHORIZED && outcome == "signin",
                // Supervisors see every ODF (R-SUP-1) and file nothing: 403 there too.
                ("supervisor", true) => {
                    reply.status == StatusCode::FORBIDDEN && outcome == "forbidden"
                }
                (_, true) => reply.status == StatusCode::NOT_FOUND && outcome == "forbidden",
                ("socio", false) => reply.status == StatusCode::OK && outcome == "sent",
                ("personal", false) => matches!(outcome.as_str(), "sent" | "refused"),
                (_, false) => matches!(reply.status.as_u16(), 403 | 404) && outcome == "forbidden",
            };
            if !ok {
                failures.push(format!(
                    "{name} replays a report of member {member}: {} {}",
                    reply.status, reply.body
                ));
            }
        }
    }
    assert_eq!(people.len(), roles.len(), "one opaque id per person");
    // The member's report was filed once: theirs; staff's try came after it (a duplicate).
    let filed = w
        .app
        .member_reports(w.union.id, me)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.period.to_string() == last_month())
        .count();
    assert_eq!(filed, 1);
    assert!(failures.is_empty(), "{failures:#?}");
}
