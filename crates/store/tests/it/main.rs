//! The store's integration tests, in one binary.

mod db_suite;
