//! The QR portrait: what the issuer signs into slot 11, derived from the registry's photo.
//!
//! The photo (JPEG, PNG or WebP, passport style: head centred, crown to chin about three
//! quarters of the height) is checked before anything is decoded: at most
//! [`MAX_PHOTO_LEN`] bytes, a format told by its magic bytes, and dimensions read from the
//! header and held to [`MAX_PHOTO_SIDE`] and [`MAX_PHOTO_PIXELS`] (a decompression bomb is
//! refused there, and the decoder runs under the same limits). Then it is turned upright (EXIF
//! orientation), cropped to 3:4 around the centre ([`crop_box`]: a photo taller than 3:4
//! loses a quarter of the excess at the top and three quarters at the bottom, so the crown
//! stays and the chest goes), resized with a Lanczos3 filter to [`QR_WIDTH`]x[`QR_HEIGHT`],
//! and encoded as lossy WebP by libwebp with the best quality that keeps it within
//! [`TARGET_LEN`] bytes (the format allows [`tessera_core::portrait::MAX_LEN`]; the issuer
//! aims lower so that a check-in-with-photo code stays at QR version 27 or below at ECC M).
//! The output carries pixels only: no EXIF, ICC or
//! XMP chunk, so nothing of the original file's metadata reaches a credential.
//!
//! See docs/portrait.md for the measurements behind these choices.

use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;
use tessera_core::portrait as format;
use thiserror::Error;

/// The largest photo file accepted, in bytes.
pub const MAX_PHOTO_LEN: usize = 4 * 1024 * 1024;
/// The longest side of a photo accepted, in pixels.
pub const MAX_PHOTO_SIDE: u32 = 8_000;
/// The most pixels a photo may have (24 megapixels).
pub const MAX_PHOTO_PIXELS: u64 = 24_000_000;
/// The most memory the decoder may allocate, in bytes.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// The QR portrait's width, in pixels.
pub const QR_WIDTH: u32 = 48;
/// The QR portrait's height, in pixels.
pub const QR_HEIGHT: u32 = 64;
/// The QR portrait's byte budget. A `checkin-photo` presentation is 566 bytes plus the
/// portrait for the demo citizen, whose names, birth date and ID number take 35 bytes; QR
/// version 27 at ECC M holds 1,088 bytes of presentation. With 500 bytes of portrait the code
/// stays at version 27 while those four items take up to 57 bytes. See docs/portrait.md.
pub const TARGET_LEN: usize = 500;
/// The highest WebP quality tried: above it the bytes buy little a clerk can see.
pub const MAX_QUALITY: u8 = 80;
/// The lowest WebP quality accepted: below it a face is blocks.
pub const MIN_QUALITY: u8 = 5;

/// Why no QR portrait could be made from a photo.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PortraitError {
    /// The file is larger than [`MAX_PHOTO_LEN`].
    #[error("the photo is {len} bytes; at most {MAX_PHOTO_LEN} are accepted")]
    TooLarge {
        /// The file's length.
        len: usize,
    },
    /// The bytes are not a JPEG, PNG or WebP image.
    #[error("the photo is not a JPEG, PNG or WebP image ({0})")]
    NotAnImage(&'static str),
    /// The header announces more pixels than accepted: a decompression bomb or a photo far
    /// larger than a portrait needs.
    #[error(
        "the photo is {width}x{height} pixels; at most {MAX_PHOTO_SIDE} a side and \
         {MAX_PHOTO_PIXELS} in all are accepted"
    )]
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// Smaller than the QR portrait: it would only be blown up.
    #[error("the photo is {width}x{height} pixels; at least {min_width}x{min_height} are needed")]
    TooSmall {
        /// The photo's width.
        width: u32,
        /// The photo's height.
        height: u32,
        /// The QR portrait's width.
        min_width: u32,
        /// The QR portrait's height.
        min_height: u32,
    },
    /// The header was read but the image data is damaged or unsupported.
    #[error("the photo cannot be decoded: {0}")]
    Decode(String),
    /// Even the lowest quality does not fit the budget.
    #[error(
        "a {width}x{height} QR portrait takes {len} bytes even at WebP quality {MIN_QUALITY}; \
         the budget is {max} bytes"
    )]
    DoesNotFit {
        /// The requested width.
        width: u32,
        /// The requested height.
        height: u32,
        /// The smallest encoding's length.
        len: usize,
        /// The budget.
        max: usize,
    },
    /// The requested size is not one the format accepts.
    #[error(
        "a QR portrait of {width}x{height} is not possible: 1x1 to {}x{} pixels",
        format::MAX_WIDTH,
        format::MAX_HEIGHT
    )]
    BadSize {
        /// The requested width.
        width: u32,
        /// The requested height.
        height: u32,
    },
}

/// A QR portrait, as it goes into slot 11.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrPortrait {
    /// The WebP bytes.
    pub webp: Vec<u8>,
    /// The WebP quality that produced them.
    pub quality: u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Makes the QR portrait ([`QR_WIDTH`]x[`QR_HEIGHT`]) from a photo file's bytes.
///
/// A photo that already is a QR portrait ([`QR_WIDTH`]x[`QR_HEIGHT`], within
/// [`TARGET_LEN`] and the format's rules, and decodable) is taken as it is: a registry can
/// derive each citizen's portrait once, when the photo enters the registry, store the WebP
/// and name it in person files, so issuing batches costs nothing more for the portrait
/// (docs/portrait.md, "Issuance rate").
///
/// ```
/// let err = tessera_issuer::portrait::derive(b"%PDF-1.7").unwrap_err();
/// assert_eq!(err.to_string(), "the photo is not a JPEG, PNG or WebP image (unknown format)");
/// ```
pub fn derive(photo: &[u8]) -> Result<QrPortrait, PortraitError> {
    if let Some(ready) = already_qr_portrait(photo) {
        return Ok(ready);
    }
    derive_sized(photo, QR_WIDTH, QR_HEIGHT)
}

/// `photo` as it is, if it is a QR portrait as [`derive`] makes them (its quality is not
/// recorded in the file: reported as 0).
fn already_qr_portrait(photo: &[u8]) -> Option<QrPortrait> {
    let info = format::check(photo).ok()?;
    let ok = info.format == format::Format::WebP
        && (info.width, info.height) == (QR_WIDTH, QR_HEIGHT)
        && photo.len() <= TARGET_LEN;
    // The header is right; the data must decode too (it is signed into credentials).
    let decoded = ok.then(|| image::load_from_memory_with_format(photo, ImageFormat::WebP))?;
    let img = decoded.ok()?;
    ((img.width(), img.height()) == (QR_WIDTH, QR_HEIGHT)).then(|| QrPortrait {
        webp: photo.to_vec(),
        quality: 0,
        width: QR_WIDTH,
        height: QR_HEIGHT,
    })
}

/// [`derive`] at another size (the measurements compare 48x64 with 60x80).
pub fn derive_sized(photo: &[u8], width: u32, height: u32) -> Result<QrPortrait, PortraitError> {
    let small = prepare(photo, width, height)?;
    encode_capped(&small, TARGET_LEN)
}

/// Decodes, turns upright, crops ([`crop_box`]) and resizes a photo to `width`x`height`: the
/// pixels the WebP encoder gets (and the reference the format comparison measures against).
pub fn prepare(photo: &[u8], width: u32, height: u32) -> Result<RgbImage, PortraitError> {
    if width == 0 || height == 0 || width > format::MAX_WIDTH || height > format::MAX_HEIGHT {
        return Err(PortraitError::BadSize { width, height });
    }
    let img = decode(photo)?;
    let (w, h) = (img.width(), img.height());
    if w < width || h < height {
        return Err(PortraitError::TooSmall {
            width: w,
            height: h,
            min_width: width,
            min_height: height,
        });
    }
    let (x, y, cw, ch) = crop_box(w, h);
    let rgb = flatten(img.crop_imm(x, y, cw, ch));
    Ok(image::imageops::resize(
        &rgb,
        width,
        height,
        FilterType::Lanczos3,
    ))
}

/// The 3:4 crop of a `w`x`h` photo, as (x, y, width, height). A photo wider than 3:4 keeps its
/// height and loses equal strips left and right; a taller one keeps its width and loses a
/// quarter of the excess at the top and three quarters at the bottom (passport photos leave
/// a little room above the crown and more below the chin).
///
/// ```
/// use tessera_issuer::portrait::crop_box;
/// assert_eq!(crop_box(300, 400), (0, 0, 300, 400)); // already 3:4
/// assert_eq!(crop_box(512, 512), (64, 0, 384, 512)); // square: centre strip
/// assert_eq!(crop_box(300, 600), (0, 50, 300, 400)); // tall: upper-biased
/// ```
pub fn crop_box(w: u32, h: u32) -> (u32, u32, u32, u32) {
    // Compare w/h with 3/4 in integers: 4w against 3h.
    let (w64, h64) = (u64::from(w), u64::from(h));
    if 4 * w64 > 3 * h64 {
        let cw = ((3 * h64) / 4).max(1) as u32;
        ((w - cw) / 2, 0, cw, h)
    } else {
        let ch = ((4 * w64) / 3).clamp(1, h64) as u32;
        (0, (h - ch) / 4, w, ch)
    }
}

/// Reads the header, refuses what is not a small enough image, then decodes under limits.
fn decode(photo: &[u8]) -> Result<DynamicImage, PortraitError> {
    if photo.len() > MAX_PHOTO_LEN {
        return Err(PortraitError::TooLarge { len: photo.len() });
    }
    let reader = ImageReader::new(Cursor::new(photo))
        .with_guessed_format()
        .map_err(|_| PortraitError::NotAnImage("unreadable"))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        Some(_) => return Err(PortraitError::NotAnImage("another image format")),
        None => return Err(PortraitError::NotAnImage("unknown format")),
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PHOTO_SIDE);
    limits.max_image_height = Some(MAX_PHOTO_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(header_error)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_PHOTO_SIDE
        || height > MAX_PHOTO_SIDE
        || u64::from(width) * u64::from(height) > MAX_PHOTO_PIXELS
    {
        return Err(PortraitError::TooManyPixels { width, height });
    }
    let orientation = decoder
        .orientation()
        .map_err(|e| PortraitError::Decode(e.to_string()))?;
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| PortraitError::Decode(e.to_string()))?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// An error before the dimensions are known: a limit (the header names more pixels than
/// allowed) or a header that is not an image's.
fn header_error(e: image::ImageError) -> PortraitError {
    match e {
        image::ImageError::Limits(_) => PortraitError::TooManyPixels {
            width: 0,
            height: 0,
        },
        other => PortraitError::Decode(other.to_string()),
    }
}

/// RGB, with any transparency laid on white.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([over(p[0]), over(p[1]), over(p[2])])
    })
}

/// libwebp's effort (0 fastest to 6 smallest) for QR portraits.
pub const WEBP_METHOD: u8 = 6;
/// Whether QR portraits use libwebp's sharp (iterative) RGB to YUV conversion.
pub const WEBP_SHARP_YUV: bool = true;

/// Lossy WebP of an RGB image at `quality` (0 to 100) with the issuer's settings
/// ([`WEBP_METHOD`], [`WEBP_SHARP_YUV`]). The output is the simple format only.
pub fn encode_webp(img: &RgbImage, quality: u8) -> Vec<u8> {
    encode_webp_with(img, quality, WEBP_METHOD, WEBP_SHARP_YUV)
}

/// [`encode_webp`] with another effort and RGB to YUV conversion (for the measurements).
/// Empty if libwebp refuses the settings.
pub fn encode_webp_with(img: &RgbImage, quality: u8, method: u8, sharp_yuv: bool) -> Vec<u8> {
    let mut config = match webp::WebPConfig::new() {
        Ok(c) => c,
        Err(()) => return Vec::new(),
    };
    config.lossless = 0;
    config.quality = f32::from(quality.min(100));
    config.method = i32::from(method.min(6));
    config.use_sharp_yuv = i32::from(sharp_yuv);
    let encoder = webp::Encoder::from_rgb(img.as_raw(), img.width(), img.height());
    match encoder.encode_advanced(&config) {
        Ok(mem) => mem.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// The best quality from [`MAX_QUALITY`] down to [`MIN_QUALITY`] whose encoding takes at most
/// `max_len` bytes (and never more than the format's [`tessera_core::portrait::MAX_LEN`]):
/// WebP size grows with quality, so a binary search finds it in a handful of encodings. The
/// result is checked against the format's own rule before it is returned.
pub fn encode_capped(img: &RgbImage, max_len: usize) -> Result<QrPortrait, PortraitError> {
    let (width, height) = img.dimensions();
    let cap = max_len.min(format::MAX_LEN);
    let fits = |b: &[u8]| !b.is_empty() && b.len() <= cap;
    let mut best = None;
    let top = encode_webp(img, MAX_QUALITY);
    if fits(&top) {
        best = Some((MAX_QUALITY, top));
    } else {
        let (mut lo, mut hi) = (MIN_QUALITY, MAX_QUALITY - 1);
        while lo <= hi {
            let q = lo + (hi - lo) / 2;
            let b = encode_webp(img, q);
            if fits(&b) {
                best = Some((q, b));
                lo = q + 1;
            } else if q == MIN_QUALITY {
                return Err(PortraitError::DoesNotFit {
                    width,
                    height,
                    len: b.len(),
                    max: cap,
                });
            } else {
                hi = q - 1;
            }
        }
    }
    let (quality, webp) = best.ok_or(PortraitError::DoesNotFit {
        width,
        height,
        len: 0,
        max: cap,
    })?;
    format::check(&webp).map_err(PortraitError::Decode)?;
    Ok(QrPortrait {
        webp,
        quality,
        width,
        height,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb};

    /// A synthetic passport-style photo: a face-like oval with eyes and a mouth on a
    /// gradient, with some texture, so the encoder has real work.
    pub(crate) fn synthetic_photo(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.45);
            let face = (fx / 0.3).powi(2) + (fy / 0.36).powi(2) < 1.0;
            let eye = ((fx.abs() - 0.12).powi(2) + (fy + 0.08).powi(2)) < 0.0012;
            let mouth = fx.abs() < 0.1 && (fy - 0.17).abs() < 0.015;
            let noise = ((x * 7919 + y * 104_729) % 23) as u8;
            if eye || mouth {
                Rgb([40 + noise, 30, 30])
            } else if face {
                Rgb([200 + noise / 2, 160 + noise, 130])
            } else {
                Rgb([90, 110 + (y * 100 / h) as u8, 160 + noise])
            }
        })
    }

    fn png(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(img)
            .unwrap();
        out
    }

    #[test]
    fn a_jpeg_or_png_photo_becomes_a_webp_within_the_cap() {
        let photo = synthetic_photo(300, 400);
        for bytes in [jpeg(&photo), png(&photo)] {
            let p = derive(&bytes).unwrap();
            assert!(p.webp.len() <= TARGET_LEN, "{}", p.webp.len());
            assert_eq!((p.width, p.height), (48, 64));
            let info = format::check(&p.webp).unwrap();
            assert_eq!((info.width, info.height), (48, 64));
            // The pure-Rust decoder every verifier uses reads it back.
            let back = image::load_from_memory(&p.webp).unwrap();
            assert_eq!((back.width(), back.height()), (48, 64));
            // A WebP photo is taken too.
            let again = derive(&encode_webp(&photo, 90)).unwrap();
            assert_eq!((again.width, again.height), (48, 64));
        }
    }

    #[test]
    fn a_qr_portrait_given_as_the_photo_is_kept_as_it_is() {
        let made = derive(&png(&synthetic_photo(300, 400))).unwrap();
        let again = derive(&made.webp).unwrap();
        assert_eq!(again.webp, made.webp);
        assert_eq!(again.quality, 0, "not re-encoded");
        // A WebP of another size, or over the budget, is derived like any photo.
        let other = encode_webp(&synthetic_photo(60, 80), 90);
        assert_eq!(derive(&other).unwrap().width, QR_WIDTH);
        assert!(derive(&other).unwrap().quality > 0);
        let big = encode_webp(
            &prepare(&png(&synthetic_photo(300, 400)), 48, 64).unwrap(),
            100,
        );
        assert!(big.len() > TARGET_LEN, "{}", big.len());
        assert!(derive(&big).unwrap().webp.len() <= TARGET_LEN);
        // A right header over damaged data is decoded, found broken, and then refused.
        let mut broken = made.webp.clone();
        let n = broken.len();
        broken[n - 40..].fill(0xAA);
        if image::load_from_memory(&broken).is_err() {
            assert!(derive(&broken).is_err());
        }
    }

    #[test]
    fn the_quality_is_the_best_that_fits() {
        let small = prepare(&png(&synthetic_photo(300, 400)), 60, 80).unwrap();
        for budget in [300, TARGET_LEN, format::MAX_LEN, 100_000] {
            let p = encode_capped(&small, budget).unwrap();
            let cap = budget.min(format::MAX_LEN);
            assert!(p.webp.len() <= cap);
            if p.quality < MAX_QUALITY {
                assert!(encode_webp(&small, p.quality + 1).len() > cap);
            }
        }
        let e = encode_capped(&small, 40).unwrap_err();
        assert!(
            e.to_string().starts_with("a 60x80 QR portrait takes ")
                && e.to_string()
                    .ends_with("even at WebP quality 5; the budget is 40 bytes"),
            "{e}"
        );
    }

    #[test]
    fn metadata_does_not_survive() {
        // A PNG with a text chunk: the output is a single VP8 chunk, whatever the input held.
        let mut bytes = png(&synthetic_photo(120, 160));
        let iend = bytes.len() - 12;
        let text = b"tEXtComment\0private registry note";
        let mut chunk = (text.len() as u32 - 4).to_be_bytes().to_vec();
        chunk.extend_from_slice(text);
        chunk.extend_from_slice(&[0, 0, 0, 0]);
        bytes.splice(iend..iend, chunk);
        let p = derive(&bytes).unwrap();
        assert_eq!(&p.webp[12..16], b"VP8 ");
        assert!(!p.webp.windows(8).any(|w| w == b"registry"));
    }

    #[test]
    fn not_an_image_is_refused() {
        for (bytes, why) in [
            (&b""[..], "unknown format"),
            (b"hello, this is a text file", "unknown format"),
            (b"GIF89a\x01\x00\x01\x00", "another image format"),
        ] {
            assert_eq!(derive(bytes), Err(PortraitError::NotAnImage(why)));
        }
        // The right magic bytes on a damaged body: a decode error, not a panic.
        let mut broken = jpeg(&synthetic_photo(120, 160));
        broken.truncate(200);
        let e = derive(&broken).unwrap_err();
        assert!(matches!(e, PortraitError::Decode(_)), "{e:?}");
        assert!(
            e.to_string().starts_with("the photo cannot be decoded: "),
            "{e}"
        );
    }

    #[test]
    fn a_huge_file_is_refused_before_reading_it() {
        let mut big = jpeg(&synthetic_photo(120, 160));
        big.resize(MAX_PHOTO_LEN + 1, 0);
        let e = derive(&big).unwrap_err();
        assert_eq!(
            e,
            PortraitError::TooLarge {
                len: MAX_PHOTO_LEN + 1
            }
        );
        assert_eq!(
            e.to_string(),
            "the photo is 4194305 bytes; at most 4194304 are accepted"
        );
    }

    /// A PNG whose header claims `w`x`h` and whose data is one zlib stream of zeros: a few
    /// hundred bytes that would decode to gigabytes.
    pub(crate) fn png_bomb(w: u32, h: u32) -> Vec<u8> {
        let crc = |data: &[u8]| {
            let mut c = 0xFFFF_FFFFu32;
            for b in data {
                c ^= u32::from(*b);
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        };
        let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            out.extend_from_slice(&body);
            out.extend_from_slice(&crc(&body).to_be_bytes());
        };
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        // A zlib stream of one zero byte: the decoder starts, then finds the data short.
        chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        for (w, h) in [(20_000, 20_000), (7_000, 7_000), (100_000, 10)] {
            let bomb = png_bomb(w, h);
            assert!(bomb.len() < 200);
            let e = derive(&bomb).unwrap_err();
            assert!(
                matches!(e, PortraitError::TooManyPixels { .. }),
                "{w}x{h}: {e:?}"
            );
            assert!(e.to_string().contains("at most 8000 a side"), "{e}");
        }
        // Within the limits, the header passes and the broken data is a decode error.
        let e = derive(&png_bomb(400, 400)).unwrap_err();
        assert!(matches!(e, PortraitError::Decode(_)), "{e:?}");
    }

    #[test]
    fn a_photo_smaller_than_the_portrait_is_refused() {
        let e = derive(&png(&synthetic_photo(40, 60))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the photo is 40x60 pixels; at least 48x64 are needed"
        );
        let e = derive_sized(&png(&synthetic_photo(300, 400)), 200, 300).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a QR portrait of 200x300 is not possible: 1x1 to 96x128 pixels"
        );
    }

    #[test]
    fn the_crop_is_three_by_four_and_upper_biased() {
        for (w, h) in [
            (1, 1),
            (3, 4),
            (4, 3),
            (413, 531),
            (531, 413),
            (1, 8000),
            (8000, 1),
        ] {
            let (x, y, cw, ch) = crop_box(w, h);
            assert!(x + cw <= w && y + ch <= h && cw > 0 && ch > 0, "{w}x{h}");
            if cw > 30 && ch > 30 {
                let r = f64::from(cw) / f64::from(ch);
                assert!((r - 0.75).abs() < 0.01, "{w}x{h}: {r}");
            }
        }
        // A passport photo (35x45 mm at 300 dpi): the full height, the sides trimmed.
        assert_eq!(crop_box(413, 531), (7, 0, 398, 531));
        // Tall: more is cut below than above.
        let (_, y, _, ch) = crop_box(300, 800);
        assert_eq!((y, 800 - ch - y), (100, 300));
    }

    #[test]
    fn transparency_is_laid_on_white() {
        let clear = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            2,
            2,
            image::Rgba([0, 0, 0, 0]),
        ));
        assert_eq!(flatten(clear).get_pixel(0, 0).0, [255, 255, 255]);
    }
}

#[cfg(test)]
mod qr_tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use std::path::Path;
    use tessera_core::attributes::{AttrId, AttrValue, Preset};

    /// The QR version at ECC M of a checkin-photo code for the demo citizen with the QR
    /// portrait made from `photo`.
    fn checkin_photo_version(photo: &[u8]) -> u8 {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
        let json = std::fs::read(root.join("person.json")).unwrap();
        let mut attrs = crate::parse_person_json(&json, &root).unwrap();
        attrs.set(
            AttrId::Portrait,
            AttrValue::Bytes(derive(photo).unwrap().webp),
        );
        let mut rng = crate::OsRng::new();
        let issuer = SigningKey::generate(&mut rng);
        let holder = SigningKey::generate(&mut rng);
        let now = 1_795_651_200;
        let params = tessera_core::IssueParams {
            holder: holder.verifying_key(),
            not_before: now,
            expires: now + 5 * 365 * 86_400,
            // Large status numbers take the most bytes.
            status: tessera_core::StatusRef {
                list: u32::MAX,
                index: u32::MAX,
            },
            attributes: attrs,
        };
        let cred = tessera_core::issue(&issuer, &params, &mut rng).unwrap();
        let preset = Preset::CheckInPhoto;
        let bytes = tessera_core::present(
            &cred,
            &holder,
            &tessera_core::PresentRequest {
                disclose: preset.items(),
                purpose: preset.purpose(),
                counter_code: Some("7K3Q9X"),
                time: now,
            },
            &mut rng,
        )
        .unwrap();
        let text = tessera_core::text::encode(&bytes);
        let opts = tessera_qr::EncodeOptions {
            max_version: 27,
            min_ecc: tessera_qr::Ecc::M,
        };
        let symbol = tessera_qr::encode(&text, &opts).unwrap();
        assert!(symbol.ecc() >= tessera_qr::Ecc::M);
        symbol.version()
    }

    #[test]
    fn checkin_photo_fits_version_27_at_m_for_the_test_faces() {
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
        for face in [
            "demo/portrait.jpg",
            "faces/astronaut.png",
            "faces/synthetic.png",
        ] {
            let photo = std::fs::read(assets.join(face)).unwrap();
            let v = checkin_photo_version(&photo);
            assert!(v <= 27, "{face}: version {v}");
        }
    }
}
