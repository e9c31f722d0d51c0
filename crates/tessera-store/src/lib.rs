//! The wallet's encrypted local database on sled.
//!
//! A store is a directory holding a sled database (`<dir>/store`). Its header record holds
//! the format version, the Argon2id parameters and salt, and a random 256-bit data key
//! wrapped under the key derived from the PIN. Every other value is sealed with
//! XChaCha20-Poly1305 under the data key; the associated data binds the format version and
//! the record's slot (kind and id), so values cannot be swapped between slots unnoticed.
//! Writes are durable when they return: sled's `flush` is followed by an `fsync` of the
//! database files and directories.
//!
//! ```
//! use tessera_store::{KdfParams, RecordKind, Secret, Store, StoreError};
//! let dir = tempfile::tempdir().unwrap();
//! let pin = Secret::pin("482913").unwrap();
//! let store = Store::create(dir.path(), &pin, KdfParams::insecure_for_tests()).unwrap();
//! store.put(RecordKind::Setting, "lock-after", b"300").unwrap();
//! drop(store);
//!
//! let wrong = Secret::pin("000000").unwrap();
//! assert!(matches!(Store::unlock(dir.path(), &wrong), Err(StoreError::WrongSecret { .. })));
//! let store = Store::unlock(dir.path(), &pin).unwrap();
//! assert_eq!(&store.get(RecordKind::Setting, "lock-after").unwrap().unwrap()[..], b"300");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
mod error;
mod format;
mod secret;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tessera_seal::Cipher;
use zeroize::Zeroizing;

use crate::backend::{
    Backend, Op, SledBackend, create_private_dir_all, make_dir_private, sync_dir,
};
use crate::format::{Attempts, BackupHead, Entry, Header};

pub use crate::error::StoreError;
pub use crate::secret::{PIN_ENV, read_secret};
pub use tessera_seal::{
    KdfParams, MAX_M_COST_KIB, MAX_P_COST, MAX_WORK_KIB_PASSES, MIN_M_COST_KIB,
    MIN_WORK_KIB_PASSES, Secret,
};

use crate::error::{corrupt, io_at};

/// Wrong attempts in a row allowed before unlocking starts to wait.
pub const FREE_ATTEMPTS: u32 = 3;
/// Longest delay between attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(3600);
/// Largest value the store accepts (records and history entries). A wallet's credential
/// record holds whole batches: 64 credentials carrying a 16 KiB legacy JPEG portrait each
/// are about 1.1 MB, and a renewal keeps the previous batch beside the new one.
pub const MAX_VALUE_LEN: usize = 4 * 1024 * 1024;
/// Longest record id, in bytes.
pub const MAX_ID_LEN: usize = 128;
/// Largest backup file read.
const MAX_BACKUP_LEN: u64 = 1 << 30;

/// Name of the database directory inside a wallet directory.
const STORE_DIR: &str = "store";
/// Prefix of directories being built by `create`/`restore` (renamed into place when done).
const NEW_PREFIX: &str = ".store-new-";

const K_HEADER: &[u8] = b"m:header";
const K_ATTEMPTS: &[u8] = b"m:attempts";
const K_HISTORY_NEXT: &[u8] = b"m:history-next";
/// Random id written by [`Store::restore`] (never copied into a backup): see
/// [`Store::restore_id`].
const K_RESTORE_ID: &[u8] = b"m:restore-id";
const P_RECORD: u8 = b'r';
const P_HISTORY: u8 = b'h';
/// Slot tag of history entries in the associated data (record kinds use 1..=5).
const HISTORY_TAG: u8 = 0x80;

/// One history entry: its sequence number and its bytes.
pub type HistoryEntry = (u64, Zeroizing<Vec<u8>>);

/// What a record holds. The store treats values as opaque bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// The holder's device key.
    HolderKey,
    /// An issued credential.
    Credential,
    /// A wallet setting.
    Setting,
    /// Named history records (the numbered presentation log is [`Store::append_history`]).
    /// Like the log, they stay on the device: backups leave them out.
    History,
    /// How the credentials stored under the same id have been used (the wallet's
    /// single-use policy): carried by backups, unlike the history.
    CredentialUse,
}

impl RecordKind {
    const ALL: [RecordKind; 5] = [
        RecordKind::HolderKey,
        RecordKind::Credential,
        RecordKind::Setting,
        RecordKind::History,
        RecordKind::CredentialUse,
    ];

    fn tag(self) -> u8 {
        match self {
            RecordKind::HolderKey => 1,
            RecordKind::Credential => 2,
            RecordKind::Setting => 3,
            RecordKind::History => 4,
            RecordKind::CredentialUse => 5,
        }
    }

    fn from_tag(tag: u8) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// The lowercase name used in messages (`credential`).
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::HolderKey => "holder-key",
            RecordKind::Credential => "credential",
            RecordKind::Setting => "setting",
            RecordKind::History => "history",
            RecordKind::CredentialUse => "credential-use",
        }
    }
}

/// One change of [`Store::apply`].
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    /// Store the value in the slot (kind, id), replacing what was there.
    Put(RecordKind, &'a str, &'a [u8]),
    /// Remove the slot (kind, id) if it exists.
    Remove(RecordKind, &'a str),
}

/// An unlocked wallet store. Dropping it locks the wallet (the data key is wiped).
pub struct Store {
    dir: PathBuf,
    backend: Box<dyn Backend>,
    key: Zeroizing<[u8; 32]>,
    cipher: Cipher,
    /// Serialises read-modify-write sequences (history numbering, remove).
    write_lock: Mutex<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn store_path(dir: &Path) -> PathBuf {
    dir.join(STORE_DIR)
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How long an unlock waits before checking the secret after `failures` wrong attempts in
/// a row: none for the first [`FREE_ATTEMPTS`], then 2, 4, 8, … seconds, capped at
/// [`MAX_DELAY`].
pub fn delay_after(failures: u32) -> Duration {
    if failures < FREE_ATTEMPTS {
        return Duration::ZERO;
    }
    let exp = failures - FREE_ATTEMPTS + 1;
    let secs = 1u64.checked_shl(exp).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(MAX_DELAY)
}

fn record_key(kind: RecordKind, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + id.len());
    k.push(P_RECORD);
    k.push(kind.tag());
    k.extend_from_slice(id.as_bytes());
    k
}

fn history_key(seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(P_HISTORY);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn record_name(kind: RecordKind, id: &str) -> String {
    format!("{}/{id}", kind.name())
}

/// Record ids are stored in clear (they are database keys): use opaque ids, never personal
/// data. Rules: 1 to 128 bytes of `A-Z a-z 0-9 . _ - :`.
fn check_id(id: &str) -> Result<(), StoreError> {
    let bad = |reason| StoreError::BadId {
        id: id.chars().take(80).collect(),
        reason,
    };
    if id.is_empty() {
        return Err(bad("an id is not empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(bad("an id has at most 128 bytes"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
    {
        return Err(bad(
            "an id uses only A-Z a-z 0-9 . _ - : (ids are stored unencrypted: keep personal data out of them)",
        ));
    }
    Ok(())
}

fn check_value(value: &[u8]) -> Result<(), StoreError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(StoreError::ValueTooLarge {
            len: value.len(),
            max: MAX_VALUE_LEN,
        });
    }
    Ok(())
}

fn be_u64(b: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(b.try_into().ok()?))
}

/// The platform's wallet directory ([`Store::default_dir`]) belongs to Tessera: its mode is
/// set back to 0700 on create and unlock (a wallet made by an older version under umask 022
/// has it 0755). A directory the caller chose is left as it is.
fn repair_default_dir(dir: &Path) -> Result<(), StoreError> {
    if Store::default_dir().as_deref() == Some(dir) {
        make_dir_private(dir)?;
    }
    Ok(())
}

/// Removes directories left behind by a `create` or `restore` that was interrupted.
fn remove_stale_new_dirs(dir: &Path) -> Result<(), StoreError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(NEW_PREFIX) {
            let path = entry.path();
            std::fs::remove_dir_all(&path).map_err(|e| io_at(&path, e))?;
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

impl Store {
    /// The platform's data directory for Tessera (`~/.local/share/tessera` on Linux), or
    /// `None` when the platform has no home directory. Every function takes the directory
    /// as an argument, so callers can use another one.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "tessera").map(|p| p.data_dir().to_path_buf())
    }

    /// Whether `dir` holds a wallet store.
    pub fn exists(dir: &Path) -> bool {
        store_path(dir).is_dir()
    }

    /// Creates a new store in `dir` (created if missing), protected by `secret`.
    ///
    /// The store is built in a temporary directory and renamed into place, so a crash
    /// leaves either no store or a complete one. Fails with [`StoreError::AlreadyExists`] if
    /// `dir` already holds a store.
    pub fn create(dir: &Path, secret: &Secret, params: KdfParams) -> Result<Store, StoreError> {
        Store::build(dir, secret, params, Vec::new(), None)
    }

    /// Builds a store from `entries` under a temporary name, then renames it into place.
    fn build(
        dir: &Path,
        secret: &Secret,
        params: KdfParams,
        entries: Vec<Entry>,
        restore_id: Option<[u8; 8]>,
    ) -> Result<Store, StoreError> {
        params.check_new()?;
        let final_path = store_path(dir);
        if Store::exists(dir) {
            return Err(StoreError::AlreadyExists { path: final_path });
        }
        let created_dir = !dir.exists();
        // A new wallet directory is made with mode 0700; an existing one is left as it is
        // (it may be a folder the user chose). The store directory inside is always 0700.
        create_private_dir_all(dir)?;
        if created_dir {
            // Make the new directory's own entry durable too.
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        remove_stale_new_dirs(dir)?;

        let key: Zeroizing<[u8; 32]> = Zeroizing::new(format::random()?);
        let cipher = format::cipher(&key);
        let header = Header::seal(secret.expose_bytes(), params, &key)?;
        let mut ops = vec![
            Op::Put(K_HEADER.to_vec(), header.to_bytes()),
            Op::Put(K_ATTEMPTS.to_vec(), Attempts::default().to_bytes().to_vec()),
        ];
        if let Some(id) = restore_id {
            ops.push(Op::Put(K_RESTORE_ID.to_vec(), id.to_vec()));
        }
        for entry in &entries {
            match entry {
                Entry::Record(tag, id, value) => {
                    let kind = RecordKind::from_tag(*tag).ok_or_else(|| {
                        corrupt(format!("backup holds an unknown record kind {tag}"))
                    })?;
                    let id = std::str::from_utf8(id)
                        .map_err(|_| corrupt("backup holds a record id that is not UTF-8"))?;
                    check_id(id)?;
                    check_value(value)?;
                    let sealed =
                        format::seal(&cipher, &format::slot_aad(kind.tag(), id.as_bytes()), value)?;
                    ops.push(Op::Put(record_key(kind, id), sealed));
                }
                Entry::History(seq, value) => {
                    check_value(value)?;
                    let sealed = format::seal(
                        &cipher,
                        &format::slot_aad(HISTORY_TAG, &seq.to_be_bytes()),
                        value,
                    )?;
                    ops.push(Op::Put(history_key(*seq), sealed));
                }
                Entry::HistoryNext(next) => {
                    ops.push(Op::Put(
                        K_HISTORY_NEXT.to_vec(),
                        next.to_be_bytes().to_vec(),
                    ));
                }
            }
        }
        drop(entries);

        let tmp = dir.join(format!("{NEW_PREFIX}{}", hex(&format::random::<8>()?)));
        {
            let backend = SledBackend::open(&tmp, true)?;
            backend.write(ops)?;
        }
        std::fs::rename(&tmp, &final_path).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            if Store::exists(dir) {
                StoreError::AlreadyExists {
                    path: final_path.clone(),
                }
            } else {
                io_at(&final_path, e)
            }
        })?;
        sync_dir(dir)?;
        repair_default_dir(dir)?;
        let backend = SledBackend::open(&final_path, false)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            backend: Box::new(backend),
            key,
            cipher,
            write_lock: Mutex::new(()),
        })
    }

    /// Unlocks the store in `dir` with `secret`.
    ///
    /// After [`FREE_ATTEMPTS`] wrong secrets in a row, the process sleeps [`delay_after`]
    /// the failures before it checks the secret (the right one included). The wait is time
    /// this process spends, not a timestamp compared with the clock, so moving the clock
    /// does not skip it. The attempt is counted (durably) before the wait and the key
    /// derivation and the count is cleared on success, so stopping the process mid-attempt
    /// gives no free guess. A wrong secret changes nothing but the counter. What this cannot
    /// stop (a copy of the files) is in docs/threat-model.md.
    pub fn unlock(dir: &Path, secret: &Secret) -> Result<Store, StoreError> {
        Store::unlock_with(dir, secret, &mut std::thread::sleep)
    }

    /// [`Store::unlock`], with the wait done by `wait`: it is called once, before the
    /// secret is checked, when the failures in a row require a delay (never with zero). The
    /// command line says why it waits; tests record the waits instead of sleeping.
    pub fn unlock_with(
        dir: &Path,
        secret: &Secret,
        wait: &mut dyn FnMut(Duration),
    ) -> Result<Store, StoreError> {
        let backend = SledBackend::open(&store_path(dir), false)?;
        repair_default_dir(dir)?;
        let header = Store::read_header(&backend)?;
        header.params.check_limits("store header")?;

        let now = now_unix();
        let attempts = Store::read_attempts(&backend, now)?;
        let counted = Attempts {
            failures: attempts.failures.saturating_add(1),
            last_unix_secs: now,
        };
        backend.write(vec![Op::Put(
            K_ATTEMPTS.to_vec(),
            counted.to_bytes().to_vec(),
        )])?;
        let delay = delay_after(attempts.failures);
        if !delay.is_zero() {
            wait(delay);
        }

        match header.unwrap_key(secret.expose_bytes())? {
            Some(key) => {
                backend.write(vec![Op::Put(
                    K_ATTEMPTS.to_vec(),
                    Attempts {
                        failures: 0,
                        last_unix_secs: now_unix(),
                    }
                    .to_bytes()
                    .to_vec(),
                )])?;
                let cipher = format::cipher(&key);
                Ok(Store {
                    dir: dir.to_path_buf(),
                    backend: Box::new(backend),
                    key,
                    cipher,
                    write_lock: Mutex::new(()),
                })
            }
            None => {
                let wait = delay_after(counted.failures);
                Err(StoreError::WrongSecret {
                    failed_attempts: counted.failures,
                    next_wait: (!wait.is_zero()).then_some(wait),
                })
            }
        }
    }

    fn read_header(backend: &dyn Backend) -> Result<Header, StoreError> {
        let bytes = backend.get(K_HEADER)?.ok_or_else(|| {
            corrupt("the store has no header record: the database is damaged or not a wallet; restore a backup")
        })?;
        Header::parse(&bytes)
    }

    fn read_attempts(backend: &dyn Backend, now: u64) -> Result<Attempts, StoreError> {
        Ok(match backend.get(K_ATTEMPTS)? {
            Some(b) => Attempts::parse_or_suspicious(&b, now),
            None => Attempts::parse_or_suspicious(&[], now),
        })
    }

    /// Failed unlock attempts in a row, readable while the wallet is locked (not while a
    /// [`Store`] for `dir` is open: the database allows one user at a time).
    pub fn failed_attempts(dir: &Path) -> Result<u32, StoreError> {
        let backend = SledBackend::open(&store_path(dir), false)?;
        Ok(Store::read_attempts(&backend, now_unix())?.failures)
    }

    /// How long the next unlock attempt will wait before it checks the secret
    /// ([`delay_after`] the failures in a row), for the UI to say so. Readable while
    /// locked, like [`Store::failed_attempts`].
    pub fn next_wait(dir: &Path) -> Result<Duration, StoreError> {
        Ok(delay_after(Store::failed_attempts(dir)?))
    }

    /// Stores `value` in the slot (`kind`, `id`), replacing what was there. Durable (synced
    /// to disk) when it returns.
    pub fn put(&self, kind: RecordKind, id: &str, value: &[u8]) -> Result<(), StoreError> {
        check_id(id)?;
        check_value(value)?;
        let sealed = format::seal(
            &self.cipher,
            &format::slot_aad(kind.tag(), id.as_bytes()),
            value,
        )?;
        self.backend
            .write(vec![Op::Put(record_key(kind, id), sealed)])
    }

    /// Reads the slot (`kind`, `id`). [`StoreError::Tampered`] if the sealed value does not
    /// authenticate (modified, truncated, or moved from another slot).
    pub fn get(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        check_id(id)?;
        let Some(sealed) = self.backend.get(&record_key(kind, id))? else {
            return Ok(None);
        };
        format::open(
            &self.cipher,
            &format::slot_aad(kind.tag(), id.as_bytes()),
            &sealed,
        )
        .map(Some)
        .ok_or_else(|| StoreError::Tampered {
            record: record_name(kind, id),
        })
    }

    /// The ids of all records of `kind`, sorted. Keys on disk that are not valid ids (which
    /// `put` never writes) are skipped.
    pub fn list(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        let prefix = [P_RECORD, kind.tag()];
        Ok(self
            .backend
            .keys_with_prefix(&prefix)?
            .into_iter()
            .filter_map(|k| String::from_utf8(k.get(2..)?.to_vec()).ok())
            .filter(|id| check_id(id).is_ok())
            .collect())
    }

    /// Removes a record; `true` if it existed. Durable when it returns.
    pub fn remove(&self, kind: RecordKind, id: &str) -> Result<bool, StoreError> {
        check_id(id)?;
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let key = record_key(kind, id);
        if self.backend.get(&key)?.is_none() {
            return Ok(false);
        }
        self.backend.write(vec![Op::Delete(key)])?;
        Ok(true)
    }

    /// Applies every change in one atomic write: after a crash either all of them are there
    /// or none is. Durable when it returns. Every id and value is checked before anything
    /// is written.
    pub fn apply(&self, changes: &[Change<'_>]) -> Result<(), StoreError> {
        let mut ops = Vec::with_capacity(changes.len());
        for change in changes {
            match *change {
                Change::Put(kind, id, value) => {
                    check_id(id)?;
                    check_value(value)?;
                    let sealed = format::seal(
                        &self.cipher,
                        &format::slot_aad(kind.tag(), id.as_bytes()),
                        value,
                    )?;
                    ops.push(Op::Put(record_key(kind, id), sealed));
                }
                Change::Remove(kind, id) => {
                    check_id(id)?;
                    ops.push(Op::Delete(record_key(kind, id)));
                }
            }
        }
        if ops.is_empty() {
            return Ok(());
        }
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.backend.write(ops)
    }

    /// A random id that [`Store::restore`] gives the store it makes, `None` for a store made
    /// by [`Store::create`]. A backup never carries it, so each restore of the same backup
    /// gets a different one: the wallet compares it with the one it saw last to learn that
    /// it now runs from a backup (whose records may be older than what the lost device did).
    pub fn restore_id(&self) -> Result<Option<[u8; 8]>, StoreError> {
        Ok(self
            .backend
            .get(K_RESTORE_ID)?
            .and_then(|b| <[u8; 8]>::try_from(&b[..]).ok()))
    }

    /// Appends an entry to the presentation history; returns its sequence number (1, 2, …;
    /// never reused, not even after [`Store::clear_history`]). Durable when it returns.
    pub fn append_history(&self, entry: &[u8]) -> Result<u64, StoreError> {
        check_value(entry)?;
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let stored_next = self
            .backend
            .get(K_HISTORY_NEXT)?
            .and_then(|b| be_u64(&b))
            .unwrap_or(1);
        let after_last = self
            .backend
            .keys_with_prefix(&[P_HISTORY])?
            .last()
            .and_then(|k| be_u64(&k[1..]))
            .map_or(1, |s| s.saturating_add(1));
        let seq = stored_next.max(after_last).max(1);
        let next = seq.checked_add(1).ok_or_else(|| {
            corrupt("the history counter is exhausted (damaged store?): clear the history or restore a backup")
        })?;
        let sealed = format::seal(
            &self.cipher,
            &format::slot_aad(HISTORY_TAG, &seq.to_be_bytes()),
            entry,
        )?;
        self.backend.write(vec![
            Op::Put(history_key(seq), sealed),
            Op::Put(K_HISTORY_NEXT.to_vec(), next.to_be_bytes().to_vec()),
        ])?;
        Ok(seq)
    }

    /// The whole history, oldest first. [`StoreError::Tampered`] names the first entry that
    /// does not authenticate.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut out = Vec::new();
        for (k, sealed) in self.backend.scan_prefix(&[P_HISTORY])? {
            let Some(seq) = be_u64(&k[1..]) else {
                return Err(StoreError::Tampered {
                    record: format!("history/{}", hex(&k[1..])),
                });
            };
            let value = format::open(
                &self.cipher,
                &format::slot_aad(HISTORY_TAG, &seq.to_be_bytes()),
                &sealed,
            )
            .ok_or_else(|| StoreError::Tampered {
                record: format!("history/{seq}"),
            })?;
            out.push((seq, value));
        }
        Ok(out)
    }

    /// Deletes every history entry (in one atomic, durable write).
    pub fn clear_history(&self) -> Result<(), StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let ops: Vec<Op> = self
            .backend
            .keys_with_prefix(&[P_HISTORY])?
            .into_iter()
            .map(Op::Delete)
            .collect();
        if ops.is_empty() {
            return Ok(());
        }
        self.backend.write(ops)
    }

    /// Changes the PIN or passphrase: re-wraps the data key under `new` with fresh salt and
    /// `params` in one atomic write. Records are not re-encrypted.
    pub fn change_secret(&mut self, new: &Secret, params: KdfParams) -> Result<(), StoreError> {
        params.check_new()?;
        let header = Header::seal(new.expose_bytes(), params, &self.key)?;
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.backend.write(vec![
            Op::Put(K_HEADER.to_vec(), header.to_bytes()),
            Op::Put(K_ATTEMPTS.to_vec(), Attempts::default().to_bytes().to_vec()),
        ])
    }

    /// Writes every record but the history to one file at `out`, sealed under a key derived
    /// from `passphrase` with Argon2id (`params` are stored in the file). The history (the
    /// numbered log and [`RecordKind::History`] records) stays on the device: a backup leaves
    /// the device, and where and when the citizen showed their ID is not needed to restore
    /// it. Only the next history number is carried, so numbers are never reused. Refuses a PIN
    /// ([`StoreError::WeakBackupSecret`]) and an existing `out` ([`StoreError::AlreadyExists`]).
    /// The file is written under a temporary name, synced, then renamed.
    pub fn backup(
        &self,
        out: &Path,
        passphrase: &Secret,
        params: KdfParams,
    ) -> Result<(), StoreError> {
        if passphrase.is_pin() {
            return Err(StoreError::WeakBackupSecret);
        }
        params.check_new()?;
        if out.exists() {
            return Err(StoreError::AlreadyExists {
                path: out.to_path_buf(),
            });
        }
        let mut body = Zeroizing::new(Vec::with_capacity(64 * 1024));
        for (k, sealed) in self.backend.scan_prefix(&[P_RECORD])? {
            let Some(kind) = k.get(1).copied().and_then(RecordKind::from_tag) else {
                continue;
            };
            let Ok(id) = std::str::from_utf8(k.get(2..).unwrap_or_default()) else {
                continue;
            };
            if check_id(id).is_err() || kind == RecordKind::History {
                continue;
            }
            let value = format::open(
                &self.cipher,
                &format::slot_aad(kind.tag(), id.as_bytes()),
                &sealed,
            )
            .ok_or_else(|| StoreError::Tampered {
                record: record_name(kind, id),
            })?;
            format::encode_entry(
                &mut body,
                &Entry::Record(kind.tag(), id.as_bytes().to_vec(), value),
            );
        }
        let next = self.backend.get(K_HISTORY_NEXT)?.and_then(|b| be_u64(&b));
        let after_last = self
            .backend
            .keys_with_prefix(&[P_HISTORY])?
            .last()
            .and_then(|k| be_u64(&k[1..]))
            .map(|s| s.saturating_add(1));
        if let Some(next) = next.max(after_last) {
            format::encode_entry(&mut body, &Entry::HistoryNext(next));
        }

        let head = BackupHead {
            params,
            salt: format::random()?,
            nonce: format::random()?,
        };
        let key = tessera_seal::derive_key(passphrase.expose_bytes(), &head.salt, params)?;
        let file = format::seal_backup(&head, &key, &body)?;
        drop(body);
        write_new_file(out, &file)
    }

    /// Restores the backup file `backup` (opened with `passphrase`) into a new store in `dir`,
    /// protected by `new_secret` with `params`, under a fresh data key, with a new
    /// [`Store::restore_id`]. Refuses to overwrite
    /// an existing store ([`StoreError::AlreadyExists`]); refuses backup files that ask for
    /// excessive Argon2id work ([`StoreError::ExcessiveWork`]).
    pub fn restore(
        backup: &Path,
        passphrase: &Secret,
        dir: &Path,
        new_secret: &Secret,
        params: KdfParams,
    ) -> Result<Store, StoreError> {
        params.check_new()?;
        if Store::exists(dir) {
            return Err(StoreError::AlreadyExists {
                path: store_path(dir),
            });
        }
        let len = std::fs::metadata(backup)
            .map_err(|e| io_at(backup, e))?
            .len();
        if len > MAX_BACKUP_LEN {
            return Err(corrupt(format!(
                "backup file {} is {len} bytes, over the 1 GiB limit: choose the file that backup wrote",
                backup.display()
            )));
        }
        let file = std::fs::read(backup).map_err(|e| io_at(backup, e))?;
        let head = BackupHead::parse(&file)?;
        head.params.check_limits("backup file")?;
        let key = tessera_seal::derive_key(passphrase.expose_bytes(), &head.salt, head.params)?;
        let body =
            format::open_backup(&head, &key, &file).ok_or(StoreError::WrongBackupPassphrase)?;
        let entries = format::decode_body(&body)?;
        drop(body);
        Store::build(dir, new_secret, params, entries, Some(format::random()?))
    }

    /// Deletes the store in `dir` (the files are unlinked, not overwritten: see
    /// docs/threat-model.md). [`StoreError::InUse`] if it is open; [`StoreError::NotFound`]
    /// if there is none.
    pub fn destroy(dir: &Path) -> Result<(), StoreError> {
        let path = store_path(dir);
        if !Store::exists(dir) {
            return Err(StoreError::NotFound { path });
        }
        // Opening takes sled's lock: refuse to delete a store someone is using. A damaged
        // store (that cannot be opened) can still be destroyed.
        match SledBackend::open(&path, false) {
            Err(e @ StoreError::InUse { .. }) => return Err(e),
            Ok(backend) => drop(backend),
            Err(_) => {}
        }
        std::fs::remove_dir_all(&path).map_err(|e| io_at(&path, e))?;
        remove_stale_new_dirs(dir)?;
        sync_dir(dir)
    }

    /// The wallet directory this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Turns the `fsync` after sled's flush off or on. For measuring its cost only: with it
    /// off, acknowledged writes can be lost on power loss.
    #[doc(hidden)]
    pub fn set_fsync_after_flush(&mut self, enabled: bool) {
        self.backend.set_fsync(enabled);
    }
}

/// Writes `bytes` to a new file at `path` atomically: temporary file, `fsync`, rename,
/// `fsync` of the directory. Mode 0600 on Unix. An existing `path` is refused.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    tessera_fs::write_atomic_new(path, bytes, Some(0o600)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::AlreadyExists {
                path: path.to_path_buf(),
            }
        } else {
            io_at(path, e)
        }
    })
}

/// Fuzzing entry point: opening a sealed record never panics, never accepts bytes not
/// sealed under the key, and seal→open round-trips. Not part of the API.
#[doc(hidden)]
pub fn fuzz_open_record(data: &[u8]) {
    let cipher = format::cipher(&[0x42; 32]);
    let aad = format::slot_aad(RecordKind::Credential.tag(), b"fuzz");
    assert!(
        format::open(&cipher, &aad, data).is_none(),
        "arbitrary bytes opened as a sealed record"
    );
    let Ok(sealed) = format::seal(&cipher, &aad, data) else {
        return;
    };
    let opened = format::open(&cipher, &aad, &sealed).expect("seal then open failed");
    assert_eq!(&opened[..], data);
    let other = format::slot_aad(RecordKind::Credential.tag(), b"fuzz2");
    assert!(
        format::open(&cipher, &other, &sealed).is_none(),
        "slot not bound"
    );
    if let Some(&first) = data.first() {
        let mut flipped = sealed.clone();
        let at = usize::from(first) % flipped.len();
        flipped[at] ^= 0x01;
        assert!(
            format::open(&cipher, &aad, &flipped).is_none(),
            "flip accepted"
        );
    }
}

/// Fuzzing entry point: parsing a store header or a backup file never panics; a header
/// that parses re-encodes to the same bytes; limits are checked without deriving. Not part
/// of the API.
#[doc(hidden)]
pub fn fuzz_parse_header(data: &[u8]) {
    if let Ok(header) = Header::parse(data) {
        assert_eq!(header.to_bytes(), data, "header does not round-trip");
        let _ = header.params.check_limits("store header");
    }
    if let Ok(head) = BackupHead::parse(data) {
        assert_eq!(head.to_bytes(), data[..format::BACKUP_HEAD_LEN]);
        let _ = head.params.check_limits("backup file");
    }
    if let Ok(entries) = format::decode_body(data) {
        let mut again = Zeroizing::new(Vec::new());
        for e in &entries {
            format::encode_entry(&mut again, e);
        }
        assert_eq!(&again[..], data, "backup body does not round-trip");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Store>();
        send_sync::<StoreError>();
    }

    #[test]
    fn delays_grow_and_cap() {
        assert_eq!(delay_after(0), Duration::ZERO);
        assert_eq!(delay_after(2), Duration::ZERO);
        assert_eq!(delay_after(3), Duration::from_secs(2));
        assert_eq!(delay_after(4), Duration::from_secs(4));
        assert_eq!(delay_after(13), Duration::from_secs(2048));
        assert_eq!(delay_after(14), MAX_DELAY);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn ids() {
        assert!(check_id("cred-1:a.b_c").is_ok());
        assert!(check_id("").is_err());
        assert!(check_id("a b").is_err());
        assert!(check_id(&"a".repeat(129)).is_err());
        assert!(check_id("ü").is_err());
    }

    /// A store header, a record and a backup written by the format as it stood on 2026-11-27
    /// (tests/fixtures): whatever moves inside, files made then must still open.
    #[test]
    fn files_made_by_format_v1_still_open() {
        let header = include_bytes!("../tests/fixtures/header-v1.bin");
        let h = Header::parse(header).unwrap();
        h.params.check_limits("store header").unwrap();
        assert_eq!(h.params, KdfParams::minimum());
        assert_eq!(h.to_bytes(), header);
        assert!(h.unwrap_key(b"482914").unwrap().is_none());
        let key = h
            .unwrap_key(b"482913")
            .unwrap()
            .expect("the pin opens the header");
        assert_eq!(*key, [0x5a; 32]);
        let record = include_bytes!("../tests/fixtures/record-v1.bin");
        let aad = format::slot_aad(RecordKind::Credential.tag(), b"cred-1");
        let value = format::open(&format::cipher(&key), &aad, record).unwrap();
        assert_eq!(
            &value[..],
            b"a credential sealed by the format of 2026-11-27"
        );
        let elsewhere = format::slot_aad(RecordKind::Credential.tag(), b"cred-2");
        assert!(format::open(&format::cipher(&key), &elsewhere, record).is_none());

        let backup = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backup-v1.bin");
        let dir = tempfile::tempdir().unwrap();
        let pin = Secret::pin("482913").unwrap();
        let wrong = Secret::passphrase("correct horse battery!").unwrap();
        assert!(matches!(
            Store::restore(
                &backup,
                &wrong,
                dir.path(),
                &pin,
                KdfParams::insecure_for_tests()
            ),
            Err(StoreError::WrongBackupPassphrase)
        ));
        let pass = Secret::passphrase("correct horse battery").unwrap();
        let store = Store::restore(
            &backup,
            &pass,
            dir.path(),
            &pin,
            KdfParams::insecure_for_tests(),
        )
        .unwrap();
        let get = |kind, id| store.get(kind, id).unwrap().unwrap().to_vec();
        assert_eq!(get(RecordKind::Credential, "cred-1"), b"credential bytes");
        assert_eq!(get(RecordKind::Setting, "lang"), b"zh");
    }

    #[test]
    fn fuzz_entry_points_accept_samples() {
        fuzz_open_record(b"");
        fuzz_open_record(&[0; 100]);
        fuzz_parse_header(b"");
        fuzz_parse_header(&[1, 0, 0, 0, 0, 0]);
        let h = Header::seal(b"123456", KdfParams::insecure_for_tests(), &[1; 32]).unwrap();
        fuzz_parse_header(&h.to_bytes());
    }
}
