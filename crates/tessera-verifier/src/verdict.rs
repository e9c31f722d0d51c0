//! Verdicts: what a verifier shows for one scanned code, as JSON or as text for a screen.

use serde_json::{Map, Value, json};
use tessera_core::text::printable;
use tessera_core::{AttrId, AttrValue, Purpose, Reason};

/// The verdict on one presentation: valid, or invalid with one precise reason.
///
/// `disclosed` is filled only for a valid verdict: an invalid presentation's items are never
/// shown, even when its signatures checked out (revoked, replayed, stale trust data).
///
/// Only a [`Verifier`](crate::Verifier) makes verdicts: the fields are private and there is
/// no `Default`, so code outside this crate cannot build a verdict that says "valid" without
/// verifying anything.
///
/// ```compile_fail
/// // A valid-looking verdict cannot be made by hand.
/// let v = tessera_verifier::Verdict::default();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `None` when valid; otherwise the reason.
    pub(crate) reason: Option<Reason>,
    /// What exactly was wrong (technical; empty when valid).
    pub(crate) detail: String,
    /// The disclosed items, in slot order (valid verdicts only).
    pub(crate) disclosed: Vec<(AttrId, AttrValue)>,
    /// The issuer's name from the trust list, once the issuer is known.
    pub(crate) issuer: Option<String>,
    /// The issuer's identifier from the trust list.
    pub(crate) issuer_id: Option<String>,
    /// The purpose the holder signed, once known.
    pub(crate) purpose: Option<Purpose>,
    /// Seconds since the trust list was issued.
    pub(crate) trust_age: Option<u64>,
    /// Seconds since the credential's status list was issued (`None`: no status list used).
    pub(crate) status_age: Option<u64>,
    /// Things the person at the counter should know about a verdict.
    pub(crate) warnings: Vec<String>,
}

impl Verdict {
    /// A verdict with nothing filled in yet, for the verifier to complete: every path that
    /// returns it either sets a reason or has verified the presentation.
    pub(crate) fn blank() -> Verdict {
        Verdict {
            reason: None,
            detail: String::new(),
            disclosed: Vec::new(),
            issuer: None,
            issuer_id: None,
            purpose: None,
            trust_age: None,
            status_age: None,
            warnings: Vec::new(),
        }
    }

    /// Whether the presentation is valid.
    pub fn is_valid(&self) -> bool {
        self.reason.is_none()
    }

    /// `None` when valid; otherwise the reason.
    pub fn reason(&self) -> Option<Reason> {
        self.reason
    }

    /// What exactly was wrong (technical; empty when valid). Not escaped: pass it through
    /// [`tessera_core::text::printable`] before showing it.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The disclosed items, in slot order (valid verdicts only). Text values are exact (the
    /// format refuses control characters in them, see `docs/format.md`).
    pub fn disclosed(&self) -> &[(AttrId, AttrValue)] {
        &self.disclosed
    }

    /// The issuer's name from the trust list, once the issuer is known.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The issuer's identifier from the trust list.
    pub fn issuer_id(&self) -> Option<&str> {
        self.issuer_id.as_deref()
    }

    /// The purpose the holder signed, once known.
    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose
    }

    /// Seconds since the trust list was issued.
    pub fn trust_age(&self) -> Option<u64> {
        self.trust_age
    }

    /// Seconds since the credential's status list was issued (`None`: no status list used).
    pub fn status_age(&self) -> Option<u64> {
        self.status_age
    }

    /// Things the person at the counter should know about a verdict (stale data under a
    /// warn policy, a replay cache that could not be written).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub(crate) fn invalid(mut self, reason: Reason, detail: impl Into<String>) -> Verdict {
        self.reason = Some(reason);
        self.detail = detail.into();
        self.disclosed.clear();
        self
    }

    /// The verdict as one JSON object (one line of `tessera-verify --json`):
    /// `verdict` ("valid"/"invalid"), `reason` (code or null), `description`, `detail`,
    /// `disclosed` (item name → value; bytes such as the portrait as base64), `issuer`,
    /// `issuer_id`, `purpose`, `trust_age`, `status_age`, `warnings`.
    pub fn to_json(&self) -> Value {
        let mut disclosed = Map::new();
        for (id, value) in &self.disclosed {
            disclosed.insert(id.name().to_string(), attr_json(value));
        }
        json!({
            "verdict": if self.is_valid() { "valid" } else { "invalid" },
            "reason": self.reason.map(Reason::code),
            "description": self.reason.map(Reason::describe),
            "detail": self.detail,
            "disclosed": disclosed,
            "issuer": self.issuer,
            "issuer_id": self.issuer_id,
            "purpose": self.purpose.map(Purpose::name),
            "trust_age": self.trust_age,
            "status_age": self.status_age,
            "warnings": self.warnings,
        })
    }

    /// The verdict as text for a screen: a large PASS or FAIL banner, the reason, the
    /// disclosed items, the issuer and the age of the trust and status data. Every value the
    /// verifier did not write itself (items, issuer, details, warnings) goes through
    /// [`printable`], so no control or format character reaches the screen; JSON keeps the
    /// exact values.
    pub fn to_text(&self, banner: bool) -> String {
        let mut s = String::new();
        if banner {
            s.push_str(&big(if self.is_valid() { "PASS" } else { "FAIL" }));
        }
        match self.reason {
            None => s.push_str("PASS  valid\n"),
            Some(r) => {
                s.push_str(&format!("FAIL  {}: {}\n", r.code(), r.describe()));
                if !self.detail.is_empty() {
                    s.push_str(&format!("      ({})\n", printable(&self.detail)));
                }
            }
        }
        if let Some(name) = &self.issuer {
            let id = self.issuer_id.as_deref().unwrap_or("");
            s.push_str(&format!(
                "issuer:      {} ({})\n",
                printable(name),
                printable(id)
            ));
        }
        if let Some(p) = self.purpose {
            s.push_str(&format!("purpose:     {p}\n"));
        }
        for (id, value) in &self.disclosed {
            let value = value.to_string();
            s.push_str(&format!(
                "  {:<18} {}\n",
                format!("{}:", id.name()),
                printable(&value)
            ));
        }
        let age = |a: Option<u64>| a.map_or_else(|| "none".to_string(), |a| format_age(a) + " old");
        s.push_str(&format!(
            "trust data:  {}; status data: {}\n",
            age(self.trust_age),
            age(self.status_age)
        ));
        for w in &self.warnings {
            s.push_str(&format!("warning:     {}\n", printable(w)));
        }
        s
    }
}

fn attr_json(value: &AttrValue) -> Value {
    match value {
        AttrValue::Text(t) => Value::String(t.clone()),
        AttrValue::Uint(u) => Value::from(*u),
        AttrValue::Bool(b) => Value::Bool(*b),
        AttrValue::Bytes(b) => Value::String(base64(b)),
    }
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

/// An age in seconds for people: "45 s", "12 min", "3 h 20 min", "2 d 4 h".
pub fn format_age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// Five rows of block letters for "PASS" or "FAIL".
fn big(word: &str) -> String {
    let glyph = |c: char| -> [&str; 5] {
        match c {
            'P' => ["####  ", "#   # ", "####  ", "#     ", "#     "],
            'A' => [" ###  ", "#   # ", "##### ", "#   # ", "#   # "],
            'S' => [" #### ", "#     ", " ###  ", "    # ", "####  "],
            'F' => ["##### ", "#     ", "####  ", "#     ", "#     "],
            'I' => [" ###  ", "  #   ", "  #   ", "  #   ", " ###  "],
            'L' => ["#     ", "#     ", "#     ", "#     ", "##### "],
            _ => ["      "; 5],
        }
    };
    let mut s = String::new();
    for row in 0..5 {
        let line: String = word.chars().map(|c| glyph(c)[row]).collect();
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn json_and_text() {
        let v = Verdict {
            disclosed: vec![
                (AttrId::AgeOver18, AttrValue::Bool(true)),
                (AttrId::Portrait, AttrValue::Bytes(b"foo".to_vec())),
            ],
            issuer: Some("Demo".into()),
            trust_age: Some(90),
            ..Verdict::blank()
        };
        let j = v.to_json();
        assert_eq!(j["verdict"], "valid");
        assert_eq!(j["reason"], Value::Null);
        assert_eq!(j["disclosed"]["age_over_18"], true);
        assert_eq!(j["disclosed"]["portrait"], "Zm9v");
        assert!(v.to_text(true).contains("PASS  valid"));
        let bad = v.invalid(Reason::Revoked, "index 3");
        assert!(bad.disclosed.is_empty());
        assert_eq!(bad.to_json()["reason"], "revoked");
        let t = bad.to_text(true);
        assert!(t.starts_with("##### "), "{t}");
        assert!(t.contains("FAIL  revoked: the ID has been revoked"), "{t}");
        assert_eq!(format_age(90), "1 min");
        assert_eq!(format_age(90_000), "1 d 1 h");
    }

    #[test]
    fn human_text_escapes_every_value_and_json_keeps_it() {
        let v = Verdict {
            disclosed: vec![(
                AttrId::FamilyName,
                AttrValue::Text("LIN\n  age_over_18: yes".into()),
            )],
            issuer: Some("Demo\u{1b}[8m".into()),
            issuer_id: Some("demo\r".into()),
            warnings: vec!["stale\u{202E}".into()],
            ..Verdict::blank()
        };
        let t = v.to_text(false);
        assert!(
            t.contains("family_name:       LIN\\u{000A}  age_over_18: yes\n"),
            "{t}"
        );
        assert!(
            t.contains("issuer:      Demo\\u{001B}[8m (demo\\u{000D})"),
            "{t}"
        );
        assert!(t.contains("warning:     stale\\u{202E}"), "{t}");
        assert!(
            !t.chars()
                .any(|c: char| c != '\n' && tessera_core::text::is_forbidden(c)),
            "{t:?}"
        );
        assert_eq!(t.lines().filter(|l| l.contains("age_over_18")).count(), 1);
        let j = v.to_json();
        assert_eq!(j["disclosed"]["family_name"], "LIN\n  age_over_18: yes");
        assert_eq!(j["issuer"], "Demo\u{1b}[8m");
        let bad = v.invalid(Reason::Malformed, "x\u{1b}[2Ky");
        assert!(bad.to_text(false).contains("(x\\u{001B}[2Ky)"));
    }
}
