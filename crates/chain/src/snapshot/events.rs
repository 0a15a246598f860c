//! Event signatures for `contract-users`: `Name(type [indexed] [name], …)`, elementary types
//! only. Address arguments, indexed (from topics) or not (from the data's head words), are the
//! users an event names.

use crate::error::{ChainError, Result};
use crate::rpc::RawLog;
use alloy_primitives::{keccak256, Address, B256};

/// A parsed event signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpec {
    /// Canonical signature, e.g. `Swap(address,uint256,uint256,uint256,uint256,address)`.
    pub signature: String,
    /// `keccak256(signature)`.
    pub topic0: B256,
    /// Where each address argument sits.
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Indexed: topic number (1..=3).
    Topic(usize),
    /// Not indexed: head word number in the data.
    Word(usize),
}

const ELEMENTARY: &[&str] = &["address", "bool", "string", "bytes", "function"];

fn elementary(t: &str) -> bool {
    if ELEMENTARY.contains(&t) {
        return true;
    }
    let sized = |prefix: &str, max: u32, step: u32| {
        t.strip_prefix(prefix)
            .and_then(|n| {
                if n.is_empty() {
                    Some(256)
                } else {
                    n.parse::<u32>().ok()
                }
            })
            .is_some_and(|n| n >= step && n <= max && n % step == 0)
    };
    sized("uint", 256, 8)
        || sized("int", 256, 8)
        || (t.starts_with("bytes") && sized("bytes", 32, 1) && t != "bytes")
}

impl EventSpec {
    /// Parses `Transfer(address indexed from, address indexed to, uint256 value)` or the
    /// canonical `Transfer(address,address,uint256)` (where no argument is taken as indexed).
    pub fn parse(text: &str) -> Result<EventSpec> {
        let bad = |detail: String| ChainError::Params(format!("event {text:?}: {detail}"));
        let text_trim = text.trim();
        let open = text_trim
            .find('(')
            .ok_or_else(|| bad("expected Name(type [indexed] [name], …)".into()))?;
        let name = text_trim[..open].trim().trim_start_matches("event ").trim();
        let inner = text_trim[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| bad("missing the closing parenthesis".into()))?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad(format!("{name:?} is not an event name")));
        }
        let mut types = Vec::new();
        let mut slots = Vec::new();
        let (mut topic, mut word) = (1usize, 0usize);
        for (i, arg) in inner.split(',').map(str::trim).enumerate() {
            if arg.is_empty() {
                if inner.trim().is_empty() {
                    break;
                }
                return Err(bad(format!("argument {} is empty", i + 1)));
            }
            let words: Vec<&str> = arg.split_whitespace().collect();
            let ty = match words[0] {
                "uint" => "uint256",
                "int" => "int256",
                t => t,
            };
            if !elementary(ty) {
                return Err(bad(format!(
                    "argument type {ty:?} is not supported (only elementary types: address, uintN, intN, bool, bytesN, bytes, string)"
                )));
            }
            let indexed = words.get(1) == Some(&"indexed");
            if indexed {
                if topic > 3 {
                    return Err(bad("more than three indexed arguments".into()));
                }
                if ty == "address" {
                    slots.push(Slot::Topic(topic));
                }
                topic += 1;
            } else {
                if ty == "address" {
                    slots.push(Slot::Word(word));
                }
                word += 1;
            }
            types.push(ty.to_owned());
        }
        if slots.is_empty() {
            return Err(bad(
                "it has no address argument, so it names no users".into()
            ));
        }
        let signature = format!("{name}({})", types.join(","));
        Ok(EventSpec {
            topic0: keccak256(signature.as_bytes()),
            signature,
            slots,
        })
    }

    /// The addresses a log of this event names (zero address skipped).
    pub fn addresses(&self, log: &RawLog) -> Vec<Address> {
        let mut out = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let word: Option<&[u8]> = match slot {
                Slot::Topic(i) => log.topics.get(*i).map(|t| t.as_slice()),
                Slot::Word(i) => log.data.get(i * 32..i * 32 + 32),
            };
            if let Some(w) = word {
                let a = Address::from_slice(&w[12..]);
                if a != Address::ZERO {
                    out.push(a);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_signatures() {
        let e =
            EventSpec::parse("Transfer(address indexed from, address indexed to, uint256 value)")
                .unwrap();
        assert_eq!(e.signature, "Transfer(address,address,uint256)");
        assert_eq!(e.topic0, super::super::ledger::transfer_topic());
        assert_eq!(e.slots, vec![Slot::Topic(1), Slot::Topic(2)]);
        let s = EventSpec::parse("Swap(address indexed sender, uint amount0In, uint a1, uint a2, uint a3, address indexed to)").unwrap();
        assert_eq!(
            s.signature,
            "Swap(address,uint256,uint256,uint256,uint256,address)"
        );
        let d = EventSpec::parse("Deposit(address user,uint256 amount)").unwrap();
        assert_eq!(d.slots, vec![Slot::Word(0)]);
    }

    #[test]
    fn refuses_bad_signatures() {
        for bad in [
            "Transfer",
            "Transfer(address",
            "(address)",
            "X(uint256)",
            "X((address,uint256) t)",
            "X(address indexed a, address indexed b, address indexed c, address indexed d)",
        ] {
            assert!(EventSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
