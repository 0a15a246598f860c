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
/// wrong fields 400, a missing or wrong content type 415, an oversized body 413. Before any
/// field is read, every string in it (values and keys, escapes decoded) goes through the key
/// guard: one check for every JSON field of the API, so a handler cannot forget one.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ServerError> {
        if !json_content_type(req.headers()) {
            return Err(ServerError::Api {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "unsupported_media_type",
                detail: "Expected request with `Content-Type: application/json`".to_owned(),
            });
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| rejected(r.status(), r.body_text()))?;
        // Unparseable JSON is answered by the typed parse below; its message is guarded too.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            guard_json("body", &value)?;
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(JsonBody(v)),
            // The rejection text names the field and the problem; serde may quote a value.
            Err(rejection) => Err(rejected(rejection.status(), rejection.body_text())),
        }
    }
}

/// `application/json` or `application/…+json`, parameters allowed (what axum's `Json` accepts).
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A rejection of the body as `{code, detail}`; a secret quoted by the parser is refused, not
/// echoed.
fn rejected(status: StatusCode, text: String) -> ServerError {
    if let Err(e) = airdrop_merkle::guard::guard(&text) {
        return crate::shared::refused("body", &e);
    }
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
    ServerError::Api {
        status,
        code,
        detail: text,
    }
}

/// Refuses a JSON value holding a secret in any string or key; `at` names where, e.g.
/// `body.evidence`, never the value.
fn guard_json(at: &str, value: &serde_json::Value) -> Result<(), ServerError> {
    use airdrop_merkle::guard::guard;
    match value {
        serde_json::Value::String(s) => guard(s).map_err(|e| crate::shared::refused(at, &e)),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| guard_json(&format!("{at}[{i}]"), v)),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            guard(k).map_err(|e| crate::shared::refused(&format!("{at} (a key)"), &e))?;
            guard_json(&format!("{at}.{k}"), v)
        }),
        _ => Ok(()),
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
            Err(rejection) => {
                let text = rejection.body_text();
                airdrop_merkle::guard::guard(&text)
                    .map_err(|e| crate::shared::refused("path", &e))?;
                Err(ServerError::bad_request("invalid_path", text))
            }
        }
    }
}
