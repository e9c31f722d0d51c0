//! The wallet app's batch of single-use credentials (egui_kittest, headless): the ID screen
//! says how many fresh credentials are left, each showing takes one (a renewed code on screen
//! does not), and when they run low the app says so and shows the renewal request.

mod common;

use common::{PIN, add_demo_id, app, click, create_wallet_with, focus_and_type as type_into};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_core::request::{self, VerifiedRequest};
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::app::{Action, WalletApp};
use tessera_wallet::cli::now;
use tessera_wallet::demo;

fn with_demo_id(h: &mut Harness<'_, WalletApp>) {
    create_wallet_with(h, type_into);
    add_demo_id(h);
}

/// (fresh, total, low) of the first card.
fn counts(h: &Harness<'_, WalletApp>) -> (usize, usize, bool) {
    let b = h.state().batch_states()[0].clone().expect("a batch state");
    (b.fresh, b.total, b.low)
}

#[test]
fn the_id_screen_counts_fresh_credentials_and_offers_renewal_when_low() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    with_demo_id(&mut h);
    let (fresh, total, low) = counts(&h);
    assert!(total >= 16, "the demo ID is a batch: {total}");
    assert_eq!((fresh, low), (total, false));
    h.get_by_label(&format!("Fresh credentials left: {total} of {total}"));
    assert!(h.query_by_label("Show the renewal request").is_none());

    // One showing takes one credential; renewing the code on screen takes none.
    click(&mut h, "Show ID");
    click(&mut h, "Show QR code");
    assert_eq!(counts(&h).0, total - 1);
    click(&mut h, "Renew now");
    h.run_steps(84);
    assert_eq!(counts(&h).0, total - 1);
    click(&mut h, "Done");
    h.get_by_label(&format!("Fresh credentials left: {} of {total}", total - 1));

    // Show it again and again (as at many counters) until the batch runs low.
    click(&mut h, "Show ID");
    let mut shown = 1;
    while !counts(&h).2 {
        h.state_mut().queue(Action::ShowQr);
        h.run_ok();
        assert!(h.state().shown_qr().is_some(), "{:?}", h.state().message());
        h.state_mut().queue(Action::HideQr);
        h.run_ok();
        shown += 1;
        assert!(shown <= total, "never low after {shown} showings");
    }
    let (fresh, _, _) = counts(&h);
    assert_eq!(fresh, total - shown);
    assert!(fresh > 0, "low comes before the last fresh credential");
    click(&mut h, "‹ Back");
    h.get_by_label(&format!("Fresh credentials left: {fresh} of {total}"));
    h.get_by_label_contains("Few fresh credentials left.");

    // The renewal request: signed by the device key the issuer knows, for a new batch.
    click(&mut h, "Show the renewal request");
    h.get_by_label("Renewal request QR code");
    let (text, symbol) = h
        .state()
        .shown_request()
        .expect("the renewal request is shown");
    let img = image::DynamicImage::ImageLuma8(symbol.to_image(4));
    assert_eq!(
        tessera_qr::decode_image(&img).unwrap(),
        vec![text.to_owned()]
    );
    let req = VerifiedRequest::from_slice(&request::from_text(text).unwrap()).unwrap();
    assert_eq!(req.batch_count(), Some(total as u32));
    let holder = std::fs::read_to_string(dir.path().join("holder.pub"));
    if let Ok(holder) = holder {
        let key = tessera_core::keys::public_key_from_text(&holder).unwrap();
        assert_eq!(req.holder(), key);
    }
    // The same request while it waits for its answer.
    let first = text.to_owned();
    click(&mut h, "‹ Back");
    click(&mut h, "Show the renewal request");
    assert_eq!(h.state().shown_request().unwrap().0, first);
    let b = h.state().batch_states()[0].clone().unwrap();
    assert_eq!(b.renewal.unwrap().request.id(), req.id());

    // Every fresh credential used: the screen says, before the citizen agrees, that this
    // showing reuses one; it still works (the least recently used one).
    click(&mut h, "‹ Back");
    click(&mut h, "Show ID");
    let no_fresh = "No fresh credential is left: this showing reuses one already shown, so a verifier who compares notes with an earlier one could tell both came from you.";
    while counts(&h).0 > 0 {
        assert!(h.query_by_label(no_fresh).is_none());
        h.state_mut().queue(Action::ShowQr);
        h.run_ok();
        h.state_mut().queue(Action::HideQr);
        h.run_ok();
    }
    h.get_by_label(no_fresh);
    click(&mut h, "Show QR code");
    assert!(h.state().shown_qr().is_some(), "{:?}", h.state().message());
    click(&mut h, "Done");

    // The issuer answers the renewal request with a new batch (the same attributes); the
    // renewal screen imports it, says which request it answered and closes.
    click(&mut h, "Show the renewal request");
    let answer = dir.path().join("renewal.cbor");
    std::fs::write(&answer, answer_renewal(&req)).unwrap();
    type_into(
        &mut h,
        "Issued credential file path",
        answer.to_str().unwrap(),
    );
    click(&mut h, "Import the credential");
    let m = h.state().message().cloned().unwrap();
    assert!(!m.error, "{m:?}");
    assert!(m.text.contains("It answers request"), "{m:?}");
    assert!(h.state().shown_request().is_none(), "the screen closed");
    // (A used-up batch may be dropped: docs/wallet.md says what the wallet keeps.)
    let b = h.state().batch_states()[0].clone().unwrap();
    assert_eq!((b.fresh, b.low), (total, false));
    assert!(b.renewal.is_none());
    h.get_by_label(&format!("Fresh credentials left: {total} of {}", b.total));
    assert!(h.query_by_label("Show the renewal request").is_none());
}

/// What the demo issuer sends back for a renewal request: a batch of the requested size for
/// the demo person, bound to keys derived from the request's device key.
fn answer_renewal(req: &VerifiedRequest) -> Vec<u8> {
    use tessera_core::StatusRef;
    use tessera_core::batch::{BatchParams, BatchSeed, issue_batch};
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let issuer = tessera_core::keys::secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let n = req.batch_count().unwrap();
    let statuses: Vec<StatusRef> = (0..n)
        .map(|i| StatusRef {
            list: 0,
            index: 1000 + i,
        })
        .collect();
    let now = now();
    let attributes = demo::person(now);
    issue_batch(
        &issuer,
        BatchSeed::generate(&mut rng),
        &BatchParams {
            device: req.holder(),
            not_before: now - 60,
            expires: now + 365 * 86_400,
            statuses: &statuses,
            attributes: &attributes,
        },
        &mut rng,
    )
    .unwrap()
    .to_vec()
}

#[test]
fn the_count_and_the_notice_render_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::Zh);
    click(&mut h, "开始使用");
    type_into(&mut h, "密码", PIN);
    type_into(&mut h, "再次输入密码", PIN);
    click(&mut h, "创建证件夹");
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    click(&mut h, "添加示范证件");
    let (_, total, _) = counts(&h);
    h.get_by_label(&format!("剩余未用凭证： {total} / {total}"));
    click(&mut h, "出示证件");
    while !counts(&h).2 {
        h.state_mut().queue(Action::ShowQr);
        h.run_ok();
        h.state_mut().queue(Action::HideQr);
        h.run_ok();
    }
    click(&mut h, "‹ 返回");
    h.get_by_label_contains("未用凭证所剩不多。");
    click(&mut h, "出示续领申请");
    h.get_by_label("续领申请二维码");
    click(&mut h, "‹ 返回");
    click(&mut h, "出示证件");
    while counts(&h).0 > 0 {
        h.state_mut().queue(Action::ShowQr);
        h.run_ok();
        h.state_mut().queue(Action::HideQr);
        h.run_ok();
    }
    h.get_by_label_contains("已没有未用凭证");
}
