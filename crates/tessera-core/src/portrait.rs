//! The portrait (slot 11): a QR portrait, small enough to travel in one QR code with the
//! names, and the legacy JPEG that verifiers accept until the credentials carrying it expire.
//!
//! A QR portrait is a lossy WebP in the simple format (`RIFF` size `WEBP`, then a single
//! `VP8 ` chunk: no alpha, animation or metadata) of at most [`MAX_LEN`] bytes whose frame is
//! at most [`MAX_WIDTH`]x[`MAX_HEIGHT`]. The header is checked here, by hand, so the core stays
//! free of image code; verifiers decode the pixels with the `image` crate's WebP decoder.
//!
//! A JPEG (up to [`LEGACY_JPEG_MAX_LEN`] bytes, as before the QR portrait) is accepted only in
//! a credential whose validity starts before [`LEGACY_JPEG_UNTIL`]. See docs/portrait.md.
//!
//! ```
//! use tessera_core::portrait;
//! // The smallest well-formed header of a 48x64 lossy WebP (no image data follows).
//! let mut webp = b"RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0".to_vec();
//! webp.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 48, 0, 64, 0]);
//! let info = portrait::check(&webp).unwrap();
//! assert_eq!((info.format, info.width, info.height), (portrait::Format::WebP, 48, 64));
//! // A JPEG portrait is refused in a credential valid from 2027 on.
//! let jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
//! let e = portrait::check_issued(&jpeg, portrait::LEGACY_JPEG_UNTIL).unwrap_err();
//! assert!(e.contains("valid from before 2027-01-01"), "{e}");
//! ```

use crate::UnixTime;
use crate::attributes::{AttrId, AttrValue, Attributes};

/// The most bytes a QR portrait may have.
pub const MAX_LEN: usize = 650;
/// The widest a QR portrait may be, in pixels.
pub const MAX_WIDTH: u32 = 96;
/// The tallest a QR portrait may be, in pixels.
pub const MAX_HEIGHT: u32 = 128;
/// The most bytes a legacy JPEG portrait may have.
pub const LEGACY_JPEG_MAX_LEN: usize = 16 * 1024;
/// 2027-01-01T00:00:00Z: a JPEG portrait is accepted only in credentials valid from before
/// this time. Issuers stopped issuing them; the last ones expire with their credentials.
pub const LEGACY_JPEG_UNTIL: UnixTime = 1_798_761_600;

/// The image format of a portrait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A QR portrait: simple-format lossy WebP.
    WebP,
    /// A legacy JPEG portrait.
    Jpeg,
}

impl Format {
    /// `WebP` or `JPEG`, as shown to people.
    pub fn name(self) -> &'static str {
        match self {
            Format::WebP => "WebP",
            Format::Jpeg => "JPEG",
        }
    }
}

/// What the header of a portrait says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Info {
    /// The image format.
    pub format: Format,
    /// Width in pixels (0 when a legacy JPEG's header does not say).
    pub width: u32,
    /// Height in pixels (0 when a legacy JPEG's header does not say).
    pub height: u32,
    /// Encoded length in bytes.
    pub len: usize,
}

/// Checks a portrait's bytes against the format's rules, whatever its credential's dates: a
/// QR portrait within its caps, or a JPEG of at most [`LEGACY_JPEG_MAX_LEN`] bytes.
pub fn check(bytes: &[u8]) -> Result<Info, String> {
    if bytes.starts_with(b"RIFF") {
        return check_webp(bytes);
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        if bytes.len() > LEGACY_JPEG_MAX_LEN {
            return Err(format!(
                "jpeg portrait is {} bytes; at most {LEGACY_JPEG_MAX_LEN} are accepted",
                bytes.len()
            ));
        }
        let (width, height) = jpeg_dimensions(bytes).unwrap_or((0, 0));
        return Ok(Info {
            format: Format::Jpeg,
            width,
            height,
            len: bytes.len(),
        });
    }
    Err(format!(
        "portrait of {} bytes is not a webp image (RIFF....WEBP) nor a legacy jpeg",
        bytes.len()
    ))
}

/// [`check`], plus the date rule: a JPEG portrait only in a credential whose validity starts
/// (`not_before`) before [`LEGACY_JPEG_UNTIL`].
pub fn check_issued(bytes: &[u8], not_before: UnixTime) -> Result<Info, String> {
    let info = check(bytes)?;
    if info.format == Format::Jpeg && not_before >= LEGACY_JPEG_UNTIL {
        return Err(format!(
            "a jpeg portrait is accepted only in credentials valid from before 2027-01-01 \
             (nbf {LEGACY_JPEG_UNTIL}); this one is valid from {not_before}: issue a webp QR \
             portrait of at most {MAX_LEN} bytes"
        ));
    }
    Ok(info)
}

/// [`check_issued`] on the portrait of a set of attributes, if it has one: what an issuer
/// checks before signing (single and batch issuance alike).
pub fn check_attributes(attributes: &Attributes, not_before: UnixTime) -> Result<(), String> {
    match attributes.get(AttrId::Portrait) {
        Some(AttrValue::Bytes(b)) => check_issued(b, not_before)
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", AttrId::Portrait)),
        _ => Ok(()),
    }
}

/// What a portrait's header says, for display; `None` if it breaks the rules of [`check`].
pub fn info(bytes: &[u8]) -> Option<Info> {
    check(bytes).ok()
}

fn le32(b: &[u8]) -> usize {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
}

fn check_webp(b: &[u8]) -> Result<Info, String> {
    if b.len() > MAX_LEN {
        return Err(format!(
            "webp portrait is {} bytes; a QR portrait holds at most {MAX_LEN}",
            b.len()
        ));
    }
    if b.len() < 30 || &b[8..12] != b"WEBP" {
        return Err(format!(
            "portrait of {} bytes starts with RIFF but is not a webp image",
            b.len()
        ));
    }
    if le32(&b[4..8]) != b.len() - 8 {
        return Err(format!(
            "webp portrait: the RIFF size {} does not match the {} bytes that follow it",
            le32(&b[4..8]),
            b.len() - 8
        ));
    }
    if &b[12..16] != b"VP8 " {
        return Err(format!(
            "webp portrait: chunk {:?} found; only the simple lossy format (a single VP8 chunk: \
             no alpha, animation or metadata) is accepted",
            String::from_utf8_lossy(&b[12..16])
        ));
    }
    let chunk = le32(&b[16..20]);
    if 20 + chunk + (chunk & 1) != b.len() {
        return Err(format!(
            "webp portrait: the VP8 chunk size {chunk} does not match the {} bytes that follow it",
            b.len() - 20
        ));
    }
    let frame = &b[20..];
    if frame[0] & 1 != 0 || frame[3..6] != [0x9d, 0x01, 0x2a] {
        return Err("webp portrait: the VP8 data is not a key frame".into());
    }
    let width = u32::from(u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff);
    let height = u32::from(u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff);
    if width == 0 || height == 0 || width > MAX_WIDTH || height > MAX_HEIGHT {
        return Err(format!(
            "webp portrait is {width}x{height}; a QR portrait is at most {MAX_WIDTH}x{MAX_HEIGHT}"
        ));
    }
    Ok(Info {
        format: Format::WebP,
        width,
        height,
        len: b.len(),
    })
}

/// Width and height from a JPEG's start-of-frame segment, if it has one.
fn jpeg_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        match marker {
            0xFF => i += 1,
            0x01 | 0xD0..=0xD7 => i += 2,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let s = b.get(i + 5..i + 9)?;
                let h = u32::from(u16::from_be_bytes([s[0], s[1]]));
                let w = u32::from(u16::from_be_bytes([s[2], s[3]]));
                return Some((w, h));
            }
            0xD9 | 0xDA => return None,
            _ => i += 2 + usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]])),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simple-format lossy WebP header for a `w`x`h` frame, padded with `extra` bytes of
    /// frame data.
    pub(crate) fn webp(w: u16, h: u16, extra: usize) -> Vec<u8> {
        let chunk = 10 + extra;
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&((12 + chunk + (chunk & 1)) as u32).to_le_bytes());
        b.extend_from_slice(b"WEBPVP8 ");
        b.extend_from_slice(&(chunk as u32).to_le_bytes());
        b.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]);
        b.extend_from_slice(&w.to_le_bytes());
        b.extend_from_slice(&h.to_le_bytes());
        b.resize(20 + chunk + (chunk & 1), 0);
        b
    }

    #[test]
    fn a_qr_portrait_within_the_caps_is_accepted() {
        let i = check(&webp(48, 64, 400)).unwrap();
        assert_eq!(
            (i.format, i.width, i.height, i.len),
            (Format::WebP, 48, 64, 430)
        );
        assert!(check(&webp(96, 128, MAX_LEN - 30)).is_ok());
        // The date rule does not touch a WebP.
        assert!(check_issued(&webp(60, 80, 500), LEGACY_JPEG_UNTIL + 1).is_ok());
    }

    #[test]
    fn a_webp_over_the_byte_cap_is_refused() {
        let e = check(&webp(48, 64, MAX_LEN - 28)).unwrap_err();
        assert_eq!(
            e,
            "webp portrait is 652 bytes; a QR portrait holds at most 650"
        );
    }

    #[test]
    fn a_webp_over_the_size_cap_is_refused() {
        for (w, h) in [(97, 128), (96, 129), (0, 64), (640, 480)] {
            let e = check(&webp(w, h, 100)).unwrap_err();
            assert!(e.starts_with(&format!("webp portrait is {w}x{h}")), "{e}");
            assert!(e.contains("at most 96x128"), "{e}");
        }
    }

    #[test]
    fn other_webp_forms_and_damaged_headers_are_refused() {
        let mut lossless = webp(48, 64, 100);
        lossless[12..16].copy_from_slice(b"VP8L");
        assert!(check(&lossless).unwrap_err().contains("chunk \"VP8L\""));
        let mut extended = webp(48, 64, 100);
        extended[12..16].copy_from_slice(b"VP8X");
        assert!(
            check(&extended)
                .unwrap_err()
                .contains("no alpha, animation or metadata")
        );
        let mut size = webp(48, 64, 100);
        size[4] ^= 1;
        assert!(check(&size).unwrap_err().contains("RIFF size"));
        let mut trailing = webp(48, 64, 100);
        trailing.extend_from_slice(b"EXIF");
        assert!(check(&trailing).unwrap_err().contains("RIFF size"));
        let mut chunk = webp(48, 64, 100);
        chunk[16] ^= 2;
        assert!(check(&chunk).unwrap_err().contains("VP8 chunk size"));
        let mut inter = webp(48, 64, 100);
        inter[20] |= 1;
        assert!(check(&inter).unwrap_err().contains("not a key frame"));
        assert!(check(b"RIFF").unwrap_err().contains("not a webp image"));
        let e = check(b"GIF89a").unwrap_err();
        assert_eq!(
            e,
            "portrait of 6 bytes is not a webp image (RIFF....WEBP) nor a legacy jpeg"
        );
    }

    #[test]
    fn legacy_jpeg_is_accepted_only_before_the_cutover() {
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 120, 0, 96, 1, 1, 0x11, 0,
            0xFF, 0xD9,
        ];
        let i = check_issued(&jpeg, LEGACY_JPEG_UNTIL - 1).unwrap();
        assert_eq!((i.format, i.width, i.height), (Format::Jpeg, 96, 120));
        let e = check_issued(&jpeg, LEGACY_JPEG_UNTIL).unwrap_err();
        assert!(
            e.starts_with(
                "a jpeg portrait is accepted only in credentials valid from before 2027-01-01"
            ),
            "{e}"
        );
        let mut big = jpeg.to_vec();
        big.resize(LEGACY_JPEG_MAX_LEN + 1, 0);
        assert!(check(&big).unwrap_err().contains("16384"));
    }

    #[test]
    fn the_attribute_rule_names_the_slot() {
        let mut a = Attributes::default();
        assert!(check_attributes(&a, LEGACY_JPEG_UNTIL).is_ok());
        a.set(
            AttrId::Portrait,
            AttrValue::Bytes(vec![0xFF, 0xD8, 0xFF, 0xD9]),
        );
        assert!(check_attributes(&a, LEGACY_JPEG_UNTIL - 1).is_ok());
        let e = check_attributes(&a, LEGACY_JPEG_UNTIL).unwrap_err();
        assert!(e.starts_with("portrait: a jpeg portrait"), "{e}");
    }

    /// The test fixture's citizen, with `portrait`, issued valid from `nbf` for a year
    /// (without the issuer's checks when `checked` is false), shown with checkin-photo a day
    /// later and verified then.
    fn issue_show_verify(
        portrait: Vec<u8>,
        nbf: UnixTime,
        checked: bool,
    ) -> Result<Result<crate::VerifiedPresentation, crate::Rejection>, crate::IssueError> {
        use crate::testing::{DAY, Fixture};
        let mut f = Fixture::new(7);
        let mut attributes = crate::testing::sample_person(nbf);
        attributes.set(AttrId::Portrait, AttrValue::Bytes(portrait));
        let params = crate::IssueParams {
            holder: f.holder.verifying_key(),
            not_before: nbf,
            expires: nbf + 365 * DAY,
            status: crate::StatusRef { list: 1, index: 3 },
            attributes,
        };
        let cred = if checked {
            crate::issue(&f.issuer, &params, &mut f.rng)?
        } else {
            crate::testing::issue_unchecked(&f.issuer, &params, &mut f.rng)?
        };
        let again = crate::HeldCredential::from_slice(&cred.to_vec());
        let preset = crate::Preset::CheckInPhoto;
        let qr = crate::present(
            &cred,
            &f.holder,
            &crate::PresentRequest {
                disclose: preset.items(),
                purpose: preset.purpose(),
                counter_code: None,
                time: nbf + DAY,
            },
            &mut f.rng,
        )
        .unwrap();
        let mut trust = f.trust.clone();
        trust.issuers[0].keys[0].not_after = nbf + 3650 * DAY;
        let verdict = crate::verify(&qr, &trust, &crate::VerifyPolicy::at(nbf + DAY));
        // The wallet's parse of the credential file applies the same rule.
        assert_eq!(again.is_ok(), verdict.is_ok(), "{again:?} {verdict:?}");
        Ok(verdict)
    }

    #[test]
    fn a_qr_portrait_is_issued_presented_and_verified() {
        let p = webp(48, 64, 480);
        let v = issue_show_verify(p.clone(), LEGACY_JPEG_UNTIL + 10, true)
            .unwrap()
            .unwrap();
        assert_eq!(v.get(AttrId::Portrait), Some(&AttrValue::Bytes(p)));
        assert_eq!(v.purpose, crate::Purpose::CheckIn);
    }

    #[test]
    fn the_cap_is_enforced_at_issue_and_at_verify() {
        let over = webp(48, 64, 700);
        let e = issue_show_verify(over.clone(), crate::testing::TEST_NOW, true).unwrap_err();
        assert!(
            e.to_string()
                .contains("portrait: webp portrait is 730 bytes; a QR portrait holds at most 650"),
            "{e}"
        );
        // A dishonest or broken issuer signs it anyway: verifiers refuse it.
        let r = issue_show_verify(over, crate::testing::TEST_NOW, false)
            .unwrap()
            .unwrap_err();
        assert_eq!(r.reason(), crate::Reason::Malformed);
        assert!(
            r.detail().contains("a QR portrait holds at most 650"),
            "{r}"
        );
        let wide = webp(120, 160, 300);
        let r = issue_show_verify(wide, crate::testing::TEST_NOW, false)
            .unwrap()
            .unwrap_err();
        assert!(
            r.detail()
                .contains("is 120x160; a QR portrait is at most 96x128"),
            "{r}"
        );
    }

    #[test]
    fn a_legacy_jpeg_verifies_only_in_credentials_from_before_the_cutover() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.resize(1600, 0x55);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let before = LEGACY_JPEG_UNTIL - 1;
        let v = issue_show_verify(jpeg.clone(), before, true)
            .unwrap()
            .unwrap();
        assert_eq!(
            v.get(AttrId::Portrait),
            Some(&AttrValue::Bytes(jpeg.clone()))
        );
        let e = issue_show_verify(jpeg.clone(), LEGACY_JPEG_UNTIL, true).unwrap_err();
        assert!(
            e.to_string().contains("valid from before 2027-01-01"),
            "{e}"
        );
        let r = issue_show_verify(jpeg, LEGACY_JPEG_UNTIL, false)
            .unwrap()
            .unwrap_err();
        assert_eq!(r.reason(), crate::Reason::Malformed);
        assert!(
            r.detail()
                .starts_with("portrait: a jpeg portrait is accepted only"),
            "{r}"
        );
    }

    #[test]
    fn batch_issuance_applies_the_same_rule() {
        use crate::batch::{BatchParams, BatchSeed, issue_batch};
        let mut f = crate::testing::Fixture::new(9);
        let mut attributes = crate::testing::sample_person(LEGACY_JPEG_UNTIL);
        attributes.set(
            AttrId::Portrait,
            AttrValue::Bytes(vec![0xFF, 0xD8, 0xFF, 0xD9]),
        );
        let statuses = [crate::StatusRef { list: 1, index: 1 }];
        let mut batch = |nbf| {
            let params = BatchParams {
                device: f.holder.verifying_key(),
                not_before: nbf,
                expires: nbf + 86_400,
                statuses: &statuses,
                attributes: &attributes,
            };
            issue_batch(&f.issuer, BatchSeed([7; 32]), &params, &mut f.rng)
        };
        assert!(batch(LEGACY_JPEG_UNTIL - 1).is_ok());
        let e = batch(LEGACY_JPEG_UNTIL).unwrap_err().to_string();
        assert!(
            e.contains("portrait: a jpeg portrait is accepted only"),
            "{e}"
        );
    }

    proptest::proptest! {
        /// Whatever the bytes (a damaged QR portrait or noise), the check never panics, and
        /// what it accepts is within the caps it states.
        #[test]
        fn what_is_accepted_is_within_the_caps(
            w in 0u16..200,
            h in 0u16..200,
            extra in 0usize..700,
            flips in proptest::collection::vec((0usize..800, proptest::num::u8::ANY), 0..4),
            noise in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let mut b = webp(w, h, extra);
            for (at, x) in flips {
                if let Some(byte) = b.get_mut(at) {
                    *byte ^= x;
                }
            }
            for bytes in [&b[..], &noise[..]] {
                if let Ok(i) = check(bytes) {
                    proptest::prop_assert_eq!(i.len, bytes.len());
                    match i.format {
                        Format::WebP => {
                            proptest::prop_assert!(bytes.len() <= MAX_LEN);
                            proptest::prop_assert!((1..=MAX_WIDTH).contains(&i.width));
                            proptest::prop_assert!((1..=MAX_HEIGHT).contains(&i.height));
                            proptest::prop_assert_eq!(&bytes[12..16], b"VP8 ");
                        }
                        Format::Jpeg => {
                            proptest::prop_assert!(bytes.len() <= LEGACY_JPEG_MAX_LEN);
                            proptest::prop_assert!(bytes.starts_with(&[0xFF, 0xD8]));
                        }
                    }
                    proptest::prop_assert_eq!(info(bytes), Some(i));
                }
            }
        }
    }

    #[test]
    fn no_header_makes_the_checks_panic() {
        for len in 0..64 {
            let mut b = webp(48, 64, 34);
            b.truncate(len);
            let _ = check(&b);
            let _ = check(&b[..len.min(b.len())]);
            let mut j = vec![0xFF, 0xD8, 0xFF, 0xC0, 0xFF, 0xFF];
            j.truncate(len.min(6));
            let _ = check(&j);
        }
    }
}
