//! Reading a token that may be hostile: `name()`/`symbol()` that revert or return garbage,
//! `decimals()` out of range, and the simulated `transfer` that tells a honeypot.

use crate::error::{ChainError, Result};
use crate::rpc::{quantity, Rpc};
use airdrop_core::scan::{Meta, Probe};
use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, Bytes, U256};

alloy::sol! {
    /// The ERC-20 metadata extension, read to describe tokens.
    #[allow(missing_docs)]
    interface IERC20Metadata {
        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
    }
}

/// Where a simulated transfer sends its one base unit: an address nobody uses (the first 20
/// bytes of keccak256("airdrop scan probe")), so no recipient-specific rule of the token fires.
pub(crate) fn probe_recipient() -> Address {
    Address::from_slice(&alloy_primitives::keccak256(b"airdrop scan probe")[..20])
}

/// `eth_call` of `data` on `to` at `block`, optionally from `from`. `Ok(Err(message))` when
/// the node says the call reverted (a node error), so callers tell a revert from a dead node.
pub(crate) async fn eth_call(
    rpc: &Rpc,
    from: Option<Address>,
    to: Address,
    data: Vec<u8>,
    block: u64,
) -> Result<std::result::Result<Bytes, String>> {
    let mut tx = serde_json::json!({ "to": to, "data": Bytes::from(data) });
    if let Some(from) = from {
        tx["from"] = serde_json::json!(from);
    }
    match rpc
        .call::<_, Bytes>("eth_call", (tx, quantity(block)))
        .await
    {
        Ok(b) => Ok(Ok(b)),
        Err(ChainError::Node { message, .. }) => Ok(Err(clean(&message))),
        Err(e) => Err(e),
    }
}

/// A revert message as reports may quote it: the contract chose it, so control and
/// direction-changing characters are dropped and the length bounded.
fn clean(message: &str) -> String {
    message
        .chars()
        .filter(|c| {
            !c.is_control()
                && !('\u{202A}'..='\u{202E}').contains(c)
                && !('\u{2066}'..='\u{2069}').contains(c)
        })
        .take(160)
        .collect()
}

/// A string getter's answer: an ABI string, or the older `bytes32` form; anything else is
/// unreadable, with why.
pub(crate) fn decode_text(answer: std::result::Result<Bytes, String>) -> Meta {
    let data = match answer {
        Ok(d) => d,
        Err(msg) => return Meta::Unreadable(format!("the call reverted: {msg}")),
    };
    if data.is_empty() {
        return Meta::Unreadable("it returned nothing (no such function)".into());
    }
    if data.len() >= 64 {
        if let Ok(s) = String::abi_decode(&data) {
            return Meta::Text(s);
        }
    }
    if data.len() == 32 {
        let end = data.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        if let Ok(s) = std::str::from_utf8(&data[..end]) {
            return Meta::Text(s.to_owned());
        }
    }
    Meta::Unreadable(format!(
        "it returned {} bytes that are not a string",
        data.len()
    ))
}

/// Name, symbol and decimals of `token` at `block`.
pub(crate) async fn describe(
    rpc: &Rpc,
    token: Address,
    block: u64,
) -> Result<(Meta, Meta, Option<u8>)> {
    let name = eth_call(
        rpc,
        None,
        token,
        IERC20Metadata::nameCall {}.abi_encode(),
        block,
    )
    .await?;
    let symbol = eth_call(
        rpc,
        None,
        token,
        IERC20Metadata::symbolCall {}.abi_encode(),
        block,
    )
    .await?;
    let decimals = eth_call(
        rpc,
        None,
        token,
        IERC20Metadata::decimalsCall {}.abi_encode(),
        block,
    )
    .await?;
    let decimals = decimals
        .ok()
        .filter(|d| d.len() == 32)
        .map(|d| U256::from_be_slice(&d))
        .and_then(|d| u8::try_from(d).ok());
    Ok((decode_text(name), decode_text(symbol), decimals))
}

/// A 32-byte word as a number, if the answer is one.
pub(crate) fn word(answer: &std::result::Result<Bytes, String>) -> Option<U256> {
    match answer {
        Ok(d) if d.len() == 32 => Some(U256::from_be_slice(d)),
        _ => None,
    }
}

/// Simulates `wallet` transferring one base unit of `token` to [`probe_recipient`]. Never a
/// transaction: `eth_call` only.
pub(crate) async fn probe(rpc: &Rpc, token: Address, wallet: Address, block: u64) -> Result<Probe> {
    let data = crate::IERC20::transferCall {
        to: probe_recipient(),
        amount: U256::from(1),
    }
    .abi_encode();
    Ok(
        match eth_call(rpc, Some(wallet), token, data, block).await? {
            Err(msg) => Probe::Refused(format!("reverted: {msg}")),
            // Tokens of the USDT kind return nothing; that is a success.
            Ok(d) if d.is_empty() => Probe::Transferable,
            Ok(d) if d.len() == 32 && U256::from_be_slice(&d) == U256::from(1) => {
                Probe::Transferable
            }
            Ok(d) if d.len() == 32 && d.iter().all(|b| *b == 0) => {
                Probe::Refused("transfer returned false".into())
            }
            Ok(d) => Probe::Refused(format!("transfer returned {} unexpected bytes", d.len())),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_messages_are_cleaned() {
        assert_eq!(
            clean("execution reverted: a\u{1b}[2Jb\u{202E}c\n"),
            "execution reverted: a[2Jbc"
        );
        assert_eq!(clean(&"x".repeat(500)).len(), 160);
    }

    #[test]
    fn strings_bytes32_and_garbage() {
        let abi = Bytes::from("USD Coin".to_string().abi_encode());
        assert_eq!(decode_text(Ok(abi)), Meta::Text("USD Coin".into()));
        let mut b32 = [0u8; 32];
        b32[..3].copy_from_slice(b"MKR");
        assert_eq!(
            decode_text(Ok(Bytes::from(b32.to_vec()))),
            Meta::Text("MKR".into())
        );
        assert!(matches!(
            decode_text(Ok(Bytes::from(vec![0xff; 32]))),
            Meta::Unreadable(_)
        ));
        assert!(matches!(
            decode_text(Ok(Bytes::from(vec![1; 7]))),
            Meta::Unreadable(_)
        ));
        assert!(matches!(decode_text(Ok(Bytes::new())), Meta::Unreadable(_)));
        assert!(
            matches!(decode_text(Err("execution reverted".into())), Meta::Unreadable(m) if m.contains("reverted"))
        );
    }
}
