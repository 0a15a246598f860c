//! `airdrop-server`: the HTTP API. Published campaigns are served from memory (the hot path:
//! proof look-ups); creator campaigns, sign-ups, bounty tasks and submissions live in the store
//! (`airdrop-store`: SQLite or PostgreSQL). Documented by an OpenAPI document at
//! `/openapi.json` and `/docs`.

pub mod auth;
pub mod campaign;
pub mod community;
pub mod confine;
pub mod conn;
pub mod creator;
pub mod deployment;
pub mod error;
pub mod indexer;
pub mod jobs;
pub mod metrics;
pub mod relay;
pub mod routes;
pub mod siwe;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};
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
        community::auth_nonce, community::create_signup, community::get_signup,
        community::list_tasks, community::create_submission, community::wallet_submissions,
        creator::create_campaign, creator::update_campaign, creator::create_task,
        creator::list_submissions, creator::review_submission, creator::export_signups,
        creator::export_points, creator::campaign_stats,
        relay::create_relay, relay::get_relay,
        deployment::put_deployment, deployment::get_deployment,
        jobs::upload_file, jobs::list_files, jobs::create_job, jobs::get_job, jobs::job_events,
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&ApiKeyScheme),
    tags((name = "recipients", description = "No key: look up what a wallet is owed and its proof; sign up and submit bounty tasks with a wallet signature"),
         (name = "creators", description = "API key (Authorization: Bearer ak_…): campaigns, tasks, reviews, exports, statistics"),
         (name = "operations", description = "Health, readiness, metrics")),
)]
pub struct ApiDoc;

/// Declares the API-key bearer scheme in the OpenAPI document.
#[derive(Debug)]
struct ApiKeyScheme;

impl utoipa::Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "api_key",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("ak_<id>_<secret>")
                        .build(),
                ),
            );
    }
}

/// What sign-in messages must name to be accepted (EIP-4361).
#[derive(Debug, Clone)]
pub struct SignIn {
    /// Accepted domains (host[:port]), from the server's public URLs.
    pub domains: Vec<String>,
    /// Accepted URI prefixes (the public URLs).
    pub uris: Vec<String>,
    /// Oldest accepted `Issued At`, seconds.
    pub max_age_secs: i64,
    /// How long an issued nonce stays valid, seconds.
    pub nonce_ttl_secs: i64,
}

impl SignIn {
    /// Accepts messages for these public URLs (`https://drop.example.org`).
    pub fn for_urls(urls: &[String]) -> SignIn {
        let domains = urls
            .iter()
            .map(|u| {
                let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
                rest.split('/').next().unwrap_or(rest).to_owned()
            })
            .collect();
        SignIn {
            domains,
            uris: urls
                .iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
            max_age_secs: 600,
            nonce_ttl_secs: 600,
        }
    }
}

impl Default for SignIn {
    fn default() -> Self {
        SignIn::for_urls(&["http://127.0.0.1:8080".to_owned()])
    }
}

/// Published campaigns by id. Read on every claim look-up, replaced only when a campaign is
/// published: the map is swapped whole, and readers never take a lock.
#[derive(Debug, Default)]
pub struct Published(arc_swap::ArcSwap<HashMap<String, Arc<Campaign>>>);

impl Published {
    /// The current map, without touching any shared counter (the hot path).
    pub fn load(&self) -> arc_swap::Guard<Arc<HashMap<String, Arc<Campaign>>>> {
        self.0.load()
    }

    /// One campaign.
    pub fn get(&self, id: &str) -> Option<Arc<Campaign>> {
        self.0.load().get(id).cloned()
    }

    /// Every campaign, in no order.
    pub fn all(&self) -> Vec<Arc<Campaign>> {
        self.0.load().values().cloned().collect()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.load().len()
    }

    /// None at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds or replaces a campaign.
    pub fn insert(&self, c: Campaign) {
        let c = Arc::new(c);
        self.0.rcu(|m| {
            let mut m = HashMap::clone(m);
            m.insert(c.id.clone(), c.clone());
            m
        });
    }
}

/// Shared state of all handlers.
#[derive(Debug, Default)]
pub struct AppState {
    /// Published campaigns (claims in memory).
    pub campaigns: Published,
    /// Prometheus metrics.
    pub metrics: metrics::Metrics,
    /// The store (creator campaigns, keys, sign-ups, bounties); `None` serves claims only.
    pub store: Option<airdrop_store::Db>,
    /// A chain node, for contract-wallet (EIP-1271) signatures.
    pub rpc: Option<airdrop_chain::rpc::Rpc>,
    /// Per-API-key request budgets.
    pub key_limiter: Option<Arc<auth::KeyLimiter>>,
    /// The gasless-claim relayer of this instance (needs `rpc`).
    pub relayer: Option<relay::Relayer>,
    /// Build and publish jobs (needs a data folder and the `airdrop` binary).
    pub jobs: Option<jobs::JobConfig>,
    /// Sign-in message rules.
    pub sign_in: SignIn,
    /// Campaigns served from `--campaign` flags: an API campaign may not take their ids.
    pub pinned: Vec<String>,
    /// `/readyz` waits for the first load of the store's published campaigns (set by the
    /// server binary, which runs [`jobs::sync_published`]).
    pub wait_for_sync: bool,
    /// The store's published campaigns were loaded once (or tried).
    pub synced: std::sync::atomic::AtomicBool,
}

/// Server settings (defaults → file → environment → flags are merged by the CLI).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Largest accepted source-file upload, bytes.
    pub upload_limit: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Allowed CORS origins; empty allows any origin (public read-only API).
    pub cors_origins: Vec<String>,
    /// A connection must send a complete request head within this time (slow-header clients).
    pub header_timeout: Duration,
    /// A connection with no bytes read or written for this long is closed.
    pub idle_timeout: Duration,
    /// Requests per second each client IP may make on average; 0 disables the limit.
    pub rate_limit_per_ip: u32,
    /// How many requests a client IP may make in a burst above the average.
    pub rate_limit_burst: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 64 * 1024,
            upload_limit: 64 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            cors_origins: Vec::new(),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            rate_limit_per_ip: 50,
            rate_limit_burst: 100,
        }
    }
}

impl AppState {
    /// The store, or a 503 when the server runs without one.
    pub fn store(&self) -> Result<&airdrop_store::Db, ServerError> {
        self.store.as_ref().ok_or_else(|| ServerError::Api {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            code: "no_store",
            detail: "this server runs without a database; start it with --database-url".into(),
        })
    }

    /// State serving `campaigns` (from `--campaign` flags: their ids stay theirs).
    pub fn new(campaigns: Vec<Campaign>) -> Self {
        let state = AppState {
            pinned: campaigns.iter().map(|c| c.id.clone()).collect(),
            ..AppState::default()
        };
        for c in campaigns {
            state.insert_campaign(c);
        }
        state
    }

    /// Serves `c` (added, or replacing a campaign of the same id) and counts it in the metrics.
    pub fn insert_campaign(&self, c: Campaign) {
        self.campaigns.insert(c);
        let all = self.campaigns.all();
        self.metrics.campaigns.set(all.len() as i64);
        self.metrics
            .claims
            .set(all.iter().map(|c| c.tree.len()).sum::<usize>() as i64);
    }

    /// Refuses an API campaign id that a `--campaign` flag serves.
    pub fn refuse_pinned(&self, id: &str) -> Result<(), ServerError> {
        if self.pinned.iter().any(|p| p == id) {
            return Err(ServerError::Api {
                status: axum::http::StatusCode::CONFLICT,
                code: "campaign_pinned",
                detail: format!(
                    "campaign id {id:?} is served from a --campaign flag of this server; choose another id"
                ),
            });
        }
        Ok(())
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
    // What a dApp on another origin sends: JSON bodies (sign-ups, submissions, relay) and, for
    // a creator dashboard, an API key.
    let cors = cors
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::PUT,
        ])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::AUTHORIZATION,
        ])
        .max_age(Duration::from_secs(600));
    let router = Router::new()
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
        .route("/v1/auth/nonce", get(community::auth_nonce))
        .route("/v1/campaigns", post(creator::create_campaign))
        .route(
            "/v1/campaigns/{id}",
            axum::routing::put(creator::update_campaign),
        )
        .route("/v1/campaigns/{id}/signups", post(community::create_signup))
        .route(
            "/v1/campaigns/{id}/signups/{address}",
            get(community::get_signup),
        )
        .route(
            "/v1/campaigns/{id}/tasks",
            get(community::list_tasks).post(creator::create_task),
        )
        .route(
            "/v1/campaigns/{id}/tasks/{task}/submissions",
            post(community::create_submission),
        )
        .route(
            "/v1/campaigns/{id}/submissions",
            get(creator::list_submissions),
        )
        .route(
            "/v1/campaigns/{id}/submissions/{submission}/review",
            post(creator::review_submission),
        )
        .route(
            "/v1/campaigns/{id}/wallets/{address}/submissions",
            get(community::wallet_submissions),
        )
        .route(
            "/v1/campaigns/{id}/exports/signups.csv",
            get(creator::export_signups),
        )
        .route(
            "/v1/campaigns/{id}/exports/points.csv",
            get(creator::export_points),
        )
        .route("/v1/campaigns/{id}/stats", get(creator::campaign_stats))
        .route("/v1/campaigns/{id}/relay", post(relay::create_relay))
        .route(
            "/v1/campaigns/{id}/deployment",
            get(deployment::get_deployment).put(deployment::put_deployment),
        )
        .route("/v1/campaigns/{id}/relay/{request}", get(relay::get_relay))
        .route("/v1/campaigns/{id}/files", get(jobs::list_files))
        .route("/v1/campaigns/{id}/jobs", post(jobs::create_job))
        .route("/v1/jobs/{job}", get(jobs::get_job))
        .route("/v1/jobs/{job}/events", get(jobs::job_events))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        // Bodies are only read by extractors, which stop at this limit with a 413 that our
        // extractors turn into `{code, detail}`. (A response-mapping layer for the same purpose
        // cost 10 % of the claim look-up's throughput.)
        .layer(axum::extract::DefaultBodyLimit::max(config.body_limit));
    // Source files are large: their own limit.
    let uploads = Router::new()
        .route(
            "/v1/campaigns/{id}/files/{name}",
            axum::routing::put(jobs::upload_file),
        )
        .layer(axum::extract::DefaultBodyLimit::max(config.upload_limit));
    let router = router
        .merge(uploads)
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed);
    let router = match rate_limit(config) {
        Some(layer) => router.layer(layer),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .layer(axum::middleware::from_fn(head_limits))
        .layer(cors)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // The request id set by the layer below ties every log line to one request.
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                // The route template, never the raw path: a path segment may hold a secret a
                // user pasted by mistake, and secrets are never logged.
                let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
                let route = route.as_deref().unwrap_or("unmatched").to_owned();
                tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
            })
            .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Longest accepted request target, bytes.
const MAX_URI: usize = 8 * 1024;
/// Most header bytes accepted in all.
const MAX_HEADERS: usize = 32 * 1024;

/// Answers an oversized target (414) or header block (431) with `{code, detail}`, well below
/// the sizes at which hyper answers by itself with an empty body.
async fn head_limits(req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let uri = req.uri().to_string().len();
    if uri > MAX_URI {
        return ServerError::Api {
            status: axum::http::StatusCode::URI_TOO_LONG,
            code: "uri_too_long",
            detail: format!("the request target is {uri} bytes; at most {MAX_URI} are accepted"),
        }
        .into_response();
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if headers > MAX_HEADERS {
        return ServerError::Api {
            status: axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            code: "headers_too_large",
            detail: format!(
                "the request headers are {headers} bytes; at most {MAX_HEADERS} are accepted"
            ),
        }
        .into_response();
    }
    next.run(req).await
}

type IpLimiter = tower_governor::GovernorLayer<
    tower_governor::key_extractor::PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    axum::body::Body,
>;

/// Per-client-IP token buckets; a client over its budget gets a 429 `{code, detail}` with
/// `Retry-After`. Keys come from the socket's peer address, never from headers a client sets.
fn rate_limit(config: &Config) -> Option<IpLimiter> {
    if config.rate_limit_per_ip == 0 {
        return None;
    }
    let period_ns = (1_000_000_000 / u64::from(config.rate_limit_per_ip)).max(1);
    let governor = tower_governor::governor::GovernorConfigBuilder::default()
        .per_nanosecond(period_ns)
        .burst_size(config.rate_limit_burst.max(1))
        .finish()?;
    let governor = Arc::new(governor);
    // Forget clients idle for a while so the table cannot grow without bound.
    let limiter = governor.limiter().clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(60));
        limiter.retain_recent();
    });
    Some(
        tower_governor::GovernorLayer::new(governor).error_handler(|e| {
            use axum::response::IntoResponse;
            match e {
                tower_governor::GovernorError::TooManyRequests { wait_time, .. } => {
                    // Whole seconds, rounded down by the limiter: 0 would invite a retry storm.
                    let wait_time = wait_time.max(1);
                    let mut res = ServerError::Api {
                        status: axum::http::StatusCode::TOO_MANY_REQUESTS,
                        code: "rate_limited",
                        detail: format!(
                            "too many requests from this address; retry in {wait_time} s"
                        ),
                    }
                    .into_response();
                    if let Ok(v) = axum::http::HeaderValue::from_str(&wait_time.to_string()) {
                        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
                    }
                    res
                }
                _ => ServerError::bad_request(
                    "no_client_address",
                    "cannot tell which address this request came from",
                )
                .into_response(),
            }
        }),
    )
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
    let listener = conn::GuardedListener::new(listener, config.header_timeout, config.idle_timeout);
    // Handlers and the per-IP limiter read the peer as `ConnectInfo<SocketAddr>`.
    let app = router(state, &config).layer(axum::middleware::map_request(
        |mut req: Request| async move {
            if let Some(axum::extract::ConnectInfo(conn::Peer(addr))) = req
                .extensions()
                .get::<axum::extract::ConnectInfo<conn::Peer>>()
                .copied()
            {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
            }
            req
        },
    ));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<conn::Peer>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
