//! The trust list: which issuers and keys a verifier accepts, signed by a trust-list root key
//! that the verifier is configured with.

use crate::cbor::{self, Malformed};
use crate::{UnixTime, kid_for};
use ciborium::value::Value;
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use thiserror::Error;

/// Largest trust-list file accepted, in bytes.
pub const MAX_TRUST_LIST_LEN: usize = 1024 * 1024;

/// One issuer key and the window in which credentials signed with it are accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    /// Key id (see [`kid_for`]).
    pub kid: [u8; 8],
    /// The Ed25519 public key.
    pub key: VerifyingKey,
    /// Start of the key's window.
    pub not_before: UnixTime,
    /// End of the key's window (exclusive).
    pub not_after: UnixTime,
}

impl TrustedKey {
    /// A key entry for `key` valid in `[not_before, not_after)`.
    pub fn new(key: VerifyingKey, not_before: UnixTime, not_after: UnixTime) -> TrustedKey {
        TrustedKey {
            kid: kid_for(&key),
            key,
            not_before,
            not_after,
        }
    }

    /// Whether the key's window contains `t`.
    pub fn valid_at(&self, t: UnixTime) -> bool {
        self.not_before <= t && t < self.not_after
    }
}

/// An issuing authority in the trust list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// Short identifier, e.g. `demo.tessera`.
    pub id: String,
    /// Name shown to people, e.g. "Demo City ID Office".
    pub name: String,
    /// Document types the issuer may sign.
    pub doctypes: Vec<String>,
    /// The issuer's keys (several during a rotation).
    pub keys: Vec<TrustedKey>,
}

/// Finds issuer keys by key id. [`TrustList`] implements it; tests and tools may use others.
pub trait IssuerLookup {
    /// The issuer and key with this key id, if trusted.
    fn find_key(&self, kid: &[u8]) -> Option<(&TrustedIssuer, &TrustedKey)>;
}

/// A trust list, as signed by the root key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustList {
    /// Sequence number: a verifier never replaces a list with one of a lower number.
    pub sequence: u64,
    /// When the list was issued.
    pub issued_at: UnixTime,
    /// When a verifier should have a newer list.
    pub next_update: UnixTime,
    /// The trusted issuers.
    pub issuers: Vec<TrustedIssuer>,
}

/// Why a trust list was refused.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TrustListError {
    /// The file is larger than [`MAX_TRUST_LIST_LEN`].
    #[error("trust list is {0} bytes; at most {MAX_TRUST_LIST_LEN} are accepted")]
    TooLarge(usize),
    /// Not a well-formed trust list.
    #[error("malformed trust list: {0}")]
    Malformed(String),
    /// The signature does not verify under the configured root key.
    #[error("trust list signature does not verify under the configured root key")]
    BadSignature,
}

impl IssuerLookup for TrustList {
    fn find_key(&self, kid: &[u8]) -> Option<(&TrustedIssuer, &TrustedKey)> {
        self.issuers
            .iter()
            .flat_map(|i| i.keys.iter().map(move |k| (i, k)))
            .find(|(_, k)| k.kid == kid)
    }
}

impl TrustList {
    /// A list that trusts nobody.
    pub fn empty(issued_at: UnixTime) -> TrustList {
        TrustList {
            sequence: 0,
            issued_at,
            next_update: issued_at,
            issuers: Vec::new(),
        }
    }

    fn payload(&self) -> Value {
        let issuers = self
            .issuers
            .iter()
            .map(|i| {
                cbor::map(vec![
                    (1, Value::Text(i.id.clone())),
                    (2, Value::Text(i.name.clone())),
                    (
                        3,
                        Value::Array(i.doctypes.iter().cloned().map(Value::Text).collect()),
                    ),
                    (
                        4,
                        Value::Array(
                            i.keys
                                .iter()
                                .map(|k| {
                                    cbor::map(vec![
                                        (1, Value::Bytes(k.kid.to_vec())),
                                        (2, Value::Bytes(k.key.as_bytes().to_vec())),
                                        (3, cbor::uint(k.not_before)),
                                        (4, cbor::uint(k.not_after)),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                ])
            })
            .collect();
        cbor::map(vec![
            (1, cbor::uint(self.sequence)),
            (2, cbor::uint(self.issued_at)),
            (3, cbor::uint(self.next_update)),
            (4, Value::Array(issuers)),
        ])
    }

    /// Signs the list with the root key: a tagged COSE_Sign1 (see docs/format.md).
    pub fn sign(&self, root: &SigningKey) -> Vec<u8> {
        sign1(root, cbor::encode(&self.payload()))
    }

    /// Reads a signed trust list, checking its signature against the root key.
    pub fn from_signed(bytes: &[u8], root: &VerifyingKey) -> Result<TrustList, TrustListError> {
        if bytes.len() > MAX_TRUST_LIST_LEN {
            return Err(TrustListError::TooLarge(bytes.len()));
        }
        let payload = open_sign1(bytes, root, "trust list").map_err(|e| match e {
            OpenError::Malformed(m) => TrustListError::Malformed(m),
            OpenError::BadSignature => TrustListError::BadSignature,
        })?;
        Self::parse_payload(&payload).map_err(TrustListError::Malformed)
    }

    fn parse_payload(payload: &[u8]) -> Result<TrustList, Malformed> {
        let v = cbor::decode_canonical(payload, "trust list payload")?;
        let f = cbor::map_exact(&v, &[1, 2, 3, 4], "trust list payload")?;
        let mut issuers = Vec::new();
        for iv in cbor::as_array(f[3], "issuers")? {
            let i = cbor::map_exact(iv, &[1, 2, 3, 4], "issuer")?;
            let mut keys = Vec::new();
            for kv in cbor::as_array(i[3], "issuer keys")? {
                let k = cbor::map_exact(kv, &[1, 2, 3, 4], "issuer key")?;
                let key_bytes: [u8; 32] = cbor::as_fixed(k[1], "issuer public key")?;
                let key = crate::keys::check_public_key(&key_bytes)
                    .map_err(|e| format!("issuer public key: {e}"))?;
                let kid: [u8; 8] = cbor::as_fixed(k[0], "issuer key id")?;
                if kid != kid_for(&key) {
                    return Err("issuer key id does not match its key".into());
                }
                keys.push(TrustedKey {
                    kid,
                    key,
                    not_before: cbor::as_u64(k[2], "key not_before")?,
                    not_after: cbor::as_u64(k[3], "key not_after")?,
                });
            }
            let text = |v: &Value, what: &str| -> Result<String, Malformed> {
                let t = cbor::as_text(v, what)?;
                crate::text::check_text(t).map_err(|e| format!("{what}: {e}"))?;
                Ok(t.to_string())
            };
            issuers.push(TrustedIssuer {
                id: text(i[0], "issuer id")?,
                name: text(i[1], "issuer name")?,
                doctypes: cbor::as_array(i[2], "issuer doctypes")?
                    .iter()
                    .map(|d| cbor::as_text(d, "doctype").map(str::to_string))
                    .collect::<Result<_, _>>()?,
                keys,
            });
        }
        Ok(TrustList {
            sequence: cbor::as_u64(f[0], "trust list sequence")?,
            issued_at: cbor::as_u64(f[1], "trust list issued_at")?,
            next_update: cbor::as_u64(f[2], "trust list next_update")?,
            issuers,
        })
    }
}

pub(crate) fn protected_header(kid: &[u8]) -> coset::Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.to_vec())
        .build()
}

/// Signs `payload` as a tagged COSE_Sign1 with protected `{alg: EdDSA, kid}` and no AAD.
/// Used for the trust list and status lists.
pub fn sign1(key: &SigningKey, payload: Vec<u8>) -> Vec<u8> {
    let kid = kid_for(&key.verifying_key());
    let sign1 = CoseSign1Builder::new()
        .protected(protected_header(&kid))
        .payload(payload)
        .create_signature(b"", |tbs| key.sign(tbs).to_bytes().to_vec())
        .build();
    // Encoding a freshly built COSE_Sign1 into a Vec cannot fail.
    sign1.to_tagged_vec().unwrap_or_default()
}

/// Why a signed file could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    Malformed(Malformed),
    BadSignature,
}

/// Parses a tagged COSE_Sign1 strictly, checks that the protected header is exactly
/// `{1: -8, 4: kid}` in canonical form, and returns (kid, parsed message).
pub(crate) fn parse_sign1(bytes: &[u8], what: &str) -> Result<([u8; 8], CoseSign1), Malformed> {
    let msg = CoseSign1::from_tagged_slice(bytes)
        .map_err(|e| format!("{what}: not a tagged cose_sign1 ({e})"))?;
    let kid: [u8; 8] = msg
        .protected
        .header
        .key_id
        .as_slice()
        .try_into()
        .map_err(|_| format!("{what}: protected header needs an 8-byte kid"))?;
    let expected = protected_header(&kid)
        .to_vec()
        .map_err(|e| format!("{what}: {e}"))?;
    if msg.protected.original_data.as_deref() != Some(&expected[..]) {
        return Err(format!(
            "{what}: protected header must be exactly {{1: -8 (EdDSA), 4: kid}}"
        ));
    }
    if !msg.unprotected.is_empty() {
        return Err(format!("{what}: unprotected header must be empty"));
    }
    if msg.payload.is_none() {
        return Err(format!("{what}: payload is missing"));
    }
    let again = msg
        .clone()
        .to_tagged_vec()
        .map_err(|e| format!("{what}: {e}"))?;
    if again != bytes {
        return Err(format!("{what}: not in canonical cbor form"));
    }
    Ok((kid, msg))
}

/// Checks an Ed25519 signature of a COSE_Sign1 over the exact received bytes.
pub(crate) fn verify_sign1(msg: &CoseSign1, key: &VerifyingKey, aad: &[u8]) -> bool {
    msg.verify_signature(aad, |sig, tbs| {
        let sig = Signature::from_slice(sig).map_err(|_| ())?;
        key.verify_strict(tbs, &sig).map_err(|_| ())
    })
    .is_ok()
}

/// Opens a tagged COSE_Sign1 signed by `key` (kid must match), returning its payload.
pub(crate) fn open_sign1(
    bytes: &[u8],
    key: &VerifyingKey,
    what: &str,
) -> Result<Vec<u8>, OpenError> {
    let (kid, msg) = parse_sign1(bytes, what).map_err(OpenError::Malformed)?;
    if kid != kid_for(key) || !verify_sign1(&msg, key, b"") {
        return Err(OpenError::BadSignature);
    }
    Ok(msg.payload.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (SigningKey, TrustList) {
        let root = SigningKey::from_bytes(&[1; 32]);
        let issuer = SigningKey::from_bytes(&[2; 32]);
        let list = TrustList {
            sequence: 3,
            issued_at: 1000,
            next_update: 2000,
            issuers: vec![TrustedIssuer {
                id: "demo".into(),
                name: "Demo".into(),
                doctypes: vec!["tessera.eid.1".into()],
                keys: vec![TrustedKey::new(issuer.verifying_key(), 0, 5000)],
            }],
        };
        (root, list)
    }

    #[test]
    fn round_trip_and_lookup() {
        let (root, list) = sample();
        let bytes = list.sign(&root);
        let back = TrustList::from_signed(&bytes, &root.verifying_key()).unwrap();
        assert_eq!(back, list);
        let kid = list.issuers[0].keys[0].kid;
        assert_eq!(back.find_key(&kid).unwrap().0.id, "demo");
        assert!(back.find_key(&[0; 8]).is_none());
    }

    #[test]
    fn wrong_root_and_every_bit_flip_are_refused() {
        let (root, list) = sample();
        let bytes = list.sign(&root);
        let other = SigningKey::from_bytes(&[9; 32]);
        assert_eq!(
            TrustList::from_signed(&bytes, &other.verifying_key()),
            Err(TrustListError::BadSignature)
        );
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(
                TrustList::from_signed(&b, &root.verifying_key()).is_err(),
                "bit {i}"
            );
        }
    }

    #[test]
    fn weak_keys_and_control_characters_are_refused() {
        let (root, list) = sample();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut weak = list.clone();
        weak.issuers[0].keys.push(TrustedKey::new(
            VerifyingKey::from_bytes(&identity).unwrap(),
            0,
            5000,
        ));
        let e = TrustList::from_signed(&weak.sign(&root), &root.verifying_key()).unwrap_err();
        assert!(
            matches!(&e, TrustListError::Malformed(m) if m.contains("weak (small-order)")),
            "{e}"
        );
        for (id, name) in [("demo", "Demo\n  VALID"), ("demo\u{1b}[8m", "Demo")] {
            let mut bad = list.clone();
            bad.issuers[0].id = id.into();
            bad.issuers[0].name = name.into();
            let e = TrustList::from_signed(&bad.sign(&root), &root.verifying_key()).unwrap_err();
            assert!(
                matches!(&e, TrustListError::Malformed(m) if m.contains("control or format")),
                "{e}"
            );
        }
    }
}
