//! What the wallet app's test binaries share: the app headless (egui_kittest) over a data
//! folder with the cheap test key derivation, and a person's clicks and typing.

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
    let mut cfg = AppConfig::new(dir.to_path_buf());
    cfg.kdf = KdfParams::insecure_for_tests();
    cfg.lang = Some(lang);
    Harness::builder()
        .with_size(egui::vec2(420.0, 860.0))
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
    h.get_by_label(label).focus();
    h.run_ok();
    h.get_by_label(label).type_text(text);
    h.run_ok();
}
