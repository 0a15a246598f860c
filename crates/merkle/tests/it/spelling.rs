//! OpenZeppelin dumps of `address,uint256` files write each address as the file wrote it (as
//! `StandardMerkleTree.of(values).dump()` keeps its values), on every path that reads a file;
//! trees built from entries alone write EIP-55.

// Test code panics on purpose: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::support::Mem;
use airdrop_merkle::input::{read_records_with, InputFormat, ReadOptions};
use airdrop_merkle::{build, build_claims, Entry, Preset, TreeOptions, U256};

/// Lower case, upper case and EIP-55, several of each, so every case lands in the dump.
fn spellings() -> Vec<String> {
    (1..=30u8)
        .map(|i| {
            let address = airdrop_merkle::Address::from([i.wrapping_mul(37) | 1; 20]);
            match i % 3 {
                0 => format!("0x{}", alloy_primitives::hex::encode(address)),
                1 => format!("0x{}", alloy_primitives::hex::encode_upper(address)),
                _ => address.to_checksum(None),
            }
        })
        .collect()
}

/// The `value[0]` of every dumped value, in input order.
fn dumped(format: InputFormat, name: &str, text: &str) -> Vec<String> {
    let options = TreeOptions::new(Preset::OzStandard);
    let (records, _) = read_records_with(
        text.as_bytes(),
        name,
        format,
        &options.leaf_encoding(),
        ReadOptions::default(),
    )
    .unwrap();
    let mut sink = Mem::default();
    build(&options, records).unwrap().write(&mut sink).unwrap();
    let dump = sink.json(&sink.0.keys().next().unwrap().clone());
    dump["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"][0].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_file_path_writes_addresses_as_the_file_wrote_them() {
    let given = spellings();
    let csv: String = std::iter::once("address,amount\n".to_owned())
        .chain(
            given
                .iter()
                .enumerate()
                .map(|(i, a)| format!("{a},{}\n", i + 1)),
        )
        .collect();
    // A quoted field sends the whole file through the `csv` crate's reader instead.
    let quoted = csv.replacen("address,amount", "\"address\",amount", 1);
    let map = format!(
        "{{{}}}",
        given
            .iter()
            .enumerate()
            .map(|(i, a)| format!("\"{a}\":\"{}\"", i + 1))
            .collect::<Vec<_>>()
            .join(",")
    );
    // An escape puts the map outside the parallel reader's subset: serde_json reads it.
    let escaped = map.replacen("\":\"1\"", "\":\"\\u0031\"", 1);
    assert_ne!(escaped, map);
    let items = format!(
        "[{}]",
        given
            .iter()
            .enumerate()
            .map(|(i, a)| format!(
                "{{\"address\":\"{a}\",\"earnings\":\"{}\",\"reasons\":\"\"}}",
                i + 1
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (format, text) in [
        (InputFormat::Json, &items),
        (InputFormat::Csv, &csv),
        (InputFormat::Csv, &quoted),
        (InputFormat::Json, &map),
        (InputFormat::Json, &escaped),
    ] {
        assert_eq!(dumped(format, "in", text), given, "{text:.60}");
    }
}

#[test]
fn trees_built_from_entries_write_eip55() {
    let entries: Vec<Entry> = spellings()
        .iter()
        .map(|a| Entry {
            address: a.parse().unwrap(),
            amount: U256::from(7u8),
        })
        .collect();
    let mut sink = Mem::default();
    build_claims(&TreeOptions::new(Preset::OzStandard), entries.clone())
        .unwrap()
        .write(&mut sink)
        .unwrap();
    let dump = sink.json(&sink.0.keys().next().unwrap().clone());
    let written: Vec<&str> = dump["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"][0].as_str().unwrap())
        .collect();
    let expected: Vec<String> = entries
        .iter()
        .map(|e| e.address.to_checksum(None))
        .collect();
    assert_eq!(written, expected);
}
