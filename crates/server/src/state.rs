//! What every handler shares: the published campaigns (read lock-free on the hot path), the
//! store, the chain node, limiters, jobs and the sign-in rules.

use crate::error::ServerError;
use crate::{auth, jobs, metrics, relay, Campaign};
use std::collections::HashMap;
use std::sync::Arc;

/// What sign-in messages must name to be accepted (EIP-4361).
#[derive(Debug, Clone)]
pub struct SignIn {
    /// Accepted domains (`host[:port]`), from the server's public URLs.
    pub domains: Vec<String>,
    /// Accepted URI prefixes (the public URLs).
    pub uris: Vec<String>,
    /// Oldest accepted `Issued At`, seconds.
    pub max_age_secs: i64,
    /// How long an issued nonce stays valid, seconds.
    pub nonce_ttl_secs: i64,
}

impl SignIn {
    /// Accepts messages for these public URLs (`https://drop.example.org`).
    pub fn for_urls(urls: &[String]) -> SignIn {
        let domains = urls
            .iter()
            .map(|u| {
                let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
                rest.split('/').next().unwrap_or(rest).to_owned()
            })
            .collect();
        SignIn {
            domains,
            uris: urls
                .iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
            max_age_secs: 600,
            nonce_ttl_secs: 600,
        }
    }
}

impl Default for SignIn {
    fn default() -> Self {
        SignIn::for_urls(&["http://127.0.0.1:8080".to_owned()])
    }
}

/// Published campaigns by id. Read on every claim look-up, replaced only when a campaign is
/// published: the map is swapped whole, and readers never take a lock.
#[derive(Debug, Default)]
pub struct Published(arc_swap::ArcSwap<HashMap<String, Arc<Campaign>>>);

impl Published {
    /// The current map, without touching any shared counter (the hot path).
    pub fn load(&self) -> arc_swap::Guard<Arc<HashMap<String, Arc<Campaign>>>> {
        self.0.load()
    }

    /// One campaign.
    pub fn get(&self, id: &str) -> Option<Arc<Campaign>> {
        self.0.load().get(id).cloned()
    }

    /// Every campaign, in no order.
    pub fn all(&self) -> Vec<Arc<Campaign>> {
        self.0.load().values().cloned().collect()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.load().len()
    }

    /// None at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds or replaces a campaign.
    pub fn insert(&self, c: Campaign) {
        let c = Arc::new(c);
        self.0.rcu(|m| {
            let mut m = HashMap::clone(m);
            m.insert(c.id.clone(), c.clone());
            m
        });
    }
}

/// Shared state of all handlers.
#[derive(Debug, Default)]
pub struct AppState {
    /// Published campaigns (claims in memory).
    pub campaigns: Published,
    /// Prometheus metrics.
    pub metrics: metrics::Metrics,
    /// The store (creator campaigns, keys, sign-ups, bounties); `None` serves claims only.
    pub store: Option<airdrop_store::Db>,
    /// A chain node, for contract-wallet (EIP-1271) signatures.
    pub rpc: Option<airdrop_chain::rpc::Rpc>,
    /// Per-API-key request budgets.
    pub key_limiter: Option<Arc<auth::KeyLimiter>>,
    /// The gasless-claim relayer of this instance (needs `rpc`).
    pub relayer: Option<relay::Relayer>,
    /// Build and publish jobs (needs a data folder and the `airdrop` binary).
    pub jobs: Option<jobs::JobConfig>,
    /// Sign-in message rules.
    pub sign_in: SignIn,
    /// Campaigns served from `--campaign` flags: an API campaign may not take their ids.
    pub pinned: Vec<String>,
    /// `/readyz` waits for the first load of the store's published campaigns (set by the
    /// server binary, which runs [`jobs::sync_published`]).
    pub wait_for_sync: bool,
    /// The store's published campaigns were loaded once (or tried).
    pub synced: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// The store, or a 503 when the server runs without one.
    pub fn store(&self) -> Result<&airdrop_store::Db, ServerError> {
        self.store.as_ref().ok_or_else(|| ServerError::Api {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            code: "no_store",
            detail: "this server runs without a database; start it with --database-url".into(),
        })
    }

    /// State serving `campaigns` (from `--campaign` flags: their ids stay theirs).
    pub fn new(campaigns: Vec<Campaign>) -> Self {
        let state = AppState {
            pinned: campaigns.iter().map(|c| c.id.clone()).collect(),
            ..AppState::default()
        };
        for c in campaigns {
            state.insert_campaign(c);
        }
        state
    }

    /// Serves `c` (added, or replacing a campaign of the same id) and counts it in the metrics.
    pub fn insert_campaign(&self, c: Campaign) {
        self.campaigns.insert(c);
        let all = self.campaigns.all();
        self.metrics.campaigns.set(all.len() as i64);
        self.metrics
            .claims
            .set(all.iter().map(|c| c.tree.len()).sum::<usize>() as i64);
    }

    /// Refuses an API campaign id that a `--campaign` flag serves.
    pub fn refuse_pinned(&self, id: &str) -> Result<(), ServerError> {
        if self.pinned.iter().any(|p| p == id) {
            return Err(ServerError::Api {
                status: axum::http::StatusCode::CONFLICT,
                code: "campaign_pinned",
                detail: format!(
                    "campaign id {id:?} is served from a --campaign flag of this server; choose another id"
                ),
            });
        }
        Ok(())
    }
}
