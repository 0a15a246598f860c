//! The core's integration tests, in one binary.

mod allocation_props;
