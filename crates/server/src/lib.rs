//! `airdrop-server`: the HTTP API. Published campaigns are served from memory (the hot path:
//! proof look-ups); creator campaigns, sign-ups, bounty tasks and submissions live in the store
//! (`airdrop-store`: SQLite or PostgreSQL). Documented by an OpenAPI document at
//! `/openapi.json` and `/docs`, built from the same routers that serve the API.
//!
//! Layout: `api/` holds one module per resource, each with its router; [`router`] composes
//! them with the layers of `middleware`. Shared state is in `state`, settings in `config`.

pub mod announcement;
mod api;
pub mod auth;
pub mod campaign;
mod claim;
mod config;
pub mod confine;
mod conn;
pub mod error;
pub mod extract;
mod fast;
pub mod indexer;
pub mod jobs;
pub mod metrics;
mod middleware;
mod pages;
pub mod relay;
mod shared;
pub mod siwe;
mod state;

use axum::serve::ListenerExt;
use axum::Router;
use std::sync::Arc;
use utoipa_swagger_ui::SwaggerUi;

pub use campaign::Campaign;
pub use config::{Config, DEFAULT_YIELD_EVERY};
pub use error::ServerError;
pub use state::{AppState, Published, SignIn};

/// The OpenAPI document of the whole API, exactly as `/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router(&Config::default()).into_openapi()
}

/// The router with every layer, ready to serve or to test with `oneshot`.
pub fn router(state: Arc<AppState>, config: &Config) -> Router {
    router_with(state, config, middleware::ip_governor(config))
}

/// [`router`] with the per-IP limiter given, so the fast path can share its buckets.
fn router_with(
    state: Arc<AppState>,
    config: &Config,
    governor: Option<middleware::IpGovernor>,
) -> Router {
    let (routes, doc) = api::router(config).split_for_parts();
    let routes = routes
        .merge(SwaggerUi::new("/docs").url("/openapi.json", doc))
        .merge(pages::router())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed);
    middleware::wrap(routes, state, config, governor)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: Arc<AppState>,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    serve_on(listener, state, config, shutdown).await
}

/// Serves on an already bound listener (tests bind port 0 and read the port back).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    tracing::info!(listen = %listener.local_addr()?, "serving");
    // Through `tap_io`, axum itself gives handlers and the per-IP limiter the peer as
    // `ConnectInfo<SocketAddr>`: no per-request layer has to translate it.
    let listener = conn::GuardedListener::new(listener, config.header_timeout, config.idle_timeout)
        .tap_io(|_| {});
    // The claim look-up, the one request served millions of times, is answered in front of
    // the router (`fast`); everything else goes through the router and its layers.
    let governor = middleware::ip_governor(&config);
    let router = router_with(state.clone(), &config, governor.clone());
    axum::serve(
        listener,
        fast::MakeService::new(router, state, &config, governor),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
