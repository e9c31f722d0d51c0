//! The committed screenshots (`scripts/screenshots.sh`): the QR code in each QR screenshot
//! decodes and verifies against the demo trust list, disclosing only what the screen says.
//! The screenshots are older than a presentation's 60 s lifetime, so freshness is the one
//! check relaxed here; the script itself checks them fresh. A missing screenshot fails its
//! test: the files are committed, so a test that passed without them would check nothing.

use std::path::PathBuf;

use tessera_core::attributes::AttrId;
use tessera_core::attributes::AttrValue;
use tessera_core::{VerifiedPresentation, VerifyPolicy, verify_text};

fn screenshot(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../docs/screenshots/{name}.png"))
}

fn check(name: &str, counter: Option<&str>, expect: &[AttrId]) -> VerifiedPresentation {
    let path = screenshot(name);
    assert!(
        path.is_file(),
        "screenshot docs/screenshots/{name}.png is missing ({}): it is committed with the \
         code, and scripts/screenshots.sh makes it again",
        path.display()
    );
    let texts = tessera_qr::decode_file(&path).expect("the screenshot decodes");
    assert_eq!(texts.len(), 1, "one QR code in {name}");
    let trust = tessera_wallet::demo::trust_list().unwrap();
    let mut policy = VerifyPolicy::at(tessera_wallet::cli::now());
    policy.lifetime = 10 * 365 * 86_400;
    policy.counter_code = counter.map(str::to_owned);
    let v = verify_text(&texts[0], &trust, &policy).expect("the screenshot's QR code verifies");
    let items: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
    assert_eq!(items, expect);
    v
}

#[test]
fn age18_screenshot_verifies_with_only_age_over_18() {
    check("06-present-qr", None, &[AttrId::AgeOver18]);
}

#[test]
fn chinese_delivery_screenshot_verifies_bound_to_its_counter() {
    check(
        "10-present-qr-zh",
        Some("K7"),
        &[AttrId::FamilyName, AttrId::GivenName],
    );
}

#[test]
fn checkin_photo_screenshot_verifies_with_the_demo_portrait() {
    let v = check(
        "12-present-qr-checkin-photo",
        None,
        &[
            AttrId::FamilyName,
            AttrId::GivenName,
            AttrId::BirthDate,
            AttrId::IdNumber,
            AttrId::Portrait,
        ],
    );
    assert_eq!(
        v.disclosed.last().map(|(_, value)| value),
        Some(&AttrValue::Bytes(tessera_wallet::demo::PORTRAIT.to_vec()))
    );
}
