//! The wallet app's settings and files go through `Wallet` (egui_kittest, headless): the PIN
//! change, the device key file an issuer reads, and deleting the wallet.

mod common;

use common::{PIN, app, click, create_wallet_with, focus_and_type as type_into};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tessera_wallet::Wallet;
use tessera_wallet::app::WalletApp;
use tessera_wallet::app::i18n::Lang;

const NEW_PIN: &str = "13572468";

fn unlock(h: &mut Harness<'_, WalletApp>, pin: &str) {
    type_into(h, "PIN", pin);
    click(h, "Unlock");
}

#[test]
fn pin_change_key_file_and_delete_go_through_the_wallet() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    create_wallet_with(&mut h, type_into);
    assert!(Wallet::exists(dir.path()));

    // The key file beside the store is the wallet's own device key file, byte for byte.
    click(&mut h, "Add the demo ID");
    click(&mut h, "Add an ID");
    let written = std::fs::read_to_string(dir.path().join("holder.pub")).unwrap();

    // Change the PIN.
    click(&mut h, "Settings");
    click(&mut h, "Change PIN or passphrase");
    type_into(&mut h, "New PIN or passphrase", NEW_PIN);
    type_into(&mut h, "New PIN or passphrase again", NEW_PIN);
    click(&mut h, "Save");
    let m = h.state().message().cloned().unwrap();
    assert!(!m.error, "{m:?}");
    assert_eq!(m.text, "Your PIN was changed.");
    click(&mut h, "Lock");

    // The old PIN is refused (and counted), the new one opens the same wallet.
    unlock(&mut h, PIN);
    assert!(h.state().is_locked());
    assert_eq!(Wallet::failed_attempts(dir.path()).unwrap(), 1);
    unlock(&mut h, NEW_PIN);
    assert!(h.state().is_unlocked(), "{:?}", h.state().message());
    assert_eq!(h.state().card_count(), 1);
    click(&mut h, "Lock");
    drop(h);
    let secret = tessera_store::Secret::parse(NEW_PIN).unwrap();
    let w = Wallet::unlock(dir.path(), &secret).unwrap();
    let key = w
        .device_key_file(&mut rand_core::UnwrapErr(getrandom::SysRng))
        .unwrap();
    assert_eq!(written, key);
    drop(w);

    // Delete, with confirmation: nothing is left.
    let mut h = app(dir.path(), Lang::En);
    unlock(&mut h, NEW_PIN);
    click(&mut h, "Settings");
    click(&mut h, "Delete wallet");
    click(&mut h, "Delete everything");
    assert!(!Wallet::exists(dir.path()));
    h.get_by_label("Get started");
}

/// A batch file bigger than one credential may be, from the demo issuer for `holder`.
fn big_batch(holder: ed25519_dalek::VerifyingKey) -> Vec<u8> {
    use tessera_core::StatusRef;
    use tessera_core::attributes::{AttrId, AttrValue};
    use tessera_core::batch::{BatchParams, BatchSeed, MAX_BATCH_COUNT, issue_batch};
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let issuer =
        tessera_core::keys::secret_key_from_text(tessera_wallet::demo::ISSUER_KEY).unwrap();
    let now = tessera_wallet::cli::now();
    let mut attributes = tessera_wallet::demo::person(now);
    // Long (but valid) names make every credential large.
    for id in [AttrId::GivenNameLatin, AttrId::IssuingAuthority] {
        attributes.set(id, AttrValue::Text("LONG NAME ".repeat(25)));
    }
    let statuses: Vec<StatusRef> = (0..MAX_BATCH_COUNT)
        .map(|i| StatusRef {
            list: 0,
            index: 5000 + i,
        })
        .collect();
    issue_batch(
        &issuer,
        BatchSeed::generate(&mut rng),
        &BatchParams {
            device: holder,
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
fn the_app_imports_batch_files_up_to_the_import_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Add the demo ID");
    click(&mut h, "Add an ID");
    let holder = std::fs::read_to_string(dir.path().join("holder.pub")).unwrap();
    let holder = tessera_core::keys::public_key_from_text(&holder).unwrap();

    // A batch file larger than one credential's limit is a normal import.
    let batch = big_batch(holder);
    assert!(batch.len() > tessera_core::credential::MAX_CREDENTIAL_LEN);
    let file = dir.path().join("batch.cbor");
    std::fs::write(&file, &batch).unwrap();
    type_into(&mut h, "Credential file path", file.to_str().unwrap());
    click(&mut h, "Import");
    assert_eq!(h.state().card_count(), 2, "{:?}", h.state().message());
    let fresh: Vec<usize> = h
        .state()
        .batch_states()
        .iter()
        .map(|b| b.as_ref().unwrap().fresh)
        .collect();
    assert!(
        fresh.contains(&(tessera_core::batch::MAX_BATCH_COUNT as usize)),
        "{fresh:?}"
    );

    // Over the import limit: refused by its size, before it is read.
    click(&mut h, "Add an ID");
    let huge = dir.path().join("huge.cbor");
    std::fs::write(&huge, vec![0u8; tessera_wallet::wallet::MAX_IMPORT_LEN + 1]).unwrap();
    type_into(&mut h, "Credential file path", huge.to_str().unwrap());
    click(&mut h, "Import");
    let m = h.state().message().cloned().unwrap();
    assert!(m.error, "{m:?}");
    let limit = tessera_wallet::wallet::MAX_IMPORT_LEN;
    assert!(
        m.text.contains(&format!("at most {limit} are accepted")),
        "{m:?}"
    );
}

#[test]
fn trust_files_are_read_with_the_bounded_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Settings");
    click(&mut h, "Trust list");
    let root = dir.path().join("root.pub");
    std::fs::write(&root, tessera_wallet::demo::ROOT_PUB).unwrap();
    type_into(&mut h, "Root key file", root.to_str().unwrap());
    // A trust list file over 1 MiB: refused by its size, naming the file.
    let big = dir.path().join("big-list.cbor");
    std::fs::write(&big, vec![0u8; (1 << 20) + 1]).unwrap();
    type_into(&mut h, "Trust list file", big.to_str().unwrap());
    click(&mut h, "Load trust list");
    let m = h.state().message().cloned().unwrap();
    assert!(m.error, "{m:?}");
    assert!(m.text.contains("big-list.cbor"), "{m:?}");
    assert!(
        m.text.contains(&format!(
            "{} bytes; at most {} are accepted",
            (1 << 20) + 1,
            1 << 20
        )),
        "{m:?}"
    );
}

#[test]
fn a_trust_list_that_is_a_directory_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), Lang::En);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Settings");
    click(&mut h, "Trust list");
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    type_into(&mut h, "Trust list file", folder.to_str().unwrap());
    type_into(&mut h, "Root key file", folder.to_str().unwrap());
    click(&mut h, "Load trust list");
    let m = h.state().message().cloned().unwrap();
    assert!(m.error, "{m:?}");
    assert!(m.text.contains("a-folder: not a regular file"), "{m:?}");
}

#[cfg(unix)]
#[test]
fn the_device_key_file_replaces_a_link_instead_of_writing_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let mut h = app(dir.path(), Lang::En);
    create_wallet_with(&mut h, type_into);
    click(&mut h, "Add the demo ID");
    std::os::unix::fs::symlink(&victim, dir.path().join("holder.pub")).unwrap();
    click(&mut h, "Add an ID");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let written = std::fs::read_to_string(dir.path().join("holder.pub")).unwrap();
    assert!(tessera_core::keys::public_key_from_text(&written).is_ok());
    assert!(
        !std::fs::symlink_metadata(dir.path().join("holder.pub"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
