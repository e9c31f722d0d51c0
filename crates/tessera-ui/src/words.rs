//! The words both apps use for what a credential holds: attribute names, purposes, yes and
//! no, and the ISO/IEC 5218 sex codes, in English and Simplified Chinese.
//!
//! The wallet lists what the verifier will see with these words and the scan app shows what
//! it saw with the same ones, so the holder and the clerk read the same thing. Every Chinese
//! word is drawn by the bundled font (a test checks it).

use tessera_core::attributes::{AttrId, AttrValue, Purpose};

use crate::Lang;

/// An attribute's name for people.
///
/// ```
/// use tessera_core::attributes::AttrId;
/// use tessera_ui::{Lang, attr_name};
/// assert_eq!(attr_name(AttrId::AgeOver18, Lang::En), "Age 18 or over");
/// assert_eq!(attr_name(AttrId::IdNumber, Lang::Zh), "公民身份号码");
/// ```
pub fn attr_name(a: AttrId, lang: Lang) -> &'static str {
    let (en, zh) = match a {
        AttrId::FamilyName => ("Family name", "姓"),
        AttrId::GivenName => ("Given name", "名"),
        AttrId::FamilyNameLatin => ("Family name (Latin)", "姓（拼音）"),
        AttrId::GivenNameLatin => ("Given name (Latin)", "名（拼音）"),
        AttrId::Sex => ("Sex", "性别"),
        AttrId::Ethnicity => ("Ethnicity", "民族"),
        AttrId::BirthDate => ("Date of birth", "出生日期"),
        AttrId::Address => ("Address", "住址"),
        AttrId::IdNumber => ("ID number", "公民身份号码"),
        AttrId::IssuingAuthority => ("Issuing authority", "签发机关"),
        AttrId::Portrait => ("Portrait", "照片"),
        AttrId::AgeOver16 => ("Age 16 or over", "年满 16 岁"),
        AttrId::AgeOver18 => ("Age 18 or over", "年满 18 岁"),
        AttrId::AgeOver60 => ("Age 60 or over", "年满 60 岁"),
        // An attribute added to the core later: its wire name until it has words.
        _ => (a.name(), a.name()),
    };
    lang.pick(en, zh)
}

/// A purpose for people, as the verifier reads it and the holder's history shows it.
///
/// ```
/// use tessera_core::attributes::Purpose;
/// use tessera_ui::{Lang, purpose};
/// assert_eq!(purpose(Purpose::CheckIn, Lang::En), "Hotel check-in");
/// assert_eq!(purpose(Purpose::Age18, Lang::Zh), "年龄核验（年满 18 岁）");
/// ```
pub fn purpose(p: Purpose, lang: Lang) -> &'static str {
    let (en, zh) = match p {
        Purpose::Custom => ("Items chosen by the holder", "持证人自选的信息"),
        Purpose::Age18 => ("Age check (18 or over)", "年龄核验（年满 18 岁）"),
        Purpose::Delivery => ("Delivery", "收件"),
        Purpose::CheckIn => ("Hotel check-in", "酒店入住"),
        Purpose::Full => ("Full ID", "完整证件"),
        // A purpose added to the core later: its command-line name until it has words.
        _ => (p.name(), p.name()),
    };
    lang.pick(en, zh)
}

/// "yes" or "no".
pub fn yes_no(b: bool, lang: Lang) -> &'static str {
    match b {
        true => lang.pick("yes", "是"),
        false => lang.pick("no", "否"),
    }
}

/// The words for an ISO/IEC 5218 sex code (0 not known, 1 male, 2 female, 9 not applicable);
/// `None` for any other number.
pub fn sex(code: u64, lang: Lang) -> Option<&'static str> {
    let (en, zh) = match code {
        0 => ("not known", "未知"),
        1 => ("male", "男"),
        2 => ("female", "女"),
        9 => ("not applicable", "不适用"),
        _ => return None,
    };
    Some(lang.pick(en, zh))
}

/// The word an attribute value is shown as, when it is one: yes or no for a boolean, the
/// [`sex`] words for a sex code. `None` for values shown as they are (text, numbers, images),
/// which each app formats its own way.
///
/// ```
/// use tessera_core::attributes::{AttrId, AttrValue};
/// use tessera_ui::{Lang, value_word};
/// assert_eq!(value_word(AttrId::AgeOver18, &AttrValue::Bool(true), Lang::Zh), Some("是"));
/// assert_eq!(value_word(AttrId::Sex, &AttrValue::Uint(2), Lang::En), Some("female"));
/// assert_eq!(value_word(AttrId::Sex, &AttrValue::Uint(7), Lang::En), None);
/// ```
pub fn value_word(a: AttrId, v: &AttrValue, lang: Lang) -> Option<&'static str> {
    match (a, v) {
        (_, AttrValue::Bool(b)) => Some(yes_no(*b, lang)),
        (AttrId::Sex, AttrValue::Uint(code)) => sex(*code, lang),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_and_purpose_has_words_in_both_languages() {
        for a in AttrId::ALL {
            let (en, zh) = (attr_name(a, Lang::En), attr_name(a, Lang::Zh));
            assert_ne!(en, a.name(), "{a:?}");
            assert_ne!(zh, a.name(), "{a:?}");
            assert_ne!(en, zh, "{a:?}");
        }
        for p in Purpose::ALL {
            let (en, zh) = (purpose(p, Lang::En), purpose(p, Lang::Zh));
            assert_ne!(en, p.name(), "{p:?}");
            assert_ne!(zh, p.name(), "{p:?}");
            assert_ne!(en, zh, "{p:?}");
        }
        // Two attributes never share a name: a list of disclosed items must be unambiguous.
        for lang in Lang::ALL {
            let mut names: Vec<_> = AttrId::ALL.iter().map(|a| attr_name(*a, lang)).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), AttrId::ALL.len(), "{lang:?}");
        }
    }

    #[test]
    fn every_word_is_drawn_by_the_bundled_font() {
        let fonts = crate::Fonts::bundled();
        let mut words: Vec<&str> = Vec::new();
        for lang in Lang::ALL {
            words.extend(AttrId::ALL.iter().map(|a| attr_name(*a, lang)));
            words.extend(Purpose::ALL.iter().map(|p| purpose(*p, lang)));
            words.extend([yes_no(true, lang), yes_no(false, lang)]);
            words.extend([0, 1, 2, 9].iter().filter_map(|c| sex(*c, lang)));
            words.push(lang.native_name());
        }
        for w in words {
            assert_eq!(fonts.drawable(w), w, "a character of {w:?} has no glyph");
        }
    }

    #[test]
    fn sex_codes_are_the_iso_5218_ones() {
        assert_eq!(sex(0, Lang::En), Some("not known"));
        assert_eq!(sex(9, Lang::Zh), Some("不适用"));
        for code in [3, 8, 10, u64::MAX] {
            assert_eq!(sex(code, Lang::En), None, "{code}");
        }
        // A number that is not the sex attribute is never turned into a word.
        assert_eq!(
            value_word(AttrId::BirthDate, &AttrValue::Uint(1), Lang::En),
            None
        );
    }
}
