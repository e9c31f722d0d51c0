//! Base45 (RFC 9285): the alphabet of QR alphanumeric mode, so the text survives every
//! decoder and keyboard-wedge scanner.

use thiserror::Error;

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a base45 string could not be decoded.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Base45Error {
    /// A character outside the base45 alphabet.
    #[error("invalid base45 character {found:?} at position {position}")]
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// Its position in the input.
        position: usize,
    },
    /// The length leaves a single dangling character (length mod 3 == 1).
    #[error("invalid base45 length {0}: a dangling character at the end")]
    InvalidLength(usize),
    /// A triple or pair encodes a value too large for its byte count.
    #[error("base45 group at position {0} encodes a value out of range")]
    OutOfRange(usize),
}

/// Encodes bytes as base45.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(2) * 3);
    for chunk in input.chunks(2) {
        let mut n = u32::from(chunk[0]);
        let digits = if let Some(&b) = chunk.get(1) {
            n = n * 256 + u32::from(b);
            3
        } else {
            2
        };
        for _ in 0..digits {
            out.push(char::from(ALPHABET[(n % 45) as usize]));
            n /= 45;
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'Z' => c - b'A' + 10,
        b' ' => 36,
        b'$' => 37,
        b'%' => 38,
        b'*' => 39,
        b'+' => 40,
        b'-' => 41,
        b'.' => 42,
        b'/' => 43,
        b':' => 44,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes base45 strictly: upper-case alphabet only, no dangling characters, no group that
/// encodes more than its byte count can hold (so every byte string has one encoding).
pub fn decode(input: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = input.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::InvalidLength(bytes.len()));
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for (g, chunk) in bytes.chunks(3).enumerate() {
        let mut n = 0u32;
        let mut scale = 1u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = value(c).ok_or_else(|| Base45Error::InvalidCharacter {
                found: input[g * 3 + i..].chars().next().unwrap_or('?'),
                position: g * 3 + i,
            })?;
            n += v * scale;
            scale *= 45;
        }
        if chunk.len() == 3 {
            if n > 0xFFFF {
                return Err(Base45Error::OutOfRange(g * 3));
            }
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            if n > 0xFF {
                return Err(Base45Error::OutOfRange(g * 3));
            }
            out.push(n as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(encode(b""), "");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(decode("GGW"), Err(Base45Error::OutOfRange(0))));
        assert!(matches!(decode("A"), Err(Base45Error::InvalidLength(1))));
        assert!(matches!(
            decode("ab8"),
            Err(Base45Error::InvalidCharacter { position: 0, .. })
        ));
        assert!(decode("é8").is_err());
    }

    proptest::proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            proptest::prop_assert_eq!(decode(&encode(&data)).unwrap(), data);
        }

        #[test]
        fn decode_never_panics(s in "[ -~]{0,40}") {
            let _ = decode(&s);
        }
    }
}
