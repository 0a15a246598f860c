//! The parallel balance-map reader against `serde_json`'s: for random maps cut into random
//! chunk sizes, whenever the parallel reader answers, it answers what `serde_json`'s path
//! does; whenever that path refuses or merges, the parallel reader leaves the map to it.

use super::super::accounts::Accounts;
use super::super::json_file::{read_accounts_json, read_accounts_value};
use super::accounts;
use crate::Entry;
use proptest::prelude::*;

fn reference(data: &[u8]) -> Result<Vec<Entry>, String> {
    let mut acc = Accounts::new("in.json", false);
    read_accounts_value(data, "in.json", &mut acc)
        .map(|()| acc.entries)
        .map_err(|e| e.to_string())
}

fn address(i: u8, upper: bool) -> String {
    let a = format!("0x{:040x}", u128::from(i) * 0x1_0000_0001 + 0xabc);
    if upper {
        a.to_uppercase().replacen("0X", "0x", 1)
    } else {
        a
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => (any::<u8>(), any::<bool>()).prop_map(|(i, up)| format!("\"{}\"", address(i, up))),
        1 => Just("\"0x12\"".to_owned()),
        1 => Just(format!("\"0x{}\"", "0".repeat(40))),
        1 => Just("\"0x,\\\"a\"".to_owned()),
        1 => Just("\" 0xabc, \"".to_owned()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => (1u64..).prop_map(|v| v.to_string()),
        30 => (1u128..).prop_map(|v| format!("\"{v}\"")),
        1 => Just("0".to_owned()),
        1 => Just("\"0\"".to_owned()),
        1 => Just("007".to_owned()),
        1 => Just("18446744073709551616".to_owned()),
        1 => Just("1.5".to_owned()),
        1 => Just("-3".to_owned()),
        1 => Just("\" 12 \"".to_owned()),
        1 => Just("\"0x10\"".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just("[1]".to_owned()),
        1 => Just("\"a,b\"".to_owned()),
        1 => Just("\"\u{e9}\"".to_owned()),
    ]
}

/// A balance map, or the same entries as `[address, amount]` pairs.
fn map() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((key(), value(), prop_oneof!["", " ", "\n  "]), 0..24),
        prop_oneof![6 => Just(""), 1 => Just(","), 1 => Just("}"), 1 => Just("]"), 1 => Just(" x")],
        any::<bool>(),
    )
        .prop_map(|(entries, tail, pairs)| {
            let body: Vec<String> = entries
                .into_iter()
                .map(|(k, v, ws)| {
                    if pairs {
                        format!("{ws}[{ws}{k}{ws},{ws}{v}{ws}]{ws}")
                    } else {
                        format!("{ws}{k}{ws}:{ws}{v}{ws}")
                    }
                })
                .collect();
            let (open, close) = if pairs { ('[', ']') } else { ('{', '}') };
            format!(" {open}{}{tail}{close}\n", body.join(","))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn answers_only_what_serde_json_answers(text in map(), chunk in 1usize..120) {
        match (accounts(text.as_bytes(), chunk), reference(text.as_bytes())) {
            (Some(fast), Ok(whole)) => prop_assert_eq!(fast, whole),
            (Some(_), Err(e)) => prop_assert!(false, "serde_json's path refused it: {}", e),
            (None, _) => {}
        }
    }

    #[test]
    fn plain_maps_take_the_parallel_path(
        n in 1u8..60,
        chunk in 1usize..300,
        upper in any::<bool>(),
        pairs in any::<bool>(),
    ) {
        let body: Vec<String> = (0..n)
            .map(|i| {
                let v = u64::from(i) * 1_000_003 + 1;
                let a = address(i, upper);
                match (pairs, i % 2 == 0) {
                    (false, true) => format!("\n  \"{a}\": \"{v}\""),
                    (false, false) => format!("\"{a}\":{v}"),
                    (true, true) => format!("\n  [\"{a}\", \"{v}\"]"),
                    (true, false) => format!("[\"{a}\",{v}]"),
                }
            })
            .collect();
        let text = if pairs {
            format!("[{}\n]", body.join(","))
        } else {
            format!("{{{}\n}}", body.join(","))
        };
        let fast = accounts(text.as_bytes(), chunk);
        prop_assert_eq!(fast.map(Ok), Some(reference(text.as_bytes())));
    }
}

#[test]
fn the_whole_read_words_errors_as_before() {
    let dup = r#"{"0x00000000000000000000000000000000000000aa":"1","0x00000000000000000000000000000000000000aa":"2"}"#;
    let mut acc = Accounts::new("in.json", true);
    let e = read_accounts_json(dup.as_bytes(), "in.json", &mut acc)
        .unwrap_err()
        .to_string();
    assert!(e.contains("duplicate key"), "{e}");
    let zero = r#"{"0x00000000000000000000000000000000000000aa":"0"}"#;
    let mut acc = Accounts::new("in.json", false);
    let e = read_accounts_json(zero.as_bytes(), "in.json", &mut acc)
        .unwrap_err()
        .to_string();
    assert!(e.contains("amount is zero"), "{e}");
}
