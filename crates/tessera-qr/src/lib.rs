//! QR payload text, QR symbols and images: encoding for the wallet, camera-grade decoding
//! for verifiers.
//!
//! - [`encode`] turns the wallet's QR text (`TS1:` + base45) into a [`QrSymbol`] in
//!   alphanumeric mode, choosing the error-correction level per payload;
//!   [`QrSymbol::to_image`] renders it with a 4-module quiet zone.
//! - [`decode_image`], [`decode_bytes`] and [`decode_file`] find every QR code in a camera
//!   frame or image file (rotated, skewed, blurred, noisy, low-contrast, inverted, JPEG),
//!   giving up after one cheap pass on images without finder-pattern candidates.
//! - [`Scanner`] reads codes from live video with a bounded amount of work per frame,
//!   spreading the expensive passes over successive frames.
//!
//! The crate treats the text as opaque; it does no I/O except in [`decode_file`], and
//! depends on no GUI crate. Figures and the decoder comparison are in `docs/qr.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "decode")]
mod decode;
mod encode;
#[cfg(feature = "decode")]
mod scanner;

#[cfg(feature = "decode")]
use std::path::PathBuf;

#[cfg(feature = "decode")]
pub use decode::{
    MAX_FILE_BYTES, MAX_PIXELS, MAX_SIDE, decode_bytes, decode_file, decode_image,
    decode_luma_gate_probe, decode_luma_one_pass, decode_luma_passes, decode_luma_probe,
    decode_luma_stage, decode_luma_stage_half, decode_luma_traced, decode_luma_traced_ungated,
};
pub use encode::{
    ALPHANUMERIC, Ecc, EncodeOptions, MAX_MODULE_PX, QUIET_ZONE, QrSymbol, encode, screen_module_px,
};
#[cfg(feature = "decode")]
pub use scanner::{FULL_PROBE_EVERY, ScanOptions, Scanner};

/// Why [`encode`] could not make a symbol (caller mistakes: the text or the options).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text has a character outside the QR alphanumeric set.
    #[error(
        "qr text has {ch:?} at byte {position}, outside the alphanumeric set 0-9 A-Z space $%*+-./: (upper-case base45)"
    )]
    NotAlphanumeric {
        /// Byte offset of the character.
        position: usize,
        /// The character.
        ch: char,
    },
    /// The text does not fit in a version-40 symbol even at ECC level L.
    #[error("qr text of {chars} characters is too long: a qr code holds at most {max_chars}")]
    TooLong {
        /// Length of the text.
        chars: usize,
        /// Alphanumeric capacity of version 40 at level L.
        max_chars: usize,
    },
    /// `EncodeOptions::max_version` is outside 1–40.
    #[error("max_version {max_version} is not a qr version: use 1 to 40")]
    InvalidMaxVersion {
        /// The value given.
        max_version: u8,
    },
}

/// Why no QR text came out of an image (hostile or unreadable input).
#[cfg(feature = "decode")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The file or byte slice is empty.
    #[error("image file is empty (0 bytes)")]
    EmptyFile,
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("image file of {bytes} bytes is larger than the {max_bytes}-byte limit")]
    FileTooLarge {
        /// Size of the input.
        bytes: u64,
        /// The limit.
        max_bytes: u64,
    },
    /// The bytes are neither PNG nor JPEG.
    #[error("image file is not a png or jpeg")]
    UnsupportedFormat,
    /// The PNG or JPEG is corrupt or truncated.
    #[error("image file is unreadable: {0}")]
    Image(String),
    /// Decoding the PNG or JPEG would go over the decoder's limits: more memory than
    /// allowed (256 MiB) or dimensions the decoder refuses, found while decoding rather
    /// than from the header (oversized headers give [`DecodeError::TooLarge`]).
    #[error("image file is over the decoder's size or memory limit: {detail}")]
    OverLimit {
        /// What the image decoder reported.
        detail: String,
    },
    /// The image has no pixels.
    #[error("image is empty ({width}x{height} pixels)")]
    Empty {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The image is larger than [`MAX_SIDE`] or [`MAX_PIXELS`].
    #[error(
        "image of {width}x{height} pixels is too large: at most {max_side} pixels a side and {max_pixels} pixels"
    )]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Longest side allowed.
        max_side: u32,
        /// Most pixels allowed.
        max_pixels: u64,
    },
    /// A raw frame buffer does not hold `width × height` bytes of luma.
    #[error("frame buffer of {len} bytes does not match {width}x{height} luma (one byte a pixel)")]
    FrameSize {
        /// Bytes given.
        len: usize,
        /// Width claimed.
        width: u32,
        /// Height claimed.
        height: u32,
    },
    /// No readable QR code in the image.
    #[error("no readable qr code in the {width}x{height} image")]
    NotFound {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The file could not be read.
    #[error("cannot read image file {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}
