//! The API's resources, one module each with its own router. [`router`] composes them, and the
//! OpenAPI document is collected from the same `routes!` calls that wire the handlers, so a
//! route cannot be served undocumented or documented unserved.

pub(crate) mod auth;
pub(crate) mod campaigns;
pub(crate) mod claims;
mod dashboard;
pub(crate) mod deployments;
mod health;
mod reports;
pub(crate) mod signups;
mod submissions;
mod tasks;

use crate::error::ServerError;
use crate::{AppState, Config};
use axum::http::StatusCode;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What the OpenAPI document says besides its paths (which come from the routers).
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "airdrop API", description = "Campaigns, claims and proofs of token airdrops."),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&ApiKeyScheme),
    tags((name = "recipients", description = "No key: look up what a wallet is owed and its proof; sign up and submit bounty tasks with a wallet signature"),
         (name = "creators", description = "API key (Authorization: Bearer ak_…): campaigns, tasks, reviews, exports, statistics"),
         (name = "operations", description = "Health, readiness, metrics")),
)]
pub(crate) struct ApiDoc;

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

/// Every documented route with its body limit, and the OpenAPI document of exactly those.
pub(crate) fn router(config: &Config) -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(campaigns::router())
        .merge(claims::router())
        .merge(auth::router())
        .merge(signups::router())
        .merge(tasks::router())
        .merge(submissions::router())
        .merge(reports::router())
        .merge(dashboard::router())
        .merge(deployments::router())
        .merge(crate::relay::router())
        // Source files are large: the upload route sets its own limit, which, set closer to
        // the handler, overrides the one below.
        .merge(crate::jobs::router(config.upload_limit))
        // Bodies are only read by extractors, which stop at this limit with a 413 that our
        // extractors turn into `{code, detail}`. (A response-mapping layer for the same purpose
        // cost 10 % of the claim look-up's throughput.)
        .layer(axum::extract::DefaultBodyLimit::max(config.body_limit))
}

/// Unknown paths.
pub(crate) async fn not_found() -> ServerError {
    ServerError::not_found("not_found", "no such endpoint; see /docs or /openapi.json")
}

/// Known path, wrong method.
pub(crate) async fn method_not_allowed() -> ServerError {
    ServerError::Api {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        detail: "method not allowed on this endpoint; see /openapi.json".into(),
    }
}
