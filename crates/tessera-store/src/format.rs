//! Byte layouts: the store header, sealed values and their associated data, the attempt
//! counter, and the backup file. Fixed-width big-endian fields, parsed strictly (exact
//! lengths, no trailing bytes).

use tessera_seal::{Cipher, KdfParams, SALT_LEN, TAG_LEN, derive_key};
use zeroize::Zeroizing;

use crate::error::{StoreError, corrupt};

pub(crate) use tessera_seal::NONCE_LEN;

/// Version of the on-disk format; bound into every record's associated data.
pub(crate) const FORMAT_VERSION: u16 = 1;

const HEADER_MAGIC: &[u8; 4] = b"TSW\x01";
const WRAPPED_LEN: usize = 32 + TAG_LEN;
/// magic, version, m, t, p, salt, nonce, wrapped key.
pub(crate) const HEADER_LEN: usize = 4 + 2 + 12 + SALT_LEN + NONCE_LEN + WRAPPED_LEN;

pub(crate) fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    Ok(tessera_seal::random()?)
}

pub(crate) fn cipher(key: &[u8; 32]) -> Cipher {
    Cipher::new(key)
}

/// Seals `plaintext`: `nonce ‖ ciphertext ‖ tag`, with a fresh random 192-bit nonce.
pub(crate) fn seal(cipher: &Cipher, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    Ok(cipher.seal(aad, plaintext)?)
}

/// Opens a sealed value. `None` for any failure: wrong key, wrong slot, modified, truncated.
pub(crate) fn open(cipher: &Cipher, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    cipher.open(aad, sealed)
}

/// Associated data of a record: format version, slot kind and slot id.
pub(crate) fn slot_aad(kind_tag: u8, id: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(24 + id.len());
    aad.extend_from_slice(b"tessera-store\0");
    aad.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    aad.push(kind_tag);
    aad.extend_from_slice(&(id.len() as u32).to_be_bytes());
    aad.extend_from_slice(id);
    aad
}

/// The store header: format version, Argon2id parameters and salt, and the data key wrapped
/// under the key derived from the PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub params: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
    pub wrapped: [u8; WRAPPED_LEN],
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(x)
}

fn be_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

impl Header {
    /// Wraps `data_key` under a key derived from `secret` with fresh salt.
    pub fn seal(
        secret: &[u8],
        params: KdfParams,
        data_key: &[u8; 32],
    ) -> Result<Header, StoreError> {
        let salt: [u8; SALT_LEN] = random()?;
        let kek = derive_key(secret, &salt, params)?;
        let nonce: [u8; NONCE_LEN] = random()?;
        let mut header = Header {
            params,
            salt,
            nonce,
            wrapped: [0; WRAPPED_LEN],
        };
        let mut buf = Zeroizing::new(*data_key);
        let tag = cipher(&kek).seal_in_place(&nonce, &header.aad(), &mut buf[..])?;
        header.wrapped[..32].copy_from_slice(&buf[..]);
        header.wrapped[32..].copy_from_slice(&tag);
        Ok(header)
    }

    /// Unwraps the data key with `secret`. `None`: wrong secret (or a modified header; the
    /// two cannot be told apart).
    pub fn unwrap_key(&self, secret: &[u8]) -> Result<Option<Zeroizing<[u8; 32]>>, StoreError> {
        let kek = derive_key(secret, &self.salt, self.params)?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&self.wrapped[..32]);
        let opened =
            cipher(&kek).open_in_place(&self.nonce, &self.aad(), &mut key[..], &self.wrapped[32..]);
        Ok(opened.then_some(key))
    }

    fn aad(&self) -> Vec<u8> {
        let bytes = self.to_bytes();
        let mut aad = b"tessera-store header\0".to_vec();
        aad.extend_from_slice(&bytes[..HEADER_LEN - NONCE_LEN - WRAPPED_LEN]);
        aad
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(HEADER_MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.params.m_cost_kib.to_be_bytes());
        out.extend_from_slice(&self.params.t_cost.to_be_bytes());
        out.extend_from_slice(&self.params.p_cost.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.wrapped);
        out
    }

    /// Parses a header. Does not check the cost limits: call `params.check_limits` next.
    pub fn parse(b: &[u8]) -> Result<Header, StoreError> {
        if b.len() < 6 || &b[..4] != HEADER_MAGIC {
            return Err(corrupt(
                "store header is not a tessera wallet header: the directory holds something else",
            ));
        }
        let version = u16::from_be_bytes([b[4], b[5]]);
        if version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "store format version {version} is not supported (this build reads version {FORMAT_VERSION}): update tessera"
            )));
        }
        if b.len() != HEADER_LEN {
            return Err(corrupt(format!(
                "store header has {} bytes, expected {HEADER_LEN}",
                b.len()
            )));
        }
        let params = KdfParams {
            m_cost_kib: be_u32(b, 6),
            t_cost: be_u32(b, 10),
            p_cost: be_u32(b, 14),
        };
        let mut at = 18;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&b[at..at + SALT_LEN]);
        at += SALT_LEN;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&b[at..at + NONCE_LEN]);
        at += NONCE_LEN;
        let mut wrapped = [0u8; WRAPPED_LEN];
        wrapped.copy_from_slice(&b[at..at + WRAPPED_LEN]);
        Ok(Header {
            params,
            salt,
            nonce,
            wrapped,
        })
    }
}

/// The failed-attempt counter, kept unsealed so it can be read and updated while locked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attempts {
    /// Failed (or interrupted) attempts in a row.
    pub failures: u32,
    /// Wall-clock time of the last counted attempt, seconds since the Unix epoch. Kept for
    /// diagnosis only: no decision compares it with the clock.
    pub last_unix_secs: u64,
}

impl Attempts {
    pub fn to_bytes(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&self.failures.to_be_bytes());
        out[4..].copy_from_slice(&self.last_unix_secs.to_be_bytes());
        out
    }

    /// A damaged counter is read as "delay threshold reached, just now", never as zero.
    pub fn parse_or_suspicious(b: &[u8], now: u64) -> Attempts {
        if b.len() == 12 {
            Attempts {
                failures: be_u32(b, 0),
                last_unix_secs: be_u64(b, 4),
            }
        } else {
            Attempts {
                failures: crate::FREE_ATTEMPTS,
                last_unix_secs: now,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Backup file.

const BACKUP_MAGIC: &[u8; 4] = b"TSB\x01";
/// magic, version, m, t, p, salt, nonce.
pub(crate) const BACKUP_HEAD_LEN: usize = 4 + 2 + 12 + SALT_LEN + NONCE_LEN;

pub(crate) struct BackupHead {
    pub params: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
}

impl BackupHead {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BACKUP_HEAD_LEN);
        out.extend_from_slice(BACKUP_MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.params.m_cost_kib.to_be_bytes());
        out.extend_from_slice(&self.params.t_cost.to_be_bytes());
        out.extend_from_slice(&self.params.p_cost.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.nonce);
        out
    }

    pub fn parse(b: &[u8]) -> Result<BackupHead, StoreError> {
        if b.len() < 6 || &b[..4] != BACKUP_MAGIC {
            return Err(corrupt(
                "the file is not a tessera wallet backup: choose the file that backup wrote",
            ));
        }
        let version = u16::from_be_bytes([b[4], b[5]]);
        if version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "backup format version {version} is not supported (this build reads version {FORMAT_VERSION}): update tessera"
            )));
        }
        if b.len() < BACKUP_HEAD_LEN + TAG_LEN {
            return Err(corrupt(format!(
                "backup file is truncated ({} bytes): it needs at least {} bytes",
                b.len(),
                BACKUP_HEAD_LEN + TAG_LEN
            )));
        }
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&b[18..18 + SALT_LEN]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&b[18 + SALT_LEN..BACKUP_HEAD_LEN]);
        Ok(BackupHead {
            params: KdfParams {
                m_cost_kib: be_u32(b, 6),
                t_cost: be_u32(b, 10),
                p_cost: be_u32(b, 14),
            },
            salt,
            nonce,
        })
    }
}

/// Seals a backup body under `key`; the head is the associated data.
pub(crate) fn seal_backup(
    head: &BackupHead,
    key: &[u8; 32],
    body: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let mut out = head.to_bytes();
    out.reserve_exact(body.len() + TAG_LEN);
    let aad = out.clone();
    let start = out.len();
    out.extend_from_slice(body);
    let tag = cipher(key).seal_in_place(&head.nonce, &aad, &mut out[start..])?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens a backup file's body. `None`: wrong passphrase or a modified file.
pub(crate) fn open_backup(
    head: &BackupHead,
    key: &[u8; 32],
    file: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let aad = &file[..BACKUP_HEAD_LEN];
    let rest = &file[BACKUP_HEAD_LEN..];
    let (body, tag) = rest.split_at(rest.len().checked_sub(TAG_LEN)?);
    let mut out = Zeroizing::new(body.to_vec());
    cipher(key)
        .open_in_place(&head.nonce, aad, &mut out, tag)
        .then_some(out)
}

/// One entry of a backup body.
pub(crate) enum Entry {
    /// A record: kind tag, id, plaintext.
    Record(u8, Vec<u8>, Zeroizing<Vec<u8>>),
    /// A history entry: sequence number, plaintext.
    History(u64, Zeroizing<Vec<u8>>),
    /// The next history sequence number.
    HistoryNext(u64),
}

const E_RECORD: u8 = 1;
const E_HISTORY: u8 = 2;
const E_HISTORY_NEXT: u8 = 3;

/// Appends an entry to a backup body (which must be a `Zeroizing` buffer with room).
pub(crate) fn encode_entry(out: &mut Zeroizing<Vec<u8>>, entry: &Entry) {
    fn push(out: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
        if out.capacity() - out.len() < bytes.len() {
            // Grow by copying into a fresh buffer so the old one is wiped, not just freed.
            let mut bigger = Zeroizing::new(Vec::with_capacity((out.len() + bytes.len()) * 2));
            bigger.extend_from_slice(out);
            *out = bigger;
        }
        out.extend_from_slice(bytes);
    }
    match entry {
        Entry::Record(kind, id, value) => {
            push(out, &[E_RECORD, *kind]);
            push(out, &(id.len() as u32).to_be_bytes());
            push(out, id);
            push(out, &(value.len() as u32).to_be_bytes());
            push(out, value);
        }
        Entry::History(seq, value) => {
            push(out, &[E_HISTORY]);
            push(out, &seq.to_be_bytes());
            push(out, &(value.len() as u32).to_be_bytes());
            push(out, value);
        }
        Entry::HistoryNext(next) => {
            push(out, &[E_HISTORY_NEXT]);
            push(out, &next.to_be_bytes());
        }
    }
}

/// Decodes a whole backup body; strict (exact lengths, known tags, nothing left over).
pub(crate) fn decode_body(mut b: &[u8]) -> Result<Vec<Entry>, StoreError> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], StoreError> {
        if b.len() < n {
            return Err(corrupt("backup body is truncated"));
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Ok(head)
    }
    let mut entries = Vec::new();
    while !b.is_empty() {
        let tag = take(&mut b, 1)?[0];
        match tag {
            E_RECORD => {
                let kind = take(&mut b, 1)?[0];
                let id_len = be_u32(take(&mut b, 4)?, 0) as usize;
                let id = take(&mut b, id_len)?.to_vec();
                let len = be_u32(take(&mut b, 4)?, 0) as usize;
                let value = Zeroizing::new(take(&mut b, len)?.to_vec());
                entries.push(Entry::Record(kind, id, value));
            }
            E_HISTORY => {
                let seq = be_u64(take(&mut b, 8)?, 0);
                let len = be_u32(take(&mut b, 4)?, 0) as usize;
                let value = Zeroizing::new(take(&mut b, len)?.to_vec());
                entries.push(Entry::History(seq, value));
            }
            E_HISTORY_NEXT => entries.push(Entry::HistoryNext(be_u64(take(&mut b, 8)?, 0))),
            other => {
                return Err(corrupt(format!(
                    "backup body has an unknown entry tag {other}"
                )));
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_slot_binding() {
        let c = cipher(&[7; 32]);
        let aad = slot_aad(2, b"cred-1");
        let sealed = seal(&c, &aad, b"hello").unwrap();
        assert_eq!(&open(&c, &aad, &sealed).unwrap()[..], b"hello");
        assert!(open(&c, &slot_aad(2, b"cred-2"), &sealed).is_none());
        assert!(open(&c, &slot_aad(1, b"cred-1"), &sealed).is_none());
        assert!(open(&cipher(&[8; 32]), &aad, &sealed).is_none());
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(open(&c, &aad, &bad).is_none(), "flip at {i}");
            assert!(open(&c, &aad, &sealed[..i]).is_none(), "truncated to {i}");
        }
    }

    #[test]
    fn header_round_trip() {
        let p = KdfParams::insecure_for_tests();
        let h = Header::seal(b"123456", p, &[9; 32]).unwrap();
        let bytes = h.to_bytes();
        assert_eq!(bytes.len(), HEADER_LEN);
        let back = Header::parse(&bytes).unwrap();
        assert_eq!(back, h);
        assert_eq!(*back.unwrap_key(b"123456").unwrap().unwrap(), [9; 32]);
        assert!(back.unwrap_key(b"654321").unwrap().is_none());
        // A header whose params were changed no longer unwraps.
        let mut changed = bytes.clone();
        changed[9] ^= 1; // m_cost 64 -> 65 KiB: still valid, but bound by the wrap
        let h2 = Header::parse(&changed).unwrap();
        assert_eq!(h2.params.m_cost_kib, 65);
        assert!(h2.unwrap_key(b"123456").unwrap().is_none());
        assert!(Header::parse(&bytes[..HEADER_LEN - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Header::parse(&longer).is_err());
    }

    proptest::proptest! {
        #[test]
        fn body_decode_never_panics_and_round_trips(data in proptest::collection::vec(0u8..8, 0..200)) {
            if let Ok(entries) = decode_body(&data) {
                let mut again = Zeroizing::new(Vec::new());
                for e in &entries {
                    encode_entry(&mut again, e);
                }
                proptest::prop_assert_eq!(&again[..], &data[..]);
            }
        }

        #[test]
        fn sealed_values_open_only_in_their_slot(
            value in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            id in "[a-z0-9]{1,12}",
        ) {
            let c = cipher(&[3; 32]);
            let sealed = seal(&c, &slot_aad(2, id.as_bytes()), &value).unwrap();
            proptest::prop_assert_eq!(sealed.len(), value.len() + NONCE_LEN + TAG_LEN);
            let opened = open(&c, &slot_aad(2, id.as_bytes()), &sealed).unwrap();
            proptest::prop_assert_eq!(&opened[..], &value[..]);
            proptest::prop_assert!(open(&c, &slot_aad(3, id.as_bytes()), &sealed).is_none());
            let other = format!("{id}x");
            proptest::prop_assert!(open(&c, &slot_aad(2, other.as_bytes()), &sealed).is_none());
        }
    }

    #[test]
    fn body_round_trip() {
        let mut body = Zeroizing::new(Vec::new());
        encode_entry(
            &mut body,
            &Entry::Record(2, b"a".to_vec(), Zeroizing::new(vec![1, 2])),
        );
        encode_entry(&mut body, &Entry::History(5, Zeroizing::new(vec![3])));
        encode_entry(&mut body, &Entry::HistoryNext(6));
        let entries = decode_body(&body).unwrap();
        assert_eq!(entries.len(), 3);
        assert!(decode_body(&body[..body.len() - 1]).is_err());
        assert!(decode_body(&[9]).is_err());
    }
}
