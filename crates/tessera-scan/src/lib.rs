//! The courier and counter scan app (eframe): open or drop an image of a Tessera QR code, see
//! a full-screen green or red verdict with the reason in plain words, the purpose and only the
//! items the holder disclosed.
//!
//! - [`ScanApp`] holds the state; [`ScanApp::logic`] applies actions, collects decodes and
//!   verifies; the `*_ui` methods only draw and queue [`Action`]s.
//! - QR decoding runs on its own thread per image ([`worker`]); verifying (well under a
//!   millisecond) runs in `logic`.
//! - [`TrustSource`] is the trust data: a verifier data directory, the embedded demo trust
//!   list (marked "DEMO trust list" on screen), or a list made in memory by tests.
//! - The history is kept in memory only and holds no personal data.
//!
//! `docs/scan.md` describes the app for its users.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
pub mod camera;
pub mod i18n;
pub mod trust;
pub mod worker;

pub use app::{
    Action, Clock, Failure, HISTORY_LEN, HistoryEntry, ImageFailure, Outcome, ScanApp, ScanConfig,
    Shown, default_camera, system_clock,
};
pub use i18n::Lang;
pub use trust::{InvalidCounterCode, TrustSource, parse_counter_code};

/// Installs the fonts in `ctx`: egui's, the bundled CJK font (every character of the Table of
/// General Standard Chinese Characters and GB 2312) and the system's CJK fonts, when present,
/// for the rest. Values go through [`tessera_ui::drawable`], so a character no font has shows
/// its code point instead of an empty box. Idempotent.
pub fn install_fonts(ctx: &egui::Context) {
    tessera_ui::Fonts::with_system_fallback().install(ctx);
}

/// Text a step larger than egui's defaults: the app is read at arm's length at a counter.
pub fn larger_text(ctx: &egui::Context) {
    use egui::{FontFamily, FontId, TextStyle};
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Small,
                FontId::new(12.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(16.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(16.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Heading,
                FontId::new(24.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(14.0, FontFamily::Monospace),
            ),
        ]
        .into();
    });
}

/// Window options: a titled window that accepts dropped files, and not eframe's system font
/// fallback (it panics on machines without fonts): [`install_fonts`] brings our own.
pub fn native_options() -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Tessera Scan")
            .with_inner_size([1000.0, 720.0])
            .with_min_inner_size([480.0, 400.0])
            .with_drag_and_drop(true),
        system_font_fallback: false,
        ..Default::default()
    }
}
