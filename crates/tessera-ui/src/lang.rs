//! The languages of both apps: English and Simplified Chinese.

/// A language of the user interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// 简体中文 (Simplified Chinese).
    Zh,
}

impl Lang {
    /// Both languages, in the order a language switch lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The short code kept in preferences files and taken by `--lang`: `en`, `zh`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parses exactly [`Lang::code`].
    ///
    /// ```
    /// use tessera_ui::Lang;
    /// assert_eq!(Lang::from_code("zh"), Some(Lang::Zh));
    /// assert_eq!(Lang::from_code("zh_CN"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language's name in itself, as a language switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }

    /// Parses a language tag or locale name: `en`, `zh`, `zh-CN`, `zh_CN.UTF-8`, `en_GB`
    /// (any case). `None` for other languages and for `C` or `POSIX`.
    ///
    /// ```
    /// use tessera_ui::Lang;
    /// assert_eq!(Lang::from_tag("zh_CN.UTF-8"), Some(Lang::Zh));
    /// assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
    /// assert_eq!(Lang::from_tag("C"), None);
    /// ```
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::Zh)
        } else if t.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language the environment asks for, in POSIX order: the first non-empty of
    /// `LC_ALL`, `LC_MESSAGES` and `LANG` decides; English when it names neither language.
    pub fn from_env() -> Lang {
        Lang::from_locale_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] with the variables read through `var` (testable without touching
    /// the process environment).
    ///
    /// ```
    /// use tessera_ui::Lang;
    /// let env = |name: &str| (name == "LANG").then(|| "zh_CN.UTF-8".to_string());
    /// assert_eq!(Lang::from_locale_vars(env), Lang::Zh);
    /// ```
    pub fn from_locale_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(var)
            .find(|v| !v.is_empty())
            .and_then(|v| Lang::from_tag(&v))
            .unwrap_or_default()
    }

    /// `en` or `zh` in the language: `pick(lang, "yes", "是")`.
    pub fn pick<T>(self, en: T, zh: T) -> T {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    /// Parses a tag as [`Lang::from_tag`] does.
    fn from_str(s: &str) -> Result<Lang, String> {
        Lang::from_tag(s).ok_or_else(|| format!("unknown language {s:?}: expected en or zh"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_tags_parse() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_code(l.code()), Some(l));
            assert_eq!(Lang::from_tag(l.code()), Some(l));
            assert_eq!(l.to_string().parse::<Lang>(), Ok(l));
        }
        assert_eq!(Lang::from_tag("ZH_tw"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("fr_FR.UTF-8"), None);
        assert_eq!(Lang::from_tag(""), None);
        let err = "fr".parse::<Lang>().unwrap_err();
        assert!(err.contains("\"fr\""), "{err}");
    }

    #[test]
    fn locale_variables_in_posix_order() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::Zh
        );
        // LC_ALL wins over LANG; an empty LC_ALL does not count.
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", "en_US"), ("LANG", "zh_CN")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", ""), ("LANG", "zh_CN")])),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_MESSAGES", "zh_SG"), ("LANG", "C")])),
            Lang::Zh
        );
        // The first set variable decides, even when it names another language.
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", "fr_FR"), ("LANG", "zh_CN")])),
            Lang::En
        );
    }
}
