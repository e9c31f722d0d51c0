//! The courier and counter scan app (eframe).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
