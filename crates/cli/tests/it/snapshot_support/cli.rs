//! Running the `airdrop` binary from chain tests, with anvil's dev keys derived at run time.

use alloy_signer_local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner};
use std::process::{Command, Output};

/// anvil's well-known development phrase (public; its keys hold no real funds).
pub(crate) const MNEMONIC: &str = "test test test test test test test test test test test junk";

/// anvil's dev account `i`.
pub(crate) fn dev(i: u32) -> PrivateKeySigner {
    MnemonicBuilder::<English>::default()
        .phrase(MNEMONIC)
        .index(i)
        .unwrap()
        .build()
        .unwrap()
}

/// The private key as hex, to hand to the binary through an environment variable.
pub(crate) fn key_hex(s: &PrivateKeySigner) -> String {
    hex::encode(s.credential().to_bytes())
}

/// Runs `airdrop` with `env`; (success, stdout, stderr). A panic is always a failure.
pub(crate) fn airdrop(args: &[&str], env: &[(&str, String)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airdrop"));
    cmd.args(args);
    // A test never writes into the machine's own state folder (~/.local/share/airdrop): a
    // command given no state folder gets a fresh one of its own, so a test that forgot to
    // pass one fails visibly instead of sharing records with other runs.
    let scratch = tempfile::tempdir().unwrap();
    cmd.env("XDG_DATA_HOME", scratch.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Runs `airdrop` with `args` in the test's own environment; its output. A panic is always a
/// failure.
pub(crate) fn run(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_airdrop"))
        .args(args)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    out
}

/// [`run`], which must succeed; its stdout.
pub(crate) fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "airdrop {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `airdrop`, which must succeed; its stdout.
pub(crate) fn ok(args: &[&str], env: &[(&str, String)]) -> String {
    let (success, out, err) = airdrop(args, env);
    assert!(success, "airdrop {args:?} failed: {err}");
    out
}

/// Runs `airdrop`, which must fail with `needle` on stderr and print no dev key anywhere.
pub(crate) fn fails(args: &[&str], env: &[(&str, String)], needle: &str) -> String {
    let (success, out, err) = airdrop(args, env);
    assert!(!success, "airdrop {args:?} should fail, printed {out}");
    assert!(
        err.contains(needle),
        "airdrop {args:?}: expected {needle:?} in: {err}"
    );
    for s in [&out, &err] {
        for i in 0..8 {
            assert!(!s.contains(&key_hex(&dev(i))), "a key was printed");
        }
    }
    err
}

/// One HTTP/1.1 request over loopback; returns the status and the JSON body (`Null` if none).
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, text) = http_raw(port, method, path, key, "application/json", body.as_bytes());
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// One HTTP/1.1 request with any body; returns the status and the body as text (chunked
/// bodies, such as event streams, are returned with their chunk framing).
pub(crate) fn http_raw(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status: u16 = out[9..12].parse().unwrap();
    let text = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, text)
}

/// An `airdrop serve` process on a free loopback port, killed on drop.
pub(crate) struct Server {
    pub child: std::process::Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `airdrop serve --listen <free port> ARGS…` with `env` and waits until it answers.
pub(crate) fn serve(args: &[&str], env: &[(&str, String)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airdrop"));
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "airdrop serve exited at start"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Server { child, port }
}

/// A new admin API key in the store at `database_url` (`airdrop keys create`).
pub(crate) fn admin_key(database_url: &str) -> String {
    api_key(database_url, "test", "admin")
}

/// A new API key named `name` with `scope` in the store at `database_url`.
pub(crate) fn api_key(database_url: &str, name: &str, scope: &str) -> String {
    let (ok, key, err) = airdrop(
        &[
            "keys",
            "create",
            "--name",
            name,
            "--scope",
            scope,
            "--database-url",
            database_url,
        ],
        &[],
    );
    assert!(ok, "{err}");
    key.trim().to_owned()
}

/// Waits (up to 90 s) for a server job to end; returns its final status.
pub(crate) fn wait_job(port: u16, key: &str, id: &str) -> serde_json::Value {
    let started = std::time::Instant::now();
    loop {
        let (s, v) = http(port, "GET", &format!("/v1/jobs/{id}"), Some(key), None);
        assert_eq!(s, 200, "{v}");
        if v["state"] == "done" || v["state"] == "failed" {
            return v;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(90),
            "job stuck: {v}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
