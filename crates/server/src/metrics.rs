//! Prometheus metrics: requests and latency by route and status.
//!
//! The request metrics are counted on every request, so they take no lock and share no
//! counter between cores: each worker thread adds into its own cache line of a sharded
//! counter or histogram, summed only when `/metrics` is scraped. A request finds its series
//! through a map that is read without locking ([`HttpMetrics::record`]) and copied only the
//! first time a route, method and status is seen.

use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    /// Requests served and their latency.
    pub http: HttpMetrics,
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

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("airdrop");
        let http = HttpMetrics::default();
        let (requests, latency) = (http.requests.clone(), http.latency.clone());
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
            http,
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

/// Cache lines a sharded metric is spread over; threads beyond this share lines.
const SHARDS: usize = 16;

/// One shard on a cache line of its own, so that two cores never write to the same line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

/// This thread's shard: threads are numbered once, in the order they first record.
fn shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

/// A counter whose increments stay on the incrementing thread's cache line.
#[derive(Debug, Clone, Default)]
pub struct ShardedCounter(Arc<[Padded<AtomicU64>; SHARDS]>);

impl ShardedCounter {
    /// Adds one.
    pub fn inc(&self) {
        self.0[shard()].0.fetch_add(1, Ordering::Relaxed);
    }

    /// The total over all shards.
    pub fn get(&self) -> u64 {
        self.0.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
    }
}

impl TypedMetric for ShardedCounter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for ShardedCounter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Upper bounds of the latency buckets, seconds: 50 µs … ~1.6 s, where the hot path lives at
/// the bottom; the last bucket (+Inf) is implicit.
const BUCKETS: usize = 16;

/// One thread's part of a histogram.
#[derive(Debug, Default)]
struct HistogramShard {
    /// Observations per bucket (not cumulative), the last one above every bound.
    buckets: [AtomicU64; BUCKETS + 1],
    count: AtomicU64,
    /// Sum of the observations, nanoseconds.
    sum_ns: AtomicU64,
}

/// A latency histogram without a lock (prometheus-client's takes a write lock per
/// observation), encoded exactly as prometheus-client's.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    bounds: Arc<[f64; BUCKETS]>,
    shards: Arc<[Padded<HistogramShard>; SHARDS]>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        let mut bounds = [0.0; BUCKETS];
        for (b, v) in bounds.iter_mut().zip(exponential_buckets(0.00005, 2.0, 16)) {
            *b = v;
        }
        LatencyHistogram {
            bounds: Arc::new(bounds),
            shards: Arc::default(),
        }
    }
}

impl LatencyHistogram {
    /// Records one request's latency.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let bucket = self
            .bounds
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS);
        let s = &self.shards[shard()].0;
        s.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        s.count.fetch_add(1, Ordering::Relaxed);
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        s.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

impl TypedMetric for LatencyHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for LatencyHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let mut buckets: Vec<(f64, u64)> = self
            .bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::MAX))
            .map(|b| (b, 0))
            .collect();
        let (mut count, mut sum_ns) = (0u64, 0u64);
        for s in self.shards.iter() {
            for (out, b) in buckets.iter_mut().zip(&s.0.buckets) {
                out.1 += b.load(Ordering::Relaxed);
            }
            count += s.0.count.load(Ordering::Relaxed);
            sum_ns = sum_ns.saturating_add(s.0.sum_ns.load(Ordering::Relaxed));
        }
        encoder.encode_histogram::<NoLabelSet>(sum_ns as f64 / 1e9, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// The series of one route, found without a lock on the hot path.
#[derive(Debug, Clone)]
struct RouteSeries {
    latency: LatencyHistogram,
    /// Few per route (a method or two, a handful of statuses): a scan beats a hash.
    requests: Vec<(axum::http::Method, u16, ShardedCounter)>,
}

/// Requests by route, method and status, and latency by route.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    requests: Family<RequestLabels, ShardedCounter>,
    latency: Family<RouteLabels, LatencyHistogram>,
    /// Handles into the families above by route template, replaced whole when a series is
    /// first seen.
    routes: arc_swap::ArcSwap<HashMap<String, RouteSeries>>,
}

impl HttpMetrics {
    /// Counts one request of `route` (a template, never a raw path) and its latency.
    pub fn record(&self, route: &str, method: &axum::http::Method, status: u16, took: Duration) {
        let routes = self.routes.load();
        if let Some(r) = routes.get(route) {
            if let Some((.., c)) = r
                .requests
                .iter()
                .find(|(m, s, _)| *s == status && m == method)
            {
                r.latency.observe(took);
                c.inc();
                return;
            }
        }
        drop(routes);
        self.first_of_series(route, method, status, took);
    }

    /// The slow path: creates the series in the families, then publishes its handles.
    fn first_of_series(
        &self,
        route: &str,
        method: &axum::http::Method,
        status: u16,
        took: Duration,
    ) {
        let latency = self
            .latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .clone();
        let counter = self
            .requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_string(),
                status,
            })
            .clone();
        latency.observe(took);
        counter.inc();
        self.routes.rcu(|routes| {
            let mut routes = HashMap::clone(routes);
            let r = routes
                .entry(route.to_owned())
                .or_insert_with(|| RouteSeries {
                    latency: latency.clone(),
                    requests: Vec::new(),
                });
            if !r
                .requests
                .iter()
                .any(|(m, s, _)| *s == status && m == method)
            {
                r.requests.push((method.clone(), status, counter.clone()));
            }
            routes
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::metrics::histogram::Histogram;

    fn encode(
        name: &str,
        metric: impl EncodeMetric + Send + Sync + std::fmt::Debug + 'static,
    ) -> String {
        let mut registry = Registry::default();
        registry.register(name, "h", metric);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
        out
    }

    /// Every line but the sum (kept in nanoseconds here, in floating point there) is what
    /// prometheus-client's own histogram writes for the same observations.
    #[test]
    fn latency_histogram_encodes_like_prometheus_client() {
        let ours = LatencyHistogram::default();
        let theirs = Histogram::new(exponential_buckets(0.00005, 2.0, 16));
        for us in [10, 50, 51, 99, 100, 1_000, 7_000, 400_000, 3_000_000] {
            let d = Duration::from_micros(us);
            ours.observe(d);
            theirs.observe(d.as_secs_f64());
        }
        let strip = |s: String| {
            s.lines()
                .filter(|l| !l.starts_with("lat_sum"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            strip(encode("lat", ours.clone())),
            strip(encode("lat", theirs))
        );
        assert!(encode("lat", ours).contains("lat_sum 3.40831"));
    }

    /// Counts from many threads all arrive, in each series, under the labels of before.
    #[test]
    fn http_metrics_count_across_threads() {
        let metrics = Arc::new(Metrics::default());
        let get = axum::http::Method::GET;
        std::thread::scope(|s| {
            for t in 0..4u16 {
                let (metrics, get) = (metrics.clone(), get.clone());
                s.spawn(move || {
                    for _ in 0..1000 {
                        metrics
                            .http
                            .record("/a/{id}", &get, 200, Duration::from_micros(80));
                    }
                    metrics
                        .http
                        .record("/a/{id}", &get, 400 + t, Duration::from_micros(80));
                });
            }
        });
        let text = metrics.render();
        assert!(
            text.contains(
                "airdrop_http_requests_total{route=\"/a/{id}\",method=\"GET\",status=\"200\"} 4000"
            ),
            "{text}"
        );
        for t in 0..4 {
            assert!(
                text.contains(&format!("status=\"{}\"}} 1\n", 400 + t)),
                "{text}"
            );
        }
        assert!(
            text.contains("airdrop_http_request_duration_seconds_count{route=\"/a/{id}\"} 4004"),
            "{text}"
        );
        assert!(text.contains("airdrop_http_request_duration_seconds_bucket{le=\"0.0001\",route=\"/a/{id}\"} 4004"), "{text}");
    }
}
