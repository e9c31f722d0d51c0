//! Every citizen's name is drawn: names with GB 2312 level-2 hanzi (岚 鑫 婧 玥 淼), hanzi
//! outside GB 2312 (喆 堃 昇) and a supplementary-plane hanzi (𠮷 U+20BB7) on the card and the
//! "what the verifier will see" list, headless (egui_kittest panics on a glyph no font has).

use std::path::Path;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, AttrValue};
use tessera_core::{IssueParams, StatusRef, issue};
use tessera_store::{KdfParams, Secret};
use tessera_wallet::Wallet;
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::app::{AppConfig, WalletApp};
use tessera_wallet::cli::now;

const PIN: &str = "246810";

/// A wallet in `dir` holding one credential for `family` + `given` (and a Latin name).
fn wallet_with(dir: &Path, family: &str, given: &str) {
    let mut rng = UnwrapErr(getrandom::SysRng);
    let now = now();
    let wallet = Wallet::create(
        dir,
        &Secret::pin(PIN).unwrap(),
        KdfParams::insecure_for_tests(),
    )
    .unwrap();
    let holder = wallet.ensure_device_key(&mut rng).unwrap();
    let mut attributes = tessera_wallet::demo::person(now);
    attributes.set(AttrId::FamilyName, AttrValue::Text(family.into()));
    attributes.set(AttrId::GivenName, AttrValue::Text(given.into()));
    attributes.set(AttrId::FamilyNameLatin, AttrValue::Text("OUYANG".into()));
    attributes.set(AttrId::GivenNameLatin, AttrValue::Text("XIAOLAN".into()));
    let key = SigningKey::generate(&mut rng);
    let cred = issue(
        &key,
        &IssueParams {
            holder,
            not_before: now - 60,
            expires: now + 86_400 * 365,
            status: StatusRef { list: 1, index: 3 },
            attributes,
        },
        &mut rng,
    )
    .unwrap();
    wallet.import(&cred.to_vec()).unwrap();
}

/// The app on `dir`, in Chinese, with `fonts` installed over the app's own.
fn app(dir: &Path, fonts: tessera_ui::Fonts) -> Harness<'static, WalletApp> {
    let mut cfg = AppConfig::new(dir.to_path_buf());
    cfg.kdf = KdfParams::insecure_for_tests();
    cfg.lang = Some(Lang::Zh);
    Harness::builder()
        .with_size(egui::vec2(420.0, 860.0))
        .build_eframe(move |cc| {
            let app = WalletApp::new(&cc.egui_ctx, cfg);
            fonts.install(&cc.egui_ctx);
            app
        })
}

fn settle(h: &mut Harness<'_, WalletApp>) {
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

fn unlock(h: &mut Harness<'_, WalletApp>) {
    settle(h);
    h.get_by_label("密码").focus();
    h.run_ok();
    h.get_by_label("密码").type_text(PIN);
    h.run_ok();
    h.get_by_label("解锁").click();
    settle(h);
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    assert_eq!(h.state().card_count(), 1);
}

fn click(h: &mut Harness<'_, WalletApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_ok();
    h.get_by_label(label).click();
    settle(h);
}

#[test]
fn level_2_and_outside_gb2312_names_are_drawn_on_the_card_and_the_present_screen() {
    for (family, given) in [
        ("欧阳", "晓岚"),
        ("王", "鑫"),
        ("李", "婧玥"),
        ("刘", "淼"),
        ("陈", "喆"),
        ("赵", "堃昇"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        wallet_with(dir.path(), family, given);
        let mut h = app(dir.path(), tessera_ui::Fonts::bundled());
        unlock(&mut h);
        let full = format!("{family}{given}");
        // Exactly the name: no marker, since the bundled font has every character.
        h.get_by_label(&full);
        click(&mut h, "出示证件");
        click(&mut h, "完整证件");
        // The items the verifier will see, one label per value.
        h.get_by_label(given);
        h.get_by_label(family);
    }
}

#[test]
fn a_supplementary_plane_hanzi_no_font_has_shows_its_code_point() {
    let dir = tempfile::tempdir().unwrap();
    wallet_with(dir.path(), "吉", "\u{20BB7}");
    // Only the bundled fonts: 𠮷 is outside the standard table, so it has no glyph.
    let mut h = app(dir.path(), tessera_ui::Fonts::bundled());
    unlock(&mut h);
    h.get_by_label("吉⟨U+20BB7⟩");
    assert!(h.query_by_label("吉\u{20BB7}").is_none());
    click(&mut h, "出示证件");
    click(&mut h, "完整证件");
    h.get_by_label("⟨U+20BB7⟩");
}

#[test]
fn with_the_system_fallback_the_name_is_exact_when_a_system_font_has_it() {
    let dir = tempfile::tempdir().unwrap();
    wallet_with(dir.path(), "吉", "\u{20BB7}");
    let fonts = tessera_ui::Fonts::with_system_fallback();
    // Depends on the machine: Debian's fonts-noto-cjk has 𠮷, a bare system has no CJK font.
    let expected = if fonts.system().unwrap().font_for('\u{20BB7}').is_some() {
        "吉\u{20BB7}"
    } else {
        "吉⟨U+20BB7⟩"
    };
    let mut h = app(dir.path(), fonts);
    unlock(&mut h);
    h.get_by_label(expected);
}
