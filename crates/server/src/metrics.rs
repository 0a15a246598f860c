//! Prometheus metrics: requests and latency by route and status.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Labels of a request: the route template (not the raw path, to bound cardinality).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Route template, e.g. `/v1/campaigns/{id}/claims/{address}`.
    pub route: String,
    /// HTTP method.
    pub method: String,
    /// Response status code.
    pub status: u16,
}

/// Labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// Route template.
    pub route: String,
}

/// Labels of a finished job.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// `build` or `publish`.
    pub kind: String,
    /// `done` or `failed`.
    pub state: String,
}

/// All metrics the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests served.
    pub requests: Family<RequestLabels, Counter>,
    /// Request latency in seconds.
    pub latency: Family<RouteLabels, Histogram>,
    /// Campaigns loaded.
    pub campaigns: Gauge,
    /// Claims loaded over all campaigns.
    pub claims: Gauge,
    /// Gasless claims accepted into the relay queue.
    pub relay_queued: Counter,
    /// Gasless claims waiting in the relay queue (all instances).
    pub relay_depth: Gauge,
    /// Jobs finished by this instance.
    pub jobs: Family<JobLabels, Counter>,
    /// Jobs running on this instance.
    pub jobs_running: Gauge,
}

fn latency_histogram() -> Histogram {
    // 50 µs … ~1.6 s: the hot path lives at the bottom of this range.
    Histogram::new(exponential_buckets(0.00005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("airdrop");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let campaigns = Gauge::default();
        let claims = Gauge::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "campaigns_loaded",
            "Campaigns served from memory",
            campaigns.clone(),
        );
        registry.register("claims_loaded", "Claims served from memory", claims.clone());
        let relay_queued = Counter::default();
        let relay_depth = Gauge::default();
        registry.register(
            "relay_requests_queued",
            "Gasless claims accepted into the relay queue",
            relay_queued.clone(),
        );
        registry.register(
            "relay_queue_depth",
            "Gasless claims waiting in the relay queue",
            relay_depth.clone(),
        );
        let jobs = Family::<JobLabels, Counter>::default();
        let jobs_running = Gauge::default();
        registry.register(
            "jobs_finished",
            "Jobs finished, by kind and outcome",
            jobs.clone(),
        );
        registry.register("jobs_running", "Jobs running now", jobs_running.clone());
        Metrics {
            registry,
            jobs,
            jobs_running,
            requests,
            latency,
            campaigns,
            claims,
            relay_queued,
            relay_depth,
        }
    }
}

impl Metrics {
    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::warn!("metrics encoding failed");
        }
        out
    }
}
