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
        let (status, code, detail) = match self {
            ServerError::Api {
                status,
                code,
                detail,
            } => (status, code, detail),
            other => {
                tracing::error!(error = %other, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log".to_owned(),
                )
            }
        };
        (
            status,
            axum::Json(ErrorBody {
                code: code.to_owned(),
                detail,
            }),
        )
            .into_response()
    }
}
