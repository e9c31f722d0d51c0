//! The wallet app's "Choose items" (egui_kittest, headless): the portrait can be picked one
//! by one when it is a QR portrait (WebP, made to fit a QR code), and the code shown carries
//! it; a legacy JPEG portrait is not offered, and the screen says why.

mod common;

use std::path::Path;

use common::{app, click, settle, type_into, wallet_with_demo_id};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_core::attributes::{AttrId, AttrValue, Purpose};
use tessera_core::{VerifiedPresentation, VerifyPolicy, verify_text};
use tessera_wallet::app::WalletApp;
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::cli::now;
use tessera_wallet::demo;

const PORTRAIT_ALT: &str = "Your portrait, as the verifier will see it";
const JPEG_HINT: &str =
    "Your portrait is not offered: this ID has an older JPEG portrait, too large for a QR code.";
const JPEG_HINT_ZH: &str = "不能选择照片：本证件的照片是旧版 JPEG 格式，太大，无法放进二维码。";

/// Verifies the payload the app shows against the demo trust list.
fn verify_shown(h: &Harness<'_, WalletApp>) -> VerifiedPresentation {
    let (text, _) = h.state().shown_qr().expect("a QR code is shown");
    let trust = demo::trust_list().expect("demo trust list");
    verify_text(text, &trust, &VerifyPolicy::at(now())).expect("the shown payload verifies")
}

/// Clicks the `nth` card's "Show ID" button (`label` in the app's language), scrolled into
/// view first.
fn show_card(h: &mut Harness<'_, WalletApp>, label: &str, nth: usize) {
    h.get_all_by_label(label).nth(nth).unwrap().scroll_to_me();
    h.run_ok();
    h.get_all_by_label(label).nth(nth).unwrap().click();
    settle(h);
}

/// A 60x80 legacy JPEG portrait (a smooth gradient).
fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(60, 80, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 3) as u8, ((x + y) * 2) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

/// A credential from the demo issuer for the wallet's device key (written beside the store
/// when the import panel opens) with a legacy JPEG portrait, valid from before the date after
/// which the format refuses one.
fn jpeg_credential(dir: &Path) -> Vec<u8> {
    use tessera_core::credential::{IssueParams, StatusRef, issue};
    let holder = std::fs::read_to_string(dir.join("holder.pub")).expect("holder.pub written");
    let holder = tessera_core::keys::public_key_from_text(&holder).unwrap();
    let issuer = tessera_core::keys::secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let mut attributes = demo::person(now());
    attributes.set(AttrId::FamilyName, AttrValue::Text("周".into()));
    attributes.set(AttrId::Portrait, AttrValue::Bytes(jpeg()));
    let not_before = (now() - 60).min(tessera_core::portrait::LEGACY_JPEG_UNTIL - 86_400);
    issue(
        &issuer,
        &IssueParams {
            holder,
            not_before,
            expires: now() + 86_400 * 365,
            status: StatusRef { list: 0, index: 91 },
            attributes,
        },
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap()
    .to_vec()
}

#[test]
fn choose_items_picks_a_qr_portrait_and_the_code_carries_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Show ID");
    click(&mut h, "Choose items");
    click(&mut h, "Family name");
    click(&mut h, "Portrait");
    // The face the verifier will see, before the citizen agrees, and no JPEG hint.
    h.get_by_label(PORTRAIT_ALT);
    h.get_by_label("Everything else stays hidden.");
    assert!(h.query_by_label(JPEG_HINT).is_none());

    click(&mut h, "Show QR code");
    let v = verify_shown(&h);
    assert_eq!(v.purpose, Purpose::Custom);
    let person = demo::person(now());
    assert_eq!(
        v.disclosed,
        vec![
            (
                AttrId::FamilyName,
                person.get(AttrId::FamilyName).unwrap().clone()
            ),
            (AttrId::Portrait, AttrValue::Bytes(demo::PORTRAIT.to_vec())),
        ]
    );
    // The QR screen lists the portrait too.
    h.get_by_label(PORTRAIT_ALT);
    click(&mut h, "Done");

    // Unticking the portrait takes it out of the code again.
    click(&mut h, "Show ID");
    click(&mut h, "Choose items");
    click(&mut h, "Family name");
    click(&mut h, "Portrait");
    click(&mut h, "Portrait");
    assert!(h.query_by_label(PORTRAIT_ALT).is_none());
    click(&mut h, "Show QR code");
    let items: Vec<AttrId> = verify_shown(&h).disclosed.iter().map(|(a, _)| *a).collect();
    assert_eq!(items, vec![AttrId::FamilyName]);
}

#[test]
fn choose_items_does_not_offer_a_legacy_jpeg_portrait_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    // The import panel writes the device key file beside the store.
    click(&mut h, "Add an ID");
    let file = dir.path().join("jpeg-id.cbor");
    std::fs::write(&file, jpeg_credential(dir.path())).unwrap();
    type_into(&mut h, "Credential file path", file.to_str().unwrap());
    click(&mut h, "Import");
    assert_eq!(h.state().card_count(), 2, "{:?}", h.state().message());

    // Whichever card comes first: the demo card offers its QR portrait, the JPEG card does
    // not and says why.
    let (mut offered, mut refused) = (0, 0);
    for card in 0..2 {
        show_card(&mut h, "Show ID", card);
        click(&mut h, "Choose items");
        if h.query_by_label("Portrait").is_some() {
            offered += 1;
            assert!(h.query_by_label(JPEG_HINT).is_none());
        } else {
            refused += 1;
            h.get_by_label(JPEG_HINT);
            // The code made from the JPEG card's items carries no portrait.
            click(&mut h, "Family name");
            click(&mut h, "Show QR code");
            let v = verify_shown(&h);
            assert_eq!(
                v.disclosed,
                vec![(AttrId::FamilyName, AttrValue::Text("周".into()))]
            );
            click(&mut h, "Done");
            continue;
        }
        click(&mut h, "‹ Back");
    }
    assert_eq!((offered, refused), (1, 1));

    // The hint in Chinese renders (egui_kittest fails on a glyph the bundled font lacks).
    click(&mut h, "Settings");
    click(&mut h, "中文");
    click(&mut h, "我的证件");
    let mut said = 0;
    for card in 0..2 {
        show_card(&mut h, "出示证件", card);
        click(&mut h, "自选项目");
        if h.query_by_label(JPEG_HINT_ZH).is_some() {
            said += 1;
            assert!(h.query_by_label("照片").is_none());
        } else {
            h.get_by_label("照片");
        }
        click(&mut h, "‹ 返回");
    }
    assert_eq!(said, 1);
}
