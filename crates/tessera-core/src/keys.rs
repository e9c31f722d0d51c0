//! Key identifiers and the text format of key files.
//!
//! A key file is UTF-8 text: optional comment lines starting with `#`, a label line
//! (`tessera-ed25519-secret-key-v1` or `tessera-ed25519-public-key-v1`) and one line with the
//! 32 key bytes in lower-case hex. Comments carry warnings such as "DEMO KEY".

use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;
use zeroize::Zeroizing;

/// Label of a secret key file.
pub const SECRET_LABEL: &str = "tessera-ed25519-secret-key-v1";
/// Label of a public key file.
pub const PUBLIC_LABEL: &str = "tessera-ed25519-public-key-v1";

/// The key id of an Ed25519 public key: the first 8 bytes of
/// `SHA-256("tessera.kid" || public key)`.
pub fn kid_for(key: &VerifyingKey) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(b"tessera.kid");
    h.update(key.as_bytes());
    let d = h.finalize();
    let mut kid = [0u8; 8];
    kid.copy_from_slice(&d[..8]);
    kid
}

/// Why 32 bytes are not accepted as an Ed25519 public key.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq, Clone, Copy)]
pub enum WeakKeyError {
    /// The bytes do not decode to a point of the curve.
    #[error("the public key is not a valid ed25519 point")]
    NotAPoint,
    /// The bytes decode, but are not the canonical encoding of their point (the y coordinate
    /// is not reduced modulo p, or the sign bit is set on x = 0).
    #[error("the public key is not canonically encoded")]
    NonCanonical,
    /// The point has small order (it lies in the torsion subgroup of order 8): signatures
    /// under it prove nothing, for example R = identity and S = 0 verifies any message under
    /// RFC 8032's cofactored check.
    #[error("the public key is a weak (small-order) point")]
    SmallOrder,
}

/// Checks 32 bytes as an Ed25519 public key the way every key entering Tessera is checked
/// (issuer keys in a trust list, holder keys in a credential or request, key files): the
/// bytes must decode to a curve point, be that point's canonical encoding, and the point must
/// not have small order. RFC 8032 alone requires only the first.
///
/// ```
/// use tessera_core::keys::{check_public_key, WeakKeyError};
/// let mut identity = [0u8; 32];
/// identity[0] = 1;
/// assert_eq!(check_public_key(&identity).unwrap_err(), WeakKeyError::SmallOrder);
/// let good = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
/// assert!(check_public_key(good.as_bytes()).is_ok());
/// ```
pub fn check_public_key(bytes: &[u8; 32]) -> Result<VerifyingKey, WeakKeyError> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| WeakKeyError::NotAPoint)?;
    if key.to_edwards().compress().as_bytes() != bytes {
        return Err(WeakKeyError::NonCanonical);
    }
    if key.is_weak() {
        return Err(WeakKeyError::SmallOrder);
    }
    Ok(key)
}

/// [`check_public_key`] under the name used where a holder (device) key enters: at issue,
/// in an issuance request and in a credential being verified.
pub fn check_holder_key(bytes: &[u8; 32]) -> Result<VerifyingKey, WeakKeyError> {
    check_public_key(bytes)
}

/// Why a key file could not be read.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyFileError {
    /// The label line is missing or names another kind of key.
    #[error("not a {expected} file (expected a line {expected:?})")]
    WrongLabel {
        /// The label that was expected.
        expected: &'static str,
    },
    /// The key line is not 64 hex digits.
    #[error("the key line must be 64 hexadecimal digits")]
    BadHex,
    /// The bytes are not a valid Ed25519 public key.
    #[error("the public key is not a valid ed25519 point")]
    BadPoint,
    /// The bytes decode, but are a weak or non-canonical key (see [`check_public_key`]).
    #[error("{0}")]
    WeakKey(WeakKeyError),
}

fn body<'a>(text: &'a str, label: &'static str) -> Result<&'a str, KeyFileError> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    if lines.next() != Some(label) {
        return Err(KeyFileError::WrongLabel { expected: label });
    }
    let key = lines.next().ok_or(KeyFileError::BadHex)?;
    if lines.next().is_some() {
        return Err(KeyFileError::BadHex);
    }
    Ok(key)
}

/// Lower-case hex of bytes (constant-time: [`base16ct`]).
pub fn to_hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// Parses hex (either case) into exactly `N` bytes (constant-time: [`base16ct`]).
pub fn from_hex<const N: usize>(hex: &str) -> Option<[u8; N]> {
    if hex.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    base16ct::mixed::decode(hex, &mut out).ok()?;
    Some(out)
}

/// Writes a secret key file. `comment` lines are prefixed with `#`.
pub fn secret_key_to_text(key: &SigningKey, comment: &str) -> Zeroizing<String> {
    let mut s = String::new();
    for line in comment.lines() {
        s.push_str("# ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(SECRET_LABEL);
    s.push('\n');
    s.push_str(&Zeroizing::new(to_hex(key.as_bytes())));
    s.push('\n');
    Zeroizing::new(s)
}

/// Reads a secret key file.
pub fn secret_key_from_text(text: &str) -> Result<SigningKey, KeyFileError> {
    let hex = body(text, SECRET_LABEL)?;
    let bytes = Zeroizing::new(from_hex::<32>(hex).ok_or(KeyFileError::BadHex)?);
    Ok(SigningKey::from_bytes(&bytes))
}

/// Writes a public key file.
pub fn public_key_to_text(key: &VerifyingKey, comment: &str) -> String {
    let mut s = String::new();
    for line in comment.lines() {
        s.push_str("# ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(PUBLIC_LABEL);
    s.push('\n');
    s.push_str(&to_hex(key.as_bytes()));
    s.push('\n');
    s
}

/// Reads a public key file.
pub fn public_key_from_text(text: &str) -> Result<VerifyingKey, KeyFileError> {
    let hex = body(text, PUBLIC_LABEL)?;
    let bytes = from_hex::<32>(hex).ok_or(KeyFileError::BadHex)?;
    check_public_key(&bytes).map_err(|e| match e {
        WeakKeyError::NotAPoint => KeyFileError::BadPoint,
        e => KeyFileError::WeakKey(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip_and_reject_mixups() {
        let sk = SigningKey::from_bytes(&[7u8; 32]);
        let st = secret_key_to_text(&sk, "DEMO KEY\nnot for real use");
        assert!(st.starts_with("# DEMO KEY\n"));
        assert_eq!(secret_key_from_text(&st).unwrap().to_bytes(), sk.to_bytes());
        let pt = public_key_to_text(&sk.verifying_key(), "");
        assert_eq!(public_key_from_text(&pt).unwrap(), sk.verifying_key());
        assert!(matches!(
            public_key_from_text(&st),
            Err(KeyFileError::WrongLabel { .. })
        ));
        assert!(matches!(
            secret_key_from_text(&pt),
            Err(KeyFileError::WrongLabel { .. })
        ));
        assert_eq!(
            public_key_from_text(&format!("{PUBLIC_LABEL}\nzz")),
            Err(KeyFileError::BadHex)
        );
        assert_eq!(from_hex::<2>("0aFf"), Some([0x0a, 0xff]));
    }

    /// The text format of docs/format.md, byte for byte: lower-case hex written, either case
    /// read, anything else refused.
    #[test]
    fn hex_is_the_documented_text() {
        let all: Vec<u8> = (0..=255).collect();
        let hex = to_hex(&all);
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
        let back: [u8; 256] = from_hex(&hex).unwrap();
        assert_eq!(back.as_slice(), all.as_slice());
        let upper: [u8; 256] = from_hex(&hex.to_uppercase()).unwrap();
        assert_eq!(upper, back);
        for bad in [
            "0", "0g", "g0", "+1", " 1", "1 ", "0x", "é", "\u{0}0", "000",
        ] {
            assert_eq!(from_hex::<1>(bad), None, "{bad:?}");
        }
        let sk = SigningKey::from_bytes(&[0xab; 32]);
        let text = public_key_to_text(&sk.verifying_key(), "c");
        let key_hex = to_hex(sk.verifying_key().as_bytes());
        assert_eq!(text, format!("# c\n{PUBLIC_LABEL}\n{key_hex}\n"));
        let st = secret_key_to_text(&sk, "");
        assert_eq!(
            st.as_str(),
            format!("{SECRET_LABEL}\n{}\n", "ab".repeat(32))
        );
        // A published file is rewritten to the same bytes.
        let demo = include_str!("../../../assets/demo/root.pub");
        let key = public_key_from_text(demo).unwrap();
        assert_eq!(
            public_key_to_text(&key, "Demo trust-list root (DEMO)"),
            demo
        );
    }

    /// Small-order points and non-canonical encodings, from the Ed25519 torsion subgroup.
    /// The canonical encodings of the eight points of small order (the torsion subgroup), as
    /// listed in docs/format.md.
    pub(crate) fn weak_keys() -> Vec<[u8; 32]> {
        [
            "0100000000000000000000000000000000000000000000000000000000000000",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        ]
        .iter()
        .map(|h| from_hex::<32>(h).unwrap())
        .collect()
    }

    #[test]
    fn weak_and_non_canonical_keys_are_refused() {
        for k in weak_keys() {
            assert_eq!(
                check_public_key(&k),
                Err(WeakKeyError::SmallOrder),
                "{}",
                to_hex(&k)
            );
            let text = format!("{PUBLIC_LABEL}\n{}\n", to_hex(&k));
            assert_eq!(
                public_key_from_text(&text),
                Err(KeyFileError::WeakKey(WeakKeyError::SmallOrder))
            );
        }
        // y = p + 1 is a non-canonical encoding of the identity's y (1).
        let mut big = [0xffu8; 32];
        big[0] = 0xee;
        big[31] = 0x7f;
        assert_eq!(check_public_key(&big), Err(WeakKeyError::NonCanonical));
        // A good key with the x sign bit flipped is still canonical (it is -A), but the
        // identity with the sign bit set (x = 0, "negative zero") is not.
        let mut neg_zero = [0u8; 32];
        neg_zero[0] = 1;
        neg_zero[31] = 0x80;
        assert_eq!(check_public_key(&neg_zero), Err(WeakKeyError::NonCanonical));
        let good = SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        assert_eq!(check_public_key(good.as_bytes()), Ok(good));
        assert_eq!(check_holder_key(good.as_bytes()), Ok(good));
    }
}
