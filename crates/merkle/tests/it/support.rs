//! Helpers the Merkle tests share: the conformance vectors, read in place, and an in-memory
//! sink for what a build writes.

// Test helpers panic on purpose: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used)]

use airdrop_merkle::Sink;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// `../shared/vectors`, beside the checkout.
pub(crate) fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// A vector file's text (`rel` under [`vectors`]).
pub(crate) fn read(rel: &str) -> String {
    let p = vectors().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// An in-memory sink.
#[derive(Default)]
pub(crate) struct Mem(pub(crate) HashMap<String, std::rc::Rc<std::cell::RefCell<Vec<u8>>>>);

/// One file of a [`Mem`] sink being written.
pub(crate) struct MemWriter(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for MemWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Sink for Mem {
    fn create(&mut self, p: &str) -> std::io::Result<Box<dyn std::io::Write + '_>> {
        let buf = self.0.entry(p.to_owned()).or_default().clone();
        Ok(Box::new(MemWriter(buf)))
    }
}

impl Mem {
    /// A written file, parsed as JSON.
    pub(crate) fn json(&self, p: &str) -> Value {
        serde_json::from_slice(&self.0[p].borrow()).unwrap()
    }
}
