//! Preferences kept in plain text beside the store: the language, the theme and the text
//! size, readable before unlock (no personal data).

use std::path::Path;

use super::TEXT_SIZES;
use super::i18n::Lang;

/// The preferences that must be readable while locked (language, theme, text size).
pub(super) const PREFS_FILE: &str = "app-preferences.json";
/// Largest preferences file read (it holds three short values).
const MAX_PREFS_LEN: u64 = 4096;

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
        // A regular file of at most a few bytes: anything else (a FIFO, a device, a link to
        // one) is ignored without reading, as a damaged file is.
        let saved: Option<serde_json::Value> =
            tessera_fs::read_limited(&dir.join(PREFS_FILE), MAX_PREFS_LEN)
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
        // Best effort: the app works the same with the defaults (a crash mid-write leaves the
        // old file or the new one, never half of one).
        let _ = std::fs::create_dir_all(dir);
        let _ =
            tessera_fs::write_atomic(&dir.join(PREFS_FILE), v.to_string().as_bytes(), Some(0o600));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_round_trip_and_odd_files_are_ignored_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let prefs = Prefs {
            lang: Lang::Zh,
            theme: ThemeChoice::Dark,
            text_size: 1.25,
        };
        prefs.save(dir.path());
        assert_eq!(Prefs::load(dir.path(), None), prefs);
        // A FIFO with no writer in its place: the defaults, at once (a plain read would wait
        // for a writer forever and the app would never start).
        let path = dir.path().join(PREFS_FILE);
        std::fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        if made.is_ok_and(|s| s.success()) {
            let d = dir.path().to_path_buf();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(Prefs::load(&d, Some(Lang::En)));
            });
            let loaded = rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("loading the preferences does not block on a FIFO");
            assert_eq!(loaded.theme, ThemeChoice::System);
            std::fs::remove_file(&path).unwrap();
        }
        // An oversized file: ignored.
        let mut big = b"{\"theme\":\"dark\",\"pad\":\"".to_vec();
        big.resize(8000, b'x');
        big.extend_from_slice(b"\"}");
        std::fs::write(&path, &big).unwrap();
        assert_eq!(
            Prefs::load(dir.path(), Some(Lang::En)).theme,
            ThemeChoice::System
        );
    }
}
