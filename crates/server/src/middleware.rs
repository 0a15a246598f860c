//! Layers around every route: request metrics, limits on the request head, per-IP rate
//! limiting, CORS, timeouts, tracing and request ids.

use crate::error::ServerError;
use crate::{AppState, Config};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};

/// Request ids in the form of a random UUID (v4), made without a system call per request (as
/// a fresh UUID takes): each thread draws 64 random bits once and counts in the other 64, so
/// ids stay unique across threads and restarts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RequestIds;

impl RequestIds {
    /// The next id of this thread, as 36 bytes of hyphenated lowercase hex.
    pub(crate) fn next() -> [u8; 36] {
        thread_local! {
            static STATE: std::cell::Cell<(u64, u64)> = std::cell::Cell::new((seed(), seed()));
        }
        let (hi, lo) = STATE.with(|s| {
            let (hi, lo) = s.get();
            s.set((hi, lo.wrapping_add(1)));
            (hi, lo)
        });
        // Version 4 in the 13th hex digit, the RFC 4122 variant in the 17th.
        let hi = (hi & !0xf000) | 0x4000;
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        let bytes = (u128::from(hi) << 64 | u128::from(lo)).to_be_bytes();
        let mut out = [b'-'; 36];
        let mut at = 0;
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            out[at] = HEX[usize::from(b >> 4)];
            out[at + 1] = HEX[usize::from(b & 0xf)];
            at += 2;
        }
        out
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// 64 random bits; without an entropy source, the clock and this thread's id stand in (ids
/// must be unique, not secret).
fn seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        std::thread::current().id().hash(&mut h);
        std::time::SystemTime::now().hash(&mut h);
        h.finish()
    })
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        axum::http::HeaderValue::from_bytes(&Self::next())
            .ok()
            .map(RequestId::new)
    }
}

/// Refuses an oversized request head, then counts each request and its latency under its
/// route template (never the raw path). One layer for both: each `from_fn` layer clones the
/// services inside it and boxes a future on every request.
async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(refused) = head_limits(&req) {
        return refused;
    }
    if let Some(refused) = guard_target(req.uri()) {
        // A browser that sent the secret from a page's form without JavaScript gets a page
        // saying what happened, not the API's JSON.
        return if crate::pages::wants_page(&req) {
            crate::pages::secret_refused()
        } else {
            refused
        };
    }
    // The template is shared with the router; holding it costs a reference count, not a copy.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    state.metrics.http.record(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Longest accepted request target, bytes.
const MAX_URI: usize = 8 * 1024;
/// Most header bytes accepted in all.
const MAX_HEADERS: usize = 32 * 1024;

/// Answers an oversized target (414) or header block (431) with `{code, detail}`, well below
/// the sizes at which hyper answers by itself with an empty body.
pub(crate) fn head_limits(req: &Request) -> Option<Response> {
    use axum::response::IntoResponse;
    let uri = uri_len(req.uri());
    if uri > MAX_URI {
        return ServerError::Api {
            status: axum::http::StatusCode::URI_TOO_LONG,
            code: "uri_too_long",
            detail: format!("the request target is {uri} bytes; at most {MAX_URI} are accepted"),
        }
        .into_response()
        .into();
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
        .into_response()
        .into();
    }
    None
}

/// The key guard over the request target, percent-decoded: a key or phrase pasted into a path
/// segment (`/claims/{address}`) or a query string is refused here, before any handler, log
/// line or store sees it. No route takes a hash in its path or query, so nothing legitimate
/// looks like a key there.
pub(crate) fn guard_target(uri: &axum::http::Uri) -> Option<Response> {
    use axum::response::IntoResponse;
    let parts = [
        ("path", uri.path()),
        ("query string", uri.query().unwrap_or("")),
    ];
    parts.into_iter().find_map(|(what, raw)| {
        // Most targets have nothing to decode: no copy for them (the claims hot path).
        let decoded = if raw.contains(['%', '+']) {
            std::borrow::Cow::Owned(percent_decode(raw))
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        airdrop_merkle::guard::guard(&decoded)
            .err()
            .map(|e| crate::shared::refused(what, &e).into_response())
    })
}

/// `%XX` escapes decoded (and `+` as a space, as forms send it); invalid UTF-8 replaced.
fn percent_decode(raw: &str) -> String {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The length of the request target as `Uri`'s `Display` writes it, without writing it out.
fn uri_len(uri: &axum::http::Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |s| s.len() + 3);
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    let query = uri.query().map_or(0, |q| q.len() + 1);
    scheme + authority + uri.path().len() + query
}

/// The per-IP limiter's settings and token buckets, shared by the router's layer and the
/// claim look-up's fast path (`crate::fast`), so a client has one budget for both.
pub(crate) type IpGovernor = Arc<
    tower_governor::governor::GovernorConfig<
        tower_governor::key_extractor::PeerIpKeyExtractor,
        governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    >,
>;

/// Per-client-IP token buckets, or `None` when the limit is off. Keys come from the socket's
/// peer address, never from headers a client sets.
pub(crate) fn ip_governor(config: &Config) -> Option<IpGovernor> {
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
    Some(governor)
}

/// The answer to a client over its budget: 429 `{code, detail}` with `Retry-After`.
pub(crate) fn rate_limited(wait_time: u64) -> Response {
    use axum::response::IntoResponse;
    // Whole seconds, rounded down by the limiter: 0 would invite a retry storm.
    let wait_time = wait_time.max(1);
    let mut res = ServerError::Api {
        status: axum::http::StatusCode::TOO_MANY_REQUESTS,
        code: "rate_limited",
        detail: format!("too many requests from this address; retry in {wait_time} s"),
    }
    .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait_time.to_string()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}

/// The limiter as a layer: a client over its budget gets [`rate_limited`].
fn rate_limit(
    governor: IpGovernor,
) -> tower_governor::GovernorLayer<
    tower_governor::key_extractor::PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    axum::body::Body,
> {
    tower_governor::GovernorLayer::new(governor).error_handler(|e| {
        use axum::response::IntoResponse;
        match e {
            tower_governor::GovernorError::TooManyRequests { wait_time, .. } => {
                rate_limited(wait_time)
            }
            _ => ServerError::bad_request(
                "no_client_address",
                "cannot tell which address this request came from",
            )
            .into_response(),
        }
    })
}

/// The origins allowed to read responses: `None` for any (the public read-only default),
/// else the configured ones that parse as header values.
pub(crate) fn cors_origins(config: &Config) -> Option<Vec<axum::http::HeaderValue>> {
    if config.cors_origins.is_empty() {
        return None;
    }
    Some(
        config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect(),
    )
}

/// Which origins may call the API from a browser, and with what.
fn cors(config: &Config) -> CorsLayer {
    let cors = match cors_origins(config) {
        None => CorsLayer::new().allow_origin(AllowOrigin::any()),
        Some(origins) => CorsLayer::new().allow_origin(origins),
    };
    // What a dApp on another origin sends: JSON bodies (sign-ups, submissions, relay) and, for
    // a creator dashboard, an API key.
    cors.allow_methods([
        axum::http::Method::GET,
        axum::http::Method::POST,
        axum::http::Method::PUT,
    ])
    .allow_headers([
        axum::http::header::CONTENT_TYPE,
        axum::http::header::AUTHORIZATION,
    ])
    .max_age(Duration::from_secs(600))
}

/// `router` inside every layer, in the order a request meets them from the last to the first.
pub(crate) fn wrap(
    router: Router<Arc<AppState>>,
    state: Arc<AppState>,
    config: &Config,
    governor: Option<IpGovernor>,
) -> Router {
    let router = match governor {
        Some(governor) => router.layer(rate_limit(governor)),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .layer(cors(config))
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
                let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
            })
            .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RequestIds))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_are_decoded_before_the_guard() {
        assert_eq!(super::percent_decode("a%20b+c%2Cd%zz%4"), "a b c,d%zz%4");
        let key = "ab".repeat(32);
        for target in [
            format!("/v1/wallets/%20{key}/airdrops"),
            format!("/x?account=0x{key}"),
        ] {
            let uri: axum::http::Uri = target.parse().unwrap();
            assert!(super::guard_target(&uri).is_some(), "{target}");
        }
        let ok: axum::http::Uri = "/v1/wallets/0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f/airdrops"
            .parse()
            .unwrap();
        assert!(super::guard_target(&ok).is_none());
    }

    /// Ids look like random UUIDs and never repeat, within a thread or across threads.
    #[test]
    fn request_ids_are_unique_uuids() {
        let ids: Vec<[u8; 36]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        (0..10_000)
                            .map(|_| super::RequestIds::next())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        for id in &ids {
            let text = std::str::from_utf8(id).unwrap();
            let parts: Vec<_> = text.split('-').map(str::len).collect();
            assert_eq!(parts, [8, 4, 4, 4, 12], "{text}");
            assert_eq!(&text[14..15], "4", "{text}");
            assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"), "{text}");
            assert!(text
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
    }

    /// The length is the one the 414 check used to take from the written-out target.
    #[test]
    fn uri_len_is_the_written_length() {
        for uri in [
            "/",
            "/v1/campaigns/x/claims/0xabc",
            "/a?b=c&d",
            "/a?",
            "http://example.org/x?y",
            "http://example.org",
            "*",
        ] {
            let parsed: axum::http::Uri = uri.parse().unwrap();
            assert_eq!(super::uri_len(&parsed), parsed.to_string().len(), "{uri}");
        }
    }
}
