//! The HTTP shell: server-rendered pages (askama, htmx for partial updates), the JSON API under
//! `/api/v1` with its OpenAPI document, sign-in and sessions. Every handler asks
//! [`app::access_cases::Viewer`] what the person may do (R-GOV-1, R-SUP-1) and calls
//! [`app::App`]; it never touches a database or a rule directly. User-facing text comes from
//! the message catalogue (`messages.toml`, es-MX by default).

mod account_pages;
mod admin_pages;
mod api;
mod api_accounts;
mod api_contract;
mod api_fund;
mod api_members;
mod api_support;
pub mod audit;
mod auth;
mod chart;
pub mod client_addr;

mod dues_pages;
mod format;
pub mod fund_pages;
mod i18n;
pub mod limiter;
mod member_pages;
mod opening_pages;
mod pages;
mod plan_pages;
pub mod read_cache;
mod read_gate;
mod rules;
mod security;
mod settings_pages;
mod support_pages;
mod trade_pages;

use app::App;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;

pub use auth::{ExpiringCache, SessionCache};
pub use format::money_es_mx;
pub use i18n::{Lang, Tr};
pub use limiter::SignInLimiter;

/// Largest request body accepted anywhere (a members CSV of a few thousand rows fits).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub limiter: Arc<SignInLimiter>,
    /// Sessions read recently (see [`SessionCache`]).
    pub sessions: Arc<SessionCache>,
    /// Statements' Fund, credit and trade parts (see [`fund_pages::StatementCache`]).
    pub statements: Arc<fund_pages::StatementCache>,
    /// Organisations and members' dues read recently (see [`read_cache::ReadCache`]).
    pub reads: Arc<read_cache::ReadCache>,
    /// Mark cookies `Secure` (the server is behind TLS; see [`security`]).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see [`client_addr`]).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
}

/// The router for the whole application.
pub fn router(app: App) -> Router {
    router_with(AppState {
        app,
        limiter: Arc::new(SignInLimiter::default()),
        sessions: Arc::new(SessionCache::default()),
        statements: Arc::new(fund_pages::StatementCache::default()),
        reads: Arc::new(read_cache::ReadCache::default()),
        secure_cookies: false,
        trusted_proxies: Arc::new([]),
    })
}

pub fn router_with(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(pages::healthz))
        .route("/static/tequio.css", get(pages::stylesheet))
        .route("/static/htmx.min.js", get(pages::htmx))
        .route("/static/htmx-LICENSE.txt", get(pages::htmx_licence))
        .route("/static/tequio.js", get(security::script))
        .route("/inicio", post(account_pages::setup))
        .route(
            "/activar",
            get(account_pages::activate_form).post(account_pages::activate),
        )
        .route("/cuenta", get(account_pages::account_page))
        .route("/cuenta/clave", post(account_pages::change_password))
        .route(
            "/cuenta/sesiones/{id}/cerrar",
            post(account_pages::end_session),
        )
        .route(
            "/programa",
            get(admin_pages::programme_page).post(admin_pages::create_org),
        )
        .route(
            "/programa/supervisores",
            post(admin_pages::create_supervisor),
        )
        .route("/programa/codigo", post(admin_pages::reissue))
        .route(
            "/odf/{slug}/cuentas",
            get(account_pages::accounts_page).post(account_pages::create_account),
        )
        .route(
            "/odf/{slug}/cuentas/{login}/codigo",
            post(account_pages::reissue),
        )
        .route(
            "/odf/{slug}/planes",
            get(plan_pages::plans_page).post(plan_pages::agree_plan),
        )
        .route("/entrar", get(pages::signin_form).post(pages::signin))
        .route("/salir", post(pages::signout))
        .route("/", get(pages::index))
        .route("/bitacora", get(pages::programme_audit))
        .route("/reglas", get(rules::rules_page))
        .route("/odf/{slug}", get(pages::org_page))
        .route("/odf/{slug}/mi-estado", get(pages::my_statement))
        .route(
            "/odf/{slug}/socios",
            get(pages::members_page).post(pages::add_member),
        )
        .route(
            "/odf/{slug}/socios/importar",
            post(member_pages::import_members),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/ficha",
            get(member_pages::record_page),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/editar",
            post(member_pages::edit_member),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/baja",
            post(member_pages::record_leave),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/plan",
            get(plan_pages::member_plan),
        )
        .route(
            "/odf/{slug}/consejo",
            get(member_pages::board_page).post(member_pages::give_role),
        )
        .route(
            "/odf/{slug}/consejo/{id}/terminar",
            post(member_pages::end_role),
        )
        .route("/odf/{slug}/planes/{id}", get(plan_pages::plan_page))
        .route(
            "/odf/{slug}/planes/{id}/meta",
            post(plan_pages::revise_target),
        )
        .route(
            "/odf/{slug}/planes/{id}/terminar",
            post(plan_pages::end_plan),
        )
        .route(
            "/odf/{slug}/socios/{member_id}",
            get(fund_pages::member_statement),
        )
        .route("/odf/{slug}/reportar", get(fund_pages::my_report))
        .route(
            "/odf/{slug}/socios/{member_id}/reporte",
            get(fund_pages::report_form_page)
                .post(fund_pages::file_report)
                .layer(axum::middleware::map_response(read_cache::log_only)),
        )
        .route(
            "/odf/{slug}/cierre",
            get(fund_pages::close_page).post(fund_pages::close_post),
        )
        .route("/odf/{slug}/fondo", get(fund_pages::fund_page))
        .route("/odf/{slug}/simulador", get(trade_pages::quote_page))
        .route("/odf/{slug}/comercio", get(trade_pages::trade_page))
        .route(
            "/odf/{slug}/propuestas",
            get(pages::proposals_page).post(pages::propose),
        )
        .route("/odf/{slug}/propuestas/{id}/voto", post(pages::vote))
        .route(
            "/odf/{slug}/propuestas/{id}/comentario",
            post(pages::comment),
        )
        .route("/odf/{slug}/propuestas/{id}/cerrar", post(pages::close))
        .route("/odf/{slug}/bitacora", get(pages::audit_page))
        .route(
            "/odf/{slug}/ajustes",
            get(settings_pages::settings_page).post(settings_pages::propose_setting),
        )
        .route(
            "/odf/{slug}/apertura",
            get(opening_pages::opening_page).post(opening_pages::upload_opening),
        )
        .merge(support_pages::routes())
        .merge(dues_pages::page_routes())
        .nest("/api/v1", api::routes(state.clone()))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(pages::remember_language))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            note_writes,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Outside the body limit, so that its 413 under /api/ is the JSON error body too.
        .layer(axum::middleware::from_fn(api_contract::json_errors))
        // Issue 17: pages, the stylesheet and JSON answers are sent gzipped to a client that
        // accepts it (the test union's proposals page: 2,988 bytes, 1,190 gzipped); htmx is
        // already compressed.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Every request that may write (any method but GET, HEAD and OPTIONS) makes what was read
/// before it stale once its handler has finished (see [`read_cache`]).
async fn note_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if !safe {
        state.reads.written(&response);
    }
    response
}

/// How [`serve_with`] runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Cookies marked `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see [`client_addr`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Create the demo union's users (not in production mode, issue 16).
    pub demo_users: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            demo_users: true,
        }
    }
}

/// Serves the application on `listener` until ctrl-c or SIGTERM. Demo users are created when the first
/// organisation is the demo union (see crates/web/README.md).
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_with(app, listener, ServeOptions::default()).await
}

/// [`serve`] with options.
pub async fn serve_with(
    app: App,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
) -> std::io::Result<()> {
    // The signals are taken before the address is announced: a SIGTERM sent as soon as the
    // server says it listens stops it gracefully, never by the default action.
    let shutdown = ShutdownSignal::install();
    eprintln!("Tequio en http://{}/", listener.local_addr()?);
    if options.demo_users {
        match app.ensure_demo_users(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(users = n, "demo users created"),
            Err(e) => tracing::warn!(error = %e, "demo users not created"),
        }
    }
    let router = router_with(AppState {
        app,
        limiter: Arc::new(SignInLimiter::default()),
        sessions: Arc::new(SessionCache::default()),
        statements: Arc::new(fund_pages::StatementCache::default()),
        reads: Arc::new(read_cache::ReadCache::default()),
        secure_cookies: options.secure_cookies,
        trusted_proxies: options.trusted_proxies.into(),
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.received())
    .await
}

/// Ctrl-c (SIGINT) or, on Unix, SIGTERM (what systemd and container runtimes send): the
/// server then stops taking connections and finishes the requests in flight. Installed when
/// made, so a signal that arrives before the server waits for it is not lost.
struct ShutdownSignal {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignal {
    fn install() -> Self {
        ShutdownSignal {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    async fn received(self) {
        #[cfg(unix)]
        match self.term {
            Some(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing the requests in flight");
    }
}
