//! Batches of single-use credentials: one enrolment, many unlinkable credentials.
//!
//! The wallet's request carries one device key `S = s·G` and a count (key `-3` of the request,
//! see [`crate::request`]). The issuer draws a 32-byte [`BatchSeed`] per batch and binds
//! credential `i` (for `i` in `0..count`) to
//!
//! ```text
//! t_i = SHA-512("tessera.batch.key.v1" || seed || S || u32be(i))  reduced mod l (wide)
//! P_i = S + t_i·G
//! ```
//!
//! The wallet, which holds `s`, signs for `P_i` with the scalar `s + t_i` (an ordinary Ed25519
//! signature: verifiers do not change, `verify_strict` passes). Without the seed, `t_i` is
//! pseudorandom, so `P_i` is a uniform point that no verifier can relate to `S` or to the
//! other keys of the batch. docs/batches.md gives the security argument and its references;
//! docs/format.md ("Batch file") the bytes of [`BatchFile`].
//!
//! ```
//! use tessera_core::batch::{BatchSeed, BatchSigner, HolderSigner, derive_holder_key};
//! use ed25519_dalek::Verifier;
//! let device = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
//! let seed = BatchSeed([1; 32]);
//! let p3 = derive_holder_key(&device.verifying_key(), &seed, 3);
//! let signer = BatchSigner::new(&device, &seed, 3);
//! assert_eq!(signer.holder_key(), p3);
//! let sig = signer.sign_holder(b"hello");
//! assert!(p3.verify_strict(b"hello", &sig).is_ok());
//! // The signature is not valid under the device key, nor under another index's key.
//! assert!(device.verifying_key().verify(b"hello", &sig).is_err());
//! assert!(derive_holder_key(&device.verifying_key(), &seed, 4).verify(b"hello", &sig).is_err());
//! ```

use crate::attributes::Attributes;
use crate::cbor;
use crate::credential::{
    Claims, CredentialError, HeldCredential, IssueError, MAX_CREDENTIAL_LEN, StatusRef, sign_claims,
};
use crate::{DOCTYPE_EID, UnixTime, kid_for};
use ciborium::value::Value;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use sha2::{Digest, Sha512};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Most credentials in one batch (and largest count a request may ask for).
pub const MAX_BATCH_COUNT: u32 = 64;

/// The batch size a wallet asks for unless told otherwise (docs/batches.md says why).
pub const DEFAULT_BATCH_COUNT: u32 = 32;

/// Largest batch file accepted, in bytes: [`MAX_BATCH_COUNT`] credentials of at most
/// [`MAX_CREDENTIAL_LEN`] bytes each, with room for the CBOR framing and the seed.
pub const BATCH_FILE_MAX: usize = MAX_BATCH_COUNT as usize * (MAX_CREDENTIAL_LEN + 8) + 64;

/// The first element of a batch file.
pub const BATCH_FILE_LABEL: &str = "TB1";

/// Domain separation of the key tweak `t_i`.
const KEY_CONTEXT: &[u8] = b"tessera.batch.key.v1";

/// Domain separation of the per-index nonce prefix of a [`BatchSigner`].
const NONCE_CONTEXT: &[u8] = b"tessera.batch.nonce.v1";

/// The 32 random bytes an issuer draws for one batch. Whoever holds the seed can tell that
/// the batch's keys belong to one device key: the issuer and the wallet, nobody else.
/// Wiped on drop; `Debug` prints no byte of it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct BatchSeed(pub [u8; 32]);

impl std::fmt::Debug for BatchSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchSeed(..)")
    }
}

impl BatchSeed {
    /// A fresh seed from `rng` (the issuer passes the operating system's generator).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> BatchSeed {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        BatchSeed(seed)
    }
}

/// `t_i`: SHA-512 over the context, the seed, the device key and the big-endian index,
/// reduced mod l from all 64 bytes (wide reduction: no bias).
fn tweak(device: &VerifyingKey, seed: &BatchSeed, i: u32) -> Scalar {
    let mut h = Sha512::new();
    h.update(KEY_CONTEXT);
    h.update(seed.0);
    h.update(device.as_bytes());
    h.update(i.to_be_bytes());
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    let t = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    t
}

/// The public key credential `i` of a batch is bound to: `P_i = S + t_i·G`. Anyone with the
/// device key and the seed computes it; only the holder of the device's secret signs for it.
pub fn derive_holder_key(device: &VerifyingKey, seed: &BatchSeed, i: u32) -> VerifyingKey {
    let point = device.to_edwards() + EdwardsPoint::mul_base(&tweak(device, seed, i));
    VerifyingKey::from(point)
}

/// The keys of credentials `0..count` ([`derive_holder_key`] for each index).
pub fn derive_holder_keys(
    device: &VerifyingKey,
    seed: &BatchSeed,
    count: u32,
) -> Vec<VerifyingKey> {
    let s = device.to_edwards();
    (0..count)
        .map(|i| VerifyingKey::from(s + EdwardsPoint::mul_base(&tweak(device, seed, i))))
        .collect()
}

/// Who signs a presentation: the device key itself (a credential issued to the device key)
/// or a [`BatchSigner`] (credential `i` of a batch).
pub trait HolderSigner {
    /// The public key the signatures verify under (the credential's `cnf`).
    fn holder_key(&self) -> VerifyingKey;
    /// An Ed25519 signature over `msg` under [`HolderSigner::holder_key`].
    fn sign_holder(&self, msg: &[u8]) -> Signature;
}

impl HolderSigner for SigningKey {
    fn holder_key(&self) -> VerifyingKey {
        self.verifying_key()
    }

    fn sign_holder(&self, msg: &[u8]) -> Signature {
        self.sign(msg)
    }
}

/// Signs as `P_i`, the key of credential `i` of a batch, with the scalar `s + t_i` and a
/// nonce prefix of its own per index. The secret parts are wiped on drop; `Debug` shows only
/// the public key.
pub struct BatchSigner {
    secret: ExpandedSecretKey,
    public: VerifyingKey,
}

impl std::fmt::Debug for BatchSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchSigner")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl BatchSigner {
    /// The signer for credential `i` of the batch made from `device` and `seed`.
    ///
    /// The nonce prefix is SHA-512("tessera.batch.nonce.v1" || the device key's own hash
    /// prefix || seed || u32be(i)), first 32 bytes: deterministic as in RFC 8032, secret, and
    /// different for every key, so no two keys ever share a nonce for one message.
    pub fn new(device: &SigningKey, seed: &BatchSeed, i: u32) -> BatchSigner {
        let base = ExpandedSecretKey::from(device.as_bytes());
        let t = tweak(&device.verifying_key(), seed, i);
        let mut h = Sha512::new();
        h.update(NONCE_CONTEXT);
        h.update(base.hash_prefix);
        h.update(seed.0);
        h.update(i.to_be_bytes());
        let mut digest = h.finalize();
        let mut hash_prefix = [0u8; 32];
        hash_prefix.copy_from_slice(&digest[..32]);
        digest.as_mut_slice().zeroize();
        let secret = ExpandedSecretKey {
            scalar: base.scalar + t,
            hash_prefix,
        };
        hash_prefix.zeroize();
        let public = VerifyingKey::from(&secret);
        BatchSigner { secret, public }
    }

    /// The public key this signer signs for (`P_i`).
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public
    }
}

impl HolderSigner for BatchSigner {
    fn holder_key(&self) -> VerifyingKey {
        self.public
    }

    fn sign_holder(&self, msg: &[u8]) -> Signature {
        raw_sign::<Sha512>(&self.secret, msg, &self.public)
    }
}

/// What an issuer puts in a batch: the same attributes and validity for every credential, one
/// status reference per credential (its length is the batch size).
#[derive(Clone, Debug)]
pub struct BatchParams<'a> {
    /// The device key `S` of the request (each credential gets a key derived from it).
    pub device: VerifyingKey,
    /// Start of validity (the issuer rounds it; see docs/batches.md).
    pub not_before: UnixTime,
    /// End of validity (exclusive).
    pub expires: UnixTime,
    /// Credential `i` gets `statuses[i]`.
    pub statuses: &'a [StatusRef],
    /// The attribute values (age flags included).
    pub attributes: &'a Attributes,
}

/// Why a batch could not be issued.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BatchError {
    /// Not 1 to [`MAX_BATCH_COUNT`] status references.
    #[error("a batch holds 1 to {MAX_BATCH_COUNT} credentials, not {0}")]
    BadCount(usize),
    /// What [`crate::issue`] refuses: a weak device key, a bad attribute, an empty validity.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// Issues a batch: checks the device key, the attributes and the validity once, then issues
/// credential `i` bound to [`derive_holder_key`]`(device, seed, i)` with fresh salts from `rng`
/// and status `statuses[i]`. The derived keys are not checked again: the issuer made them.
pub fn issue_batch<R: CryptoRng + ?Sized>(
    issuer: &SigningKey,
    seed: BatchSeed,
    params: &BatchParams<'_>,
    rng: &mut R,
) -> Result<BatchFile, BatchError> {
    let count = params.statuses.len();
    if count == 0 || count > MAX_BATCH_COUNT as usize {
        return Err(BatchError::BadCount(count));
    }
    crate::keys::check_holder_key(params.device.as_bytes()).map_err(IssueError::WeakHolderKey)?;
    for (id, v) in &params.attributes.0 {
        v.check(*id).map_err(IssueError::InvalidAttribute)?;
    }
    crate::portrait::check_attributes(params.attributes, params.not_before)
        .map_err(IssueError::InvalidAttribute)?;
    if params.expires <= params.not_before {
        return Err(IssueError::EmptyValidity {
            not_before: params.not_before,
            expires: params.expires,
        }
        .into());
    }
    let kid = kid_for(&issuer.verifying_key());
    let keys = derive_holder_keys(&params.device, &seed, count as u32);
    let credentials = keys
        .into_iter()
        .zip(params.statuses)
        .map(|(holder, status)| {
            let claims = Claims {
                doctype: DOCTYPE_EID.to_string(),
                not_before: params.not_before,
                expires: params.expires,
                holder,
                status: *status,
            };
            sign_claims(issuer, &kid, claims, params.attributes, rng)
        })
        .collect();
    Ok(BatchFile { seed, credentials })
}

/// What an issuer hands a wallet for a batch request: the seed and the credentials, credential
/// `i` at position `i`. `CBOR [ "TB1", seed: bstr .size 32, [+ bstr (credential file)] ]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchFile {
    /// The batch seed (the wallet needs it to sign for each credential's key).
    pub seed: BatchSeed,
    /// The credentials, in index order.
    pub credentials: Vec<HeldCredential>,
}

impl BatchFile {
    /// The batch file bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        cbor::encode(&Value::Array(vec![
            Value::Text(BATCH_FILE_LABEL.into()),
            Value::Bytes(self.seed.0.to_vec()),
            Value::Array(
                self.credentials
                    .iter()
                    .map(|c| Value::Bytes(c.to_vec()))
                    .collect(),
            ),
        ]))
    }

    /// Reads a batch file strictly: canonical CBOR, the `"TB1"` label, a 32-byte seed and 1 to
    /// [`MAX_BATCH_COUNT`] credential files, each read as [`HeldCredential::from_slice`] does.
    /// Neither the issuer signatures nor the keys are checked here (see
    /// [`BatchFile::check_for`] and [`HeldCredential::verify_issuer`]).
    pub fn from_slice(bytes: &[u8]) -> Result<BatchFile, CredentialError> {
        if bytes.len() > BATCH_FILE_MAX {
            return Err(CredentialError::BatchTooLarge(bytes.len()));
        }
        let bad = |m: String| CredentialError::Malformed(m);
        let v = cbor::decode_canonical(bytes, "batch file").map_err(bad)?;
        let a = cbor::as_array_len(&v, 3, "batch file").map_err(bad)?;
        if cbor::as_text(&a[0], "batch file label").map_err(bad)? != BATCH_FILE_LABEL {
            return Err(bad(format!(
                "batch file label: expected {BATCH_FILE_LABEL:?}"
            )));
        }
        let seed = BatchSeed(cbor::as_fixed::<32>(&a[1], "batch seed").map_err(bad)?);
        let items = cbor::as_array(&a[2], "batch credentials").map_err(bad)?;
        if items.is_empty() || items.len() > MAX_BATCH_COUNT as usize {
            return Err(bad(format!(
                "batch credentials: {} credentials; a batch holds 1 to {MAX_BATCH_COUNT}",
                items.len()
            )));
        }
        let mut credentials = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let what = format!("batch credential {i}");
            let b = cbor::as_bytes(item, &what).map_err(bad)?;
            let cred = HeldCredential::from_slice(b).map_err(|e| match e {
                CredentialError::Malformed(m) => bad(format!("{what}: {m}")),
                other => other,
            })?;
            credentials.push(cred);
        }
        Ok(BatchFile { seed, credentials })
    }

    /// Checks that every credential is bound to the key derived for its position from
    /// `device` and the seed: what a wallet checks before it keeps a batch.
    pub fn check_for(&self, device: &VerifyingKey) -> Result<(), CredentialError> {
        let keys = derive_holder_keys(device, &self.seed, self.credentials.len() as u32);
        for (index, (cred, key)) in self.credentials.iter().zip(&keys).enumerate() {
            if cred.claims().holder != *key {
                return Err(CredentialError::NotDerivedKey { index });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier;

    fn device() -> SigningKey {
        SigningKey::from_bytes(&[0x42; 32])
    }

    #[test]
    fn signer_and_derivation_agree_and_signatures_verify_strictly() {
        let d = device();
        let seed = BatchSeed([9; 32]);
        let keys = derive_holder_keys(&d.verifying_key(), &seed, 20);
        for (i, key) in keys.iter().enumerate() {
            let i = i as u32;
            assert_eq!(*key, derive_holder_key(&d.verifying_key(), &seed, i));
            let signer = BatchSigner::new(&d, &seed, i);
            assert_eq!(signer.verifying_key(), *key);
            assert_eq!(signer.holder_key(), *key);
            let sig = signer.sign_holder(b"message");
            assert!(key.verify_strict(b"message", &sig).is_ok(), "index {i}");
            assert!(key.verify_strict(b"messagf", &sig).is_err());
            assert!(d.verifying_key().verify(b"message", &sig).is_err());
            // The derived key passes the checks every holder key gets.
            assert!(crate::keys::check_holder_key(key.as_bytes()).is_ok());
        }
        let mut distinct: Vec<_> = keys.iter().map(|k| *k.as_bytes()).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 20);
    }

    #[test]
    fn derivation_depends_on_seed_device_and_index() {
        let d = device().verifying_key();
        let other = SigningKey::from_bytes(&[0x43; 32]).verifying_key();
        let a = derive_holder_key(&d, &BatchSeed([1; 32]), 0);
        assert_ne!(a, derive_holder_key(&d, &BatchSeed([2; 32]), 0));
        assert_ne!(a, derive_holder_key(&other, &BatchSeed([1; 32]), 0));
        assert_ne!(a, derive_holder_key(&d, &BatchSeed([1; 32]), 1));
        assert_ne!(a, d);
    }

    #[test]
    fn known_answer() {
        // Pinned so that a change of the derivation (context, order, endianness) is seen:
        // wallets and issuers of different versions must agree. The value was reproduced
        // independently with Python's hashlib and a textbook Edwards-curve addition
        // (docs/batches.md, "Checking the derivation").
        let d = device().verifying_key();
        let seed = BatchSeed(std::array::from_fn(|i| i as u8));
        let got = crate::keys::to_hex(derive_holder_key(&d, &seed, 1).as_bytes());
        assert_eq!(got, KNOWN_P1);
    }

    const KNOWN_P1: &str = "a9339328be6480721b4f953fa1918454f1e4749d25c8af6c20b6521f23a1665d";

    /// A batch of `n` credentials holding only `age_over_18`, from fixed keys and a
    /// deterministic generator.
    fn small_batch(n: usize) -> BatchFile {
        let mut rng = crate::testing::DeterministicRng::new(14);
        let issuer = SigningKey::from_bytes(&[0x11; 32]);
        let mut attributes = Attributes::default();
        attributes.set(
            crate::AttrId::AgeOver18,
            crate::attributes::AttrValue::Bool(true),
        );
        let statuses: Vec<StatusRef> = (0..n as u32)
            .map(|i| StatusRef {
                list: 0,
                index: 70_000 + 7 * i,
            })
            .collect();
        let params = BatchParams {
            device: device().verifying_key(),
            not_before: 1_799_971_200,
            expires: 1_799_971_200 + 5 * 365 * 86_400,
            statuses: &statuses,
            attributes: &attributes,
        };
        issue_batch(&issuer, BatchSeed([0x5E; 32]), &params, &mut rng).unwrap()
    }

    #[test]
    fn batch_files_round_trip_and_belong_to_their_device() {
        let b = small_batch(2);
        let bytes = b.to_vec();
        assert_eq!(&bytes[..5], [0x83, 0x63, b'T', b'B', b'1']);
        let back = BatchFile::from_slice(&bytes).unwrap();
        assert_eq!(back, b);
        back.check_for(&device().verifying_key()).unwrap();
        let other = SigningKey::from_bytes(&[0x43; 32]).verifying_key();
        assert_eq!(
            back.check_for(&other),
            Err(CredentialError::NotDerivedKey { index: 0 })
        );
        // Credentials out of order no longer match their positions.
        let mut swapped = back.clone();
        swapped.credentials.swap(0, 1);
        assert_eq!(
            swapped.check_for(&device().verifying_key()),
            Err(CredentialError::NotDerivedKey { index: 0 })
        );
        // Another seed: nothing derives.
        let mut reseeded = back.clone();
        reseeded.seed = BatchSeed([0x5F; 32]);
        assert!(reseeded.check_for(&device().verifying_key()).is_err());
        let issuer = SigningKey::from_bytes(&[0x11; 32]).verifying_key();
        for c in &back.credentials {
            c.verify_issuer(&issuer).unwrap();
        }
    }

    #[test]
    fn hostile_batch_files_are_refused() {
        let b = small_batch(2);
        let cred = b.credentials[0].to_vec();
        let file = |label: &str, seed: Vec<u8>, creds: Vec<Value>| {
            cbor::encode(&Value::Array(vec![
                Value::Text(label.into()),
                Value::Bytes(seed),
                Value::Array(creds),
            ]))
        };
        let one = || vec![Value::Bytes(cred.clone())];
        let malformed = |bytes: Vec<u8>, what: &str| match BatchFile::from_slice(&bytes) {
            Err(CredentialError::Malformed(m)) => assert!(m.contains(what), "{m}"),
            other => panic!("{what}: {other:?}"),
        };
        assert!(BatchFile::from_slice(&file("TB1", vec![1; 32], one())).is_ok());
        malformed(file("TB2", vec![1; 32], one()), "label");
        malformed(file("TB1", vec![1; 31], one()), "seed");
        malformed(file("TB1", vec![1; 32], vec![]), "1 to 64");
        malformed(
            file("TB1", vec![1; 32], vec![Value::Bytes(cred.clone()); 65]),
            "1 to 64",
        );
        malformed(
            file("TB1", vec![1; 32], vec![Value::Text("x".into())]),
            "credential 0",
        );
        malformed(
            file("TB1", vec![1; 32], vec![Value::Bytes(cred[1..].to_vec())]),
            "batch credential 0",
        );
        let mut trailing = b.to_vec();
        trailing.push(0);
        malformed(trailing, "canonical");
        assert_eq!(
            BatchFile::from_slice(&vec![0u8; BATCH_FILE_MAX + 1]),
            Err(CredentialError::BatchTooLarge(BATCH_FILE_MAX + 1))
        );
        assert!(matches!(
            BatchFile::from_slice(b"\x83"),
            Err(CredentialError::Malformed(_))
        ));
    }

    #[test]
    fn issue_batch_checks_once_and_refuses_bad_input() {
        let issuer = SigningKey::from_bytes(&[0x11; 32]);
        let mut rng = crate::testing::DeterministicRng::new(1);
        let attributes = Attributes::default();
        let statuses = vec![StatusRef { list: 0, index: 1 }; 65];
        let mut params = BatchParams {
            device: device().verifying_key(),
            not_before: 10,
            expires: 20,
            statuses: &statuses,
            attributes: &attributes,
        };
        assert_eq!(
            issue_batch(&issuer, BatchSeed([0; 32]), &params, &mut rng),
            Err(BatchError::BadCount(65))
        );
        params.statuses = &statuses[..0];
        assert_eq!(
            issue_batch(&issuer, BatchSeed([0; 32]), &params, &mut rng),
            Err(BatchError::BadCount(0))
        );
        params.statuses = &statuses[..2];
        params.expires = 10;
        assert!(matches!(
            issue_batch(&issuer, BatchSeed([0; 32]), &params, &mut rng),
            Err(BatchError::Issue(IssueError::EmptyValidity { .. }))
        ));
        params.expires = 20;
        let mut identity = [0u8; 32];
        identity[0] = 1;
        params.device = VerifyingKey::from_bytes(&identity).unwrap();
        assert!(matches!(
            issue_batch(&issuer, BatchSeed([0; 32]), &params, &mut rng),
            Err(BatchError::Issue(IssueError::WeakHolderKey(_)))
        ));
    }

    /// The worked example of docs/format.md ("Batch file") is this batch, byte for byte.
    #[test]
    fn format_md_batch_example_is_current() {
        let hex = crate::keys::to_hex(&small_batch(2).to_vec());
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/format.md");
        let doc = std::fs::read_to_string(path).unwrap();
        assert!(
            doc.contains(&format!("`{hex}`")),
            "docs/format.md's batch example is stale: run `cargo test -p tessera-core --lib print_batch_example -- --ignored --nocapture`"
        );
    }

    /// Prints the worked example of docs/format.md ("Batch file").
    #[test]
    #[ignore = "prints the docs/format.md example"]
    fn print_batch_example() {
        let b = small_batch(2);
        println!(
            "device {}",
            crate::keys::to_hex(device().verifying_key().as_bytes())
        );
        for (i, c) in b.credentials.iter().enumerate() {
            println!(
                "credential {i}: {} bytes, cnf {}",
                c.to_vec().len(),
                crate::keys::to_hex(c.claims().holder.as_bytes())
            );
        }
        println!("{}", crate::keys::to_hex(&b.to_vec()));
    }

    #[test]
    fn nonce_prefix_differs_per_index_and_signing_is_deterministic() {
        let d = device();
        let seed = BatchSeed([5; 32]);
        let a = BatchSigner::new(&d, &seed, 0);
        let b = BatchSigner::new(&d, &seed, 1);
        assert_ne!(a.secret.hash_prefix, b.secret.hash_prefix);
        assert_eq!(
            a.sign_holder(b"m"),
            BatchSigner::new(&d, &seed, 0).sign_holder(b"m")
        );
        // Different keys never share R for one message.
        assert_ne!(a.sign_holder(b"m").r_bytes(), b.sign_holder(b"m").r_bytes());
        assert_eq!(format!("{seed:?}"), "BatchSeed(..)");
        assert!(!format!("{a:?}").contains("hash_prefix"));
    }
}
