//! Addresses are validated and normalised once, here, at the edge — and this is where anything
//! that looks like a secret (a private key, a recovery phrase) is refused before it can travel on.

use alloy_primitives::Address;
use thiserror::Error;

/// Why a string is not an acceptable address.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not `0x` followed by 40 hex digits.
    #[error("invalid address {value:?}: expected 0x followed by 40 hex digits")]
    Malformed {
        /// The offending text (short inputs only; long ones are cut).
        value: String,
    },
    /// Mixed case that fails the EIP-55 checksum: most likely a typo.
    #[error("address {value} has a wrong EIP-55 checksum (did you mean {expected}?); check for a typo, or write it all lowercase to skip the check")]
    Checksum {
        /// What was given.
        value: String,
        /// The correctly checksummed form of the same 20 bytes.
        expected: String,
    },
    /// Something that looks like a private key or a recovery phrase.
    #[error("refused: this looks like a {kind} ({redacted}), not an address. No airdrop ever needs one; it was not stored or logged. If you shared it anywhere, move your funds to a new wallet")]
    Secret {
        /// "private key" or "recovery phrase".
        kind: SecretKind,
        /// A redacted hint of what was given, never the whole secret.
        redacted: String,
    },
}

/// Kinds of secret we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// 32 bytes of hex.
    PrivateKey,
    /// A BIP-39 mnemonic.
    RecoveryPhrase,
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretKind::PrivateKey => "private key",
            SecretKind::RecoveryPhrase => "recovery phrase",
        })
    }
}

/// Returns the kind of secret `text` looks like, if any: 64 hex digits (with or without `0x`),
/// or 12–24 words that form a valid BIP-39 English mnemonic.
pub fn looks_like_secret(text: &str) -> Option<SecretKind> {
    let t = text.trim();
    let hex = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(SecretKind::PrivateKey);
    }
    let words = t.split_whitespace().count();
    if (12..=24).contains(&words) && words.is_multiple_of(3) {
        let normalised = t
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ");
        if bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normalised).is_ok() {
            return Some(SecretKind::RecoveryPhrase);
        }
    }
    None
}

/// Checks a free-text field (a name, evidence, a string column) for secrets.
pub fn refuse_secret(text: &str) -> Result<(), AddressError> {
    match looks_like_secret(text) {
        Some(kind) => Err(AddressError::Secret {
            kind,
            redacted: redact(text, kind),
        }),
        None => Ok(()),
    }
}

fn redact(text: &str, kind: SecretKind) -> String {
    let t = text.trim();
    match kind {
        SecretKind::PrivateKey => {
            let head: String = t.chars().take(6).collect();
            format!("{head}… {} characters", t.len())
        }
        SecretKind::RecoveryPhrase => {
            format!("{} words", t.split_whitespace().count())
        }
    }
}

/// Parses an Ethereum address. All-lowercase and all-uppercase hex are accepted as is;
/// mixed case must carry a valid EIP-55 checksum. Secrets are refused without being echoed.
pub fn parse_address(text: &str) -> Result<Address, AddressError> {
    let t = text.trim();
    refuse_secret(t)?;
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    let Some(hex) = hex.filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        let value: String = t.chars().take(80).collect();
        return Err(AddressError::Malformed { value });
    };
    let mut bytes = [0u8; 20];
    for (i, chunk) in hex.as_bytes().chunks_exact(2).enumerate() {
        bytes[i] = (nibble(chunk[0]) << 4) | nibble(chunk[1]);
    }
    let address = Address::from(bytes);
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        let expected = address.to_checksum(None);
        if expected[2..] != *hex {
            return Err(AddressError::Checksum {
                value: t.to_owned(),
                expected,
            });
        }
    }
    Ok(address)
}

fn nibble(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lower_upper_and_checksummed() {
        let a = parse_address("0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f").unwrap();
        assert_eq!(
            parse_address("0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f").unwrap(),
            a
        );
        assert_eq!(
            parse_address("0x5C69BEE701EF814A2B6A3EDD4B1652CB9CC5AA6F").unwrap(),
            a
        );
        assert_eq!(
            a.to_checksum(None),
            "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
        );
    }

    #[test]
    fn refuses_bad_checksum_and_says_the_right_one() {
        let err = parse_address("0x5c69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("checksum"), "{msg}");
        assert!(
            msg.contains("0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"),
            "{msg}"
        );
    }

    #[test]
    fn refuses_private_key_without_echoing_it() {
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        for input in [key.to_string(), format!("0x{key}")] {
            let msg = parse_address(&input).unwrap_err().to_string();
            assert!(msg.contains("private key"), "{msg}");
            assert!(!msg.contains(&key[8..]), "secret echoed: {msg}");
        }
    }

    #[test]
    fn refuses_recovery_phrase() {
        let phrase = "test test test test test test test test test test test junk";
        let msg = parse_address(phrase).unwrap_err().to_string();
        assert!(msg.contains("recovery phrase"), "{msg}");
        assert!(!msg.contains("junk"), "{msg}");
        // Twelve words that are not a valid mnemonic are just malformed, not a secret.
        let not_phrase = "one two three four five six seven eight nine ten eleven twelve";
        assert!(matches!(
            parse_address(not_phrase),
            Err(AddressError::Malformed { .. })
        ));
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "0x",
            "0x1234",
            "5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f",
            "0xzz69bee701ef814a2b6a3edd4b1652cb9cc5aa6f",
        ] {
            assert!(
                matches!(parse_address(bad), Err(AddressError::Malformed { .. })),
                "{bad}"
            );
        }
    }
}
