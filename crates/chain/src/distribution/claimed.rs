//! The one decoder of the distributor's `Claimed(uint256 index, address account, uint256
//! amount)` event (no argument indexed, so 96 bytes of data), for `airdrop status`, the claim
//! receipt check and the server's indexer alike.

use super::contracts::AirdropDistributor;
use crate::error::{ChainError, Result};
use crate::rpc::RawLog;
use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, B256, U256};

/// One paid claim, as the distributor's `Claimed` event tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimedEvent {
    /// The claim's index in the tree.
    pub index: U256,
    /// The account paid.
    pub account: Address,
    /// Base units paid by this claim (a vesting claim pays in parts).
    pub amount: U256,
    /// The block of the log.
    pub block: u64,
    /// The transaction that emitted it, when the node says.
    pub tx: Option<B256>,
}

/// `keccak256("Claimed(uint256,address,uint256)")`, the topic to ask `eth_getLogs` for.
pub fn claimed_topic() -> B256 {
    AirdropDistributor::Claimed::SIGNATURE_HASH
}

impl ClaimedEvent {
    /// Decodes `log` as a `Claimed` event emitted by `distributor`. A log of another contract,
    /// of another event, or with other than 96 bytes of data is [`ChainError::BadEvent`].
    pub fn decode(log: &RawLog, distributor: Address) -> Result<ClaimedEvent> {
        let bad = |detail: String| ChainError::BadEvent {
            event: "Claimed",
            address: distributor,
            detail,
        };
        if log.address != distributor {
            return Err(bad(format!(
                "was emitted by {}; ask eth_getLogs for the distributor's address only",
                log.address
            )));
        }
        match log.topics.first() {
            Some(t) if *t == claimed_topic() => {}
            Some(t) => {
                return Err(bad(format!(
                    "has topic {t}, not Claimed's {}; filter the logs by that topic",
                    claimed_topic()
                )))
            }
            None => return Err(bad("has no topic (an anonymous event)".into())),
        }
        let data = &log.data;
        if data.len() != 96 {
            return Err(bad(format!("has {} data bytes, expected 96", data.len())));
        }
        // An address word must be zero in its 12 high bytes: anything else is not this event.
        if data[32..44].iter().any(|b| *b != 0) {
            return Err(bad(
                "has an account word that is not an address (non-zero high bytes); is it a distributor of this version?".into(),
            ));
        }
        Ok(ClaimedEvent {
            index: U256::from_be_slice(&data[0..32]),
            account: Address::from_slice(&data[44..64]),
            amount: U256::from_be_slice(&data[64..96]),
            block: log.block_number.to::<u64>(),
            tx: log.transaction_hash,
        })
    }
}

/// The `Claimed` events of `distributor` among `logs` (a receipt's logs, say), in order; logs of
/// other contracts or other events are skipped, a malformed `Claimed` log is an error.
pub fn claims_in(logs: &[RawLog], distributor: Address) -> Result<Vec<ClaimedEvent>> {
    logs.iter()
        .filter(|l| l.address == distributor && l.topics.first() == Some(&claimed_topic()))
        .map(|l| ClaimedEvent::decode(l, distributor))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy_primitives::{Bytes, U64};

    fn distributor() -> Address {
        Address::with_last_byte(0xd1)
    }

    fn log(index: u64, account: Address, amount: u64) -> RawLog {
        let event = AirdropDistributor::Claimed {
            index: U256::from(index),
            account,
            amount: U256::from(amount),
        };
        RawLog {
            address: distributor(),
            topics: vec![claimed_topic()],
            data: Bytes::from(event.encode_data()),
            block_number: U64::from(7),
            log_index: U64::ZERO,
            transaction_hash: Some(B256::repeat_byte(0xab)),
            removed: false,
        }
    }

    #[test]
    fn decodes_what_the_contract_emits() {
        let account = Address::with_last_byte(0x42);
        let c = ClaimedEvent::decode(&log(3, account, 1_000), distributor()).unwrap();
        assert_eq!(
            c,
            ClaimedEvent {
                index: U256::from(3),
                account,
                amount: U256::from(1_000),
                block: 7,
                tx: Some(B256::repeat_byte(0xab)),
            }
        );
    }

    #[test]
    fn refuses_other_contracts_events_and_lengths() {
        let a = Address::with_last_byte(1);
        let mut other = log(1, a, 1);
        other.address = Address::with_last_byte(0xee);
        let e = ClaimedEvent::decode(&other, distributor()).unwrap_err();
        assert!(matches!(e, ChainError::BadEvent { .. }), "{e}");
        assert!(e.to_string().contains("was emitted by"), "{e}");

        let mut topic = log(1, a, 1);
        topic.topics[0] = B256::repeat_byte(1);
        let e = ClaimedEvent::decode(&topic, distributor()).unwrap_err();
        assert!(e.to_string().contains("not Claimed's"), "{e}");

        let mut short = log(1, a, 1);
        short.data = Bytes::from(vec![0u8; 64]);
        let e = ClaimedEvent::decode(&short, distributor()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "a Claimed log of {} has 64 data bytes, expected 96",
                distributor()
            )
        );

        let mut dirty = log(1, a, 1);
        let mut data = dirty.data.to_vec();
        data[40] = 1;
        dirty.data = Bytes::from(data);
        assert!(ClaimedEvent::decode(&dirty, distributor()).is_err());
    }

    #[test]
    fn claims_in_skips_other_logs_and_keeps_order() {
        let a = Address::with_last_byte(1);
        let mut transfer = log(9, a, 9);
        transfer.topics[0] = crate::snapshot::transfer_topic();
        let logs = [log(1, a, 10), transfer, log(2, a, 20)];
        let claims = claims_in(&logs, distributor()).unwrap();
        let amounts: Vec<U256> = claims.iter().map(|c| c.amount).collect();
        assert_eq!(amounts, vec![U256::from(10), U256::from(20)]);
        let mut short = log(3, a, 1);
        short.data = Bytes::new();
        assert!(claims_in(&[short], distributor()).is_err());
    }
}
