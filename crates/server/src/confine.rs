//! What an API caller may make the server touch on its disk, and what a job may tell it back.
//!
//! A spec sent over the API is run by a build job on the server's host, so every file it names
//! is confined to the campaign's own uploads: flat names (no folder, no `..`, not absolute),
//! never a name the job writes itself. And whatever the child process prints is reduced to a
//! location and a few plain words before it reaches `jobs.message`: library errors quote cells,
//! headers and whole lines of the files they read, and a reviewer key may read job messages.

use crate::error::ServerError;
use airdrop_core::spec::{Campaign, RpcRef};
use std::path::Path;

/// Names a build job uses itself in the folder it writes the uploads to, or beside it: an
/// upload by one of these names would replace the checked spec or the bundle.
const RESERVED: &[&str] = &["campaign.toml", "bundle"];

/// Prefixes of names snapshot jobs write into their own folder.
const RESERVED_PREFIXES: &[&str] = &["addresses-", "bundle."];

/// Checks a flat file name: 1–100 letters, digits, `-`, `_` or `.`, not starting with `.`.
pub fn plain_name(name: &str) -> Result<(), ServerError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    if !ok {
        return Err(ServerError::bad_request(
            "invalid_file_name",
            format!(
                "file name {:?} must be 1–100 letters, digits, '-', '_' or '.', not starting with '.'",
                name.chars().take(100).collect::<String>()
            ),
        ));
    }
    Ok(())
}

/// Checks an upload's name: a plain name, and none of the names a job writes itself (compared
/// without case: some disks ignore it).
pub fn upload_name(name: &str) -> Result<(), ServerError> {
    plain_name(name)?;
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) || RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return Err(ServerError::bad_request(
            "reserved_file_name",
            format!(
                "{name:?} is a name the build job uses for its own files ({}, or starting with {}); upload the file under another name and use that name in the spec",
                RESERVED.join(", "),
                RESERVED_PREFIXES.join(" or ")
            ),
        ));
    }
    Ok(())
}

/// Every file the spec names, as (spec key, name as written).
pub fn spec_files(spec: &Campaign) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &spec.sources {
        let key = |k: &str| format!("source {:?}.{k}", s.name);
        if !s.file.is_empty() {
            out.push((key("file"), s.file.clone()));
        }
        if let Some(c) = &s.chain {
            if let Some(f) = &c.candidates {
                out.push((key("candidates"), f.clone()));
            }
            if let Some(f) = &c.allow {
                out.push((key("allow"), f.clone()));
            }
        }
    }
    for e in &spec.excludes {
        if let Some(f) = &e.file {
            out.push((format!("exclude {:?}.file", e.name), f.clone()));
        }
    }
    if let Some(sy) = &spec.sybil {
        for (i, f) in sy.edges.iter().enumerate() {
            out.push((format!("sybil.edges[{i}]"), f.clone()));
        }
        if let Some(f) = &sy.hubs {
            out.push(("sybil.hubs".into(), f.clone()));
        }
        if let Some(f) = &sy.overrides {
            out.push(("sybil.overrides".into(), f.clone()));
        }
    }
    if let Some(f) = spec
        .exclude_contracts
        .as_ref()
        .and_then(|c| c.allow.as_ref())
    {
        out.push(("exclude.allow".into(), f.clone()));
    }
    out
}

/// Refuses a spec that names anything but an upload of its own campaign (absolute paths, `..`,
/// folders, reserved names), that reads the server's environment (`rpc_env`), or that would
/// make the server connect to a host of the caller's choosing (`rpc` other than the server's
/// own node, `node`): a build runs on the server's host, inside its network.
pub fn check_spec(spec: &Campaign, node: Option<&str>) -> Result<(), ServerError> {
    for (key, name) in spec_files(spec) {
        if upload_name(&name).is_err() {
            let shown: String = name.chars().take(100).collect();
            return Err(ServerError::bad_request(
                "file_not_allowed",
                format!(
                    "{key} = {shown:?}: a spec sent to the API may name only files uploaded to its campaign — a plain name such as \"holders.csv\", no folder, no '..', not absolute, not campaign.toml or bundle; upload the file with PUT /v1/campaigns/{{id}}/files/{{name}}"
                ),
            ));
        }
    }
    // [sybil] reads a node too: the same rules as a chain source's.
    match spec.sybil.as_ref().and_then(|s| s.chain.as_ref()).map(|c| &c.rpc) {
        Some(RpcRef::Env(_)) => {
            return Err(ServerError::bad_request(
                "rpc_env_not_allowed",
                "sybil.rpc_env: a spec sent to the API may not read the server's environment; use rpc = the server's own node".to_owned(),
            ))
        }
        Some(RpcRef::Url(url))
            if node.is_none_or(|n| n.trim_end_matches('/') != url.trim_end_matches('/')) =>
        {
            return Err(ServerError::bad_request(
                "rpc_not_allowed",
                "sybil.rpc: a spec sent to the API may use only this server's own node (the --rpc-url it was started with); other hosts are refused so that a build cannot reach into the server's network".to_owned(),
            ))
        }
        _ => {}
    }
    for s in &spec.sources {
        if let Some(RpcRef::Url(url)) = s.chain.as_ref().map(|c| &c.rpc) {
            let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
            if !node.is_some_and(|n| same(n, url)) {
                // The server's node URL may carry an API key: never named here.
                return Err(ServerError::bad_request(
                    "rpc_not_allowed",
                    format!(
                        "source {:?}.rpc: a spec sent to the API may use only this server's own node (the --rpc-url it was started with); other hosts are refused so that a build cannot reach into the server's network. Take chain data with a snapshot job, or ask the operator for the node's URL",
                        s.name
                    ),
                ));
            }
        }
        if let Some(RpcRef::Env(_)) = s.chain.as_ref().map(|c| &c.rpc) {
            return Err(ServerError::bad_request(
                "rpc_env_not_allowed",
                format!(
                    "source {:?}.rpc_env would read the server's environment; a spec sent to the API names its node with rpc = \"https://…\"",
                    s.name
                ),
            ));
        }
    }
    Ok(())
}

/// The most an API caller learns from a failed child run: known file names (with their line
/// number), spec keys and plain lowercase words, up to the first phrase that introduces a value
/// (`…: `), quoted values replaced by `…`, folders of this server removed. Fewer than twelve
/// words, so not even an unquoted recovery phrase fits.
pub fn gist(line: &str, dirs: &[&Path], known: &[String]) -> String {
    let mut line = line
        .trim()
        .strip_prefix("error: ")
        .unwrap_or(line.trim())
        .to_owned();
    for d in dirs {
        let shown = d.display().to_string();
        if !shown.is_empty() {
            line = line.replace(&format!("{shown}/"), "").replace(&shown, "");
        }
    }
    let unquoted = without_quotes(&line);
    let mut words = Vec::new();
    for token in unquoted.split_whitespace() {
        let bare = token.trim_end_matches([':', ';', ',', '.']);
        let ends = token.ends_with([':', ';']);
        let file = bare.split(':').next().unwrap_or(bare);
        let location = known.iter().any(|k| k == file)
            && bare[file.len()..]
                .split(':')
                .skip(1)
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let word = !bare.is_empty()
            && bare
                .chars()
                .all(|c| c.is_ascii_lowercase() || matches!(c, '\'' | '-' | '.' | '…' | '_'));
        if location || word {
            words.push(bare.to_owned());
        }
        // What follows a colon inside the detail is the value or the file's own text.
        if words.len() >= 11 || (ends && !location && words.len() > 1) {
            break;
        }
    }
    if words.is_empty() {
        "the command failed".into()
    } else {
        words.join(" ")
    }
}

fn without_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut prev = '\0';
    for c in s.chars() {
        match quote {
            Some(q) if c == q && prev != '\\' => {
                quote = None;
                out.push('…');
            }
            Some(_) => {}
            None if c == '"' || c == '`' => quote = Some(c),
            None => out.push(c),
        }
        prev = c;
    }
    out
}

/// Removes this server's folders from a message (a job stores it; any key may read it).
pub fn scrub(message: &str, dirs: &[&Path]) -> String {
    let mut out = message.to_owned();
    for d in dirs {
        let shown = d.display().to_string();
        if !shown.is_empty() && shown != "/" {
            out = out.replace(&format!("{shown}/"), "").replace(&shown, "…");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn gist_keeps_the_location_and_drops_values_and_file_text() {
        let dir = Path::new("/srv/data/jobs/job_1/input");
        let known = vec!["list.csv".to_owned(), "campaign.toml".to_owned()];
        let g = gist(
            "error: /srv/data/jobs/job_1/input/list.csv:1: column \"SECRET_LINE\" not found; the file has: topsecret,line",
            &[dir],
            &known,
        );
        assert_eq!(g, "list.csv:1 column … not found");
        let g = gist(
            "error: list.csv:3: invalid address \"0xdead\": expected 40 hex digits",
            &[dir],
            &known,
        );
        assert_eq!(g, "list.csv:3 invalid address …");
        let g = gist("error: PASSWORD=hunter2 DB=x", &[dir], &known);
        assert_eq!(g, "the command failed");
        let many = "abandon ".repeat(30);
        assert!(gist(&many, &[dir], &known).split(' ').count() < 12);
    }

    #[test]
    fn reserved_and_odd_names_are_refused() {
        for bad in [
            "campaign.toml",
            "Campaign.TOML",
            "bundle",
            "addresses-x.csv",
            "../x",
            "/etc/passwd",
            ".env",
        ] {
            assert!(upload_name(bad).is_err(), "{bad}");
        }
        assert!(upload_name("list.csv").is_ok());
    }
}
