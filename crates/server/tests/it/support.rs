//! Helpers the server's test modules share.

/// `oneshot` requests carry no socket; give them a peer address as a real connection would
/// (the per-IP limiter and some handlers read it).
pub(crate) fn with_peer(app: axum::Router) -> axum::Router {
    peer(app, [127, 0, 0, 1])
}

/// Requests through `app` come from `ip` (port 40000).
pub(crate) fn peer(app: axum::Router, ip: [u8; 4]) -> axum::Router {
    let addr = std::net::SocketAddr::from((ip, 40000));
    app.layer(axum::Extension(axum::extract::ConnectInfo(addr)))
}
