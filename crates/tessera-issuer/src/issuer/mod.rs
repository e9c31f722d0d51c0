//! The issuer folder: its files, state and lock, and opening it ([`Issuer::open`]). The rest
//! is in one module each: making a folder ([`init`](mod@init)), issuing one credential
//! (`issue`), the signing and root keys (`keys`), revocation marks and status lists
//! (`status`), and the signed files for verifiers (`publish`).

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

mod alloc;
mod init;
mod issue;
mod keys;
mod publish;
mod register;
mod status;

pub(crate) use alloc::Draw;
pub use alloc::USED_DIR;
pub use init::{InitOptions, InitReport, init};
pub(crate) use issue::with_age_flags;
pub use issue::{IssueOptions, issue_one, read_public_key};
pub use keys::KeyInfo;
pub use publish::{PublishOptions, PublishReport, PublishedFile};
pub use register::REGISTER_FILE;
pub use status::StatusAction;
pub(crate) use status::{Mark, ids_from};

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
    /// The reserved ids, `LIST-INDEX` (empty in reservations from before random placement,
    /// which were the `count` ids from `first_list`/`first_index` on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
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
    let k = crate::DEFAULT_KEY_KDF;
    [k.m_cost_kib, k.t_cost, k.p_cost]
}

/// An open issuer folder. Holds the folder's lock until dropped, so two processes never
/// assign the same status index.
pub struct Issuer {
    dir: PathBuf,
    pub(crate) state: State,
    marks: BTreeMap<StatusRef, Mark>,
    register: register::Register,
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
            register: register::Register::read(dir)?,
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

    /// The id the next single credential will get, unless a batch takes it first (batches
    /// draw random free ids).
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
}
