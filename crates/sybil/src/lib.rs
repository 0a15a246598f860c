//! `airdrop-sybil`: finding address clusters controlled by one party before an airdrop's root
//! is published, each with the evidence that shows it.
//!
//! Pure functions over bytes and values (no files, sockets or clock): [`edges`] reads a
//! transfer graph from CSV or Parquet bytes into compact node ids, [`graph`] has the
//! algorithms (components, Louvain, k-core), [`detect`] runs the detectors and merges their
//! findings, [`report`] renders `clusters.json`, `evidence.jsonl` and an HTML page, and
//! [`generate`] makes seeded synthetic activity with planted rings and scores detection
//! against them. The method, its settings and their sources are in docs/sybil.md.

pub mod detect;
pub mod edges;
mod error;
pub mod generate;
pub mod graph;
pub mod report;
mod settings;

pub use detect::{detect, Detection, EvidenceKind, Found, MAX_EVIDENCE};
pub use edges::{Edge, Graph, RawEdge};
pub use error::{Result, SybilError};
pub use settings::Settings;
