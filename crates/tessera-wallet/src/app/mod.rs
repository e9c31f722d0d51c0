//! The wallet app (eframe 0.37): what a citizen sees.
//!
//! [`WalletApp`] holds the state; [`eframe::App::logic`] applies queued [`Action`]s, polls
//! background jobs and runs the timers (QR renewal every 20 s, auto-lock); [`eframe::App::ui`]
//! only draws and queues actions. Argon2id (create, unlock, PIN change, backup, restore) runs
//! on a background thread ([`jobs`]) while a spinner shows.
//!
//! Screens: first run (welcome, create a PIN or passphrase, restore), unlock, then three tabs:
//! the ID cards (with the presentation screen and its rotating QR code), the history and the
//! settings. Every control has an accessible name, so screen readers and the headless tests
//! (`tests/app.rs`, egui_kittest) find them by label; everything works with Tab, Enter and
//! typing alone; the text size is a setting (egui zoom: 100, 125, 150 %).
//!
//! While a QR code is shown the app repaints ten times a second (the countdown ring) and
//! renews the code every [`RENEW_SECS`]. eframe 0.37 has no call to keep the display awake;
//! repainting is what it allows (see docs/performance.md, "Wallet app").
//!
//! Credential files are imported from a typed path or by dropping them on the window. There
//! is no native file dialog yet: rfd's pure-Rust backend talks to xdg-desktop-portal, which
//! the test and screenshot machines do not run, so it could not be tried here.

pub mod i18n;
pub mod jobs;
pub mod qr;
#[cfg(feature = "screenshots")]
pub mod script;
pub mod style;
mod ui_enrol;
mod ui_home;
mod ui_onboarding;
mod ui_settings;

pub use ui_enrol::EnrolAction;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Id, TextureHandle};
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::presentation::normalize_counter_code;
use tessera_core::{HeldCredential, UnixTime};
use tessera_store::{KdfParams, Secret, Store, StoreError};
use zeroize::Zeroizing;

use crate::wallet::{
    HistoryRecord, ImportOutcome, Imported, IssuerCheck, Presentation, Validity, Wallet,
    WalletError,
};
use i18n::{Lang, LangWords as _, Words};
use jobs::{Done, Job, Running};
use qr::QrView;
use tessera_core::text::printable;

/// How often the QR code renews itself, in seconds.
pub const RENEW_SECS: f64 = 20.0;
/// How long a QR code stays on screen without any input before the app puts it away.
pub const PRESENT_TIMEOUT_SECS: f64 = 300.0;
/// The auto-lock choices offered, in seconds (0 = never).
pub const AUTO_LOCK_CHOICES: [u64; 5] = [30, 60, 120, 300, 900];
/// The default auto-lock time.
pub const DEFAULT_AUTO_LOCK: u64 = 120;
/// Text-size choices (egui zoom factors).
pub const TEXT_SIZES: [f32; 3] = [1.0, 1.25, 1.5];
/// The setting key of the auto-lock time in the encrypted store.
const AUTO_LOCK_KEY: &str = "auto-lock-secs";
/// The preferences that must be readable while locked (language, theme, text size).
const PREFS_FILE: &str = "app-preferences.json";
/// Largest credential file imported: the core's limit.
const MAX_CREDENTIAL_FILE: u64 = tessera_core::credential::MAX_CREDENTIAL_LEN as u64;

/// How the app is started.
#[derive(Debug)]
pub struct AppConfig {
    /// The wallet directory.
    pub data_dir: PathBuf,
    /// Argon2id cost for new wallets, PIN changes and backups (tests pass the store's
    /// cheap test parameters).
    pub kdf: KdfParams,
    /// How an unlock waits the delay after wrong PINs (tests record the waits).
    pub sleeper: jobs::Sleeper,
    /// Language to start in; `None`: the saved preference, else the system's.
    pub lang: Option<Lang>,
    /// When the process started (for the cold-start figure).
    pub started: Instant,
    /// Walk the screens and save screenshots (`script`, built with the `screenshots`
    /// feature only).
    #[cfg(feature = "screenshots")]
    pub script: Option<script::Script>,
}

impl AppConfig {
    /// A configuration for `data_dir` with recommended key-derivation cost.
    pub fn new(data_dir: PathBuf) -> AppConfig {
        AppConfig {
            data_dir,
            kdf: KdfParams::recommended(),
            sleeper: jobs::Sleeper::real(),
            lang: None,
            started: Instant::now(),
            #[cfg(feature = "screenshots")]
            script: None,
        }
    }
}

/// Light, dark or as the system says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Follow the system.
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl ThemeChoice {
    fn code(self) -> &'static str {
        match self {
            ThemeChoice::System => "system",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }

    fn from_code(s: &str) -> ThemeChoice {
        match s {
            "light" => ThemeChoice::Light,
            "dark" => ThemeChoice::Dark,
            _ => ThemeChoice::System,
        }
    }

    fn to_egui(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Preferences kept in plain text beside the store (needed before unlock; no personal data).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Prefs {
    lang: Lang,
    theme: ThemeChoice,
    text_size: f32,
}

impl Prefs {
    fn load(dir: &Path, lang: Option<Lang>) -> Prefs {
        let saved: Option<serde_json::Value> = std::fs::read(dir.join(PREFS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let get = |k: &str| {
            saved
                .as_ref()
                .and_then(|v| v.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Prefs {
            lang: lang
                .or_else(|| get("lang").and_then(|l| Lang::from_code(&l)))
                .unwrap_or_else(Lang::from_env),
            theme: ThemeChoice::from_code(&get("theme").unwrap_or_default()),
            text_size: saved
                .as_ref()
                .and_then(|v| v.get("text_size"))
                .and_then(serde_json::Value::as_f64)
                .map(|f| f as f32)
                .filter(|f| TEXT_SIZES.contains(f))
                .unwrap_or(1.0),
        }
    }

    fn save(&self, dir: &Path) {
        let v = serde_json::json!({
            "lang": self.lang.code(),
            "theme": self.theme.code(),
            "text_size": self.text_size,
        });
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(PREFS_FILE), v.to_string());
    }
}

/// Where the app is.
enum Phase {
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
enum Confirm {
    ClearHistory,
    DeleteWallet,
    Restore,
    /// Replace a stored credential with the imported file ([`Session::replacing`] holds it).
    ReplaceCredential,
}

/// An imported file that would replace a different credential stored under its id.
struct Replacing {
    bytes: Vec<u8>,
    id: String,
    changes: Vec<String>,
}

/// A credential as the cards screen shows it.
struct Card {
    id: String,
    attrs: Attributes,
    issuer: Option<String>,
    validity: Validity,
    expires: UnixTime,
    portrait: Option<egui::ColorImage>,
    portrait_tex: Option<TextureHandle>,
}

impl Card {
    fn new(wallet: &Wallet, id: String, cred: &HeldCredential, now: UnixTime) -> Card {
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
    fn text(&self, id: AttrId) -> String {
        match self.attrs.get(id) {
            Some(AttrValue::Text(t)) => printable(t).into_owned(),
            _ => String::new(),
        }
    }

    fn full_name(&self) -> String {
        format!(
            "{}{}",
            self.text(AttrId::FamilyName),
            self.text(AttrId::GivenName)
        )
    }

    fn latin_name(&self) -> String {
        format!(
            "{} {}",
            self.text(AttrId::FamilyNameLatin),
            self.text(AttrId::GivenNameLatin)
        )
        .trim()
        .to_owned()
    }
}

/// The QR code on screen and how it was made.
pub struct Showing {
    presentation: Presentation,
    qr: QrView,
    counter_code: Option<String>,
    /// When this code was made (egui time, seconds).
    made_at: f64,
    /// The side of the drawn code in points (0 before the first frame).
    side: f32,
}

/// The presentation screen.
struct PresentState {
    card: usize,
    purpose: Purpose,
    custom: BTreeSet<AttrId>,
    showing: Option<Showing>,
}

impl PresentState {
    fn items(&self) -> Vec<AttrId> {
        match self.purpose {
            Purpose::Custom => self.custom.iter().copied().collect(),
            p => p.preset().to_vec(),
        }
    }
}

/// An unlocked wallet and what is on screen.
struct Session {
    /// `None` while a background job (PIN change, backup) holds it.
    wallet: Option<Box<Wallet>>,
    tab: Tab,
    cards: Vec<Card>,
    present: Option<PresentState>,
    history: Vec<HistoryRecord>,
    auto_lock: u64,
    confirm: Option<Confirm>,
    device_key_file: Option<PathBuf>,
    /// The "Add an ID" screen (the enrolment request), when open.
    enrol: Option<ui_enrol::Enrol>,
    show_import: bool,
    /// The import waiting for the citizen to confirm a replacement.
    replacing: Option<Replacing>,
}

/// Something the UI asks for; [`WalletApp`] does it in `logic`.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Welcome → create a PIN.
    StartCreate,
    /// Welcome → restore a backup.
    StartRestore,
    /// Back to the welcome screen.
    ToWelcome,
    /// PIN ↔ passphrase on the create screen.
    ToggleSecretKind,
    /// Create the wallet with the typed PIN.
    SubmitCreate,
    /// Unlock with the typed PIN.
    SubmitUnlock,
    /// Lock now.
    Lock,
    /// Add the demo ID.
    AddDemo,
    /// Import the credential file at the typed path.
    ImportTyped,
    /// Import a file (dropped on the window).
    ImportFile(PathBuf),
    /// Import bytes (dropped on the window, web style).
    ImportBytes(Vec<u8>),
    /// Show or hide the import panel.
    ToggleImport,
    /// The "Add an ID" screen: open, close, save the request, import the answer.
    Enrol(EnrolAction),
    /// Load the trust list and root key files typed in the settings.
    LoadTrust,
    /// Change tab.
    Tab(Tab),
    /// Open the presentation screen for a card.
    OpenPresent(usize),
    /// Leave the presentation screen.
    ClosePresent,
    /// Choose a purpose.
    Purpose(Purpose),
    /// Toggle one item of a custom choice.
    ToggleItem(AttrId),
    /// Type a counter code (the script; tests type into the field).
    CounterCode(String),
    /// Make the QR code.
    ShowQr,
    /// Renew the QR code now.
    RenewQr,
    /// Put the QR code away (back to the choice).
    HideQr,
    /// Ask before doing something.
    Ask(ConfirmKind),
    /// The answer was no.
    CancelConfirm,
    /// The answer was yes.
    Confirmed,
    /// Change the language.
    Lang(Lang),
    /// Change the theme.
    Theme(ThemeChoice),
    /// Change the text size.
    TextSize(f32),
    /// Change the auto-lock time.
    AutoLock(u64),
    /// Change the PIN to the typed one.
    ChangePin,
    /// Write a backup.
    Backup,
    /// Restore a backup (first run or from settings, after confirmation).
    Restore,
    /// Hide the message strip.
    DismissMessage,
}

/// What [`Action::Ask`] asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmKind {
    /// Clear the history.
    ClearHistory,
    /// Delete the wallet.
    DeleteWallet,
    /// Replace the wallet with a backup.
    Restore,
}

/// Text typed into the forms. Secrets are wiped when dropped; egui's own copies (undo state)
/// are removed with [`WalletApp::forget_secret_widgets`].
#[derive(Default)]
struct Forms {
    use_passphrase: bool,
    pin1: Zeroizing<String>,
    pin2: Zeroizing<String>,
    unlock: Zeroizing<String>,
    import_path: String,
    trust_path: String,
    trust_root_path: String,
    counter_code: String,
    new1: Zeroizing<String>,
    new2: Zeroizing<String>,
    backup_path: String,
    backup_pass1: Zeroizing<String>,
    backup_pass2: Zeroizing<String>,
    restore_path: String,
    restore_pass: Zeroizing<String>,
    restore_pin1: Zeroizing<String>,
    restore_pin2: Zeroizing<String>,
}

/// Widget ids of every secret field (their egui state is removed after use).
const SECRET_FIELDS: [&str; 9] = [
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

/// The wallet app.
pub struct WalletApp {
    cfg: AppConfig,
    prefs: Prefs,
    phase: Phase,
    job: Option<Running>,
    job_label: &'static str,
    actions: Vec<Action>,
    forms: Forms,
    message: Option<Message>,
    failed_attempts: u32,
    /// How long the next unlock attempt will wait before checking the PIN (after wrong
    /// PINs in a row; the unlock job sleeps it).
    next_wait: Duration,
    now: f64,
    last_input: f64,
    timings: Timings,
    frames: u64,
    #[cfg(feature = "screenshots")]
    script: Option<script::Runner>,
}

impl std::fmt::Debug for WalletApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletApp")
            .field("data_dir", &self.cfg.data_dir)
            .finish_non_exhaustive()
    }
}

/// The current time (Unix seconds).
fn unix_now() -> UnixTime {
    crate::cli::now()
}

/// `YYYY-MM-DD` and `YYYY-MM-DD HH:MM UTC` of a Unix time, as both apps show them.
pub use tessera_ui::{date, date_time};

impl WalletApp {
    /// Makes the app: installs the bundled fonts and the style, reads the preferences.
    pub fn new(ctx: &egui::Context, cfg: AppConfig) -> WalletApp {
        style::install_fonts(ctx);
        style::apply(ctx);
        let prefs = Prefs::load(&cfg.data_dir, cfg.lang);
        ctx.set_theme(prefs.theme.to_egui());
        ctx.set_zoom_factor(prefs.text_size);
        let phase = if Store::exists(&cfg.data_dir) {
            Phase::Locked
        } else {
            Phase::Welcome
        };
        let failed_attempts = if matches!(phase, Phase::Locked) {
            Store::failed_attempts(&cfg.data_dir).unwrap_or(0)
        } else {
            0
        };
        let next_wait = if matches!(phase, Phase::Locked) {
            Store::next_wait(&cfg.data_dir).unwrap_or_default()
        } else {
            Duration::ZERO
        };
        #[cfg(feature = "screenshots")]
        let script = cfg.script.clone().map(script::Runner::new);
        WalletApp {
            cfg,
            prefs,
            phase,
            job: None,
            job_label: "",
            actions: Vec::new(),
            forms: Forms::default(),
            message: None,
            failed_attempts,
            next_wait,
            now: 0.0,
            last_input: 0.0,
            timings: Timings::default(),
            frames: 0,
            #[cfg(feature = "screenshots")]
            script,
        }
    }

    fn t(&self) -> &'static Words {
        self.prefs.lang.t()
    }

    /// Queues an action (done in the next `logic`).
    pub fn queue(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Whether a background job runs.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Whether the wallet is unlocked.
    pub fn is_unlocked(&self) -> bool {
        matches!(self.phase, Phase::Open(_))
    }

    /// Whether the app shows the unlock screen.
    pub fn is_locked(&self) -> bool {
        matches!(self.phase, Phase::Locked)
    }

    /// The current language.
    pub fn lang(&self) -> Lang {
        self.prefs.lang
    }

    /// The message shown, if any.
    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    /// The QR code on screen: its payload text and symbol.
    pub fn shown_qr(&self) -> Option<(&str, &tessera_qr::QrSymbol)> {
        let s = self.showing()?;
        Some((s.qr.text(), s.qr.symbol()))
    }

    /// The side of the QR code as last drawn, in points (quiet zone included).
    pub fn shown_qr_side(&self) -> Option<f32> {
        self.showing().map(|s| s.side)
    }

    /// The presentation behind the QR code on screen.
    pub fn shown_presentation(&self) -> Option<&Presentation> {
        self.showing().map(|s| &s.presentation)
    }

    /// Timing figures measured so far.
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// How many credentials the open wallet shows.
    pub fn card_count(&self) -> usize {
        match &self.phase {
            Phase::Open(s) => s.cards.len(),
            _ => 0,
        }
    }

    /// The open tab, if unlocked.
    pub fn tab(&self) -> Option<Tab> {
        match &self.phase {
            Phase::Open(s) => Some(s.tab),
            _ => None,
        }
    }

    fn showing(&self) -> Option<&Showing> {
        match &self.phase {
            Phase::Open(s) => s.present.as_ref()?.showing.as_ref(),
            _ => None,
        }
    }

    fn session(&mut self) -> Option<&mut Session> {
        match &mut self.phase {
            Phase::Open(s) => Some(s),
            _ => None,
        }
    }

    /// Shows an error. Messages can quote file names and file contents: characters unsafe
    /// on screen are escaped.
    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: printable(&text.into()).into_owned(),
            error: true,
        });
    }

    /// Shows a notice (escaped like [`WalletApp::error`]).
    fn notice(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: printable(&text.into()).into_owned(),
            error: false,
        });
    }

    /// A wallet error in the citizen's words where we have them.
    fn describe(&self, e: &WalletError) -> String {
        match e {
            WalletError::Store(s) => self.describe_store(s),
            other => format!("{} {other}", self.t().error_prefix),
        }
    }

    fn describe_store(&self, e: &StoreError) -> String {
        let t = self.t();
        match e {
            StoreError::WrongSecret {
                failed_attempts, ..
            } => format!("{} {} {failed_attempts}", t.wrong_pin, t.failed_before),
            other => format!("{} {other}", t.error_prefix),
        }
    }

    /// Removes egui's copies of typed secrets (TextEdit undo state) and wipes the fields.
    fn forget_secret_widgets(&mut self, ctx: &egui::Context) {
        ctx.data_mut(|d| {
            for name in SECRET_FIELDS.iter().chain(["restore-pin2"].iter()) {
                d.remove::<egui::text_edit::TextEditState>(Id::unique(*name));
            }
        });
        let f = &mut self.forms;
        for s in [
            &mut f.pin1,
            &mut f.pin2,
            &mut f.unlock,
            &mut f.new1,
            &mut f.new2,
            &mut f.backup_pass1,
            &mut f.backup_pass2,
            &mut f.restore_pass,
            &mut f.restore_pin1,
            &mut f.restore_pin2,
        ] {
            *s = Zeroizing::new(String::new());
        }
    }

    fn start(&mut self, ctx: &egui::Context, job: Job, label: &'static str) {
        self.job = Some(jobs::spawn(job, ctx));
        self.job_label = label;
    }

    /// Two typed entries → a secret, or the message why not.
    fn secret_from(&self, a: &str, b: &str, passphrase_only: bool) -> Result<Secret, String> {
        let t = self.t();
        if a != b {
            return Err(t.mismatch.into());
        }
        let r = if passphrase_only {
            Secret::passphrase(a)
        } else {
            Secret::parse(a)
        };
        r.map_err(|e| format!("{} {e}", t.error_prefix))
    }

    fn open_session(&mut self, wallet: Wallet) {
        let auto_lock = wallet
            .setting(AUTO_LOCK_KEY)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_AUTO_LOCK);
        let mut s = Session {
            wallet: Some(Box::new(wallet)),
            tab: Tab::Cards,
            cards: Vec::new(),
            present: None,
            history: Vec::new(),
            auto_lock,
            confirm: None,
            device_key_file: None,
            enrol: None,
            show_import: false,
            replacing: None,
        };
        if let Err(e) = refresh(&mut s) {
            let text = self.describe(&e);
            self.error(text);
        }
        self.phase = Phase::Open(Box::new(s));
        self.failed_attempts = 0;
    }

    /// Locks: drops the wallet (its data key is wiped), the QR code, the cards and every typed
    /// secret.
    pub fn lock(&mut self, ctx: &egui::Context) {
        if let Phase::Open(session) = &mut self.phase
            && session.wallet.is_none()
        {
            // A PIN change or backup holds the wallet: lock when it comes back.
            return;
        }
        self.phase = if Store::exists(&self.cfg.data_dir) {
            Phase::Locked
        } else {
            Phase::Welcome
        };
        self.forms.counter_code.clear();
        self.forget_secret_widgets(ctx);
        self.failed_attempts = Store::failed_attempts(&self.cfg.data_dir).unwrap_or(0);
        self.next_wait = Store::next_wait(&self.cfg.data_dir).unwrap_or_default();
    }

    fn apply(&mut self, ctx: &egui::Context, action: Action) {
        let t = self.t();
        match action {
            Action::StartCreate => {
                self.message = None;
                self.phase = Phase::CreatePin;
            }
            Action::StartRestore => {
                self.message = None;
                self.phase = Phase::RestoreFirst;
            }
            Action::ToWelcome => {
                self.message = None;
                self.forget_secret_widgets(ctx);
                self.phase = Phase::Welcome;
            }
            Action::ToggleSecretKind => {
                self.forms.use_passphrase = !self.forms.use_passphrase;
                self.forget_secret_widgets(ctx);
            }
            Action::SubmitCreate => {
                let secret = if self.forms.use_passphrase {
                    self.secret_from(&self.forms.pin1, &self.forms.pin2, true)
                } else {
                    let (a, b) = (&self.forms.pin1, &self.forms.pin2);
                    if a != b {
                        Err(t.mismatch.to_owned())
                    } else {
                        Secret::pin(a).map_err(|e| format!("{} {e}", t.error_prefix))
                    }
                };
                match secret {
                    Ok(secret) => {
                        self.message = None;
                        self.forget_secret_widgets(ctx);
                        let job = Job::Create {
                            dir: self.cfg.data_dir.clone(),
                            secret,
                            params: self.cfg.kdf,
                        };
                        self.start(ctx, job, t.creating);
                    }
                    Err(m) => self.error(m),
                }
            }
            Action::SubmitUnlock => match Secret::parse(&self.forms.unlock) {
                Ok(secret) => {
                    self.message = None;
                    self.forget_secret_widgets(ctx);
                    let job = Job::Unlock {
                        dir: self.cfg.data_dir.clone(),
                        secret,
                        sleeper: self.cfg.sleeper.clone(),
                    };
                    self.start(ctx, job, t.unlocking);
                }
                Err(_) => {
                    self.forget_secret_widgets(ctx);
                    self.error(t.wrong_pin);
                }
            },
            Action::Lock => self.lock(ctx),
            Action::AddDemo => {
                let Some(s) = self.session() else { return };
                let Some(w) = &s.wallet else { return };
                let r = w
                    .add_demo(unix_now(), &mut UnwrapErr(getrandom::SysRng))
                    .and_then(|_| refresh(s));
                match r {
                    Ok(()) => {
                        s.show_import = false;
                        self.notice(t.demo_added);
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Action::ImportTyped => {
                let path = PathBuf::from(self.forms.import_path.trim());
                self.apply(ctx, Action::ImportFile(path));
            }
            Action::ImportFile(path) => match read_limited(&path) {
                Ok(bytes) => self.apply(ctx, Action::ImportBytes(bytes)),
                Err(e) => self.error(format!("{} {}: {e}", t.error_prefix, path.display())),
            },
            Action::ImportBytes(bytes) => {
                let Some(s) = self.session() else { return };
                let Some(w) = &s.wallet else { return };
                let r = w
                    .ensure_device_key(&mut UnwrapErr(getrandom::SysRng))
                    .and_then(|_| w.import_answering(&bytes))
                    .and_then(|i| refresh(s).map(|()| i));
                match r {
                    Ok(imported) => {
                        s.show_import = false;
                        self.forms.import_path.clear();
                        self.imported_notice(&imported);
                    }
                    Err(WalletError::WouldReplace { id, changes }) => {
                        // Never replaced silently: show what changes and ask.
                        s.replacing = Some(Replacing { bytes, id, changes });
                        s.confirm = Some(Confirm::ReplaceCredential);
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Action::LoadTrust => {
                let list = PathBuf::from(self.forms.trust_path.trim());
                let root = PathBuf::from(self.forms.trust_root_path.trim());
                let r = load_trust_files(&list, &root).and_then(|(signed, key)| {
                    let Some(s) = self.session() else {
                        return Ok(());
                    };
                    let Some(w) = &mut s.wallet else {
                        return Ok(());
                    };
                    w.load_trust(&signed, &key).map_err(|e| e.to_string())?;
                    refresh(s).map_err(|e| e.to_string())
                });
                match r {
                    Ok(()) => self.notice(t.trust_loaded),
                    Err(e) => self.error(format!("{} {e}", t.error_prefix)),
                }
            }
            Action::ToggleImport => {
                let dir = self.cfg.data_dir.clone();
                let Some(s) = self.session() else { return };
                s.show_import = !s.show_import;
                if s.show_import && s.device_key_file.is_none() {
                    s.device_key_file = s.wallet.as_ref().and_then(|w| export_key(w, &dir));
                }
            }
            Action::Enrol(a) => self.apply_enrol(ctx, a),
            Action::Tab(tab) => {
                self.message = None;
                let Some(s) = self.session() else { return };
                s.tab = tab;
                s.present = None;
                s.enrol = None;
                s.confirm = None;
                if tab == Tab::History
                    && let Some(w) = &s.wallet
                {
                    s.history = w.history().unwrap_or_default();
                }
            }
            Action::OpenPresent(card) => {
                self.message = None;
                self.forms.counter_code.clear();
                let Some(s) = self.session() else { return };
                if card < s.cards.len() {
                    s.present = Some(PresentState {
                        card,
                        purpose: Purpose::Age18,
                        custom: BTreeSet::new(),
                        showing: None,
                    });
                }
            }
            Action::ClosePresent => {
                self.message = None;
                if let Some(s) = self.session() {
                    s.present = None;
                }
            }
            Action::Purpose(p) => {
                if let Some(ps) = self.session().and_then(|s| s.present.as_mut()) {
                    ps.purpose = p;
                }
            }
            Action::ToggleItem(a) => {
                if let Some(ps) = self.session().and_then(|s| s.present.as_mut())
                    && !ps.custom.remove(&a)
                {
                    ps.custom.insert(a);
                }
            }
            Action::CounterCode(code) => self.forms.counter_code = code,
            Action::ShowQr => self.make_qr(true),
            Action::RenewQr => self.make_qr(false),
            Action::HideQr => {
                if let Some(ps) = self.session().and_then(|s| s.present.as_mut()) {
                    ps.showing = None;
                }
            }
            Action::Ask(kind) => {
                if let Some(s) = self.session() {
                    s.confirm = Some(match kind {
                        ConfirmKind::ClearHistory => Confirm::ClearHistory,
                        ConfirmKind::DeleteWallet => Confirm::DeleteWallet,
                        ConfirmKind::Restore => Confirm::Restore,
                    });
                }
            }
            Action::CancelConfirm => {
                if let Some(s) = self.session() {
                    s.confirm = None;
                    s.replacing = None;
                }
            }
            Action::Confirmed => self.confirmed(ctx),
            Action::Lang(lang) => {
                self.prefs.lang = lang;
                self.prefs.save(&self.cfg.data_dir);
            }
            Action::Theme(theme) => {
                self.prefs.theme = theme;
                ctx.set_theme(theme.to_egui());
                self.prefs.save(&self.cfg.data_dir);
            }
            Action::TextSize(z) => {
                self.prefs.text_size = z;
                ctx.set_zoom_factor(z);
                self.prefs.save(&self.cfg.data_dir);
            }
            Action::AutoLock(secs) => {
                let Some(s) = self.session() else { return };
                s.auto_lock = secs;
                if let Some(w) = &s.wallet
                    && let Err(e) = w.set_setting(AUTO_LOCK_KEY, &secs.to_string())
                {
                    let m = self.describe(&e);
                    self.error(m);
                }
            }
            Action::ChangePin => {
                let secret = self.secret_from(&self.forms.new1, &self.forms.new2, false);
                match secret {
                    Ok(secret) => {
                        self.forget_secret_widgets(ctx);
                        let params = self.cfg.kdf;
                        let Some(w) = self.session().and_then(|s| s.wallet.take()) else {
                            return;
                        };
                        let job = Job::ChangeSecret {
                            wallet: w,
                            secret,
                            params,
                        };
                        self.start(ctx, job, t.working);
                    }
                    Err(m) => self.error(m),
                }
            }
            Action::Backup => {
                let pass =
                    self.secret_from(&self.forms.backup_pass1, &self.forms.backup_pass2, true);
                let out = PathBuf::from(self.forms.backup_path.trim());
                match pass {
                    Ok(_) if out.as_os_str().is_empty() => self.error(t.backup_path),
                    Ok(passphrase) => {
                        self.forget_secret_widgets(ctx);
                        let params = self.cfg.kdf;
                        let Some(w) = self.session().and_then(|s| s.wallet.take()) else {
                            return;
                        };
                        let job = Job::Backup {
                            wallet: w,
                            out,
                            passphrase,
                            params,
                        };
                        self.start(ctx, job, t.working);
                    }
                    Err(m) => self.error(m),
                }
            }
            Action::Restore => {
                let pin =
                    self.secret_from(&self.forms.restore_pin1, &self.forms.restore_pin2, false);
                let pass = Secret::parse(&self.forms.restore_pass)
                    .map_err(|e| format!("{} {e}", t.error_prefix));
                let backup = PathBuf::from(self.forms.restore_path.trim());
                match (pin, pass) {
                    (Ok(secret), Ok(passphrase)) => {
                        self.forget_secret_widgets(ctx);
                        // Close the wallet first: the restore may replace its files.
                        self.phase = Phase::RestoreFirst;
                        let job = Job::Restore {
                            backup,
                            passphrase,
                            dir: self.cfg.data_dir.clone(),
                            secret,
                            params: self.cfg.kdf,
                        };
                        self.start(ctx, job, t.working);
                    }
                    (Err(m), _) | (_, Err(m)) => self.error(m),
                }
            }
            Action::DismissMessage => self.message = None,
        }
    }

    fn confirmed(&mut self, ctx: &egui::Context) {
        let t = self.t();
        let Some(s) = self.session() else { return };
        let Some(which) = s.confirm.take() else {
            return;
        };
        match which {
            Confirm::ClearHistory => {
                if let Some(w) = &s.wallet {
                    let r = w.clear_history();
                    s.history.clear();
                    if let Err(e) = r {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
            Confirm::DeleteWallet => {
                // Close the store (wiping its key) before deleting its files.
                self.phase = Phase::Welcome;
                self.forget_secret_widgets(ctx);
                match Store::destroy(&self.cfg.data_dir) {
                    Ok(()) => self.notice(t.deleted),
                    Err(e) => {
                        let m = self.describe_store(&e);
                        self.error(m);
                    }
                }
            }
            Confirm::Restore => self.apply(ctx, Action::Restore),
            Confirm::ReplaceCredential => {
                let Some(pending) = s.replacing.take() else {
                    return;
                };
                let Some(w) = &s.wallet else { return };
                match w
                    .import_replacing(&pending.bytes)
                    .and_then(|i| refresh(s).map(|()| i))
                {
                    Ok(imported) => {
                        if let Some(s) = self.session() {
                            s.show_import = false;
                        }
                        self.forms.import_path.clear();
                        self.imported_notice(&imported);
                    }
                    Err(e) => {
                        let m = self.describe(&e);
                        self.error(m);
                    }
                }
            }
        }
    }

    /// Says what an import did, and warns when the issuer could not be checked.
    fn imported_notice(&mut self, imported: &Imported) {
        let t = self.t();
        let done = match imported.outcome {
            ImportOutcome::Added | ImportOutcome::Replaced => t.imported,
            ImportOutcome::Unchanged => t.already_imported,
        };
        match imported.issuer {
            IssuerCheck::Verified { .. } => self.notice(done),
            _ => self.error(format!("{done} {}", t.issuer_not_checked)),
        }
    }

    /// Makes (or renews) the presentation and its QR code.
    fn make_qr(&mut self, first: bool) {
        let t = self.t();
        let now_t = self.now;
        let code_typed = self.forms.counter_code.trim().to_owned();
        let Phase::Open(s) = &mut self.phase else {
            return;
        };
        let (Some(w), Some(ps)) = (&s.wallet, &mut s.present) else {
            return;
        };
        let Some(card) = s.cards.get(ps.card) else {
            return;
        };
        let items = ps.items();
        if items.is_empty() {
            self.message = Some(Message {
                text: t.nothing_chosen.into(),
                error: true,
            });
            return;
        }
        let code = if first {
            if code_typed.is_empty() {
                None
            } else {
                match normalize_counter_code(&code_typed) {
                    Some(c) => Some(c),
                    None => {
                        self.message = Some(Message {
                            text: t.bad_counter_code.into(),
                            error: true,
                        });
                        return;
                    }
                }
            }
        } else {
            ps.showing.as_ref().and_then(|s| s.counter_code.clone())
        };
        let mut rng = UnwrapErr(getrandom::SysRng);
        let start = Instant::now();
        let made = if first {
            w.present(
                Some(&card.id),
                &items,
                ps.purpose,
                code.as_deref(),
                unix_now(),
                &mut rng,
            )
        } else {
            w.present_again(
                Some(&card.id),
                &items,
                ps.purpose,
                code.as_deref(),
                unix_now(),
                &mut rng,
            )
        };
        let present_time = start.elapsed();
        match made {
            Ok(p) => match QrView::new(&p.text) {
                Ok(qr) => {
                    self.timings.present = present_time;
                    self.timings.encode = qr.encode_time;
                    ps.showing = Some(Showing {
                        presentation: p,
                        qr,
                        counter_code: code,
                        made_at: now_t,
                        side: 0.0,
                    });
                    self.message = None;
                }
                Err(e) => {
                    self.message = Some(Message {
                        text: format!("{} {e}", t.error_prefix),
                        error: true,
                    })
                }
            },
            Err(e) => {
                let m = self.describe(&e);
                self.error(m);
            }
        }
    }

    fn finish_job(&mut self, ctx: &egui::Context, done: Done) {
        let t = self.t();
        self.job = None;
        match done {
            Done::Opened { result, created } => match result {
                Ok(wallet) => {
                    self.message = None;
                    self.open_session(wallet);
                    if created {
                        self.forms.use_passphrase = false;
                    }
                }
                Err(e) => {
                    let m = self.describe(&e);
                    self.error(m);
                    if let WalletError::Store(StoreError::WrongSecret { next_wait, .. }) = &e {
                        self.next_wait = next_wait.unwrap_or_default();
                    }
                    if !created {
                        self.failed_attempts =
                            Store::failed_attempts(&self.cfg.data_dir).unwrap_or(0);
                        ctx.memory_mut(|m| m.request_focus(Id::unique("unlock")));
                    }
                }
            },
            Done::SecretChanged(w, r) => {
                if let Some(s) = self.session() {
                    s.wallet = Some(w);
                }
                match r {
                    Ok(()) => self.notice(t.pin_changed),
                    Err(e) => {
                        let m = self.describe_store(&e);
                        self.error(m);
                    }
                }
            }
            Done::BackedUp(w, r) => {
                if let Some(s) = self.session() {
                    s.wallet = Some(w);
                }
                match r {
                    Ok(path) => {
                        self.notice(format!("{} {}", t.backup_written, path.display()));
                        self.forms.backup_path.clear();
                    }
                    Err(e) => {
                        let m = self.describe_store(&e);
                        self.error(m);
                    }
                }
            }
            Done::Restored(r) => match r {
                Ok(()) => {
                    self.forms.restore_path.clear();
                    self.phase = Phase::Locked;
                    self.failed_attempts = 0;
                    self.notice(t.restored);
                }
                Err(e) => {
                    let m = self.describe_store(&e);
                    self.error(m);
                    self.phase = if Store::exists(&self.cfg.data_dir) {
                        Phase::Locked
                    } else {
                        Phase::RestoreFirst
                    };
                }
            },
        }
    }

    /// Timers: QR renewal, the presentation timeout, auto-lock.
    fn timers(&mut self, ctx: &egui::Context) {
        let now = self.now;
        let idle = now - self.last_input;
        let mut renew = false;
        let mut hide = false;
        let mut lock = false;
        if let Phase::Open(s) = &self.phase {
            if let Some(showing) = s.present.as_ref().and_then(|p| p.showing.as_ref()) {
                // The screen stays on and the code renews itself while shown.
                ctx.request_repaint_after(Duration::from_millis(100));
                if now - showing.made_at >= RENEW_SECS {
                    renew = true;
                }
                if idle >= PRESENT_TIMEOUT_SECS {
                    hide = true;
                }
            } else if s.auto_lock > 0 && self.job.is_none() {
                if idle >= s.auto_lock as f64 {
                    lock = true;
                } else {
                    ctx.request_repaint_after(Duration::from_secs_f64(
                        (s.auto_lock as f64 - idle).max(0.5),
                    ));
                }
            }
        }
        if hide {
            self.apply(ctx, Action::HideQr);
            // Restart the idle clock so auto-lock counts from here.
            self.last_input = now;
        } else if renew {
            self.make_qr(false);
        }
        if lock {
            self.lock(ctx);
        }
    }
}

/// Reloads the cards (and keeps the history fresh).
fn refresh(s: &mut Session) -> Result<(), WalletError> {
    let Some(w) = &s.wallet else { return Ok(()) };
    let now = unix_now();
    s.cards = w
        .credentials()?
        .into_iter()
        .map(|(id, cred)| Card::new(w, id, &cred, now))
        .collect();
    Ok(())
}

/// Reads a trust list file and its root key file (size-limited), for [`Action::LoadTrust`].
fn load_trust_files(
    list: &Path,
    root: &Path,
) -> Result<(Vec<u8>, ed25519_dalek::VerifyingKey), String> {
    let read = |p: &Path, limit: u64| -> Result<Vec<u8>, String> {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if !meta.is_file() || meta.len() > limit {
            return Err(format!(
                "{}: not a file of at most {limit} bytes",
                p.display()
            ));
        }
        std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let signed = read(list, 1 << 20)?;
    let text = String::from_utf8(read(root, 4096)?)
        .map_err(|_| format!("{}: not a key file", root.display()))?;
    let key = tessera_core::keys::public_key_from_text(&text)
        .map_err(|e| format!("{}: {e}", root.display()))?;
    Ok((signed, key))
}

/// Writes the device public key beside the store, for the issuer; returns its path.
fn export_key(w: &Wallet, dir: &Path) -> Option<PathBuf> {
    let key = w
        .ensure_device_key(&mut UnwrapErr(getrandom::SysRng))
        .ok()?;
    let path = dir.join("holder.pub");
    std::fs::write(
        &path,
        tessera_core::keys::public_key_to_text(&key, "Tessera wallet device key"),
    )
    .ok()?;
    Some(path)
}

fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use tessera_fs::ReadLimitedError as E;
    tessera_fs::read_limited(path, MAX_CREDENTIAL_FILE).map_err(|e| match e {
        E::Io(e) => e,
        E::NotAFile => std::io::Error::other("not a regular file"),
        E::TooLarge { len } => std::io::Error::other(format!(
            "{len} bytes; at most {MAX_CREDENTIAL_FILE} are accepted"
        )),
    })
}

impl eframe::App for WalletApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        let (time, active, dropped) = ctx.input(|i| {
            (
                i.time,
                !i.events.is_empty() || i.pointer.is_moving() || !i.raw.dropped_files.is_empty(),
                i.raw.dropped_files.clone(),
            )
        });
        self.now = time;
        if active {
            self.last_input = time;
        }
        for file in dropped {
            self.actions
                .push(Action::ImportFile(file.path().to_path_buf()));
        }
        if let Some(job) = &self.job
            && let Some(done) = job.poll()
        {
            self.finish_job(ctx, done);
        }
        let actions = std::mem::take(&mut self.actions);
        for a in actions {
            self.apply(ctx, a);
        }
        self.timers(ctx);
        #[cfg(feature = "screenshots")]
        if let Some(mut runner) = self.script.take() {
            runner.step(self, ctx, frame.info().cpu_usage);
            self.script = Some(runner);
        }
        #[cfg(not(feature = "screenshots"))]
        let _ = frame;
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let before = self.actions.len();
        self.draw(ui);
        if self.actions.len() != before {
            ui.ctx().request_repaint();
        }
        if let Some(tt) = self.showing().map(|s| s.qr.texture_time) {
            self.timings.texture = tt;
            #[cfg(feature = "screenshots")]
            if let Some(r) = &mut self.script {
                r.after_ui(tt);
            }
        }
        self.frames += 1;
        if self.frames == 1 {
            self.timings.first_frame = Some(self.cfg.started.elapsed());
        }
        if self.job.is_some() {
            // Keep the spinner turning.
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
    }
}

/// Opens the app window (about 420×860, phone-shaped; it can be maximised).
pub fn run(cfg: AppConfig) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Tessera")
            .with_app_id("tessera-wallet")
            .with_inner_size([420.0, 860.0])
            .with_min_inner_size([320.0, 560.0]),
        // Not eframe's system fonts (fontique panics on machines with no fonts):
        // `style::install_fonts` brings the bundled font and its own CJK fallback.
        system_font_fallback: false,
        ..Default::default()
    };
    eframe::run_native(
        "Tessera",
        options,
        Box::new(move |cc| Ok(Box::new(WalletApp::new(&cc.egui_ctx, cfg)))),
    )
}
