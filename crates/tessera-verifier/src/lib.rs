//! Verifier policy: trust lists, status lists, replay cache, clock policy and verdicts.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
