//! The project's boundary tests live in `tests/boundaries.rs`; this crate has no code of its own.
//!
//! Each rule reads the sources (`crates/*/src`), the `Cargo.toml` files and `ARCHITECTURE.md`, and a violation
//! fails with the rule's name, the file and the line, as rust-analyzer's tidy tests do.
