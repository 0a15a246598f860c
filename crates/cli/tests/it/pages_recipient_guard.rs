//! The pages' key guard (web/pages/src/lib/guard.ts) against the server's
//! (`airdrop_merkle::guard`): in an address-like field the page refuses everything the server
//! would (it may refuse more: it has no BIP-39 word list), and lets data through that the server
//! lets through (addresses, URLs with hashes, digests in URNs).

#![allow(clippy::unwrap_used)]

use crate::pages_support::node_script;
use airdrop_merkle::guard::looks_like_secret;
use serde_json::{json, Value};

#[test]
fn the_pages_guard_refuses_what_the_servers_does() {
    let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let other = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    let secrets = [
        format!("0x{key}"),
        key.to_owned(),
        format!("my key is 0x{key}, keep it"),
        phrase.to_owned(),
        other.to_uppercase(),
        phrase.replace(' ', ","),
        format!("here it is: {phrase}. thanks"),
        r#"{"version":3,"crypto":{"ciphertext":"ab12","cipher":"aes-128-ctr"}}"#.to_owned(),
    ];
    let data = [
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".to_owned(),
        format!("https://etherscan.io/tx/0x{key}"),
        format!("urn:airdrop:evidence:sha256:{key}"),
        "https://example.org/posts/42 (my thread about the drop)".to_owned(),
        "I wrote a thread about the drop and shared it with my friends on the forum today."
            .to_owned(),
        "3ac6e59326".to_owned(),
    ];
    let texts: Vec<&String> = secrets.iter().chain(data.iter()).collect();
    let seen = node_script("recipient-guard.mjs", &json!(texts));
    let seen = seen.as_array().unwrap();
    for (text, page) in texts.iter().zip(seen) {
        let server = looks_like_secret(text);
        if server.is_some() {
            assert_ne!(page["field"], Value::Null, "the page lets through {text:?}");
        }
    }
    for (text, page) in secrets.iter().zip(seen) {
        assert!(
            looks_like_secret(text).is_some(),
            "vector {text:?} is no secret to the server"
        );
        assert_ne!(page["field"], Value::Null, "{text:?}");
    }
    for (text, page) in data.iter().zip(&seen[secrets.len()..]) {
        assert_eq!(looks_like_secret(text), None, "{text:?}");
        assert_eq!(page["field"], Value::Null, "the page refuses data {text:?}");
        assert_eq!(
            page["prose"],
            Value::Null,
            "the page refuses prose {text:?}"
        );
    }
    // In free text the page catches what is nothing but a phrase, a key or a keystore.
    for i in [0, 1, 2, 3, 4, 7] {
        assert_ne!(seen[i]["prose"], Value::Null, "{:?}", secrets[i]);
    }
}
