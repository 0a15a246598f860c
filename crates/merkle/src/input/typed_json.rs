//! Uniswap's newer input format, `[{"address": "0x…", "earnings": "0x…", "reasons": "…"}]`,
//! read with typed serde structs over borrowed text instead of a `serde_json::Value` tree (an
//! object map and strings allocated per entry), on all cores where the text allows a split (see
//! [`crate::json::items`]; a text with a backslash is read on one core).
//!
//! Only the plain shape is taken: every item an object with string `address` and `earnings`,
//! any other keys holding scalars, no key twice, nothing a keystore check would refuse. Any
//! other document is left to the `serde_json::Value` path, which words every error, so the two
//! agree on what they accept and on every message.

use super::accounts::Accounts;
use crate::address::parse_address;
use crate::amount::parse_amount;
use crate::error::Result;
use crate::json::items::{array_items, Text, CHUNK};
use rayon::prelude::*;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Reads `data` into `acc` when it has the plain shape: `Ok(true)` when read (or refused with
/// the error the reference path gives), `Ok(false)` when the reference path must read it.
pub(super) fn read_uniswap_items(data: &[u8], acc: &mut Accounts<'_>) -> Result<bool> {
    read_items(data, acc, CHUNK)
}

/// [`read_uniswap_items`] with pieces of about `chunk` bytes: items are read and their fields
/// parsed on all cores, then taken in file order (duplicates, merges and the first error are
/// decided there, as on the reference path).
fn read_items(data: &[u8], acc: &mut Accounts<'_>, chunk: usize) -> Result<bool> {
    // The reference path refuses a keystore over the first 64 KiB it reads: let it.
    let head = &data[..data.len().min(64 * 1024)];
    if crate::guard::guard_keystore(&String::from_utf8_lossy(head)).is_err() {
        return Ok(false);
    }
    let Some(pieces) = array_items::<Item<'_>>(data, chunk, b'}') else {
        return Ok(false);
    };
    let jobs = crate::json::items::numbered(&pieces, 0);
    let parsed: Vec<Vec<_>> = jobs
        .par_iter()
        .map(|&(first, items)| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let i = first + i;
                    let amount = parse_amount(&item.earnings).map_err(|d| format!("item {i}: {d}"));
                    let spelling = crate::address::spelling(item.address.as_bytes());
                    (parse_address(&item.address), amount, spelling)
                })
                .collect()
        })
        .collect();
    drop(pieces);
    for (address, amount, spelling) in parsed.into_iter().flatten() {
        acc.add(0, address, amount, spelling)?;
    }
    Ok(true)
}

/// One `{address, earnings, …}` entry.
struct Item<'a> {
    address: Cow<'a, str>,
    earnings: Cow<'a, str>,
}

impl<'de> de::Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with string address and earnings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Item<'de>, A::Error> {
        let (mut address, mut earnings) = (None, None);
        // Keys seen, to refuse one given twice (as the reference parser does); items have a
        // handful, so a list is cheaper than a set.
        let mut seen: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom("duplicate key"));
            }
            match key.as_ref() {
                "address" => address = Some(map.next_value::<Text<'de>>()?.0),
                "earnings" => earnings = Some(map.next_value::<Text<'de>>()?.0),
                _ => {
                    map.next_value::<Scalar>()?;
                }
            }
            seen.push(key);
        }
        match (address, earnings) {
            (Some(address), Some(earnings)) => Ok(Item { address, earnings }),
            _ => Err(de::Error::custom("not the plain shape")),
        }
    }
}

/// Any value but an array or an object (serde's `IgnoredAny` would skip a nested object's
/// keys without the duplicate check).
struct Scalar;

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Scalar, E> {
        Ok(Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Scalar, E> {
        Ok(Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Scalar, E> {
        Ok(Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Scalar, E> {
        Ok(Scalar)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Scalar, E> {
        Ok(Scalar)
    }
    fn visit_unit<E>(self) -> std::result::Result<Scalar, E> {
        Ok(Scalar)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> std::result::Result<Scalar, A::Error> {
        Err(de::Error::custom("nested object"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> std::result::Result<Scalar, A::Error> {
        Err(de::Error::custom("nested array"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::accounts::Accounts;
    use super::super::json_file::{read_accounts_json, read_accounts_value};
    use crate::Entry;
    use proptest::prelude::*;

    fn read(data: &[u8], reference: bool) -> Result<Vec<Entry>, String> {
        let mut acc = Accounts::new("in.json", false);
        let done = if reference {
            read_accounts_value(data, "in.json", &mut acc)
        } else {
            read_accounts_json(data, "in.json", &mut acc)
        };
        done.map(|()| acc.entries).map_err(|e| e.to_string())
    }

    fn item() -> impl Strategy<Value = String> {
        let address = (0u8..40, any::<bool>()).prop_map(|(i, up)| {
            let a = format!("0x{:040x}", u128::from(i) * 0x1_0000_0001 + 0xabc);
            if up {
                a.to_uppercase().replacen("0X", "0x", 1)
            } else {
                a
            }
        });
        let earnings = prop_oneof![
            10 => (1u64..).prop_map(|v| format!("\"0x{v:x}\"")),
            1 => Just("\"0x00\"".to_owned()),
            1 => Just("\"12\"".to_owned()),
            1 => Just("\"0xzz\"".to_owned()),
            1 => Just("5".to_owned()),
            1 => Just("null".to_owned()),
        ];
        let extra = prop_oneof![
            6 => Just(String::new()),
            3 => Just(",\"reasons\":\"LP, airdrop\"".to_owned()),
            2 => Just(",\"reasons\":\"LP}, {x: [é 🚀 ],\"".to_owned()),
            1 => Just(",\"reasons\":\"say \\\"hi\\\", },{\"".to_owned()),
            1 => Just(",\"reasons\":null,\"n\":12".to_owned()),
            1 => Just(",\"reasons\":{\"a\":1,\"a\":2}".to_owned()),
            1 => Just(",\"reasons\":[1]".to_owned()),
            1 => Just(",\"x\":1,\"x\":2".to_owned()),
            1 => Just(",\"address\":\"0x1\"".to_owned()),
            1 => Just(",\"amount\":\"7\"".to_owned()),
        ];
        let name =
            prop_oneof![8 => Just("address"), 1 => Just("account"), 1 => Just("addr\\u0065ss")];
        (name, address, earnings, extra, any::<bool>()).prop_map(|(n, a, e, x, first)| {
            if first {
                format!("{{\"{n}\":\"{a}\",\"earnings\":{e}{x}}}")
            } else {
                format!("{{\"earnings\":{e}{x},\"{n}\":\"{a}\"}}")
            }
        })
    }

    proptest! {
        /// Whatever the typed reader takes, it reads as the `Value` path does, with the same
        /// entries or the same error.
        #[test]
        fn typed_items_read_as_the_value_path(items in prop::collection::vec(item(), 0..30)) {
            let doc = format!("[{}]", items.join(","));
            prop_assert_eq!(read(doc.as_bytes(), false), read(doc.as_bytes(), true), "{}", doc);
        }

        /// Read in pieces of any size, the items give the entries or the error of the `Value`
        /// path, whenever the typed reader takes the document.
        #[test]
        fn typed_items_in_pieces_read_as_the_value_path(
            items in prop::collection::vec(item(), 0..30),
            chunk in 1usize..200,
        ) {
            let doc = format!("[\n{}\n]", items.join(",\n"));
            let mut acc = Accounts::new("in.json", false);
            let typed = super::read_items(doc.as_bytes(), &mut acc, chunk)
                .map(|taken| taken.then_some(acc.entries))
                .map_err(|e| e.to_string());
            let reference = read(doc.as_bytes(), true);
            match typed {
                Ok(None) => {}
                Ok(Some(entries)) => prop_assert_eq!(Ok(entries), reference, "{}", doc),
                Err(e) => prop_assert_eq!(Err(e), reference, "{}", doc),
            }
        }
    }

    /// The plain shape is read here, not handed on.
    #[test]
    fn the_plain_shape_is_taken() {
        let doc = br#"[{"address":"0x00000000000000000000000000000000000000aa","earnings":"0x0a","reasons":"x"}]"#;
        let mut acc = Accounts::new("in.json", false);
        assert!(super::read_uniswap_items(doc, &mut acc).unwrap());
        assert_eq!(acc.entries.len(), 1);
        assert_eq!(acc.entries[0].amount, crate::U256::from(10u8));
        for other in [
            &br#"[{"address":"0x00000000000000000000000000000000000000aa","earnings":"0x0a","x":1,"x":1}]"#[..],
            br#"[{"account":"0x00000000000000000000000000000000000000aa","earnings":"0x0a"}]"#,
            br#"[["0x00000000000000000000000000000000000000aa","10"]]"#,
        ] {
            let mut acc = Accounts::new("in.json", false);
            assert!(!super::read_uniswap_items(other, &mut acc).unwrap());
        }
    }
}
