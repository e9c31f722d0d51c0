//! Where the wallet CLI reads its PIN or passphrase from. The [`Secret`] type and its rules
//! live in tessera-seal.

use std::io::{IsTerminal, Read};
use std::path::Path;

use zeroize::{Zeroize, Zeroizing};

use tessera_seal::Secret;

use crate::error::{StoreError, io_at};

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
        return Ok(Secret::parse(strip_line_break(text))?);
    }
    if let Some(value) = std::env::var_os(PIN_ENV) {
        let mut value = value.into_string().map_err(|v| {
            v.into_encoded_bytes().zeroize();
            StoreError::BadPassphrase {
                reason: "TESSERA_PIN is not valid UTF-8",
            }
        })?;
        let result = Secret::parse(strip_line_break(&value)).map_err(StoreError::from);
        value.zeroize();
        return result;
    }
    if std::io::stdin().is_terminal() {
        let typed = Zeroizing::new(rpassword::prompt_password(prompt)?);
        return Ok(Secret::parse(strip_line_break(&typed))?);
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
    fn bad_secrets_from_a_file_are_store_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "12345\n").unwrap();
        let e = read_secret(Some(&path), "pin: ").unwrap_err();
        assert!(matches!(e, StoreError::BadPin { .. }), "{e:?}");
        std::fs::write(&path, "short\n").unwrap();
        let e = read_secret(Some(&path), "pin: ").unwrap_err();
        assert!(matches!(e, StoreError::BadPassphrase { .. }), "{e:?}");
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
