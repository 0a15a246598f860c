//! `airdrop-server`: the HTTP API. Published campaigns are served from memory (the hot path:
//! proof look-ups), documented by an OpenAPI document at `/openapi.json` and `/docs`.

pub mod campaign;
pub mod error;
pub mod metrics;
pub mod routes;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use campaign::Campaign;
pub use error::ServerError;

/// The OpenAPI document of the whole API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "airdrop API", description = "Campaigns, claims and proofs of token airdrops."),
    paths(
        routes::healthz, routes::readyz, routes::metrics,
        routes::list_campaigns, routes::get_campaign, routes::get_claim, routes::wallet_airdrops,
    ),
    components(schemas(error::ErrorBody)),
    tags((name = "recipients", description = "No key: look up what a wallet is owed and its proof"),
         (name = "operations", description = "Health, readiness, metrics")),
)]
pub struct ApiDoc;

/// Shared state of all handlers.
#[derive(Debug, Default)]
pub struct AppState {
    /// Campaigns by id.
    pub campaigns: HashMap<String, Arc<Campaign>>,
    /// Prometheus metrics.
    pub metrics: metrics::Metrics,
}

/// Server settings (defaults → file → environment → flags are merged by the CLI).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Allowed CORS origins; empty allows any origin (public read-only API).
    pub cors_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 64 * 1024,
            timeout: Duration::from_secs(10),
            cors_origins: Vec::new(),
        }
    }
}

impl AppState {
    /// State serving `campaigns`.
    pub fn new(campaigns: Vec<Campaign>) -> Self {
        let state = AppState::default();
        let claims: usize = campaigns.iter().map(|c| c.tree.len()).sum();
        state.metrics.campaigns.set(campaigns.len() as i64);
        state.metrics.claims.set(claims as i64);
        AppState {
            campaigns: campaigns
                .into_iter()
                .map(|c| (c.id.clone(), Arc::new(c)))
                .collect(),
            metrics: state.metrics,
        }
    }
}

async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    state
        .metrics
        .latency
        .get_or_create(&metrics::RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .get_or_create(&metrics::RequestLabels {
            route,
            method,
            status,
        })
        .inc();
    response
}

/// The router with every layer, ready to serve or to test with `oneshot`.
pub fn router(state: Arc<AppState>, config: &Config) -> Router {
    let cors = if config.cors_origins.is_empty() {
        CorsLayer::new().allow_origin(AllowOrigin::any())
    } else {
        let origins = config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect::<Vec<_>>();
        CorsLayer::new().allow_origin(origins)
    };
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/metrics", get(routes::metrics))
        .route("/v1/campaigns", get(routes::list_campaigns))
        .route("/v1/campaigns/{id}", get(routes::get_campaign))
        .route(
            "/v1/campaigns/{id}/claims/{address}",
            get(routes::get_claim),
        )
        .route(
            "/v1/wallets/{address}/airdrops",
            get(routes::wallet_airdrops),
        )
        .merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .layer(cors)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ))
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
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
    let app = router(state, &config);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
