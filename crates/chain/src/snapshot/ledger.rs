//! Rebuilding holdings from Transfer logs. Pure and synchronous: the same logs give the same
//! ledger whatever the transport did.

use super::checkpoint::LedgerState;
use crate::distribution::erc20::IERC20;
use crate::rpc::RawLog;
use alloy_primitives::{Address, B256, U256};
use std::collections::HashMap;

/// `keccak256("Transfer(address,address,uint256)")`, the topic of ERC-20 and ERC-721 transfers.
pub fn transfer_topic() -> B256 {
    use alloy::sol_types::SolEvent;
    IERC20::Transfer::SIGNATURE_HASH
}

fn topic_address(topic: &B256) -> Address {
    Address::from_slice(&topic[12..])
}

/// ERC-20 balances from Transfer logs. Arithmetic wraps (two's complement), so windows may be
/// applied in any grouping; [`Erc20Ledger::negative`] finds accounts that went below zero.
#[derive(Debug, Default, Clone)]
pub struct Erc20Ledger {
    balances: HashMap<Address, U256>,
    /// Logs applied.
    pub applied: u64,
    /// Logs with the Transfer topic but not the ERC-20 shape (e.g. ERC-721 ones), ignored.
    pub ignored: u64,
}

impl Erc20Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one log (mint: from = 0; burn: to = 0; the zero address itself is not tracked).
    pub fn apply(&mut self, log: &RawLog) {
        if log.topics.len() != 3 || log.data.len() != 32 {
            self.ignored += 1;
            return;
        }
        let value = U256::from_be_slice(&log.data);
        self.apply_transfer(
            topic_address(&log.topics[1]),
            topic_address(&log.topics[2]),
            value,
        );
    }

    /// Applies one transfer.
    pub fn apply_transfer(&mut self, from: Address, to: Address, value: U256) {
        self.applied += 1;
        if from == to {
            // A self-transfer changes nothing (and keeps a zero-balance sender out of the map).
            self.balances.entry(from).or_insert(U256::ZERO);
            return;
        }
        if from != Address::ZERO {
            let b = self.balances.entry(from).or_insert(U256::ZERO);
            *b = b.wrapping_sub(value);
        }
        if to != Address::ZERO {
            let b = self.balances.entry(to).or_insert(U256::ZERO);
            *b = b.wrapping_add(value);
        }
    }

    /// The first (lowest) address whose balance is negative, if any.
    pub fn negative(&self) -> Option<Address> {
        self.balances
            .iter()
            .filter(|(_, b)| b.bit(255))
            .map(|(a, _)| *a)
            .min()
    }

    /// Every tracked address (including those back at zero), sorted.
    pub fn balances(&self) -> Vec<(Address, U256)> {
        let mut v: Vec<(Address, U256)> = self.balances.iter().map(|(a, b)| (*a, *b)).collect();
        v.sort_unstable_by_key(|(a, _)| *a);
        v
    }

    /// Sum of all balances (wrapping; equals the total supply for a well-behaved token).
    pub fn sum(&self) -> U256 {
        self.balances
            .values()
            .fold(U256::ZERO, |acc, b| acc.wrapping_add(*b))
    }

    /// The state for a checkpoint.
    pub fn to_state(&self) -> LedgerState {
        LedgerState::Erc20 {
            balances: self.balances(),
        }
    }

    /// A ledger from a checkpoint's state.
    pub fn from_balances(balances: Vec<(Address, U256)>) -> Self {
        Erc20Ledger {
            balances: balances.into_iter().collect(),
            applied: 0,
            ignored: 0,
        }
    }
}

/// ERC-721 ownership from Transfer logs; must be applied in (block, log index) order.
#[derive(Debug, Default, Clone)]
pub struct Erc721Ledger {
    owners: HashMap<U256, Address>,
    /// Logs applied.
    pub applied: u64,
    /// Logs with the Transfer topic but not the ERC-721 shape, ignored.
    pub ignored: u64,
}

impl Erc721Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one log: the token's owner becomes `to` (a burn when `to` is zero).
    pub fn apply(&mut self, log: &RawLog) {
        if log.topics.len() != 4 {
            self.ignored += 1;
            return;
        }
        self.applied += 1;
        let to = topic_address(&log.topics[2]);
        let id = U256::from_be_bytes(log.topics[3].0);
        if to == Address::ZERO {
            self.owners.remove(&id);
        } else {
            self.owners.insert(id, to);
        }
    }

    /// Holdings per owner, sorted by address, each owner's ids ascending.
    pub fn holdings(&self) -> Vec<(Address, Vec<U256>)> {
        let mut by_owner: HashMap<Address, Vec<U256>> = HashMap::new();
        for (id, owner) in &self.owners {
            by_owner.entry(*owner).or_default().push(*id);
        }
        let mut v: Vec<(Address, Vec<U256>)> = by_owner
            .into_iter()
            .map(|(a, mut ids)| {
                ids.sort_unstable();
                (a, ids)
            })
            .collect();
        v.sort_unstable_by_key(|(a, _)| *a);
        v
    }

    /// The state for a checkpoint.
    pub fn to_state(&self) -> LedgerState {
        let mut owners: Vec<(U256, Address)> = self.owners.iter().map(|(i, a)| (*i, *a)).collect();
        owners.sort_unstable();
        LedgerState::Erc721 { owners }
    }

    /// A ledger from a checkpoint's state.
    pub fn from_owners(owners: Vec<(U256, Address)>) -> Self {
        Erc721Ledger {
            owners: owners.into_iter().collect(),
            applied: 0,
            ignored: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Bytes, U64};

    fn addr(n: u8) -> Address {
        Address::with_last_byte(n)
    }

    fn log20(from: Address, to: Address, v: u64) -> RawLog {
        RawLog {
            address: addr(99),
            topics: vec![transfer_topic(), from.into_word(), to.into_word()],
            data: Bytes::from(U256::from(v).to_be_bytes::<32>().to_vec()),
            block_number: U64::from(1),
            log_index: U64::ZERO,
            transaction_hash: None,
            removed: false,
        }
    }

    #[test]
    fn transfer_topic_is_the_standard_one() {
        assert_eq!(
            transfer_topic().to_string(),
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
        );
    }

    #[test]
    fn erc20_mints_burns_self_transfers() {
        let mut l = Erc20Ledger::new();
        l.apply(&log20(Address::ZERO, addr(1), 100));
        l.apply(&log20(addr(1), addr(2), 30));
        l.apply(&log20(addr(2), addr(2), 30));
        l.apply(&log20(addr(1), Address::ZERO, 10));
        assert_eq!(
            l.balances(),
            vec![(addr(1), U256::from(60)), (addr(2), U256::from(30))]
        );
        assert_eq!(l.sum(), U256::from(90));
        assert_eq!(l.negative(), None);
        l.apply(&log20(addr(3), addr(1), 1));
        assert_eq!(l.negative(), Some(addr(3)));
    }

    #[test]
    fn erc20_order_does_not_matter() {
        let logs = [
            log20(addr(1), addr(2), 5),
            log20(Address::ZERO, addr(1), 7),
            log20(addr(2), addr(3), 5),
        ];
        let mut a = Erc20Ledger::new();
        let mut b = Erc20Ledger::new();
        logs.iter().for_each(|l| a.apply(l));
        logs.iter().rev().for_each(|l| b.apply(l));
        assert_eq!(a.balances(), b.balances());
        assert_eq!(a.negative(), None);
    }

    #[test]
    fn erc721_follows_ownership() {
        let mk = |to: Address, id: u64| RawLog {
            topics: vec![
                transfer_topic(),
                Address::ZERO.into_word(),
                to.into_word(),
                U256::from(id).into(),
            ],
            data: Bytes::new(),
            ..log20(Address::ZERO, Address::ZERO, 0)
        };
        let mut l = Erc721Ledger::new();
        l.apply(&mk(addr(1), 1));
        l.apply(&mk(addr(1), 2));
        l.apply(&mk(addr(2), 2));
        l.apply(&mk(addr(3), 3));
        l.apply(&mk(Address::ZERO, 3));
        l.apply(&log20(addr(1), addr(2), 5)); // ERC-20 shape: ignored
        assert_eq!(l.ignored, 1);
        assert_eq!(
            l.holdings(),
            vec![
                (addr(1), vec![U256::from(1)]),
                (addr(2), vec![U256::from(2)])
            ]
        );
        let back = Erc721Ledger::from_owners(match l.to_state() {
            LedgerState::Erc721 { owners } => owners,
            _ => unreachable!(),
        });
        assert_eq!(back.holdings(), l.holdings());
    }
}
