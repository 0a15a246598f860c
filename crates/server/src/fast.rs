//! The claim look-up (`GET /v1/campaigns/{id}/claims/{address}`) answered in front of the
//! router. Through the router, every request clones the route's layered service (the CORS
//! layer its lists, the limiter its configuration), boxes a future per layer and
//! percent-decodes its path parameters; here the same steps run in one place on borrowed
//! data: the head limits and the key guard, the per-IP limiter, the shared handler, metrics,
//! the CORS headers and the request id — the response is byte for byte the router's.
//!
//! Whatever is not the plain case goes to the router unchanged: other routes and methods
//! (`HEAD` and CORS preflights included), targets with a query, an authority or an escape,
//! anything the head limits or the key guard would refuse (the router words the refusal),
//! and every request while logs at `info` or finer are on (the router's trace layer writes
//! them). The handler does not wait on anything, so the router's timeout never applies to it.

use crate::middleware::{self, IpGovernor, RequestIds};
use crate::{AppState, Config};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::future::{ready, Either, Ready};
use std::cell::Cell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

/// The route template the metrics count the look-up under (the router's `MatchedPath`).
const ROUTE: &str = "/v1/campaigns/{id}/claims/{address}";

/// The `Vary` value the CORS layer adds to every response.
const VARY: &str = "origin, access-control-request-method, access-control-request-headers";

thread_local! {
    /// Look-ups this thread has answered since it last yielded its core.
    static ANSWERED: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread has answered `every` look-ups since it last yielded (and resets the
/// count if so). A tokio worker serving a client that keeps it busy never parks, so the
/// operating system only preempts it at the end of a scheduler slice; a client thread
/// sharing its core waits all that time with responses unread. Yielding every few
/// look-ups costs one `sched_yield` (returning at once when nothing else waits) and gives
/// the core to a waiting thread within microseconds instead.
fn due_to_yield(every: u32) -> bool {
    if every == 0 {
        return false;
    }
    ANSWERED.with(|n| {
        let k = n.get() + 1;
        let due = k >= every;
        n.set(if due { 0 } else { k });
        due
    })
}

/// What every connection's service shares.
#[derive(Debug)]
struct Shared {
    state: Arc<AppState>,
    governor: Option<IpGovernor>,
    /// `None`: any origin (`*`); else the origins echoed back when a request names one.
    origins: Option<Vec<HeaderValue>>,
    /// [`Config::yield_every`].
    yield_every: u32,
}

/// Makes one [`Service`] per accepted connection, knowing its peer (for the limiter, and as
/// `ConnectInfo` for the router).
#[derive(Debug, Clone)]
pub(crate) struct MakeService {
    router: Router,
    shared: Arc<Shared>,
}

impl MakeService {
    /// `router` must be built with the same `governor`, so a client has one budget.
    pub(crate) fn new(
        router: Router,
        state: Arc<AppState>,
        config: &Config,
        governor: Option<IpGovernor>,
    ) -> Self {
        let shared = Shared {
            state,
            governor,
            origins: middleware::cors_origins(config),
            yield_every: config.yield_every,
        };
        MakeService {
            router,
            shared: Arc::new(shared),
        }
    }
}

impl<L> tower::Service<axum::serve::IncomingStream<'_, L>> for MakeService
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    type Response = Service;
    type Error = Infallible;
    type Future = Ready<Result<Service, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: axum::serve::IncomingStream<'_, L>) -> Self::Future {
        ready(Ok(Service {
            router: self.router.clone(),
            shared: self.shared.clone(),
            peer: *stream.remote_addr(),
        }))
    }
}

/// One connection's service: the fast path, else the router.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    router: Router,
    shared: Arc<Shared>,
    peer: SocketAddr,
}

impl tower::Service<Request> for Service {
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<Ready<Result<Response, Infallible>>, axum::routing::future::RouteFuture<Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        if let Some(res) = self.shared.answer(&req, self.peer) {
            if due_to_yield(self.shared.yield_every) {
                std::thread::yield_now();
            }
            return Either::Left(ready(Ok(res)));
        }
        req.extensions_mut().insert(ConnectInfo(self.peer));
        Either::Right(tower::Service::call(&mut self.router, req))
    }
}

/// `id` and `address` of `/v1/campaigns/{id}/claims/{address}`, both non-empty and free of
/// escapes (which the router would decode first).
fn claim_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/v1/campaigns/")?;
    let (id, address) = rest.split_once("/claims/")?;
    let plain = |s: &str| !s.is_empty() && !s.contains(['/', '%', '+']);
    (plain(id) && plain(address)).then_some((id, address))
}

fn request_id_header() -> HeaderName {
    HeaderName::from_static("x-request-id")
}

impl Shared {
    /// The router's response to `req`, when the fast path may give it.
    fn answer(&self, req: &Request, peer: SocketAddr) -> Option<Response> {
        if req.method() != Method::GET
            || tracing::level_filters::LevelFilter::current()
                >= tracing::level_filters::LevelFilter::INFO
        {
            return None;
        }
        let uri = req.uri();
        if uri.query().is_some() || uri.authority().is_some() {
            return None;
        }
        let (id, address) = claim_path(uri.path())?;
        if middleware::head_limits(req).is_some() || middleware::guard_target(uri).is_some() {
            return None;
        }
        // As the router's layers, from the inside out: limiter and handler, metrics, CORS,
        // request id, content length.
        let started = Instant::now();
        let mut res = match self.over_budget(peer) {
            Some(refused) => refused,
            None => crate::api::claims::claim(&self.state, id, address).into_response(),
        };
        self.state.metrics.http.record(
            ROUTE,
            req.method(),
            res.status().as_u16(),
            started.elapsed(),
        );
        let headers = res.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static(VARY));
        match &self.origins {
            None => {
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            Some(allowed) => {
                if let Some(origin) = req.headers().get(header::ORIGIN) {
                    if allowed.contains(origin) {
                        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                    }
                }
            }
        }
        let id_header = request_id_header();
        if !headers.contains_key(&id_header) {
            let id = match req.headers().get(&id_header) {
                Some(given) => Some(given.clone()),
                None => HeaderValue::from_bytes(&RequestIds::next()).ok(),
            };
            if let Some(id) = id {
                headers.insert(id_header, id);
            }
        }
        if !headers.contains_key(header::CONTENT_LENGTH) {
            use axum::body::HttpBody;
            if let Some(len) = res.body().size_hint().exact() {
                res.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            }
        }
        Some(res)
    }

    /// The limiter's 429 when `peer` is over its budget (the check takes a token otherwise).
    fn over_budget(&self, peer: SocketAddr) -> Option<Response> {
        use governor::clock::Clock;
        let governor = self.governor.as_ref()?;
        let negative = governor.limiter().check_key(&peer.ip()).err()?;
        // The wait as the limiter's own layer computes it.
        let wait = negative
            .wait_time_from(governor::clock::DefaultClock::default().now())
            .as_secs();
        Some(middleware::rate_limited(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, target: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(target)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    /// The plain look-up is answered here (not handed to the router), with the headers the
    /// router's layers add; everything else is left to the router.
    #[test]
    fn the_fast_path_answers_plain_look_ups_only() {
        let shared = Shared {
            state: Arc::new(AppState::new(Vec::new())),
            governor: None,
            origins: None,
            yield_every: 0,
        };
        let peer = SocketAddr::from(([127, 0, 0, 1], 1));
        let res = shared
            .answer(&request("GET", "/v1/campaigns/x/claims/0x00"), peer)
            .unwrap();
        assert_eq!(res.status(), axum::http::StatusCode::BAD_REQUEST);
        let names: Vec<&str> = res.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "content-type",
                "vary",
                "access-control-allow-origin",
                "x-request-id",
                "content-length"
            ]
        );
        let key = "ab".repeat(32);
        for (method, target) in [
            ("HEAD", "/v1/campaigns/x/claims/0x00".to_owned()),
            ("OPTIONS", "/v1/campaigns/x/claims/0x00".to_owned()),
            ("GET", "/v1/campaigns/x/claims/0x00?a=b".to_owned()),
            ("GET", "http://h/v1/campaigns/x/claims/0x00".to_owned()),
            ("GET", format!("/v1/campaigns/x/claims/{key}")),
            ("GET", "/v1/campaigns/x".to_owned()),
        ] {
            assert!(
                shared.answer(&request(method, &target), peer).is_none(),
                "{method} {target}"
            );
        }
    }

    /// Every `every`-th answer on a thread yields; 0 never does; threads count apart.
    #[test]
    fn a_worker_yields_after_every_nth_answer() {
        let seen: Vec<bool> = (0..7).map(|_| due_to_yield(3)).collect();
        assert_eq!(seen, [false, false, true, false, false, true, false]);
        assert!((0..10).all(|_| !due_to_yield(0)));
        assert!(due_to_yield(1) && due_to_yield(1));
        let other = std::thread::spawn(|| (0..2).map(|_| due_to_yield(3)).collect::<Vec<_>>());
        assert_eq!(other.join().unwrap(), [false, false]);
    }

    #[test]
    fn only_plain_claim_paths_are_taken() {
        use super::claim_path;
        assert_eq!(
            claim_path("/v1/campaigns/genesis/claims/0xabc"),
            Some(("genesis", "0xabc"))
        );
        for other in [
            "/v1/campaigns/genesis/claims/",
            "/v1/campaigns//claims/0xabc",
            "/v1/campaigns/genesis/claims/0xabc/",
            "/v1/campaigns/a/b/claims/0xabc",
            "/v1/campaigns/genesis/claims/0x%41bc",
            "/v1/campaigns/gen+esis/claims/0xabc",
            "/v1/campaigns/genesis",
            "/v1/campaigns/genesis/announcement",
            "/v2/campaigns/genesis/claims/0xabc",
        ] {
            assert_eq!(claim_path(other), None, "{other}");
        }
    }
}
