//! The QR text of a presentation: `TS1:` followed by the base45 of its CBOR.

use crate::base45::{self, Base45Error};
use thiserror::Error;

/// The prefix that marks version 1 of Tessera's QR text.
pub const PREFIX: &str = "TS1:";

/// The longest QR text accepted: the alphanumeric capacity of a version 40 symbol at ECC L.
pub const MAX_TEXT_LEN: usize = 4296;

/// Why a QR text could not be turned into presentation bytes.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TextError {
    /// The text is longer than any QR code can carry.
    #[error("qr text is {0} characters long; at most {MAX_TEXT_LEN} are accepted")]
    TooLong(usize),
    /// The text does not start with `TS1:`.
    #[error("qr text does not start with {PREFIX:?}: not a Tessera presentation")]
    MissingPrefix,
    /// The part after the prefix is not base45.
    #[error("qr text is not valid base45: {0}")]
    Base45(#[from] Base45Error),
}

/// Encodes presentation bytes as QR text.
pub fn encode(presentation: &[u8]) -> String {
    let mut s = String::with_capacity(PREFIX.len() + presentation.len().div_ceil(2) * 3);
    s.push_str(PREFIX);
    s.push_str(&base45::encode(presentation));
    s
}

/// Decodes QR text as typed by a scanner: surrounding white space (CR/LF) is ignored and
/// lower case is accepted (Caps Lock and keyboard layouts change case; base45 has none).
pub fn decode(text: &str) -> Result<Vec<u8>, TextError> {
    let text = text.trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t');
    if text.len() > MAX_TEXT_LEN {
        return Err(TextError::TooLong(text.len()));
    }
    let upper = text.to_ascii_uppercase();
    let body = upper.strip_prefix(PREFIX).ok_or(TextError::MissingPrefix)?;
    Ok(base45::decode(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_scanner_quirks() {
        let t = encode(b"\x84\x01\x02");
        assert!(t.starts_with("TS1:"));
        assert_eq!(decode(&t).unwrap(), b"\x84\x01\x02");
        assert_eq!(
            decode(&format!("{}\r\n", t.to_lowercase())).unwrap(),
            b"\x84\x01\x02"
        );
        assert_eq!(decode("XX1:ABC"), Err(TextError::MissingPrefix));
        assert!(matches!(
            decode(&"A".repeat(5000)),
            Err(TextError::TooLong(5000))
        ));
    }
}
