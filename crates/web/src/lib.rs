//! `airdrop-web`: the web pages `airdrop serve` serves next to its API — the recipient pages
//! (`/claim`, `/signup`, `/tasks`, `/wallet`) and the creator dashboard (`/admin`).
//!
//! Pages are rendered on the server with maud from plain view structs the server fills from its
//! state, so every page shows its data without JavaScript. The scripts that talk to a wallet
//! (and the dashboard, which holds its API key in the tab) are TypeScript under `web/pages/src/`,
//! bundled by a pinned esbuild into `crates/web/assets/*.js` (committed; `scripts/build-web-js
//! --check` fails CI when they drift), and compiled into the binary with the stylesheet by
//! [`assets`]. Nothing is fetched from elsewhere: no CDN, no Node at run time.
//!
//! This crate does no IO: it turns data into HTML.

pub mod assets;
mod error;
pub mod layout;

pub use error::WebError;
pub mod admin;
pub mod claim;
pub mod community;
pub mod home;
mod vesting;
pub mod wallet;
