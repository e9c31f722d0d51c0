//! The wallet app driven headless through its AccessKit tree (egui_kittest): no display, no
//! GPU. Every `run` also checks that every input widget has an accessible name.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PIN, app, app_at, click, settle, type_into, wallet_with_demo_id};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_core::attributes::{AttrId, AttrValue};
use tessera_core::{Reason, VerifyPolicy, verify_text};
use tessera_store::{KdfParams, Store};
use tessera_wallet::app::i18n::Lang;
use tessera_wallet::app::jobs::Sleeper;
use tessera_wallet::app::{AppConfig, Tab, WalletApp};
use tessera_wallet::cli::now;
use tessera_wallet::demo;

fn verify_shown(
    h: &Harness<'_, WalletApp>,
    policy: &VerifyPolicy,
) -> tessera_core::VerifiedPresentation {
    let (text, symbol) = h.state().shown_qr().expect("a QR code is shown");
    let trust = demo::trust_list().expect("demo trust list");
    // The payload the app holds…
    let from_state = verify_text(text, &trust, policy).expect("the shown payload verifies");
    // …and the symbol it draws, rendered and decoded.
    let img = image::DynamicImage::ImageLuma8(symbol.to_image(4));
    let decoded = tessera_qr::decode_image(&img).expect("decodes");
    assert_eq!(decoded, vec![text.to_owned()]);
    let from_image = verify_text(&decoded[0], &trust, policy).expect("the decoded QR verifies");
    assert_eq!(from_state, from_image);
    from_image
}

#[test]
fn first_run_demo_id_age18_qr_verifies_then_lock_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);

    click(&mut h, "Show ID");
    click(&mut h, "Age check (18 or over)");
    // The screen says plainly what the verifier will see.
    h.get_by_label("The verifier will see:");
    h.get_by_label_contains("Age 18 or over:");
    click(&mut h, "Show QR code");
    h.get_by_label("QR code with your ID for the verifier");

    let v = verify_shown(&h, &VerifyPolicy::at(now()));
    assert_eq!(
        v.disclosed,
        vec![(AttrId::AgeOver18, AttrValue::Bool(true))]
    );
    assert!(!v.counter_bound);
    let first = h.state().shown_qr().unwrap().0.to_owned();
    assert!(h.state().shown_qr_side().unwrap() >= 0.8 * 420.0);

    // Renew by hand: a new payload, the same disclosure.
    click(&mut h, "Renew now");
    let second = h.state().shown_qr().unwrap().0.to_owned();
    assert_ne!(first, second);
    // And on its own after 20 s (kittest steps 0.25 s of input time each).
    h.run_steps(84);
    let third = h.state().shown_qr().unwrap().0.to_owned();
    assert_ne!(second, third);
    let v = verify_shown(&h, &VerifyPolicy::at(now()));
    assert_eq!(v.disclosed.len(), 1);

    // Locking clears the QR code.
    click(&mut h, "Lock");
    assert!(h.state().is_locked());
    assert!(h.state().shown_qr().is_none());
    assert!(
        h.query_by_label("QR code with your ID for the verifier")
            .is_none()
    );
    assert!(h.query_by_label("Show ID").is_none());

    // The history recorded the showing once (renewals are not new showings).
    type_into(&mut h, "PIN", PIN);
    click(&mut h, "Unlock");
    assert!(h.state().is_unlocked());
    click(&mut h, "History");
    assert_eq!(h.state().tab(), Some(Tab::History));
    assert_eq!(h.get_all_by_label("Age check (18 or over)").count(), 1);
    h.get_by_label("Age 18 or over");
}

#[test]
fn wrong_pin_shows_the_error_and_the_right_one_unlocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Lock");
    type_into(&mut h, "PIN", "111111");
    click(&mut h, "Unlock");
    assert!(h.state().is_locked());
    let m = h.state().message().expect("an error").clone();
    assert!(
        m.error && m.text.starts_with("Wrong PIN or passphrase."),
        "{m:?}"
    );
    h.get_by_label_contains("Wrong PIN or passphrase.");
    // Enter submits too.
    type_into(&mut h, "PIN", PIN);
    assert!(h.get_by_label("PIN").is_focused());
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    assert_eq!(h.state().card_count(), 1);
}

/// Presses Tab until the control named `label` has the focus, then Enter (keyboard only).
fn tab_to_and_press(h: &mut Harness<'_, WalletApp>, label: &str) {
    for _ in 0..40 {
        if h.get_by_label(label).is_focused() {
            h.key_press(egui::Key::Enter);
            settle(h);
            return;
        }
        h.key_press(egui::Key::Tab);
        h.run_ok();
    }
    panic!("Tab never reached {label:?}");
}

#[test]
fn keyboard_alone_from_first_run_to_a_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    h.run_ok();
    tab_to_and_press(&mut h, "Get started");
    // The PIN field has the focus on arrival.
    assert!(h.get_by_label("PIN").is_focused());
    h.get_by_label("PIN").type_text(PIN);
    h.key_press(egui::Key::Tab);
    h.run_ok();
    assert!(h.get_by_label("PIN again").is_focused());
    h.get_by_label("PIN again").type_text(PIN);
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    tab_to_and_press(&mut h, "Add the demo ID");
    tab_to_and_press(&mut h, "Show ID");
    tab_to_and_press(&mut h, "Hotel check-in");
    tab_to_and_press(&mut h, "Show QR code");
    let v = verify_shown(&h, &VerifyPolicy::at(now()));
    assert_eq!(v.disclosed.len(), 4);
    tab_to_and_press(&mut h, "Lock");
    assert!(h.state().shown_qr().is_none());
}

#[test]
fn after_three_wrong_pins_the_unlock_waits_before_checking() {
    let dir = tempfile::tempdir().unwrap();
    let waits = Arc::new(Mutex::new(Vec::new()));
    let mut cfg = AppConfig::new(dir.path().to_path_buf());
    cfg.kdf = KdfParams::insecure_for_tests();
    cfg.lang = Some(Lang::En);
    let record = waits.clone();
    cfg.sleeper = Sleeper::new(move |d| record.lock().unwrap().push(d));
    let mut h = Harness::builder()
        .with_size(egui::vec2(420.0, 860.0))
        .build_eframe(move |cc| WalletApp::new(&cc.egui_ctx, cfg));
    wallet_with_demo_id(&mut h);
    click(&mut h, "Lock");
    for _ in 0..3 {
        type_into(&mut h, "PIN", "111111");
        click(&mut h, "Unlock");
    }
    assert!(waits.lock().unwrap().is_empty());
    // The next attempt sleeps 2 s before the PIN is checked: the screen says so.
    h.get_by_label("Too many wrong attempts. The next attempt waits before checking, seconds: 2");
    type_into(&mut h, "PIN", "111111");
    click(&mut h, "Unlock");
    h.get_by_label("Too many wrong attempts. The next attempt waits before checking, seconds: 4");
    // The right PIN waits too (no clock to move), then unlocks.
    type_into(&mut h, "PIN", PIN);
    click(&mut h, "Unlock");
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    assert_eq!(
        *waits.lock().unwrap(),
        [Duration::from_secs(2), Duration::from_secs(4)]
    );
}

#[test]
fn language_switch_changes_the_labels_and_chinese_renders() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Settings");
    click(&mut h, "中文");
    assert_eq!(h.state().lang(), Lang::Zh);
    assert!(h.query_by_label("Settings").is_none());
    assert!(h.query_all_by_label("设置").count() >= 1);
    h.get_by_label("我的证件");
    // Every screen in Chinese (egui_kittest fails on a glyph the bundled font lacks).
    click(&mut h, "记录");
    click(&mut h, "我的证件");
    click(&mut h, "出示证件");
    click(&mut h, "收件");
    h.get_by_label("核验方将看到：");
    click(&mut h, "出示二维码");
    let v = verify_shown(&h, &VerifyPolicy::at(now()));
    let items: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
    assert_eq!(items, vec![AttrId::FamilyName, AttrId::GivenName]);
    click(&mut h, "完成");
    click(&mut h, "锁定");
    h.get_by_label("解锁");
    // The choice is kept for the next start.
    drop(h);
    let mut cfg = AppConfig::new(dir.path().to_path_buf());
    cfg.kdf = KdfParams::insecure_for_tests();
    let mut h = Harness::builder()
        .with_size(egui::vec2(420.0, 860.0))
        .build_eframe(move |cc| WalletApp::new(&cc.egui_ctx, cfg));
    h.run_ok();
    assert_eq!(h.state().lang(), Lang::Zh);
}

#[test]
fn chinese_first_run_and_settings_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::Zh);
    click(&mut h, "开始使用");
    click(&mut h, "改用口令");
    type_into(&mut h, "口令", "correct horse battery");
    type_into(&mut h, "再次输入口令", "correct horse battery");
    click(&mut h, "创建证件夹");
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    click(&mut h, "添加示范证件");
    click(&mut h, "设置");
    click(&mut h, "修改密码或口令");
    click(&mut h, "备份");
    click(&mut h, "从备份恢复");
    click(&mut h, "删除证件夹");
    h.get_by_label("全部删除");
    click(&mut h, "取消");
    assert!(h.state().is_unlocked());
}

#[test]
fn counter_code_and_custom_items() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Show ID");
    click(&mut h, "Choose items");
    click(&mut h, "Show QR code");
    assert!(h.state().shown_qr().is_none());
    assert_eq!(
        h.state().message().unwrap().text,
        "Choose at least one item."
    );
    click(&mut h, "ID number");
    click(&mut h, "Age 60 or over");
    type_into(&mut h, "Counter code (optional)", "k7-2");
    click(&mut h, "Show QR code");
    let mut policy = VerifyPolicy::at(now());
    policy.counter_code = Some("K72".into());
    let v = verify_shown(&h, &policy);
    assert!(v.counter_bound);
    let items: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
    assert_eq!(items, vec![AttrId::IdNumber, AttrId::AgeOver60]);
    h.get_by_label("Only valid at counter K72");
    // Another counter's code is refused by the verifier.
    let (text, _) = h.state().shown_qr().unwrap();
    policy.counter_code = Some("ZZ".into());
    let err = verify_text(text, &demo::trust_list().unwrap(), &policy).unwrap_err();
    assert_eq!(err.reason(), Reason::WrongCounterCode);
    // Leaving the screen clears the code.
    click(&mut h, "Done");
    assert!(h.state().shown_qr().is_none());
    // History: purpose, counter code, items.
    click(&mut h, "History");
    h.get_by_label("Counter: K72");
    h.get_by_label("ID number · Age 60 or over");
    click(&mut h, "Clear history");
    click(&mut h, "Clear all");
    h.get_by_label("You have not shown your ID yet.");
}

#[test]
fn full_id_qr_verifies_with_every_item_but_the_portrait() {
    for ppp in [1.0, 2.0] {
        let dir = tempfile::tempdir().unwrap();
        let mut h = app_at(dir.path(), Lang::En, ppp);
        wallet_with_demo_id(&mut h);
        click(&mut h, "Show ID");
        click(&mut h, "Full ID");
        click(&mut h, "Show QR code");
        let v = verify_shown(&h, &VerifyPolicy::at(now()));
        let items: Vec<AttrId> = v.disclosed.iter().map(|(a, _)| *a).collect();
        let expect: Vec<AttrId> = AttrId::ALL
            .into_iter()
            .filter(|a| *a != AttrId::Portrait)
            .collect();
        assert_eq!(items, expect);
        // Modules are whole physical pixels. This largest code (version 21, 109 modules with
        // the quiet zone) gets 3 px per module at 1 pixel per point: 327 of 420 points (78%).
        // On a phone-like screen (2 pixels per point) it gets 7 px, over 80% of the width.
        let modules = (h.state().shown_qr().unwrap().1.width() + 8) as f32;
        let side = h.state().shown_qr_side().unwrap();
        let px = side * ppp / modules;
        assert_eq!(px, px.round(), "{px} px per module");
        if ppp >= 2.0 {
            assert!(side >= 0.8 * 420.0, "{side}");
        }
    }
}

#[test]
fn auto_lock_after_inactivity() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Settings");
    click(&mut h, "30 s");
    // 30 s of input time without input: 0.25 s per step.
    h.run_steps(125);
    assert!(h.state().is_locked());
    // The setting is kept in the wallet.
    type_into(&mut h, "PIN", PIN);
    click(&mut h, "Unlock");
    click(&mut h, "Settings");
    h.run_steps(125);
    assert!(h.state().is_locked());
}

#[test]
fn delete_wallet_with_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Settings");
    click(&mut h, "Delete wallet");
    click(&mut h, "Cancel");
    assert!(Store::exists(dir.path()));
    click(&mut h, "Delete wallet");
    click(&mut h, "Delete everything");
    assert!(!Store::exists(dir.path()));
    h.get_by_label("Get started");
}

#[test]
fn import_a_credential_file_and_backup_restore() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    click(&mut h, "Get started");
    type_into(&mut h, "PIN", PIN);
    type_into(&mut h, "PIN again", PIN);
    click(&mut h, "Create wallet");
    // A file that is not a credential is refused with a message.
    let junk = dir.path().join("junk.cbor");
    std::fs::write(&junk, b"not a credential").unwrap();
    type_into(&mut h, "Credential file path", junk.to_str().unwrap());
    click(&mut h, "Import");
    assert!(h.state().message().unwrap().error);
    assert_eq!(h.state().card_count(), 0);

    click(&mut h, "Add the demo ID");
    click(&mut h, "Settings");
    click(&mut h, "Back up");
    let backup = dir.path().join("wallet.backup");
    type_into(&mut h, "Backup file path", backup.to_str().unwrap());
    type_into(&mut h, "Backup passphrase", "a long backup passphrase");
    type_into(
        &mut h,
        "Backup passphrase again",
        "a long backup passphrase",
    );
    click(&mut h, "Write backup");
    assert!(backup.exists(), "{:?}", h.state().message());

    // Restore into another directory from the first-run screen.
    let other = tempfile::tempdir().unwrap();
    let mut h2 = app(other.path(), Lang::En);
    click(&mut h2, "Restore a backup");
    type_into(&mut h2, "Backup file path", backup.to_str().unwrap());
    type_into(&mut h2, "Backup passphrase", "a long backup passphrase");
    type_into(&mut h2, "New PIN or passphrase", "135790");
    type_into(&mut h2, "New PIN or passphrase again", "135790");
    click(&mut h2, "Restore");
    assert!(h2.state().is_locked(), "{:?}", h2.state().message());
    type_into(&mut h2, "PIN", "135790");
    click(&mut h2, "Unlock");
    assert_eq!(h2.state().card_count(), 1);

    // From the settings, after a confirmation, a restore replaces the open wallet; a wrong
    // passphrase leaves it as it was.
    click(&mut h2, "Settings");
    click(&mut h2, "Restore a backup");
    type_into(&mut h2, "Backup file path", backup.to_str().unwrap());
    type_into(&mut h2, "Backup passphrase", "not the passphrase");
    type_into(&mut h2, "New PIN or passphrase", "975310");
    type_into(&mut h2, "New PIN or passphrase again", "975310");
    click(&mut h2, "Restore");
    click(&mut h2, "Cancel");
    assert!(h2.state().is_unlocked());
    click(&mut h2, "Restore");
    // The warning is on the form and in the dialog.
    let warning = "Restoring replaces everything in this wallet with the backup.";
    assert_eq!(h2.query_all_by_label(warning).count(), 2);
    let restore_buttons = h2.query_all_by_label("Restore").count();
    assert_eq!(restore_buttons, 2, "the form's button and the dialog's");
    h2.get_all_by_label("Restore").last().unwrap().click();
    settle(&mut h2);
    assert!(h2.state().message().unwrap().error);
    assert!(h2.state().is_locked());
    type_into(&mut h2, "PIN", "135790");
    click(&mut h2, "Unlock");
    assert_eq!(h2.state().card_count(), 1, "the old wallet is intact");
}

/// A credential for `holder` from `issuer` (status 3/7) with the demo person's attributes
/// and `family_name` set to `family`.
fn credential_for(
    issuer: &ed25519_dalek::SigningKey,
    holder: &ed25519_dalek::VerifyingKey,
    family: &str,
) -> Vec<u8> {
    use tessera_core::credential::{IssueParams, StatusRef, issue};
    let mut attributes = demo::person(now());
    attributes.set(AttrId::FamilyName, AttrValue::Text(family.into()));
    issue(
        issuer,
        &IssueParams {
            holder: *holder,
            not_before: now() - 60,
            expires: now() + 86_400 * 365,
            status: StatusRef { list: 3, index: 7 },
            attributes,
        },
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap()
    .to_vec()
}

#[test]
fn an_import_that_would_replace_asks_and_a_trust_list_names_the_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    wallet_with_demo_id(&mut h);
    click(&mut h, "Add an ID");
    let holder = std::fs::read_to_string(dir.path().join("holder.pub")).unwrap();
    let holder = tessera_core::keys::public_key_from_text(&holder).unwrap();
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let issuer = ed25519_dalek::SigningKey::generate(&mut rng);
    let a = dir.path().join("a.cbor");
    let b = dir.path().join("b.cbor");
    std::fs::write(&a, credential_for(&issuer, &holder, "林")).unwrap();
    std::fs::write(&b, credential_for(&issuer, &holder, "陈")).unwrap();

    // An issuer the wallet does not know: stored, with a warning, and marked on the card.
    type_into(&mut h, "Credential file path", a.to_str().unwrap());
    click(&mut h, "Import");
    assert_eq!(h.state().card_count(), 2);
    let m = h.state().message().unwrap();
    assert!(m.error && m.text.contains("not checked"), "{m:?}");
    h.get_by_label("Unknown issuer: signature not checked");

    // The same id, other contents: the app asks, showing what changes.
    click(&mut h, "Add an ID");
    type_into(&mut h, "Credential file path", b.to_str().unwrap());
    click(&mut h, "Import");
    h.get_by_label("This file would replace the ID stored under the same number. What changes:");
    h.get_by_label("family_name: 林 -> 陈");
    click(&mut h, "Cancel");
    assert!(h.query_by_label_contains("陈").is_none());
    assert_eq!(h.state().card_count(), 2);
    click(&mut h, "Import");
    click(&mut h, "Replace");
    assert_eq!(h.state().card_count(), 2);
    assert!(h.query_all_by_label_contains("陈").count() > 0);

    // A trust list loaded in the settings names the issuer and is kept.
    let root = ed25519_dalek::SigningKey::generate(&mut rng);
    let list = tessera_core::TrustList {
        sequence: 1,
        issued_at: now() - 60,
        next_update: now() + 86_400,
        issuers: vec![tessera_core::TrustedIssuer {
            id: "test.city".into(),
            name: "Test City Office".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![tessera_core::TrustedKey::new(
                issuer.verifying_key(),
                now() - 86_400,
                now() + 86_400 * 400,
            )],
        }],
    };
    let list_path = dir.path().join("trust-list.cbor");
    let root_path = dir.path().join("root.pub");
    std::fs::write(&list_path, list.sign(&root)).unwrap();
    std::fs::write(
        &root_path,
        tessera_core::keys::public_key_to_text(&root.verifying_key(), "root"),
    )
    .unwrap();
    click(&mut h, "Settings");
    click(&mut h, "Trust list");
    type_into(&mut h, "Trust list file", list_path.to_str().unwrap());
    type_into(&mut h, "Root key file", root_path.to_str().unwrap());
    click(&mut h, "Load trust list");
    assert_eq!(h.state().message().unwrap().text, "Trust list loaded.");
    click(&mut h, "My ID");
    h.get_by_label("Test City Office");
    click(&mut h, "Lock");
    type_into(&mut h, "PIN", PIN);
    click(&mut h, "Unlock");
    h.get_by_label("Test City Office");
}
