//! The issuing authority: keys, trust list and credential issuance.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
