//! Every citizen's name is drawn on the verdict screen: GB 2312 level-2 hanzi (岚 鑫 婧 玥 淼),
//! hanzi outside GB 2312 (喆 堃 昇) and a supplementary-plane hanzi (𠮷 U+20BB7), headless
//! (egui_kittest panics on a glyph no font has). The verdict itself keeps the exact value.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::write_qr_png;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::testing::{DAY, Fixture, TEST_NOW as NOW};
use tessera_core::{TrustList, text};
use tessera_scan::{Lang, ScanApp, ScanConfig, TrustSource};

/// A trust list and a QR code PNG in `dir` disclosing `family` and `given`.
fn qr_for(dir: &Path, family: &str, given: &str) -> (TrustList, PathBuf) {
    let mut a = Attributes::default();
    a.set(AttrId::FamilyName, AttrValue::Text(family.into()));
    a.set(AttrId::GivenName, AttrValue::Text(given.into()));
    a.set(AttrId::BirthDate, AttrValue::Text("1990-05-17".into()));
    a.compute_age_flags(NOW - DAY);
    let mut f = Fixture::with_attributes(12, a);
    let p = f.present(
        &[AttrId::FamilyName, AttrId::GivenName],
        Purpose::CheckIn,
        None,
        NOW,
    );
    let png = write_qr_png(&dir.join("name.png"), &text::encode(&p));
    (f.trust, png)
}

/// The app in Chinese with `fonts` installed over its own, the QR code given at start, run
/// until the verdict is shown.
fn verdict_for(
    trust: TrustList,
    png: PathBuf,
    fonts: tessera_ui::Fonts,
) -> Harness<'static, ScanApp> {
    let config = ScanConfig {
        images: vec![png],
        lang: Lang::Zh,
        clock: Arc::new(|| NOW + 5),
        ..ScanConfig::new(TrustSource::new(trust, Vec::new(), "test"))
    };
    let mut h = Harness::builder()
        .with_size([1100.0, 900.0])
        .build_eframe(move |cc| {
            let app = ScanApp::new(&cc.egui_ctx, config);
            fonts.install(&cc.egui_ctx);
            app
        });
    let start = Instant::now();
    h.run_ok();
    while h.state().is_busy() || h.state().shown().is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "no verdict");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_ok();
    h
}

/// The disclosed text values of the verdict, as verified.
fn disclosed(h: &Harness<'_, ScanApp>) -> Vec<(AttrId, String)> {
    let verdict = &h.state().shown().expect("a verdict").verdict;
    assert!(verdict.is_valid(), "{verdict:?}");
    verdict
        .disclosed()
        .iter()
        .filter_map(|(id, v)| match v {
            AttrValue::Text(s) => Some((*id, s.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn level_2_and_outside_gb2312_names_are_drawn_exactly_on_the_verdict() {
    for (family, given) in [
        ("欧阳", "晓岚"),
        ("王", "鑫"),
        ("李", "婧玥"),
        ("刘", "淼"),
        ("陈", "喆"),
        ("赵", "堃昇"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (trust, png) = qr_for(dir.path(), family, given);
        let h = verdict_for(trust, png, tessera_ui::Fonts::bundled());
        h.get_by_label(family);
        h.get_by_label(given);
        assert_eq!(
            disclosed(&h),
            vec![
                (AttrId::FamilyName, family.to_owned()),
                (AttrId::GivenName, given.to_owned())
            ]
        );
    }
}

#[test]
fn a_supplementary_plane_hanzi_no_font_has_shows_its_code_point_and_the_verdict_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let (trust, png) = qr_for(dir.path(), "吉", "\u{20BB7}");
    let h = verdict_for(trust, png, tessera_ui::Fonts::bundled());
    h.get_by_label("吉");
    h.get_by_label("⟨U+20BB7⟩");
    assert!(h.query_by_label("\u{20BB7}").is_none());
    assert_eq!(
        disclosed(&h),
        vec![
            (AttrId::FamilyName, "吉".to_owned()),
            (AttrId::GivenName, "\u{20BB7}".to_owned())
        ]
    );
}

#[test]
fn with_the_app_s_own_fonts_the_name_is_exact_when_a_system_font_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let (trust, png) = qr_for(dir.path(), "欧阳", "晓\u{20BB7}");
    let fonts = tessera_ui::Fonts::with_system_fallback();
    // Depends on the machine: Debian's fonts-noto-cjk has 𠮷, a bare system has no CJK font.
    let expected = if fonts.system().unwrap().font_for('\u{20BB7}').is_some() {
        "晓\u{20BB7}"
    } else {
        "晓⟨U+20BB7⟩"
    };
    let h = verdict_for(trust, png, fonts);
    h.get_by_label(expected);
    assert_eq!(
        disclosed(&h)[1],
        (AttrId::GivenName, "晓\u{20BB7}".to_owned())
    );
}
