//! Enrolment from the wallet: the model (one outstanding request, reused, answered by the
//! import) and the app's "Add an ID" screen driven headless (egui_kittest): the request's QR
//! code is decoded from the drawn symbol and given to the issuer library, and the credential
//! it answers with is imported, shown and verified.

mod common;

use std::path::Path;

use common::{PIN, app, click, settle, type_into};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_core::attributes::{AttrId, AttrValue};
use tessera_core::request::{self, VerifiedRequest};
use tessera_core::{DOCTYPE_EID, TrustList, VerifyPolicy, verify_text};
use tessera_issuer::{InitOptions, IssueOptions, Issuer, init, parse_person_json};
use tessera_store::{KdfParams, Secret};
use tessera_wallet::app::WalletApp;
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::cli::now;
use tessera_wallet::wallet::{REQUEST_REUSE_SECS, Wallet};

const PERSON: &str = r#"{"family_name": "欧阳", "given_name": "晓岚", "birth_date": "1990-05-17",
    "id_number": "110105199005171234"}"#;

/// An issuer folder made at `now`.
fn issuer(dir: &Path, now: u64) -> Issuer {
    let opts = InitOptions {
        now: Some(now),
        ..InitOptions::default()
    };
    init(dir, &opts).unwrap();
    Issuer::open(dir, None).unwrap()
}

/// What a clerk's desk does with a scanned request text: check it, issue to its key.
fn answer(issuer: &mut Issuer, dir: &Path, text: &str, now: u64) -> Vec<u8> {
    let bytes = request::from_text(text).unwrap();
    let req = tessera_issuer::check_request(&bytes, now).unwrap();
    let attrs = parse_person_json(PERSON.as_bytes(), dir).unwrap();
    let opts = IssueOptions {
        now: Some(now),
        ..IssueOptions::default()
    };
    issuer.issue(&req.holder(), &attrs, &opts).unwrap().to_vec()
}

fn trust_of(dir: &Path) -> TrustList {
    let root = tessera_issuer::read_public_key(&dir.join(tessera_issuer::ROOT_PUB_FILE)).unwrap();
    let signed = std::fs::read(dir.join(tessera_issuer::TRUST_LIST_FILE)).unwrap();
    TrustList::from_signed(&signed, &root).unwrap()
}

#[test]
fn one_outstanding_request_reused_until_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = Secret::pin(PIN).unwrap();
    let w = Wallet::create(
        &tmp.path().join("w"),
        &secret,
        KdfParams::insecure_for_tests(),
    )
    .unwrap();
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let t = now();
    assert_eq!(w.pending_request().unwrap(), None);
    let first = w.enrolment_request(t, false, &mut rng).unwrap();
    assert_eq!(first.request.doctype(), DOCTYPE_EID);
    assert_eq!(
        Some(first.request.holder()),
        w.device_key().unwrap().map(|k| k.verifying_key())
    );
    assert_eq!(
        VerifiedRequest::from_slice(&request::from_text(&first.text()).unwrap()).unwrap(),
        first.request
    );
    // Shown again: the same request, also after the wallet is locked and unlocked.
    assert_eq!(w.enrolment_request(t + 60, false, &mut rng).unwrap(), first);
    drop(w);
    let w = Wallet::unlock(&tmp.path().join("w"), &secret).unwrap();
    assert_eq!(w.pending_request().unwrap(), Some(first.clone()));
    // A new one when asked, or when the old one is too old to hand over.
    let fresh = w.enrolment_request(t + 120, true, &mut rng).unwrap();
    assert_ne!(fresh.request.id(), first.request.id());
    assert_eq!(fresh.request.holder(), first.request.holder());
    let later = w
        .enrolment_request(t + 120 + REQUEST_REUSE_SECS, false, &mut rng)
        .unwrap();
    assert_ne!(later.request.id(), fresh.request.id());

    // The issuer's answer names the outstanding request; then none is outstanding.
    let iss_dir = tmp.path().join("issuer");
    let mut iss = issuer(&iss_dir, t);
    let cred = answer(
        &mut iss,
        &iss_dir,
        &later.text(),
        later.request.created() + 60,
    );
    let imported = w.import_answering(&cred).unwrap();
    assert_eq!(imported.answers, Some(later));
    assert_eq!(w.pending_request().unwrap(), None);
    // A credential that answers no request says so (the same file again).
    assert_eq!(w.import_answering(&cred).unwrap().answers, None);
}

/// The request on screen, read from the symbol the app draws.
fn scan_request(h: &Harness<'_, WalletApp>) -> String {
    let (text, symbol) = h.state().shown_request().expect("a request is shown");
    let img = image::DynamicImage::ImageLuma8(symbol.to_image(4));
    let decoded = tessera_qr::decode_image(&img).expect("the drawn code decodes");
    assert_eq!(decoded, vec![text.to_owned()]);
    assert!(symbol.version() <= 13, "version {}", symbol.version());
    decoded[0].clone()
}

#[test]
fn add_an_id_screen_request_to_issuer_to_card() {
    let tmp = tempfile::tempdir().unwrap();
    let t = now();
    let mut h = app(&tmp.path().join("wallet"), Lang::En);
    click(&mut h, "Get started");
    type_into(&mut h, "PIN", PIN);
    type_into(&mut h, "PIN again", PIN);
    click(&mut h, "Create wallet");
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());

    // Add an ID: the request as a QR code.
    click(&mut h, "Ask the issuer for your ID");
    h.get_by_label("Add an ID");
    h.get_by_label("Enrolment request QR code");
    let text = scan_request(&h);
    assert!(text.starts_with("TR1:"));
    let req = VerifiedRequest::from_slice(&request::from_text(&text).unwrap()).unwrap();
    h.get_by_label_contains(&req.id_hex()[..4]);

    // Saved as a file, never over an existing one.
    let saved = tmp.path().join("request.cbor");
    type_into(&mut h, "Request file path", saved.to_str().unwrap());
    click(&mut h, "Save the request");
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        request::from_text(&text).unwrap()
    );
    let m = h.state().message().cloned().unwrap();
    assert!(!m.error && m.text.contains("request.cbor"), "{m:?}");
    type_into(&mut h, "Request file path", saved.to_str().unwrap());
    click(&mut h, "Save the request");
    let m = h.state().message().cloned().unwrap();
    assert!(m.error && m.text.contains("already exists"), "{m:?}");

    // Leaving and coming back shows the same request.
    click(&mut h, "‹ Back");
    assert!(h.state().shown_request().is_none());
    click(&mut h, "Ask the issuer for your ID");
    assert_eq!(scan_request(&h), text);

    // The clerk's desk answers it.
    let iss_dir = tmp.path().join("issuer");
    let mut iss = issuer(&iss_dir, t);
    let cred = answer(&mut iss, &iss_dir, &text, t);

    // A file that is not a credential is refused on the same screen…
    let cred_path = tmp.path().join("issued.cred");
    std::fs::write(&cred_path, b"not a credential").unwrap();
    type_into(
        &mut h,
        "Issued credential file path",
        cred_path.to_str().unwrap(),
    );
    click(&mut h, "Import the credential");
    assert!(h.state().message().unwrap().error);
    assert_eq!(h.state().card_count(), 0);
    assert!(h.state().shown_request().is_some());

    // …and the real answer, in the same place, is imported; the screen says which request
    // it answers.
    std::fs::write(&cred_path, &cred).unwrap();
    click(&mut h, "Import the credential");
    assert_eq!(h.state().card_count(), 1, "{:?}", h.state().message());
    let m = h.state().message().cloned().unwrap();
    let short = format!("{} {}", &req.id_hex()[..4], &req.id_hex()[4..8]);
    assert!(
        m.text.contains(&format!("It answers request {short}")),
        "{m:?}"
    );
    assert!(h.state().shown_request().is_none());

    // Shown and verified with the issuer's trust list.
    click(&mut h, "Show ID");
    click(&mut h, "Age check (18 or over)");
    click(&mut h, "Show QR code");
    let (shown, _) = h.state().shown_qr().expect("a QR code is shown");
    let v = verify_text(shown, &trust_of(&iss_dir), &VerifyPolicy::at(now())).unwrap();
    assert_eq!(
        v.disclosed,
        vec![(AttrId::AgeOver18, AttrValue::Bool(true))]
    );
}

#[test]
fn add_an_id_screen_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let secret = Secret::pin(PIN).unwrap();
    drop(Wallet::create(&dir, &secret, KdfParams::insecure_for_tests()).unwrap());
    let mut h = app(&dir, Lang::Zh);
    settle(&mut h);
    type_into(&mut h, "密码", PIN);
    h.get_by_label("解锁").click();
    settle(&mut h);
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    click(&mut h, "向签发机关申领证件");
    h.get_by_label("添加证件");
    h.get_by_label("申领请求二维码");
    assert!(scan_request(&h).starts_with("TR1:"));
}
