//! The distributor's refusals, as a recipient can read them: custom errors by name with a hint.

/// The distributor's custom errors by selector, from the committed ABI.
fn contract_errors() -> &'static [([u8; 4], String)] {
    static TABLE: std::sync::OnceLock<Vec<([u8; 4], String)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let abi: serde_json::Value =
            serde_json::from_str(airdrop_chain::distribution::DISTRIBUTOR_ARTIFACT)
                .unwrap_or_default();
        let mut out = Vec::new();
        for e in abi["abi"].as_array().into_iter().flatten() {
            if e["type"] != "error" {
                continue;
            }
            let Some(name) = e["name"].as_str() else {
                continue;
            };
            let types: Vec<&str> = e["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["type"].as_str())
                .collect();
            let hash = alloy_primitives::keccak256(format!("{name}({})", types.join(",")));
            let mut selector = [0u8; 4];
            selector.copy_from_slice(&hash[..4]);
            out.push((selector, name.to_owned()));
        }
        // The token's own refusal when the distributor runs dry.
        let hash = alloy_primitives::keccak256("ERC20InsufficientBalance(address,uint256,uint256)");
        out.push((
            [hash[0], hash[1], hash[2], hash[3]],
            "ERC20InsufficientBalance".into(),
        ));
        out
    })
}

/// What a recipient can do about each refusal.
fn hint(name: &str) -> &'static str {
    match name {
        "AlreadyClaimed" => "this claim was paid already",
        "InvalidSignature" => "the signature is not the account's over this claim, nonce and deadline; sign again with the nonce from GET /v1/campaigns/{id}/deployment?account=…",
        "InvalidAccountNonce" => "the signed nonce is not the account's current nonce; read it from GET /v1/campaigns/{id}/deployment?account=… and sign again",
        "SignatureExpired" => "the signature's deadline has passed; sign again with a later deadline",
        "ClaimNotStarted" => "the claim window has not opened yet",
        "ClaimWindowClosed" => "the claim window has closed",
        "NothingToClaim" => "nothing is claimable now (vesting)",
        "InvalidProof" => "the proof does not match the distributor's root",
        "ERC20InsufficientBalance" => "the distributor holds too few tokens; tell the campaign's creator",
        _ => "see the distributor contract",
    }
}

/// A node's revert message as the contract's error name and a hint: no raw selectors, and
/// nothing of the node's text but printable characters.
pub fn revert_reason(message: &str) -> String {
    let mut rest = message;
    while let Some(pos) = rest.find("0x") {
        let hex: String = rest[pos + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        if hex.len() >= 8 {
            if let Ok(bytes) = alloy_primitives::hex::decode(&hex[..8]) {
                if let Some((_, name)) = contract_errors().iter().find(|(s, _)| s[..] == bytes[..])
                {
                    return format!("{name} ({})", hint(name));
                }
            }
        }
        rest = &rest[pos + 2 + hex.len()..];
    }
    let clean: String = message
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if clean.contains("custom error") {
        "an error this server does not know (not the distributor's)".into()
    } else {
        clean
    }
}
