//! Integration tests of the wallet store: no plaintext on disk, wrong PIN, tampering, crash
//! safety under SIGKILL, backup and restore, PIN change.
//!
//! Some tests edit the database directly with sled while the store is closed. They rely on
//! the key layout: `r` + kind tag (1 holder key, 2 credential, 3 setting, 4 history,
//! 5 credential use) + id for
//! records, `h` + big-endian u64 for history entries, `m:header` and `m:attempts`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tessera_store::{Change, KdfParams, MAX_VALUE_LEN, RecordKind, Secret, Store, StoreError};

fn fast() -> KdfParams {
    KdfParams::insecure_for_tests()
}

fn pin() -> Secret {
    Secret::pin("482913").unwrap()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).unwrap();
    b
}

fn random_below(n: u64) -> u64 {
    u64::from_le_bytes(random_bytes::<8>()) % n
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join("store")
}

fn credential_key(id: &str) -> Vec<u8> {
    let mut k = vec![b'r', 2];
    k.extend_from_slice(id.as_bytes());
    k
}

/// Every key and value of the raw database (store closed).
fn raw_dump(dir: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let db = raw_open(dir);
    db.iter()
        .map(|r| {
            let (k, v) = r.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

/// Opens the raw database, waiting for a store that just closed to release sled's lock.
fn raw_open(dir: &Path) -> sled::Db {
    let started = Instant::now();
    loop {
        match sled::open(db_path(dir)) {
            Ok(db) => return db,
            Err(e) if started.elapsed() < Duration::from_secs(2) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// Edits the raw database with the store closed.
fn raw_edit(dir: &Path, f: impl FnOnce(&sled::Db)) {
    let db = raw_open(dir);
    f(&db);
    db.flush().unwrap();
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn records_history_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!Store::exists(dir.path()));
    let store = Store::create(dir.path(), &pin(), fast()).unwrap();
    assert!(Store::exists(dir.path()));
    store.put(RecordKind::Credential, "c1", b"one").unwrap();
    store.put(RecordKind::Credential, "c2", b"two").unwrap();
    store.put(RecordKind::Setting, "c1", b"a setting").unwrap();
    store
        .put(RecordKind::HolderKey, "device", &[7; 32])
        .unwrap();
    store
        .put(RecordKind::Credential, "c2", b"two, replaced")
        .unwrap();
    store.put(RecordKind::Credential, "empty", b"").unwrap();
    // Over sled's 128 KiB blob threshold: stored as a separate file, synced by the store.
    let big: Vec<u8> = (0..200 * 1024u32).map(|i| (i % 253) as u8).collect();
    store.put(RecordKind::HolderKey, "big", &big).unwrap();
    assert_eq!(
        store.list(RecordKind::Credential).unwrap(),
        ["c1", "c2", "empty"]
    );
    assert!(store.remove(RecordKind::Credential, "c1").unwrap());
    assert!(!store.remove(RecordKind::Credential, "c1").unwrap());
    assert_eq!(store.append_history(b"first").unwrap(), 1);
    assert_eq!(store.append_history(b"second").unwrap(), 2);
    drop(store);

    let store = Store::unlock(dir.path(), &pin()).unwrap();
    assert_eq!(store.get(RecordKind::Credential, "c1").unwrap(), None);
    assert_eq!(
        &store.get(RecordKind::Credential, "c2").unwrap().unwrap()[..],
        b"two, replaced"
    );
    assert_eq!(
        &store.get(RecordKind::Setting, "c1").unwrap().unwrap()[..],
        b"a setting"
    );
    assert_eq!(
        &store.get(RecordKind::Credential, "empty").unwrap().unwrap()[..],
        b""
    );
    assert_eq!(
        &store.get(RecordKind::HolderKey, "big").unwrap().unwrap()[..],
        &big[..]
    );
    let h = store.history().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!((h[1].0, &h[1].1[..]), (2, &b"second"[..]));
    store.clear_history().unwrap();
    assert!(store.history().unwrap().is_empty());
    assert_eq!(
        store.append_history(b"third").unwrap(),
        3,
        "numbers are not reused"
    );
    assert_eq!(
        store.list(RecordKind::History).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn caller_mistakes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Store::unlock(dir.path(), &pin()).unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
    assert!(missing.to_string().starts_with("no wallet store at"));
    let store = Store::create(dir.path(), &pin(), fast()).unwrap();
    let e = store
        .put(RecordKind::Credential, "has space", b"x")
        .unwrap_err();
    assert!(matches!(e, StoreError::BadId { .. }), "{e}");
    let e = store
        .put(RecordKind::Credential, "big", &vec![0; MAX_VALUE_LEN + 1])
        .unwrap_err();
    assert!(matches!(e, StoreError::ValueTooLarge { .. }), "{e}");
    store
        .put(RecordKind::Credential, "max", &vec![1; MAX_VALUE_LEN])
        .unwrap();
    // The database allows one user at a time.
    let e = Store::unlock(dir.path(), &pin()).unwrap_err();
    assert!(matches!(e, StoreError::InUse { .. }), "{e}");
    let e = Store::destroy(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::InUse { .. }), "{e}");
    let e = Store::create(dir.path(), &pin(), fast()).unwrap_err();
    assert!(matches!(e, StoreError::AlreadyExists { .. }), "{e}");
    drop(store);
    let bad = KdfParams {
        t_cost: 0,
        ..fast()
    };
    let other = tempfile::tempdir().unwrap();
    let e = Store::create(other.path(), &pin(), bad).unwrap_err();
    assert!(matches!(e, StoreError::BadParams { .. }), "{e}");
    assert!(!Store::exists(other.path()));

    Store::destroy(dir.path()).unwrap();
    assert!(!Store::exists(dir.path()));
    let e = Store::destroy(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
}

#[test]
fn no_plaintext_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let name = "Zsófia Ngọc Tesserová-Qwxy";
    let id_number = "ID-T0XQ98765432";
    let key: [u8; 32] = random_bytes();
    let passphrase = "granite lantern 4711";
    {
        let store = Store::create(dir.path(), &Secret::parse(passphrase).unwrap(), fast()).unwrap();
        let mut value = Vec::new();
        value.extend_from_slice(name.as_bytes());
        value.extend_from_slice(id_number.as_bytes());
        value.extend_from_slice(&key);
        store.put(RecordKind::Credential, "cred-1", &value).unwrap();
        store.put(RecordKind::HolderKey, "device", &key).unwrap();
        store
            .put(RecordKind::Setting, "profile", name.as_bytes())
            .unwrap();
        store.append_history(id_number.as_bytes()).unwrap();
        // Overwrite and remove too: old versions must not be left in clear either.
        store
            .put(RecordKind::Credential, "cred-1", b"newer")
            .unwrap();
        store.remove(RecordKind::Setting, "profile").unwrap();
    }
    let mut files = Vec::new();
    all_files(dir.path(), &mut files);
    assert!(!files.is_empty());
    let mut total = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        total += bytes.len();
        for needle in [
            name.as_bytes(),
            id_number.as_bytes(),
            &key[..],
            &key[..16],
            &key[16..],
            passphrase.as_bytes(),
        ] {
            assert!(!contains(&bytes, needle), "{} holds a secret", f.display());
        }
    }
    assert!(total > 0);
}

/// Unlocks with `secret`, recording the waits instead of sleeping.
fn unlock_recorded(
    dir: &Path,
    secret: &Secret,
    waits: &mut Vec<Duration>,
) -> Result<Store, StoreError> {
    Store::unlock_with(dir, secret, &mut |d| waits.push(d))
}

#[test]
fn wrong_pin_changes_only_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::create(dir.path(), &pin(), fast()).unwrap();
        store.put(RecordKind::Credential, "c", b"data").unwrap();
        store.append_history(b"h").unwrap();
    }
    let before = raw_dump(dir.path());
    let wrong = Secret::pin("111111").unwrap();
    let mut waits = Vec::new();
    for n in 1..=3u32 {
        let e = unlock_recorded(dir.path(), &wrong, &mut waits).unwrap_err();
        match &e {
            StoreError::WrongSecret {
                failed_attempts,
                next_wait,
            } => {
                assert_eq!(*failed_attempts, n);
                assert_eq!(next_wait.is_some(), n >= 3, "{n}: {next_wait:?}");
            }
            other => panic!("{other}"),
        }
        assert!(
            e.to_string().starts_with("wrong pin or passphrase ("),
            "{e}"
        );
        assert_eq!(Store::failed_attempts(dir.path()).unwrap(), n);
    }
    assert!(waits.is_empty(), "the free attempts waited: {waits:?}");
    let after = raw_dump(dir.path());
    let strip = |m: &BTreeMap<Vec<u8>, Vec<u8>>| {
        let mut m = m.clone();
        m.remove(&b"m:attempts"[..]);
        m
    };
    assert_eq!(strip(&before), strip(&after), "a wrong pin changed data");

    // 3 failures: the next attempt waits 2 s before checking, even with the right PIN.
    assert_eq!(
        Store::next_wait(dir.path()).unwrap(),
        Duration::from_secs(2)
    );
    let e = unlock_recorded(dir.path(), &wrong, &mut waits).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("(4 failed in a row); the next attempt waits 4 s before checking"),
        "{e}"
    );
    assert_eq!(waits, [Duration::from_secs(2)]);
    // The counter survives reopening and is cleared by the right PIN, after the wait.
    assert_eq!(Store::failed_attempts(dir.path()).unwrap(), 4);
    let store = unlock_recorded(dir.path(), &pin(), &mut waits).unwrap();
    assert_eq!(waits, [Duration::from_secs(2), Duration::from_secs(4)]);
    assert_eq!(
        &store.get(RecordKind::Credential, "c").unwrap().unwrap()[..],
        b"data"
    );
    drop(store);
    assert_eq!(Store::failed_attempts(dir.path()).unwrap(), 0);
    assert_eq!(Store::next_wait(dir.path()).unwrap(), Duration::ZERO);
}

/// Twenty wrong PINs cost every wait, whatever the clock says: the delay is time the
/// process spends before it checks, not a timestamp (the clock moved forward an hour
/// between attempts used to skip it).
#[test]
fn wrong_pins_cost_the_waits_whatever_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), &pin(), fast()).unwrap());
    let wrong = Secret::pin("111111").unwrap();
    let mut waits = Vec::new();
    for _ in 0..20 {
        assert!(matches!(
            unlock_recorded(dir.path(), &wrong, &mut waits),
            Err(StoreError::WrongSecret { .. })
        ));
        // Pretend the last attempt was an hour ago (what moving the clock forward did).
        raw_edit(dir.path(), |db| {
            let mut a = db.get("m:attempts").unwrap().unwrap().to_vec();
            let t = u64::from_be_bytes(a[4..12].try_into().unwrap()) - 3600;
            a[4..12].copy_from_slice(&t.to_be_bytes());
            db.insert("m:attempts", a).unwrap();
        });
    }
    let expected: Vec<Duration> = (3..20).map(tessera_store::delay_after).collect();
    assert_eq!(waits, expected);
    assert_eq!(waits[0], Duration::from_secs(2));
    assert_eq!(*waits.last().unwrap(), tessera_store::MAX_DELAY);
    let total: Duration = waits.iter().sum();
    assert!(total > Duration::from_secs(5 * 3600), "{total:?}");
    // The right PIN waits too, then clears the count.
    drop(unlock_recorded(dir.path(), &pin(), &mut waits).unwrap());
    assert_eq!(waits.last(), Some(&tessera_store::MAX_DELAY));
    assert_eq!(Store::failed_attempts(dir.path()).unwrap(), 0);
}

/// Stopping the process during the wait (here: the wait panics) leaves the attempt
/// counted, so killing and restarting does not skip the delay.
#[test]
fn stopping_during_the_wait_keeps_the_attempt_counted() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), &pin(), fast()).unwrap());
    let wrong = Secret::pin("111111").unwrap();
    for _ in 0..3 {
        assert!(unlock_recorded(dir.path(), &wrong, &mut Vec::new()).is_err());
    }
    let stopped = std::panic::catch_unwind(|| {
        let _ = Store::unlock_with(dir.path(), &pin(), &mut |_| panic!("stopped"));
    });
    assert!(stopped.is_err());
    assert_eq!(Store::failed_attempts(dir.path()).unwrap(), 4);
    let mut waits = Vec::new();
    drop(unlock_recorded(dir.path(), &pin(), &mut waits).unwrap());
    assert_eq!(waits, [Duration::from_secs(4)]);
}

/// Builds a store with three credentials and a history entry; returns their values.
fn sample(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let store = Store::create(dir, &pin(), fast()).unwrap();
    let records = vec![
        ("a", b"alpha alpha alpha".to_vec()),
        ("b", b"bravo".to_vec()),
        ("c", random_bytes::<64>().to_vec()),
    ];
    for (id, v) in &records {
        store.put(RecordKind::Credential, id, v).unwrap();
    }
    store.put(RecordKind::Setting, "a", b"setting a").unwrap();
    store.append_history(b"entry").unwrap();
    records
}

fn expect_tampered(store: &Store, id: &str) {
    match store.get(RecordKind::Credential, id) {
        Err(StoreError::Tampered { record }) => assert_eq!(record, format!("credential/{id}")),
        other => panic!("{id}: expected Tampered, got {other:?}"),
    }
}

#[test]
fn flipped_bytes_are_detected_and_others_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample(dir.path());
    let sealed_len = raw_dump(dir.path())[&credential_key("a")].len();
    // Every byte position of one sealed value, each flipped on its own.
    for at in 0..sealed_len {
        raw_edit(dir.path(), |db| {
            let mut v = db.get(credential_key("a")).unwrap().unwrap().to_vec();
            v[at] ^= 1 << (at % 8);
            db.insert(credential_key("a"), v).unwrap();
        });
        let store = Store::unlock(dir.path(), &pin()).unwrap();
        expect_tampered(&store, "a");
        for (id, v) in &records[1..] {
            assert_eq!(
                &store.get(RecordKind::Credential, id).unwrap().unwrap()[..],
                &v[..]
            );
        }
        drop(store);
        raw_edit(dir.path(), |db| {
            let mut v = db.get(credential_key("a")).unwrap().unwrap().to_vec();
            v[at] ^= 1 << (at % 8);
            db.insert(credential_key("a"), v).unwrap();
        });
    }
    let store = Store::unlock(dir.path(), &pin()).unwrap();
    assert_eq!(
        &store.get(RecordKind::Credential, "a").unwrap().unwrap()[..],
        &records[0].1[..]
    );
}

#[test]
fn swapped_moved_and_truncated_values_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample(dir.path());
    raw_edit(dir.path(), |db| {
        let a = db.get(credential_key("a")).unwrap().unwrap();
        let b = db.get(credential_key("b")).unwrap().unwrap();
        db.insert(credential_key("a"), b).unwrap();
        db.insert(credential_key("b"), a).unwrap();
        // The setting with the same id moved into the credential slot "c".
        let s = db.get([&b"r"[..], &[3], b"a"].concat()).unwrap().unwrap();
        db.insert(credential_key("c"), s).unwrap();
        // A history entry renumbered.
        let mut h1 = vec![b'h'];
        h1.extend_from_slice(&1u64.to_be_bytes());
        let mut h2 = vec![b'h'];
        h2.extend_from_slice(&2u64.to_be_bytes());
        let e = db.remove(h1).unwrap().unwrap();
        db.insert(h2, e).unwrap();
    });
    let store = Store::unlock(dir.path(), &pin()).unwrap();
    expect_tampered(&store, "a");
    expect_tampered(&store, "b");
    expect_tampered(&store, "c");
    match store.history() {
        Err(StoreError::Tampered { record }) => assert_eq!(record, "history/2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        &store.get(RecordKind::Setting, "a").unwrap().unwrap()[..],
        b"setting a"
    );
    drop(store);

    // Truncated values, every length.
    let sealed = raw_dump(dir.path())[&credential_key("a")].clone();
    for len in [0, 1, 23, 24, 39, 40, sealed.len() - 1] {
        raw_edit(dir.path(), |db| {
            db.insert(credential_key("b"), &sealed[..len]).unwrap();
        });
        let store = Store::unlock(dir.path(), &pin()).unwrap();
        expect_tampered(&store, "b");
    }
    let _ = records;
}

#[test]
fn damaged_header_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let header = raw_dump(dir.path())[&b"m:header"[..]].clone();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            {
                let mut h = header.clone();
                h[5] = 9;
                h
            },
            "version",
        ),
        (
            {
                let mut h = header.clone();
                h[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
                h
            },
            "excessive",
        ),
        (
            {
                let mut h = header.clone();
                h[10..14].copy_from_slice(&1_000_000u32.to_be_bytes());
                h
            },
            "excessive",
        ),
        (
            {
                let mut h = header.clone();
                h[30] ^= 1;
                h
            },
            "wrong",
        ), // salt
        (
            {
                let mut h = header.clone();
                h[100] ^= 1;
                h
            },
            "wrong",
        ), // wrapped key
        (header[..50].to_vec(), "corrupt"),
        (b"not a header".to_vec(), "corrupt"),
    ];
    for (bytes, want) in cases {
        raw_edit(dir.path(), |db| {
            db.insert(b"m:header", bytes).unwrap();
        });
        let started = Instant::now();
        let e = Store::unlock(dir.path(), &pin()).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "{want}: slow");
        let ok = match want {
            "version" => matches!(&e, StoreError::Corrupt { what } if what.contains("version 9")),
            "excessive" => matches!(e, StoreError::ExcessiveWork { .. }),
            "wrong" => matches!(e, StoreError::WrongSecret { .. }),
            _ => matches!(e, StoreError::Corrupt { .. }),
        };
        assert!(ok, "{want}: {e}");
        // Reset the counter so the delay does not interfere.
        raw_edit(dir.path(), |db| {
            db.insert(b"m:attempts", vec![0u8; 12]).unwrap();
        });
    }
    raw_edit(dir.path(), |db| {
        db.remove(b"m:header").unwrap();
    });
    let e = Store::unlock(dir.path(), &pin()).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
    raw_edit(dir.path(), |db| {
        db.insert(b"m:header", header).unwrap();
        // A damaged counter is not read as zero.
        db.insert(b"m:attempts", b"xx".to_vec()).unwrap();
    });
    assert_eq!(Store::failed_attempts(dir.path()).unwrap(), 3);
}

#[test]
fn truncated_database_files_never_panic_or_give_wrong_data() {
    let template = tempfile::tempdir().unwrap();
    let mut expected = BTreeMap::new();
    {
        let store = Store::create(template.path(), &pin(), fast()).unwrap();
        for i in 0..40 {
            let id = format!("c{i}");
            let v = vec![i as u8; 200 + i * 50];
            store.put(RecordKind::Credential, &id, &v).unwrap();
            expected.insert(id, v);
        }
    }
    let mut files = Vec::new();
    all_files(&db_path(template.path()), &mut files);
    let mut outcomes = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(template.path()).unwrap().to_path_buf();
        let len = std::fs::metadata(file).unwrap().len();
        for cut in [
            0,
            len / 3,
            len / 2,
            len.saturating_sub(100),
            len.saturating_sub(1),
        ] {
            let dir = tempfile::tempdir().unwrap();
            copy_tree(template.path(), dir.path());
            std::fs::OpenOptions::new()
                .write(true)
                .open(dir.path().join(&rel))
                .unwrap()
                .set_len(cut)
                .unwrap();
            let outcome = match Store::unlock(dir.path(), &pin()) {
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    "error"
                }
                Ok(store) => {
                    for (id, v) in &expected {
                        // Missing or an error is acceptable; different bytes are not.
                        if let Ok(Some(got)) = store.get(RecordKind::Credential, id) {
                            assert_eq!(&got[..], &v[..], "wrong data for {id}");
                        }
                    }
                    "opened"
                }
            };
            *outcomes.entry(outcome).or_insert(0) += 1;
        }
    }
    assert!(!outcomes.is_empty());
    eprintln!("truncation outcomes: {outcomes:?}");
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn change_pin() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample(dir.path());
    let new_pin = Secret::parse("a longer passphrase").unwrap();
    {
        let mut store = Store::unlock(dir.path(), &pin()).unwrap();
        store.change_secret(&new_pin, fast()).unwrap();
        // Still usable after the change.
        store.put(RecordKind::Credential, "d", b"delta").unwrap();
    }
    assert!(matches!(
        Store::unlock(dir.path(), &pin()),
        Err(StoreError::WrongSecret {
            failed_attempts: 1,
            ..
        })
    ));
    let store = Store::unlock(dir.path(), &new_pin).unwrap();
    for (id, v) in &records {
        assert_eq!(
            &store.get(RecordKind::Credential, id).unwrap().unwrap()[..],
            &v[..]
        );
    }
    assert_eq!(
        &store.get(RecordKind::Credential, "d").unwrap().unwrap()[..],
        b"delta"
    );
}

#[test]
fn backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample(dir.path());
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("wallet.tessera-backup");
    let pass = Secret::passphrase("backup passphrase 1").unwrap();
    {
        let store = Store::unlock(dir.path(), &pin()).unwrap();
        store.append_history(b"second entry").unwrap();
        assert!(matches!(
            store.backup(&file, &pin(), fast()),
            Err(StoreError::WeakBackupSecret)
        ));
        store.backup(&file, &pass, fast()).unwrap();
        assert!(matches!(
            store.backup(&file, &pass, fast()),
            Err(StoreError::AlreadyExists { .. })
        ));
    }
    let bytes = std::fs::read(&file).unwrap();
    assert!(!contains(&bytes, b"alpha alpha"));

    // Refuses to overwrite a wallet.
    assert!(matches!(
        Store::restore(&file, &pass, dir.path(), &pin(), fast()),
        Err(StoreError::AlreadyExists { .. })
    ));
    let target = tempfile::tempdir().unwrap();
    let wrong = Secret::passphrase("not the passphrase").unwrap();
    assert!(matches!(
        Store::restore(&file, &wrong, target.path(), &pin(), fast()),
        Err(StoreError::WrongBackupPassphrase)
    ));
    assert!(!Store::exists(target.path()));

    let new_pin = Secret::pin("13572468").unwrap();
    let store = Store::restore(&file, &pass, target.path(), &new_pin, fast()).unwrap();
    for (id, v) in &records {
        assert_eq!(
            &store.get(RecordKind::Credential, id).unwrap().unwrap()[..],
            &v[..]
        );
    }
    assert_eq!(
        &store.get(RecordKind::Setting, "a").unwrap().unwrap()[..],
        b"setting a"
    );
    // The history stays on the device (restore writes every entry a backup holds); its
    // numbers go on where the backup's ended.
    assert!(store.history().unwrap().is_empty());
    assert_eq!(store.append_history(b"x").unwrap(), 3);
    drop(store);
    assert!(Store::unlock(target.path(), &new_pin).is_ok());

    // Damaged or hostile backup files.
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            {
                let mut b = bytes.clone();
                let n = b.len();
                b[n - 20] ^= 1;
                b
            },
            "wrong",
        ),
        (
            {
                let mut b = bytes.clone();
                b[20] ^= 1;
                b
            },
            "wrong",
        ),
        (
            {
                let mut b = bytes.clone();
                b[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
                b
            },
            "excessive",
        ),
        (bytes[..40].to_vec(), "corrupt"),
        (bytes[..bytes.len() - 1].to_vec(), "wrong"),
        (b"hello".to_vec(), "corrupt"),
    ];
    for (i, (b, want)) in cases.into_iter().enumerate() {
        let f = out_dir.path().join(format!("bad-{i}"));
        std::fs::write(&f, b).unwrap();
        let t = tempfile::tempdir().unwrap();
        let e = Store::restore(&f, &pass, t.path(), &pin(), fast()).unwrap_err();
        let ok = match want {
            "wrong" => matches!(e, StoreError::WrongBackupPassphrase),
            "excessive" => matches!(e, StoreError::ExcessiveWork { .. }),
            _ => matches!(e, StoreError::Corrupt { .. }),
        };
        assert!(ok, "case {i} ({want}): {e}");
        assert!(!Store::exists(t.path()));
    }
}

// ----------------------------------------------------------------------------------------
// Crash safety: a child process writes and acknowledges records; it is killed with SIGKILL
// at random moments; every acknowledged record must be intact afterwards.

const CHILD_ENV: &str = "TESSERA_STORE_CRASH_CHILD";
const CHILD_START_ENV: &str = "TESSERA_STORE_CRASH_START";

fn crash_value(i: u64) -> Vec<u8> {
    let seed = format!("record {i} ");
    let len = 50 + (i as usize * 37) % 3000;
    let mut v = seed.repeat(len / seed.len() + 1).into_bytes();
    v.truncate(len);
    v
}

/// The writer. Runs only when re-invoked by `crash_safety_under_sigkill`.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let start: u64 = std::env::var(CHILD_START_ENV).unwrap().parse().unwrap();
    let store = match Store::unlock(&dir, &pin()) {
        Ok(s) => s,
        Err(StoreError::NotFound { .. }) => Store::create(&dir, &pin(), fast()).unwrap(),
        Err(e) => panic!("{e}"),
    };
    use std::io::Write;
    let mut out = std::io::stdout();
    writeln!(out, "ready").unwrap();
    for i in start.. {
        let id = format!("r{i}");
        store
            .put(RecordKind::Credential, &id, &crash_value(i))
            .unwrap();
        writeln!(out, "ack put {i}").unwrap();
        if i.is_multiple_of(3) {
            let seq = store.append_history(&i.to_be_bytes()).unwrap();
            writeln!(out, "ack history {seq} {i}").unwrap();
        }
        if i.is_multiple_of(5) {
            store
                .remove(RecordKind::Credential, &format!("r{}", i - 1))
                .unwrap();
            writeln!(out, "ack remove {}", i - 1).unwrap();
        }
        out.flush().unwrap();
    }
}

#[test]
fn crash_safety_under_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    // id -> Some(present), or None when a removal may or may not have happened.
    let mut acked: BTreeMap<u64, Option<bool>> = BTreeMap::new();
    let mut acked_history: BTreeMap<u64, u64> = BTreeMap::new(); // seq -> i
    let mut kills = 0;
    let mut kills_mid_write = 0;
    let mut round = 0u64;
    let debug = std::env::var_os("TESSERA_STORE_CRASH_DEBUG").is_some();
    while kills < 100 {
        round += 1;
        // About 15 s on a quiet 2-core machine; the bound only catches a hang.
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "harness too slow"
        );
        let t_spawn = Instant::now();
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .env(CHILD_START_ENV, (round * 100_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Lines are collected by a thread so the parent can wait for the child to be ready.
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let mut buf = [0u8; 4096];
            let mut told = false;
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
                }
                if !told && text.contains("ready\n") {
                    let _ = tx.send(());
                    told = true;
                }
            }
            text
        });
        if round.is_multiple_of(2) {
            // Anywhere: process start, unlock or create, writes.
            std::thread::sleep(Duration::from_millis(random_below(100)));
        } else {
            // In the write loop.
            let _ = rx.recv_timeout(Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(random_below(50)));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        kills += 1;
        let text = reader.join().unwrap();
        if debug {
            eprintln!(
                "round {round}: killed and reaped after {:?}",
                t_spawn.elapsed()
            );
        }
        let mut any = false;
        for line in text.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            match words[..] {
                ["ack", "put", i] => {
                    let i: u64 = i.parse().unwrap();
                    acked.insert(i, Some(true));
                    if i.is_multiple_of(5) {
                        // The child removes r{i-1} next: it may happen before the kill.
                        acked.insert(i - 1, None);
                    }
                    any = true;
                }
                ["ack", "remove", i] => {
                    acked.insert(i.parse().unwrap(), Some(false));
                }
                ["ack", "history", seq, i] => {
                    acked_history.insert(seq.parse().unwrap(), i.parse().unwrap());
                }
                _ => {}
            }
        }
        if any {
            kills_mid_write += 1;
        }
        if !Store::exists(dir.path()) {
            continue;
        }
        // Reopen and check everything.
        let t_verify = Instant::now();
        let store = Store::unlock(dir.path(), &pin())
            .unwrap_or_else(|e| panic!("reopening after kill {kills}: {e:?}"));
        if debug {
            eprintln!("round {round}: unlock {:?}", t_verify.elapsed());
        }
        // Everything every 10 rounds and at the end; otherwise what this round's child wrote
        // (records from earlier rounds were checked when they were written).
        let full = round.is_multiple_of(10) || kills >= 100;
        let this_round = round * 100_000 - 1..(round + 1) * 100_000;
        for (&i, &present) in &acked {
            if !full && !this_round.contains(&i) {
                continue;
            }
            let got = store.get(RecordKind::Credential, &format!("r{i}")).unwrap();
            match present {
                Some(true) => assert!(
                    got.as_deref().map(|v| &v[..]) == Some(&crash_value(i)[..]),
                    "acknowledged r{i} lost or wrong"
                ),
                Some(false) => assert!(got.is_none(), "removed r{i} came back"),
                None => assert!(
                    got.is_none() || got.as_deref().map(|v| &v[..]) == Some(&crash_value(i)[..]),
                    "r{i} wrong"
                ),
            }
        }
        // Records written but not acknowledged may or may not be there, but never wrong.
        for id in store.list(RecordKind::Credential).unwrap() {
            let i: u64 = id[1..].parse().unwrap();
            if !full && !this_round.contains(&i) {
                continue;
            }
            let v = store.get(RecordKind::Credential, &id).unwrap().unwrap();
            assert_eq!(&v[..], &crash_value(i)[..]);
        }
        let history: BTreeMap<u64, u64> = store
            .history()
            .unwrap()
            .into_iter()
            .map(|(s, v)| (s, u64::from_be_bytes(v[..].try_into().unwrap())))
            .collect();
        for (seq, i) in &acked_history {
            assert_eq!(history.get(seq), Some(i), "history {seq} lost");
        }
        if debug {
            eprintln!("round {round}: verified after {:?}", t_verify.elapsed());
        }
        drop(store);
        if debug {
            eprintln!("round {round}: closed after {:?}", t_verify.elapsed());
        }
    }
    eprintln!(
        "{kills} kills ({kills_mid_write} after acknowledged writes), {} records and {} history entries acknowledged, {:.1} s",
        acked.len(),
        acked_history.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        kills_mid_write >= 50,
        "too few kills hit the write loop: {kills_mid_write}"
    );
}

// ----------------------------------------------------------------------------------------
// Where the CLI reads its PIN: environment variable, then terminal, else a clear error.

const SECRET_CHILD_ENV: &str = "TESSERA_STORE_SECRET_CHILD";

/// Runs only when re-invoked by `read_secret_from_env_or_clear_error`.
#[test]
fn secret_child() {
    if std::env::var_os(SECRET_CHILD_ENV).is_none() {
        return;
    }
    match tessera_store::read_secret(None, "pin: ") {
        Ok(s) => println!("result ok pin={}", s.is_pin()),
        Err(e) => println!("result err {e}"),
    }
}

#[test]
fn read_secret_from_env_or_clear_error() {
    let exe = std::env::current_exe().unwrap();
    let run = |pin: Option<&str>| {
        let mut cmd = Command::new(&exe);
        cmd.args(["--exact", "secret_child", "--nocapture", "--test-threads=1"])
            .env(SECRET_CHILD_ENV, "1")
            .env_remove(tessera_store::PIN_ENV)
            .stdin(Stdio::null());
        if let Some(pin) = pin {
            cmd.env(tessera_store::PIN_ENV, pin);
        }
        let out = cmd.output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .find_map(|l| l.find("result ").map(|at| l[at + 7..].to_string()))
            .unwrap()
    };
    assert_eq!(run(Some("482913\n")), "ok pin=true");
    assert_eq!(run(Some("a passphrase")), "ok pin=false");
    assert_eq!(
        run(Some("123")),
        "err bad pin: too short: a pin has at least 6 digits"
    );
    assert_eq!(
        run(None),
        "err no pin given: pass --pin-file FILE, set TESSERA_PIN, or run on a terminal"
    );
}

#[test]
fn hostile_keys_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    raw_edit(dir.path(), |db| {
        db.insert(b"r", b"x".to_vec()).unwrap();
        db.insert(b"r\x02", b"x".to_vec()).unwrap();
        db.insert(b"r\x02\xff\xfe", b"x".to_vec()).unwrap();
        db.insert(b"r\x09abc", b"x".to_vec()).unwrap();
        db.insert(b"m:history-next", u64::MAX.to_be_bytes().to_vec())
            .unwrap();
    });
    let store = Store::unlock(dir.path(), &pin()).unwrap();
    assert_eq!(store.list(RecordKind::Credential).unwrap(), ["a", "b", "c"]);
    let e = store.append_history(b"more").unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
    let out = tempfile::tempdir().unwrap();
    let pass = Secret::passphrase("backup passphrase 2").unwrap();
    store.backup(&out.path().join("b"), &pass, fast()).unwrap();
    drop(store);
    raw_edit(dir.path(), |db| {
        db.insert(b"h\x01\x02", b"x".to_vec()).unwrap();
    });
    let store = Store::unlock(dir.path(), &pin()).unwrap();
    assert!(matches!(store.history(), Err(StoreError::Tampered { .. })));
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// Every directory of the store is 0700 and every file 0600 (symbolic links aside).
#[cfg(unix)]
fn assert_private(store_dir: &Path) {
    assert_eq!(mode(store_dir), 0o700, "{}", store_dir.display());
    for entry in std::fs::read_dir(store_dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            assert_private(&path);
        } else if meta.is_file() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

const UMASK_CHILD_ENV: &str = "TESSERA_STORE_UMASK_CHILD";

/// Runs only when re-invoked under `umask 022` by `files_are_private_whatever_the_umask`.
#[cfg(unix)]
#[test]
fn umask_child() {
    if std::env::var_os(UMASK_CHILD_ENV).is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new").join("wallet");
    let store = Store::create(&dir, &pin(), fast()).unwrap();
    // Enough writes for sled to make more files (snapshots) after the store opened.
    for i in 0..200 {
        store
            .put(RecordKind::Setting, &format!("s{i}"), &[7; 2048])
            .unwrap();
    }
    store
        .put(RecordKind::Credential, "big", &[1; 200 * 1024])
        .unwrap();
    drop(store);
    assert_eq!(mode(&dir), 0o700, "a new wallet directory is 0700");
    assert_eq!(mode(dir.parent().unwrap()), 0o700, "and so are new parents");
    assert_private(&dir.join("store"));
    let store = Store::unlock(&dir, &pin()).unwrap();
    store.put(RecordKind::Setting, "after", b"x").unwrap();
    drop(store);
    assert_private(&dir.join("store"));
    // A file a umask of 022 makes readable by everyone would fail above.
    let probe = tmp.path().join("probe");
    std::fs::write(&probe, b"x").unwrap();
    assert_eq!(mode(&probe), 0o644, "the child runs under umask 022");
    println!("umask child ok");
}

#[cfg(unix)]
#[test]
fn files_are_private_whatever_the_umask() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" --exact umask_child --nocapture --test-threads=1")
        .arg(&exe)
        .env(UMASK_CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("umask child ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn loosened_modes_are_repaired_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    drop(Store::create(dir, &pin(), fast()).unwrap());
    let store_dir = dir.join("store");
    let set = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    set(&store_dir, 0o755).unwrap();
    let mut files = Vec::new();
    all_files(&store_dir, &mut files);
    assert!(!files.is_empty());
    for f in &files {
        set(f, 0o644).unwrap();
    }
    // Reading the attempt counter while locked opens the database: that repairs too.
    assert_eq!(Store::failed_attempts(dir).unwrap(), 0);
    assert_private(&store_dir);

    set(&store_dir, 0o777).unwrap();
    for f in &files {
        set(f, 0o666).unwrap();
    }
    drop(Store::unlock(dir, &pin()).unwrap());
    assert_private(&store_dir);
}

/// A store header whose Argon2id cost is under the minimum is refused on open, before any
/// derivation and without counting an attempt; only the exact test parameters pass, and
/// only in a build with the `insecure-test-kdf` feature.
#[test]
fn below_minimum_kdf_is_refused_on_create_and_open() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let header = raw_dump(dir.path())[&b"m:header"[..]].clone();
    for (m, t) in [
        (16 * 1024u32, 1u32),
        (64 * 1024, 1),
        (64, 2),
        (32 * 1024, 4),
    ] {
        let mut h = header.clone();
        h[6..10].copy_from_slice(&m.to_be_bytes());
        h[10..14].copy_from_slice(&t.to_be_bytes());
        raw_edit(dir.path(), |db| {
            db.insert("m:header", h).unwrap();
        });
        let e = Store::unlock(dir.path(), &pin()).unwrap_err();
        assert!(
            matches!(e, StoreError::WeakKdf { what: "store header", m_cost_kib, t_cost, .. }
                if m_cost_kib == m && t_cost == t),
            "m={m} t={t}: {e}"
        );
        assert!(e.to_string().contains("under the minimum"), "{e}");
        assert_eq!(Store::failed_attempts(dir.path()).unwrap(), 0);
    }
    raw_edit(dir.path(), |db| {
        db.insert("m:header", header.clone()).unwrap();
    });
    drop(Store::unlock(dir.path(), &pin()).unwrap());

    // Creating, changing the PIN and writing a backup refuse it too.
    let weak = KdfParams {
        m_cost_kib: 32 * 1024,
        t_cost: 2,
        p_cost: 1,
    };
    let other = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::create(other.path(), &pin(), weak),
        Err(StoreError::BadParams { .. })
    ));
    assert!(!Store::exists(other.path()));
    let mut store = Store::unlock(dir.path(), &pin()).unwrap();
    assert!(matches!(
        store.change_secret(&pin(), weak),
        Err(StoreError::BadParams { .. })
    ));
    let pass = Secret::parse("correct horse battery").unwrap();
    assert!(matches!(
        store.backup(&other.path().join("b"), &pass, weak),
        Err(StoreError::BadParams { .. })
    ));
}

const HOME_CHILD_ENV: &str = "TESSERA_STORE_HOME_CHILD";

/// Runs only when re-invoked with a temporary `HOME` by
/// `the_default_wallet_directory_is_made_private_again`.
#[cfg(unix)]
#[test]
fn home_child() {
    use std::os::unix::fs::PermissionsExt;
    if std::env::var_os(HOME_CHILD_ENV).is_none() {
        return;
    }
    let dir = Store::default_dir().unwrap();
    assert!(dir.starts_with(std::env::var_os("HOME").unwrap()));
    // As an older version left it under umask 022.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::create(&dir, &pin(), fast()).unwrap());
    assert_eq!(mode(&dir), 0o700);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::unlock(&dir, &pin()).unwrap());
    assert_eq!(mode(&dir), 0o700);
    // A directory the caller chose keeps its mode.
    let chosen = std::env::temp_dir().join(format!("tessera-chosen-{}", std::process::id()));
    std::fs::create_dir_all(&chosen).unwrap();
    std::fs::set_permissions(&chosen, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::create(&chosen, &pin(), fast()).unwrap());
    drop(Store::unlock(&chosen, &pin()).unwrap());
    assert_eq!(mode(&chosen), 0o755);
    assert_private(&chosen.join("store"));
    std::fs::remove_dir_all(&chosen).unwrap();
    println!("home child ok");
}

#[cfg(unix)]
#[test]
fn the_default_wallet_directory_is_made_private_again() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "home_child", "--nocapture", "--test-threads=1"])
        .env(HOME_CHILD_ENV, "1")
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("home child ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn apply_writes_all_changes_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), &pin(), fast()).unwrap();
    store
        .put(RecordKind::Credential, "old", b"old batch")
        .unwrap();
    store
        .apply(&[
            Change::Put(RecordKind::Credential, "new", b"batch"),
            Change::Put(RecordKind::CredentialUse, "new", b"use"),
            Change::Remove(RecordKind::Credential, "old"),
            Change::Remove(RecordKind::Setting, "never-there"),
        ])
        .unwrap();
    assert_eq!(
        store.list(RecordKind::Credential).unwrap(),
        vec!["new".to_string()]
    );
    assert_eq!(
        &store
            .get(RecordKind::CredentialUse, "new")
            .unwrap()
            .unwrap()[..],
        b"use"
    );
    // One bad id or value refuses the whole set before anything is written.
    let big = vec![0u8; tessera_store::MAX_VALUE_LEN + 1];
    for bad in [
        Change::Put(RecordKind::Setting, "no spaces", b"x"),
        Change::Put(RecordKind::Setting, "big", &big),
        Change::Remove(RecordKind::Setting, ""),
    ] {
        let err = store
            .apply(&[Change::Put(RecordKind::Credential, "other", b"x"), bad])
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::BadId { .. } | StoreError::ValueTooLarge { .. }
            ),
            "{err}"
        );
        assert!(
            store
                .get(RecordKind::Credential, "other")
                .unwrap()
                .is_none()
        );
    }
    // Kinds keep their own slots: the use record does not open as a credential.
    assert!(store.get(RecordKind::Credential, "new").unwrap().is_some());
    drop(store);
    let store = Store::unlock(dir.path(), &pin()).unwrap();
    assert_eq!(
        &store.get(RecordKind::Credential, "new").unwrap().unwrap()[..],
        b"batch"
    );
}

#[test]
fn backups_carry_credential_use_but_not_the_history_and_restores_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), &pin(), fast()).unwrap();
    assert_eq!(store.restore_id().unwrap(), None);
    store.put(RecordKind::Credential, "c", b"batch").unwrap();
    store
        .put(RecordKind::CredentialUse, "c", b"used 1 of 16")
        .unwrap();
    store
        .put(RecordKind::History, "named", b"shown at the bar")
        .unwrap();
    store.append_history(b"shown at the courier").unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("b");
    let pass = Secret::passphrase("backup passphrase 1").unwrap();
    store.backup(&file, &pass, fast()).unwrap();
    drop(store);

    let mut ids = Vec::new();
    for _ in 0..2 {
        let target = tempfile::tempdir().unwrap();
        let restored = Store::restore(&file, &pass, target.path(), &pin(), fast()).unwrap();
        assert_eq!(
            &restored
                .get(RecordKind::CredentialUse, "c")
                .unwrap()
                .unwrap()[..],
            b"used 1 of 16"
        );
        assert!(restored.history().unwrap().is_empty());
        assert!(restored.list(RecordKind::History).unwrap().is_empty());
        assert_eq!(restored.append_history(b"next").unwrap(), 2);
        let id = restored
            .restore_id()
            .unwrap()
            .expect("a restored store has a restore id");
        drop(restored);
        // The id stays with the store, and a backup of the restored store does not carry it.
        let again = Store::unlock(target.path(), &pin()).unwrap();
        assert_eq!(again.restore_id().unwrap(), Some(id));
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "each restore gets its own id");
}
