//! The SRP `TIMESTAMP` format: `EEE MMM d HH:mm:ss 'UTC' yyyy` (English names, UTC, day of
//! month without leading zero), e.g. `Tue Nov 5 09:03:04 UTC 2024`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("Mon", Weekday::Monday),
    ("Tue", Weekday::Tuesday),
    ("Wed", Weekday::Wednesday),
    ("Thu", Weekday::Thursday),
    ("Fri", Weekday::Friday),
    ("Sat", Weekday::Saturday),
    ("Sun", Weekday::Sunday),
];

const MONTHS: [(&str, Month); 12] = [
    ("Jan", Month::January),
    ("Feb", Month::February),
    ("Mar", Month::March),
    ("Apr", Month::April),
    ("May", Month::May),
    ("Jun", Month::June),
    ("Jul", Month::July),
    ("Aug", Month::August),
    ("Sep", Month::September),
    ("Oct", Month::October),
    ("Nov", Month::November),
    ("Dec", Month::December),
];

/// Formats `t` (converted to UTC) as Cognito's SRP `TIMESTAMP`, e.g.
/// `Tue Nov 5 09:03:04 UTC 2024` (sub-second precision is dropped).
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let weekday = WEEKDAYS[t.weekday().number_days_from_monday() as usize].0;
    let month = MONTHS[t.month() as usize - 1].0;
    format!(
        "{weekday} {month} {} {:02}:{:02}:{:02} UTC {}",
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// Parses a `TIMESTAMP` in exactly the format [`format_timestamp`] produces.
///
/// Strict: single spaces, English abbreviations with that capitalisation, a day of month
/// *without* leading zero (`5`, not `05` or ` 5`: Cognito's clients strip it and Cognito
/// requires that), two-digit `HH:mm:ss` (no leap second), literal `UTC`, a four-digit year;
/// the date must exist and the weekday must match it. Returns `None` otherwise.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let mut parts = s.split(' ');
    let (wd, mon, day, hms, zone, year) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some() || zone != "UTC" {
        return None;
    }
    let weekday = WEEKDAYS.iter().find(|(n, _)| *n == wd)?.1;
    let month = MONTHS.iter().find(|(n, _)| *n == mon)?.1;
    let day = match day.as_bytes() {
        [d @ b'1'..=b'9'] => d - b'0',
        [d1 @ b'1'..=b'3', d2 @ b'0'..=b'9'] => (d1 - b'0') * 10 + (d2 - b'0'),
        _ => return None,
    };
    let (hour, minute, second) = match hms.as_bytes() {
        [h1, h2, b':', m1, m2, b':', s1, s2] => (
            two_digits(*h1, *h2)?,
            two_digits(*m1, *m2)?,
            two_digits(*s1, *s2)?,
        ),
        _ => return None,
    };
    if year.len() != 4 || !year.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    if date.weekday() != weekday {
        return None;
    }
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn two_digits(a: u8, b: u8) -> Option<u8> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
}
