//! The key guard: the one place that decides whether a text holds a secret — a 32-byte hex
//! private key, a BIP-39 English recovery phrase (checksum checked, with the `bip39` crate's own
//! word list), or an encrypted JSON keystore — and the one refusal every input path gives.
//! Every edge calls it: CLI arguments (all of argv, before parsing), input files (CSV, JSON,
//! spec TOML, events and prices), the server's JSON fields, path segments, query strings and
//! uploads. A refusal names the kind and where it sits, never a character of it; every error
//! that quotes a user value goes through [`shown`], which redacts.

use thiserror::Error;

/// What every refusal says after naming the kind: the user must learn that whoever asked for it
/// is not running a genuine airdrop, and that the secret went nowhere.
pub const WARNING: &str = "No genuine airdrop ever needs your recovery phrase or private key (nor a keystore); whoever asked for it is trying to take your funds. It was not stored or logged. If you shared it anywhere, move your funds to a new wallet";

/// The API error code of a refusal.
pub const CODE: &str = "secret_refused";

/// A text refused because it holds a secret. Its `Display` is the one refusal message.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error(
    "refused: this holds what looks like a {kind} ({redacted}), not an address or data. {}",
    WARNING
)]
pub struct SecretRefused {
    /// What kind of secret.
    pub kind: SecretKind,
    /// Where it sits in the text, never any of its characters.
    pub redacted: String,
}

/// Refuses `text` if it holds a secret anywhere. See [`find_secrets`].
pub fn guard(text: &str) -> Result<(), SecretRefused> {
    match find_secrets(text).first() {
        Some(m) => Err(SecretRefused {
            kind: m.kind,
            redacted: describe(text, m),
        }),
        None => Ok(()),
    }
}

/// Refuses a whole file's text: a keystore anywhere in it (its JSON keys may sit on separate
/// lines), a key or a phrase within one line (a column of words across rows is not a phrase).
/// Returns the 1-based line of a key or phrase (0 for a keystore).
pub fn guard_lines(text: &str) -> Result<(), (usize, SecretRefused)> {
    if let Some(kind) = keystore(text) {
        return Err((
            0,
            SecretRefused {
                kind,
                redacted: "encrypted JSON in the file".to_owned(),
            },
        ));
    }
    for (i, line) in text.lines().enumerate() {
        guard(line).map_err(|e| (i + 1, e))?;
    }
    Ok(())
}

/// Refuses a text that is or holds a keystore, and nothing else: for JSON files whose hashes and
/// roots are data (a keystore is refused wherever it is read).
pub fn guard_keystore(text: &str) -> Result<(), SecretRefused> {
    match keystore(text) {
        Some(kind) => Err(SecretRefused {
            kind,
            redacted: "encrypted JSON".to_owned(),
        }),
        None => Ok(()),
    }
}

fn keystore(text: &str) -> Option<SecretKind> {
    let lower = text.to_ascii_lowercase();
    (lower.contains("\"ciphertext\"") && lower.contains("\"crypto\""))
        .then_some(SecretKind::Keystore)
}

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
    find_secrets_in(text, false)
}

/// Refuses a file path given on the command line if it holds a secret. Unlike [`guard`], a
/// `0x` word of 64 digits that names a folder or file of the path is data: the state folder
/// names a bundle's records by its root (`state/31337/0x…/0x<root>/push-ledger.sqlite`). URL
/// paths are not file paths: an API path goes through [`guard`].
pub fn guard_path(text: &str) -> Result<(), SecretRefused> {
    match find_secrets_in(text, true).first() {
        Some(m) => Err(SecretRefused {
            kind: m.kind,
            redacted: describe(text, m),
        }),
        None => Ok(()),
    }
}

fn find_secrets_in(text: &str, path: bool) -> Vec<SecretMatch> {
    // Nothing shorter than twelve three-letter words can hold one (a key is 64 digits, a
    // keystore far longer): addresses and amounts, the bulk of every input, stop here.
    if text.len() < SHORTEST_SECRET || !may_hold_secret(text.as_bytes()) {
        return Vec::new();
    }
    if keystore(text).is_some() {
        return vec![SecretMatch {
            kind: SecretKind::Keystore,
            start: 0,
            end: text.len(),
        }];
    }
    let mut found = hex_keys(text, path);
    found.extend(mnemonics(text));
    found.sort_by_key(|m| m.start);
    found
}

/// A pass over the bytes, allocating nothing, that clears almost every text: a key needs a
/// run of 64 letters and digits, a phrase twelve consecutive runs of 3–8 letters (every
/// BIP-39 English word's length), a keystore its `"ciphertext"` key. It only says "maybe":
/// the full scan decides. A claim look-up's path, a sign-in message or a note stop here.
fn may_hold_secret(text: &[u8]) -> bool {
    let (mut alnum, mut letters, mut words) = (0usize, 0usize, 0usize);
    let end_word = |letters: &mut usize, words: &mut usize| {
        if *letters > 0 {
            *words = if (3..=8).contains(letters) {
                *words + 1
            } else {
                0
            };
            *letters = 0;
        }
        *words >= 12
    };
    for &b in text {
        alnum = if b.is_ascii_alphanumeric() {
            alnum + 1
        } else {
            0
        };
        if alnum >= 64 {
            return true;
        }
        if b.is_ascii_alphabetic() {
            letters += 1;
        } else if end_word(&mut letters, &mut words) {
            return true;
        }
    }
    end_word(&mut letters, &mut words)
        || text.contains(&b'"')
            && text
                .windows(KEYSTORE_KEY.len())
                .any(|w| w.eq_ignore_ascii_case(KEYSTORE_KEY))
}

const KEYSTORE_KEY: &[u8] = b"\"ciphertext\"";

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

fn hex_keys(text: &str, path: bool) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    for (s, e) in runs(text, |b| b.is_ascii_alphanumeric()) {
        let word = &text[s..e];
        let prefixed = word.starts_with("0x") || word.starts_with("0X");
        let digits = if prefixed { &word[2..] } else { word };
        if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        if is_data(text, s, e, prefixed, path) {
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

/// Whether the 64-digit word at bytes `at..end` is data by where it stands: a `0x` hash inside a
/// URL (`https://etherscan.io/tx/0x…`), or in a file `path` as a folder or file name (see
/// [`guard_path`]), or a digest inside a URN (`urn:…:sha256:…`, as in a signed message's
/// resources) or labelled `sha256:`. The "token" is the text since the last space, quote or
/// bracket.
fn is_data(text: &str, at: usize, end: usize, prefixed: bool, path: bool) -> bool {
    let before = &text[..at];
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || "\"'([<".contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let token = before[start..].to_ascii_lowercase();
    let separator = |c: Option<char>| matches!(c, Some('/' | '\\'));
    let path_component =
        path && (separator(before.chars().next_back()) || separator(text[end..].chars().next()));
    (prefixed && (token.contains("://") || path_component))
        || token.starts_with("urn:")
        || token.ends_with("sha256:")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keystore_text() -> String {
        format!(
            "{{\n  \"Crypto\": {{\n    \"ciphertext\": \"{}\",\n    \"kdf\": \"scrypt\"\n  }},\n  \"version\": 3\n}}",
            "0f".repeat(16)
        )
    }

    #[test]
    fn a_root_named_folder_in_a_file_path_is_data_but_not_in_an_api_path() {
        let root = format!("0x{}", "b6".repeat(32));
        let ledger = format!(
            "state/31337/0x5fbdb2315678afecb367f032d93f642f64180aa3/{root}/push-ledger.sqlite"
        );
        assert!(guard_path(&ledger).is_ok());
        assert!(guard_path(&format!("{root}/push-ledger.sqlite")).is_ok());
        assert!(guard_path(&format!("C:\\state\\{root}")).is_ok());
        // Unprefixed, a key stays a key wherever it stands; prefixed and alone it is refused.
        assert!(guard_path(&format!("state/{}/x", "b6".repeat(32))).is_err());
        assert!(guard_path(&root).is_err());
        // An API path is not a file path: a key as a segment is refused there.
        assert!(guard(&format!("/v1/campaigns/{root}")).is_err());
    }

    #[test]
    fn files_refuse_a_keystore_across_lines_and_a_key_by_its_line() {
        let (line, e) = guard_lines(&keystore_text()).unwrap_err();
        assert_eq!((line, e.kind), (0, SecretKind::Keystore));
        let key = "ab".repeat(32);
        let (line, e) = guard_lines(&format!("address,amount\nx,1\n{key},2\n")).unwrap_err();
        assert_eq!((line, e.kind), (3, SecretKind::PrivateKey));
        assert!(!e.to_string().contains(&key[..20]));
        assert!(e.to_string().contains(WARNING));
        // A column of list words across rows is not a phrase.
        let words = "abandon\n".repeat(11) + "about\n";
        assert!(guard_lines(&words).is_ok());
    }

    #[test]
    fn keystore_only_lets_hashes_pass() {
        assert!(guard_keystore(&format!("{{\"root\": \"0x{}\"}}", "ab".repeat(32))).is_ok());
        assert_eq!(
            guard_keystore(&format!("my wallet: {}", keystore_text()))
                .unwrap_err()
                .kind,
            SecretKind::Keystore
        );
    }
}
