//! The claim look-up's fast path (in front of the router, in `serve_on`) answers exactly what
//! the router alone answers: the same status line, headers in the same order and body bytes,
//! for hits, every refusal, a client over its budget, CORS origins and request ids, and the
//! same metrics afterwards. Each case is sent over a real socket to `serve_on` and to a server
//! of the router alone (what `serve_on` ran before the fast path), with fresh state each.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airdrop_merkle::{build_claims, Address, Entry, Preset, TreeOptions, U256};
use airdrop_server::{router, AppState, Campaign, Config};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct FileSink(std::path::PathBuf);
impl airdrop_merkle::Sink for FileSink {
    fn create(&mut self, _: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        Ok(Box::new(std::fs::File::create(&self.0)?))
    }
}

fn state(dir: &std::path::Path) -> Arc<AppState> {
    let path = dir.join("genesis.json");
    if !path.exists() {
        let entries = (1..=20u8)
            .map(|i| Entry {
                address: Address::repeat_byte(i),
                amount: U256::from(u64::from(i) * 1000),
            })
            .collect();
        let built = build_claims(&TreeOptions::new(Preset::Uniswap), entries).unwrap();
        built.write(&mut FileSink(path.clone())).unwrap();
    }
    Arc::new(AppState::new(vec![
        Campaign::load("genesis", &path).unwrap()
    ]))
}

/// Two servers on the same data: `serve_on` (fast path) and the router alone.
struct Pair {
    fast: u16,
    plain: u16,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn pair(config: Config) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fast = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(airdrop_server::serve_on(
        listener,
        state(dir.path()),
        config.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = listener.local_addr().unwrap().port();
    let app = router(state(dir.path()), &config);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    Pair {
        fast,
        plain,
        _stop: stop,
        _dir: dir,
    }
}

/// The whole response to `head` (request line and headers, without the final blank line),
/// minus the `date` header.
async fn send(port: u16, head: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!("{head}\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    buf.split("\r\n")
        .filter(|l| !l.starts_with("date: "))
        .collect::<Vec<_>>()
        .join("\r\n")
}

impl Pair {
    /// Sends `head` to both servers and checks the answers are identical; returns it.
    async fn same(&self, head: &str) -> String {
        let fast = send(self.fast, head).await;
        let plain = send(self.plain, head).await;
        assert_eq!(fast, plain, "{head}");
        fast
    }
}

fn claim(address: &str) -> String {
    format!("GET /v1/campaigns/genesis/claims/{address} HTTP/1.1")
}

#[tokio::test]
async fn the_fast_path_answers_what_the_router_answers() {
    let p = pair(Config::default()).await;
    // 0x0a0a…: checksummed, it has upper- and lowercase letters.
    let hit = format!("{}", Address::repeat_byte(10));
    let lower = hit.to_lowercase();
    let flip = hit.find(|c: char| c.is_ascii_uppercase()).unwrap();
    let mut wrong_case = hit.clone();
    wrong_case.replace_range(flip..=flip, &hit[flip..=flip].to_lowercase());
    let key = "ab".repeat(32);
    let cases = [
        // Hits, with and without an origin.
        format!("{}\r\nx-request-id: id-1", claim(&hit)),
        format!("{}\r\nx-request-id: id-2\r\nOrigin: https://dapp.example", claim(&lower)),
        // Refusals: malformed, wrong checksum, not eligible, unknown campaign.
        format!("{}\r\nx-request-id: id-3", claim("0x00")),
        format!("{}\r\nx-request-id: id-4", claim(&wrong_case)),
        format!("{}\r\nx-request-id: id-5", claim(&format!("{}", Address::repeat_byte(99)))),
        format!("GET /v1/campaigns/nope/claims/{hit} HTTP/1.1\r\nx-request-id: id-6"),
        // A key pasted where the address belongs: the key guard's refusal.
        format!("{}\r\nx-request-id: id-7", claim(&key)),
        format!("{}\r\nx-request-id: id-8", claim(&format!("%20{key}"))),
        // What the fast path leaves to the router.
        format!("GET /v1/campaigns/genesis/claims/{hit}?x=1 HTTP/1.1\r\nx-request-id: id-9"),
        format!("HEAD /v1/campaigns/genesis/claims/{hit} HTTP/1.1\r\nx-request-id: id-10"),
        format!("POST /v1/campaigns/genesis/claims/{hit} HTTP/1.1\r\nx-request-id: id-11\r\nContent-Length: 0"),
        format!(
            "OPTIONS /v1/campaigns/genesis/claims/{hit} HTTP/1.1\r\nx-request-id: id-12\r\n\
             Origin: https://dapp.example\r\nAccess-Control-Request-Method: GET"
        ),
        format!("GET /v1/campaigns/genesis/claims/{hit}/ HTTP/1.1\r\nx-request-id: id-13"),
    ];
    for head in &cases {
        p.same(head).await;
    }
    let ok = p
        .same(&format!("{}\r\nx-request-id: id-1", claim(&hit)))
        .await;
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    assert!(ok.contains("\r\nx-request-id: id-1\r\n"), "{ok}");
    assert!(ok.contains("\"amount\":\"10000\""), "{ok}");
    assert!(ok.contains("\"announcement\":null"), "{ok}");
    assert!(
        ok.contains("\r\naccess-control-allow-origin: *\r\n"),
        "{ok}"
    );

    // The metrics count the same requests under the same labels (four 200s: two hits, the
    // query and the last one).
    let series = |text: String| -> Vec<String> {
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        let mut lines: Vec<String> = body
            .lines()
            .filter(|l| l.starts_with("airdrop_http_requests_total") && l.contains("claims"))
            .map(str::to_owned)
            .collect();
        // Series come in hash-map order, which differs between two servers.
        lines.sort();
        lines
    };
    let fast = series(send(p.fast, "GET /metrics HTTP/1.1").await);
    let plain = series(send(p.plain, "GET /metrics HTTP/1.1").await);
    assert_eq!(fast, plain);
    assert!(
        fast.iter()
            .any(|l| l.contains("status=\"200\"") && l.ends_with(" 4")),
        "{fast:?}"
    );
}

#[tokio::test]
async fn request_ids_are_made_when_the_client_sends_none() {
    let p = pair(Config::default()).await;
    let hit = format!("{}", Address::repeat_byte(3));
    let mut ids = Vec::new();
    for _ in 0..3 {
        let res = send(p.fast, &claim(&hit)).await;
        let id = res
            .lines()
            .find_map(|l| l.strip_prefix("x-request-id: "))
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4", "{id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn configured_origins_and_a_tiny_rate_limit_answer_alike() {
    let config = Config {
        cors_origins: vec!["https://dapp.example".into()],
        rate_limit_per_ip: 1,
        rate_limit_burst: 2,
        ..Config::default()
    };
    let p = pair(config).await;
    let hit = format!("{}", Address::repeat_byte(5));
    let allowed = p
        .same(&format!(
            "{}\r\nx-request-id: a\r\nOrigin: https://dapp.example",
            claim(&hit)
        ))
        .await;
    assert!(allowed.contains("\r\naccess-control-allow-origin: https://dapp.example\r\n"));
    let other = p
        .same(&format!(
            "{}\r\nx-request-id: b\r\nOrigin: https://evil.example",
            claim(&hit)
        ))
        .await;
    assert!(!other.contains("access-control-allow-origin"), "{other}");
    // Two tokens in the burst, both spent: the third request is refused by both servers.
    let refused = p.same(&format!("{}\r\nx-request-id: c", claim(&hit))).await;
    assert!(
        refused.starts_with("HTTP/1.1 429 Too Many Requests\r\n"),
        "{refused}"
    );
    assert!(refused.contains("\r\nretry-after: 1\r\n"), "{refused}");
    assert!(refused.contains("\"code\":\"rate_limited\""), "{refused}");
    // The budget is one for the whole API: another route is refused too.
    let other_route = send(p.fast, "GET /v1/campaigns HTTP/1.1").await;
    assert!(other_route.starts_with("HTTP/1.1 429"), "{other_route}");
}
