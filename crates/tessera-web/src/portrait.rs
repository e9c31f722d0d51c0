//! The disclosed portrait as the page shows it: decoded here, with the `image` crate (the
//! pure-Rust WebP decoder, and its JPEG decoder for legacy portraits) under tight limits, and
//! handed to the page as a PNG of the decoded pixels. The browser never decodes the bytes
//! the holder sent, only a PNG this module wrote (see `docs/web.md`).

use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use tessera_core::portrait::{self, Format};

/// Widest and tallest legacy JPEG portrait decoded, in pixels (as tessera-scan decodes one):
/// the format caps a legacy JPEG at 16 KiB, not its size in pixels, so a header claiming
/// more is refused before any pixel is allocated.
pub const JPEG_MAX_SIDE: u32 = 2048;

/// The most bytes the decoder may allocate for a QR portrait (96x128 RGBA is 48 KiB).
const WEBP_MAX_ALLOC: u64 = 1 << 20;
/// The most bytes the decoder may allocate for a legacy JPEG (2048x2048 RGBA is 16 MiB).
const JPEG_MAX_ALLOC: u64 = 32 << 20;

/// Why a disclosed portrait is not shown. The verdict does not change: the bytes were
/// signed; they only cannot be shown as a picture.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum PortraitError {
    /// The bytes break the portrait's rule (`tessera_core::portrait::check`): not a WebP
    /// QR portrait within its caps nor a legacy JPEG. The message names what is wrong.
    #[error("{0}")]
    Rules(String),
    /// The bytes do not decode within the limits (a damaged or truncated image, or one
    /// whose frame claims more pixels than allowed). The cause is the source.
    #[error("{format} portrait of {len} bytes does not decode")]
    Decode {
        /// `WebP` or `JPEG`.
        format: &'static str,
        /// Bytes given.
        len: usize,
        /// What the decoder said.
        #[source]
        source: image::ImageError,
    },
    /// The decoded pixels could not be written as a PNG.
    #[error("portrait of {width}x{height} pixels could not be written as a png")]
    Encode {
        /// Width decoded.
        width: u32,
        /// Height decoded.
        height: u32,
        /// What the encoder said.
        #[source]
        source: image::ImageError,
    },
}

/// Decodes a disclosed portrait (a WebP QR portrait of at most 96x128, or a legacy JPEG of
/// at most [`JPEG_MAX_SIDE`] a side) and returns a PNG of its pixels, at the same size.
///
/// # Errors
///
/// [`PortraitError::Rules`] for bytes that are not a portrait by the format's rules,
/// [`PortraitError::Decode`] for bytes that do not decode within the limits. Never panics.
///
/// ```
/// use tessera_web::portrait::{PortraitError, portrait_png};
/// // A WebP header that claims a 48x64 frame but carries no image data.
/// let mut webp = b"RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0".to_vec();
/// webp.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 48, 0, 64, 0]);
/// assert!(matches!(portrait_png(&webp), Err(PortraitError::Decode { .. })));
/// ```
pub fn portrait_png(bytes: &[u8]) -> Result<Vec<u8>, PortraitError> {
    let format = portrait::check(bytes).map_err(PortraitError::Rules)?.format;
    let img = decode(bytes, format)?;
    let (width, height) = (img.width(), img.height());
    // A portrait has no alpha (a simple-format WebP cannot carry any): RGB, or grey for a
    // greyscale JPEG.
    let img = match img {
        DynamicImage::ImageLuma8(_) => img,
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    // The PNG encoder itself, not `DynamicImage::write_to`: that one dispatches on the format
    // at run time and so links every enabled encoder (JPEG, WebP) into the module.
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(img.as_bytes(), width, height, img.color().into())
        .map_err(|source| PortraitError::Encode {
            width,
            height,
            source,
        })?;
    Ok(png)
}

/// The limits a portrait of `format` is decoded under: for a QR portrait the format's own
/// 96x128, for a legacy JPEG [`JPEG_MAX_SIDE`].
fn limits(format: Format) -> Limits {
    let mut limits = Limits::default();
    let (width, height, alloc) = match format {
        Format::WebP => (portrait::MAX_WIDTH, portrait::MAX_HEIGHT, WEBP_MAX_ALLOC),
        Format::Jpeg => (JPEG_MAX_SIDE, JPEG_MAX_SIDE, JPEG_MAX_ALLOC),
    };
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(alloc);
    limits
}

/// Decodes `bytes` as `format` under [`limits`], whatever the header check said: the limits
/// hold even for bytes that never went through it.
pub(crate) fn decode(bytes: &[u8], format: Format) -> Result<DynamicImage, PortraitError> {
    let image_format = match format {
        Format::WebP => ImageFormat::WebP,
        Format::Jpeg => ImageFormat::Jpeg,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(limits(format));
    reader.decode().map_err(|source| PortraitError::Decode {
        format: format.name(),
        len: bytes.len(),
        source,
    })
}
