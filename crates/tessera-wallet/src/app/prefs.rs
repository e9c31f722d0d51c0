//! Preferences kept in plain text beside the store: the language, the theme and the text
//! size, readable before unlock (no personal data).

use std::path::Path;

use super::TEXT_SIZES;
use super::i18n::Lang;

/// The preferences that must be readable while locked (language, theme, text size).
pub(super) const PREFS_FILE: &str = "app-preferences.json";

/// Light, dark or as the system says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Follow the system.
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl ThemeChoice {
    pub(super) fn code(self) -> &'static str {
        match self {
            ThemeChoice::System => "system",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }

    pub(super) fn from_code(s: &str) -> ThemeChoice {
        match s {
            "light" => ThemeChoice::Light,
            "dark" => ThemeChoice::Dark,
            _ => ThemeChoice::System,
        }
    }

    pub(super) fn to_egui(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Preferences kept in plain text beside the store (needed before unlock; no personal data).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Prefs {
    pub(super) lang: Lang,
    pub(super) theme: ThemeChoice,
    pub(super) text_size: f32,
}

impl Prefs {
    pub(super) fn load(dir: &Path, lang: Option<Lang>) -> Prefs {
        let saved: Option<serde_json::Value> = std::fs::read(dir.join(PREFS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let get = |k: &str| {
            saved
                .as_ref()
                .and_then(|v| v.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Prefs {
            lang: lang
                .or_else(|| get("lang").and_then(|l| Lang::from_code(&l)))
                .unwrap_or_else(Lang::from_env),
            theme: ThemeChoice::from_code(&get("theme").unwrap_or_default()),
            text_size: saved
                .as_ref()
                .and_then(|v| v.get("text_size"))
                .and_then(serde_json::Value::as_f64)
                .map(|f| f as f32)
                .filter(|f| TEXT_SIZES.contains(f))
                .unwrap_or(1.0),
        }
    }

    pub(super) fn save(&self, dir: &Path) {
        let v = serde_json::json!({
            "lang": self.lang.code(),
            "theme": self.theme.code(),
            "text_size": self.text_size,
        });
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(PREFS_FILE), v.to_string());
    }
}
