//! Text: the QR text of a presentation (`TS1:` followed by the base45 of its CBOR), the
//! format's rule for text attribute values ([`check_text`]) and the escaping every human
//! output applies to text it did not write itself ([`printable`]).

use crate::base45::{self, Base45Error};
use std::borrow::Cow;
use std::fmt::Write as _;
use thiserror::Error;

/// The prefix that marks version 1 of Tessera's QR text.
pub const PREFIX: &str = "TS1:";

/// The longest QR text accepted: the alphanumeric capacity of a version 40 symbol at ECC L.
pub const MAX_TEXT_LEN: usize = 4296;

/// Why a QR text could not be turned into presentation bytes.
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum QrTextError {
    /// The text is longer than any QR code can carry.
    #[error("qr text is {0} characters long; at most {MAX_TEXT_LEN} are accepted")]
    TooLong(usize),
    /// The text does not start with `TS1:`.
    #[error("qr text does not start with {PREFIX:?}: not a Tessera presentation")]
    MissingPrefix,
    /// The part after the prefix is not base45. The message names the base45 fault itself,
    /// so it is not also reported as the error's source (a cause chain prints it once).
    #[error("qr text is not valid base45: {0}")]
    Base45(Base45Error),
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
pub fn decode(text: &str) -> Result<Vec<u8>, QrTextError> {
    let text = text.trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t');
    if text.len() > MAX_TEXT_LEN {
        return Err(QrTextError::TooLong(text.len()));
    }
    let upper = text.to_ascii_uppercase();
    let body = upper
        .strip_prefix(PREFIX)
        .ok_or(QrTextError::MissingPrefix)?;
    base45::decode(body).map_err(QrTextError::Base45)
}

/// Why a text attribute value breaks the format's text rule (see [`check_text`]).
#[non_exhaustive]
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TextError {
    /// The text holds a control, format or line-breaking character.
    #[error("text holds the control or format character U+{:04X} at byte {at}", u32::from(*ch))]
    Forbidden {
        /// The character.
        ch: char,
        /// Its byte offset in the text.
        at: usize,
    },
}

/// True for the characters of Unicode general category Cf (format), Unicode 16.0.
fn is_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// Zero width non-joiner and zero width joiner: format characters that names in Persian,
/// Indic and other scripts need to be spelt right, and that change no line or direction.
fn is_joiner(c: char) -> bool {
    c == '\u{200C}' || c == '\u{200D}'
}

/// True for a character the text rule refuses: every Cc (C0 and C1 controls, DEL), every Cf
/// except ZWNJ U+200C and ZWJ U+200D (so the bidi marks and overrides, the soft hyphen, the
/// byte-order mark and the tag characters are refused), and the line and paragraph separators
/// U+2028 and U+2029 (categories Zl and Zp), which break lines like a newline does.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || (is_format(c) && !is_joiner(c)) || c == '\u{2028}' || c == '\u{2029}'
}

/// The format's rule for text attribute values (names, address, ID number, authority,
/// dates): no Unicode Cc or Cf character except ZWNJ U+200C and ZWJ U+200D, and no line or
/// paragraph separator. Issuers refuse such values and verifiers report them as `malformed`,
/// so a verdict screen never receives a newline, an escape sequence or a bidi override
/// from a credential.
///
/// ```
/// use tessera_core::text::check_text;
/// assert!(check_text("Nguyễn Thị").is_ok());
/// assert!(check_text("می\u{200C}خواهم").is_ok()); // ZWNJ, needed in Persian
/// assert!(check_text("LIN\n  age_over_18: yes").is_err());
/// assert!(check_text("\u{1b}[8m").is_err());
/// ```
pub fn check_text(s: &str) -> Result<(), TextError> {
    match s.char_indices().find(|&(_, c)| is_forbidden(c)) {
        Some((at, ch)) => Err(TextError::Forbidden { ch, at }),
        None => Ok(()),
    }
}

/// Text made safe to print on a terminal or a screen: every character [`is_forbidden`]
/// refuses (controls, format characters other than ZWNJ/ZWJ, bidi controls, line and
/// paragraph separators) becomes `\u{XXXX}`, and a backslash becomes `\\`, so the output
/// cannot be mistaken for an escape the input did not contain. Text with nothing to escape
/// is returned borrowed.
///
/// Use it for every value a program did not write itself before a human sees it: attribute
/// values, file names, error details, issuer names.
///
/// ```
/// use tessera_core::text::printable;
/// assert_eq!(printable("Lin"), "Lin");
/// assert_eq!(printable("LIN\n  age_over_18: yes"), "LIN\\u{000A}  age_over_18: yes");
/// assert_eq!(printable("a\\b"), "a\\\\b");
/// ```
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\\' || is_forbidden(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_forbidden(c) {
            let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base45_fault_is_named_once_in_the_cause_chain() {
        let e = decode("TS1:AB~").unwrap_err();
        assert!(matches!(e, QrTextError::Base45(_)));
        let mut chain = e.to_string();
        let mut next = std::error::Error::source(&e);
        while let Some(cause) = next {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            next = cause.source();
        }
        assert_eq!(chain.matches("character").count(), 1, "{chain}");
    }

    #[test]
    fn round_trip_and_scanner_quirks() {
        let t = encode(b"\x84\x01\x02");
        assert!(t.starts_with("TS1:"));
        assert_eq!(decode(&t).unwrap(), b"\x84\x01\x02");
        assert_eq!(
            decode(&format!("{}\r\n", t.to_lowercase())).unwrap(),
            b"\x84\x01\x02"
        );
        assert_eq!(decode("XX1:ABC"), Err(QrTextError::MissingPrefix));
        assert!(matches!(
            decode(&"A".repeat(5000)),
            Err(QrTextError::TooLong(5000))
        ));
    }

    #[test]
    fn text_rule_refuses_controls_and_formats_but_keeps_joiners() {
        for bad in [
            "LIN\n  age_over_18: yes",
            "a\rb",
            "\u{1b}[8m",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
            "\u{202E}evil",
            "\u{2066}iso",
            "lrm\u{200E}",
            "alm\u{061C}",
            "soft\u{AD}hyphen",
            "bom\u{FEFF}",
            "tag\u{E0041}",
            "line\u{2028}sep",
            "para\u{2029}sep",
            "tab\there",
        ] {
            assert!(check_text(bad).is_err(), "{bad:?} accepted");
            assert!(
                !printable(bad).chars().any(is_forbidden),
                "{bad:?} not escaped"
            );
        }
        assert_eq!(
            check_text("ab\u{1b}"),
            Err(TextError::Forbidden {
                ch: '\u{1b}',
                at: 2
            })
        );
        for good in [
            "Lin",
            "Nguyễn Thị Minh Khai",
            "王小明",
            "क्\u{200D}ष",
            "می\u{200C}خواهم",
            "O'Brien-Smith",
            "12 Rue de l'Église, 75001 Paris",
            "\u{E000}",
        ] {
            assert_eq!(check_text(good), Ok(()), "{good:?} refused");
        }
    }

    #[test]
    fn printable_escapes_exactly_what_is_unsafe() {
        assert!(matches!(printable("plain Ünïcode 王"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[2Kb"), "a\\u{001B}[2Kb");
        assert_eq!(printable("x\ry"), "x\\u{000D}y");
        assert_eq!(printable("\u{202E}"), "\\u{202E}");
        assert_eq!(printable("\u{E0041}"), "\\u{E0041}");
        // A backslash is doubled, so an escape in the output always means a real character.
        assert_eq!(printable("\\u{000A}"), "\\\\u{000A}");
        assert_eq!(printable("k\u{200D}z"), "k\u{200D}z");
    }

    #[test]
    fn the_longest_text_carries_the_largest_presentation() {
        use crate::presentation::MAX_PRESENTATION_LEN;
        let largest = encode(&vec![0xA5; MAX_PRESENTATION_LEN]);
        assert!(largest.len() <= MAX_TEXT_LEN, "{}", largest.len());
        assert_eq!(decode(&largest).unwrap().len(), MAX_PRESENTATION_LEN);
        let one_more = encode(&vec![0xA5; MAX_PRESENTATION_LEN + 1]);
        assert!(one_more.len() > MAX_TEXT_LEN, "{}", one_more.len());
    }
}
