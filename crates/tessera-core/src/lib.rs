//! Tessera's credential and presentation format, and the three pure operations on it:
//! [`issue`](credential::issue), [`present`](presentation::present) and
//! [`verify`](presentation::verify).
//!
//! This crate is deliberately pure: it reads no clock, does no I/O, keeps no global state and
//! draws no randomness of its own. Time, randomness and keys are arguments; bytes go in and
//! values come out. `docs/format.md` is the normative description of every byte.
//!
//! The only way to obtain a [`VerifiedPresentation`] is [`verify`]: code that shows a verdict
//! cannot show an unverified presentation as valid.
//!
//! ```
//! use tessera_core::{Reason, VerifyPolicy, verify, TrustList};
//! // Garbage is rejected with a reason, never a panic.
//! let trust = TrustList::empty(0);
//! let policy = VerifyPolicy::at(1_800_000_000);
//! assert_eq!(verify(b"not a presentation", &trust, &policy).unwrap_err().reason(), Reason::Malformed);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attributes;
pub mod base45;
pub mod batch;
mod cbor;
pub mod credential;
pub mod keys;
pub mod merkle;
pub mod portrait;
pub mod presentation;
pub mod reason;
pub mod request;
pub mod status;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod text;
pub mod trust;

pub use attributes::{AttrId, AttrValue, Attributes, Preset, Purpose};
pub use batch::{BatchFile, BatchSeed, BatchSigner, HolderSigner};
pub use credential::{
    Claims, CredentialError, HeldCredential, IssueError, IssueParams, StatusRef, StatusRefError,
    issue,
};
pub use keys::{KeyFileError, kid_for};
pub use presentation::{
    PresentError, PresentRequest, Rejection, VerifiedPresentation, VerifyPolicy, present,
    present_with, verify, verify_text,
};
pub use reason::Reason;
pub use status::{Status, StatusList, StatusListError};
pub use trust::{IssuerLookup, TrustList, TrustListError, TrustedIssuer, TrustedKey};

/// The document type of a Tessera national ID credential.
pub const DOCTYPE_EID: &str = "tessera.eid.1";

/// Seconds since the Unix epoch (UTC). Every time in the format is one of these.
pub type UnixTime = u64;
