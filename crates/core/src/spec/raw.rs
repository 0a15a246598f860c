//! The spec's TOML as written: serde shapes with no meaning attached yet. Unknown keys are
//! refused here (`deny_unknown_fields`) so a typo never silently falls back to a default.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaign {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) chain_id: u64,
    pub(super) token: RawToken,
    pub(super) budget: String,
    pub(super) format: Option<String>,
    pub(super) shards: Option<u16>,
    pub(super) dust_to: Option<String>,
    pub(super) max_per_address: Option<String>,
    #[serde(default, rename = "source")]
    pub(super) sources: Vec<RawSource>,
    #[serde(default, rename = "pool")]
    pub(super) pools: Vec<RawPool>,
    #[serde(default, rename = "exclude", deserialize_with = "one_or_many")]
    pub(super) excludes: Vec<RawExclude>,
    pub(super) vesting: Option<RawVesting>,
    pub(super) claim: Option<RawClaim>,
    pub(super) sybil: Option<RawSybil>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSybil {
    #[serde(default)]
    pub(super) edges: Vec<String>,
    pub(super) hubs: Option<String>,
    pub(super) overrides: Option<String>,
    pub(super) policy: Option<String>,
    pub(super) detectors: Option<Vec<String>>,
    pub(super) min_cluster_size: Option<u32>,
    pub(super) min_signals: Option<u32>,
    pub(super) max_degree: Option<u32>,
    pub(super) min_fanout: Option<u32>,
    pub(super) split_above: Option<u32>,
    pub(super) k_core: Option<u32>,
    pub(super) funding_window: Option<String>,
    pub(super) timeline_bucket: Option<String>,
    pub(super) timeline_min: Option<u32>,
    pub(super) burst_blocks: Option<u32>,
    pub(super) rpc: Option<String>,
    pub(super) rpc_env: Option<String>,
    pub(super) from_block: Option<u64>,
    pub(super) to_block: Option<u64>,
    pub(super) tokens: Option<Vec<String>>,
    pub(super) first_funding: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawToken {
    pub(super) address: String,
    pub(super) symbol: String,
    pub(super) decimals: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) file: Option<String>,
    pub(super) format: Option<String>,
    pub(super) address_column: Option<String>,
    pub(super) columns: Option<BTreeMap<String, String>>,
    pub(super) decimals: Option<u8>,
    pub(super) base_units: Option<bool>,
    // Chain kinds (erc20-balances, erc721-holders, native-balances, contract-users).
    pub(super) rpc: Option<String>,
    pub(super) rpc_env: Option<String>,
    pub(super) token: Option<String>,
    pub(super) block: Option<toml::Value>,
    pub(super) min: Option<String>,
    pub(super) from_block: Option<u64>,
    pub(super) to_block: Option<u64>,
    pub(super) deploy_block: Option<u64>,
    pub(super) contracts: Option<Vec<String>>,
    pub(super) events: Option<Vec<String>>,
    pub(super) txs: Option<bool>,
    pub(super) candidates: Option<String>,
    pub(super) exclude_contracts: Option<bool>,
    pub(super) allow: Option<String>,
    pub(super) verify_sample: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPool {
    pub(super) name: Option<String>,
    pub(super) source: String,
    pub(super) share: String,
    pub(super) rule: String,
    pub(super) column: Option<String>,
    pub(super) weight: Option<String>,
    pub(super) tiers: Option<Vec<RawTier>>,
    pub(super) per_point: Option<String>,
    pub(super) min: Option<String>,
    pub(super) cap: Option<String>,
    pub(super) floor: Option<String>,
    #[serde(default)]
    pub(super) multiplier: Vec<RawMultiplier>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTier {
    pub(super) min: String,
    pub(super) amount: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMultiplier {
    pub(super) flag: Option<String>,
    pub(super) column: Option<String>,
    pub(super) factor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExclude {
    pub(super) name: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) file: Option<String>,
    pub(super) address_column: Option<String>,
    pub(super) addresses: Option<Vec<String>>,
    pub(super) contracts: Option<bool>,
    pub(super) allow: Option<String>,
}

/// `[exclude]` (one table) or `[[exclude]]` (an array of tables), with the inner errors (unknown
/// keys, their lines) intact.
pub(super) fn one_or_many<'de, D>(d: D) -> std::result::Result<Vec<RawExclude>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Vec<RawExclude>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an [exclude] table or [[exclude]] tables")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            RawExclude::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                .map(|e| vec![e])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            Vec::<RawExclude>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
        }
    }
    d.deserialize_any(Visit)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVesting {
    pub(super) unlocked: String,
    pub(super) cliff: String,
    pub(super) duration: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClaim {
    pub(super) start: String,
    pub(super) deadline: String,
    pub(super) clawback_to: Option<String>,
}
