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

/// Lower-case hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// Parses hex (either case) into exactly `N` bytes.
pub fn from_hex<const N: usize>(hex: &str) -> Option<[u8; N]> {
    let b = hex.as_bytes();
    if b.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = digit(b[2 * i])? << 4 | digit(b[2 * i + 1])?;
    }
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
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyFileError::BadPoint)
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
}
