//! The issuer folder: keys, counters, revocations, the trust list and publishing.

use crate::Error;
use crate::error::io;
use crate::fsutil::{self, PUBLIC_MODE, SECRET_MODE, write_atomic};
use crate::rng::OsRng;
use crate::secret::{KdfParams, Passphrase, is_sealed, open_secret_key, seal_secret_key};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use tessera_core::attributes::{AttrId, AttrValue, age_at};
use tessera_core::keys::{from_hex, public_key_from_text, public_key_to_text, to_hex};
use tessera_core::{
    Attributes, DOCTYPE_EID, HeldCredential, IssueParams, Status, StatusList, StatusRef, TrustList,
    TrustedIssuer, TrustedKey, UnixTime, issue, kid_for,
};

/// The state file (JSON): counters, keys and settings.
pub const STATE_FILE: &str = "state.json";
/// The revocation file (JSON): credential id → `revoked` or `suspended`.
pub const STATUS_FILE: &str = "status.json";
/// The latest signed trust list in the issuer folder.
pub const TRUST_LIST_FILE: &str = "trust-list.cbor";
/// The trust-list root secret key.
pub const ROOT_KEY_FILE: &str = "root.key";
/// The trust-list root public key (configure verifiers with it).
pub const ROOT_PUB_FILE: &str = "root.pub";
/// A link to the current signing key.
pub const ISSUER_KEY_FILE: &str = "issuer.key";
/// A link to the current signing key's public key.
pub const ISSUER_PUB_FILE: &str = "issuer.pub";
/// The folder of every issuer key, `KID.key` and `KID.pub`.
pub const KEYS_DIR: &str = "keys";
const LOCK_FILE: &str = "lock";
const DAY: u64 = 86_400;
/// A new key's window starts this long before it is made, so that verifiers whose clocks
/// are behind accept its credentials at once. (The key signed nothing before it existed.)
const KEY_BACKDATE: u64 = DAY;

/// Seconds since the Unix epoch, from the system clock.
pub fn now_unix() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Settings for [`init`].
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// Short issuer identifier, as in the trust list and status lists.
    pub issuer_id: String,
    /// Name shown to people.
    pub name: String,
    /// Replace an existing issuer folder.
    pub force: bool,
    /// Now (default: the system clock).
    pub now: Option<UnixTime>,
    /// Seal the secret keys with this passphrase.
    pub passphrase: Option<Passphrase>,
    /// Argon2id cost for sealed keys.
    pub kdf: KdfParams,
    /// Entries per status list; a new list starts when one is full.
    pub list_size: u32,
    /// Status-list time-to-live in seconds (how long a verifier may use one).
    pub status_ttl: u64,
    /// Trust-list validity in seconds (its next_update is issued_at plus this).
    pub trust_ttl: u64,
    /// Longest credential validity, in days.
    pub max_validity_days: u64,
    /// How long a key may sign, in days; its window is this plus the longest validity.
    pub key_lifetime_days: u64,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            issuer_id: "demo.tessera".into(),
            name: "Demo City ID Office".into(),
            force: false,
            now: None,
            passphrase: None,
            kdf: KdfParams::DEFAULT,
            list_size: 1_000_000,
            status_ttl: DAY,
            trust_ttl: 30 * DAY,
            max_validity_days: 3650,
            key_lifetime_days: 3650,
        }
    }
}

/// What [`init`] made.
#[derive(Clone, Debug)]
pub struct InitReport {
    /// The issuer signing key's id.
    pub issuer_kid: [u8; 8],
    /// The root key's public key.
    pub root: VerifyingKey,
    /// The signed trust list written to the folder.
    pub trust_list: PathBuf,
}

/// Options for issuing.
#[derive(Clone, Debug)]
pub struct IssueOptions {
    /// Validity in days (default 5 years).
    pub valid_days: u64,
    /// Start of validity (default: now).
    pub not_before: Option<UnixTime>,
    /// Now (default: the system clock).
    pub now: Option<UnixTime>,
    /// Passphrase of the signing key, if sealed (used by [`issue_one`]).
    pub passphrase: Option<Passphrase>,
}

impl Default for IssueOptions {
    fn default() -> Self {
        IssueOptions {
            valid_days: 365 * 5,
            not_before: None,
            now: None,
            passphrase: None,
        }
    }
}

/// What to do with a credential's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAction {
    /// Permanently invalid.
    Revoke,
    /// Invalid until reinstated.
    Suspend,
    /// Valid again after a suspension.
    Reinstate,
    /// Valid again after a revocation made by mistake.
    UndoRevocation,
}

/// Options for [`Issuer::publish`].
#[derive(Clone, Debug, Default)]
pub struct PublishOptions {
    /// Now (default: the system clock).
    pub now: Option<UnixTime>,
    /// Status-list time-to-live in seconds (default: the folder's setting).
    pub status_ttl: Option<u64>,
    /// Trust-list validity in seconds (default: the folder's setting).
    pub trust_ttl: Option<u64>,
}

/// One file written by [`Issuer::publish`].
#[derive(Clone, Debug, Serialize)]
pub struct PublishedFile {
    /// Path relative to the publish folder.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// What [`Issuer::publish`] wrote.
#[derive(Clone, Debug)]
pub struct PublishReport {
    /// The trust list's sequence number.
    pub sequence: u64,
    /// The trust list, then the status lists in order.
    pub files: Vec<PublishedFile>,
}

/// One issuer key as listed by [`Issuer::keys`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Key id.
    pub kid: [u8; 8],
    /// Public key.
    pub key: VerifyingKey,
    /// Start of the key's window.
    pub not_before: UnixTime,
    /// End of the key's window.
    pub not_after: UnixTime,
    /// When it was retired.
    pub retired_at: Option<UnixTime>,
    /// When it was revoked (left out of every trust list signed since).
    pub revoked_at: Option<UnixTime>,
    /// Whether it is the signing key.
    pub signing: bool,
    /// The latest expiry of any credential it signed.
    pub latest_expiry: UnixTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyRecord {
    kid: String,
    public: String,
    not_before: UnixTime,
    not_after: UnixTime,
    retired_at: Option<UnixTime>,
    latest_expiry: UnixTime,
    /// When the key was revoked (compromised): no trust list lists it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoked_at: Option<UnixTime>,
}

/// A status-index reservation of a batch chunk, persisted before anything is signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pending {
    pub out: String,
    pub first_line: u64,
    pub now: UnixTime,
    pub first_list: u32,
    pub first_index: u32,
    pub count: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct State {
    format: u32,
    issuer_id: String,
    name: String,
    doctypes: Vec<String>,
    status_bits: u8,
    list_size: u32,
    status_ttl: u64,
    trust_ttl: u64,
    max_validity: u64,
    key_lifetime: u64,
    trust_sequence: u64,
    next_list: u32,
    next_index: u32,
    signing_kid: String,
    keys: Vec<KeyRecord>,
    pub(crate) pending: Option<Pending>,
    /// Argon2id cost for keys sealed later (key rotation): `[m KiB, t, p]`.
    #[serde(default = "default_kdf")]
    kdf: [u32; 3],
    /// `issued_at` of the last published status lists: each publish uses a later second, so
    /// two publishes within one second still give verifiers a newer list to install.
    #[serde(default)]
    last_status_issued_at: UnixTime,
}

fn default_kdf() -> [u32; 3] {
    let k = KdfParams::DEFAULT;
    [k.m_cost_kib, k.t_cost, k.p_cost]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Mark {
    Revoked,
    Suspended,
}

/// An open issuer folder. Holds the folder's lock until dropped, so two processes never
/// assign the same status index.
pub struct Issuer {
    dir: PathBuf,
    pub(crate) state: State,
    marks: BTreeMap<StatusRef, Mark>,
    passphrase: Option<Passphrase>,
    signing: Option<SigningKey>,
    _lock: File,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("dir", &self.dir)
            .field("issuer_id", &self.state.issuer_id)
            .finish_non_exhaustive()
    }
}

fn lock(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK_FILE);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Locked(dir.to_path_buf())),
        Err(fs::TryLockError::Error(e)) => Err(io(&path)(e)),
    }
}

fn key_paths(dir: &Path, kid: &str) -> (PathBuf, PathBuf) {
    let keys = dir.join(KEYS_DIR);
    (
        keys.join(format!("{kid}.key")),
        keys.join(format!("{kid}.pub")),
    )
}

fn write_key_pair(
    dir: &Path,
    key: &SigningKey,
    comment: &str,
    pass: Option<&Passphrase>,
    kdf: KdfParams,
) -> Result<String, Error> {
    let kid = to_hex(&kid_for(&key.verifying_key()));
    let (sk, pk) = key_paths(dir, &kid);
    let text = seal_secret_key(key, comment, pass, kdf).map_err(|source| Error::SecretKey {
        path: sk.clone(),
        source,
    })?;
    write_atomic(&sk, text.as_bytes(), SECRET_MODE).map_err(io(&sk))?;
    let pub_text = public_key_to_text(&key.verifying_key(), comment);
    write_atomic(&pk, pub_text.as_bytes(), PUBLIC_MODE).map_err(io(&pk))?;
    Ok(kid)
}

fn point_links(dir: &Path, kid: &str) -> Result<(), Error> {
    for (ext, link) in [("key", ISSUER_KEY_FILE), ("pub", ISSUER_PUB_FILE)] {
        let path = dir.join(link);
        let target = Path::new(KEYS_DIR).join(format!("{kid}.{ext}"));
        fsutil::symlink_atomic(&target, &path).map_err(io(&path))?;
    }
    Ok(())
}

/// Creates an issuer folder: an issuer signing key, a trust-list root key, a trust list
/// signed by the root listing the issuer key, and the state files. Refuses to overwrite an
/// issuer folder unless `opts.force`.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<InitReport, Error> {
    let now = opts.now.unwrap_or_else(now_unix);
    if opts.issuer_id.is_empty() || opts.name.is_empty() {
        return Err(Error::Invalid(
            "the issuer id and name must not be empty".into(),
        ));
    }
    if opts.list_size == 0 || opts.max_validity_days == 0 {
        return Err(Error::Invalid(
            "--list-size and --max-validity-days must be at least 1".into(),
        ));
    }
    let existing = [STATE_FILE, ROOT_KEY_FILE, ISSUER_KEY_FILE, KEYS_DIR]
        .iter()
        .any(|f| dir.join(f).symlink_metadata().is_ok());
    if existing && !opts.force {
        return Err(Error::Exists(dir.to_path_buf()));
    }
    fsutil::create_dir(dir, 0o700).map_err(io(dir))?;
    let lock = lock(dir)?;
    if existing {
        let keys = dir.join(KEYS_DIR);
        if keys.exists() {
            fs::remove_dir_all(&keys).map_err(io(&keys))?;
        }
    }
    fsutil::create_dir(&dir.join(KEYS_DIR), 0o700).map_err(io(dir))?;
    let mut rng = OsRng::new();
    let issuer_key = SigningKey::generate(&mut rng);
    let root = SigningKey::generate(&mut rng);
    let pass = opts.passphrase.as_ref();
    let comment = format!("tessera issuer key of {}", opts.issuer_id);
    let kid = write_key_pair(dir, &issuer_key, &comment, pass, opts.kdf)?;
    point_links(dir, &kid)?;
    let root_comment = format!("tessera trust-list root key of {}", opts.issuer_id);
    let rk = dir.join(ROOT_KEY_FILE);
    let text = seal_secret_key(&root, &root_comment, pass, opts.kdf).map_err(|source| {
        Error::SecretKey {
            path: rk.clone(),
            source,
        }
    })?;
    write_atomic(&rk, text.as_bytes(), SECRET_MODE).map_err(io(&rk))?;
    let rp = dir.join(ROOT_PUB_FILE);
    write_atomic(
        &rp,
        public_key_to_text(&root.verifying_key(), &root_comment).as_bytes(),
        PUBLIC_MODE,
    )
    .map_err(io(&rp))?;
    let max_validity = opts.max_validity_days.saturating_mul(DAY);
    let key_lifetime = opts.key_lifetime_days.saturating_mul(DAY);
    let state = State {
        format: 1,
        issuer_id: opts.issuer_id.clone(),
        name: opts.name.clone(),
        doctypes: vec![DOCTYPE_EID.into()],
        status_bits: 2,
        list_size: opts.list_size,
        status_ttl: opts.status_ttl,
        trust_ttl: opts.trust_ttl,
        max_validity,
        key_lifetime,
        trust_sequence: 0,
        next_list: 0,
        next_index: 0,
        signing_kid: kid.clone(),
        keys: vec![KeyRecord {
            kid: kid.clone(),
            public: to_hex(issuer_key.verifying_key().as_bytes()),
            not_before: now.saturating_sub(KEY_BACKDATE),
            not_after: now
                .saturating_add(key_lifetime)
                .saturating_add(max_validity),
            retired_at: None,
            latest_expiry: 0,
            revoked_at: None,
        }],
        pending: None,
        kdf: [opts.kdf.m_cost_kib, opts.kdf.t_cost, opts.kdf.p_cost],
        last_status_issued_at: 0,
    };
    let mut issuer = Issuer {
        dir: dir.to_path_buf(),
        state,
        marks: BTreeMap::new(),
        passphrase: opts.passphrase.clone(),
        signing: Some(issuer_key.clone()),
        _lock: lock,
    };
    issuer.save_marks()?;
    let trust_list = issuer.resign_trust_list_with(&root, now)?;
    Ok(InitReport {
        issuer_kid: kid_for(&issuer_key.verifying_key()),
        root: root.verifying_key(),
        trust_list,
    })
}

/// Opens `dir` and issues one credential to `holder` (see [`Issuer::issue`]).
pub fn issue_one(
    dir: &Path,
    holder: &VerifyingKey,
    attributes: &Attributes,
    opts: &IssueOptions,
) -> Result<HeldCredential, Error> {
    Issuer::open(dir, opts.passphrase.clone())?.issue(holder, attributes, opts)
}

/// Reads a public key file (`tessera-ed25519-public-key-v1`).
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, Error> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    public_key_from_text(&text).map_err(|source| Error::PublicKey {
        path: path.to_path_buf(),
        source,
    })
}

/// The credential's attributes with the issuer-computed age flags at `not_before`.
pub(crate) fn with_age_flags(mut a: Attributes, not_before: UnixTime) -> Result<Attributes, Error> {
    for id in [AttrId::AgeOver16, AttrId::AgeOver18, AttrId::AgeOver60] {
        a.0.remove(&id);
    }
    if let Some(AttrValue::Text(b)) = a.get(AttrId::BirthDate)
        && age_at(b, not_before).is_none()
    {
        return Err(Error::Invalid(format!(
            "birth_date {b} is after the start of validity"
        )));
    }
    a.compute_age_flags(not_before);
    Ok(a)
}

/// The `n` ids that follow `first`, moving to the next list when one is full.
pub(crate) fn ids_from(first: StatusRef, count: u32, list_size: u32) -> Vec<StatusRef> {
    let mut out = Vec::with_capacity(count as usize);
    let mut id = first;
    for _ in 0..count {
        if id.index >= list_size {
            id = StatusRef {
                list: id.list + 1,
                index: 0,
            };
        }
        out.push(id);
        id.index += 1;
    }
    out
}

impl Issuer {
    /// Opens an issuer folder and takes its lock. `passphrase` opens sealed keys when they
    /// are needed.
    pub fn open(dir: &Path, passphrase: Option<Passphrase>) -> Result<Issuer, Error> {
        let sp = dir.join(STATE_FILE);
        if !sp.exists() {
            return Err(Error::NotInitialised(dir.to_path_buf()));
        }
        let lock = lock(dir)?;
        let bad = |path: &Path, reason: String| Error::BadState {
            path: path.to_path_buf(),
            reason,
        };
        let state: State = serde_json::from_slice(&fs::read(&sp).map_err(io(&sp))?)
            .map_err(|e| bad(&sp, e.to_string()))?;
        if state.format != 1 {
            return Err(bad(&sp, format!("unsupported format {}", state.format)));
        }
        let mp = dir.join(STATUS_FILE);
        let raw: BTreeMap<String, Mark> = serde_json::from_slice(&fs::read(&mp).map_err(io(&mp))?)
            .map_err(|e| bad(&mp, e.to_string()))?;
        let mut marks = BTreeMap::new();
        for (k, v) in raw {
            let id: StatusRef = k
                .parse()
                .map_err(|e: tessera_core::StatusRefError| bad(&mp, e.to_string()))?;
            marks.insert(id, v);
        }
        Ok(Issuer {
            dir: dir.to_path_buf(),
            state,
            marks,
            passphrase,
            signing: None,
            _lock: lock,
        })
    }

    /// The issuer folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The issuer identifier.
    pub fn issuer_id(&self) -> &str {
        &self.state.issuer_id
    }

    /// The id the next credential will get.
    pub fn next_id(&self) -> StatusRef {
        ids_from(
            StatusRef {
                list: self.state.next_list,
                index: self.state.next_index,
            },
            1,
            self.state.list_size,
        )[0]
    }

    /// Entries per status list.
    pub fn list_size(&self) -> u32 {
        self.state.list_size
    }

    pub(crate) fn save_state(&self) -> Result<(), Error> {
        let path = self.dir.join(STATE_FILE);
        let mut json = serde_json::to_vec_pretty(&self.state).map_err(|e| Error::BadState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, PUBLIC_MODE).map_err(io(&path))
    }

    fn save_marks(&self) -> Result<(), Error> {
        let path = self.dir.join(STATUS_FILE);
        let raw: BTreeMap<String, Mark> = self
            .marks
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let mut json = serde_json::to_vec_pretty(&raw).map_err(|e| Error::BadState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, PUBLIC_MODE).map_err(io(&path))
    }

    fn read_secret(&self, path: &Path) -> Result<SigningKey, Error> {
        let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(io(path))?);
        open_secret_key(&text, self.passphrase.as_ref()).map_err(|source| Error::SecretKey {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The signing key, read (and unsealed) on first use.
    pub(crate) fn signing_key(&mut self) -> Result<&SigningKey, Error> {
        if self.signing.is_none() {
            let (sk, _) = key_paths(&self.dir, &self.state.signing_kid);
            let key = self.read_secret(&sk)?;
            if to_hex(&kid_for(&key.verifying_key())) != self.state.signing_kid {
                return Err(Error::BadState {
                    path: sk,
                    reason: "the key in this file does not match its name".into(),
                });
            }
            self.signing = Some(key);
        }
        // Set just above.
        self.signing
            .as_ref()
            .ok_or_else(|| Error::Invalid("no signing key".into()))
    }

    fn signing_record(&mut self) -> Result<&mut KeyRecord, Error> {
        let kid = self.state.signing_kid.clone();
        self.state
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or(Error::UnknownKey(kid))
    }

    /// Checks the options and returns (not_before, expires).
    pub(crate) fn validity(
        &mut self,
        valid_days: u64,
        not_before: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<(UnixTime, UnixTime), Error> {
        let nbf = not_before.unwrap_or(now);
        let secs = valid_days.saturating_mul(DAY);
        if valid_days == 0 || secs > self.state.max_validity {
            return Err(Error::Invalid(format!(
                "--valid-days must be between 1 and {} (this issuer's longest validity)",
                self.state.max_validity / DAY
            )));
        }
        let expires = nbf.saturating_add(secs);
        let rec = self.signing_record()?;
        if expires > rec.not_after {
            return Err(Error::KeyWindow {
                expires,
                not_after: rec.not_after,
            });
        }
        Ok((nbf, expires))
    }

    /// Reserves `count` status ids for credentials that expire at `expires`, and persists
    /// the reservation (with `pending`, for a batch) before returning.
    pub(crate) fn allocate(
        &mut self,
        count: u32,
        expires: UnixTime,
        pending: Option<Pending>,
    ) -> Result<Vec<StatusRef>, Error> {
        let first = self.next_id();
        let ids = ids_from(first, count, self.state.list_size);
        if let Some(last) = ids.last() {
            if last.list == u32::MAX && last.index == u32::MAX {
                return Err(Error::Invalid("every status id has been used".into()));
            }
            self.state.next_list = last.list;
            self.state.next_index = last.index + 1;
        }
        let rec = self.signing_record()?;
        rec.latest_expiry = rec.latest_expiry.max(expires);
        self.state.pending = pending.map(|p| Pending {
            first_list: first.list,
            first_index: first.index,
            count,
            ..p
        });
        self.save_state()?;
        Ok(ids)
    }

    /// Issues one credential to `holder` with `attributes` (age flags are computed here, at
    /// the start of validity). The status id is assigned and persisted before signing, so
    /// it is never reused, even after a crash.
    pub fn issue(
        &mut self,
        holder: &VerifyingKey,
        attributes: &Attributes,
        opts: &IssueOptions,
    ) -> Result<HeldCredential, Error> {
        let now = opts.now.unwrap_or_else(now_unix);
        tessera_core::keys::check_holder_key(holder.as_bytes()).map_err(Error::HolderKey)?;
        let (not_before, expires) = self.validity(opts.valid_days, opts.not_before, now)?;
        let attributes = with_age_flags(attributes.clone(), not_before)?;
        self.signing_key()?;
        let status = self.allocate(1, expires, None)?[0];
        let params = IssueParams {
            holder: *holder,
            not_before,
            expires,
            status,
            attributes,
        };
        let key = self.signing_key()?;
        Ok(issue(key, &params, &mut OsRng::new())?)
    }

    /// Changes the status of credentials. Revocation is permanent except through
    /// [`StatusAction::UndoRevocation`]; suspending or reinstating a revoked credential is
    /// an error. Takes effect at the next [`Issuer::publish`].
    pub fn set_status(&mut self, ids: &[StatusRef], action: StatusAction) -> Result<(), Error> {
        let next = self.next_id();
        for &id in ids {
            let issued =
                (id.list, id.index) < (next.list, next.index) && id.index < self.state.list_size;
            if !issued {
                return Err(Error::NotIssued { id, next });
            }
            let current = self.marks.get(&id).copied();
            match (action, current) {
                (StatusAction::Revoke, _) => {
                    self.marks.insert(id, Mark::Revoked);
                }
                (_, Some(Mark::Revoked)) if action != StatusAction::UndoRevocation => {
                    return Err(Error::Revoked(id));
                }
                (StatusAction::Suspend, _) => {
                    self.marks.insert(id, Mark::Suspended);
                }
                (StatusAction::Reinstate | StatusAction::UndoRevocation, _) => {
                    self.marks.remove(&id);
                }
            }
        }
        self.save_marks()
    }

    /// The status a credential will have in the next published list.
    pub fn status_of(&self, id: StatusRef) -> Status {
        match self.marks.get(&id) {
            None => Status::Valid,
            Some(Mark::Revoked) => Status::Revoked,
            Some(Mark::Suspended) => Status::Suspended,
        }
    }

    /// The trust list as it would be signed now (sequence not yet increased).
    pub fn trust_list(&self, now: UnixTime) -> Result<TrustList, Error> {
        let mut keys = Vec::new();
        for k in &self.state.keys {
            if k.not_after <= now || k.revoked_at.is_some() {
                continue;
            }
            let bytes: [u8; 32] = from_hex(&k.public).ok_or_else(|| Error::BadState {
                path: self.dir.join(STATE_FILE),
                reason: format!("key {}: bad public key", k.kid),
            })?;
            let key = VerifyingKey::from_bytes(&bytes).map_err(|_| Error::BadState {
                path: self.dir.join(STATE_FILE),
                reason: format!("key {}: not an ed25519 point", k.kid),
            })?;
            keys.push(TrustedKey::new(key, k.not_before, k.not_after));
        }
        Ok(TrustList {
            sequence: self.state.trust_sequence,
            issued_at: now,
            next_update: now.saturating_add(self.state.trust_ttl),
            issuers: vec![TrustedIssuer {
                id: self.state.issuer_id.clone(),
                name: self.state.name.clone(),
                doctypes: self.state.doctypes.clone(),
                keys,
            }],
        })
    }

    fn root_key(&self) -> Result<SigningKey, Error> {
        self.read_secret(&self.dir.join(ROOT_KEY_FILE))
    }

    /// Signs a new trust list (sequence + 1) into the issuer folder; returns its bytes.
    fn resign_trust_list(&mut self, now: UnixTime, ttl: Option<u64>) -> Result<Vec<u8>, Error> {
        let root = self.root_key()?;
        self.resign_with(&root, now, ttl)
    }

    fn resign_trust_list_with(
        &mut self,
        root: &SigningKey,
        now: UnixTime,
    ) -> Result<PathBuf, Error> {
        self.resign_with(root, now, None)?;
        Ok(self.dir.join(TRUST_LIST_FILE))
    }

    fn resign_with(
        &mut self,
        root: &SigningKey,
        now: UnixTime,
        ttl: Option<u64>,
    ) -> Result<Vec<u8>, Error> {
        self.state.trust_sequence += 1;
        self.save_state()?;
        let mut list = self.trust_list(now)?;
        if let Some(ttl) = ttl {
            list.next_update = now.saturating_add(ttl);
        }
        let bytes = list.sign(root);
        let path = self.dir.join(TRUST_LIST_FILE);
        write_atomic(&path, &bytes, PUBLIC_MODE).map_err(io(&path))?;
        Ok(bytes)
    }

    /// Writes the signed trust list (with a higher sequence number) and every status list
    /// into `out`, ready for a static file server: `trust-list.cbor`, `status/LIST.cbor`
    /// and `index.json`. Files are replaced atomically.
    pub fn publish(&mut self, out: &Path, opts: &PublishOptions) -> Result<PublishReport, Error> {
        let now = opts.now.unwrap_or_else(now_unix);
        let ttl = opts.status_ttl.unwrap_or(self.state.status_ttl);
        fsutil::create_dir(&out.join("status"), 0o755).map_err(io(out))?;
        let trust = self.resign_trust_list(now, opts.trust_ttl)?;
        let mut files = vec![write_published(out, "trust-list.cbor", &trust)?];
        let next = self.next_id();
        let last = if next.index == 0 && next.list > 0 {
            next.list - 1
        } else {
            next.list
        };
        let key = self.signing_key()?.clone();
        let issued_at = now.max(self.state.last_status_issued_at.saturating_add(1));
        self.state.last_status_issued_at = issued_at;
        self.save_state()?;
        for list in 0..=last {
            let bytes = self.status_list(list, issued_at, ttl)?.sign(&key);
            files.push(write_published(
                out,
                &format!("status/{list}.cbor"),
                &bytes,
            )?);
        }
        let index = serde_json::json!({
            "issuer": self.state.issuer_id,
            "issued_at": now,
            "trust_list_sequence": self.state.trust_sequence,
            "status_bits": self.state.status_bits,
            "status_list_size": self.state.list_size,
            "status_ttl": ttl,
            "files": files,
        });
        let mut json = serde_json::to_vec_pretty(&index).unwrap_or_default();
        json.push(b'\n');
        let ip = out.join("index.json");
        write_atomic(&ip, &json, PUBLIC_MODE).map_err(io(&ip))?;
        Ok(PublishReport {
            sequence: self.state.trust_sequence,
            files,
        })
    }

    /// Status list number `list` as it would be published (unsigned).
    pub fn status_list(&self, list: u32, now: UnixTime, ttl: u64) -> Result<StatusList, Error> {
        let mut l = StatusList::new(
            &self.state.issuer_id,
            list,
            self.state.status_bits,
            self.state.list_size,
            now,
            ttl,
        );
        let from = StatusRef { list, index: 0 };
        let to = StatusRef {
            list,
            index: u32::MAX,
        };
        for (id, mark) in self.marks.range(from..=to) {
            let status = match mark {
                Mark::Revoked => Status::Revoked,
                Mark::Suspended => Status::Suspended,
            };
            l.set(id.index, status)
                .map_err(|e| Error::Invalid(format!("credential {id}: {e}")))?;
        }
        Ok(l)
    }

    /// Adds a new issuer key, which becomes the signing key; the old keys stay in the trust
    /// list (re-signed here) until retired. Returns the new key id.
    pub fn add_key(&mut self, now: Option<UnixTime>) -> Result<[u8; 8], Error> {
        let now = now.unwrap_or_else(now_unix);
        // Check the current keys can be opened before changing anything.
        let sealed = {
            let (sk, _) = key_paths(&self.dir, &self.state.signing_kid);
            is_sealed(&fs::read_to_string(&sk).map_err(io(&sk))?)
        };
        if sealed && self.passphrase.is_none() {
            return Err(Error::SecretKey {
                path: self.dir.join(ISSUER_KEY_FILE),
                source: crate::SecretKeyError::NeedsPassphrase,
            });
        }
        let root = self.root_key()?;
        let key = SigningKey::generate(&mut OsRng::new());
        let comment = format!("tessera issuer key of {}", self.state.issuer_id);
        let kid = write_key_pair(
            &self.dir,
            &key,
            &comment,
            self.passphrase.as_ref(),
            KdfParams {
                m_cost_kib: self.state.kdf[0],
                t_cost: self.state.kdf[1],
                p_cost: self.state.kdf[2],
            },
        )?;
        self.state.keys.push(KeyRecord {
            kid: kid.clone(),
            public: to_hex(key.verifying_key().as_bytes()),
            not_before: now.saturating_sub(KEY_BACKDATE),
            not_after: now
                .saturating_add(self.state.key_lifetime)
                .saturating_add(self.state.max_validity),
            retired_at: None,
            latest_expiry: 0,
            revoked_at: None,
        });
        self.state.signing_kid = kid.clone();
        self.signing = Some(key.clone());
        self.resign_with(&root, now, None)?;
        point_links(&self.dir, &kid)?;
        Ok(kid_for(&key.verifying_key()))
    }

    /// Retires a key that is not the signing key: its window now ends when the last
    /// credential it signed expires (never later than before), so its credentials keep
    /// verifying until then. Re-signs the trust list.
    pub fn retire_key(&mut self, kid: &str, now: Option<UnixTime>) -> Result<KeyInfo, Error> {
        let now = now.unwrap_or_else(now_unix);
        let kid = kid.to_ascii_lowercase();
        if kid == self.state.signing_kid {
            return Err(Error::Invalid(format!(
                "key {kid} is the signing key: add a new key first (`tessera-issuer key add`)"
            )));
        }
        let root = self.root_key()?;
        let rec = self
            .state
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| Error::UnknownKey(kid.clone()))?;
        if rec.retired_at.is_none() {
            rec.retired_at = Some(now);
            rec.not_after = rec.not_after.min(rec.latest_expiry.max(now));
        }
        self.resign_with(&root, now, None)?;
        self.keys()
            .into_iter()
            .find(|k| to_hex(&k.kid) == kid)
            .ok_or(Error::UnknownKey(kid))
    }

    /// Revokes a key that is not the signing key, for a key that was stolen or may have
    /// been: the trust list is re-signed without it (sequence + 1), so every verifier that
    /// installs that list or a later one refuses every credential it signed, whatever their
    /// expiry. Permanent: a revoked key never returns to a trust list. Publish the new trust
    /// list at once and re-issue the key's credentials under the new signing key (see
    /// docs/issuer.md). To revoke the signing key, add a new key first.
    pub fn revoke_key(&mut self, kid: &str, now: Option<UnixTime>) -> Result<KeyInfo, Error> {
        let now = now.unwrap_or_else(now_unix);
        let kid = kid.to_ascii_lowercase();
        if kid == self.state.signing_kid {
            return Err(Error::Invalid(format!(
                "key {kid} is the signing key: add a new key first (`tessera-issuer key add`), then revoke this one"
            )));
        }
        let root = self.root_key()?;
        let rec = self
            .state
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| Error::UnknownKey(kid.clone()))?;
        if rec.revoked_at.is_none() {
            rec.revoked_at = Some(now);
        }
        self.resign_with(&root, now, None)?;
        self.keys()
            .into_iter()
            .find(|k| to_hex(&k.kid) == kid)
            .ok_or(Error::UnknownKey(kid))
    }

    /// Every issuer key, oldest first.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.state
            .keys
            .iter()
            .filter_map(|k| {
                let key = VerifyingKey::from_bytes(&from_hex(&k.public)?).ok()?;
                Some(KeyInfo {
                    kid: kid_for(&key),
                    key,
                    not_before: k.not_before,
                    not_after: k.not_after,
                    retired_at: k.retired_at,
                    revoked_at: k.revoked_at,
                    signing: k.kid == self.state.signing_kid,
                    latest_expiry: k.latest_expiry,
                })
            })
            .collect()
    }
}

fn write_published(out: &Path, name: &str, bytes: &[u8]) -> Result<PublishedFile, Error> {
    let path = out.join(name);
    write_atomic(&path, bytes, PUBLIC_MODE).map_err(io(&path))?;
    Ok(PublishedFile {
        file: name.to_string(),
        bytes: bytes.len() as u64,
        sha256: to_hex(&Sha256::digest(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_roll_over_to_the_next_list() {
        let ids = ids_from(StatusRef { list: 0, index: 2 }, 4, 3);
        let s: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["0-2", "1-0", "1-1", "1-2"]);
    }
}
