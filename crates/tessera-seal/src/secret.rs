//! The secrets things are sealed under: the wallet's PIN or passphrase ([`Secret`]) and the
//! issuer's key-file passphrase ([`Passphrase`]). Both are wiped on drop and print nothing.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::SecretError;

/// Shortest PIN accepted, in digits.
pub const MIN_PIN_DIGITS: usize = 6;
/// Longest PIN accepted, in digits.
pub const MAX_PIN_DIGITS: usize = 64;
/// Shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// Longest passphrase accepted, in bytes of UTF-8.
pub const MAX_PASSPHRASE_BYTES: usize = 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pin,
    Passphrase,
}

/// A PIN (6 or more ASCII digits) or a passphrase (8 or more characters): what a wallet store
/// and its backups are sealed under.
///
/// The bytes are wiped when the value is dropped; `Debug` prints only the kind. The bytes are
/// used as given: passphrases are not Unicode-normalised, so type them the same way each time.
///
/// ```
/// use tessera_seal::Secret;
/// assert!(Secret::parse("482913").unwrap().is_pin());
/// assert!(Secret::parse("correct horse").is_ok());
/// assert!(Secret::parse("1234").is_err()); // too short for a pin
/// ```
pub struct Secret {
    kind: Kind,
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// A PIN: 6 to 64 ASCII digits.
    pub fn pin(s: &str) -> Result<Secret, SecretError> {
        let bad = |reason| Err(SecretError::BadPin { reason });
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return bad("a pin has only the digits 0-9");
        }
        if s.len() < MIN_PIN_DIGITS {
            return bad("too short: a pin has at least 6 digits");
        }
        if s.len() > MAX_PIN_DIGITS {
            return bad("too long: a pin has at most 64 digits");
        }
        Ok(Secret {
            kind: Kind::Pin,
            bytes: Zeroizing::new(s.as_bytes().to_vec()),
        })
    }

    /// A passphrase: 8 or more characters, at most 1024 bytes, no control characters.
    pub fn passphrase(s: &str) -> Result<Secret, SecretError> {
        let bad = |reason| Err(SecretError::BadPassphrase { reason });
        if s.chars().count() < MIN_PASSPHRASE_CHARS {
            return bad("too short: a passphrase has at least 8 characters");
        }
        if s.len() > MAX_PASSPHRASE_BYTES {
            return bad("too long: a passphrase has at most 1024 bytes");
        }
        if s.chars().any(char::is_control) {
            return bad("it contains control characters (a line break?): remove them");
        }
        Ok(Secret {
            kind: Kind::Passphrase,
            bytes: Zeroizing::new(s.as_bytes().to_vec()),
        })
    }

    /// All digits: a PIN; anything else: a passphrase.
    pub fn parse(s: &str) -> Result<Secret, SecretError> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            Secret::pin(s)
        } else {
            Secret::passphrase(s)
        }
    }

    /// Whether this is a PIN (digits only).
    pub fn is_pin(&self) -> bool {
        self.kind == Kind::Pin
    }

    /// The secret bytes, for key derivation. Do not copy them anywhere else.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Pin => f.write_str("Secret(pin, redacted)"),
            Kind::Passphrase => f.write_str("Secret(passphrase, redacted)"),
        }
    }
}

/// The passphrase of an issuer's sealed key files: any text, as the authority chose it (its
/// rules are the authority's, not the wallet's). Wiped on drop; its Debug output hides it.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<hidden>)")
    }
}

impl Passphrase {
    /// Wraps a passphrase (taking ownership so no copy is left behind).
    pub fn new(text: String) -> Passphrase {
        Passphrase(Zeroizing::new(text))
    }

    /// Reads a passphrase file: its first line, without the line ending.
    pub fn from_file(path: &Path) -> std::io::Result<Passphrase> {
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the passphrase file is empty",
            ));
        }
        Ok(Passphrase::new(line.to_string()))
    }

    /// The passphrase bytes, for key derivation.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(Secret::pin("123456").is_ok());
        assert!(matches!(
            Secret::pin("12345"),
            Err(SecretError::BadPin { .. })
        ));
        assert!(matches!(
            Secret::pin("12345a"),
            Err(SecretError::BadPin { .. })
        ));
        assert!(matches!(
            Secret::pin(&"1".repeat(65)),
            Err(SecretError::BadPin { .. })
        ));
        assert!(matches!(
            Secret::passphrase("short"),
            Err(SecretError::BadPassphrase { .. })
        ));
        assert!(matches!(
            Secret::passphrase("long enough\n"),
            Err(SecretError::BadPassphrase { .. })
        ));
        assert!(Secret::parse("12345678").unwrap().is_pin());
        assert!(!Secret::parse("1234567a").unwrap().is_pin());
        let e = Secret::parse("").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad passphrase: too short: a passphrase has at least 8 characters"
        );
    }

    #[test]
    fn debug_hides_content() {
        let s = Secret::pin("987654").unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("987654"), "{shown}");
        let p = Passphrase::new("correct horse".into());
        assert_eq!(format!("{p:?}"), "Passphrase(<hidden>)");
    }

    #[test]
    fn passphrase_file_first_line() {
        let dir = std::env::temp_dir().join(format!("tessera-seal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pass");
        std::fs::write(&path, "correct horse\r\nsecond line\n").unwrap();
        assert_eq!(
            Passphrase::from_file(&path).unwrap().expose(),
            b"correct horse"
        );
        std::fs::write(&path, "\n").unwrap();
        let e = Passphrase::from_file(&path).unwrap_err();
        assert_eq!(e.to_string(), "the passphrase file is empty");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
