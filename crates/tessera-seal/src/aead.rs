//! XChaCha20-Poly1305 with associated data, and random bytes from the OS.

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{Key, KeyInit, Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::error::SealError;

/// Length of a key.
pub const KEY_LEN: usize = 32;
/// Length of a nonce (192 bits: random nonces never collide in practice).
pub const NONCE_LEN: usize = 24;
/// Length of an authentication tag.
pub const TAG_LEN: usize = 16;

/// `N` bytes from the operating system's random number generator.
pub fn random<const N: usize>() -> Result<[u8; N], SealError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(SealError::Random)?;
    Ok(out)
}

/// XChaCha20-Poly1305 under one key. The key schedule is wiped on drop; `Debug` prints
/// nothing of it.
#[derive(Clone)]
pub struct Cipher(XChaCha20Poly1305);

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(redacted)")
    }
}

impl Cipher {
    /// A cipher under `key`.
    pub fn new(key: &[u8; KEY_LEN]) -> Cipher {
        Cipher(XChaCha20Poly1305::new(&Key::from(*key)))
    }

    /// Seals `plaintext` bound to `aad`: `nonce ‖ ciphertext ‖ tag`, with a fresh random
    /// 192-bit nonce.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce: [u8; NONCE_LEN] = random()?;
        // Capacity reserved up front: no reallocation leaves a copy of the plaintext behind.
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self.seal_in_place(&nonce, aad, &mut out[NONCE_LEN..])?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Opens what [`Cipher::seal`] made. `None` for any failure: wrong key, other associated
    /// data, modified, truncated (the causes cannot be told apart).
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let (body, tag) = rest.split_at(rest.len() - TAG_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let mut out = Zeroizing::new(body.to_vec());
        self.open_in_place(&nonce, aad, &mut out, tag)
            .then_some(out)
    }

    /// Encrypts `buf` in place under `nonce` (which must never be used twice with this key)
    /// and returns the tag, for layouts that keep the nonce and tag elsewhere.
    pub fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], SealError> {
        let len = buf.len();
        let tag = self
            .0
            .encrypt_inout_detached(&XNonce::from(*nonce), aad, buf.into())
            .map_err(|_| SealError::TooLarge { len })?;
        Ok(tag.into())
    }

    /// Decrypts `buf` in place if `tag` authenticates it with `nonce` and `aad`; `false`
    /// (and `buf` unspecified) otherwise.
    #[must_use]
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> bool {
        let Ok(tag) = Tag::try_from(tag) else {
            return false;
        };
        self.0
            .decrypt_inout_detached(&XNonce::from(*nonce), aad, buf.into(), &tag)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_bound_to_key_and_aad() {
        let c = Cipher::new(&[1; 32]);
        let sealed = c.seal(b"a", b"value").unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + 5 + TAG_LEN);
        assert_eq!(&c.open(b"a", &sealed).unwrap()[..], b"value");
        assert!(c.open(b"b", &sealed).is_none());
        assert!(Cipher::new(&[2; 32]).open(b"a", &sealed).is_none());
        let mut flipped = sealed.clone();
        flipped[NONCE_LEN] ^= 1;
        assert!(c.open(b"a", &flipped).is_none());
        assert!(c.open(b"a", &sealed[..NONCE_LEN + TAG_LEN - 1]).is_none());
        assert_ne!(
            sealed,
            c.seal(b"a", b"value").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(format!("{c:?}"), "Cipher(redacted)");
    }

    #[test]
    fn in_place_round_trip() {
        let c = Cipher::new(&[3; 32]);
        let nonce = [9; NONCE_LEN];
        let mut buf = *b"0123456789";
        let tag = c.seal_in_place(&nonce, b"head", &mut buf).unwrap();
        assert_ne!(&buf, b"0123456789");
        let sealed = buf;
        assert!(!c.open_in_place(&nonce, b"other", &mut buf, &tag));
        let mut buf = sealed;
        assert!(!c.open_in_place(&nonce, b"head", &mut buf, &tag[..15]));
        let mut buf = sealed;
        assert!(c.open_in_place(&nonce, b"head", &mut buf, &tag));
        assert_eq!(&buf, b"0123456789");
    }
}
