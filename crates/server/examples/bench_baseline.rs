//! For `scripts/bench-api` only: the bare anchor the claim look-up is measured against. A
//! hyper server with nothing around it (no router, layers, metrics or limits) answering each
//! `GET /v1/campaigns/{id}/claims/{address}` (lowercase address) with a body serialised once at
//! start from the same campaign, by the same code as `airdrop serve`, held in a map keyed by the
//! URL path.
//!
//! Usage: `bench_baseline ID CLAIMS LISTEN [WORKERS]`; answers `GET /readyz` once loaded.

use axum::body::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn bodies(id: &str, path: &str) -> Result<HashMap<String, Bytes>, Error> {
    let campaign = airdrop_server::Campaign::load(id, std::path::Path::new(path))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let mut map = HashMap::with_capacity(campaign.tree.len());
    for e in campaign.tree.accounts().into_iter().flatten() {
        let key = format!(
            "/v1/campaigns/{id}/claims/{}",
            alloy_primitives::hex::encode_prefixed(e.address)
        );
        let body = campaign
            .claim_body(&e.address, now)
            .ok_or("a claim of the tree has no body")?;
        map.insert(key, Bytes::from(body));
    }
    Ok(map)
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, id, path, listen, rest @ ..] = &args[..] else {
        return Err("usage: bench_baseline ID CLAIMS LISTEN [WORKERS]".into());
    };
    let map = Arc::new(bodies(id, path)?);
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = rest.first() {
        rt.worker_threads(n.parse()?);
    }
    rt.build()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen.as_str()).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            // As `airdrop serve` does: small responses leave at once.
            stream.set_nodelay(true)?;
            let map = map.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let res = match map.get(req.uri().path()) {
                        Some(body) => Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(body.clone())),
                        None if req.uri().path() == "/readyz" => {
                            Response::builder().body(Full::new(Bytes::from_static(b"ok")))
                        }
                        None => Response::builder()
                            .status(StatusCode::NOT_FOUND)
                            .body(Full::new(Bytes::new())),
                    };
                    async move { Ok::<_, Infallible>(res.unwrap_or_default()) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
