//! Extractors and parsers shared by the handlers: every rejection a caller can cause is a
//! `{code, detail}` error, never axum's plain-text answer.

use crate::error::ServerError;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;

/// A wallet address from a path or body: a secret pasted in its place, a wrong checksum and a
/// malformed address are 400s with their own codes.
pub(crate) fn parse_address(text: &str) -> Result<airdrop_merkle::Address, ServerError> {
    airdrop_merkle::address::parse_address(text).map_err(|e| {
        let code = match e {
            airdrop_merkle::address::AddressError::Secret { .. } => "secret_refused",
            airdrop_merkle::address::AddressError::Checksum { .. } => "bad_checksum",
            airdrop_merkle::address::AddressError::Malformed { .. } => "invalid_address",
        };
        ServerError::bad_request(code, e.to_string())
    })
}

/// A JSON request body whose every rejection is a `{code, detail}` error: malformed JSON and
/// wrong fields 400, a missing or wrong content type 415, an oversized body 413.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ServerError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    _ => "malformed_json",
                };
                let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    status
                };
                // The rejection text names the field and the problem, never echoes the body.
                Err(ServerError::Api {
                    status,
                    code,
                    detail: rejection.body_text(),
                })
            }
        }
    }
}

/// Path parameters whose every rejection a caller can cause is a `{code, detail}` 400
/// (`invalid_path`): a segment that is not UTF-8 after percent-decoding, or a number that does
/// not parse or is out of range (axum's own `Path` answers those in plain text).
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for PathParams<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ServerError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PathParams(v)),
            // A route wired without its parameters, or to a type serde cannot take from a path:
            // the server's fault, logged as one.
            Err(rejection) if rejection.status().is_server_error() => {
                Err(ServerError::Internal(rejection.body_text()))
            }
            Err(rejection) => Err(ServerError::bad_request(
                "invalid_path",
                rejection.body_text(),
            )),
        }
    }
}
