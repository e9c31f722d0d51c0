//! Status lists (IETF Token Status List style): one or two bits per credential, packed
//! least-significant bit first, zlib-compressed, in a COSE_Sign1 signed by the issuer.

use crate::UnixTime;
use crate::cbor::{self, Malformed};
use crate::trust::{IssuerLookup, OpenError, parse_sign1, sign1, verify_sign1};
use ciborium::value::Value;
use ed25519_dalek::SigningKey;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use std::io::{Read, Write};
use thiserror::Error;

/// Largest signed status-list file accepted, in bytes.
pub const MAX_STATUS_FILE_LEN: usize = 16 * 1024 * 1024;

/// Largest decompressed bit array accepted, in bytes (a zlib bomb is refused past this).
pub const MAX_STATUS_BYTES: usize = 32 * 1024 * 1024;

/// The status of one credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0: valid.
    Valid,
    /// 1: revoked (permanently invalid).
    Revoked,
    /// 2: suspended (temporarily invalid; two-bit lists only).
    Suspended,
    /// 3: reserved for an application; treated as invalid.
    Other,
}

impl Status {
    fn from_bits(v: u8) -> Status {
        match v {
            0 => Status::Valid,
            1 => Status::Revoked,
            2 => Status::Suspended,
            _ => Status::Other,
        }
    }

    fn bits(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Revoked => 1,
            Status::Suspended => 2,
            Status::Other => 3,
        }
    }
}

/// A status list of one issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusList {
    /// The issuer's identifier (as in the trust list).
    pub issuer: String,
    /// The list number (credentials refer to it in their status reference).
    pub list: u32,
    /// Bits per credential: 1 or 2.
    pub bits: u8,
    /// When the list was made.
    pub issued_at: UnixTime,
    /// How long, in seconds, the list may be used before a newer one is needed.
    pub ttl: u64,
    packed: Vec<u8>,
}

/// Why a status list was refused or could not be changed.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StatusListError {
    /// Larger than the limits.
    #[error("status list is too large ({0} bytes)")]
    TooLarge(usize),
    /// Not a well-formed status list.
    #[error("malformed status list: {0}")]
    Malformed(String),
    /// Signed by a key the trust list does not hold for this issuer.
    #[error("status list is signed by a key that is not trusted for issuer {0:?}")]
    UnknownSigner(String),
    /// The signature does not verify.
    #[error("status list signature does not verify")]
    BadSignature,
    /// Index past the end of the list.
    #[error("index {index} is past the end of status list {list} ({len} entries)")]
    IndexOutOfRange {
        /// The list.
        list: u32,
        /// The index asked for.
        index: u32,
        /// Entries in the list.
        len: u64,
    },
    /// Suspension needs a two-bit list.
    #[error("status {0:?} needs a two-bit status list")]
    NeedsTwoBits(Status),
}

impl StatusList {
    /// A list of `len` credentials, all valid. `bits` must be 1 or 2 (other values become 2).
    pub fn new(
        issuer: &str,
        list: u32,
        bits: u8,
        len: u32,
        issued_at: UnixTime,
        ttl: u64,
    ) -> StatusList {
        let bits = if bits == 1 { 1 } else { 2 };
        StatusList {
            issuer: issuer.into(),
            list,
            bits,
            issued_at,
            ttl,
            packed: vec![0; (len as usize * usize::from(bits)).div_ceil(8)],
        }
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.packed.len() as u64 * 8 / u64::from(self.bits)
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }

    /// The status at `index`, or `None` past the end.
    pub fn get(&self, index: u32) -> Option<Status> {
        let bit = u64::from(index) * u64::from(self.bits);
        let byte = *self.packed.get(usize::try_from(bit / 8).ok()?)?;
        let mask = (1u8 << self.bits) - 1;
        Some(Status::from_bits((byte >> (bit % 8)) & mask))
    }

    /// Sets the status at `index`.
    pub fn set(&mut self, index: u32, status: Status) -> Result<(), StatusListError> {
        if self.bits == 1 && !matches!(status, Status::Valid | Status::Revoked) {
            return Err(StatusListError::NeedsTwoBits(status));
        }
        let len = self.len();
        let bit = u64::from(index) * u64::from(self.bits);
        let list = self.list;
        let byte = usize::try_from(bit / 8)
            .ok()
            .and_then(|b| self.packed.get_mut(b))
            .ok_or(StatusListError::IndexOutOfRange { list, index, len })?;
        let mask = ((1u8 << self.bits) - 1) << (bit % 8);
        *byte = (*byte & !mask) | (status.bits() << (bit % 8));
        Ok(())
    }

    /// Whether the list is past its time-to-live at `now`.
    pub fn is_stale(&self, now: UnixTime) -> bool {
        now > self.issued_at.saturating_add(self.ttl)
    }

    /// Signs the list with the issuer key.
    pub fn sign(&self, issuer_key: &SigningKey) -> Vec<u8> {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        // Writing into a Vec cannot fail.
        let _ = z.write_all(&self.packed);
        let compressed = z.finish().unwrap_or_default();
        let payload = cbor::map(vec![
            (1, Value::Text(self.issuer.clone())),
            (2, cbor::uint(u64::from(self.list))),
            (3, cbor::uint(u64::from(self.bits))),
            (4, cbor::uint(self.issued_at)),
            (5, cbor::uint(self.ttl)),
            (6, Value::Bytes(compressed)),
        ]);
        sign1(issuer_key, cbor::encode(&payload))
    }

    /// Reads a signed status list; the signer must be a key the trust list holds for the
    /// list's issuer. Key windows are not applied here: a retired key's lists stay readable.
    pub fn from_signed(
        bytes: &[u8],
        trust: &impl IssuerLookup,
    ) -> Result<StatusList, StatusListError> {
        if bytes.len() > MAX_STATUS_FILE_LEN {
            return Err(StatusListError::TooLarge(bytes.len()));
        }
        let (kid, msg) = parse_sign1(bytes, "status list").map_err(StatusListError::Malformed)?;
        let list = Self::parse_payload(msg.payload.as_deref().unwrap_or_default())?;
        let (issuer, key) = trust
            .find_key(&kid)
            .ok_or_else(|| StatusListError::UnknownSigner(list.issuer.clone()))?;
        if issuer.id != list.issuer {
            return Err(StatusListError::UnknownSigner(list.issuer.clone()));
        }
        if !verify_sign1(&msg, &key.key, b"") {
            return Err(StatusListError::BadSignature);
        }
        Ok(list)
    }

    fn parse_payload(payload: &[u8]) -> Result<StatusList, StatusListError> {
        let m = |e: Malformed| StatusListError::Malformed(e);
        let v = cbor::decode_canonical(payload, "status list payload").map_err(m)?;
        let f = cbor::map_exact(&v, &[1, 2, 3, 4, 5, 6], "status list payload").map_err(m)?;
        let bits = cbor::as_u64(f[2], "bits").map_err(m)?;
        if bits != 1 && bits != 2 {
            return Err(StatusListError::Malformed(format!(
                "bits must be 1 or 2, not {bits}"
            )));
        }
        let compressed = cbor::as_bytes(f[5], "lst").map_err(m)?;
        let mut packed = Vec::new();
        ZlibDecoder::new(compressed)
            .take(MAX_STATUS_BYTES as u64 + 1)
            .read_to_end(&mut packed)
            .map_err(|e| StatusListError::Malformed(format!("lst: not valid zlib data ({e})")))?;
        if packed.len() > MAX_STATUS_BYTES {
            return Err(StatusListError::TooLarge(packed.len()));
        }
        Ok(StatusList {
            issuer: cbor::as_text(f[0], "issuer").map_err(m)?.to_string(),
            list: u32::try_from(cbor::as_u64(f[1], "list").map_err(m)?)
                .map_err(|_| StatusListError::Malformed("list: out of range".into()))?,
            bits: bits as u8,
            issued_at: cbor::as_u64(f[3], "issued_at").map_err(m)?,
            ttl: cbor::as_u64(f[4], "ttl").map_err(m)?,
            packed,
        })
    }
}

impl From<OpenError> for StatusListError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Malformed(m) => StatusListError::Malformed(m),
            OpenError::BadSignature => StatusListError::BadSignature,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrustList, TrustedIssuer, TrustedKey};

    fn trust(key: &SigningKey) -> TrustList {
        TrustList {
            sequence: 1,
            issued_at: 0,
            next_update: 10,
            issuers: vec![TrustedIssuer {
                id: "demo".into(),
                name: "Demo".into(),
                doctypes: vec![],
                keys: vec![TrustedKey::new(key.verifying_key(), 0, 10)],
            }],
        }
    }

    #[test]
    fn set_get_sign_read() {
        let key = SigningKey::from_bytes(&[5; 32]);
        for bits in [1u8, 2] {
            let mut l = StatusList::new("demo", 7, bits, 1000, 100, 3600);
            assert_eq!(l.len(), 1000);
            l.set(3, Status::Revoked).unwrap();
            if bits == 2 {
                l.set(4, Status::Suspended).unwrap();
            } else {
                assert!(l.set(4, Status::Suspended).is_err());
            }
            assert!(l.set(1000, Status::Revoked).is_err());
            let back = StatusList::from_signed(&l.sign(&key), &trust(&key)).unwrap();
            assert_eq!(back, l);
            assert_eq!(back.get(3), Some(Status::Revoked));
            assert_eq!(back.get(2), Some(Status::Valid));
            assert_eq!(
                back.get(4),
                Some(if bits == 2 {
                    Status::Suspended
                } else {
                    Status::Valid
                })
            );
            assert_eq!(back.get(1000), None);
            l.set(3, Status::Valid).unwrap();
            assert_eq!(l.get(3), Some(Status::Valid));
        }
    }

    #[test]
    fn other_issuer_or_tampering_is_refused() {
        let key = SigningKey::from_bytes(&[5; 32]);
        let other = SigningKey::from_bytes(&[6; 32]);
        let l = StatusList::new("demo", 7, 1, 100, 100, 3600);
        assert!(matches!(
            StatusList::from_signed(&l.sign(&other), &trust(&key)),
            Err(StatusListError::UnknownSigner(_))
        ));
        let bytes = l.sign(&key);
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(
                StatusList::from_signed(&b, &trust(&key)).is_err(),
                "bit {i}"
            );
        }
    }
}
