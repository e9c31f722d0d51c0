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
    /// The list's `issued_at` lies outside its signing key's window.
    #[error(
        "status list issued at {issued_at} is signed by a key trusted only from {not_before} to {not_after}"
    )]
    OutsideKeyWindow {
        /// The list's `issued_at`.
        issued_at: UnixTime,
        /// Start of the key's window.
        not_before: UnixTime,
        /// End of the key's window (exclusive).
        not_after: UnixTime,
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

    /// Reads a signed status list. In this order, so that no work is spent on a file nobody
    /// trusted signed: the size; the COSE_Sign1 structure and the payload's fields, without
    /// inflating the bit array; the signer, which must be a key the trust list holds for the
    /// list's issuer; the signature, over the payload exactly as received (the compressed
    /// bytes); the list's `issued_at`, which must lie in the signing key's window (a retired
    /// key's lists stay readable, but a key cannot sign lists dated outside its window); and
    /// only then the zlib inflate, capped at [`MAX_STATUS_BYTES`].
    pub fn from_signed(
        bytes: &[u8],
        trust: &impl IssuerLookup,
    ) -> Result<StatusList, StatusListError> {
        if bytes.len() > MAX_STATUS_FILE_LEN {
            return Err(StatusListError::TooLarge(bytes.len()));
        }
        let (kid, msg) = parse_sign1(bytes, "status list").map_err(StatusListError::Malformed)?;
        let fields = Fields::parse(msg.payload.as_deref().unwrap_or_default())?;
        let (issuer, key) = trust
            .find_key(&kid)
            .ok_or_else(|| StatusListError::UnknownSigner(fields.issuer.clone()))?;
        if issuer.id != fields.issuer {
            return Err(StatusListError::UnknownSigner(fields.issuer));
        }
        if !verify_sign1(&msg, &key.key, b"") {
            return Err(StatusListError::BadSignature);
        }
        if !key.valid_at(fields.issued_at) {
            return Err(StatusListError::OutsideKeyWindow {
                issued_at: fields.issued_at,
                not_before: key.not_before,
                not_after: key.not_after,
            });
        }
        fields.inflate()
    }
}

/// A status list payload whose bit array is still compressed.
struct Fields<'a> {
    issuer: String,
    list: u32,
    bits: u8,
    issued_at: UnixTime,
    ttl: u64,
    compressed: &'a [u8],
}

impl<'a> Fields<'a> {
    fn parse(payload: &'a [u8]) -> Result<Fields<'a>, StatusListError> {
        let m = |e: Malformed| StatusListError::Malformed(e);
        let v = cbor::decode_canonical(payload, "status list payload").map_err(m)?;
        let f = cbor::map_exact(&v, &[1, 2, 3, 4, 5, 6], "status list payload").map_err(m)?;
        let bits = cbor::as_u64(f[2], "bits").map_err(m)?;
        if bits != 1 && bits != 2 {
            return Err(StatusListError::Malformed(format!(
                "bits must be 1 or 2, not {bits}"
            )));
        }
        let lst = cbor::as_bytes(f[5], "lst").map_err(m)?;
        // In canonical form key 6 is the map's last entry, so the compressed bytes end the
        // payload: borrow them there instead of copying up to 16 MiB.
        let compressed = payload
            .len()
            .checked_sub(lst.len())
            .map(|start| &payload[start..])
            .filter(|tail| *tail == lst)
            .ok_or_else(|| StatusListError::Malformed("lst: must end the payload".into()))?;
        Ok(Fields {
            issuer: cbor::as_text(f[0], "issuer").map_err(m)?.to_string(),
            list: u32::try_from(cbor::as_u64(f[1], "list").map_err(m)?)
                .map_err(|_| StatusListError::Malformed("list: out of range".into()))?,
            bits: bits as u8,
            issued_at: cbor::as_u64(f[3], "issued_at").map_err(m)?,
            ttl: cbor::as_u64(f[4], "ttl").map_err(m)?,
            compressed,
        })
    }

    fn inflate(self) -> Result<StatusList, StatusListError> {
        let mut packed = Vec::new();
        ZlibDecoder::new(self.compressed)
            .take(MAX_STATUS_BYTES as u64 + 1)
            .read_to_end(&mut packed)
            .map_err(|e| StatusListError::Malformed(format!("lst: not valid zlib data ({e})")))?;
        if packed.len() > MAX_STATUS_BYTES {
            return Err(StatusListError::TooLarge(packed.len()));
        }
        Ok(StatusList {
            issuer: self.issuer,
            list: self.list,
            bits: self.bits,
            issued_at: self.issued_at,
            ttl: self.ttl,
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
                keys: vec![TrustedKey::new(key.verifying_key(), 0, 1000)],
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

    /// A signed list whose `lst` is `compressed` (any bytes), as an issuer would sign it.
    fn signed_with_lst(key: &SigningKey, issued_at: UnixTime, compressed: Vec<u8>) -> Vec<u8> {
        let payload = cbor::map(vec![
            (1, Value::Text("demo".into())),
            (2, cbor::uint(7)),
            (3, cbor::uint(1)),
            (4, cbor::uint(issued_at)),
            (5, cbor::uint(3600)),
            (6, Value::Bytes(compressed)),
        ]);
        sign1(key, cbor::encode(&payload))
    }

    /// 32 KiB of zlib that inflates past [`MAX_STATUS_BYTES`].
    fn bomb() -> Vec<u8> {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..33 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap()
    }

    #[test]
    fn signer_and_signature_are_checked_before_inflating() {
        let key = SigningKey::from_bytes(&[5; 32]);
        let other = SigningKey::from_bytes(&[6; 32]);
        let bomb = bomb();
        assert!(bomb.len() < 40 * 1024, "{} bytes", bomb.len());
        // Inflating first would report the bomb (TooLarge) or the garbage (Malformed); the
        // signer and the signature are judged first, so the bit array is never inflated.
        for lst in [bomb.clone(), vec![0xde, 0xad, 0xbe, 0xef]] {
            assert_eq!(
                StatusList::from_signed(&signed_with_lst(&other, 100, lst.clone()), &trust(&key)),
                Err(StatusListError::UnknownSigner("demo".into()))
            );
            let mut forged = signed_with_lst(&key, 100, lst);
            *forged.last_mut().unwrap() ^= 1;
            assert_eq!(
                StatusList::from_signed(&forged, &trust(&key)),
                Err(StatusListError::BadSignature)
            );
        }
        // Signed by the trusted key, the same bytes are inflated, capped and refused.
        assert!(matches!(
            StatusList::from_signed(&signed_with_lst(&key, 100, bomb), &trust(&key)),
            Err(StatusListError::TooLarge(n)) if n == MAX_STATUS_BYTES + 1
        ));
    }

    #[test]
    fn list_dated_outside_its_keys_window_is_refused() {
        let key = SigningKey::from_bytes(&[5; 32]);
        // The key is trusted in [0, 1000).
        for (issued_at, ok) in [(0, true), (999, true), (1000, false), (5000, false)] {
            let l = StatusList::new("demo", 7, 1, 100, issued_at, 3600);
            let r = StatusList::from_signed(&l.sign(&key), &trust(&key));
            if ok {
                assert_eq!(r, Ok(l));
            } else {
                assert_eq!(
                    r,
                    Err(StatusListError::OutsideKeyWindow {
                        issued_at,
                        not_before: 0,
                        not_after: 1000
                    })
                );
            }
        }
    }
}
