//! Enrolment requests at the issuer. The format is tessera-core's
//! ([`tessera_core::request`], docs/format.md "Enrolment request"): a COSE_Sign1 by the
//! wallet's device key over that key, a request id, the time and the document type. This
//! module reads one from a file, from its `TR1:` text or from a batch record, and accepts it
//! only if it asks for the document this issuer issues.

use crate::Error;
use crate::error::io;
use ed25519_dalek::SigningKey;
use std::io::Read;
use std::path::Path;
use tessera_core::request::{self, RequestParams};
use tessera_core::{DOCTYPE_EID, UnixTime};

pub use tessera_core::request::{MAX_REQUEST_LEN, RequestError, RequestPolicy, VerifiedRequest};

/// Checks a request with the default [`RequestPolicy`] (see [`check_request_with`]).
pub fn check_request(bytes: &[u8], now: UnixTime) -> Result<VerifiedRequest, RequestError> {
    check_request_with(bytes, now, &RequestPolicy::default())
}

/// Checks a request: the core's checks (strict CBOR, a canonical non-weak device key, the
/// proof of possession with `verify_strict`), its age under `policy`, and that it asks for
/// the national ID (`tessera.eid.1`), the only document this issuer makes.
pub fn check_request_with(
    bytes: &[u8],
    now: UnixTime,
    policy: &RequestPolicy,
) -> Result<VerifiedRequest, RequestError> {
    let req = request::verify_request(bytes, now, policy)?;
    req.check_doctype(DOCTYPE_EID)?;
    Ok(req)
}

/// Reads the request an operator gives on the command line: the `TR1:` text itself (as a
/// scanner types it), or the path of a file holding the request's CBOR bytes or its text.
pub fn read_request_arg(arg: &str) -> Result<Vec<u8>, Error> {
    let trimmed = arg.trim();
    if trimmed
        .get(..request::PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(request::PREFIX))
    {
        return Ok(request::from_text(trimmed)?);
    }
    let path = Path::new(arg);
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            // One byte more than the longest text with a line end, so too long is seen.
            f.take(request::MAX_TEXT_LEN as u64 + 3)
                .read_to_end(&mut bytes)
        })
        .map_err(io(path))?;
    request::from_file_bytes(&bytes).map_err(|source| Error::RequestFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the `"request"` field of a batch record: the `TR1:` text, or the standard base64 of
/// the request's CBOR bytes.
pub fn read_request_field(field: &str) -> Result<Vec<u8>, String> {
    if field
        .get(..request::PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(request::PREFIX))
    {
        return request::from_text(field).map_err(|e| e.to_string());
    }
    if field.len() > MAX_REQUEST_LEN.div_ceil(3) * 4 {
        return Err(format!(
            "request is {} characters of base64; at most {MAX_REQUEST_LEN} bytes are accepted",
            field.len()
        ));
    }
    crate::b64::decode(field).ok_or_else(|| "not \"TR1:\" text or standard base64".to_string())
}

/// Makes a request for the national ID with the holder's secret key, dated `now`, with a
/// random request id: what a wallet does (`tessera-wallet request`), for tests and demos
/// where the holder key is a file.
///
/// ```
/// use tessera_issuer::{check_request, make_request, RequestError};
/// let holder = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
/// let req = make_request(&holder, 1_800_000_000);
/// assert_eq!(check_request(&req, 1_800_000_060).unwrap().holder(), holder.verifying_key());
/// let mut bad = req.clone();
/// *bad.last_mut().unwrap() ^= 1;
/// assert_eq!(check_request(&bad, 1_800_000_060), Err(RequestError::BadSignature));
/// ```
pub fn make_request(holder: &SigningKey, now: UnixTime) -> Vec<u8> {
    let mut id = [0u8; request::REQUEST_ID_LEN];
    rand_core::Rng::fill_bytes(&mut crate::OsRng::new(), &mut id);
    let params = RequestParams {
        doctype: DOCTYPE_EID,
        id,
        created: now,
    };
    // The document type is the constant above, which the core accepts.
    request::make_request(holder, &params).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_fields_in_every_form() {
        let holder = SigningKey::from_bytes(&[3; 32]);
        let t = 1_800_000_000;
        let req = make_request(&holder, t);
        assert_eq!(
            check_request(&req, t).unwrap().holder(),
            holder.verifying_key()
        );
        let text = request::to_text(&req);
        // On the command line: the text itself, a file of text, a file of bytes.
        assert_eq!(read_request_arg(&text).unwrap(), req);
        assert_eq!(read_request_arg(&text.to_lowercase()).unwrap(), req);
        let dir = tempfile::tempdir().unwrap();
        let (tf, bf) = (dir.path().join("r.txt"), dir.path().join("r.req"));
        std::fs::write(&tf, format!("{text}\n")).unwrap();
        std::fs::write(&bf, &req).unwrap();
        assert_eq!(read_request_arg(tf.to_str().unwrap()).unwrap(), req);
        assert_eq!(read_request_arg(bf.to_str().unwrap()).unwrap(), req);
        let missing = dir.path().join("none.req");
        let err = read_request_arg(missing.to_str().unwrap()).unwrap_err();
        assert!(err.to_string().contains("none.req"), "{err}");
        std::fs::write(&bf, vec![0xD2; 600]).unwrap();
        let err = read_request_arg(bf.to_str().unwrap()).unwrap_err();
        assert!(err.to_string().contains("r.req"), "{err}");
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert!(cause.unwrap_or_default().contains("at most 512"), "{err:?}");
        // In a batch record: the text, or base64.
        assert_eq!(read_request_field(&text).unwrap(), req);
        assert_eq!(read_request_field(&crate::b64::encode(&req)).unwrap(), req);
        assert!(read_request_field("TS1:ABC").is_err());
        assert!(read_request_field(&"A".repeat(1000)).is_err());
    }

    #[test]
    fn another_document_type_is_refused() {
        let holder = SigningKey::from_bytes(&[3; 32]);
        let t = 1_800_000_000;
        let params = RequestParams {
            doctype: "tessera.residence.1",
            id: [1; 16],
            created: t,
        };
        let req = request::make_request(&holder, &params).unwrap();
        assert!(matches!(
            check_request(&req, t),
            Err(RequestError::OtherDoctype { .. })
        ));
    }
}
