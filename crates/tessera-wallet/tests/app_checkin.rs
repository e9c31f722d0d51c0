//! The wallet app's check-in with photo (egui_kittest, headless): the portrait on the "the
//! verifier will see" card before the citizen agrees, and the QR code drawn with whole-pixel
//! modules at the largest size the screen allows.

mod common;

use std::path::Path;

use common::{app_at, app_sized, click, create_wallet_with, focus_and_type as type_into, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_core::attributes::{AttrId, AttrValue, Purpose};
use tessera_core::{VerifyPolicy, verify_text};
use tessera_wallet::app::WalletApp;
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::cli::now;
use tessera_wallet::demo;

const PORTRAIT_ALT: &str = "Your portrait, as the verifier will see it";

/// Verifies the payload the app shows against the demo trust list.
fn verify_shown(h: &Harness<'_, WalletApp>) -> tessera_core::VerifiedPresentation {
    let (text, _) = h.state().shown_qr().expect("a QR code is shown");
    let trust = demo::trust_list().expect("demo trust list");
    verify_text(text, &trust, &VerifyPolicy::at(now())).expect("the shown payload verifies")
}

/// A credential from the demo issuer for the wallet's device key whose portrait is the QR
/// portrait (lossy WebP) the issuer derives from the demo photo.
fn webp_credential(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let photo = include_bytes!("../../../assets/demo/portrait.jpg");
    let webp = tessera_issuer::portrait::derive(photo)
        .expect("the demo photo gives a QR portrait")
        .webp;
    (credential_with(dir, webp.clone(), "陈"), webp)
}

/// A credential from the demo issuer for the wallet's device key with `portrait` in slot 11
/// and `family` as the family name.
fn credential_with(dir: &Path, portrait: Vec<u8>, family: &str) -> Vec<u8> {
    use tessera_core::credential::{IssueParams, StatusRef, issue};
    let holder = std::fs::read_to_string(dir.join("holder.pub")).expect("holder.pub written");
    let holder = tessera_core::keys::public_key_from_text(&holder).unwrap();
    let issuer = tessera_core::keys::secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let mut attributes = demo::person(now());
    attributes.set(AttrId::FamilyName, AttrValue::Text(family.into()));
    attributes.set(AttrId::Portrait, AttrValue::Bytes(portrait));
    issue(
        &issuer,
        &IssueParams {
            holder,
            not_before: now() - 60,
            expires: now() + 86_400 * 365,
            status: StatusRef {
                list: 0,
                index: 77 + family.chars().count() as u32,
            },
            attributes,
        },
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap()
    .to_vec()
}

#[test]
fn checkin_photo_shows_the_portrait_before_agreeing_and_age18_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_at(dir.path(), Lang::En, 1.0);
    create_wallet_with(&mut h, type_into);
    // The import panel writes the device key file beside the store.
    click(&mut h, "Add the demo ID");
    click(&mut h, "Add an ID");
    let (cred, webp) = webp_credential(dir.path());
    let file = dir.path().join("photo-id.cbor");
    std::fs::write(&file, &cred).unwrap();
    type_into(&mut h, "Credential file path", file.to_str().unwrap());
    click(&mut h, "Import");
    assert_eq!(h.state().card_count(), 2, "{:?}", h.state().message());

    // Whichever card comes first, each one is checked: the demo card and the one with the
    // QR portrait the issuer derived.
    for card in 0..2 {
        h.get_all_by_label("Show ID").nth(card).unwrap().click();
        settle(&mut h);
        // Age check (the default) never shows the face.
        h.get_by_label("The verifier will see:");
        assert!(h.query_by_label(PORTRAIT_ALT).is_none());
        h.get_by_label("Everything else stays hidden, including your portrait.");

        click(&mut h, "Check-in with photo");
        h.get_by_label(PORTRAIT_ALT);
        h.get_by_label("Everything else stays hidden.");
        assert!(
            h.query_by_label("Everything else stays hidden, including your portrait.")
                .is_none()
        );

        // Back to age: the portrait goes away again.
        click(&mut h, "Age check (18 or over)");
        assert!(h.query_by_label(PORTRAIT_ALT).is_none());

        click(&mut h, "Check-in with photo");
        click(&mut h, "Show QR code");
        let v = verify_shown(&h);
        assert_eq!(v.purpose, Purpose::CheckIn);
        // The code's title is the preset chosen, not the bare purpose it signs.
        h.get_by_label("Check-in with photo");
        assert!(h.query_by_label("Hotel check-in").is_none());
        let items: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            items,
            vec![
                AttrId::FamilyName,
                AttrId::GivenName,
                AttrId::BirthDate,
                AttrId::IdNumber,
                AttrId::Portrait,
            ]
        );
        let shown = v
            .disclosed
            .iter()
            .find_map(|(a, v)| match (a, v) {
                (AttrId::Portrait, AttrValue::Bytes(b)) => Some(b.clone()),
                _ => None,
            })
            .unwrap();
        // The QR carries the card's own portrait, byte for byte.
        assert!(shown == webp || shown == demo::PORTRAIT);
        // The QR screen lists the portrait too.
        h.get_by_label(PORTRAIT_ALT);
        click(&mut h, "Done");
    }
}

#[test]
fn checkin_photo_in_chinese_renders() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_at(dir.path(), Lang::En, 1.0);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Add the demo ID");
    click(&mut h, "Settings");
    click(&mut h, "中文");
    click(&mut h, "我的证件");
    click(&mut h, "出示证件");
    // egui_kittest fails on a glyph the bundled font lacks.
    click(&mut h, "入住（含照片）");
    h.get_by_label("核验方将看到的照片");
    h.get_by_label("其他信息都不会提供。");
}

#[test]
fn the_qr_code_has_whole_pixel_modules_at_the_largest_size_that_fits() {
    // 1, 1.5 and 2 pixels per point, and 2.625 (a 1080x2400 phone at 420 dpi).
    for ppp in [1.0, 1.5, 2.0, 2.625] {
        let dir = tempfile::tempdir().unwrap();
        let mut h = app_at(dir.path(), Lang::En, ppp);
        create_wallet_with(&mut h, type_into);
        click(&mut h, "Add the demo ID");
        click(&mut h, "Show ID");
        for choice in ["Age check (18 or over)", "Check-in with photo", "Full ID"] {
            click(&mut h, choice);
            click(&mut h, "Show QR code");
            let (_, symbol) = h.state().shown_qr().unwrap();
            let modules = symbol.width() as u32 + 2 * tessera_qr::QUIET_ZONE as u32;
            let draw = h.state().shown_qr_draw().expect("drawn");
            let side = h.state().shown_qr_side().unwrap();
            // A whole number of physical pixels a module, and the drawn side is exactly that.
            assert!(draw.module_px >= 1);
            let side_px = side * ppp;
            assert!(
                (side_px - (draw.module_px * modules) as f32).abs() < 0.01,
                "{choice} at {ppp}: {side_px} px for {modules} modules of {} px",
                draw.module_px
            );
            // The largest whole size that fits the area the screen gives the code…
            let [w, hgt] = draw.area_px;
            assert_eq!(
                draw.module_px,
                tessera_qr::screen_module_px(symbol.width(), w, hgt)
            );
            assert!(draw.module_px * modules <= w.min(hgt) || draw.module_px == 1);
            assert!((draw.module_px + 1) * modules > w.min(hgt));
            // …and that area is most of the window's width.
            assert!(
                w as f32 >= 0.85 * 420.0 * ppp,
                "{choice} at {ppp}: {w} px of {}",
                420.0 * ppp
            );
            // Pure black on pure white, the quiet zone white.
            let img = symbol.to_image(draw.module_px);
            assert!(img.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
            let q = tessera_qr::QUIET_ZONE as u32 * draw.module_px;
            for i in 0..img.width() {
                for j in 0..q {
                    assert_eq!(img.get_pixel(i, j).0[0], 255);
                    assert_eq!(img.get_pixel(j, i).0[0], 255);
                }
            }
            click(&mut h, "Done");
            click(&mut h, "Show ID");
        }
    }
}

/// The app on a phone's screen: `w`×`h` physical pixels at `ppp` pixels per point.
fn phone(dir: &Path, w: f32, h: f32, ppp: f32) -> Harness<'static, WalletApp> {
    app_sized(dir, Lang::En, egui::vec2(w / ppp, h / ppp), ppp)
}

#[test]
fn on_phone_screens_the_checkin_photo_code_fills_most_of_the_width() {
    // A 1080x2400 screen at 420 dpi (2.625 pixels per point) and a 720x1600 one at 2.
    for (w, hgt, ppp) in [(1080.0, 2400.0, 2.625), (720.0, 1600.0, 2.0)] {
        let dir = tempfile::tempdir().unwrap();
        let mut h = phone(dir.path(), w, hgt, ppp);
        create_wallet_with(&mut h, type_into);
        click(&mut h, "Add the demo ID");
        click(&mut h, "Add an ID");
        let (cred, _) = webp_credential(dir.path());
        let file = dir.path().join("photo-id.cbor");
        std::fs::write(&file, &cred).unwrap();
        type_into(&mut h, "Credential file path", file.to_str().unwrap());
        click(&mut h, "Import");
        assert_eq!(h.state().card_count(), 2, "{:?}", h.state().message());
        // The card whose portrait is the WebP QR portrait.
        let mut found = false;
        for card in 0..2 {
            h.get_all_by_label("Show ID").nth(card).unwrap().click();
            settle(&mut h);
            click(&mut h, "Check-in with photo");
            click(&mut h, "Show QR code");
            let v = verify_shown(&h);
            let webp = v.disclosed.iter().any(|(a, v)| {
                *a == AttrId::Portrait && matches!(v, AttrValue::Bytes(b) if b.starts_with(b"RIFF"))
            });
            if webp {
                found = true;
                let (_, symbol) = h.state().shown_qr().unwrap();
                let version = (symbol.width() - 17) / 4;
                let modules = symbol.width() as u32 + 8;
                let draw = h.state().shown_qr_draw().unwrap();
                let side = draw.module_px * modules;
                eprintln!(
                    "{w}x{hgt} at {ppp}: version {version}, {} px a module, {side} px ({:.0}% of the width)",
                    draw.module_px,
                    100.0 * side as f32 / w
                );
                assert!(version <= 27, "version {version}");
                assert!(side as f32 >= 0.8 * w, "{side} px of {w}");
            }
            click(&mut h, "Done");
        }
        assert!(found, "the WebP portrait card was shown");
    }
}

#[test]
fn a_portrait_the_app_cannot_decode_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_at(dir.path(), Lang::En, 1.0);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Add the demo ID");
    click(&mut h, "Add an ID");
    // A well-formed lossy WebP header (what the format checks) with no image data after it.
    let mut webp = b"RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0".to_vec();
    webp.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 48, 0, 64, 0]);
    let file = dir.path().join("broken-photo.cbor");
    std::fs::write(&file, credential_with(dir.path(), webp, "欧阳")).unwrap();
    type_into(&mut h, "Credential file path", file.to_str().unwrap());
    click(&mut h, "Import");
    assert_eq!(h.state().card_count(), 2, "{:?}", h.state().message());
    // The citizen is told the portrait goes along although it cannot be shown here; the
    // demo card's portrait is shown.
    let mut said = 0;
    for card in 0..2 {
        h.get_all_by_label("Show ID").nth(card).unwrap().click();
        settle(&mut h);
        click(&mut h, "Check-in with photo");
        let unreadable = "Portrait: included, but it cannot be shown on this device";
        if h.query_by_label(unreadable).is_some() {
            said += 1;
            assert!(h.query_by_label(PORTRAIT_ALT).is_none());
        } else {
            h.get_by_label(PORTRAIT_ALT);
        }
        click(&mut h, "‹ Back");
    }
    assert_eq!(said, 1);
}

#[test]
fn in_a_short_wide_window_the_code_fits_the_visible_height() {
    // A laptop-like window, lower than the column is wide: the height decides.
    let dir = tempfile::tempdir().unwrap();
    let mut h = phone(dir.path(), 1000.0, 560.0, 1.0);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Add the demo ID");
    click(&mut h, "Show ID");
    click(&mut h, "Check-in with photo");
    click(&mut h, "Show QR code");
    let (_, symbol) = h.state().shown_qr().unwrap();
    let modules = symbol.width() as u32 + 2 * tessera_qr::QUIET_ZONE as u32;
    let draw = h.state().shown_qr_draw().unwrap();
    let [w, hgt] = draw.area_px;
    assert!(hgt < w, "{w}x{hgt}");
    assert!(hgt < 560, "only what is visible below the header: {hgt}");
    assert!(
        draw.module_px * modules <= hgt,
        "{draw:?}, {modules} modules"
    );
    assert!((draw.module_px + 1) * modules > hgt);
}
