//! The claim look-up's response body, the one response served millions of times: written by
//! hand into one buffer (no intermediate strings), with the proof gathered in a per-thread
//! buffer that is reused from request to request.

use crate::Campaign;
use airdrop_merkle::{Address, B256, U256};
use std::cell::RefCell;
use std::io::Write;

thread_local! {
    /// Proof hashes of the request in hand; kept so a look-up does not allocate for them.
    static PROOF: RefCell<Vec<B256>> = RefCell::new(Vec::with_capacity(64));
}

impl Campaign {
    /// The JSON body of `GET /v1/campaigns/{id}/claims/{address}` for `address` at unix time
    /// `now` (which decides what is vested), or `None` when the address has no claim here.
    pub fn claim_body(&self, address: &Address, now: u64) -> Option<Vec<u8>> {
        PROOF.with(|cell| match cell.try_borrow_mut() {
            Ok(mut proof) => self.claim_body_with(address, now, &mut proof),
            // Only reachable if a body were built while another is being built on this thread.
            Err(_) => self.claim_body_with(address, now, &mut Vec::new()),
        })
    }

    fn claim_body_with(
        &self,
        address: &Address,
        now: u64,
        proof: &mut Vec<B256>,
    ) -> Option<Vec<u8>> {
        proof.clear();
        let found = self.tree.lookup_into(address, proof).or_else(|| {
            // OpenZeppelin trees are not address/amount trees inside: the general look-up.
            let p = self.tree.proof(address)?;
            proof.clear();
            proof.extend_from_slice(&p.proof);
            Some((p.index, p.amount.parse().ok()?))
        });
        let (index, amount) = found?;
        Some(self.write_claim(address, index, amount, proof, now))
    }

    fn write_claim(
        &self,
        address: &Address,
        index: u64,
        amount: U256,
        proof: &[B256],
        now: u64,
    ) -> Vec<u8> {
        // Every field is hex, digits or an id already restricted to [A-Za-z0-9_-]: nothing to
        // escape. Writes into a Vec cannot fail, so their results carry nothing.
        let mut body = Vec::with_capacity(400 + proof.len() * 69);
        body.extend_from_slice(b"{\"campaign\":\"");
        body.extend_from_slice(self.id.as_bytes());
        body.extend_from_slice(b"\",\"address\":\"");
        let mut checksummed = [0u8; 42];
        body.extend_from_slice(address.to_checksum_raw(&mut checksummed, None).as_bytes());
        let _ = write!(
            body,
            "\",\"index\":{index},\"amount\":\"{amount}\",\"proof\":["
        );
        for (i, h) in proof.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            push_hash(&mut body, h);
        }
        body.extend_from_slice(b"],\"merkleRoot\":");
        push_hash(&mut body, &self.root);
        let claimed = self
            .claimed
            .load()
            .as_ref()
            .map(|m| m.get(&index).copied().unwrap_or_default());
        let vested = self.schedule.map(|s| s.vested(amount, now));
        let claimable = claimed.map(|cl| vested.unwrap_or(amount).saturating_sub(cl));
        push_amount(&mut body, b",\"claimed\":", claimed);
        push_amount(&mut body, b",\"vested\":", vested);
        push_amount(
            &mut body,
            b",\"locked\":",
            vested.map(|v| amount.saturating_sub(v)),
        );
        push_amount(&mut body, b",\"claimableNow\":", claimable);
        if let Some(s) = self.schedule {
            let _ = write!(
                body,
                ",\"schedule\":{{\"start\":{},\"deadline\":{},\"unlockedBps\":{},\"cliffEnd\":{},\"vestingEnd\":{}}}",
                s.start,
                s.deadline,
                s.vesting.unlocked_bps,
                s.start + s.vesting.cliff,
                s.start + s.vesting.duration
            );
        }
        body.extend_from_slice(b",\"announcement\":");
        match &self.announcement {
            Some(a) => body.extend_from_slice(&a.fragment),
            None => body.extend_from_slice(b"null"),
        }
        body.push(b'}');
        body
    }
}

fn push_amount(buf: &mut Vec<u8>, key: &[u8], v: Option<U256>) {
    // Unknown values are left out, which keeps the common response (no chain, no schedule) as
    // small as before these fields existed.
    if let Some(v) = v {
        buf.extend_from_slice(key);
        let _ = write!(buf, "\"{v}\"");
    }
}

fn push_hash(buf: &mut Vec<u8>, h: &B256) {
    let mut hex = [0u8; 64];
    buf.extend_from_slice(b"\"0x");
    if alloy_primitives::hex::encode_to_slice(h.as_slice(), &mut hex).is_ok() {
        buf.extend_from_slice(&hex);
    }
    buf.push(b'"');
}
