//! The credential: what an issuer signs and a wallet holds.
//!
//! On the wire the credential is a tagged COSE_Sign1 whose payload is the [`Claims`] map and
//! whose external AAD is the root of the salted attribute tree ([`crate::merkle`]). The file a
//! wallet imports ([`HeldCredential`]) adds the 16 leaves (salts and values) it needs to
//! disclose items later.

use crate::attributes::{AttrId, AttrValue, Attributes};
use crate::cbor::{self, Malformed};
use crate::merkle::{self, EID_SHAPE, Hash, SALT_LEN, SLOTS};
use crate::trust::{parse_sign1, verify_sign1};
use crate::{DOCTYPE_EID, UnixTime, kid_for};
use ciborium::value::Value;
use coset::{CoseSign1, TaggedCborSerializable};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use thiserror::Error;

/// Largest credential file accepted, in bytes (the portrait dominates).
pub const MAX_CREDENTIAL_LEN: usize = 64 * 1024;

/// Where a credential's revocation status is kept: bit position `index` of status list `list`
/// (IETF Token Status List style).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusRef {
    /// The issuer's status list number.
    pub list: u32,
    /// The credential's index in that list.
    pub index: u32,
}

impl std::fmt::Display for StatusRef {
    /// The credential id used by the issuer's tools: `LIST-INDEX`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.list, self.index)
    }
}

impl std::str::FromStr for StatusRef {
    type Err = StatusRefError;

    /// Parses the `LIST-INDEX` form [`Display`](std::fmt::Display) prints, e.g. `0-17`: two
    /// decimal numbers (digits only, no sign) that fit in a `u32`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let num = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                s.parse::<u32>().ok()
            }
        };
        match text.split_once('-').map(|(l, i)| (num(l), num(i))) {
            Some((Some(list), Some(index))) => Ok(StatusRef { list, index }),
            _ => Err(StatusRefError(text.to_string())),
        }
    }
}

/// A credential id that is not `LIST-INDEX`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("credential id {0:?} must be LIST-INDEX, e.g. 0-17")]
pub struct StatusRefError(pub String);

/// The signed claims of a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// Document type, `tessera.eid.1`.
    pub doctype: String,
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity (exclusive).
    pub expires: UnixTime,
    /// The holder's device key: presentations must be signed by it.
    pub holder: VerifyingKey,
    /// Revocation status reference.
    pub status: StatusRef,
}

impl Claims {
    pub(crate) fn to_value(&self) -> Value {
        let cose_key = cbor::map(vec![
            (1, cbor::uint(1)),  // kty: OKP
            (-1, cbor::uint(6)), // crv: Ed25519
            (-2, Value::Bytes(self.holder.as_bytes().to_vec())),
        ]);
        cbor::map(vec![
            (4, cbor::uint(self.expires)),
            (5, cbor::uint(self.not_before)),
            (8, cbor::map(vec![(1, cose_key)])),
            (-1, Value::Text(self.doctype.clone())),
            (
                -2,
                Value::Array(vec![
                    cbor::uint(u64::from(self.status.list)),
                    cbor::uint(u64::from(self.status.index)),
                ]),
            ),
        ])
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Claims, Malformed> {
        let v = cbor::decode_canonical(bytes, "claims")?;
        let f = cbor::map_exact(&v, &[4, 5, 8, -1, -2], "claims")?;
        let cnf = cbor::map_exact(f[2], &[1], "claims cnf")?;
        let k = cbor::map_exact(cnf[0], &[1, -1, -2], "holder cose_key")?;
        if cbor::as_u64(k[0], "holder key kty")? != 1 || cbor::as_u64(k[1], "holder key crv")? != 6
        {
            return Err("holder cose_key: must be kty OKP (1), crv Ed25519 (6)".into());
        }
        let x: [u8; 32] = cbor::as_fixed(k[2], "holder key x")?;
        let holder = crate::keys::check_holder_key(&x).map_err(|e| format!("holder key: {e}"))?;
        let doctype = cbor::as_text(f[3], "doctype")?;
        if doctype != DOCTYPE_EID {
            return Err(format!("doctype {doctype:?} is not supported"));
        }
        let s = cbor::as_array_len(f[4], 2, "status reference")?;
        let u32_of = |v: &Value, what: &str| -> Result<u32, Malformed> {
            u32::try_from(cbor::as_u64(v, what)?).map_err(|_| format!("{what}: out of range"))
        };
        let claims = Claims {
            doctype: doctype.to_string(),
            not_before: cbor::as_u64(f[1], "nbf")?,
            expires: cbor::as_u64(f[0], "exp")?,
            holder,
            status: StatusRef {
                list: u32_of(&s[0], "status list")?,
                index: u32_of(&s[1], "status index")?,
            },
        };
        if claims.expires <= claims.not_before {
            return Err("exp must be later than nbf".into());
        }
        Ok(claims)
    }
}

/// One leaf of the attribute tree.
#[derive(Clone, PartialEq, Eq)]
pub struct Leaf {
    /// Slot number, 1 to 16.
    pub slot: u8,
    /// Random salt.
    pub salt: [u8; SALT_LEN],
    /// The value, or `None` for an absent attribute or a decoy.
    pub value: Option<AttrValue>,
}

impl std::fmt::Debug for Leaf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Leaf({}, {:?})", self.slot, self.value)
    }
}

impl Leaf {
    pub(crate) fn to_value(&self) -> Value {
        let value = match &self.value {
            None => Value::Null,
            Some(AttrValue::Text(t)) => Value::Text(t.clone()),
            Some(AttrValue::Uint(u)) => cbor::uint(*u),
            Some(AttrValue::Bool(b)) => Value::Bool(*b),
            Some(AttrValue::Bytes(b)) => Value::Bytes(b.clone()),
        };
        Value::Array(vec![
            cbor::uint(u64::from(self.slot)),
            Value::Bytes(self.salt.to_vec()),
            value,
        ])
    }

    /// The leaf's hash (over its canonical encoding).
    pub fn hash(&self) -> Hash {
        merkle::leaf_hash(&self.encode())
    }

    /// The canonical CBOR of [`Leaf::to_value`], written directly (every credential hashes
    /// 16 leaves; the tests check the bytes against the generic encoder).
    fn encode(&self) -> Vec<u8> {
        fn head(out: &mut Vec<u8>, major: u8, n: u64) {
            let m = major << 5;
            match n {
                0..=23 => out.push(m | n as u8),
                24..=0xFF => out.extend([m | 24, n as u8]),
                0x100..=0xFFFF => {
                    out.push(m | 25);
                    out.extend((n as u16).to_be_bytes());
                }
                0x1_0000..=0xFFFF_FFFF => {
                    out.push(m | 26);
                    out.extend((n as u32).to_be_bytes());
                }
                _ => {
                    out.push(m | 27);
                    out.extend(n.to_be_bytes());
                }
            }
        }
        let mut out = Vec::with_capacity(24 + SALT_LEN);
        out.push(0x83);
        head(&mut out, 0, u64::from(self.slot));
        head(&mut out, 2, SALT_LEN as u64);
        out.extend_from_slice(&self.salt);
        match &self.value {
            None => out.push(0xF6),
            Some(AttrValue::Bool(b)) => out.push(if *b { 0xF5 } else { 0xF4 }),
            Some(AttrValue::Uint(u)) => head(&mut out, 0, *u),
            Some(AttrValue::Text(t)) => {
                head(&mut out, 3, t.len() as u64);
                out.extend_from_slice(t.as_bytes());
            }
            Some(AttrValue::Bytes(b)) => {
                head(&mut out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
        }
        out
    }

    /// Parses a leaf; `allow_null` is true in credential files, false in disclosures.
    pub(crate) fn from_value(v: &Value, allow_null: bool) -> Result<Leaf, Malformed> {
        let a = cbor::as_array_len(v, 3, "leaf")?;
        let slot = cbor::as_u64(&a[0], "leaf slot")?;
        if !(1..=u64::from(SLOTS)).contains(&slot) {
            return Err(format!("leaf slot {slot} is out of range 1..=16"));
        }
        let slot = slot as u8;
        let salt = cbor::as_fixed(&a[1], "leaf salt")?;
        let value = match (&a[2], AttrId::from_slot(slot)) {
            (Value::Null, _) if allow_null => None,
            (Value::Null, _) => {
                return Err(format!("slot {slot}: an absent item cannot be disclosed"));
            }
            (_, None) => return Err(format!("slot {slot} is a decoy and must be null")),
            (v, Some(id)) => {
                let value = match v {
                    Value::Text(t) => AttrValue::Text(t.clone()),
                    Value::Bool(b) => AttrValue::Bool(*b),
                    Value::Bytes(b) => AttrValue::Bytes(b.clone()),
                    Value::Integer(_) => AttrValue::Uint(cbor::as_u64(v, "leaf value")?),
                    _ => return Err(format!("{id}: unsupported value type")),
                };
                value.check(id)?;
                Some(value)
            }
        };
        Ok(Leaf { slot, salt, value })
    }
}

/// A credential as a wallet holds it: the issuer's COSE_Sign1 exactly as received, and every
/// leaf of the attribute tree. Parsing checks structure; [`HeldCredential::verify_issuer`]
/// checks the issuer signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldCredential {
    cose: Vec<u8>,
    kid: [u8; 8],
    claims: Claims,
    leaves: Vec<Leaf>,
}

/// Why a credential could not be issued.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IssueError {
    /// An attribute value does not fit its type or size.
    #[error("invalid attribute: {0}")]
    InvalidAttribute(String),
    /// The holder key is weak (small order) or not canonically encoded: signatures under it
    /// would prove nothing.
    #[error("holder key refused: {0}")]
    WeakHolderKey(crate::keys::WeakKeyError),
    /// The validity period is empty.
    #[error("validity period is empty: not_before {not_before} is not before expires {expires}")]
    EmptyValidity {
        /// Start of validity.
        not_before: UnixTime,
        /// End of validity.
        expires: UnixTime,
    },
}

/// Why a credential file was refused.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CredentialError {
    /// Larger than [`MAX_CREDENTIAL_LEN`].
    #[error("credential file is {0} bytes; at most {MAX_CREDENTIAL_LEN} are accepted")]
    TooLarge(usize),
    /// Not a well-formed credential.
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// The issuer signature does not verify over these leaves.
    #[error("the issuer signature does not verify (altered, damaged or from another issuer)")]
    BadSignature,
    /// A batch file larger than [`crate::batch::BATCH_FILE_MAX`].
    #[error("batch file is {0} bytes; at most {max} are accepted", max = crate::batch::BATCH_FILE_MAX)]
    BatchTooLarge(usize),
    /// Credential `index` of a batch is not bound to the key derived for it from this device
    /// key and the batch seed (another wallet's batch, or a damaged one).
    #[error("credential {index} of the batch is not bound to this device key")]
    NotDerivedKey {
        /// The credential's position in the batch.
        index: usize,
    },
}

/// What an issuer puts in a credential.
#[derive(Clone, Debug)]
pub struct IssueParams {
    /// The holder's device public key.
    pub holder: VerifyingKey,
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity (exclusive).
    pub expires: UnixTime,
    /// Revocation status reference.
    pub status: StatusRef,
    /// The attribute values (age flags included: see [`Attributes::compute_age_flags`]).
    pub attributes: Attributes,
}

/// Issues a credential: salts every leaf with fresh randomness from `rng`, commits to the
/// attributes and signs the claims with the issuer key.
pub fn issue<R: CryptoRng + ?Sized>(
    issuer: &SigningKey,
    params: &IssueParams,
    rng: &mut R,
) -> Result<HeldCredential, IssueError> {
    crate::keys::check_holder_key(params.holder.as_bytes()).map_err(IssueError::WeakHolderKey)?;
    for (id, v) in &params.attributes.0 {
        v.check(*id).map_err(IssueError::InvalidAttribute)?;
    }
    crate::portrait::check_attributes(&params.attributes, params.not_before)
        .map_err(IssueError::InvalidAttribute)?;
    issue_unchecked(issuer, params, rng)
}

/// [`issue`] without the holder-key and attribute checks: only for test vectors of what a
/// verifier must refuse (see `testing::issue_unchecked`).
pub(crate) fn issue_unchecked<R: CryptoRng + ?Sized>(
    issuer: &SigningKey,
    params: &IssueParams,
    rng: &mut R,
) -> Result<HeldCredential, IssueError> {
    if params.expires <= params.not_before {
        return Err(IssueError::EmptyValidity {
            not_before: params.not_before,
            expires: params.expires,
        });
    }
    let claims = Claims {
        doctype: DOCTYPE_EID.to_string(),
        not_before: params.not_before,
        expires: params.expires,
        holder: params.holder,
        status: params.status,
    };
    Ok(sign_claims(
        issuer,
        &kid_for(&issuer.verifying_key()),
        claims,
        &params.attributes,
        rng,
    ))
}

/// Salts the leaves, commits to them and signs `claims`: the part of [`issue`] after the
/// checks, shared with batch issuance (which checks the device key and the attributes once
/// per batch, not per credential).
pub(crate) fn sign_claims<R: CryptoRng + ?Sized>(
    issuer: &SigningKey,
    kid: &[u8; 8],
    claims: Claims,
    attributes: &Attributes,
    rng: &mut R,
) -> HeldCredential {
    let leaves: Vec<Leaf> = (1..=SLOTS)
        .map(|slot| {
            let mut salt = [0u8; SALT_LEN];
            rng.fill_bytes(&mut salt);
            let value = AttrId::from_slot(slot).and_then(|id| attributes.get(id).cloned());
            Leaf { slot, salt, value }
        })
        .collect();
    let root = root_of(&leaves);
    let kid = *kid;
    let cose = sign1_bytes(issuer, &kid, &cbor::encode(&claims.to_value()), &root);
    HeldCredential {
        cose,
        kid,
        claims,
        leaves,
    }
}

/// The CBOR head of a byte string of `len` bytes.
fn bstr_head(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=23 => out.push(0x40 | len as u8),
        24..=0xFF => out.extend([0x58, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x59);
            out.extend((len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x5A);
            out.extend((len as u32).to_be_bytes());
        }
    }
}

/// The issuer's tagged COSE_Sign1, encoded directly: protected `{1: -8, 4: kid}`, no
/// unprotected header, the payload, and the signature over
/// `["Signature1", protected, external_aad, payload]`. Byte for byte what coset's builder
/// makes (checked in the tests), without its intermediate CBOR values: batch issuance makes
/// tens of thousands per second.
fn sign1_bytes(issuer: &SigningKey, kid: &[u8; 8], payload: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut protected = [0u8; 13];
    protected[..5].copy_from_slice(&[0xA2, 0x01, 0x27, 0x04, 0x48]);
    protected[5..].copy_from_slice(kid);
    let mut tbs = Vec::with_capacity(payload.len() + aad.len() + 32);
    tbs.push(0x84);
    tbs.push(0x6A);
    tbs.extend_from_slice(b"Signature1");
    bstr_head(&mut tbs, protected.len());
    tbs.extend_from_slice(&protected);
    bstr_head(&mut tbs, aad.len());
    tbs.extend_from_slice(aad);
    bstr_head(&mut tbs, payload.len());
    tbs.extend_from_slice(payload);
    let signature = issuer.sign(&tbs).to_bytes();
    let mut out = Vec::with_capacity(payload.len() + 96);
    out.extend([0xD2, 0x84]);
    bstr_head(&mut out, protected.len());
    out.extend_from_slice(&protected);
    out.push(0xA0);
    bstr_head(&mut out, payload.len());
    out.extend_from_slice(payload);
    bstr_head(&mut out, signature.len());
    out.extend_from_slice(&signature);
    out
}

fn root_of(leaves: &[Leaf]) -> Hash {
    let hashes: [Hash; SLOTS as usize] = std::array::from_fn(|i| leaves[i].hash());
    merkle::root(&EID_SHAPE, &hashes)
}

/// Parses the issuer COSE_Sign1 of a credential. Returns the kid, the message and the claims.
pub(crate) fn parse_issuer_cose(bytes: &[u8]) -> Result<([u8; 8], CoseSign1, Claims), Malformed> {
    let (kid, msg) = parse_sign1(bytes, "issuer cose_sign1")?;
    let claims = Claims::from_slice(msg.payload.as_deref().unwrap_or_default())?;
    Ok((kid, msg, claims))
}

impl HeldCredential {
    /// The issuer's COSE_Sign1, exactly as signed.
    pub fn cose_bytes(&self) -> &[u8] {
        &self.cose
    }

    /// The issuer key id.
    pub fn kid(&self) -> [u8; 8] {
        self.kid
    }

    /// The signed claims (validity, holder key, status reference).
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// All leaves, slot 1 first.
    pub fn leaves(&self) -> &[Leaf] {
        &self.leaves
    }

    /// The root of the attribute tree (the issuer signature's external AAD).
    pub fn root(&self) -> Hash {
        root_of(&self.leaves)
    }

    /// The attribute values the credential holds.
    pub fn attributes(&self) -> Attributes {
        let mut a = Attributes::default();
        for leaf in &self.leaves {
            if let (Some(id), Some(v)) = (AttrId::from_slot(leaf.slot), &leaf.value) {
                a.set(id, v.clone());
            }
        }
        a
    }

    /// Checks the issuer signature with the issuer's public key.
    pub fn verify_issuer(&self, key: &VerifyingKey) -> Result<(), CredentialError> {
        let msg = CoseSign1::from_tagged_slice(&self.cose)
            .map_err(|e| CredentialError::Malformed(e.to_string()))?;
        if self.kid != kid_for(key) || !verify_sign1(&msg, key, &self.root()) {
            return Err(CredentialError::BadSignature);
        }
        Ok(())
    }

    /// The credential file: CBOR `[cose_sign1 bytes, [16 leaves]]`.
    pub fn to_vec(&self) -> Vec<u8> {
        cbor::encode(&Value::Array(vec![
            Value::Bytes(self.cose.clone()),
            Value::Array(self.leaves.iter().map(Leaf::to_value).collect()),
        ]))
    }

    /// Reads a credential file strictly (structure only; see [`HeldCredential::verify_issuer`]).
    pub fn from_slice(bytes: &[u8]) -> Result<HeldCredential, CredentialError> {
        if bytes.len() > MAX_CREDENTIAL_LEN {
            return Err(CredentialError::TooLarge(bytes.len()));
        }
        let v =
            cbor::decode_canonical(bytes, "credential file").map_err(CredentialError::Malformed)?;
        let a = cbor::as_array_len(&v, 2, "credential file").map_err(CredentialError::Malformed)?;
        let cose = cbor::as_bytes(&a[0], "issuer cose_sign1")
            .map_err(CredentialError::Malformed)?
            .to_vec();
        let (kid, _, claims) = parse_issuer_cose(&cose).map_err(CredentialError::Malformed)?;
        let lv = cbor::as_array(&a[1], "leaves").map_err(CredentialError::Malformed)?;
        if lv.len() != usize::from(SLOTS) {
            return Err(CredentialError::Malformed(format!(
                "expected {SLOTS} leaves, found {}",
                lv.len()
            )));
        }
        let mut leaves = Vec::with_capacity(lv.len());
        for (i, l) in lv.iter().enumerate() {
            let leaf = Leaf::from_value(l, true).map_err(CredentialError::Malformed)?;
            if usize::from(leaf.slot) != i + 1 {
                return Err(CredentialError::Malformed(format!(
                    "leaf {} has slot {}; leaves must be in slot order",
                    i + 1,
                    leaf.slot
                )));
            }
            if let (Some(AttrId::Portrait), Some(AttrValue::Bytes(b))) =
                (AttrId::from_slot(leaf.slot), &leaf.value)
            {
                crate::portrait::check_issued(b, claims.not_before)
                    .map_err(|e| CredentialError::Malformed(format!("portrait: {e}")))?;
            }
            leaves.push(leaf);
        }
        Ok(HeldCredential {
            cose,
            kid,
            claims,
            leaves,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::protected_header;
    use coset::CoseSign1Builder;

    #[test]
    fn direct_cose_encoding_is_what_coset_builds() {
        let issuer = SigningKey::from_bytes(&[0x21; 32]);
        let kid = kid_for(&issuer.verifying_key());
        for len in [0usize, 23, 24, 255, 256, 300, 70_000] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let aad = [0xAB; 32];
            let want = CoseSign1Builder::new()
                .protected(protected_header(&kid))
                .payload(payload.clone())
                .create_signature(&aad, |tbs| issuer.sign(tbs).to_bytes().to_vec())
                .build()
                .to_tagged_vec()
                .unwrap();
            assert_eq!(
                sign1_bytes(&issuer, &kid, &payload, &aad),
                want,
                "payload of {len}"
            );
        }
    }

    #[test]
    fn direct_leaf_encoding_is_the_generic_one() {
        let mut values = vec![
            None,
            Some(AttrValue::Bool(true)),
            Some(AttrValue::Bool(false)),
        ];
        for n in [
            0u64,
            23,
            24,
            255,
            256,
            65_535,
            65_536,
            u32::MAX as u64,
            u64::MAX,
        ] {
            values.push(Some(AttrValue::Uint(n)));
        }
        for len in [0usize, 23, 24, 255, 256, 70_000] {
            values.push(Some(AttrValue::Text(
                "é".repeat(len / 2) + &"a".repeat(len % 2),
            )));
            values.push(Some(AttrValue::Bytes(vec![7; len])));
        }
        for (i, value) in values.into_iter().enumerate() {
            let leaf = Leaf {
                slot: (i % 16) as u8 + 1,
                salt: [i as u8; SALT_LEN],
                value,
            };
            assert_eq!(leaf.encode(), cbor::encode(&leaf.to_value()), "{leaf:?}");
        }
    }

    #[test]
    fn status_ref_text_round_trips() {
        for id in [
            StatusRef { list: 0, index: 0 },
            StatusRef { list: 3, index: 17 },
            StatusRef {
                list: u32::MAX,
                index: u32::MAX,
            },
        ] {
            assert_eq!(id.to_string().parse::<StatusRef>(), Ok(id));
        }
        assert_eq!("007-01".parse(), Ok(StatusRef { list: 7, index: 1 }));
    }

    #[test]
    fn status_ref_refuses_bad_text() {
        for bad in [
            "",
            "3",
            "-1",
            "a-1",
            "1-",
            "1-2-3",
            "+1-2",
            "1-+2",
            " 1-2",
            "1-2 ",
            "4294967296-0",
            "0-4294967296",
            "1_2",
            "١-٢",
        ] {
            let err = bad.parse::<StatusRef>().unwrap_err();
            assert_eq!(err, StatusRefError(bad.to_string()));
            assert_eq!(
                err.to_string(),
                format!("credential id {bad:?} must be LIST-INDEX, e.g. 0-17")
            );
        }
    }
}
