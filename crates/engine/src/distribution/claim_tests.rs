//! The refusals of the claim, clawback and deploy jobs, on a scripted node: each one must come before
//! anything is sent, so every test also checks that no `eth_sendRawTransaction` was made.
#![allow(clippy::unwrap_used)]

use super::bundle::testing::bundle;
use super::claim::{check_distributor, prepare};
use super::clawback::clawback;
use super::deploy::preflight;
use super::scripted::{abi, call_of, chain, head, Answer, ScriptedNode};
use super::{Bundle, ClaimInput, DeployInput, Located, StateDir};
use airdrop_chain::distribution::{AirdropDistributor, IERC20};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, B256, U256};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

fn token() -> Address {
    Address::repeat_byte(0x70)
}

fn distributor() -> Address {
    Address::repeat_byte(0xd1)
}

fn root() -> B256 {
    B256::repeat_byte(0x77)
}

/// The first claimant of [`bundle`]: index 0, 1 base unit.
fn alice() -> Address {
    Address::repeat_byte(0xa1)
}

/// The second claimant of [`bundle`]: index 1, 2 base units.
fn bob() -> Address {
    Address::repeat_byte(0xa2)
}

fn the_bundle() -> Bundle {
    bundle(Path::new("/b"), token(), root())
}

fn located() -> Located {
    Located {
        path: PathBuf::from("/state/deployment.json"),
        distributor: distributor(),
        token: token(),
        block: 10,
        chain_id: Some(31337),
        root: Some(root()),
        record: None,
    }
}

/// What the distributor on the scripted chain answers.
#[derive(Clone)]
struct Distributor {
    code: &'static str,
    root: B256,
    start: u64,
    deadline: u64,
    now: u64,
    claimed: bool,
    claimable: U256,
    claimed_amount: U256,
}

impl Default for Distributor {
    /// The bundle's distributor, window open (1000 in [0, 5000)), nothing claimed, all vested.
    fn default() -> Self {
        Distributor {
            code: "0x6080",
            root: root(),
            start: 0,
            deadline: 5_000,
            now: 1_000,
            claimed: false,
            claimable: U256::from(2u64),
            claimed_amount: U256::ZERO,
        }
    }
}

/// The answer of the scripted chain to `method` with `params`. A transaction is refused with
/// an error (the tests check it was never asked for).
fn answer(d: &Distributor, method: &str, params: &Value) -> Answer {
    match method {
        "eth_chainId" => Ok(json!("0x7a69")),
        "eth_getCode" => Ok(json!(d.code)),
        "eth_getBlockByNumber" => head(25, d.now),
        "eth_call" => {
            let (to, data) = call_of(params);
            assert_eq!(to, distributor(), "eth_call to {to}");
            let selector: [u8; 4] = data[..4].try_into().unwrap();
            use AirdropDistributor as D;
            match selector {
                D::merkleRootCall::SELECTOR => abi(D::merkleRootCall::abi_encode_returns(&d.root)),
                D::tokenCall::SELECTOR => abi(D::tokenCall::abi_encode_returns(&token())),
                D::startCall::SELECTOR => abi(D::startCall::abi_encode_returns(&d.start)),
                D::deadlineCall::SELECTOR => abi(D::deadlineCall::abi_encode_returns(&d.deadline)),
                D::isClaimedCall::SELECTOR => abi(D::isClaimedCall::abi_encode_returns(&d.claimed)),
                D::claimableAmountCall::SELECTOR => {
                    abi(D::claimableAmountCall::abi_encode_returns(&d.claimable))
                }
                D::claimedAmountCall::SELECTOR => {
                    abi(D::claimedAmountCall::abi_encode_returns(&d.claimed_amount))
                }
                D::ownerCall::SELECTOR => abi(D::ownerCall::abi_encode_returns(&Address::ZERO)),
                other => panic!("unexpected eth_call {other:?}"),
            }
        }
        other => Err((-32601, format!("method {other} not scripted"))),
    }
}

fn node(d: Distributor) -> ScriptedNode {
    ScriptedNode::new(move |method, params| answer(&d, method, params))
}

/// The error text of `prepare` for `account` on `d`, and the node it ran on.
async fn refusal(d: Distributor, account: Address) -> (String, ScriptedNode) {
    let node = node(d);
    let e = prepare(&chain(&node), &the_bundle(), &located(), account)
        .await
        .err()
        .expect("prepare should refuse");
    (e.to_string(), node)
}

fn nothing_sent(node: &ScriptedNode) {
    assert!(node.calls_of("eth_sendRawTransaction").is_empty());
}

#[tokio::test]
async fn a_distributor_without_code_is_refused() {
    let node = node(Distributor {
        code: "0x",
        ..Distributor::default()
    });
    let e = check_distributor(&chain(&node), &the_bundle(), &located())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("distributor {} (from deployment.json) has no code on this chain; wrong --rpc, or the deployment was never mined", distributor())
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn a_distributor_of_another_root_is_refused() {
    let other = B256::repeat_byte(0x55);
    let node = node(Distributor {
        root: other,
        ..Distributor::default()
    });
    let e = check_distributor(&chain(&node), &the_bundle(), &located())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} is not this bundle's distributor: its merkleRoot() is {other}, the bundle's root is {}; check deployment.json and --rpc",
            distributor(),
            root()
        )
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn a_distributor_of_another_token_is_refused() {
    let node = node(Distributor::default());
    let mut d = located();
    d.token = Address::repeat_byte(0x71);
    let e = check_distributor(&chain(&node), &the_bundle(), &d)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} is not this bundle's distributor: its token() is {}, deployment.json says {}; check deployment.json and --rpc",
            distributor(),
            token(),
            d.token
        )
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn the_bundles_distributor_passes_the_check() {
    let node = node(Distributor::default());
    check_distributor(&chain(&node), &the_bundle(), &located())
        .await
        .unwrap();
    let ready = prepare(&chain(&node), &the_bundle(), &located(), bob()).await;
    assert!(ready.is_ok(), "{:?}", ready.err());
    nothing_sent(&node);
}

#[tokio::test]
async fn a_stranger_is_not_eligible() {
    let stranger = Address::repeat_byte(0x09);
    let (e, node) = refusal(Distributor::default(), stranger).await;
    assert_eq!(
        e,
        format!("{stranger} is not eligible: it has no claim in /b/claims.json")
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn a_claim_taken_in_full_is_refused() {
    let d = Distributor {
        claimed: true,
        ..Distributor::default()
    };
    let (e, node) = refusal(d, alice()).await;
    assert_eq!(
        e,
        format!(
            "{} has already claimed (index 0, 1 TT (1) in full)",
            alice()
        )
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn nothing_more_vested_is_refused_with_what_was_claimed() {
    let d = Distributor {
        claimable: U256::ZERO,
        claimed_amount: U256::from(1u64),
        ..Distributor::default()
    };
    let (e, node) = refusal(d, bob()).await;
    assert_eq!(
        e,
        format!(
            "nothing to claim for {} now: 1 TT (1) of 2 TT (2) already claimed and nothing more has vested; try again later",
            bob()
        )
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn a_window_not_open_yet_is_refused() {
    let d = Distributor {
        start: 2_000,
        ..Distributor::default()
    };
    let (e, node) = refusal(d, bob()).await;
    assert_eq!(
        e,
        "the claim window is not open yet: it opens at 2000 (unix), in 16m 40s (chain time 1000)"
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn a_closed_window_is_refused_from_the_deadline_on() {
    let d = Distributor {
        deadline: 1_000,
        ..Distributor::default()
    };
    let (e, node) = refusal(d, bob()).await;
    assert_eq!(
        e,
        "the claim window is closed: it closed at 1000 (unix), 0s ago (chain time 1000)"
    );
    nothing_sent(&node);
    let d = Distributor {
        deadline: 900,
        ..Distributor::default()
    };
    let (e, _) = refusal(d, bob()).await;
    assert_eq!(
        e,
        "the claim window is closed: it closed at 900 (unix), 1m 40s ago (chain time 1000)"
    );
}

/// A loopback HTTP JSON-RPC node answering with [`answer`], for the jobs that connect to a URL
/// themselves: its URL and the methods it was called with.
async fn http_node(d: Distributor) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(stream, d.clone(), seen.clone()));
        }
    });
    (url, calls)
}

/// Answers the requests of one keep-alive connection.
async fn serve(stream: TcpStream, d: Distributor, calls: Arc<Mutex<Vec<String>>>) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await.unwrap() == 0 {
                return;
            }
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.unwrap();
        let req: Value = serde_json::from_slice(&body).unwrap();
        let one = |r: &Value| {
            let method = r["method"].as_str().unwrap();
            calls.lock().unwrap().push(method.to_owned());
            match answer(&d, method, &r["params"]) {
                Ok(v) => json!({"jsonrpc": "2.0", "id": r["id"], "result": v}),
                Err((code, message)) => json!({"jsonrpc": "2.0", "id": r["id"],
                    "error": {"code": code, "message": message}}),
            }
        };
        let out = match &req {
            Value::Array(rs) => Value::Array(rs.iter().map(one).collect()),
            r => one(r),
        }
        .to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            out.len()
        );
        let s = stream.get_mut();
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(out.as_bytes()).await.unwrap();
    }
}

#[tokio::test]
async fn clawback_before_the_deadline_is_refused() {
    let (url, calls) = http_node(Distributor::default()).await;
    let b = the_bundle();
    let d = located();
    let c = ClaimInput {
        bundle: &b,
        deployment: &d,
        rpc: &url,
        signer: PrivateKeySigner::from_bytes(&B256::repeat_byte(1)).unwrap(),
        key_label: "$KEY".into(),
    };
    let e = clawback(c).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "clawback is only possible from the deadline 5000 (unix) on: 1h 6m 40s left (chain time 1000)"
    );
    let calls = calls.lock().unwrap();
    // The check ran on the chain's time, and nothing was sent.
    assert!(
        calls.iter().any(|m| m == "eth_getBlockByNumber"),
        "{calls:?}"
    );
    assert!(!calls.iter().any(|m| m == "eth_sendRawTransaction"));
}

/// A chain where the token has `code`, the deployer holds `balance` of it, and the time is
/// `now`.
fn token_node(code: &'static str, balance: u64, now: u64) -> ScriptedNode {
    ScriptedNode::new(move |method, params| match method {
        "eth_getCode" => Ok(json!(code)),
        "eth_getBlockByNumber" => head(25, now),
        "eth_call" => {
            let (to, data) = call_of(params);
            assert_eq!(to, token(), "eth_call to {to}");
            assert_eq!(data[..4], IERC20::balanceOfCall::SELECTOR);
            abi(IERC20::balanceOfCall::abi_encode_returns(&U256::from(
                balance,
            )))
        }
        other => Err((-32601, format!("method {other} not scripted"))),
    })
}

/// The deployer of the preflight tests.
fn deployer() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(1)).unwrap()
}

/// What `preflight` says about deploying `b` on `node` (`Ok` as `"ok"`).
async fn preflight_of(b: &Bundle, node: &ScriptedNode) -> String {
    let state = StateDir::at("/st");
    let job = DeployInput {
        bundle: b,
        rpc: "http://127.0.0.1:1",
        signer: deployer(),
        token: None,
        dry_run: false,
        no_deadline: false,
        pay_again: false,
        state: &state,
        full: false,
    };
    let from = deployer().address();
    match preflight(&job, &chain(node), 31337, token(), from).await {
        Ok(()) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

/// The bundle with a claim window closing at `deadline`.
fn windowed(deadline: u64) -> Bundle {
    let mut b = the_bundle();
    b.has_window = true;
    b.deadline = deadline;
    b
}

#[tokio::test]
async fn deploying_a_bundle_without_a_window_is_refused_before_asking_the_chain() {
    let node = token_node("0x6080", 3, 1_000);
    assert_eq!(
        preflight_of(&the_bundle(), &node).await,
        "the bundle has no [claim] window: its distributor would never close and its tokens could never be clawed back; add a [claim] section (start, deadline, clawback_to) and rebuild, or pass --no-deadline to deploy it that way on purpose"
    );
    assert!(node.calls().is_empty());
}

#[tokio::test]
async fn deploying_for_a_token_without_code_is_refused() {
    let node = token_node("0x", 3, 1_000);
    assert_eq!(
        preflight_of(&windowed(5_000), &node).await,
        format!("token {} has no code on chain 31337: it is not a contract there; check the token address (--token overrides the manifest's) and --rpc", token())
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn an_underfunded_deployer_is_refused() {
    let node = token_node("0x6080", 1, 1_000);
    assert_eq!(
        preflight_of(&windowed(5_000), &node).await,
        format!(
            "sender {} is underfunded: it holds 1 TT (1) of token {} but the bundle needs 3 TT (3); send it the difference 2 TT (2) first",
            deployer().address(),
            token()
        )
    );
    nothing_sent(&node);
}

#[tokio::test]
async fn deploying_from_the_deadline_on_is_refused() {
    let node = token_node("0x6080", 3, 1_000);
    assert_eq!(
        preflight_of(&windowed(1_000), &node).await,
        "the claim window is over: deadline 1000 (unix) is 0s before the chain's time 1000; rebuild the bundle with a later [claim] deadline"
    );
    nothing_sent(&node);
    assert_eq!(preflight_of(&windowed(1_001), &node).await, "ok");
}
