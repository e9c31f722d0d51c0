//! What the app holds: where it is (the phase), the open session, the cards, the forms and
//! the messages.

use std::path::PathBuf;
use std::time::Duration;

use egui::{ColorImage, TextureHandle, TextureOptions};
use image::imageops::FilterType;
use tessera_core::attributes::{AttrId, AttrValue, Attributes};
use tessera_core::portrait::Format;
use tessera_core::text::printable;
use tessera_core::{HeldCredential, UnixTime};
use zeroize::Zeroizing;

use super::presenting::PresentState;
use super::ui_enrol;
use super::unix_now;
use crate::wallet::{BatchState, HistoryRecord, IssuerCheck, Validity, Wallet, WalletError};

/// Where the app is.
pub(super) enum Phase {
    /// First run: welcome.
    Welcome,
    /// First run: choose a PIN or passphrase.
    CreatePin,
    /// First run (or from the welcome screen): restore a backup.
    RestoreFirst,
    /// A wallet exists and is locked.
    Locked,
    /// Unlocked.
    Open(Box<Session>),
}

/// The three tabs of an open wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// The ID cards (and the presentation screen).
    Cards,
    /// The presentation history.
    History,
    /// Settings.
    Settings,
}

/// A question that needs a yes before it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Confirm {
    ClearHistory,
    DeleteWallet,
    Restore,
    /// Replace a stored credential with the imported file ([`Session::replacing`] holds it).
    ReplaceCredential,
}

/// An imported file that would replace a different credential stored under its id.
pub(super) struct Replacing {
    pub(super) bytes: Vec<u8>,
    pub(super) id: String,
    pub(super) changes: Vec<String>,
}

/// A credential as the cards screen shows it.
pub(super) struct Card {
    pub(super) id: String,
    pub(super) attrs: Attributes,
    pub(super) issuer: Option<String>,
    pub(super) validity: Validity,
    pub(super) expires: UnixTime,
    pub(super) portrait: Option<egui::ColorImage>,
    pub(super) portrait_tex: Option<TextureHandle>,
    /// The portrait's format by the core's rule (`None`: no portrait, or bytes that break it).
    pub(super) portrait_format: Option<Format>,
    /// How its batch of single-use credentials stands (`None` if the wallet could not say).
    pub(super) batch: Option<BatchState>,
}

impl Card {
    pub(super) fn new(wallet: &Wallet, id: String, cred: &HeldCredential, now: UnixTime) -> Card {
        let attrs = cred.attributes();
        let (portrait, portrait_format) = match attrs.get(AttrId::Portrait) {
            Some(AttrValue::Bytes(bytes)) => (
                portrait_image(bytes),
                tessera_core::portrait::check(bytes).ok().map(|i| i.format),
            ),
            _ => (None, None),
        };
        // Every name shown went through `printable` (no control or format character reaches
        // the screen); `None` is an issuer the wallet does not know.
        let issuer = match wallet.issuer_check(cred) {
            IssuerCheck::Verified { issuer } => Some(printable(&issuer).into_owned()),
            IssuerCheck::Unknown => None,
            IssuerCheck::BadSignature { issuer } => Some(format!(
                "{} ⚠ signature does not verify",
                printable(&issuer)
            )),
        };
        let batch = wallet.batch_state(&id).ok();
        Card {
            id,
            issuer,
            validity: Validity::of(cred, now),
            batch,
            expires: cred.claims().expires,
            attrs,
            portrait,
            portrait_tex: None,
            portrait_format,
        }
    }

    /// Whether the citizen may pick the portrait among items chosen one by one: only a QR
    /// portrait (WebP, at most [`tessera_core::portrait::MAX_LEN`] bytes) fits a QR code beside
    /// other items; a legacy JPEG (up to [`tessera_core::portrait::LEGACY_JPEG_MAX_LEN`]) does
    /// not.
    pub(super) fn portrait_pickable(&self) -> bool {
        self.portrait_format == Some(Format::WebP)
    }

    /// The portrait's texture (uploaded on first use, smoothed when scaled), if the
    /// credential holds a portrait the app can decode.
    pub(super) fn portrait_texture(&mut self, ctx: &egui::Context) -> Option<TextureHandle> {
        if self.portrait_tex.is_none()
            && let Some(img) = self.portrait.clone()
        {
            self.portrait_tex = Some(ctx.load_texture(
                format!("portrait-{}", self.id),
                img,
                TextureOptions::LINEAR,
            ));
        }
        self.portrait_tex.clone()
    }

    /// A text attribute for display: characters unsafe on screen escaped.
    pub(super) fn text(&self, id: AttrId) -> String {
        match self.attrs.get(id) {
            Some(AttrValue::Text(t)) => printable(t).into_owned(),
            _ => String::new(),
        }
    }

    pub(super) fn full_name(&self) -> String {
        format!(
            "{}{}",
            self.text(AttrId::FamilyName),
            self.text(AttrId::GivenName)
        )
    }

    pub(super) fn latin_name(&self) -> String {
        format!(
            "{} {}",
            self.text(AttrId::FamilyNameLatin),
            self.text(AttrId::GivenNameLatin)
        )
        .trim()
        .to_owned()
    }
}

/// Largest portrait side decoded, in pixels: a QR portrait is at most 96x128 and a legacy
/// JPEG at most 16 KiB; a header claiming more is not decoded (no decompression bomb).
const MAX_PORTRAIT_SIDE: u32 = 2048;
/// Portraits are upscaled (Catmull-Rom) to at least this height before upload, so a 48x64 QR
/// portrait drawn large looks smooth rather than blocky; linear filtering does the rest.
const PORTRAIT_DISPLAY_HEIGHT: u32 = 256;

/// Decodes a portrait (a WebP QR portrait or a legacy JPEG) for display, upscaled smoothly.
/// `None` for anything else, an image over [`MAX_PORTRAIT_SIDE`], or bytes that do not
/// decode: the card then shows no picture, and the attribute's name where it is listed.
pub(super) fn portrait_image(bytes: &[u8]) -> Option<ColorImage> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::WebP | image::ImageFormat::Jpeg)
    ) {
        return None;
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PORTRAIT_SIDE);
    limits.max_image_height = Some(MAX_PORTRAIT_SIDE);
    limits.max_alloc = Some(64 << 20);
    let mut reader = reader;
    reader.limits(limits);
    let rgba = reader.decode().ok()?.to_rgba8();
    let (w, h) = rgba.dimensions();
    if w == 0 || h == 0 {
        return None;
    }
    let factor = PORTRAIT_DISPLAY_HEIGHT.div_ceil(h).clamp(1, 8);
    let rgba = if factor > 1 {
        image::imageops::resize(&rgba, w * factor, h * factor, FilterType::CatmullRom)
    } else {
        rgba
    };
    let (w, h) = rgba.dimensions();
    Some(ColorImage::from_rgba_unmultiplied(
        [w as usize, h as usize],
        rgba.as_raw(),
    ))
}

/// An unlocked wallet and what is on screen.
pub(super) struct Session {
    /// `None` while a background job (PIN change, backup) holds it.
    pub(super) wallet: Option<Box<Wallet>>,
    pub(super) tab: Tab,
    pub(super) cards: Vec<Card>,
    pub(super) present: Option<PresentState>,
    pub(super) history: Vec<HistoryRecord>,
    pub(super) auto_lock: u64,
    pub(super) confirm: Option<Confirm>,
    pub(super) device_key_file: Option<PathBuf>,
    /// The "Add an ID" screen (the enrolment request), when open.
    pub(super) enrol: Option<ui_enrol::Enrol>,
    pub(super) show_import: bool,
    /// The import waiting for the citizen to confirm a replacement.
    pub(super) replacing: Option<Replacing>,
}

/// Text typed into the forms. Secrets are wiped when dropped; egui's own copies (undo state)
/// are removed with [`WalletApp::forget_secret_widgets`].
#[derive(Default)]
pub(super) struct Forms {
    pub(super) use_passphrase: bool,
    pub(super) pin1: Zeroizing<String>,
    pub(super) pin2: Zeroizing<String>,
    pub(super) unlock: Zeroizing<String>,
    pub(super) import_path: String,
    pub(super) trust_path: String,
    pub(super) trust_root_path: String,
    pub(super) counter_code: String,
    pub(super) new1: Zeroizing<String>,
    pub(super) new2: Zeroizing<String>,
    pub(super) backup_path: String,
    pub(super) backup_pass1: Zeroizing<String>,
    pub(super) backup_pass2: Zeroizing<String>,
    pub(super) restore_path: String,
    pub(super) restore_pass: Zeroizing<String>,
    pub(super) restore_pin1: Zeroizing<String>,
    pub(super) restore_pin2: Zeroizing<String>,
}

/// Widget ids of every secret field (their egui state is removed after use).
pub(super) const SECRET_FIELDS: [&str; 9] = [
    "pin1",
    "pin2",
    "unlock",
    "new1",
    "new2",
    "backup-pass1",
    "backup-pass2",
    "restore-pass",
    "restore-pin1",
];

/// A message for the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// Whether it is an error.
    pub error: bool,
}

/// Timing figures the app measures about itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// From process start to the end of the first `ui` call.
    pub first_frame: Option<Duration>,
    /// Last QR renewal: presentation (signatures) time.
    pub present: Duration,
    /// Last QR renewal: QR encoding time.
    pub encode: Duration,
    /// Last QR renewal: texture build and upload request.
    pub texture: Duration,
}

/// Reloads the cards (and keeps the history fresh).
pub(super) fn refresh(s: &mut Session) -> Result<(), WalletError> {
    let Some(w) = &s.wallet else { return Ok(()) };
    let now = unix_now();
    s.cards = w
        .credentials()?
        .into_iter()
        .map(|(id, cred)| Card::new(w, id, &cred, now))
        .collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 60x80 legacy JPEG portrait (a smooth gradient).
    fn jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_fn(60, 80, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 3) as u8, ((x + y) * 2) as u8])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut out),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        out
    }

    #[test]
    fn portraits_decode_upscaled_for_display() {
        // A legacy JPEG and the QR portrait (lossy WebP) the issuer derives from the demo photo.
        let img = portrait_image(&jpeg()).expect("a JPEG decodes");
        assert_eq!(img.size, [60 * 4, 80 * 4]);
        let webp = tessera_issuer::portrait::derive(crate::demo::PORTRAIT).unwrap();
        let img = portrait_image(&webp.webp).expect("the WebP QR portrait decodes");
        let k = PORTRAIT_DISPLAY_HEIGHT.div_ceil(webp.height) as usize;
        assert_eq!(
            img.size,
            [webp.width as usize * k, webp.height as usize * k]
        );
        // Smoothly: an upscaled edge has in-between values, not only the source's pixels
        // repeated k times in both directions.
        let row: Vec<_> = img.pixels[..img.size[0]].to_vec();
        assert!(row.chunks(k).any(|c| c.iter().any(|p| *p != c[0])));
    }

    #[test]
    fn what_is_not_a_portrait_is_not_decoded() {
        assert!(portrait_image(b"").is_none());
        assert!(portrait_image(b"not an image at all").is_none());
        // A PNG is an image, but not a portrait format.
        let mut png = Vec::new();
        image::DynamicImage::new_rgb8(4, 4)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(portrait_image(&png).is_none());
        // A JPEG whose header claims 60000x60000 pixels (a decompression bomb) is refused
        // before any pixel is decoded.
        let good = jpeg();
        let mut bomb = good.clone();
        let sof = bomb
            .windows(2)
            .position(|w| w[0] == 0xFF && matches!(w[1], 0xC0 | 0xC2))
            .expect("a start-of-frame marker");
        bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert!(portrait_image(&bomb).is_none());
        // A WebP header with no image data after it.
        let mut webp = b"RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0".to_vec();
        webp.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 48, 0, 64, 0]);
        assert!(portrait_image(&webp).is_none());
    }
}
