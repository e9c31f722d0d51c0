//! What the wallet app's test binaries share: the app headless (egui_kittest) over a data
//! folder with the cheap test key derivation, and a person's clicks and typing.

// Each test binary compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_store::KdfParams;
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::app::{AppConfig, WalletApp};

/// The PIN the tests create wallets with.
pub const PIN: &str = "246810";

/// The app over `dir` in `lang`, in a 420×860-point window.
pub fn app(dir: &Path, lang: Lang) -> Harness<'static, WalletApp> {
    app_at(dir, lang, 1.0)
}

/// The app in a 420×860-point window at `ppp` physical pixels per point.
pub fn app_at(dir: &Path, lang: Lang, ppp: f32) -> Harness<'static, WalletApp> {
    app_sized(dir, lang, egui::vec2(420.0, 860.0), ppp)
}

/// The app in a window of `size` points at `ppp` physical pixels per point.
pub fn app_sized(
    dir: &Path,
    lang: Lang,
    size: egui::Vec2,
    ppp: f32,
) -> Harness<'static, WalletApp> {
    let mut cfg = AppConfig::new(dir.to_path_buf());
    cfg.kdf = KdfParams::insecure_for_tests();
    cfg.lang = Some(lang);
    Harness::builder()
        .with_size(size)
        .with_pixels_per_point(ppp)
        .build_eframe(move |cc| WalletApp::new(&cc.egui_ctx, cfg))
}

/// Runs frames until no background job runs and the UI has settled.
pub fn settle(h: &mut Harness<'_, WalletApp>) {
    for _ in 0..400 {
        h.run_ok();
        if !h.state().busy() {
            h.run_ok();
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the background job did not finish");
}

/// Clicks the control named `label` (scrolled into view first, as a person would).
pub fn click(h: &mut Harness<'_, WalletApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_ok();
    h.get_by_label(label).click();
    settle(h);
}

/// Types `text` into the field named `label` (scrolled into view and focused first).
pub fn type_into(h: &mut Harness<'_, WalletApp>, label: &str, text: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_ok();
    focus_and_type(h, label, text);
}

/// Types `text` into the field named `label` where it stands, without scrolling to it.
pub fn focus_and_type(h: &mut Harness<'_, WalletApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_ok();
    h.get_by_label(label).type_text(text);
    h.run_ok();
}

/// First run → PIN → wallet, in English, typing into the fields with `type_text` (which may
/// scroll, as [`type_into`] does, or not, as [`focus_and_type`] does).
pub fn create_wallet_with(
    h: &mut Harness<'_, WalletApp>,
    type_text: fn(&mut Harness<'_, WalletApp>, &str, &str),
) {
    click(h, "Get started");
    type_text(h, "PIN", PIN);
    type_text(h, "PIN again", PIN);
    click(h, "Create wallet");
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
}

/// First run → PIN → wallet, in English.
pub fn create_wallet(h: &mut Harness<'_, WalletApp>) {
    create_wallet_with(h, type_into);
}

/// Adds the demo ID (whose portrait is a QR portrait) to an open wallet.
pub fn add_demo_id(h: &mut Harness<'_, WalletApp>) {
    click(h, "Add the demo ID");
    assert_eq!(h.state().card_count(), 1, "{:?}", h.state().message());
}

/// First run → PIN → wallet → the demo ID, in English.
pub fn wallet_with_demo_id(h: &mut Harness<'_, WalletApp>) {
    create_wallet(h);
    add_demo_id(h);
}
