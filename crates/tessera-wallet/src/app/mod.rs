//! The wallet app (eframe 0.37): what a citizen sees.
//!
//! [`WalletApp`] holds the state; [`eframe::App::logic`] applies queued [`Action`]s, polls
//! background jobs and runs the timers (QR renewal every 20 s, auto-lock); [`eframe::App::ui`]
//! only draws and queues actions. Argon2id (create, unlock, PIN change, backup, restore) runs
//! on a background thread ([`jobs`]) while a spinner shows.
//!
//! Rooms: `state` (the phase, the open session, cards, forms, messages), `prefs` (language,
//! theme and text size kept beside the store), `actions` ([`Action`] and how each is done,
//! background jobs finished), `presenting` (the presentation screen, its QR code and the
//! timers); the `ui_*` modules only draw and queue actions.
//!
//! Screens: first run (welcome, create a PIN or passphrase, restore), unlock, then three tabs:
//! the ID cards (each with its count of fresh single-use credentials, the renewal request when
//! they run low, and the presentation screen with its rotating QR code), the history and the
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

mod actions;
pub mod i18n;
pub mod jobs;
mod prefs;
mod presenting;
pub mod qr;
#[cfg(feature = "screenshots")]
pub mod script;
mod state;
pub mod style;
mod ui_enrol;
mod ui_home;
mod ui_onboarding;
mod ui_settings;

pub use actions::{Action, ConfirmKind};
pub use prefs::ThemeChoice;
pub use presenting::{Choice, Showing};
pub use state::{Message, Tab, Timings};
pub use ui_enrol::EnrolAction;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tessera_core::UnixTime;
use tessera_store::KdfParams;

use crate::wallet::{Presentation, Wallet};
use i18n::{Lang, LangWords as _, Words};
use jobs::Running;
use prefs::Prefs;
use state::{Card, Confirm, Forms, Phase, Session};

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
        let phase = if Wallet::exists(&cfg.data_dir) {
            Phase::Locked
        } else {
            Phase::Welcome
        };
        let failed_attempts = if matches!(phase, Phase::Locked) {
            Wallet::failed_attempts(&cfg.data_dir).unwrap_or(0)
        } else {
            0
        };
        let next_wait = if matches!(phase, Phase::Locked) {
            Wallet::next_wait(&cfg.data_dir).unwrap_or_default()
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

    /// How the QR code on screen was last drawn: module size in physical pixels and the
    /// area it was chosen for.
    pub fn shown_qr_draw(&self) -> Option<qr::QrDraw> {
        self.showing()?.qr.last_draw()
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

    /// How the batch of single-use credentials behind each card stands, in card order
    /// (`None` where the wallet could not say).
    pub fn batch_states(&self) -> Vec<Option<crate::wallet::BatchState>> {
        match &self.phase {
            Phase::Open(s) => s.cards.iter().map(|c| c.batch.clone()).collect(),
            _ => Vec::new(),
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
