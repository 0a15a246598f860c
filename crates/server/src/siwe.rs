//! Sign-In with Ethereum (EIP-4361): parsing the message a wallet signed, checking it against
//! this server (domain, URI, chain id, validity window, single-use nonce) and checking the
//! signature — ECDSA over the EIP-191 personal-message hash, or, for a contract wallet, its
//! EIP-1271 `isValidSignature` over JSON-RPC when the server has a node configured.

use crate::error::ServerError;
use airdrop_merkle::Address;
use alloy_primitives::{eip191_hash_message, Signature, B256};
use alloy_sol_types::SolCall;
use axum::http::StatusCode;

/// The fields of an EIP-4361 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiweMessage {
    /// The domain asking for the sign-in (`host[:port]`).
    pub domain: String,
    /// The signing account.
    pub address: Address,
    /// The human-readable statement, if any.
    pub statement: Option<String>,
    /// The URI the sign-in is for.
    pub uri: String,
    /// Always `1`.
    pub version: String,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The server-issued nonce.
    pub nonce: String,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds after which the message is void.
    pub expiration_time: Option<i64>,
    /// Unix seconds before which the message is void.
    pub not_before: Option<i64>,
    /// Optional request id.
    pub request_id: Option<String>,
    /// Resources (URIs).
    pub resources: Vec<String>,
}

const HEADER: &str = " wants you to sign in with your Ethereum account:";

fn bad(detail: impl Into<String>) -> ServerError {
    ServerError::bad_request("invalid_siwe_message", detail)
}

fn unauthorized(code: &'static str, detail: impl Into<String>) -> ServerError {
    ServerError::Api {
        status: StatusCode::UNAUTHORIZED,
        code,
        detail: detail.into(),
    }
}

fn time(field: &str, value: &str) -> Result<i64, ServerError> {
    parse_rfc3339(value).ok_or_else(|| {
        bad(format!(
            "{field} {value:?} is not an RFC 3339 time; write it like 2026-11-28T12:00:00Z"
        ))
    })
}

/// RFC 3339 with any offset and optional fractional seconds → unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    airdrop_core::units::rfc3339_seconds(s)
}

/// The first two lines: the domain asking for the sign-in, and the account signing.
fn header<'a>(lines: &[&'a str]) -> Result<(&'a str, Address), ServerError> {
    let first = lines.first().copied().unwrap_or_default();
    let domain = first.strip_suffix(HEADER).ok_or_else(|| {
        bad(format!(
            "the first line must be \"<domain>{HEADER}\" (EIP-4361); got {:?}",
            first.chars().take(80).collect::<String>()
        ))
    })?;
    // An optional scheme before the domain (EIP-4361 allows "https://example.org").
    let domain = domain.split_once("://").map(|(_, d)| d).unwrap_or(domain);
    if domain.is_empty() || domain.contains(char::is_whitespace) {
        return Err(bad(format!("domain {domain:?} is not a host")));
    }
    let addr_line = lines.get(1).copied().unwrap_or_default();
    let address = airdrop_merkle::address::parse_address(addr_line).map_err(|e| {
        ServerError::bad_request(
            match e {
                airdrop_merkle::address::AddressError::Secret { .. } => "secret_refused",
                _ => "invalid_siwe_message",
            },
            format!("second line: {e}"),
        )
    })?;
    Ok((domain, address))
}

/// A message's `Field: value` pairs, in their order.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The `Field: value` lines from `URI:` on, and the `Resources:` list; unknown and repeated
/// fields are refused.
fn fields<'a>(lines: &[&'a str]) -> Result<(Fields<'a>, Vec<String>), ServerError> {
    let mut fields: Fields<'a> = Vec::new();
    let mut resources = Vec::new();
    let mut in_resources = false;
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if in_resources {
            let r = line
                .strip_prefix("- ")
                .ok_or_else(|| bad(format!("resource line {line:?} must start with \"- \"")))?;
            resources.push(r.to_owned());
            continue;
        }
        if *line == "Resources:" {
            in_resources = true;
            continue;
        }
        let (k, v) = line
            .split_once(": ")
            .ok_or_else(|| bad(format!("line {line:?} is not \"Field: value\"")))?;
        if fields.iter().any(|(f, _)| *f == k) {
            return Err(bad(format!("field {k:?} appears twice")));
        }
        fields.push((k, v));
    }
    for (k, _) in &fields {
        if !matches!(
            *k,
            "URI"
                | "Version"
                | "Chain ID"
                | "Nonce"
                | "Issued At"
                | "Expiration Time"
                | "Not Before"
                | "Request ID"
        ) {
            return Err(bad(format!("unknown field {k:?}")));
        }
    }
    Ok((fields, resources))
}

impl SiweMessage {
    /// Parses the message text (lines separated by `\n`).
    pub fn parse(text: &str) -> Result<SiweMessage, ServerError> {
        if text.len() > 8 * 1024 {
            return Err(bad(
                "the message is longer than 8 KiB; a sign-in message is a few lines",
            ));
        }
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let (domain, address) = header(&lines)?;
        let mut i = 2;
        let mut statement = None;
        while i < lines.len() && !lines[i].starts_with("URI: ") {
            if !lines[i].is_empty() {
                if statement.is_some() {
                    return Err(bad(format!(
                        "unexpected line {:?} before \"URI: \"",
                        lines[i]
                    )));
                }
                statement = Some(lines[i].to_owned());
            }
            i += 1;
        }
        let (fields, resources) = fields(&lines[i..])?;
        let get = |k: &str| fields.iter().find(|(f, _)| *f == k).map(|(_, v)| *v);
        let need =
            |k: &str| get(k).ok_or_else(|| bad(format!("the message has no \"{k}: \" line")));
        let version = need("Version")?;
        if version != "1" {
            return Err(bad(format!("Version {version:?} is not 1")));
        }
        let chain_id = need("Chain ID")?
            .parse::<u64>()
            .map_err(|_| bad("Chain ID is not a number"))?;
        let nonce = need("Nonce")?;
        if nonce.len() < 8 || !nonce.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(format!(
                "Nonce {nonce:?} must be at least 8 letters or digits; get one from GET /v1/auth/nonce"
            )));
        }
        Ok(SiweMessage {
            domain: domain.to_owned(),
            address,
            statement,
            uri: need("URI")?.to_owned(),
            version: version.to_owned(),
            chain_id,
            nonce: nonce.to_owned(),
            issued_at: time("Issued At", need("Issued At")?)?,
            expiration_time: get("Expiration Time")
                .map(|v| time("Expiration Time", v))
                .transpose()?,
            not_before: get("Not Before")
                .map(|v| time("Not Before", v))
                .transpose()?,
            request_id: get("Request ID").map(str::to_owned),
            resources,
        })
    }

    /// Checks the message against this server and the clock (not the nonce, not the signature).
    pub fn check(&self, expect: &Expect, now: i64) -> Result<(), ServerError> {
        if !expect
            .domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&self.domain))
        {
            return Err(bad(format!(
                "the message is for domain {:?} but this server is {}; sign a message for this site",
                self.domain,
                expect.domains.join(" or ")
            )));
        }
        if !expect.uris.iter().any(|u| uri_under(&self.uri, u)) {
            return Err(bad(format!(
                "URI {:?} is not under {}",
                self.uri,
                expect.uris.join(" or ")
            )));
        }
        if self.chain_id != expect.chain_id {
            return Err(ServerError::bad_request(
                "wrong_chain",
                format!(
                    "the message is for chain {} but this campaign is on chain {}; switch the wallet's network and sign again",
                    self.chain_id, expect.chain_id
                ),
            ));
        }
        if let Some(exp) = self.expiration_time {
            if now >= exp {
                return Err(unauthorized(
                    "expired",
                    "the sign-in message has expired; sign a new one",
                ));
            }
        }
        if let Some(nb) = self.not_before {
            if now < nb {
                return Err(unauthorized(
                    "not_yet_valid",
                    "the sign-in message is not valid yet (Not Before is in the future)",
                ));
            }
        }
        if self.issued_at > now + 300 {
            return Err(unauthorized(
                "not_yet_valid",
                "Issued At is in the future; check the device's clock",
            ));
        }
        if now - self.issued_at > expect.max_age_secs {
            return Err(unauthorized(
                "expired",
                format!(
                    "the sign-in message was issued more than {} s ago; sign a new one",
                    expect.max_age_secs
                ),
            ));
        }
        Ok(())
    }
}

/// `scheme://authority/path` of a URL, without query or fragment; `None` if it is not one.
fn url_parts(url: &str) -> Option<(String, String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let path = tail.split(['?', '#']).next().unwrap_or("");
    if scheme.is_empty() || authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase(),
        path,
    ))
}

/// Whether `uri` is `base` or under it: the same scheme and host:port exactly, and a path that
/// continues `base`'s at a segment boundary (a string prefix would let
/// `http://host:port.evil.example/` pass for `http://host:port`).
pub fn uri_under(uri: &str, base: &str) -> bool {
    let (Some((s, a, p)), Some((bs, ba, bp))) = (url_parts(uri), url_parts(base)) else {
        return false;
    };
    let bp = bp.trim_end_matches('/');
    s == bs && a == ba && (bp.is_empty() || p == bp || p.starts_with(&format!("{bp}/")))
}

/// What a message must name to be accepted here.
#[derive(Debug, Clone)]
pub struct Expect {
    /// Accepted domains (`host[:port]`).
    pub domains: Vec<String>,
    /// Accepted URI prefixes.
    pub uris: Vec<String>,
    /// The campaign's chain.
    pub chain_id: u64,
    /// Oldest accepted `Issued At`, seconds before now.
    pub max_age_secs: i64,
}

alloy_sol_types::sol! {
    /// EIP-1271: contract wallets answer whether a signature over a hash is theirs.
    interface IErc1271 {
        function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4);
    }
}

/// What `isValidSignature` returns for a valid signature (its own selector).
const EIP1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// Verifies that `address` signed `message` (EIP-191 personal message): ECDSA first; when that
/// fails and a node is configured, the account's EIP-1271 `isValidSignature`.
pub async fn verify_signature(
    message: &str,
    address: Address,
    signature: &str,
    rpc: Option<&airdrop_chain::rpc::Rpc>,
) -> Result<(), ServerError> {
    let sig_bytes = alloy_primitives::hex::decode(signature.trim()).map_err(|_| {
        ServerError::bad_request(
            "invalid_signature",
            "signature is not hex; send the 0x… string the wallet returned",
        )
    })?;
    let hash: B256 = eip191_hash_message(message.as_bytes());
    if sig_bytes.len() == 65 {
        if let Ok(sig) = Signature::try_from(sig_bytes.as_slice()) {
            if sig.recover_address_from_prehash(&hash).ok() == Some(address) {
                return Ok(());
            }
        }
    }
    if let Some(rpc) = rpc {
        let data = IErc1271::isValidSignatureCall {
            hash,
            signature: sig_bytes.clone().into(),
        }
        .abi_encode();
        let out: Result<alloy_primitives::Bytes, _> = rpc
            .call(
                "eth_call",
                (
                    serde_json::json!({ "to": address, "data": alloy_primitives::Bytes::from(data) }),
                    "latest",
                ),
            )
            .await;
        match out {
            Ok(b) if b.len() >= 4 && b[..4] == EIP1271_MAGIC => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "eip-1271 check failed at the node");
                return Err(ServerError::Api {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "node_unavailable",
                    detail: "cannot check a contract-wallet signature: the chain node did not answer; retry shortly".into(),
                });
            }
        }
    }
    Err(unauthorized(
        "bad_signature",
        format!(
            "the signature is not {}'s over this message{}",
            address.to_checksum(None),
            if rpc.is_none() {
                " (contract-wallet signatures need the server to have a node: --rpc-url)"
            } else {
                ""
            }
        ),
    ))
}

/// The resource every sign-in message for `campaign` lists (sign-ups and submissions).
pub fn campaign_resource(campaign: &str) -> String {
    format!("urn:airdrop:campaign:{campaign}")
}

/// The resources a submission's message must list (besides [`campaign_resource`]).
pub fn submission_resources(campaign: &str, task: &str, evidence: &str) -> [String; 2] {
    use sha2::{Digest, Sha256};
    [
        format!("urn:airdrop:task:{campaign}:{task}"),
        format!(
            "urn:airdrop:evidence:sha256:{}",
            alloy_primitives::hex::encode(Sha256::digest(evidence.as_bytes()))
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_check_compares_hosts_not_prefixes() {
        let base = "http://drop.test:3000";
        for ok in [
            "http://drop.test:3000",
            "http://drop.test:3000/",
            "http://DROP.test:3000/claim?x=1",
        ] {
            assert!(uri_under(ok, base), "{ok}");
        }
        for bad in [
            "http://drop.test:3000.evil.example/",
            "http://drop.test:30001/",
            "https://drop.test:3000/",
            "http://drop.test:3000@evil.example/",
            "drop.test:3000/",
        ] {
            assert!(!uri_under(bad, base), "{bad}");
        }
        assert!(uri_under("https://x.org/app/claim", "https://x.org/app"));
        assert!(!uri_under("https://x.org/application", "https://x.org/app"));
    }

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-28T12:00:00Z"), Some(1_795_867_200));
        assert_eq!(
            parse_rfc3339("2026-11-28T13:00:00+01:00"),
            Some(1_795_867_200)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T12:00:00.123Z"),
            Some(1_795_867_200)
        );
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-28 12:00:00Z",
            "2026-11-28T12:00:00",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
