//! PINs and passphrases, and where the CLI reads them from.

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::Path;

use zeroize::{Zeroize, Zeroizing};

use crate::error::{StoreError, io_at};

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

/// A PIN (6 or more ASCII digits) or a passphrase (8 or more characters).
///
/// The bytes are wiped when the value is dropped; `Debug` prints only the kind. The bytes are
/// used as given: passphrases are not Unicode-normalised, so type them the same way each time.
///
/// ```
/// use tessera_store::Secret;
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
    pub fn pin(s: &str) -> Result<Secret, StoreError> {
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::BadPin {
                reason: "a pin has only the digits 0-9",
            });
        }
        if s.len() < MIN_PIN_DIGITS {
            return Err(StoreError::BadPin {
                reason: "too short: a pin has at least 6 digits",
            });
        }
        if s.len() > MAX_PIN_DIGITS {
            return Err(StoreError::BadPin {
                reason: "too long: a pin has at most 64 digits",
            });
        }
        Ok(Secret {
            kind: Kind::Pin,
            bytes: Zeroizing::new(s.as_bytes().to_vec()),
        })
    }

    /// A passphrase: 8 or more characters, at most 1024 bytes, no control characters.
    pub fn passphrase(s: &str) -> Result<Secret, StoreError> {
        if s.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::BadPassphrase {
                reason: "too short: a passphrase has at least 8 characters",
            });
        }
        if s.len() > MAX_PASSPHRASE_BYTES {
            return Err(StoreError::BadPassphrase {
                reason: "too long: a passphrase has at most 1024 bytes",
            });
        }
        if s.chars().any(char::is_control) {
            return Err(StoreError::BadPassphrase {
                reason: "it contains control characters (a line break?): remove them",
            });
        }
        Ok(Secret {
            kind: Kind::Passphrase,
            bytes: Zeroizing::new(s.as_bytes().to_vec()),
        })
    }

    /// All digits: a PIN; anything else: a passphrase.
    pub fn parse(s: &str) -> Result<Secret, StoreError> {
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

/// Environment variable the CLI reads a PIN from.
pub const PIN_ENV: &str = "TESSERA_PIN";

/// Largest PIN file read, in bytes.
const MAX_PIN_FILE: u64 = 4096;

/// Where the wallet CLI gets its PIN: `pin_file` if given, else the environment variable
/// `TESSERA_PIN`, else a prompt on the terminal without echo, else [`StoreError::NoSecretSource`].
///
/// One trailing line break is removed from a file or the variable. Buffers are wiped; the
/// process environment keeps its own copy of `TESSERA_PIN` (see docs/threat-model.md).
pub fn read_secret(pin_file: Option<&Path>, prompt: &str) -> Result<Secret, StoreError> {
    if let Some(path) = pin_file {
        let file = std::fs::File::open(path).map_err(|e| io_at(path, e))?;
        let mut buf = Zeroizing::new(Vec::with_capacity(MAX_PIN_FILE as usize + 1));
        file.take(MAX_PIN_FILE + 1)
            .read_to_end(&mut buf)
            .map_err(|e| io_at(path, e))?;
        if buf.len() as u64 > MAX_PIN_FILE {
            return Err(StoreError::BadPassphrase {
                reason: "the pin file is larger than 4 KiB: point --pin-file at a file holding only the pin",
            });
        }
        let text = std::str::from_utf8(&buf).map_err(|_| StoreError::BadPassphrase {
            reason: "the pin file is not UTF-8 text",
        })?;
        return Secret::parse(strip_line_break(text));
    }
    if let Some(value) = std::env::var_os(PIN_ENV) {
        let mut value = value.into_string().map_err(|v| {
            v.into_encoded_bytes().zeroize();
            StoreError::BadPassphrase {
                reason: "TESSERA_PIN is not valid UTF-8",
            }
        })?;
        let result = Secret::parse(strip_line_break(&value));
        value.zeroize();
        return result;
    }
    if std::io::stdin().is_terminal() {
        let typed = Zeroizing::new(rpassword::prompt_password(prompt)?);
        return Secret::parse(strip_line_break(&typed));
    }
    Err(StoreError::NoSecretSource)
}

fn strip_line_break(s: &str) -> &str {
    let s = s.strip_suffix('\n').unwrap_or(s);
    s.strip_suffix('\r').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(Secret::pin("123456").is_ok());
        assert!(matches!(
            Secret::pin("12345"),
            Err(StoreError::BadPin { .. })
        ));
        assert!(matches!(
            Secret::pin("12345a"),
            Err(StoreError::BadPin { .. })
        ));
        assert!(matches!(
            Secret::passphrase("short"),
            Err(StoreError::BadPassphrase { .. })
        ));
        assert!(matches!(
            Secret::passphrase("long enough\n"),
            Err(StoreError::BadPassphrase { .. })
        ));
        assert!(Secret::parse("12345678").unwrap().is_pin());
        assert!(!Secret::parse("1234567a").unwrap().is_pin());
        assert!(matches!(
            Secret::parse(""),
            Err(StoreError::BadPassphrase { .. })
        ));
    }

    #[test]
    fn debug_hides_content() {
        let s = Secret::pin("987654").unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("987654"), "{shown}");
    }

    #[test]
    fn pin_file_strips_one_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "246810\r\n").unwrap();
        let s = read_secret(Some(&path), "pin: ").unwrap();
        assert_eq!(s.expose_bytes(), b"246810");
        let missing = read_secret(Some(&dir.path().join("nope")), "pin: ").unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }
}
