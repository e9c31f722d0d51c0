//! The wallet model: device key, credentials, presentations and history, all kept in the
//! encrypted store.

use std::path::Path;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use tessera_core::attributes::{AttrId, Purpose};
use tessera_core::credential::CredentialError;
use tessera_core::keys::to_hex;
use tessera_core::request::{self, RequestParams, VerifiedRequest};
use tessera_core::{
    DOCTYPE_EID, HeldCredential, IssuerLookup, PresentError, PresentRequest, TrustList,
    TrustListError, UnixTime, present, text,
};
use tessera_store::{KdfParams, RecordKind, Secret, Store, StoreError};
use thiserror::Error;
use zeroize::Zeroizing;

/// The record id of the device key.
const DEVICE_KEY_ID: &str = "device";

/// The setting record that holds the outstanding enrolment request (its signed bytes).
const PENDING_REQUEST_ID: &str = "enrolment-request";

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
        Wallet { store, trust }
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
    pub fn enrolment_request<R: CryptoRng + ?Sized>(
        &self,
        now: UnixTime,
        fresh: bool,
        rng: &mut R,
    ) -> Result<PendingRequest, WalletError> {
        self.ensure_device_key(rng)?;
        let device = self.device_key()?.ok_or(WalletError::NoDeviceKey)?;
        // A damaged record is replaced by a new request.
        if !fresh
            && let Some(p) = self.pending_request().ok().flatten()
            && p.request.holder() == device.verifying_key()
            && p.request.created() <= now
            && now - p.request.created() < REQUEST_REUSE_SECS
        {
            return Ok(p);
        }
        let mut id = [0u8; request::REQUEST_ID_LEN];
        rng.fill_bytes(&mut id);
        let params = RequestParams {
            doctype: DOCTYPE_EID,
            id,
            created: now,
        };
        let bytes = request::make_request(&device, &params)
            .map_err(|e| WalletError::Damaged(PENDING_REQUEST_ID.into(), e.to_string()))?;
        self.store
            .put(RecordKind::Setting, PENDING_REQUEST_ID, &bytes)?;
        let request = VerifiedRequest::from_slice(&bytes)
            .map_err(|e| WalletError::Damaged(PENDING_REQUEST_ID.into(), e.to_string()))?;
        Ok(PendingRequest { bytes, request })
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
        let cred = HeldCredential::from_slice(bytes)?;
        let device = self.device_key()?.ok_or(WalletError::NoDeviceKey)?;
        if cred.claims().holder != device.verifying_key() {
            return Err(WalletError::NotForThisDevice);
        }
        let issuer = self.issuer_check(&cred);
        if let IssuerCheck::BadSignature { .. } = issuer {
            return Err(WalletError::Credential(CredentialError::BadSignature));
        }
        let id = credential_id(&cred);
        let new = cred.to_vec();
        let outcome = match self.store.get(RecordKind::Credential, &id)? {
            None => ImportOutcome::Added,
            Some(old) if old[..] == new[..] => ImportOutcome::Unchanged,
            Some(_) if replace => ImportOutcome::Replaced,
            Some(old) => {
                let changes = match HeldCredential::from_slice(&old) {
                    Ok(old) => changes(&old, &cred),
                    Err(_) => vec!["the stored credential is damaged".into()],
                };
                return Err(WalletError::WouldReplace { id, changes });
            }
        };
        if outcome != ImportOutcome::Unchanged {
            self.store.put(RecordKind::Credential, &id, &new)?;
        }
        // A damaged pending record must not refuse a good credential: it is only a note.
        let answers = self.pending_request().ok().flatten().filter(|p| {
            p.request.holder() == cred.claims().holder
                && p.request.doctype() == cred.claims().doctype
        });
        if answers.is_some() {
            self.store.remove(RecordKind::Setting, PENDING_REQUEST_ID)?;
        }
        Ok(Imported {
            id,
            issuer,
            outcome,
            answers,
        })
    }

    /// Every credential, by id.
    pub fn credentials(&self) -> Result<Vec<(String, HeldCredential)>, WalletError> {
        let mut out = Vec::new();
        for id in self.store.list(RecordKind::Credential)? {
            if let Some(bytes) = self.store.get(RecordKind::Credential, &id)? {
                let cred = HeldCredential::from_slice(&bytes)
                    .map_err(|e| WalletError::Damaged(id.clone(), e.to_string()))?;
                out.push((id, cred));
            }
        }
        Ok(out)
    }

    /// One credential: by id, or the only one when `id` is `None`.
    pub fn credential(&self, id: Option<&str>) -> Result<(String, HeldCredential), WalletError> {
        let mut all = self.credentials()?;
        match id {
            Some(id) => all
                .into_iter()
                .find(|(i, _)| i == id)
                .ok_or_else(|| WalletError::NoSuchCredential(id.into())),
            None if all.len() == 1 => Ok(all.remove(0)),
            None if all.is_empty() => Err(WalletError::Empty),
            None => Err(WalletError::Ambiguous(all.len())),
        }
    }

    /// Removes a credential.
    pub fn remove_credential(&self, id: &str) -> Result<bool, WalletError> {
        Ok(self.store.remove(RecordKind::Credential, id)?)
    }

    /// Makes a presentation of `items` from credential `id` and records it in the history.
    pub fn present<R: CryptoRng + ?Sized>(
        &self,
        id: Option<&str>,
        items: &[AttrId],
        purpose: Purpose,
        counter_code: Option<&str>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<Presentation, WalletError> {
        let (id, p) = self.make_presentation(id, items, purpose, counter_code, now, rng)?;
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

    /// Makes a fresh presentation like [`Wallet::present`] without a new history entry: the
    /// app renews the QR code every 20 s while it is shown, and the citizen's history records
    /// the showing once.
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
            .make_presentation(id, items, purpose, counter_code, now, rng)?
            .1)
    }

    fn make_presentation<R: CryptoRng + ?Sized>(
        &self,
        id: Option<&str>,
        items: &[AttrId],
        purpose: Purpose,
        counter_code: Option<&str>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(String, Presentation), WalletError> {
        let (id, cred) = self.credential(id)?;
        let device = self.device_key()?.ok_or(WalletError::NoDeviceKey)?;
        let bytes = present(
            &cred,
            &device,
            &PresentRequest {
                disclose: items,
                purpose,
                counter_code,
                time: now,
            },
            rng,
        )?;
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
