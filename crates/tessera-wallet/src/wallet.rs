//! The wallet model: device key, credentials, presentations and history, all kept in the
//! encrypted store.

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tessera_core::attributes::{AttrId, Purpose};
use tessera_core::batch::{BatchFile, BatchSeed, BatchSigner, DEFAULT_BATCH_COUNT};
use tessera_core::credential::CredentialError;
use tessera_core::keys::to_hex;
use tessera_core::presentation::present_with;
use tessera_core::request::{self, VerifiedRequest};
use tessera_core::{
    DOCTYPE_EID, HeldCredential, IssuerLookup, PresentError, PresentRequest, TrustList,
    TrustListError, UnixTime, present, text,
};
use tessera_store::{Change, KdfParams, RecordKind, Secret, Store, StoreError};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::held::{self, Group, Held, UseState};

/// The record id of the device key.
const DEVICE_KEY_ID: &str = "device";

/// The setting record that holds the outstanding enrolment request (its signed bytes).
const PENDING_REQUEST_ID: &str = "enrolment-request";

/// Prefix of the setting record that holds the outstanding renewal request of a credential
/// id (`renewal:` + id).
const RENEWAL_PREFIX: &str = "renewal:";

/// How many credentials a wallet asks for in one batch unless told otherwise (the core's
/// default; docs/wallet.md).
pub const BATCH_SIZE: u32 = DEFAULT_BATCH_COUNT;

/// The batch runs low when at most 1/`LOW_DIVISOR` of the newest batch is still fresh (8 of
/// 32): the wallet then says so and makes a renewal request. docs/wallet.md says why.
pub const LOW_DIVISOR: usize = held::LOW_DIVISOR;

/// Largest file an import reads: a credential file or a batch file, within the core's
/// limits (the command line and the app read at most this many bytes).
pub const MAX_IMPORT_LEN: usize =
    if tessera_core::batch::BATCH_FILE_MAX > tessera_core::credential::MAX_CREDENTIAL_LEN {
        tessera_core::batch::BATCH_FILE_MAX
    } else {
        tessera_core::credential::MAX_CREDENTIAL_LEN
    };

/// Most batches one credential id keeps at once (a renewal adds one; a batch with no fresh
/// credential left is dropped when the next arrives).
pub const MAX_BATCHES: usize = 16;

/// How the batch behind one credential id stands: what the app shows ("12 of 32 fresh").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchState {
    /// How many credentials the id holds (used ones included).
    pub total: usize,
    /// How many are valid now and never used: each presentation takes one.
    pub fresh: usize,
    /// Whether the fresh ones run low (at most a quarter of the newest batch): time to renew.
    pub low: bool,
    /// The outstanding renewal request, if one was made and not yet answered.
    pub renewal: Option<PendingRequest>,
}

/// How one credential of a batch has been used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialUse {
    /// The key the credential is bound to (what a verifier sees in its presentations).
    pub holder: VerifyingKey,
    /// Its status reference (its own in a batch: a verifier sees it).
    pub status: tessera_core::StatusRef,
    /// How many presentations it made (a renewed QR code on screen is the same one).
    pub uses: u32,
    /// Which presentation of its id last used it, counted from 1: an order, not a time (the
    /// wallet keeps no time of use beside the credentials; the history, which stays on the
    /// device, has the times).
    pub last_use: Option<u64>,
    /// When it expires.
    pub expires: UnixTime,
}

/// How long the wallet shows the same enrolment request before it makes a new one: well
/// inside the issuer's default acceptance window (90 days), so a request handed over on its
/// last day of reuse is still accepted.
pub const REQUEST_REUSE_SECS: u64 = 30 * 86_400;

/// The enrolment request this wallet is waiting to have answered: what was handed to the
/// issuer (file or QR code) and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRequest {
    /// The request's CBOR bytes (the file a clerk can take).
    pub bytes: Vec<u8>,
    /// The checked request (id, time, device key, document type).
    pub request: VerifiedRequest,
}

impl PendingRequest {
    /// The QR text, `TR1:` + base45.
    pub fn text(&self) -> String {
        request::to_text(&self.bytes)
    }
}

/// The setting record that holds the trust list loaded by the citizen: the root public key
/// (32 bytes) followed by the signed list, checked again every time the wallet opens.
const TRUST_LIST_ID: &str = "trust-list";

/// What the wallet could check of a credential's issuer signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerCheck {
    /// A trust list the wallet knows holds the issuer key, and the signature verifies over
    /// these attributes.
    Verified {
        /// The issuer's name from the trust list.
        issuer: String,
    },
    /// No trust list the wallet knows holds the issuer key: the signature, and so the
    /// attributes, could not be checked (the attribute root is the signature's external
    /// data, and Ed25519 needs the public key).
    Unknown,
    /// The issuer key is known but the signature does not verify over these attributes:
    /// the credential was altered.
    BadSignature {
        /// The issuer's name from the trust list.
        issuer: String,
    },
}

/// What an import did to the stored credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Stored under a new id.
    Added,
    /// The same bytes were already stored: nothing changed.
    Unchanged,
    /// Replaced a different credential stored under the same id (only when asked to).
    Replaced,
}

/// What an import stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The credential's id in the wallet.
    pub id: String,
    /// What the wallet could check of the issuer signature.
    pub issuer: IssuerCheck,
    /// Whether it was added, already there, or replaced a different one.
    pub outcome: ImportOutcome,
    /// The enrolment request it answers: the outstanding one, when it asked for this
    /// document type (the credential is bound to this wallet's device key, which every
    /// request of this wallet carries). The credential format has no room for the request
    /// id without changing the QR code, so the match is by key and document type.
    pub answers: Option<PendingRequest>,
}

/// How long before expiry a credential counts as "expiring soon", in seconds (30 days).
pub const SOON: u64 = 30 * 86_400;

/// Why a wallet operation failed.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum WalletError {
    /// The encrypted store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A credential file is not valid.
    #[error("credential file refused: {0}")]
    Credential(CredentialError),
    /// A presentation could not be made.
    #[error("cannot make the code: {0}")]
    Present(PresentError),
    /// The wallet has no device key yet.
    #[error("this wallet has no device key yet: run `tessera-wallet keygen` first")]
    NoDeviceKey,
    /// The credential is bound to another device key.
    #[error("this credential was issued to another device key (not this wallet's)")]
    NotForThisDevice,
    /// No credential with that id.
    #[error("no credential {0:?} in this wallet")]
    NoSuchCredential(String),
    /// More than one credential and none chosen.
    #[error("this wallet holds {0} credentials: choose one with --credential ID (see `list`)")]
    Ambiguous(usize),
    /// The wallet holds no credential.
    #[error("this wallet holds no credential yet: import one or add the demo ID")]
    Empty,
    /// A stored record is damaged.
    #[error("stored record {0:?} is damaged: {1}")]
    Damaged(String, String),
    /// A different credential is stored under the same id: importing would replace it.
    #[error(
        "a different credential is already stored as {id} ({}): importing it would replace the stored one; check the file, then replace it knowingly (`import --replace`, or confirm in the app)",
        .changes.join("; ")
    )]
    WouldReplace {
        /// The id both credentials have.
        id: String,
        /// What would change, one line per item (values escaped for display).
        changes: Vec<String>,
    },
    /// A batch whose credentials do not all carry the same attributes, validity, issuer and
    /// document type.
    #[error(
        "credential file refused: credential {index} of the batch differs from the first in its {what}"
    )]
    BatchMismatch {
        /// The credential's position in the batch.
        index: usize,
        /// What differs.
        what: &'static str,
    },
    /// Importing would keep more than [`MAX_BATCHES`] batches under one id.
    #[error(
        "credential {id} already holds {held} batches with unused credentials: use or remove some before importing another"
    )]
    TooManyBatches {
        /// The credential id.
        id: String,
        /// How many batches it holds.
        held: usize,
    },
    /// A request could not be made (a batch size out of range).
    #[error("cannot make the request: {0}")]
    Request(request::RequestError),
    /// A trust list was refused.
    #[error("trust list refused: {0}")]
    Trust(TrustListError),
    /// A trust list older than the one loaded under the same root.
    #[error(
        "trust list sequence {sequence} is older than the loaded one ({loaded}): load the newest list"
    )]
    OlderTrustList {
        /// The refused list's sequence number.
        sequence: u64,
        /// The loaded list's sequence number.
        loaded: u64,
    },
}

impl From<CredentialError> for WalletError {
    fn from(e: CredentialError) -> Self {
        WalletError::Credential(e)
    }
}

impl From<PresentError> for WalletError {
    fn from(e: PresentError) -> Self {
        WalletError::Present(e)
    }
}

/// How a credential's validity looks now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// Not valid yet.
    NotYetValid,
    /// Valid, and not expiring within [`SOON`].
    Valid,
    /// Valid, but expiring within [`SOON`].
    ExpiringSoon,
    /// Expired.
    Expired,
}

impl Validity {
    /// The validity of `cred` at `now`.
    pub fn of(cred: &HeldCredential, now: UnixTime) -> Validity {
        let c = cred.claims();
        if now < c.not_before {
            Validity::NotYetValid
        } else if now >= c.expires {
            Validity::Expired
        } else if c.expires - now <= SOON {
            Validity::ExpiringSoon
        } else {
            Validity::Valid
        }
    }
}

/// One presentation, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presentation {
    /// The CBOR bytes.
    pub bytes: Vec<u8>,
    /// The QR text (`TS1:` + base45).
    pub text: String,
    /// When it was made.
    pub time: UnixTime,
    /// The purpose.
    pub purpose: Purpose,
    /// The disclosed items.
    pub items: Vec<AttrId>,
}

/// One entry of the presentation history, as the citizen reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// Sequence number in the store.
    #[serde(skip)]
    pub seq: u64,
    /// When.
    pub time: UnixTime,
    /// Purpose name (`age18`, …).
    pub purpose: String,
    /// Disclosed item names.
    pub items: Vec<String>,
    /// The counter code typed in, if any.
    pub counter_code: Option<String>,
    /// The credential presented.
    pub credential: String,
}

/// An unlocked wallet.
pub struct Wallet {
    store: Store,
    trust: Vec<TrustList>,
    /// Serialises the read-choose-mark sequence of presentations.
    use_lock: Mutex<()>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("dir", &self.store.dir())
            .finish()
    }
}

/// The store id of a credential: issuer key id and status reference.
pub fn credential_id(cred: &HeldCredential) -> String {
    format!("{}-{}", to_hex(&cred.kid()), cred.claims().status)
}

impl Wallet {
    /// Creates a new wallet in `dir` protected by `secret`.
    pub fn create(dir: &Path, secret: &Secret, params: KdfParams) -> Result<Wallet, WalletError> {
        Ok(Wallet::from_store(Store::create(dir, secret, params)?))
    }

    /// Unlocks an existing wallet (after wrong PINs, the process first sleeps the delay:
    /// see [`Store::unlock`]).
    pub fn unlock(dir: &Path, secret: &Secret) -> Result<Wallet, WalletError> {
        Ok(Wallet::from_store(Store::unlock(dir, secret)?))
    }

    /// [`Wallet::unlock`] with the delay after wrong PINs waited by `wait` (see
    /// [`Store::unlock_with`]).
    pub fn unlock_with(
        dir: &Path,
        secret: &Secret,
        wait: &mut dyn FnMut(std::time::Duration),
    ) -> Result<Wallet, WalletError> {
        Ok(Wallet::from_store(Store::unlock_with(dir, secret, wait)?))
    }

    /// Wraps an unlocked store. The demo trust list is always known, and so is the trust
    /// list loaded with [`Wallet::load_trust`] (checked again under its root key; one that no
    /// longer verifies is ignored, and its issuers show as unknown).
    pub fn from_store(store: Store) -> Wallet {
        let mut trust: Vec<TrustList> = crate::demo::trust_list().into_iter().collect();
        if let Ok(Some(saved)) = store.get(RecordKind::Setting, TRUST_LIST_ID)
            && let Some(list) = parse_saved_trust(&saved)
        {
            trust.push(list);
        }
        Wallet {
            store,
            trust,
            use_lock: Mutex::new(()),
        }
    }

    /// Checks `signed` (a trust list file) under `root` and keeps it in the wallet, replacing
    /// the one loaded before: the wallet then checks the signatures of its issuers'
    /// credentials and shows their names. A list older (lower sequence) than the loaded one
    /// under the same root is refused.
    pub fn load_trust(
        &mut self,
        signed: &[u8],
        root: &VerifyingKey,
    ) -> Result<TrustList, WalletError> {
        let list = TrustList::from_signed(signed, root).map_err(WalletError::Trust)?;
        if let Some(saved) = self.store.get(RecordKind::Setting, TRUST_LIST_ID)?
            && saved.get(..32) == Some(root.as_bytes().as_slice())
            && let Some(old) = parse_saved_trust(&saved)
            && old.sequence > list.sequence
        {
            return Err(WalletError::OlderTrustList {
                sequence: list.sequence,
                loaded: old.sequence,
            });
        }
        let mut record = Zeroizing::new(Vec::with_capacity(32 + signed.len()));
        record.extend_from_slice(root.as_bytes());
        record.extend_from_slice(signed);
        self.store
            .put(RecordKind::Setting, TRUST_LIST_ID, &record)?;
        self.trust = crate::demo::trust_list().into_iter().collect();
        self.trust.push(list.clone());
        Ok(list)
    }

    /// What the wallet can check of `cred`'s issuer signature with the trust lists it knows.
    pub fn issuer_check(&self, cred: &HeldCredential) -> IssuerCheck {
        match self.trust.iter().find_map(|t| t.find_key(&cred.kid())) {
            None => IssuerCheck::Unknown,
            Some((issuer, key)) => match cred.verify_issuer(&key.key) {
                Ok(()) => IssuerCheck::Verified {
                    issuer: issuer.name.clone(),
                },
                Err(_) => IssuerCheck::BadSignature {
                    issuer: issuer.name.clone(),
                },
            },
        }
    }

    /// The underlying store (settings, backup, PIN change).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The underlying store, mutably (PIN change).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The device key, if made.
    pub fn device_key(&self) -> Result<Option<SigningKey>, WalletError> {
        let Some(bytes) = self.store.get(RecordKind::HolderKey, DEVICE_KEY_ID)? else {
            return Ok(None);
        };
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes[..]
                .try_into()
                .map_err(|_| WalletError::Damaged(DEVICE_KEY_ID.into(), "not 32 bytes".into()))?,
        );
        Ok(Some(SigningKey::from_bytes(&seed)))
    }

    /// The device public key, making the key pair on first use.
    pub fn ensure_device_key<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<VerifyingKey, WalletError> {
        if let Some(k) = self.device_key()? {
            return Ok(k.verifying_key());
        }
        let key = SigningKey::generate(rng);
        let seed = Zeroizing::new(key.to_bytes());
        self.store
            .put(RecordKind::HolderKey, DEVICE_KEY_ID, &seed[..])?;
        Ok(key.verifying_key())
    }

    /// The name of the issuer of `cred`, if a known trust list holds its key.
    pub fn issuer_name(&self, cred: &HeldCredential) -> Option<String> {
        self.trust
            .iter()
            .find_map(|t| t.find_key(&cred.kid()).map(|(i, _)| i.name.clone()))
    }

    /// The enrolment request to hand to an issuer: the outstanding one while it is younger
    /// than [`REQUEST_REUSE_SECS`], else a new one (made with the device key, created on
    /// first use, and a fresh random request id) that replaces it. `fresh` always makes a
    /// new one. The request is kept, sealed in the store, until a credential answers it.
    /// It asks for a batch of [`BATCH_SIZE`] credentials: see
    /// [`Wallet::enrolment_request_batch`].
    pub fn enrolment_request<R: CryptoRng + ?Sized>(
        &self,
        now: UnixTime,
        fresh: bool,
        rng: &mut R,
    ) -> Result<PendingRequest, WalletError> {
        self.enrolment_request_batch(now, fresh, BATCH_SIZE, rng)
    }

    /// [`Wallet::enrolment_request`] for a batch of `count` credentials (1 to the core's
    /// `MAX_BATCH_COUNT`), each bound to a key derived from the device key. An outstanding
    /// request for another count is replaced.
    pub fn enrolment_request_batch<R: CryptoRng + ?Sized>(
        &self,
        now: UnixTime,
        fresh: bool,
        count: u32,
        rng: &mut R,
    ) -> Result<PendingRequest, WalletError> {
        self.ensure_device_key(rng)?;
        let device = self.device_key()?.ok_or(WalletError::NoDeviceKey)?;
        // A damaged record is replaced by a new request.
        if !fresh
            && let Some(p) = self.pending_request().ok().flatten()
            && reusable(&p, &device.verifying_key(), count, now)
        {
            return Ok(p);
        }
        let p = make_request(&device, now, count, rng)?;
        self.store
            .put(RecordKind::Setting, PENDING_REQUEST_ID, &p.bytes)?;
        Ok(p)
    }

    /// The outstanding enrolment request, if any.
    pub fn pending_request(&self) -> Result<Option<PendingRequest>, WalletError> {
        let Some(bytes) = self.store.get(RecordKind::Setting, PENDING_REQUEST_ID)? else {
            return Ok(None);
        };
        let request = VerifiedRequest::from_slice(&bytes)
            .map_err(|e| WalletError::Damaged(PENDING_REQUEST_ID.into(), e.to_string()))?;
        Ok(Some(PendingRequest {
            bytes: bytes.to_vec(),
            request,
        }))
    }

    /// Stores a credential file after checking it: well formed, bound to this device, and
    /// signed by its issuer when the issuer is known to the wallet. Returns its id.
    pub fn import(&self, bytes: &[u8]) -> Result<String, WalletError> {
        Ok(self.import_answering(bytes)?.id)
    }

    /// Like [`Wallet::import`], and says which enrolment request the credential answers;
    /// that request is then no longer outstanding.
    ///
    /// A different credential already stored under the same id is never replaced
    /// ([`WalletError::WouldReplace`] lists what would change): see
    /// [`Wallet::import_replacing`]. Identical bytes change nothing.
    pub fn import_answering(&self, bytes: &[u8]) -> Result<Imported, WalletError> {
        self.import_checked(bytes, false)
    }

    /// Like [`Wallet::import_answering`], but replaces a different credential stored under
    /// the same id: for when the citizen has seen what changes and confirmed.
    pub fn import_replacing(&self, bytes: &[u8]) -> Result<Imported, WalletError> {
        self.import_checked(bytes, true)
    }

    fn import_checked(&self, bytes: &[u8], replace: bool) -> Result<Imported, WalletError> {
        let device = self
            .device_key()?
            .ok_or(WalletError::NoDeviceKey)?
            .verifying_key();
        let (seed, creds) = read_group(bytes, &device)?;
        for cred in &creds {
            if let IssuerCheck::BadSignature { .. } = self.issuer_check(cred) {
                return Err(WalletError::Credential(CredentialError::BadSignature));
            }
        }
        let group = Group::new(seed, &creds).ok_or_else(|| {
            WalletError::Credential(CredentialError::Malformed("no credential".into()))
        })?;
        drop(creds);
        let first = &group.first.clone();
        let issuer = self.issuer_check(first);
        let doctype = first.claims().doctype.clone();
        let start = first.claims().not_before;
        let own_id = credential_id(first);

        // Where it goes: its own id (the same file again, or a different credential under the
        // same issuer key and status: a replacement), an id holding the same attributes (a
        // renewal), the id a renewal request was made for (a renewal whose attributes
        // changed: a replacement), or a new id.
        let mut target: Option<(String, Held, bool)> = None;
        if let Some(old) = self.held_record(&own_id)? {
            target = Some((own_id.clone(), old, false));
        }
        if target.is_none() {
            for id in self.store.list(RecordKind::Credential)? {
                let Some(old) = self.held_record(&id)? else {
                    continue;
                };
                if old.newest().claims().doctype == doctype
                    && self.same_issuer(old.newest(), first)
                    && same_attributes(old.newest(), first)
                {
                    target = Some((id, old, true));
                    break;
                }
            }
        }
        if target.is_none() {
            for id in self.store.list(RecordKind::Credential)? {
                if self.renewal(&id).ok().flatten().is_some()
                    && let Some(old) = self.held_record(&id)?
                    && old.newest().claims().doctype == doctype
                    && self.same_issuer(old.newest(), first)
                {
                    target = Some((id, old, false));
                    break;
                }
            }
        }

        let (id, held, state, outcome) = match target {
            None => {
                let n = group.files.len();
                let held = Held {
                    groups: vec![group],
                };
                (own_id, held, UseState::unused(n), ImportOutcome::Added)
            }
            Some((id, old, _)) if old.groups.iter().any(|g| same_group(g, &group)) => {
                let state = self.use_state(&id, &old)?;
                (id, old, state, ImportOutcome::Unchanged)
            }
            Some((id, old, true)) => {
                let state = self.use_state(&id, &old)?;
                let (held, state) = held::merge(&old, &state, group, start);
                if held.groups.len() > MAX_BATCHES {
                    return Err(WalletError::TooManyBatches {
                        id,
                        held: held.groups.len() - 1,
                    });
                }
                (id, held, state, ImportOutcome::Added)
            }
            Some((id, old, false)) => {
                if !replace {
                    let state = self.use_state(&id, &old)?;
                    let mut changes = changes(old.newest(), first);
                    let unused = old
                        .iter()
                        .zip(&state.uses)
                        .filter(|((g, _), u)| u.uses == 0 && g.expires() > start)
                        .count();
                    match unused {
                        0 => {}
                        1 => {
                            changes.push("1 unused credential of the stored one is dropped".into())
                        }
                        n => changes.push(format!(
                            "{n} unused credentials of the stored one are dropped"
                        )),
                    }
                    return Err(WalletError::WouldReplace { id, changes });
                }
                let n = group.files.len();
                let held = Held {
                    groups: vec![group],
                };
                (id, held, UseState::unused(n), ImportOutcome::Replaced)
            }
        };

        // A damaged pending record must not refuse a good credential: it is only a note.
        let asked =
            |p: &PendingRequest| p.request.holder() == device && p.request.doctype() == doctype;
        let renewal = self.renewal(&id).ok().flatten().filter(asked);
        let enrolment = self.pending_request().ok().flatten().filter(asked);
        let renewal_id = format!("{RENEWAL_PREFIX}{id}");
        let mut writes = Vec::new();
        let (record, uses) = (held.to_vec(), state.to_vec());
        if outcome != ImportOutcome::Unchanged {
            writes.push(Change::Put(RecordKind::Credential, &id, &record));
            writes.push(Change::Put(RecordKind::CredentialUse, &id, &uses));
        }
        if renewal.is_some() {
            writes.push(Change::Remove(RecordKind::Setting, &renewal_id));
        }
        if enrolment.is_some() {
            writes.push(Change::Remove(RecordKind::Setting, PENDING_REQUEST_ID));
        }
        self.store.apply(&writes)?;
        Ok(Imported {
            id,
            issuer,
            outcome,
            answers: renewal.or(enrolment),
        })
    }

    /// Whether two credentials come from the same issuer: the same key, or two keys of one
    /// issuer in a trust list the wallet knows (a key rotation between batches).
    fn same_issuer(&self, a: &HeldCredential, b: &HeldCredential) -> bool {
        a.kid() == b.kid()
            || self.trust.iter().any(|t| {
                matches!(
                    (t.find_key(&a.kid()), t.find_key(&b.kid())),
                    (Some((x, _)), Some((y, _))) if x.id == y.id
                )
            })
    }

    /// What is stored under `id`, if anything.
    fn held_record(&self, id: &str) -> Result<Option<Held>, WalletError> {
        let Some(bytes) = self.store.get(RecordKind::Credential, id)? else {
            return Ok(None);
        };
        Held::from_slice(&bytes)
            .map(Some)
            .map_err(|e| WalletError::Damaged(id.into(), e))
    }

    /// The use state of `id`. A missing record (a credential stored before batches) means
    /// unused; a damaged one, or one that does not match the credentials, counts every
    /// credential as used once, long ago: the wallet never takes a credential for fresh
    /// unless it knows it is (it reuses the least recently used and asks for a renewal).
    fn use_state(&self, id: &str, held: &Held) -> Result<UseState, WalletError> {
        let n = held.len();
        let Some(bytes) = self.store.get(RecordKind::CredentialUse, id)? else {
            return Ok(UseState::unused(n));
        };
        match UseState::from_slice(&bytes) {
            Ok(state) if state.uses.len() == n => Ok(state),
            _ => {
                let mut state = UseState::unused(n);
                for u in &mut state.uses {
                    u.uses = 1;
                }
                Ok(state)
            }
        }
    }

    /// Every credential, by id: for an id holding a batch, the first credential of its newest
    /// batch (they all carry the same attributes; see [`Wallet::batch_state`] for the count).
    pub fn credentials(&self) -> Result<Vec<(String, HeldCredential)>, WalletError> {
        let mut out = Vec::new();
        for id in self.store.list(RecordKind::Credential)? {
            if let Some(held) = self.held_record(&id)? {
                out.push((id, held.newest().clone()));
            }
        }
        Ok(out)
    }

    /// One credential: by id, or the only one when `id` is `None`.
    pub fn credential(&self, id: Option<&str>) -> Result<(String, HeldCredential), WalletError> {
        let (id, held) = self.held(id)?;
        let cred = held.newest().clone();
        Ok((id, cred))
    }

    /// What is stored under `id`, or under the only id when `id` is `None`.
    fn held(&self, id: Option<&str>) -> Result<(String, Held), WalletError> {
        match id {
            Some(id) => {
                let held = self
                    .held_record(id)
                    .map_err(|e| match e {
                        // An id that is not a valid store id is no credential of this wallet.
                        WalletError::Store(StoreError::BadId { .. }) => {
                            WalletError::NoSuchCredential(id.into())
                        }
                        e => e,
                    })?
                    .ok_or_else(|| WalletError::NoSuchCredential(id.into()))?;
                Ok((id.to_string(), held))
            }
            None => {
                let mut ids = self.store.list(RecordKind::Credential)?;
                match ids.len() {
                    0 => Err(WalletError::Empty),
                    1 => {
                        let id = ids.remove(0);
                        let held = self
                            .held_record(&id)?
                            .ok_or_else(|| WalletError::NoSuchCredential(id.clone()))?;
                        Ok((id, held))
                    }
                    n => Err(WalletError::Ambiguous(n)),
                }
            }
        }
    }

    /// Removes a credential (with its batch, its use state and its renewal request).
    pub fn remove_credential(&self, id: &str) -> Result<bool, WalletError> {
        let existed = self.store.get(RecordKind::Credential, id)?.is_some();
        let renewal_id = format!("{RENEWAL_PREFIX}{id}");
        self.store.apply(&[
            Change::Remove(RecordKind::Credential, id),
            Change::Remove(RecordKind::CredentialUse, id),
            Change::Remove(RecordKind::Setting, &renewal_id),
        ])?;
        Ok(existed)
    }

    /// How the batch behind credential `id` stands now (wall clock): see
    /// [`Wallet::batch_state_at`].
    pub fn batch_state(&self, id: &str) -> Result<BatchState, WalletError> {
        self.batch_state_at(id, clock())
    }

    /// How the batch behind credential `id` stands at `now`: how many credentials it holds,
    /// how many are fresh (valid and never used), whether that is low, and the outstanding
    /// renewal request.
    pub fn batch_state_at(&self, id: &str, now: UnixTime) -> Result<BatchState, WalletError> {
        let (id, held) = self.held(Some(id))?;
        let state = self.use_state(&id, &held)?;
        Ok(BatchState {
            total: held.len(),
            fresh: held::fresh_count(&held, &state, now),
            low: held::is_low(&held, &state, now),
            renewal: self.renewal(&id)?,
        })
    }

    /// How each credential of `id` has been used, in the order they are stored.
    pub fn credential_uses(&self, id: &str) -> Result<Vec<CredentialUse>, WalletError> {
        let (id, held) = self.held(Some(id))?;
        let state = self.use_state(&id, &held)?;
        held.iter()
            .zip(&state.uses)
            .map(|((g, i), u)| {
                let c = g.cred(i).map_err(|e| WalletError::Damaged(id.clone(), e))?;
                Ok(CredentialUse {
                    holder: c.claims().holder,
                    status: c.claims().status,
                    uses: u.uses,
                    last_use: (u.uses > 0).then_some(u.last_use),
                    expires: c.claims().expires,
                })
            })
            .collect()
    }

    /// The outstanding renewal request of credential `id`, if any.
    fn renewal(&self, id: &str) -> Result<Option<PendingRequest>, WalletError> {
        let key = format!("{RENEWAL_PREFIX}{id}");
        let Some(bytes) = self.store.get(RecordKind::Setting, &key)? else {
            return Ok(None);
        };
        let request = VerifiedRequest::from_slice(&bytes)
            .map_err(|e| WalletError::Damaged(key.clone(), e.to_string()))?;
        Ok(Some(PendingRequest {
            bytes: bytes.to_vec(),
            request,
        }))
    }

    /// The renewal request of credential `id` (the only one when `None`): a request for a
    /// new batch of the same size as the newest one, signed with the device key the issuer
    /// already knows from the enrolment, so it can be served without a new identity check.
    /// The outstanding one is returned while younger than [`REQUEST_REUSE_SECS`] (`fresh`
    /// always makes a new one); it is kept, sealed, until a batch answers it. `present` makes
    /// one by itself when the batch runs low.
    pub fn renewal_request<R: CryptoRng + ?Sized>(
        &self,
        id: Option<&str>,
        now: UnixTime,
        fresh: bool,
        rng: &mut R,
    ) -> Result<PendingRequest, WalletError> {
        let (id, held) = self.held(id)?;
        let device = self.device_key()?.ok_or(WalletError::NoDeviceKey)?;
        self.renewal_for(&id, &held, &device, now, fresh, rng)
    }

    /// [`Wallet::renewal_request`] for what is stored under `id`, already read.
    fn renewal_for<R: CryptoRng + ?Sized>(
        &self,
        id: &str,
        held: &Held,
        device: &SigningKey,
        now: UnixTime,
        fresh: bool,
        rng: &mut R,
    ) -> Result<PendingRequest, WalletError> {
        let count = match held.groups.last() {
            Some(g) if g.seed.is_some() => g.files.len() as u32,
            _ => BATCH_SIZE,
        };
        if !fresh
            && let Some(p) = self.renewal(id).ok().flatten()
            && reusable(&p, &device.verifying_key(), count, now)
        {
            return Ok(p);
        }
        let p = make_request(device, now, count, rng)?;
        self.store.put(
            RecordKind::Setting,
            &format!("{RENEWAL_PREFIX}{id}"),
            &p.bytes,
        )?;
        Ok(p)
    }

    /// Makes a presentation of `items` from credential `id` and records it in the history.
    ///
    /// Each presentation takes a fresh credential of the batch (docs/wallet.md): the one it
    /// takes is marked used, durably, before the code is returned, so a process killed after
    /// that never shows it again as fresh. When none is fresh it reuses the least recently
    /// used. When the fresh ones run low ([`BatchState::low`]), it makes the renewal request
    /// ([`Wallet::renewal_request`]) if none is outstanding.
    pub fn present<R: CryptoRng + ?Sized>(
        &self,
        id: Option<&str>,
        items: &[AttrId],
        purpose: Purpose,
        counter_code: Option<&str>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        let (id, p) = self.make_presentation(id, items, purpose, counter_code, now, true, rng)?;
        let record = HistoryRecord {
            seq: 0,
            time: now,
            purpose: purpose.name().into(),
            items: p.items.iter().map(|a| a.name().to_string()).collect(),
            counter_code: counter_code.map(str::to_string),
            credential: id,
        };
        let json = serde_json::to_vec(&record).unwrap_or_default();
        self.store.append_history(&json)?;
        Ok(p)
    }

    /// Makes a fresh presentation like [`Wallet::present`] without a new history entry and
    /// with the same credential as the last presentation of `id`: the app renews the QR code
    /// every 20 s while it is shown to one verifier, and the citizen's history records the
    /// showing once.
    pub fn present_again<R: CryptoRng + ?Sized>(
        &self,
        id: Option<&str>,
        items: &[AttrId],
        purpose: Purpose,
        counter_code: Option<&str>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        Ok(self
            .make_presentation(id, items, purpose, counter_code, now, false, rng)?
            .1)
    }

    #[allow(clippy::too_many_arguments)]
    fn make_presentation<R: CryptoRng + ?Sized>(
        &self,
        id: Option<&str>,
        items: &[AttrId],
        purpose: Purpose,
        counter_code: Option<&str>,
        now: UnixTime,
        new_use: bool,
        rng: &mut R,
    ) -> Result<(String, Presentation), WalletError> {
        let (id, held) = self.held(id)?;
        let device = self.device_key()?.ok_or(WalletError::NoDeviceKey)?;
        let _guard = self.use_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = self.use_state(&id, &held)?;
        let mut changed = false;
        // Restored from a backup since the last look: the lost device may have gone on using
        // fresh credentials from the front after the backup, so take them from the other end
        // and ask for a renewal at once.
        let restored = match self.store.restore_id()? {
            Some(r) if state.seen_restore != Some(r) => {
                state.from_back = !state.from_back;
                state.seen_restore = Some(r);
                changed = true;
                true
            }
            _ => false,
        };
        let again = state
            .current
            .map(|k| k as usize)
            .filter(|&k| !new_use && k < held.len());
        let k = again.unwrap_or_else(|| held::choose(&held, &state, now));
        let (group, index) = held
            .get(k)
            .ok_or_else(|| WalletError::Damaged(id.clone(), "no credential to present".into()))?;
        let cred = &group
            .cred(index)
            .map_err(|e| WalletError::Damaged(id.clone(), e))?;
        let req = PresentRequest {
            disclose: items,
            purpose,
            counter_code,
            time: now,
        };
        let bytes = match &group.seed {
            Some(seed) => present_with(cred, &BatchSigner::new(&device, seed, index), &req, rng)?,
            None => present(cred, &device, &req, rng)?,
        };
        if again.is_none() {
            let last = state.uses.iter().map(|u| u.last_use).max().unwrap_or(0);
            let u = &mut state.uses[k];
            u.uses = u.uses.saturating_add(1);
            u.last_use = last.saturating_add(1);
            state.current = Some(k as u32);
            changed = true;
        }
        if changed {
            // Durable before the code leaves this function.
            self.store
                .put(RecordKind::CredentialUse, &id, &state.to_vec())?;
        }
        if restored || held::is_low(&held, &state, now) {
            // The code is made and its credential marked: a failure to make the request
            // (it is made again next time) must not withhold the code.
            let _ = self.renewal_for(&id, &held, &device, now, false, rng);
        }
        let mut items = items.to_vec();
        items.sort();
        items.dedup();
        Ok((
            id,
            Presentation {
                text: text::encode(&bytes),
                bytes,
                time: now,
                purpose,
                items,
            },
        ))
    }

    /// The presentation history, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryRecord>, WalletError> {
        let mut out = Vec::new();
        for (seq, bytes) in self.store.history()? {
            let mut rec: HistoryRecord = serde_json::from_slice(&bytes)
                .map_err(|e| WalletError::Damaged(format!("history {seq}"), e.to_string()))?;
            rec.seq = seq;
            out.push(rec);
        }
        Ok(out)
    }

    /// Clears the presentation history.
    pub fn clear_history(&self) -> Result<(), WalletError> {
        Ok(self.store.clear_history()?)
    }

    /// A setting, as text.
    pub fn setting(&self, key: &str) -> Result<Option<String>, WalletError> {
        Ok(self
            .store
            .get(RecordKind::Setting, key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Changes a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), WalletError> {
        Ok(self.store.put(RecordKind::Setting, key, value.as_bytes())?)
    }

    /// The device public key as a key file (what `tessera-issuer issue --holder-key` reads),
    /// making the key pair on first use.
    pub fn device_key_file<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<String, WalletError> {
        let key = self.ensure_device_key(rng)?;
        Ok(tessera_core::keys::public_key_to_text(
            &key,
            "Tessera wallet device key",
        ))
    }

    /// Changes the PIN or passphrase (Argon2id at `params`).
    pub fn change_secret(&mut self, secret: &Secret, params: KdfParams) -> Result<(), WalletError> {
        Ok(self.store.change_secret(secret, params)?)
    }

    /// Writes a backup of the wallet to `out`, sealed under `passphrase` (Argon2id at `params`).
    pub fn backup(
        &self,
        out: &Path,
        passphrase: &Secret,
        params: KdfParams,
    ) -> Result<(), WalletError> {
        Ok(self.store.backup(out, passphrase, params)?)
    }

    /// Whether a wallet exists in `dir` (locked or not).
    pub fn exists(dir: &Path) -> bool {
        Store::exists(dir)
    }

    /// Wrong PINs in a row at the wallet in `dir` since its last unlock (read while locked).
    pub fn failed_attempts(dir: &Path) -> Result<u32, WalletError> {
        Ok(Store::failed_attempts(dir)?)
    }

    /// How long the next unlock of the wallet in `dir` waits before checking the PIN.
    pub fn next_wait(dir: &Path) -> Result<std::time::Duration, WalletError> {
        Ok(Store::next_wait(dir)?)
    }

    /// Deletes the wallet in `dir` (refused while another process has it open).
    pub fn destroy(dir: &Path) -> Result<(), WalletError> {
        Ok(Store::destroy(dir)?)
    }

    /// Restores `backup` into `dir` under the new `secret`. A wallet already in `dir` is
    /// replaced only after the backup has been restored in full beside it, so a wrong
    /// passphrase or a damaged file leaves it untouched.
    pub fn restore(
        backup: &Path,
        passphrase: &Secret,
        dir: &Path,
        secret: &Secret,
        params: KdfParams,
    ) -> Result<(), WalletError> {
        if !Store::exists(dir) {
            return Ok(Store::restore(backup, passphrase, dir, secret, params).map(drop)?);
        }
        let staging = dir.join(".restore-staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(StoreError::from)?;
        }
        let result = Store::restore(backup, passphrase, &staging, secret, params).and_then(|s| {
            // Close the restored store before moving its files.
            drop(s);
            Store::destroy(dir)?;
            std::fs::rename(staging.join("store"), dir.join("store"))?;
            Ok(())
        });
        let _ = std::fs::remove_dir_all(&staging);
        Ok(result?)
    }
}

/// Reads a credential file or a batch file and checks that it is bound to `device`: the
/// credential to the key itself, every credential of a batch to the key derived for its
/// position. A batch's credentials must carry the same document type, issuer, validity and
/// attributes.
fn read_group(
    bytes: &[u8],
    device: &VerifyingKey,
) -> Result<(Option<BatchSeed>, Vec<HeldCredential>), WalletError> {
    // A batch file is the CBOR array ["TB1", seed, [credentials]].
    let batch_head = [
        &[0x83, 0x63][..],
        tessera_core::batch::BATCH_FILE_LABEL.as_bytes(),
    ]
    .concat();
    if !bytes.starts_with(&batch_head) {
        let cred = HeldCredential::from_slice(bytes)?;
        if cred.claims().holder != *device {
            return Err(WalletError::NotForThisDevice);
        }
        return Ok((None, vec![cred]));
    }
    let batch = BatchFile::from_slice(bytes)?;
    batch.check_for(device)?;
    let first = &batch.credentials[0];
    for (index, cred) in batch.credentials.iter().enumerate().skip(1) {
        let (a, b) = (first.claims(), cred.claims());
        let what = if a.doctype != b.doctype {
            "document type"
        } else if cred.kid() != first.kid() {
            "issuer key"
        } else if (a.not_before, a.expires) != (b.not_before, b.expires) {
            "validity"
        } else if !same_attributes(first, cred) {
            "attributes"
        } else {
            continue;
        };
        return Err(WalletError::BatchMismatch { index, what });
    }
    Ok((Some(batch.seed), batch.credentials))
}

/// Whether two credentials carry the same attribute values.
fn same_attributes(a: &HeldCredential, b: &HeldCredential) -> bool {
    a.attributes() == b.attributes()
}

/// Whether two groups are the same batch (or the same credential file).
fn same_group(a: &Group, b: &Group) -> bool {
    a.seed == b.seed && a.files == b.files
}

/// Whether the outstanding request `p` can be shown again: this device's key, the same count,
/// and younger than [`REQUEST_REUSE_SECS`].
fn reusable(p: &PendingRequest, device: &VerifyingKey, count: u32, now: UnixTime) -> bool {
    p.request.holder() == *device
        && p.request.batch_count() == Some(count)
        && p.request.created() <= now
        && now - p.request.created() < REQUEST_REUSE_SECS
}

/// A new batch request for `count` credentials from `device`, with a fresh random id.
fn make_request<R: CryptoRng + ?Sized>(
    device: &SigningKey,
    now: UnixTime,
    count: u32,
    rng: &mut R,
) -> Result<PendingRequest, WalletError> {
    let mut id = [0u8; request::REQUEST_ID_LEN];
    rng.fill_bytes(&mut id);
    let bytes =
        request::build_batch(device, DOCTYPE_EID, now, id, count).map_err(WalletError::Request)?;
    let request = VerifiedRequest::from_slice(&bytes).map_err(WalletError::Request)?;
    Ok(PendingRequest { bytes, request })
}

/// The wall clock, for what the wallet's API asks without a time (the state of a batch, an
/// import's merge).
fn clock() -> UnixTime {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A trust list saved by [`Wallet::load_trust`], checked again under its saved root key.
fn parse_saved_trust(saved: &[u8]) -> Option<TrustList> {
    let root: [u8; 32] = saved.get(..32)?.try_into().ok()?;
    let root = VerifyingKey::from_bytes(&root).ok()?;
    TrustList::from_signed(&saved[32..], &root).ok()
}

/// What replacing `old` with `new` changes, one line per item, values escaped for display.
pub fn changes(old: &HeldCredential, new: &HeldCredential) -> Vec<String> {
    let (a, b) = (old.attributes(), new.attributes());
    let show = |v: Option<&tessera_core::attributes::AttrValue>| match v {
        None => "(none)".to_string(),
        Some(tessera_core::attributes::AttrValue::Bytes(bytes)) => {
            format!("{} bytes", bytes.len())
        }
        Some(v) => text::printable(&v.to_string()).into_owned(),
    };
    let mut out = Vec::new();
    for id in AttrId::ALL {
        let (x, y) = (a.get(id), b.get(id));
        if x != y {
            out.push(format!("{}: {} -> {}", id.name(), show(x), show(y)));
        }
    }
    let (c, d) = (old.claims(), new.claims());
    if c.not_before != d.not_before || c.expires != d.expires {
        out.push(format!(
            "validity: {}..{} -> {}..{}",
            c.not_before, c.expires, d.not_before, d.expires
        ));
    }
    if out.is_empty() {
        out.push("same attributes and validity, different signature or salts".into());
    }
    out
}
