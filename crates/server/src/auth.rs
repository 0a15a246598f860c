//! Creator API keys: `ak_<id>_<secret>`, shown once at creation and stored only as a SHA-256
//! hash; scopes `admin` (everything) and `reviewer` (submissions, exports, statistics). Each key
//! has its own request budget (429 with Retry-After above it).

use crate::error::ServerError;
use crate::AppState;
use airdrop_store::ApiKeyRow;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Every scope a key can hold.
pub const SCOPES: [&str; 2] = ["admin", "reviewer"];

/// A key just created: the secret (shown once) and what is stored.
#[derive(Debug)]
pub struct NewKey {
    /// The whole key, to give to the creator. Never stored.
    pub key: String,
    /// What the store keeps.
    pub row: ApiKeyRow,
}

/// SHA-256 of the whole key, hex. Keys are 128-bit random, so a fast hash is enough: there is
/// nothing to brute-force.
pub fn hash_key(key: &str) -> String {
    alloy_primitives::hex::encode(Sha256::digest(key.as_bytes()))
}

/// Makes a new key with these scopes.
pub fn generate(name: &str, scopes: &[String], now: i64) -> Result<NewKey, ServerError> {
    if scopes.is_empty() {
        return Err(ServerError::bad_request(
            "invalid_scope",
            format!("give at least one scope: {}", SCOPES.join(", ")),
        ));
    }
    for s in scopes {
        if !SCOPES.contains(&s.as_str()) {
            return Err(ServerError::bad_request(
                "invalid_scope",
                format!("scope {s:?} is unknown; use {}", SCOPES.join(" or ")),
            ));
        }
    }
    if name.trim().is_empty() || name.len() > 100 {
        return Err(ServerError::bad_request(
            "invalid_name",
            "a key needs a name of 1–100 characters (who or what uses it)",
        ));
    }
    let mut id = [0u8; 8];
    let mut secret = [0u8; 16];
    getrandom::fill(&mut id)
        .and_then(|()| getrandom::fill(&mut secret))
        .map_err(|e| ServerError::Internal(format!("no randomness from the OS: {e}")))?;
    let id = format!("ak_{}", alloy_primitives::hex::encode(id));
    let key = format!("{id}_{}", alloy_primitives::hex::encode(secret));
    Ok(NewKey {
        row: ApiKeyRow {
            id,
            secret_hash: hash_key(&key),
            name: name.trim().to_owned(),
            scopes: scopes.to_vec(),
            created: now,
            revoked: None,
        },
        key,
    })
}

/// The authenticated creator behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Key id (never the secret).
    pub key_id: String,
    /// Its scopes.
    pub scopes: Vec<String>,
}

impl Caller {
    /// 403 unless the key has `scope` (or `admin`, which holds every scope).
    pub fn require(&self, scope: &str) -> Result<(), ServerError> {
        if self.scopes.iter().any(|s| s == scope || s == "admin") {
            Ok(())
        } else {
            Err(ServerError::Api {
                status: StatusCode::FORBIDDEN,
                code: "forbidden",
                detail: format!(
                    "key {} has scopes [{}] but this needs {scope:?}; create a key with that scope (`airdrop keys create --scope {scope}`)",
                    self.key_id,
                    self.scopes.join(", ")
                ),
            })
        }
    }
}

fn unauthorized(detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::UNAUTHORIZED,
        code: "unauthorized",
        detail: detail.into(),
    }
}

/// Per-key token buckets.
pub struct KeyLimiter {
    limiter: RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>,
    clock: DefaultClock,
}

impl std::fmt::Debug for KeyLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyLimiter")
    }
}

impl KeyLimiter {
    /// `per_second` on average with bursts of `burst`; `None` when `per_second` is 0 (no limit).
    pub fn new(per_second: u32, burst: u32) -> Option<Arc<KeyLimiter>> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(rate);
        Some(Arc::new(KeyLimiter {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        }))
    }

    fn check(&self, key_id: &str) -> Result<(), ServerError> {
        match self.limiter.check_key(&key_id.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now()).as_secs() + 1;
                Err(ServerError::RateLimited {
                    detail: format!("too many requests with key {key_id}; retry in {wait} s"),
                    retry_after: wait,
                })
            }
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let store = state.store()?;
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("this endpoint needs an API key: send \"Authorization: Bearer ak_…\" (create one with `airdrop keys create`)"))?
            .to_str()
            .map_err(|_| unauthorized("the Authorization header is not text"))?;
        let key = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .ok_or_else(|| unauthorized("the Authorization header must be \"Bearer ak_…\""))?;
        // ak_<16 hex>_<32 hex>
        let id = key
            .get(..19)
            .filter(|id| id.starts_with("ak_") && key.len() == 52 && key.as_bytes()[19] == b'_')
            .ok_or_else(|| {
                unauthorized("malformed API key; keys look like ak_<16 hex>_<32 hex>")
            })?;
        let row = store
            .api_key(id)
            .await?
            .ok_or_else(|| unauthorized(format!("unknown API key {id}")))?;
        if row.revoked.is_some() {
            return Err(unauthorized(format!("API key {id} was revoked")));
        }
        if row.secret_hash != hash_key(key) {
            return Err(unauthorized(format!("wrong secret for API key {id}")));
        }
        if let Some(l) = &state.key_limiter {
            l.check(id)?;
        }
        Ok(Caller {
            key_id: row.id,
            scopes: row.scopes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_hashed_and_scoped() {
        let a = generate("ci", &["admin".into()], 1).unwrap();
        let b = generate("ci", &["admin".into()], 1).unwrap();
        assert_ne!(a.key, b.key);
        assert_eq!(a.key.len(), 52);
        assert!(a.key.starts_with(&a.row.id));
        assert_eq!(a.row.secret_hash, hash_key(&a.key));
        assert!(!a.row.secret_hash.contains(&a.key[20..]));
        assert!(generate("ci", &["root".into()], 1).is_err());
        assert!(generate("ci", &[], 1).is_err());
        assert!(generate(" ", &["admin".into()], 1).is_err());
        let reviewer = Caller {
            key_id: "ak_x".into(),
            scopes: vec!["reviewer".into()],
        };
        assert!(reviewer.require("reviewer").is_ok());
        assert!(reviewer.require("admin").is_err());
        let admin = Caller {
            key_id: "ak_y".into(),
            scopes: vec!["admin".into()],
        };
        assert!(admin.require("reviewer").is_ok());
    }
}
