//! The citizen's wallet: command line now, eframe app when run without a subcommand.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
