//! End-to-end tests of Tessera live in the top-level `tests/` folder; this crate only hosts them.
#![forbid(unsafe_code)]
