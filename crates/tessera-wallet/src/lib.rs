//! The citizen's wallet: holds the device key and credentials in the encrypted store
//! (tessera-store), makes presentations and their QR codes, and keeps a history.
//!
//! [`wallet::Wallet`] is the model both front ends use: the command line ([`cli`]) and the
//! eframe app ([`app`]). Everything slow or secret goes through it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod cli;
pub mod demo;
mod held;
pub mod wallet;

pub use wallet::{BatchState, Wallet, WalletError};
