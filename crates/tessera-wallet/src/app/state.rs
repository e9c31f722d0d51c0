//! What the app holds: where it is (the phase), the open session, the cards, the forms and
//! the messages.

use std::path::PathBuf;
use std::time::Duration;

use egui::TextureHandle;
use tessera_core::attributes::{AttrId, AttrValue, Attributes};
use tessera_core::text::printable;
use tessera_core::{HeldCredential, UnixTime};
use zeroize::Zeroizing;

use super::presenting::PresentState;
use super::ui_enrol;
use super::unix_now;
use crate::wallet::{HistoryRecord, IssuerCheck, Validity, Wallet, WalletError};

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
}

impl Card {
    pub(super) fn new(wallet: &Wallet, id: String, cred: &HeldCredential, now: UnixTime) -> Card {
        let attrs = cred.attributes();
        let portrait = match attrs.get(AttrId::Portrait) {
            Some(AttrValue::Bytes(jpeg)) => {
                image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
                    .ok()
                    .map(|img| {
                        let rgba = img.to_rgba8();
                        let (w, h) = rgba.dimensions();
                        egui::ColorImage::from_rgba_unmultiplied(
                            [w as usize, h as usize],
                            rgba.as_raw(),
                        )
                    })
            }
            _ => None,
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
        Card {
            id,
            issuer,
            validity: Validity::of(cred, now),
            expires: cred.claims().expires,
            attrs,
            portrait,
            portrait_tex: None,
        }
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
