//! The CLI's integration tests, one test binary (one link) for all of them: each module runs the
//! `airdrop` binary as a user would; `snapshot_support` is the shared harness (anvil, a JSON-RPC
//! driver, the state-folder helpers, the binary's runners, and the chain fixtures: a minted test
//! token, a flat campaign built with `airdrop build`, `deploy`/`push` argument lists).

mod announce_chain;
mod campaign_build;
mod campaign_chain;
mod campaign_errors;
mod cli_snapshots;
mod cost_chain;
mod distribution_chain;
mod formats_cli;
mod key_guard;
mod kit_browser;
mod pages_admin;
mod pages_admin_sybil;
mod pages_recipient;
mod pages_recipient_guard;
mod pages_story;
mod pages_support;
mod push_chain;
mod scan_chain;
mod serve_cli;
mod serve_store;
mod snapshot_chain;
mod snapshot_support;
mod sybil_chain;
mod sybil_cli;
mod tax_chain;
mod tax_cli;
mod tree_cli;
mod tree_proof_cli;
mod tree_published;
