//! Addresses are validated and normalised once, here, at the edge. What is not an address goes
//! through the key guard ([`crate::guard`]) before any error can quote it.

use alloy_primitives::Address;
use thiserror::Error;

// The guard lived here first; its names stay importable from here.
pub use crate::guard::{
    find_secrets, looks_like_secret, redact_secrets, shown, SecretKind, SecretMatch,
};

/// Why a string is not an acceptable address.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not `0x` followed by 40 hex digits.
    #[error("invalid address {value}: expected 0x followed by 40 hex digits")]
    Malformed {
        /// The offending text, quoted by [`shown`]: cut short, secrets redacted.
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
    /// Something that holds a private key, a recovery phrase or a keystore.
    #[error(
        "refused: this holds what looks like a {kind} ({redacted}), not an address or data. {}",
        crate::guard::WARNING
    )]
    Secret {
        /// What kind of secret.
        kind: SecretKind,
        /// Where it sits in the text, never any of its characters.
        redacted: String,
    },
}

/// Why the zero address is refused wherever it would receive tokens: nobody holds its key, so
/// an allocation to it is burnt.
pub const ZERO_RECIPIENT: &str = "the zero address 0x0000000000000000000000000000000000000000 cannot claim or receive an airdrop (nobody holds its key); remove the row";

impl From<crate::guard::SecretRefused> for AddressError {
    fn from(e: crate::guard::SecretRefused) -> Self {
        AddressError::Secret {
            kind: e.kind,
            redacted: e.redacted,
        }
    }
}

/// Checks a free-text field (a name, evidence, a string column) for secrets anywhere in it:
/// [`crate::guard::guard`] with this crate's address error.
pub fn refuse_secret(text: &str) -> Result<(), AddressError> {
    crate::guard::guard(text).map_err(AddressError::from)
}

/// Parses an Ethereum address. All-lowercase and all-uppercase hex are accepted as is;
/// mixed case must carry a valid EIP-55 checksum. Secrets are refused without being echoed.
pub fn parse_address(text: &str) -> Result<Address, AddressError> {
    let t = text.trim();
    if let Some(parsed) = parse_address_bytes(t.as_bytes()) {
        return parsed;
    }
    // Only what is not an address can hold a secret: the guard runs on this path alone.
    refuse_secret(t)?;
    Err(AddressError::Malformed { value: shown(t) })
}

/// [`parse_address`] of an already trimmed text, without allocating on success: `None` when
/// the text is not `0x` and 40 hex digits (the caller words that error, after the secret
/// guard). The EIP-55 checksum is hashed only where the case is mixed.
pub(crate) fn parse_address_bytes(t: &[u8]) -> Option<Result<Address, AddressError>> {
    parse_address_spelled(t).map(|r| r.map(|(address, _)| address))
}

/// [`parse_address_bytes`] and the address's [`spelling`], which costs nothing more for an
/// address without upper-case letters (the common case) — the parse has seen there are none.
pub(crate) fn parse_address_spelled(t: &[u8]) -> Option<Result<(Address, u64), AddressError>> {
    let hex = t.strip_prefix(b"0x").or_else(|| t.strip_prefix(b"0X"))?;
    if hex.len() != 40 {
        return None;
    }
    let mut bytes = [0u8; 20];
    // One table look-up per digit, and the flags of all digits OR-ed together: a bad digit,
    // a lowercase and an uppercase letter are each seen once, after the loop, without branches.
    let mut seen = 0u8;
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let (hi, lo) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        seen |= hi | lo;
        bytes[i] = (hi << 4) | (lo & 15);
    }
    if seen & BAD != 0 {
        return None;
    }
    let (lower, upper) = (seen & LOWER != 0, seen & UPPER != 0);
    let address = Address::from(bytes);
    if lower && upper && !checksum_matches(&address, hex) {
        return Some(Err(AddressError::Checksum {
            value: String::from_utf8_lossy(t).into_owned(),
            expected: address.to_checksum(None),
        }));
    }
    Some(Ok((address, if upper { spelling(t) } else { 0 })))
}

/// How an accepted address was written: bit `i` set where hex digit `i` (from the left) is an
/// upper-case letter, 0 for all lower case. With [`push_cased`] it writes the digits back
/// exactly as given, which is what an OpenZeppelin dump of the same values holds — and costs
/// no keccak, where writing EIP-55 costs one per address.
pub(crate) fn spelling(text: &[u8]) -> u64 {
    let hex = text.trim_ascii();
    let hex = hex
        .strip_prefix(b"0x")
        .or_else(|| hex.strip_prefix(b"0X"))
        .unwrap_or(hex);
    hex.iter().take(40).enumerate().fold(0, |mask, (i, c)| {
        mask | (u64::from(c.is_ascii_uppercase()) << i)
    })
}

/// EIP-55: a letter is upper case exactly where the matching nibble of the keccak of the
/// lowercase hex is 8 or more. Checked in place, so a checksummed row costs one hash and no
/// allocation.
fn checksum_matches(address: &Address, hex: &[u8]) -> bool {
    let mask = checksum_mask(address);
    hex.iter()
        .enumerate()
        .all(|(i, &c)| !c.is_ascii_alphabetic() || c.is_ascii_uppercase() == (mask >> i & 1 == 1))
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The EIP-55 case of `address`: bit `i` is set where hex digit `i` (from the left) is upper
/// case if it is a letter. One keccak; kept apart from the text so a writer can hash every
/// address ahead, on idle cores, and spell them out later.
pub(crate) fn checksum_mask(address: &Address) -> u64 {
    let mut lower = [0u8; 40];
    for (i, b) in address.iter().enumerate() {
        lower[2 * i] = DIGITS[usize::from(b >> 4)];
        lower[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    let hash = alloy_primitives::keccak256(lower);
    (0..40).fold(0u64, |mask, i| {
        let nib = (hash[i / 2] >> (4 * (1 - i % 2))) & 15;
        mask | (u64::from(nib >= 8) << i)
    })
}

/// Appends `0x` and the address, its letters upper case where `mask` says: the EIP-55 case
/// given its [`checksum_mask`], or the input's own given its [`spelling`].
pub(crate) fn push_cased(buf: &mut Vec<u8>, address: &Address, mask: u64) {
    let mut hex = [0u8; 40];
    // Cannot fail: the output is exactly twice the input.
    let _ = alloy_primitives::hex::encode_to_slice(address, &mut hex);
    // Without branches, so the loop vectorises: a letter (above '9') with its bit set loses
    // the 0x20 that makes it lower case.
    for (i, c) in hex.iter_mut().enumerate() {
        let up = (mask >> i) as u8 & 1 & u8::from(*c > b'9');
        *c -= up << 5;
    }
    buf.extend_from_slice(b"0x");
    buf.extend_from_slice(&hex);
}

/// Flags of [`HEX`] above the digit's value (low four bits).
const BAD: u8 = 0x80;
const LOWER: u8 = 0x40;
const UPPER: u8 = 0x20;

/// Per byte: the hex digit's value, with [`LOWER`] or [`UPPER`] for letters, or [`BAD`].
const HEX: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = (10 + i as u8) | LOWER;
        t[b'A' as usize + i] = (10 + i as u8) | UPPER;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn checksum_spelled_from_its_mask_is_eip55(bytes in proptest::array::uniform20(0u8..)) {
            let address = Address::from(bytes);
            let mut buf = Vec::new();
            push_cased(&mut buf, &address, checksum_mask(&address));
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), address.to_checksum(None));
        }

        #[test]
        fn any_accepted_spelling_is_written_back_as_given(
            bytes in proptest::array::uniform20(0u8..),
            case in 0u8..3,
        ) {
            let address = Address::from(bytes);
            let text = match case {
                0 => format!("0x{}", alloy_primitives::hex::encode(bytes)),
                1 => format!("0x{}", alloy_primitives::hex::encode_upper(bytes)),
                _ => address.to_checksum(None),
            };
            proptest::prop_assert_eq!(parse_address(&text).unwrap(), address);
            let spelled = parse_address_spelled(text.as_bytes()).unwrap().unwrap();
            proptest::prop_assert_eq!(spelled, (address, spelling(text.as_bytes())));
            let mut buf = Vec::new();
            push_cased(&mut buf, &address, spelling(text.as_bytes()));
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), text);
        }
    }

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
    const KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const PHRASE: &str = "test test test test test test test test test test test junk";

    #[test]
    fn a_key_inside_a_cell_is_refused_and_not_echoed() {
        for input in [
            format!("my key is {KEY}"),
            format!("my key is 0x{KEY}, keep it"),
            format!("key={KEY}"),
            format!("{}\t{KEY}", "x".repeat(300)),
        ] {
            let err = parse_address(&input).unwrap_err();
            assert!(
                matches!(
                    err,
                    AddressError::Secret {
                        kind: SecretKind::PrivateKey,
                        ..
                    }
                ),
                "{err}"
            );
            let msg = err.to_string();
            assert!(
                !msg.contains(&KEY[..16]) && !msg.contains(&KEY[48..]),
                "{msg}"
            );
            assert!(msg.contains("64 hex digits at characters"), "{msg}");
        }
    }

    #[test]
    fn a_phrase_inside_a_text_is_found_in_any_case_and_separation() {
        let numbered: String = PHRASE
            .split(' ')
            .enumerate()
            .map(|(i, w)| format!("{}. {}", i + 1, w.to_uppercase()))
            .collect::<Vec<_>>()
            .join("\n");
        for text in [
            format!("hi, my words are {PHRASE}. thanks"),
            numbered,
            PHRASE.replace(' ', ","),
        ] {
            assert_eq!(
                looks_like_secret(&text),
                Some(SecretKind::RecoveryPhrase),
                "{text}"
            );
            let msg = refuse_secret(&text).unwrap_err().to_string();
            assert!(!msg.to_lowercase().contains("junk"), "{msg}");
            assert!(!redact_secrets(&text).to_lowercase().contains("junk"));
        }
        // Twelve listed words whose checksum fails are ordinary text.
        let prose =
            "abandon ability able about above absent absorb abstract absurd abuse access accident";
        assert_eq!(looks_like_secret(prose), None);
    }

    #[test]
    fn a_keystore_is_refused() {
        let ks = r#"{"version":3,"crypto":{"cipher":"aes-128-ctr","ciphertext":"0a1b"}}"#;
        assert_eq!(looks_like_secret(ks), Some(SecretKind::Keystore));
        assert_eq!(redact_secrets(ks), "[redacted keystore]");
    }

    #[test]
    fn hashes_in_urls_and_other_lengths_are_data() {
        let hash = format!("0x{KEY}");
        assert_eq!(
            looks_like_secret(&format!("see https://etherscan.io/tx/{hash} ok")),
            None
        );
        // The same hash outside a URL cannot be told from a key: refused.
        assert!(looks_like_secret(&format!("tx {hash}")).is_some());
        // Without 0x, even in a URL, it is a key (an API key pasted into an RPC URL, say).
        assert!(looks_like_secret(&format!("https://rpc.example/{KEY}")).is_some());
        // Digests in URNs (signed messages' resources) or labelled sha256 are data.
        let resource = format!("Resources:\n- urn:airdrop:evidence:sha256:{KEY}\n");
        assert_eq!(looks_like_secret(&resource), None);
        assert_eq!(looks_like_secret(&format!("file sha256:{KEY}")), None);
        // Multi-byte separators and letters around a key are handled on char boundaries.
        let wide = format!("é\u{3000}0x{KEY}\u{3000}ü");
        assert_eq!(looks_like_secret(&wide), Some(SecretKind::PrivateKey));
        assert!(!redact_secrets(&wide).contains(&KEY[..10]));
        assert!(!shown(&wide).contains(&KEY[..10]));
        // A 65-byte signature and 63 or 65 digits are not keys.
        assert_eq!(looks_like_secret(&format!("0x{KEY}{KEY}00")), None);
        assert_eq!(looks_like_secret(&KEY[1..]), None);
        assert_eq!(looks_like_secret(&format!("{KEY}a")), None);
    }

    #[test]
    fn redaction_replaces_every_secret_and_keeps_the_rest() {
        let text = format!("a {KEY} b {PHRASE} c");
        assert_eq!(
            redact_secrets(&text),
            "a [redacted private key] b [redacted recovery phrase] c"
        );
    }

    #[test]
    fn shown_values_are_short_quoted_and_redacted() {
        let huge = "\0".repeat(10_000_000);
        let s = shown(&huge);
        assert!(s.len() < 400 && s.contains("10000000 bytes"), "{}", s.len());
        let s = shown(&format!("{PHRASE} and more words after the phrase to cut"));
        assert!(
            !s.contains("junk") && s.contains("[redacted recovery phrase]"),
            "{s}"
        );
        assert_eq!(shown("12a"), "\"12a\"");
        let msg = parse_address(&"z".repeat(5000)).unwrap_err().to_string();
        assert!(msg.len() < 200, "{msg}");
    }

    #[test]
    fn the_zero_address_is_no_recipient() {
        let zero = "0x0000000000000000000000000000000000000000";
        assert!(parse_address(zero).unwrap().is_zero());
        assert!(ZERO_RECIPIENT.contains(zero));
    }

    proptest::proptest! {
        #[test]
        fn the_guard_never_panics_and_shown_stays_short(
            a in "\\PC{0,60}",
            b in "\\PC{0,60}",
            sep in "[ \u{3000}\n,.;:/é]",
        ) {
            for text in [format!("{a}{sep}{KEY}{sep}{b}"), format!("{a}{sep}{PHRASE}{sep}{b}"), a.clone()] {
                let _ = find_secrets(&text);
                let quoted = shown(&text);
                proptest::prop_assert!(quoted.chars().count() < 48 * 10 + 40);
                proptest::prop_assert!(!quoted.contains(&KEY[..20]) && !quoted.contains("junk"));
            }
        }
    }
}
