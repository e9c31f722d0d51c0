//! The verifier's data directory: the configured root key, the last good trust list and
//! status lists, and updates from a folder of published files.
//!
//! ```text
//! DIR/root.pub                      trust-list root public key (installed by the operator;
//!                                   never taken from an update source)
//! DIR/trust-list.cbor               last good trust list
//! DIR/status/ISSUER-LIST.cbor       last good status list of each (issuer, list number)
//! DIR/replay.log                    replay cache of a kiosk (see crate::replay)
//! ```
//!
//! An update source (a USB stick, a copy of a static web server's files) holds what
//! `tessera-issuer publish` writes: `trust-list.cbor` and `status/*.cbor`. Every file is
//! checked before it replaces anything: the trust list against the configured root key and
//! the installed list's sequence number; each status list against the trust list and the
//! installed list's issue time. A bad or older file never replaces a good one. New copies are
//! written to a temporary file, fsynced and renamed over the old one.

use crate::VerifierError;
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use tessera_core::{StatusList, TrustList, UnixTime};
use tessera_fs::write_atomic;

/// The root public key file in a data directory.
pub const ROOT_FILE: &str = "root.pub";
/// The trust list file in a data directory or update source.
pub const TRUST_FILE: &str = "trust-list.cbor";
/// The folder of status lists in a data directory or update source.
pub const STATUS_DIR: &str = "status";
/// The replay cache file in a data directory.
pub const REPLAY_FILE: &str = "replay.log";

/// Largest key file read, in bytes (a key file is a few comment lines and 64 hex digits).
pub const MAX_KEY_FILE_LEN: usize = 64 * 1024;

/// Reads a file of at most `limit` bytes with [`tessera_fs::read_limited`]: only regular
/// files are read (a symlink to /dev/zero, a FIFO or a device is refused before any byte is
/// read); the size is checked with fstat on the opened file, and at most `limit + 1` bytes
/// are read, so a file that grows while it is read cannot take more memory either.
pub fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, VerifierError> {
    use tessera_fs::ReadLimitedError as E;
    tessera_fs::read_limited(path, limit as u64).map_err(|e| match e {
        E::Io(source) => VerifierError::Io {
            path: path.to_owned(),
            source,
        },
        E::NotAFile => VerifierError::NotAFile {
            path: path.to_owned(),
        },
        E::TooLarge { len } => VerifierError::TooLarge {
            path: path.to_owned(),
            len,
            limit,
        },
    })
}

/// The reason a source file that could not be read is refused: the error without its path
/// (the report line names the file already).
fn unreadable(e: &VerifierError) -> String {
    match e {
        VerifierError::Io { source, .. } => format!("cannot read: {source}"),
        VerifierError::NotAFile { .. } => "not a regular file".into(),
        VerifierError::TooLarge { len, limit, .. } => {
            format!("{len} bytes; at most {limit} are accepted")
        }
        e => crate::error_chain(e),
    }
}

/// Reads a public key file (`tessera-ed25519-public-key-v1`).
pub fn read_root(path: &Path) -> Result<VerifyingKey, VerifierError> {
    let bytes = read_limited(path, MAX_KEY_FILE_LEN)?;
    let text = String::from_utf8_lossy(&bytes);
    tessera_core::keys::public_key_from_text(&text).map_err(|source| VerifierError::RootKey {
        path: path.to_owned(),
        source,
    })
}

/// Reads and checks a signed trust list file.
pub fn read_trust_list(path: &Path, root: &VerifyingKey) -> Result<TrustList, VerifierError> {
    let bytes = read_limited(path, tessera_core::trust::MAX_TRUST_LIST_LEN)?;
    TrustList::from_signed(&bytes, root).map_err(|source| VerifierError::TrustList {
        path: path.to_owned(),
        source,
    })
}

/// Reads and checks a signed status list file against a trust list.
pub fn read_status_list(path: &Path, trust: &TrustList) -> Result<StatusList, VerifierError> {
    let bytes = read_limited(path, tessera_core::status::MAX_STATUS_FILE_LEN)?;
    StatusList::from_signed(&bytes, trust).map_err(|source| VerifierError::StatusList {
        path: path.to_owned(),
        source,
    })
}

/// The `*.cbor` files in `dir/status/`, sorted by name; none if the folder does not exist.
pub fn status_files(dir: &Path) -> Result<Vec<PathBuf>, VerifierError> {
    let sdir = dir.join(STATUS_DIR);
    let entries = match fs::read_dir(&sdir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(VerifierError::Io { path: sdir, source }),
    };
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(|source| VerifierError::Io {
            path: sdir.clone(),
            source,
        })?;
        let p = e.path();
        // Anything but a folder is listed, so that a FIFO or a link to a device is refused
        // (and reported) when it is read rather than silently skipped.
        if p.extension().is_some_and(|x| x == "cbor") && !p.is_dir() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads every status list in `dir/status/` that checks out against `trust`. Files that do
/// not are skipped; each is described in the second list ("path: why").
pub fn read_status_dir(
    dir: &Path,
    trust: &TrustList,
) -> Result<(Vec<StatusList>, Vec<String>), VerifierError> {
    let mut lists = Vec::new();
    let mut problems = Vec::new();
    for p in status_files(dir)? {
        match read_status_list(&p, trust) {
            Ok(l) => lists.push(l),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    Ok((lists, problems))
}

/// The file name under `status/` for a list: `ISSUER-LIST.cbor`, with the issuer id as is
/// when it is made of `a-z 0-9 . _` and otherwise `~` + its hex.
pub fn status_file_name(issuer: &str, list: u32) -> String {
    let plain = !issuer.is_empty()
        && !issuer.starts_with('.')
        && issuer
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if plain {
        format!("{issuer}-{list}.cbor")
    } else {
        format!(
            "~{}-{list}.cbor",
            tessera_core::keys::to_hex(issuer.as_bytes())
        )
    }
}

/// What happened to one file of an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Checked and installed; says what it replaced.
    Installed(String),
    /// The same bytes are installed already.
    Unchanged,
    /// Not installed; the previous copy (if any) is kept. Says why.
    Refused(String),
}

/// One file of an update and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file in the update source.
    pub file: PathBuf,
    /// What happened.
    pub outcome: Outcome,
    /// What the file is, when it could be read: "trust list 4" or "status list demo/1".
    pub what: Option<String>,
    /// When it was issued, when it could be read.
    pub issued_at: Option<UnixTime>,
}

/// The outcome of [`DataDir::update_from`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// One entry per file in the source.
    pub files: Vec<FileOutcome>,
}

impl UpdateReport {
    /// Whether any file was refused.
    pub fn any_refused(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.outcome, Outcome::Refused(_)))
    }
}

/// Judges an offered trust list (`bytes`) against the installed one (`installed`: the list and
/// its bytes, already checked against `root`), as [`DataDir::update_from`] does without the
/// files: it must check out against `root` and have a higher sequence number (the same
/// sequence is accepted only as the same bytes). Returns the outcome and the offered list
/// whenever it checked out; it replaces the installed one only on [`Outcome::Installed`].
pub fn trust_update(
    installed: Option<(&TrustList, &[u8])>,
    bytes: &[u8],
    root: &VerifyingKey,
) -> (Outcome, Option<TrustList>) {
    let new = match TrustList::from_signed(bytes, root) {
        Err(e) => {
            return (
                Outcome::Refused(format!("{e}; the installed list is kept")),
                None,
            );
        }
        Ok(new) => new,
    };
    let outcome = match installed {
        Some((cur, _)) if new.sequence < cur.sequence => Outcome::Refused(format!(
            "sequence {} is older than the installed list's {}; the installed list is kept",
            new.sequence, cur.sequence
        )),
        Some((cur, cur_bytes)) if new.sequence == cur.sequence => {
            if cur_bytes == bytes {
                Outcome::Unchanged
            } else {
                Outcome::Refused(format!(
                    "sequence {} is the installed list's, but the content differs; the installed list is kept",
                    new.sequence
                ))
            }
        }
        cur => Outcome::Installed(cur.map_or_else(
            || "no list was installed".to_string(),
            |(c, _)| format!("replaces sequence {}", c.sequence),
        )),
    };
    (outcome, Some(new))
}

/// Judges an offered status list (`bytes`) against `trust` and the installed list of the
/// same issuer and number (`installed` looks it up), as [`DataDir::update_from`] does without
/// the files: it must check out against the trust list and be issued later (the same issue
/// time is accepted only as the same bytes). Returns the outcome and the offered list
/// whenever it checked out; it replaces the installed one only on [`Outcome::Installed`].
pub fn status_update<'a>(
    installed: impl FnOnce(&(String, u32)) -> Option<(&'a StatusList, &'a [u8])>,
    bytes: &[u8],
    trust: &TrustList,
) -> (Outcome, Option<StatusList>) {
    let new = match StatusList::from_signed(bytes, trust) {
        Err(e) => {
            return (
                Outcome::Refused(format!("{e}; the installed list is kept")),
                None,
            );
        }
        Ok(new) => new,
    };
    let outcome = match installed(&(new.issuer.clone(), new.list)) {
        Some((cur, _)) if new.issued_at < cur.issued_at => Outcome::Refused(format!(
            "issued at {}, before the installed list ({}); the installed list is kept",
            new.issued_at, cur.issued_at
        )),
        Some((cur, cur_bytes)) if new.issued_at == cur.issued_at => {
            if cur_bytes == bytes {
                Outcome::Unchanged
            } else {
                Outcome::Refused(format!(
                    "issued at {}, as the installed list, but the content differs; the installed list is kept",
                    new.issued_at
                ))
            }
        }
        cur => Outcome::Installed(cur.map_or_else(
            || "no list was installed".to_string(),
            |(c, _)| format!("replaces the list issued at {}", c.issued_at),
        )),
    };
    (outcome, Some(new))
}

/// The state of one file in a data directory, for `tessera-verify status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileState {
    /// The file.
    pub file: PathBuf,
    /// "trust list" or "status list ISSUER/LIST".
    pub what: String,
    /// Trust-list sequence, or a status list's issue time (its ordering number).
    pub sequence: Option<u64>,
    /// When it was issued.
    pub issued_at: Option<UnixTime>,
    /// Seconds since then (saturating).
    pub age: Option<u64>,
    /// Until when it is fresh: the trust list's next_update, a status list's issued_at + ttl.
    pub fresh_until: Option<UnixTime>,
    /// Whether it is past `fresh_until`.
    pub stale: bool,
    /// Why it is not usable, if it is not.
    pub error: Option<String>,
}

/// A verifier data directory (see the module documentation for its layout).
#[derive(Clone, Debug)]
pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    /// The data directory at `path` (nothing is read yet).
    pub fn new(path: &Path) -> DataDir {
        DataDir {
            path: path.to_owned(),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The trust list file.
    pub fn trust_file(&self) -> PathBuf {
        self.path.join(TRUST_FILE)
    }

    /// The root key file.
    pub fn root_file(&self) -> PathBuf {
        self.path.join(ROOT_FILE)
    }

    /// The replay cache file.
    pub fn replay_file(&self) -> PathBuf {
        self.path.join(REPLAY_FILE)
    }

    /// Reads the configured root key (`DIR/root.pub`).
    pub fn root(&self) -> Result<VerifyingKey, VerifierError> {
        read_root(&self.root_file())
    }

    /// The root key this folder's trust list is checked with. One rule for every program that
    /// verifies from a data folder (tessera-verify, tessera-scan, [`crate::Verifier::from_dir`]):
    /// the key file the operator gives (`--root`), which must then be the key installed as
    /// `DIR/root.pub` if one is; with none given, the installed `DIR/root.pub`.
    pub fn root_key(&self, given: Option<&Path>) -> Result<VerifyingKey, VerifierError> {
        let installed = self.root_file();
        let Some(given) = given else {
            return read_root(&installed);
        };
        let key = read_root(given)?;
        if installed.symlink_metadata().is_ok() && read_root(&installed)? != key {
            return Err(VerifierError::RootMismatch { path: installed });
        }
        Ok(key)
    }

    /// What a verifier needs from this folder: the trust list checked against
    /// [`DataDir::root_key`], and the status lists that check out ([`DataDir::load`]).
    pub fn open(
        &self,
        given_root: Option<&Path>,
    ) -> Result<(TrustList, Vec<StatusList>, Vec<String>), VerifierError> {
        self.load(&self.root_key(given_root)?)
    }

    /// Installs `root` as `DIR/root.pub` when there is none (creating DIR). If one is there,
    /// it must be the same key: an update never changes the trust anchor.
    pub fn ensure_root(&self, root: &VerifyingKey) -> Result<(), VerifierError> {
        let path = self.root_file();
        if path.exists() {
            let have = read_root(&path)?;
            if have != *root {
                return Err(VerifierError::RootMismatch { path });
            }
            return Ok(());
        }
        fs::create_dir_all(&self.path).map_err(|source| VerifierError::Io {
            path: self.path.clone(),
            source,
        })?;
        let text = tessera_core::keys::public_key_to_text(root, "tessera trust-list root key");
        write_atomic(&path, text.as_bytes(), None)
            .map_err(|source| VerifierError::Io { path, source })
    }

    /// Reads the installed trust list and the status lists that check out against it.
    /// Unusable status files are described in the returned list of problems.
    pub fn load(
        &self,
        root: &VerifyingKey,
    ) -> Result<(TrustList, Vec<StatusList>, Vec<String>), VerifierError> {
        let trust = read_trust_list(&self.trust_file(), root)?;
        let (lists, problems) = read_status_dir(&self.path, &trust)?;
        Ok((trust, lists, problems))
    }

    /// Updates from a folder laid out as `tessera-issuer publish` writes it. Each file is
    /// checked and installed or refused on its own; the report says which. Errors are only
    /// for things that stop the whole update (unreadable folders, no trust list at all).
    pub fn update_from(
        &self,
        src: &Path,
        root: &VerifyingKey,
    ) -> Result<UpdateReport, VerifierError> {
        if !src.is_dir() {
            return Err(VerifierError::Io {
                path: src.to_owned(),
                source: io::Error::new(io::ErrorKind::NotFound, "update source is not a folder"),
            });
        }
        let mut report = UpdateReport::default();
        let installed_bytes =
            read_limited(&self.trust_file(), tessera_core::trust::MAX_TRUST_LIST_LEN).ok();
        let mut current = installed_bytes
            .as_deref()
            .and_then(|b| TrustList::from_signed(b, root).ok());

        let src_trust = src.join(TRUST_FILE);
        let src_status = status_files(src)?;
        let mut refused = None;
        if fs::symlink_metadata(&src_trust).is_err() && src_status.is_empty() {
            return Err(VerifierError::NothingToUpdate {
                path: src.to_owned(),
            });
        }
        if fs::symlink_metadata(&src_trust).is_ok() {
            let mut entry = FileOutcome {
                file: src_trust.clone(),
                outcome: Outcome::Unchanged,
                what: None,
                issued_at: None,
            };
            let read = read_limited(&src_trust, tessera_core::trust::MAX_TRUST_LIST_LEN);
            let (outcome, new) = match &read {
                Ok(bytes) => trust_update(
                    current.as_ref().zip(installed_bytes.as_deref()),
                    bytes,
                    root,
                ),
                Err(e) => (Outcome::Refused(unreadable(e)), None),
            };
            let bytes = read.unwrap_or_default();
            if let Some(new) = &new {
                entry.what = Some(format!("trust list {}", new.sequence));
                entry.issued_at = Some(new.issued_at);
            }
            if let (Outcome::Installed(_), Some(new)) = (&outcome, new) {
                fs::create_dir_all(&self.path).map_err(|source| VerifierError::Io {
                    path: self.path.clone(),
                    source,
                })?;
                write_atomic(&self.trust_file(), &bytes, None).map_err(|source| {
                    VerifierError::Io {
                        path: self.trust_file(),
                        source,
                    }
                })?;
                current = Some(new);
            }
            if let (Outcome::Refused(reason), None) = (&outcome, &current) {
                refused = Some(reason.clone());
            }
            entry.outcome = outcome;
            report.files.push(entry);
        }

        let Some(trust) = current else {
            // Name the source's trust list when it was there but refused: "none installed"
            // alone would send the user looking for a missing file.
            return Err(match refused {
                Some(reason) => VerifierError::TrustListRefused {
                    path: src_trust,
                    reason,
                },
                None => VerifierError::NoTrustList {
                    path: self.trust_file(),
                },
            });
        };
        // The installed status lists that still check out under the (new) trust list.
        let mut installed: BTreeMap<(String, u32), (StatusList, Vec<u8>)> = BTreeMap::new();
        for p in status_files(&self.path)? {
            if let Ok(bytes) = read_limited(&p, tessera_core::status::MAX_STATUS_FILE_LEN)
                && let Ok(l) = StatusList::from_signed(&bytes, &trust)
            {
                installed.insert((l.issuer.clone(), l.list), (l, bytes));
            }
        }
        for file in src_status {
            let mut entry = FileOutcome {
                file: file.clone(),
                outcome: Outcome::Unchanged,
                what: None,
                issued_at: None,
            };
            let read = read_limited(&file, tessera_core::status::MAX_STATUS_FILE_LEN);
            let (outcome, new) = match &read {
                Ok(bytes) => status_update(
                    |k| installed.get(k).map(|(l, b)| (l, &b[..])),
                    bytes,
                    &trust,
                ),
                Err(e) => (Outcome::Refused(unreadable(e)), None),
            };
            let bytes = read.unwrap_or_default();
            if let Some(new) = &new {
                entry.what = Some(format!("status list {}/{}", new.issuer, new.list));
                entry.issued_at = Some(new.issued_at);
            }
            if let (Outcome::Installed(_), Some(new)) = (&outcome, new) {
                let sdir = self.path.join(STATUS_DIR);
                let dest = sdir.join(status_file_name(&new.issuer, new.list));
                fs::create_dir_all(&sdir)
                    .and_then(|()| write_atomic(&dest, &bytes, None))
                    .map_err(|source| VerifierError::Io { path: dest, source })?;
                installed.insert((new.issuer.clone(), new.list), (new, bytes));
            }
            entry.outcome = outcome;
            report.files.push(entry);
        }
        Ok(report)
    }

    /// The state of each installed file at `now`.
    pub fn states(&self, root: &VerifyingKey, now: UnixTime) -> Vec<FileState> {
        let mut out = Vec::new();
        let tfile = self.trust_file();
        let trust = read_trust_list(&tfile, root);
        out.push(match &trust {
            Ok(t) => FileState {
                file: tfile,
                what: "trust list".into(),
                sequence: Some(t.sequence),
                issued_at: Some(t.issued_at),
                age: Some(now.saturating_sub(t.issued_at)),
                fresh_until: Some(t.next_update),
                stale: now > t.next_update,
                error: None,
            },
            Err(e) => FileState {
                file: tfile,
                what: "trust list".into(),
                sequence: None,
                issued_at: None,
                age: None,
                fresh_until: None,
                stale: false,
                error: Some(format!("{e:#}")),
            },
        });
        let files = status_files(&self.path).unwrap_or_default();
        for file in files {
            let state = match &trust {
                Err(_) => Err("cannot be checked without a trust list".to_string()),
                Ok(t) => read_status_list(&file, t).map_err(|e| format!("{e:#}")),
            };
            out.push(match state {
                Ok(l) => FileState {
                    file,
                    what: format!("status list {}/{}", l.issuer, l.list),
                    sequence: Some(l.issued_at),
                    issued_at: Some(l.issued_at),
                    age: Some(now.saturating_sub(l.issued_at)),
                    fresh_until: Some(l.issued_at.saturating_add(l.ttl)),
                    stale: l.is_stale(now),
                    error: None,
                },
                Err(e) => FileState {
                    file,
                    what: "status list".into(),
                    sequence: None,
                    issued_at: None,
                    age: None,
                    fresh_until: None,
                    stale: false,
                    error: Some(e),
                },
            });
        }
        out
    }
}
