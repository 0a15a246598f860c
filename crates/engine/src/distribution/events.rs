//! The distributor's `Claimed(index, account, amount)` event, decoded from a raw log. Kept in
//! this one place so it can be switched to the chain crate's decoder.

use airdrop_chain::distributor::AirdropDistributor;
use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, B256, U256};
use serde_json::Value;

/// `Claimed`'s topic 0.
pub(crate) const CLAIMED_TOPIC: B256 = AirdropDistributor::Claimed::SIGNATURE_HASH;

/// One `Claimed` event's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClaimedLog {
    pub(crate) index: U256,
    pub(crate) account: Address,
    pub(crate) amount: U256,
}

/// The `Claimed` fields of a log's data (all three words are unindexed); `Err(len)` when the
/// data is not the 96 bytes the event has.
pub(crate) fn decode_claimed(log: &Value) -> Result<ClaimedLog, usize> {
    let data = log["data"]
        .as_str()
        .and_then(|s| alloy_primitives::hex::decode(s).ok())
        .unwrap_or_default();
    if data.len() != 96 {
        return Err(data.len());
    }
    Ok(ClaimedLog {
        index: U256::from_be_slice(&data[0..32]),
        account: Address::from_slice(&data[44..64]),
        amount: U256::from_be_slice(&data[64..96]),
    })
}

/// Whether `log` is a `Claimed` event emitted by `distributor`.
pub(crate) fn is_claimed_by(log: &Value, distributor: Address) -> bool {
    let from: Option<Address> = log["address"].as_str().and_then(|s| s.parse().ok());
    let topic0: Option<B256> = log["topics"][0].as_str().and_then(|s| s.parse().ok());
    from == Some(distributor) && topic0 == Some(CLAIMED_TOPIC)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_three_words() {
        let mut data = vec![0u8; 96];
        data[31] = 4;
        data[44..64].copy_from_slice(Address::repeat_byte(9).as_slice());
        data[95] = 7;
        let log = json!({
            "address": Address::repeat_byte(1),
            "topics": [CLAIMED_TOPIC],
            "data": format!("0x{}", alloy_primitives::hex::encode(&data)),
        });
        let c = decode_claimed(&log).unwrap();
        assert_eq!(c.index, U256::from(4u64));
        assert_eq!(c.account, Address::repeat_byte(9));
        assert_eq!(c.amount, U256::from(7u64));
        assert!(is_claimed_by(&log, Address::repeat_byte(1)));
        assert!(!is_claimed_by(&log, Address::repeat_byte(2)));
        assert_eq!(decode_claimed(&json!({"data": "0x00"})), Err(1));
    }
}
