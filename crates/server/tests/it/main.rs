//! The server's integration tests, in one binary (one link instead of one per file).

mod api;
mod community;
mod dashboard;
mod fast_path;
mod jobs;
mod key_guard;
mod pages;
mod routes;
mod support;
