//! The one error type of the server crate, and its HTTP form: a 4xx (never a 500 for anything a
//! caller can cause) with a JSON body `{code, detail}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

/// Everything that can go wrong in the server.
#[derive(Debug, Error)]
pub enum ServerError {
    /// A request the caller can fix.
    #[error("{detail}")]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// Stable machine-readable code.
        code: &'static str,
        /// Human-readable explanation with the bad value and a hint.
        detail: String,
    },
    /// A campaign could not be loaded at start.
    #[error("cannot load campaign {id:?} from {path}: {detail}")]
    Load {
        /// Campaign id.
        id: String,
        /// Where from.
        path: String,
        /// Why.
        detail: String,
    },
    /// Binding or serving failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    /// Over a rate limit: 429 with `Retry-After`.
    #[error("{detail}")]
    RateLimited {
        /// What to do.
        detail: String,
        /// Seconds until a retry can succeed.
        retry_after: u64,
    },
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] airdrop_store::StoreError),
    /// A fault of the server itself (logged; the caller sees a generic 500).
    #[error("internal: {0}")]
    Internal(String),
}

impl ServerError {
    /// A 400 with a code and detail.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        ServerError::Api {
            status: StatusCode::BAD_REQUEST,
            code,
            detail: detail.into(),
        }
    }

    /// A 404 with a code and detail.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        ServerError::Api {
            status: StatusCode::NOT_FOUND,
            code,
            detail: detail.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_address`, `unknown_campaign`.
    pub code: String,
    /// What went wrong, with the bad value and a hint.
    pub detail: String,
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let mut retry = None;
        let (status, code, detail) = match self {
            ServerError::Api {
                status,
                code,
                detail,
            } => (status, code, detail),
            ServerError::RateLimited {
                detail,
                retry_after,
            } => {
                retry = Some(retry_after.max(1));
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
            }
            ServerError::Store(airdrop_store::StoreError::Conflict { what, value }) => (
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} {value} exists already"),
            ),
            ServerError::Store(e) => {
                // The database is down or refusing: not the caller's fault, and retryable.
                tracing::error!(error = %e, "store error");
                retry = Some(5);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the database is unavailable; retry shortly".to_owned(),
                )
            }
            other => {
                let error = airdrop_merkle::guard::redact_secrets(&other.to_string());
                tracing::error!(%error, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log".to_owned(),
                )
            }
        };
        // The last line of the key guard: whatever a handler or a library quoted, no secret
        // leaves in a response (the refusals themselves never hold one).
        let detail = airdrop_merkle::guard::redact_secrets(&detail);
        let mut res = (
            status,
            axum::Json(ErrorBody {
                code: code.to_owned(),
                detail,
            }),
        )
            .into_response();
        if let Some(secs) = retry {
            if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        res
    }
}
