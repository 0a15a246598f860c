//! The distributor's `Claimed` events as the distribution jobs read them: through the chain
//! crate's one decoder, from the JSON the node returned.

use airdrop_chain::rpc::RawLog;
use airdrop_chain::ClaimedEvent;
use alloy_primitives::Address;
use serde_json::Value;

/// The `Claimed` events of `distributor` among `logs` (a receipt's or `eth_getLogs`'s JSON):
/// logs of other contracts or events are skipped; a malformed `Claimed` log is an error when
/// `strict`, and skipped otherwise (a receipt check only adds up what it can read).
pub(crate) fn claimed(
    logs: &[Value],
    distributor: Address,
    strict: bool,
) -> airdrop_chain::Result<Vec<ClaimedEvent>> {
    let mut out = Vec::new();
    for log in logs {
        let Ok(raw) = serde_json::from_value::<RawLog>(log.clone()) else {
            continue;
        };
        if raw.address != distributor
            || raw.topics.first() != Some(&airdrop_chain::distribution::claimed_topic())
        {
            continue;
        }
        match ClaimedEvent::decode(&raw, distributor) {
            Ok(c) => out.push(c),
            Err(e) if strict => return Err(e),
            Err(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use airdrop_chain::distribution::claimed_topic;
    use alloy_primitives::U256;
    use serde_json::json;

    fn log(from: Address, data: &[u8]) -> Value {
        json!({
            "address": from,
            "topics": [claimed_topic()],
            "data": format!("0x{}", alloy_primitives::hex::encode(data)),
            "blockNumber": "0x5",
        })
    }

    #[test]
    fn reads_the_distributors_claims_and_skips_the_rest() {
        let d = Address::repeat_byte(1);
        let mut data = vec![0u8; 96];
        data[31] = 4;
        data[44..64].copy_from_slice(Address::repeat_byte(9).as_slice());
        data[95] = 7;
        let logs = [
            log(d, &data),
            log(Address::repeat_byte(2), &data),
            log(d, &[0u8; 1]),
        ];
        let lenient = claimed(&logs, d, false).unwrap();
        assert_eq!(lenient.len(), 1);
        assert_eq!(lenient[0].index, U256::from(4u64));
        assert_eq!(lenient[0].account, Address::repeat_byte(9));
        assert_eq!(lenient[0].amount, U256::from(7u64));
        let e = claimed(&logs, d, true).unwrap_err().to_string();
        assert!(e.contains("has 1 data bytes, expected 96"), "{e}");
    }
}
