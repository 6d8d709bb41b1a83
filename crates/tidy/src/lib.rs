//! Architecture invariants of ARCHITECTURE.md, checked as tests in `tests/tidy.rs`: the pure
//! core has no IO crates, dependencies point one way, every crate documents itself, and no
//! floating point enters the money core. This crate has no code of its own.
