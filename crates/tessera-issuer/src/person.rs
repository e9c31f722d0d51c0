//! The person file: a citizen's attributes as JSON, as the registry exports them.

use serde::Deserialize;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use tessera_core::attributes::{AttrId, AttrValue, Attributes};
use thiserror::Error;

/// Largest person file accepted, in bytes.
pub const MAX_PERSON_JSON_LEN: usize = 64 * 1024;

/// Why a person file was refused.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum PersonError {
    /// Not JSON, a field of the wrong type, or an unknown field (the message names it).
    #[error("person json: {0}")]
    Json(String),
    /// A required field is absent.
    #[error("person json: field `{0}` is required")]
    Missing(&'static str),
    /// A field's value is not acceptable.
    #[error("person json: field `{field}`: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The portrait file could not be read.
    #[error("person json: portrait {path}")]
    Portrait {
        /// The portrait path, resolved against the JSON file's folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The JSON form of a person. Field names are [`AttrId::name`]s; the issuer computes the age
/// flags, so they are not accepted here.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonJson {
    family_name: Option<String>,
    given_name: Option<String>,
    family_name_latin: Option<String>,
    given_name_latin: Option<String>,
    #[serde(default, deserialize_with = "iso5218")]
    sex: Option<u64>,
    ethnicity: Option<String>,
    birth_date: Option<String>,
    address: Option<String>,
    id_number: Option<String>,
    issuing_authority: Option<String>,
    portrait: Option<String>,
}

/// The values an ISO/IEC 5218 sex code takes, as error messages list them.
const ISO5218: &str = "0 (not known), 1 (male), 2 (female) or 9 (not applicable)";

/// `sex` as an ISO/IEC 5218 number. serde's own message for `"F"` ("invalid type: string
/// "F", expected u64") names neither the field nor the values it takes; this one does.
fn iso5218<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Code;
    impl serde::de::Visitor<'_> for Code {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "field `sex` as an ISO/IEC 5218 number: {ISO5218}")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err(E::custom(format_args!(
                "field `sex`: {v:?} is not an ISO/IEC 5218 number: write {ISO5218}"
            )))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Code)
}

/// Fields that every person file must have.
pub const REQUIRED: [AttrId; 4] = [
    AttrId::FamilyName,
    AttrId::GivenName,
    AttrId::BirthDate,
    AttrId::IdNumber,
];

/// Parses a person file. A relative `portrait` path is resolved against `base_dir` (the
/// folder of the JSON file). Age flags are not set here: [`crate::Issuer::issue`] computes
/// them at the start of validity.
///
/// ```
/// use std::path::Path;
/// let ok = br#"{"family_name": "LIN", "given_name": "MEIHUA", "birth_date": "1990-05-17",
///               "id_number": "110105199005171234", "sex": 2}"#;
/// assert!(tessera_issuer::parse_person_json(ok, Path::new(".")).is_ok());
/// let typo = br#"{"family_name": "LIN", "givn_name": "MEIHUA"}"#;
/// let err = tessera_issuer::parse_person_json(typo, Path::new(".")).unwrap_err();
/// assert!(err.to_string().contains("unknown field `givn_name`"));
/// ```
pub fn parse_person_json(json: &[u8], base_dir: &Path) -> Result<Attributes, PersonError> {
    if json.len() > MAX_PERSON_JSON_LEN {
        return Err(PersonError::Json(format!(
            "file is {} bytes; at most {MAX_PERSON_JSON_LEN} are accepted",
            json.len()
        )));
    }
    let p: PersonJson =
        serde_json::from_slice(json).map_err(|e| PersonError::Json(e.to_string()))?;
    p.into_attributes(base_dir)
}

impl PersonJson {
    /// Checks every field and turns the person into attribute values.
    pub fn into_attributes(self, base_dir: &Path) -> Result<Attributes, PersonError> {
        let mut a = Attributes::default();
        let texts = [
            (AttrId::FamilyName, self.family_name),
            (AttrId::GivenName, self.given_name),
            (AttrId::FamilyNameLatin, self.family_name_latin),
            (AttrId::GivenNameLatin, self.given_name_latin),
            (AttrId::Ethnicity, self.ethnicity),
            (AttrId::BirthDate, self.birth_date),
            (AttrId::Address, self.address),
            (AttrId::IdNumber, self.id_number),
            (AttrId::IssuingAuthority, self.issuing_authority),
        ];
        for (id, v) in texts {
            if let Some(t) = v {
                set_checked(&mut a, id, AttrValue::Text(t))?;
            }
        }
        if let Some(s) = self.sex {
            set_checked(&mut a, AttrId::Sex, AttrValue::Uint(s))?;
        }
        if let Some(rel) = self.portrait {
            // The registry's photo becomes the QR portrait; the photo itself is not kept.
            let photo = read_portrait(base_dir, &rel)?;
            let qr = crate::portrait::derive(&photo).map_err(|e| PersonError::Field {
                field: AttrId::Portrait.name(),
                reason: format!("{rel:?}: {e}"),
            })?;
            set_checked(&mut a, AttrId::Portrait, AttrValue::Bytes(qr.webp))?;
        }
        for id in REQUIRED {
            if a.get(id).is_none() {
                return Err(PersonError::Missing(id.name()));
            }
        }
        Ok(a)
    }
}

/// Reads the portrait named by the person file: a path relative to the person file's folder
/// that stays inside it. Absolute paths and `..` are refused, and so is a symbolic link that
/// leads out of the folder, so a person file cannot make the issuer read (and sign into a
/// credential) a file it was not meant to. Reads at most one byte more than a photo may hold
/// ([`crate::portrait::MAX_PHOTO_LEN`]).
fn read_portrait(base_dir: &Path, rel: &str) -> Result<Vec<u8>, PersonError> {
    let bad = |reason: &str| PersonError::Field {
        field: AttrId::Portrait.name(),
        reason: format!("{rel:?}: {reason}"),
    };
    let relative = Path::new(rel);
    if rel.is_empty() {
        return Err(bad("must name a file"));
    }
    if relative.is_absolute() {
        return Err(bad(
            "must be a path relative to the person file's folder, not an absolute path",
        ));
    }
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(bad(
            "must stay inside the person file's folder (no `..` components)",
        ));
    }
    let path = base_dir.join(relative);
    let io_err = |source: std::io::Error| PersonError::Portrait {
        path: path.clone(),
        source,
    };
    let folder = std::fs::canonicalize(base_dir).map_err(|source| PersonError::Portrait {
        path: base_dir.to_path_buf(),
        source,
    })?;
    let real = std::fs::canonicalize(&path).map_err(io_err)?;
    if !real.starts_with(&folder) {
        return Err(bad(
            "is a symbolic link that leads outside the person file's folder",
        ));
    }
    let file = std::fs::File::open(&real).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(bad("is not a regular file"));
    }
    let limit = crate::portrait::MAX_PHOTO_LEN as u64;
    if meta.len() > limit {
        return Err(bad(&format!(
            "the file is {} bytes; at most {limit} are accepted",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    Ok(bytes)
}

fn set_checked(a: &mut Attributes, id: AttrId, v: AttrValue) -> Result<(), PersonError> {
    let reason = match (&v, id) {
        (AttrValue::Text(t), AttrId::BirthDate) if !tessera_core::attributes::is_date(t) => Some(
            format!("{t:?} is not a date as YYYY-MM-DD (year 1800 or later)"),
        ),
        (AttrValue::Text(t), _) if t.is_empty() => Some("must not be empty".to_string()),
        // Newlines, escape codes and bidi overrides would reach verifier screens.
        (AttrValue::Text(t), _) if tessera_core::text::check_text(t).is_err() => {
            tessera_core::text::check_text(t)
                .err()
                .map(|e| format!("{e}: names, dates, addresses and numbers must be plain text"))
        }
        (AttrValue::Text(t), _) if t.len() > id.max_len() => Some(format!(
            "is {} bytes long; at most {} are accepted",
            t.len(),
            id.max_len()
        )),
        (AttrValue::Uint(s), AttrId::Sex) if !matches!(s, 0 | 1 | 2 | 9) => Some(format!(
            "{s} is not an ISO/IEC 5218 code (0 not known, 1 male, 2 female, 9 not applicable)"
        )),
        _ => v.check(id).err(),
    };
    match reason {
        Some(reason) => Err(PersonError::Field {
            field: id.name(),
            reason,
        }),
        None => {
            a.set(id, v);
            Ok(())
        }
    }
}

#[cfg(test)]
mod sex_tests {
    use super::*;

    fn person(sex: &str) -> Result<Attributes, PersonError> {
        let json = format!(
            "{{\"family_name\": \"LIN\", \"given_name\": \"MEIHUA\", \"birth_date\": \"1990-05-17\",\n\"sex\": {sex}, \"id_number\": \"110105199005171234\"}}"
        );
        parse_person_json(json.as_bytes(), Path::new("."))
    }

    #[test]
    fn a_letter_for_sex_names_the_field_and_the_codes() {
        let e = person("\"F\"").unwrap_err().to_string();
        assert!(e.contains("field `sex`"), "{e}");
        assert!(e.contains("\"F\" is not an ISO/IEC 5218 number"), "{e}");
        assert!(
            e.contains("0 (not known), 1 (male), 2 (female) or 9 (not applicable)"),
            "{e}"
        );
        assert!(e.contains("line 2"), "{e}");
        for other in ["true", "-1", "1.5", "[2]"] {
            let e = person(other).unwrap_err().to_string();
            assert!(
                e.contains("field `sex`") && e.contains("9 (not applicable)"),
                "{other}: {e}"
            );
        }
    }

    #[test]
    fn the_four_codes_and_null_are_taken() {
        for code in ["0", "1", "2", "9"] {
            let a = person(code).unwrap();
            assert_eq!(
                a.get(AttrId::Sex),
                Some(&AttrValue::Uint(code.parse().unwrap()))
            );
        }
        assert!(person("null").unwrap().get(AttrId::Sex).is_none());
        let e = person("3").unwrap_err().to_string();
        assert!(
            e.contains("field `sex`: 3 is not an ISO/IEC 5218 code"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod portrait_tests {
    use super::*;

    fn person_in(dir: &Path, photo: &[u8]) -> Result<Attributes, String> {
        std::fs::write(dir.join("photo.bin"), photo).unwrap();
        let json = br#"{"family_name": "LIN", "given_name": "MEIHUA", "birth_date": "1990-05-17",
            "id_number": "110105199005171234", "portrait": "photo.bin"}"#;
        parse_person_json(json, dir).map_err(|e| e.to_string())
    }

    #[test]
    fn the_photo_becomes_a_qr_portrait() {
        let dir = tempfile::tempdir().unwrap();
        let photo = include_bytes!("../../../assets/demo/portrait.jpg");
        let a = person_in(dir.path(), photo).unwrap();
        let Some(AttrValue::Bytes(webp)) = a.get(AttrId::Portrait) else {
            panic!("no portrait");
        };
        let info = tessera_core::portrait::check(webp).unwrap();
        assert_eq!(info.format, tessera_core::portrait::Format::WebP);
        assert_eq!((info.width, info.height), (48, 64));
    }

    #[test]
    fn bad_photos_are_refused_naming_the_field_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = person_in(dir.path(), b"%PDF-1.7 not a photo").unwrap_err();
        assert_eq!(
            e,
            "person json: field `portrait`: \"photo.bin\": the photo is not a JPEG, PNG or WebP image (unknown format)"
        );
        // A 50,000 x 50,000 PNG header: refused from the header, nothing decoded.
        let bomb = crate::portrait::tests::png_bomb(50_000, 50_000);
        let e = person_in(dir.path(), &bomb).unwrap_err();
        assert!(
            e.starts_with("person json: field `portrait`: \"photo.bin\": the photo is"),
            "{e}"
        );
        assert!(e.contains("at most 8000 a side"), "{e}");
        // A file over the byte cap is refused before it is read.
        std::fs::File::create(dir.path().join("photo.bin"))
            .unwrap()
            .set_len(crate::portrait::MAX_PHOTO_LEN as u64 + 1)
            .unwrap();
        let json = br#"{"family_name": "LIN", "given_name": "MEIHUA", "birth_date": "1990-05-17",
            "id_number": "110105199005171234", "portrait": "photo.bin"}"#;
        let e = parse_person_json(json, dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("the file is 4194305 bytes; at most 4194304 are accepted"),
            "{e}"
        );
    }
}
