//! The Merkle engine's integration tests, in one binary (one link instead of four).

mod address_shards;
mod formats;
mod lookup;
mod order_and_zero;
mod properties;
mod spelling;
mod support;
mod vectors;
