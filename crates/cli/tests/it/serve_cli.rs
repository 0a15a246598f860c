//! `airdrop serve` as a user runs it: a real process, a real socket, JSON logs on stderr.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serves_a_built_tree_logs_json_and_never_logs_a_pasted_key() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,100\n0x17ec8597ff92c3f44523bdc65bf0f1be632917ff,5\n").unwrap();
    let claims = dir.path().join("claims.json");
    let built = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["tree", "build", "-q", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&claims)
        .output()
        .unwrap();
    assert!(built.status.success());
    let root = String::from_utf8(built.stdout).unwrap().trim().to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "serve",
            "--log",
            "info",
            "--log-format",
            "json",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--campaign",
        ])
        .arg(format!("demo={}", claims.display()))
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.path().join("store.db").display()))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let ok = get(
        port,
        "/v1/campaigns/demo/claims/0x17ec8597ff92c3f44523bdc65bf0f1be632917ff",
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains(&root), "{ok}");
    let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let refused = get(port, &format!("/v1/campaigns/demo/claims/0x{key}"));
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    assert!(refused.contains("secret_refused"));

    // SIGTERM: graceful stop, then read everything it logged.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        !logs.contains(&key[4..]),
        "a pasted key reached the log:\n{logs}"
    );
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let requests: Vec<_> = lines
        .iter()
        .filter(|l| l["span"]["request_id"].is_string())
        .collect();
    assert!(
        requests.len() >= 2,
        "request logs with ids expected:\n{logs}"
    );
    assert!(requests.iter().any(|l| l["fields"]["status"] == 400));
}

/// Settings from a `--config` file, overridden by `AIRDROP_*` variables, overridden by flags;
/// secrets in the settings never reach the log; unknown keys are refused.
#[test]
fn config_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(
        &input,
        "address,amount\n0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f,100\n",
    )
    .unwrap();
    let claims = dir.path().join("claims.json");
    let built = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["tree", "build", "-q", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&claims)
        .output()
        .unwrap();
    assert!(built.status.success());
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (file_port, flag_port) = (free(), free());
    let config = dir.path().join("airdrop.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{file_port}\"\ncampaigns = [\"demo={}\"]\ndatabase_url = \"sqlite:{}\"\nrpc_url = \"http://127.0.0.1:9/v3/SECRETPROJECTKEY\"\nrate_limit_per_ip = 1\nrate_limit_burst = 1\n",
            claims.display(),
            dir.path().join("store.db").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["serve", "--log", "debug", "--config"])
        .arg(&config)
        .args(["--listen", &format!("127.0.0.1:{flag_port}")])
        // The variable beats the file's 1 request per second.
        .env("AIRDROP_RATE_LIMIT_PER_IP", "1000")
        .env("AIRDROP_RATE_LIMIT_BURST", "1000")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", flag_port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start on the flag's port"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        TcpStream::connect(("127.0.0.1", file_port)).is_err(),
        "the flag beats the file"
    );
    for _ in 0..5 {
        let ok = get(
            flag_port,
            "/v1/campaigns/demo/claims/0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
        );
        assert!(
            ok.starts_with("HTTP/1.1 200"),
            "the variable's rate beats the file's: {ok}"
        );
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(logs.contains("serve settings"), "{logs}");
    assert!(!logs.contains("SECRETPROJECTKEY"), "{logs}");

    std::fs::write(&config, "listen = \"127.0.0.1:1\"\npassword = \"x\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown key \"password\""), "{err}");
}

/// Item 15 of issue 9: "listening" is printed only once the address is bound; a port in use is
/// one `error:` line and a non-zero exit.
#[test]
fn a_port_in_use_is_an_error_not_a_listening_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.path().join("store.db").display()))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(!err.contains("listening"), "{err}");
    assert!(
        err.contains("error:") && err.contains("cannot bind"),
        "{err}"
    );
    drop(taken);
}

/// `serve --campaign id=PATH` that must fail at startup: its stderr.
fn serve_refuses(dir: &std::path::Path, campaign: &std::path::Path) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--campaign",
        ])
        .arg(format!("c={}", campaign.display()))
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.join("store.db").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("serve started with a campaign that does not verify");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!status.success(), "{err}");
    assert!(err.contains("error:"), "{err}");
    err
}

/// Issue 15: a published claims file given to `serve` gets the checks of `tree verify`: every
/// proof in it, not only its root, and a format it cannot serve is named as such.
#[test]
fn serve_refuses_a_published_file_that_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let mut rows = String::from("address,amount\n");
    for i in 1..=8u8 {
        rows += &format!("0x{:040x},{}\n", i, i as u32 * 100);
    }
    std::fs::write(&input, rows).unwrap();
    let claims = dir.path().join("claims.json");
    let built = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(["tree", "build", "-q", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&claims)
        .output()
        .unwrap();
    assert!(built.status.success());
    let good: serde_json::Value = serde_json::from_slice(&std::fs::read(&claims).unwrap()).unwrap();
    let (who, claim) = good["claims"].as_object().unwrap().iter().nth(2).unwrap();
    let index = claim["index"].as_u64().unwrap();

    let mut flipped = good.clone();
    let p = &mut flipped["claims"][who]["proof"][1];
    let mut h = p.as_str().unwrap().to_owned();
    let last = h.pop().unwrap();
    h.push(if last == '0' { '1' } else { '0' });
    *p = h.into();
    let bad = dir.path().join("tampered.json");
    std::fs::write(&bad, flipped.to_string()).unwrap();
    let err = serve_refuses(dir.path(), &bad);
    assert!(
        err.contains(&format!(
            "tampered.json: the proof of {who} (index {index},"
        )) && err.contains("fails at level 1, where it has")
            && err.contains("refusing to serve a claims file that does not verify"),
        "{err}"
    );

    let mut changed = good.clone();
    changed["claims"][who]["amount"] = "0x07".into();
    std::fs::write(&bad, changed.to_string()).unwrap();
    let err = serve_refuses(dir.path(), &bad);
    assert!(
        err.contains("rebuild to root")
            && err.contains(&format!("the proof of {who} (index {index}, amount 7)"))
            && err.contains("fails at level 0, the leaf itself"),
        "{err}"
    );

    let merkl = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/merkl/rewards_v1_epoch469401.json");
    let err = serve_refuses(dir.path(), &merkl);
    assert!(
        err.contains("this is a Merkl cumulative rewards file")
            && err.contains("serve loads Uniswap-style claims files"),
        "{err}"
    );
}

/// The published Uniswap example, read in place, serves its proof.
#[test]
fn serve_serves_a_published_uniswap_claims_file() {
    let dir = tempfile::tempdir().unwrap();
    let published = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/uniswap/result.json");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--campaign",
        ])
        .arg(format!("uni={}", published.display()))
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.path().join("store.db").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) || child.try_wait().unwrap().is_some() {
            child.kill().ok();
            panic!("server did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let ok = get(
        port,
        "/v1/campaigns/uni/claims/0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(
        ok.contains("0xdefa96435aec82d201dbd2e5f050fb4e1fef5edac90ce1e03953f916a5e1132d"),
        "{ok}"
    );
}
