//! Unit tests of the snapshot logic through a scripted chain ([`MockChain`]): no node, no
//! network; `tests/it/contracts.rs` and the CLI's `snapshot_chain` tests run the same code against
//! anvil end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::distribution::erc20::IERC20;
use crate::rpc::{RawBlock, RawLog, RpcConfig, TraceMethod};
use alloy::sol_types::SolCall;
use alloy_primitives::{Bytes, U256, U64};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A chain scripted in memory: one token contract, its logs, what its views answer, and knobs
/// for the failures a real node has.
struct MockChain {
    cfg: RpcConfig,
    head: u64,
    /// Contract → (first block with code, code).
    code: HashMap<Address, (u64, Bytes)>,
    logs: Vec<RawLog>,
    /// `balanceOf` answers at the pinned block; absent accounts hold 0.
    balance_of: HashMap<Address, U256>,
    /// `totalSupply()`; `None` reverts.
    total_supply: Option<U256>,
    /// `eth_getLogs` refuses ranges wider than this (a provider's range cap).
    max_log_span: u64,
    /// `block_hash` answers another hash from this call on (a reorg under the run).
    reorg_from_call: Option<usize>,
    hash_calls: AtomicUsize,
    splits: AtomicUsize,
    log_requests: Mutex<Vec<(u64, u64)>>,
}

const TOKEN: Address = Address::repeat_byte(0x70);

fn a(n: u8) -> Address {
    Address::with_last_byte(n)
}

fn hash_of(block: u64, fork: bool) -> B256 {
    let mut h = B256::repeat_byte(if fork { 0xf0 } else { 0xb0 });
    h.0[24..].copy_from_slice(&block.to_be_bytes());
    h
}

fn transfer(block: u64, index: u64, from: Address, to: Address, value: u64) -> RawLog {
    RawLog {
        address: TOKEN,
        topics: vec![transfer_topic(), from.into_word(), to.into_word()],
        data: Bytes::from(U256::from(value).to_be_bytes::<32>().to_vec()),
        block_number: U64::from(block),
        log_index: U64::from(index),
        transaction_hash: None,
        removed: false,
    }
}

fn node_error(method: &str, message: &str) -> ChainError {
    ChainError::Node {
        method: method.into(),
        code: -32000,
        message: message.into(),
    }
}

impl MockChain {
    /// A token deployed at block 3 on a chain at block 20: 100 minted to 1, 1 sends 30 to 2,
    /// 2 sends 10 to 3, 1 burns 5. Balances 65, 20, 10; supply 95. The views agree.
    fn token() -> MockChain {
        let logs = vec![
            transfer(4, 0, Address::ZERO, a(1), 100),
            transfer(6, 0, a(1), a(2), 30),
            transfer(9, 1, a(2), a(3), 10),
            transfer(12, 0, a(1), Address::ZERO, 5),
        ];
        let balance_of = [(a(1), 65u64), (a(2), 20), (a(3), 10)]
            .into_iter()
            .map(|(k, v)| (k, U256::from(v)))
            .collect();
        MockChain {
            cfg: RpcConfig::default(),
            head: 20,
            code: [(TOKEN, (3, Bytes::from_static(&[0x60, 0x80])))].into(),
            logs,
            balance_of,
            total_supply: Some(U256::from(95u64)),
            max_log_span: u64::MAX,
            reorg_from_call: None,
            hash_calls: AtomicUsize::new(0),
            splits: AtomicUsize::new(0),
            log_requests: Mutex::new(Vec::new()),
        }
    }

    fn call(&self, to: Address, input: &[u8]) -> Result<Bytes> {
        let word = |v: U256| Bytes::from(v.to_be_bytes::<32>().to_vec());
        if to != TOKEN {
            return Ok(Bytes::new());
        }
        if let Ok(c) = IERC20::balanceOfCall::abi_decode(input) {
            return Ok(word(
                self.balance_of.get(&c.account).copied().unwrap_or_default(),
            ));
        }
        if IERC20::totalSupplyCall::abi_decode(input).is_ok() {
            return self
                .total_supply
                .map(word)
                .ok_or_else(|| node_error("eth_call", "execution reverted"));
        }
        Err(node_error("eth_call", "execution reverted"))
    }
}

impl ChainClient for MockChain {
    fn config(&self) -> &RpcConfig {
        &self.cfg
    }
    fn shown_url(&self) -> String {
        "mock://chain".into()
    }
    fn count_split(&self) {
        self.splits.fetch_add(1, Ordering::Relaxed);
    }
    async fn chain_id(&self) -> Result<u64> {
        Ok(31_337)
    }
    async fn head(&self) -> Result<u64> {
        Ok(self.head)
    }
    async fn block_hash(&self, number: u64) -> Result<B256> {
        if number > self.head {
            return Err(ChainError::FutureBlock {
                block: number,
                head: self.head,
            });
        }
        let call = self.hash_calls.fetch_add(1, Ordering::Relaxed);
        Ok(hash_of(
            number,
            self.reorg_from_call.is_some_and(|from| call >= from),
        ))
    }
    async fn full_blocks(&self, numbers: &[u64]) -> Result<Vec<RawBlock>> {
        Ok(numbers
            .iter()
            .map(|n| RawBlock {
                number: U64::from(*n),
                hash: hash_of(*n, false),
                transactions: Vec::new(),
                miner: None,
                withdrawals: None,
            })
            .collect())
    }
    async fn trace_method(&self, _block: u64) -> Result<std::result::Result<TraceMethod, String>> {
        Ok(Err("the mock does not trace".into()))
    }
    async fn value_recipients(
        &self,
        _method: TraceMethod,
        numbers: &[u64],
    ) -> Result<Vec<Vec<Address>>> {
        Ok(vec![Vec::new(); numbers.len()])
    }
    async fn code(&self, address: Address, block: u64) -> Result<Bytes> {
        Ok(match self.code.get(&address) {
            Some((from, code)) if block >= *from => code.clone(),
            _ => Bytes::new(),
        })
    }
    async fn codes(&self, addresses: &[Address], block: u64) -> Result<Vec<Bytes>> {
        let mut out = Vec::new();
        for address in addresses {
            out.push(self.code(*address, block).await?);
        }
        Ok(out)
    }
    async fn balances(&self, addresses: &[Address], _block: u64) -> Result<Vec<U256>> {
        Ok(addresses
            .iter()
            .map(|x| self.balance_of.get(x).copied().unwrap_or_default())
            .collect())
    }
    async fn calls(&self, to: Address, inputs: Vec<Bytes>, _block: u64) -> Result<Vec<Bytes>> {
        inputs.iter().map(|i| self.call(to, i)).collect()
    }
    async fn logs(
        &self,
        addresses: &[Address],
        topic0: &[B256],
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>> {
        self.log_requests.lock().unwrap().push((from, to));
        if to - from + 1 > self.max_log_span {
            return Err(node_error(
                "eth_getLogs",
                "query exceeds the max block range",
            ));
        }
        Ok(self
            .logs
            .iter()
            .filter(|l| {
                let n = l.block_number.to::<u64>();
                (from..=to).contains(&n)
                    && (addresses.is_empty() || addresses.contains(&l.address))
                    && (topic0.is_empty() || l.topics.first().is_some_and(|t| topic0.contains(t)))
            })
            .cloned()
            .collect())
    }
}

fn erc20_params() -> Params {
    let mut p = Params::new(Kind::Erc20Balances);
    p.token = Some(TOKEN);
    p.block = Some(15);
    p
}

fn balances(n: &[(u8, u64)]) -> Rows {
    Rows::Balances(n.iter().map(|(k, v)| (a(*k), U256::from(*v))).collect())
}

#[tokio::test]
async fn erc20_balances_come_from_the_transfer_logs() {
    let chain = MockChain::token();
    let snap = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap();
    assert_eq!(snap.rows, balances(&[(1, 65), (2, 20), (3, 10)]));
    assert_eq!(snap.meta.logs, 4);
    // The deploy block, found by binary search on the code, starts the scan.
    assert_eq!(snap.meta.from_block, Some(3));
    assert_eq!(snap.meta.block, Some(15));
    assert_eq!(snap.meta.block_hash, Some(hash_of(15, false)));
    assert_eq!(snap.meta.total, U256::from(95u64));
    assert_eq!(snap.meta.verified_sample, 3);
}

#[tokio::test]
async fn erc20_rows_below_the_minimum_are_dropped() {
    let chain = MockChain::token();
    let mut p = erc20_params();
    p.min = U256::from(20u64);
    let snap = run(&chain, &p, &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap();
    assert_eq!(snap.rows, balances(&[(1, 65), (2, 20)]));
}

#[tokio::test]
async fn a_balance_of_mismatch_is_the_mismatch_error() {
    let mut chain = MockChain::token();
    // The token says 2 holds more than its Transfer logs give it: a rebasing token.
    chain.balance_of.insert(a(2), U256::from(25u64));
    let err = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    let ChainError::ProofMismatch(m) = &err else {
        panic!("expected a proof mismatch, got {err}");
    };
    assert_eq!(m.address, a(2));
    assert_eq!(m.computed, U256::from(20u64));
    assert_eq!(m.onchain, U256::from(25u64));
    assert_eq!(m.block, 15);
    assert!(m.hint.contains("rebasing"), "{}", m.hint);
}

#[tokio::test]
async fn a_total_supply_mismatch_is_the_mismatch_error() {
    let mut chain = MockChain::token();
    chain.total_supply = Some(U256::from(96u64));
    let err = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    let ChainError::ProofMismatch(m) = &err else {
        panic!("expected a proof mismatch, got {err}");
    };
    assert_eq!(
        (m.address, m.computed, m.onchain),
        (TOKEN, U256::from(95u64), U256::from(96u64))
    );
}

#[tokio::test]
async fn a_reorg_during_the_run_is_refused() {
    let mut chain = MockChain::token();
    // The pin reads the hash once; the check at the end sees another.
    chain.reorg_from_call = Some(1);
    let err = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    match err {
        ChainError::Reorg { block, pinned, now } => {
            assert_eq!(block, 15);
            assert_eq!(pinned, hash_of(15, false));
            assert_eq!(now, hash_of(15, true));
        }
        other => panic!("expected a reorg, got {other}"),
    }
}

#[tokio::test]
async fn a_refused_log_range_is_split_and_the_result_is_the_same() {
    let mut chain = MockChain::token();
    chain.max_log_span = 2;
    let snap = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap();
    assert_eq!(snap.rows, balances(&[(1, 65), (2, 20), (3, 10)]));
    assert!(chain.splits.load(Ordering::Relaxed) > 0);
    let requests = chain.log_requests.lock().unwrap();
    // Every block of 3..=15 was asked for in a range the node accepts.
    let mut covered: Vec<u64> = requests
        .iter()
        .filter(|(f, t)| t - f < 2)
        .flat_map(|(f, t)| *f..=*t)
        .collect();
    covered.sort_unstable();
    assert_eq!(covered, (3..=15).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_log_range_refused_down_to_one_block_is_the_node_error() {
    let mut chain = MockChain::token();
    chain.max_log_span = 0;
    let err = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    match err {
        ChainError::Node {
            method, message, ..
        } => {
            assert_eq!(method, "eth_getLogs");
            assert_eq!(
                message,
                "query exceeds the max block range (even for the single block 3)"
            );
        }
        other => panic!("expected the node error, got {other}"),
    }
}

#[tokio::test]
async fn a_total_supply_revert_means_not_an_erc20() {
    let mut chain = MockChain::token();
    chain.total_supply = None;
    let err = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    match err {
        ChainError::NotAToken {
            address, detail, ..
        } => {
            assert_eq!(address, TOKEN);
            assert!(detail.starts_with("totalSupply() reverted"), "{detail}");
        }
        other => panic!("expected not-a-token, got {other}"),
    }
}

#[tokio::test]
async fn an_nft_transfer_in_an_erc20_snapshot_is_the_wrong_shape_error() {
    let mut chain = MockChain::token();
    let mut nft = transfer(7, 0, a(1), a(4), 0);
    nft.topics.push(U256::from(1u64).into());
    nft.data = Bytes::new();
    chain.logs.push(nft);
    let err = run(&chain, &erc20_params(), &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    let ChainError::WrongLogShape(w) = &err else {
        panic!("expected the wrong-shape error, got {err}");
    };
    assert_eq!((w.count, w.from, w.to), (1, 7, 7));
    assert!(w.hint.contains("erc721-holders"), "{}", w.hint);
}

#[tokio::test]
async fn a_block_after_the_head_is_refused_before_any_scan() {
    let chain = MockChain::token();
    let mut p = erc20_params();
    p.block = Some(21);
    let err = run(&chain, &p, &NoCheckpoints, &crate::NoProgress)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ChainError::FutureBlock {
                block: 21,
                head: 20
            }
        ),
        "{err}"
    );
    assert!(chain.log_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_checkpoint_resumes_where_the_scan_stopped() {
    let chain = MockChain::token();
    let p = erc20_params();
    let store = MemoryCheckpoints::default();
    // A checkpoint of this run up to block 8: 1 holds 70, 2 holds 30, two logs applied.
    let key = format!("erc20-balances chain=31337 block=15 token={TOKEN} range=3-15");
    let state = LedgerState::Erc20 {
        balances: vec![(a(1), U256::from(70u64)), (a(2), U256::from(30u64))],
    };
    store
        .save(
            &key,
            &Checkpoint {
                version: CHECKPOINT_VERSION,
                key: key.clone(),
                chain_id: 31_337,
                block: 15,
                block_hash: hash_of(15, false),
                from_block: 3,
                next_block: 9,
                logs: 2,
                state,
            },
        )
        .unwrap();
    let snap = run(&chain, &p, &store, &crate::NoProgress).await.unwrap();
    assert_eq!(snap.rows, balances(&[(1, 65), (2, 20), (3, 10)]));
    assert_eq!(snap.meta.logs, 4);
    // Only blocks from 9 on were asked for, and the finished run cleared its checkpoint.
    assert!(chain
        .log_requests
        .lock()
        .unwrap()
        .iter()
        .all(|(from, _)| *from >= 9));
    assert_eq!(store.load(&key).unwrap(), None);
}
