//! The attributes of a `tessera.eid.1` credential, their values, and the disclosure presets.

use std::collections::BTreeMap;
use std::fmt;

/// An attribute of the national ID document type. The number is its leaf slot in the
/// attribute tree (see [`crate::merkle`]) and its identifier on the wire.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum AttrId {
    /// Family name in the national script.
    FamilyName = 1,
    /// Given name in the national script.
    GivenName = 2,
    /// Family name in Latin letters.
    FamilyNameLatin = 3,
    /// Given name in Latin letters.
    GivenNameLatin = 4,
    /// Sex, ISO/IEC 5218 code (0 not known, 1 male, 2 female, 9 not applicable).
    Sex = 5,
    /// Ethnicity, as printed on the card.
    Ethnicity = 6,
    /// Date of birth, `YYYY-MM-DD`.
    BirthDate = 7,
    /// Registered address.
    Address = 8,
    /// The national ID number.
    IdNumber = 9,
    /// The authority that issued the physical card.
    IssuingAuthority = 10,
    /// The QR portrait: a lossy WebP of at most 650 bytes and 96x128 pixels (in credentials
    /// valid from before 2027, a legacy JPEG of up to 16 KiB). See [`crate::portrait`].
    Portrait = 11,
    /// Issuer-computed: 16 or older at the start of validity.
    AgeOver16 = 12,
    /// Issuer-computed: 18 or older at the start of validity.
    AgeOver18 = 13,
    /// Issuer-computed: 60 or older at the start of validity.
    AgeOver60 = 14,
}

/// The kind of value an attribute holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// UTF-8 text.
    Text,
    /// A calendar date as `YYYY-MM-DD` text.
    Date,
    /// An unsigned integer code.
    Uint,
    /// A boolean.
    Bool,
    /// A portrait image ([`crate::portrait`]: a WebP QR portrait or a legacy JPEG).
    Image,
}

impl AttrId {
    /// Every attribute, in slot order.
    pub const ALL: [AttrId; 14] = [
        AttrId::FamilyName,
        AttrId::GivenName,
        AttrId::FamilyNameLatin,
        AttrId::GivenNameLatin,
        AttrId::Sex,
        AttrId::Ethnicity,
        AttrId::BirthDate,
        AttrId::Address,
        AttrId::IdNumber,
        AttrId::IssuingAuthority,
        AttrId::Portrait,
        AttrId::AgeOver16,
        AttrId::AgeOver18,
        AttrId::AgeOver60,
    ];

    /// The slot number on the wire.
    pub fn slot(self) -> u8 {
        self as u8
    }

    /// The attribute in a slot, if the slot holds one (slots 15 and 16 are decoys).
    pub fn from_slot(slot: u8) -> Option<AttrId> {
        AttrId::ALL.get(usize::from(slot).checked_sub(1)?).copied()
    }

    /// The attribute's name in JSON and on the command line, e.g. `age_over_18`.
    pub fn name(self) -> &'static str {
        match self {
            AttrId::FamilyName => "family_name",
            AttrId::GivenName => "given_name",
            AttrId::FamilyNameLatin => "family_name_latin",
            AttrId::GivenNameLatin => "given_name_latin",
            AttrId::Sex => "sex",
            AttrId::Ethnicity => "ethnicity",
            AttrId::BirthDate => "birth_date",
            AttrId::Address => "address",
            AttrId::IdNumber => "id_number",
            AttrId::IssuingAuthority => "issuing_authority",
            AttrId::Portrait => "portrait",
            AttrId::AgeOver16 => "age_over_16",
            AttrId::AgeOver18 => "age_over_18",
            AttrId::AgeOver60 => "age_over_60",
        }
    }

    /// Parses a name produced by [`AttrId::name`].
    pub fn from_name(name: &str) -> Option<AttrId> {
        AttrId::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The kind of value this attribute holds.
    pub fn kind(self) -> ValueKind {
        match self {
            AttrId::Sex => ValueKind::Uint,
            AttrId::BirthDate => ValueKind::Date,
            AttrId::Portrait => ValueKind::Image,
            AttrId::AgeOver16 | AttrId::AgeOver18 | AttrId::AgeOver60 => ValueKind::Bool,
            _ => ValueKind::Text,
        }
    }

    /// The largest encoded value accepted for this attribute, in bytes (for the portrait, the
    /// legacy JPEG's cap: a QR portrait holds at most [`crate::portrait::MAX_LEN`]).
    pub fn max_len(self) -> usize {
        match self.kind() {
            ValueKind::Image => crate::portrait::LEGACY_JPEG_MAX_LEN,
            ValueKind::Text => 256,
            _ => 16,
        }
    }
}

impl fmt::Display for AttrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value of one attribute.
#[derive(Clone, PartialEq, Eq)]
pub enum AttrValue {
    /// Text (names, address, ID number, dates as `YYYY-MM-DD`).
    Text(String),
    /// An unsigned integer code.
    Uint(u64),
    /// A boolean.
    Bool(bool),
    /// Bytes (the portrait).
    Bytes(Vec<u8>),
}

impl fmt::Debug for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Text(t) => write!(f, "{t:?}"),
            AttrValue::Uint(u) => write!(f, "{u}"),
            AttrValue::Bool(b) => write!(f, "{b}"),
            AttrValue::Bytes(b) => write!(f, "<{} bytes>", b.len()),
        }
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Text(t) => f.write_str(t),
            AttrValue::Uint(u) => write!(f, "{u}"),
            AttrValue::Bool(b) => f.write_str(if *b { "yes" } else { "no" }),
            // The portrait: its format and size as its header gives them, e.g.
            // `<WebP image, 48x64, 332 bytes>`.
            AttrValue::Bytes(b) => match crate::portrait::info(b) {
                Some(i) if i.width > 0 => write!(
                    f,
                    "<{} image, {}x{}, {} bytes>",
                    i.format.name(),
                    i.width,
                    i.height,
                    i.len
                ),
                Some(i) => write!(f, "<{} image, {} bytes>", i.format.name(), i.len),
                None => write!(f, "<image, {} bytes>", b.len()),
            },
        }
    }
}

impl AttrValue {
    /// Checks that the value fits the attribute's kind and size limit, and that text obeys the
    /// text rule ([`crate::text::check_text`]: no control or format characters).
    pub fn check(&self, id: AttrId) -> Result<(), String> {
        if let AttrValue::Text(t) = self {
            crate::text::check_text(t).map_err(|e| format!("{id}: {e}"))?;
        }
        let ok = match (id.kind(), self) {
            (ValueKind::Text, AttrValue::Text(t)) => !t.is_empty() && t.len() <= id.max_len(),
            (ValueKind::Date, AttrValue::Text(t)) => is_date(t),
            (ValueKind::Uint, AttrValue::Uint(v)) => matches!(v, 0 | 1 | 2 | 9),
            (ValueKind::Bool, AttrValue::Bool(_)) => true,
            (ValueKind::Image, AttrValue::Bytes(b)) => {
                return crate::portrait::check(b)
                    .map(|_| ())
                    .map_err(|e| format!("{id}: {e}"));
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{id}: value {self:?} is not a valid {:?} (or is too long)",
                id.kind()
            ))
        }
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_date(t: &str) -> bool {
    parse_date(t).is_some()
}

/// Parses `YYYY-MM-DD` into (year, month, day), checking the day against the month.
pub fn parse_date(t: &str) -> Option<(u32, u32, u32)> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = t.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1800 && (1..=days).contains(&d)).then_some((y, m, d))
}

/// The civil date (UTC) of a Unix time, as (year, month, day).
pub fn civil_date(t: crate::UnixTime) -> (u32, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = (t / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as u32;
    (y, m, d)
}

/// Full years of age on the civil date of `at` for someone born on `birth` (`YYYY-MM-DD`).
pub fn age_at(birth: &str, at: crate::UnixTime) -> Option<u32> {
    let (by, bm, bd) = parse_date(birth)?;
    let (y, m, d) = civil_date(at);
    let mut age = y.checked_sub(by)?;
    if (m, d) < (bm, bd) {
        age = age.checked_sub(1)?;
    }
    Some(age)
}

/// A set of attribute values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes(pub BTreeMap<AttrId, AttrValue>);

impl Attributes {
    /// The value of one attribute.
    pub fn get(&self, id: AttrId) -> Option<&AttrValue> {
        self.0.get(&id)
    }

    /// Sets one attribute.
    pub fn set(&mut self, id: AttrId, value: AttrValue) {
        self.0.insert(id, value);
    }

    /// Sets the issuer-computed age booleans from the birth date, as of `at`.
    pub fn compute_age_flags(&mut self, at: crate::UnixTime) {
        let age = match self.get(AttrId::BirthDate) {
            Some(AttrValue::Text(b)) => age_at(b, at),
            _ => None,
        };
        if let Some(age) = age {
            self.set(AttrId::AgeOver16, AttrValue::Bool(age >= 16));
            self.set(AttrId::AgeOver18, AttrValue::Bool(age >= 18));
            self.set(AttrId::AgeOver60, AttrValue::Bool(age >= 60));
        }
    }
}

/// Why a presentation was made; signed by the holder and shown to the verifier.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Items picked one by one.
    Custom,
    /// Age check: only `age_over_18`.
    Age18,
    /// Delivery: the name.
    Delivery,
    /// Hotel check-in: name, ID number and birth date (the `checkin-photo` [`Preset`] adds the
    /// QR portrait under the same code).
    CheckIn,
    /// The full ID, without the portrait (with it the code would pass QR version 27 at ECC M,
    /// too dense to read from a phone screen; see docs/format.md).
    Full,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 5] = [
        Purpose::Custom,
        Purpose::Age18,
        Purpose::Delivery,
        Purpose::CheckIn,
        Purpose::Full,
    ];

    /// The code on the wire.
    pub fn code(self) -> u64 {
        match self {
            Purpose::Custom => 0,
            Purpose::Age18 => 1,
            Purpose::Delivery => 2,
            Purpose::CheckIn => 3,
            Purpose::Full => 4,
        }
    }

    /// The purpose for a wire code.
    pub fn from_code(code: u64) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The command-line name: `custom`, `age18`, `delivery`, `checkin`, `full`.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Custom => "custom",
            Purpose::Age18 => "age18",
            Purpose::Delivery => "delivery",
            Purpose::CheckIn => "checkin",
            Purpose::Full => "full",
        }
    }

    /// Parses a name produced by [`Purpose::name`].
    pub fn from_name(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The items a preset discloses (empty for [`Purpose::Custom`]).
    pub fn preset(self) -> &'static [AttrId] {
        use AttrId::*;
        match self {
            Purpose::Custom => &[],
            Purpose::Age18 => &[AgeOver18],
            Purpose::Delivery => &[FamilyName, GivenName],
            Purpose::CheckIn => &[FamilyName, GivenName, BirthDate, IdNumber],
            Purpose::Full => &[
                FamilyName,
                GivenName,
                FamilyNameLatin,
                GivenNameLatin,
                Sex,
                Ethnicity,
                BirthDate,
                Address,
                IdNumber,
                IssuingAuthority,
                AgeOver16,
                AgeOver18,
                AgeOver60,
            ],
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A disclosure preset as the wallet offers it: a name, the items it discloses and the purpose
/// code the holder signs. Every [`Purpose`] but `custom` is a preset of the same name;
/// `checkin-photo` adds the QR portrait to `checkin` and signs [`Purpose::CheckIn`]'s code 3,
/// so verifiers that predate it accept it and show "check-in" (the portrait shows as one more
/// disclosed item).
///
/// ```
/// use tessera_core::attributes::{AttrId, Preset, Purpose};
/// let p = Preset::from_name("checkin-photo").unwrap();
/// assert_eq!(p.purpose(), Purpose::CheckIn);
/// assert!(p.items().contains(&AttrId::Portrait));
/// assert_eq!(Preset::from_name("checkin").unwrap().items(), Purpose::CheckIn.preset());
/// assert!(Preset::from_name("custom").is_none());
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// [`Purpose::Age18`]'s items.
    Age18,
    /// [`Purpose::Delivery`]'s items.
    Delivery,
    /// [`Purpose::CheckIn`]'s items.
    CheckIn,
    /// Check-in with the QR portrait, for a clerk who compares the face: family and given
    /// name, birth date, ID number and the portrait, signed as [`Purpose::CheckIn`].
    CheckInPhoto,
    /// [`Purpose::Full`]'s items.
    Full,
}

impl Preset {
    /// Every preset, in the order a wallet lists them.
    pub const ALL: [Preset; 5] = [
        Preset::Age18,
        Preset::Delivery,
        Preset::CheckIn,
        Preset::CheckInPhoto,
        Preset::Full,
    ];

    /// The command-line name: `age18`, `delivery`, `checkin`, `checkin-photo`, `full`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::CheckInPhoto => "checkin-photo",
            p => p.purpose().name(),
        }
    }

    /// Parses a name produced by [`Preset::name`].
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The purpose the holder signs.
    pub fn purpose(self) -> Purpose {
        match self {
            Preset::Age18 => Purpose::Age18,
            Preset::Delivery => Purpose::Delivery,
            Preset::CheckIn | Preset::CheckInPhoto => Purpose::CheckIn,
            Preset::Full => Purpose::Full,
        }
    }

    /// The items it discloses, in slot order.
    pub fn items(self) -> &'static [AttrId] {
        use AttrId::*;
        match self {
            Preset::CheckInPhoto => &[FamilyName, GivenName, BirthDate, IdNumber, Portrait],
            p => p.purpose().preset(),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_ages() {
        assert!(is_date("2000-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(!is_date("2001-13-01"));
        assert!(!is_date("2001-1-01"));
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        // 2026-11-26T00:00:00Z
        let t = 1_795_651_200;
        assert_eq!(civil_date(t), (2026, 11, 26));
        assert_eq!(age_at("2008-11-26", t), Some(18));
        assert_eq!(age_at("2008-11-27", t), Some(17));
        assert_eq!(age_at("2030-01-01", t), None);
    }

    #[test]
    fn text_values_with_control_or_format_characters_are_refused() {
        for bad in ["LIN\n  age_over_18: yes", "A\u{1b}[8m", "\u{202E}nil"] {
            let e = AttrValue::Text(bad.into())
                .check(AttrId::FamilyName)
                .unwrap_err();
            assert!(e.starts_with("family_name: text holds"), "{e}");
        }
        assert!(
            AttrValue::Text("2000-01-0\u{7}".into())
                .check(AttrId::BirthDate)
                .is_err()
        );
        assert!(
            AttrValue::Text("क्\u{200D}ष".into())
                .check(AttrId::GivenName)
                .is_ok()
        );
    }

    #[test]
    fn names_round_trip() {
        for a in AttrId::ALL {
            assert_eq!(AttrId::from_name(a.name()), Some(a));
            assert_eq!(AttrId::from_slot(a.slot()), Some(a));
        }
        assert_eq!(AttrId::from_slot(15), None);
        assert_eq!(AttrId::from_slot(0), None);
        for p in Purpose::ALL {
            assert_eq!(Purpose::from_name(p.name()), Some(p));
            assert_eq!(Purpose::from_code(p.code()), Some(p));
        }
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(&p.to_string()), Some(p));
            let items = p.items();
            assert!(items.windows(2).all(|w| w[0] < w[1]), "{p}: slot order");
        }
    }

    #[test]
    fn checkin_photo_is_checkin_plus_the_portrait() {
        let p = Preset::CheckInPhoto;
        assert_eq!((p.name(), p.purpose().code()), ("checkin-photo", 3));
        let mut want = Purpose::CheckIn.preset().to_vec();
        want.push(AttrId::Portrait);
        assert_eq!(p.items(), &want[..]);
        assert!(!Purpose::Full.preset().contains(&AttrId::Portrait));
    }

    #[test]
    fn portrait_values_follow_the_portrait_rules() {
        let e = AttrValue::Bytes(b"not an image".to_vec())
            .check(AttrId::Portrait)
            .unwrap_err();
        assert!(
            e.starts_with("portrait: portrait of 12 bytes is not a webp image"),
            "{e}"
        );
        let e = AttrValue::Bytes([b"RIFF".as_slice(), &[0; 700]].concat())
            .check(AttrId::Portrait)
            .unwrap_err();
        assert!(e.contains("a QR portrait holds at most 650"), "{e}");
        assert!(
            AttrValue::Bytes(vec![0xFF, 0xD8, 0xFF, 0xD9])
                .check(AttrId::Portrait)
                .is_ok()
        );
        assert!(AttrValue::Text("x".into()).check(AttrId::Portrait).is_err());
    }

    #[test]
    fn a_portrait_shows_its_format_and_size() {
        let mut webp = b"RIFF\x16\0\0\0WEBPVP8 \x0a\0\0\0".to_vec();
        webp.extend_from_slice(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 48, 0, 64, 0]);
        assert_eq!(
            AttrValue::Bytes(webp).to_string(),
            "<WebP image, 48x64, 30 bytes>"
        );
        assert_eq!(
            AttrValue::Bytes(vec![0xFF, 0xD8, 0xFF, 0xD9]).to_string(),
            "<JPEG image, 4 bytes>"
        );
        assert_eq!(
            AttrValue::Bytes(b"foo".to_vec()).to_string(),
            "<image, 3 bytes>"
        );
    }
}
