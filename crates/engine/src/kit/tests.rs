//! The kit's writer on a small bundle built in memory.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn shard_digits_keep_shards_small() {
    assert_eq!(shard_digits(1), 1);
    assert_eq!(shard_digits(16 * 1024), 1);
    assert_eq!(shard_digits(16 * 1024 + 1), 2);
    assert_eq!(shard_digits(100_000_000), 4);
}

#[test]
fn page_markers_are_filled_once() {
    let out = page::fill("a __X__ b __Y__", &[("__X__", "__Y__"), ("__Y__", "y")]);
    assert_eq!(out, "a __Y__ b y");
}

#[test]
fn calldata_matches_the_selector_and_layout() {
    let data = claim_calldata(
        U256::from(7u64),
        Address::repeat_byte(0xab),
        U256::from(5u64),
        &[B256::repeat_byte(1)],
    );
    // claim(uint256,address,uint256,bytes32[]): 4-byte selector, 3 words, offset, length, item.
    assert_eq!(data.len(), 4 + 32 * 6);
    assert_eq!(
        &data[..4],
        &alloy_primitives::keccak256("claim(uint256,address,uint256,bytes32[])")[..4]
    );
    assert_eq!(data[4 + 31], 7);
    assert_eq!(data[4 + 32 * 3 + 31], 0x80);
}

#[test]
fn only_the_kits_own_files_are_ever_replaced() {
    for name in [
        "index.html",
        "kit.json",
        "announcement.json",
        "shards/a.json",
        "shards/0f3c.js",
    ] {
        assert!(super::is_kit_file(name), "{name}");
    }
    for name in [
        "../x",
        "notes.txt",
        "shards/../../x.json",
        "shards/ab.txt",
        "shards/12345.json",
        "shards/zz.js",
        "shards/",
        "/etc/passwd",
    ] {
        assert!(!super::is_kit_file(name), "{name}");
    }
}
