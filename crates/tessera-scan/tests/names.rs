//! Every citizen's name is drawn on the verdict screen: GB 2312 level-2 hanzi (岚 鑫 婧 玥 淼),
//! hanzi outside GB 2312 (喆 堃 昇) and a supplementary-plane hanzi (𠮷 U+20BB7), headless
//! (egui_kittest panics on a glyph no font has). The verdict itself keeps the exact value.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::testing::DeterministicRng;
use tessera_core::{
    IssueParams, PresentRequest, StatusRef, TrustList, TrustedIssuer, TrustedKey, issue, present,
    text,
};
use tessera_qr::{Ecc, EncodeOptions};
use tessera_scan::{Lang, ScanApp, ScanConfig, TrustSource};

const NOW: u64 = 1_795_651_200; // 2026-11-26T00:00:00Z
const DAY: u64 = 86_400;

/// A trust list and a QR code PNG in `dir` disclosing `family` and `given`.
fn qr_for(dir: &Path, family: &str, given: &str) -> (TrustList, PathBuf) {
    let mut rng = DeterministicRng::new(12);
    let issuer = SigningKey::generate(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let trust = TrustList {
        sequence: 1,
        issued_at: NOW - DAY,
        next_update: NOW + 7 * DAY,
        issuers: vec![TrustedIssuer {
            id: "test.tessera".into(),
            name: "Test City ID Office".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(
                issuer.verifying_key(),
                NOW - 400 * DAY,
                NOW + 3650 * DAY,
            )],
        }],
    };
    let mut a = Attributes::default();
    a.set(AttrId::FamilyName, AttrValue::Text(family.into()));
    a.set(AttrId::GivenName, AttrValue::Text(given.into()));
    a.set(AttrId::BirthDate, AttrValue::Text("1990-05-17".into()));
    a.compute_age_flags(NOW - DAY);
    let cred = issue(
        &issuer,
        &IssueParams {
            holder: holder.verifying_key(),
            not_before: NOW - DAY,
            expires: NOW + 365 * DAY,
            status: StatusRef { list: 1, index: 5 },
            attributes: a,
        },
        &mut rng,
    )
    .unwrap();
    let p = present(
        &cred,
        &holder,
        &PresentRequest {
            disclose: &[AttrId::FamilyName, AttrId::GivenName],
            purpose: Purpose::CheckIn,
            counter_code: None,
            time: NOW,
        },
        &mut rng,
    )
    .unwrap();
    let png = dir.join("name.png");
    let opts = EncodeOptions {
        max_version: 40,
        min_ecc: Ecc::L,
    };
    tessera_qr::encode(&text::encode(&p), &opts)
        .unwrap()
        .to_image(4)
        .save(&png)
        .unwrap();
    (trust, png)
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
