//! Signed announcements: the campaign's public facts (chain, token, distributor, root, total,
//! recipients, claim window, vesting, the hash of every bundle file, a URI) signed as EIP-712
//! typed data and written beside the manifest as `announcement.json`, so a recipient can tell the
//! genuine campaign from a copy before claiming ([`verify`]) and check an address against the
//! signed root without trusting any server ([`check`]).

mod check;
mod source;
mod verify;

pub use check::{check, CheckFrom, CheckOutcome};
pub use source::Source;
pub use verify::{verify, verify_local, Verdict, VerifyInput};

use crate::distribution::{input, Bundle};
use crate::Result;
use airdrop_core::Manifest;
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::{eip712_domain, SolStruct};
use alloy_primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The file `airdrop sign` writes in the bundle.
pub const ANNOUNCEMENT_FILE: &str = "announcement.json";
/// Format tag of `announcement.json`.
pub const ANNOUNCEMENT_FORMAT: &str = "airdrop-announcement/1";
/// The EIP-712 domain name (with version "1" and the campaign's chain id).
pub const DOMAIN_NAME: &str = "airdrop announcement";

alloy::sol! {
    /// The typed data signed (EIP-712 struct `Announcement`).
    #[allow(missing_docs)]
    #[derive(Debug, PartialEq, Eq)]
    struct Announcement {
        uint64 chainId;
        address token;
        address distributor;
        bytes32 root;
        uint256 total;
        uint64 count;
        uint64 claimStart;
        uint64 claimDeadline;
        uint16 unlockedBps;
        uint64 cliff;
        uint64 duration;
        uint64 deployBlock;
        bytes32 filesHash;
        string uri;
    }
}

/// `announcement.json`: the signed fields, who signed and the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementFile {
    /// Always [`ANNOUNCEMENT_FORMAT`].
    pub format: String,
    /// The signed fields.
    pub message: Fields,
    /// The signer: an EOA, or a contract wallet (EIP-1271, e.g. a multisig).
    #[serde(serialize_with = "checksummed")]
    pub signer: Address,
    /// `"eoa"` or `"contract"`.
    pub signer_kind: String,
    /// The signature over [`Fields::signing_hash`].
    pub signature: Bytes,
}

/// The announcement's fields as JSON (amounts as decimal text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    /// Chain of the distributor.
    pub chain_id: u64,
    /// The token paid out.
    #[serde(serialize_with = "checksummed")]
    pub token: Address,
    /// The distributor contract recipients claim from.
    #[serde(serialize_with = "checksummed")]
    pub distributor: Address,
    /// The Merkle root of the claims.
    pub root: B256,
    /// What the recipients get in all, base units (decimal).
    pub total: String,
    /// Recipients.
    pub count: u64,
    /// Claims open, unix seconds (0 without a window).
    pub claim_start: u64,
    /// Claims close, unix seconds (`u64::MAX` without a window).
    pub claim_deadline: u64,
    /// Share unlocked at start, basis points (10000 without vesting).
    pub unlocked_bps: u16,
    /// Vesting cliff, seconds.
    pub cliff: u64,
    /// Vesting duration, seconds (0 without vesting).
    pub duration: u64,
    /// Block the distributor was created in (where its `Claimed` logs start).
    pub deploy_block: u64,
    /// [`files_hash`] of the bundle.
    pub files_hash: B256,
    /// Where the campaign is announced, `""` when not given.
    pub uri: String,
}

impl Fields {
    /// The total as a number.
    pub fn total_amount(&self) -> Result<U256> {
        U256::from_str_radix(&self.total, 10).map_err(|e| {
            input(format!(
                "{ANNOUNCEMENT_FILE}: total {:?} is not a decimal amount ({e}); re-sign the bundle with `airdrop sign`",
                self.total
            ))
        })
    }

    /// The EIP-712 struct.
    pub fn typed(&self) -> Result<Announcement> {
        Ok(Announcement {
            chainId: self.chain_id,
            token: self.token,
            distributor: self.distributor,
            root: self.root,
            total: self.total_amount()?,
            count: self.count,
            claimStart: self.claim_start,
            claimDeadline: self.claim_deadline,
            unlockedBps: self.unlocked_bps,
            cliff: self.cliff,
            duration: self.duration,
            deployBlock: self.deploy_block,
            filesHash: self.files_hash,
            uri: self.uri.clone(),
        })
    }

    /// The EIP-712 digest that is signed.
    pub fn signing_hash(&self) -> Result<B256> {
        let domain = eip712_domain! {
            name: DOMAIN_NAME,
            version: "1",
            chain_id: self.chain_id,
        };
        Ok(self.typed()?.eip712_signing_hash(&domain))
    }
}

impl AnnouncementFile {
    /// Reads `announcement.json`, refusing unknown fields and another format.
    pub fn read(bytes: &[u8]) -> Result<AnnouncementFile> {
        let a: AnnouncementFile = serde_json::from_slice(bytes).map_err(|e| {
            input(format!(
                "{ANNOUNCEMENT_FILE} is not an announcement written by `airdrop sign`: {e}"
            ))
        })?;
        if a.format != ANNOUNCEMENT_FORMAT {
            return Err(input(format!(
                "{ANNOUNCEMENT_FILE}: format {:?} is not {ANNOUNCEMENT_FORMAT:?}; sign the bundle with this version of `airdrop sign`",
                a.format
            )));
        }
        Ok(a)
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = serde_json::to_vec_pretty(self)
            .map_err(|e| input(format!("cannot serialise {ANNOUNCEMENT_FILE}: {e}")))?;
        out.push(b'\n');
        Ok(out)
    }
}

/// Addresses are written checksummed, as people compare them.
fn checksummed<S: serde::Serializer>(a: &Address, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&a.to_checksum(None))
}

/// One hash over the whole bundle: SHA-256 of `manifest.json <sha256>\n` followed by
/// `<path> <sha256>\n` for each of the manifest's outputs (sorted by path). The manifest carries
/// its outputs' hashes already; listing them again lets a verifier name the file that differs.
pub fn files_hash(manifest_sha256: &str, outputs: &BTreeMap<String, String>) -> B256 {
    let mut h = Sha256::new();
    h.update(format!("manifest.json {manifest_sha256}\n"));
    for (path, sha) in outputs {
        h.update(format!("{path} {sha}\n"));
    }
    B256::from_slice(&h.finalize())
}

/// What `airdrop sign` needs besides the key.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    /// The bundle (its manifest is hashed as the file's bytes).
    pub bundle: &'a Bundle,
    /// The distributor (from its deployment record).
    pub distributor: Address,
    /// The token it pays (the record's: a deploy may name another token than the manifest).
    pub token: Address,
    /// Block the distributor was created in.
    pub deploy_block: u64,
    /// Announcement URI (`""` for none).
    pub uri: String,
    /// A contract wallet (EIP-1271) signing through the key's owner, `None` for the key itself.
    pub contract_signer: Option<Address>,
}

/// The typed fields of `bundle`'s announcement.
pub fn fields_of(s: &SignInput<'_>, manifest_bytes: &[u8]) -> Fields {
    let b = s.bundle;
    let m: &Manifest = &b.manifest;
    Fields {
        chain_id: b.chain_id,
        token: s.token,
        distributor: s.distributor,
        root: b.root,
        total: b.total.to_string(),
        count: b.count,
        claim_start: b.start,
        claim_deadline: b.deadline,
        unlocked_bps: b.vesting.unlocked_bps,
        cliff: b.vesting.cliff,
        duration: b.vesting.duration,
        deploy_block: s.deploy_block,
        files_hash: files_hash(&crate::input::sha256_hex(manifest_bytes), &m.outputs),
        uri: s.uri.clone(),
    }
}

/// Signs the announcement of `s.bundle` and writes `announcement.json` in the bundle (replacing
/// an earlier one; `manifest.json` is never touched).
pub fn sign(s: &SignInput<'_>, key: &PrivateKeySigner) -> Result<AnnouncementFile> {
    // Recipients check a claim by folding the distributor's leaf to the signed root: only a
    // tree of those leaves can be announced for it.
    let preset = &s.bundle.manifest.merkle.preset;
    if preset != "uniswap" {
        return Err(input(format!(
            "the bundle's tree is {preset:?}, but the distributor pays uniswap-leaf trees only; build the campaign with format = \"uniswap\" to announce it"
        )));
    }
    let mpath = s.bundle.dir.join("manifest.json");
    let manifest = crate::input::read_record(&mpath)
        .map_err(|e| input(format!("cannot read {}: {e}", mpath.display())))?;
    let message = fields_of(s, &manifest);
    let digest = message.signing_hash()?;
    let sig = key
        .sign_hash_sync(&digest)
        .map_err(|e| input(format!("signing failed: {e}")))?;
    let file = AnnouncementFile {
        format: ANNOUNCEMENT_FORMAT.to_owned(),
        message,
        signer: s.contract_signer.unwrap_or(key.address()),
        signer_kind: if s.contract_signer.is_some() {
            "contract"
        } else {
            "eoa"
        }
        .to_owned(),
        signature: Bytes::from(sig.as_bytes().to_vec()),
    };
    let out = s.bundle.dir.join(ANNOUNCEMENT_FILE);
    let tmp = s.bundle.dir.join(format!("{ANNOUNCEMENT_FILE}.tmp"));
    let io = |e: std::io::Error| input(format!("cannot write {}: {e}", out.display()));
    std::fs::write(&tmp, file.to_bytes()?).map_err(io)?;
    std::fs::rename(&tmp, &out).map_err(io)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn files_hash_names_every_file() {
        let mut outputs = BTreeMap::new();
        outputs.insert("claims.json".to_owned(), "aa".to_owned());
        let a = files_hash("m1", &outputs);
        assert_ne!(a, files_hash("m2", &outputs));
        outputs.insert("claims.json".to_owned(), "ab".to_owned());
        assert_ne!(a, files_hash("m1", &outputs));
    }

    fn fields() -> Fields {
        Fields {
            chain_id: 31337,
            token: Address::repeat_byte(1),
            distributor: Address::repeat_byte(2),
            root: B256::repeat_byte(3),
            total: "1000".into(),
            count: 4,
            claim_start: 10,
            claim_deadline: 20,
            unlocked_bps: 2500,
            cliff: 5,
            duration: 8,
            deploy_block: 7,
            files_hash: B256::repeat_byte(4),
            uri: String::new(),
        }
    }

    #[test]
    fn every_field_is_signed() {
        let base = fields().signing_hash().unwrap();
        let changes: Vec<fn(&mut Fields)> = vec![
            |f| f.chain_id = 1,
            |f| f.token = Address::repeat_byte(9),
            |f| f.distributor = Address::repeat_byte(9),
            |f| f.root = B256::repeat_byte(9),
            |f| f.total = "1001".into(),
            |f| f.count = 5,
            |f| f.claim_start = 11,
            |f| f.claim_deadline = 21,
            |f| f.unlocked_bps = 2501,
            |f| f.cliff = 6,
            |f| f.duration = 9,
            |f| f.deploy_block = 8,
            |f| f.files_hash = B256::repeat_byte(9),
            |f| f.uri = "x".into(),
        ];
        for (i, change) in changes.into_iter().enumerate() {
            let mut f = fields();
            change(&mut f);
            assert_ne!(f.signing_hash().unwrap(), base, "field {i} is not signed");
        }
    }

    #[test]
    fn the_file_round_trips_and_refuses_strangers() {
        let key = PrivateKeySigner::random();
        let message = fields();
        let sig = key
            .sign_hash_sync(&message.signing_hash().unwrap())
            .unwrap();
        let file = AnnouncementFile {
            format: ANNOUNCEMENT_FORMAT.into(),
            message,
            signer: key.address(),
            signer_kind: "eoa".into(),
            signature: Bytes::from(sig.as_bytes().to_vec()),
        };
        let bytes = file.to_bytes().unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains(&key.address().to_checksum(None)));
        assert_eq!(AnnouncementFile::read(&bytes).unwrap(), file);
        let text = String::from_utf8(bytes).unwrap();
        let e = AnnouncementFile::read(text.replace("\"uri\"", "\"url\"").as_bytes()).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let e = AnnouncementFile::read(text.replace("announcement/1", "announcement/2").as_bytes())
            .unwrap_err();
        assert!(e.to_string().contains("airdrop-announcement/2"), "{e}");
        let mut f = fields();
        f.total = "1e3".into();
        assert!(f
            .signing_hash()
            .unwrap_err()
            .to_string()
            .contains("\"1e3\""));
    }
}
