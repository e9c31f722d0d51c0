//! The enrolment request: how a wallet asks an issuer for a credential bound to its device
//! key, with proof that it holds the key, and with no network.
//!
//! A request is a tagged COSE_Sign1 signed by the device key (EdDSA, protected header exactly
//! `{1: -8}`, external AAD the CBOR text `"TR1"`) over a CBOR map holding the device public key
//! (a COSE_Key), a random 16-byte request id, the creation time and the document type asked
//! for. The wallet shows it as a QR code whose text is `TR1:` followed by the base45 of the
//! bytes, or hands over the CBOR file. `docs/format.md` ("Enrolment request") is normative.
//!
//! Like the rest of the crate this module draws no randomness and reads no clock: the request
//! id and the time are arguments.
//!
//! ```
//! use tessera_core::request::{self, RequestError, RequestParams, RequestPolicy};
//! let device = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
//! let params = RequestParams { doctype: "tessera.eid.1", id: [9; 16], created: 1_800_000_000 };
//! let bytes = request::make_request(&device, &params).unwrap();
//! let text = request::to_text(&bytes);
//! assert!(text.starts_with("TR1:"));
//! let req = request::verify_request(&request::from_text(&text).unwrap(), 1_800_000_060,
//!     &RequestPolicy::default()).unwrap();
//! assert_eq!(req.holder(), device.verifying_key());
//! // One flipped bit and the proof of possession fails.
//! let mut bad = bytes.clone();
//! *bad.last_mut().unwrap() ^= 1;
//! assert_eq!(request::VerifiedRequest::from_slice(&bad), Err(RequestError::BadSignature));
//! ```

use crate::UnixTime;
use crate::base45::{self, Base45Error};
use crate::cbor::{self, Malformed};
use crate::keys::{WeakKeyError, check_holder_key, to_hex};
use crate::trust::verify_sign1;
use ciborium::value::Value;
use coset::{CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use thiserror::Error;

/// The prefix of a request's QR text (distinct from a presentation's `TS1:`).
pub const PREFIX: &str = "TR1:";

/// Length of the request id in bytes.
pub const REQUEST_ID_LEN: usize = 16;

/// Longest document type, in bytes.
pub const MAX_DOCTYPE_LEN: usize = 64;

/// Largest request accepted, in bytes. A request for `tessera.eid.1` is 158 bytes; the limit
/// leaves room for a longer document type and the reserved batch field.
pub const MAX_REQUEST_LEN: usize = 512;

/// Longest QR text accepted: the prefix and the base45 of [`MAX_REQUEST_LEN`] bytes.
pub const MAX_TEXT_LEN: usize = PREFIX.len() + MAX_REQUEST_LEN / 2 * 3;

/// The external AAD of the device signature: the CBOR text `"TR1"`. A presentation's holder
/// signature has a CBOR array as its AAD, so one can never stand for the other.
const AAD: [u8; 4] = [0x63, b'T', b'R', b'1'];

/// The protected header: exactly `{1: -8}` (alg EdDSA), as the holder signature of a
/// presentation. The key is in the payload, so there is no kid.
const PROTECTED: [u8; 3] = [0xA1, 0x01, 0x27];

/// Payload map keys, in canonical order.
const KEY_IAT: i64 = 6;
const KEY_CTI: i64 = 7;
const KEY_CNF: i64 = 8;
const KEY_DOCTYPE: i64 = -1;
/// Batch issuance: `{1 => count}`, how many credentials (1 to
/// [`MAX_BATCH_COUNT`](crate::batch::MAX_BATCH_COUNT)) the wallet asks for, each bound to a
/// key derived from the device key (see [`crate::batch`]). Absent: one credential bound to
/// the device key itself, as before batches.
const KEY_BATCH: i64 = -3;

/// What the wallet puts in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestParams<'a> {
    /// The document type asked for (for example [`DOCTYPE_EID`](crate::DOCTYPE_EID)).
    pub doctype: &'a str,
    /// A fresh random id; the wallet keeps it to recognise the answer.
    pub id: [u8; REQUEST_ID_LEN],
    /// When the request is made (the wallet's clock).
    pub created: UnixTime,
}

/// How old or how far in the future a request may be when an issuer checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestPolicy {
    /// Oldest accepted request, in seconds before now (enrolment desks collect requests for
    /// a while before a batch runs).
    pub max_age: u64,
    /// Allowed clock difference into the future, in seconds.
    pub max_skew: u64,
}

impl Default for RequestPolicy {
    /// 90 days old at most, 10 minutes of clock skew.
    fn default() -> Self {
        RequestPolicy {
            max_age: 90 * 86_400,
            max_skew: 600,
        }
    }
}

/// Why a request could not be made, read or accepted.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RequestError {
    /// Larger than [`MAX_REQUEST_LEN`].
    #[error("request is {0} bytes; at most {MAX_REQUEST_LEN} are accepted")]
    TooLarge(usize),
    /// QR text longer than [`MAX_TEXT_LEN`].
    #[error("request text is {0} characters long; at most {MAX_TEXT_LEN} are accepted")]
    TextTooLong(usize),
    /// The text does not start with `TR1:`.
    #[error("request text does not start with {PREFIX:?}: not a Tessera enrolment request")]
    MissingPrefix,
    /// The part after the prefix is not base45.
    #[error("request text is not valid base45")]
    Base45(#[source] Base45Error),
    /// Not a well-formed request.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The document type is empty, too long or uses characters outside `a-z 0-9 . - _`.
    #[error(
        "document type {0:?} is not accepted: 1 to {MAX_DOCTYPE_LEN} characters from a-z, 0-9, '.', '-', '_'"
    )]
    BadDoctype(String),
    /// The enclosed device key is non-canonical or weak.
    #[error("request holder key refused")]
    WeakKey(#[source] WeakKeyError),
    /// The proof of possession does not verify.
    #[error("request signature does not verify (altered, or not signed by the enclosed key)")]
    BadSignature,
    /// The request asks for a document type the caller does not issue.
    #[error("request asks for document type {asked:?}; this issuer issues {issued:?}")]
    OtherDoctype {
        /// The document type in the request.
        asked: String,
        /// The document type the caller issues.
        issued: String,
    },
    /// The request uses a field this version does not support.
    #[error("request asks for {0}, which this version does not support")]
    Unsupported(&'static str),
    /// The batch field asks for a number of credentials outside 1 to
    /// [`MAX_BATCH_COUNT`](crate::batch::MAX_BATCH_COUNT).
    #[error("request asks for a batch of {0} credentials; 1 to {max} are accepted", max = crate::batch::MAX_BATCH_COUNT)]
    BadBatchCount(u64),
    /// Made later than now plus the allowed skew.
    #[error("request was made at {created}, after now ({now}): check the clocks")]
    FromFuture {
        /// When the request says it was made.
        created: UnixTime,
        /// Now.
        now: UnixTime,
    },
    /// Older than the policy allows.
    #[error(
        "request was made at {created}, more than {max_age} s before now ({now}): ask the holder for a new one"
    )]
    TooOld {
        /// When the request says it was made.
        created: UnixTime,
        /// Now.
        now: UnixTime,
        /// The policy's maximum age.
        max_age: u64,
    },
}

/// A request whose structure and proof of possession verified. Only
/// [`VerifiedRequest::from_slice`] and [`verify_request`] make one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedRequest {
    holder: VerifyingKey,
    id: [u8; REQUEST_ID_LEN],
    created: UnixTime,
    doctype: String,
    batch: Option<u32>,
}

fn check_doctype(doctype: &str) -> Result<(), RequestError> {
    let ok = !doctype.is_empty()
        && doctype.len() <= MAX_DOCTYPE_LEN
        && doctype
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(RequestError::BadDoctype(doctype.to_string()))
    }
}

fn payload(holder: &[u8; 32], params: &RequestParams<'_>) -> Vec<u8> {
    payload_with(holder, params, None)
}

fn payload_with(holder: &[u8; 32], params: &RequestParams<'_>, batch: Option<u32>) -> Vec<u8> {
    let cose_key = cbor::map(vec![
        (1, cbor::uint(1)),  // kty: OKP
        (-1, cbor::uint(6)), // crv: Ed25519
        (-2, Value::Bytes(holder.to_vec())),
    ]);
    let mut fields = vec![
        (KEY_IAT, cbor::uint(params.created)),
        (KEY_CTI, Value::Bytes(params.id.to_vec())),
        (KEY_CNF, cbor::map(vec![(1, cose_key)])),
        (KEY_DOCTYPE, Value::Text(params.doctype.to_string())),
    ];
    if let Some(count) = batch {
        fields.push((
            KEY_BATCH,
            cbor::map(vec![(1, cbor::uint(u64::from(count)))]),
        ));
    }
    cbor::encode(&cbor::map(fields))
}

fn check_count(count: u64) -> Result<u32, RequestError> {
    match u32::try_from(count) {
        Ok(n) if (1..=crate::batch::MAX_BATCH_COUNT).contains(&n) => Ok(n),
        _ => Err(RequestError::BadBatchCount(count)),
    }
}

/// Wraps a payload in the request's COSE_Sign1, signing with `sign` (tests forge with it).
fn seal(payload: Vec<u8>, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let sign1 = CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::EdDSA)
                .build(),
        )
        .payload(payload)
        .create_signature(&AAD, sign)
        .build();
    // Encoding a freshly built COSE_Sign1 into a Vec cannot fail.
    sign1.to_tagged_vec().unwrap_or_default()
}

/// Makes a request signed by the wallet's device key. Fails only on a bad document type.
pub fn make_request(
    device: &SigningKey,
    params: &RequestParams<'_>,
) -> Result<Vec<u8>, RequestError> {
    check_doctype(params.doctype)?;
    let holder = device.verifying_key();
    Ok(seal(payload(holder.as_bytes(), params), |tbs| {
        device.sign(tbs).to_bytes().to_vec()
    }))
}

/// Makes a request for a batch of `count` credentials (1 to
/// [`MAX_BATCH_COUNT`](crate::batch::MAX_BATCH_COUNT)), each bound to a key derived from the
/// device key. Fails on a bad document type or count.
pub fn make_batch_request(
    device: &SigningKey,
    params: &RequestParams<'_>,
    count: u32,
) -> Result<Vec<u8>, RequestError> {
    check_doctype(params.doctype)?;
    let count = check_count(u64::from(count))?;
    let holder = device.verifying_key();
    Ok(seal(
        payload_with(holder.as_bytes(), params, Some(count)),
        |tbs| device.sign(tbs).to_bytes().to_vec(),
    ))
}

/// [`make_batch_request`] with the fields as arguments: the device key, the document type,
/// the creation time, the request id and the number of credentials.
pub fn build_batch(
    device: &SigningKey,
    doctype: &str,
    created: UnixTime,
    id: [u8; REQUEST_ID_LEN],
    count: u32,
) -> Result<Vec<u8>, RequestError> {
    make_batch_request(
        device,
        &RequestParams {
            doctype,
            id,
            created,
        },
        count,
    )
}

/// Reads and checks a request (structure and proof of possession), then its age under
/// `policy` at `now`. This is what an issuer runs.
pub fn verify_request(
    bytes: &[u8],
    now: UnixTime,
    policy: &RequestPolicy,
) -> Result<VerifiedRequest, RequestError> {
    let req = VerifiedRequest::from_slice(bytes)?;
    req.check_time(now, policy)?;
    Ok(req)
}

impl VerifiedRequest {
    /// Reads a request strictly and checks its proof of possession: canonical CBOR, the
    /// exact headers, known fields only, a canonical non-weak device key and `verify_strict`
    /// over the received bytes. Its age is not checked (see [`VerifiedRequest::check_time`]).
    pub fn from_slice(bytes: &[u8]) -> Result<VerifiedRequest, RequestError> {
        if bytes.len() > MAX_REQUEST_LEN {
            return Err(RequestError::TooLarge(bytes.len()));
        }
        let (msg, fields) = parse(bytes).map_err(RequestError::Malformed)?;
        let holder = check_holder_key(&fields.key).map_err(RequestError::WeakKey)?;
        if !verify_sign1(&msg, &holder, &AAD) {
            return Err(RequestError::BadSignature);
        }
        let batch = match fields.batch {
            None => None,
            Some(count) => Some(check_count(count)?),
        };
        Ok(VerifiedRequest {
            holder,
            id: fields.id,
            created: fields.created,
            doctype: fields.doctype,
            batch,
        })
    }

    /// Checks the request's age: no later than `now` plus the skew, no older than the
    /// maximum age.
    pub fn check_time(&self, now: UnixTime, policy: &RequestPolicy) -> Result<(), RequestError> {
        let created = self.created;
        if created > now.saturating_add(policy.max_skew) {
            return Err(RequestError::FromFuture { created, now });
        }
        if now.saturating_sub(created) > policy.max_age {
            return Err(RequestError::TooOld {
                created,
                now,
                max_age: policy.max_age,
            });
        }
        Ok(())
    }

    /// Checks that the request asks for `issued`, the document type the caller issues.
    pub fn check_doctype(&self, issued: &str) -> Result<(), RequestError> {
        if self.doctype == issued {
            Ok(())
        } else {
            Err(RequestError::OtherDoctype {
                asked: self.doctype.clone(),
                issued: issued.to_string(),
            })
        }
    }

    /// The device public key the credential must be bound to.
    pub fn holder(&self) -> VerifyingKey {
        self.holder
    }

    /// The request id.
    pub fn id(&self) -> [u8; REQUEST_ID_LEN] {
        self.id
    }

    /// The request id in lower-case hex (32 digits), as programs print it.
    pub fn id_hex(&self) -> String {
        to_hex(&self.id)
    }

    /// When the wallet made the request.
    pub fn created(&self) -> UnixTime {
        self.created
    }

    /// The document type asked for.
    pub fn doctype(&self) -> &str {
        &self.doctype
    }

    /// How many credentials of a batch the request asks for, or `None` for a request without
    /// the batch field (one credential bound to the device key itself).
    pub fn batch_count(&self) -> Option<u32> {
        self.batch
    }
}

struct Fields {
    key: [u8; 32],
    id: [u8; REQUEST_ID_LEN],
    created: UnixTime,
    doctype: String,
    /// The count of the batch field, unchecked (range errors get their own variant).
    batch: Option<u64>,
}

/// The structural part of [`VerifiedRequest::from_slice`]: the message and its fields (the
/// key bytes are returned unchecked so that key errors get their own variant).
fn parse(bytes: &[u8]) -> Result<(CoseSign1, Fields), Malformed> {
    let what = "request cose_sign1";
    let msg = CoseSign1::from_tagged_slice(bytes)
        .map_err(|e| format!("{what}: not a tagged cose_sign1 ({e})"))?;
    if msg.protected.original_data.as_deref() != Some(&PROTECTED[..]) || !msg.unprotected.is_empty()
    {
        return Err(format!(
            "{what}: headers must be exactly protected {{1: -8}} and unprotected {{}}"
        ));
    }
    let again = msg
        .clone()
        .to_tagged_vec()
        .map_err(|e| format!("{what}: {e}"))?;
    if again != bytes {
        return Err(format!("{what}: not in canonical cbor form"));
    }
    let payload = msg
        .payload
        .as_deref()
        .ok_or_else(|| format!("{what}: payload is missing"))?;
    let v = cbor::decode_canonical(payload, "request payload")?;
    let Value::Map(entries) = &v else {
        return Err("request payload: expected a map".into());
    };
    // The batch field may follow the four fields every request has.
    let batch_entry = match entries.get(4) {
        Some((k, v))
            if entries.len() == 5
                && cbor::as_i64(k, "request payload key").ok() == Some(KEY_BATCH) =>
        {
            Some(v)
        }
        _ => None,
    };
    let known = Value::Map(entries[..entries.len().min(4)].to_vec());
    if entries.len() > 4 && batch_entry.is_none() {
        return Err(format!(
            "request payload: expected 4 entries (and the batch key {KEY_BATCH}), found {}",
            entries.len()
        ));
    }
    let batch = match batch_entry {
        None => None,
        Some(v) => {
            let b = cbor::map_exact(v, &[1], "request batch (-3): expected {1: count}")?;
            Some(cbor::as_u64(b[0], "request batch count")?)
        }
    };
    let f = cbor::map_exact(
        &known,
        &[KEY_IAT, KEY_CTI, KEY_CNF, KEY_DOCTYPE],
        "request payload",
    )?;
    let created = cbor::as_u64(f[0], "request iat")?;
    let id = cbor::as_fixed::<REQUEST_ID_LEN>(f[1], "request id (cti)")?;
    let cnf = cbor::map_exact(f[2], &[1], "request cnf")?;
    let k = cbor::map_exact(cnf[0], &[1, -1, -2], "holder cose_key")?;
    if cbor::as_u64(k[0], "holder key kty")? != 1 || cbor::as_u64(k[1], "holder key crv")? != 6 {
        return Err("holder cose_key: must be kty OKP (1), crv Ed25519 (6)".into());
    }
    let key = cbor::as_fixed::<32>(k[2], "holder key x")?;
    let doctype = cbor::as_text(f[3], "request doctype")?.to_string();
    check_doctype(&doctype).map_err(|e| e.to_string())?;
    Ok((
        msg,
        Fields {
            key,
            id,
            created,
            doctype,
            batch,
        },
    ))
}

/// Encodes request bytes as QR text: `TR1:` and base45.
pub fn to_text(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(PREFIX.len() + bytes.len().div_ceil(2) * 3);
    s.push_str(PREFIX);
    s.push_str(&base45::encode(bytes));
    s
}

/// Decodes QR text as a scanner types it: surrounding white space is ignored and lower case
/// is accepted (base45 has no lower case; Caps Lock and keyboard layouts change it).
pub fn from_text(text: &str) -> Result<Vec<u8>, RequestError> {
    let text = text.trim();
    if text.len() > MAX_TEXT_LEN {
        return Err(RequestError::TextTooLong(text.len()));
    }
    let upper = text.to_ascii_uppercase();
    let body = upper
        .strip_prefix(PREFIX)
        .ok_or(RequestError::MissingPrefix)?;
    base45::decode(body).map_err(RequestError::Base45)
}

/// Reads what a request file or a scanned code holds: the CBOR bytes (they start with the
/// COSE_Sign1 tag, byte `0xD2`) or the `TR1:` text.
pub fn from_file_bytes(input: &[u8]) -> Result<Vec<u8>, RequestError> {
    match input.first() {
        Some(0xD2) => {
            if input.len() > MAX_REQUEST_LEN {
                return Err(RequestError::TooLarge(input.len()));
            }
            Ok(input.to_vec())
        }
        _ => {
            if input.len() > MAX_TEXT_LEN + 2 {
                return Err(RequestError::TextTooLong(input.len()));
            }
            let text = std::str::from_utf8(input).map_err(|_| RequestError::MissingPrefix)?;
            from_text(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DOCTYPE_EID;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    const T: UnixTime = 1_800_000_000;

    fn params() -> RequestParams<'static> {
        RequestParams {
            doctype: DOCTYPE_EID,
            id: std::array::from_fn(|i| i as u8 * 17),
            created: T,
        }
    }

    fn device() -> SigningKey {
        SigningKey::from_bytes(&[0x51; 32])
    }

    /// A request whose fields and signature the test chooses.
    fn forged(key: &[u8; 32], extra: Option<Value>, aad: &[u8], sign: &SigningKey) -> Vec<u8> {
        let mut p = cbor::decode_canonical(&payload(key, &params()), "p").unwrap();
        if let (Some(x), Value::Map(m)) = (extra, &mut p) {
            m.push((cbor::int(KEY_BATCH), x));
        }
        let sign1 = CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new()
                    .algorithm(iana::Algorithm::EdDSA)
                    .build(),
            )
            .payload(cbor::encode(&p))
            .create_signature(aad, |tbs| sign.sign(tbs).to_bytes().to_vec())
            .build();
        sign1.to_tagged_vec().unwrap()
    }

    #[test]
    fn round_trip_bytes_and_text() {
        let bytes = make_request(&device(), &params()).unwrap();
        assert_eq!(bytes.len(), 158, "docs/format.md gives this size");
        let req = verify_request(&bytes, T + 60, &RequestPolicy::default()).unwrap();
        assert_eq!(req.holder(), device().verifying_key());
        assert_eq!(req.id(), params().id);
        assert_eq!(req.created(), T);
        assert_eq!(req.doctype(), DOCTYPE_EID);
        assert_eq!(req.id_hex().len(), 32);
        let text = to_text(&bytes);
        assert!(text.starts_with("TR1:"));
        assert_eq!(from_text(&text).unwrap(), bytes);
        // Scanners type lower case with Caps Lock on, and end the line.
        assert_eq!(
            from_text(&format!("{}\r\n", text.to_ascii_lowercase())).unwrap(),
            bytes
        );
        assert_eq!(from_file_bytes(text.as_bytes()).unwrap(), bytes);
        assert_eq!(from_file_bytes(&bytes).unwrap(), bytes);
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let bytes = make_request(&device(), &params()).unwrap();
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(VerifiedRequest::from_slice(&b).is_err(), "bit {i}");
        }
        let mut sig = bytes.clone();
        *sig.last_mut().unwrap() ^= 0x80;
        assert_eq!(
            VerifiedRequest::from_slice(&sig),
            Err(RequestError::BadSignature)
        );
    }

    #[test]
    fn signed_by_another_key_or_context_is_refused() {
        let key = *device().verifying_key().as_bytes();
        let other = SigningKey::from_bytes(&[0x52; 32]);
        assert_eq!(
            VerifiedRequest::from_slice(&forged(&key, None, &AAD, &other)),
            Err(RequestError::BadSignature)
        );
        // The same payload signed without the "TR1" context (as a trust list would be).
        assert_eq!(
            VerifiedRequest::from_slice(&forged(&key, None, b"", &device())),
            Err(RequestError::BadSignature)
        );
    }

    #[test]
    fn weak_and_non_canonical_keys_are_refused() {
        // The identity point, with the signature R = identity, S = 0 that "verifies" any
        // message under a cofactored check.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut sig = vec![0u8; 64];
        sig[0] = 1;
        let bytes = seal(payload(&identity, &params()), |_| sig.clone());
        assert_eq!(
            VerifiedRequest::from_slice(&bytes),
            Err(RequestError::WeakKey(WeakKeyError::SmallOrder))
        );
        // y = p + 1: the identity again, encoded with an unreduced coordinate.
        let mut unreduced = [0xFF; 32];
        unreduced[0] = 0xEE;
        unreduced[31] = 0x7F;
        let bytes = seal(payload(&unreduced, &params()), |_| sig.clone());
        assert!(matches!(
            VerifiedRequest::from_slice(&bytes),
            Err(RequestError::WeakKey(_))
        ));
    }

    #[test]
    fn wrong_prefix_and_bad_text_are_refused() {
        let bytes = make_request(&device(), &params()).unwrap();
        let text = to_text(&bytes);
        let presentation_like = text.replacen("TR1:", "TS1:", 1);
        assert_eq!(
            from_text(&presentation_like),
            Err(RequestError::MissingPrefix)
        );
        assert_eq!(from_text(""), Err(RequestError::MissingPrefix));
        assert!(matches!(from_text("TR1:AB~"), Err(RequestError::Base45(_))));
        assert_eq!(
            from_file_bytes(b"\xff\xfe"),
            Err(RequestError::MissingPrefix)
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = vec![0xD2; MAX_REQUEST_LEN + 1];
        assert_eq!(
            VerifiedRequest::from_slice(&big),
            Err(RequestError::TooLarge(MAX_REQUEST_LEN + 1))
        );
        assert_eq!(
            from_file_bytes(&big),
            Err(RequestError::TooLarge(MAX_REQUEST_LEN + 1))
        );
        let long = format!("TR1:{}", "0".repeat(MAX_TEXT_LEN));
        assert_eq!(from_text(&long), Err(RequestError::TextTooLong(long.len())));
        // A long document type is refused when making the request as well.
        let doctype = "a".repeat(MAX_DOCTYPE_LEN + 1);
        let p = RequestParams {
            doctype: &doctype,
            ..params()
        };
        assert!(matches!(
            make_request(&device(), &p),
            Err(RequestError::BadDoctype(_))
        ));
        for bad in ["", "Tessera.EID", "tessera eid", "tessera.eid.1\u{200b}"] {
            let p = RequestParams {
                doctype: bad,
                ..params()
            };
            assert!(make_request(&device(), &p).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        let bytes = make_request(&device(), &params()).unwrap();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            VerifiedRequest::from_slice(&trailing),
            Err(RequestError::Malformed(_))
        ));
        // Untagged COSE_Sign1.
        assert!(matches!(
            VerifiedRequest::from_slice(&bytes[1..]),
            Err(RequestError::Malformed(_))
        ));
        // A kid in the protected header.
        let key = device();
        let sign1 = CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new()
                    .algorithm(iana::Algorithm::EdDSA)
                    .key_id(crate::kid_for(&key.verifying_key()).to_vec())
                    .build(),
            )
            .payload(payload(key.verifying_key().as_bytes(), &params()))
            .create_signature(&AAD, |tbs| key.sign(tbs).to_bytes().to_vec())
            .build();
        assert!(matches!(
            VerifiedRequest::from_slice(&sign1.to_tagged_vec().unwrap()),
            Err(RequestError::Malformed(_))
        ));
    }

    #[test]
    fn batch_requests_round_trip_and_stay_small() {
        let plain = make_request(&device(), &params()).unwrap();
        for count in [1, 16, 32, 64] {
            let bytes = make_batch_request(&device(), &params(), count).unwrap();
            // {-3: {1: count}} adds 4 bytes (5 from 24 on): one QR code still.
            assert!(bytes.len() <= plain.len() + 5, "{count}: {}", bytes.len());
            let req = verify_request(&bytes, T + 60, &RequestPolicy::default()).unwrap();
            assert_eq!(req.batch_count(), Some(count));
            assert_eq!(req.holder(), device().verifying_key());
        }
        let built = build_batch(&device(), DOCTYPE_EID, T, params().id, 32).unwrap();
        assert_eq!(built, make_batch_request(&device(), &params(), 32).unwrap());
        assert_eq!(
            VerifiedRequest::from_slice(&plain).unwrap().batch_count(),
            None
        );
        for bad in [0, 65, u32::MAX] {
            assert_eq!(
                make_batch_request(&device(), &params(), bad),
                Err(RequestError::BadBatchCount(u64::from(bad)))
            );
        }
    }

    #[test]
    fn hostile_batch_fields_are_refused() {
        let key = *device().verifying_key().as_bytes();
        let with = |v: Value| VerifiedRequest::from_slice(&forged(&key, Some(v), &AAD, &device()));
        let count = |n: u64| cbor::map(vec![(1, cbor::uint(n))]);
        assert_eq!(with(count(0)), Err(RequestError::BadBatchCount(0)));
        assert_eq!(with(count(65)), Err(RequestError::BadBatchCount(65)));
        assert_eq!(
            with(count(u64::MAX)),
            Err(RequestError::BadBatchCount(u64::MAX))
        );
        assert_eq!(
            RequestError::BadBatchCount(65).to_string(),
            "request asks for a batch of 65 credentials; 1 to 64 are accepted"
        );
        for wrong in [
            cbor::uint(16),
            cbor::map(vec![(1, cbor::int(-1))]),
            cbor::map(vec![(1, Value::Text("16".into()))]),
            cbor::map(vec![(2, cbor::uint(16))]),
            cbor::map(vec![(1, cbor::uint(16)), (2, cbor::uint(1))]),
            Value::Bytes(vec![16]),
        ] {
            let got = with(wrong.clone());
            assert!(
                matches!(&got, Err(RequestError::Malformed(m)) if m.contains("batch")),
                "{wrong:?}: {got:?}"
            );
        }
        // Any other extra key is malformed.
        let mut p = cbor::decode_canonical(&payload(&key, &params()), "p").unwrap();
        if let Value::Map(m) = &mut p {
            m.push((cbor::int(-4), cbor::uint(1)));
        }
        let other = seal(cbor::encode(&p), |tbs| {
            device().sign(tbs).to_bytes().to_vec()
        });
        assert!(matches!(
            VerifiedRequest::from_slice(&other),
            Err(RequestError::Malformed(_))
        ));
    }

    #[test]
    fn age_policy() {
        let bytes = make_request(&device(), &params()).unwrap();
        let p = RequestPolicy::default();
        assert!(verify_request(&bytes, T - 600, &p).is_ok());
        assert_eq!(
            verify_request(&bytes, T - 601, &p),
            Err(RequestError::FromFuture {
                created: T,
                now: T - 601
            })
        );
        assert!(verify_request(&bytes, T + p.max_age, &p).is_ok());
        assert!(matches!(
            verify_request(&bytes, T + p.max_age + 1, &p),
            Err(RequestError::TooOld { .. })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        #[test]
        fn hostile_input_is_refused_without_panics(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            text in "\\PC{0,300}",
            cut in 0usize..158,
        ) {
            // Random bytes are never a request, and reading them never panics.
            proptest::prop_assert!(VerifiedRequest::from_slice(&bytes).is_err());
            let _ = from_file_bytes(&bytes);
            let _ = from_text(&text);
            let _ = from_text(&format!("TR1:{text}"));
            // No prefix of a good request is one.
            let good = make_request(&device(), &params()).unwrap();
            proptest::prop_assert!(VerifiedRequest::from_slice(&good[..cut]).is_err());
        }
    }

    // Test vectors: tests/vectors/requests/*.vec, one case per file (see the README there).

    fn vector_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/requests")
    }

    fn error_code(e: &RequestError) -> &'static str {
        match e {
            RequestError::TooLarge(_) => "too-large",
            RequestError::Malformed(_) => "malformed",
            RequestError::WeakKey(_) => "weak-key",
            RequestError::BadSignature => "bad-signature",
            RequestError::Unsupported(_) => "unsupported",
            RequestError::BadBatchCount(_) => "bad-batch-count",
            RequestError::FromFuture { .. } => "from-future",
            RequestError::TooOld { .. } => "too-old",
            _ => "other",
        }
    }

    /// The vectors, generated from fixed keys and ids: (file name, file text).
    fn generate_vectors() -> Vec<(String, String)> {
        let key = device();
        let good = make_request(&key, &params()).unwrap();
        let hex = |b: &[u8]| to_hex(b);
        let vec = |comment: &str, now: UnixTime, bytes: &[u8], expect: Result<(), &str>| {
            let mut s = format!("comment: {comment}\n");
            match expect {
                Ok(()) => {
                    s.push_str("expect: valid\n");
                    s += &format!("now: {now}\nrequest: {}\n", hex(bytes));
                    s += &format!("text: {}\n", to_text(bytes));
                    s += &format!("holder: {}\n", hex(key.verifying_key().as_bytes()));
                    s += &format!(
                        "id: {}\ncreated: {T}\ndoctype: {DOCTYPE_EID}\n",
                        hex(&params().id)
                    );
                    if let Some(n) = VerifiedRequest::from_slice(bytes)
                        .ok()
                        .and_then(|r| r.batch_count())
                    {
                        s += &format!("batch: {n}\n");
                    }
                }
                Err(code) => {
                    s += &format!(
                        "expect: invalid\nerror: {code}\nnow: {now}\nrequest: {}\n",
                        hex(bytes)
                    );
                }
            }
            s
        };
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut zero_sig = vec![0u8; 64];
        zero_sig[0] = 1;
        let weak = seal(payload(&identity, &params()), |_| zero_sig.clone());
        let mut trailing = good.clone();
        trailing.push(0);
        let pk = *key.verifying_key().as_bytes();
        let batch = make_batch_request(&key, &params(), 16).unwrap();
        let batch_zero = forged(&pk, Some(cbor::map(vec![(1, cbor::uint(0))])), &AAD, &key);
        let batch_65 = forged(&pk, Some(cbor::map(vec![(1, cbor::uint(65))])), &AAD, &key);
        let batch_bare = forged(&pk, Some(cbor::uint(16)), &AAD, &key);
        let no_context = forged(&pk, None, b"", &key);
        vec![
            (
                "valid",
                vec(
                    "a request for tessera.eid.1, checked a minute later",
                    T + 60,
                    &good,
                    Ok(()),
                ),
            ),
            (
                "bad-signature",
                vec(
                    "the last signature byte flipped",
                    T + 60,
                    &flipped,
                    Err("bad-signature"),
                ),
            ),
            (
                "no-context",
                vec(
                    "signed without the TR1 external aad",
                    T + 60,
                    &no_context,
                    Err("bad-signature"),
                ),
            ),
            (
                "weak-key",
                vec(
                    "the identity point as key, with R = identity and S = 0",
                    T + 60,
                    &weak,
                    Err("weak-key"),
                ),
            ),
            (
                "trailing-byte",
                vec(
                    "a zero byte after the request",
                    T + 60,
                    &trailing,
                    Err("malformed"),
                ),
            ),
            (
                "batch",
                vec(
                    "a request for a batch of 16 credentials ({-3: {1: 16}})",
                    T + 60,
                    &batch,
                    Ok(()),
                ),
            ),
            (
                "batch-zero",
                vec(
                    "a batch of 0 credentials",
                    T + 60,
                    &batch_zero,
                    Err("bad-batch-count"),
                ),
            ),
            (
                "batch-65",
                vec(
                    "a batch of 65 credentials, one more than the maximum",
                    T + 60,
                    &batch_65,
                    Err("bad-batch-count"),
                ),
            ),
            (
                "batch-bare-count",
                vec(
                    "the batch field as a bare count (-3: 16) instead of {1: 16}",
                    T + 60,
                    &batch_bare,
                    Err("malformed"),
                ),
            ),
            (
                "too-old",
                vec(
                    "checked 91 days after it was made",
                    T + 91 * 86_400,
                    &good,
                    Err("too-old"),
                ),
            ),
            (
                "from-future",
                vec(
                    "made an hour after the issuer's clock",
                    T - 3600,
                    &good,
                    Err("from-future"),
                ),
            ),
        ]
        .into_iter()
        .map(|(n, t)| (format!("{n}.vec"), t))
        .collect()
    }

    fn fields(text: &str) -> BTreeMap<&str, &str> {
        text.lines().filter_map(|l| l.split_once(": ")).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        base16ct::mixed::decode_vec(s).unwrap()
    }

    /// Checks one vector file; returns the mismatch, if any.
    fn check_vector(name: &str, text: &str) -> Option<String> {
        let f = fields(text);
        let now: UnixTime = f["now"].parse().unwrap();
        let bytes = unhex(f["request"]);
        let got = verify_request(&bytes, now, &RequestPolicy::default());
        match (f["expect"], got) {
            ("valid", Ok(r)) => {
                let want = [
                    (f["holder"], to_hex(r.holder().as_bytes())),
                    (f["id"], r.id_hex()),
                    (f["created"], r.created().to_string()),
                    (f["doctype"], r.doctype().to_string()),
                    (
                        f.get("batch").copied().unwrap_or("none"),
                        r.batch_count().map_or("none".into(), |n| n.to_string()),
                    ),
                ];
                if let Some((w, g)) = want.iter().find(|(w, g)| w != g) {
                    return Some(format!("{name}: expected {w}, got {g}"));
                }
                (from_text(f["text"]).ok() != Some(bytes))
                    .then(|| format!("{name}: the text does not decode to the request"))
            }
            ("invalid", Err(e)) if error_code(&e) == f["error"] => None,
            (want, got) => Some(format!(
                "{name}: expected {want} {:?}, got {got:?}",
                f.get("error")
            )),
        }
    }

    #[test]
    fn committed_vectors_are_current_and_check() {
        let mut seen = 0;
        for (name, text) in generate_vectors() {
            let path = vector_dir().join(&name);
            let committed = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                committed == text,
                "{name} is stale: run `cargo test -p tessera-core --lib write_request_vectors -- --ignored`"
            );
            assert_eq!(check_vector(&name, &committed), None);
            seen += 1;
        }
        assert_eq!(seen, 11);
        // The checker can fail.
        let (name, text) = &generate_vectors()[0];
        let wrong = text.replace("expect: valid", "expect: invalid\nerror: bad-signature");
        assert!(check_vector(name, &wrong).is_some());
    }

    #[test]
    #[ignore = "writes tests/vectors/requests; run by hand after a format change"]
    fn write_request_vectors() {
        std::fs::create_dir_all(vector_dir()).unwrap();
        for (name, text) in generate_vectors() {
            std::fs::write(vector_dir().join(name), text).unwrap();
        }
    }
}
