//! Issuance requests: how a holder's wallet enrols its device key without a network.
//!
//! A request is the CBOR array `["tessera-issuance-request-v1", created, holder_key,
//! signature]` where `created` is the Unix time the wallet made it, `holder_key` the 32-byte
//! Ed25519 public key and `signature` the holder's Ed25519 signature over the CBOR array
//! `["tessera-issuance-request-v1", created, holder_key]` (proof of possession). See
//! docs/issuer.md.

use ciborium::value::{Integer, Value};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use tessera_core::UnixTime;
use thiserror::Error;

/// The context string that starts every request and its signed bytes.
pub const REQUEST_CONTEXT: &str = "tessera-issuance-request-v1";

/// Largest request accepted, in bytes (a request is 135 bytes).
pub const MAX_REQUEST_LEN: usize = 256;

/// How old or how far in the future a request may be.
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

/// A request whose proof of possession verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedRequest {
    /// The holder's device public key.
    pub holder: VerifyingKey,
    /// When the wallet made the request.
    pub created: UnixTime,
}

/// Why a request was refused.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RequestError {
    /// Larger than [`MAX_REQUEST_LEN`].
    #[error("request is {0} bytes; at most {MAX_REQUEST_LEN} are accepted")]
    TooLarge(usize),
    /// Not a well-formed request.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The proof of possession does not verify.
    #[error("request signature does not verify (altered, or not signed by the holder key)")]
    BadSignature,
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

fn signed_bytes(created: UnixTime, holder: &VerifyingKey) -> Vec<u8> {
    encode(&Value::Array(vec![
        Value::Text(REQUEST_CONTEXT.into()),
        Value::Integer(Integer::from(created)),
        Value::Bytes(holder.as_bytes().to_vec()),
    ]))
}

fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Serialising a Value into a Vec cannot fail.
    let _ = ciborium::ser::into_writer(v, &mut out);
    out
}

/// Makes a request for the holder key `holder`, dated `now`.
///
/// ```
/// use tessera_issuer::{check_request, make_request, RequestError};
/// let holder = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
/// let req = make_request(&holder, 1_800_000_000);
/// assert_eq!(check_request(&req, 1_800_000_060).unwrap().holder, holder.verifying_key());
/// let mut bad = req.clone();
/// *bad.last_mut().unwrap() ^= 1;
/// assert_eq!(check_request(&bad, 1_800_000_060), Err(RequestError::BadSignature));
/// ```
pub fn make_request(holder: &SigningKey, now: UnixTime) -> Vec<u8> {
    let key = holder.verifying_key();
    let sig = holder.sign(&signed_bytes(now, &key));
    encode(&Value::Array(vec![
        Value::Text(REQUEST_CONTEXT.into()),
        Value::Integer(Integer::from(now)),
        Value::Bytes(key.as_bytes().to_vec()),
        Value::Bytes(sig.to_bytes().to_vec()),
    ]))
}

/// Checks a request with the default [`RequestPolicy`].
pub fn check_request(bytes: &[u8], now: UnixTime) -> Result<CheckedRequest, RequestError> {
    check_request_with(bytes, now, &RequestPolicy::default())
}

/// Checks a request: strict CBOR, the proof of possession (`verify_strict`), and its age.
pub fn check_request_with(
    bytes: &[u8],
    now: UnixTime,
    policy: &RequestPolicy,
) -> Result<CheckedRequest, RequestError> {
    let bad = |m: &str| RequestError::Malformed(m.to_string());
    if bytes.len() > MAX_REQUEST_LEN {
        return Err(RequestError::TooLarge(bytes.len()));
    }
    let v: Value = ciborium::de::from_reader_with_recursion_limit(bytes, 4)
        .map_err(|e| RequestError::Malformed(format!("not valid cbor ({e})")))?;
    if encode(&v) != bytes {
        return Err(bad(
            "not in canonical cbor form (trailing bytes, indefinite lengths or long encodings)",
        ));
    }
    let Value::Array(a) = v else {
        return Err(bad("expected an array of 4 elements"));
    };
    let [
        Value::Text(ctx),
        Value::Integer(created),
        Value::Bytes(key),
        Value::Bytes(sig),
    ] = &a[..]
    else {
        return Err(bad(
            "expected [context text, created uint, holder key bytes, signature bytes]",
        ));
    };
    if ctx != REQUEST_CONTEXT {
        return Err(RequestError::Malformed(format!(
            "context is {ctx:?}, expected {REQUEST_CONTEXT:?}"
        )));
    }
    let created = u64::try_from(*created).map_err(|_| bad("created: not a Unix time"))?;
    let key: [u8; 32] = key
        .as_slice()
        .try_into()
        .map_err(|_| bad("holder key: must be 32 bytes"))?;
    let holder =
        VerifyingKey::from_bytes(&key).map_err(|_| bad("holder key: not a valid ed25519 point"))?;
    let sig = Signature::from_slice(sig).map_err(|_| bad("signature: must be 64 bytes"))?;
    holder
        .verify_strict(&signed_bytes(created, &holder), &sig)
        .map_err(|_| RequestError::BadSignature)?;
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
    Ok(CheckedRequest { holder, created })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_times_and_tampering() {
        let holder = SigningKey::from_bytes(&[3; 32]);
        let t = 1_800_000_000;
        let req = make_request(&holder, t);
        assert!(req.len() <= MAX_REQUEST_LEN);
        assert_eq!(check_request(&req, t).unwrap().created, t);
        assert!(matches!(
            check_request(&req, t - 3600),
            Err(RequestError::FromFuture { .. })
        ));
        assert!(matches!(
            check_request(&req, t + 91 * 86_400),
            Err(RequestError::TooOld { .. })
        ));
        for i in 0..req.len() * 8 {
            let mut b = req.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(check_request(&b, t).is_err(), "bit {i}");
        }
        let mut longer = req.clone();
        longer.push(0);
        assert!(check_request(&longer, t).is_err());
    }
}
