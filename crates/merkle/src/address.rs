//! Addresses are validated and normalised once, here, at the edge — and this is the one key
//! guard: anything that holds a secret (a private key, a recovery phrase, a keystore), anywhere
//! in a text, is refused before it can travel on, and never echoed in an error.

use alloy_primitives::Address;
use thiserror::Error;

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
    #[error("refused: this holds what looks like a {kind} ({redacted}), not an address or data. No airdrop ever needs one; it was not stored or logged. If you shared it anywhere, move your funds to a new wallet")]
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

/// Kinds of secret we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// 32 bytes of hex.
    PrivateKey,
    /// A BIP-39 mnemonic.
    RecoveryPhrase,
    /// An encrypted JSON keystore (`crypto` / `ciphertext`).
    Keystore,
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretKind::PrivateKey => "private key",
            SecretKind::RecoveryPhrase => "recovery phrase",
            SecretKind::Keystore => "keystore",
        })
    }
}

/// A secret found in a text: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretMatch {
    /// What was found.
    pub kind: SecretKind,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

/// Returns the kind of the first secret anywhere in `text`, if any. See [`find_secrets`].
pub fn looks_like_secret(text: &str) -> Option<SecretKind> {
    find_secrets(text).first().map(|m| m.kind)
}

/// Every secret in `text`, in order:
/// - a private key: a word of exactly 64 hex digits, with or without `0x` (words are runs of
///   ASCII letters and digits). A `0x`-prefixed one inside a URL (`https://…/tx/0x…`) is a
///   transaction or block hash, i.e. data, and passes; typed `bytes32` values never come here;
/// - a recovery phrase: 12, 15, 18, 21 or 24 consecutive words (runs of ASCII letters, in any
///   case, separated by anything else) that form a valid BIP-39 English mnemonic, checksum
///   included;
/// - a keystore: a text holding both the `"crypto"` and `"ciphertext"` JSON keys (the whole
///   text is the secret).
pub fn find_secrets(text: &str) -> Vec<SecretMatch> {
    // Nothing shorter than twelve three-letter words can hold one (a key is 64 digits, a
    // keystore far longer): addresses and amounts, the bulk of every input, stop here.
    if text.len() < SHORTEST_SECRET {
        return Vec::new();
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("\"ciphertext\"") && lower.contains("\"crypto\"") {
        return vec![SecretMatch {
            kind: SecretKind::Keystore,
            start: 0,
            end: text.len(),
        }];
    }
    let mut found = hex_keys(text);
    found.extend(mnemonics(text));
    found.sort_by_key(|m| m.start);
    found
}

/// Bytes in the shortest text that can hold a secret: a 12-word phrase of 3-letter words.
const SHORTEST_SECRET: usize = 12 * 3 + 11;

/// Byte ranges of maximal runs of bytes for which `keep` holds.
fn runs(text: &str, keep: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in text.bytes().enumerate() {
        match (keep(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn hex_keys(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    for (s, e) in runs(text, |b| b.is_ascii_alphanumeric()) {
        let word = &text[s..e];
        let prefixed = word.starts_with("0x") || word.starts_with("0X");
        let digits = if prefixed { &word[2..] } else { word };
        if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        if is_data(text, s, prefixed) {
            continue;
        }
        out.push(SecretMatch {
            kind: SecretKind::PrivateKey,
            start: s,
            end: e,
        });
    }
    out
}

/// Whether the 64-digit word at byte `at` is data by where it stands: a `0x` hash inside a URL
/// (`https://etherscan.io/tx/0x…`), or a digest inside a URN (`urn:…:sha256:…`, as in a signed
/// message's resources) or labelled `sha256:`. The "token" is the text since the last space,
/// quote or bracket.
fn is_data(text: &str, at: usize, prefixed: bool) -> bool {
    let before = &text[..at];
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || "\"'([<".contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let token = before[start..].to_ascii_lowercase();
    (prefixed && token.contains("://")) || token.starts_with("urn:") || token.ends_with("sha256:")
}

fn mnemonics(text: &str) -> Vec<SecretMatch> {
    let words: Vec<(usize, usize, bool)> = runs(text, |b| b.is_ascii_alphabetic())
        .into_iter()
        .map(|(s, e)| {
            let w = text[s..e].to_ascii_lowercase();
            let listed =
                (3..=8).contains(&w.len()) && bip39::Language::English.find_word(&w).is_some();
            (s, e, listed)
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let run = words[i..].iter().take_while(|w| w.2).count();
        if run < 12 {
            i += run.max(1);
            continue;
        }
        let mut j = i;
        while j + 12 <= i + run {
            match [24, 21, 18, 15, 12]
                .into_iter()
                .find(|&n| j + n <= i + run && is_mnemonic(text, &words[j..j + n]))
            {
                Some(n) => {
                    out.push(SecretMatch {
                        kind: SecretKind::RecoveryPhrase,
                        start: words[j].0,
                        end: words[j + n - 1].1,
                    });
                    j += n;
                }
                None => j += 1,
            }
        }
        i += run;
    }
    out
}

fn is_mnemonic(text: &str, words: &[(usize, usize, bool)]) -> bool {
    let phrase = words
        .iter()
        .map(|&(s, e, _)| text[s..e].to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &phrase).is_ok()
}

/// Checks a free-text field (a name, evidence, a string column) for secrets anywhere in it.
pub fn refuse_secret(text: &str) -> Result<(), AddressError> {
    match find_secrets(text).first() {
        Some(m) => Err(AddressError::Secret {
            kind: m.kind,
            redacted: describe(text, m),
        }),
        None => Ok(()),
    }
}

/// Where the secret is, for the user to find it, without any of its characters.
fn describe(text: &str, m: &SecretMatch) -> String {
    let chars = |b: usize| text[..b].chars().count();
    let whole = m.start == 0 && m.end == text.len();
    let what = match m.kind {
        SecretKind::PrivateKey => "64 hex digits".to_owned(),
        SecretKind::RecoveryPhrase => format!(
            "{} words",
            runs(&text[m.start..m.end], |b| b.is_ascii_alphabetic()).len()
        ),
        SecretKind::Keystore => "encrypted JSON".to_owned(),
    };
    if whole {
        format!("{what}, the whole text")
    } else {
        format!(
            "{what} at characters {}–{} of {}",
            chars(m.start) + 1,
            chars(m.end),
            chars(text.len())
        )
    }
}

/// `text` with every secret replaced by `[redacted <kind>]`.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in find_secrets(text) {
        if m.start < at {
            continue;
        }
        out.push_str(&text[at..m.start]);
        out.push_str(&format!("[redacted {}]", m.kind));
        at = m.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Characters of an input value an error message may quote.
const SHOWN_CHARS: usize = 48;

/// An input value as error messages quote it: secrets redacted, cut to a few dozen characters
/// (with the full length said), control characters escaped, in double quotes. Every error that
/// quotes what a user gave goes through this, so a huge or secret-bearing cell cannot turn
/// into a huge or secret-bearing message.
pub fn shown(text: &str) -> String {
    // The guard runs over the whole text, not only the part shown: a phrase that starts inside
    // the shown part and ends after it is still found, and none of its words shown.
    let clean = redact_secrets(text);
    if clean.chars().count() <= SHOWN_CHARS {
        return format!("{clean:?}");
    }
    let cut: String = clean.chars().take(SHOWN_CHARS).collect();
    format!("{cut:?}… ({} bytes)", text.len())
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
    Some(Ok(address))
}

/// EIP-55: a letter is upper case exactly where the matching nibble of the keccak of the
/// lowercase hex is 8 or more. Checked in place, so a checksummed row costs one hash and no
/// allocation.
fn checksum_matches(address: &Address, hex: &[u8]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut lower = [0u8; 40];
    for (i, b) in address.iter().enumerate() {
        lower[2 * i] = DIGITS[usize::from(b >> 4)];
        lower[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    let hash = alloy_primitives::keccak256(lower);
    hex.iter().enumerate().all(|(i, &c)| {
        let nib = (hash[i / 2] >> (4 * (1 - i % 2))) & 15;
        !c.is_ascii_alphabetic() || c.is_ascii_uppercase() == (nib >= 8)
    })
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
