//! The storage trait and its sled implementation.
//!
//! The store needs little from a database: point reads, prefix scans, and atomic batches
//! that are durable when they return. Keeping sled (unmaintained since 2021) behind this
//! trait means it can be replaced (redb, SQLite) without touching the sealing logic.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::error::{StoreError, io_at};

/// Key-value pairs, in key order.
pub(crate) type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// One change in an atomic batch.
pub(crate) enum Op {
    /// Insert or replace.
    Put(Vec<u8>, Vec<u8>),
    /// Remove if present.
    Delete(Vec<u8>),
}

/// What the store needs from a key-value database.
pub(crate) trait Backend: Send + Sync {
    /// Reads one value.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// All entries whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Pairs, StoreError>;
    /// Keys that start with `prefix`, in key order.
    fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Applies all `ops` atomically; on return they survive a crash and a power loss.
    fn write(&self, ops: Vec<Op>) -> Result<(), StoreError>;
    /// Turns the extra durability step off or on (measurement only).
    fn set_fsync(&mut self, enabled: bool);
}

/// How long `open` waits for a lock held by a store that is closing.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// sled 0.34, made durable: after `flush()` (which on Linux only calls `sync_file_range`),
/// every file of the database and its directories are `fsync`ed.
pub(crate) struct SledBackend {
    db: sled::Db,
    path: PathBuf,
    /// Off only to measure what the extra fsync costs.
    pub fsync: bool,
    synced: Mutex<SyncState>,
}

fn db_err(path: &Path, e: sled::Error) -> StoreError {
    match e {
        // sled reports a held lock only as text: ask the lock itself instead.
        sled::Error::Io(_) if lock_held(path) => StoreError::InUse {
            path: path.to_path_buf(),
        },
        sled::Error::Io(io) => io_at(path, io),
        sled::Error::Corruption { .. } => StoreError::Corrupt {
            what: format!(
                "the database at {} is damaged (sled reports corruption): restore a backup",
                path.display()
            ),
        },
        other => StoreError::Db(Box::new(other)),
    }
}

/// Whether another open file holds the exclusive lock sled takes on its log file (`DIR/db`,
/// an advisory `flock` on Unix, which std's `try_lock` probes the same way).
fn lock_held(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path.join("db")) else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

fn panicked(path: &Path) -> StoreError {
    StoreError::Corrupt {
        what: format!(
            "the database at {} is damaged (sled panicked reading it): restore a backup",
            path.display()
        ),
    }
}

/// Runs a sled call, turning a panic inside sled (it has some on damaged files) into an error.
fn guarded<T>(path: &Path, f: impl FnOnce() -> sled::Result<T>) -> Result<T, StoreError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(db_err(path, e)),
        Err(_) => Err(panicked(path)),
    }
}

impl SledBackend {
    /// Opens (or creates, with `create`) the database directory `path`.
    pub fn open(path: &Path, create: bool) -> Result<SledBackend, StoreError> {
        if !create && !path.join("conf").is_file() {
            return Err(StoreError::NotFound {
                path: path.to_path_buf(),
            });
        }
        if create {
            // Made here with mode 0700 before sled creates anything in it (sled would use
            // the umask).
            create_private_dir_all(path)?;
        }
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(8 * 1024 * 1024)
            .use_compression(false);
        // sled releases its file lock from a background thread shortly after the last handle
        // is dropped: a store closed a moment ago (lock, then unlock) may still hold it.
        let started = std::time::Instant::now();
        let db = loop {
            match guarded(path, || config.open()) {
                Err(StoreError::InUse { .. }) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => break other?,
            }
        };
        // sled creates its files with the umask (0644 under the usual 022): repair every
        // mode on every open, including modes loosened by hand since the last one.
        repair_modes(path)?;
        Ok(SledBackend {
            db,
            path: path.to_path_buf(),
            fsync: true,
            synced: Mutex::new(SyncState::default()),
        })
    }

    /// Makes everything sled has written durable (see [`SyncState::sync`]).
    fn sync_files(&self) -> Result<(), StoreError> {
        let mut state = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        state.sync(&self.path)
    }
}

/// What was last made durable, so that a write syncs only what changed since.
///
/// sled writes records into one log file (`db`), rewritten in place: it is `fdatasync`ed
/// after every batch. Other files (`conf`, `snap.*`, `blobs/*` for values over 128 KiB) are
/// written once and renamed or left alone: each is `fsync`ed when it is new or its length or
/// modification time changed. A directory is `fsync`ed when its list of entries changed.
#[derive(Default)]
pub(crate) struct SyncState {
    files: HashMap<PathBuf, (u64, Option<SystemTime>)>,
    dirs: HashMap<PathBuf, Vec<OsString>>,
}

impl SyncState {
    pub(crate) fn sync(&mut self, dir: &Path) -> Result<(), StoreError> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io_at(dir, e))? {
            let entry = entry.map_err(|e| io_at(dir, e))?;
            let path = entry.path();
            names.push(entry.file_name());
            let kind = entry.file_type().map_err(|e| io_at(&path, e))?;
            if kind.is_dir() {
                if let Ok(meta) = entry.metadata() {
                    fix_mode(&path, &meta, DIR_MODE)?;
                }
                self.sync(&path)?;
            } else if kind.is_file() {
                let meta = match entry.metadata() {
                    Ok(m) => m,
                    // sled removes old snapshots and blobs while we list: nothing to sync.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_at(&path, e)),
                };
                // Files sled made since the last write (snapshots, blobs) get mode 0600.
                fix_mode(&path, &meta, FILE_MODE)?;
                let stamp = (meta.len(), meta.modified().ok());
                let is_log = entry.file_name() == "db";
                if !is_log && self.files.get(&path) == Some(&stamp) {
                    continue;
                }
                match open_for_sync(&path) {
                    Ok(f) if is_log => f.sync_data().map_err(|e| io_at(&path, e))?,
                    Ok(f) => f.sync_all().map_err(|e| io_at(&path, e))?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_at(&path, e)),
                }
                self.files.insert(path, stamp);
            }
        }
        names.sort();
        if self.dirs.get(dir) != Some(&names) {
            sync_dir(dir)?;
            self.dirs.insert(dir.to_path_buf(), names);
        }
        Ok(())
    }
}

/// Mode of every directory of the store (owner only).
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of every file of the store (owner read and write only).
pub(crate) const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents with mode 0700, whatever the umask. Existing
/// directories are left as they are.
pub(crate) fn create_private_dir_all(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir).map_err(|e| io_at(dir, e))
}

/// Sets the mode of `path` to `want` if it differs (Unix; elsewhere nothing). Returns
/// whether it changed anything.
fn fix_mode(path: &Path, meta: &std::fs::Metadata, want: u32) -> Result<bool, StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o7777 != want {
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(want)) {
                Ok(()) => return Ok(true),
                // Removed by sled while we looked: nothing to protect.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(io_at(path, e)),
            }
        }
        Ok(false)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, meta, want);
        Ok(false)
    }
}

/// Gives the directory `dir` itself mode 0700 (not what is in it), if it is a directory
/// and not a symbolic link.
pub(crate) fn make_dir_private(dir: &Path) -> Result<(), StoreError> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => fix_mode(dir, &meta, DIR_MODE).map(drop),
        _ => Ok(()),
    }
}

/// Gives the directory `dir` and everything under it mode 0700 (directories) or 0600
/// (files). Symbolic links are neither followed nor changed. Returns how many modes were
/// changed.
pub(crate) fn repair_modes(dir: &Path) -> Result<usize, StoreError> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| io_at(dir, e))?;
    if !meta.is_dir() {
        return Ok(0);
    }
    let mut changed = usize::from(fix_mode(dir, &meta, DIR_MODE)?);
    for entry in std::fs::read_dir(dir).map_err(|e| io_at(dir, e))? {
        let entry = entry.map_err(|e| io_at(dir, e))?;
        let path = entry.path();
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_at(&path, e)),
        };
        if meta.is_dir() {
            changed += repair_modes(&path)?;
        } else if meta.is_file() {
            changed += usize::from(fix_mode(&path, &meta, FILE_MODE)?);
        }
    }
    Ok(changed)
}

fn open_for_sync(path: &Path) -> std::io::Result<File> {
    // Windows needs write access to flush a file; Unix does not.
    #[cfg(windows)]
    {
        std::fs::OpenOptions::new().write(true).open(path)
    }
    #[cfg(not(windows))]
    {
        File::open(path)
    }
}

/// `fsync`s a directory so that entries created, renamed or removed in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_at(dir, e))?;
    }
    #[cfg(not(unix))]
    {
        let _ = dir; // Directory entries cannot be flushed through std on this platform.
    }
    Ok(())
}

impl Backend for SledBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(guarded(&self.path, || self.db.get(key))?.map(|v| v.to_vec()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Pairs, StoreError> {
        guarded(&self.path, || {
            self.db
                .scan_prefix(prefix)
                .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())))
                .collect()
        })
    }

    fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
        guarded(&self.path, || {
            self.db
                .scan_prefix(prefix)
                .keys()
                .map(|r| r.map(|k| k.to_vec()))
                .collect()
        })
    }

    fn set_fsync(&mut self, enabled: bool) {
        self.fsync = enabled;
    }

    fn write(&self, ops: Vec<Op>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for op in ops {
            match op {
                Op::Put(k, v) => batch.insert(k, v),
                Op::Delete(k) => batch.remove(k),
            }
        }
        guarded(&self.path, || self.db.apply_batch(batch))?;
        guarded(&self.path, || self.db.flush())?;
        if self.fsync {
            self.sync_files()?;
        }
        Ok(())
    }
}

impl Drop for SledBackend {
    fn drop(&mut self) {
        // Best effort: everything acknowledged was already flushed and synced by `write`.
        let _ = guarded(&self.path, || self.db.flush());
    }
}
