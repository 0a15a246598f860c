//! The server's integration tests, in one binary (one link instead of one per file).

mod api;
mod community;
mod fast_path;
mod jobs;
mod key_guard;
mod routes;
mod support;
