//! Server settings.

use std::net::SocketAddr;
use std::time::Duration;

/// [`Config::yield_every`] by default: the value measured in docs/performance.md.
pub const DEFAULT_YIELD_EVERY: u32 = 32;

/// Server settings (defaults → file → environment → flags are merged by the CLI).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Largest accepted source-file upload, bytes.
    pub upload_limit: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Allowed CORS origins; empty allows any origin (public read-only API).
    pub cors_origins: Vec<String>,
    /// A connection must send a complete request head within this time (slow-header clients).
    pub header_timeout: Duration,
    /// A connection with no bytes read or written for this long is closed.
    pub idle_timeout: Duration,
    /// Requests per second each client IP may make on average; 0 disables the limit.
    pub rate_limit_per_ip: u32,
    /// How many requests a client IP may make in a burst above the average.
    pub rate_limit_burst: u32,
    /// A worker thread hands its core to the operating system's other runnable threads after
    /// answering this many claim look-ups on the fast path; 0 never does. Without it a worker
    /// kept busy by one client holds its core for a whole scheduler slice (≈ 3 ms) while
    /// another client's thread on that core waits: the slow tail of docs/performance.md.
    pub yield_every: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit: 64 * 1024,
            upload_limit: 64 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            cors_origins: Vec::new(),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            rate_limit_per_ip: 50,
            rate_limit_burst: 100,
            yield_every: DEFAULT_YIELD_EVERY,
        }
    }
}
