//! The HTTP shell: server-rendered pages (askama, htmx for partial updates), the JSON API under
//! `/api/v1` with its OpenAPI document, sign-in and sessions. Every handler asks
//! [`app::access_cases::Viewer`] what the person may do (R-GOV-1, R-SUP-1) and calls
//! [`app::App`]; it never touches a database or a rule directly. User-facing text comes from
//! the message catalogue (`messages.toml`, es-MX by default).

mod accounts;
mod api;
pub mod audit;
mod credit;
mod dues;
pub mod fund;
mod governance;
mod members;
mod opening;
mod orgs;
mod plans;
mod shell;
mod support;
mod trade;
mod walk;

pub use shell::{client_addr, limiter, read_cache};

use app::App;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;

pub use shell::auth::{ExpiringCache, SessionCache};
pub use shell::format::money_es_mx;
pub use shell::i18n::{Lang, Tr};
pub use shell::limiter::SignInLimiter;
pub use walk::{page_paths, MEMBER_PLACEHOLDER};

/// Largest request body accepted anywhere (a members CSV of a few thousand rows fits).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub limiter: Arc<SignInLimiter>,
    /// Sessions read recently (see [`SessionCache`]).
    pub sessions: Arc<SessionCache>,
    /// Statements' Fund, credit and trade parts (see [`fund::pages::StatementCache`]).
    pub statements: Arc<fund::pages::StatementCache>,
    /// Organisations and members' dues read recently (see [`read_cache::ReadCache`]).
    pub reads: Arc<read_cache::ReadCache>,
    /// Mark cookies `Secure` (the server is behind TLS; see `shell::security`).
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
        statements: Arc::new(fund::pages::StatementCache::default()),
        reads: Arc::new(read_cache::ReadCache::default()),
        secure_cookies: false,
        trusted_proxies: Arc::new([]),
    })
}

/// `/`: without a session the first run's set-up form while it waits for its code, else
/// sign in (`accounts`); with one, the person's ODFs (`orgs`). Here, where the chapters are
/// assembled, so that neither calls the other.
async fn home(state: axum::extract::State<AppState>, ctx: shell::Ctx) -> shell::PageResult {
    if ctx.session.is_none() {
        return accounts::pages::setup_or_sign_in(&state, &ctx).await;
    }
    orgs::pages::index(state, ctx).await
}

pub fn router_with(state: AppState) -> Router {
    Router::new()
        .merge(shell::routes())
        .route("/", axum::routing::get(home))
        .merge(accounts::routes())
        .merge(orgs::routes())
        .merge(members::routes())
        .merge(plans::routes())
        .merge(dues::routes())
        .merge(fund::routes())
        .merge(trade::routes())
        .merge(credit::routes())
        .merge(governance::routes())
        .merge(audit::routes())
        .merge(opening::routes())
        .merge(support::routes())
        .nest("/api/v1", api::routes(state.clone()))
        .fallback(shell::static_files::not_found)
        // Issue 20: a page form sent again from the offline queue (with `Idempotency-Key`) is
        // done once and answered in JSON.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shell::offline::replay,
        ))
        .layer(axum::middleware::from_fn(shell::page::remember_language))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shell::security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            note_writes,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Outside the body limit, so that its 413 under /api/ is the JSON error body too.
        .layer(axum::middleware::from_fn(shell::api_contract::json_errors))
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
        statements: Arc::new(fund::pages::StatementCache::default()),
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
