//! Dates, times and ages as both apps show them. Times are Unix seconds shown in UTC (the
//! apps never read the time zone: a credential's dates are UTC dates).

use tessera_core::UnixTime;
use tessera_core::attributes::civil_date;

use crate::Lang;

/// `YYYY-MM-DD` of a Unix time (UTC).
///
/// ```
/// assert_eq!(tessera_ui::date(1_795_651_200), "2026-11-26");
/// ```
pub fn date(t: UnixTime) -> String {
    let (y, m, d) = civil_date(t);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix time.
///
/// ```
/// assert_eq!(tessera_ui::date_time(1_795_651_200 + 3723), "2026-11-26 01:02 UTC");
/// ```
pub fn date_time(t: UnixTime) -> String {
    let s = t % 86_400;
    format!("{} {:02}:{:02} UTC", date(t), s / 3600, s % 3600 / 60)
}

/// `HH:MM:SS UTC` of a Unix time: the time of day, for a list of today's events.
///
/// ```
/// assert_eq!(tessera_ui::clock_time(1_795_651_200 + 3723), "01:02:03 UTC");
/// ```
pub fn clock_time(t: UnixTime) -> String {
    let s = t % 86_400;
    format!("{:02}:{:02}:{:02} UTC", s / 3600, s % 3600 / 60, s % 60)
}

/// An age in seconds: "45 s", "12 min", "3 h 20 min", "2 d 4 h" (秒, 分钟, 小时, 天 in
/// Chinese). The English is what `tessera-verify` prints.
///
/// ```
/// use tessera_ui::{Lang, age};
/// assert_eq!(age(12_000, Lang::En), "3 h 20 min");
/// assert_eq!(age(90_000, Lang::Zh), "1 天 1 小时");
/// ```
pub fn age(secs: u64, lang: Lang) -> String {
    let (s, min, h, d) = lang.pick(("s", "min", "h", "d"), ("秒", "分钟", "小时", "天"));
    match secs {
        0..60 => format!("{secs} {s}"),
        60..3600 => format!("{} {min}", secs / 60),
        3600..86_400 => format!("{} {h} {} {min}", secs / 3600, secs % 3600 / 60),
        _ => format!("{} {d} {} {h}", secs / 86_400, secs % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_at_the_edges() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date_time(86_399), "1970-01-01 23:59 UTC");
        assert_eq!(clock_time(86_399), "23:59:59 UTC");
        // 2024-02-29, a leap day, and the second after it.
        assert_eq!(date(1_709_164_800), "2024-02-29");
        assert_eq!(date(1_709_164_800 + 86_400), "2024-03-01");
        // The largest time does not panic.
        assert!(date_time(u64::MAX).ends_with(" UTC"));
        assert!(clock_time(u64::MAX).ends_with(" UTC"));
    }

    #[test]
    fn ages_in_both_languages_at_each_unit_boundary() {
        let cases = [
            (0, "0 s", "0 秒"),
            (59, "59 s", "59 秒"),
            (60, "1 min", "1 分钟"),
            (3599, "59 min", "59 分钟"),
            (3600, "1 h 0 min", "1 小时 0 分钟"),
            (86_399, "23 h 59 min", "23 小时 59 分钟"),
            (86_400, "1 d 0 h", "1 天 0 小时"),
        ];
        for (secs, en, zh) in cases {
            assert_eq!(age(secs, Lang::En), en);
            assert_eq!(age(secs, Lang::Zh), zh);
        }
    }

    #[test]
    fn the_english_age_is_the_verifiers() {
        let mut secs = 0u64;
        while secs < 10 * 86_400 {
            assert_eq!(
                age(secs, Lang::En),
                tessera_verifier::format_age(secs),
                "{secs}"
            );
            secs = secs * 3 / 2 + 1;
        }
        assert_eq!(
            age(u64::MAX, Lang::En),
            tessera_verifier::format_age(u64::MAX)
        );
    }
}
