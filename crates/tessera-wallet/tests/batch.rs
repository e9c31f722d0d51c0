//! The single-use policy over a batch (docs/wallet.md): fresh credentials first, each marked
//! used durably before its code is returned (even a killed process does not show it again),
//! the least recently used when none is fresh, a renewal request when they run low, renewal
//! batches that join the id without dropping an unused credential, backups that carry the
//! use state, and imports that refuse a batch with a key not derived from this device's.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::UnwrapErr;
use tessera_core::attributes::{AttrId, Purpose};
use tessera_core::batch::{BatchFile, BatchParams, BatchSeed, derive_holder_key, issue_batch};
use tessera_core::credential::{CredentialError, IssueParams, StatusRef, issue};
use tessera_core::keys::secret_key_from_text;
use tessera_core::{HeldCredential, VerifiedPresentation, VerifyPolicy, verify_text};
use tessera_store::{KdfParams, Secret};
use tessera_wallet::wallet::{BATCH_SIZE, ImportOutcome};
use tessera_wallet::{Wallet, WalletError, demo};

/// 2026-11-27 00:00 UTC.
const NOW: u64 = 1_795_651_200;

fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

fn pin() -> Secret {
    Secret::pin("482913").unwrap()
}

fn new_wallet(dir: &Path) -> Wallet {
    let w = Wallet::create(dir, &pin(), KdfParams::insecure_for_tests()).unwrap();
    w.ensure_device_key(&mut rng()).unwrap();
    w
}

fn device(w: &Wallet) -> VerifyingKey {
    w.device_key().unwrap().unwrap().verifying_key()
}

/// A batch of `count` from the demo issuer for `device`, statuses `first..first + count` of
/// list 9 (so a test can tell the credentials apart), valid from `NOW`.
fn batch(device: &VerifyingKey, count: u32, first: u32) -> BatchFile {
    let issuer = secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let statuses: Vec<StatusRef> = (0..count)
        .map(|i| StatusRef {
            list: 9,
            index: first + i,
        })
        .collect();
    issue_batch(
        &issuer,
        BatchSeed::generate(&mut rng()),
        &BatchParams {
            device: *device,
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            statuses: &statuses,
            attributes: &demo::person(NOW),
        },
        &mut rng(),
    )
    .unwrap()
}

/// Presents "over 18" at `at` and checks the code under the demo trust list.
fn present(w: &Wallet, id: &str, at: u64) -> VerifiedPresentation {
    let p = w
        .present(
            Some(id),
            &[AttrId::AgeOver18],
            Purpose::Age18,
            None,
            at,
            &mut rng(),
        )
        .unwrap();
    verify(&p.text, at)
}

fn verify(text: &str, at: u64) -> VerifiedPresentation {
    let trust = demo::trust_list().unwrap();
    verify_text(text, &trust, &VerifyPolicy::at(at)).expect("the code verifies")
}

/// The position in the batch of the credential with status `status`.
fn position(w: &Wallet, id: &str, status: StatusRef) -> usize {
    w.credential_uses(id)
        .unwrap()
        .iter()
        .position(|u| u.status == status)
        .expect("the code's credential is in the batch")
}

#[test]
fn fresh_first_in_order_then_the_least_recently_used() {
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let id = w
        .import_answering(&batch(&device(&w), 16, 100).to_vec())
        .unwrap()
        .id;
    let s = w.batch_state_at(&id, NOW).unwrap();
    assert_eq!((s.total, s.fresh, s.low, s.renewal), (16, 16, false, None));

    // Sixteen presentations: sixteen different credentials, in batch order.
    let mut seen = BTreeSet::new();
    for n in 0..16u64 {
        let v = present(&w, &id, NOW + 10 + n);
        assert_eq!(
            position(&w, &id, v.status),
            n as usize,
            "fresh ones in order"
        );
        assert!(
            seen.insert(v.status.index),
            "credential {} shown twice",
            v.status
        );
        let s = w.batch_state_at(&id, NOW + 10 + n).unwrap();
        assert_eq!(s.fresh, 15 - n as usize);
        // Low at a quarter of the batch (4 of 16), and a renewal request is made then.
        assert_eq!(s.low, s.fresh <= 4, "{s:?}");
        assert_eq!(s.renewal.is_some(), s.low, "{s:?}");
    }
    let uses = w.credential_uses(&id).unwrap();
    assert!(uses.iter().all(|u| u.uses == 1), "{uses:?}");

    // Exhausted: the least recently used, in turn, never the one just shown.
    let renewal = w.batch_state_at(&id, NOW + 100).unwrap().renewal.unwrap();
    for n in 0..20u64 {
        let v = present(&w, &id, NOW + 100 + n);
        assert_eq!(position(&w, &id, v.status), (n % 16) as usize);
    }
    let uses = w.credential_uses(&id).unwrap();
    assert_eq!(uses[0].uses, 3);
    assert_eq!(uses[4].uses, 2);
    // Presentations 5 and 21 of the id: an order, no time.
    assert_eq!(uses[4].last_use, Some(21));
    // One renewal request stays outstanding while it is answered.
    let again = w.batch_state_at(&id, NOW + 200).unwrap().renewal.unwrap();
    assert_eq!(again, renewal);
    assert_eq!(again.request.holder(), device(&w));
    assert_eq!(again.request.batch_count(), Some(16));
    // The history says which presentations were made; renewing the code on screen is the
    // same credential and no new use.
    assert_eq!(w.history().unwrap().len(), 36);
    let last = w.credential_uses(&id).unwrap();
    let p = w
        .present_again(
            Some(&id),
            &[AttrId::AgeOver18],
            Purpose::Age18,
            None,
            NOW + 300,
            &mut rng(),
        )
        .unwrap();
    assert_eq!(position(&w, &id, verify(&p.text, NOW + 300).status), 3);
    assert_eq!(w.credential_uses(&id).unwrap(), last);
    assert_eq!(w.history().unwrap().len(), 36);
}

#[test]
fn a_renewal_joins_the_id_and_keeps_every_unused_credential() {
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let d = device(&w);
    let id = w.import_answering(&batch(&d, 8, 0).to_vec()).unwrap().id;
    for n in 0..6 {
        present(&w, &id, NOW + n);
    }
    let s = w.batch_state_at(&id, NOW + 10).unwrap();
    assert_eq!((s.fresh, s.low), (2, true));
    let renewal = s.renewal.expect("made when low");

    // The renewal batch (same attributes) joins the same id and answers the request.
    let renewed = batch(&d, 8, 50);
    let i = w.import_answering(&renewed.to_vec()).unwrap();
    assert_eq!(
        (i.id.as_str(), i.outcome),
        (id.as_str(), ImportOutcome::Added)
    );
    assert_eq!(i.answers, Some(renewal));
    let s = w.batch_state_at(&id, NOW + 10).unwrap();
    assert_eq!((s.total, s.fresh, s.low, s.renewal), (16, 10, false, None));
    assert_eq!(w.credentials().unwrap().len(), 1);
    // The same file again changes nothing.
    let again = w.import_answering(&renewed.to_vec()).unwrap();
    assert_eq!(
        (again.id.as_str(), again.outcome),
        (id.as_str(), ImportOutcome::Unchanged)
    );

    // The old batch's two unused credentials go first, then the new batch's.
    let statuses: Vec<u32> = (0..4)
        .map(|n| present(&w, &id, NOW + 20 + n).status.index)
        .collect();
    assert_eq!(statuses, [6, 7, 50, 51]);

    // The next renewal drops the old batch (all used) and keeps the unused of this one.
    let i = w.import_answering(&batch(&d, 8, 90).to_vec()).unwrap();
    assert_eq!(i.id, id);
    let s = w.batch_state_at(&id, NOW + 30).unwrap();
    assert_eq!((s.total, s.fresh), (16, 14));
    let kept: Vec<u32> = w
        .credential_uses(&id)
        .unwrap()
        .iter()
        .map(|u| u.status.index)
        .collect();
    assert_eq!(kept[..2], [50, 51]);

    // The same attributes from another issuer are another card, not a renewal.
    let other = SigningKey::generate(&mut rng());
    let statuses = [
        StatusRef { list: 9, index: 1 },
        StatusRef { list: 9, index: 2 },
    ];
    let foreign_issuer = issue_batch(
        &other,
        BatchSeed::generate(&mut rng()),
        &BatchParams {
            device: d,
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            statuses: &statuses,
            attributes: &demo::person(NOW),
        },
        &mut rng(),
    )
    .unwrap();
    let i = w.import_answering(&foreign_issuer.to_vec()).unwrap();
    assert_ne!(i.id, id);
    assert_eq!(w.credentials().unwrap().len(), 2);
}

#[test]
fn a_batch_with_one_foreign_key_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let d = device(&w);
    let good = batch(&d, 8, 0);

    // Credential 5 bound to another device's key (same issuer, same attributes).
    let issuer = secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let stranger = SigningKey::generate(&mut rng()).verifying_key();
    let foreign: HeldCredential = issue(
        &issuer,
        &IssueParams {
            holder: derive_holder_key(&stranger, &good.seed, 5),
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            status: StatusRef { list: 9, index: 5 },
            attributes: demo::person(NOW),
        },
        &mut rng(),
    )
    .unwrap();
    let mut bad = good.clone();
    bad.credentials[5] = foreign;
    // The device key itself where a derived key belongs is foreign too.
    let mut plain = good.clone();
    plain.credentials[2] = issue(
        &issuer,
        &IssueParams {
            holder: d,
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            status: StatusRef { list: 9, index: 2 },
            attributes: demo::person(NOW),
        },
        &mut rng(),
    )
    .unwrap();
    for (file, index) in [(bad, 5), (plain, 2), (batch(&stranger, 4, 0), 0)] {
        let e = w.import_answering(&file.to_vec()).unwrap_err();
        assert!(
            matches!(e, WalletError::Credential(CredentialError::NotDerivedKey { index: i }) if i == index),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains(&format!("credential {index} of the batch")),
            "{e}"
        );
        assert!(w.credentials().unwrap().is_empty());
    }
    // A batch whose credentials differ in their attributes is refused too.
    let mut mixed = good.clone();
    let mut other = demo::person(NOW);
    other.set(
        AttrId::FamilyName,
        tessera_core::AttrValue::Text("陈".into()),
    );
    let other = issue_batch(
        &issuer,
        good.seed.clone(),
        &BatchParams {
            device: d,
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            statuses: &[StatusRef { list: 9, index: 0 }; 8],
            attributes: &other,
        },
        &mut rng(),
    )
    .unwrap();
    mixed.credentials[3] = other.credentials[3].clone();
    let e = w.import_answering(&mixed.to_vec()).unwrap_err();
    assert!(
        matches!(
            e,
            WalletError::BatchMismatch {
                index: 3,
                what: "attributes"
            }
        ),
        "{e}"
    );
    assert!(w.credentials().unwrap().is_empty());
    // The good one is kept.
    assert_eq!(
        w.import_answering(&good.to_vec()).unwrap().outcome,
        ImportOutcome::Added
    );
}

#[test]
fn a_restored_wallet_never_shows_a_credential_used_before_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let id = w
        .import_answering(&batch(&device(&w), 16, 0).to_vec())
        .unwrap()
        .id;
    let mut before = BTreeSet::new();
    for n in 0..5 {
        before.insert(present(&w, &id, NOW + n).status.index);
    }
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("wallet.backup");
    let pass = Secret::passphrase("correct horse battery").unwrap();
    w.store()
        .backup(&file, &pass, KdfParams::insecure_for_tests())
        .unwrap();
    drop(w);

    let target = tempfile::tempdir().unwrap();
    let store = tessera_store::Store::restore(
        &file,
        &pass,
        target.path(),
        &pin(),
        KdfParams::insecure_for_tests(),
    )
    .unwrap();
    let r = Wallet::from_store(store);
    // The batch and its use state came back; the history stayed behind.
    let s = r.batch_state_at(&id, NOW + 10).unwrap();
    assert_eq!((s.total, s.fresh), (16, 11));
    assert!(r.history().unwrap().is_empty());
    let mut after = BTreeSet::new();
    for n in 0..11 {
        let v = present(&r, &id, NOW + 100 + n);
        assert!(
            !before.contains(&v.status.index),
            "{} was used before the backup",
            v.status
        );
        assert!(after.insert(v.status.index));
        // From the other end of the order: the lost device went on from the front.
        if n == 0 {
            assert_eq!(position(&r, &id, v.status), 15);
        }
    }
    // A renewal request was made at once after the restore.
    assert!(r.batch_state_at(&id, NOW + 200).unwrap().renewal.is_some());
}

/// Child of `marking_survives_a_kill`: presents, prints the code, and dies at once (abort:
/// no destructor, no flush, as after SIGKILL).
const KILL_CHILD_ENV: &str = "TESSERA_WALLET_KILL_CHILD_DIR";

#[test]
fn kill_child() {
    let Some(dir) = std::env::var_os(KILL_CHILD_ENV) else {
        return;
    };
    let w = Wallet::unlock(Path::new(&dir), &pin()).unwrap();
    let p = w
        .present(
            None,
            &[AttrId::AgeOver18],
            Purpose::Age18,
            None,
            NOW + 5,
            &mut rng(),
        )
        .unwrap();
    println!("CODE {}", p.text);
    std::process::abort();
}

#[test]
fn marking_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let w = new_wallet(dir.path());
        w.import_answering(&batch(&device(&w), 4, 0).to_vec())
            .unwrap()
            .id
    };
    let mut shown = BTreeSet::new();
    for _ in 0..3 {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "kill_child", "--nocapture", "--test-threads=1"])
            .env(KILL_CHILD_ENV, dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "the child is killed");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let code = stdout
            .lines()
            .find_map(|l| l.split_once("CODE ").map(|(_, code)| code.trim()))
            .unwrap_or_else(|| {
                panic!(
                    "no code: {stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let v = verify(code, NOW + 5);
        assert!(
            shown.insert(v.status.index),
            "{} shown again after a kill",
            v.status
        );
        let w = Wallet::unlock(dir.path(), &pin()).unwrap();
        let uses = w.credential_uses(&id).unwrap();
        assert_eq!(uses[position(&w, &id, v.status)].uses, 1);
        assert_eq!(uses.iter().filter(|u| u.uses > 0).count(), shown.len());
    }
}

#[test]
fn a_single_credential_still_works_and_the_demo_id_is_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let issuer = secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let single = issue(
        &issuer,
        &IssueParams {
            holder: device(&w),
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            status: StatusRef { list: 9, index: 77 },
            attributes: demo::person(NOW),
        },
        &mut rng(),
    )
    .unwrap();
    let id = w.import_answering(&single.to_vec()).unwrap().id;
    let s = w.batch_state_at(&id, NOW).unwrap();
    assert_eq!((s.total, s.fresh, s.low), (1, 1, false));
    for n in 0..3 {
        assert_eq!(present(&w, &id, NOW + n).status.index, 77);
    }
    let s = w.batch_state_at(&id, NOW + 5).unwrap();
    assert_eq!((s.fresh, s.low), (0, true));
    // Its renewal asks for a batch.
    assert_eq!(s.renewal.unwrap().request.batch_count(), Some(BATCH_SIZE));
    w.remove_credential(&id).unwrap();
    assert!(w.batch_state_at(&id, NOW).is_err());

    let demo_id = w.add_demo(NOW, &mut rng()).unwrap();
    let s = w.batch_state_at(&demo_id, NOW + 60).unwrap();
    assert_eq!(
        (s.total, s.fresh),
        (BATCH_SIZE as usize, BATCH_SIZE as usize)
    );
    let a = present(&w, &demo_id, NOW + 60);
    let b = present(&w, &demo_id, NOW + 61);
    assert_ne!(a.status, b.status);
    assert_ne!(a.holder_signature, b.holder_signature);
}

/// The figures in docs/wallet.md ("What it costs"): wall-clock medians, in one run, of a
/// presentation that takes and marks a batch credential (`present`: derive the signer,
/// sign, one durable write of the use record, one history entry), a renewed code with the
/// same credential (`present_again`: no write), and both for a credential bound to the
/// device key itself. Run with
/// `cargo test -p tessera-wallet --test batch -- --ignored --nocapture measure`.
#[test]
#[ignore = "measurement: prints figures, asserts nothing about time"]
fn measure_present_costs() {
    use std::time::Instant;
    const ROUNDS: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let file = batch(&device(&w), BATCH_SIZE, 0).to_vec();
    let id = w.import_answering(&file).unwrap().id;
    let issuer = secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let single_dir = tempfile::tempdir().unwrap();
    let s = new_wallet(single_dir.path());
    let single = issue(
        &issuer,
        &IssueParams {
            holder: device(&s),
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            status: StatusRef { list: 9, index: 1 },
            attributes: demo::person(NOW),
        },
        &mut rng(),
    )
    .unwrap();
    let sid = s.import_answering(&single.to_vec()).unwrap().id;
    let items = [AttrId::AgeOver18];
    let mut t: [Vec<f64>; 6] = Default::default();
    for n in 0..ROUNDS as u64 {
        let at = NOW + 10 + n;
        let time = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        };
        t[0].push(time(&mut || {
            w.present(Some(&id), &items, Purpose::Age18, None, at, &mut rng())
                .unwrap();
        }));
        t[1].push(time(&mut || {
            w.present_again(Some(&id), &items, Purpose::Age18, None, at, &mut rng())
                .unwrap();
        }));
        t[2].push(time(&mut || {
            s.present(Some(&sid), &items, Purpose::Age18, None, at, &mut rng())
                .unwrap();
        }));
        t[3].push(time(&mut || {
            s.present_again(Some(&sid), &items, Purpose::Age18, None, at, &mut rng())
                .unwrap();
        }));
        // Reading the record: what every presentation does first.
        t[4].push(time(&mut || {
            w.credential(Some(&id)).unwrap();
        }));
        t[5].push(time(&mut || {
            s.credential(Some(&sid)).unwrap();
        }));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let names = [
        "batch present (mark + history)",
        "batch present_again (no write)",
        "single present (mark + history)",
        "single present_again (no write)",
        "batch record read (credential)",
        "single record read (credential)",
    ];
    for (name, v) in names.iter().zip(t.iter_mut()) {
        println!("{name}: median {:.3} ms over {ROUNDS}", median(v));
    }
    println!(
        "batch file of {BATCH_SIZE}: {} bytes ({} per credential)",
        file.len(),
        file.len() / BATCH_SIZE as usize
    );
}

#[test]
fn a_renewal_with_changed_attributes_replaces_the_id_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let w = new_wallet(dir.path());
    let d = device(&w);
    let id = w.import_answering(&batch(&d, 4, 0).to_vec()).unwrap().id;
    for n in 0..3 {
        present(&w, &id, NOW + n);
    }
    let renewal = w
        .batch_state_at(&id, NOW + 5)
        .unwrap()
        .renewal
        .expect("low");

    // The issuer's register has a new family name: the renewal answers the request of this
    // id but would change what the card says.
    let issuer = secret_key_from_text(demo::ISSUER_KEY).unwrap();
    let mut moved = demo::person(NOW);
    moved.set(
        AttrId::FamilyName,
        tessera_core::AttrValue::Text("陈".into()),
    );
    let statuses: Vec<StatusRef> = (0..4)
        .map(|i| StatusRef {
            list: 9,
            index: 40 + i,
        })
        .collect();
    let renewed = issue_batch(
        &issuer,
        BatchSeed::generate(&mut rng()),
        &BatchParams {
            device: d,
            not_before: NOW,
            expires: NOW + 400 * 86_400,
            statuses: &statuses,
            attributes: &moved,
        },
        &mut rng(),
    )
    .unwrap()
    .to_vec();
    match w.import_answering(&renewed).unwrap_err() {
        WalletError::WouldReplace { id: at, changes } => {
            assert_eq!(at, id);
            assert!(
                changes.iter().any(|c| c.starts_with("family_name: ")),
                "{changes:?}"
            );
            assert!(
                changes.contains(&"1 unused credential of the stored one is dropped".to_string()),
                "{changes:?}"
            );
        }
        e => panic!("{e}"),
    }
    // Nothing changed.
    let s = w.batch_state_at(&id, NOW + 5).unwrap();
    assert_eq!((s.total, s.fresh, s.renewal), (4, 1, Some(renewal.clone())));

    // Asked for: the id now holds the new batch only, and the request is answered.
    let i = w.import_replacing(&renewed).unwrap();
    assert_eq!(
        (i.id.as_str(), i.outcome),
        (id.as_str(), ImportOutcome::Replaced)
    );
    assert_eq!(i.answers, Some(renewal));
    let s = w.batch_state_at(&id, NOW + 5).unwrap();
    assert_eq!((s.total, s.fresh, s.low, s.renewal), (4, 4, false, None));
    assert_eq!(present(&w, &id, NOW + 10).status.index, 40);
}
