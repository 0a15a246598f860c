//! The kit's `index.html`: the template with the bundle's facts filled in (HTML-escaped) and the
//! page script inlined, so the one file needs nothing but the shard files beside it.

use super::AddressShard;
use crate::distribution::Bundle;
use crate::{EngineError, Result};
use airdrop_core::units::format_units;
use alloy_primitives::Address;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Which shard prefixes exist, one bit per prefix (most significant first), in hex: the page
/// tells "no claim" from "a shard file failed to load" without a listing of the folder.
fn shard_bits(digits: usize, shards: &[AddressShard]) -> String {
    let mut bits = vec![0u8; (1usize << (4 * digits)).div_ceil(4)];
    for s in shards {
        if let Ok(p) = usize::from_str_radix(&s.prefix, 16) {
            bits[p / 4] |= 8 >> (p % 4);
        }
    }
    bits.iter().map(|b| format!("{b:x}")).collect()
}

/// The page of `bundle`'s kit.
pub(super) fn render(
    bundle: &Bundle,
    distributor: Option<Address>,
    signed: bool,
    digits: usize,
    shards: &[AddressShard],
    script: &str,
) -> Result<String> {
    let m = &bundle.manifest;
    let data = serde_json::json!({
        "name": m.name,
        "chainId": bundle.chain_id,
        "token": bundle.token.to_checksum(None),
        "symbol": bundle.symbol,
        "decimals": bundle.decimals,
        "root": bundle.root,
        "count": bundle.count,
        "distributor": distributor.map(|d| d.to_checksum(None)),
        "shardDigits": digits,
        "shardBits": shard_bits(digits, shards),
    });
    let data = serde_json::to_string(&data)
        .map_err(|e| EngineError::input(format!("cannot serialise the kit's facts: {e}")))?
        // Inside <script>, `</script>` in a campaign name would end the element.
        .replace('<', "\\u003c");
    let window = match &m.claim {
        Some(c) => format!("{} to {}", c.start, c.deadline),
        None => "none: claims never close".to_owned(),
    };
    let vesting = match &m.vesting {
        Some(v) => format!(
            "{} unlocked when claims open ({}); the rest unlocks linearly from the cliff ({} days) to the end ({} days); the contract pays what has vested when you claim",
            v.unlocked,
            m.claim.as_ref().map_or("the claim start", |c| c.start.as_str()),
            v.cliff_seconds / 86_400,
            v.duration_seconds / 86_400
        ),
        None => "none: the whole amount is paid at the claim".to_owned(),
    };
    let signed_text = if signed {
        "signed: announcement.json is in this folder (check its signature with `airdrop verify`)"
    } else {
        "unsigned: this kit carries no signed announcement.json, so only the source you got it from vouches for it"
    };
    let distributor_text = match distributor {
        Some(d) => d.to_checksum(None),
        None => "not deployed when this kit was made: the call data below is still valid for the distributor the project announces".to_owned(),
    };
    let token = format!(
        "{} {} (total {} {})",
        bundle.symbol,
        bundle.token.to_checksum(None),
        format_units(bundle.total, bundle.decimals),
        bundle.symbol
    );
    // The script must not contain `</script`; esbuild escapes it in strings, check anyway.
    if script.contains("</script") {
        return Err(EngineError::input(
            "the kit's page script contains </script; rebuild it with scripts/build-kit-js",
        ));
    }
    Ok(fill(
        super::PAGE,
        &[
            ("__TITLE__", &escape(&m.name)),
            ("__CHAIN__", &bundle.chain_id.to_string()),
            ("__TOKEN__", &escape(&token)),
            ("__DISTRIBUTOR__", &escape(&distributor_text)),
            ("__ROOT__", &bundle.root.to_string()),
            ("__COUNT__", &bundle.count.to_string()),
            ("__WINDOW__", &escape(&window)),
            ("__VESTING__", &escape(&vesting)),
            ("__SIGNED__", signed_text),
            ("__DIGITS__", &digits.to_string()),
            ("__KIT_DATA__", &data),
            ("__KIT_JS__", script),
        ],
    ))
}

/// Fills the template's markers in one pass, so a value (a campaign name, the script) that
/// happens to contain a marker is never filled in again.
pub(super) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    'scan: while let Some(at) = rest.find("__") {
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        for (key, value) in values {
            if let Some(after) = here.strip_prefix(key) {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        out.push_str("__");
        rest = &here[2..];
    }
    out.push_str(rest);
    out
}
