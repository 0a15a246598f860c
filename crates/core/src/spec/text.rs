//! Checks on the spec's text before any parser reads it, and the TOML parser's errors turned
//! into one short, redacted line.

use crate::error::{CoreError, Result};
use airdrop_merkle::address::{find_secrets, redact_secrets, refuse_secret, shown, AddressError};
use airdrop_merkle::limits::{size, MAX_SPEC_BYTES};

/// Longest line of a spec, in bytes.
pub const MAX_SPEC_LINE: usize = 4096;
/// Longest string value of a spec, in characters, other than `description`.
pub const MAX_SPEC_VALUE: usize = 512;

/// The whole text first: its size, its lines, and the key guard over all of it — values,
/// keys and comments alike — so a secret anywhere in a spec is refused with its line before
/// any parser can quote it, and never reaches a manifest, a report or a tree.
pub(super) fn check_text(text: &str, file: &str) -> Result<()> {
    let at = |line: usize, detail: String| CoreError::Toml {
        file: file.to_owned(),
        line,
        detail,
    };
    if text.len() as u64 > MAX_SPEC_BYTES {
        return Err(at(
            1,
            format!(
                "the spec is larger than {}; a campaign spec is a short TOML file (data belongs in source files)",
                size(MAX_SPEC_BYTES)
            ),
        ));
    }
    if let Some(m) = find_secrets(text).first() {
        let line = text[..m.start].matches('\n').count() + 1;
        let line_text = text.lines().nth(line - 1).unwrap_or_default();
        let reason = refuse_secret(line_text)
            .err()
            .or_else(|| refuse_secret(text).err())
            .unwrap_or(AddressError::Secret {
                kind: m.kind,
                redacted: String::new(),
            });
        return Err(CoreError::Address {
            location: format!("{file}:{line}"),
            reason,
        });
    }
    if let Some((i, _)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_SPEC_LINE)
    {
        return Err(at(
            i + 1,
            format!("line is longer than {MAX_SPEC_LINE} bytes; keep spec lines short (data belongs in source files)"),
        ));
    }
    Ok(())
}

/// Every string value short (but `description`), so no message quoting one can be long.
pub(super) fn check_values(value: &toml::Value, path: &str, file: &str) -> Result<()> {
    let join = |k: &str| {
        let k = if !k.is_empty()
            && k.len() <= 64
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            k.to_owned()
        } else {
            shown(k)
        };
        if path.is_empty() {
            k
        } else {
            format!("{path}.{k}")
        }
    };
    match value {
        toml::Value::String(s) if s.chars().count() > MAX_SPEC_VALUE && !path.ends_with("description") => {
            Err(CoreError::Spec {
                file: file.to_owned(),
                key: path.to_owned(),
                detail: format!(
                    "value is {} characters; spec values are at most {MAX_SPEC_VALUE} (only description may be longer)",
                    s.chars().count()
                ),
            })
        }
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_values(v, &format!("{path}[{i}]"), file)),
        toml::Value::Table(t) => t.iter().try_for_each(|(k, v)| check_values(v, &join(k), file)),
        _ => Ok(()),
    }
}

pub(super) fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> CoreError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
        .unwrap_or(1);
    // A span that starts at a line break belongs to the next line.
    let line = match e.span() {
        Some(s) if text[..s.start.min(text.len())].ends_with('\n') => line + 1,
        _ => line,
    };
    // The parser's message may quote a value: redacted and cut like every quoted input.
    let message = redact_secrets(e.message().replace('\n', " ").trim());
    let detail: String = message.chars().take(300).collect();
    CoreError::Toml {
        file: file.to_owned(),
        line,
        detail,
    }
}
