//! Time as Unix milliseconds UTC, the one representation the store uses (DESIGN.md §3).

use std::time::{SystemTime, UNIX_EPOCH};

pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// "2026-11-25 18:23 UTC", for people.
pub fn format_utc(ms: Millis) -> String {
    format_with(ms, time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC"))
}

/// "2026-11-25", the day of a moment (UTC).
pub fn format_date(ms: Millis) -> String {
    format_with(ms, time::macros::format_description!("[year]-[month]-[day]"))
}

fn format_with(ms: Millis, fmt: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_else(|| "—".to_owned())
}

/// The last millisecond (UTC) of a "YYYY-MM-DD" date, as an HTML date input sends it.
pub fn end_of_date(date: &str) -> Option<Millis> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date.trim(), &fmt).ok()?;
    let next = day.next_day()?.midnight().assume_utc();
    Some((next.unix_timestamp_nanos() / 1_000_000) as Millis - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_milliseconds_as_utc_minutes() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_700_000_000_000), "2023-11-14 22:13 UTC");
    }

    #[test]
    fn a_date_ends_at_its_last_millisecond() {
        assert_eq!(end_of_date("1970-01-01"), Some(DAY - 1));
        assert_eq!(format_date(end_of_date("2026-12-24").unwrap()), "2026-12-24");
        assert_eq!(end_of_date("2026-13-01"), None);
        assert_eq!(end_of_date("next week"), None);
    }
}
