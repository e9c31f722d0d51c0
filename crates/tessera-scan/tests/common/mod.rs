//! What the scan app's test binaries share: the test world comes from
//! `tessera_core::testing::Fixture`; this is what is left, the QR code image on disk.

use std::path::{Path, PathBuf};

use tessera_qr::{Ecc, EncodeOptions};

/// Renders `text` as a QR code PNG (4 pixels a module, lowest error correction that fits) at
/// `path`, and returns the path.
pub fn write_qr_png(path: &Path, text: &str) -> PathBuf {
    let opts = EncodeOptions {
        max_version: 40,
        min_ecc: Ecc::L,
    };
    tessera_qr::encode(text, &opts)
        .unwrap()
        .to_image(4)
        .save(path)
        .unwrap();
    path.to_owned()
}
