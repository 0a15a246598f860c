//! The proof of a token snapshot against the chain: `totalSupply()`, ERC-165 for collections,
//! and batched `balanceOf` of every address (or a sample) compared with the computed values.

use super::params::{Params, Verify};
use super::result::Verification;
use super::Pin;
use crate::distribution::erc20::IERC20;
use crate::error::{ChainError, Mismatch, Result};
use crate::progress::Progress;
use crate::rpc::ChainClient;
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::collections::BTreeSet;

alloy::sol! {
    function supportsInterface(bytes4 interfaceId) external view returns (bool);
}

/// ERC-165 interface id of ERC-721.
const ERC721_INTERFACE: [u8; 4] = [0x80, 0xac, 0x58, 0xcd];

/// `totalSupply()` at the block; a revert or a non-uint256 answer means "not an ERC-20".
pub(super) async fn total_supply<C: ChainClient>(
    rpc: &C,
    token: Address,
    block: u64,
) -> Result<U256> {
    let not_erc20 = |detail: String| {
        ChainError::NotAToken {
        address: token,
        block,
        expected: "an ERC-20 token",
        detail,
        hint: "every ERC-20 answers totalSupply(): check --token, or use --kind erc721-holders for an NFT collection",
    }
    };
    let input = vec![Bytes::from(IERC20::totalSupplyCall {}.abi_encode())];
    let out = match rpc.calls(token, input, block).await {
        Ok(out) => out,
        Err(ChainError::Node { message, .. }) => {
            return Err(not_erc20(format!("totalSupply() reverted ({message})")))
        }
        Err(e) => return Err(e),
    };
    let answer = out.first().cloned().unwrap_or_default();
    word(&answer).ok_or_else(|| {
        not_erc20(format!(
            "totalSupply() returned {} bytes, not a uint256",
            answer.len()
        ))
    })
}

pub(super) fn check_supply(token: Address, block: u64, sum: U256, supply: U256) -> Result<()> {
    if supply == sum {
        return Ok(());
    }
    Err(ChainError::ProofMismatch(Box::new(Mismatch {
        token,
        block,
        address: token,
        computed: sum,
        onchain: supply,
        hint: "(that is the total supply) the token's supply changes without Transfer events: it is likely rebasing or mints/burns silently, or --from-block is after its first mint; balances cannot be rebuilt from logs — import balances instead".into(),
    })))
}

/// ERC-165 `supportsInterface(ERC-721)`; a revert or odd answer is "no".
pub(super) async fn supports_erc721<C: ChainClient>(
    rpc: &C,
    token: Address,
    block: u64,
) -> Result<bool> {
    let input = supportsInterfaceCall {
        interfaceId: ERC721_INTERFACE.into(),
    }
    .abi_encode();
    match rpc.calls(token, vec![Bytes::from(input)], block).await {
        Ok(out) => Ok(out.first().and_then(word) == Some(U256::from(1u8))),
        Err(ChainError::Node { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The rule in force: `verify_sample = 0` still means "off" for callers that only set it.
pub(super) fn rule(params: &Params) -> Verify {
    if params.verify_sample == 0 {
        Verify::Off
    } else {
        params.verify
    }
}

/// A share in millionths as a percentage: 1000 → `0.1%`.
pub(super) fn percent(ppm: u32) -> String {
    let whole = ppm / 10_000;
    let frac = format!("{:04}", ppm % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}%")
    } else {
        format!("{whole}.{frac}%")
    }
}

/// The rows to prove under `rule`, as indices into `rows`, and the rule as the sidecar says it.
pub(super) fn pick(params: &Params, rows: &[(Address, U256)], seed: B256) -> (Vec<usize>, String) {
    match rule(params) {
        Verify::Off => (Vec::new(), "off".into()),
        Verify::All => ((0..rows.len()).collect(), "all".into()),
        Verify::Sample { above_ppm } => {
            let total = rows.iter().fold(U256::ZERO, |a, r| a.saturating_add(r.1));
            let bar = total.saturating_mul(U256::from(above_ppm));
            let million = U256::from(1_000_000u32);
            let (mut chosen, rest): (BTreeSet<usize>, Vec<usize>) = {
                let (big, rest): (Vec<usize>, Vec<usize>) = (0..rows.len()).partition(|i| {
                    !rows[*i].1.is_zero() && rows[*i].1.saturating_mul(million) >= bar
                });
                (big.into_iter().collect(), rest)
            };
            let mut rng = fastrand::Rng::with_seed(u64::from_be_bytes(
                seed.0[..8].try_into().unwrap_or([0; 8]),
            ));
            let want = params.verify_sample.min(rest.len());
            let mut extra = BTreeSet::new();
            while extra.len() < want {
                extra.insert(rest[rng.usize(..rest.len())]);
            }
            chosen.extend(extra);
            let text = format!(
                "above {} of the supply + random {}",
                percent(above_ppm),
                params.verify_sample
            );
            (chosen.into_iter().collect(), text)
        }
    }
}

/// Proves computed values (balances, or token counts when `nft`) against `balanceOf` at the
/// block, in JSON-RPC batches. The first difference, in address order, is an error naming the
/// likely cause.
pub(super) async fn verify_rows<C: ChainClient>(
    rpc: &C,
    params: &Params,
    token: Address,
    pin: &Pin,
    rows: &[(Address, U256)],
    nft: bool,
    progress: &dyn Progress,
) -> Result<Verification> {
    let (chosen, rule) = pick(params, rows, pin.hash);
    progress.phase("proof", chosen.len() as u64);
    let step = (rpc.config().batch_size * rpc.config().concurrency).max(1);
    for (n, part) in chosen.chunks(step).enumerate() {
        let inputs = part
            .iter()
            .map(|i| {
                Bytes::from(
                    IERC20::balanceOfCall {
                        account: rows[*i].0,
                    }
                    .abi_encode(),
                )
            })
            .collect();
        let outputs = rpc.calls(token, inputs, pin.block).await?;
        for (i, out) in part.iter().zip(&outputs) {
            check_row(token, pin.block, rows[*i], out, nft)?;
        }
        progress.set((n * step + part.len()) as u64);
    }
    progress.finish();
    tracing::info!(checked = chosen.len(), %rule, "balances proven against balanceOf");
    Ok(Verification {
        rule,
        checked: chosen.len(),
        addresses: rows.len(),
        total_supply: false,
    })
}

pub(super) fn check_row(
    token: Address,
    block: u64,
    (address, computed): (Address, U256),
    out: &Bytes,
    nft: bool,
) -> Result<()> {
    let onchain = word(out).ok_or_else(|| ChainError::BadResponse {
        method: "eth_call".into(),
        detail: format!(
            "balanceOf({address}) on {token} returned {} bytes (not a uint256); is it a token?",
            out.len()
        ),
    })?;
    if onchain == computed {
        return Ok(());
    }
    let hint = if nft {
        "the collection changes ownership without standard Transfer events; import holdings instead"
            .to_owned()
    } else if onchain > computed {
        "the token is likely rebasing (balances grow without Transfer events, like stETH or AMPL); balances cannot be rebuilt from logs — import balances or use balanceOf at the block".to_owned()
    } else {
        "the token likely takes a fee on transfer or rebases down (balances shrink without matching Transfer events); balances cannot be rebuilt from logs — import balances or use balanceOf at the block".to_owned()
    };
    Err(ChainError::ProofMismatch(Box::new(Mismatch {
        token,
        block,
        address,
        computed,
        onchain,
        hint,
    })))
}

pub(super) fn word(b: &Bytes) -> Option<U256> {
    (b.len() == 32).then(|| U256::from_be_slice(b))
}
