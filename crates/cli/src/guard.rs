//! The key guard over the command line: every argument, before clap parses (clap quotes a
//! value it rejects) and before anything is logged. One check for every command, including
//! the ones added later: a private key, a recovery phrase or a keystore pasted where an
//! address, a URL or a text was expected is refused, naming the argument, never its value.

use airdrop_merkle::guard::{guard, guard_path, SecretRefused};

/// Options whose value is a 32-byte hash by type (a Merkle root): 64 hex digits are data there.
const HASH_OPTIONS: [&str; 2] = ["--expect-root", "--root"];

/// The first argument of `argv` (program name excluded) that holds a secret: which one (1-based
/// position, and the option it is the value of), and the refusal.
pub(crate) fn check(argv: &[String]) -> Result<(), (String, SecretRefused)> {
    let mut previous: Option<&str> = None;
    for (i, arg) in argv.iter().enumerate().skip(1) {
        let (option, value) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (Some(o), v),
            _ if arg.starts_with("--") => (None, ""),
            _ => (previous.filter(|p| p.starts_with("--")), arg.as_str()),
        };
        let hash = option.is_some_and(|o| HASH_OPTIONS.contains(&o));
        if !hash {
            // A value with a path separator is a file path (no key, phrase or keystore has
            // one): folders named by a bundle's `0x` root are data there.
            let path = value.contains(['/', '\\']);
            let checked = if path {
                guard_path(value)
            } else {
                guard(value)
            };
            checked.map_err(|e| {
                let which = match option {
                    Some(o) => format!("argument {i} (the value of {o})"),
                    None => format!("argument {i}"),
                };
                (which, e)
            })?;
        }
        // An option name itself may be a pasted secret too (`--<key>`).
        if arg.starts_with("--") {
            let name = arg.split_once('=').map_or(arg.as_str(), |(o, _)| o);
            guard(name).map_err(|e| (format!("argument {i}"), e))?;
        }
        previous = Some(arg.as_str());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("airdrop")
            .chain(list.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn secrets_are_refused_in_any_argument_but_roots_pass() {
        let key = format!("0x{}", "ab".repeat(32));
        let (which, e) = check(&args(&["tax", "--address", &key])).unwrap_err();
        assert_eq!(which, "argument 3 (the value of --address)");
        assert!(!e.to_string().contains(&key[2..]));
        let (which, _) = check(&args(&["tax", &format!("--address={key}")])).unwrap_err();
        assert_eq!(which, "argument 2 (the value of --address)");
        assert!(check(&args(&["explain", &key])).is_err());
        let ledger = format!(
            "state/31337/{}/{key}/push-ledger.sqlite",
            "0x".to_owned() + &"5f".repeat(20)
        );
        assert!(check(&args(&["push", "--ledger", &ledger])).is_ok());
        assert!(check(&args(&["tree", "verify", "t.json", "--expect-root", &key])).is_ok());
        assert!(check(&args(&["tree", "verify", &format!("--expect-root={key}")])).is_ok());
        assert!(check(&args(&[
            "tax",
            "--address",
            "0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f"
        ]))
        .is_ok());
    }
}
